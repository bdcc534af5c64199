/**
 * The course's goal sampling (TP13 "Implicit curriculum RL", section 5.3): besides the env's true
 * goal, the agent trains on fake goals taken from states it has reached.
 *
 * - A FIFO list of at most `capacity` (10) fake goals is fed with the achieved goal every
 *   `feedEvery` (10) steps (or episodes); a goal already in the list is not added again.
 * - At each reset, β is multiplied by `betaDecay` (1: no decay; the course used 0.99 to make
 *   learning stable), then a fake goal is drawn with probability β (the true goal with 1 − β).
 * - Fake goal i is chosen with probability ∝ exp(α · H(p_i)), α = 3, where p_i = reached_i /
 *   chosen_i is its estimated success rate (0 before it is chosen) and H(p) = −p ln p − (1 − p)
 *   ln(1 − p) the binary entropy: goals of intermediate difficulty (p near 1/2, weight 2^α) are
 *   preferred over those always or never reached (weight 1).
 *
 * `GoalSampler` keeps the list and the counts; `GoalSamplingWrapper` applies it to a goal env:
 * the observation's desired goal, the reward (`computeReward`) and termination follow the drawn
 * goal, so any learner trains on it unchanged (with or without HER).
 */
import { Dict, type Env, type ResetOptions, type ResetResult, Rng, type StepResult, Wrapper } from '@tfrl/core';
import { type ComputeReward, computeGoalRewards, goalLayout, goalRewardFunction } from './goal-env';

export interface GoalSamplerOptions {
  /** Fake goals kept (FIFO, default 10). */
  capacity?: number;
  /** Weight exponent α of the entropy of a goal's success rate (default 3). */
  alpha?: number;
  /** Probability of a fake goal, β (default 0.9). */
  beta?: number;
  /** β ← β · betaDecay before every draw (default 1: constant β; the course used 0.99). */
  betaDecay?: number;
  /** Feed the list every `feedEvery` units (default 10). */
  feedEvery?: number;
  /** The unit of `feedEvery`: env steps (default) or episodes (the episode's last achieved goal). */
  feedUnit?: 'step' | 'episode';
}

/**
 * What `GoalSamplingWrapper` needs of a goal curriculum: a list fed with reached goals, a draw at
 * every reset (a stored goal or the env's own) and the outcome of every episode on a stored goal.
 * `GoalSampler` (the course's) and `IntermediateGoalSampler` (GoalGAN's criterion) implement it.
 */
export interface GoalCurriculum {
  readonly goalDim: number;
  readonly feedEvery: number;
  readonly feedUnit: 'step' | 'episode';
  /** Offer a reached goal; false when it is not kept (already stored). */
  add(goal: ArrayLike<number>): boolean;
  /** The goal of the next episode: a stored goal (`index` ≥ 0) or the true goal (`index` −1). */
  draw(rng: Rng, trueGoal: ArrayLike<number>): GoalDraw;
  /** The end of an episode on stored goal `index` (−1: the true goal); `goal` finds it if the list moved meanwhile. */
  record(index: number, reached: boolean, goal?: ArrayLike<number>): void;
}

/** Index of a stored goal equal to `goal`, or −1. */
export function indexOfGoal(goals: readonly Float32Array[], goal: ArrayLike<number>): number {
  return goals.findIndex((g) => g.every((v, i) => v === goal[i]));
}

/**
 * Where the goal drawn at `index` is now: `index` itself when `goal` is not given or is still there,
 * else its new place in the FIFO, or −1 when it has been dropped since the draw.
 */
export function locateGoal(goals: readonly Float32Array[], index: number, goal?: ArrayLike<number>): number {
  if (goal === undefined) return index;
  const g = goals[index];
  return g?.every((v, i) => v === goal[i]) ? index : indexOfGoal(goals, goal);
}

export interface GoalDraw {
  goal: Float32Array;
  /** Index of the fake goal in the list, or −1 for the true goal. */
  index: number;
}

/** Binary entropy in nats, H(p) = −p ln p − (1 − p) ln(1 − p), with 0 ln 0 = 0. */
export function binaryEntropy(p: number): number {
  if (!(p >= 0 && p <= 1)) throw new RangeError(`binaryEntropy: p must be in [0, 1], got ${p}`);
  const h = (x: number) => (x > 0 ? -x * Math.log(x) : 0);
  return h(p) + h(1 - p);
}

function checkNumber(who: string, name: string, v: unknown, lo: number, hi: number): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < lo || v > hi)
    throw new RangeError(`${who}: ${name} must be a number in [${lo}, ${hi}], got ${JSON.stringify(v)}`);
  return v;
}

