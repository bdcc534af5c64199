/**
 * Native batched VecEnvs for classic control: N copies stepped in one pass over flat typed arrays,
 * with the time limit, episode statistics and same-step autoreset built in.
 *
 * Semantics are those of `makeVec(id, n, {vectorization: 'sync'})` (a `SyncVecEnv` of
 * `RecordEpisodeStatistics(make(id))`), and the trajectories are identical to it:
 * - env i has its own `Rng`, seeded `seed + i` by `reset(seed)` (or by the constructor's `seed`
 *   at the first reset; from platform entropy when never seeded), used only to draw reset states;
 * - the dynamics are the single envs' own step functions (or, for CartPole, the same float64
 *   operations in the same order), so obs/rewards match bit for bit;
 * - when env i terminates or reaches `maxEpisodeSteps` (truncated, also when it terminates on that step, as Gymnasium),
 *   its last observation goes to `finalObs` row i, it is reset at once and `obs` row i holds the
 *   new episode's first observation; `infos[i].episode = {r, l, t}` on that step;
 * - output buffers are reused exactly as SyncVecEnv's (`obs` alternates between two buffers).
 *
 * CartPole steps in a WebAssembly SIMD kernel (two envs per f64x2 instruction, about 2x the
 * JavaScript loop at N ≥ 1024; see ./cartpole-kernel.ts) where the engine supports it; its state,
 * observations, rewards and flags then live in that kernel's memory. `{wasm: false}` forces the
 * JavaScript loop, which gives bit-identical results.
 *
 * State is kept in a Float64Array (`state`, numEnvs × stateDim): float32 state would be slightly
 * faster to read but would no longer reproduce Gymnasium's (float64) dynamics or the single envs.
 * Actions are validated before anything is stepped; a bad one throws an Error naming the env id,
 * the index and the value, and leaves every env unchanged. Pendulum and MountainCarContinuous
 * treat a finite out-of-range action as their single envs (and Gymnasium) do — the torque / force
 * is clipped — unless `strict`; NaN and ±Infinity always throw. Seeds follow `BaseEnv`: `seed + i`
 * must be an integer in [0, 2^32 − 1] for every env i. `step` and `reset` after `close()` throw.
 */

import { Box, Discrete, Rng, type RngState, type Space, type VecEnv, type VecStepResult, entropySeed } from '@tfrl/core';
import { booleanOption } from '../kwargs';
import { assertVecSeed } from '../vec/seed';
import { acrobotObs, acrobotStep } from './acrobot';
import { CP_INV_TOTAL_MASS, CartPoleEnv, cartPoleCos, cartPoleSin } from './cartpole';
import { CartPoleKernel } from './cartpole-kernel';
import { MC_FORCE, MC_GOAL_POSITION, MC_GRAVITY, MC_MAX_POSITION, MC_MAX_SPEED, MC_MIN_POSITION } from './mountain-car';
import { mccStep } from './mountain-car-continuous';
import { PENDULUM_MAX_TORQUE, pendulumStep } from './pendulum';

export interface BatchedVecEnvOptions {
  /** Seed of the first reset without one: env i gets `seed + i`. */
  seed?: number;
  /** Replace the registered time limit (`0` or negative: none). */
  maxEpisodeSteps?: number;
  /**
   * Raise on out-of-range Box actions even where the single env clips them (Pendulum,
   * MountainCarContinuous), as `make(id, {strict: true})`. Default false.
   */
  strict?: boolean;
}

const NO_LIMIT = Number.MAX_SAFE_INTEGER;

/** Storage a subclass may provide (e.g. views into a WebAssembly memory) instead of fresh arrays. */
export interface ClassicVecEnvBuffers {
  state: Float64Array;
  elapsed: Int32Array;
  episodeReturn: Float64Array;
  obs: [Float32Array, Float32Array];
  rewards: Float32Array;
  terminated: Uint8Array;
  truncated: Uint8Array;
}

function checkNumber(id: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v))
    throw new TypeError(`${id} (batched): ${name} must be a finite number, got ${String(v)}`);
  return v;
}

