import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { type Env, SyncVecEnv, evaluatePolicy } from '@tfrl/core';
import { expectNoTensorLeak, useBackend } from '@tfrl/core/testing';
import { make, makeVec } from '@tfrl/envs';
import { beforeAll, describe, expect, it } from 'vitest';
import { PPO, ppoPolicyLoss } from './ppo';
import { ReachEnv } from './reach-env.testutil';

beforeAll(async () => {
  await useBackend('wasm');
});

describe('ppoPolicyLoss', () => {
  it('matches the clipped surrogate computed by hand', () => {
    // ratios r = exp(logp - old): [1.5, 0.5, 1.1, 0.7]; A = [1, 1, -2, -1]; ε = 0.2
    // min(rA, clip(r)A): [min(1.5, 1.2)=1.2, min(0.5, 0.8)=0.5, min(-2.2, -2.2)=-2.2, min(-0.7, -0.8)=-0.8]
    // loss = -mean = -(1.2 + 0.5 - 2.2 - 0.8)/4 = 0.325; clipped |r-1| > 0.2: 1.5, 0.5, 0.7 → 0.75
    const r = [1.5, 0.5, 1.1, 0.7];
    const out = tf.tidy(() => {
      const { policyLoss, approxKl, clipFraction } = ppoPolicyLoss({
        logProbs: tf.tensor1d(r.map(Math.log)),
        oldLogProbs: tf.zeros([4]) as tf.Tensor1D,
        advantages: tf.tensor1d([1, 1, -2, -1]),
        clipRange: 0.2,
      });
      return tf.stack([policyLoss, approxKl, clipFraction]);
    });
    const [loss, kl, cf] = Array.from(out.dataSync());
    out.dispose();
    expect(loss).toBeCloseTo(0.325, 5);
    expect(cf).toBeCloseTo(0.75, 6);
    // k3 estimator: mean(r - 1 - log r)
    const k3 = r.reduce((a, x) => a + (x - 1 - Math.log(x)), 0) / 4;
    expect(kl).toBeCloseTo(k3, 5);
  });

  it('adaptive KL variant: -mean(r·A) + β·KL', () => {
    const r = [1.2, 0.9];
    const out = tf.tidy(
      () =>
        ppoPolicyLoss({
          logProbs: tf.tensor1d(r.map(Math.log)),
          oldLogProbs: tf.zeros([2]) as tf.Tensor1D,
          advantages: tf.tensor1d([2, -1]),
          lossType: 'adaptive_kl',
          clipRange: 0.2,
          klCoef: 3,
        }).policyLoss,
    );
    const k3 = r.reduce((a, x) => a + (x - 1 - Math.log(x)), 0) / 2;
    expect(out.dataSync()[0]).toBeCloseTo(-(1.2 * 2 - 0.9) / 2 + 3 * k3, 5);
    out.dispose();
  });
});