function checkInt(who: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1)
    throw new RangeError(`${who}: ${name} must be a positive integer, got ${JSON.stringify(v)}`);
  return v;
}

/** The fake-goal list, its counts and β (see the top of this file). */
export class GoalSampler implements GoalCurriculum {
  readonly goalDim: number;
  readonly capacity: number;
  readonly alpha: number;
  readonly betaDecay: number;
  readonly feedEvery: number;
  readonly feedUnit: 'step' | 'episode';
  /** Current probability of drawing a fake goal. */
  beta: number;
  /** Fake goals, oldest first. */
  readonly goals: Float32Array[] = [];
  /** Times each fake goal was the goal of an episode that ended. */
  readonly chosen: number[] = [];
  /** Times it was reached. */
  readonly reached: number[] = [];

  constructor(goalDim: number, options: GoalSamplerOptions = {}) {
    const who = 'GoalSampler';
    this.goalDim = checkInt(who, 'goalDim', goalDim);
    this.capacity = checkInt(who, 'capacity', options.capacity ?? 10);
    this.alpha = checkNumber(who, 'alpha', options.alpha ?? 3, 0, 1e6);
    this.beta = checkNumber(who, 'beta', options.beta ?? 0.9, 0, 1);
    this.betaDecay = checkNumber(who, 'betaDecay', options.betaDecay ?? 1, 0, 1);
    this.feedEvery = checkInt(who, 'feedEvery', options.feedEvery ?? 10);
    const unit = options.feedUnit ?? 'step';
    if (unit !== 'step' && unit !== 'episode')
      throw new RangeError(`${who}: feedUnit must be 'step' or 'episode', got ${JSON.stringify(unit)}`);
    this.feedUnit = unit;
  }

  /** Index of a stored goal equal to `goal`, or −1. */
  indexOf(goal: ArrayLike<number>): number {
    return indexOfGoal(this.goals, goal);
  }

  /** Add a reached goal at the end of the FIFO (dropping the oldest and its counts when full); false if already there. */
  add(goal: ArrayLike<number>): boolean {
    if (goal.length !== this.goalDim) throw new RangeError(`GoalSampler.add: a goal has ${this.goalDim} numbers, got ${goal.length}`);
    if (this.indexOf(goal) >= 0) return false;
    if (this.goals.length === this.capacity) {
      this.goals.shift();
      this.chosen.shift();
      this.reached.shift();
    }
    this.goals.push(Float32Array.from(goal));
    this.chosen.push(0);
    this.reached.push(0);
    return true;
  }

  /** Estimated success rate of fake goal i: reached / chosen (0 before it is chosen). */
  successRate(i: number): number {
    const n = this.chosen[i] as number;
    return n > 0 ? (this.reached[i] as number) / n : 0;
  }

  /** Probabilities of the stored fake goals: exp(α · H(p_i)) normalised. */
  probabilities(): Float64Array {
    const w = Float64Array.from(this.goals, (_, i) => Math.exp(this.alpha * binaryEntropy(this.successRate(i))));
    const total = w.reduce((a, x) => a + x, 0);
    for (let i = 0; i < w.length; i++) w[i] = (w[i] as number) / total;
    return w;
  }

  /** Decay β, then draw a fake goal with probability β (if any is stored), else the true goal. */
  draw(rng: Rng, trueGoal: ArrayLike<number>): GoalDraw {
    this.beta *= this.betaDecay;
    if (this.goals.length === 0 || !(rng.random() < this.beta)) return { goal: Float32Array.from(trueGoal), index: -1 };
    const p = this.probabilities();
    let u = rng.random();
    let i = 0;
    for (; i < p.length - 1; i++) {
      u -= p[i] as number;
      if (u < 0) break;
    }
    return { goal: Float32Array.from(this.goals[i] as Float32Array), index: i };
  }

  /**
   * The end of an episode whose goal was fake goal `index` (−1: the true goal, not counted). With
   * `goal`, the count goes to that goal wherever the FIFO has moved it since the draw, and nowhere
   * if it has been dropped.
   */
  record(index: number, reached: boolean, goal?: ArrayLike<number>): void {
    if (index < 0) return;
    index = locateGoal(this.goals, index, goal);
    if (index < 0) return; // dropped from the FIFO during the episode
    if (!(index < this.goals.length)) throw new RangeError(`GoalSampler.record: no fake goal ${index} (${this.goals.length} stored)`);
    this.chosen[index] = (this.chosen[index] as number) + 1;
    if (reached) this.reached[index] = (this.reached[index] as number) + 1;
  }
}

