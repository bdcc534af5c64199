/**
 * The environment interfaces (Gymnasium / PettingZoo semantics) and `BaseEnv`, which implements
 * the checks every env needs exactly once.
 */

import { Rng } from './rng';
import { type Space, assertContains } from './spaces';

/** An RGB image, row-major, `width * height * 3` bytes, row 0 at the top. */
export interface RgbFrame {
  width: number;
  height: number;
  data: Uint8Array;
}

export interface ResetOptions {
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
 * - **Action check**: every action is validated with `assertContains(actionSpace, action, id)`.
 * - **Episode order**: `step` before the first `reset`, or after a step returned
 *   `terminated` or `truncated`, throws an Error naming the env id.
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
    if (opts.seed !== undefined) {
      if (!Number.isInteger(opts.seed)) throw new TypeError(`${this.id}: reset seed must be an integer, got ${String(opts.seed)}`);
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
    if (this.needsReset) {
      if (this.lastEnd === null) throw new Error(`${this.id}: step() called before reset(); call reset() first`);
      throw new Error(`${this.id}: step() called after the episode ended (${this.lastEnd}); call reset() first`);
    }
    assertContains(this.actionSpace, action, this.id);
    const result = this._step(action);
    if (result.terminated || result.truncated) {
      this.needsReset = true;
      this.lastEnd = result.terminated ? 'terminated' : 'truncated';
    }
    return result;
  }

  /** Start an episode; `this.rng` is already seeded. */
  protected abstract _reset(options?: Record<string, unknown>): ResetResult<O>;
  /** Advance one step with a validated action. */
  protected abstract _step(action: A): StepResult<O>;
  abstract render(): RgbFrame;

  close(): void {}
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
  reset(seed?: number): Float32Array;
  /** `actions`: `numEnvs` values (Discrete) or `numEnvs * actDim`. */
  step(actions: Float32Array | Int32Array): VecStepResult;
  close(): void;
}
