/**
 * Grid worlds built from ASCII maps (legend in `GRID_LEGEND`): `GridWorldEnv` for tabular methods
 * and dynamic programming (explicit `P[s][a]`), and `GoalGridWorldEnv`, its goal-conditioned
 * version (observation = agent and goal positions) for goal-conditioned DQN, HER and goal sampling.
 * States are cell indices `row * cols + col` over the whole grid (walls included, never reached);
 * actions 0 up, 1 right, 2 down, 3 left; a slip moves perpendicular with slip/2 each side
 * (Russell & Norvig's 4x3 world uses slip 0.2). The discount γ is the learner's.
 */

import { BaseEnv, Box, Dict, Discrete, type ResetResult, type RgbFrame, type Space, type StepResult } from '@tfrl/core';
import { type Rgb, createFrame } from '../classic/raster';
import { type Transition, type TransitionTable, fillDisc, fillRect } from '../toy-text/tabular';
import { GRID_DEFAULTS, GridMap, type GridWorldSettings, buildGridTable, lookupMap, parseGridMap, resolveSettings } from './grid-map';
import { GRID_MAPS } from './maps';

export interface GridWorldOptions extends Partial<GridWorldSettings> {
  /** A shipped map name (`GRID_MAPS`) or ASCII rows separated by newlines (default '4x3'). */
  map?: string;
  /** 'index' (Discrete(nS), default), 'coords' (Box [row, col]) or 'onehot' (Box of nS). */
  obsType?: 'index' | 'coords' | 'onehot';
}

const CELL_COLORS: Record<string, Rgb> = {
  '#': [60, 60, 60],
  '.': [240, 240, 240],
  S: [170, 220, 170],
  G: [240, 200, 60],
  T: [220, 70, 70],
  X: [220, 70, 70],
  '+': [160, 220, 240],
  '-': [240, 170, 200],
};
const AGENT: Rgb = [40, 80, 220];
const GOAL_MARK: Rgb = [250, 140, 0];

function renderGrid(map: GridMap, agent: number, goal: number | null): RgbFrame {
  const cell = Math.max(6, Math.min(32, Math.floor(640 / Math.max(map.rows, map.cols))));
  const frame = createFrame(map.cols * cell, map.rows * cell, [128, 128, 128]);
  for (let s = 0; s < map.size; s++) {
    const [r, c] = map.toRowCol(s);
    fillRect(frame, c * cell + 1, r * cell + 1, cell - 1, cell - 1, CELL_COLORS[map.char(s)] ?? [200, 200, 255]);
  }
  if (goal !== null) {
    const [gr, gc] = map.toRowCol(goal);
    fillRect(
      frame,
      gc * cell + Math.floor(cell / 4),
      gr * cell + Math.floor(cell / 4),
      Math.ceil(cell / 2),
      Math.ceil(cell / 2),
      GOAL_MARK,
    );
  }
  const [ar, ac] = map.toRowCol(agent);
  fillDisc(frame, ar, ac, cell, cell * 0.35, AGENT);
  return frame;
}

function parseCell(v: unknown, map: GridMap, who: string, what: string): number {
  let s: number;
  if (typeof v === 'number') s = v;
  else if (Array.isArray(v) || ArrayBuffer.isView(v)) {
    const a = v as ArrayLike<number>;
    if (a.length !== 2) throw new RangeError(`${who}: ${what} must be [row, col] or a state index, got ${JSON.stringify(Array.from(a))}`);
    const [r, c] = [Number(a[0]), Number(a[1])];
    if (!Number.isInteger(r) || !Number.isInteger(c) || r < 0 || c < 0 || r >= map.rows || c >= map.cols) {
      throw new RangeError(`${who}: ${what} [${r}, ${c}] is outside the ${map.rows}x${map.cols} map`);
    }
    s = map.toState(r, c);
  } else throw new TypeError(`${who}: ${what} must be [row, col] or a state index, got ${JSON.stringify(v)}`);
  if (!Number.isInteger(s) || s < 0 || s >= map.size)
    throw new RangeError(`${who}: ${what} ${s} is not a cell index in [0, ${map.size - 1}]`);
  if (map.isWall(s)) throw new RangeError(`${who}: ${what} (${map.toRowCol(s).join(', ')}) is a wall`);
  return s;
}

