import { describe, expect, it } from 'vitest';
import { Rng } from './rng';
import { Box, Dict, Discrete, MultiBinary, MultiDiscrete, Tuple, assertContains, spaceFromJSON, type Space } from './spaces';

const roundTrip = (s: Space<any>) => spaceFromJSON(JSON.parse(JSON.stringify(s.toJSON())));

describe('Discrete', () => {
  it('samples every value in range and nothing else', () => {
    const d = new Discrete(3, -1);
    const rng = new Rng(1);
    const counts = new Map<number, number>();
    for (let i = 0; i < 3000; i++) {
      const v = d.sample(rng);
      counts.set(v, (counts.get(v) ?? 0) + 1);
    }
    expect([...counts.keys()].sort()).toEqual([-1, 0, 1]);
    for (const c of counts.values()) expect(c).toBeGreaterThan(850);
  });

  it('contains, toString, flatten, compact', () => {
    const d = new Discrete(2);
    expect(d.contains(0)).toBe(true);
    expect(d.contains(1)).toBe(true);
    expect(d.contains(2)).toBe(false);
    expect(d.contains(-1)).toBe(false);
    expect(d.contains(0.5)).toBe(false);
    expect(d.contains('1')).toBe(false);
    expect(String(d)).toBe('Discrete(2)');
    expect(String(new Discrete(3, -1))).toBe('Discrete(3, start=-1)');
    expect(d.flatDim).toBe(2);
    expect(d.compactDim).toBe(1);
    const s = new Discrete(4, 10);
    expect(Array.from(s.flatten(12))).toEqual([0, 0, 1, 0]);
    expect(s.unflatten([0, 0, 0, 1])).toBe(13);
    const buf = new Float32Array(3);
    s.writeCompact(11, buf, 1);
    expect(Array.from(buf)).toEqual([0, 11, 0]);
    expect(s.readCompact(buf, 1)).toBe(11);
  });

  it('rejects bad parameters', () => {
    expect(() => new Discrete(0)).toThrow(/positive integer/);
    expect(() => new Discrete(2.5)).toThrow(/positive integer/);
  });
});

