import { describe, expect, it } from 'vitest';
import { ObservationEncoder } from './preprocessing';
import { Box, Dict, Discrete, MultiDiscrete } from './spaces';

describe('ObservationEncoder', () => {
  it('one-hot encodes Discrete and MultiDiscrete; Box stays as it is', () => {
    const d = new ObservationEncoder(new Discrete(4, 1));
    expect(d.inputDim).toBe(4);
    expect(Array.from(d.encode(Float32Array.of(1, 4)))).toEqual([1, 0, 0, 0, 0, 0, 0, 1]);
    const m = new ObservationEncoder(new MultiDiscrete([2, 3]));
    expect(Array.from(m.encode(Float32Array.of(1, 2)))).toEqual([0, 1, 0, 0, 1]);
    const b = new ObservationEncoder(new Box({ low: -1, high: 1, shape: [3] }));
    const rows = Float32Array.of(1, 2, 3);
    expect(b.identity).toBe(true);
    expect(b.encode(rows)).toBe(rows);
    expect(new ObservationEncoder(new Box({ low: 0, high: 255, shape: [4, 4, 1], dtype: 'uint8' })).inputShape).toEqual([4, 4, 1]);
  });

  it('concatenates Dict keys in sorted order, with per-key offsets; predict inputs may be dicts of one row or a batch', () => {
    const space = new Dict({ observation: new Box({ low: 0, high: 1, shape: [2] }), desired_goal: new Discrete(3) });
    expect(space.offsets).toEqual({ desired_goal: { offset: 0, dim: 1 }, observation: { offset: 1, dim: 2 } });
    const enc = new ObservationEncoder(space);
    expect(enc.compactDim).toBe(3);
    expect(enc.inputDim).toBe(5);
    const one = enc.toRows({ observation: Float32Array.of(0.5, 0.25), desired_goal: 2 }, 'test');
    expect(Array.from(one)).toEqual([2, 0.5, 0.25]);
    expect(Array.from(enc.encode(one))).toEqual([0, 0, 1, 0.5, 0.25]);
    const two = enc.toRows({ observation: [1, 1, 0, 0], desired_goal: [0, 1] }, 'test');
    expect(Array.from(two)).toEqual([0, 1, 1, 1, 0, 0]);
    expect(Array.from(space.extractKey(two, 'observation'))).toEqual([1, 1, 0, 0]);
    space.writeKey(two, 'desired_goal', [2, 2]);
    expect(Array.from(two)).toEqual([2, 1, 1, 2, 0, 0]);
    expect(() => enc.toRows({ observation: [1, 1] }, 'PPO.predict')).toThrow("PPO.predict: observation is missing key 'desired_goal'");
    expect(() => enc.toRows({ observation: [1, 1], desired_goal: 0, extra: 1 }, 'X')).toThrow(/unknown key 'extra'/);
    expect(() => enc.toRows(Float32Array.of(1, Number.NaN, 0), 'X')).toThrow('X: observation value NaN at index 1 is not finite');
    expect(() => enc.toRows(Float32Array.of(1, 2), 'X')).toThrow(/length 2 is not a multiple of the observation size 3/);
  });
});
