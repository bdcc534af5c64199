/**
 * The replay buffer of DQfD (Hester et al. 2018, "Deep Q-learning from Demonstrations",
 * https://arxiv.org/abs/1704.03732): the agent's transitions in core's ring storage, plus the
 * demonstrations in a reserved storage of their own that the ring never overwrites, with one
 * proportional prioritized sampler over both.
 *
 * - Rows of a batch are named by a *global* index: agent row `i` is `i` (`0 ≤ i < capacity`),
 *   demonstration row `j` is `capacity + j`. `updatePriorities` takes those indices.
 * - Priorities are `p = (|δ| + ε)^α` with ε = `epsilon` (ε_a, 0.001 in the paper) for agent rows and
 *   `demoBonus` (ε_d, 1.0) for demonstrations, so demonstrations keep being replayed once their TD
 *   error is small; a new row gets the largest priority so far. Sampling is stratified and the
 *   importance weights are PER's `(N·P(i))^−β / max_j w_j` (core's `PrioritizedSampler` does the
 *   same over one storage; this one spans two).
 * - Every sampled row comes with its 1-step transition and, beside it, its n-step transition
 *   (`nStep*` fields): core's `NStepSampler` computes them on the row's own storage, so the window
 *   stops at the end of the row's episode (terminated or truncated — a truncated end still
 *   bootstraps) and, for agent rows, at the newest stored step of the env. Demonstrations are
 *   stored trajectory after trajectory; the last row of each must carry terminated or truncated
 *   (a trajectory cut short is marked truncated), so no window runs into the next trajectory.
 *
 * `size` counts both parts (a learner can train on demonstrations alone); `agentSize` and
 * `demoCount` count each.
 */
import {
  MinTree,
  NStepSampler,
  ReplayBuffer,
  type ReplayBatch,
  type ReplayBufferOptions,
  type ReplayBufferState,
  Rng,
  type SampleOptions,
  type Sampler,
  SumTree,
  UniformSampler,
} from '@tfrl/core';

export interface DemoReplayBufferOptions extends ReplayBufferOptions {
  /** Priority exponent α (default 0.4, DQfD's; 0 = uniform sampling with unit weights). */
  alpha?: number;
  /** ε_a: added to |δ| of agent rows (default 0.001). */
  epsilon?: number;
  /** ε_d: added to |δ| of demonstration rows (default 1.0). */
  demoBonus?: number;
  /** n of the n-step transitions computed beside the 1-step ones (default 10). */
  nStep?: number;
}

/** Demonstration transitions as flat rows (compact observations, 0-based actions). */
export interface DemoTransitions {
  /** rows × obsDim */
  obs: ArrayLike<number>;
  /** rows × actionDim, in buffer format (0-based Discrete indices). */
  actions: ArrayLike<number>;
  rewards: ArrayLike<number>;
  /** rows × obsDim */
  nextObs: ArrayLike<number>;
  terminated: ArrayLike<number | boolean>;
  /** Set on the last row of every trajectory that did not terminate. */
  truncated: ArrayLike<number | boolean>;
}

/** A batch of a {@link DemoReplayBuffer}: the 1-step transitions, their n-step twins and which rows are demonstrations. */
export interface DemoReplayBatch extends ReplayBatch {
  /** Importance-sampling weights in (0, 1]. */
  weights: Float32Array;
  /** 1 for demonstration rows, 0 for agent rows. */
  isDemo: Float32Array;
  /** Σ_{k<m} γ^k r_{t+k}, m ≤ n. */
  nStepRewards: Float32Array;
  /** s_{t+m}: B × obsDim. */
  nStepNextObs: Float32Array;
  nStepTerminated: Float32Array;
  nStepTruncated: Float32Array;
  /** γ^m. */
  nStepDiscounts: Float32Array;
}

export interface DemoReplayBufferState extends ReplayBufferState {
  demoCount: number;
  demoObs?: Float32Array | Uint8Array;
  demoNextObs?: Float32Array | Uint8Array;
  demoActions?: Int32Array | Float32Array;
  demoRewards?: Float32Array;
  demoTerminated?: Uint8Array;
  demoTruncated?: Uint8Array;
}

/**
 * Proportional prioritized sampling over agent rows `[0, agentCapacity)` and demonstration rows
 * `[agentCapacity, agentCapacity + demoCount)` (the global indices above), on core's sum and min
 * trees, with ε_a / ε_d per part.
 */
