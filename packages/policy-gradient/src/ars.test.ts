import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { evaluatePolicy } from '@tfrl/core';
import { make, makeVec } from '@tfrl/envs';
import { describe, expect, it } from 'vitest';
import { ARS, arsUpdate } from './ars';

describe('arsUpdate', () => {
  it('keeps the top-b directions by max(r+, r−) and scales by the std of their returns', () => {
    // 3 directions over 2 parameters; scores max(r+, r−) = [3, 5, 4] → top-2 = directions 1 and 2
    const theta = [1, -1];
    const deltas = [
      [1, 0],
      [0, 1],
      [1, 1],
    ].flat();
    const rPlus = [3, 1, 4];
    const rMinus = [2, 5, 0];
    const res = arsUpdate({ theta, deltas, rPlus, rMinus, nTop: 2, learningRate: 0.1 });
    expect(res.top).toEqual([1, 2]);
    // kept returns [1, 5, 4, 0]: mean 2.5, unbiased var = (2.25 + 6.25 + 2.25 + 6.25)/3 = 17/3
    const std = Math.sqrt(17 / 3);
    expect(res.returnStd).toBeCloseTo(std, 10);
    const step = 0.1 / (2 * std + 1e-6);
    expect(res.stepSize).toBeCloseTo(step, 10);
    // Σ (r+ − r−) δ = (1 − 5)·[0, 1] + (4 − 0)·[1, 1] = [4, 0]
    expect(res.theta[0]).toBeCloseTo(1 + step * 4, 6);
    expect(res.theta[1]).toBeCloseTo(-1 + step * 0, 6);
    // input untouched
    expect(theta).toEqual([1, -1]);
  });

  it('with nTop = nDelta uses every direction; ties keep the lower index first', () => {
    const res = arsUpdate({ theta: [0], deltas: [1, 1], rPlus: [1, 1], rMinus: [0, 0], nTop: 2, learningRate: 1 });
    expect(res.top).toEqual([0, 1]);
    // kept [1, 0, 1, 0]: std = sqrt(1/3); θ = 2 / (2·std) = sqrt(3)
    expect(res.theta[0]).toBeCloseTo(Math.sqrt(3), 4);
    expect(() => arsUpdate({ theta: [0], deltas: [1], rPlus: [1, 2], rMinus: [0, 0], nTop: 1, learningRate: 1 })).toThrow(/delta/);
  });
});

describe('ARS', () => {
  it('rejects unknown and inconsistent hyperparameters by name', () => {
    const env = make('CartPole-v1');
    expect(() => new ARS({ env, nDeltas: 4 } as never)).toThrow(/nDeltas/);
    expect(() => new ARS({ env, nDelta: 2, nTop: 3 })).toThrow(/nTop/);
    expect(() => new ARS({ env, version: 'v3' } as never)).toThrow(/version/);
  });

  it('V1 linear policy learns CartPole-v1 (RL-Zoo: nDelta 2)', async () => {
    const agent = new ARS({ env: make('CartPole-v1'), seed: 0, nDelta: 2 });
    const evalEnv = make('CartPole-v1');
    const before = await evaluatePolicy(agent, evalEnv, { nEpisodes: 5, deterministic: true, seed: 100 });
    await agent.learn({ totalTimesteps: 30_000 });
    const after = await evaluatePolicy(agent, evalEnv, { nEpisodes: 5, deterministic: true, seed: 100 });
    expect(after.meanReward).toBeGreaterThan(Math.max(300, before.meanReward + 100));
  }, 60_000);

  it('V2 (state normalisation) MLP policy improves on Pendulum-v1 with 2 envs', async () => {
    const agent = new ARS({
      env: makeVec('Pendulum-v1', 2, { seed: 1 }),
      seed: 1,
      version: 'v2',
      nDelta: 4,
      nTop: 1,
      learningRate: 0.018,
      deltaStd: 0.1,
      netArch: [16],
      zeroPolicy: false,
    });
    const evalEnv = make('Pendulum-v1');
    const before = await evaluatePolicy(agent, evalEnv, { nEpisodes: 10, deterministic: true, seed: 100 });
    await agent.learn({ totalTimesteps: 300_000 });
    const after = await evaluatePolicy(agent, evalEnv, { nEpisodes: 10, deterministic: true, seed: 100 });
    expect(agent.obsRms?.count).toBeGreaterThan(1000);
    expect(after.meanReward).toBeGreaterThan(before.meanReward + 100);
    // Squashed actions stay inside the bounds.
    for (const a of agent.predict(Float32Array.of(1, 0, 8, -1, 0, -8))) expect(Math.abs(a)).toBeLessThanOrEqual(2);
  }, 60_000);

  it('save → load restores θ, normalisation and RNG', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tfrl-ars-'));
    const opts = { seed: 5, version: 'v2' as const, nDelta: 3, nTop: 2, netArch: [8], zeroPolicy: false };
    const a = new ARS({ env: make('Pendulum-v1'), ...opts });
    await a.learn({ totalTimesteps: 2400 });
    await a.save(dir);
    const b = await ARS.load(dir, { env: make('Pendulum-v1') });
    expect(Array.from(b.theta)).toEqual(Array.from(a.theta));
    expect(b.obsRms?.count).toBeCloseTo(a.obsRms?.count as number, 6);
    expect(b.rng.getState()).toEqual(a.rng.getState());
    const probe = Float32Array.of(0.5, 0.5, 1);
    expect(Array.from(b.predict(probe))).toEqual(Array.from(a.predict(probe)));
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