describe('Box', () => {
  it('formats like Gymnasium', () => {
    expect(String(new Box({ low: -1, high: 1, shape: [3] }))).toBe('Box(-1.0, 1.0, (3,), float32)');
    expect(String(new Box({ low: 0, high: 255, shape: [2, 2], dtype: 'uint8' }))).toBe('Box(0, 255, (2, 2), uint8)');
    const theta = (12 * 2 * Math.PI) / 360;
    const high = [4.8, Number.POSITIVE_INFINITY, theta * 2, Number.POSITIVE_INFINITY];
    const cart = new Box({ low: high.map((v) => -v), high });
    expect(String(cart)).toBe('Box([-4.8 -inf -0.41887903 -inf], [4.8 inf 0.41887903 inf], (4,), float32)');
  });

  it('infers shape, checks sizes and order of bounds', () => {
    expect(new Box({ low: [0, 0], high: 1 }).shape).toEqual([2]);
    expect(() => new Box({ low: 0, high: 1 })).toThrow(/explicit shape/);
    expect(() => new Box({ low: [0, 0, 0], high: 1, shape: [2] })).toThrow(/low has 3 values but shape \(2\) needs 2/);
    expect(() => new Box({ low: [0, 2], high: 1 })).toThrow(/low\[1\] = 2 is greater than high\[1\] = 1/);
  });

  it('contains: bounds, length, NaN, integers; float32 rounding of bounds', () => {
    const b = new Box({ low: [-1, 0], high: [1, 0.1] });
    expect(b.contains(new Float32Array([0.5, 0.1]))).toBe(true);
    expect(b.contains([1, 0])).toBe(true);
    expect(b.contains(new Float64Array([0.1, 0.1]))).toBe(true); // 0.1 as float32 == high
    expect(b.contains([1.01, 0])).toBe(false);
    expect(b.contains([0, 0, 0])).toBe(false);
    expect(b.contains(0.5)).toBe(false);
    expect(b.contains([Number.NaN, 0])).toBe(false);
    expect(b.explain([0])).toBe('has length 1 but the space needs 2');
    expect(b.explain([0, Number.NaN])).toBe('contains NaN at index 1');
    expect(b.explain([-2, 0])).toBe('element 0 = -2 is below low -1.0');
    const i = new Box({ low: 0, high: 3, shape: [1], dtype: 'int32' });
    expect(i.contains([2])).toBe(true);
    expect(i.contains([2.5])).toBe(false);
  });

  it('samples uniform when bounded, low+Exp(1) / high−Exp(1) when half-bounded, N(0,1) when unbounded', () => {
    const inf = Number.POSITIVE_INFINITY;
    const b = new Box({ low: [2, 5, -inf, -inf], high: [3, inf, -5, inf], dtype: 'float64' });
    const rng = new Rng(7);
    const n = 20000;
    const sum = [0, 0, 0, 0];
    const sumSq = [0, 0, 0, 0];
    for (let k = 0; k < n; k++) {
      const x = b.sample(rng);
      expect(x).toBeInstanceOf(Float64Array);
      expect(b.contains(x)).toBe(true);
      for (let j = 0; j < 4; j++) {
        sum[j] = (sum[j] as number) + (x[j] as number);
        sumSq[j] = (sumSq[j] as number) + (x[j] as number) ** 2;
      }
    }
    const mean = sum.map((s) => s / n);
    const variance = sumSq.map((s, j) => s / n - (mean[j] as number) ** 2);
    // uniform[2,3): mean 2.5, var 1/12; 5+Exp(1): mean 6, var 1; -5-Exp(1): mean -6; N(0,1)
    expect(mean[0]).toBeCloseTo(2.5, 1);
    expect(variance[0]).toBeCloseTo(1 / 12, 2);
    expect(mean[1]).toBeCloseTo(6, 1);
    expect(variance[1]).toBeGreaterThan(0.9);
    expect(variance[1]).toBeLessThan(1.1);
    expect(mean[2]).toBeCloseTo(-6, 1);
    expect(mean[3]).toBeCloseTo(0, 1);
    expect(variance[3]).toBeGreaterThan(0.95);
    expect(variance[3]).toBeLessThan(1.05);
  });

  it('integer boxes sample both endpoints and return the dtype array', () => {
    const b = new Box({ low: 0, high: 2, shape: [1], dtype: 'uint8' });
    const rng = new Rng(3);
    const seen = new Set<number>();
    for (let k = 0; k < 300; k++) {
      const x = b.sample(rng);
      expect(x).toBeInstanceOf(Uint8Array);
      seen.add(x[0] as number);
    }
    expect([...seen].sort()).toEqual([0, 1, 2]);
  });

  it('is reproducible from the rng seed', () => {
    const b = new Box({ low: -1, high: 1, shape: [5] });
    expect(Array.from(b.sample(new Rng(42)))).toEqual(Array.from(b.sample(new Rng(42))));
  });

  it('round-trips through JSON text, including infinite bounds', () => {
    const inf = Number.POSITIVE_INFINITY;
    const b = new Box({ low: [-inf, 0, -1], high: [inf, inf, 1], dtype: 'float64' });
    const text = JSON.stringify(b.toJSON());
    expect(text).toContain('"-inf"');
    const back = spaceFromJSON(JSON.parse(text)) as Box<'float64'>;
    expect(back).toBeInstanceOf(Box);
    expect(back.dtype).toBe('float64');
    expect(Array.from(back.low)).toEqual([-inf, 0, -1]);
    expect(Array.from(back.high)).toEqual([inf, inf, 1]);
    expect(back.equals(b)).toBe(true);
    // Uniform bounds are stored as scalars (image spaces stay small in a checkpoint manifest).
    expect(new Box({ low: 0, high: 255, shape: [84, 84, 3], dtype: 'uint8' }).toJSON()).toEqual({
      type: 'Box',
      low: 0,
      high: 255,
      shape: [84, 84, 3],
      dtype: 'uint8',
    });
  });

  it('flatten / compact copy the values', () => {
    const b = new Box({ low: -2, high: 2, shape: [2], dtype: 'int32' });
    const x = new Int32Array([-2, 1]);
    expect(Array.from(b.flatten(x))).toEqual([-2, 1]);
    const back = b.unflatten([-2, 1]);
    expect(back).toBeInstanceOf(Int32Array);
    expect(Array.from(back)).toEqual([-2, 1]);
  });
});

describe('MultiDiscrete and MultiBinary', () => {
  it('MultiDiscrete flattens to concatenated one-hots', () => {
    const m = new MultiDiscrete([3, 2]);
    expect(m.flatDim).toBe(5);
    expect(m.compactDim).toBe(2);
    expect(String(m)).toBe('MultiDiscrete([3 2])');
    expect(Array.from(m.flatten(new Int32Array([2, 0])))).toEqual([0, 0, 1, 1, 0]);
    expect(Array.from(m.unflatten([0, 1, 0, 0, 1]))).toEqual([1, 1]);
    expect(m.contains(new Int32Array([2, 1]))).toBe(true);
    expect(m.contains([3, 0])).toBe(false);
    expect(m.explain([0, 2])).toBe('element 1 = 2 is outside [0, 1]');
    const rng = new Rng(5);
    for (let k = 0; k < 100; k++) expect(m.contains(m.sample(rng))).toBe(true);
  });

  it('MultiBinary', () => {
    const m = new MultiBinary(4);
    const x = m.sample(new Rng(9));
    expect(x).toBeInstanceOf(Int8Array);
    expect(m.contains(x)).toBe(true);
    expect(m.contains([0, 1, 2, 0])).toBe(false);
    expect(String(m)).toBe('MultiBinary(4)');
    expect(Array.from(m.flatten(new Int8Array([1, 0, 0, 1])))).toEqual([1, 0, 0, 1]);
  });
});

