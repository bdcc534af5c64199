import type { Rng } from '../rng';
import { Dict, type Space } from '../spaces';

/**
 * Experience replay on preallocated typed arrays, built as storage × sampler (as TorchRL builds
 * its buffers): the buffer is the storage — a ring with O(1) `add` that overwrites the oldest
 * transition when full — and a {@link Sampler} chooses the rows of a batch and may transform it.
 *
 * - `UniformSampler` (the default): rows uniformly with replacement;
 * - `PrioritizedSampler` (`PrioritizedReplayBuffer`): proportional prioritized replay;
 * - `NStepSampler`: wraps another sampler and turns each sampled row into an n-step transition
 *   at sample time (`nStep` option of any buffer);
 * - hindsight relabelling and demonstration-aware sampling are further samplers over the same
 *   storage.
 *
 * ## Rows, envs and episodes
 * With `numEnvs` (a vectorised env), every `addBatch` writes one row per env, so the storage is
 * laid out `[position][env]` (row `p · numEnvs + e`) as SB3's buffers are, and the next step of
 * the same env is `numEnvs` rows later. Each row also records its step within its episode
 * (`episodeSteps`) and, once the episode has ended, the episode's length (`episodeLengths`,
 * 0 while it runs), so samplers can find an episode's rows.
 *
 * ## Discount convention
 * Every transition stores `discount`, the *full* multiplier of the bootstrap value, so a
 * learner's TD target is always
 *
 * ```
 * y = reward + discount · (1 − terminated) · V(nextObs)      // V = max_a Q, Q(s', π(s')), ...
 * ```
 *
 * and never multiplies by γ itself. For 1-step transitions `discount = γ` (the buffer's
 * `gamma` option, used when `add` gets no explicit discount); for n-step transitions the
 * {@link NStepAccumulator} stores `γ^m`, where `m ≤ n` is the number of rewards summed.
 * Truncated (time-limit) transitions keep `terminated = 0`, so they bootstrap.
 */

export type ActionDtype = 'int32' | 'float32';
export type ObsDtype = 'float32' | 'uint8';

export interface ReplayBufferOptions {
  /** Maximum number of transitions kept. */
  capacity: number;
  /** Length of one flat observation. */
  obsDim: number;
  /** Length of one action: 1 for a discrete action. */
  actionDim: number;
  /** `'int32'` for discrete actions, `'float32'` for continuous ones. */
  actionDtype: ActionDtype;
  /**
   * Storage type of observations (default `'float32'`). `'uint8'` stores images in a quarter
   * of the memory; values are cast (not rescaled) to float32 in sampled batches.
   */
  obsDtype?: ObsDtype;
  /**
   * Discount stored for transitions added without an explicit `discount` (default 0.99).
   * Learners construct the buffer with their own γ.
   */
  gamma?: number;
  /**
   * When true (the default) `sample` reuses its output arrays if the batch size repeats, so
   * a batch is overwritten by the next `sample` call. When false every call allocates.
   */
  reuseBatch?: boolean;
  /**
   * Envs of the VecEnv that fills the buffer (default 1). The capacity is rounded down to a
   * multiple of it, and `addBatch` must then write exactly `numEnvs` rows.
   */
  numEnvs?: number;
  /** How batches are drawn (default a {@link UniformSampler}). */
  sampler?: Sampler;
  /** n-step transitions at sample time (default 1: the stored 1-step transitions). */
  nStep?: number;
  /** The observation space; with a Dict, `observationKeys` splits stored or sampled rows by key. */
  observationSpace?: Space<any>;
  /**
   * The env (VecEnv) that fills the buffer, given by the off-policy learners as SB3 gives it to
   * `HerReplayBuffer`: a sampler that relabels goals reads the env's `computeReward` from it.
   */
  env?: unknown;
}

/**
 * How a batch is drawn from a buffer's storage. `sampleIndices` fills `batch.indices` (and, for
 * weighted samplers, `batch.weights`); the buffer then copies those rows into the batch and calls
 * `transform`, which may rewrite the batch (n-step returns, relabelled goals).
 */