/** The shared machinery; subclasses implement `resetOne` and `dynamics`. */
export abstract class ClassicVecEnv implements VecEnv {
  readonly numEnvs: number;
  abstract readonly id: string;
  abstract readonly singleObservationSpace: Space<any>;
  abstract readonly singleActionSpace: Space<any>;
  readonly obsDim: number;
  readonly actDim: number;
  readonly stateDim: number;
  readonly maxEpisodeSteps: number;
  /** The live physical state, numEnvs × stateDim, float64 (as each single env's `state`). */
  readonly state: Float64Array;
  /** Steps taken in each env's current episode. */
  readonly elapsed: Int32Array;
  /** Undiscounted return of each env's current episode (float64). */
  readonly episodeReturn: Float64Array;
  /** Out-of-range Box actions throw even where the reference clips them. */
  readonly strict: boolean;

  /** `result.rewards`, `.terminated`, `.truncated`, for `finish`. */
  protected readonly rewards: Float32Array;
  protected readonly term: Uint8Array;
  protected readonly trunc: Uint8Array;
  protected rngs: Rng[];
  private readonly startTime: Float64Array;
  private readonly obsBufs: [Float32Array, Float32Array];
  private cur = 0;
  private readonly result: VecStepResult;
  private readonly emptyInfos: Array<Record<string, unknown>>;
  private readonly infoSet: Int32Array;
  private infoCount = 0;
  private pendingSeed: number | undefined;
  private seeded = false;
  private needsReset = true;
  private closed = false;
  /** performance.now() of the current step, read once at its first episode end (-1: not yet). */
  private stepNow = -1;

  constructor(
    numEnvs: number,
    dims: { obsDim: number; actDim: number; stateDim: number; maxEpisodeSteps: number },
    opts: BatchedVecEnvOptions,
    buffers?: ClassicVecEnvBuffers,
  ) {
    if (!Number.isInteger(numEnvs) || numEnvs <= 0)
      throw new RangeError(`${new.target.name}: numEnvs must be a positive integer, got ${numEnvs}`);
    if (opts.seed !== undefined) assertVecSeed(opts.seed, numEnvs, new.target.name, 'seed');
    this.strict = booleanOption(new.target.name, 'strict', opts.strict, false);
    const n = numEnvs;
    this.numEnvs = n;
    this.obsDim = dims.obsDim;
    this.actDim = dims.actDim;
    this.stateDim = dims.stateDim;
    const m = opts.maxEpisodeSteps ?? dims.maxEpisodeSteps;
    this.maxEpisodeSteps = m > 0 ? m : NO_LIMIT;
    this.state = buffers?.state ?? new Float64Array(n * dims.stateDim);
    this.elapsed = buffers?.elapsed ?? new Int32Array(n);
    this.episodeReturn = buffers?.episodeReturn ?? new Float64Array(n);
    this.startTime = new Float64Array(n);
    this.rngs = Array.from({ length: n }, () => new Rng(0));
    this.obsBufs = buffers?.obs ?? [new Float32Array(n * dims.obsDim), new Float32Array(n * dims.obsDim)];
    this.emptyInfos = Array.from({ length: n }, () => ({}));
    this.infoSet = new Int32Array(n);
    this.result = {
      obs: this.obsBufs[0],
      rewards: buffers?.rewards ?? new Float32Array(n),
      terminated: buffers?.terminated ?? new Uint8Array(n),
      truncated: buffers?.truncated ?? new Uint8Array(n),
      finalObs: new Float32Array(n * dims.obsDim),
      infos: this.emptyInfos.slice(),
    };
    this.rewards = this.result.rewards;
    this.term = this.result.terminated;
    this.trunc = this.result.truncated;
    this.pendingSeed = opts.seed;
  }

  /**
   * True when the single env's reference clips out-of-range Box actions itself; `dynamics` then
   * receives finite out-of-range values and must clip them the same way (unless `strict`).
   */
  protected get clipsActions(): boolean {
    return false;
  }

