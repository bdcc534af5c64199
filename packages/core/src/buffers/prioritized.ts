import type { Rng } from '../rng';
import { type ReplayBatch, ReplayBuffer, type ReplayBufferOptions, type ReplayBufferState } from './replay';
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

export class PrioritizedReplayBuffer extends ReplayBuffer {
  readonly alpha: number;
  readonly epsilon: number;
  private readonly sumTree: SumTree;
  private readonly minTree: MinTree;
  /** Largest stored priority so far (already raised to α). */
  private maxPriority = 1;
  private perBatch: PrioritizedReplayBatch | undefined;

  constructor(options: PrioritizedReplayBufferOptions) {
    super(options);
    const { alpha = 0.6, epsilon = 1e-6 } = options;
    if (typeof alpha !== 'number' || !(alpha >= 0) || !Number.isFinite(alpha)) {
      throw new RangeError(`PrioritizedReplayBuffer: alpha must be a finite number >= 0, got ${String(alpha)}`);
    }
    if (typeof epsilon !== 'number' || !(epsilon > 0) || !Number.isFinite(epsilon)) {
      throw new RangeError(`PrioritizedReplayBuffer: epsilon must be a finite number > 0, got ${String(epsilon)}`);
    }
    this.alpha = alpha;
    this.epsilon = epsilon;
    this.sumTree = new SumTree(this.capacity);
    this.minTree = new MinTree(this.capacity);
  }

  protected override onWrite(index: number): void {
    this.sumTree.update(index, this.maxPriority);
    this.minTree.update(index, this.maxPriority);
  }

  /** Stored priority `(|δ| + ε)^α` of row `i`. */
  priority(i: number): number {
    return this.sumTree.get(i);
  }

  /** Sum of the stored priorities. */
  totalPriority(): number {
    return this.sumTree.total();
  }

  protected override allocateBatch(batchSize: number): PrioritizedReplayBatch {
    return { ...super.allocateBatch(batchSize), weights: new Float32Array(batchSize) };
  }

  /**
   * A stratified prioritized batch with importance weights for exponent `beta` (in [0, 1]).
   * The batch is reused like {@link ReplayBuffer.sample}'s.
   */
  override sample(batchSize: number, rng: Rng, beta = 0.4): PrioritizedReplayBatch {
    this.checkSample(batchSize, rng);
    if (typeof beta !== 'number' || !(beta >= 0 && beta <= 1)) {
      throw new RangeError(`PrioritizedReplayBuffer.sample: beta must be in [0, 1], got ${String(beta)}`);
    }
    let batch = this.perBatch;
    if (!this.reuseBatch || batch === undefined || batch.batchSize !== batchSize) {
      batch = this.allocateBatch(batchSize);
      if (this.reuseBatch) this.perBatch = batch;
    }
    const { indices, weights } = batch;
    const total = this.sumTree.total();
    const segment = total / batchSize;
    const last = this.count - 1;
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
    this.gather(batch);
    return batch;
  }

  /** Set the priorities of rows `indices` from their TD errors: `p = (|δ| + ε)^α`. */
  updatePriorities(indices: ArrayLike<number>, tdErrors: ArrayLike<number>): void {
    if (indices.length !== tdErrors.length) {
      throw new RangeError(`PrioritizedReplayBuffer.updatePriorities: ${indices.length} indices but ${tdErrors.length} TD errors`);
    }
    const n = this.count;
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

  override clear(): void {
    super.clear();
    this.sumTree.clear();
    this.minTree.clear();
    this.maxPriority = 1;
  }

  override getState(): PrioritizedReplayBufferState {
    return {
      ...super.getState(),
      alpha: this.alpha,
      epsilon: this.epsilon,
      maxPriority: this.maxPriority,
      priorities: this.sumTree.leaves(),
    };
  }

  override setState(state: PrioritizedReplayBufferState): void {
    const pr = state?.priorities;
    if (!(pr instanceof Float64Array) || pr.length !== this.capacity) {
      throw new TypeError(`PrioritizedReplayBuffer.setState: priorities must be a Float64Array of length ${this.capacity}`);
    }
    if (!(state.maxPriority > 0) || !Number.isFinite(state.maxPriority)) {
      throw new RangeError(`PrioritizedReplayBuffer.setState: maxPriority ${state.maxPriority} must be finite and > 0`);
    }
    super.setState(state);
    this.sumTree.clear();
    this.minTree.clear();
    for (let i = 0; i < this.count; i++) {
      this.sumTree.update(i, pr[i] as number);
      this.minTree.update(i, pr[i] as number);
    }
    this.maxPriority = state.maxPriority;
  }
}
