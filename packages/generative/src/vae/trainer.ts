import * as tf from '@tensorflow/tfjs';
import { type Logger, NullLogger, Rng, yieldToEventLoop } from '@tfrl/core';
import { floatImagesToGrid, type RasterImage, writePngImage } from '../datasets/image-folder';
import { type ImageDataset, loadMnist, mnistPaths, splitTrainHeldOut } from '../datasets/mnist';
import { MODEL_DIR } from '../model-dir';
import { fileExists, joinPath } from '../node-io';
import { type ElboResult, Vae, type VaeDecoderKind } from './vae';

export interface TrainVaeOptions {
  /** Training images (pixels in [0, 1]). */
  data: ImageDataset;
  /** Held-out images for the −ELBO after each epoch. */
  heldOut?: ImageDataset;
  latentDim: number;
  epochs: number;
  batchSize?: number;
  lr?: number;
  hiddenSizes?: number[];
  decoder?: VaeDecoderKind;
  /** Weight initialisation (default 'torch', see VaeOptions.init). */
  init?: 'torch' | 'glorot';
  seed?: number;
  logger?: Logger;
  /** Write PNG grids every `sampleEvery` epochs (and before training); 0 = never (default 1). */
  sampleEvery?: number;
  /** Where the PNGs and the final model (`<outDir>/model/`) go (nothing written without it). */
  outDir?: string;
  /** Log train/* scalars every this many steps (default 50). */
  logEvery?: number;
  /** Continue training this VAE instead of building one. */
  vae?: Vae;
  /** Called after each epoch. */
  onEpoch?: (info: VaeEpochInfo) => void;
}

export interface VaeEpochInfo {
  epoch: number;
  train: { loss: number; recon: number; kl: number };
  heldOut?: ElboResult;
  seconds: number;
  examplesPerSecond: number;
}

export interface TrainVaeResult {
  vae: Vae;
  history: VaeEpochInfo[];
  /** Training throughput over all epochs (examples/s, gradient steps only). */
  examplesPerSecond: number;
}

function toLogImage(img: RasterImage) {
  return img;
}

/** Write the sample, reconstruction and (latent 1–2) traversal grids for `tag` (e.g. epoch_005). */
export function writeVaeImages(vae: Vae, data: ImageDataset, outDir: string, tag: string, logger: Logger, step: number): string[] {
  const { rows: h, cols: w } = data;
  const written: string[] = [];
  const put = (name: string, img: RasterImage) => {
    const p = joinPath(outDir, `${name}_${tag}.png`);
    writePngImage(p, img);
    logger.image(`vae/${name}`, toLogImage(img), step);
    written.push(p);
  };
  put('samples', floatImagesToGrid(vae.sample(64, 7), 64, h, w, 1, { cols: 8 }));
  const n = Math.min(16, data.count);
  const inputs = data.images.subarray(0, n * h * w);
  const recon = vae.reconstruct(inputs);
  const pair = new Float32Array(2 * n * h * w);
  pair.set(inputs, 0);
  pair.set(recon, n * h * w);
  put('recon', floatImagesToGrid(pair, 2 * n, h, w, 1, { cols: n })); // top row inputs, bottom row reconstructions
  if (vae.latentDim <= 2) {
    const per = vae.latentDim === 1 ? 20 : 15;
    for (const kind of ['quantiles', 'uniform'] as const) {
      const z = vae.latentGrid(per, kind);
      const k = z.length / vae.latentDim;
      put(`traversal_${kind}`, floatImagesToGrid(vae.decodePoints(z), k, h, w, 1, { cols: vae.latentDim === 1 ? 10 : per }));
    }
  }
  return written;
}

/**
 * Train a VAE on images (flattened), logging `train/loss`, `train/recon`, `train/kl` and
 * `eval/neg_elbo`, `eval/recon`, `eval/kl` (held-out) as scalars, and writing PNG grids. Every
 * scalar and image, epoch summaries included, is logged at the VAE's gradient step count, so a
 * run has one step axis.
 */
