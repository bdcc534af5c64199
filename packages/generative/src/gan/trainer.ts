import * as tf from '@tensorflow/tfjs';
import { type Logger, NullLogger, Rng, yieldToEventLoop } from '@tfrl/core';
import { type ImageFolderOptions, floatImagesToGrid, imageFolderBatches, writePngImage } from '../datasets/image-folder';
import type { ImageDataset } from '../datasets/mnist';
import { MODEL_DIR } from '../model-dir';
import { joinPath } from '../node-io';
import { type GenCommandOptions, loadMnistForCommand } from '../vae/trainer';
import { Gan, type GanArchitecture, type GanOptions, type GanStepStats } from './gan';

export interface TrainGanOptions extends Omit<GanOptions, 'image'> {
  /** In-memory images with pixels in [0, 1] (rescaled to [−1, 1]). */
  data?: ImageDataset;
  /** Or a folder of images streamed in batches (its `batchSize` is overridden; range forced to [−1, 1]). */
  folder?: Omit<ImageFolderOptions, 'batchSize' | 'range'>;
  epochs: number;
  batchSize?: number;
  logger?: Logger;
  /** PNG sample grid every this many epochs (and before training); 0 = never (default 1). */
  sampleEvery?: number;
  /** Where the PNG grids and the final model (`<outDir>/model/`) go (nothing written without it). */
  outDir?: string;
  logEvery?: number;
  /** Continue training this GAN. */
  gan?: Gan;
  onEpoch?: (info: GanEpochInfo) => void | Promise<void>;
}

export interface GanEpochInfo {
  epoch: number;
  steps: number;
  seconds: number;
  examplesPerSecond: number;
  /** Means over the epoch's steps. */
  mean: GanStepStats;
  gan: Gan;
}

export interface TrainGanResult {
  gan: Gan;
  history: Omit<GanEpochInfo, 'gan'>[];
}

const TAGS: [keyof GanStepStats, string][] = [
  ['dLoss', 'gan/d_loss'],
  ['dReal', 'gan/d_loss_real'],
  ['dFake', 'gan/d_loss_fake'],
  ['gLoss', 'gan/g_loss'],
  ['dxMean', 'gan/d_x'],
  ['dgzMean', 'gan/d_g_z'],
];

/** Write a grid of generated samples (fixed latents) as `${outDir}/samples_${tag}.png`. */
export function writeGanSamples(gan: Gan, outDir: string, tag: string, logger: Logger, step: number, n = 64): string {
  const { height, width, channels } = gan.options.image;
  const img = floatImagesToGrid(gan.sample(n, 2024), n, height, width, channels as 1 | 3, { cols: 8, range: [-1, 1] });
  const p = joinPath(outDir, `samples_${tag}.png`);
  writePngImage(p, img);
  logger.image('gan/samples', img, step);
  return p;
}

/**
 * Train a GAN / DCGAN; logs the discriminator's real and fake losses separately. Every scalar and
 * image, epoch summaries included, is logged at the GAN's update step count (one step axis).
 */
