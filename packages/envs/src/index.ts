export const PACKAGE_NAME = '@tfrl/envs';

export { CartPoleEnv, type CartPoleOptions } from './classic/cartpole';
export {
  type BuiltinEnvTypes,
  type EnvRegistration,
  type GoalObservation,
  type MakeOptions,
  type MakeVecOptions,
  envSpec,
  listEnvs,
  make,
  makeVec,
  register,
} from './registry';
export { type Entity, type ParticleAgent, ParticleWorld } from './mpe/core';
export { ParticleEnv, type ParticleAction, type ParticleEnvOptions, type ParticleState } from './mpe/particle-env';
export { type SpreadHeuristicOptions, hungarian, spreadHeuristic } from './mpe/heuristic';
export {
  SimpleAdversaryEnv,
  type SimpleAdversaryOptions,
  SimpleSpreadEnv,
  type SimpleSpreadOptions,
  SimpleTagEnv,
  type SimpleTagOptions,
} from './mpe/scenarios';
export { type ParallelEnvRegistration, listParallelEnvs, makeParallel, registerParallel } from './mpe/registry';
export { LunarLanderEnv, type LunarLanderOptions, type LunarLanderResetOptions, lunarLanderHeuristic } from './box2d/lunar-lander';
export { WorkerVecEnv, type WorkerVecEnvOptions } from './vec/worker-vec-env';
export { CliffWalkingEnv, type CliffWalkingOptions } from './toy-text/cliff-walking';
export { FROZEN_LAKE_MAPS, FrozenLakeEnv, type FrozenLakeOptions, frozenLakeHasPath, generateRandomMap } from './toy-text/frozen-lake';
export { TAXI_LOCS, TAXI_MAP, TaxiEnv, type TaxiOptions, taxiDecode, taxiEncode } from './toy-text/taxi';
export { TabularEnv, type Transition, type TransitionTable } from './toy-text/tabular';
export { MountainCarEnv, type MountainCarOptions } from './classic/mountain-car';
export { MountainCarContinuousEnv, type MountainCarContinuousOptions } from './classic/mountain-car-continuous';
export { PendulumEnv, type PendulumOptions } from './classic/pendulum';
export { AcrobotEnv, type AcrobotOptions } from './classic/acrobot';
export {
  AcrobotVecEnv,
  type AcrobotVecEnvOptions,
  type BatchedVecEnvOptions,
  CartPoleVecEnv,
  type CartPoleVecEnvOptions,
  ClassicVecEnv,
  type ClassicVecEnvState,
  MountainCarContinuousVecEnv,
  MountainCarVecEnv,
  type MountainCarVecEnvOptions,
  PendulumVecEnv,
  type PendulumVecEnvOptions,
} from './classic/batched';
export { GRID_MAPS, type GridMapEntry } from './grid/maps';
export {
  GRID_ACTION_NAMES,
  GRID_DEFAULTS,
  GRID_LEGEND,
  GridMap,
  type GridWorldSettings,
  buildGridTable,
  parseGridMap,
} from './grid/grid-map';
export { GoalGridWorldEnv, type GoalGridWorldOptions, type GoalObs, GridWorldEnv, type GridWorldOptions } from './grid/gridworld';
export { BitFlippingEnv, type BitFlippingObs, type BitFlippingOptions } from './goal/bit-flipping';
export {
  POINT_MASS_WALLS,
  PointMassGoalEnv,
  type PointMassGoalObs,
  type PointMassGoalOptions,
  type PointMassRect,
  type PointMassRewardType,
  type PointMassWalls,
} from './goal/point-mass';
export {
  type CheckEnvOptions,
  type EnvCheckName,
  type EnvCheckReport,
  type EnvCheckWarning,
  EnvCheckError,
  checkEnv,
  checkParallelEnv,
  explainSpaceValue,
} from './checker';
