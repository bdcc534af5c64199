import type { EnvRegistration } from '../types';
import { BitFlippingEnv } from './bit-flipping';
import { PointMassGoalEnv, type PointMassRewardType, type PointMassWalls } from './point-mass';

/**
 * Goal-conditioned tasks. BitFlipping truncates itself after `maxSteps` (default nBits), so no
 * TimeLimit; PointMassGoal never ends by itself (by default), so its registration adds a TimeLimit of 50.
 */
export const goalSpecs: EnvRegistration[] = [
  {
    id: 'BitFlipping-v0',
    entryPoint: (kw) =>
      new BitFlippingEnv({
        nBits: kw.nBits as number,
        maxSteps: kw.maxSteps as number | null,
        fixedGoal: kw.fixedGoal as boolean,
        continuous: kw.continuous as boolean,
      }),
    kwargs: { nBits: 10, maxSteps: null, fixedGoal: false, continuous: false },
  },
  {
    id: 'PointMassGoal-v0',
    entryPoint: (kw) =>
      new PointMassGoalEnv({
        walls: kw.walls as PointMassWalls,
        rewardType: kw.rewardType as PointMassRewardType,
        distanceThreshold: kw.distanceThreshold as number,
        fixedGoal: kw.fixedGoal as boolean,
        continueOnSuccess: kw.continueOnSuccess as boolean,
      }),
    maxEpisodeSteps: 50,
    kwargs: { walls: 'none', rewardType: 'sparse', distanceThreshold: 0.1, fixedGoal: false, continueOnSuccess: true },
  },
];