export async function trainVae(options: TrainVaeOptions): Promise<TrainVaeResult> {
  const data = options.data;
  const d = data.rows * data.cols * data.channels;
  if (!Number.isInteger(options.epochs) || options.epochs < 0)
    throw new RangeError(`trainVae: epochs must be a non-negative integer, got ${options.epochs}`);
  const bs = options.batchSize ?? 128;
  if (!Number.isInteger(bs) || bs <= 0) throw new RangeError(`trainVae: batchSize must be a positive integer, got ${bs}`);
  const logger = options.logger ?? new NullLogger();
  const seed = options.seed ?? 0;
  const vae =
    options.vae ??
    new Vae({
      inputDim: d,
      latentDim: options.latentDim,
      hiddenSizes: options.hiddenSizes,
      decoder: options.decoder,
      lr: options.lr,
      init: options.init,
      seed,
    });
  if (vae.inputDim !== d) throw new RangeError(`trainVae: the VAE takes ${vae.inputDim} inputs but the images have ${d} pixels`);
  if (options.epochs > 0 && data.count < bs) throw new RangeError(`trainVae: no full batch of ${bs} in ${data.count} images`);
  const shuffleRng = new Rng(seed + 1);
  const sampleEvery = options.sampleEvery ?? 1;
  const logEvery = options.logEvery ?? 50;
  const imgData = options.heldOut ?? data;
  if (options.outDir && sampleEvery > 0) writeVaeImages(vae, imgData, options.outDir, 'epoch_000', logger, vae.steps);
  const history: VaeEpochInfo[] = [];
  const batch = new Float32Array(bs * d);
  let trainSeconds = 0;
  let trainExamples = 0;
  for (let epoch = 1; epoch <= options.epochs; epoch++) {
    const perm = shuffleRng.permutation(data.count);
    const nBatches = Math.floor(data.count / bs); // drop the last partial batch (one shape per step)
    let sr = 0;
    let sk = 0;
    const t0 = performance.now();
    for (let b = 0; b < nBatches; b++) {
      for (let i = 0; i < bs; i++) {
        const j = perm[b * bs + i] as number;
        batch.set(data.images.subarray(j * d, (j + 1) * d), i * d);
      }
      const x = tf.tensor2d(batch, [bs, d]);
      const { recon, kl } = vae.trainStep(x);
      x.dispose();
      sr += recon;
      sk += kl;
      if (vae.steps % logEvery === 0) {
        logger.scalar('train/loss', recon + kl, vae.steps);
        logger.scalar('train/recon', recon, vae.steps);
        logger.scalar('train/kl', kl, vae.steps);
      }
      if (b % 20 === 19) await yieldToEventLoop();
    }
    const seconds = (performance.now() - t0) / 1000;
    trainSeconds += seconds;
    trainExamples += nBatches * bs;
    const train = { loss: (sr + sk) / nBatches, recon: sr / nBatches, kl: sk / nBatches };
    const info: VaeEpochInfo = { epoch, train, seconds, examplesPerSecond: (nBatches * bs) / seconds };
    const step = vae.steps;
    logger.scalar('epoch/epoch', epoch, step);
    logger.scalar('epoch/train_loss', train.loss, step);
    logger.scalar('epoch/train_recon', train.recon, step);
    logger.scalar('epoch/train_kl', train.kl, step);
    logger.scalar('time/examples_per_s', info.examplesPerSecond, step);
    if (options.heldOut) {
      info.heldOut = vae.elbo(options.heldOut.images, { seed: 999 });
      logger.scalar('eval/neg_elbo', info.heldOut.negElbo, step);
      logger.scalar('eval/recon', info.heldOut.recon, step);
      logger.scalar('eval/kl', info.heldOut.kl, step);
    }
    logger.dump?.(step);
    history.push(info);
    options.onEpoch?.(info);
    if (options.outDir && sampleEvery > 0 && (epoch % sampleEvery === 0 || epoch === options.epochs)) {
      writeVaeImages(vae, imgData, options.outDir, `epoch_${String(epoch).padStart(3, '0')}`, logger, step);
    }
  }
  // A non-finite loss has thrown before this point, and save refuses non-finite weights.
  if (options.outDir) await vae.save(joinPath(options.outDir, MODEL_DIR), { epochs: options.epochs });
  await logger.flush();
  return { vae, history, examplesPerSecond: trainSeconds > 0 ? trainExamples / trainSeconds : 0 };
}

/** Parsed options of `tfrl gen train vae` / `tfrl gen train gan`. */
export interface GenCommandOptions {
  dataset: 'mnist';
  /** Directory with the MNIST IDX files (`train-*` or `t10k-*`, gzip'd or not). */
  dataDir: string;
  latent?: number;
  epochs?: number;
  seed?: number;
  /** The run directory: PNGs go here and the final model into `<logdir>/model/`. */
  logdir?: string;
  batchSize?: number;
  lr?: number;
  /** Held-out examples (default {@link defaultHeldOutCount}: 10% of the images, at most 1000). */
  heldOut?: number;
  /** Use only the first `limit` images of the file (quick runs). */
  limit?: number;
  /** Images already loaded and split (e.g. by the CLI before it creates the run directory); `dataDir` is then not read. */
  data?: { train: ImageDataset; heldOut: ImageDataset };
  /** A Logger (e.g. @tfrl/logger's createRunLogger); default none. */
  logger?: Logger;
}

