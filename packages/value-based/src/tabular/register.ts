import { registerAlgorithm } from '@tfrl/core';
import { LinearQ } from '../linear/linear-q';
import { ExpectedSarsa, NStepSarsa, QLearning, Sarsa } from './td';

const FAMILY = '@tfrl/value-based';

/** Registers the tabular TD learners and linear Q in @tfrl/core's registry (the CLI calls this beside registerValueBasedAlgorithms). */
export function registerTabularAlgorithms(): void {
  registerAlgorithm({
    name: 'qlearning',
    family: FAMILY,
    ctor: QLearning,
    description: 'tabular Q-learning, ε-greedy (Discrete observations and actions)',
  });
  registerAlgorithm({
    name: 'sarsa',
    family: FAMILY,
    ctor: Sarsa,
    description: 'tabular SARSA, ε-greedy (Discrete observations and actions)',
  });
  registerAlgorithm({
    name: 'expected-sarsa',
    family: FAMILY,
    ctor: ExpectedSarsa,
    description: 'tabular Expected SARSA, ε-greedy (Discrete observations and actions)',
  });
  registerAlgorithm({
    name: 'nstep-sarsa',
    family: FAMILY,
    ctor: NStepSarsa,
    description: 'tabular n-step SARSA, ε-greedy (Discrete observations and actions)',
  });
  registerAlgorithm({
    name: 'linear-q',
    family: FAMILY,
    ctor: LinearQ,
    description: 'Q-learning with a linear function approximator θᵀφ(s, a), replay buffer and analytic gradient updates',
  });
}
