/**
 * Generic env wrappers (Gymnasium semantics). A wrapper forwards everything to the env it wraps and
 * overrides what it changes; `unwrapped` always reaches the innermost env.
 */

import type { Env, EnvSpec, ResetOptions, ResetResult, RgbFrame, StepResult } from './env';
import { Box, type Space, assertContains, formatValue } from './spaces';

export class Wrapper<O = Float32Array, A = number | Float32Array, InnerO = O, InnerA = A> implements Env<O, A> {
  readonly env: Env<InnerO, InnerA>;
  private _observationSpace?: Space<O>;
  private _actionSpace?: Space<A>;

  constructor(env: Env<InnerO, InnerA>) {
    if (env === null || typeof env !== 'object' || typeof env.step !== 'function') {
      throw new TypeError(`${new.target.name}: expected an Env, got ${formatValue(env)}`);
    }
    this.env = env;
  }

  get observationSpace(): Space<O> {
    return this._observationSpace ?? (this.env.observationSpace as unknown as Space<O>);
  }
  set observationSpace(space: Space<O>) {
    this._observationSpace = space;
  }

  get actionSpace(): Space<A> {
    return this._actionSpace ?? (this.env.actionSpace as unknown as Space<A>);
  }
  set actionSpace(space: Space<A>) {
    this._actionSpace = space;
  }

  get spec(): EnvSpec | undefined {
    return this.env.spec;
  }
  set spec(spec: EnvSpec | undefined) {
    this.env.spec = spec;
  }

  /** Id for error messages. */
  get id(): string {
    return this.spec?.id ?? this.unwrapped.constructor.name;
  }

  get unwrapped(): Env<any, any> {
    return this.env.unwrapped;
  }

  reset(opts?: ResetOptions): ResetResult<O> {
    return this.env.reset(opts) as unknown as ResetResult<O>;
  }

  step(action: A): StepResult<O> {
    return this.env.step(action as unknown as InnerA) as unknown as StepResult<O>;
  }

  render(): RgbFrame {
    return this.env.render();
  }

  close(): void {
    this.env.close();
  }

  toString(): string {
    return `${this.constructor.name}<${String(this.env)}>`;
  }
}

// ---------------------------------------------------------------------------------------------

/**
 * Ends an episode with `truncated = true` after `maxEpisodeSteps` steps. When the env terminates
 * on that same step, `terminated` wins: the step reports `terminated = true, truncated = false`
 * (Gymnasium would report both; a true end must never be bootstrapped). Stepping after the
 * truncation without `reset` is an error.
 */
export class TimeLimit<O = Float32Array, A = number | Float32Array> extends Wrapper<O, A> {
  readonly maxEpisodeSteps: number;
  private elapsed = 0;
  private ended: 'terminated' | 'truncated' | null = null;

  constructor(env: Env<O, A>, maxEpisodeSteps: number) {
    super(env);
    if (!Number.isInteger(maxEpisodeSteps) || maxEpisodeSteps <= 0) {
      throw new RangeError(`TimeLimit: maxEpisodeSteps must be a positive integer, got ${formatValue(maxEpisodeSteps)}`);
    }
    this.maxEpisodeSteps = maxEpisodeSteps;
  }

  /** Steps taken in the current episode. */
  get elapsedSteps(): number {
    return this.elapsed;
  }

  override reset(opts?: ResetOptions): ResetResult<O> {
    const r = super.reset(opts);
    this.elapsed = 0;
    this.ended = null;
    return r;
  }

  override step(action: A): StepResult<O> {
    if (this.ended !== null) {
      const how = this.ended === 'truncated' ? `truncated at ${this.elapsed} of ${this.maxEpisodeSteps} steps` : 'terminated';
      throw new Error(`${this.id}: step() called after the episode ended (${how}); call reset() first`);
    }
    const r = super.step(action);
    this.elapsed += 1;
    // As Gymnasium's TimeLimit: truncated is set whenever the limit is reached, even on a step
    // that also terminates (learners bootstrap only where truncated && !terminated).
    if (this.elapsed >= this.maxEpisodeSteps) r.truncated = true;
    if (r.terminated || r.truncated) this.ended = r.terminated ? 'terminated' : 'truncated';
    return r;
  }
}

