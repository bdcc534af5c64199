import { describe, expect, it } from 'vitest';
import { BaseEnv, type RgbFrame, type ResetResult, type StepResult } from './env';
import { Rng } from './rng';
import { Box, Discrete } from './spaces';

/** obs = [t, u]: t counts steps, u is drawn from the env rng at reset; terminates when t = endAt. */
class CounterEnv extends BaseEnv<Float32Array, number> {
  readonly observationSpace = new Box({ low: [0, 0], high: [100, 1] });
  readonly actionSpace = new Discrete(2);
  t = 0;
  u = 0;
  constructor(readonly endAt = 3) {
    super();
  }
  protected _reset(): ResetResult<Float32Array> {
    this.t = 0;
    this.u = this.rng.random();
    return { obs: new Float32Array([this.t, this.u]), info: {} };
  }
  protected _step(action: number): StepResult<Float32Array> {
    this.t += 1;
    return { obs: new Float32Array([this.t, this.u]), reward: action, terminated: this.t >= this.endAt, truncated: false, info: {} };
  }
  render(): RgbFrame {
    return { width: 1, height: 1, data: new Uint8Array(3) };
  }
}

describe('BaseEnv', () => {
  it('refuses step before reset and after the end, naming the env id', () => {
    const env = new CounterEnv(2);
    env.spec = { id: 'Counter-v0' };
    expect(() => env.step(0)).toThrow('Counter-v0: step() called before reset(); call reset() first');
    env.reset({ seed: 1 });
    expect(env.step(1).terminated).toBe(false);
    const last = env.step(1);
    expect(last.terminated).toBe(true);
    expect(last.reward).toBe(1);
    expect(() => env.step(0)).toThrow('Counter-v0: step() called after the episode ended (terminated); call reset() first');
    env.reset();
    expect(env.step(0).obs[0]).toBe(1);
  });

  it('validates actions with the action space', () => {
    const env = new CounterEnv();
    env.reset({ seed: 0 });
    expect(() => env.step(2)).toThrow('CounterEnv: action 2 is not in Discrete(2) (2 is outside [0, 1])');
    expect(() => env.step(Number.NaN)).toThrow(/NaN is not an integer/);
    // a rejected action does not advance the env
    expect(env.step(1).obs[0]).toBe(1);
  });

  it('seeds its Rng from reset({seed}) and keeps the stream otherwise', () => {
    const env = new CounterEnv();
    const ref = new Rng(5);
    const u1 = ref.random();
    const u2 = ref.random();
    expect(env.reset({ seed: 5 }).obs[1]).toBe(Math.fround(u1));
    expect(env.reset().obs[1]).toBe(Math.fround(u2));
    expect(env.reset({ seed: 5 }).obs[1]).toBe(Math.fround(u1));
    const state = env.getRngState();
    const next = env.reset().obs[1];
    env.setRngState(state);
    expect(env.reset().obs[1]).toBe(next);
  });

  it('seeds from fresh entropy when never seeded', () => {
    const a = new CounterEnv().reset().obs[1];
    const b = new CounterEnv().reset().obs[1];
    expect(a).not.toBe(b);
    expect(() => new CounterEnv().reset({ seed: 1.5 })).toThrow(/seed must be an integer/);
  });

  it('is its own unwrapped', () => {
    const env = new CounterEnv();
    expect(env.unwrapped).toBe(env);
  });
});
