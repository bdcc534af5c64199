export const PACKAGE_NAME = '@tfrl/envs';

export { CartPoleEnv, type CartPoleOptions } from './classic/cartpole';
export { type EnvRegistration, type MakeOptions, type MakeVecOptions, envSpec, listEnvs, make, makeVec, register } from './registry';
export { type Entity, type ParticleAgent, ParticleWorld } from './mpe/core';
export { ParticleEnv, type ParticleAction, type ParticleEnvOptions, type ParticleState } from './mpe/particle-env';
export {
  SimpleAdversaryEnv,
  type SimpleAdversaryOptions,
  SimpleSpreadEnv,
  type SimpleSpreadOptions,
  SimpleTagEnv,
  type SimpleTagOptions,
} from './mpe/scenarios';
export { type ParallelEnvRegistration, listParallelEnvs, makeParallel, registerParallel } from './mpe/registry';
