import fs from 'node:fs';
import path from 'node:path';
import { initBackend } from '@tfrl/core';
import {
  type ImageDataset,
  MNIST_FILES,
  loadMnistImages,
  minImagesForSplit,
  splitForTraining,
  trainFlowCommand,
  trainGanCommand,
  trainVaeCommand,
} from '@tfrl/generative';
import { createRunLogger } from '@tfrl/logger';
import { type OptionSpec, formatOptions, parseCommandArgs } from '../args';
import { configsDir } from '../config';
import { MAX_STEPS, integerOption, seedOption, stringOption } from '../validate';

/**
 * The MNIST test split that ships next to the repository (`<repo>/../shared/data/mnist`), found
 * from the CLI package (`apps/cli`), so that the default works from any directory.
 */
export function defaultMnistDir(): string {
  return path.resolve(path.dirname(configsDir()), '..', '..', '..', 'shared', 'data', 'mnist');
}

/** Sizes beyond these would not fit in memory or are typos; an error names the option and the limit. */
export const GEN_LIMITS = {
  latent: 1024,
  epochs: 100_000,
  blocks: 64,
  batchSize: 65_536,
  limit: 100_000_000,
  /** Adam learning rate. */
  lr: 1,
  /** Noise of the 2-D toy sets (their coordinates are of order 1). */
  noise: 10,
};

export const genOptions: Record<string, OptionSpec> = {
  dataset: { type: 'string', description: 'mnist (vae, gan, dcgan) or moons | circles | checkerboard (flow)' },
  'data-dir': { type: 'string', description: 'folder with the MNIST IDX files (default <repo>/../shared/data/mnist)' },
  latent: { type: 'string', description: `latent size, 1 to ${GEN_LIMITS.latent} (vae default 2, gan 100)` },
  epochs: { type: 'string', description: 'epochs over the training set (vae default 10, gan 5)' },
  steps: { type: 'string', description: 'Adam steps (flow, default 8000)' },
  model: { type: 'string', description: 'flow model: glow | realnvp | affine (default glow)' },
  blocks: { type: 'string', description: `flow blocks / coupling layers, 1 to ${GEN_LIMITS.blocks} (default 8)` },
  noise: { type: 'string', description: 'noise of the 2-D toy data set (moons default 0.1, circles 0.05)' },
  'batch-size': { type: 'string', description: 'minibatch size (vae 128, gan 64, flow 256)' },
  lr: { type: 'string', description: 'learning rate (vae 1e-3, gan 2e-4, flow 2e-3)' },
  limit: { type: 'string', description: 'use only the first N images (quick runs; 10% of them, at most 1000, are held out)' },
  seed: { type: 'string', description: 'random seed, an integer in [0, 2^32 − 1] (default 0)' },
  backend: { type: 'string', description: 'auto | tensorflow-gpu | tensorflow | wasm | cpu (default auto)' },
  logdir: { type: 'string', description: 'root folder of the runs (default ./runs)' },
  help: { type: 'boolean', short: 'h', description: 'show this help' },
};

export const genHelp = `Usage: tfrl gen train <vae|gan|dcgan|flow> [options]

Trains a generative model, logs its losses to TensorBoard / CSV / JSONL (one step axis: optimizer
steps), writes PNG sample grids (flows: data, sample and density plots) and saves the final model
in <logdir>/<dataset>/<model>-<seed>-<timestamp>/model/.

Options:
${formatOptions(genOptions)}

Examples:
  tfrl gen train vae --dataset mnist --latent 2 --epochs 10
  tfrl gen train dcgan --dataset mnist --epochs 5
  tfrl gen train flow --dataset moons --model glow --steps 5000
`;

const MODELS = ['vae', 'gan', 'dcgan', 'flow'] as const;
type GenModel = (typeof MODELS)[number];
const FLOW_DATASETS = ['moons', 'circles', 'checkerboard'] as const;
const FLOW_MODELS = ['glow', 'realnvp', 'affine'] as const;
const BACKENDS = ['auto', 'tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'];
/** Options of one family only. */
const IMAGE_ONLY = ['data-dir', 'latent', 'epochs', 'limit'];
const FLOW_ONLY = ['steps', 'model', 'blocks', 'noise'];

/** A finite number option within [min, max] (or (min, max] with `above`). */
function numberOption(value: unknown, name: string, range: { min: number; max: number; above?: boolean }): number {
  const rule = range.above ? `a number above ${range.min} and at most ${range.max}` : `a number from ${range.min} to ${range.max}`;
  if (typeof value !== 'string' || value.trim() === '') throw new Error(`tfrl: ${name} needs a value (${rule})`);
  const s = value.trim();
  const n = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(s) ? Number(s) : Number.NaN;
  if (!Number.isFinite(n) || (range.above ? n <= range.min : n < range.min) || n > range.max) {
    throw new Error(`tfrl: ${name} must be ${rule}, got ${JSON.stringify(value)}`);
  }
  return n;
}

