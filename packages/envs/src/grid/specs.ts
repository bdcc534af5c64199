import type { EnvRegistration } from '../types';
import { GoalGridWorldEnv, type GoalGridWorldOptions, GridWorldEnv, type GridWorldOptions } from './gridworld';

/** Only the kwargs the caller set (null/undefined fall back to the map's defaults). */
function defined<T extends object>(kw: Record<string, unknown>): T {
  return Object.fromEntries(Object.entries(kw).filter(([, v]) => v !== undefined && v !== null)) as T;
}

/**
 * Grid worlds. Time limits come from the map (`maxSteps`, inside the env), so these ids register
 * no TimeLimit; `map` is a shipped map name (`GRID_MAPS`) or ASCII rows. Kwargs left null use the
 * map's defaults (e.g. '4x3': step −0.04, slip 0.2).
 */
export const gridSpecs: EnvRegistration[] = [
  {
    id: 'GridWorld-v0',
    entryPoint: (kw) => new GridWorldEnv(defined<GridWorldOptions>(kw)),
    kwargs: {
      map: '4x3',
      stepReward: null,
      goalReward: null,
      trapReward: null,
      slip: null,
      maxSteps: null,
      cellRewards: null,
      collectOnce: null,
      obsType: 'index',
    },
  },
  {
    id: 'GoalGridWorld-v0',
    entryPoint: (kw) => new GoalGridWorldEnv(defined<GoalGridWorldOptions>(kw)),
    kwargs: { map: 'four-rooms', stepReward: -1, goalReward: 0, slip: null, maxSteps: null, obsType: 'dict', goalSampling: 'free' },
  },
];