/** The MNIST file names `loadMnistImages` looks for, for error messages. */
export const MNIST_FILES =
  'train-images-idx3-ubyte[.gz] and train-labels-idx1-ubyte[.gz], or t10k-images-idx3-ubyte[.gz] and t10k-labels-idx1-ubyte[.gz]';

/** Held-out images split off `count` images by default: 10% of them, at most 1000. */
export function defaultHeldOutCount(count: number): number {
  return Math.min(1000, Math.floor(count / 10));
}

/** The fewest images that the default split turns into at least one held-out image and one full training batch. */
export function minImagesForSplit(batchSize: number): number {
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new RangeError(`minImagesForSplit: batchSize must be a positive integer, got ${batchSize}`);
  let n = batchSize + 1;
  while (defaultHeldOutCount(n) < 1 || n - defaultHeldOutCount(n) < batchSize) n++;
  return n;
}

/** Load the MNIST images in `dataDir` (the train split if present, else t10k), the first `limit` of them. */
export function loadMnistImages(dataDir: string, limit?: number): ImageDataset {
  if (!fileExists(dataDir)) throw new Error(`loadMnist: MNIST directory not found: ${dataDir}`);
  let paths: { imagesPath: string; labelsPath: string };
  try {
    paths = mnistPaths(dataDir, 'train');
  } catch {
    try {
      paths = mnistPaths(dataDir, 't10k');
    } catch {
      throw new Error(`loadMnist: ${dataDir} holds no MNIST IDX files (expected ${MNIST_FILES})`);
    }
  }
  return loadMnist({ ...paths, limit });
}

/**
 * Split `data` into training and held-out images: `heldOut` of them (default
 * {@link defaultHeldOutCount}), leaving at least one batch of `batchSize` (default 1) to train on.
 */
export function splitForTraining(
  data: ImageDataset,
  options: { heldOut?: number; batchSize?: number; seed?: number } = {},
): { train: ImageDataset; heldOut: ImageDataset } {
  const bs = options.batchSize ?? 1;
  const nHeldOut = options.heldOut ?? defaultHeldOutCount(data.count);
  if (options.heldOut === undefined ? data.count < minImagesForSplit(bs) : data.count - nHeldOut < bs) {
    const need = options.heldOut === undefined ? minImagesForSplit(bs) : nHeldOut + bs;
    throw new RangeError(
      `gen train: ${data.count} images are too few to hold out ${nHeldOut} and train on batches of ${bs}; ` +
        `need at least ${need} (a larger limit or a smaller batch size)`,
    );
  }
  return splitTrainHeldOut(data, nHeldOut, new Rng(options.seed ?? 0));
}

/** Load MNIST from `dataDir` (train split if present, else t10k) and split off a held-out set. */
export function loadMnistForCommand(opts: GenCommandOptions): { train: ImageDataset; heldOut: ImageDataset } {
  if (opts.dataset !== 'mnist') throw new Error(`gen train: unknown dataset ${JSON.stringify(opts.dataset)}; only 'mnist' is supported`);
  return splitForTraining(loadMnistImages(opts.dataDir, opts.limit), { heldOut: opts.heldOut, batchSize: opts.batchSize, seed: opts.seed });
}

/** `tfrl gen train vae --dataset mnist --latent 2`: trains, writes PNGs under logdir and the model into `<logdir>/model/`. */
export async function trainVaeCommand(argv: GenCommandOptions): Promise<TrainVaeResult> {
  const batchSize = argv.batchSize ?? 128;
  const { train, heldOut } = argv.data ?? loadMnistForCommand({ ...argv, batchSize });
  const result = await trainVae({
    data: train,
    heldOut,
    latentDim: argv.latent ?? 2,
    epochs: argv.epochs ?? 10,
    batchSize,
    lr: argv.lr ?? 1e-3,
    seed: argv.seed ?? 0,
    logger: argv.logger,
    outDir: argv.logdir,
  });
  const last = result.history[result.history.length - 1];
  if (last?.heldOut)
    console.info(
      `vae: held-out −ELBO ${last.heldOut.negElbo.toFixed(2)} nats (recon ${last.heldOut.recon.toFixed(2)}, KL ${last.heldOut.kl.toFixed(2)})`,
    );
  return result;
}
