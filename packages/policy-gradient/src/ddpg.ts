/**
 * Deep Deterministic Policy Gradient (Lillicrap et al. 2016, https://arxiv.org/abs/1509.02971),
 * as Stable-Baselines3 implements it: TD3's machinery with one critic, no target policy
 * smoothing and an actor update after every critic update. Exploration by Gaussian or
 * Ornstein–Uhlenbeck action noise (`actionNoise`).
 */
import type { AlgorithmOptions, CommonOptions, EnvSpecifier, HyperparameterInput } from '@tfrl/core';
import { DeterministicActorCritic, type DeterministicHp, ddpgHyperparameters } from './td3';

export { ddpgHyperparameters };

export type DDPGOptions<E extends EnvSpecifier = EnvSpecifier> = CommonOptions & { env: E } & HyperparameterInput<
    typeof ddpgHyperparameters
  >;

export class DDPG<E extends EnvSpecifier = any> extends DeterministicActorCritic<DeterministicHp, E> {
  static override readonly algorithmName = 'DDPG';
  static override readonly hyperparameterSchema = ddpgHyperparameters;

  constructor(options: DDPGOptions<E>) {
    super(options as unknown as AlgorithmOptions, 1, 'ddpg');
  }
}
