/**
 * PointMassGoal-v0: a 2-D point mass that must reach a goal, a MuJoCo-free stand-in for
 * Gymnasium-Robotics' PointMaze, so that SAC / TD3 / DDPG with hindsight experience replay can be
 * shown on a continuous goal-conditioned task. The goal-env contract is BitFlipping's:
 * Dict{observation, achieved_goal, desired_goal} float32 observations, a vectorised
 * `computeReward(achieved, desired, info)` and `info.is_success` on reset and every step.
 *
 * **Dynamics.** Arena [−1, 1]²; state position p = (x, y) and velocity v = (vx, vy). The action
 * a ∈ Box(−1, 1, (2,)) is a force. Each step: v ← 0.9·v + 0.2·a, then v ← v/|v| if the speed |v|
 * exceeds 1, then p ← p + dt·v with dt = 0.1 (semi-implicit Euler). Out-of-range actions are
 * clipped into the Box as Gymnasium-Robotics' PointEnv does (`np.clip(action, -1.0, 1.0)`), unless
 * `strict` (then they throw, as for Pendulum); NaN, ±Infinity or a wrong length always throw.
 * The state is kept in float32 (what the observation holds).
 *
 * **Walls.** The mass is a point. Movement is resolved per axis, x first then y: the mass moves
 * along the axis until it meets the arena's edge or an internal wall's face, where it stops and
 * that velocity component becomes 0; the other component is kept, so the mass slides along walls.
 * Walls are axis-aligned rectangles 0.1 thick (a point on a face is outside):
 * - `'none'` (default): the open arena.
 * - `'wall'`: x ∈ [−0.05, 0.05], y ∈ [−1, 0.5], attached to the bottom edge; the mass must go
 *   around its top (the gap y ∈ (0.5, 1]).
 * - `'u-maze'`: a cup open at the top, its inside x ∈ (−0.5, 0.5), y ∈ (−0.5, 1]:
 *   bottom x ∈ [−0.6, 0.6], y ∈ [−0.6, −0.5]; left arm x ∈ [−0.6, −0.5], y ∈ [−0.6, 0.4];
 *   right arm x ∈ [0.5, 0.6], y ∈ [−0.6, 0.4]. Between the inside of the cup and the outside
 *   (corridors 0.4 wide on the left, right and below, 0.6 above the arms) the mass must go over an arm.
 *
 * **Goals and reward.** At reset the goal and then the start (velocity 0) are drawn uniformly in
 * free space (not inside a wall) with `this.rng`, redrawing the start until it is at least 0.2 from
 * the goal; `fixedGoal: true` always uses the goal (0.8, 0.8) (free in every layout).
 * `reset({options: {goal: [x, y], state: [x, y] | [x, y, vx, vy]}})` sets them. With d the
 * Euclidean distance between achieved and desired goal, the reward is 0 if d < `distanceThreshold`
 * (default 0.1) and −1 otherwise (`rewardType: 'sparse'`, default; Fetch's 0/−1 convention), or −d
 * (`'dense'`); `is_success` is d < `distanceThreshold`. As Gymnasium-Robotics' continuing tasks,
 * the episode never terminates by default (`continueOnSuccess: true`): the registered id adds a
 * TimeLimit of 50 steps. With `continueOnSuccess: false` a step that reaches the goal terminates.
 */

import { BaseEnv, Box, Dict, type ResetResult, type RgbFrame, type StepResult, formatValue } from '@tfrl/core';
import { type Rgb, createFrame, fillCircle, fillPolygon } from '../classic/raster';
import { booleanOption } from '../kwargs';

export type PointMassWalls = 'none' | 'wall' | 'u-maze';
export type PointMassRewardType = 'sparse' | 'dense';

export interface PointMassGoalOptions {
  /** Internal walls: `'none'` (default), `'wall'` or `'u-maze'` (see the class comment for the geometry). */
  walls?: PointMassWalls;
  /** `'sparse'` (default): 0 within `distanceThreshold` of the goal, else −1. `'dense'`: −distance. */
  rewardType?: PointMassRewardType;
  /** Success radius around the goal (default 0.1): success is distance < distanceThreshold. */
  distanceThreshold?: number;
  /** Goal always (0.8, 0.8) (default false: drawn uniformly in free space). */
  fixedGoal?: boolean;
  /** Keep going after reaching the goal, as Gymnasium-Robotics (default true); false: terminate on success. */
  continueOnSuccess?: boolean;
  /** Raise on an action outside [−1, 1] instead of clipping it (Gymnasium-Robotics clips). Default false. */
  strict?: boolean;
  /** Width and height of `render()`'s frame in pixels (default 256). */
  renderSize?: number;
}

