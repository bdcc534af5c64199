import type { Rng } from '../rng';

/**
 * Uniform experience replay on preallocated typed arrays (a ring: O(1) `add`, the oldest
 * transition is overwritten when full).
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

  protected pos = 0;
  protected count = 0;
  private batch: ReplayBatch | undefined;

  constructor(options: ReplayBufferOptions) {
    if (options == null || typeof options !== 'object') throw new TypeError('ReplayBuffer: options object required');
    const { capacity, obsDim, actionDim, actionDtype, obsDtype = 'float32', gamma = 0.99, reuseBatch = true } = options;
    assertPositiveInt('ReplayBuffer: capacity', capacity);
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
  }

  /** Number of transitions stored. */
  get size(): number {
    return this.count;
  }

  /** Row the next transition is written to. */
  get position(): number {
    return this.pos;
  }

  /** Called after row `index` was (over)written; subclasses keep side data in sync. */
  protected onWrite(_index: number): void {}

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
    return {
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
  sample(batchSize: number, rng: Rng): ReplayBatch {
    this.checkSample(batchSize, rng);
    const batch = this.batchFor(batchSize);
    const idx = batch.indices;
    const n = this.count;
    for (let b = 0; b < batchSize; b++) idx[b] = rng.integers(0, n);
    this.gather(batch);
    return batch;
  }

  /** Forget every transition (storage is kept). */
  clear(): void {
    this.pos = 0;
    this.count = 0;
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
    for (const f of fields) (this[f] as Float32Array).set(state[f] as Float32Array);
    this.pos = pos;
    this.count = size;
  }
}