function sampleOutcome(outcomes: Transition[], u: number): Transition {
  let acc = 0;
  for (const t of outcomes) {
    acc += t.prob;
    if (acc > u) return t;
  }
  return outcomes[0] as Transition;
}

export class GridWorldEnv extends BaseEnv<any, number> {
  readonly observationSpace: Space<any>;
  readonly actionSpace = new Discrete(4);
  readonly map: GridMap;
  /** The shipped map's name, or null for a custom ASCII map. */
  readonly mapName: string | null;
  readonly settings: Readonly<GridWorldSettings>;
  readonly obsType: 'index' | 'coords' | 'onehot';
  /** The transition model over all cells (see `buildGridTable`). */
  readonly P: TransitionTable;
  readonly nS: number;
  readonly nA = 4;
  /** The current cell. */
  s = 0;
  private steps = 0;
  private collected = new Set<number>();

  constructor(opts: GridWorldOptions = {}) {
    super();
    const { map = '4x3', obsType = 'index', ...rest } = opts;
    const who = 'GridWorld';
    const found = lookupMap(map, who, GRID_MAPS);
    const settings = resolveSettings(who, found.defaults, rest);
    this.map = parseGridMap(found.ascii, who, Object.keys(settings.cellRewards));
    this.mapName = found.name;
    this.settings = settings;
    this.nS = this.map.size;
    this.P = buildGridTable(this.map, settings);
    if (!['index', 'coords', 'onehot'].includes(obsType))
      throw new RangeError(`${who}: obsType must be 'index', 'coords' or 'onehot', got '${String(obsType)}'`);
    this.obsType = obsType;
    this.observationSpace =
      obsType === 'index'
        ? new Discrete(this.nS)
        : obsType === 'coords'
          ? new Box({ low: [0, 0], high: [this.map.rows - 1, this.map.cols - 1] })
          : new Box({ low: 0, high: 1, shape: [this.nS] });
  }

  get rows(): number {
    return this.map.rows;
  }
  get cols(): number {
    return this.map.cols;
  }
  toState(row: number, col: number): number {
    return this.map.toState(row, col);
  }
  toRowCol(s: number): [row: number, col: number] {
    return this.map.toRowCol(s);
  }
  /** Is `s` a goal, trap or wall (absorbing in P)? */
  isTerminal(s: number): boolean {
    return this.map.isTerminal(s) || this.map.isWall(s);
  }

  observe(s: number): number | Float32Array {
    if (this.obsType === 'index') return s;
    if (this.obsType === 'coords') return Float32Array.from(this.map.toRowCol(s));
    const v = new Float32Array(this.nS);
    v[s] = 1;
    return v;
  }

  /** Options: `start` ([row, col] or a cell index) replaces the map's start cells for this episode. */
  protected _reset(options?: Record<string, unknown>): ResetResult<any> {
    this.s =
      options?.start !== undefined ? parseCell(options.start, this.map, this.id, 'start') : (this.rng.choice(this.map.starts) as number);
    this.steps = 0;
    this.collected.clear();
    return { obs: this.observe(this.s), info: { prob: 1 } };
  }

  protected _step(a: number): StepResult<any> {
    const t = sampleOutcome(this.P[this.s]?.[a] as Transition[], this.rng.random());
    let reward = t.reward;
    if (this.settings.collectOnce && !t.done) {
      const bonus = this.settings.cellRewards[this.map.char(t.next)];
      if (bonus !== undefined) {
        if (this.collected.has(t.next)) reward = this.settings.stepReward;
        else this.collected.add(t.next);
      }
    }
    this.s = t.next;
    this.steps++;
    const truncated = !t.done && this.settings.maxSteps !== null && this.steps >= this.settings.maxSteps;
    return { obs: this.observe(t.next), reward, terminated: t.done, truncated, info: { prob: t.prob } };
  }