export interface PointMassGoalObs {
  /** [x, y, vx, vy]. */
  observation: Float32Array;
  /** [x, y]. */
  achieved_goal: Float32Array;
  /** [goal x, goal y]. */
  desired_goal: Float32Array;
}

/** An axis-aligned wall rectangle [x0, x1] × [y0, y1]. */
export interface PointMassRect {
  readonly x0: number;
  readonly y0: number;
  readonly x1: number;
  readonly y1: number;
}

export const POINT_MASS_DT = 0.1;
export const POINT_MASS_DAMPING = 0.9;
export const POINT_MASS_GAIN = 0.2;
export const POINT_MASS_MAX_SPEED = 1;
/** The goal of `fixedGoal: true`. */
export const POINT_MASS_FIXED_GOAL: readonly [number, number] = [0.8, 0.8];
/** Minimum distance between a drawn start and the goal. */
export const POINT_MASS_MIN_START_GOAL = 0.2;

const f = Math.fround;
const WALL_KINDS: readonly PointMassWalls[] = ['none', 'wall', 'u-maze'];
const REWARD_TYPES: readonly PointMassRewardType[] = ['sparse', 'dense'];

const rect = (x0: number, y0: number, x1: number, y1: number): PointMassRect => ({ x0, y0, x1, y1 });

/** The wall rectangles of each layout, as documented (in world coordinates). */
export const POINT_MASS_WALLS: Readonly<Record<PointMassWalls, readonly PointMassRect[]>> = {
  none: [],
  wall: [rect(-0.05, -1, 0.05, 0.5)],
  'u-maze': [rect(-0.6, -0.6, 0.6, -0.5), rect(-0.6, -0.6, -0.5, 0.4), rect(0.5, -0.6, 0.6, 0.4)],
};

/**
 * The rectangles used for collisions: bounds rounded to float32 (so a mass stopped at a face holds
 * exactly the face's coordinate in float32), and a side lying on the arena's edge pushed beyond it,
 * so a mass sliding along the edge cannot pass "under" a wall attached to it.
 */
function collisionRects(rects: readonly PointMassRect[]): PointMassRect[] {
  const out = (v: number) => (v <= -1 ? -2 : v >= 1 ? 2 : f(v));
  return rects.map((r) => rect(out(r.x0), out(r.y0), out(r.x1), out(r.y1)));
}

const BACKGROUND: Rgb = [235, 235, 235];
const WALL_COLOR: Rgb = [70, 70, 70];
const GOAL_COLOR: Rgb = [0, 170, 0];
const MASS_COLOR: Rgb = [30, 80, 220];

export class PointMassGoalEnv extends BaseEnv<PointMassGoalObs, Float32Array> {
  readonly walls: PointMassWalls;
  readonly rewardType: PointMassRewardType;
  readonly distanceThreshold: number;
  readonly fixedGoal: boolean;
  readonly continueOnSuccess: boolean;
  readonly renderSize: number;
  /** Numbers per goal. */
  readonly goalDim = 2;
  readonly actionSpace = new Box({ low: -1, high: 1, shape: [2] });
  readonly observationSpace: Dict<{ observation: Box; achieved_goal: Box; desired_goal: Box }>;
  /** The wall rectangles of this layout (world coordinates, as documented). */
  readonly wallRects: readonly PointMassRect[];
  private readonly solid: readonly PointMassRect[];
  /** [x, y, vx, vy], float32 values. */
  private readonly s = new Float32Array(4);
  private readonly g = new Float32Array(2);

  constructor(opts: PointMassGoalOptions = {}) {
    super();
    const who = 'PointMassGoal-v0';
    const walls = opts.walls ?? 'none';
    if (!WALL_KINDS.includes(walls)) {
      throw new RangeError(`${who}: walls must be one of ${WALL_KINDS.map((w) => `'${w}'`).join(', ')}, got ${formatValue(walls)}`);
    }
    const rewardType = opts.rewardType ?? 'sparse';
    if (!REWARD_TYPES.includes(rewardType)) {
      throw new RangeError(`${who}: rewardType must be 'sparse' or 'dense', got ${formatValue(rewardType)}`);
    }
    const threshold = opts.distanceThreshold ?? 0.1;
    if (typeof threshold !== 'number' || !Number.isFinite(threshold) || threshold <= 0) {
      throw new RangeError(`${who}: distanceThreshold must be a finite number > 0, got ${formatValue(threshold)}`);
    }
    const size = opts.renderSize ?? 256;
    if (!Number.isInteger(size) || size < 16 || size > 4096) {
      throw new RangeError(`${who}: renderSize must be an integer in [16, 4096], got ${formatValue(size)}`);
    }
    this.walls = walls;
    this.rewardType = rewardType;
    this.distanceThreshold = threshold;
    this.fixedGoal = booleanOption(who, 'fixedGoal', opts.fixedGoal, false);
    this.continueOnSuccess = booleanOption(who, 'continueOnSuccess', opts.continueOnSuccess, true);
    this.strict = booleanOption(who, 'strict', opts.strict, false);
    this.renderSize = size;
    this.wallRects = POINT_MASS_WALLS[walls];
    this.solid = collisionRects(this.wallRects);
    const xy = () => new Box({ low: -1, high: 1, shape: [2] });
    this.observationSpace = new Dict({ observation: new Box({ low: -1, high: 1, shape: [4] }), achieved_goal: xy(), desired_goal: xy() });
    this.g.set(POINT_MASS_FIXED_GOAL);
  }