function oneOf<T extends string>(value: unknown, name: string, allowed: readonly T[], what: string): T {
  const s = stringOption(value, name);
  if (!allowed.includes(s as T)) {
    const list = allowed.length > 1 ? `${allowed.slice(0, -1).join(', ')} or ${allowed[allowed.length - 1]}` : allowed[0];
    throw new Error(`tfrl ${what}: ${name} must be ${list}, got ${JSON.stringify(s)}`);
  }
  return s as T;
}

interface Common {
  model: GenModel;
  dataset: string;
  seed: number;
  backend: string;
  logdir: string;
  batchSize: number;
  lr: number;
}

interface FlowRun extends Common {
  kind: 'flow';
  flowModel: (typeof FLOW_MODELS)[number];
  steps: number;
  blocks: number | undefined;
  noise: number | undefined;
}

interface ImageRun extends Common {
  kind: 'image';
  dataDir: string;
  latent: number;
  epochs: number;
  limit: number | undefined;
  train: ImageDataset;
  heldOut: ImageDataset;
}

/** Checks every option, and for MNIST loads and splits the data, before anything is written. */
function prepareRun(model: GenModel, values: Record<string, unknown>): FlowRun | ImageRun {
  const what = `gen train ${model}`;
  const isFlow = model === 'flow';
  for (const opt of isFlow ? IMAGE_ONLY : FLOW_ONLY) {
    if (values[opt] !== undefined) {
      throw new Error(`tfrl ${what}: --${opt} applies to ${isFlow ? 'vae, gan and dcgan' : 'flow'} runs only`);
    }
  }
  const seed = values.seed === undefined ? 0 : seedOption(values.seed);
  const backend = values.backend === undefined ? 'auto' : oneOf(values.backend, '--backend', BACKENDS, what);
  const logdir = values.logdir === undefined ? 'runs' : stringOption(values.logdir, '--logdir');
  const batchSize = integerOption(values['batch-size'] ?? (isFlow ? 256 : model === 'vae' ? 128 : 64), '--batch-size', {
    min: model === 'vae' ? 1 : 2,
    max: GEN_LIMITS.batchSize,
  });
  const lr = numberOption(values.lr ?? String(isFlow ? 2e-3 : model === 'vae' ? 1e-3 : 2e-4), '--lr', {
    min: 0,
    max: GEN_LIMITS.lr,
    above: true,
  });

  if (isFlow) {
    const dataset = values.dataset === undefined ? 'moons' : oneOf(values.dataset, '--dataset', FLOW_DATASETS, what);
    const flowModel = values.model === undefined ? 'glow' : oneOf(values.model, '--model', FLOW_MODELS, what);
    const steps = integerOption(values.steps ?? 8000, '--steps', { min: 1, max: MAX_STEPS });
    const blocks = values.blocks === undefined ? undefined : integerOption(values.blocks, '--blocks', { min: 1, max: GEN_LIMITS.blocks });
    if (blocks !== undefined && flowModel === 'affine') throw new Error(`tfrl ${what}: --blocks does not apply to --model affine`);
    const noise = values.noise === undefined ? undefined : numberOption(values.noise, '--noise', { min: 0, max: GEN_LIMITS.noise });
    if (noise !== undefined && dataset === 'checkerboard')
      throw new Error(`tfrl ${what}: --noise does not apply to --dataset checkerboard`);
    return { kind: 'flow', model, dataset, seed, backend, logdir, batchSize, lr, flowModel, steps, blocks, noise };
  }

  const dataset = values.dataset === undefined ? 'mnist' : oneOf(values.dataset, '--dataset', ['mnist'], what);
  const latent = integerOption(values.latent ?? (model === 'vae' ? 2 : 100), '--latent', { min: 1, max: GEN_LIMITS.latent });
  const epochs = integerOption(values.epochs ?? (model === 'vae' ? 10 : 5), '--epochs', { min: 1, max: GEN_LIMITS.epochs });
  const limit = values.limit === undefined ? undefined : integerOption(values.limit, '--limit', { min: 1, max: GEN_LIMITS.limit });
  const given = values['data-dir'] !== undefined;
  const dataDir = path.resolve(given ? stringOption(values['data-dir'], '--data-dir') : defaultMnistDir());
  const pointAt = `point --data-dir at a folder holding the MNIST IDX files (${MNIST_FILES})`;
  if (!fs.existsSync(dataDir)) {
    throw new Error(
      `tfrl ${what}: MNIST directory not found: ${dataDir}${given ? '' : ' (the default: the MNIST test split shipped at <repo>/../shared/data/mnist)'}; ${pointAt}`,
    );
  }
  let data: ImageDataset;
  try {
    data = loadMnistImages(dataDir, limit);
  } catch (e) {
    const message = (e as Error).message;
    if (/holds no MNIST IDX files/.test(message)) throw new Error(`tfrl ${what}: ${dataDir} holds no MNIST IDX files; ${pointAt}`);
    throw new Error(`tfrl ${what}: ${message}`);
  }
  const min = minImagesForSplit(batchSize);
  if (data.count < min) {
    const split = `too few to hold out 10% and train on batches of ${batchSize}`;
    const limited = limit !== undefined && data.count === limit;
    const source = limited
      ? `--limit ${limit} leaves ${data.count} images`
      : `the MNIST files in ${dataDir} hold only ${data.count} images`;
    const fix = limited ? `give --limit ${min} or more` : `use MNIST files with at least ${min} images`;
    throw new Error(`tfrl ${what}: ${source}, ${split}; ${fix} (or a smaller --batch-size)`);
  }
  const { train, heldOut } = splitForTraining(data, { batchSize, seed });
  return { kind: 'image', model, dataset, seed, backend, logdir, batchSize, lr, dataDir, latent, epochs, limit, train, heldOut };
}

