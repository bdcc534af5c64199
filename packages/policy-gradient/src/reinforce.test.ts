import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { evaluatePolicy } from '@tfrl/core';
import { expectNoTensorLeak } from '@tfrl/core/testing';
import { make, makeVec } from '@tfrl/envs';
import { beforeAll, describe, expect, it } from 'vitest';
import { REINFORCE, discountedReturns } from './reinforce';
import { ReachEnv } from './reach-env.testutil';

beforeAll(async () => {
  await tf.setBackend('wasm');
});

describe('discountedReturns', () => {
  it('matches hand-computed returns', () => {
    // γ = 0.9, r = [1, 0, 2]: G2 = 2, G1 = 0 + 0.9·2 = 1.8, G0 = 1 + 0.9·1.8 = 2.62
    expect(Array.from(discountedReturns([1, 0, 2], 0.9))).toEqual([2.62, 1.8, 2].map(Math.fround));
    // with a bootstrap value 10 after a truncated end: G2 = 2 + 9 = 11, G1 = 9.9, G0 = 9.91
    const g = discountedReturns([1, 0, 2], 0.9, 10);
    expect(g[2]).toBeCloseTo(11, 5);
    expect(g[1]).toBeCloseTo(9.9, 5);
    expect(g[0]).toBeCloseTo(9.91, 5);
    expect(discountedReturns([], 0.99).length).toBe(0);
  });
});

describe('REINFORCE', () => {
  it('rejects unknown and ill-typed hyperparameters by name', () => {
    const env = makeVec('CartPole-v1', 1, { seed: 0 });
    expect(() => new REINFORCE({ env, nEpisode: 2 } as never)).toThrow(/nEpisode/);
    expect(() => new REINFORCE({ env, gamma: 2 })).toThrow(/gamma/);
  });

  it('learns CartPole-v1 (no baseline, normalised returns)', async () => {
    const agent = new REINFORCE({ env: make('CartPole-v1'), seed: 1, learningRate: 0.01 });
    const evalEnv = make('CartPole-v1');
    const before = await evaluatePolicy(agent, evalEnv, { nEpisodes: 5, deterministic: true, seed: 100 });
    await agent.learn({ totalTimesteps: 25_000 });
    const after = await evaluatePolicy(agent, evalEnv, { nEpisodes: 5, deterministic: true, seed: 100 });
    expect(after.meanReward).toBeGreaterThan(Math.max(150, before.meanReward + 100));
    agent.dispose();
  }, 120_000);

  it('learns a Box-action task with a value baseline', async () => {
    const agent = new REINFORCE({ env: () => new ReachEnv(), seed: 3, learningRate: 0.01, baseline: true, nEpisodes: 16 });
    const evalEnv = new ReachEnv();
    const before = await evaluatePolicy(agent, evalEnv, { nEpisodes: 50, deterministic: true, seed: 5 });
    await agent.learn({ totalTimesteps: 3000 });
    const after = await evaluatePolicy(agent, evalEnv, { nEpisodes: 50, deterministic: true, seed: 5 });
    expect(before.meanReward).toBeLessThan(-0.2);
    expect(after.meanReward).toBeGreaterThan(-0.1);
    agent.dispose();
  }, 120_000);

  it('does not leak tensors (discrete with baseline, Gaussian without)', async () => {
    const agent = new REINFORCE({ env: makeVec('CartPole-v1', 2, { seed: 0 }), seed: 0, baseline: true, entCoef: 0.01 });
    await expectNoTensorLeak(async () => {
      await agent.learn({ totalTimesteps: 100, resetNumTimesteps: false });
      agent.predict(new Float32Array(4));
    });
    agent.dispose();
    const cagent = new REINFORCE({ env: () => new ReachEnv(), seed: 0, nEpisodes: 4 });
    await expectNoTensorLeak(() => cagent.learn({ totalTimesteps: 16, resetNumTimesteps: false }).then(() => undefined));
    cagent.dispose();
  });

  it('save → load restores weights, optimizer and RNG', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tfrl-reinforce-'));
    const a = new REINFORCE({ env: make('CartPole-v1'), seed: 7, baseline: true });
    await a.learn({ totalTimesteps: 300 });
    await a.save(dir);
    const b = await REINFORCE.load(dir, { env: make('CartPole-v1') });
    const probe = new Float32Array([0.01, -0.02, 0.03, 0.04, 0.1, 0.2, -0.1, 0.0]);
    expect(b.predict(probe, { deterministic: true })).toEqual(a.predict(probe, { deterministic: true }));
    expect(b.numTimesteps).toBe(a.numTimesteps);
    expect(b.optimizer.getState()).toEqual(a.optimizer.getState());
    expect(b.rng.getState()).toEqual(a.rng.getState());
    expect(b.hyperparameters.baseline).toBe(true);
    a.dispose();
    b.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
