import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Rng, evaluatePolicy } from '@tfrl/core';
import { expectNoTensorLeak, useBackend } from '@tfrl/core/testing';
import { make, makeVec } from '@tfrl/envs';
import { DDPG, SAC, TD3 } from '@tfrl/policy-gradient';
import { DQN } from '@tfrl/value-based';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HerReplayBuffer, herLoadOptions } from './her';
import { SuccessRateCallback } from './success';

beforeAll(async () => {
  await useBackend('wasm');
});

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tfrl-her-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** SB3's DQN + HER settings of its BitFlipping test. */
const dqnOpts = {
  learningRate: 2e-3,
  trainFreq: 1,
  gradientSteps: 2,
  learningStarts: 20,
  explorationFinalEps: 0.02,
  targetUpdateInterval: 100,
  batchSize: 32,
  bufferSize: 10_000,
};

/** Share of 100 greedy test episodes that reach the goal (the last reward is 0, so return > −length). */
function testSuccess(agent: DQN, nBits: number): number {
  const r = evaluatePolicy(agent, make('BitFlipping-v0', { nBits }), { nEpisodes: 100, seed: 123 });
  return r.episodeRewards.filter((x, i) => x > -(r.episodeLengths[i] as number)).length / 100;
}

describe('HerReplayBuffer in off-policy learners', () => {
  it('DQN takes it as replayBufferClass (the class or its name) with SB3’s kwargs, with every DQN switch', async () => {
    const env = makeVec('BitFlipping-v0', 2, { seed: 0, kwargs: { nBits: 4 } });
    for (const [cls, extra] of [
      [HerReplayBuffer, {}],
      ['HerReplayBuffer', { prioritized: true }],
      ['HerReplayBuffer', { nStep: 3, double: true, dueling: true }],
      ['HerReplayBuffer', { distributional: true, noisy: true, nAtoms: 11 }],
    ] as const) {
      const agent = new DQN({
        env,
        seed: 0,
        ...dqnOpts,
        ...extra,
        replayBufferClass: cls,
        // As in SB3, the learner hands its env to the buffer: the kwargs hold only HER's own options.
        replayBufferKwargs: { nSampledGoal: 4, goalSelectionStrategy: 'episode' },
      });
      const buf = agent.replayBuffer as HerReplayBuffer;
      expect(buf).toBeInstanceOf(HerReplayBuffer);
      expect(buf.goalSelectionStrategy).toBe('episode');
      expect(buf.prioritized).toBe('prioritized' in extra);
      expect(buf.her.nStep).toBe('nStep' in extra ? 3 : 1);
      await agent.learn({ totalTimesteps: 120 });
      expect(Number.isFinite(agent.lastLoss as number)).toBe(true);
      agent.dispose();
    }
    // Built by hand without an env, the buffer is refused with a message saying why.
    expect(
      () =>
        new HerReplayBuffer({
          capacity: 64,
          obsDim: env.singleObservationSpace.compactDim,
          actionDim: 1,
          actionDtype: 'int32',
          observationSpace: env.singleObservationSpace,
        }),
    ).toThrow(/HerReplayBuffer needs the env/);
    env.close();
  });

  it('BitFlipping with 8 bits: DQN + HER solves it, plain DQN does not, in the same 3,000 steps', async () => {
    const run = async (her: boolean) => {
      const env = makeVec('BitFlipping-v0', 2, { seed: 0, kwargs: { nBits: 8 } });
      const agent = new DQN({
        env,
        seed: 0,
        ...dqnOpts,
        ...(her
          ? { replayBufferClass: HerReplayBuffer, replayBufferKwargs: { env, nSampledGoal: 4, goalSelectionStrategy: 'future' } }
          : {}),
      });
      const success = new SuccessRateCallback({ windowSize: 50 });
      await agent.learn({ totalTimesteps: 3000, callbacks: [success] });
      const result = { train: success.successRate as number, test: testSuccess(agent, 8) };
      agent.dispose();
      return result;
    };
    const her = await run(true);
    const plain = await run(false);
    expect(her.train).toBeGreaterThan(0.9);
    expect(her.test).toBeGreaterThan(0.9);
    expect(plain.train).toBeLessThan(0.2);
    expect(plain.test).toBeLessThan(0.2);
  }, 60_000);

  it('saves and loads an agent and its HER buffer; loading needs the env and says so', async () => {
    const env = makeVec('BitFlipping-v0', 2, { seed: 1, kwargs: { nBits: 5 } });
    const agent = new DQN({
      env,
      seed: 1,
      ...dqnOpts,
      replayBufferClass: HerReplayBuffer,
      replayBufferKwargs: { env, nSampledGoal: 3, goalSelectionStrategy: 'final' },
    });
    await agent.learn({ totalTimesteps: 400 });
    const dir = path.join(tmp, 'agent');
    const bufDir = path.join(tmp, 'buffer');
    await agent.save(dir);
    await agent.saveReplayBuffer(bufDir);

    const env2 = makeVec('BitFlipping-v0', 2, { seed: 1, kwargs: { nBits: 5 } });
    // The env does not survive the checkpoint: the buffer's env must be given again.
    await expect(DQN.load(dir, { env: env2 })).rejects.toThrow(
      /has no computeReward.*HerReplayBuffer needs the env.*herLoadOptions\(dir, env\)/s,
    );
    const loaded = await DQN.load(dir, await herLoadOptions(dir, env2));
    const buf = loaded.replayBuffer as HerReplayBuffer;
    expect(buf).toBeInstanceOf(HerReplayBuffer);
    expect([buf.nSampledGoal, buf.goalSelectionStrategy]).toEqual([3, 'final']);
    const obs = new Float32Array(15 * 8);
    const rng = new Rng(4);
    for (let i = 0; i < obs.length; i++) obs[i] = rng.integers(0, 2);
    expect(Array.from(loaded.predict(obs, { deterministic: true }))).toEqual(Array.from(agent.predict(obs, { deterministic: true })));

    // The buffer round trip: the same transitions, episodes and relabelled batches.
    expect(buf.size).toBe(0);
    await loaded.loadReplayBuffer(bufDir);
    const a = agent.replayBuffer as HerReplayBuffer;
    expect(buf.size).toBe(a.size);
    expect(Array.from(buf.episodeLengths)).toEqual(Array.from(a.episodeLengths));
    const x = a.sample(64, new Rng(9));
    const xs = { obs: Array.from(x.obs), rewards: Array.from(x.rewards), relabelled: Array.from(x.relabelled) };
    const y = buf.sample(64, new Rng(9));
    expect({ obs: Array.from(y.obs), rewards: Array.from(y.rewards), relabelled: Array.from(y.relabelled) }).toEqual(xs);
    // Training continues.
    await loaded.learn({ totalTimesteps: 100, resetNumTimesteps: false });
    agent.dispose();
    loaded.dispose();
  }, 60_000);

  it('does not leak tensors across learn, save and load with HER', async () => {
    const env = makeVec('BitFlipping-v0', 2, { seed: 2, kwargs: { nBits: 4 } });
    const agent = new DQN({
      env,
      seed: 2,
      ...dqnOpts,
      prioritized: true,
      replayBufferClass: HerReplayBuffer,
      replayBufferKwargs: { env, nSampledGoal: 4, goalSelectionStrategy: 'future' },
    });
    const dir = path.join(tmp, 'leak');
    await expectNoTensorLeak(async () => {
      await agent.learn({ totalTimesteps: 60, resetNumTimesteps: false });
      await agent.save(dir);
      const loaded = await DQN.load(dir, await herLoadOptions(dir, env));
      loaded.dispose();
    });
    agent.dispose();
  }, 60_000);
});