  /** Draw env i's reset state into `state` from `rng` (its own generator). */
  protected abstract resetOne(i: number, rng: Rng): void;
  /** Write env i's observation (from `state`) to `obs` row i. */
  protected abstract writeObs(i: number, obs: Float32Array): void;
  /**
   * Step every env with validated actions: update `state`, write each observation row to `obs`,
   * then call `finish(i, reward, terminated, obs)` for env i.
   */
  protected abstract dynamics(actions: Float32Array | Int32Array, obs: Float32Array): void;

  private nextObsBuffer(): Float32Array {
    this.cur ^= 1;
    return this.obsBufs[this.cur] as Float32Array;
  }

  /** Reset every env; with a seed (or the constructor's seed, first time), env i gets `seed + i`. */
  reset(seed?: number): Float32Array {
    if (this.closed) throw new Error(`${this.id} (batched): reset() called after close()`);
    if (seed !== undefined) assertVecSeed(seed, this.numEnvs, `${this.id} (batched)`);
    const s = seed ?? this.pendingSeed;
    this.pendingSeed = undefined;
    if (s !== undefined) {
      for (let i = 0; i < this.numEnvs; i++) this.rngs[i] = new Rng(s + i);
      this.seeded = true;
    } else if (!this.seeded) {
      for (let i = 0; i < this.numEnvs; i++) this.rngs[i] = new Rng(entropySeed());
      this.seeded = true;
    }
    const obs = this.nextObsBuffer();
    const now = performance.now();
    for (let i = 0; i < this.numEnvs; i++) {
      this.resetOne(i, this.rngs[i] as Rng);
      this.writeObs(i, obs);
      this.elapsed[i] = 0;
      this.episodeReturn[i] = 0;
      this.startTime[i] = now;
    }
    this.needsReset = false;
    return obs;
  }

  /** Throws unless `actions` holds numEnvs × actDim values inside the action space. */
  protected validate(actions: Float32Array | Int32Array): void {
    const n = this.numEnvs;
    const space = this.singleActionSpace;
    if (!actions || typeof actions.length !== 'number' || actions.length !== n * this.actDim) {
      throw new RangeError(
        `${this.id} (batched): expected ${n * this.actDim} action values (${n} envs × ${this.actDim} for ${space}), got ${actions?.length}`,
      );
    }
    if (space instanceof Discrete) {
      const lo = space.start;
      const hi = space.start + space.n;
      for (let i = 0; i < n; i++) {
        const a = actions[i] as number;
        if (!(a >= lo && a < hi && a === Math.floor(a))) {
          throw new RangeError(`${this.id} (batched): action ${a} at index ${i} (env ${i}) is not in ${space}`);
        }
      }
    } else {
      const box = space as Box;
      const d = this.actDim;
      const clip = this.clipsActions && !this.strict;
      for (let i = 0; i < n * d; i++) {
        const a = Math.fround(actions[i] as number);
        const j = i % d;
        if (a >= (box.low[j] as number) && a <= (box.high[j] as number)) continue;
        if (clip && Number.isFinite(a)) continue; // `dynamics` clips it as the reference does
        throw new RangeError(
          `${this.id} (batched): action value ${actions[i]} at index ${i} (env ${Math.floor(i / d)}) is not in ${space}` +
            (clip ? ' (NaN and infinite values are not clipped)' : ''),
        );
      }
    }
  }

  step(actions: Float32Array | Int32Array): VecStepResult {
    if (this.closed) throw new Error(`${this.id} (batched): step() called after close()`);
    if (this.needsReset) throw new Error(`${this.id} (batched): step() called before reset(); call reset() first`);
    this.validate(actions);
    const d = this.obsDim;
    const res = this.result;
    const obs = this.nextObsBuffer();
    res.obs = obs;
    const finalObs = res.finalObs;
    const infos = res.infos;
    // Undo last step's per-env infos and final observations.
    for (let k = 0; k < this.infoCount; k++) {
      const i = this.infoSet[k] as number;
      infos[i] = this.emptyInfos[i] as Record<string, unknown>;
      for (let j = i * d; j < i * d + d; j++) finalObs[j] = 0;
    }
    this.infoCount = 0;
    this.stepNow = -1;
    this.dynamics(actions, obs);
    return res;
  }

