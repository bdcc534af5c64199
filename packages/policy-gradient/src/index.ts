import { registerAlgorithm } from '@tfrl/core';
import { PPO } from './ppo';

export const PACKAGE_NAME = '@tfrl/policy-gradient';
export { PPO, ppoHyperparameters, type PPOOptions, type PpoTrainStats } from './ppo';

/** Registers this package's algorithms in @tfrl/core's registry (the CLI calls this). */
export function registerPolicyGradientAlgorithms(): void {
  registerAlgorithm({
    name: 'ppo',
    family: '@tfrl/policy-gradient',
    ctor: PPO,
    description: 'Proximal Policy Optimization (clip or adaptive KL), GAE, discrete and Box actions',
  });
}
export {
  type ActionNoise,
  type ActionNoiseSpec,
  NormalActionNoise,
  OrnsteinUhlenbeckNoise,
  OffPolicyActorCritic,
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
  torchDefaultInit,
} from './off-policy';
export { SAC, sacHyperparameters, parseEntCoef, type SACOptions } from './sac';
export { TD3, DeterministicActorCritic, td3Hyperparameters, type TD3Options } from './td3';
export { DDPG, ddpgHyperparameters, type DDPGOptions } from './ddpg';