// ---------------------------------------------------------------------------------------------

export interface EpisodeStatistics {
  /** Undiscounted return. */
  r: number;
  /** Length in steps. */
  l: number;
  /** Wall-clock duration in seconds (rounded to 1e-6, as Gymnasium). */
  t: number;
}

/**
 * Adds `info.episode = {r, l, t}` to the step that ends an episode, and keeps the last
 * `bufferLength` (default 100) returns and lengths in `returnQueue` / `lengthQueue`.
 */
export class RecordEpisodeStatistics<O = Float32Array, A = number | Float32Array> extends Wrapper<O, A> {
  episodeReturn = 0;
  episodeLength = 0;
  episodeCount = 0;
  readonly returnQueue: number[] = [];
  readonly lengthQueue: number[] = [];
  readonly timeQueue: number[] = [];
  private startTime = 0;

  constructor(
    env: Env<O, A>,
    readonly bufferLength = 100,
  ) {
    super(env);
  }

  override reset(opts?: ResetOptions): ResetResult<O> {
    const r = super.reset(opts);
    this.episodeReturn = 0;
    this.episodeLength = 0;
    this.startTime = performance.now();
    return r;
  }

  override step(action: A): StepResult<O> {
    const r = super.step(action);
    this.episodeReturn += r.reward;
    this.episodeLength += 1;
    if (r.terminated || r.truncated) {
      if ('episode' in r.info) throw new Error(`${this.id}: info already has an 'episode' entry (RecordEpisodeStatistics applied twice?)`);
      const seconds = (performance.now() - this.startTime) / 1000;
      const ep: EpisodeStatistics = { r: this.episodeReturn, l: this.episodeLength, t: Math.round(seconds * 1e6) / 1e6 };
      r.info = { ...r.info, episode: ep };
      const push = (q: number[], v: number) => {
        q.push(v);
        if (q.length > this.bufferLength) q.shift();
      };
      push(this.returnQueue, ep.r);
      push(this.lengthQueue, ep.l);
      push(this.timeQueue, ep.t);
      this.episodeCount += 1;
      this.startTime = performance.now();
    }
    return r;
  }
}

// ---------------------------------------------------------------------------------------------

export interface RunningMeanStdState {
  mean: number[];
  var: number[];
  count: number;
}

/**
 * Running mean and (population) variance per element, merged batch by batch with the parallel
 * algorithm of Chan et al. (Gymnasium's `RunningMeanStd`): starts at mean 0, var 1, count 1e-4.
 */
export class RunningMeanStd {
  mean: Float64Array;
  var: Float64Array;
  count: number;

  constructor(
    readonly size = 1,
    epsilon = 1e-4,
  ) {
    this.mean = new Float64Array(size);
    this.var = new Float64Array(size).fill(1);
    this.count = epsilon;
  }

  /** Merge a batch of `batch.length / size` rows (row-major). */
  update(batch: ArrayLike<number>): void {
    const d = this.size;
    const n = batch.length / d;
    if (!Number.isInteger(n) || n === 0) {
      throw new RangeError(`RunningMeanStd.update: ${batch.length} numbers is not a whole number of rows of ${d}`);
    }
    const bMean = new Float64Array(d);
    const bVar = new Float64Array(d);
    for (let r = 0; r < n; r++) for (let j = 0; j < d; j++) bMean[j] = (bMean[j] as number) + (batch[r * d + j] as number);
    for (let j = 0; j < d; j++) bMean[j] = (bMean[j] as number) / n;
    for (let r = 0; r < n; r++) {
      for (let j = 0; j < d; j++) bVar[j] = (bVar[j] as number) + ((batch[r * d + j] as number) - (bMean[j] as number)) ** 2;
    }
    for (let j = 0; j < d; j++) bVar[j] = (bVar[j] as number) / n;
    this.updateFromMoments(bMean, bVar, n);
  }

