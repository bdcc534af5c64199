/**
 * Acrobot-v1 exactly as Gymnasium's `AcrobotEnv` (Sutton 1996; the equations of Sutton & Barto's
 * book, Gymnasium's default `book_or_nips = 'book'`): a two-link pendulum actuated at the middle
 * joint, one RK4 step of dt = 0.2 per action. State `[θ1, θ2, θ̇1, θ̇2]` in float64 (the reset draws
 * float32 values, as Gymnasium's); observation `[cos θ1, sin θ1, cos θ2, sin θ2, θ̇1, θ̇2]`.
 * Reward −1 per step, 0 on the terminating step (tip height −cos θ1 − cos(θ1 + θ2) > 1).
 */

import { BaseEnv, Box, Discrete, type ResetResult, type RgbFrame, type StepResult } from '@tfrl/core';
import { resetBounds } from './mountain-car';
import { createFrame, fillCircle, fillPolygon, hLine } from './raster';

export interface AcrobotOptions {
  /** `'book'` (default, Sutton & Barto) or `'nips'` (the NeurIPS 1995 paper's equations, missing a term). */
  bookOrNips?: 'book' | 'nips';
}

export const ACROBOT_DT = 0.2;
export const ACROBOT_MAX_VEL_1 = 4 * Math.PI;
export const ACROBOT_MAX_VEL_2 = 9 * Math.PI;
const PI = Math.PI;
// Link lengths, masses, centre-of-mass positions and moments of inertia, as Gymnasium's.
const M1 = 1.0;
const M2 = 1.0;
const L1 = 1.0;
const LC1 = 0.5;
const LC2 = 0.5;
const I1 = 1.0;
const I2 = 1.0;
const G = 9.8;
const TORQUES = [-1.0, 0.0, 1.0] as const;

/**
 * The derivative of `[θ1, θ2, θ̇1, θ̇2]` with torque `a`, written to `out[0..3]`. Operation order
 * follows Gymnasium's `_dsdt` so results agree up to the last ulp of sin/cos.
 */
function dsdt(t1: number, t2: number, d1t: number, d2t: number, a: number, nips: boolean, out: Float64Array): void {
  const sin2 = Math.sin(t2);
  const cos2 = Math.cos(t2);
  const d1 = M1 * LC1 ** 2 + M2 * (L1 ** 2 + LC2 ** 2 + 2 * L1 * LC2 * cos2) + I1 + I2;
  const d2 = M2 * (LC2 ** 2 + L1 * LC2 * cos2) + I2;
  const phi2 = M2 * LC2 * G * Math.cos(t1 + t2 - PI / 2.0);
  const phi1 =
    -M2 * L1 * LC2 * (d2t * d2t) * sin2 - 2 * M2 * L1 * LC2 * d2t * d1t * sin2 + (M1 * LC1 + M2 * L1) * G * Math.cos(t1 - PI / 2) + phi2;
  let dd2: number;
  if (nips) dd2 = (a + (d2 / d1) * phi1 - phi2) / (M2 * LC2 ** 2 + I2 - (d2 * d2) / d1);
  else dd2 = (a + (d2 / d1) * phi1 - M2 * L1 * LC2 * (d1t * d1t) * sin2 - phi2) / (M2 * LC2 ** 2 + I2 - (d2 * d2) / d1);
  const dd1 = -(d2 * dd2 + phi1) / d1;
  out[0] = d1t;
  out[1] = d2t;
  out[2] = dd1;
  out[3] = dd2;
}

/** Gymnasium's `wrap`: shift by whole turns into [m, M]. */
function wrap(x: number, m: number, M: number): number {
  const diff = M - m;
  while (x > M) x = x - diff;
  while (x < m) x = x + diff;
  return x;
}

const K1 = new Float64Array(4);
const K2 = new Float64Array(4);
const K3 = new Float64Array(4);
const K4 = new Float64Array(4);

/**
 * One RK4 step of dt = 0.2 of `s[o..o+3]` under action index `action` (0, 1, 2), then θ wrapped
 * to [−π, π] and the velocities clipped; returns whether the tip is above the line. Shared with
 * the batched VecEnv.
 */
export function acrobotStep(s: Float64Array, o: number, action: number, nips: boolean): boolean {
  const a = TORQUES[action] as number;
  const y0 = s[o] as number;
  const y1 = s[o + 1] as number;
  const y2 = s[o + 2] as number;
  const y3 = s[o + 3] as number;
  const dt = ACROBOT_DT - 0;
  const dt2 = dt / 2.0;
  dsdt(y0, y1, y2, y3, a, nips, K1);
  dsdt(y0 + dt2 * (K1[0] as number), y1 + dt2 * (K1[1] as number), y2 + dt2 * (K1[2] as number), y3 + dt2 * (K1[3] as number), a, nips, K2);
  dsdt(y0 + dt2 * (K2[0] as number), y1 + dt2 * (K2[1] as number), y2 + dt2 * (K2[2] as number), y3 + dt2 * (K2[3] as number), a, nips, K3);
  dsdt(y0 + dt * (K3[0] as number), y1 + dt * (K3[1] as number), y2 + dt * (K3[2] as number), y3 + dt * (K3[3] as number), a, nips, K4);
  const c = dt / 6.0;
  const n0 = y0 + c * ((K1[0] as number) + 2 * (K2[0] as number) + 2 * (K3[0] as number) + (K4[0] as number));
  const n1 = y1 + c * ((K1[1] as number) + 2 * (K2[1] as number) + 2 * (K3[1] as number) + (K4[1] as number));
  const n2 = y2 + c * ((K1[2] as number) + 2 * (K2[2] as number) + 2 * (K3[2] as number) + (K4[2] as number));
  const n3 = y3 + c * ((K1[3] as number) + 2 * (K2[3] as number) + 2 * (K3[3] as number) + (K4[3] as number));
  const t1 = wrap(n0, -PI, PI);
  const t2 = wrap(n1, -PI, PI);
  s[o] = t1;
  s[o + 1] = t2;
  s[o + 2] = Math.min(Math.max(n2, -ACROBOT_MAX_VEL_1), ACROBOT_MAX_VEL_1);
  s[o + 3] = Math.min(Math.max(n3, -ACROBOT_MAX_VEL_2), ACROBOT_MAX_VEL_2);
  return -Math.cos(t1) - Math.cos(t2 + t1) > 1.0;
}