export async function trainGan(options: TrainGanOptions): Promise<TrainGanResult> {
  const bs = options.batchSize ?? 64;
  if (!Number.isInteger(bs) || bs <= 0) throw new RangeError(`trainGan: batchSize must be a positive integer, got ${bs}`);
  if (!Number.isInteger(options.epochs) || options.epochs < 0)
    throw new RangeError(`trainGan: epochs must be a non-negative integer, got ${options.epochs}`);
  if (!options.data === !options.folder) throw new TypeError('trainGan: give exactly one of data (an ImageDataset) or folder');
  const logger = options.logger ?? new NullLogger();
  const data = options.data;
  const image = data
    ? { height: data.rows, width: data.cols, channels: data.channels }
    : { height: options.folder?.height ?? 64, width: options.folder?.width ?? options.folder?.height ?? 64, channels: 3 };
  const gan = options.gan ?? new Gan({ ...options, image });
  const d = image.height * image.width * image.channels;
  if (gan.imageSize !== d) throw new RangeError(`trainGan: the GAN makes ${gan.imageSize}-value images, the data has ${d}`);
  const shuffleRng = new Rng((options.seed ?? 0) + 1);
  const sampleEvery = options.sampleEvery ?? 1;
  const logEvery = options.logEvery ?? 50;
  if (options.outDir && sampleEvery > 0) writeGanSamples(gan, options.outDir, 'epoch_000', logger, gan.steps);
  const history: Omit<GanEpochInfo, 'gan'>[] = [];
  const batch = new Float32Array(bs * d);

  async function* batches(): AsyncGenerator<Float32Array> {
    if (data) {
      const perm = shuffleRng.permutation(data.count);
      for (let b = 0; b + bs <= data.count; b += bs) {
        for (let i = 0; i < bs; i++) {
          const j = perm[b + i] as number;
          const src = data.images.subarray(j * d, (j + 1) * d);
          for (let k = 0; k < d; k++) batch[i * d + k] = 2 * (src[k] as number) - 1;
        }
        yield batch;
      }
    } else {
      for await (const fb of imageFolderBatches({
        ...(options.folder as ImageFolderOptions),
        batchSize: bs,
        range: [-1, 1],
        dropLast: true,
        rng: shuffleRng,
      })) {
        yield fb.images;
      }
    }
  }

  for (let epoch = 1; epoch <= options.epochs; epoch++) {
    const t0 = performance.now();
    const sum: GanStepStats = { dReal: 0, dFake: 0, dLoss: 0, gLoss: 0, dxMean: 0, dgzMean: 0 };
    let steps = 0;
    for await (const xs of batches()) {
      const x = tf.tensor2d(xs, [bs, d]);
      const s = gan.trainStep(x);
      x.dispose();
      steps++;
      for (const [k] of TAGS) sum[k] += s[k];
      if (gan.steps % logEvery === 0) for (const [k, tag] of TAGS) logger.scalar(tag, s[k], gan.steps);
      if (steps % 10 === 0) await yieldToEventLoop();
    }
    const seconds = (performance.now() - t0) / 1000;
    if (steps === 0) throw new Error(`trainGan: no full batch of ${bs} images in the data`);
    const mean = Object.fromEntries(TAGS.map(([k]) => [k, sum[k] / steps])) as unknown as GanStepStats;
    const step = gan.steps;
    logger.scalar('epoch/epoch', epoch, step);
    for (const [k, tag] of TAGS) logger.scalar(`epoch/${tag.slice(4)}`, mean[k], step);
    logger.scalar('time/examples_per_s', (steps * bs) / seconds, step);
    logger.dump?.(step);
    const info = { epoch, steps, seconds, examplesPerSecond: (steps * bs) / seconds, mean };
    history.push(info);
    if (options.outDir && sampleEvery > 0 && (epoch % sampleEvery === 0 || epoch === options.epochs)) {
      writeGanSamples(gan, options.outDir, `epoch_${String(epoch).padStart(3, '0')}`, logger, step);
    }
    await options.onEpoch?.({ ...info, gan });
  }
  // A non-finite loss has thrown before this point, and save refuses non-finite weights.
  if (options.outDir) await gan.save(joinPath(options.outDir, MODEL_DIR), { epochs: options.epochs });
  await logger.flush();
  return { gan, history };
}

/** `tfrl gen train gan --dataset mnist [--architecture dcgan|mlp]`: trains, writes sample PNGs under logdir and the model into `<logdir>/model/`. */
export async function trainGanCommand(argv: GenCommandOptions & { architecture?: GanArchitecture }): Promise<TrainGanResult> {
  const batchSize = argv.batchSize ?? 64;
  const { train } = argv.data ?? loadMnistForCommand({ ...argv, batchSize });
  return trainGan({
    data: train,
    architecture: argv.architecture ?? 'dcgan',
    latentDim: argv.latent ?? 100,
    epochs: argv.epochs ?? 5,
    batchSize,
    lrG: argv.lr ?? 2e-4,
    lrD: argv.lr ?? 2e-4,
    seed: argv.seed ?? 0,
    logger: argv.logger,
    outDir: argv.logdir,
  });
}
