import type { EnvRegistration } from '../types';
import { LunarLanderEnv } from './lunar-lander';

const lunarLanderKwargs = { continuous: false, gravity: -10.0, enable_wind: false, wind_power: 15.0, turbulence_power: 1.5 };

const buildLunarLander = (kw: Record<string, unknown>) =>
  new LunarLanderEnv({
    continuous: kw.continuous as boolean,
    gravity: kw.gravity as number,
    enableWind: kw.enable_wind as boolean,
    windPower: kw.wind_power as number,
    turbulencePower: kw.turbulence_power as number,
  });

/**
 * Box2D-family registrations (ids, kwargs, time limits and thresholds as Gymnasium's). The kwargs
 * are registered under Gymnasium's names; `make` accepts the camelCase ones (`enableWind`) too.
 */
export const box2dSpecs: EnvRegistration[] = [
  {
    id: 'LunarLander-v3',
    entryPoint: buildLunarLander,
    maxEpisodeSteps: 1000,
    rewardThreshold: 200,
    kwargs: { ...lunarLanderKwargs },
  },
  {
    id: 'LunarLanderContinuous-v3',
    entryPoint: buildLunarLander,
    maxEpisodeSteps: 1000,
    rewardThreshold: 200,
    kwargs: { ...lunarLanderKwargs, continuous: true },
  },
];
