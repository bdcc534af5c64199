/**
 * generalized State-Dependent Exploration (`useSde`) in PPO, A2C and SAC: SB3's semantics
 * (noise fixed between resets, resets per rollout / sdeSampleFreq / gradient step, log-std matrix
 * [latentDim, actDim] saved with checkpoints), determinism, no tensor leaks, and a little learning.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import { BaseEnv, Box, type Env, SyncVecEnv, evaluatePolicy } from '@tfrl/core';
import { expectNoTensorLeak, useBackend } from '@tfrl/core/testing';
import { makeVec } from '@tfrl/envs';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { A2C } from './a2c';
import { PPO } from './ppo';
import { ReachEnv } from './reach-env.testutil';
import { SAC } from './sac';

beforeAll(async () => {
  await useBackend('wasm');
});

/** ReachEnv with a 2-D action (reward −Σ(a_i − t)²), for the shape of the log-std matrix. */
class Reach2Env extends BaseEnv<Float32Array, Float32Array> {
  readonly observationSpace = new Box({ low: -1, high: 1, shape: [1] });
  readonly actionSpace = new Box({ low: -2, high: 2, shape: [2] });
  private target = 0;
  protected _reset() {
    this.target = this.rng.uniform(-1, 1);
    return { obs: Float32Array.of(this.target), info: {} };
  }
  protected _step(a: Float32Array) {
    const r = -(((a[0] as number) - this.target) ** 2) - ((a[1] as number) - this.target) ** 2;
    return { obs: Float32Array.of(this.target), reward: r, terminated: true, truncated: false, info: {} };
  }
  render() {
    return { width: 1, height: 1, data: new Uint8Array(3) };
  }
}

const reachVec = (n: number) => new SyncVecEnv(Array.from({ length: n }, () => () => new ReachEnv() as Env<Float32Array, Float32Array>));
const values = (t: tf.Tensor | undefined) => Array.from(t?.dataSync() ?? []);
const probe = Float32Array.of(-0.8, -0.3, 0.2, 0.9);

type Agent = PPO | A2C | SAC;
const logStdOf = (a: Agent): tf.Variable | undefined => (a instanceof A2C ? a.policy.logStd : a.logStd);

const initLogStd = { PPO: 0, A2C: -2, SAC: -3 } as const;

const algos = [
  {
    name: 'PPO',
    make: (seed: number, extra: Record<string, unknown> = {}) =>
      new PPO({
        env: reachVec(2),
        seed,
        useSde: true,
        nSteps: 32,
        batchSize: 32,
        nEpochs: 4,
        learningRate: 3e-3,
        gamma: 0.9,
        netArch: [16, 16],
        ...extra,
      }),
    load: (dir: string) => PPO.load(dir, { env: reachVec(2) }),
  },
  {
    name: 'A2C',
    make: (seed: number, extra: Record<string, unknown> = {}) =>
      new A2C({
        env: reachVec(2),
        seed,
        useSde: true,
        nSteps: 8,
        learningRate: 3e-3,
        gamma: 0.9,
        netArch: [16, 16],
        logStdInit: -2,
        orthoInit: false,
        ...extra,
      }),
    load: (dir: string) => A2C.load(dir, { env: reachVec(2) }),
  },
  {
    name: 'SAC',
    make: (seed: number, extra: Record<string, unknown> = {}) =>
      new SAC({
        env: new ReachEnv(),
        seed,
        useSde: true,
        netArch: [32, 32],
        batchSize: 32,
        learningStarts: 50,
        learningRate: 3e-3,
        ...extra,
      }),
    load: (dir: string) => SAC.load(dir, { env: new ReachEnv() }),
  },
] as const;