export class DemoPrioritizedSampler implements Sampler {
  readonly alpha: number;
  readonly epsilon: number;
  readonly demoBonus: number;
  readonly agentCapacity: number;
  sumTree: SumTree;
  minTree: MinTree;
  /** Largest stored priority so far (already raised to α). */
  maxPriority = 1;
  /** Demonstration rows (leaves after the agent ones). */
  demoCount = 0;
  /** Agent rows written so far ([0, agentRows) are stored). */
  private agentRows = 0;

  constructor(agentCapacity: number, options: { alpha?: number; epsilon?: number; demoBonus?: number } = {}) {
    const { alpha = 0.4, epsilon = 1e-3, demoBonus = 1 } = options;
    for (const [name, v, positive] of [
      ['alpha', alpha, false],
      ['epsilon', epsilon, true],
      ['demoBonus', demoBonus, false],
    ] as const) {
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || (positive && v === 0)) {
        throw new RangeError(`DemoReplayBuffer: ${name} must be a finite number ${positive ? '> 0' : '>= 0'}, got ${String(v)}`);
      }
    }
    if (!Number.isInteger(agentCapacity) || agentCapacity < 1) {
      throw new RangeError(`DemoReplayBuffer: capacity must be a positive integer, got ${String(agentCapacity)}`);
    }
    this.alpha = alpha;
    this.epsilon = epsilon;
    this.demoBonus = demoBonus;
    this.agentCapacity = agentCapacity;
    this.sumTree = new SumTree(agentCapacity);
    this.minTree = new MinTree(agentCapacity);
  }

  /** Stored priority of global index `i`. */
  priority(i: number): number {
    return this.sumTree.get(i);
  }

  /** `(|δ| + ε)^α` with ε_d for demonstration rows and ε_a for agent rows. */
  priorityFor(index: number, tdError: number): number {
    return (Math.abs(tdError) + (index >= this.agentCapacity ? this.demoBonus : this.epsilon)) ** this.alpha;
  }

  /** Make room for `n` demonstration leaves (agent priorities are kept; the demonstrations start at the largest priority). */
  setDemoCount(n: number): void {
    const sum = new SumTree(this.agentCapacity + n);
    const min = new MinTree(this.agentCapacity + n);
    for (let i = 0; i < this.agentRows; i++) {
      sum.update(i, this.sumTree.get(i));
      min.update(i, this.minTree.get(i));
    }
    for (let j = 0; j < n; j++) {
      sum.update(this.agentCapacity + j, this.maxPriority);
      min.update(this.agentCapacity + j, this.maxPriority);
    }
    this.sumTree = sum;
    this.minTree = min;
    this.demoCount = n;
  }

  onWrite(row: number): void {
    this.sumTree.update(row, this.maxPriority);
    this.minTree.update(row, this.maxPriority);
    if (row + 1 > this.agentRows) this.agentRows = row + 1;
  }

  allocate(batchSize: number): Partial<ReplayBatch> {
    return { weights: new Float32Array(batchSize) };
  }

  /** Stratified: the total mass in `batchSize` equal segments, one point drawn in each. */
  sampleIndices(_buffer: ReplayBuffer, batchSize: number, rng: Rng, batch: ReplayBatch, options?: SampleOptions): void {
    const beta = options?.beta ?? 0.6;
    if (typeof beta !== 'number' || !(beta >= 0 && beta <= 1)) {
      throw new RangeError(`DemoReplayBuffer.sample: beta must be in [0, 1], got ${String(beta)}`);
    }
    const indices = batch.indices;
    const weights = batch.weights as Float32Array;
    const segment = this.sumTree.total() / batchSize;
    // Zero leaves (unwritten agent rows) are never returned while the total is positive.
    for (let b = 0; b < batchSize; b++) indices[b] = this.sumTree.findPrefixSum((b + rng.random()) * segment);
    const pMin = this.minTree.min();
    for (let b = 0; b < batchSize; b++) weights[b] = (this.sumTree.get(indices[b] as number) / pMin) ** -beta;
  }

  /** Whether global index `i` is a stored row. */
  isStored(i: number): boolean {
    return Number.isInteger(i) && ((i >= 0 && i < this.agentRows) || (i >= this.agentCapacity && i < this.agentCapacity + this.demoCount));
  }

  updatePriorities(indices: ArrayLike<number>, tdErrors: ArrayLike<number>): void {
    if (indices.length !== tdErrors.length) {
      throw new RangeError(`DemoReplayBuffer.updatePriorities: ${indices.length} indices but ${tdErrors.length} TD errors`);
    }
    for (let j = 0; j < indices.length; j++) {
      const i = indices[j] as number;
      const delta = tdErrors[j] as number;
      if (!this.isStored(i)) {
        throw new RangeError(
          `DemoReplayBuffer.updatePriorities: index ${i} is not a stored row (agent rows [0, ${this.agentRows}), demonstrations [${this.agentCapacity}, ${this.agentCapacity + this.demoCount}))`,
        );
      }
      if (!Number.isFinite(delta)) throw new RangeError(`DemoReplayBuffer.updatePriorities: TD error ${delta} for row ${i} is not finite`);
      const p = this.priorityFor(i, delta);
      this.sumTree.update(i, p);
      this.minTree.update(i, p);
      if (p > this.maxPriority) this.maxPriority = p;
    }
  }

  /** Forget the agent rows (the demonstrations keep their priorities). */
  clear(): void {
    for (let i = 0; i < this.agentRows; i++) {
      this.sumTree.update(i, 0);
      this.minTree.update(i, Number.POSITIVE_INFINITY);
    }
    this.agentRows = 0;
  }

  getState(): Record<string, unknown> {
    return {
      alpha: this.alpha,
      epsilon: this.epsilon,
      demoBonus: this.demoBonus,
      maxPriority: this.maxPriority,
      demoCount: this.demoCount,
      priorities: this.sumTree.leaves(),
    };
  }

  setState(state: Record<string, unknown>, buffer: ReplayBuffer): void {
    const pr = state.priorities;
    const maxPriority = state.maxPriority as number;
    const n = this.agentCapacity + this.demoCount;
    if (!(pr instanceof Float64Array) || pr.length !== n) {
      throw new TypeError(`DemoReplayBuffer.setState: priorities must be a Float64Array of length ${n} (capacity + demonstrations)`);
    }
    if (!(maxPriority > 0) || !Number.isFinite(maxPriority)) {
      throw new RangeError(`DemoReplayBuffer.setState: maxPriority ${maxPriority} must be finite and > 0`);
    }
    const agentRows = (buffer as DemoReplayBuffer).agentSize;
    this.sumTree = new SumTree(n);
    this.minTree = new MinTree(n);
    for (let i = 0; i < n; i++) {
      if (i >= agentRows && i < this.agentCapacity) continue;
      this.sumTree.update(i, pr[i] as number);
      this.minTree.update(i, pr[i] as number);
    }
    this.agentRows = agentRows;
    this.maxPriority = maxPriority;
  }
}

