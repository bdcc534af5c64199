import { describe, expect, it } from 'vitest';
import { Rng } from '../rng';
import { ReplayBuffer, cloneBatch } from './replay';

function filled(capacity: number, count: number) {
  const buf = new ReplayBuffer({ capacity, obsDim: 2, actionDim: 1, actionDtype: 'int32', gamma: 0.9 });
  for (let t = 0; t < count; t++) {
    // transition t: obs [t, -t], nextObs [t+1, -(t+1)], action t % 3, reward 10t
    buf.add([t, -t], t % 3, 10 * t, [t + 1, -(t + 1)], t % 5 === 4, t % 7 === 6);
  }
  return buf;
}

describe('ReplayBuffer', () => {
  it('stores transitions in a ring and overwrites the oldest', () => {
    const buf = filled(4, 6);
    expect(buf.size).toBe(4);
    expect(buf.capacity).toBe(4);
    expect(buf.position).toBe(2);
    // rows 0,1 hold t = 4,5; rows 2,3 hold t = 2,3
    expect(Array.from(buf.rewards)).toEqual([40, 50, 20, 30]);
    expect(Array.from(buf.obs)).toEqual([4, -4, 5, -5, 2, -2, 3, -3]);
    expect(Array.from(buf.nextObs)).toEqual([5, -5, 6, -6, 3, -3, 4, -4]);
    expect(Array.from(buf.actions)).toEqual([1, 2, 2, 0]);
    expect(Array.from(buf.terminated)).toEqual([1, 0, 0, 0]);
    expect(Array.from(buf.truncated)).toEqual([0, 0, 0, 0]);
    expect(Array.from(buf.discounts)).toEqual([0.9, 0.9, 0.9, 0.9].map(Math.fround));
  });

  it('addBatch writes numEnvs rows, wrapping around the ring', () => {
    const buf = new ReplayBuffer({ capacity: 3, obsDim: 1, actionDim: 2, actionDtype: 'float32' });
    buf.add([9], [0.5, -0.5], 1, [9.5], false, false, 0.25);
    buf.addBatch([1, 2, 3], [1, 1, 2, 2, 3, 3], [10, 20, 30], [1.5, 2.5, 3.5], [0, 1, 0], [false, false, true], [0.5, 0.5, 1]);
    expect(buf.size).toBe(3);
    expect(buf.position).toBe(1);
    // rows: 0 ← env2 (wrapped), 1 ← env0, 2 ← env1
    expect(Array.from(buf.obs)).toEqual([3, 1, 2]);
    expect(Array.from(buf.nextObs)).toEqual([3.5, 1.5, 2.5]);
    expect(Array.from(buf.actions)).toEqual([3, 3, 1, 1, 2, 2]);
    expect(Array.from(buf.rewards)).toEqual([30, 10, 20]);
    expect(Array.from(buf.terminated)).toEqual([0, 0, 1]);
    expect(Array.from(buf.truncated)).toEqual([1, 0, 0]);
    expect(Array.from(buf.discounts)).toEqual([1, 0.5, 0.5]);
  });

  it('sample returns consistent rows and reuses its output arrays', () => {
    const buf = filled(50, 30);
    const rng = new Rng(1);
    const b = buf.sample(16, rng);
    expect(b.obs).toBeInstanceOf(Float32Array);
    expect(b.actions).toBeInstanceOf(Int32Array);
    expect(b.terminated).toBeInstanceOf(Float32Array);
    for (let j = 0; j < 16; j++) {
      const t = b.indices[j] as number; // row = t since no wrap
      expect(t).toBeGreaterThanOrEqual(0);
      expect(t).toBeLessThan(30);
      expect([b.obs[2 * j], b.obs[2 * j + 1]]).toEqual([t, -t]);
      expect([b.nextObs[2 * j], b.nextObs[2 * j + 1]]).toEqual([t + 1, -(t + 1)]);
      expect(b.actions[j]).toBe(t % 3);
      expect(b.rewards[j]).toBe(10 * t);
      expect(b.terminated[j]).toBe(t % 5 === 4 ? 1 : 0);
      expect(b.truncated[j]).toBe(t % 7 === 6 ? 1 : 0);
      expect(b.discounts[j]).toBeCloseTo(0.9, 6);
    }
    const kept = cloneBatch(b);
    const b2 = buf.sample(16, rng);
    expect(b2).toBe(b);
    expect(b2.obs).toBe(b.obs);
    expect(kept.obs).not.toBe(b.obs);
    expect(Array.from(kept.indices)).not.toEqual(Array.from(b2.indices));
    expect(buf.sample(8, rng).batchSize).toBe(8);

    const fresh = new ReplayBuffer({ capacity: 5, obsDim: 1, actionDim: 1, actionDtype: 'int32', reuseBatch: false });
    fresh.add([1], 0, 0, [1], false, false);
    expect(fresh.sample(2, rng)).not.toBe(fresh.sample(2, rng));
  });

  it('samples rows uniformly (chi-square against 1/N)', () => {
    const N = 10;
    const buf = filled(N, 25); // full, wrapped
    const rng = new Rng(7);
    const counts = new Float64Array(N);
    const draws = 200 * 100;
    for (let k = 0; k < 200; k++) {
      const b = buf.sample(100, rng);
      for (const i of b.indices) counts[i] = (counts[i] as number) + 1;
    }
    let chi2 = 0;
    for (const c of counts) chi2 += (c - draws / N) ** 2 / (draws / N);
    expect(chi2).toBeLessThan(27.88); // χ²(9) at p = 0.001
  });

  it('uint8 observations are stored compactly and sampled as float32', () => {
    const buf = new ReplayBuffer({ capacity: 4, obsDim: 3, actionDim: 1, actionDtype: 'int32', obsDtype: 'uint8' });
    expect(buf.obs).toBeInstanceOf(Uint8Array);
    buf.add([0, 128, 255], 1, 1, [1, 2, 3], false, false);
    const b = buf.sample(1, new Rng(0));
    expect(b.obs).toBeInstanceOf(Float32Array);
    expect(Array.from(b.obs)).toEqual([0, 128, 255]);
    expect(Array.from(b.nextObs)).toEqual([1, 2, 3]);
  });

  it('getState / setState round-trip and clear', () => {
    const buf = filled(8, 11);
    const state = buf.getState();
    const other = new ReplayBuffer({ capacity: 8, obsDim: 2, actionDim: 1, actionDtype: 'int32', gamma: 0.9 });
    other.setState(state);
    expect(other.size).toBe(8);
    expect(other.position).toBe(3);
    const a = cloneBatch(buf.sample(20, new Rng(3)));
    const b = other.sample(20, new Rng(3));
    expect(b.indices).toEqual(a.indices);
    expect(b.obs).toEqual(a.obs);
    expect(b.rewards).toEqual(a.rewards);
    // state is a copy
    buf.add([100, 100], 0, 0, [0, 0], false, false);
    expect(other.getState().obs).toEqual(state.obs);
    const wrong = new ReplayBuffer({ capacity: 9, obsDim: 2, actionDim: 1, actionDtype: 'int32' });
    expect(() => wrong.setState(state)).toThrow(/capacity/);
    buf.clear();
    expect(buf.size).toBe(0);
    expect(() => buf.sample(1, new Rng(0))).toThrow(/empty/);
  });

  it('rejects bad options and inputs with errors naming the field', () => {
    expect(() => new ReplayBuffer({ capacity: 0, obsDim: 1, actionDim: 1, actionDtype: 'int32' })).toThrow(/capacity/);
    expect(() => new ReplayBuffer({ capacity: 5, obsDim: 1.5, actionDim: 1, actionDtype: 'int32' })).toThrow(/obsDim/);
    expect(() => new ReplayBuffer({ capacity: 5, obsDim: 1, actionDim: 1, actionDtype: 'int64' as never })).toThrow(/actionDtype/);
    expect(() => new ReplayBuffer({ capacity: 5, obsDim: 1, actionDim: 1, actionDtype: 'int32', gamma: 2 })).toThrow(/gamma/);
    const buf = new ReplayBuffer({ capacity: 5, obsDim: 2, actionDim: 2, actionDtype: 'float32' });
    expect(() => buf.add([1], [0, 0], 0, [1, 2], false, false)).toThrow(/obs has length 1, expected 2/);
    expect(() => buf.add([1, 2], 3, 0, [1, 2], false, false)).toThrow(/actionDim/);
    expect(() => buf.addBatch([1, 2], [0, 0], [0], [1, 2], [0, 0], [0])).toThrow(/terminated/);
    expect(() => buf.sample(0, new Rng(0))).toThrow(/batchSize/);
  });
});
