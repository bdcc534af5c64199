import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { Discrete, MemoryLogger, NonFiniteError, Rng, evaluatePolicy, getAlgorithm, listAlgorithms, unregisterAlgorithm } from '@tfrl/core';
import { expectNoTensorLeak, useBackend } from '@tfrl/core/testing';
import { make, makeVec } from '@tfrl/envs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordDataset } from './data/record';
import { Dataset, type Trajectory, flatTransitions } from './data/trajectory';
import { DQfD, largeMarginLoss, largeMarginPerSample } from './dqfd';
import { DemoReplayBuffer } from './dqfd-buffer';
import { registerImitationAlgorithms } from './index';

let root: string;
beforeAll(async () => {
  await useBackend('wasm');
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'tfrl-dqfd-'));
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

/** Push the cart towards where the pole leans (plus its angular velocity). */
const cartExpert = (obs: Float32Array): number => ((obs[2] as number) + 0.5 * (obs[3] as number) > 0 ? 1 : 0);

let cartData: Dataset | undefined;
function cartpoleData(): Dataset {
  cartData ??= recordDataset(cartExpert, make('CartPole-v1'), { episodes: 6, seed: 0, source: 'heuristic' });
  return cartData;
}

/** Small and quick: the tests below only need the mechanics. */
const FAST = {
  netArch: [16],
  batchSize: 16,
  bufferSize: 64,
  trainFreq: 4,
  gradientSteps: 1,
  targetUpdateInterval: 50,
  pretrainSteps: 20,
  learningRate: 1e-3,
};

const close = (a: ArrayLike<number>, b: ArrayLike<number>, digits = 5) => {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) expect(a[i] as number).toBeCloseTo(b[i] as number, digits);
};

describe('the large-margin loss J_E against hand computations', () => {
  // Rows: (Q, a_E) → max_a[Q + l] − Q(a_E) with l = 0.8 off the expert's action:
  //   [1, 2, 0.5], a_E 0: max(1, 2.8, 1.3) − 1 = 1.8
  //   [3, 0, 2.5], a_E 0: max(3, 0.8, 3.3) − 3 = 0.3
  //   [0, 0, 0],   a_E 2: max(0.8, 0.8, 0) − 0 = 0.8
  //   [5, 1, 1],   a_E 0: max(5, 1.8, 1.8) − 5 = 0   (the expert's action leads by more than the margin)
  const q = () =>
    tf.tensor2d([
      [1, 2, 0.5],
      [3, 0, 2.5],
      [0, 0, 0],
      [5, 1, 1],
    ]);
  const aE = () => tf.tensor1d([0, 0, 2, 0], 'int32');

  it('per row, over the batch and masked to demonstration rows', () => {
    const [qt, at] = [q(), aE()];
    const per = largeMarginPerSample(qt, at, 0.8);
    close(per.dataSync(), [1.8, 0.3, 0.8, 0]);
    const all = largeMarginLoss(qt, at);
    expect(all.dataSync()[0]).toBeCloseTo((1.8 + 0.3 + 0.8) / 4, 5);
    // Agent rows (isDemo 0) add nothing but count in the mean.
    const isDemo = tf.tensor1d([1, 0, 1, 1]);
    const masked = largeMarginLoss(qt, at, { isDemo, margin: 0.8 });
    expect(masked.dataSync()[0]).toBeCloseTo((1.8 + 0.8) / 4, 5);
    // Another margin: [1, 2, 0.5] with l = 2 → max(1, 4, 2.5) − 1 = 3.
    expect(largeMarginPerSample(qt, at, 2).dataSync()[0]).toBeCloseTo(3, 5);
    tf.dispose([qt, at, per, all, isDemo, masked]);
  });

  it('its gradient is +1 at the margin-augmented argmax and −1 at the expert action', () => {
    // Rows 1, 2 and 4 above (row 3 has a tie in the max).
    const qt = tf.tensor2d([
      [1, 2, 0.5],
      [3, 0, 2.5],
      [5, 1, 1],
    ]);
    const at = tf.tensor1d([0, 0, 0], 'int32');
    const g = tf.grad((x: tf.Tensor) => tf.sum(largeMarginPerSample(x as tf.Tensor2D, at, 0.8)))(qt);
    close(g.dataSync(), [-1, 1, 0, -1, 0, 1, 0, 0, 0]);
    tf.dispose([qt, at, g]);
  });

  it('rejects mismatched shapes', () => {
    const [qt] = [q()];
    const bad = tf.tensor1d([0, 1], 'int32');
    expect(() => largeMarginPerSample(qt, bad)).toThrow(/expertActions \[2\]/);
    tf.dispose([qt, bad]);
  });
});

