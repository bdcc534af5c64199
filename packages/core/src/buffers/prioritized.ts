import type { Rng } from '../rng';
import {
  type ReplayBatch,
  ReplayBuffer,
  type ReplayBufferOptions,
  type ReplayBufferState,
  type SampleOptions,
  type Sampler,
} from './replay';
import { MinTree, SumTree } from './sum-tree';

/**
 * Proportional prioritized experience replay (Schaul et al. 2016, "Prioritized Experience
 * Replay", arXiv:1511.05952).
 *
 * - Transition `i` is sampled with probability `P(i) = p_i / Σ_j p_j`, where the stored
 *   priority is `p_i = (|δ_i| + ε)^α`.
 * - A new transition gets the largest priority seen so far (1 initially), so it is sampled
 *   at least once soon.
 * - Sampling is stratified: the total mass is split into `B` equal segments and one point is
 *   drawn uniformly in each (so batch indices come out in increasing prefix-sum order).
 * - Importance weights `w_i = (N·P(i))^-β / max_j w_j`, the max coming from the min-tree
 *   (the smallest priority gives the largest weight), so weights are in (0, 1].
 *
 * How a learner uses it (β annealed from β₀ to 1 over training, as in the paper):
 *
 * ```ts
 * const beta = linearSchedule(0.4, 1.0);                       // from ./schedules
 * const batch = buffer.sample(32, rng, beta(progressRemaining(step, totalSteps)));
 * // loss = mean(batch.weights · huber(y − Q(s, a)));  y uses batch.discounts (see ReplayBuffer)
 * buffer.updatePriorities(batch.indices, tdErrors);   // |y − Q(s, a)| per row
 * ```
 */

export interface PrioritizedReplayBufferOptions extends ReplayBufferOptions {
  /** Priority exponent α (default 0.6; 0 = uniform). */
  alpha?: number;
  /** Added to |δ| so no transition gets zero probability (default 1e-6). */
  epsilon?: number;
}

export interface PrioritizedReplayBatch extends ReplayBatch {
  /** Normalized importance-sampling weights, in (0, 1]. */
  weights: Float32Array;
}

export interface PrioritizedReplayBufferState extends ReplayBufferState {
  alpha: number;
  epsilon: number;
  maxPriority: number;
  /** Stored priorities `(|δ| + ε)^α` of rows `[0, capacity)` (0 for unused rows). */
  priorities: Float64Array;
}

/**
 * The sampler of proportional prioritized replay (see above): a sum tree and a min tree over the
 * buffer's rows. A new row gets the largest priority seen so far.
 */
export class PrioritizedSampler implements Sampler {
  readonly alpha: number;
  readonly epsilon: number;
  readonly sumTree: SumTree;
  readonly minTree: MinTree;
  /** Largest stored priority so far (already raised to α). */
  maxPriority = 1;
  private size = 0;

  constructor(capacity: number, options: { alpha?: number; epsilon?: number } = {}) {
    const { alpha = 0.6, epsilon = 1e-6 } = options;
    if (typeof alpha !== 'number' || !(alpha >= 0) || !Number.isFinite(alpha)) {
      throw new RangeError(`PrioritizedReplayBuffer: alpha must be a finite number >= 0, got ${String(alpha)}`);
    }
    if (typeof epsilon !== 'number' || !(epsilon > 0) || !Number.isFinite(epsilon)) {
      throw new RangeError(`PrioritizedReplayBuffer: epsilon must be a finite number > 0, got ${String(epsilon)}`);
    }
    this.alpha = alpha;
    this.epsilon = epsilon;
    this.sumTree = new SumTree(capacity);
    this.minTree = new MinTree(capacity);
  }

  onWrite(row: number): void {
    this.sumTree.update(row, this.maxPriority);
    this.minTree.update(row, this.maxPriority);
    if (row + 1 > this.size) this.size = row + 1;
  }

  allocate(batchSize: number): Partial<ReplayBatch> {
    return { weights: new Float32Array(batchSize) };
  }

  /** Stratified: the total mass in `batchSize` equal segments, one point drawn in each. */
  sampleIndices(buffer: ReplayBuffer, batchSize: number, rng: Rng, batch: ReplayBatch, options?: SampleOptions): void {
    const beta = options?.beta ?? 0.4;
    if (typeof beta !== 'number' || !(beta >= 0 && beta <= 1)) {
      throw new RangeError(`PrioritizedReplayBuffer.sample: beta must be in [0, 1], got ${String(beta)}`);
    }
    const indices = batch.indices;
    const weights = batch.weights as Float32Array;
    const total = this.sumTree.total();
    const segment = total / batchSize;
    const last = buffer.size - 1;
    for (let b = 0; b < batchSize; b++) {
      let i = this.sumTree.findPrefixSum((b + rng.random()) * segment);
      if (i > last) i = last; // only reachable through rounding; rows ≥ size have priority 0
      indices[b] = i;
    }
    // w_i / max_j w_j = (N p_i / total)^-β / (N p_min / total)^-β = (p_i / p_min)^-β
    const pMin = this.minTree.min();
    for (let b = 0; b < batchSize; b++) {
      weights[b] = (this.sumTree.get(indices[b] as number) / pMin) ** -beta;
    }
  }

