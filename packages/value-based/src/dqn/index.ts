export { DQN, Rainbow, dqnHyperparameters, rainbowHyperparameters, type DQNOptions, type DqnHp, type RainbowOptions } from './dqn';
export { QNetwork, type QNetworkOptions } from './q-network';
export {
  actionMask,
  bellmanTarget,
  bootstrapMultipliers,
  categoricalProjection,
  categoricalSupport,
  doubleDqnTarget,
  dqnTarget,
  dqnTargetHost,
  duelingCombine,
  elementwiseTdLoss,
  factorisedNoise,
  importanceWeights,
  linearEpsilon,
  maskedTdLoss,
  noisyScale,
} from './math';