  /** Gymnasium-Robotics' PointEnv clips the action in `step`, so out-of-range finite actions are not errors (unless `strict`). */
  protected override get clipsActions(): boolean {
    return true;
  }

  /** `[x, y, vx, vy]` (a copy). */
  get state(): Float32Array {
    return this.s.slice();
  }

  /** The goal `[x, y]` (a copy). */
  get goal(): Float32Array {
    return this.g.slice();
  }

  /** True when (x, y) lies strictly inside one of the walls (a point on a face is free). */
  insideWall(x: number, y: number): boolean {
    return this.solid.some((r) => r.x0 < x && x < r.x1 && r.y0 < y && y < r.y1);
  }

  private obs(): PointMassGoalObs {
    return { observation: this.s.slice(), achieved_goal: this.s.slice(0, 2), desired_goal: this.g.slice() };
  }

  private distance(): number {
    return Math.hypot((this.s[0] as number) - (this.g[0] as number), (this.s[1] as number) - (this.g[1] as number));
  }

  /** A uniform point of free space (float32 values). */
  private freePoint(): [number, number] {
    for (;;) {
      const x = f(this.rng.uniform(-1, 1));
      const y = f(this.rng.uniform(-1, 1));
      if (!this.insideWall(x, y)) return [x, y];
    }
  }

  /** `v` as `n` finite numbers (n in `lengths`), the first two a free point of the arena. */
  private readPoint(v: unknown, what: string, lengths: readonly number[], shape: string): number[] {
    const a = v as ArrayLike<unknown>;
    const fail = (why: string) => new RangeError(`${this.id}: ${what} must be ${shape}; got ${formatValue(v)} (${why})`);
    if (!(Array.isArray(v) || ArrayBuffer.isView(v))) throw fail('not an array');
    if (!lengths.includes(a.length)) throw fail(`${a.length} numbers`);
    const xs = Array.from(a);
    xs.forEach((x, i) => {
      if (typeof x !== 'number' || !Number.isFinite(x)) throw fail(`element ${i} is not a finite number`);
    });
    const n = xs as number[];
    for (let i = 0; i < 2; i++) {
      if ((n[i] as number) < -1 || (n[i] as number) > 1) throw fail(`${i === 0 ? 'x' : 'y'} = ${n[i]} is outside the arena [-1, 1]`);
    }
    if (this.insideWall(f(n[0] as number), f(n[1] as number))) {
      throw fail(`(${n[0]}, ${n[1]}) is inside a wall of the '${this.walls}' layout`);
    }
    if (n.length === 4 && Math.hypot(n[2] as number, n[3] as number) > POINT_MASS_MAX_SPEED) {
      throw fail(`the speed |(${n[2]}, ${n[3]})| exceeds ${POINT_MASS_MAX_SPEED}`);
    }
    return n;
  }

  /**
   * Rewards for a batch: k rows of 2 numbers (x, y) in `achieved` and `desired` → k rewards
   * (sparse: 0 if the distance < distanceThreshold, else −1; dense: −distance).
   */
  computeReward(achieved: ArrayLike<number>, desired: ArrayLike<number>, _info?: unknown): Float32Array {
    if (achieved.length !== desired.length || achieved.length % 2 !== 0) {
      throw new RangeError(
        `${this.id}: computeReward needs achieved and desired of equal length, a multiple of 2 (rows of 2 numbers x, y); got ${achieved.length} and ${desired.length}`,
      );
    }
    const k = achieved.length / 2;
    const out = new Float32Array(k);
    for (let i = 0; i < k; i++) {
      const d = Math.hypot(
        (achieved[2 * i] as number) - (desired[2 * i] as number),
        (achieved[2 * i + 1] as number) - (desired[2 * i + 1] as number),
      );
      out[i] = this.rewardType === 'dense' ? -d : d < this.distanceThreshold ? 0 : -1;
    }
    return out;
  }