  /** Set the priorities of rows `indices` from their TD errors: `p = (|δ| + ε)^α`. */
  updatePriorities(indices: ArrayLike<number>, tdErrors: ArrayLike<number>): void {
    if (indices.length !== tdErrors.length) {
      throw new RangeError(`PrioritizedReplayBuffer.updatePriorities: ${indices.length} indices but ${tdErrors.length} TD errors`);
    }
    const n = this.size;
    for (let j = 0; j < indices.length; j++) {
      const i = indices[j] as number;
      const delta = tdErrors[j] as number;
      if (!(i >= 0 && i < n) || !Number.isInteger(i)) {
        throw new RangeError(`PrioritizedReplayBuffer.updatePriorities: index ${i} is not a stored row [0, ${n})`);
      }
      if (!Number.isFinite(delta)) {
        throw new RangeError(`PrioritizedReplayBuffer.updatePriorities: TD error ${delta} for row ${i} is not finite`);
      }
      const p = (Math.abs(delta) + this.epsilon) ** this.alpha;
      this.sumTree.update(i, p);
      this.minTree.update(i, p);
      if (p > this.maxPriority) this.maxPriority = p;
    }
  }

  clear(): void {
    this.sumTree.clear();
    this.minTree.clear();
    this.maxPriority = 1;
    this.size = 0;
  }

  getState(): Record<string, unknown> {
    return { alpha: this.alpha, epsilon: this.epsilon, maxPriority: this.maxPriority, priorities: this.sumTree.leaves() };
  }

  setState(state: Record<string, unknown>, buffer: ReplayBuffer): void {
    const pr = state.priorities;
    const maxPriority = state.maxPriority as number;
    if (!(pr instanceof Float64Array) || pr.length !== buffer.capacity) {
      throw new TypeError(`PrioritizedReplayBuffer.setState: priorities must be a Float64Array of length ${buffer.capacity}`);
    }
    if (!(maxPriority > 0) || !Number.isFinite(maxPriority)) {
      throw new RangeError(`PrioritizedReplayBuffer.setState: maxPriority ${maxPriority} must be finite and > 0`);
    }
    this.sumTree.clear();
    this.minTree.clear();
    this.size = buffer.size;
    for (let i = 0; i < buffer.size; i++) {
      this.sumTree.update(i, pr[i] as number);
      this.minTree.update(i, pr[i] as number);
    }
    this.maxPriority = maxPriority;
  }
}

/** A {@link ReplayBuffer} with a {@link PrioritizedSampler} (and, with `nStep`, n-step returns on top). */
export class PrioritizedReplayBuffer extends ReplayBuffer {
  static override readonly registeredName: string = 'PrioritizedReplayBuffer';
  readonly alpha: number;
  readonly epsilon: number;
  readonly priorities: PrioritizedSampler;

  constructor(options: PrioritizedReplayBufferOptions) {
    const numEnvs = options?.numEnvs ?? 1;
    const cap = options?.capacity;
    const priorities = new PrioritizedSampler(Number.isInteger(cap) && cap > 0 ? cap - (cap % numEnvs) || cap : 1, options ?? {});
    super({ ...options, sampler: priorities });
    this.priorities = priorities;
    this.alpha = priorities.alpha;
    this.epsilon = priorities.epsilon;
  }

  /** Stored priority `(|δ| + ε)^α` of row `i`. */
  priority(i: number): number {
    return this.priorities.sumTree.get(i);
  }

  /** Sum of the stored priorities. */
  totalPriority(): number {
    return this.priorities.sumTree.total();
  }

  /**
   * A stratified prioritized batch with importance weights for exponent `beta` (in [0, 1]).
   * The batch is reused like {@link ReplayBuffer.sample}'s.
   */
  override sample(batchSize: number, rng: Rng, beta: number | SampleOptions = 0.4): PrioritizedReplayBatch {
    return super.sample(batchSize, rng, typeof beta === 'number' ? { beta } : beta) as PrioritizedReplayBatch;
  }

  override getState(): PrioritizedReplayBufferState {
    const s = super.getState();
    return { ...s, ...(s.sampler as { alpha: number; epsilon: number; maxPriority: number; priorities: Float64Array }) };
  }

  override setState(state: PrioritizedReplayBufferState): void {
    const pr = state?.priorities;
    if (!(pr instanceof Float64Array) || pr.length !== this.capacity) {
      throw new TypeError(`PrioritizedReplayBuffer.setState: priorities must be a Float64Array of length ${this.capacity}`);
    }
    if (!(state.maxPriority > 0) || !Number.isFinite(state.maxPriority)) {
      throw new RangeError(`PrioritizedReplayBuffer.setState: maxPriority ${state.maxPriority} must be finite and > 0`);
    }
    super.setState({ ...state, sampler: { priorities: pr, maxPriority: state.maxPriority } });
  }
}