/** Rows of one part of a batch, handed to core's n-step computation on that part's storage. */
interface PartBatch {
  batch: ReplayBatch;
  /** Position of each of the part's rows in the full batch. */
  slot: Int32Array;
}

function partBatch(batchSize: number, obsDim: number): PartBatch {
  return {
    batch: {
      batchSize: 0,
      obs: new Float32Array(0),
      actions: new Int32Array(0),
      rewards: new Float32Array(batchSize),
      nextObs: new Float32Array(batchSize * obsDim),
      terminated: new Float32Array(batchSize),
      truncated: new Float32Array(batchSize),
      discounts: new Float32Array(batchSize),
      indices: new Int32Array(batchSize),
    },
    slot: new Int32Array(batchSize),
  };
}

export class DemoReplayBuffer extends ReplayBuffer {
  static override readonly registeredName: string = 'DemoReplayBuffer';
  readonly nStep: number;
  readonly priorities: DemoPrioritizedSampler;
  private demos: ReplayBuffer | undefined;
  private readonly nStepper: NStepSampler;
  private parts: { agent: PartBatch; demo: PartBatch } | undefined;
  /** The rng `rows()` hands to the n-step computation (which draws nothing). */
  private readonly fixedRng = new Rng(0);

  constructor(options: DemoReplayBufferOptions) {
    if (options == null || typeof options !== 'object') throw new TypeError('DemoReplayBuffer: options object required');
    const { alpha, epsilon, demoBonus, nStep = 10, sampler: _ignored, ...rest } = options;
    if (!Number.isInteger(nStep) || nStep < 1)
      throw new RangeError(`DemoReplayBuffer: nStep must be a positive integer, got ${String(nStep)}`);
    const numEnvs = rest.numEnvs ?? 1;
    const cap = rest.capacity;
    const priorities = new DemoPrioritizedSampler(Number.isInteger(cap) && cap > 0 ? cap - (cap % numEnvs) || cap : 1, {
      alpha,
      epsilon,
      demoBonus,
    });
    super({ ...rest, nStep: 1, sampler: priorities });
    this.priorities = priorities;
    this.nStep = nStep;
    this.nStepper = new NStepSampler(new UniformSampler(), nStep, this.gamma);
  }

