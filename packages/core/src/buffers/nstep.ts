import { type ActionDtype, type TransitionSink, assertPositiveInt } from './replay';

/**
 * Turns 1-step transitions of a vectorised env into n-step transitions before they reach a
 * replay buffer (Sutton & Barto §7.1; the n-step DQN of Rainbow, Hessel et al. 2018).
 *
 * For each env it keeps a FIFO of at most `n` pending transitions. It emits
 *
 * ```
 * (s_t, a_t, R = Σ_{k<m} γ^k r_{t+k}, s_{t+m}, terminated, truncated, discount = γ^m)
 * ```
 *
 * - with `m = n` as soon as `n` transitions are pending (`terminated = truncated = 0`);
 * - when an episode ends (terminated or truncated) at step `t+m-1`, every pending transition
 *   of that env is emitted at once with its own `m ≤ n`, the final observation as `s_{t+m}`
 *   and the episode's `terminated`/`truncated` flags.
 *
 * With the buffer's convention the learner's target is
 * `R + discount · (1 − terminated) · max_a Q(s_{t+m}, a)`; a truncated episode still bootstraps.
 * Transitions are written with `sink.add(...)` in the order they become complete.
 */

export interface NStepAccumulatorOptions {
  numEnvs: number;
  obsDim: number;
  /** 1 for a discrete action. */
  actionDim: number;
  /** Number of rewards summed (≥ 1; 1 is a pass-through that stores discount γ). */
  n: number;
  gamma: number;
  /** Storage of pending actions (default `'float32'`, exact for integer actions < 2^24). */
  actionDtype?: ActionDtype;
}

function check(what: string, a: ArrayLike<unknown>, len: number): void {
  if (a == null || a.length !== len) {
    throw new RangeError(`NStepAccumulator.add: ${what} has length ${a?.length}, expected ${len}`);
  }
}

export class NStepAccumulator {
  readonly numEnvs: number;
  readonly obsDim: number;
  readonly actionDim: number;
  readonly n: number;
  readonly gamma: number;

  // Per env a ring of n slots: [env][slot][...].
  private readonly obs: Float32Array;
  private readonly actions: Float32Array | Int32Array;
  private readonly rewards: Float64Array;
  private readonly head: Int32Array; // slot of the oldest pending transition
  private readonly pendingCount: Int32Array;
  // Views made once so emitting allocates nothing.
  private readonly obsViews: Float32Array[];
  private readonly actionViews: Array<Float32Array | Int32Array>;
  private readonly nextObsRow: Float32Array;
  private readonly gammaPow: Float64Array;

  constructor(options: NStepAccumulatorOptions) {
    if (options == null || typeof options !== 'object') throw new TypeError('NStepAccumulator: options object required');
    const { numEnvs, obsDim, actionDim, n, gamma, actionDtype = 'float32' } = options;
    assertPositiveInt('NStepAccumulator: numEnvs', numEnvs);
    assertPositiveInt('NStepAccumulator: obsDim', obsDim);
    assertPositiveInt('NStepAccumulator: actionDim', actionDim);
    assertPositiveInt('NStepAccumulator: n', n);
    if (typeof gamma !== 'number' || !(gamma >= 0 && gamma <= 1)) {
      throw new RangeError(`NStepAccumulator: gamma must be in [0, 1], got ${String(gamma)}`);
    }
    if (actionDtype !== 'int32' && actionDtype !== 'float32') {
      throw new TypeError(`NStepAccumulator: actionDtype must be 'int32' or 'float32', got ${String(actionDtype)}`);
    }
    this.numEnvs = numEnvs;
    this.obsDim = obsDim;
    this.actionDim = actionDim;
    this.n = n;
    this.gamma = gamma;
    const slots = numEnvs * n;
    this.obs = new Float32Array(slots * obsDim);
    this.actions = actionDtype === 'int32' ? new Int32Array(slots * actionDim) : new Float32Array(slots * actionDim);
    this.rewards = new Float64Array(slots);
    this.head = new Int32Array(numEnvs);
    this.pendingCount = new Int32Array(numEnvs);
    this.obsViews = [];
    this.actionViews = [];
    for (let s = 0; s < slots; s++) {
      this.obsViews.push(this.obs.subarray(s * obsDim, (s + 1) * obsDim));
      this.actionViews.push(this.actions.subarray(s * actionDim, (s + 1) * actionDim));
    }
    this.nextObsRow = new Float32Array(obsDim);
    this.gammaPow = new Float64Array(n + 1);
    for (let k = 0; k <= n; k++) this.gammaPow[k] = gamma ** k;
  }