// ------------------------------------------------------------------ n-step targets

/** A CartPole-shaped observation whose (unbounded) velocity component carries `v`. */
const ob = (v: number) => Float32Array.of(0, v, 0, 0);
function traj(values: number[], rewards: number[], end: 'terminated' | 'truncated' | 'none', action = 1): Trajectory {
  const obs = new Float32Array(values.length * 4);
  values.forEach((v, i) => obs.set(ob(v), i * 4));
  return {
    obs,
    acts: new Int32Array(rewards.length).fill(action),
    rews: Float32Array.from(rewards),
    terminated: end === 'terminated',
    truncated: end === 'truncated',
    obsDim: 4,
    actDim: 1,
  };
}

describe('n-step targets on demonstrations and agent data', () => {
  const cart = make('CartPole-v1');
  // Demonstrations: A (3 steps, terminated) and B (2 steps, truncated by a time limit).
  const demos = new Dataset({
    trajectories: [traj([10, 11, 12, 13], [1, 2, 3], 'terminated'), traj([20, 21, 22], [4, 5], 'truncated')],
    observationSpace: cart.observationSpace,
    actionSpace: cart.actionSpace,
  });
  /** Agent rows 0–6: C (2 steps, terminated), D (3 steps, truncated), E (2 steps, still running). */
  function addAgentData(buffer: DemoReplayBuffer): void {
    const steps: Array<[number, number, number, 0 | 1, 0 | 1]> = [
      // obs, reward, next, terminated, truncated
      [0, 1, 1, 0, 0],
      [1, 1, 100, 1, 0],
      [2, 1, 3, 0, 0],
      [3, 2, 4, 0, 0],
      [4, 4, 5, 0, 1],
      [6, 8, 7, 0, 0],
      [7, 16, 8, 0, 0],
    ];
    for (const [o, r, n, te, tr] of steps) buffer.add(ob(o), 0, r, ob(n), te, tr);
  }

  it('the buffer gives each row its 1-step and n-step transition (n = 3, γ = 0.5)', () => {
    const agent = new DQfD({ env: cart, demonstrations: demos, seed: 0, gamma: 0.5, nStep: 3, bufferSize: 16, netArch: [8] });
    const buf = agent.demoBuffer;
    addAgentData(buf);
    expect(buf.agentSize).toBe(7);
    expect(buf.demoCount).toBe(5);
    expect(buf.size).toBe(12);
    const A0 = buf.demoIndex(0);
    const idx = [0, 1, 2, 3, 4, 5, 6, A0, A0 + 1, A0 + 2, A0 + 3, A0 + 4];
    const b = buf.rows(idx);
    close(b.isDemo, [0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1]);
    // 1-step: the stored rows.
    close(b.rewards, [1, 1, 1, 2, 4, 8, 16, 1, 2, 3, 4, 5]);
    close(b.discounts, Array(12).fill(0.5));
    close(b.terminated, [0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0]);
    close(b.truncated, [0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1]);
    // n-step, by hand:
    //   C0: 1 + .5·1, C ends at its 2nd step (terminated) → m 2, s' = 100
    //   C1: 1, m 1, terminated                    D0: 1 + .5·2 + .25·4 = 3, m 3, truncated at D2, s' = 5
    //   D1: 2 + .5·4 = 4, m 2, truncated, s' = 5  D2: 4, m 1, truncated, s' = 5
    //   E0: 8 + .5·16 = 16, m 2: E1 is the newest step (E still runs), s' = 8, bootstraps
    //   E1: 16, m 1, s' = 8
    //   A0: 1 + .5·2 + .25·3 = 2.75, m 3, terminated   A1: 2 + 1.5 = 3.5, m 2   A2: 3, m 1
    //   B0: 4 + .5·5 = 6.5, m 2, truncated, s' = 22    B1: 5, m 1
    close(b.nStepRewards, [1.5, 1, 3, 4, 4, 16, 16, 2.75, 3.5, 3, 6.5, 5]);
    close(b.nStepDiscounts, [0.25, 0.5, 0.125, 0.25, 0.5, 0.25, 0.5, 0.125, 0.25, 0.5, 0.25, 0.5]);
    close(b.nStepTerminated, [1, 1, 0, 0, 0, 0, 0, 1, 1, 1, 0, 0]);
    close(b.nStepTruncated, [0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 1, 1]);
    close(
      Array.from({ length: 12 }, (_, i) => b.nStepNextObs[i * 4 + 1] as number),
      [100, 100, 5, 5, 5, 8, 8, 13, 13, 13, 22, 22],
    );
    agent.dispose();
  });

  it.each([false, true])('the learner’s targets: y = R + γ^m (1 − terminated) · Q′(s_{t+m}, ·) (double %s)', (double) => {
    const agent = new DQfD({ env: cart, demonstrations: demos, seed: 0, gamma: 0.5, nStep: 3, bufferSize: 16, netArch: [8], double });
    addAgentData(agent.demoBuffer);
    const A0 = agent.demoBuffer.demoIndex(0);
    const idx = [0, 1, 2, 3, 4, 5, 6, A0, A0 + 1, A0 + 2, A0 + 3, A0 + 4];
    const b = agent.demoBuffer.rows(idx);
    const { oneStep, nStep } = agent.tdTargets(b);
    const B = idx.length;
    /** Q′(s, ·) of the bootstrap: max of the target net, or the target net at the online argmax (Double DQN). */
    const value = (next: Float32Array): number[] => {
      const qt = agent.qNetTarget.hostForward(next, B, false);
      const qo = agent.qNet.hostForward(next, B, false);
      return Array.from({ length: B }, (_, i) => {
        const [t0, t1] = [qt[2 * i] as number, qt[2 * i + 1] as number];
        if (!double) return Math.max(t0, t1);
        return (qo[2 * i + 1] as number) > (qo[2 * i] as number) ? t1 : t0;
      });
    };
    const v1 = value(b.nextObs);
    const vn = value(b.nStepNextObs);
    close(
      oneStep,
      idx.map((_, i) => (b.rewards[i] as number) + 0.5 * (1 - (b.terminated[i] as number)) * (v1[i] as number)),
      4,
    );
    // By hand from the table above: terminated rows have no bootstrap, the others γ^m·Q′(s_{t+m}).
    const hand = [1.5, 1, 3 + 0.125 * vn[2]!, 4 + 0.25 * vn[3]!, 4 + 0.5 * vn[4]!, 16 + 0.25 * vn[5]!, 16 + 0.5 * vn[6]!, 2.75, 3.5, 3];
    hand.push(6.5 + 0.25 * vn[10]!, 5 + 0.5 * vn[11]!);
    close(nStep, hand, 4);
    agent.dispose();
  });
});