export interface GoalSamplingWrapperOptions extends GoalSamplerOptions {
  /** A sampler shared with other envs, or another curriculum such as `IntermediateGoalSampler` (default: a new `GoalSampler` with these options). */
  sampler?: GoalCurriculum;
  /** Whether `achieved` reaches `goal` (default: equal numbers, for discrete goals). */
  isSuccess?: (achieved: Float32Array, goal: Float32Array) => boolean;
  /** Seed of the draws (default 0; `reset({seed})` reseeds them from the seed). */
  seed?: number;
}

type GoalObs = { observation: Float32Array; achieved_goal: Float32Array; desired_goal: Float32Array } & Record<string, unknown>;

/**
 * A goal env trained on the course's goal sampling: at each reset the desired goal is a fake goal
 * (probability β) or the env's own; the reward is `computeReward(achieved, drawn goal)`, reaching a
 * fake goal ends the episode (`terminated`, `info.is_success`), and the env's own termination and
 * time limit still apply. `info.goal_index` is the drawn fake goal (−1 for the true goal). The
 * sampler is fed with achieved goals (see {@link GoalSampler}). Put episode statistics around it
 * (`new RecordEpisodeStatistics(new GoalSamplingWrapper(make(id)))`), not inside.
 */
export class GoalSamplingWrapper extends Wrapper<GoalObs, any> {
  readonly sampler: GoalCurriculum;
  private readonly computeReward: ComputeReward;
  private readonly isSuccess: (achieved: Float32Array, goal: Float32Array) => boolean;
  private rng: Rng;
  private current: GoalDraw | undefined;
  private steps = 0;
  private episodes = 0;

  constructor(env: Env<any, any>, options: GoalSamplingWrapperOptions = {}) {
    super(env);
    const layout = goalLayout(env.observationSpace, 'GoalSamplingWrapper');
    if (!(env.observationSpace instanceof Dict)) throw new TypeError('GoalSamplingWrapper: needs a Dict observation space');
    this.computeReward = goalRewardFunction(env, 'GoalSamplingWrapper');
    this.sampler = options.sampler ?? new GoalSampler(layout.goalDim, options);
    if (this.sampler.goalDim !== layout.goalDim) {
      throw new RangeError(
        `GoalSamplingWrapper: the sampler holds goals of ${this.sampler.goalDim} numbers, the env's have ${layout.goalDim}`,
      );
    }
    this.isSuccess = options.isSuccess ?? ((a, g) => a.every((v, i) => v === g[i]));
    this.rng = new Rng(options.seed ?? 0);
  }

  /** The goal of the current episode. */
  get goal(): GoalDraw | undefined {
    return this.current;
  }

  override reset(opts?: ResetOptions): ResetResult<GoalObs> {
    if (opts?.seed !== undefined) this.rng = new Rng(opts.seed);
    const r = this.env.reset(opts) as ResetResult<GoalObs>;
    this.current = this.sampler.draw(this.rng, r.obs.desired_goal);
    const obs = { ...r.obs, desired_goal: Float32Array.from(this.current.goal) };
    return {
      obs,
      info: {
        ...r.info,
        goal_index: this.current.index,
        is_success: this.isSuccess(Float32Array.from(obs.achieved_goal), this.current.goal),
      },
    };
  }

  override step(action: any): StepResult<GoalObs> {
    const cur = this.current;
    if (!cur) throw new Error(`${this.id}: step() called before reset()`);
    const r = this.env.step(action) as StepResult<GoalObs>;
    const achieved = Float32Array.from(r.obs.achieved_goal);
    const fake = cur.index >= 0;
    const success = fake ? this.isSuccess(achieved, cur.goal) : Boolean(r.info.is_success ?? this.isSuccess(achieved, cur.goal));
    const reward = fake ? (computeGoalRewards(this.computeReward, achieved, cur.goal, 1, 'GoalSamplingWrapper')[0] as number) : r.reward;
    const terminated = r.terminated || (fake && success);
    const truncated = !terminated && r.truncated;
    this.steps++;
    const s = this.sampler;
    if (s.feedUnit === 'step' && this.steps % s.feedEvery === 0) s.add(achieved);
    if (terminated || truncated) {
      s.record(cur.index, success, cur.goal);
      this.episodes++;
      if (s.feedUnit === 'episode' && this.episodes % s.feedEvery === 0) s.add(achieved);
    }
    // Episode statistics of an inner RecordEpisodeStatistics count the true goal's rewards and miss
    // episodes this wrapper ends: dropped (wrap the statistics around this wrapper instead).
    const { episode: _inner, ...info } = r.info;
    return {
      obs: { ...r.obs, desired_goal: Float32Array.from(cur.goal) },
      reward,
      terminated,
      truncated,
      info: { ...info, is_success: success, goal_index: cur.index, ...(fake ? { true_goal_success: r.info.is_success } : {}) },
    };
  }
}
