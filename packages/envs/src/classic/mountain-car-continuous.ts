/**
 * MountainCarContinuous-v0 as Gymnasium's `Continuous_MountainCarEnv`: force = clip(a, −1, 1)·0.0015,
 * reward −0.1·a² per step plus 100 on reaching x ≥ 0.45.
 *
 * Gymnasium stores this env's state as a float32 array after every step, so under NumPy 2 (NEP 50)
 * most of the step is float32 arithmetic. `mccStep` reproduces that rounding exactly. The one
 * deliberate difference: Gymnasium's reset state is float64 until the first step; here the reset
 * position is rounded to float32 at once (so the first step after a reset may differ from
 * Gymnasium's by one float32 rounding, ~3e-8; every later step follows the same float32 path).
 *
 * Out-of-range actions are handled as Gymnasium's `step`: the force is clipped to [−1, 1] with
 * `min(max(action[0], -1), 1)`, while the reward's `−0.1·action[0]²` uses the unclipped action
 * (so an action of 3 costs 0.9). `strict: true` raises instead; NaN, ±Infinity or a wrong length
 * always throw.
 */

import { BaseEnv, Box, type ResetResult, type RgbFrame, type StepResult } from '@tfrl/core';
import { booleanOption } from '../kwargs';
import { MC_MAX_POSITION, MC_MAX_SPEED, MC_MIN_POSITION, renderMountainCar, resetBounds } from './mountain-car';

export interface MountainCarContinuousOptions {
  /** Termination also needs velocity ≥ this (Gymnasium's `goal_velocity`, default 0). */
  goalVelocity?: number;
  /**
   * Raise on an action outside [−1, 1] instead of clipping the force (Gymnasium's `step`:
   * `force = min(max(action[0], min_action), max_action)`). Default false.
   */
  strict?: boolean;
}

export const MCC_GOAL_POSITION = 0.45;
const f = Math.fround;
const POWER32 = f(0.0015);
const MIN_P32 = f(MC_MIN_POSITION);
const MAX_P32 = f(MC_MAX_POSITION);
const MAX_S32 = f(MC_MAX_SPEED);
const GOAL32 = f(MCC_GOAL_POSITION);

/**
 * One step of the state `s[o], s[o+1]` (float32 values) under the action `a` (a float32 value):
 * writes the new state, writes the termination flag to `out[oi]` (1 = terminated) and returns the
 * reward. Shared by the single env and the batched VecEnv. Where Gymnasium's value is a NumPy
 * float32 the arithmetic is rounded (`fround`) as NumPy does; where it is a Python float (a
 * clipped force, velocity or position) it stays float64, and comparisons follow the same types.
 */
export function mccStep(s: Float64Array | Float32Array, o: number, a: number, goalVelocity: number, out: Uint8Array, oi: number): number {
  let p = s[o] as number;
  let v = s[o + 1] as number;
  // force: np.float32 unless clipped, when it is the python float ±1.0 and the sum is float64.
  let acc: number;
  if (a > 1) acc = 1.0 * 0.0015 - 0.0025 * Math.cos(f(3 * p));
  else if (a < -1) acc = -1.0 * 0.0015 - 0.0025 * Math.cos(f(3 * p));
  else acc = f(f(a * POWER32) - f(0.0025 * Math.cos(f(3 * p))));
  v = f(v + f(acc));
  let vPy = false; // velocity is a python float (clipped), compared in float64 below
  if (v > MAX_S32) {
    v = MC_MAX_SPEED;
    vPy = true;
  } else if (v < -MAX_S32) {
    v = -MC_MAX_SPEED;
    vPy = true;
  }
  p = f(p + f(v));
  let pPy = false;
  if (p > MAX_P32) {
    p = MC_MAX_POSITION;
    pPy = true;
  } else if (p < MIN_P32) {
    p = MC_MIN_POSITION;
    pPy = true;
  }
  if ((pPy ? p === MC_MIN_POSITION : p === MIN_P32) && v < 0) {
    v = 0;
    vPy = true;
  }
  const terminated = (pPy ? p >= MCC_GOAL_POSITION : p >= GOAL32) && (vPy ? v >= goalVelocity : v >= f(goalVelocity));
  s[o] = f(p);
  s[o + 1] = f(v);
  out[oi] = terminated ? 1 : 0;
  return (terminated ? 100.0 : 0) - a * a * 0.1;
}

export class MountainCarContinuousEnv extends BaseEnv<Float32Array, Float32Array> {
  readonly actionSpace = new Box({ low: -1, high: 1, shape: [1] });
  readonly observationSpace = new Box({ low: [MC_MIN_POSITION, -MC_MAX_SPEED], high: [MC_MAX_POSITION, MC_MAX_SPEED] });
  readonly goalVelocity: number;
  private readonly s = new Float64Array(2);
  private readonly flag = new Uint8Array(1);

  constructor(opts: MountainCarContinuousOptions = {}) {
    super();
    const gv = opts.goalVelocity ?? 0;
    if (typeof gv !== 'number' || Number.isNaN(gv)) {
      throw new TypeError(`MountainCarContinuous-v0: goalVelocity must be a number, got ${String(gv)}`);
    }
    this.goalVelocity = gv;
    this.strict = booleanOption('MountainCarContinuous-v0', 'strict', opts.strict, false);
  }

  /** Gymnasium clips the force in `step` (and charges the unclipped action), so out-of-range finite actions are not errors. */
  protected override get clipsActions(): boolean {
    return true;
  }

  /** `[position, velocity]` (float32 values, as Gymnasium stores them; a copy); assign to set it. */
  get state(): Float64Array {
    return Float64Array.from(this.s);
  }
  set state(v: ArrayLike<number>) {
    if (v.length !== 2) throw new RangeError(`${this.id}: state needs 2 numbers [position, velocity], got ${v.length}`);
    this.s[0] = f(v[0] as number);
    this.s[1] = f(v[1] as number);
  }

  /** Position uniform in [−0.6, −0.4) rounded to float32 (`options.low`/`options.high` override), velocity 0. */
  protected _reset(options?: Record<string, unknown>): ResetResult<Float32Array> {
    const [low, high] = resetBounds(this.id, options, -0.6, -0.4);
    this.s[0] = f(this.rng.uniform(low, high));
    this.s[1] = 0;
    return { obs: new Float32Array(this.s), info: {} };
  }

  protected _step(action: Float32Array): StepResult<Float32Array> {
    const reward = mccStep(this.s, 0, f(action[0] as number), this.goalVelocity, this.flag, 0);
    return { obs: new Float32Array(this.s), reward, terminated: this.flag[0] === 1, truncated: false, info: {} };
  }

  render(): RgbFrame {
    return renderMountainCar(this.s[0] as number, MCC_GOAL_POSITION);
  }
}
