import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { evaluatePolicy } from '@tfrl/core';
import { expectNoTensorLeak } from '@tfrl/core/testing';
import { make, makeVec } from '@tfrl/envs';
import { beforeAll, describe, expect, it } from 'vitest';
import { TRPO, backtrackingLineSearch, conjugateGradient, fisherVectorProduct } from './trpo';

beforeAll(async () => {
  await tf.setBackend('wasm');
});

describe('conjugateGradient', () => {
  it('solves a small SPD system exactly in n steps', () => {
    // A = [[4, 1], [1, 3]], b = [1, 2] → x = A⁻¹b = [1/11, 7/11]
    const A = [
      [4, 1],
      [1, 3],
    ];
    const mv = (v: Float64Array) => A.map((row) => row[0]! * v[0]! + row[1]! * v[1]!);
    const { x, iterations } = conjugateGradient(mv, [1, 2], 15);
    expect(x[0]).toBeCloseTo(1 / 11, 10);
    expect(x[1]).toBeCloseTo(7 / 11, 10);
    expect(iterations).toBeLessThanOrEqual(2);
  });

  it('stops at maxSteps on a larger system', () => {
    // diagonal SPD 1..6: CG needs 6 steps; with 3 it is only approximate
    const d = [1, 2, 3, 4, 5, 6];
    const mv = (v: Float64Array) => d.map((a, i) => a * v[i]!);
    const b = [1, 1, 1, 1, 1, 1];
    expect(conjugateGradient(mv, b, 3).iterations).toBe(3);
    const full = conjugateGradient(mv, b, 10);
    full.x.forEach((xi, i) => expect(xi).toBeCloseTo(1 / d[i]!, 8));
  });
});

describe('fisherVectorProduct', () => {
  it('equals an explicit Fisher for a tiny linear categorical policy', () => {
    // logits = x W, x ∈ R², 3 actions; F = mean_s Σ_{k,l} x_i x_j (p_k δ_kl − p_k p_l) over (i,k),(j,l)
    const X = [
      [1, -0.5],
      [0.3, 2],
    ];
    const Wv = [0.2, -0.1, 0.4, 0.0, 0.3, -0.6]; // row-major [2, 3]
    const W = tf.variable(tf.tensor2d(Wv, [2, 3]), true, 'fvp/W');
    const x = tf.tensor2d(X.flat(), [2, 2]);
    const oldLogits = tf.matMul(x, W);
    const v = [0.5, -1, 0.25, 2, 0.1, -0.3];
    const probs = tf.softmax(oldLogits) as tf.Tensor2D;
    const fv = fisherVectorProduct({ outputs: () => tf.matMul(x, W), fisher: { kind: 'categorical', probs }, vars: [W], v, damping: 0.1 });
    // explicit
    const F = Array.from({ length: 6 }, () => new Float64Array(6));
    for (const xs of X) {
      const z = [0, 1, 2].map((k) => xs[0]! * Wv[k]! + xs[1]! * Wv[3 + k]!);
      const m = Math.max(...z);
      const e = z.map((q) => Math.exp(q - m));
      const s = e.reduce((a, b) => a + b, 0);
      const p = e.map((q) => q / s);
      for (let i = 0; i < 2; i++)
        for (let k = 0; k < 3; k++)
          for (let j = 0; j < 2; j++)
            for (let l = 0; l < 3; l++) {
              const pkl = (k === l ? p[k]! : 0) - p[k]! * p[l]!;
              F[i * 3 + k]![j * 3 + l]! += (xs[i]! * xs[j]! * pkl) / X.length;
            }
    }
    for (let r = 0; r < 6; r++) {
      let expected = 0.1 * v[r]!;
      for (let c = 0; c < 6; c++) expected += F[r]![c]! * v[c]!;
      expect(fv[r]).toBeCloseTo(expected, 5);
    }
    tf.dispose([W, x, oldLogits, probs]);
  });
  it('equals an explicit Fisher for a linear Gaussian policy (mean block 1/σ², log-std block 2·I)', () => {
    // mean = x W (x ∈ R², 1 action), σ = exp(logStd) = 0.5: F_WW = mean_s x xᵀ / σ², F_logσ = 2
    const X = [
      [1, -0.5],
      [0.3, 2],
      [-1, 1],
    ];
    const W = tf.variable(tf.tensor2d([0.2, -0.1], [2, 1]), true, 'fvp/Wg');
    const x = tf.tensor2d(X.flat(), [3, 2]);
    const invVar = tf.tensor1d([1 / 0.25]);
    const v = [0.7, -0.4, 1.5]; // [W00, W10, logStd]
    const fv = fisherVectorProduct({
      outputs: () => tf.matMul(x, W),
      fisher: { kind: 'gaussian', invVar, logStdSize: 1 },
      vars: [W],
      v,
      damping: 0.01,
    });
    for (let r = 0; r < 2; r++) {
      let e = 0.01 * v[r]!;
      for (let c = 0; c < 2; c++) e += (X.reduce((a, xs) => a + xs[r]! * xs[c]!, 0) / 3 / 0.25) * v[c]!;
      expect(fv[r]).toBeCloseTo(e, 5);
    }
    expect(fv[2]).toBeCloseTo((2 + 0.01) * 1.5, 6);
    tf.dispose([W, x, invVar]);
  });
});