  /**
   * Book-keeping of env i after its dynamics (called from each subclass's loop, so the step is one
   * pass): reward, episode length and return, the time limit, and the autoreset at an episode end.
   */
  protected finish(i: number, r: number, done: boolean, obs: Float32Array): void {
    this.rewards[i] = r;
    const l = (this.elapsed[i] as number) + 1;
    this.elapsed[i] = l;
    const R = (this.episodeReturn[i] as number) + r;
    this.episodeReturn[i] = R;
    // As Gymnasium's TimeLimit: the limit step is truncated even when it also terminates.
    const tr = l >= this.maxEpisodeSteps;
    this.term[i] = done ? 1 : 0;
    this.trunc[i] = tr ? 1 : 0;
    if (done || tr) this.endEpisode(i, R, l, obs);
  }

  protected endEpisode(i: number, r: number, l: number, obs: Float32Array): void {
    const d = this.obsDim;
    const fo = this.result.finalObs;
    for (let j = i * d; j < i * d + d; j++) fo[j] = obs[j] as number;
    if (this.stepNow < 0) this.stepNow = performance.now();
    const now = this.stepNow;
    const t = Math.round(((now - (this.startTime[i] as number)) / 1000) * 1e6) / 1e6;
    this.result.infos[i] = { episode: { r, l, t } };
    this.infoSet[this.infoCount++] = i;
    this.resetOne(i, this.rngs[i] as Rng);
    this.writeObs(i, obs);
    this.elapsed[i] = 0;
    this.episodeReturn[i] = 0;
    this.startTime[i] = now;
  }

  /**
   * Everything that decides the next steps, as JSON: the physical state, episode lengths and
   * returns, each env's generator and whether a reset is due. With `setState`, a saved run
   * continues mid-episode exactly (Float64 values survive JSON unchanged).
   */
  getState(): ClassicVecEnvState {
    return {
      id: this.id,
      numEnvs: this.numEnvs,
      state: Array.from(this.state),
      elapsed: Array.from(this.elapsed),
      episodeReturn: Array.from(this.episodeReturn),
      rngs: this.rngs.map((r) => r.getState()),
      seeded: this.seeded,
      pendingSeed: this.pendingSeed ?? null,
      needsReset: this.needsReset,
    };
  }

  /** Restore `getState()` of an env with the same id and number of copies (anything else throws). */
  setState(s: unknown): void {
    const st = s as Partial<ClassicVecEnvState> | null;
    const where = `${this.id} (batched).setState`;
    if (!st || typeof st !== 'object') throw new TypeError(`${where}: expected a state object, got ${String(s)}`);
    if (st.id !== this.id) throw new Error(`${where}: the state is of ${String(st.id)}`);
    if (st.numEnvs !== this.numEnvs) throw new Error(`${where}: the state has ${String(st.numEnvs)} envs, this has ${this.numEnvs}`);
    const n = this.numEnvs;
    const arr = (name: string, v: unknown, len: number): number[] => {
      if (!Array.isArray(v) || v.length !== len || !v.every((x) => typeof x === 'number' && Number.isFinite(x)))
        throw new Error(`${where}: ${name} must be ${len} finite numbers`);
      return v as number[];
    };
    const state = arr('state', st.state, n * this.stateDim);
    const elapsed = arr('elapsed', st.elapsed, n);
    const ret = arr('episodeReturn', st.episodeReturn, n);
    if (!Array.isArray(st.rngs) || st.rngs.length !== n) throw new Error(`${where}: rngs must hold ${n} generator states`);
    const rngs = st.rngs.map((r) => Rng.fromState(r));
    this.state.set(state);
    this.elapsed.set(elapsed);
    this.episodeReturn.set(ret);
    this.rngs = rngs;
    this.seeded = st.seeded === true;
    this.pendingSeed = typeof st.pendingSeed === 'number' ? st.pendingSeed : undefined;
    this.needsReset = st.needsReset !== false;
    const obs = this.obsBufs[this.cur] as Float32Array;
    for (let i = 0; i < n; i++) this.writeObs(i, obs);
    this.startTime.fill(performance.now());
  }

