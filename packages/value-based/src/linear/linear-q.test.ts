import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryLogger, type ReplayBatch, StopTrainingOnMaxEpisodes, evaluatePolicy } from '@tfrl/core';
import { make } from '@tfrl/envs';
import { afterAll, describe, expect, it } from 'vitest';
import { cartpoleSymmetricFeatures, identityFeatures, registerFeatureMap, resolveFeatureMap } from './features';
import { LinearQ, linearQUpdate, linearQValues, makeScratch } from './linear-q';

function batchOf(
  rows: Array<{ s: number[]; a: number; r: number; next: number[]; term?: number; trunc?: number; disc: number }>,
): ReplayBatch {
  return {
    batchSize: rows.length,
    obs: Float32Array.from(rows.flatMap((x) => x.s)),
    actions: Int32Array.from(rows.map((x) => x.a)),
    rewards: Float32Array.from(rows.map((x) => x.r)),
    nextObs: Float32Array.from(rows.flatMap((x) => x.next)),
    terminated: Float32Array.from(rows.map((x) => x.term ?? 0)),
    truncated: Float32Array.from(rows.map((x) => x.trunc ?? 0)),
    discounts: Float32Array.from(rows.map((x) => x.disc)),
    indices: new Int32Array(rows.length),
  };
}

const closeTo = (got: ArrayLike<number>, want: number[]) => want.forEach((w, i) => expect(got[i]).toBeCloseTo(w, 6));

describe('linear Q: features and the analytic update against hand-computed numbers', () => {
  it('the notebook’s symmetric CartPole features: φ(s, 1) = s, φ(s, 0) = −s, so Q(s, 0) = −Q(s, 1)', () => {
    const out = new Float32Array(4);
    cartpoleSymmetricFeatures.features([0.0126, 0.0016, -0.0421, 0.0018], 0, out);
    closeTo(out, [-0.0126, -0.0016, 0.0421, -0.0018]);
    const q = linearQValues([1, 2, 3, 4], cartpoleSymmetricFeatures, 2, [1, 1, 1, 1], makeScratch(cartpoleSymmetricFeatures, 2));
    expect(Array.from(q)).toEqual([-10, 10]);
  });

  // θ = [1, 2, 0, −1].
  // Row 1: s = e1, a = 1 → pred 1; max_a' Q(e2, a') = 2; y = 1 + 0.5·2 = 2; δ = 1; δφ = [1, 0, 0, 0].
  // Row 2: s = [0, 0, 1, 1], a = 0 → φ = [0, 0, −1, −1], pred 1; terminal: y = 0.5; δ = −0.5; δφ = [0, 0, 0.5, 0.5].
  type Row = { s: number[]; a: number; r: number; next: number[]; term?: number; trunc?: number; disc: number };
  const rows: Row[] = [
    { s: [1, 0, 0, 0], a: 1, r: 1, next: [0, 1, 0, 0], disc: 0.5 },
    { s: [0, 0, 1, 1], a: 0, r: 0.5, next: [1, 1, 1, 1], term: 1, disc: 0.5 },
  ];

  it('θ ← θ + 2α·mean(δφ) (notebook’s MSE gradient): [1.1, 2, 0.05, −0.95], loss 0.625', () => {
    const theta = Float32Array.of(1, 2, 0, -1);
    const loss = linearQUpdate(theta, cartpoleSymmetricFeatures, 2, batchOf(rows), { learningRate: 0.1, mseGradient: true });
    closeTo(theta, [1.1, 2, 0.05, -0.95]);
    expect(loss).toBeCloseTo(0.625, 10);
  });

  it('θ ← θ + α·mean(δφ) (semi-gradient): [1.05, 2, 0.025, −0.975]', () => {
    const theta = Float32Array.of(1, 2, 0, -1);
    linearQUpdate(theta, cartpoleSymmetricFeatures, 2, batchOf(rows), { learningRate: 0.1, mseGradient: false });
    closeTo(theta, [1.05, 2, 0.025, -0.975]);
  });

  it('the notebook’s np.take quirk: every prediction is read from the first state of the batch', () => {
    // Row 2's prediction becomes Q(e1, a=0) = −1, so δ = 0.5 − (−1) = 1.5 and δφ = [0, 0, −1.5, −1.5].
    const theta = Float32Array.of(1, 2, 0, -1);
    const loss = linearQUpdate(theta, cartpoleSymmetricFeatures, 2, batchOf(rows), {
      learningRate: 0.1,
      mseGradient: true,
      notebookTakeQuirk: true,
    });
    closeTo(theta, [1.1, 2, -0.15, -1.15]);
    expect(loss).toBeCloseTo(1.625, 10);
  });

  it('truncated transitions bootstrap unless terminalOnTruncation', () => {
    const trunc: Row[] = [{ ...(rows[0] as Row), trunc: 1 }];
    const a = Float32Array.of(1, 2, 0, -1);
    linearQUpdate(a, cartpoleSymmetricFeatures, 2, batchOf(trunc), { learningRate: 0.1, mseGradient: false });
    closeTo(a, [1.1, 2, 0, -1]); // δ = 1
    const b = Float32Array.of(1, 2, 0, -1);
    linearQUpdate(b, cartpoleSymmetricFeatures, 2, batchOf(trunc), { learningRate: 0.1, mseGradient: false, terminalOnTruncation: true });
    closeTo(b, [1, 2, 0, -1]); // y = r = 1 = pred: δ = 0
  });

  it('per-action weights (state features): only the taken action’s row moves', () => {
    // θ rows: a0 = [1, 0], a1 = [0, 1]. s = [1, 2], a = 1 → pred 2; Q(s′=[3, 1]) = [3, 1] → y = 0 + 1·3; δ = 1.
    const fm = identityFeatures(2);
    const theta = Float32Array.of(1, 0, 0, 1);
    linearQUpdate(theta, fm, 2, batchOf([{ s: [1, 2], a: 1, r: 0, next: [3, 1], disc: 1 }]), { learningRate: 0.1, mseGradient: false });
    closeTo(theta, [1, 0, 0.1, 1.2]);
  });

  it('feature-map registry: names, size checks, custom maps', () => {
    expect(() => resolveFeatureMap('nope', 4, 2)).toThrow(/unknown feature map 'nope'/);
    expect(() => resolveFeatureMap('cartpole-symmetric', 6, 3)).toThrow(/needs 4 observation values and 2 actions/);
    registerFeatureMap('squares', (d) => ({
      kind: 'state',
      name: 'squares',
      dim: d,
      features: (o, out) => {
        for (let i = 0; i < d; i++) out[i] = (o[i] as number) ** 2;
      },
    }));
    expect(resolveFeatureMap('squares', 3, 2).dim).toBe(3);
  });
});