/** The resolved settings of a run, as config.json records them (image counts instead of the images). */
function runSettings(run: FlowRun | ImageRun): Record<string, unknown> {
  if (run.kind === 'flow') return { ...run };
  const { train, heldOut, ...settings } = run;
  return { ...settings, trainImages: train.count, heldOutImages: heldOut.count };
}

/** What the progress line shows instead of an episode return. */
const PROGRESS_TAGS: Record<GenModel, Record<string, string>> = {
  vae: { loss: 'train/loss', '−ELBO': 'eval/neg_elbo' },
  gan: { d_loss: 'gan/d_loss', g_loss: 'gan/g_loss' },
  dcgan: { d_loss: 'gan/d_loss', g_loss: 'gan/g_loss' },
  flow: { nll: 'train/nll', 'held-out nll': 'eval/nll' },
};

export async function genCommand(argv: string[]): Promise<{ runDir: string } | null> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help') {
    console.log(genHelp);
    return null;
  }
  if (sub !== 'train') throw new Error(`tfrl gen: unknown subcommand "${sub}"; valid: train\n\n${genHelp}`);
  const { values, positionals } = parseCommandArgs('gen train', rest, genOptions);
  if (values.help) {
    console.log(genHelp);
    return null;
  }
  const model = positionals[0] as GenModel;
  if (positionals.length !== 1 || !MODELS.includes(model)) {
    throw new Error(`tfrl gen train: expected one model among ${MODELS.join(', ')}, got ${positionals.join(' ') || 'none'}`);
  }

  // ---- every value is checked and the data loaded here, before the run directory exists
  const run = prepareRun(model, values);
  const backend = await initBackend(run.backend as 'auto', { quiet: true });
  const totalSteps = run.kind === 'flow' ? run.steps : run.epochs * Math.floor(run.train.count / run.batchSize);
  const config = {
    ...runSettings(run),
    backend: backend.name,
    totalSteps,
    command: ['tfrl', 'gen', ...argv].join(' '),
  };
  const { logger, runDir } = createRunLogger({
    rootDir: run.logdir,
    env: run.dataset,
    algo: model,
    seed: run.seed,
    config,
    console: { totalSteps, tableIntervalSeconds: 10, progressTags: PROGRESS_TAGS[model] },
  });
  console.log(`tfrl gen train ${model} on ${run.dataset}: backend ${backend.name}, seed ${run.seed}, ${totalSteps} steps, run ${runDir}`);
  try {
    if (run.kind === 'flow') {
      const res = await trainFlowCommand({
        dataset: run.dataset as (typeof FLOW_DATASETS)[number],
        model: run.flowModel,
        blocks: run.blocks,
        steps: run.steps,
        batchSize: run.batchSize,
        lr: run.lr,
        noise: run.noise,
        seed: run.seed,
        outDir: path.join(runDir, 'model'),
        imageDir: runDir,
        logger,
      });
      console.log(`flow: held-out NLL ${res.heldOutNll.toFixed(3)} nats`);
      res.flow.dispose();
    } else {
      const common = {
        dataset: 'mnist' as const,
        dataDir: run.dataDir,
        data: { train: run.train, heldOut: run.heldOut },
        latent: run.latent,
        epochs: run.epochs,
        batchSize: run.batchSize,
        lr: run.lr,
        seed: run.seed,
        logdir: runDir,
        logger,
      };
      if (model === 'vae') (await trainVaeCommand(common)).vae.dispose();
      else (await trainGanCommand({ ...common, architecture: model === 'gan' ? 'mlp' : 'dcgan' })).gan.dispose();
    }
  } finally {
    // A non-finite loss stops training with an error that propagates from here; no model is saved then.
    logger.close();
  }
  console.log(`Run directory: ${runDir}`);
  return { runDir };
}
