import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { SyncVecEnv, evaluatePolicy } from '@tfrl/core';
import { expectNoTensorLeak } from '@tfrl/core/testing';
import { make, makeVec } from '@tfrl/envs';
import { beforeAll, describe, expect, it } from 'vitest';
import { RmsProp } from '@tfrl/core';
import { A2C, a2cLoss } from './a2c';
import { ReachEnv } from './reach-env.testutil';

beforeAll(async () => {
  await tf.setBackend('wasm');
});

describe('RmsProp', () => {
  it('follows torch.optim.RMSprop by hand (eps outside the root)', () => {
    const w = tf.variable(tf.tensor1d([1, -2]));
    const opt = new RmsProp([w], { lr: 0.1, alpha: 0.9, eps: 0 });
    const g = tf.tensor1d([0.5, 1]);
    // v = 0.1·g² = [0.025, 0.1]; Δ = 0.1·g/√v = [0.316228, 0.316228]
    opt.step([g]);
    let x = w.dataSync();
    expect(x[0]).toBeCloseTo(1 - 0.316227766, 5);
    expect(x[1]).toBeCloseTo(-2 - 0.316227766, 5);
    // v = 0.9·v + 0.1·g² = [0.0475, 0.19]; Δ = 0.1·g/√v = [0.229416, 0.229416]
    opt.step([g]);
    x = w.dataSync();
    expect(x[0]).toBeCloseTo(1 - 0.316227766 - 0.229415734, 5);
    expect(x[1]).toBeCloseTo(-2 - 0.316227766 - 0.229415734, 5);
    expect(opt.stepCount).toBe(2);
    const s = opt.getState();
    expect(s.squareAvg[0]).toBeCloseTo(0.0475, 6);
    opt.dispose();
    tf.dispose([w, g]);
  });

  it('clips the global gradient norm before the update', () => {
    const w = tf.variable(tf.tensor1d([0, 0]));
    const opt = new RmsProp([w], { lr: 1, alpha: 0, eps: 1, maxGradNorm: 1 });
    const g = tf.tensor1d([3, 4]); // norm 5 → [0.6, 0.8]; alpha 0 → v = g²; Δ = g/(|g| + 1)
    opt.step([g]);
    const x = w.dataSync();
    expect(x[0]).toBeCloseTo(-0.6 / 1.6, 4);
    expect(x[1]).toBeCloseTo(-0.8 / 1.8, 4);
    opt.dispose();
    tf.dispose([w, g]);
  });
});

describe('a2cLoss', () => {
  it('matches the loss terms computed by hand', () => {
    // A·logp = [2·-0.5, 1·-1] = [-1, -1] → pg = 1; vf = mean([0.5², 1²]) = 0.625; ent = -mean([0.6, 0.8]) = -0.7
    // loss = 1 + 0.01·(-0.7) + 0.5·0.625 = 1.3055
    const out = tf.tidy(() => {
      const t = a2cLoss({
        logProbs: tf.tensor1d([-0.5, -1]),
        advantages: tf.tensor1d([2, 1]),
        values: tf.tensor1d([1, 2]),
        returns: tf.tensor1d([1.5, 1]),
        entropy: tf.tensor1d([0.6, 0.8]),
        entCoef: 0.01,
        vfCoef: 0.5,
      });
      return tf.stack([t.policyLoss, t.valueLoss, t.entropyLoss, t.loss]);
    });
    const [pg, vf, ent, loss] = Array.from(out.dataSync());
    out.dispose();
    expect(pg).toBeCloseTo(1, 6);
    expect(vf).toBeCloseTo(0.625, 6);
    expect(ent).toBeCloseTo(-0.7, 6);
    expect(loss).toBeCloseTo(1.3055, 5);
    // Huber value loss (δ = 1): errors 0.5 and 1 → mean(0.125, 0.5) = 0.3125
    const h = tf.tidy(
      () =>
        a2cLoss({
          logProbs: tf.tensor1d([0, 0]),
          advantages: tf.tensor1d([0, 0]),
          values: tf.tensor1d([1, 2]),
          returns: tf.tensor1d([1.5, 1]),
          entropy: tf.tensor1d([0, 0]),
          entCoef: 0,
          vfCoef: 1,
          valueLoss: 'huber',
        }).valueLoss,
    );
    expect(h.dataSync()[0]).toBeCloseTo(0.3125, 6);
    h.dispose();
  });
});

