import type { Rng } from '../rng';
import { computeGae } from './gae';
import { type ActionDtype, assertPositiveInt } from './replay';

/**
 * On-policy rollout storage (A2C, PPO): `nSteps` vector steps of `numEnvs` envs, laid out
 * `[step][env]` (row `t * numEnvs + e`), as SB3's `RolloutBuffer`.
 *
 * `episodeStarts[t, e]` is 1 when `obs[t, e]` is the first observation of an episode (so the
 * previous step ended one). Time-limit truncation: pass `bootstraps` (γ · V(final_obs) where an
 * episode was truncated, 0 elsewhere) to `add`; they are kept apart from the rewards (so a reward
 * hook can replace the rewards and keep them) and added to them when advantages are computed, so
 * GAE then treats every episode end alike.
 *
 * One rollout:
 * ```ts
 * buffer.reset();
 * for (let t = 0; t < nSteps; t++) {
 *   // act, step the env, bootstrapTruncated(rewards, truncated, terminated, finalValues, gamma)
 *   buffer.add(obs, actions, rewards, episodeStarts, values, logProbs, terminated, truncated);
 *   episodeStarts = dones; // terminated || truncated of this step
 * }
 * buffer.computeReturnsAndAdvantage(valuesOfLastObs, dones, gamma, gaeLambda);
 * for (let epoch = 0; epoch < nEpochs; epoch++) for (const mb of buffer.minibatches(64, rng)) { ... }
 * ```
 */

export interface RolloutBufferOptions {
  nSteps: number;
  numEnvs: number;
  obsDim: number;
  /** 1 for a discrete action. */
  actionDim: number;
  actionDtype: ActionDtype;
}

/** A minibatch of flat typed arrays; reused by the next minibatch of the same size. */
export interface RolloutMinibatch {
  batchSize: number;
  /** B × obsDim. */
  obs: Float32Array;
  /** B × actionDim. */
  actions: Int32Array | Float32Array;
  oldValues: Float32Array;
  oldLogProbs: Float32Array;
  advantages: Float32Array;
  returns: Float32Array;
  /** Buffer rows of the minibatch. */
  indices: Int32Array;
}

export class RolloutBuffer {
  readonly nSteps: number;
  readonly numEnvs: number;
  readonly obsDim: number;
  readonly actionDim: number;
  readonly actionDtype: ActionDtype;
  /** nSteps × numEnvs rows. */
  readonly bufferSize: number;

  readonly obs: Float32Array;
  readonly actions: Int32Array | Float32Array;
  readonly rewards: Float32Array;
  readonly episodeStarts: Float32Array;
  readonly values: Float32Array;
  readonly logProbs: Float32Array;
  readonly terminated: Uint8Array;
  readonly truncated: Uint8Array;
  readonly advantages: Float32Array;
  readonly returns: Float32Array;
  /** γ · V(final observation) of truncated steps (0 elsewhere), added to the rewards by GAE. */
  readonly bootstraps: Float64Array;

  private pos = 0;
  private readonly gaeRewards: Float32Array;
  private computed = false;
  private readonly dones: Float32Array; // scratch: episode ended after step t
  private readonly perm: Int32Array;
  private readonly batches = new Map<number, RolloutMinibatch>();

  constructor(options: RolloutBufferOptions) {
    if (options == null || typeof options !== 'object') throw new TypeError('RolloutBuffer: options object required');
    const { nSteps, numEnvs, obsDim, actionDim, actionDtype } = options;
    assertPositiveInt('RolloutBuffer: nSteps', nSteps);
    assertPositiveInt('RolloutBuffer: numEnvs', numEnvs);
    assertPositiveInt('RolloutBuffer: obsDim', obsDim);
    assertPositiveInt('RolloutBuffer: actionDim', actionDim);
    if (actionDtype !== 'int32' && actionDtype !== 'float32') {
      throw new TypeError(`RolloutBuffer: actionDtype must be 'int32' or 'float32', got ${String(actionDtype)}`);
    }
    this.nSteps = nSteps;
    this.numEnvs = numEnvs;
    this.obsDim = obsDim;
    this.actionDim = actionDim;
    this.actionDtype = actionDtype;
    const n = nSteps * numEnvs;
    this.bufferSize = n;
    this.obs = new Float32Array(n * obsDim);
    this.actions = actionDtype === 'int32' ? new Int32Array(n * actionDim) : new Float32Array(n * actionDim);
    this.rewards = new Float32Array(n);
    this.episodeStarts = new Float32Array(n);
    this.values = new Float32Array(n);
    this.logProbs = new Float32Array(n);
    this.terminated = new Uint8Array(n);
    this.truncated = new Uint8Array(n);
    this.advantages = new Float32Array(n);
    this.returns = new Float32Array(n);
    this.bootstraps = new Float64Array(n);
    this.gaeRewards = new Float32Array(n);
    this.dones = new Float32Array(n);
    this.perm = new Int32Array(n);
  }

  /** Number of vector steps stored. */
  get size(): number {
    return this.pos;
  }

  get full(): boolean {
    return this.pos === this.nSteps;
  }

  /** Start a new rollout (storage is kept). */
  reset(): void {
    this.pos = 0;
    this.computed = false;
  }