export interface Sampler {
  sampleIndices(buffer: ReplayBuffer, batchSize: number, rng: Rng, batch: ReplayBatch, options?: SampleOptions): void;
  transform?(buffer: ReplayBuffer, batch: ReplayBatch, rng: Rng): void;
  /** Row `row` was (over)written. */
  onWrite?(row: number): void;
  /** New priorities from the TD errors of a batch (prioritized samplers). */
  updatePriorities?(indices: ArrayLike<number>, tdErrors: ArrayLike<number>): void;
  /** Extra fields of a batch this sampler fills (e.g. `weights`). */
  allocate?(batchSize: number): Partial<ReplayBatch>;
  clear?(): void;
  getState?(): Record<string, unknown>;
  setState?(state: Record<string, unknown>, buffer: ReplayBuffer): void;
}

export interface SampleOptions {
  /** Importance-sampling exponent of prioritized samplers. */
  beta?: number;
}

/** Rows drawn uniformly with replacement from the stored ones. */
export class UniformSampler implements Sampler {
  sampleIndices(buffer: ReplayBuffer, batchSize: number, rng: Rng, batch: ReplayBatch): void {
    const idx = batch.indices;
    const n = buffer.size;
    for (let b = 0; b < batchSize; b++) idx[b] = rng.integers(0, n);
  }
}

/**
 * n-step transitions at sample time (the n-step DQN of Rainbow, Hessel et al. 2018): each row
 * the inner sampler picks becomes
 *
 * ```
 * (s_t, a_t, R = Σ_{k<m} γ^k r_{t+k}, s_{t+m}, terminated_{t+m-1}, truncated_{t+m-1}, discount = γ^m)
 * ```
 *
 * following the same env's rows, where m ≤ n stops at the first end of episode (terminated or
 * truncated) and at the newest stored step of that env. A truncated episode keeps
 * `terminated = 0`, so it still bootstraps. Needs a buffer filled one vector step at a time.
 */
export class NStepSampler implements Sampler {
  constructor(
    readonly inner: Sampler,
    readonly n: number,
    readonly gamma: number,
  ) {
    assertPositiveInt('NStepSampler: n', n);
    if (!(gamma >= 0 && gamma <= 1)) throw new RangeError(`NStepSampler: gamma must be in [0, 1], got ${gamma}`);
  }

  sampleIndices(buffer: ReplayBuffer, batchSize: number, rng: Rng, batch: ReplayBatch, options?: SampleOptions): void {
    this.inner.sampleIndices(buffer, batchSize, rng, batch, options);
  }

  transform(buffer: ReplayBuffer, batch: ReplayBatch, rng: Rng): void {
    this.inner.transform?.(buffer, batch, rng);
    if (this.n === 1) return;
    const step = buffer.numEnvs;
    const cap = buffer.capacity;
    const d = buffer.obsDim;
    const { rewards, nextObs, terminated, truncated, discounts, indices } = batch;
    for (let b = 0; b < batch.batchSize; b++) {
      const first = indices[b] as number;
      const ahead = buffer.stepsAvailable(first);
      let row = first;
      let ret = 0;
      let disc = 1;
      let m = 0;
      for (;;) {
        ret += disc * (buffer.rewards[row] as number);
        disc *= this.gamma;
        m++;
        if (buffer.terminated[row] || buffer.truncated[row] || m >= this.n || m >= ahead) break;
        row = (row + step) % cap;
      }
      rewards[b] = ret;
      discounts[b] = disc;
      terminated[b] = buffer.terminated[row] as number;
      truncated[b] = buffer.truncated[row] as number;
      const sn = buffer.nextObs;
      for (let k = 0; k < d; k++) nextObs[b * d + k] = sn[row * d + k] as number;
    }
  }

  onWrite(row: number): void {
    this.inner.onWrite?.(row);
  }
  updatePriorities(indices: ArrayLike<number>, tdErrors: ArrayLike<number>): void {
    this.inner.updatePriorities?.(indices, tdErrors);
  }
  allocate(batchSize: number): Partial<ReplayBatch> {
    return this.inner.allocate?.(batchSize) ?? {};
  }
  clear(): void {
    this.inner.clear?.();
  }
  getState(): Record<string, unknown> {
    return this.inner.getState?.() ?? {};
  }
  setState(state: Record<string, unknown>, buffer: ReplayBuffer): void {
    this.inner.setState?.(state, buffer);
  }
}

