/**
 * Pendulum-v1 exactly as Gymnasium's `PendulumEnv`: swing a frictionless pendulum up and keep it
 * upright. State `[θ, θ̇]` in float64 (θ = 0 upright); observation `[cos θ, sin θ, θ̇]` (float32);
 * reward −(norm(θ)² + 0.1·θ̇² + 0.001·u²); never terminates (the TimeLimit of 200 truncates).
 * The torque u is a NumPy float32 in Gymnasium, so `u²`, `0.001·u²` and `3·u` are rounded to
 * float32 here too (NumPy 2 / NEP 50 semantics).
 *
 * Out-of-range torques are clipped to ±2 as Gymnasium's `step` does (`np.clip(u, -max_torque,
 * max_torque)`), unless `strict`; NaN, ±Infinity or a wrong length throw.
 */

import { BaseEnv, Box, type ResetResult, type RgbFrame, type StepResult } from '@tfrl/core';
import { booleanOption } from '../kwargs';
import { createFrame, fillCircle, fillPolygon } from './raster';

export interface PendulumOptions {
  /** Gravity (Gymnasium's `g`, default 10.0). */
  g?: number;
  /**
   * Raise on a torque outside [−2, 2] instead of clipping it (Gymnasium's `step` clips:
   * `np.clip(u, -max_torque, max_torque)`). Default false.
   */
  strict?: boolean;
}

export const PENDULUM_MAX_SPEED = 8;
export const PENDULUM_MAX_TORQUE = 2.0;
export const PENDULUM_DT = 0.05;
const f = Math.fround;
const C001 = f(0.001);
const TWO_PI = 2 * Math.PI;

/** Gymnasium's `angle_normalize`: ((x + π) mod 2π) − π with Python's (floored) modulo. */
export function angleNormalize(x: number): number {
  let m = (x + Math.PI) % TWO_PI;
  if (m !== 0 && m < 0) m += TWO_PI;
  return m - Math.PI;
}

/**
 * One step of `s[o] = θ, s[o+1] = θ̇` under the torque `u` (a float32 value, already clipped to
 * ±2); `g3` is 3g/(2l). Writes the new state and returns the reward. Shared with the batched VecEnv.
 */
export function pendulumStep(s: Float64Array, o: number, u: number, g3: number): number {
  const th = s[o] as number;
  const thdot = s[o + 1] as number;
  const an = angleNormalize(th);
  const costs = an * an + 0.1 * (thdot * thdot) + f(C001 * f(u * u));
  let newthdot = thdot + (g3 * Math.sin(th) + f(3 * u)) * PENDULUM_DT;
  newthdot = newthdot < -PENDULUM_MAX_SPEED ? -PENDULUM_MAX_SPEED : newthdot > PENDULUM_MAX_SPEED ? PENDULUM_MAX_SPEED : newthdot;
  s[o] = th + newthdot * PENDULUM_DT;
  s[o + 1] = newthdot;
  return -costs;
}

export class PendulumEnv extends BaseEnv<Float32Array, Float32Array> {
  readonly actionSpace = new Box({ low: -PENDULUM_MAX_TORQUE, high: PENDULUM_MAX_TORQUE, shape: [1] });
  readonly observationSpace = new Box({ low: [-1, -1, -PENDULUM_MAX_SPEED], high: [1, 1, PENDULUM_MAX_SPEED] });
  readonly g: number;
  /** 3g/(2l) with l = 1, computed as Gymnasium does. */
  private readonly g3: number;
  private readonly s = new Float64Array(2);
  private lastU: number | null = null;

  constructor(opts: PendulumOptions = {}) {
    super();
    const g = opts.g ?? 10.0;
    if (typeof g !== 'number' || !Number.isFinite(g)) throw new TypeError(`Pendulum-v1: g must be a finite number, got ${String(g)}`);
    this.g = g;
    this.g3 = (3 * g) / (2 * 1.0);
    this.strict = booleanOption('Pendulum-v1', 'strict', opts.strict, false);
  }

