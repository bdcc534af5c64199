import { registerAlgorithm } from '@tfrl/core';
import { PPO } from './ppo';
import { DDPG } from './ddpg';
import { SAC } from './sac';
import { TD3 } from './td3';
import { REINFORCE } from './reinforce';
import { A2C } from './a2c';
import { TRPO } from './trpo';
import { ARS } from './ars';

export const PACKAGE_NAME = '@tfrl/policy-gradient';
export { PPO, ppoHyperparameters, ppoPolicyLoss, ppoValueLoss, type PPOOptions, type PpoTrainStats } from './ppo';

/** Registers this package's algorithms in @tfrl/core's registry (the CLI calls this). */
export function registerPolicyGradientAlgorithms(): void {
  registerAlgorithm({
    name: 'ppo',
    family: '@tfrl/policy-gradient',
    ctor: PPO,
    description: 'Proximal Policy Optimization (clip or adaptive KL), GAE, discrete and Box actions',
  });
  registerAlgorithm({
    name: 'ddpg',
    family: '@tfrl/policy-gradient',
    ctor: DDPG,
    description:
      'Deep Deterministic Policy Gradient: deterministic actor, one critic, Gaussian or Ornstein-Uhlenbeck action noise (Box actions)',
  });
  registerAlgorithm({
    name: 'td3',
    family: '@tfrl/policy-gradient',
    ctor: TD3,
    description: 'Twin Delayed DDPG: twin critics, target policy smoothing, delayed actor updates (Box actions)',
  });
  registerAlgorithm({
    name: 'sac',
    family: '@tfrl/policy-gradient',
    ctor: SAC,
    description: 'Soft Actor-Critic: twin critics, tanh-squashed Gaussian actor, automatic entropy tuning (Box actions)',
  });
  registerAlgorithm({
    name: 'reinforce',
    family: '@tfrl/policy-gradient',
    ctor: REINFORCE,
    description: 'REINFORCE: Monte-Carlo policy gradient on whole episodes, optional value baseline and return normalisation',
  });
  registerAlgorithm({
    name: 'a2c',
    family: '@tfrl/policy-gradient',
    ctor: A2C,
    description: 'Advantage Actor-Critic (synchronous): n-step or GAE advantages, RMSprop or Adam, discrete and Box actions',
  });
  registerAlgorithm({
    name: 'trpo',
    family: '@tfrl/policy-gradient',
    ctor: TRPO,
    description: 'Trust Region Policy Optimization: conjugate-gradient natural gradient, KL line search, Adam value function',
  });
  registerAlgorithm({
    name: 'ars',
    family: '@tfrl/policy-gradient',
    ctor: ARS,
    description: 'Augmented Random Search (V1/V2): linear or small MLP policies, top-b directions, typed-array math',
  });
}
export {
  type ActionNoise,
  type ActionNoiseSpec,
  NormalActionNoise,
  OrnsteinUhlenbeckNoise,
  actorCriticHyperparameters,
  ouStep,
  sacCriticTarget,
  sacActorLoss,
  sacTemperatureLoss,
  squashedGaussianLogProb,
  smoothTargetAction,
  td3CriticTarget,
  criticLoss,
  deterministicActorLoss,
  bootstrapCoefficients,
  unscaleActions,
  forwardInputGradOnly,
  forwardNoGrad,
  forwardNoGradWithHidden,
  forwardTrainable,
  torchDefaultInit,
  stopGradient,
} from './off-policy';
export { SAC, sacHyperparameters, parseEntCoef, type SACOptions } from './sac';
export { TD3, DeterministicActorCritic, td3Hyperparameters, type TD3Options } from './td3';
export { DDPG, ddpgHyperparameters, type DDPGOptions } from './ddpg';
export { REINFORCE, reinforceHyperparameters, discountedReturns, type ReinforceOptions, type ReinforceTrainStats } from './reinforce';
export {
  A2C,
  a2cHyperparameters,
  a2cLoss,
  type A2COptions,
  type A2cTrainStats,
} from './a2c';
export {
  TRPO,
  trpoHyperparameters,
  conjugateGradient,
  fisherVectorProduct,
  backtrackingLineSearch,
  type OutputFisher,
  type LineSearchResult,
  type TRPOOptions,
  type TrpoTrainStats,
} from './trpo';
export { ARS, arsHyperparameters, arsUpdate, type ARSOptions, type ArsTrainStats } from './ars';
export { normalizeWithRms, asVecEnv, standardize, getFlatParams, setFlatParams } from './on-policy';
