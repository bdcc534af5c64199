import { registerAlgorithm } from '@tfrl/core';
import { DQN, Rainbow } from './dqn';

export const PACKAGE_NAME = '@tfrl/value-based';
export * from './dqn';

/**
 * Registers this package's algorithms in @tfrl/core's algorithm registry (the CLI calls this).
 * Registers `dqn` and `rainbow` (the tabular learners register through `registerTabularAlgorithms`).
 */
export function registerValueBasedAlgorithms(): void {
  registerAlgorithm({
    name: 'dqn',
    family: '@tfrl/value-based',
    ctor: DQN,
    description: 'DQN (SB3 semantics) with double, dueling, prioritized, n-step, noisy and C51 switches',
  });
  registerAlgorithm({
    name: 'rainbow',
    family: '@tfrl/value-based',
    ctor: Rainbow,
    description: 'Rainbow: DQN with double, dueling, prioritized, 3-step, noisy and C51 all on',
  });
}
export {
  type ControlResult,
  type DpOptions,
  type ModelTransition,
  type PolicyEvaluationOptions,
  type PolicyEvaluationResult,
  type PolicyIterationOptions,
  type PolicyIterationResult,
  type TabularPolicy,
  type TransitionModel,
  actionValue,
  greedyFromQ,
  greedyPolicy,
  modelShape,
  policyEvaluation,
  policyIteration,
  qFromV,
  valueIteration,
} from './tabular/dp';
export {
  type ExplorationHp,
  argmax,
  checkExploration,
  epsilonGreedy,
  epsilonGreedyExpectation,
  explorationHyperparameters,
  explorationRate,
} from './tabular/exploration';
export {
  ExpectedSarsa,
  NStepSarsa,
  type NStepSarsaHp,
  type NStepSarsaOptions,
  QLearning,
  Sarsa,
  type TabularHp,
  type TabularOptions,
  TabularTDAlgorithm,
  type TdStep,
  greedyPath,
  nStepSarsaHyperparameters,
  tabularHyperparameters,
} from './tabular/td';
export { type LinePlotOptions, type LinePlotSeries, type RgbImage, movingAverage, niceStep, renderLinePlot } from './tabular/plot';
export { registerTabularAlgorithms } from './tabular/register';
export { PolicyIteration, ValueIteration, planningHyperparameters, type PlanningOptions } from './tabular/planning';
export {
  type FeatureMap,
  type FeatureMapFactory,
  type StateActionFeatureMap,
  type StateFeatureMap,
  cartpoleSymmetricFeatures,
  identityBiasFeatures,
  identityFeatures,
  listFeatureMaps,
  registerFeatureMap,
  resolveFeatureMap,
  symmetricFeatures,
} from './linear/features';
export {
  LinearQ,
  type LinearQHp,
  type LinearQOptions,
  type LinearScratch,
  type LinearUpdateOptions,
  linearQHyperparameters,
  linearQUpdate,
  linearQValues,
  makeScratch,
  thetaSize,
} from './linear/linear-q';
