import { describe, expect, it } from 'vitest';
import { Rng } from '../rng';
import { PrioritizedReplayBuffer } from './prioritized';

function make(capacity: number, alpha = 0.6, obsDim = 1) {
  return new PrioritizedReplayBuffer({ capacity, obsDim, actionDim: 1, actionDtype: 'int32', alpha, epsilon: 0.01 });
}

describe('PrioritizedReplayBuffer', () => {
  it('new transitions get the max priority seen so far (initially 1)', () => {
    const buf = make(4, 0.5);
    buf.add([0], 0, 0, [1], false, false);
    buf.add([1], 0, 0, [2], false, false);
    expect(buf.priority(0)).toBe(1);
    expect(buf.priority(1)).toBe(1);
    buf.updatePriorities([0, 1], [3.99, -0.03]);
    expect(buf.priority(0)).toBeCloseTo(2, 12); // (3.99 + 0.01)^0.5
    expect(buf.priority(1)).toBeCloseTo(0.2, 12); // (0.03 + 0.01)^0.5
    buf.add([2], 0, 0, [3], false, false);
    expect(buf.priority(2)).toBeCloseTo(2, 12);
    buf.updatePriorities([0], [0.0]);
    buf.add([3], 0, 0, [4], false, false);
    expect(buf.priority(3)).toBeCloseTo(2, 12); // the max is never forgotten
    expect(buf.totalPriority()).toBeCloseTo(0.1 + 0.2 + 2 + 2, 12);
    buf.clear();
    buf.add([0], 0, 0, [1], false, false);
    expect(buf.priority(0)).toBe(1);
    expect(() => buf.updatePriorities([3], [1])).toThrow(/index 3/);
    expect(() => buf.updatePriorities([0], [Number.NaN])).toThrow(/not finite/);
    expect(() => buf.updatePriorities([0, 0], [1])).toThrow(/2 indices but 1/);
  });

  it('sampling frequencies and IS weights match a brute-force probability vector', () => {
    const N = 12;
    const alpha = 0.7;
    const beta = 0.5;
    const buf = make(16, alpha);
    for (let t = 0; t < N; t++) buf.add([t], t, t, [t + 1], false, false);
    const td = [0.5, 2, 0.1, 4, 1, 0, 3, 0.7, 1.5, 0.2, 6, 0.9];
    buf.updatePriorities(
      Array.from({ length: N }, (_, i) => i),
      td,
    );
    // Brute force: P(i) = (|δ|+ε)^α / Σ, w_i = (N·P(i))^-β / max_j (N·P(j))^-β
    const pr = td.map((d) => (Math.abs(d) + 0.01) ** alpha);
    const sum = pr.reduce((a, b) => a + b, 0);
    const P = pr.map((x) => x / sum);
    const wRaw = P.map((p) => (N * p) ** -beta);
    const wMax = Math.max(...wRaw);
    const w = wRaw.map((x) => x / wMax);

    const rng = new Rng(2024);
    const B = 32;
    const rounds = 4000;
    const counts = new Float64Array(N);
    let maxWeightError = 0;
    let rowMismatches = 0;
    let orderViolations = 0;
    for (let r = 0; r < rounds; r++) {
      const b = buf.sample(B, rng, beta);
      for (let j = 0; j < B; j++) {
        const i = b.indices[j] as number;
        counts[i] = (counts[i] as number) + 1;
        maxWeightError = Math.max(maxWeightError, Math.abs((b.weights[j] as number) - (w[i] as number)));
        if (b.obs[j] !== i || b.actions[j] !== i) rowMismatches++;
        if (j > 0 && i < (b.indices[j - 1] as number)) orderViolations++; // stratified → sorted
      }
    }
    expect(maxWeightError).toBeLessThan(1e-6);
    expect(rowMismatches).toBe(0);
    expect(orderViolations).toBe(0);
    const draws = B * rounds;
    let chi2 = 0;
    for (let i = 0; i < N; i++) chi2 += ((counts[i] as number) - draws * (P[i] as number)) ** 2 / (draws * (P[i] as number));
    // Stratification only lowers the variance, so the χ² bound of iid draws is conservative.
    expect(chi2).toBeLessThan(31.26); // χ²(11) at p = 0.001
    // The row with the smallest priority has weight exactly 1.
    expect(Math.max(...w)).toBe(1);
  });

  it('alpha = 0 is uniform and beta = 0 gives unit weights', () => {
    const buf = make(8, 0);
    for (let t = 0; t < 8; t++) buf.add([t], 0, 0, [t], false, false);
    buf.updatePriorities([0, 1, 2], [100, 0.001, 5]);
    const b = buf.sample(8, new Rng(5), 0);
    expect(Array.from(b.weights)).toEqual(new Array(8).fill(1));
    expect(buf.totalPriority()).toBe(8);
  });

  it('state round-trip restores the priorities', () => {
    const buf = make(8);
    for (let t = 0; t < 5; t++) buf.add([t], 0, 0, [t], false, false);
    buf.updatePriorities([0, 3], [2, 0.5]);
    const other = make(8);
    other.setState(buf.getState());
    const a = buf.sample(6, new Rng(9), 0.4);
    const ai = Array.from(a.indices);
    const aw = Array.from(a.weights);
    const b = other.sample(6, new Rng(9), 0.4);
    expect(Array.from(b.indices)).toEqual(ai);
    expect(Array.from(b.weights)).toEqual(aw);
    other.add([9], 0, 0, [9], false, false);
    buf.add([9], 0, 0, [9], false, false);
    expect(other.priority(5)).toBe(buf.priority(5));
    expect(() => buf.sample(4, new Rng(0), 1.5)).toThrow(/beta/);
  });

  it('1e5 priority updates on capacity 1e6 take well under a second', () => {
    const buf = make(1_000_000);
    const obs = new Float32Array(1_000);
    const next = new Float32Array(1_000);
    const acts = new Int32Array(1_000);
    const rew = new Float32Array(1_000);
    const flags = new Uint8Array(1_000);
    for (let k = 0; k < 1000; k++) buf.addBatch(obs, acts, rew, next, flags, flags);
    expect(buf.size).toBe(1_000_000);
    const rng = new Rng(1);
    const idx = new Int32Array(100_000);
    const td = new Float32Array(100_000);
    for (let j = 0; j < idx.length; j++) {
      idx[j] = rng.integers(1_000_000);
      td[j] = rng.uniform(0, 3);
    }
    const t0 = performance.now();
    buf.updatePriorities(idx, td);
    const ms = performance.now() - t0;
    expect(ms).toBeLessThan(1000); // typically ~50 ms; loose because the machine is shared
    // and the trees stayed consistent
    const b = buf.sample(256, rng, 1);
    for (const w of b.weights) {
      expect(w).toBeGreaterThan(0);
      expect(w).toBeLessThanOrEqual(1);
    }
  });
});