// ------------------------------------------------------------------ the buffer

describe('DemoReplayBuffer', () => {
  const make5Demos = () => ({
    obs: [100, 101, 102, 103, 104],
    nextObs: [101, 102, 103, 199, 105],
    actions: [0, 1, 0, 1, 1],
    rewards: [1, 1, 1, 1, 1],
    terminated: [0, 0, 0, 1, 0],
    truncated: [0, 0, 0, 0, 1],
  });

  it('never overwrites the demonstrations when the agent ring wraps, and their priorities include ε_d', () => {
    const buf = new DemoReplayBuffer({ capacity: 4, obsDim: 1, actionDim: 1, actionDtype: 'int32', gamma: 0.9, nStep: 3 });
    buf.setDemonstrations(make5Demos());
    for (let t = 0; t < 10; t++) buf.add([t], 0, 0, [t + 1], 0, t === 9 ? 1 : 0);
    expect(buf.agentSize).toBe(4);
    expect(buf.demoCount).toBe(5);
    expect(Array.from(buf.demonstrations?.obs ?? [])).toEqual([100, 101, 102, 103, 104]);
    expect(Array.from(buf.obs).sort()).toEqual([6, 7, 8, 9]);
    // Sampled rows: demonstration rows are the demonstrations, agent rows the newest agent steps.
    const rng = new Rng(0);
    for (let k = 0; k < 20; k++) {
      const b = buf.sample(32, rng);
      for (let i = 0; i < 32; i++) {
        const g = b.indices[i] as number;
        if (b.isDemo[i]) {
          expect(g).toBeGreaterThanOrEqual(4);
          expect(b.obs[i]).toBe(100 + g - 4);
        } else {
          expect(g).toBeLessThan(4);
          expect(b.obs[i]).toBeGreaterThanOrEqual(6);
        }
        expect(b.weights[i]).toBeGreaterThan(0);
        expect(b.weights[i]).toBeLessThanOrEqual(1);
      }
    }
    // p = (|δ| + ε)^α: ε_d = 1 for demonstrations, ε_a = 0.001 for agent rows (α 0.4).
    const demo = buf.demoIndex(2);
    buf.updatePriorities([demo, 1], [0.5, 0.5]);
    expect(buf.priority(demo)).toBeCloseTo(1.5 ** 0.4, 10);
    expect(buf.priority(1)).toBeCloseTo(0.501 ** 0.4, 10);
    // With every |δ| = 0 the bonus alone decides: demonstrations 1, agent rows 0.001^0.4 ≈ 0.063 each.
    buf.updatePriorities([0, 1, 2, 3, 4, 5, 6, 7, 8], Array(9).fill(0));
    let demoRows = 0;
    for (let k = 0; k < 20; k++) demoRows += buf.sample(50, rng).isDemo.reduce((a, v) => a + v, 0);
    const expected = 5 / (5 + 4 * 0.001 ** 0.4);
    expect(demoRows / 1000).toBeGreaterThan(expected - 0.04);
    expect(() => buf.updatePriorities([4 + 5], [1])).toThrow(/not a stored row/);
    // More agent data: still the same demonstrations.
    for (let t = 10; t < 17; t++) buf.add([t], 0, 0, [t + 1], 0, 0);
    expect(Array.from(buf.demonstrations?.obs ?? [])).toEqual([100, 101, 102, 103, 104]);
    expect(buf.priority(demo)).toBeCloseTo(1, 10);
  });

  it('trains on demonstrations alone, refuses demonstrations whose last row does not end, and round-trips its state', () => {
    const buf = new DemoReplayBuffer({ capacity: 8, obsDim: 1, actionDim: 1, actionDtype: 'int32' });
    expect(() => buf.sample(4, new Rng(0))).toThrow(/empty/);
    expect(() => buf.setDemonstrations({ ...make5Demos(), truncated: [0, 0, 0, 0, 0] })).toThrow(/last transition/);
    buf.setDemonstrations(make5Demos());
    expect(buf.sample(8, new Rng(1)).isDemo.every((v) => v === 1)).toBe(true);
    buf.add([1], 1, 2, [2], 0, 0);
    buf.updatePriorities([0, buf.demoIndex(1)], [3, 0.25]);
    const state = buf.getState();
    const again = new DemoReplayBuffer({ capacity: 8, obsDim: 1, actionDim: 1, actionDtype: 'int32' });
    again.setState(state);
    expect(again.demoCount).toBe(5);
    expect(again.agentSize).toBe(1);
    for (const i of [0, 8, 9, 12]) expect(again.priority(i)).toBe(buf.priority(i));
    const r1 = buf.sample(16, new Rng(5));
    const r2 = again.sample(16, new Rng(5));
    expect(Array.from(r2.indices)).toEqual(Array.from(r1.indices));
    expect(Array.from(r2.nStepRewards)).toEqual(Array.from(r1.nStepRewards));
  });
});

