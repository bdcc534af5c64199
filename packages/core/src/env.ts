/**
 * The environment interfaces (Gymnasium / PettingZoo semantics) and `BaseEnv`, which implements
 * the checks every env needs exactly once.
 */

import { Rng } from './rng';
import { Box, type Space, assertContains, formatValue } from './spaces';

/** An RGB image, row-major, `width * height * 3` bytes, row 0 at the top. */
export interface RgbFrame {
  width: number;
  height: number;
  data: Uint8Array;
}

export interface ResetOptions {
  /** An integer in [0, 2^32 − 1] (`MAX_SEED`); other values throw. */
  seed?: number;
  options?: Record<string, unknown>;
}

export interface ResetResult<O> {
  obs: O;
  info: Record<string, unknown>;
}

export interface StepResult<O> {
  obs: O;
  reward: number;
  /** The MDP reached a terminal state: do not bootstrap. */
  terminated: boolean;
  /** The episode was cut short (e.g. a time limit): bootstrap from `obs`. */
  truncated: boolean;
  info: Record<string, unknown>;
}

export interface EnvSpec {
  id: string;
  maxEpisodeSteps?: number;
  rewardThreshold?: number;
  kwargs?: Record<string, unknown>;
}

export interface Env<O = Float32Array, A = number | Float32Array> {
  readonly observationSpace: Space<O>;
  readonly actionSpace: Space<A>;
  spec?: EnvSpec;
  reset(opts?: ResetOptions): ResetResult<O>;
  step(action: A): StepResult<O>;
  render(): RgbFrame;
  close(): void;
  /** The innermost env under all wrappers. */
  readonly unwrapped: Env<any, any>;
}

/**
 * The largest seed `reset({seed})` (and a VecEnv's `reset(seed)`) accepts. Gymnasium takes any
 * non-negative Python int; tfrl's generators are seeded from 32 bits, so the documented seeds are
 * the integers in [0, 2^32 − 1] and anything else is rejected rather than silently folded.
 */
export const MAX_SEED = 2 ** 32 - 1;

/**
 * Throw unless `seed` is an integer in [0, MAX_SEED]: a TypeError for non-numbers, non-integers,
 * NaN and ±Infinity, a RangeError for negative values and values above 2^32 − 1 (which includes
 * everything beyond Number.MAX_SAFE_INTEGER). The message names `who` (the env) and the value.
 */
export function assertSeed(seed: unknown, who: string, what = 'reset seed'): asserts seed is number {
  const expected = `${who}: ${what} must be an integer in [0, ${MAX_SEED}] (2^32 - 1), got ${formatValue(seed)}`;
  if (typeof seed !== 'number' || !Number.isInteger(seed)) throw new TypeError(expected);
  if (seed < 0 || seed > MAX_SEED) throw new RangeError(expected);
}

/**
 * Why the Box action `x` cannot be clipped into `space` (a wrong type or length, NaN, ±Infinity or
 * a float32 overflow, a non-integer for integer boxes), or `null` when clipping applies. `why` is
 * the space's own explanation, reused for type and length problems.
 */
function clipBlocker(space: Box<any>, x: unknown, why: string): string | null {
  const arrayLike = Array.isArray(x) || (ArrayBuffer.isView(x) && !(x instanceof DataView));
  if (!arrayLike) return why;
  const a = x as ArrayLike<unknown>;
  if (a.length !== space.size) return why;
  const isFloat = space.dtype === 'float32' || space.dtype === 'float64';
  for (let i = 0; i < a.length; i++) {
    const v = a[i];
    if (typeof v !== 'number') return why;
    if (Number.isNaN(v)) return `contains NaN at index ${i}`;
    const r = space.dtype === 'float32' ? Math.fround(v) : v;
    if (!Number.isFinite(r)) {
      return Number.isFinite(v) ? `element ${i} = ${v} overflows float32` : `element ${i} = ${v} is not finite`;
    }
    if (!isFloat && !Number.isInteger(v)) return why;
  }
  return null;
}

