import { describe, expect, it } from 'vitest';
import type { VecEnv, VecStepResult } from './env';
import { Box, Discrete } from './spaces';
import { VecNormalize, findVecNormalize } from './vec-normalize';

/** Two envs; each step returns the queued rewards/dones and observations [t, 2t] per env. */
class Scripted implements VecEnv {
  readonly numEnvs = 2;
  readonly singleObservationSpace = new Box({ low: -100, high: 100, shape: [2] });
  readonly singleActionSpace = new Discrete(2);
  readonly obsDim = 2;
  t = 0;
  constructor(private readonly script: Array<{ rewards: number[]; dones: number[] }>) {}
  reset(): Float32Array {
    this.t = 0;
    return Float32Array.of(0, 0, 0, 0);
  }
  step(): VecStepResult {
    const s = this.script[this.t] as { rewards: number[]; dones: number[] };
    this.t++;
    const obs = Float32Array.of(this.t, 2 * this.t, -this.t, -2 * this.t);
    return {
      obs,
      rewards: Float32Array.from(s.rewards),
      terminated: Uint8Array.from(s.dones),
      truncated: new Uint8Array(2),
      finalObs: Float32Array.from(s.dones.flatMap((d) => (d ? [9, 9] : [0, 0]))),
      infos: [{}, {}],
    };
  }
  close(): void {}
}

describe('VecNormalize', () => {
  it('scales rewards by the std of the running discounted return, clips, and resets finished envs', () => {
    const vn = new VecNormalize(new Scripted([{ rewards: [1, 3], dones: [0, 1] }]), { normObs: false, gamma: 0.9, clipReward: 3 });
    vn.reset();
    // Start from returns [0.5, 0] and empty return statistics.
    vn.setState({ obsRms: null, retRms: { mean: [0], var: [1], count: 1e-300 }, returns: [0.5, 0] });
    const out = vn.step(Int32Array.of(0, 0)).rewards;
    const rms = vn.retRms as NonNullable<typeof vn.retRms>;
    // γ = 0.9: returns become [0.9·0.5 + 1, 0 + 3] = [1.45, 3]; mean 2.225, var 0.600625.
    expect(rms.mean[0]).toBeCloseTo(2.225, 12);
    expect(rms.var[0]).toBeCloseTo(0.600625, 12);
    const scale = Math.sqrt(0.600625 + 1e-8);
    expect(out[0]).toBeCloseTo(1 / scale, 6);
    expect(out[1]).toBeCloseTo(3, 6); // 3 / 0.775 = 3.87, clipped to 3
    expect(vn.getState().returns).toEqual([1.45, 0]);
  });

  it('normalises observations with statistics updated first, final observations too; raw values are kept', () => {
    const vn = new VecNormalize(new Scripted([{ rewards: [0, 0], dones: [1, 0] }]), { normReward: false, clipObs: 100 });
    vn.reset();
    const res = vn.step(Int32Array.of(0, 0));
    const rms = vn.obsRms as NonNullable<typeof vn.obsRms>;
    expect(rms.count).toBeCloseTo(4 + 1e-4, 8);
    const expected = (x: number, j: number) => (x - (rms.mean[j] as number)) / Math.sqrt((rms.var[j] as number) + 1e-8);
    expect(res.obs[0]).toBeCloseTo(expected(1, 0), 5);
    expect(res.obs[3]).toBeCloseTo(expected(-2, 1), 5);
    expect(res.finalObs[0]).toBeCloseTo(expected(9, 0), 5);
    expect(Array.from(res.finalObs.subarray(2))).toEqual([0, 0]);
    expect(Array.from(vn.originalObs as Float32Array)).toEqual([1, 2, -1, -2]);
    expect(findVecNormalize(vn)).toBe(vn);
    vn.training = false;
    const before = rms.count;
    vn.normalizeObs(Float32Array.of(1, 1));
    expect(rms.count).toBe(before);
    expect(() => vn.setState({ obsRms: { mean: [0], var: [1], count: 1 }, retRms: null, returns: [] })).toThrow(/observation statistics/);
  });
});
