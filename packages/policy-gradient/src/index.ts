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