/** A sampled batch: flat typed arrays, row `i` of each field is transition `indices[i]`. */
export interface ReplayBatch {
  batchSize: number;
  /** B × obsDim. */
  obs: Float32Array;
  /** B × actionDim, Int32Array for discrete actions. */
  actions: Int32Array | Float32Array;
  rewards: Float32Array;
  /** B × obsDim. */
  nextObs: Float32Array;
  /** 0/1. */
  terminated: Float32Array;
  /** 0/1. */
  truncated: Float32Array;
  /** Full bootstrap multiplier (γ or γ^m), see the convention above. */
  discounts: Float32Array;
  /** Buffer rows of the batch (for `updatePriorities`). */
  indices: Int32Array;
  /** Importance-sampling weights (prioritized samplers). */
  weights?: Float32Array;
}

/** Serializable contents of a buffer (copies), for checkpoints. */
export interface ReplayBufferState {
  capacity: number;
  obsDim: number;
  actionDim: number;
  actionDtype: ActionDtype;
  obsDtype: ObsDtype;
  gamma: number;
  pos: number;
  size: number;
  obs: Float32Array | Uint8Array;
  nextObs: Float32Array | Uint8Array;
  actions: Int32Array | Float32Array;
  rewards: Float32Array;
  terminated: Uint8Array;
  truncated: Uint8Array;
  discounts: Float32Array;
  /** Present in states of buffers that track episodes (all buffers of this version). */
  numEnvs?: number;
  episodeSteps?: Int32Array;
  episodeLengths?: Int32Array;
  /** The sampler's own state (e.g. priorities). */
  sampler?: Record<string, unknown>;
}

/** Something transitions can be written into (a replay buffer), e.g. by {@link NStepAccumulator}. */
export interface TransitionSink {
  add(
    obs: ArrayLike<number>,
    action: ArrayLike<number> | number,
    reward: number,
    nextObs: ArrayLike<number>,
    terminated: boolean | number,
    truncated: boolean | number,
    discount?: number,
  ): unknown;
}

export function assertPositiveInt(name: string, v: unknown): asserts v is number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) {
    throw new RangeError(`${name} must be a positive integer, got ${String(v)}`);
  }
}

function checkLength(what: string, arr: ArrayLike<unknown>, expected: number): void {
  if (arr == null || typeof arr.length !== 'number') {
    throw new TypeError(`${what} must be an array, got ${String(arr)}`);
  }
  if (arr.length !== expected) throw new RangeError(`${what} has length ${arr.length}, expected ${expected}`);
}

/** A deep copy of a batch (when it must outlive the next `sample` call). */
export function cloneBatch<B extends ReplayBatch>(batch: B): B {
  const out = { ...batch } as Record<string, unknown>;
  for (const [k, v] of Object.entries(batch)) if (ArrayBuffer.isView(v)) out[k] = (v as Float32Array).slice();
  return out as B;
}

export class ReplayBuffer implements TransitionSink {
  static readonly registeredName: string = 'ReplayBuffer';
  readonly capacity: number;
  readonly obsDim: number;
  readonly actionDim: number;
  readonly actionDtype: ActionDtype;
  readonly obsDtype: ObsDtype;
  readonly gamma: number;
  readonly reuseBatch: boolean;

  readonly obs: Float32Array | Uint8Array;
  readonly nextObs: Float32Array | Uint8Array;
  readonly actions: Int32Array | Float32Array;
  readonly rewards: Float32Array;
  readonly terminated: Uint8Array;
  readonly truncated: Uint8Array;
  readonly discounts: Float32Array;
  /** Step of each row within its episode (0 for the first transition). */
  readonly episodeSteps: Int32Array;
  /** Length of each row's episode once it has ended; 0 while it runs. */
  readonly episodeLengths: Int32Array;
  readonly numEnvs: number;
  readonly sampler: Sampler;
  readonly observationSpace: Space<any> | undefined;

  protected pos = 0;
  protected count = 0;
  private batch: ReplayBatch | undefined;
  /** Steps taken so far in each env's current episode. */
  private readonly runningSteps: Int32Array;