describe('Dict and Tuple', () => {
  const box = new Box({ low: -1, high: 1, shape: [2] });
  it('Dict sorts keys and flattens in that order', () => {
    const d = new Dict({ z: new Discrete(3), a: box });
    expect(d.keys).toEqual(['a', 'z']);
    expect(String(d)).toBe("Dict('a': Box(-1.0, 1.0, (2,), float32), 'z': Discrete(3))");
    expect(d.flatDim).toBe(5);
    expect(d.compactDim).toBe(3);
    const x = { z: 2, a: new Float32Array([0.5, -0.5]) };
    expect(d.contains(x)).toBe(true);
    expect(Array.from(d.flatten(x))).toEqual([0.5, -0.5, 0, 0, 1]);
    const back = d.unflatten([0.5, -0.5, 0, 0, 1]);
    expect(back.z).toBe(2);
    expect(Array.from(back.a)).toEqual([0.5, -0.5]);
    const buf = new Float32Array(3);
    d.writeCompact(x, buf);
    expect(Array.from(buf)).toEqual([0.5, -0.5, 2]);
    expect(d.explain({ a: x.a })).toBe("is missing key 'z'");
    expect(d.explain({ ...x, q: 1 })).toBe("has unknown key 'q'");
    expect(d.explain({ a: x.a, z: 3 })).toBe("key 'z': 3 is outside [0, 2]");
  });

  it('Tuple', () => {
    const t = new Tuple([new Discrete(2), box] as const);
    expect(String(t)).toBe('Tuple(Discrete(2), Box(-1.0, 1.0, (2,), float32))');
    const rng = new Rng(11);
    const x = t.sample(rng);
    expect(t.contains(x)).toBe(true);
    expect(t.contains([0])).toBe(false);
    expect(Array.from(t.flatten([1, new Float32Array([0.25, 0])]))).toEqual([0, 1, 0.25, 0]);
    const y = t.readCompact([1, 0.25, 0]);
    expect(y[0]).toBe(1);
    expect(Array.from(y[1])).toEqual([0.25, 0]);
  });

  it('every space round-trips through JSON', () => {
    const inf = Number.POSITIVE_INFINITY;
    const spaces: Space<any>[] = [
      new Discrete(5, 2),
      new Box({ low: -inf, high: inf, shape: [2, 3] }),
      new MultiDiscrete([2, 7, 4]),
      new MultiBinary(3),
      new Dict({ obs: new Box({ low: [0, -inf], high: [1, 0], dtype: 'float64' }), goal: new Discrete(4) }),
      new Tuple([new Discrete(2), new Tuple([new MultiBinary(2)])]),
    ];
    for (const s of spaces) {
      const back = roundTrip(s);
      expect(back.constructor).toBe(s.constructor);
      expect(String(back)).toBe(String(s));
      expect(back.equals(s)).toBe(true);
    }
    expect(() => spaceFromJSON({ type: 'Graph' })).toThrow(/unknown space type "Graph"/);
  });
});

describe('assertContains', () => {
  it('names who, the space and the value', () => {
    expect(() => assertContains(new Discrete(2), 3, 'CartPole-v1')).toThrow(
      'CartPole-v1: action 3 is not in Discrete(2) (3 is outside [0, 1])',
    );
    expect(() => assertContains(new Discrete(2), 1, 'CartPole-v1')).not.toThrow();
  });

  it('gives a specific message for a wrong-length vector and for NaN', () => {
    const b = new Box({ low: -1, high: 1, shape: [3] });
    expect(() => assertContains(b, new Float32Array([0, 0]), 'Pendulum-v1')).toThrow(
      'Pendulum-v1: action Float32Array [0, 0] is not in Box(-1.0, 1.0, (3,), float32) (has length 2 but the space needs 3)',
    );
    expect(() => assertContains(b, [0, Number.NaN, 0], 'Pendulum-v1')).toThrow(/\(contains NaN at index 1\)$/);
    expect(() => assertContains(b, [0, 0, 0], 'Pendulum-v1', 'observation')).not.toThrow();
  });
});