/** A 32-bit seed from the platform's cryptographic entropy (for envs reset without a seed). */
export function entropySeed(): number {
  const c = (globalThis as { crypto?: { getRandomValues?: (a: Uint32Array) => Uint32Array } }).crypto;
  if (c?.getRandomValues) return c.getRandomValues(new Uint32Array(1))[0] as number;
  // Fallback without crypto: time-based; only reached on exotic runtimes.
  return (Date.now() ^ Math.floor(performance.now() * 1000)) >>> 0;
}

/**
 * Base class of concrete environments. Subclasses implement `_reset`, `_step` and `render`; the
 * public `reset`/`step` add Gymnasium's contract:
 *
 * - **Seeding**: `reset({seed})` replaces `this.rng` with `new Rng(seed)`. A reset without a seed
 *   keeps the current generator; if the env was never seeded, the first reset seeds it once from
 *   fresh platform entropy (like NumPy's `default_rng()`), so unseeded runs differ from each other.
 *   Use `this.rng` (never `Math.random`) for all env randomness.
 *   Seeds are integers in [0, 2^32 − 1] (`MAX_SEED`); anything else throws (`assertSeed`).
 * - **Action check**: every action is validated with `assertContains(actionSpace, action, id)`.
 *   Envs whose reference clips out-of-range Box actions inside `step` (Pendulum,
 *   MountainCarContinuous, continuous LunarLander) override `clipsActions`: a finite action of the
 *   right length outside the Box then reaches `_step`, which clips it as the reference does, unless
 *   `strict` is set. NaN, ±Infinity, a wrong length or type always throw, naming the env and value.
 * - **Episode order**: `step` before the first `reset`, or after a step returned
 *   `terminated` or `truncated`, throws an Error naming the env id.
 * - **Close**: `step` and `reset` after `close()` throw an Error naming the env id (`close()`
 *   itself may be called again). This holds even when a subclass overrides `close()` without
 *   calling `super.close()`.
 */
export abstract class BaseEnv<O = Float32Array, A = number | Float32Array> implements Env<O, A> {
  abstract readonly observationSpace: Space<O>;
  abstract readonly actionSpace: Space<A>;
  spec?: EnvSpec;

  /** The env's own random generator; see the class comment for how it is seeded. */
  protected rng: Rng = new Rng(0);
  private rngSeeded = false;
  private needsReset = true;
  private lastEnd: 'terminated' | 'truncated' | null = null;
  #closed = false;

  /**
   * Raise on an out-of-range action even where the reference env clips it (see `clipsActions`);
   * `make(id, {strict: true})` sets it. Envs that reject such actions anyway are unaffected.
   */
  strict = false;

  constructor() {
    // Mark the env closed even when a subclass overrides close() without calling super.close().
    const close = this.close;
    if (close !== BaseEnv.prototype.close) {
      this.close = () => {
        close.call(this);
        this.#closed = true;
      };
    }
  }

  /**
   * True when the reference env clips out-of-range Box actions itself (`np.clip`, `min(max(…))`):
   * `step` then lets a finite out-of-range action through to `_step`, which must clip it as the
   * reference does. False (the default): such an action is an error.
   */
  protected get clipsActions(): boolean {
    return false;
  }

  /** Name used in error messages: the registered id, or the class name. */
  get id(): string {
    return this.spec?.id ?? this.constructor.name;
  }

  get unwrapped(): Env<any, any> {
    return this;
  }

  /** Snapshot of the env's generator, for checkpoints. */
  getRngState() {
    return this.rng.getState();
  }

  setRngState(state: ReturnType<Rng['getState']>): void {
    this.rng = Rng.fromState(state);
    this.rngSeeded = true;
  }

