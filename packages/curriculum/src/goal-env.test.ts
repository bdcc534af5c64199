import { Box, Dict, RecordEpisodeStatistics, SyncVecEnv, VecNormalize } from '@tfrl/core';
import { BitFlippingEnv, make, makeVec } from '@tfrl/envs';
import { describe, expect, it } from 'vitest';
import { checkGoalEnv, goalRewardFunction } from './goal-env';

const box = (n: number) => new Box({ low: 0, high: 1, shape: [n] });

describe('checkGoalEnv (the goal-env contract)', () => {
  it('accepts the goal envs, as Env, wrapped Env, SyncVecEnv and VecNormalize', () => {
    const bits = new BitFlippingEnv({ nBits: 4 });
    expect(checkGoalEnv(bits).layout).toEqual({ obsDim: 12, goalDim: 4, achievedOffset: 0, desiredOffset: 4 });
    expect(checkGoalEnv(new RecordEpisodeStatistics(bits)).layout.goalDim).toBe(4);
    expect(checkGoalEnv(make('GoalGridWorld-v0', { map: 'open-5x5' })).layout.goalDim).toBe(2);
    const vec = makeVec('BitFlipping-v0', 2, { kwargs: { nBits: 3 } });
    const { computeReward } = checkGoalEnv(vec);
    expect(Array.from(computeReward(Float32Array.of(1, 0, 1, 0, 0, 0), Float32Array.of(1, 0, 1, 1, 0, 0), undefined))).toEqual([0, -1]);
    expect(checkGoalEnv(new VecNormalize(vec, { normObs: false, normReward: false })).layout.obsDim).toBe(9);
  });

  it('names what is wrong', () => {
    expect(() => checkGoalEnv(make('CartPole-v1'))).toThrow(
      /checkGoalEnv: needs a goal env's Dict observation space \{observation, achieved_goal, desired_goal\}, got Box/,
    );
    expect(() => checkGoalEnv(make('GoalGridWorld-v0', { map: 'open-5x5', obsType: 'flat' }))).toThrow(/got Box/);
    const noGoal = { observationSpace: new Dict({ observation: box(2), achieved_goal: box(2) }), computeReward: () => [0] };
    expect(() => checkGoalEnv(noGoal)).toThrow(/has no key 'desired_goal'/);
    const mismatch = { observationSpace: new Dict({ observation: box(2), achieved_goal: box(2), desired_goal: box(3) }) };
    expect(() => checkGoalEnv(mismatch)).toThrow(/achieved_goal Box.* and desired_goal Box.* must be the same space/);
    const space = new Dict({ observation: box(2), achieved_goal: box(2), desired_goal: box(2) });
    expect(() => checkGoalEnv({ observationSpace: space })).toThrow(/a plain object has no computeReward\(achieved, desired, info\)/);
    const scalar = { observationSpace: space, computeReward: () => 0 };
    expect(() => checkGoalEnv(scalar)).toThrow(
      /computeReward must return one reward per goal \(2 for 2 rows\), got 0; a goal env's computeReward is vectorised/,
    );
    const firstRowOnly = {
      observationSpace: space,
      computeReward: (a: Float32Array, d: Float32Array) =>
        Float32Array.from({ length: a.length / 2 }, () => (a[0] === d[0] && a[1] === d[1] ? 0 : -1)),
    };
    expect(() => checkGoalEnv(firstRowOnly)).toThrow(
      /computeReward is not vectorised: the reward of row 1 of a batch \(0\) differs from the same goals alone \(-1\)/,
    );
    const nan = { observationSpace: space, computeReward: (a: Float32Array) => new Float32Array(a.length / 2).fill(Number.NaN) };
    expect(() => checkGoalEnv(nan)).toThrow(/computeReward returned NaN for goal row 0/);
    expect(() => checkGoalEnv(42)).toThrow(/expected an Env or a VecEnv, got number 42/);
  });

  it('explains that a WorkerVecEnv’s computeReward lives in its workers', () => {
    const workerLike = { envId: 'BitFlipping-v0', numWorkers: 2, singleObservationSpace: new BitFlippingEnv().observationSpace };
    expect(() => goalRewardFunction(workerLike, 'HerReplayBuffer')).toThrow(
      /steps its envs in worker threads.*make\('BitFlipping-v0', kwargs\)/,
    );
    // A SyncVecEnv of a non-goal env
    expect(() => goalRewardFunction(new SyncVecEnv([() => make('CartPole-v1')]))).toThrow(/a SyncVecEnv has no computeReward/);
  });
});
