import type { EnvRegistration } from '../types';
import { AcrobotEnv } from './acrobot';
import { CartPoleEnv } from './cartpole';
import { MountainCarEnv } from './mountain-car';
import { MountainCarContinuousEnv } from './mountain-car-continuous';
import { PendulumEnv } from './pendulum';

/**
 * Classic-control registrations (ids, time limits, reward thresholds as Gymnasium's). `make` also
 * accepts Gymnasium's kwarg names (`sutton_barto_reward`, `goal_velocity`) and `strict`.
 */
export const classicControlSpecs: EnvRegistration[] = [
  {
    id: 'CartPole-v1',
    entryPoint: (kw) => new CartPoleEnv({ suttonBartoReward: kw.suttonBartoReward as boolean }),
    maxEpisodeSteps: 500,
    rewardThreshold: 475,
    kwargs: { suttonBartoReward: false },
  },
  {
    id: 'MountainCar-v0',
    entryPoint: (kw) => new MountainCarEnv({ goalVelocity: kw.goalVelocity as number }),
    maxEpisodeSteps: 200,
    rewardThreshold: -110,
    kwargs: { goalVelocity: 0 },
  },
  {
    id: 'MountainCarContinuous-v0',
    entryPoint: (kw) => new MountainCarContinuousEnv({ goalVelocity: kw.goalVelocity as number }),
    maxEpisodeSteps: 999,
    rewardThreshold: 90,
    kwargs: { goalVelocity: 0 },
  },
  {
    id: 'Pendulum-v1',
    entryPoint: (kw) => new PendulumEnv({ g: kw.g as number }),
    maxEpisodeSteps: 200,
    kwargs: { g: 10.0 },
  },
  {
    id: 'Acrobot-v1',
    entryPoint: (kw) => new AcrobotEnv({ bookOrNips: kw.bookOrNips as 'book' | 'nips' }),
    maxEpisodeSteps: 500,
    rewardThreshold: -100,
    kwargs: { bookOrNips: 'book' },
  },
];