describe('HerReplayBuffer with the Box-action learners (SAC, TD3, DDPG) on continuous BitFlipping', () => {
  /** Share of 100 deterministic test episodes that reach the goal. */
  function success(agent: { predict: never } | object, nBits: number): number {
    const r = evaluatePolicy(agent as never, make('BitFlipping-v0', { nBits, continuous: true }), { nEpisodes: 100, seed: 5 });
    return r.episodeRewards.filter((x, i) => x > -(r.episodeLengths[i] as number)).length / 100;
  }
  const opts = (her: boolean) => ({
    seed: 0,
    learningStarts: 100,
    batchSize: 64,
    bufferSize: 10_000,
    netArch: [64, 64],
    learningRate: 1e-3,
    gamma: 0.95,
    ...(her ? { replayBufferClass: 'HerReplayBuffer', replayBufferKwargs: { nSampledGoal: 4, goalSelectionStrategy: 'future' } } : {}),
  });
  const bits = (n: number) => makeVec('BitFlipping-v0', 2, { seed: 0, kwargs: { nBits: n, continuous: true } });

  it('TD3 and DDPG + HER solve 4 bits in 3,000 steps', async () => {
    for (const Cls of [TD3, DDPG]) {
      const agent = new Cls({ env: bits(4), ...opts(true) } as never);
      expect(agent.replayBuffer).toBeInstanceOf(HerReplayBuffer);
      await agent.learn({ totalTimesteps: 3000 });
      expect(success(agent, 4)).toBeGreaterThanOrEqual(0.9);
      agent.dispose();
    }
  }, 120_000);

  it('SAC + HER solves 6 bits in 3,000 steps; SAC without HER does not', async () => {
    const result: number[] = [];
    for (const her of [true, false]) {
      const agent = new SAC({ env: bits(6), ...opts(her), entCoef: 'auto_0.1' } as never);
      await agent.learn({ totalTimesteps: 3000 });
      result.push(success(agent, 6));
      agent.dispose();
    }
    expect(result[0]).toBeGreaterThanOrEqual(0.9);
    expect(result[1]).toBeLessThan(0.4);
  }, 120_000);
});

describe('SAC + HER on the continuous goal env PointMassGoal-v0', () => {
  it('reaches the goal at the end of ≥ 90 % of 100 deterministic episodes after 6,000 steps', async () => {
    const agent = new SAC({
      env: makeVec('PointMassGoal-v0', 2, { seed: 0 }),
      seed: 0,
      learningStarts: 500,
      batchSize: 128,
      bufferSize: 100_000,
      netArch: [64, 64],
      learningRate: 1e-3,
      gamma: 0.95,
      entCoef: 'auto_0.1',
      replayBufferClass: 'HerReplayBuffer',
      replayBufferKwargs: { nSampledGoal: 4, goalSelectionStrategy: 'future' },
    } as never);
    await agent.learn({ totalTimesteps: 6000 });
    const env = make('PointMassGoal-v0');
    let reached = 0;
    for (let ep = 0; ep < 100; ep++) {
      let { obs } = env.reset({ seed: 1000 + ep });
      for (;;) {
        const r = env.step(agent.predict(obs, { deterministic: true }) as never);
        obs = r.obs;
        if (r.terminated || r.truncated) {
          if (r.info.is_success) reached++;
          break;
        }
      }
    }
    expect(reached).toBeGreaterThanOrEqual(90);
    agent.dispose();
  }, 180_000);
});
