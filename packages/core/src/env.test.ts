import { describe, expect, it } from 'vitest';
import { BaseEnv, MAX_SEED, type RgbFrame, type ResetResult, type StepResult, assertSeed } from './env';
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

/** A Box-action env whose reference clips out-of-range actions in its own step (like Pendulum). */
class ClippingEnv extends BaseEnv<Float32Array, Float32Array> {
  readonly observationSpace = new Box({ low: -2, high: 2, shape: [1] });
  readonly actionSpace = new Box({ low: -2, high: 2, shape: [1] });
  seen: number[] = [];
  constructor(readonly clips = true) {
    super();
  }
  protected override get clipsActions(): boolean {
    return this.clips;
  }
  protected _reset(): ResetResult<Float32Array> {
    return { obs: new Float32Array(1), info: {} };
  }
  protected _step(action: Float32Array): StepResult<Float32Array> {
    this.seen.push(action[0] as number);
    const u = Math.min(2, Math.max(-2, action[0] as number));
    return { obs: Float32Array.of(u), reward: 0, terminated: false, truncated: false, info: {} };
  }
  render(): RgbFrame {
    return { width: 1, height: 1, data: new Uint8Array(3) };
  }
}

/** Overrides close() without calling super.close(). */
class OwnCloseEnv extends CounterEnv {
  released = 0;
  override close(): void {
    this.released++;
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

  it('accepts seeds in [0, 2^32 - 1] and rejects everything else, naming the env and the value', () => {
    const env = new CounterEnv();
    env.spec = { id: 'Counter-v0' };
    expect(MAX_SEED).toBe(4294967295);
    expect(env.reset({ seed: 0 }).obs[1]).toBe(Math.fround(new Rng(0).random()));
    expect(env.reset({ seed: MAX_SEED }).obs[1]).toBe(Math.fround(new Rng(MAX_SEED).random()));
    const msg = (v: string) => `Counter-v0: reset seed must be an integer in [0, 4294967295] (2^32 - 1), got ${v}`;
    expect(() => env.reset({ seed: -1 })).toThrow(msg('-1'));
    expect(() => env.reset({ seed: -1 })).toThrow(RangeError);
    expect(() => env.reset({ seed: 2 ** 32 })).toThrow(msg('4294967296'));
    expect(() => env.reset({ seed: Number.MAX_SAFE_INTEGER + 2 })).toThrow(msg('9007199254740992'));
    expect(() => env.reset({ seed: 1e300 })).toThrow(RangeError);
    expect(() => env.reset({ seed: 1.5 })).toThrow(msg('1.5'));
    expect(() => env.reset({ seed: 1.5 })).toThrow(TypeError);
    expect(() => env.reset({ seed: Number.NaN })).toThrow(msg('NaN'));
    expect(() => env.reset({ seed: Number.POSITIVE_INFINITY })).toThrow(msg('Infinity'));
    expect(() => env.reset({ seed: '3' as unknown as number })).toThrow(msg('"3"'));
    expect(() => assertSeed(7, 'x')).not.toThrow();
    expect(() => assertSeed(-0.5, 'MyVec', 'seed')).toThrow('MyVec: seed must be an integer in [0, 4294967295] (2^32 - 1), got -0.5');
    // a rejected seed leaves the generator alone
    const a = new CounterEnv();
    a.reset({ seed: 3 });
    expect(() => a.reset({ seed: -3 })).toThrow();
    const ref = new Rng(3);
    ref.random();
    expect(a.reset().obs[1]).toBe(Math.fround(ref.random()));
  });

  it('refuses step and reset after close, naming the env; close may be repeated', () => {
    const env = new CounterEnv();
    env.spec = { id: 'Counter-v0' };
    env.reset({ seed: 0 });
    env.step(1);
    env.close();
    env.close();
    expect(() => env.step(0)).toThrow('Counter-v0: step() called after close()');
    expect(() => env.reset()).toThrow('Counter-v0: reset() called after close()');
    expect(() => env.reset({ seed: 1 })).toThrow('Counter-v0: reset() called after close()');
    // also when a subclass overrides close() without calling super.close()
    const own = new OwnCloseEnv();
    own.reset({ seed: 0 });
    own.close();
    expect(own.released).toBe(1);
    expect(() => own.step(0)).toThrow('OwnCloseEnv: step() called after close()');
    expect(() => own.reset()).toThrow('OwnCloseEnv: reset() called after close()');
  });

  it('clipsActions envs get finite out-of-range Box actions; NaN, infinities, bad shapes and strict raise', () => {
    const env = new ClippingEnv();
    env.spec = { id: 'Clip-v0' };
    env.reset({ seed: 0 });
    expect(env.step(Float32Array.of(5)).obs[0]).toBe(2);
    expect(env.step(Float32Array.of(-1e30)).obs[0]).toBe(-2);
    expect(env.step([2.5] as unknown as Float32Array).obs[0]).toBe(2);
    expect(env.seen).toEqual([5, Math.fround(-1e30), 2.5]);
    expect(() => env.step(Float32Array.of(Number.NaN))).toThrow(
      'Clip-v0: action Float32Array [NaN] is not in Box(-2.0, 2.0, (1,), float32) (contains NaN at index 0)',
    );
    expect(() => env.step(Float32Array.of(Number.POSITIVE_INFINITY))).toThrow(/Clip-v0: action .*Infinity.*is not finite/);
    expect(() => env.step([1e39] as unknown as Float32Array)).toThrow(/Clip-v0: action \[1e\+39\].*overflows float32/);
    expect(() => env.step(Float32Array.of(3, 0))).toThrow(/Clip-v0: action .* \(has length 2 but the space needs 1\)/);
    expect(() => env.step(3 as unknown as Float32Array)).toThrow(/Clip-v0: action 3 .*expected an array of 1 numbers/);
    expect(() => env.step(['a'] as unknown as Float32Array)).toThrow(/Clip-v0: action \["a"\]/);
    expect(env.seen).toHaveLength(3); // rejected actions never reach _step
    env.strict = true;
    expect(() => env.step(Float32Array.of(5))).toThrow(
      'Clip-v0: action Float32Array [5] is not in Box(-2.0, 2.0, (1,), float32) (element 0 = 5 is above high 2.0)',
    );
    expect(env.step(Float32Array.of(1.5)).obs[0]).toBe(1.5);
    // envs that do not declare clipsActions keep raising
    const plain = new ClippingEnv(false);
    plain.reset({ seed: 0 });
    expect(() => plain.step(Float32Array.of(5))).toThrow(/ClippingEnv: action .* is not in Box.*above high/);
  });
});