  /** Number of transitions of env `e` waiting for more rewards. */
  pending(e: number): number {
    return this.pendingCount[e] as number;
  }

  /**
   * Push one vectorised step (flat arrays of `numEnvs` rows; `nextObs` holds the real final
   * observation for envs whose episode ended) and write every completed n-step transition
   * into `sink`.
   */
  add(
    obs: ArrayLike<number>,
    actions: ArrayLike<number>,
    rewards: ArrayLike<number>,
    nextObs: ArrayLike<number>,
    terminated: ArrayLike<boolean | number>,
    truncated: ArrayLike<boolean | number>,
    sink: TransitionSink,
  ): void {
    const N = this.numEnvs;
    const d = this.obsDim;
    const ad = this.actionDim;
    const n = this.n;
    check('obs', obs, N * d);
    check('nextObs', nextObs, N * d);
    check('actions', actions, N * ad);
    check('rewards', rewards, N);
    check('terminated', terminated, N);
    check('truncated', truncated, N);

    for (let e = 0; e < N; e++) {
      // Append at the tail of env e's ring.
      const count = this.pendingCount[e] as number;
      const slot = e * n + (((this.head[e] as number) + count) % n);
      for (let k = 0; k < d; k++) this.obs[slot * d + k] = obs[e * d + k] as number;
      for (let k = 0; k < ad; k++) this.actions[slot * ad + k] = actions[e * ad + k] as number;
      this.rewards[slot] = rewards[e] as number;
      this.pendingCount[e] = count + 1;
      for (let k = 0; k < d; k++) this.nextObsRow[k] = nextObs[e * d + k] as number;

      const term = terminated[e] ? 1 : 0;
      const trunc = truncated[e] ? 1 : 0;
      if (term || trunc) {
        while ((this.pendingCount[e] as number) > 0) this.emitOldest(e, term, trunc, sink);
        this.head[e] = 0;
      } else if (count + 1 === n) {
        this.emitOldest(e, 0, 0, sink);
      }
    }
  }

  /** Emit env e's oldest pending transition, whose horizon ends at `nextObsRow`. */
  private emitOldest(e: number, term: number, trunc: number, sink: TransitionSink): void {
    const n = this.n;
    const m = this.pendingCount[e] as number;
    const h = this.head[e] as number;
    let ret = 0;
    for (let k = 0; k < m; k++) ret += (this.gammaPow[k] as number) * (this.rewards[e * n + ((h + k) % n)] as number);
    const slot = e * n + h;
    sink.add(
      this.obsViews[slot] as Float32Array,
      this.actionViews[slot] as Float32Array,
      ret,
      this.nextObsRow,
      term,
      trunc,
      this.gammaPow[m] as number,
    );
    this.head[e] = (h + 1) % n;
    this.pendingCount[e] = m - 1;
  }

  /** Drop the pending transitions of every env (or of env `e`), e.g. after a manual reset. */
  reset(e?: number): void {
    if (e === undefined) {
      this.head.fill(0);
      this.pendingCount.fill(0);
    } else {
      if (!(e >= 0 && e < this.numEnvs)) throw new RangeError(`NStepAccumulator.reset: env ${e} is not in [0, ${this.numEnvs})`);
      this.head[e] = 0;
      this.pendingCount[e] = 0;
    }
  }
}
