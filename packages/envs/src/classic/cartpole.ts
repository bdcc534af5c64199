/**
 * CartPole-v1 exactly as Gymnasium's `CartPoleEnv` (Barto, Sutton & Anderson 1983; equations from
 * Florian 2007, https://coneural.org/florian/papers/05_cart_pole.pdf), explicit Euler integration.
 * The state is kept in float64; observations are its float32 copy.
 */

import { BaseEnv, Box, Discrete, type ResetResult, type RgbFrame, type StepResult } from '@tfrl/core';
import { createFrame, fillCircle, fillPolygon, hLine } from './raster';

export interface CartPoleOptions {
  /** Sutton & Barto's reward: 0 per step, −1 on the terminating step (default false: +1 per step). */
  suttonBartoReward?: boolean;
}

const GRAVITY = 9.8;
const MASS_CART = 1.0;
const MASS_POLE = 0.1;
const TOTAL_MASS = MASS_POLE + MASS_CART;
const LENGTH = 0.5; // half the pole's length
const POLE_MASS_LENGTH = MASS_POLE * LENGTH;
const FORCE_MAG = 10.0;
const TAU = 0.02; // seconds per step
const THETA_THRESHOLD = (12 * 2 * Math.PI) / 360;
const X_THRESHOLD = 2.4;

/** The divisions by the total mass are done as multiplications by its inverse (one rounding apart;
 * a division costs several multiplications). Exported for the batched env, which must match. */
export const CP_INV_TOTAL_MASS = 1 / TOTAL_MASS;

// Taylor coefficients of sin and cos. On |θ| < 0.25 rad (CartPole terminates at 0.2094 rad) the
// truncation error is below 1e-21, so these agree with Math.sin/Math.cos to the last ulp (they
// differ by one ulp on ~0.7 % of inputs, as NumPy's and V8's sin already do) at a fraction of
// the cost; outside that range the library functions are used.
const S3 = -1 / 6;
const S5 = 1 / 120;
const S7 = -1 / 5040;
const S9 = 1 / 362880;
const S11 = -1 / 39916800;
const S13 = 1 / 6227020800;
const C2 = -1 / 2;
const C4 = 1 / 24;
const C6 = -1 / 720;
const C8 = 1 / 40320;
const C10 = -1 / 3628800;
const C12 = 1 / 479001600;
const C14 = -1 / 87178291200;

/** sin(θ), fast for the small angles CartPole lives at. */
export function cartPoleSin(t: number): number {
  if (t < 0.25 && t > -0.25) {
    const t2 = t * t;
    return t + t * t2 * (S3 + t2 * (S5 + t2 * (S7 + t2 * (S9 + t2 * (S11 + t2 * S13)))));
  }
  return Math.sin(t);
}

/** cos(θ), fast for the small angles CartPole lives at. */
export function cartPoleCos(t: number): number {
  if (t < 0.25 && t > -0.25) {
    const t2 = t * t;
    return 1 + t2 * (C2 + t2 * (C4 + t2 * (C6 + t2 * (C8 + t2 * (C10 + t2 * (C12 + t2 * C14))))));
  }
  return Math.cos(t);
}

const SCREEN_W = 600;
const SCREEN_H = 400;

export class CartPoleEnv extends BaseEnv<Float32Array, number> {
  static readonly thetaThresholdRadians = THETA_THRESHOLD;
  static readonly xThreshold = X_THRESHOLD;

  readonly actionSpace = new Discrete(2);
  /** Twice the termination limits on x and θ, so the failing observation is still inside. */
  readonly observationSpace = new Box({
    low: [-X_THRESHOLD * 2, Number.NEGATIVE_INFINITY, -THETA_THRESHOLD * 2, Number.NEGATIVE_INFINITY],
    high: [X_THRESHOLD * 2, Number.POSITIVE_INFINITY, THETA_THRESHOLD * 2, Number.POSITIVE_INFINITY],
  });
  readonly suttonBartoReward: boolean;
  private readonly s = new Float64Array(4);

  constructor(opts: CartPoleOptions = {}) {
    super();
    this.suttonBartoReward = opts.suttonBartoReward ?? false;
  }

  /** `[x, x_dot, theta, theta_dot]` in float64 (a copy); assign to set it, as `env.unwrapped.state = …`. */
  get state(): Float64Array {
    return Float64Array.from(this.s);
  }
  set state(v: ArrayLike<number>) {
    if (v.length !== 4) throw new RangeError(`${this.id}: state needs 4 numbers [x, x_dot, theta, theta_dot], got ${v.length}`);
    for (let i = 0; i < 4; i++) this.s[i] = v[i] as number;
  }

