/**
 * The goal-env contract (Gymnasium-Robotics' `GoalEnv`, SB3's HER): Dict observations
 * `{observation, achieved_goal, desired_goal}` and a vectorised
 * `computeReward(achieved, desired, info)` that takes k goals as k consecutive rows and returns k
 * rewards. HER relabels goals at sample time and needs that function, reached through whatever the
 * learner trains on (an Env, its wrappers, a SyncVecEnv, a VecNormalize).
 */
import { type Box, Dict, Rng, type Space } from '@tfrl/core';

/** The keys of a goal env's Dict observation. */
export const GOAL_KEYS = ['observation', 'achieved_goal', 'desired_goal'] as const;

/** Rewards of k goals: `achieved` and `desired` hold k rows of `goalDim` numbers; returns k rewards. */
export type ComputeReward = (achieved: Float32Array, desired: Float32Array, info: unknown) => ArrayLike<number>;

/** Offsets of the goal keys in one compact observation row (`Dict.offsets`). */
export interface GoalLayout {
  /** Numbers per compact observation row. */
  obsDim: number;
  /** Numbers per goal. */
  goalDim: number;
  achievedOffset: number;
  desiredOffset: number;
}

function describe(x: unknown): string {
  if (x === null || x === undefined) return String(x);
  if (typeof x !== 'object') return `${typeof x} ${String(x)}`;
  const name = (x as object).constructor?.name;
  return name && name !== 'Object' ? `a ${name}` : 'a plain object';
}

/**
 * Where the goal keys sit in a compact row of `space`; an Error naming the space when it is not a
 * goal env's Dict (the three keys, achieved and desired goals of the same size).
 */
export function goalLayout(space: Space<any> | undefined, who: string): GoalLayout {
  if (!(space instanceof Dict)) {
    throw new TypeError(
      `${who}: needs a goal env's Dict observation space {observation, achieved_goal, desired_goal}, got ${space === undefined ? 'no observation space' : String(space)}`,
    );
  }
  const missing = GOAL_KEYS.filter((k) => !space.keys.includes(k));
  if (missing.length > 0) {
    throw new TypeError(
      `${who}: the observation space ${String(space)} has no key ${missing.map((k) => `'${k}'`).join(', ')} (a goal env has ${GOAL_KEYS.join(', ')})`,
    );
  }
  const a = space.offsets.achieved_goal as { offset: number; dim: number };
  const d = space.offsets.desired_goal as { offset: number; dim: number };
  const sa = space.spaces.achieved_goal as Space<any>;
  const sd = space.spaces.desired_goal as Space<any>;
  if (a.dim !== d.dim || !sa.equals(sd)) {
    throw new TypeError(`${who}: achieved_goal ${String(sa)} and desired_goal ${String(sd)} of ${String(space)} must be the same space`);
  }
  return { obsDim: space.compactDim, goalDim: a.dim, achievedOffset: a.offset, desiredOffset: d.offset };
}

/**
 * The `computeReward` of a goal env, reached through what a learner trains on: the object itself,
 * its `unwrapped` env (through wrappers), the first env of a SyncVecEnv (`envs[0]`, as SB3's
 * `env_method(..., indices=[0])`: every copy computes rewards the same way) or the env under a
 * VecNormalize (`venv`). An Error says what was given and where it looked.
 */
/**
 * The first object for which `found` returns a value, searching `env`, its `unwrapped` env (through
 * wrappers), the first env of a SyncVecEnv (`envs[0]`), the env under a VecNormalize (`venv`) and a
 * wrapper's `env`, breadth first; undefined when none matches.
 */
export function findInEnvChain<T>(env: unknown, found: (candidate: Record<string, unknown>) => T | undefined): T | undefined {
  const seen = new Set<unknown>();
  const queue: unknown[] = [env];
  while (queue.length > 0) {
    const c = queue.shift() as Record<string, unknown>;
    if (c === null || typeof c !== 'object' || seen.has(c)) continue;
    seen.add(c);
    const hit = found(c);
    if (hit !== undefined) return hit;
    let inner: unknown;
    try {
      inner = c.unwrapped;
    } catch {
      inner = undefined;
    }
    queue.push(inner, Array.isArray(c.envs) ? c.envs[0] : undefined, c.venv, c.env);
  }
  return undefined;
}