  /**
   * Store one vector step (flat arrays of `numEnvs` rows). `terminated`/`truncated` of this
   * step are optional bookkeeping (GAE uses `episodeStarts` of the next step).
   */
  add(
    obs: ArrayLike<number>,
    actions: ArrayLike<number>,
    rewards: ArrayLike<number>,
    episodeStarts: ArrayLike<number | boolean>,
    values: ArrayLike<number>,
    logProbs: ArrayLike<number>,
    terminated?: ArrayLike<number | boolean>,
    truncated?: ArrayLike<number | boolean>,
    bootstraps?: ArrayLike<number>,
  ): void {
    if (this.pos >= this.nSteps) {
      throw new RangeError(`RolloutBuffer.add: the buffer is full (${this.nSteps} steps); call reset() first`);
    }
    const N = this.numEnvs;
    const d = this.obsDim;
    const ad = this.actionDim;
    checkLen('obs', obs, N * d);
    checkLen('actions', actions, N * ad);
    checkLen('rewards', rewards, N);
    checkLen('episodeStarts', episodeStarts, N);
    checkLen('values', values, N);
    checkLen('logProbs', logProbs, N);
    if (terminated !== undefined) checkLen('terminated', terminated, N);
    if (truncated !== undefined) checkLen('truncated', truncated, N);
    if (bootstraps !== undefined) checkLen('bootstraps', bootstraps, N);
    const row = this.pos * N;
    for (let k = 0; k < N * d; k++) this.obs[row * d + k] = obs[k] as number;
    for (let k = 0; k < N * ad; k++) this.actions[row * ad + k] = actions[k] as number;
    for (let e = 0; e < N; e++) {
      const i = row + e;
      this.rewards[i] = rewards[e] as number;
      this.episodeStarts[i] = episodeStarts[e] ? 1 : 0;
      this.values[i] = values[e] as number;
      this.logProbs[i] = logProbs[e] as number;
      this.terminated[i] = terminated?.[e] ? 1 : 0;
      this.truncated[i] = truncated?.[e] ? 1 : 0;
      this.bootstraps[i] = bootstraps ? (bootstraps[e] as number) : 0;
    }
    this.pos++;
    this.computed = false;
  }

  /**
   * GAE(λ) advantages and value targets of the stored rollout (SB3's
   * `compute_returns_and_advantage`). `lastValues` = V(obs after the last step), `lastDones`
   * = whether each env's episode ended at the last step.
   */
  computeReturnsAndAdvantage(
    lastValues: ArrayLike<number>,
    lastDones: ArrayLike<number | boolean>,
    gamma: number,
    gaeLambda: number,
  ): void {
    if (!this.full) {
      throw new RangeError(`RolloutBuffer.computeReturnsAndAdvantage: ${this.pos} of ${this.nSteps} steps stored`);
    }
    const N = this.numEnvs;
    // done after step t ⇔ episode start at step t+1
    const last = (this.nSteps - 1) * N;
    for (let i = 0; i < last; i++) this.dones[i] = this.episodeStarts[i + N] as number;
    for (let e = 0; e < N; e++) this.dones[last + e] = lastDones[e] ? 1 : 0;
    // Rewards plus truncation bootstraps, rounded to float32 as a reward with the bootstrap added is.
    const rewards = this.gaeRewards;
    for (let i = 0; i < this.bufferSize; i++) rewards[i] = (this.rewards[i] as number) + (this.bootstraps[i] as number);
    computeGae({
      rewards,
      values: this.values,
      dones: this.dones,
      lastValues,
      lastDones,
      gamma,
      lambda: gaeLambda,
      nSteps: this.nSteps,
      numEnvs: N,
      advantages: this.advantages,
      returns: this.returns,
    });
    this.computed = true;
  }

  private minibatchFor(size: number): RolloutMinibatch {
    let b = this.batches.get(size);
    if (b === undefined) {
      b = {
        batchSize: size,
        obs: new Float32Array(size * this.obsDim),
        actions: this.actionDtype === 'int32' ? new Int32Array(size * this.actionDim) : new Float32Array(size * this.actionDim),
        oldValues: new Float32Array(size),
        oldLogProbs: new Float32Array(size),
        advantages: new Float32Array(size),
        returns: new Float32Array(size),
        indices: new Int32Array(size),
      };
      this.batches.set(size, b);
    }
    return b;
  }

  /**
   * One pass over the rollout in a random order: minibatches of `batchSize` rows (the last
   * one smaller when `batchSize` does not divide `nSteps × numEnvs`). Each yielded minibatch
   * is overwritten by the next one of the same size; copy what must be kept.
   */
  *minibatches(batchSize: number, rng: Rng): Generator<RolloutMinibatch, void, undefined> {
    assertPositiveInt('RolloutBuffer.minibatches: batchSize', batchSize);
    if (!this.computed) {
      throw new Error('RolloutBuffer.minibatches: call computeReturnsAndAdvantage() on a full buffer first');
    }
    const n = this.bufferSize;
    const perm = this.perm;
    for (let i = 0; i < n; i++) perm[i] = i;
    rng.shuffle<number, Int32Array>(perm);
    const d = this.obsDim;
    const ad = this.actionDim;
    for (let start = 0; start < n; start += batchSize) {
      const size = Math.min(batchSize, n - start);
      const b = this.minibatchFor(size);
      for (let j = 0; j < size; j++) {
        const i = perm[start + j] as number;
        b.indices[j] = i;
        for (let k = 0; k < d; k++) b.obs[j * d + k] = this.obs[i * d + k] as number;
        for (let k = 0; k < ad; k++) b.actions[j * ad + k] = this.actions[i * ad + k] as number;
        b.oldValues[j] = this.values[i] as number;
        b.oldLogProbs[j] = this.logProbs[i] as number;
        b.advantages[j] = this.advantages[i] as number;
        b.returns[j] = this.returns[i] as number;
      }
      yield b;
    }
  }
}

function checkLen(what: string, a: ArrayLike<unknown> | undefined, len: number): void {
  if (a == null || a.length !== len) {
    throw new RangeError(`RolloutBuffer.add: ${what} has length ${a == null ? String(a) : a.length}, expected ${len}`);
  }
}
