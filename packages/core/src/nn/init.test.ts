import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../rng';
import { fans, glorotUniform, orthogonal, orthogonalMatrix, zeros } from './init';

function gram(m: Float32Array, rows: number, cols: number, overColumns: boolean): number[][] {
  const k = overColumns ? cols : rows;
  const n = overColumns ? rows : cols;
  const at = (v: number, i: number) => (overColumns ? (m[i * cols + v] as number) : (m[v * cols + i] as number));
  const g: number[][] = [];
  for (let a = 0; a < k; a++) {
    g.push([]);
    for (let b = 0; b < k; b++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += at(a, i) * at(b, i);
      (g[a] as number[]).push(s);
    }
  }
  return g;
}

describe('initialisers', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it.each([
    [6, 3],
    [3, 6],
    [5, 5],
  ])('orthogonal %ix%i has orthonormal columns/rows times gain', (rows, cols) => {
    const gain = 1.5;
    const m = orthogonalMatrix(rows, cols, new Rng(3), gain);
    const g = gram(m, rows, cols, rows >= cols);
    g.forEach((row, a) => row.forEach((v, b) => expect(v).toBeCloseTo(a === b ? gain * gain : 0, 5)));
  });

  it('orthogonal is deterministic from the Rng and differs between seeds', () => {
    const a = orthogonalMatrix(8, 4, new Rng(1));
    const b = orthogonalMatrix(8, 4, new Rng(1));
    const c = orthogonalMatrix(8, 4, new Rng(2));
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a)).not.toEqual(Array.from(c));
  });

  it('orthogonal variables flatten conv kernels to [kh*kw*in, out]', () => {
    const v = orthogonal([3, 3, 2, 4], new Rng(0), 1, 'conv');
    expect(v.shape).toEqual([3, 3, 2, 4]);
    const m = v.dataSync() as Float32Array;
    const g = gram(m, 18, 4, true);
    g.forEach((row, a) => row.forEach((x, b) => expect(x).toBeCloseTo(a === b ? 1 : 0, 5)));
    v.dispose();
  });

  it('glorot uniform stays within the limit and is seeded', () => {
    const v = glorotUniform([40, 60], new Rng(9));
    const limit = Math.sqrt(6 / 100);
    const d = v.dataSync();
    let max = 0;
    let mean = 0;
    for (const x of d) {
      max = Math.max(max, Math.abs(x));
      mean += x / d.length;
    }
    expect(max).toBeLessThanOrEqual(limit);
    expect(max).toBeGreaterThan(0.9 * limit);
    expect(Math.abs(mean)).toBeLessThan(0.02);
    const v2 = glorotUniform([40, 60], new Rng(9));
    expect(Array.from(v2.dataSync())).toEqual(Array.from(d));
    tf.dispose([v, v2]);
  });

  it('zeros, fans and errors', () => {
    const before = tf.memory().numTensors;
    const z = zeros([3]);
    expect(Array.from(z.dataSync())).toEqual([0, 0, 0]);
    z.dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect(fans([3, 3, 2, 4])).toEqual({ fanIn: 18, fanOut: 36 });
    expect(() => orthogonalMatrix(0, 3, new Rng(0))).toThrow(/positive integers/);
  });
});
