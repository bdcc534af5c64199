/**
 * Goals of intermediate difficulty (Florensa et al. 2018, "Automatic Goal Generation for
 * Reinforcement Learning Agents", GoalGAN), without the GAN: the candidates are goals the agent
 * has reached, and a goal is worth training on when the current policy reaches it with an
 * estimated probability in [rMin, rMax] (0.1 and 0.9 in the paper): neither always nor never.
 *
 * - Candidates: a FIFO of at most `capacity` (100) achieved goals, fed every `feedEvery` (10)
 *   steps or episodes, as the course's `GoalSampler`.
 * - Each candidate keeps the outcomes of its last `window` (10) episodes; its success rate is the
 *   mean of those, and counts once it has `minAttempts` (3) of them. Goals with fewer are
 *   *unevaluated*; those with a rate in [rMin, rMax] are *intermediate*.
 * - At each reset: the true goal with probability `pTrue` (0.1); otherwise an unevaluated goal
 *   with probability `pExplore` (0.3), which is how rates get estimated, else an intermediate goal
 *   (uniformly). When the kind drawn is empty the other kind is used, and with neither (every
 *   candidate too easy or too hard) the true goal.
 *
 * Use it through `GoalSamplingWrapper` (`{sampler: new IntermediateGoalSampler(goalDim)}`), which
 * rewards, ends and records episodes on the drawn goal.
 */
import type { Rng } from '@tfrl/core';
import { type GoalCurriculum, type GoalDraw, indexOfGoal, locateGoal } from './goal-sampling';

export interface IntermediateGoalSamplerOptions {
  /** Candidate goals kept (FIFO, default 100). */
  capacity?: number;
  /** Lower bound of an intermediate success rate (default 0.1). */
  rMin?: number;
  /** Upper bound (default 0.9). */
  rMax?: number;
  /** Outcomes kept per goal (default 10). */
  window?: number;
  /** Outcomes a goal needs before its rate counts (default 3). */
  minAttempts?: number;
  /** Probability of the env's true goal (default 0.1). */
  pTrue?: number;
  /** Probability of an unevaluated goal when a stored goal is drawn (default 0.3). */
  pExplore?: number;
  /** Feed the candidates every `feedEvery` units (default 10). */
  feedEvery?: number;
  /** Unit of `feedEvery`: env steps (default) or episodes. */
  feedUnit?: 'step' | 'episode';
}

/** How a stored goal stands: too few outcomes, too hard (< rMin), intermediate, or too easy (> rMax). */
export type GoalLabel = 'unevaluated' | 'too-hard' | 'intermediate' | 'too-easy';

function num(name: string, v: unknown, lo: number, hi: number): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < lo || v > hi)
    throw new RangeError(`IntermediateGoalSampler: ${name} must be a number in [${lo}, ${hi}], got ${JSON.stringify(v)}`);
  return v;
}

function int(name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1)
    throw new RangeError(`IntermediateGoalSampler: ${name} must be a positive integer, got ${JSON.stringify(v)}`);
  return v;
}

export class IntermediateGoalSampler implements GoalCurriculum {
  readonly goalDim: number;
  readonly capacity: number;
  readonly rMin: number;
  readonly rMax: number;
  readonly window: number;
  readonly minAttempts: number;
  readonly pTrue: number;
  readonly pExplore: number;
  readonly feedEvery: number;
  readonly feedUnit: 'step' | 'episode';
  /** Candidate goals, oldest first. */
  readonly goals: Float32Array[] = [];
  /** The last `window` outcomes of each goal (1 reached, 0 not), oldest first. */
  readonly outcomes: number[][] = [];