  render(): RgbFrame {
    return renderGrid(this.map, this.s, null);
  }
}

// ---------------------------------------------------------------------------------------------

export interface GoalObs {
  /** The agent's [row, col]. */
  observation: Float32Array;
  /** The goal the agent has reached: its own [row, col]. */
  achieved_goal: Float32Array;
  /** The goal of the episode, [row, col]. */
  desired_goal: Float32Array;
}

export interface GoalGridWorldOptions {
  map?: string;
  /** Reward of a step that does not reach the goal (default −1). */
  stepReward?: number;
  /** Reward of reaching the goal (default 0). */
  goalReward?: number;
  slip?: number;
  /** Default: the map's. */
  maxSteps?: number | null;
  /** 'dict' (Dict{observation, achieved_goal, desired_goal}, default) or 'flat' (Box [row, col, goalRow, goalCol]). */
  obsType?: 'dict' | 'flat';
  /** Goals at reset: 'free' (any free non-trap cell but the start, default) or 'map' (the map's G cells). */
  goalSampling?: 'free' | 'map';
}

/**
 * Goal-conditioned grid world (Gymnasium-Robotics' GoalEnv layout). The reward is
 * `computeReward(achieved, desired)`: `goalReward` when equal, else `stepReward`; the episode
 * terminates when the agent reaches the goal, or on a trap (with the step reward). Map rewards
 * (G/T values, `+`/`-` cells) are not used: any free cell can be the goal, sampled at reset or
 * set with `reset({options: {goal: [row, col]}})`; `options.start` places the agent.
 */
export class GoalGridWorldEnv extends BaseEnv<any, number> {
  readonly observationSpace: Space<any>;
  readonly actionSpace = new Discrete(4);
  readonly map: GridMap;
  readonly mapName: string | null;
  readonly stepReward: number;
  readonly goalReward: number;
  readonly slip: number;
  readonly maxSteps: number | null;
  readonly obsType: 'dict' | 'flat';
  readonly goalSampling: 'free' | 'map';
  /** Numbers per goal ([row, col]). */
  readonly goalDim = 2;
  s = 0;
  goal = 0;
  private steps = 0;

  constructor(opts: GoalGridWorldOptions = {}) {
    super();
    const who = 'GoalGridWorld';
    const { map = 'four-rooms', obsType = 'dict', goalSampling = 'free', stepReward = -1, goalReward = 0, slip, maxSteps } = opts;
    const found = lookupMap(map, who, GRID_MAPS);
    const st = resolveSettings(
      who,
      { slip: found.defaults.slip, maxSteps: found.defaults.maxSteps },
      { stepReward, goalReward, slip, maxSteps },
    );
    this.map = parseGridMap(found.ascii, who, Object.keys(GRID_DEFAULTS.cellRewards));
    this.mapName = found.name;
    this.stepReward = st.stepReward;
    this.goalReward = st.goalReward;
    this.slip = st.slip;
    this.maxSteps = st.maxSteps;
    if (obsType !== 'dict' && obsType !== 'flat')
      throw new RangeError(`${who}: obsType must be 'dict' or 'flat', got '${String(obsType)}'`);
    if (goalSampling !== 'free' && goalSampling !== 'map')
      throw new RangeError(`${who}: goalSampling must be 'free' or 'map', got '${String(goalSampling)}'`);
    if (goalSampling === 'map' && this.map.goals.length === 0)
      throw new RangeError(`${who}: goalSampling 'map' needs at least one G cell in the map`);
    this.obsType = obsType;
    this.goalSampling = goalSampling;
    const hi = [this.map.rows - 1, this.map.cols - 1];
    const pos = () => new Box({ low: [0, 0], high: hi });
    this.observationSpace =
      obsType === 'dict'
        ? new Dict({ observation: pos(), achieved_goal: pos(), desired_goal: pos() })
        : new Box({ low: [0, 0, 0, 0], high: [...hi, ...hi] });
  }

