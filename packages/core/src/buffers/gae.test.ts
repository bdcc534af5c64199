import { describe, expect, it } from 'vitest';
import { Rng } from '../rng';
import { bootstrapTruncated, computeGae } from './gae';

describe('computeGae', () => {
  it('hand-computed 2 envs × 4 steps with a termination and a truncation (γ = λ = 0.5)', () => {
    const gamma = 0.5;
    // env0: rewards 1,1,1,1; V = 1,2,3,4; terminated after step 1; V(s_4) = 2.
    // env1: rewards 0,2,0,1; V = 2,2,2,2; truncated after step 2 with V(final obs) = 4,
    //       so step 2's reward becomes 0 + γ·4 = 2; V(s_4) = 8.
    const step2Rewards = new Float32Array([1, 0]); // [env0, env1] of step 2 before bootstrap
    bootstrapTruncated(step2Rewards, [0, 1], [0, 0], [123, 4], gamma);
    expect(Array.from(step2Rewards)).toEqual([1, 2]); // env0 not truncated: unchanged
    // terminated wins over truncated: no bootstrap
    expect(Array.from(bootstrapTruncated(new Float32Array([1]), [1], [1], [4], gamma))).toEqual([1]);

    // layout [step][env]
    const rewards = new Float32Array([1, 0, 1, 2, ...step2Rewards, 1, 1]);
    const values = new Float32Array([1, 2, 2, 2, 3, 2, 4, 2]);
    const dones = new Float32Array([0, 0, 1, 0, 0, 1, 0, 0]);
    const { advantages, returns } = computeGae({
      rewards,
      values,
      dones,
      lastValues: [2, 8],
      gamma,
      lambda: 0.5,
      nSteps: 4,
      numEnvs: 2,
    });
    // γλ = 0.25. env0, backwards:
    //  t3: δ = 1 + 0.5·2 − 4 = −2                 A = −2
    //  t2: δ = 1 + 0.5·4 − 3 = 0                  A = 0 + 0.25·(−2) = −0.5
    //  t1: done → δ = 1 − 2 = −1                  A = −1
    //  t0: δ = 1 + 0.5·2 − 1 = 1                  A = 1 + 0.25·(−1) = 0.75
    // env1:
    //  t3: δ = 1 + 0.5·8 − 2 = 3                  A = 3
    //  t2: done → δ = 2 − 2 = 0                   A = 0
    //  t1: δ = 2 + 0.5·2 − 2 = 1                  A = 1 + 0.25·0 = 1
    //  t0: δ = 0 + 0.5·2 − 2 = −1                 A = −1 + 0.25·1 = −0.75
    expect(Array.from(advantages)).toEqual([0.75, -0.75, -1, 1, -0.5, 0, -2, 3]);
    // returns = A + V
    expect(Array.from(returns)).toEqual([1.75, 1.25, 1, 3, 2.5, 2, 2, 5]);

    // lastDones replaces the last step's dones: env1 ends after t3 → δ = 1 − 2 = −1
    const withLast = computeGae({
      rewards,
      values,
      dones,
      lastValues: [2, 8],
      lastDones: [0, 1],
      gamma,
      lambda: 0.5,
      nSteps: 4,
      numEnvs: 2,
    });
    expect(withLast.advantages[7]).toBe(-1);
    expect(withLast.advantages[6]).toBe(-2);
  });

  it('λ = 1 gives discounted Monte-Carlo returns, λ = 0 gives TD errors (brute force)', () => {
    const rng = new Rng(4);
    const nSteps = 7;
    const numEnvs = 3;
    const gamma = 0.9;
    const T = nSteps * numEnvs;
    const rewards = new Float64Array(T).map(() => rng.uniform(-1, 1));
    const values = new Float64Array(T).map(() => rng.uniform(-1, 1));
    const dones = new Float64Array(T).map(() => (rng.random() < 0.2 ? 1 : 0));
    const lastValues = [0.3, -0.2, 0.7];
    const mc = computeGae({ rewards, values, dones, lastValues, gamma, lambda: 1, nSteps, numEnvs });
    const td = computeGae({ rewards, values, dones, lastValues, gamma, lambda: 0, nSteps, numEnvs });
    for (let e = 0; e < numEnvs; e++) {
      for (let t = 0; t < nSteps; t++) {
        const i = t * numEnvs + e;
        // Monte-Carlo: Σ γ^k r until the episode ends, bootstrapping from lastValues at the horizon.
        let G = 0;
        let disc = 1;
        let k = t;
        for (; k < nSteps; k++) {
          G += disc * (rewards[k * numEnvs + e] as number);
          disc *= gamma;
          if (dones[k * numEnvs + e]) break;
        }
        if (k === nSteps) G += disc * (lastValues[e] as number);
        expect(mc.returns[i]).toBeCloseTo(G, 5);
        const nextV = t === nSteps - 1 ? (lastValues[e] as number) : (values[i + numEnvs] as number);
        const delta = (rewards[i] as number) + gamma * nextV * (1 - (dones[i] as number)) - (values[i] as number);
        expect(td.advantages[i]).toBeCloseTo(delta, 5);
      }
    }
  });

  it('validates its input', () => {
    const base = { rewards: [0, 0], values: [0, 0], dones: [0, 0], lastValues: [0], gamma: 0.9, lambda: 0.95, nSteps: 2, numEnvs: 1 };
    expect(() => computeGae({ ...base, values: [0] })).toThrow(/values has length 1, expected 2/);
    expect(() => computeGae({ ...base, lambda: 2 })).toThrow(/lambda/);
    expect(() => computeGae({ ...base, lastDones: [0, 1] })).toThrow(/lastDones/);
    expect(() => bootstrapTruncated([1], [1, 0], [0], [0], 0.9)).toThrow(/lengths differ/);
  });
});