  /** Afterwards `step` and `reset` throw; calling it again is allowed. */
  close(): void {
    this.closed = true;
  }
}

/** `ClassicVecEnv.getState()`: JSON that restores a batched classic-control env exactly. */
export interface ClassicVecEnvState {
  id: string;
  numEnvs: number;
  state: number[];
  elapsed: number[];
  episodeReturn: number[];
  rngs: RngState[];
  seeded: boolean;
  pendingSeed: number | null;
  needsReset: boolean;
}

// ------------------------------------------------------------------------------------ CartPole

const CP_GRAVITY = 9.8;
const CP_MASS_POLE = 0.1;
const CP_LENGTH = 0.5;
const CP_POLE_MASS_LENGTH = CP_MASS_POLE * CP_LENGTH;
const CP_FORCE_MAG = 10.0;
const CP_TAU = 0.02;
const CP_THETA = CartPoleEnv.thetaThresholdRadians;
const CP_X = CartPoleEnv.xThreshold;

export interface CartPoleVecEnvOptions extends BatchedVecEnvOptions {
  suttonBartoReward?: boolean;
  /**
   * Step with the WebAssembly SIMD kernel (two envs per vector instruction; bit-identical to the
   * JavaScript path) when the engine supports it. Default true; false forces JavaScript.
   */
  wasm?: boolean;
}

/** CartPole-v1 × N (500-step limit). */
export class CartPoleVecEnv extends ClassicVecEnv {
  readonly id = 'CartPole-v1';
  readonly singleObservationSpace: Box;
  readonly singleActionSpace = new Discrete(2);
  readonly suttonBartoReward: boolean;

  /** The WebAssembly kernel stepping these envs, or null when they step in JavaScript. */
  readonly kernel: CartPoleKernel | null;

  constructor(numEnvs: number, opts: CartPoleVecEnvOptions = {}) {
    const kernel = opts.wasm !== false && Number.isInteger(numEnvs) && numEnvs > 0 ? CartPoleKernel.create(numEnvs) : null;
    const buffers =
      kernel === null
        ? undefined
        : {
            state: kernel.state,
            elapsed: kernel.elapsed,
            episodeReturn: kernel.episodeReturn,
            obs: kernel.obs,
            rewards: kernel.rewards,
            terminated: kernel.terminated,
            truncated: kernel.truncated,
          };
    super(numEnvs, { obsDim: 4, actDim: 1, stateDim: 4, maxEpisodeSteps: 500 }, opts, buffers);
    this.kernel = kernel;
    this.singleObservationSpace = new CartPoleEnv().observationSpace;
    this.suttonBartoReward = opts.suttonBartoReward ?? false;
  }

  protected resetOne(i: number, rng: Rng): void {
    const s = this.state;
    for (let j = 0; j < 4; j++) s[i * 4 + j] = rng.uniform(-0.05, 0.05);
  }

  protected writeObs(i: number, obs: Float32Array): void {
    const s = this.state;
    const b = i * 4;
    obs[b] = s[b] as number;
    obs[b + 1] = s[b + 1] as number;
    obs[b + 2] = s[b + 2] as number;
    obs[b + 3] = s[b + 3] as number;
  }

  protected dynamics(actions: Float32Array | Int32Array, obs: Float32Array): void {
    const k = this.kernel;
    if (k !== null) {
      k.actions.set(actions);
      const count = k.step(obs === k.obs[0] ? 0 : 1, this.maxEpisodeSteps, this.suttonBartoReward);
      if (count >= 0) {
        const ended = k.ended;
        const ret = this.episodeReturn;
        const elapsed = this.elapsed;
        for (let j = 0; j < count; j++) {
          const i = ended[j] as number;
          this.endEpisode(i, ret[i] as number, elapsed[i] as number, obs);
        }
        return;
      }
      // Some |θ| is outside the kernel's range (a state set by hand): this step runs in JavaScript.
    }
    this.jsDynamics(actions, obs);
  }

