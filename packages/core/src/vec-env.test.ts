import { describe, expect, it } from 'vitest';
import { BaseEnv, type RgbFrame, type ResetResult, type StepResult } from './env';
import { Rng } from './rng';
import { Box, Discrete } from './spaces';
import { SyncVecEnv } from './vec-env';
import { RecordEpisodeStatistics } from './wrappers';

/** obs = [t, u]: t counts steps, u drawn from the env rng at reset; reward = action; ends at t = endAt. */
class CounterEnv extends BaseEnv<Float32Array, number> {
  readonly observationSpace = new Box({ low: [0, 0], high: [100, 1] });
  readonly actionSpace = new Discrete(2);
  t = 0;
  u = 0;
  constructor(readonly endAt: number) {
    super();
  }
  protected _reset(): ResetResult<Float32Array> {
    this.t = 0;
    this.u = this.rng.random();
    return { obs: new Float32Array([this.t, this.u]), info: { resetCount: 1 } };
  }
  protected _step(action: number): StepResult<Float32Array> {
    this.t += 1;
    return { obs: new Float32Array([this.t, this.u]), reward: action, terminated: this.t >= this.endAt, truncated: false, info: {} };
  }
  render(): RgbFrame {
    return { width: 1, height: 1, data: new Uint8Array(3) };
  }
}

/** Discrete observations (the step count mod 5) and a Box action that is summed into the reward. */
class DiscreteObsEnv extends BaseEnv<number, Float32Array> {
  readonly observationSpace = new Discrete(5);
  readonly actionSpace = new Box({ low: -1, high: 1, shape: [2] });
  t = 0;
  protected _reset(): ResetResult<number> {
    this.t = 0;
    return { obs: 0, info: {} };
  }
  protected _step(a: Float32Array): StepResult<number> {
    this.t += 1;
    return { obs: this.t % 5, reward: (a[0] as number) + 10 * (a[1] as number), terminated: false, truncated: this.t === 2, info: {} };
  }
  render(): RgbFrame {
    return { width: 1, height: 1, data: new Uint8Array(3) };
  }
}

const f = Math.fround;

describe('SyncVecEnv', () => {
  it('seeds env i with seed + i and lays observations out flat', () => {
    const vec = new SyncVecEnv([() => new CounterEnv(2), () => new CounterEnv(3)]);
    expect(vec.numEnvs).toBe(2);
    expect(vec.obsDim).toBe(2);
    const obs = vec.reset(10);
    expect(Array.from(obs)).toEqual([0, f(new Rng(10).random()), 0, f(new Rng(11).random())]);
  });

  it('autoresets in the same step and reports finalObs and episode stats', () => {
    const vec = new SyncVecEnv([
      () => new RecordEpisodeStatistics(new CounterEnv(2)),
      () => new RecordEpisodeStatistics(new CounterEnv(3)),
    ]);
    const r0 = new Rng(10);
    const u0 = f(r0.random());
    const u0b = f(r0.random()); // second reset of env 0 continues its stream
    const u1 = f(new Rng(11).random());
    const obs0 = vec.reset(10);
    expect(Array.from(obs0)).toEqual([0, u0, 0, u1]);
    const s1 = vec.step(new Int32Array([1, 0]));
    expect(Array.from(s1.obs)).toEqual([1, u0, 1, u1]);
    expect(Array.from(s1.rewards)).toEqual([1, 0]);
    expect(Array.from(s1.terminated)).toEqual([0, 0]);
    const obs1 = s1.obs; // keep the reference, as a rollout loop does
    const s2 = vec.step(new Int32Array([1, 1]));
    expect(Array.from(s2.terminated)).toEqual([1, 0]);
    expect(Array.from(s2.truncated)).toEqual([0, 0]);
    // env 0 finished: obs row 0 is the new episode's first observation, finalObs row 0 the last one
    expect(Array.from(s2.obs)).toEqual([0, u0b, 2, u1]);
    expect(Array.from(s2.finalObs)).toEqual([2, u0, 0, 0]);
    expect(s2.infos[0]?.episode).toMatchObject({ r: 2, l: 2 });
    expect(s2.infos[0]?.resetInfo).toEqual({ resetCount: 1 });
    expect(s2.infos[1]?.episode).toBeUndefined();
    // the previous call's obs is still intact (double buffering), reset's obs is a different array
    expect(obs1).not.toBe(s2.obs);
    expect(Array.from(obs1)).toEqual([1, u0, 1, u1]);
    const s3 = vec.step(new Int32Array([0, 1]));
    expect(Array.from(s3.terminated)).toEqual([0, 1]);
    expect(s3.infos[1]?.episode).toMatchObject({ r: 2, l: 3 });
    expect(Array.from(s3.finalObs)).toEqual([0, 0, 3, u1]);
    expect(Array.from(s3.obs.subarray(0, 2))).toEqual([1, u0b]);
  });

  it('uses the constructor seed for the first unseeded reset', () => {
    const a = new SyncVecEnv([() => new CounterEnv(2)], { seed: 3 }).reset();
    expect(a[1]).toBe(f(new Rng(3).random()));
  });

  it('stores a Discrete observation as one float and reads Box actions per env', () => {
    const vec = new SyncVecEnv([() => new DiscreteObsEnv(), () => new DiscreteObsEnv()]);
    expect(vec.obsDim).toBe(1);
    expect(vec.actDim).toBe(2);
    vec.reset(0);
    const s1 = vec.step(new Float32Array([0.5, 0, -1, 0.25]));
    expect(Array.from(s1.obs)).toEqual([1, 1]);
    expect(Array.from(s1.rewards)).toEqual([0.5, 1.5]);
    const s2 = vec.step(new Float32Array([0, 0, 0, 0]));
    expect(Array.from(s2.truncated)).toEqual([1, 1]);
    expect(Array.from(s2.finalObs)).toEqual([2, 2]);
    expect(Array.from(s2.obs)).toEqual([0, 0]);
  });

  it('reports bad calls clearly', () => {
    const vec = new SyncVecEnv([() => new CounterEnv(2), () => new CounterEnv(2)]);
    expect(() => vec.step(new Int32Array([0, 0]))).toThrow(/before reset/);
    vec.reset(0);
    expect(() => vec.step(new Int32Array([0]))).toThrow('SyncVecEnv: expected 2 action values (2 envs × 1 for Discrete(2)), got 1');
    expect(() => vec.step(new Int32Array([0, 2]))).toThrow(/action 2 is not in Discrete\(2\)/);
    expect(() => new SyncVecEnv([() => new CounterEnv(2), () => new DiscreteObsEnv() as never])).toThrow(
      /env 1 has observation space Discrete\(5\)/,
    );
  });
});
