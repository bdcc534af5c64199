import { registerAlgorithm } from '@tfrl/core';
import { IDDPG, MADDPG, MATD3 } from './maddpg';

export const PACKAGE_NAME = '@tfrl/multiagent';

export {
  MADDPG,
  IDDPG,
  MATD3,
  MultiAgentActorCritic,
  type AgentGroup,
  type AgentSpec,
  type MADDPGOptions,
  type IDDPGOptions,
  type MATD3Options,
  type MultiAgentActorCriticHp,
  agentType,
  maddpgHyperparameters,
  iddpgHyperparameters,
  matd3Hyperparameters,
} from './maddpg';
export {
  type CriticInputMode,
  criticInput,
  criticInputOrder,
  gumbelNoise,
  gumbelSoftmax,
  maddpgActorLoss,
  maddpgCriticLoss,
  maddpgCriticTarget,
  straightThrough,
} from './losses';
export { MultiAgentReplayBuffer, type MultiAgentReplayOptions, SharedIndexSampler } from './replay';

/** Registers this package's algorithms in @tfrl/core's registry (the CLI calls this). */
export function registerMultiAgentAlgorithms(): void {
  registerAlgorithm({
    name: 'maddpg',
    family: '@tfrl/multiagent',
    ctor: MADDPG,
    description: 'MADDPG: decentralised actors, centralised critics; Box (tanh + noise) or Discrete (Gumbel-softmax) actions (ParallelEnv)',
  });
  registerAlgorithm({
    name: 'matd3',
    family: '@tfrl/multiagent',
    ctor: MATD3,
    description: 'MATD3: MADDPG with twin centralised critics, target policy smoothing, delayed actor updates (ParallelEnv)',
  });
  registerAlgorithm({
    name: 'iddpg',
    family: '@tfrl/multiagent',
    ctor: IDDPG,
    description: "Independent DDPG: each agent's critic sees only its own observation and action (MADDPG's baseline; ParallelEnv)",
  });
}
