/**
 * `tfrl gen train flow --dataset moons ...`: the CLI's flow-training entry point (the CLI parses
 * argv into `TrainFlowArgs` and wires the logger; this function does the work).
 */
import type { Activation, Logger } from '@tfrl/core';
import { Rng } from '@tfrl/core';
import { checkerboard, makeCircles, makeMoons, type ToyDataset } from '../datasets/toys';
import { AffineFlow, Glow, type NormalizingFlow, RealNVP } from './flow';
import { writeFlowDataImage, writeFlowImages } from './images';
import { pointsRange } from './scatter';
import { FlowTrainer, type TrainFlowResult } from './trainer';

export interface TrainFlowArgs {
  dataset?: 'moons' | 'circles' | 'checkerboard';
  model?: 'glow' | 'realnvp' | 'affine';
  /** Glow blocks or RealNVP coupling layers (default 8). */
  blocks?: number;
  hidden?: number[];
  activation?: Activation;
  steps?: number;
  batchSize?: number;
  lr?: number;
  lrSchedule?: 'constant' | 'cosine';
  noise?: number;
  factor?: number;
  nTrain?: number;
  nTest?: number;
  seed?: number;
  /** Write checkpoints here (every `checkpointEvery` steps and at the end). */
  outDir?: string;
  checkpointEvery?: number;
  /**
   * Write `data.png` and sample / density PNGs (`samples_step_<n>.png`, `density_step_<n>.png`,
   * also logged as images) here: before training, every `imageEvery` steps and at the end.
   */
  imageDir?: string;
  /** Default: `checkpointEvery` (1000). */
  imageEvery?: number;
  logger?: Logger;
  logEvery?: number;
}

export interface TrainFlowCommandResult {
  flow: NormalizingFlow;
  train: ToyDataset;
  test: ToyDataset;
  result: TrainFlowResult;
  /** Mean NLL (nats) of the held-out set, drawn with seed + 1. */
  heldOutNll: number;
}

const KNOWN = new Set([
  'dataset',
  'model',
  'blocks',
  'hidden',
  'activation',
  'steps',
  'batchSize',
  'lr',
  'lrSchedule',
  'noise',
  'factor',
  'nTrain',
  'nTest',
  'seed',
  'outDir',
  'checkpointEvery',
  'imageDir',
  'imageEvery',
  'logger',
  'logEvery',
]);

/** Trains a flow on a 2-D toy set; the caller disposes `result.flow`. */
export async function trainFlowCommand(args: TrainFlowArgs = {}): Promise<TrainFlowCommandResult> {
  for (const k of Object.keys(args)) if (!KNOWN.has(k)) throw new RangeError(`trainFlowCommand: unknown option ${JSON.stringify(k)}`);
  const dataset = args.dataset ?? 'moons';
  const seed = args.seed ?? 0;
  const nTrain = args.nTrain ?? 20000;
  const nTest = args.nTest ?? 5000;
  const make = (n: number, s: number): ToyDataset => {
    const rng = new Rng(s);
    switch (dataset) {
      case 'moons':
        return makeMoons(n, { noise: args.noise ?? 0.1, rng });
      case 'circles':
        return makeCircles(n, { noise: args.noise ?? 0.05, factor: args.factor ?? 0.5, rng });
      case 'checkerboard':
        return checkerboard(n, { rng });
      default:
        throw new RangeError(`trainFlowCommand: dataset must be moons, circles or checkerboard, got ${JSON.stringify(dataset)}`);
    }
  };
  const train = make(nTrain, seed);
  const test = make(nTest, seed + 1);
  const model = args.model ?? 'glow';
  const common = { dim: 2, hiddenSizes: args.hidden ?? [64, 64], activation: args.activation ?? 'elu', seed };
  let flow: NormalizingFlow;
  if (model === 'glow') flow = new Glow({ ...common, numBlocks: args.blocks ?? 8 });
  else if (model === 'realnvp') flow = new RealNVP({ ...common, numLayers: args.blocks ?? 8, actNorm: true });
  else if (model === 'affine') flow = new AffineFlow({ dim: 2 });
  else throw new RangeError(`trainFlowCommand: model must be glow, realnvp or affine, got ${JSON.stringify(model)}`);
  const trainer = new FlowTrainer(flow, { lr: args.lr ?? 2e-3, seed });
  const steps = args.steps ?? 8000;
  const checkpointEvery = args.checkpointEvery ?? 1000;
  const imageEvery = args.imageEvery ?? checkpointEvery;
  const { imageDir } = args;
  const range = pointsRange(train.x, 0.1);
  const images = (step: number) => {
    if (imageDir) writeFlowImages(flow, imageDir, `step_${String(step).padStart(6, '0')}`, args.logger, step, { range });
  };
  try {
    if (imageDir) {
      writeFlowDataImage(train.x, imageDir, args.logger, trainer.step, { range });
      images(trainer.step);
    }
    const result = await trainer.train(train.x, {
      steps,
      batchSize: args.batchSize ?? 256,
      lrSchedule: args.lrSchedule ?? 'cosine',
      logger: args.logger,
      logEvery: args.logEvery ?? 100,
      evalData: test.x,
      checkpointDir: args.outDir,
      checkpointEvery,
      onStep: imageDir ? (step) => (step % imageEvery === 0 && step < steps ? images(step) : undefined) : undefined,
    });
    images(trainer.step);
    return { flow, train, test, result, heldOutNll: flow.evaluateNll(test.x) };
  } catch (e) {
    flow.dispose();
    throw e;
  } finally {
    trainer.dispose();
  }
}
