import { registerAlgorithm } from '@tfrl/core';
import { BC } from './bc';
import { DQfD } from './dqfd';
import { DAgger } from './dagger';
import { AIRL, GAIL, GAILA2C, VAIL } from './gail';

export const PACKAGE_NAME = '@tfrl/imitation';

export {
  Dataset,
  type DatasetInit,
  type DatasetMetadata,
  type DatasetStats,
  type EncodeTrajectoryInput,
  type FlatTransitions,
  type Trajectory,
  TrajectoryError,
  type ValidateTrajectoryOptions,
  datasetStats,
  encodeTrajectory,
  explainCompactRow,
  flatTransitions,
  isIntegerSpace,
  trajectoryLength,
  validateTrajectory,
} from './data/trajectory';
export {
  NPZ_METADATA_KEY,
  type NpyArray,
  type NpyData,
  type NpyInput,
  type ReadNpzOptions,
  type WriteNpzOptions,
  castRows,
  decodeNpz,
  dumpNpy,
  encodeNpz,
  inferSpace,
  npyLayout,
  npyNumbers,
  parseNpy,
  readNpz,
  readNpzArrays,
  writeNpz,
  writeNpzArrays,
} from './data/npz';
export {
  type ReadMinariOptions,
  type WriteMinariOptions,
  envSpecFromMinariJson,
  envSpecToMinariJson,
  loadH5wasm,
  minariSpaceFromJSON,
  minariSpaceToJSON,
  parsePythonJson,
  readMinari,
  toPythonJson,
  writeMinari,
} from './data/minari';
export {
  type RecordDatasetOptions,
  RecordError,
  type RecordPolicyFn,
  type RecordPredictor,
  recordDataset,
} from './data/record';
export {
  BC,
  BC_COURSE,
  BC_LOSSES,
  type BCEpochStats,
  type BCHp,
  type BCLoss,
  type BCOptions,
  type BCTrainOptions,
  bcCrossEntropy,
  bcHyperparameters,
  categoricalEntropy,
  gaussianEntropy,
  gaussianNll,
} from './bc';
export {
  DAgger,
  type DAggerExpert,
  type DAggerHp,
  type DAggerOptions,
  type DAggerRoundStats,
  daggerHyperparameters,
  linearBeta,
} from './dagger';

export {
  ADVERSARIES,
  type AdversarialHost,
  type AdversarialHp,
  AdversarialReward,
  type Adversary,
  type DiscriminatorStats,
  REWARD_FORMS,
  type RewardForm,
  adversarialHyperparameters,
  airlShapedReward,
  bernoulliEntropy,
  discriminatorBce,
  gaussianKlToStandard,
  gradientPenalty,
  rewardFromLogits,
  vailBetaUpdate,
} from './adversarial';
export {
  AIRL,
  GAIL,
  GAILA2C,
  type GAILA2COptions,
  VAIL,
  type GAILOptions,
  airlHyperparameters,
  gailA2cHyperparameters,
  gailHyperparameters,
  vailHyperparameters,
} from './gail';
/** Registers this package's learners in @tfrl/core's registry (the CLI calls this). */
export function registerImitationAlgorithms(): void {
  registerAlgorithm({
    name: 'bc',
    family: '@tfrl/imitation',
    ctor: BC,
    needsDemonstrations: true,
    description:
      "Behavioral cloning: supervised learning of the expert's actions from demonstrations (--expert file.npz|.h5); steps are gradient steps",
  });
  registerAlgorithm({
    name: 'dqfd',
    family: '@tfrl/imitation',
    ctor: DQfD,
    needsDemonstrations: true,
    description:
      'DQfD: DQN pre-trained on demonstrations (--expert file), then trained with them kept in a prioritized buffer (TD, n-step and large-margin losses); steps are env steps',
  });
  registerAlgorithm({
    name: 'dagger',
    family: '@tfrl/imitation',
    ctor: DAgger,
    description:
      'DAgger: behavioral cloning on the states the learner visits, each labelled by a queryable expert (--expert heuristic|<run-dir>); β-mixture rollouts; steps are env steps',
  });
  const adversarial: Array<[string, typeof GAIL | typeof GAILA2C, string]> = [
    ['gail', GAIL, 'GAIL: PPO on the rewards of a discriminator between expert and generated transitions (--expert file)'],
    ['vail', VAIL, 'VAIL: GAIL with a variational discriminator bottleneck (--expert file)'],
    ['airl', AIRL, 'AIRL: PPO on a learned reward g(s) + γh(s′) − h(s) (--expert file)'],
    ['gail_a2c', GAILA2C, 'GAIL on A2C (--set adversary=vail|airl for the others) (--expert file)'],
  ];
  for (const [name, ctor, description] of adversarial) {
    registerAlgorithm({ name, family: '@tfrl/imitation', ctor, needsDemonstrations: true, description });
  }
}
export { DATASET_EXTENSIONS, type DatasetFileFormat, datasetFileFormat, readDataset, writeDataset } from './data/files';
export {
  DQfD,
  type DQfDHp,
  type DQfDOptions,
  dqfdHyperparameters,
  l2Penalty,
  largeMarginLoss,
  largeMarginPerSample,
} from './dqfd';
export {
  DemoPrioritizedSampler,
  type DemoReplayBatch,
  DemoReplayBuffer,
  type DemoReplayBufferOptions,
  type DemoReplayBufferState,
  type DemoTransitions,
} from './dqfd-buffer';