describe('PPO', () => {
  it('rejects unknown and ill-typed hyperparameters by name', async () => {
    const env = makeVec('CartPole-v1', 1, { seed: 0 });
    expect(() => new PPO({ env, nStep: 8 } as never)).toThrow(/nStep/);
    expect(() => new PPO({ env, gamma: 'high' } as never)).toThrow(/gamma/);
    await expect(new PPO({ env, nSteps: 4, batchSize: 64 }).learn({ totalTimesteps: 8 })).rejects.toThrow(/batchSize/);
  });

  it('learns CartPole-v1 within 20k steps (RL-Zoo settings, seeded)', async () => {
    const env = makeVec('CartPole-v1', 8, { seed: 1 });
    const agent = new PPO({
      env,
      seed: 1,
      nSteps: 32,
      batchSize: 256,
      nEpochs: 20,
      gamma: 0.98,
      gaeLambda: 0.8,
      learningRate: 'lin_0.001',
      clipRange: 'lin_0.2',
    });
    const before = evaluatePolicy(agent, make('CartPole-v1'), { nEpisodes: 5, deterministic: true, seed: 100 });
    await agent.learn({ totalTimesteps: 20_000 });
    const after = evaluatePolicy(agent, make('CartPole-v1'), { nEpisodes: 5, deterministic: true, seed: 100 });
    expect((await after).meanReward).toBeGreaterThan(Math.max(150, (await before).meanReward + 100));
    expect(agent.lastTrainStats?.explainedVariance).toBeGreaterThan(0);
    agent.dispose();
  }, 120_000);

  it('learns a continuous (Box) action task', async () => {
    const env = new SyncVecEnv(Array.from({ length: 4 }, () => () => new ReachEnv() as Env<Float32Array, Float32Array>));
    const agent = new PPO({ env, seed: 3, nSteps: 64, batchSize: 64, nEpochs: 10, learningRate: 3e-3, gamma: 0.9 });
    const evalEnv = new ReachEnv();
    const before = await evaluatePolicy(agent, evalEnv, { nEpisodes: 50, deterministic: true, seed: 5 });
    await agent.learn({ totalTimesteps: 6000 });
    const after = await evaluatePolicy(agent, evalEnv, { nEpisodes: 50, deterministic: true, seed: 5 });
    // Random init gives E[(0 - t)²] ≈ 1/3; the learned mean should track the target.
    expect(before.meanReward).toBeLessThan(-0.2);
    expect(after.meanReward).toBeGreaterThan(-0.05);
    agent.dispose();
  }, 120_000);

  it('does not leak tensors across updates (discrete and Gaussian policies, normalisation on)', async () => {
    const env = makeVec('CartPole-v1', 2, { seed: 0 });
    const agent = new PPO({ env, seed: 0, nSteps: 16, batchSize: 16, nEpochs: 2, normalize: true, targetKl: 0.5 });
    await expectNoTensorLeak(async () => {
      await agent.learn({ totalTimesteps: 64, resetNumTimesteps: false });
      agent.predict(new Float32Array(4));
    });
    agent.dispose();
    const cenv = new SyncVecEnv([() => new ReachEnv(), () => new ReachEnv()]);
    const cagent = new PPO({ env: cenv, seed: 0, nSteps: 8, batchSize: 8, nEpochs: 2, lossType: 'adaptive_kl' });
    await expectNoTensorLeak(() => cagent.learn({ totalTimesteps: 32, resetNumTimesteps: false }).then(() => undefined));
    cagent.dispose();
  });

  it('save → load restores weights, optimizer, RNG and normalisation; learn continues identically', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tfrl-ppo-'));
    const opts = { seed: 7, nSteps: 16, batchSize: 32, nEpochs: 2, normalize: true };
    // Uninterrupted: 2 × 64 steps.
    const a = new PPO({ env: makeVec('CartPole-v1', 2, { seed: 7 }), ...opts });
    await a.learn({ totalTimesteps: 64 });
    await a.save(dir);
    const probe = new Float32Array([0.01, -0.02, 0.03, 0.04, 0.1, 0.2, -0.1, 0.0]);
    const b = await PPO.load(dir, { env: makeVec('CartPole-v1', 2, { seed: 7 }) });
    expect(Array.from(b.predict(probe, { deterministic: true }))).toEqual(Array.from(a.predict(probe, { deterministic: true })));
    expect(b.numTimesteps).toBe(64);
    expect(b.obsRms?.count).toBeCloseTo(a.obsRms?.count as number, 6);
    const wa = a.policy.getWeights();
    const wb = b.policy.getWeights();
    for (const k of Object.keys(wa))
      expect(Array.from((wb[k] as tf.Tensor).dataSync())).toEqual(Array.from((wa[k] as tf.Tensor).dataSync()));
    expect(b.rng.getState()).toEqual(a.rng.getState());
    a.dispose();
    b.dispose();
    fs.writeFileSync(path.join(dir, 'weights.bin'), Buffer.from([1, 2, 3]));
    await expect(PPO.load(dir, { env: makeVec('CartPole-v1', 1) })).rejects.toThrow(/weights\.bin/);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