// ------------------------------------------------------------------ the learner

describe('DQfD', () => {
  it('pre-training alone on CartPole demonstrations gives a greedy policy far better than random (≈ 22)', async () => {
    const logger = new MemoryLogger();
    const data = cartpoleData();
    const agent = new DQfD({
      env: make('CartPole-v1'),
      demonstrations: data,
      seed: 0,
      logger,
      netArch: [64, 64],
      batchSize: 64,
      learningRate: 1e-3,
      pretrainSteps: 1500,
      targetUpdateInterval: 500,
    });
    expect(agent.numDemonstrations).toBe(flatTransitions(data).n);
    await agent.pretrain();
    expect(agent.pretrainStepsDone).toBe(1500);
    expect(agent.numTimesteps).toBe(0);
    expect(agent.numUpdates).toBe(1500);
    const { meanReward } = evaluatePolicy(agent, make('CartPole-v1'), { nEpisodes: 5, deterministic: true, seed: 100 });
    expect(meanReward).toBeGreaterThanOrEqual(150);
    // Logged per 1,000 steps (and at the end) under pretrain/, at step = pre-training steps.
    const margin = logger.scalars('pretrain/margin_loss');
    expect(margin.map(([s]) => s)).toEqual([1000, 1500]);
    expect(logger.lastScalar('pretrain/demo_fraction')).toBe(1);
    for (const tag of ['pretrain/td_loss', 'pretrain/n_step_loss', 'pretrain/l2', 'pretrain/loss']) {
      expect(Number.isFinite(logger.lastScalar(tag))).toBe(true);
    }
    // learn() does not pre-train again; its batches mix demonstrations and agent data.
    await agent.learn({ totalTimesteps: 200 });
    expect(agent.pretrainStepsDone).toBe(1500);
    expect(agent.numTimesteps).toBe(200);
    const stats = agent.lastTrainStats as Record<string, number>;
    expect(Object.keys(stats).sort()).toEqual(
      ['train/demo_fraction', 'train/l2', 'train/loss', 'train/margin_loss', 'train/n_step_loss', 'train/td_loss'].sort(),
    );
    expect(stats['train/demo_fraction']).toBeGreaterThan(0);
    expect(stats['train/demo_fraction']).toBeLessThan(1);
    agent.dispose();
  }, 60_000);

  it('same seed → same run (pre-training, collection with a wrapping buffer, updates); the demonstrations stay', async () => {
    const data = cartpoleData();
    const run = async (seed: number) => {
      const logger = new MemoryLogger();
      const agent = new DQfD({ env: makeVec('CartPole-v1', 2, { seed }), demonstrations: data, seed, ...FAST });
      await agent.learn({ totalTimesteps: 240, logger });
      // The loss terms are logged with the rollout statistics (episodes end quickly here).
      for (const tag of ['train/td_loss', 'train/n_step_loss', 'train/margin_loss', 'train/l2', 'train/demo_fraction', 'train/loss']) {
        expect(logger.scalars(tag).length).toBeGreaterThan(0);
      }
      expect(logger.scalars('pretrain/margin_loss').map(([step]) => step)).toEqual([20]);
      const params = agent.getParameters();
      const stats = agent.lastTrainStats;
      expect(agent.demoBuffer.agentSize).toBe(64); // 240 steps through a ring of 64
      expect(Array.from(agent.demoBuffer.demonstrations?.obs ?? [])).toEqual(Array.from(flatTransitions(data).obs));
      agent.dispose();
      return { params, stats };
    };
    const a = await run(3);
    const b = await run(3);
    const c = await run(4);
    expect(b.stats).toEqual(a.stats);
    for (const [k, v] of Object.entries(a.params)) expect(Array.from(b.params[k] as Float32Array)).toEqual(Array.from(v));
    const first = Object.keys(a.params)[0] as string;
    expect(Array.from(c.params[first] as Float32Array)).not.toEqual(Array.from(a.params[first] as Float32Array));
  }, 60_000);

  it('no tensor leak across pre-training, learn, predict, save, load and the replay buffer', async () => {
    const data = cartpoleData();
    const agent = new DQfD({ env: make('CartPole-v1'), demonstrations: data, seed: 0, ...FAST });
    const dir = path.join(root, 'leak');
    const obs = data.trajectories[0]?.obs.subarray(0, 4) as Float32Array;
    await expectNoTensorLeak(async () => {
      await agent.pretrain({ steps: 5 });
      await agent.learn({ totalTimesteps: 40, resetNumTimesteps: false });
      agent.predict(obs, { deterministic: true });
      agent.predict(obs, { deterministic: false });
      await agent.save(dir);
      await agent.saveReplayBuffer(path.join(dir, 'buffer'));
      const loaded = await DQfD.load(dir, { env: make('CartPole-v1') });
      await loaded.loadReplayBuffer(path.join(dir, 'buffer'));
      loaded.predict(obs, { deterministic: true });
      loaded.dispose();
    });
    // What the checkpoint and the buffer restore.
    const loaded = await DQfD.load(dir, { env: make('CartPole-v1') });
    expect(loaded.pretrainStepsDone).toBe(agent.pretrainStepsDone);
    expect(loaded.numDemonstrations).toBe(0);
    await expect(loaded.learn({ totalTimesteps: 10 })).rejects.toThrow(/no demonstrations/);
    await loaded.loadReplayBuffer(path.join(dir, 'buffer'));
    expect(loaded.numDemonstrations).toBe(agent.numDemonstrations);
    expect(loaded.demoBuffer.priority(loaded.demoBuffer.demoIndex(0))).toBe(agent.demoBuffer.priority(agent.demoBuffer.demoIndex(0)));
    expect(loaded.predict(obs, { deterministic: true })).toEqual(agent.predict(obs, { deterministic: true }));
    loaded.dispose();
    agent.dispose();
  }, 60_000);

  it('a non-finite loss stops the run', async () => {
    const data = cartpoleData();
    const huge = new Dataset({
      trajectories: data.trajectories.map((t) => ({ ...t, rews: t.rews.map(() => 1e30) })),
      observationSpace: data.observationSpace,
      actionSpace: data.actionSpace,
    });
    const agent = new DQfD({ env: make('CartPole-v1'), demonstrations: huge, seed: 0, ...FAST, loss: 'mse' });
    await expect(agent.pretrain({ steps: 3 })).rejects.toBeInstanceOf(NonFiniteError);
    agent.dispose();
  });

  it('names bad inputs: Box actions, mismatched spaces, unknown fields, missing demonstrations', async () => {
    const cart = cartpoleData();
    const pend = recordDataset(() => Float32Array.of(0), make('Pendulum-v1'), { episodes: 1, seed: 0, maxSteps: 5 });
    expect(() => new DQfD({ env: make('Pendulum-v1'), demonstrations: pend })).toThrow(/DQfD needs a Discrete action space/);
    expect(() => new DQfD({ env: make('CartPole-v1'), demonstrations: pend })).toThrow(/DQfD needs a Discrete action space/);
    expect(() => new DQfD({ env: make('Acrobot-v1'), demonstrations: cart })).toThrow(/observation space .* does not match the env's/);
    const threeActions = new Dataset({
      trajectories: cart.trajectories,
      observationSpace: cart.observationSpace,
      actionSpace: new Discrete(3),
    });
    expect(() => new DQfD({ env: make('CartPole-v1'), demonstrations: threeActions })).toThrow(/action space .* does not match/);
    expect(() => new DQfD({ env: make('CartPole-v1'), demonstrations: {} as never })).toThrow(/must be a Dataset/);
    expect(() => new DQfD({ env: make('CartPole-v1'), distributional: true } as never)).toThrow(/distributional/);
    expect(() => new DQfD({ env: make('CartPole-v1'), margin: -1 })).toThrow(/margin/);
    expect(() => new DQfD({ env: make('CartPole-v1'), replayBufferClass: 'PrioritizedReplayBuffer' })).toThrow(/DemoReplayBuffer/);
    const bare = new DQfD({ env: make('CartPole-v1'), ...FAST });
    await expect(bare.pretrain()).rejects.toThrow(/no demonstrations/);
    await expect(bare.learn({ totalTimesteps: 10 })).rejects.toThrow(/no demonstrations/);
    bare.dispose();
  });

  it("is registered as 'dqfd', needing demonstrations", () => {
    registerImitationAlgorithms();
    const reg = getAlgorithm('dqfd');
    expect(reg.ctor).toBe(DQfD);
    expect(reg.needsDemonstrations).toBe(true);
    for (const a of listAlgorithms()) if (a.family === '@tfrl/imitation') unregisterAlgorithm(a.name);
  });
});
