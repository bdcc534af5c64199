import { registerAlgorithm } from '@tfrl/core';
import { LinearQ } from '../linear/linear-q';
import { PolicyIteration, ValueIteration } from './planning';
import { ExpectedSarsa, NStepSarsa, QLearning, Sarsa } from './td';

const FAMILY = '@tfrl/value-based';

/** Registers the tabular TD learners and linear Q in @tfrl/core's registry (the CLI calls this beside registerValueBasedAlgorithms). */
export function registerTabularAlgorithms(): void {
  registerAlgorithm({
    name: 'qlearning',
    family: FAMILY,
    ctor: QLearning,
    singleEnv: true,
    description: 'tabular Q-learning, ε-greedy (Discrete observations and actions)',
  });
  registerAlgorithm({
    name: 'sarsa',
    family: FAMILY,
    ctor: Sarsa,
    singleEnv: true,
    description: 'tabular SARSA, ε-greedy (Discrete observations and actions)',
  });
  registerAlgorithm({
    name: 'expected-sarsa',
    family: FAMILY,
    ctor: ExpectedSarsa,
    singleEnv: true,
    description: 'tabular Expected SARSA, ε-greedy (Discrete observations and actions)',
  });
  registerAlgorithm({
    name: 'nstep-sarsa',
    family: FAMILY,
    ctor: NStepSarsa,
    singleEnv: true,
    description: 'tabular n-step SARSA, ε-greedy (Discrete observations and actions)',
  });
  registerAlgorithm({
    name: 'value-iteration',
    family: FAMILY,
    ctor: ValueIteration,
    singleEnv: true,
    description: "dynamic programming: value iteration on the env's transition model (FrozenLake, Taxi, CliffWalking, GridWorld)",
  });
  registerAlgorithm({
    name: 'policy-iteration',
    family: FAMILY,
    ctor: PolicyIteration,
    singleEnv: true,
    description: "dynamic programming: policy iteration on the env's transition model (FrozenLake, Taxi, CliffWalking, GridWorld)",
  });
  registerAlgorithm({
    name: 'linear-q',
    family: FAMILY,
    ctor: LinearQ,
    singleEnv: true,
    description: 'Q-learning with a linear function approximator θᵀφ(s, a), replay buffer and analytic gradient updates',
  });
}
