import { registerAlgorithm } from '@tfrl/core';
import { BC } from './bc';

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
}
export { DATASET_EXTENSIONS, type DatasetFileFormat, datasetFileFormat, readDataset, writeDataset } from './data/files';
