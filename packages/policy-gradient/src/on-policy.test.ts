import { RunningMeanStd } from '@tfrl/core';
import { describe, expect, it } from 'vitest';
import { normalizeRewardsWithRms } from './on-policy';

describe('normalizeRewardsWithRms', () => {
  it('scales by the std of the running discounted return, clips, and resets finished envs', () => {
    const rms = new RunningMeanStd(1, 0);
    const returns = new Float64Array([0.5, 0]);
    // γ = 0.9: returns become [0.9·0.5 + 1, 0 + 3] = [1.45, 3]; mean 2.225, var 0.600625.
    const out = normalizeRewardsWithRms(Float32Array.of(1, 3), [0, 1], rms, returns, 0.9, 3);
    expect(rms.mean[0]).toBeCloseTo(2.225, 12);
    expect(rms.var[0]).toBeCloseTo(0.600625, 12);
    const scale = Math.sqrt(0.600625 + 1e-8);
    expect(out[0]).toBeCloseTo(1 / scale, 6);
    expect(out[1]).toBeCloseTo(3, 6); // 3 / 0.775 = 3.87, clipped to 3
    expect(Array.from(returns)).toEqual([1.45, 0]);
  });
});