  toState(row: number, col: number): number {
    return this.map.toState(row, col);
  }
  toRowCol(s: number): [row: number, col: number] {
    return this.map.toRowCol(s);
  }

  /** Cells a goal may be drawn from when the agent starts at `start`. */
  goalCandidates(start: number): number[] {
    if (this.goalSampling === 'map') return this.map.goals.filter((g) => g !== start);
    const isTrap = (s: number) => this.map.char(s) === 'T' || this.map.char(s) === 'X';
    return this.map.free.filter((s) => s !== start && !isTrap(s));
  }

  observe(): GoalObs | Float32Array {
    const [r, c] = this.map.toRowCol(this.s);
    const [gr, gc] = this.map.toRowCol(this.goal);
    if (this.obsType === 'flat') return Float32Array.of(r, c, gr, gc);
    return { observation: Float32Array.of(r, c), achieved_goal: Float32Array.of(r, c), desired_goal: Float32Array.of(gr, gc) };
  }

  /**
   * One reward per goal: `achieved` and `desired` hold one goal ([row, col]) or a batch of k goals
   * as k consecutive rows of 2 numbers; returns a Float32Array of k rewards (HER relabelling).
   */
  computeReward(achieved: ArrayLike<number>, desired: ArrayLike<number>, _info?: unknown): Float32Array {
    if (achieved.length !== desired.length || achieved.length % 2 !== 0) {
      throw new RangeError(
        `${this.id}: computeReward needs achieved and desired of equal length, a multiple of 2 (rows of [row, col]); got ${achieved.length} and ${desired.length}`,
      );
    }
    const k = achieved.length / 2;
    const out = new Float32Array(k);
    for (let i = 0; i < k; i++) {
      const same = achieved[2 * i] === desired[2 * i] && achieved[2 * i + 1] === desired[2 * i + 1];
      out[i] = same ? this.goalReward : this.stepReward;
    }
    return out;
  }

  /** Options: `goal` and `start`, each [row, col] or a cell index. */
  protected _reset(options?: Record<string, unknown>): ResetResult<any> {
    this.s =
      options?.start !== undefined ? parseCell(options.start, this.map, this.id, 'start') : (this.rng.choice(this.map.starts) as number);
    if (options?.goal !== undefined) this.goal = parseCell(options.goal, this.map, this.id, 'goal');
    else {
      const cands = this.goalCandidates(this.s);
      if (cands.length === 0) throw new Error(`${this.id}: no cell to draw a goal from (goalSampling '${this.goalSampling}')`);
      this.goal = this.rng.choice(cands) as number;
    }
    this.steps = 0;
    return { obs: this.observe(), info: { is_success: this.s === this.goal } };
  }

  protected _step(a: number): StepResult<any> {
    const outs = GridMap.outcomes(a, this.slip);
    const u = this.rng.random();
    let acc = 0;
    let d = (outs[0] as [number, number])[0];
    for (const [dir, p] of outs) {
      acc += p;
      if (acc > u) {
        d = dir;
        break;
      }
    }
    this.s = this.map.move(this.s, d);
    this.steps++;
    const success = this.s === this.goal;
    const trap = this.map.char(this.s) === 'T' || this.map.char(this.s) === 'X';
    const [r, c] = this.map.toRowCol(this.s);
    const [gr, gc] = this.map.toRowCol(this.goal);
    const reward = (this.computeReward([r, c], [gr, gc]) as Float32Array)[0] as number;
    const terminated = success || trap;
    const truncated = !terminated && this.maxSteps !== null && this.steps >= this.maxSteps;
    return { obs: this.observe(), reward, terminated, truncated, info: { is_success: success } };
  }

  render(): RgbFrame {
    return renderGrid(this.map, this.s, this.goal);
  }
}
