export const PACKAGE_NAME = '@tfrl/envs';

export { CartPoleEnv, type CartPoleOptions } from './classic/cartpole';
export { type EnvRegistration, type MakeOptions, type MakeVecOptions, envSpec, listEnvs, make, makeVec, register } from './registry';