  constructor(options: ReplayBufferOptions) {
    if (options == null || typeof options !== 'object') throw new TypeError('ReplayBuffer: options object required');
    const { obsDim, actionDim, actionDtype, obsDtype = 'float32', gamma = 0.99, reuseBatch = true, numEnvs = 1, nStep = 1 } = options;
    assertPositiveInt('ReplayBuffer: capacity', options.capacity);
    assertPositiveInt('ReplayBuffer: numEnvs', numEnvs);
    assertPositiveInt('ReplayBuffer: nStep', nStep);
    if (options.capacity < numEnvs) {
      throw new RangeError(`ReplayBuffer: capacity (${options.capacity}) must hold at least one step of the ${numEnvs} envs`);
    }
    const capacity = options.capacity - (options.capacity % numEnvs);
    assertPositiveInt('ReplayBuffer: obsDim', obsDim);
    assertPositiveInt('ReplayBuffer: actionDim', actionDim);
    if (actionDtype !== 'int32' && actionDtype !== 'float32') {
      throw new TypeError(`ReplayBuffer: actionDtype must be 'int32' or 'float32', got ${String(actionDtype)}`);
    }
    if (obsDtype !== 'float32' && obsDtype !== 'uint8') {
      throw new TypeError(`ReplayBuffer: obsDtype must be 'float32' or 'uint8', got ${String(obsDtype)}`);
    }
    if (typeof gamma !== 'number' || !(gamma >= 0 && gamma <= 1)) {
      throw new RangeError(`ReplayBuffer: gamma must be in [0, 1], got ${String(gamma)}`);
    }
    this.capacity = capacity;
    this.obsDim = obsDim;
    this.actionDim = actionDim;
    this.actionDtype = actionDtype;
    this.obsDtype = obsDtype;
    this.gamma = gamma;
    this.reuseBatch = reuseBatch;
    const O = obsDtype === 'uint8' ? Uint8Array : Float32Array;
    this.obs = new O(capacity * obsDim);
    this.nextObs = new O(capacity * obsDim);
    this.actions = actionDtype === 'int32' ? new Int32Array(capacity * actionDim) : new Float32Array(capacity * actionDim);
    this.rewards = new Float32Array(capacity);
    this.terminated = new Uint8Array(capacity);
    this.truncated = new Uint8Array(capacity);
    this.discounts = new Float32Array(capacity);
    this.episodeSteps = new Int32Array(capacity);
    this.episodeLengths = new Int32Array(capacity);
    this.numEnvs = numEnvs;
    this.observationSpace = options.observationSpace;
    if (options.observationSpace && options.observationSpace.compactDim !== obsDim) {
      throw new RangeError(
        `ReplayBuffer: obsDim ${obsDim} does not match ${String(options.observationSpace)} (${options.observationSpace.compactDim} numbers)`,
      );
    }
    this.runningSteps = new Int32Array(numEnvs);
    const sampler = options.sampler ?? new UniformSampler();
    this.sampler = nStep > 1 ? new NStepSampler(sampler, nStep, gamma) : sampler;
  }

  /**
   * Rows of the same env stored from `row` on (itself included) up to the newest: how far an
   * n-step or hindsight sampler can look ahead.
   */
  stepsAvailable(row: number): number {
    const dist = (this.pos - row + this.capacity) % this.capacity;
    const avail = dist === 0 ? this.capacity : dist;
    return Math.ceil(avail / this.numEnvs);
  }

  /**
   * Rows of Dict observations (`batch.obs`, `batch.nextObs`, or stored rows) split by key:
   * `{observation: rows × dim, desired_goal: rows × dim, ...}`.
   */
  observationKeys(rows: ArrayLike<number>): Record<string, Float32Array> {
    const space = this.observationSpace;
    if (!(space instanceof Dict)) throw new TypeError(`ReplayBuffer.observationKeys: needs a Dict observationSpace, got ${String(space)}`);
    const out: Record<string, Float32Array> = {};
    for (const k of space.keys) out[k] = space.extractKey(rows, k);
    return out;
  }

  /** The env (column) a row belongs to. */
  envOf(row: number): number {
    return row % this.numEnvs;
  }