  private jsDynamics(actions: Float32Array | Int32Array, obs: Float32Array): void {
    // `finish` is inlined by hand here (locals instead of property loads per env): CartPole is the
    // cheapest env, so the book-keeping is a large share of its step.
    const s = this.state;
    const sb = this.suttonBartoReward;
    const n = this.numEnvs;
    const rewards = this.rewards;
    const term = this.term;
    const trunc = this.trunc;
    const elapsed = this.elapsed;
    const ret = this.episodeReturn;
    const max = this.maxEpisodeSteps;
    for (let i = 0; i < n; i++) {
      const b = i * 4;
      const x = s[b] as number;
      const xDot = s[b + 1] as number;
      const theta = s[b + 2] as number;
      const thetaDot = s[b + 3] as number;
      const force = actions[i] === 1 ? CP_FORCE_MAG : -CP_FORCE_MAG;
      const cosT = cartPoleCos(theta);
      const sinT = cartPoleSin(theta);
      // Same operations in the same order as CartPoleEnv (bit-identical to it).
      const temp = (force + CP_POLE_MASS_LENGTH * (thetaDot * thetaDot) * sinT) * CP_INV_TOTAL_MASS;
      const thetaAcc = (CP_GRAVITY * sinT - cosT * temp) / (CP_LENGTH * (4.0 / 3.0 - CP_MASS_POLE * (cosT * cosT) * CP_INV_TOTAL_MASS));
      const xAcc = temp - CP_POLE_MASS_LENGTH * thetaAcc * cosT * CP_INV_TOTAL_MASS;
      const nx = x + CP_TAU * xDot;
      const nxDot = xDot + CP_TAU * xAcc;
      const nth = theta + CP_TAU * thetaDot;
      const nthDot = thetaDot + CP_TAU * thetaAcc;
      s[b] = nx;
      s[b + 1] = nxDot;
      s[b + 2] = nth;
      s[b + 3] = nthDot;
      obs[b] = nx;
      obs[b + 1] = nxDot;
      obs[b + 2] = nth;
      obs[b + 3] = nthDot;
      const done = nx < -CP_X || nx > CP_X || nth < -CP_THETA || nth > CP_THETA;
      const r = sb ? (done ? -1 : 0) : 1;
      rewards[i] = r;
      const l = (elapsed[i] as number) + 1;
      elapsed[i] = l;
      const R = (ret[i] as number) + r;
      ret[i] = R;
      // As Gymnasium's TimeLimit: the limit step is truncated even when it also terminates.
      const tr = l >= max;
      term[i] = done ? 1 : 0;
      trunc[i] = tr ? 1 : 0;
      if (done || tr) this.endEpisode(i, R, l, obs);
    }
  }
}

// --------------------------------------------------------------------------------- MountainCar

export interface MountainCarVecEnvOptions extends BatchedVecEnvOptions {
  goalVelocity?: number;
}

const mcObsSpace = () => new Box({ low: [MC_MIN_POSITION, -MC_MAX_SPEED], high: [MC_MAX_POSITION, MC_MAX_SPEED] });

/** MountainCar-v0 × N (200-step limit). */
export class MountainCarVecEnv extends ClassicVecEnv {
  readonly id = 'MountainCar-v0';
  readonly singleObservationSpace = mcObsSpace();
  readonly singleActionSpace = new Discrete(3);
  readonly goalVelocity: number;

  constructor(numEnvs: number, opts: MountainCarVecEnvOptions = {}) {
    super(numEnvs, { obsDim: 2, actDim: 1, stateDim: 2, maxEpisodeSteps: 200 }, opts);
    this.goalVelocity = checkNumber(this.id, 'goalVelocity', opts.goalVelocity ?? 0);
  }

  protected resetOne(i: number, rng: Rng): void {
    this.state[i * 2] = rng.uniform(-0.6, -0.4);
    this.state[i * 2 + 1] = 0;
  }

  protected writeObs(i: number, obs: Float32Array): void {
    obs[i * 2] = this.state[i * 2] as number;
    obs[i * 2 + 1] = this.state[i * 2 + 1] as number;
  }

