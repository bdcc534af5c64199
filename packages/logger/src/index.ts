export const PACKAGE_NAME = '@tfrl/logger';

export {
  type Logger,
  MultiLogger,
  NullLogger,
  type SinkName,
  type RunLoggerOptions,
  type RunLogger,
  createRunLogger,
  sanitizeName,
  formatTimestamp,
} from './logger';
export {
  TensorBoardWriter,
  type TensorBoardWriterOptions,
  type HistogramData,
  computeHistogram,
  defaultBucketLimits,
  encodeTfRecord,
  maskedCrc32c,
} from './tensorboard';
export { CsvLogger, type CsvLoggerOptions, csvEscape } from './csv';
export { JsonlLogger, type JsonlLoggerOptions, type JsonlRecord } from './jsonl';
export {
  ConsoleLogger,
  type ConsoleLoggerOptions,
  type ProgressMode,
  formatTable,
  formatDuration,
  formatValue,
} from './console';
export {
  type Image,
  type ImageGridOptions,
  encodePng,
  writePng,
  makeImageGrid,
  convertChannels,
  imageFromFloats,
  validateImage,
} from './png';
export { encodeGif, writeGif, type GifFrame, type GifOptions } from './gif';