  protected _reset(options?: Record<string, unknown>): ResetResult<PointMassGoalObs> {
    if (options?.goal !== undefined) {
      const [gx, gy] = this.readPoint(options.goal, 'options.goal', [2], '[x, y], a free point of the arena');
      this.g[0] = gx as number;
      this.g[1] = gy as number;
    } else if (this.fixedGoal) {
      this.g.set(POINT_MASS_FIXED_GOAL);
    } else {
      this.g.set(this.freePoint());
    }
    if (options?.state !== undefined) {
      const st = this.readPoint(options.state, 'options.state', [2, 4], '[x, y] or [x, y, vx, vy], a free point of the arena');
      this.s.set([st[0] as number, st[1] as number, st[2] ?? 0, st[3] ?? 0]);
    } else {
      const gx = this.g[0] as number;
      const gy = this.g[1] as number;
      let p = this.freePoint();
      while (Math.hypot(p[0] - gx, p[1] - gy) < POINT_MASS_MIN_START_GOAL) p = this.freePoint();
      this.s.set([p[0], p[1], 0, 0]);
    }
    return { obs: this.obs(), info: { is_success: this.distance() < this.distanceThreshold } };
  }

  /**
   * Move along axis `k` (0: x, 1: y) by dt·v[k], stopping at the arena's edge or at a wall's face;
   * a blocked component of the velocity becomes 0.
   */
  private moveAxis(k: 0 | 1): void {
    const o = 1 - k;
    const p = this.s[k] as number;
    const q = this.s[o] as number;
    let np = f(p + POINT_MASS_DT * (this.s[2 + k] as number));
    let blocked = false;
    if (np > 1) {
      np = 1;
      blocked = true;
    } else if (np < -1) {
      np = -1;
      blocked = true;
    }
    for (const r of this.solid) {
      const lo = k === 0 ? r.x0 : r.y0;
      const hi = k === 0 ? r.x1 : r.y1;
      const olo = k === 0 ? r.y0 : r.x0;
      const ohi = k === 0 ? r.y1 : r.x1;
      if (!(olo < q && q < ohi)) continue; // the wall is not across this line of motion
      if (np > p && p <= lo && np > lo) {
        np = lo;
        blocked = true;
      } else if (np < p && p >= hi && np < hi) {
        np = hi;
        blocked = true;
      }
    }
    this.s[k] = np;
    if (blocked) this.s[2 + k] = 0;
  }

  protected _step(action: Float32Array): StepResult<PointMassGoalObs> {
    const clip = (u: number) => (u < -1 ? -1 : u > 1 ? 1 : u);
    const ax = clip(action[0] as number);
    const ay = clip(action[1] as number);
    let vx = POINT_MASS_DAMPING * (this.s[2] as number) + POINT_MASS_GAIN * ax;
    let vy = POINT_MASS_DAMPING * (this.s[3] as number) + POINT_MASS_GAIN * ay;
    const speed = Math.hypot(vx, vy);
    if (speed > POINT_MASS_MAX_SPEED) {
      vx = (vx / speed) * POINT_MASS_MAX_SPEED;
      vy = (vy / speed) * POINT_MASS_MAX_SPEED;
    }
    this.s[2] = vx;
    this.s[3] = vy;
    this.moveAxis(0);
    this.moveAxis(1);
    const obs = this.obs();
    const reward = this.computeReward(obs.achieved_goal, obs.desired_goal)[0] as number;
    const success = this.distance() < this.distanceThreshold;
    return { obs, reward, terminated: success && !this.continueOnSuccess, truncated: false, info: { is_success: success } };
  }

  /**
   * A `renderSize`² frame (default 256×256) of the arena, y up: light background, walls dark grey,
   * the goal a green disc of radius distanceThreshold (at least 3 px), the mass a blue disc.
   */
  render(): RgbFrame {
    const n = this.renderSize;
    const frame = createFrame(n, n, BACKGROUND);
    const px = (x: number) => ((x + 1) / 2) * n;
    const py = (y: number) => ((1 - y) / 2) * n;
    for (const r of this.wallRects) {
      fillPolygon(
        frame,
        [
          [px(r.x0), py(r.y0)],
          [px(r.x1), py(r.y0)],
          [px(r.x1), py(r.y1)],
          [px(r.x0), py(r.y1)],
        ],
        WALL_COLOR,
      );
    }
    fillCircle(frame, px(this.g[0] as number), py(this.g[1] as number), Math.max(3, (this.distanceThreshold * n) / 2), GOAL_COLOR);
    fillCircle(frame, px(this.s[0] as number), py(this.s[1] as number), Math.max(3, 0.04 * n), MASS_COLOR);
    return frame;
  }
}