  constructor(goalDim: number, options: IntermediateGoalSamplerOptions = {}) {
    this.goalDim = int('goalDim', goalDim);
    this.capacity = int('capacity', options.capacity ?? 100);
    this.rMin = num('rMin', options.rMin ?? 0.1, 0, 1);
    this.rMax = num('rMax', options.rMax ?? 0.9, 0, 1);
    if (this.rMin > this.rMax) throw new RangeError(`IntermediateGoalSampler: rMin (${this.rMin}) must not exceed rMax (${this.rMax})`);
    this.window = int('window', options.window ?? 10);
    this.minAttempts = int('minAttempts', options.minAttempts ?? 3);
    if (this.minAttempts > this.window) {
      throw new RangeError(`IntermediateGoalSampler: minAttempts (${this.minAttempts}) must not exceed window (${this.window})`);
    }
    this.pTrue = num('pTrue', options.pTrue ?? 0.1, 0, 1);
    this.pExplore = num('pExplore', options.pExplore ?? 0.3, 0, 1);
    this.feedEvery = int('feedEvery', options.feedEvery ?? 10);
    const unit = options.feedUnit ?? 'step';
    if (unit !== 'step' && unit !== 'episode')
      throw new RangeError(`IntermediateGoalSampler: feedUnit must be 'step' or 'episode', got ${JSON.stringify(unit)}`);
    this.feedUnit = unit;
  }

  indexOf(goal: ArrayLike<number>): number {
    return indexOfGoal(this.goals, goal);
  }

  add(goal: ArrayLike<number>): boolean {
    if (goal.length !== this.goalDim) {
      throw new RangeError(`IntermediateGoalSampler.add: a goal has ${this.goalDim} numbers, got ${goal.length}`);
    }
    if (this.indexOf(goal) >= 0) return false;
    if (this.goals.length === this.capacity) {
      this.goals.shift();
      this.outcomes.shift();
    }
    this.goals.push(Float32Array.from(goal));
    this.outcomes.push([]);
    return true;
  }

  /** Success rate of goal i over its kept outcomes (NaN with fewer than `minAttempts`). */
  successRate(i: number): number {
    const o = this.outcomes[i];
    if (!o) throw new RangeError(`IntermediateGoalSampler.successRate: no goal ${i} (${this.goals.length} stored)`);
    if (o.length < this.minAttempts) return Number.NaN;
    return o.reduce((a, b) => a + b, 0) / o.length;
  }

  label(i: number): GoalLabel {
    const p = this.successRate(i);
    if (Number.isNaN(p)) return 'unevaluated';
    if (p < this.rMin) return 'too-hard';
    if (p > this.rMax) return 'too-easy';
    return 'intermediate';
  }

  /** Indices of the goals with each label. */
  labels(): Record<GoalLabel, number[]> {
    const out: Record<GoalLabel, number[]> = { unevaluated: [], 'too-hard': [], intermediate: [], 'too-easy': [] };
    for (let i = 0; i < this.goals.length; i++) out[this.label(i)].push(i);
    return out;
  }

  draw(rng: Rng, trueGoal: ArrayLike<number>): GoalDraw {
    const own = { goal: Float32Array.from(trueGoal), index: -1 };
    if (this.goals.length === 0 || rng.random() < this.pTrue) return own;
    const { unevaluated, intermediate } = this.labels();
    const explore = rng.random() < this.pExplore;
    const pool = explore ? (unevaluated.length > 0 ? unevaluated : intermediate) : intermediate.length > 0 ? intermediate : unevaluated;
    if (pool.length === 0) return own;
    const i = pool[rng.integers(0, pool.length)] as number;
    return { goal: Float32Array.from(this.goals[i] as Float32Array), index: i };
  }

  record(index: number, reached: boolean, goal?: ArrayLike<number>): void {
    if (index < 0) return;
    index = locateGoal(this.goals, index, goal);
    if (index < 0) return; // dropped from the FIFO during the episode
    const o = this.outcomes[index];
    if (!o) throw new RangeError(`IntermediateGoalSampler.record: no goal ${index} (${this.goals.length} stored)`);
    o.push(reached ? 1 : 0);
    if (o.length > this.window) o.shift();
  }
}