  /** Agent transitions stored. */
  get agentSize(): number {
    return this.count;
  }

  /** Demonstration transitions stored. */
  get demoCount(): number {
    return this.demos?.size ?? 0;
  }

  /** Agent transitions plus demonstrations. */
  override get size(): number {
    return this.count + this.demoCount;
  }

  /** The demonstration storage (undefined before {@link setDemonstrations}). */
  get demonstrations(): ReplayBuffer | undefined {
    return this.demos;
  }

  /**
   * Store the demonstrations (replacing any earlier ones) in their reserved storage; each starts
   * at the largest priority. The last row must end its trajectory (terminated or truncated).
   */
  setDemonstrations(t: DemoTransitions): void {
    const n = t?.rewards?.length;
    if (!Number.isInteger(n) || n < 1) throw new RangeError('DemoReplayBuffer.setDemonstrations: needs at least one transition');
    const last = n - 1;
    if (!t.terminated[last] && !t.truncated[last]) {
      throw new RangeError(
        'DemoReplayBuffer.setDemonstrations: the last transition must end its trajectory (terminated or truncated), or n-step returns would run past it',
      );
    }
    const store = new ReplayBuffer({
      capacity: n,
      obsDim: this.obsDim,
      actionDim: this.actionDim,
      actionDtype: this.actionDtype,
      obsDtype: this.obsDtype,
      gamma: this.gamma,
      numEnvs: 1,
      observationSpace: this.observationSpace,
    });
    store.addBatch(t.obs, t.actions, t.rewards, t.nextObs, t.terminated, t.truncated);
    this.demos = store;
    this.priorities.setDemoCount(n);
  }

  /** Global index of demonstration row `j`. */
  demoIndex(j: number): number {
    return this.capacity + j;
  }

  /** Stored priority of global index `i`. */
  priority(i: number): number {
    return this.priorities.priority(i);
  }

  protected override allocateBatch(batchSize: number): ReplayBatch {
    const d = this.obsDim;
    const batch: DemoReplayBatch = {
      ...(super.allocateBatch(batchSize) as ReplayBatch & { weights: Float32Array }),
      isDemo: new Float32Array(batchSize),
      nStepRewards: new Float32Array(batchSize),
      nStepNextObs: new Float32Array(batchSize * d),
      nStepTerminated: new Float32Array(batchSize),
      nStepTruncated: new Float32Array(batchSize),
      nStepDiscounts: new Float32Array(batchSize),
    };
    return batch;
  }

  protected override checkSample(batchSize: number, rng: Rng): void {
    if (!Number.isInteger(batchSize) || batchSize < 1) {
      throw new RangeError(`DemoReplayBuffer.sample: batchSize must be a positive integer, got ${String(batchSize)}`);
    }
    if (rng == null || typeof rng.random !== 'function') throw new TypeError('DemoReplayBuffer.sample: an Rng is required');
    if (this.size === 0) throw new RangeError('DemoReplayBuffer.sample: the buffer is empty (no demonstrations and no agent transitions)');
  }

  /**
   * A prioritized batch (importance weights for exponent `beta`, default 0.6) of 1-step
   * transitions with their n-step twins; reused like {@link ReplayBuffer.sample}'s.
   */
  override sample(batchSize: number, rng: Rng, options?: SampleOptions | number): DemoReplayBatch {
    this.checkSample(batchSize, rng);
    const batch = this.batchFor(batchSize) as DemoReplayBatch;
    this.sampler.sampleIndices(this, batchSize, rng, batch, typeof options === 'number' ? { beta: options } : options);
    this.fill(batch, rng);
    return batch;
  }

  /** The batch of the given global indices (weights 1), e.g. to inspect targets; not reused. */
  rows(indices: ArrayLike<number>): DemoReplayBatch {
    const B = indices.length;
    if (B < 1) throw new RangeError('DemoReplayBuffer.rows: needs at least one index');
    for (let b = 0; b < B; b++) {
      if (!this.priorities.isStored(indices[b] as number)) {
        throw new RangeError(`DemoReplayBuffer.rows: index ${indices[b]} is not a stored row`);
      }
    }
    const batch = this.allocateBatch(B) as DemoReplayBatch;
    batch.indices.set(Array.from(indices));
    batch.weights.fill(1);
    this.fill(batch, this.fixedRng);
    return batch;
  }