  /** Episode bookkeeping of a freshly written row of env `env`. */
  private trackEpisode(row: number, env: number, done: boolean): void {
    const t = this.runningSteps[env] as number;
    this.episodeSteps[row] = t;
    this.episodeLengths[row] = 0;
    if (!done) {
      this.runningSteps[env] = t + 1;
      return;
    }
    // The episode ended: write its length into each of its rows still stored.
    const L = t + 1;
    const n = this.numEnvs;
    let r = row;
    for (let k = 0; k < L && k < this.capacity / n; k++) {
      if (this.episodeSteps[r] !== L - 1 - k) break;
      this.episodeLengths[r] = L;
      r = (r - n + this.capacity) % this.capacity;
    }
    this.runningSteps[env] = 0;
  }

  /** Number of transitions stored. */
  get size(): number {
    return this.count;
  }

  /** Row the next transition is written to. */
  get position(): number {
    return this.pos;
  }

  /** Called after row `index` was (over)written; the sampler keeps its side data in sync. */
  protected onWrite(index: number): void {
    this.sampler.onWrite?.(index);
  }

  /**
   * Store one transition; returns its row. `action` is a number or an array of `actionDim`.
   * `discount` defaults to the buffer's `gamma` (see the convention at the top).
   */
  add(
    obs: ArrayLike<number>,
    action: ArrayLike<number> | number,
    reward: number,
    nextObs: ArrayLike<number>,
    terminated: boolean | number,
    truncated: boolean | number,
    discount: number = this.gamma,
  ): number {
    const d = this.obsDim;
    if (this.numEnvs !== 1)
      throw new RangeError(`ReplayBuffer.add: this buffer holds ${this.numEnvs} envs; store vector steps with addBatch`);
    checkLength('ReplayBuffer.add: obs', obs, d);
    checkLength('ReplayBuffer.add: nextObs', nextObs, d);
    const i = this.pos;
    const o = i * d;
    const so = this.obs;
    const sn = this.nextObs;
    for (let k = 0; k < d; k++) {
      so[o + k] = obs[k] as number;
      sn[o + k] = nextObs[k] as number;
    }
    const ad = this.actionDim;
    if (typeof action === 'number') {
      if (ad !== 1) throw new RangeError(`ReplayBuffer.add: a scalar action needs actionDim 1, buffer has actionDim ${ad}`);
      this.actions[i] = action;
    } else {
      checkLength('ReplayBuffer.add: action', action, ad);
      for (let k = 0; k < ad; k++) this.actions[i * ad + k] = action[k] as number;
    }
    this.rewards[i] = reward;
    this.terminated[i] = terminated ? 1 : 0;
    this.truncated[i] = truncated ? 1 : 0;
    this.discounts[i] = discount;
    this.trackEpisode(i, 0, !!terminated || !!truncated);
    this.advance();
    this.onWrite(i);
    return i;
  }

  /**
   * Store one vectorised step of `numEnvs` transitions (flat arrays of `numEnvs` rows). For
   * envs whose episode ended, `nextObs` must hold the real final observation, not the
   * autoreset one. `discounts` (optional) gives each row's discount, else the buffer's `gamma`.
   */
  addBatch(
    obs: ArrayLike<number>,
    actions: ArrayLike<number>,
    rewards: ArrayLike<number>,
    nextObs: ArrayLike<number>,
    terminated: ArrayLike<boolean | number>,
    truncated: ArrayLike<boolean | number>,
    discounts?: ArrayLike<number>,
  ): void {
    const n = rewards.length;
    const d = this.obsDim;
    const ad = this.actionDim;
    checkLength('ReplayBuffer.addBatch: obs', obs, n * d);
    checkLength('ReplayBuffer.addBatch: nextObs', nextObs, n * d);
    checkLength('ReplayBuffer.addBatch: actions', actions, n * ad);
    checkLength('ReplayBuffer.addBatch: terminated', terminated, n);
    checkLength('ReplayBuffer.addBatch: truncated', truncated, n);
    if (discounts !== undefined) checkLength('ReplayBuffer.addBatch: discounts', discounts, n);
    if (this.numEnvs !== 1 && n !== this.numEnvs) {
      throw new RangeError(`ReplayBuffer.addBatch: got ${n} rows, this buffer holds one vector step of ${this.numEnvs} envs`);
    }
    const so = this.obs;
    const sn = this.nextObs;
    const sa = this.actions;
    for (let e = 0; e < n; e++) {
      const i = this.pos;
      const o = i * d;
      const src = e * d;
      for (let k = 0; k < d; k++) {
        so[o + k] = obs[src + k] as number;
        sn[o + k] = nextObs[src + k] as number;
      }
      for (let k = 0; k < ad; k++) sa[i * ad + k] = actions[e * ad + k] as number;
      this.rewards[i] = rewards[e] as number;
      this.terminated[i] = terminated[e] ? 1 : 0;
      this.truncated[i] = truncated[e] ? 1 : 0;
      this.discounts[i] = discounts === undefined ? this.gamma : (discounts[e] as number);
      this.trackEpisode(i, this.numEnvs === 1 ? 0 : e, !!terminated[e] || !!truncated[e]);
      this.advance();
      this.onWrite(i);
    }
  }

