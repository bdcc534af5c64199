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
  TensorBoardEventBuffer,
  type TensorBoardEventBufferOptions,
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
export {
  type Rgb,
  type DrawTextOptions,
  GLYPH_W,
  GLYPH_H,
  CAP_H,
  glyph,
  drawText,
  textWidth,
  textHeight,
  capHeight,
  putPixel,
} from './font';
export {
  type CurveRun,
  type CurveGroup,
  type CurveStats,
  type BandKind,
  type AggregateOptions,
  type PlotCurvesOptions,
  PLOT_PALETTE,
  plotCurves,
  aggregateRuns,
  interpolate,
  rollingMean,
  bandDescription,
  niceStep,
  ticksOf,
  formatTick,
} from './plot';
export { type ScalarTable, parseCsv, parseCell, parseScalarCsv, readScalarCsv, scalarColumn } from './progress';
export {
  type VideoFrame,
  type VideoFormat,
  type FfmpegInfo,
  type VideoWriter,
  type VideoWriterOptions,
  type VideoRecorderOptions,
  type RecordedVideo,
  type RecordableEnv,
  videoFormatOf,
  defaultFfmpegPath,
  findFfmpeg,
  hasFfmpeg,
  requireFfmpeg,
  FfmpegNotFoundError,
  FFMPEG_INSTALL_HINT,
  openVideo,
  writeVideo,
  writeMp4,
  cappedCubicVideoSchedule,
  VideoRecorder,
  RecordVideo,
} from './video';
export { CLEANRL_TAGS, TAG_STYLES, type TagStyle, TagStyleLogger, hyperparameterTable, tagsFor } from './tags';