  /** Each state variable uniform in [low, high) (default ±0.05; `options.low`/`options.high` override). */
  protected _reset(options?: Record<string, unknown>): ResetResult<Float32Array> {
    const low = options?.low ?? -0.05;
    const high = options?.high ?? 0.05;
    if (typeof low !== 'number' || typeof high !== 'number' || !(low <= high)) {
      throw new RangeError(`${this.id}: reset options low/high must be numbers with low <= high, got ${String(low)}, ${String(high)}`);
    }
    for (let i = 0; i < 4; i++) this.s[i] = this.rng.uniform(low, high);
    return { obs: Float32Array.from(this.s), info: {} };
  }

  protected _step(action: number): StepResult<Float32Array> {
    const s = this.s;
    let x = s[0] as number;
    let xDot = s[1] as number;
    let theta = s[2] as number;
    let thetaDot = s[3] as number;
    const force = action === 1 ? FORCE_MAG : -FORCE_MAG;
    const cosT = cartPoleCos(theta);
    const sinT = cartPoleSin(theta);
    // Gymnasium's formula and operation order, except that x / TOTAL_MASS is x * CP_INV_TOTAL_MASS;
    // results agree with Gymnasium's to a few ulps per step. CartPoleVecEnv has the same lines.
    const temp = (force + POLE_MASS_LENGTH * (thetaDot * thetaDot) * sinT) * CP_INV_TOTAL_MASS;
    const thetaAcc = (GRAVITY * sinT - cosT * temp) / (LENGTH * (4.0 / 3.0 - MASS_POLE * (cosT * cosT) * CP_INV_TOTAL_MASS));
    const xAcc = temp - POLE_MASS_LENGTH * thetaAcc * cosT * CP_INV_TOTAL_MASS;
    x = x + TAU * xDot;
    xDot = xDot + TAU * xAcc;
    theta = theta + TAU * thetaDot;
    thetaDot = thetaDot + TAU * thetaAcc;
    s[0] = x;
    s[1] = xDot;
    s[2] = theta;
    s[3] = thetaDot;
    const terminated = x < -X_THRESHOLD || x > X_THRESHOLD || theta < -THETA_THRESHOLD || theta > THETA_THRESHOLD;
    // BaseEnv refuses steps after termination, so the terminating step is the last one.
    const reward = this.suttonBartoReward ? (terminated ? -1 : 0) : 1;
    return { obs: Float32Array.from(s), reward, terminated, truncated: false, info: {} };
  }

  /**
   * A 600×400 RGB frame laid out as Gymnasium's: white background, black track line and cart,
   * brown pole, blue axle. Cart x is scaled so the screen spans ±2·xThreshold.
   */
  render(): RgbFrame {
    const frame = createFrame(SCREEN_W, SCREEN_H);
    const scale = SCREEN_W / (X_THRESHOLD * 2);
    const poleWidth = 10;
    const poleLen = scale * (2 * LENGTH);
    const cartW = 50;
    const cartH = 30;
    const axleOffset = cartH / 4;
    const cartX = (this.s[0] as number) * scale + SCREEN_W / 2;
    const cartY = 100; // top of cart, world y up
    // Gymnasium draws with y up and flips the image; we convert y to rows here.
    const row = (y: number) => SCREEN_H - y;
    hLine(frame, 0, SCREEN_W - 1, row(cartY), [0, 0, 0]);
    const l = -cartW / 2;
    const r = cartW / 2;
    const t = cartH / 2;
    const b = -cartH / 2;
    fillPolygon(
      frame,
      [
        [l + cartX, row(b + cartY)],
        [l + cartX, row(t + cartY)],
        [r + cartX, row(t + cartY)],
        [r + cartX, row(b + cartY)],
      ],
      [0, 0, 0],
    );
    const theta = this.s[2] as number;
    const cos = Math.cos(-theta);
    const sin = Math.sin(-theta);
    const pole: Array<[number, number]> = [
      [-poleWidth / 2, -poleWidth / 2],
      [-poleWidth / 2, poleLen - poleWidth / 2],
      [poleWidth / 2, poleLen - poleWidth / 2],
      [poleWidth / 2, -poleWidth / 2],
    ].map(([px, py]) => {
      const rx = (px as number) * cos - (py as number) * sin;
      const ry = (px as number) * sin + (py as number) * cos;
      return [rx + cartX, row(ry + cartY + axleOffset)];
    });
    fillPolygon(frame, pole, [202, 152, 101]);
    fillCircle(frame, Math.trunc(cartX), row(Math.trunc(cartY + axleOffset)), Math.trunc(poleWidth / 2), [129, 132, 203]);
    return frame;
  }
}