  private advance(): void {
    this.pos = this.pos + 1 === this.capacity ? 0 : this.pos + 1;
    if (this.count < this.capacity) this.count++;
  }

  /** The (reused, unless `reuseBatch` is false) output batch for `batchSize`. */
  protected batchFor(batchSize: number): ReplayBatch {
    if (this.reuseBatch && this.batch !== undefined && this.batch.batchSize === batchSize) return this.batch;
    const b = this.allocateBatch(batchSize);
    if (this.reuseBatch) this.batch = b;
    return b;
  }

  protected allocateBatch(batchSize: number): ReplayBatch {
    const d = this.obsDim;
    const base: ReplayBatch = {
      batchSize,
      obs: new Float32Array(batchSize * d),
      actions: this.actionDtype === 'int32' ? new Int32Array(batchSize * this.actionDim) : new Float32Array(batchSize * this.actionDim),
      rewards: new Float32Array(batchSize),
      nextObs: new Float32Array(batchSize * d),
      terminated: new Float32Array(batchSize),
      truncated: new Float32Array(batchSize),
      discounts: new Float32Array(batchSize),
      indices: new Int32Array(batchSize),
    };
    return { ...base, ...(this.sampler.allocate?.(batchSize) ?? {}) };
  }

  protected checkSample(batchSize: number, rng: Rng): void {
    assertPositiveInt('ReplayBuffer.sample: batchSize', batchSize);
    if (rng == null || typeof rng.random !== 'function') throw new TypeError('ReplayBuffer.sample: an Rng is required');
    if (this.count === 0) throw new RangeError('ReplayBuffer.sample: the buffer is empty');
  }

  /** Copy rows `batch.indices` into the batch's arrays. */
  protected gather(batch: ReplayBatch): void {
    const d = this.obsDim;
    const ad = this.actionDim;
    const { obs, nextObs, actions, rewards, terminated, truncated, discounts, indices } = batch;
    const so = this.obs;
    const sn = this.nextObs;
    const sa = this.actions;
    for (let b = 0; b < batch.batchSize; b++) {
      const i = indices[b] as number;
      const o = i * d;
      const t = b * d;
      for (let k = 0; k < d; k++) {
        obs[t + k] = so[o + k] as number;
        nextObs[t + k] = sn[o + k] as number;
      }
      for (let k = 0; k < ad; k++) actions[b * ad + k] = sa[i * ad + k] as number;
      rewards[b] = this.rewards[i] as number;
      terminated[b] = this.terminated[i] as number;
      truncated[b] = this.truncated[i] as number;
      discounts[b] = this.discounts[i] as number;
    }
  }

  /**
   * `batchSize` transitions drawn uniformly with replacement. The returned batch (and its
   * arrays) is reused and overwritten by the next `sample` call with the same batch size;
   * use {@link cloneBatch} or `reuseBatch: false` to keep it.
   */
  sample(batchSize: number, rng: Rng, options?: SampleOptions): ReplayBatch {
    this.checkSample(batchSize, rng);
    const batch = this.batchFor(batchSize);
    this.sampler.sampleIndices(this, batchSize, rng, batch, options);
    this.gather(batch);
    this.sampler.transform?.(this, batch, rng);
    return batch;
  }

  /** Pass the TD errors of a batch to the sampler (a no-op for samplers without priorities). */
  updatePriorities(indices: ArrayLike<number>, tdErrors: ArrayLike<number>): void {
    this.sampler.updatePriorities?.(indices, tdErrors);
  }