  /** Gymnasium clips the torque in `step`, so out-of-range finite torques are not errors. */
  protected override get clipsActions(): boolean {
    return true;
  }

  /** `[theta, theta_dot]` in float64 (a copy); assign to set it, as `env.unwrapped.state = …`. */
  get state(): Float64Array {
    return Float64Array.from(this.s);
  }
  set state(v: ArrayLike<number>) {
    if (v.length !== 2) throw new RangeError(`${this.id}: state needs 2 numbers [theta, theta_dot], got ${v.length}`);
    this.s[0] = v[0] as number;
    this.s[1] = v[1] as number;
  }

  private obs(): Float32Array {
    const th = this.s[0] as number;
    const o = new Float32Array(3);
    o[0] = Math.cos(th);
    o[1] = Math.sin(th);
    o[2] = this.s[1] as number;
    return o;
  }

  /** θ uniform in [−π, π), θ̇ uniform in [−1, 1) (`options.x_init`/`options.y_init` change the bounds). */
  protected _reset(options?: Record<string, unknown>): ResetResult<Float32Array> {
    const x = options?.x_init ?? Math.PI;
    const y = options?.y_init ?? 1.0;
    if (typeof x !== 'number' || typeof y !== 'number' || !Number.isFinite(x) || !Number.isFinite(y)) {
      throw new TypeError(`${this.id}: reset options x_init/y_init must be finite numbers, got ${String(x)}, ${String(y)}`);
    }
    this.s[0] = this.rng.uniform(-x, x);
    this.s[1] = this.rng.uniform(-y, y);
    this.lastU = null;
    return { obs: this.obs(), info: {} };
  }

  protected _step(action: Float32Array): StepResult<Float32Array> {
    let u = f(action[0] as number);
    u = u < -PENDULUM_MAX_TORQUE ? -PENDULUM_MAX_TORQUE : u > PENDULUM_MAX_TORQUE ? PENDULUM_MAX_TORQUE : u;
    this.lastU = u;
    const reward = pendulumStep(this.s, 0, u, this.g3);
    return { obs: this.obs(), reward, terminated: false, truncated: false, info: {} };
  }

  /**
   * A 500×500 frame as Gymnasium's: a red rod of length 1 (scale 500/4.4) from the centre, with
   * round ends, and the black pivot. Gymnasium also blits a torque-arrow image sized by the last
   * torque; here the arrow is omitted (the last torque is `lastTorque`).
   */
  render(): RgbFrame {
    const dim = 500;
    const frame = createFrame(dim, dim);
    const scale = dim / (2.2 * 2);
    const offset = Math.trunc(dim / 2);
    const rodLen = 1 * scale;
    const rodW = 0.2 * scale;
    const ang = (this.s[0] as number) + Math.PI / 2;
    const c = Math.cos(ang);
    const sn = Math.sin(ang);
    const row = (y: number) => dim - y;
    const tr = (x: number, y: number): [number, number] => [x * c - y * sn + offset, row(x * sn + y * c + offset)];
    const red = [204, 77, 77] as const;
    fillPolygon(frame, [tr(0, -rodW / 2), tr(0, rodW / 2), tr(rodLen, rodW / 2), tr(rodLen, -rodW / 2)], red);
    fillCircle(frame, offset, row(offset), Math.trunc(rodW / 2), red);
    const [ex, ey] = [Math.trunc(rodLen * c + offset), Math.trunc(rodLen * sn + offset)];
    fillCircle(frame, ex, row(ey), Math.trunc(rodW / 2), red);
    fillCircle(frame, offset, row(offset), Math.trunc(0.05 * scale), [0, 0, 0]);
    return frame;
  }

  /** The clipped torque of the last step (null right after a reset). */
  get lastTorque(): number | null {
    return this.lastU;
  }
}
