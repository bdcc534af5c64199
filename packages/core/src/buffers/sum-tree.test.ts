import { describe, expect, it } from 'vitest';
import { Rng } from '../rng';
import { MinTree, SumTree } from './sum-tree';

/** Brute force: first i with cumsum(p)[i] > mass, skipping zeros. */
function bruteFind(p: number[], mass: number): number {
  let acc = 0;
  let lastPositive = -1;
  for (let i = 0; i < p.length; i++) {
    if ((p[i] as number) > 0) lastPositive = i;
    acc += p[i] as number;
    if (mass < acc && (p[i] as number) > 0) return i;
  }
  return lastPositive;
}

describe('SumTree / MinTree', () => {
  it('rounds capacity up to a power of two', () => {
    expect(new SumTree(5).treeSize).toBe(8);
    expect(new SumTree(8).treeSize).toBe(8);
    expect(new MinTree(1).treeSize).toBe(1);
    expect(() => new SumTree(0)).toThrow(/capacity/);
  });

  it('total, min and prefix-sum search on a hand example', () => {
    const s = new SumTree(5);
    const m = new MinTree(5);
    const p = [1, 2, 0, 3, 4];
    p.forEach((v, i) => {
      s.update(i, v);
      m.update(i, v);
    });
    expect(s.total()).toBe(10);
    expect(m.min()).toBe(0);
    // cumsum: [1, 3, 3, 6, 10]
    expect(s.findPrefixSum(0)).toBe(0);
    expect(s.findPrefixSum(0.999)).toBe(0);
    expect(s.findPrefixSum(1)).toBe(1);
    expect(s.findPrefixSum(2.9)).toBe(1);
    expect(s.findPrefixSum(3)).toBe(3); // skips the zero leaf 2
    expect(s.findPrefixSum(5.99)).toBe(3);
    expect(s.findPrefixSum(6)).toBe(4);
    expect(s.findPrefixSum(9.999)).toBe(4);
    expect(s.findPrefixSum(10)).toBe(4); // past the total → last positive leaf
    expect(s.findPrefixSum(1e9)).toBe(4);
    expect(s.findPrefixSum(-1)).toBe(0);
    s.update(4, 0);
    expect(s.total()).toBe(6);
    expect(s.findPrefixSum(6.5)).toBe(3); // never the unused/zero leaves 4..7
    m.update(2, 5);
    expect(m.min()).toBe(1);
    m.update(0, 0.5);
    expect(m.min()).toBe(0.5);
    expect(m.get(0)).toBe(0.5);
    m.clear();
    expect(m.min()).toBe(Number.POSITIVE_INFINITY);
    expect(() => s.update(5, 1)).toThrow(/index 5/);
    expect(() => s.update(0, -1)).toThrow(/priority/);
  });

  it('matches brute force on random priorities and updates', () => {
    const rng = new Rng(11);
    const n = 37;
    const s = new SumTree(n);
    const m = new MinTree(n);
    const p: number[] = new Array(n).fill(0);
    for (let round = 0; round < 500; round++) {
      const i = rng.integers(n);
      const v = rng.random() < 0.1 ? 0 : rng.uniform(0, 5);
      p[i] = v;
      s.update(i, v);
      m.update(i, v);
      const total = p.reduce((a, b) => a + b, 0);
      expect(s.total()).toBeCloseTo(total, 9);
      const touched = p.filter((_, k) => m.get(k) !== Number.POSITIVE_INFINITY);
      expect(m.min()).toBe(Math.min(...touched));
      const masses = new Float64Array(8);
      for (let j = 0; j < 8; j++) masses[j] = rng.uniform(0, total);
      const out = s.findPrefixSumBatch(masses, new Int32Array(8));
      for (let j = 0; j < 8; j++) expect(out[j]).toBe(bruteFind(p, masses[j] as number));
    }
  });
});