  updateFromMoments(batchMean: ArrayLike<number>, batchVar: ArrayLike<number>, batchCount: number): void {
    const tot = this.count + batchCount;
    for (let j = 0; j < this.size; j++) {
      const m = this.mean[j] as number;
      const delta = (batchMean[j] as number) - m;
      const m2 =
        (this.var[j] as number) * this.count + (batchVar[j] as number) * batchCount + (delta * delta * this.count * batchCount) / tot;
      this.mean[j] = m + (delta * batchCount) / tot;
      this.var[j] = m2 / tot;
    }
    this.count = tot;
  }

  getState(): RunningMeanStdState {
    return { mean: Array.from(this.mean), var: Array.from(this.var), count: this.count };
  }

  setState(state: RunningMeanStdState): void {
    if (!state || state.mean?.length !== this.size || state.var?.length !== this.size || typeof state.count !== 'number') {
      throw new TypeError(
        `RunningMeanStd.setState: expected {mean, var} of length ${this.size} and a numeric count, got ${formatValue(state)}`,
      );
    }
    this.mean = Float64Array.from(state.mean);
    this.var = Float64Array.from(state.var);
    this.count = state.count;
  }
}

function checkEpsilon(who: string, epsilon: number): void {
  if (!(epsilon > 0)) throw new RangeError(`${who}: epsilon must be > 0, got ${formatValue(epsilon)}`);
}

/**
 * Normalises Box observations to `(obs − mean) / sqrt(var + epsilon)` with running statistics that
 * are updated with every observation (reset ones too) while `updateRunningMean` is true. The
 * observation space becomes an unbounded float32 Box of the same shape.
 */
export class NormalizeObservation<A = number | Float32Array> extends Wrapper<Float32Array, A, any, A> {
  readonly obsRms: RunningMeanStd;
  updateRunningMean = true;

  constructor(
    env: Env<any, A>,
    readonly epsilon = 1e-8,
  ) {
    super(env);
    checkEpsilon('NormalizeObservation', epsilon);
    const inner = env.observationSpace;
    if (!(inner instanceof Box)) throw new TypeError(`NormalizeObservation: needs a Box observation space, got ${inner}`);
    this.observationSpace = new Box({ low: Number.NEGATIVE_INFINITY, high: Number.POSITIVE_INFINITY, shape: inner.shape });
    this.obsRms = new RunningMeanStd(inner.size);
  }

  private normalize(obs: ArrayLike<number>): Float32Array {
    if (this.updateRunningMean) this.obsRms.update(obs);
    const out = new Float32Array(obs.length);
    for (let i = 0; i < out.length; i++) {
      out[i] = ((obs[i] as number) - (this.obsRms.mean[i] as number)) / Math.sqrt((this.obsRms.var[i] as number) + this.epsilon);
    }
    return out;
  }

  override reset(opts?: ResetOptions): ResetResult<Float32Array> {
    const r = this.env.reset(opts);
    return { obs: this.normalize(r.obs), info: r.info };
  }

  override step(action: A): StepResult<Float32Array> {
    const r = this.env.step(action);
    return { ...r, obs: this.normalize(r.obs) };
  }

  getState(): { obsRms: RunningMeanStdState } {
    return { obsRms: this.obsRms.getState() };
  }

  setState(state: { obsRms: RunningMeanStdState }): void {
    this.obsRms.setState(state.obsRms);
  }
}

export interface NormalizeRewardState {
  returnRms: RunningMeanStdState;
  discountedReturn: number;
}

/**
 * Scales rewards by the running standard deviation of the discounted return, as Gymnasium:
 * `G ← G·γ·(1 − terminated) + r`, the running variance is updated with `G`, and the reward
 * returned is `r / sqrt(var + epsilon)`. (Rewards are scaled, not centred.)
 */
export class NormalizeReward<O = Float32Array, A = number | Float32Array> extends Wrapper<O, A> {
  readonly returnRms = new RunningMeanStd(1);
  discountedReturn = 0;
  updateRunningMean = true;

  constructor(
    env: Env<O, A>,
    readonly gamma = 0.99,
    readonly epsilon = 1e-8,
  ) {
    super(env);
    if (!(gamma >= 0 && gamma <= 1)) throw new RangeError(`NormalizeReward: gamma must be in [0, 1], got ${formatValue(gamma)}`);
    checkEpsilon('NormalizeReward', epsilon);
  }