describe.each(algos)('$name with useSde', ({ name, make, load }) => {
  it('has a [latentDim, actDim] log-std matrix (or [latentDim, 1] without fullStd), initialised to logStdInit', () => {
    const latentDim = name === 'SAC' ? 32 : 16;
    const a = make(0, { logStdInit: -1.5 });
    const ls = logStdOf(a) as tf.Variable;
    expect(ls.shape).toEqual([latentDim, 1]);
    expect(new Set(values(ls))).toEqual(new Set([-1.5]));
    a.dispose();
    const env2 = () => (name === 'SAC' ? new Reach2Env() : new SyncVecEnv([() => new Reach2Env() as Env<Float32Array, Float32Array>]));
    for (const [fullStd, cols] of [
      [true, 2],
      [false, 1],
    ] as const) {
      const b = make(0, { env: env2(), fullStd, useExpln: true });
      expect(logStdOf(b)?.shape).toEqual([latentDim, cols]);
      const act = b.predict(probe, { deterministic: false });
      expect(act.length).toBe(8);
      for (const v of act) expect(Math.abs(v)).toBeLessThanOrEqual(2);
      b.dispose();
    }
  });

  it('the noise stays fixed between resets and changes after one; deterministic predict is the mean', () => {
    const a = make(1);
    const s1 = a.predict(probe, { deterministic: false });
    const s2 = a.predict(probe, { deterministic: false });
    // gSDE: the same state and the same exploration matrix give the same action.
    expect(Array.from(s2)).toEqual(Array.from(s1));
    const d = a.predict(probe, { deterministic: true });
    expect(Array.from(d)).not.toEqual(Array.from(s1));
    if (a instanceof A2C) a.policy.resetNoise(a.rng.tfSeed(), 1);
    else if (a instanceof PPO) a.resetNoise(1);
    else a.sdeNoise?.reset(a.rng.tfSeed(), 1);
    const s3 = a.predict(probe, { deterministic: false });
    expect(Array.from(s3)).not.toEqual(Array.from(s1));
    expect(Array.from(a.predict(probe, { deterministic: true }))).toEqual(Array.from(d));
    a.dispose();
  });

  it('same seed → same actions and the same training', async () => {
    const run = async () => {
      const a = make(5);
      await a.learn({ totalTimesteps: 120 });
      const out = [...a.predict(probe, { deterministic: false }), ...a.predict(probe, { deterministic: true }), ...values(logStdOf(a))];
      a.dispose();
      return out;
    };
    const x = await run();
    const y = await run();
    expect(y).toEqual(x);
  });

  it('does not leak tensors across updates', async () => {
    const a = make(2, name === 'SAC' ? { learningStarts: 10, sdeSampleFreq: 3 } : { sdeSampleFreq: 2 });
    await a.learn({ totalTimesteps: 64 });
    await expectNoTensorLeak(async () => {
      await a.learn({ totalTimesteps: 32, resetNumTimesteps: false });
      a.predict(probe, { deterministic: false });
      a.predict(probe, { deterministic: true });
    });
    a.dispose();
  });

  it('save → load restores the log-std matrix; the loaded agent acts the same and keeps training', async () => {
    const a = make(3);
    await a.learn({ totalTimesteps: 200 });
    const before = values(logStdOf(a));
    // Training moved the log std away from its initial value.
    expect(before.some((v) => Math.abs(v - initLogStd[name]) > 1e-4)).toBe(true);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `tfrl-gsde-${name}-`));
    await a.save(dir);
    const b = await load(dir);
    expect(logStdOf(b)?.shape).toEqual(logStdOf(a)?.shape);
    expect(values(logStdOf(b))).toEqual(before);
    expect(Array.from(b.predict(probe, { deterministic: true }))).toEqual(Array.from(a.predict(probe, { deterministic: true })));
    await b.learn({ totalTimesteps: 32, resetNumTimesteps: false });
    a.dispose();
    b.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('gSDE noise schedule (SB3: reset_noise)', () => {
  it('PPO / A2C: a new matrix per env at each rollout start and every sdeSampleFreq steps', async () => {
    for (const [freq, perRollout] of [
      [-1, 1],
      [4, 2],
      [3, 3],
    ] as const) {
      const ppo = new PPO({ env: reachVec(3), seed: 0, useSde: true, sdeSampleFreq: freq, nSteps: 8, batchSize: 8, nEpochs: 1 });
      const spy = vi.spyOn(ppo.sdeNoise as NonNullable<PPO['sdeNoise']>, 'reset');
      await ppo.learn({ totalTimesteps: 2 * 8 * 3 });
      expect(spy).toHaveBeenCalledTimes(2 * perRollout);
      for (const call of spy.mock.calls) expect(call[1]).toBe(3);
      ppo.dispose();
      const a2c = new A2C({ env: reachVec(3), seed: 0, useSde: true, sdeSampleFreq: freq, nSteps: 8 });
      const spy2 = vi.spyOn(a2c.policy.sdeNoise as NonNullable<PPO['sdeNoise']>, 'reset');
      await a2c.learn({ totalTimesteps: 2 * 8 * 3 });
      expect(spy2).toHaveBeenCalledTimes(2 * perRollout);
      a2c.dispose();
    }
  });

  it('SAC: per collection phase (trainFreq), every sdeSampleFreq steps, and once (one matrix) per gradient step', async () => {
    const sac = new SAC({
      env: new ReachEnv(),
      seed: 0,
      useSde: true,
      sdeSampleFreq: 2,
      trainFreq: 4,
      gradientSteps: 3,
      learningStarts: 8,
      batchSize: 8,
      netArch: [8],
    });
    const spy = vi.spyOn(sac.sdeNoise as NonNullable<SAC['sdeNoise']>, 'reset');
    await sac.learn({ totalTimesteps: 16 });
    // 4 phases × (steps 0 and 2) = 8 collection resets; training after the phases ending at 12 and 16: 2 × 3 gradient steps.
    expect(spy).toHaveBeenCalledTimes(8 + 6);
    expect(spy.mock.calls.every((c) => c[1] === 1)).toBe(true);
    sac.dispose();
  });

  it('SAC with useSdeAtWarmup acts with the policy during learningStarts', async () => {
    const sac = new SAC({ env: new ReachEnv(), seed: 0, useSde: true, useSdeAtWarmup: true, learningStarts: 1000, netArch: [8] });
    const spy = vi.spyOn(sac as unknown as { policyActions: (o: Float32Array, d: boolean) => Float32Array }, 'policyActions');
    await sac.learn({ totalTimesteps: 5 });
    expect(spy).toHaveBeenCalledTimes(5);
    sac.dispose();
  });

  it('refuses gSDE with discrete actions or the tanh_softplus head, naming the problem', () => {
    expect(() => new PPO({ env: makeVec('CartPole-v1', 1), useSde: true })).toThrow(/useSde.*Box/);
    expect(() => new A2C({ env: makeVec('CartPole-v1', 1), useSde: true })).toThrow(/useSde.*Box/);
    expect(() => new A2C({ env: reachVec(1), useSde: true, gaussianHead: 'tanh_softplus' })).toThrow(/useSde.*state_independent/);
    expect(() => new PPO({ env: reachVec(1), use_sde: true, sde_sample_freq: -2 } as never)).toThrow(/sdeSampleFreq/);
  });

  it('accepts the snake_case names of SB3', () => {
    const a = new PPO({ env: reachVec(1), use_sde: true, sde_sample_freq: 4, full_std: false } as never);
    expect([a.hyperparameters.useSde, a.hyperparameters.sdeSampleFreq, a.hyperparameters.fullStd]).toEqual([true, 4, false]);
    a.dispose();
  });
});

describe('gSDE learning smoke tests (ReachEnv: reward −(a − target)²)', () => {
  it('PPO with gSDE learns to track the target', async () => {
    const agent = new PPO({
      env: reachVec(4),
      seed: 3,
      useSde: true,
      sdeSampleFreq: 4,
      nSteps: 64,
      batchSize: 64,
      nEpochs: 10,
      learningRate: 3e-3,
      gamma: 0.9,
    });
    const evalEnv = new ReachEnv();
    const before = await evaluatePolicy(agent, evalEnv, { nEpisodes: 50, deterministic: true, seed: 5 });
    await agent.learn({ totalTimesteps: 3000 });
    const after = await evaluatePolicy(agent, evalEnv, { nEpisodes: 50, deterministic: true, seed: 5 });
    expect(after.meanReward).toBeGreaterThan(before.meanReward + 0.1);
    expect(after.meanReward).toBeGreaterThan(-0.1);
    agent.dispose();
  }, 120_000);

  it('A2C with gSDE improves', async () => {
    const agent = new A2C({
      env: reachVec(8),
      seed: 1,
      useSde: true,
      nSteps: 8,
      learningRate: 3e-3,
      gamma: 0.9,
      logStdInit: -2,
      orthoInit: false,
      normalizeAdvantage: true,
    });
    const evalEnv = new ReachEnv();
    const before = await evaluatePolicy(agent, evalEnv, { nEpisodes: 50, deterministic: true, seed: 5 });
    await agent.learn({ totalTimesteps: 4000 });
    const after = await evaluatePolicy(agent, evalEnv, { nEpisodes: 50, deterministic: true, seed: 5 });
    expect(after.meanReward).toBeGreaterThan(before.meanReward + 0.05);
    agent.dispose();
  }, 120_000);

  it('SAC with gSDE learns and logs train/std', async () => {
    const { MemoryLogger } = await import('@tfrl/core');
    const logger = new MemoryLogger();
    const agent = new SAC({
      env: new ReachEnv(),
      seed: 1,
      useSde: true,
      netArch: [32, 32],
      batchSize: 32,
      learningStarts: 50,
      learningRate: 3e-3,
      logger,
    });
    const evalEnv = new ReachEnv();
    const before = await evaluatePolicy(agent, evalEnv, { nEpisodes: 50, seed: 3 });
    await agent.learn({ totalTimesteps: 600, logInterval: 50 });
    const after = await evaluatePolicy(agent, evalEnv, { nEpisodes: 50, seed: 3 });
    expect(after.meanReward).toBeGreaterThan(before.meanReward + 0.1);
    expect(after.meanReward).toBeGreaterThan(-0.05);
    expect(logger.records.some((r) => r.tag === 'train/std')).toBe(true);
    agent.dispose();
  }, 120_000);
});
