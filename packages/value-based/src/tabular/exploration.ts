/**
 * ε-greedy exploration shared by the tabular learners and linear Q: the hyperparameters of the ε
 * schedule and the function that evaluates it.
 *
 * Three ways to schedule ε (checked in this order):
 * - `epsilonDecay` set: ε = max(epsilonMin, epsilon · epsilonDecay^episodes) — multiplied after
 *   every finished episode (the schedule of the linear-Q CartPole notebook);
 * - `epsilonFinal` set: linear decay from `epsilon` to `epsilonFinal` over the first
 *   `epsilonDecayFraction` of `totalTimesteps`, then constant;
 * - otherwise `epsilon` itself: a constant, an RL-Zoo string (`'lin_0.5'`: 0.5 → 0) or a function
 *   of `progressRemaining`.
 */
import { type HyperparameterSpec, type ScheduleSpec, linearSchedule, scheduleFromSpec } from '@tfrl/core';
import type { Rng } from '@tfrl/core';

export const explorationHyperparameters = {
  epsilon: {
    type: 'schedule',
    default: 0.1,
    min: 0,
    max: 1,
    doc: 'exploration rate ε of the ε-greedy behaviour policy (start value when epsilonFinal or epsilonDecay is set); number or schedule',
  },
  epsilonFinal: {
    type: 'number',
    default: null,
    min: 0,
    max: 1,
    doc: 'when set, ε decays linearly from epsilon to this over the first epsilonDecayFraction of training',
  },
  epsilonDecayFraction: {
    type: 'number',
    default: 1,
    exclusiveMin: 0,
    max: 1,
    doc: 'fraction of totalTimesteps over which the linear decay runs',
  },
  epsilonDecay: {
    type: 'number',
    default: null,
    exclusiveMin: 0,
    max: 1,
    doc: 'when set, ε is multiplied by this after every finished episode (floored at epsilonMin)',
  },
  epsilonMin: { type: 'number', default: 0, min: 0, max: 1, doc: 'floor of the per-episode multiplicative decay' },
} as const satisfies Record<string, HyperparameterSpec>;

export interface ExplorationHp {
  epsilon: ScheduleSpec;
  epsilonFinal: number | null;
  epsilonDecayFraction: number;
  epsilonDecay: number | null;
  epsilonMin: number;
}

/** Throws when the ε options do not fit together (`who` prefixes the message). */
export function checkExploration(hp: ExplorationHp, who: string): void {
  if ((hp.epsilonFinal !== null || hp.epsilonDecay !== null) && typeof hp.epsilon !== 'number') {
    throw new TypeError(
      `${who}: epsilon must be a number when epsilonFinal or epsilonDecay is set (it is the start value), got ${typeof hp.epsilon}`,
    );
  }
  if (hp.epsilonFinal !== null && hp.epsilonDecay !== null) {
    throw new RangeError(`${who}: set at most one of epsilonFinal (linear decay) and epsilonDecay (per-episode decay)`);
  }
}

/** The current ε given training progress (1 → 0) and the number of finished episodes. */
export function explorationRate(hp: ExplorationHp, progressRemaining: number, episodes: number): number {
  if (hp.epsilonDecay !== null) return Math.max(hp.epsilonMin, (hp.epsilon as number) * hp.epsilonDecay ** episodes);
  if (hp.epsilonFinal !== null) return linearSchedule(hp.epsilon as number, hp.epsilonFinal, hp.epsilonDecayFraction)(progressRemaining);
  return scheduleFromSpec(hp.epsilon)(progressRemaining);
}

/** Index of the largest value in row `values[offset .. offset+n)`; ties go to a uniformly drawn one when `rng` is given, else to the lowest index. */
export function argmax(values: ArrayLike<number>, offset: number, n: number, rng?: Rng): number {
  let best = 0;
  let bestV = values[offset] as number;
  let ties = 1;
  for (let a = 1; a < n; a++) {
    const v = values[offset + a] as number;
    if (v > bestV) {
      bestV = v;
      best = a;
      ties = 1;
    } else if (v === bestV && rng) {
      // Reservoir sampling over the tied maxima: one draw per tie.
      ties++;
      if (rng.integers(0, ties) === 0) best = a;
    }
  }
  return best;
}

/** ε-greedy over a row of action values: uniform action with probability ε, else a greedy one (random ties). */
export function epsilonGreedy(values: ArrayLike<number>, offset: number, n: number, epsilon: number, rng: Rng): number {
  if (epsilon > 0 && rng.random() < epsilon) return rng.integers(0, n);
  return argmax(values, offset, n, rng);
}

/**
 * E_π[Q(s, ·)] under the ε-greedy policy of the row (greedy mass 1 − ε shared by tied maxima):
 * ε · mean(Q) + (1 − ε) · max(Q),
 * the bootstrap value of Expected SARSA.
 */
export function epsilonGreedyExpectation(values: ArrayLike<number>, offset: number, n: number, epsilon: number): number {
  let max = Number.NEGATIVE_INFINITY;
  let sum = 0;
  for (let a = 0; a < n; a++) {
    const v = values[offset + a] as number;
    sum += v;
    if (v > max) max = v;
  }
  // Tied maxima share 1 − ε but have the same value, so their total is (1 − ε) · max.
  return (epsilon * sum) / n + (1 - epsilon) * max;
}
