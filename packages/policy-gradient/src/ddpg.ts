/**
 * Deep Deterministic Policy Gradient (Lillicrap et al. 2016, https://arxiv.org/abs/1509.02971),
 * as Stable-Baselines3 implements it: TD3's machinery with one critic, no target policy
 * smoothing and an actor update after every critic update. Exploration by Gaussian or
 * Ornstein–Uhlenbeck action noise (`actionNoise`).
 */
import type { AlgorithmOptions, CommonOptions, EnvSpecifier, HyperparameterInput } from '@tfrl/core';
import { DeterministicActorCritic, type DeterministicHp, ddpgHyperparameters } from './td3';

export { ddpgHyperparameters };

export type DDPGOptions = CommonOptions & { env: EnvSpecifier } & HyperparameterInput<typeof ddpgHyperparameters>;

export class DDPG extends DeterministicActorCritic<DeterministicHp> {
  static override readonly algorithmName = 'DDPG';
  static override readonly hyperparameterSchema = ddpgHyperparameters;

  constructor(options: DDPGOptions) {
    super(options as AlgorithmOptions, 1, 'ddpg');
  }
}
