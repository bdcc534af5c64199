import type { EnvRegistration } from '../types';
import { CartPoleEnv } from './cartpole';

/** Classic-control registrations (ids, time limits, reward thresholds as Gymnasium's). */
export const classicControlSpecs: EnvRegistration[] = [
  {
    id: 'CartPole-v1',
    entryPoint: (kw) => new CartPoleEnv({ suttonBartoReward: kw.suttonBartoReward as boolean }),
    maxEpisodeSteps: 500,
    rewardThreshold: 475,
    kwargs: { suttonBartoReward: false },
  },
];