describe('LinearQ on CartPole-v1 (the notebook’s experiment)', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('learns to balance with the symmetric features and the notebook’s hyperparameters', async () => {
    const logger = new MemoryLogger();
    // Seed-sensitive (see BENCHMARKS.md: a few initial θ never recover); seed 3 is one that learns.
    const agent = new LinearQ({ env: make('CartPole-v1'), features: 'cartpole-symmetric', seed: 3, logger });
    expect(agent.hyperparameters).toMatchObject({
      gamma: 0.99,
      batchSize: 32,
      learningRate: 1e-3,
      bufferSize: 50_000,
      epsilon: 1,
      epsilonDecay: 0.98,
      epsilonMin: 0.01,
    });
    await agent.learn({ totalTimesteps: 1_000_000, callbacks: new StopTrainingOnMaxEpisodes(150) });
    const r = agent.episodeReturns;
    expect(r.length).toBe(150);
    const first = r.slice(0, 20).reduce((a, b) => a + b, 0) / 20;
    const last = r.slice(-20).reduce((a, b) => a + b, 0) / 20;
    console.log(`LinearQ CartPole seed 3: first 20 episodes ${first.toFixed(1)}, last 20 ${last.toFixed(1)}, ${agent.numTimesteps} steps`);
    expect(last).toBeGreaterThan(100);
    expect(last).toBeGreaterThan(3 * first);
    expect(agent.explorationRate).toBeCloseTo(Math.max(0.01, 0.98 ** 150), 10);
    const ev = evaluatePolicy(agent, make('CartPole-v1'), { nEpisodes: 5, seed: 0 });
    expect(ev.meanReward).toBeGreaterThan(100);
    expect(logger.records.filter((x) => x.tag === 'rollout/ep_return').length).toBe(150);
    expect(logger.records.some((x) => x.tag === 'train/loss')).toBe(true);

    const dir = mkdtempSync(join(tmpdir(), 'tfrl-linq-'));
    dirs.push(dir);
    await agent.save(dir);
    const loaded = await LinearQ.load(dir, { env: make('CartPole-v1') });
    expect(Array.from(loaded.theta)).toEqual(Array.from(agent.theta));
    expect(loaded.featureMap).toBe(cartpoleSymmetricFeatures);
    const obs = Float32Array.of(0.01, -0.2, 0.03, 0.3, -0.02, 0.1, -0.04, -0.2);
    expect(loaded.predict(obs, { deterministic: true })).toEqual(agent.predict(obs, { deterministic: true }));
  });

  it('a custom feature-map object, per-action weights; bad options are named', async () => {
    const fm = {
      kind: 'state' as const,
      name: 'cart-test-bias',
      dim: 5,
      features: (o: ArrayLike<number>, out: Float32Array) => {
        out.set(Array.from(o).slice(0, 4));
        out[4] = 1;
      },
    };
    const agent = new LinearQ({ env: make('CartPole-v1'), featureMap: fm, seed: 1, thetaInit: 'zeros' });
    expect(agent.hyperparameters.features).toBe('cart-test-bias');
    expect(agent.theta.length).toBe(10);
    await agent.learn({ totalTimesteps: 300 });
    expect(agent.numUpdates).toBe(300 - 32);
    expect(agent.theta.some((x) => x !== 0)).toBe(true);
    expect(() => new LinearQ({ env: make('CliffWalking-v1') })).toThrow(/observation space must be a Box/);
    expect(() => new LinearQ({ env: make('CartPole-v1'), batchSize: 0 })).toThrow(/batchSize/);
    expect(() => new LinearQ({ env: make('CartPole-v1'), features: 'cartpole-symetric' })).toThrow(/unknown feature map/);
  });
});
