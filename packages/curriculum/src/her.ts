/**
 * Hindsight Experience Replay (Andrychowicz et al. 2017, "Hindsight Experience Replay",
 * arXiv:1707.01495) as a sampler over @tfrl/core's episode-aware replay storage, with the
 * semantics of Stable-Baselines3's `HerReplayBuffer`:
 *
 * - a batch holds `floor(herRatio · B)` relabelled ("virtual") transitions, `herRatio =
 *   1 − 1/(nSampledGoal + 1)` (k = 4 → 80 %), the rest are stored transitions as they are;
 * - a relabelled transition `(s_t, a_t, s_{t+1})` of an episode gets as desired goal (in both
 *   `obs` and `nextObs`) the achieved goal of the next observation of step j of the same episode of
 *   the same env: `future` j uniform in [t, last] (inclusive, as SB3), `final` j = last, `episode` j
 *   uniform over the episode's stored steps;
 * - its reward is recomputed with the env's vectorised `computeReward(achieved_{t+1}, goal, info)`
 *   at sample time (one call per batch);
 * - `terminated` and `truncated` keep their stored values (as SB3: a time-limit truncation stays
 *   `terminated = 0` and bootstraps, a terminal step stays terminal).
 *
 * Differences from SB3, all from the storage: transitions of the episode an env is still playing
 * are sampled too, their newest stored step standing in for the episode's end (SB3 waits for the
 * end of the episode); the `episode` strategy draws from the steps of the episode still stored when
 * its beginning has been overwritten by the ring; n-step returns (`nStep`) are summed with the
 * recomputed rewards; prioritized replay (`alpha`) chooses the rows. Infos are not stored, so
 * `computeReward` gets `info = undefined` (SB3's default `copy_info_dict=False` passes empty dicts).
 */
import {
  type LoadOptions,
  PrioritizedSampler,
  type ReplayBatch,
  ReplayBuffer,
  type ReplayBufferOptions,
  type Rng,
  type SampleOptions,
  type Sampler,
  UniformSampler,
  VecNormalize,
  readCheckpointManifest,
  registerReplayBuffer,
} from '@tfrl/core';
import { type ComputeReward, type GoalLayout, computeGoalRewards, goalLayout, goalRewardFunction } from './goal-env';

/** How the goal of a relabelled transition is chosen (SB3's `GoalSelectionStrategy`). */
export type GoalSelectionStrategy = 'future' | 'final' | 'episode';
export const GOAL_SELECTION_STRATEGIES: readonly GoalSelectionStrategy[] = ['future', 'final', 'episode'];

/** A sampled batch of a hindsight sampler: which rows were relabelled, and with the goal of which step. */
export interface HerReplayBatch extends ReplayBatch {
  /** 1 for a relabelled (virtual) row, 0 for a stored one. */
  relabelled: Uint8Array;
  /** Step, within its episode, whose next achieved goal became the desired goal; −1 for stored rows. */
  goalSteps: Int32Array;
}

export interface HerSamplerOptions {
  /** The env's vectorised reward function. */
  computeReward: ComputeReward;
  /** Where the goals are in a compact observation row. */
  layout: GoalLayout;
  /** Virtual transitions per real one (default 4: 80 % of a batch is relabelled). */
  nSampledGoal?: number;
  /** `'future'` (default), `'final'` or `'episode'`. */
  goalSelectionStrategy?: GoalSelectionStrategy;
  /** n-step returns (default 1), summed with recomputed rewards for relabelled rows. */
  nStep?: number;
  /** γ of n-step returns (the buffer's gamma). */
  gamma?: number;
}

function checkStrategy(who: string, s: unknown): GoalSelectionStrategy {
  const v = typeof s === 'string' ? s.toLowerCase() : s;
  if (!GOAL_SELECTION_STRATEGIES.includes(v as GoalSelectionStrategy)) {
    throw new RangeError(`${who}: goalSelectionStrategy must be one of ${GOAL_SELECTION_STRATEGIES.join(', ')}, got ${JSON.stringify(s)}`);
  }
  return v as GoalSelectionStrategy;
}

function checkPositiveInt(who: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1)
    throw new RangeError(`${who}: ${name} must be a positive integer, got ${JSON.stringify(v)}`);
  return v;
}