/** Writes the observation of `s[o..o+3]` to `obs[oo..oo+5]`. */
export function acrobotObs(s: Float64Array, o: number, obs: Float32Array, oo: number): void {
  const t1 = s[o] as number;
  const t2 = s[o + 1] as number;
  obs[oo] = Math.cos(t1);
  obs[oo + 1] = Math.sin(t1);
  obs[oo + 2] = Math.cos(t2);
  obs[oo + 3] = Math.sin(t2);
  obs[oo + 4] = s[o + 2] as number;
  obs[oo + 5] = s[o + 3] as number;
}

export class AcrobotEnv extends BaseEnv<Float32Array, number> {
  readonly actionSpace = new Discrete(3);
  readonly observationSpace = new Box({
    low: [-1, -1, -1, -1, -ACROBOT_MAX_VEL_1, -ACROBOT_MAX_VEL_2],
    high: [1, 1, 1, 1, ACROBOT_MAX_VEL_1, ACROBOT_MAX_VEL_2],
  });
  readonly bookOrNips: 'book' | 'nips';
  private readonly s = new Float64Array(4);

  constructor(opts: AcrobotOptions = {}) {
    super();
    const v = opts.bookOrNips ?? 'book';
    if (v !== 'book' && v !== 'nips') throw new TypeError(`Acrobot-v1: bookOrNips must be 'book' or 'nips', got ${String(v)}`);
    this.bookOrNips = v;
  }

  /** `[theta1, theta2, dtheta1, dtheta2]` in float64 (a copy); assign to set it. */
  get state(): Float64Array {
    return Float64Array.from(this.s);
  }
  set state(v: ArrayLike<number>) {
    if (v.length !== 4) throw new RangeError(`${this.id}: state needs 4 numbers [theta1, theta2, dtheta1, dtheta2], got ${v.length}`);
    for (let i = 0; i < 4; i++) this.s[i] = v[i] as number;
  }

  private obs(): Float32Array {
    const o = new Float32Array(6);
    acrobotObs(this.s, 0, o, 0);
    return o;
  }

  /** Each state variable uniform in [−0.1, 0.1) rounded to float32 (`options.low`/`options.high` override). */
  protected _reset(options?: Record<string, unknown>): ResetResult<Float32Array> {
    const [low, high] = resetBounds(this.id, options, -0.1, 0.1);
    for (let i = 0; i < 4; i++) this.s[i] = Math.fround(this.rng.uniform(low, high));
    return { obs: this.obs(), info: {} };
  }

  protected _step(action: number): StepResult<Float32Array> {
    const terminated = acrobotStep(this.s, 0, action, this.bookOrNips === 'nips');
    return { obs: this.obs(), reward: terminated ? 0 : -1, terminated, truncated: false, info: {} };
  }

  /** A 500×500 frame as Gymnasium's: the target line at height 1, two cyan links, yellow joints. */
  render(): RgbFrame {
    const dim = 500;
    const frame = createFrame(dim, dim);
    const scale = dim / (2.2 * 2);
    const offset = dim / 2;
    const row = (y: number) => dim - y;
    const t1 = this.s[0] as number;
    const t2 = this.s[1] as number;
    hLine(frame, -2.2 * scale + offset, 2.2 * scale + offset, row(1 * scale + offset), [0, 0, 0]);
    // Gymnasium swaps x and y of the joint positions ([:, ::-1]).
    const joints: Array<[number, number]> = [
      [0, 0],
      [L1 * Math.sin(t1) * scale, -L1 * Math.cos(t1) * scale],
    ];
    const thetas = [t1 - PI / 2, t1 + t2 - PI / 2];
    for (let k = 0; k < 2; k++) {
      const [jx, jy] = joints[k] as [number, number];
      const x = jx + offset;
      const y = jy + offset;
      const th = thetas[k] as number;
      const c = Math.cos(th);
      const sn = Math.sin(th);
      const len = 1 * scale;
      const tr = (px: number, py: number): [number, number] => [px * c - py * sn + x, row(px * sn + py * c + y)];
      fillPolygon(frame, [tr(0, -0.1 * scale), tr(0, 0.1 * scale), tr(len, 0.1 * scale), tr(len, -0.1 * scale)], [0, 204, 204]);
      fillCircle(frame, Math.trunc(x), row(Math.trunc(y)), Math.trunc(0.1 * scale), [204, 204, 0]);
    }
    return frame;
  }
}