describe('A2C', () => {
  it('rejects unknown and out-of-range hyperparameters by name', () => {
    const env = makeVec('CartPole-v1', 1, { seed: 0 });
    expect(() => new A2C({ env, nStep: 5 } as never)).toThrow(/nStep/);
    expect(() => new A2C({ env, gaeLambda: 1.5 })).toThrow(/gaeLambda/);
    expect(() => new A2C({ env, criticLearningRate: 1e-3, sharedNetwork: true })).toThrow(/criticLearningRate/);
  });

  it('learns CartPole-v1 with the SB3 defaults (8 envs, RMSprop, n-step returns)', async () => {
    const agent = new A2C({ env: makeVec('CartPole-v1', 8, { seed: 1 }), seed: 1 });
    const evalEnv = make('CartPole-v1');
    const before = await evaluatePolicy(agent, evalEnv, { nEpisodes: 5, deterministic: true, seed: 100 });
    await agent.learn({ totalTimesteps: 40_000 });
    const after = await evaluatePolicy(agent, evalEnv, { nEpisodes: 5, deterministic: true, seed: 100 });
    expect(after.meanReward).toBeGreaterThan(Math.max(150, before.meanReward + 100));
    expect(agent.numUpdates).toBe(1000); // 40k steps / (5 steps × 8 envs)
    agent.dispose();
  }, 120_000);

  it('learns a Box task with the course actor (tanh mean × bound, softplus log-std), Adam, GAE, two learning rates', async () => {
    const env = new SyncVecEnv(Array.from({ length: 4 }, () => () => new ReachEnv()));
    const agent = new A2C({
      env,
      seed: 2,
      gaussianHead: 'tanh_softplus',
      netArch: [32],
      activation: 'relu',
      outputInitUniform: 3e-3,
      useRmsProp: false,
      learningRate: 3e-3,
      criticLearningRate: 1e-2,
      maxGradNorm: null,
      valueLoss: 'huber',
      gaeLambda: 0.9,
      entCoef: 0,
      nSteps: 8,
    });
    const evalEnv = new ReachEnv();
    const before = await evaluatePolicy(agent, evalEnv, { nEpisodes: 50, deterministic: true, seed: 5 });
    await agent.learn({ totalTimesteps: 6000 });
    const after = await evaluatePolicy(agent, evalEnv, { nEpisodes: 50, deterministic: true, seed: 5 });
    expect(before.meanReward).toBeLessThan(-0.2);
    expect(after.meanReward).toBeGreaterThan(-0.05);
    // Actions stay inside the bounds, even sampled.
    const acts = agent.predict(new Float32Array(64).fill(1));
    for (const a of acts) expect(Math.abs(a)).toBeLessThanOrEqual(2);
    agent.dispose();
  }, 120_000);

  it('does not leak tensors (shared discrete with normalisation; course Gaussian head)', async () => {
    const agent = new A2C({
      env: makeVec('CartPole-v1', 2, { seed: 0 }),
      seed: 0,
      sharedNetwork: true,
      normalize: true,
      normalizeAdvantage: true,
      entCoef: 0.01,
    });
    await expectNoTensorLeak(async () => {
      await agent.learn({ totalTimesteps: 40, resetNumTimesteps: false });
      agent.predict(new Float32Array(4));
    });
    agent.dispose();
    const cagent = new A2C({
      env: () => new ReachEnv(),
      seed: 0,
      gaussianHead: 'tanh_softplus',
      criticLearningRate: 1e-3,
      useRmsProp: false,
    });
    await expectNoTensorLeak(() => cagent.learn({ totalTimesteps: 20, resetNumTimesteps: false }).then(() => undefined));
    cagent.dispose();
  });

  it('save → load restores weights, RMSprop state, RNG and normalisation', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tfrl-a2c-'));
    const opts = { seed: 7, normalize: true };
    const a = new A2C({ env: makeVec('CartPole-v1', 2, { seed: 7 }), ...opts });
    await a.learn({ totalTimesteps: 100 });
    await a.save(dir);
    const b = await A2C.load(dir, { env: makeVec('CartPole-v1', 2, { seed: 7 }) });
    const probe = new Float32Array([0.01, -0.02, 0.03, 0.04, 0.1, 0.2, -0.1, 0.0]);
    expect(Array.from(b.predict(probe, { deterministic: true }))).toEqual(Array.from(a.predict(probe, { deterministic: true })));
    expect(b.numTimesteps).toBe(100);
    expect(b.obsRms?.count).toBeCloseTo(a.obsRms?.count as number, 6);
    expect((b.optimizerList[0] as RmsProp).getState()).toEqual((a.optimizerList[0] as RmsProp).getState());
    expect(b.rng.getState()).toEqual(a.rng.getState());
    a.dispose();
    b.dispose();
    // Two optimizers (Adam) round-trip too.
    const c = new A2C({ env: () => new ReachEnv(), seed: 1, useRmsProp: false, criticLearningRate: 1e-3, gaussianHead: 'tanh_softplus' });
    await c.learn({ totalTimesteps: 20 });
    await c.save(dir);
    const d = await A2C.load(dir, { env: () => new ReachEnv() });
    expect(Array.from(d.predict(Float32Array.of(0.3), { deterministic: true }))).toEqual(
      Array.from(c.predict(Float32Array.of(0.3), { deterministic: true })),
    );
    expect(d.optimizerList.length).toBe(2);
    c.dispose();
    d.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