/**
 * The hindsight sampler: rows are chosen by `inner` (uniform or prioritized), then a random
 * `floor(herRatio · B)` of them are relabelled (see the top of this file).
 */
export class HerSampler implements Sampler {
  readonly inner: Sampler;
  readonly nSampledGoal: number;
  readonly goalSelectionStrategy: GoalSelectionStrategy;
  /** Fraction of a batch that is relabelled: 1 − 1/(nSampledGoal + 1). */
  readonly herRatio: number;
  readonly nStep: number;
  readonly gamma: number;
  readonly layout: GoalLayout;
  /** New priorities from TD errors, when `inner` is prioritized (so learners report them). */
  readonly updatePriorities?: (indices: ArrayLike<number>, tdErrors: ArrayLike<number>) => void;
  private readonly computeReward: ComputeReward;
  // Scratch arrays, grown on demand.
  private achieved = new Float32Array(0);
  private desired = new Float32Array(0);
  private goalRows = new Int32Array(0);
  private lengths = new Int32Array(0);

  constructor(inner: Sampler, options: HerSamplerOptions) {
    const who = 'HerSampler';
    this.inner = inner;
    this.nSampledGoal = checkPositiveInt(who, 'nSampledGoal', options.nSampledGoal ?? 4);
    this.goalSelectionStrategy = checkStrategy(who, options.goalSelectionStrategy ?? 'future');
    this.herRatio = 1 - 1 / (this.nSampledGoal + 1);
    this.nStep = checkPositiveInt(who, 'nStep', options.nStep ?? 1);
    const gamma = options.gamma ?? 0.99;
    if (typeof gamma !== 'number' || !(gamma >= 0 && gamma <= 1))
      throw new RangeError(`${who}: gamma must be in [0, 1], got ${String(gamma)}`);
    this.gamma = gamma;
    if (typeof options.computeReward !== 'function') throw new TypeError(`${who}: computeReward must be a function`);
    this.computeReward = options.computeReward;
    this.layout = options.layout;
    const update = inner.updatePriorities;
    if (typeof update === 'function') this.updatePriorities = (indices, tdErrors) => update.call(inner, indices, tdErrors);
  }

  sampleIndices(buffer: ReplayBuffer, batchSize: number, rng: Rng, batch: ReplayBatch, options?: SampleOptions): void {
    this.inner.sampleIndices(buffer, batchSize, rng, batch, options);
  }

  allocate(batchSize: number): Partial<ReplayBatch> {
    const extra: Partial<HerReplayBatch> = { relabelled: new Uint8Array(batchSize), goalSteps: new Int32Array(batchSize) };
    return { ...(this.inner.allocate?.(batchSize) ?? {}), ...extra } as Partial<ReplayBatch>;
  }

  /**
   * Steps `[first, last]` of the episode of `row` (at step `t`) that the storage still holds:
   * `last` is the episode's final step, or the newest stored step of a running episode.
   */
  episodeRange(buffer: ReplayBuffer, row: number): { t: number; first: number; last: number } {
    const t = buffer.episodeSteps[row] as number;
    const L = buffer.episodeLengths[row] as number;
    const last = L > 0 ? L - 1 : t + buffer.stepsAvailable(row) - 1;
    // Steps of the same env stored before `row`: its position counted from the oldest stored one.
    const cap = buffer.capacity;
    const oldest = buffer.size < cap ? 0 : buffer.position;
    const older = Math.floor(((((row - oldest) % cap) + cap) % cap) / buffer.numEnvs);
    return { t, first: t - Math.min(t, older), last };
  }

  /** The row of step `j` of the episode of `row` (at step `t`), same env. */
  private rowOfStep(buffer: ReplayBuffer, row: number, t: number, j: number): number {
    const cap = buffer.capacity;
    return (((row + (j - t) * buffer.numEnvs) % cap) + cap) % cap;
  }