  protected dynamics(actions: Float32Array | Int32Array, obs: Float32Array): void {
    const s = this.state;
    const gv = this.goalVelocity;
    const n = this.numEnvs;
    for (let i = 0; i < n; i++) {
      const b = i * 2;
      let position = s[b] as number;
      let velocity = s[b + 1] as number;
      velocity += ((actions[i] as number) - 1) * MC_FORCE + Math.cos(3 * position) * -MC_GRAVITY;
      velocity = velocity < -MC_MAX_SPEED ? -MC_MAX_SPEED : velocity > MC_MAX_SPEED ? MC_MAX_SPEED : velocity;
      position += velocity;
      position = position < MC_MIN_POSITION ? MC_MIN_POSITION : position > MC_MAX_POSITION ? MC_MAX_POSITION : position;
      if (position === MC_MIN_POSITION && velocity < 0) velocity = 0;
      s[b] = position;
      s[b + 1] = velocity;
      obs[b] = position;
      obs[b + 1] = velocity;
      this.finish(i, -1, position >= MC_GOAL_POSITION && velocity >= gv, obs);
    }
  }
}

/** MountainCarContinuous-v0 × N (999-step limit). */
export class MountainCarContinuousVecEnv extends ClassicVecEnv {
  readonly id = 'MountainCarContinuous-v0';
  private readonly flag = new Uint8Array(1);
  readonly singleObservationSpace = mcObsSpace();
  readonly singleActionSpace = new Box({ low: -1, high: 1, shape: [1] });
  readonly goalVelocity: number;

  constructor(numEnvs: number, opts: MountainCarVecEnvOptions = {}) {
    super(numEnvs, { obsDim: 2, actDim: 1, stateDim: 2, maxEpisodeSteps: 999 }, opts);
    this.goalVelocity = checkNumber(this.id, 'goalVelocity', opts.goalVelocity ?? 0);
  }

  /** `mccStep` clips the force to [−1, 1] and charges the unclipped action, as Gymnasium. */
  protected override get clipsActions(): boolean {
    return true;
  }

  protected resetOne(i: number, rng: Rng): void {
    this.state[i * 2] = Math.fround(rng.uniform(-0.6, -0.4));
    this.state[i * 2 + 1] = 0;
  }

  protected writeObs(i: number, obs: Float32Array): void {
    obs[i * 2] = this.state[i * 2] as number;
    obs[i * 2 + 1] = this.state[i * 2 + 1] as number;
  }

  protected dynamics(actions: Float32Array | Int32Array, obs: Float32Array): void {
    const s = this.state;
    const gv = this.goalVelocity;
    const flag = this.flag;
    const n = this.numEnvs;
    for (let i = 0; i < n; i++) {
      const r = mccStep(s, i * 2, Math.fround(actions[i] as number), gv, flag, 0);
      obs[i * 2] = s[i * 2] as number;
      obs[i * 2 + 1] = s[i * 2 + 1] as number;
      this.finish(i, r, flag[0] === 1, obs);
    }
  }
}

// ------------------------------------------------------------------------------------ Pendulum

export interface PendulumVecEnvOptions extends BatchedVecEnvOptions {
  g?: number;
}

/** Pendulum-v1 × N (200-step limit; never terminates). */
export class PendulumVecEnv extends ClassicVecEnv {
  readonly id = 'Pendulum-v1';
  readonly singleObservationSpace = new Box({ low: [-1, -1, -8], high: [1, 1, 8] });
  readonly singleActionSpace = new Box({ low: -PENDULUM_MAX_TORQUE, high: PENDULUM_MAX_TORQUE, shape: [1] });
  readonly g: number;
  private readonly g3: number;

  constructor(numEnvs: number, opts: PendulumVecEnvOptions = {}) {
    super(numEnvs, { obsDim: 3, actDim: 1, stateDim: 2, maxEpisodeSteps: 200 }, opts);
    this.g = checkNumber(this.id, 'g', opts.g ?? 10.0);
    this.g3 = (3 * this.g) / (2 * 1.0);
  }

  /** The torque is clipped to ±2 in `dynamics`, as Gymnasium's `np.clip(u, -max_torque, max_torque)`. */
  protected override get clipsActions(): boolean {
    return true;
  }

