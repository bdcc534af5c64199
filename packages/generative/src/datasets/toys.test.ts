import { Rng } from '@tfrl/core';
import { describe, expect, it } from 'vitest';
import { checkerboard, columnStats, gaussianMixture, makeCircles, makeMoons } from './toys';

describe('makeMoons', () => {
  it('matches sklearn make_moons geometry without noise (unshuffled)', () => {
    // sklearn.datasets.make_moons(n_samples=7, shuffle=False): 3 outer points on t = 0, π/2, π,
    // 4 inner points on t = 0, π/3, 2π/3, π.
    const { x, labels, n, dim } = makeMoons(7, { rng: new Rng(0), shuffle: false });
    expect(n).toBe(7);
    expect(dim).toBe(2);
    expect(Array.from(labels)).toEqual([0, 0, 0, 1, 1, 1, 1]);
    const expected = [
      [1, 0],
      [0, 1],
      [-1, 0],
      [0, 0.5],
      [0.5, 0.5 - Math.sin(Math.PI / 3)],
      [1.5, 0.5 - Math.sin((2 * Math.PI) / 3)],
      [2, 0.5],
    ];
    expected.forEach(([ex, ey], i) => {
      expect(x[2 * i]).toBeCloseTo(ex as number, 6);
      expect(x[2 * i + 1]).toBeCloseTo(ey as number, 6);
    });
  });

  it('puts every noiseless point on its moon, and noise has the requested std', () => {
    const clean = makeMoons(1001, { rng: new Rng(1) });
    let outer = 0;
    for (let i = 0; i < clean.n; i++) {
      const px = clean.x[2 * i] as number;
      const py = clean.x[2 * i + 1] as number;
      if (clean.labels[i] === 0) {
        outer++;
        expect(Math.hypot(px, py)).toBeCloseTo(1, 5);
        expect(py).toBeGreaterThanOrEqual(-1e-6);
      } else {
        expect(Math.hypot(px - 1, py - 0.5)).toBeCloseTo(1, 5);
        expect(py).toBeLessThanOrEqual(0.5 + 1e-6);
      }
    }
    expect(outer).toBe(500);
    // Same seed and n with noise: the noise is the difference after the same shuffle.
    const noisy = makeMoons(1001, { noise: 0.1, rng: new Rng(1) });
    expect(Array.from(noisy.labels)).toEqual(Array.from(clean.labels));
    const diff = noisy.x.map((v, i) => v - (clean.x[i] as number));
    const { mean, std } = columnStats(diff, 2);
    for (let j = 0; j < 2; j++) {
      expect(Math.abs(mean[j] as number)).toBeLessThan(0.01);
      expect(std[j]).toBeGreaterThan(0.09);
      expect(std[j]).toBeLessThan(0.11);
    }
  });

  it('is reproducible from the seed and shuffles', () => {
    const a = makeMoons(200, { noise: 0.05, rng: new Rng(7) });
    const b = makeMoons(200, { noise: 0.05, rng: new Rng(7) });
    const c = makeMoons(200, { noise: 0.05, rng: new Rng(8) });
    expect(Array.from(a.x)).toEqual(Array.from(b.x));
    expect(Array.from(a.x)).not.toEqual(Array.from(c.x));
    // Shuffled: labels are not sorted.
    expect(
      Array.from(a.labels)
        .slice(0, 100)
        .every((l) => l === 0),
    ).toBe(false);
  });

  it('rejects bad arguments with the field in the message', () => {
    expect(() => makeMoons(0, { rng: new Rng(0) })).toThrow(/n must be a positive integer/);
    expect(() => makeMoons(10, { noise: -1, rng: new Rng(0) })).toThrow(/noise/);
    expect(() => makeMoons(10, {} as never)).toThrow(/rng/);
  });
});

describe('makeCircles', () => {
  it('has radius 1 outside and `factor` inside, angles evenly spaced without the end point', () => {
    const { x, labels } = makeCircles(8, { rng: new Rng(0), shuffle: false, factor: 0.5 });
    expect(Array.from(labels)).toEqual([0, 0, 0, 0, 1, 1, 1, 1]);
    for (let i = 0; i < 8; i++) {
      const r = Math.hypot(x[2 * i] as number, x[2 * i + 1] as number);
      expect(r).toBeCloseTo(i < 4 ? 1 : 0.5, 6);
      const angle = Math.atan2(x[2 * i + 1] as number, x[2 * i] as number);
      const k = i % 4;
      expect(Math.cos(angle)).toBeCloseTo(Math.cos((k * Math.PI) / 2), 5);
    }
    const d = makeCircles(101, { rng: new Rng(3) }); // default factor 0.8
    for (let i = 0; i < d.n; i++) {
      expect(Math.hypot(d.x[2 * i] as number, d.x[2 * i + 1] as number)).toBeCloseTo(d.labels[i] === 0 ? 1 : 0.8, 5);
    }
    expect(() => makeCircles(10, { factor: 1, rng: new Rng(0) })).toThrow(/factor must be in \[0, 1\)/);
  });
});

describe('gaussianMixture', () => {
  it('samples each component with its mean, std and weight', () => {
    const d = gaussianMixture(20000, {
      means: [
        [-3, 0],
        [4, 2],
      ],
      stds: [0.5, [1, 2]],
      weights: [1, 3],
      rng: new Rng(5),
    });
    const parts = [0, 1].map((c) => {
      const rows: number[] = [];
      for (let i = 0; i < d.n; i++) if (d.labels[i] === c) rows.push(d.x[2 * i] as number, d.x[2 * i + 1] as number);
      return Float32Array.from(rows);
    });
    expect((parts[1] as Float32Array).length / 2 / d.n).toBeCloseTo(0.75, 1);
    const s0 = columnStats(parts[0] as Float32Array, 2);
    const s1 = columnStats(parts[1] as Float32Array, 2);
    expect(s0.mean[0]).toBeCloseTo(-3, 1);
    expect(s0.std[1]).toBeCloseTo(0.5, 1);
    expect(s1.mean[1]).toBeCloseTo(2, 1);
    expect(s1.std[0]).toBeCloseTo(1, 1);
    expect(s1.std[1]).toBeCloseTo(2, 1);
    expect(() => gaussianMixture(5, { means: [[0, 0]], stds: -1, rng: new Rng(0) })).toThrow(/stds for component 0/);
  });
});

describe('checkerboard', () => {
  it('fills the 8 dark cells of a 4x4 board on [-4, 4)^2 evenly', () => {
    const d = checkerboard(16000, { rng: new Rng(2) });
    const counts = new Array<number>(16).fill(0);
    for (let i = 0; i < d.n; i++) {
      const cx = Math.floor((d.x[2 * i] as number) / 2) + 2;
      const cy = Math.floor((d.x[2 * i + 1] as number) / 2) + 2;
      if (cx < 0 || cx > 3 || cy < 0 || cy > 3) throw new Error(`point ${i} outside the board: ${d.x[2 * i]}, ${d.x[2 * i + 1]}`);
      counts[cy * 4 + cx] = (counts[cy * 4 + cx] as number) + 1;
    }
    for (let cy = 0; cy < 4; cy++) {
      for (let cx = 0; cx < 4; cx++) {
        const c = counts[cy * 4 + cx] as number;
        if ((cx + cy) % 2 === 0) expect(c).toBeGreaterThan(1800);
        else expect(c).toBe(0);
      }
    }
    expect(new Set(Array.from(d.labels)).size).toBe(8);
  });
});