  /** Whether the sampler uses priorities (so a learner should report TD errors). */
  get prioritized(): boolean {
    return typeof this.sampler.updatePriorities === 'function';
  }

  /** Forget every transition (storage is kept). */
  clear(): void {
    this.pos = 0;
    this.count = 0;
    this.runningSteps.fill(0);
    this.sampler.clear?.();
  }

  /** Copies of the stored data and counters (for a checkpoint). */
  getState(): ReplayBufferState {
    return {
      capacity: this.capacity,
      obsDim: this.obsDim,
      actionDim: this.actionDim,
      actionDtype: this.actionDtype,
      obsDtype: this.obsDtype,
      gamma: this.gamma,
      pos: this.pos,
      size: this.count,
      obs: this.obs.slice(),
      nextObs: this.nextObs.slice(),
      actions: this.actions.slice(),
      rewards: this.rewards.slice(),
      terminated: this.terminated.slice(),
      truncated: this.truncated.slice(),
      discounts: this.discounts.slice(),
      numEnvs: this.numEnvs,
      episodeSteps: this.episodeSteps.slice(),
      episodeLengths: this.episodeLengths.slice(),
      sampler: this.sampler.getState?.(),
    };
  }

  /** Restore from {@link getState}; the layout (capacity, dims, dtypes) must match. */
  setState(state: ReplayBufferState): void {
    if (state == null || typeof state !== 'object') throw new TypeError('ReplayBuffer.setState: state object required');
    for (const key of ['capacity', 'obsDim', 'actionDim', 'actionDtype', 'obsDtype'] as const) {
      if (state[key] !== this[key]) {
        throw new RangeError(`ReplayBuffer.setState: ${key} is ${String(state[key])} in the state, ${String(this[key])} in this buffer`);
      }
    }
    const { pos, size } = state;
    if (!Number.isInteger(size) || size < 0 || size > this.capacity) {
      throw new RangeError(`ReplayBuffer.setState: size ${size} is not in [0, ${this.capacity}]`);
    }
    if (!Number.isInteger(pos) || pos < 0 || pos >= this.capacity) {
      throw new RangeError(`ReplayBuffer.setState: pos ${pos} is not in [0, ${this.capacity})`);
    }
    const fields = ['obs', 'nextObs', 'actions', 'rewards', 'terminated', 'truncated', 'discounts'] as const;
    for (const f of fields) {
      const src = state[f];
      const dst = this[f];
      if (!ArrayBuffer.isView(src) || src.constructor !== dst.constructor || src.length !== dst.length) {
        throw new TypeError(
          `ReplayBuffer.setState: field ${f} must be a ${dst.constructor.name} of length ${dst.length}, got ${
            ArrayBuffer.isView(src) ? `${src.constructor.name} of length ${(src as Float32Array).length}` : String(src)
          }`,
        );
      }
    }
    if (state.numEnvs !== undefined && state.numEnvs !== this.numEnvs) {
      throw new RangeError(`ReplayBuffer.setState: numEnvs is ${state.numEnvs} in the state, ${this.numEnvs} in this buffer`);
    }
    for (const f of ['episodeSteps', 'episodeLengths'] as const) {
      const src = state[f];
      if (src !== undefined && (!(src instanceof Int32Array) || src.length !== this.capacity)) {
        throw new TypeError(`ReplayBuffer.setState: field ${f} must be an Int32Array of length ${this.capacity}`);
      }
    }
    for (const f of fields) (this[f] as Float32Array).set(state[f] as Float32Array);
    this.pos = pos;
    this.count = size;
    if (state.episodeSteps && state.episodeLengths) {
      this.episodeSteps.set(state.episodeSteps);
      this.episodeLengths.set(state.episodeLengths);
      // Each env's running episode continues after its newest stored row.
      for (let e = 0; e < this.numEnvs; e++) {
        const newest = (this.pos - this.numEnvs + e + this.capacity) % this.capacity;
        const done = size > 0 && (this.terminated[newest] || this.truncated[newest]);
        this.runningSteps[e] = size === 0 || done ? 0 : (this.episodeSteps[newest] as number) + 1;
      }
    }
    if (state.sampler) this.sampler.setState?.(state.sampler, this);
  }
}