  reset(opts: ResetOptions = {}): ResetResult<O> {
    if (this.#closed) throw new Error(`${this.id}: reset() called after close()`);
    if (opts.seed !== undefined) {
      assertSeed(opts.seed, this.id);
      this.rng = new Rng(opts.seed);
      this.rngSeeded = true;
    } else if (!this.rngSeeded) {
      this.rng = new Rng(entropySeed());
      this.rngSeeded = true;
    }
    const result = this._reset(opts.options);
    this.needsReset = false;
    this.lastEnd = null;
    return result;
  }

  step(action: A): StepResult<O> {
    if (this.#closed) throw new Error(`${this.id}: step() called after close()`);
    if (this.needsReset) {
      if (this.lastEnd === null) throw new Error(`${this.id}: step() called before reset(); call reset() first`);
      throw new Error(`${this.id}: step() called after the episode ended (${this.lastEnd}); call reset() first`);
    }
    this.checkAction(action);
    const result = this._step(action);
    if (result.terminated || result.truncated) {
      this.needsReset = true;
      this.lastEnd = result.terminated ? 'terminated' : 'truncated';
    }
    return result;
  }

  private checkAction(action: A): void {
    const space = this.actionSpace;
    if (!this.clipsActions || this.strict || !(space instanceof Box)) {
      assertContains(space, action, this.id);
      return;
    }
    const why = space.explain(action);
    if (why === null) return;
    const blocker = clipBlocker(space, action, why);
    if (blocker === null) return; // finite and of the right shape: `_step` clips it as the reference does
    throw new Error(`${this.id}: action ${formatValue(action)} is not in ${space} (${blocker})`);
  }

  /** Start an episode; `this.rng` is already seeded. */
  protected abstract _reset(options?: Record<string, unknown>): ResetResult<O>;
  /** Advance one step with a validated action (for `clipsActions` envs: finite, possibly outside the Box). */
  protected abstract _step(action: A): StepResult<O>;
  abstract render(): RgbFrame;

  /** Release resources; afterwards `step` and `reset` throw. Overrides should call `super.close()`. */
  close(): void {
    this.#closed = true;
  }
}

/** A multi-agent env with simultaneous moves (PettingZoo's parallel API). */
export interface ParallelEnv<O = Float32Array, A = number | Float32Array> {
  /** Every agent that may ever appear. */
  readonly possibleAgents: string[];
  /** The agents alive now (empty once every agent is done). */
  readonly agents: string[];
  observationSpace(agent: string): Space<O>;
  actionSpace(agent: string): Space<A>;
  reset(opts?: ResetOptions): { obs: Record<string, O>; infos: Record<string, Record<string, unknown>> };
  step(actions: Record<string, A>): {
    obs: Record<string, O>;
    rewards: Record<string, number>;
    terminations: Record<string, boolean>;
    truncations: Record<string, boolean>;
    infos: Record<string, Record<string, unknown>>;
  };
  render(): RgbFrame;
  close(): void;
  /**
   * Optional task metrics of the current state (e.g. distances, collisions), one number each;
   * `evaluateMultiAgent` reports their per-episode sums.
   */
  metrics?(): Record<string, number>;
}

export interface VecStepResult {
  /** `numEnvs * obsDim`; rows of finished envs already hold the reset observation. */
  obs: Float32Array;
  rewards: Float32Array;
  terminated: Uint8Array;
  truncated: Uint8Array;
  /** `numEnvs * obsDim`; the last observation of an episode where `terminated | truncated`, else 0. */
  finalObs: Float32Array;
  /** Per env; finished envs carry `info.episode = {r, l, t}` under `RecordEpisodeStatistics`. */
  infos: Array<Record<string, unknown>>;
}

/** N copies of an env stepped together on flat typed arrays, with same-step autoreset (SB3-style). */
export interface VecEnv {
  readonly numEnvs: number;
  readonly singleObservationSpace: Space<any>;
  readonly singleActionSpace: Space<any>;
  /** Numbers per observation in `obs` (the space's `compactDim`: a Discrete counts as 1). */
  readonly obsDim: number;
  /** With a seed, env i is reset with `seed + i`, so `seed + numEnvs − 1` must not exceed `MAX_SEED`. */
  reset(seed?: number): Float32Array;
  /** `actions`: `numEnvs` values (Discrete) or `numEnvs * actDim`. */
  step(actions: Float32Array | Int32Array): VecStepResult;
  close(): void;
}