  protected resetOne(i: number, rng: Rng): void {
    this.state[i * 2] = rng.uniform(-Math.PI, Math.PI);
    this.state[i * 2 + 1] = rng.uniform(-1, 1);
  }

  protected writeObs(i: number, obs: Float32Array): void {
    const th = this.state[i * 2] as number;
    obs[i * 3] = Math.cos(th);
    obs[i * 3 + 1] = Math.sin(th);
    obs[i * 3 + 2] = this.state[i * 2 + 1] as number;
  }

  protected dynamics(actions: Float32Array | Int32Array, obs: Float32Array): void {
    const s = this.state;
    const g3 = this.g3;
    const n = this.numEnvs;
    for (let i = 0; i < n; i++) {
      const u = Math.fround(actions[i] as number);
      const r = pendulumStep(
        s,
        i * 2,
        u < -PENDULUM_MAX_TORQUE ? -PENDULUM_MAX_TORQUE : u > PENDULUM_MAX_TORQUE ? PENDULUM_MAX_TORQUE : u,
        g3,
      );
      const th = s[i * 2] as number;
      obs[i * 3] = Math.cos(th);
      obs[i * 3 + 1] = Math.sin(th);
      obs[i * 3 + 2] = s[i * 2 + 1] as number;
      this.finish(i, r, false, obs);
    }
  }
}

// ------------------------------------------------------------------------------------- Acrobot

export interface AcrobotVecEnvOptions extends BatchedVecEnvOptions {
  bookOrNips?: 'book' | 'nips';
}

/** Acrobot-v1 × N (500-step limit). */
export class AcrobotVecEnv extends ClassicVecEnv {
  readonly id = 'Acrobot-v1';
  readonly singleObservationSpace = new Box({
    low: [-1, -1, -1, -1, -4 * Math.PI, -9 * Math.PI],
    high: [1, 1, 1, 1, 4 * Math.PI, 9 * Math.PI],
  });
  readonly singleActionSpace = new Discrete(3);
  readonly bookOrNips: 'book' | 'nips';

  constructor(numEnvs: number, opts: AcrobotVecEnvOptions = {}) {
    super(numEnvs, { obsDim: 6, actDim: 1, stateDim: 4, maxEpisodeSteps: 500 }, opts);
    const v = opts.bookOrNips ?? 'book';
    if (v !== 'book' && v !== 'nips') throw new TypeError(`Acrobot-v1 (batched): bookOrNips must be 'book' or 'nips', got ${String(v)}`);
    this.bookOrNips = v;
  }

  protected resetOne(i: number, rng: Rng): void {
    for (let j = 0; j < 4; j++) this.state[i * 4 + j] = Math.fround(rng.uniform(-0.1, 0.1));
  }

  protected writeObs(i: number, obs: Float32Array): void {
    acrobotObs(this.state, i * 4, obs, i * 6);
  }

  protected dynamics(actions: Float32Array | Int32Array, obs: Float32Array): void {
    const s = this.state;
    const nips = this.bookOrNips === 'nips';
    const n = this.numEnvs;
    for (let i = 0; i < n; i++) {
      const done = acrobotStep(s, i * 4, actions[i] as number, nips);
      acrobotObs(s, i * 4, obs, i * 6);
      this.finish(i, done ? 0 : -1, done, obs);
    }
  }
}

/** Batched constructors by env id, used by `makeVec(..., {vectorization: 'batched'})`. */
export const BATCHED_CLASSIC: Record<string, (numEnvs: number, opts: BatchedVecEnvOptions & Record<string, unknown>) => ClassicVecEnv> = {
  'CartPole-v1': (n, o) => new CartPoleVecEnv(n, o as CartPoleVecEnvOptions),
  'MountainCar-v0': (n, o) => new MountainCarVecEnv(n, o as MountainCarVecEnvOptions),
  'MountainCarContinuous-v0': (n, o) => new MountainCarContinuousVecEnv(n, o as MountainCarVecEnvOptions),
  'Pendulum-v1': (n, o) => new PendulumVecEnv(n, o as PendulumVecEnvOptions),
  'Acrobot-v1': (n, o) => new AcrobotVecEnv(n, o as AcrobotVecEnvOptions),
};