  transform(buffer: ReplayBuffer, batch: ReplayBatch, rng: Rng): void {
    this.inner.transform?.(buffer, batch, rng);
    const hb = batch as HerReplayBatch;
    const B = batch.batchSize;
    const { obsDim: d, goalDim: g, achievedOffset: ao, desiredOffset: dof } = this.layout;
    const relabelled = hb.relabelled;
    const goalSteps = hb.goalSteps;
    // Exactly floor(herRatio · B) rows, a uniform random subset (selection sampling), so the choice
    // does not depend on the order in which the inner sampler returns rows.
    let need = Math.floor(this.herRatio * B);
    for (let b = 0; b < B; b++) {
      const take = need > 0 && rng.random() * (B - b) < need;
      relabelled[b] = take ? 1 : 0;
      if (take) need--;
    }
    const sn = buffer.nextObs;
    const { obs, nextObs, indices } = batch;
    const strategy = this.goalSelectionStrategy;
    // 1. New goals of the virtual rows.
    for (let b = 0; b < B; b++) {
      if (!relabelled[b]) {
        goalSteps[b] = -1;
        continue;
      }
      const row = indices[b] as number;
      const { t, first, last } = this.episodeRange(buffer, row);
      const j = strategy === 'final' ? last : strategy === 'future' ? rng.integers(t, last + 1) : rng.integers(first, last + 1);
      goalSteps[b] = j;
      const goalRow = this.rowOfStep(buffer, row, t, j);
      for (let k = 0; k < g; k++) {
        const v = sn[goalRow * d + ao + k] as number;
        obs[b * d + dof + k] = v;
        nextObs[b * d + dof + k] = v;
      }
    }
    // 2. Rewards (n-step sums) along each row's episode, one computeReward call for the virtual steps.
    const n = this.nStep;
    const step = buffer.numEnvs;
    const cap = buffer.capacity;
    if (this.goalRows.length < B * n) {
      this.goalRows = new Int32Array(B * n);
      this.achieved = new Float32Array(B * n * g);
      this.desired = new Float32Array(B * n * g);
    }
    const rowsOf = this.goalRows; // rows of the steps summed, n per batch row (−1 past the end)
    const achieved = this.achieved;
    const desired = this.desired;
    let k = 0; // virtual steps collected
    if (this.lengths.length < B) this.lengths = new Int32Array(B);
    const lengths = this.lengths;
    for (let b = 0; b < B; b++) {
      let row = indices[b] as number;
      const ahead = n > 1 ? buffer.stepsAvailable(row) : 1;
      let m = 0;
      for (;;) {
        rowsOf[b * n + m] = row;
        if (relabelled[b]) {
          for (let q = 0; q < g; q++) {
            achieved[k * g + q] = sn[row * d + ao + q] as number;
            desired[k * g + q] = obs[b * d + dof + q] as number;
          }
          k++;
        }
        m++;
        if (buffer.terminated[row] || buffer.truncated[row] || m >= n || m >= ahead) break;
        row = (row + step) % cap;
      }
      lengths[b] = m;
    }
    const virtualRewards =
      k > 0 ? computeGoalRewards(this.computeReward, achieved.subarray(0, k * g), desired.subarray(0, k * g), k, 'HerReplayBuffer') : [];
    k = 0;
    const { rewards, terminated, truncated, discounts } = batch;
    for (let b = 0; b < B; b++) {
      const m = lengths[b] as number;
      if (m === 1 && !relabelled[b]) continue; // a stored 1-step transition, as gathered
      let ret = 0;
      let disc = 1;
      for (let i = 0; i < m; i++) {
        const r = relabelled[b] ? (virtualRewards[k++] as number) : (buffer.rewards[rowsOf[b * n + i] as number] as number);
        ret += disc * r;
        disc *= this.gamma;
      }
      rewards[b] = ret;
      if (n === 1) continue; // 1-step: discount and flags as stored
      const lastRow = rowsOf[b * n + m - 1] as number;
      discounts[b] = disc;
      terminated[b] = buffer.terminated[lastRow] as number;
      truncated[b] = buffer.truncated[lastRow] as number;
      // s_{t+m}; a relabelled row keeps its new desired goal.
      const keepGoal = relabelled[b] === 1;
      for (let q = 0; q < d; q++) if (!keepGoal || q < dof || q >= dof + g) nextObs[b * d + q] = sn[lastRow * d + q] as number;
    }
  }