describe('backtrackingLineSearch', () => {
  it('accepts the first step with KL below the target and a better objective', () => {
    // objective(c) = 1 + c·(1 − c)·4, kl(c) = 0.05·c²: c = 1 → obj 1, rejected (no improvement, KL 0.05);
    // c = 0.8 → obj 1.64 but KL 0.032 > 0.01; 0.64 → KL 0.02048; 0.512 → KL 0.0131; 0.4096 → KL 0.00839, obj 1.967 ✓
    const tried: number[] = [];
    const res = backtrackingLineSearch({
      evaluate: (c) => {
        tried.push(c);
        return { objective: 1 + c * (1 - c) * 4, kl: 0.05 * c * c };
      },
      baseObjective: 1,
      targetKl: 0.01,
      maxIter: 10,
      shrinkFactor: 0.8,
    });
    expect(res.accepted).toBe(true);
    expect(res.coefficient).toBeCloseTo(0.4096, 10);
    expect(res.iterations).toBe(5);
    expect(tried.length).toBe(5);
    expect(res.kl).toBeCloseTo(0.05 * 0.4096 ** 2, 10);
  });

  it('rejects when no step improves the objective within maxIter', () => {
    const res = backtrackingLineSearch({
      evaluate: () => ({ objective: 0.5, kl: 0 }),
      baseObjective: 1,
      targetKl: 0.01,
      maxIter: 3,
    });
    expect(res.accepted).toBe(false);
    expect(res.coefficient).toBe(0);
    expect(res.iterations).toBe(3);
  });
});

describe('TRPO', () => {
  it('rejects unknown and out-of-range hyperparameters by name', () => {
    const env = makeVec('CartPole-v1', 1, { seed: 0 });
    expect(() => new TRPO({ env, cgSteps: 5 } as never)).toThrow(/cgSteps/);
    expect(() => new TRPO({ env, targetKl: 0 })).toThrow(/targetKl/);
  });

  it('improves on CartPole-v1 in a few updates, with KL steps inside the trust region', async () => {
    const agent = new TRPO({
      env: makeVec('CartPole-v1', 2, { seed: 1 }),
      seed: 1,
      nSteps: 512,
      batchSize: 256,
      nCriticUpdates: 5,
      gaeLambda: 0.98,
    });
    const evalEnv = make('CartPole-v1');
    const before = await evaluatePolicy(agent, evalEnv, { nEpisodes: 5, deterministic: true, seed: 100 });
    const kls: number[] = [];
    for (let i = 0; i < 6; i++) {
      await agent.learn({ totalTimesteps: 1024, resetNumTimesteps: false });
      const s = agent.lastTrainStats;
      if (s?.lineSearchSuccess) kls.push(s.kl);
    }
    const after = await evaluatePolicy(agent, evalEnv, { nEpisodes: 5, deterministic: true, seed: 100 });
    expect(after.meanReward).toBeGreaterThan(Math.max(100, before.meanReward + 50));
    expect(kls.length).toBeGreaterThan(3);
    for (const kl of kls) expect(kl).toBeLessThan(0.01);
    agent.dispose();
  }, 120_000);

  it('does not leak tensors (discrete; Gaussian with sub-sampling and normalisation)', async () => {
    const agent = new TRPO({
      env: makeVec('CartPole-v1', 2, { seed: 0 }),
      seed: 0,
      nSteps: 16,
      batchSize: 16,
      nCriticUpdates: 2,
      cgMaxSteps: 3,
    });
    await expectNoTensorLeak(async () => {
      await agent.learn({ totalTimesteps: 32, resetNumTimesteps: false });
      agent.predict(new Float32Array(4));
    });
    agent.dispose();
    const cagent = new TRPO({
      env: makeVec('Pendulum-v1', 2, { seed: 0 }),
      seed: 0,
      nSteps: 16,
      batchSize: 8,
      nCriticUpdates: 1,
      cgMaxSteps: 3,
      subSamplingFactor: 2,
      normalize: true,
    });
    await expectNoTensorLeak(() => cagent.learn({ totalTimesteps: 32, resetNumTimesteps: false }).then(() => undefined));
    expect(cagent.lastTrainStats?.cgIterations).toBeGreaterThan(0);
    cagent.dispose();
  });

  it('save → load restores the policy, value optimizer, RNG and normalisation', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tfrl-trpo-'));
    const a = new TRPO({
      env: makeVec('Pendulum-v1', 2, { seed: 7 }),
      seed: 7,
      nSteps: 32,
      batchSize: 32,
      nCriticUpdates: 2,
      normalize: true,
    });
    await a.learn({ totalTimesteps: 64 });
    await a.save(dir);
    const b = await TRPO.load(dir, { env: makeVec('Pendulum-v1', 2, { seed: 7 }) });
    const probe = new Float32Array([1, 0, 0.5, 0, 1, -2]);
    expect(Array.from(b.predict(probe, { deterministic: true }))).toEqual(Array.from(a.predict(probe, { deterministic: true })));
    expect(b.valueOptimizer.getState()).toEqual(a.valueOptimizer.getState());
    expect(b.obsRms?.count).toBeCloseTo(a.obsRms?.count as number, 6);
    expect(b.rng.getState()).toEqual(a.rng.getState());
    expect(b.numTimesteps).toBe(64);
    a.dispose();
    b.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