  /** Copy each row's 1-step transition from its storage, then compute the n-step ones part by part. */
  private fill(batch: DemoReplayBatch, rng: Rng): void {
    const B = batch.batchSize;
    const d = this.obsDim;
    const ad = this.actionDim;
    if (!this.parts || this.parts.agent.slot.length < B) this.parts = { agent: partBatch(B, d), demo: partBatch(B, d) };
    const { agent, demo } = this.parts;
    let na = 0;
    let nd = 0;
    for (let b = 0; b < B; b++) {
      const g = batch.indices[b] as number;
      const isDemo = g >= this.capacity;
      const src = isDemo ? (this.demos as ReplayBuffer) : this;
      const i = isDemo ? g - this.capacity : g;
      const part = isDemo ? demo : agent;
      const k = isDemo ? nd++ : na++;
      part.batch.indices[k] = i;
      part.slot[k] = b;
      batch.isDemo[b] = isDemo ? 1 : 0;
      const so = src.obs;
      const sn = src.nextObs;
      for (let j = 0; j < d; j++) {
        batch.obs[b * d + j] = so[i * d + j] as number;
        batch.nextObs[b * d + j] = sn[i * d + j] as number;
      }
      for (let j = 0; j < ad; j++) batch.actions[b * ad + j] = src.actions[i * ad + j] as number;
      batch.rewards[b] = src.rewards[i] as number;
      batch.terminated[b] = src.terminated[i] as number;
      batch.truncated[b] = src.truncated[i] as number;
      batch.discounts[b] = src.discounts[i] as number;
    }
    this.nStepPart(this, agent, na, batch, rng);
    if (nd > 0) this.nStepPart(this.demos as ReplayBuffer, demo, nd, batch, rng);
  }

  private nStepPart(src: ReplayBuffer, part: PartBatch, count: number, batch: DemoReplayBatch, rng: Rng): void {
    if (count === 0) return;
    const d = this.obsDim;
    const p = part.batch;
    p.batchSize = count;
    if (this.nStep === 1) {
      // NStepSampler leaves 1-step batches as they are: the n-step twin is the 1-step transition.
      for (let k = 0; k < count; k++) {
        const b = part.slot[k] as number;
        p.rewards[k] = batch.rewards[b] as number;
        p.discounts[k] = batch.discounts[b] as number;
        p.terminated[k] = batch.terminated[b] as number;
        p.truncated[k] = batch.truncated[b] as number;
        p.nextObs.set(batch.nextObs.subarray(b * d, (b + 1) * d), k * d);
      }
    } else {
      this.nStepper.transform(src, p, rng);
    }
    for (let k = 0; k < count; k++) {
      const b = part.slot[k] as number;
      batch.nStepRewards[b] = p.rewards[k] as number;
      batch.nStepDiscounts[b] = p.discounts[k] as number;
      batch.nStepTerminated[b] = p.terminated[k] as number;
      batch.nStepTruncated[b] = p.truncated[k] as number;
      batch.nStepNextObs.set(p.nextObs.subarray(k * d, (k + 1) * d), b * d);
    }
  }

  override getState(): DemoReplayBufferState {
    const s = super.getState();
    const dm = this.demos;
    if (!dm) return { ...s, demoCount: 0 };
    return {
      ...s,
      demoCount: dm.size,
      demoObs: dm.obs.slice(),
      demoNextObs: dm.nextObs.slice(),
      demoActions: dm.actions.slice(),
      demoRewards: dm.rewards.slice(),
      demoTerminated: dm.terminated.slice(),
      demoTruncated: dm.truncated.slice(),
    };
  }

  /** Restore from {@link getState}: the demonstrations first (their storage and leaves), then the agent part and every priority. */
  override setState(state: DemoReplayBufferState): void {
    if (state == null || typeof state !== 'object') throw new TypeError('DemoReplayBuffer.setState: state object required');
    const n = state.demoCount;
    if (!Number.isInteger(n) || n < 0)
      throw new RangeError(`DemoReplayBuffer.setState: demoCount ${String(n)} is not a non-negative integer`);
    if (n > 0) {
      const { demoObs, demoNextObs, demoActions, demoRewards, demoTerminated, demoTruncated } = state;
      if (!demoObs || !demoNextObs || !demoActions || !demoRewards || !demoTerminated || !demoTruncated) {
        throw new TypeError('DemoReplayBuffer.setState: demoCount > 0 but the demo* arrays are missing');
      }
      this.setDemonstrations({
        obs: demoObs,
        nextObs: demoNextObs,
        actions: demoActions,
        rewards: demoRewards,
        terminated: demoTerminated,
        truncated: demoTruncated,
      });
    } else {
      this.demos = undefined;
      this.priorities.setDemoCount(0);
    }
    super.setState(state);
  }
}