  override step(action: A): StepResult<O> {
    const r = super.step(action);
    this.discountedReturn = this.discountedReturn * this.gamma * (r.terminated ? 0 : 1) + r.reward;
    if (this.updateRunningMean) this.returnRms.update([this.discountedReturn]);
    return { ...r, reward: r.reward / Math.sqrt((this.returnRms.var[0] as number) + this.epsilon) };
  }

  getState(): NormalizeRewardState {
    return { returnRms: this.returnRms.getState(), discountedReturn: this.discountedReturn };
  }

  setState(state: NormalizeRewardState): void {
    this.returnRms.setState(state.returnRms);
    this.discountedReturn = state.discountedReturn;
  }
}

// ---------------------------------------------------------------------------------------------

function requireBox(who: string, space: Space<any>): Box<any> {
  if (!(space instanceof Box)) throw new TypeError(`${who}: needs a Box action space, got ${space}`);
  return space;
}

/**
 * Clips actions into the env's Box bounds. The wrapper's action space is the unbounded Box of the
 * same shape and dtype (as Gymnasium), so any action without NaN is accepted.
 */
export class ClipAction<O = Float32Array> extends Wrapper<O, Float32Array> {
  private readonly inner: Box<any>;

  constructor(env: Env<O, any>) {
    super(env);
    this.inner = requireBox('ClipAction', env.actionSpace);
    this.actionSpace = new Box({
      low: Number.NEGATIVE_INFINITY,
      high: Number.POSITIVE_INFINITY,
      shape: this.inner.shape,
      dtype: this.inner.dtype,
    }) as unknown as Space<Float32Array>;
  }

  override step(action: Float32Array): StepResult<O> {
    assertContains(this.actionSpace, action, this.id);
    const b = this.inner;
    const out = new Float32Array(b.size);
    for (let i = 0; i < b.size; i++) {
      out[i] = Math.min(b.high[i] as number, Math.max(b.low[i] as number, action[i] as number));
    }
    return super.step(out);
  }
}

/**
 * Exposes the action space `Box(min, max)` and maps actions affinely onto the env's bounded Box:
 * `low + (high − low)·(a − min)/(max − min)` (the result is clamped to `[low, high]` only to undo
 * floating-point rounding at the ends). Actions outside `[min, max]` are errors.
 */
export class RescaleAction<O = Float32Array> extends Wrapper<O, Float32Array> {
  private readonly inner: Box<any>;
  private readonly minA: Float64Array;
  private readonly maxA: Float64Array;

  constructor(env: Env<O, any>, minAction: number | ArrayLike<number>, maxAction: number | ArrayLike<number>) {
    super(env);
    const inner = requireBox('RescaleAction', env.actionSpace);
    if (!inner.isBounded()) throw new RangeError(`RescaleAction: the env's action space ${inner} must be bounded`);
    this.inner = inner;
    const outer = new Box({ low: minAction, high: maxAction, shape: inner.shape, dtype: inner.dtype });
    for (let i = 0; i < inner.size; i++) {
      const lo = outer.low[i] as number;
      const hi = outer.high[i] as number;
      if (!Number.isFinite(lo) || !Number.isFinite(hi) || !(lo < hi)) {
        throw new RangeError(`RescaleAction: need finite min < max for every element, element ${i} has [${lo}, ${hi}]`);
      }
    }
    this.minA = outer.low;
    this.maxA = outer.high;
    this.actionSpace = outer as unknown as Space<Float32Array>;
  }

  override step(action: Float32Array): StepResult<O> {
    assertContains(this.actionSpace, action, this.id);
    const b = this.inner;
    const out = new Float32Array(b.size);
    for (let i = 0; i < b.size; i++) {
      const lo = b.low[i] as number;
      const hi = b.high[i] as number;
      const mn = this.minA[i] as number;
      const mx = this.maxA[i] as number;
      const v = lo + ((hi - lo) * ((action[i] as number) - mn)) / (mx - mn);
      out[i] = Math.min(hi, Math.max(lo, v));
    }
    return super.step(out);
  }
}