export function goalRewardFunction(env: unknown, who = 'computeReward'): ComputeReward {
  if (env === undefined || env === null) throw new TypeError(`${who}: no env given`);
  const reward = findInEnvChain<ComputeReward>(env, (c) => {
    const fn = c.computeReward;
    return typeof fn === 'function' ? (achieved, desired, info) => fn.call(c, achieved, desired, info) as ArrayLike<number> : undefined;
  });
  if (reward) return reward;
  const e = env as { envId?: unknown; numWorkers?: unknown };
  if (typeof e.envId === 'string' && typeof e.numWorkers === 'number') {
    throw new TypeError(
      `${who}: ${describe(env)} (${e.envId}) steps its envs in worker threads, so their computeReward cannot be called from here; pass an env made in this thread (make('${e.envId}', kwargs)) as the env of the goal rewards`,
    );
  }
  throw new TypeError(
    `${who}: ${describe(env)} has no computeReward(achieved, desired, info) — looked at it, its unwrapped env, the first env of a SyncVecEnv and the env under a VecNormalize; a goal env (BitFlipping-v0, GoalGridWorld-v0) has one`,
  );
}

/** Call `computeReward` on k goals and check it returned k finite rewards. */
export function computeGoalRewards(
  fn: ComputeReward,
  achieved: Float32Array,
  desired: Float32Array,
  k: number,
  who: string,
): ArrayLike<number> {
  const r = fn(achieved, desired, undefined);
  if (r === null || typeof r !== 'object' || typeof (r as ArrayLike<number>).length !== 'number' || r.length !== k) {
    throw new TypeError(
      `${who}: computeReward must return one reward per goal (${k} for ${k} rows), got ${r !== null && typeof r === 'object' && typeof r.length === 'number' ? `${r.length} values` : String(r)}; a goal env's computeReward is vectorised`,
    );
  }
  for (let i = 0; i < k; i++) {
    if (!Number.isFinite(r[i] as number)) throw new RangeError(`${who}: computeReward returned ${String(r[i])} for goal row ${i}`);
  }
  return r;
}

export interface GoalEnvCheck {
  layout: GoalLayout;
  computeReward: ComputeReward;
}

/**
 * The env checker of the goal-env contract: Dict observations with `observation`,
 * `achieved_goal` and `desired_goal` (achieved and desired goals of the same space), and a
 * vectorised `computeReward` reachable through the env or VecEnv, which gives one finite reward
 * per row for a batch of goals and the same reward for a goal as for itself in a batch. Throws an
 * Error naming the first thing that is wrong; returns the layout and the reward function.
 */
export function checkGoalEnv(env: unknown): GoalEnvCheck {
  const who = 'checkGoalEnv';
  if (env === null || typeof env !== 'object') throw new TypeError(`${who}: expected an Env or a VecEnv, got ${describe(env)}`);
  const e = env as { singleObservationSpace?: Space<any>; observationSpace?: Space<any> };
  const space = e.singleObservationSpace ?? e.observationSpace;
  const layout = goalLayout(space, who);
  const computeReward = goalRewardFunction(env, who);
  const dict = space as Dict;
  const goalSpace = dict.spaces.achieved_goal as Box;
  // Two rows: a goal against itself, and against another sampled goal; the batch must agree with single calls.
  const rng = new Rng(0);
  const g1 = new Float32Array(layout.goalDim);
  const g2 = new Float32Array(layout.goalDim);
  goalSpace.writeCompact(goalSpace.sample(rng), g1, 0);
  goalSpace.writeCompact(goalSpace.sample(rng), g2, 0);
  const achieved = new Float32Array(2 * layout.goalDim);
  const desired = new Float32Array(2 * layout.goalDim);
  achieved.set(g1, 0);
  achieved.set(g1, layout.goalDim);
  desired.set(g1, 0);
  desired.set(g2, layout.goalDim);
  const batch = computeGoalRewards(computeReward, achieved, desired, 2, who);
  const single = computeGoalRewards(computeReward, g1, g2, 1, who);
  if (batch[1] !== single[0]) {
    throw new Error(
      `${who}: computeReward is not vectorised: the reward of row 1 of a batch (${batch[1]}) differs from the same goals alone (${single[0]})`,
    );
  }
  return { layout, computeReward };
}
