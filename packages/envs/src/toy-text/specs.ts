import type { EnvRegistration } from '../types';
import { CliffWalkingEnv } from './cliff-walking';
import { FrozenLakeEnv } from './frozen-lake';
import { TaxiEnv } from './taxi';

const frozenLake = (kw: Record<string, unknown>) =>
  new FrozenLakeEnv({
    desc: kw.desc as string[] | null,
    mapName: kw.mapName as string | null,
    isSlippery: kw.isSlippery as boolean,
    successRate: kw.successRate as number,
    rewardSchedule: kw.rewardSchedule as [number, number, number],
  });
const lakeKwargs = (mapName: string) => ({ desc: null, mapName, isSlippery: true, successRate: 1 / 3, rewardSchedule: [1, 0, 0] });

const taxi = (kw: Record<string, unknown>) =>
  new TaxiEnv({
    isRainy: kw.isRainy as boolean,
    ficklePassenger: kw.ficklePassenger as boolean,
    rainyProbability: kw.rainyProbability as number,
    fickleProbability: kw.fickleProbability as number,
  });

/**
 * Toy-text registrations as Gymnasium 1.4 registers them (`CliffWalking-v1`,
 * `CliffWalkingSlippery-v1`, `FrozenLake-v1`, `FrozenLake8x8-v1`, `Taxi-v4`), plus the earlier ids
 * `CliffWalking-v0` and `Taxi-v3` with their deterministic dynamics (identical to v1 / v4 without
 * the stochastic options, which those versions did not have in this form). `make` accepts each
 * kwarg under Gymnasium's snake_case name as well (`map_name`, `is_slippery`, `is_rainy`, …).
 */
export const toyTextSpecs: EnvRegistration[] = [
  {
    id: 'CliffWalking-v1',
    entryPoint: (kw) => new CliffWalkingEnv({ isSlippery: kw.isSlippery as boolean }),
    kwargs: { isSlippery: false },
  },
  {
    id: 'CliffWalkingSlippery-v1',
    entryPoint: (kw) => new CliffWalkingEnv({ isSlippery: kw.isSlippery as boolean }),
    kwargs: { isSlippery: true },
  },
  { id: 'CliffWalking-v0', entryPoint: () => new CliffWalkingEnv() },
  { id: 'FrozenLake-v1', entryPoint: frozenLake, maxEpisodeSteps: 100, rewardThreshold: 0.7, kwargs: lakeKwargs('4x4') },
  { id: 'FrozenLake8x8-v1', entryPoint: frozenLake, maxEpisodeSteps: 200, rewardThreshold: 0.85, kwargs: lakeKwargs('8x8') },
  {
    id: 'Taxi-v4',
    entryPoint: taxi,
    maxEpisodeSteps: 200,
    rewardThreshold: 8,
    kwargs: { isRainy: false, ficklePassenger: false, rainyProbability: 0.8, fickleProbability: 0.3 },
  },
  { id: 'Taxi-v3', entryPoint: () => new TaxiEnv(), maxEpisodeSteps: 200, rewardThreshold: 8 },
];