  onWrite(row: number): void {
    this.inner.onWrite?.(row);
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

/** Options of {@link HerReplayBuffer}: SB3's `replay_buffer_kwargs` of HER plus the storage's. */
export interface HerReplayBufferOptions extends ReplayBufferOptions {
  /**
   * The env whose `computeReward` recomputes rewards: the learner's Env or VecEnv (or any env of
   * the same task made in this thread). Required.
   */
  env?: unknown;
  /** Virtual transitions per real one (default 4: 80 % relabelled). */
  nSampledGoal?: number;
  /** `'future'` (default), `'final'` or `'episode'` (case-insensitive, as SB3's strings). */
  goalSelectionStrategy?: GoalSelectionStrategy | string;
  /** Prioritized replay chooses the rows (DQN's `prioritized` switch passes it). */
  alpha?: number;
  epsilon?: number;
}

const KNOWN_OPTIONS = new Set([
  'capacity',
  'obsDim',
  'actionDim',
  'actionDtype',
  'obsDtype',
  'gamma',
  'reuseBatch',
  'numEnvs',
  'sampler',
  'nStep',
  'observationSpace',
  'env',
  'nSampledGoal',
  'goalSelectionStrategy',
  'alpha',
  'epsilon',
]);
const SNAKE: Record<string, string> = { n_sampled_goal: 'nSampledGoal', goal_selection_strategy: 'goalSelectionStrategy', n_step: 'nStep' };

/** The message for a missing env (construction and loading). */
export const HER_NEEDS_ENV =
  'HerReplayBuffer needs the env: its computeReward(achieved, desired, info) recomputes the rewards of relabelled goals. ' +
  'Give it in replayBufferKwargs: {env, nSampledGoal, goalSelectionStrategy}. The env is not restored from a checkpoint, so a model ' +
  'trained with HER is loaded with it: DQN.load(dir, await herLoadOptions(dir, env))';

/**
 * Options of `<Learner>.load(dir, options)` for a model trained with HER: `env`, plus the saved
 * `replayBufferKwargs` with this `env` in place of the saved one (an env does not survive a
 * checkpoint). For a model trained without HER it is `{env}` (plus `extra`).
 */
export async function herLoadOptions<E>(
  dir: string,
  env: E,
  extra: { logger?: LoadOptions<E>['logger']; hyperparameters?: Record<string, unknown> } = {},
): Promise<LoadOptions<E>> {
  const m = await readCheckpointManifest(dir);
  const hp = (m.hyperparameters ?? {}) as Record<string, unknown>;
  const overrides = { ...(extra.hyperparameters ?? {}) };
  if (hp.replayBufferClass === HerReplayBuffer.registeredName && overrides.replayBufferKwargs === undefined) {
    const saved =
      hp.replayBufferKwargs && typeof hp.replayBufferKwargs === 'object' ? (hp.replayBufferKwargs as Record<string, unknown>) : {};
    const { env: _saved, ...rest } = saved;
    overrides.replayBufferKwargs = { ...rest, env };
  }
  return { env, ...(extra.logger ? { logger: extra.logger } : {}), hyperparameters: overrides };
}

/**
 * A replay buffer whose sampler relabels goals in hindsight (SB3's `HerReplayBuffer`). Off-policy
 * learners take it as `replayBufferClass: HerReplayBuffer` (or `'HerReplayBuffer'`) with
 * `replayBufferKwargs: {env, nSampledGoal, goalSelectionStrategy}`:
 *
 * ```ts
 * const env = makeVec('BitFlipping-v0', 2, { seed: 0, kwargs: { nBits: 10 } });
 * const agent = new DQN({ env, replayBufferClass: HerReplayBuffer,
 *   replayBufferKwargs: { env, nSampledGoal: 4, goalSelectionStrategy: 'future' } });
 * ```
 *
 * The storage is core's ring laid out `[position][env]` with each row's episode step and length;
 * DQN's `nStep` and `prioritized` switches still apply (n-step sums of recomputed rewards,
 * prioritized choice of rows).
 */
export class HerReplayBuffer extends ReplayBuffer {
  static override readonly registeredName: string = 'HerReplayBuffer';
  readonly her: HerSampler;
  readonly nSampledGoal: number;
  readonly goalSelectionStrategy: GoalSelectionStrategy;

  constructor(options: HerReplayBufferOptions) {
    if (options == null || typeof options !== 'object') throw new TypeError('HerReplayBuffer: options object required');
    const opts: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(options)) {
      const k = SNAKE[key] ?? key;
      if (!KNOWN_OPTIONS.has(k)) {
        throw new RangeError(
          `HerReplayBuffer: unknown option "${key}" (HER options: env, nSampledGoal, goalSelectionStrategy; storage: ${[...KNOWN_OPTIONS].slice(0, 11).join(', ')})`,
        );
      }
      if (v !== undefined) opts[k] = v;
    }
    const o = opts as unknown as HerReplayBufferOptions;
    if (o.sampler !== undefined) throw new RangeError('HerReplayBuffer: the sampler is HER’s own; give alpha for prioritized replay');
    const layout = goalLayout(o.observationSpace, 'HerReplayBuffer');
    if (layout.obsDim !== o.obsDim) {
      throw new RangeError(
        `HerReplayBuffer: obsDim ${String(o.obsDim)} does not match ${String(o.observationSpace)} (${layout.obsDim} numbers)`,
      );
    }
    if (o.obsDtype === 'uint8') throw new TypeError("HerReplayBuffer: goals are stored as float32; obsDtype 'uint8' is not supported");
    if (o.env === undefined || o.env === null) throw new TypeError(HER_NEEDS_ENV);
    const vn = o.env instanceof VecNormalize ? o.env : undefined;
    if (vn && (vn.obsRms || vn.retRms)) {
      // The storage holds what the learner sees: normalised goals and rewards would be relabelled
      // and mixed with raw computeReward values.
      throw new TypeError(
        'HerReplayBuffer: the env is a VecNormalize that normalises observations or rewards; HER relabels stored goals with computeReward, so use VecNormalize({normObs: false, normReward: false}) or no VecNormalize',
      );
    }
    let computeReward: ComputeReward;
    try {
      computeReward = goalRewardFunction(o.env, 'HerReplayBuffer');
    } catch (e) {
      throw new TypeError(`${(e as Error).message}. ${HER_NEEDS_ENV}`);
    }
    const numEnvs = typeof o.numEnvs === 'number' && o.numEnvs > 0 ? o.numEnvs : 1;
    const cap = o.capacity;
    const inner =
      o.alpha !== undefined
        ? new PrioritizedSampler(Number.isInteger(cap) && cap > 0 ? cap - (cap % numEnvs) || cap : 1, {
            alpha: o.alpha,
            epsilon: o.epsilon,
          })
        : new UniformSampler();
    const her = new HerSampler(inner, {
      computeReward,
      layout,
      nSampledGoal: o.nSampledGoal,
      goalSelectionStrategy: (o.goalSelectionStrategy ?? 'future') as GoalSelectionStrategy,
      nStep: o.nStep,
      gamma: o.gamma,
    });
    const { env: _env, nSampledGoal: _k, goalSelectionStrategy: _s, alpha: _a, epsilon: _e, ...storage } = o;
    // n-step returns are HER's (with recomputed rewards), so the storage samples 1-step rows.
    super({ ...storage, nStep: 1, sampler: her });
    this.her = her;
    this.nSampledGoal = her.nSampledGoal;
    this.goalSelectionStrategy = her.goalSelectionStrategy;
  }

  /** Fraction of a batch that is relabelled: 1 − 1/(nSampledGoal + 1). */
  get herRatio(): number {
    return this.her.herRatio;
  }

  /** A batch with `relabelled` and `goalSteps` (see {@link HerReplayBatch}); reused like `ReplayBuffer.sample`'s. */
  override sample(batchSize: number, rng: Rng, options?: SampleOptions | number): HerReplayBatch {
    return super.sample(batchSize, rng, typeof options === 'number' ? { beta: options } : options) as HerReplayBatch;
  }
}

registerReplayBuffer(HerReplayBuffer);

/** Make `'HerReplayBuffer'` available by name (importing this package already does; idempotent). */
export function registerCurriculumReplayBuffers(): void {
  registerReplayBuffer(HerReplayBuffer);
}
