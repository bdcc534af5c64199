/**
 * MountainCar-v0 exactly as Gymnasium's `MountainCarEnv` (Moore 1990; Sutton & Barto's
 * MountainCar1.cp): an under-powered car in the valley y = 0.45·sin(3x) + 0.55 must reach x ≥ 0.5.
 * The state is kept in float64 (as Gymnasium's); observations are its float32 copy.
 */

import { BaseEnv, Box, Discrete, type ResetResult, type RgbFrame, type StepResult } from '@tfrl/core';
import { type Rgb, createFrame, fillCircle, fillPolygon, setPixel } from './raster';

export interface MountainCarOptions {
  /** Termination also needs velocity ≥ this (Gymnasium's `goal_velocity`, default 0). */
  goalVelocity?: number;
}

export const MC_MIN_POSITION = -1.2;
export const MC_MAX_POSITION = 0.6;
export const MC_MAX_SPEED = 0.07;
export const MC_GOAL_POSITION = 0.5;
export const MC_FORCE = 0.001;
export const MC_GRAVITY = 0.0025;

const SCREEN_W = 600;
const SCREEN_H = 400;

/** Checks the `low`/`high` reset options as Gymnasium's `maybe_parse_reset_bounds`. */
export function resetBounds(id: string, options: Record<string, unknown> | undefined, low: number, high: number): [number, number] {
  const lo = options?.low ?? low;
  const hi = options?.high ?? high;
  if (typeof lo !== 'number' || typeof hi !== 'number' || Number.isNaN(lo) || Number.isNaN(hi) || !(lo <= hi)) {
    throw new RangeError(`${id}: reset options low/high must be numbers with low <= high, got ${String(lo)}, ${String(hi)}`);
  }
  return [lo, hi];
}

export class MountainCarEnv extends BaseEnv<Float32Array, number> {
  readonly actionSpace = new Discrete(3);
  readonly observationSpace = new Box({ low: [MC_MIN_POSITION, -MC_MAX_SPEED], high: [MC_MAX_POSITION, MC_MAX_SPEED] });
  readonly goalVelocity: number;
  private readonly s = new Float64Array(2);

  constructor(opts: MountainCarOptions = {}) {
    super();
    const gv = opts.goalVelocity ?? 0;
    if (typeof gv !== 'number' || Number.isNaN(gv)) throw new TypeError(`MountainCar-v0: goalVelocity must be a number, got ${String(gv)}`);
    this.goalVelocity = gv;
  }

  /** `[position, velocity]` in float64 (a copy); assign to set it, as `env.unwrapped.state = …`. */
  get state(): Float64Array {
    return Float64Array.from(this.s);
  }
  set state(v: ArrayLike<number>) {
    if (v.length !== 2) throw new RangeError(`${this.id}: state needs 2 numbers [position, velocity], got ${v.length}`);
    this.s[0] = v[0] as number;
    this.s[1] = v[1] as number;
  }

  /** Position uniform in [−0.6, −0.4) (`options.low`/`options.high` override), velocity 0. */
  protected _reset(options?: Record<string, unknown>): ResetResult<Float32Array> {
    const [low, high] = resetBounds(this.id, options, -0.6, -0.4);
    this.s[0] = this.rng.uniform(low, high);
    this.s[1] = 0;
    return { obs: new Float32Array(this.s), info: {} };
  }

  protected _step(action: number): StepResult<Float32Array> {
    let position = this.s[0] as number;
    let velocity = this.s[1] as number;
    // Same operation order as Gymnasium (all float64 there too).
    velocity += (action - 1) * MC_FORCE + Math.cos(3 * position) * -MC_GRAVITY;
    velocity = velocity < -MC_MAX_SPEED ? -MC_MAX_SPEED : velocity > MC_MAX_SPEED ? MC_MAX_SPEED : velocity;
    position += velocity;
    position = position < MC_MIN_POSITION ? MC_MIN_POSITION : position > MC_MAX_POSITION ? MC_MAX_POSITION : position;
    if (position === MC_MIN_POSITION && velocity < 0) velocity = 0;
    const terminated = position >= MC_GOAL_POSITION && velocity >= this.goalVelocity;
    this.s[0] = position;
    this.s[1] = velocity;
    return { obs: new Float32Array(this.s), reward: -1, terminated, truncated: false, info: {} };
  }

  render(): RgbFrame {
    return renderMountainCar(this.s[0] as number, MC_GOAL_POSITION);
  }
}

/** A one-pixel line from (x0, y0) to (x1, y1) in pixel coordinates (DDA, y down). */
export function drawLine(frame: RgbFrame, x0: number, y0: number, x1: number, y1: number, color: Rgb): void {
  const steps = Math.max(1, Math.ceil(Math.max(Math.abs(x1 - x0), Math.abs(y1 - y0))));
  for (let k = 0; k <= steps; k++) {
    const t = k / steps;
    setPixel(frame, Math.floor(x0 + (x1 - x0) * t), Math.floor(y0 + (y1 - y0) * t), color);
  }
}

const height = (x: number) => Math.sin(3 * x) * 0.45 + 0.55;

/**
 * A 600×400 frame laid out as Gymnasium's MountainCar render: the valley curve (100 points), the
 * black car tilted by cos(3x) with two grey wheels, and the yellow flag at the goal.
 */
export function renderMountainCar(pos: number, goalPosition: number): RgbFrame {
  const frame = createFrame(SCREEN_W, SCREEN_H);
  const scale = SCREEN_W / (MC_MAX_POSITION - MC_MIN_POSITION);
  const row = (y: number) => SCREEN_H - y; // world y up → rows down
  let px = 0;
  let py = 0;
  for (let i = 0; i < 100; i++) {
    const x = MC_MIN_POSITION + ((MC_MAX_POSITION - MC_MIN_POSITION) * i) / 99;
    const sx = (x - MC_MIN_POSITION) * scale;
    const sy = row(height(x) * scale);
    if (i > 0) drawLine(frame, px, py, sx, sy, [0, 0, 0]);
    px = sx;
    py = sy;
  }
  const clearance = 10;
  const carW = 40;
  const carH = 20;
  const ang = Math.cos(3 * pos);
  const ca = Math.cos(ang);
  const sa = Math.sin(ang);
  const cx = (pos - MC_MIN_POSITION) * scale;
  const cy = clearance + height(pos) * scale;
  const rot = (x: number, y: number): [number, number] => [x * ca - y * sa + cx, row(x * sa + y * ca + cy)];
  fillPolygon(frame, [rot(-carW / 2, 0), rot(-carW / 2, carH), rot(carW / 2, carH), rot(carW / 2, 0)], [0, 0, 0]);
  for (const wx of [carW / 4, -carW / 4]) {
    const [x, y] = rot(wx, 0);
    fillCircle(frame, Math.trunc(x), Math.trunc(y), Math.trunc(carH / 2.5), [128, 128, 128]);
  }
  const flagX = Math.trunc((goalPosition - MC_MIN_POSITION) * scale);
  const flagY1 = Math.trunc(height(goalPosition) * scale);
  const flagY2 = flagY1 + 50;
  drawLine(frame, flagX, row(flagY1), flagX, row(flagY2), [0, 0, 0]);
  fillPolygon(
    frame,
    [
      [flagX, row(flagY2)],
      [flagX, row(flagY2 - 10)],
      [flagX + 25, row(flagY2 - 5)],
    ],
    [204, 204, 0],
  );
  return frame;
}
