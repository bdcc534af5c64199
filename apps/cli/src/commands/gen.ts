import path from 'node:path';
import { initBackend } from '@tfrl/core';
import { trainFlowCommand, trainGanCommand, trainVaeCommand } from '@tfrl/generative';
import { createRunLogger } from '@tfrl/logger';
import { type OptionSpec, formatOptions, parseCommandArgs } from '../args';
import { toNumber } from '../config';

export const genOptions: Record<string, OptionSpec> = {
  dataset: { type: 'string', description: 'mnist (vae, gan, dcgan) or moons | circles | checkerboard (flow)' },
  'data-dir': { type: 'string', description: 'folder with the MNIST IDX files (default ../shared/data/mnist)' },
  latent: { type: 'string', description: 'latent size (vae default 2, gan 100)' },
  epochs: { type: 'string', description: 'epochs over the training set (vae, gan)' },
  steps: { type: 'string', description: 'Adam steps (flow, default 5000)' },
  model: { type: 'string', description: 'flow model: glow | realnvp | affine (default glow)' },
  blocks: { type: 'string', description: 'flow blocks / coupling layers (default 8)' },
  noise: { type: 'string', description: 'noise of the 2-D toy data set' },
  'batch-size': { type: 'string', description: 'minibatch size' },
  lr: { type: 'string', description: 'learning rate' },
  limit: { type: 'string', description: 'use only the first N images (quick runs)' },
  seed: { type: 'string', description: 'random seed (default 0)' },
  backend: { type: 'string', description: 'auto | tensorflow-gpu | tensorflow | wasm | cpu (default auto)' },
  logdir: { type: 'string', description: 'root folder of the runs (default ./runs)' },
  help: { type: 'boolean', short: 'h', description: 'show this help' },
};

export const genHelp = `Usage: tfrl gen train <vae|gan|dcgan|flow> [options]

Trains a generative model, logs its losses to TensorBoard / CSV / JSONL, writes PNG sample grids
and a checkpoint under <logdir>/<dataset>/<model>-<seed>-<timestamp>/.

Options:
${formatOptions(genOptions)}

Examples:
  tfrl gen train vae --dataset mnist --latent 2 --epochs 10
  tfrl gen train dcgan --dataset mnist --epochs 5
  tfrl gen train flow --dataset moons --model glow --steps 5000
`;

const MODELS = ['vae', 'gan', 'dcgan', 'flow'] as const;

function num(v: unknown, name: string): number | undefined {
  return v === undefined ? undefined : toNumber(v, name);
}

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
  const model = positionals[0];
  if (positionals.length !== 1 || !MODELS.includes(model as (typeof MODELS)[number])) {
    throw new Error(`tfrl gen train: expected one model among ${MODELS.join(', ')}, got ${positionals.join(' ') || 'none'}`);
  }
  const seed = num(values.seed, '--seed') ?? 0;
  const dataset = (values.dataset as string | undefined) ?? (model === 'flow' ? 'moons' : 'mnist');
  const backend = await initBackend(((values.backend as string | undefined) ?? 'auto') as 'auto', { quiet: true });
  const config = { model, dataset, seed, backend: backend.name, options: values, command: ['tfrl', 'gen', ...argv].join(' ') };
  const { logger, runDir } = createRunLogger({
    rootDir: (values.logdir as string | undefined) ?? 'runs',
    env: dataset,
    algo: model,
    seed,
    config,
    console: { tableIntervalSeconds: 10 },
  });
  console.log(`tfrl gen train ${model} on ${dataset}: backend ${backend.name}, seed ${seed}, run ${runDir}`);
  try {
    if (model === 'flow') {
      if (!['moons', 'circles', 'checkerboard'].includes(dataset)) {
        throw new Error(`tfrl gen train flow: --dataset must be moons, circles or checkerboard, got "${dataset}"`);
      }
      const res = await trainFlowCommand({
        dataset: dataset as 'moons',
        model: ((values.model as string | undefined) ?? 'glow') as 'glow',
        blocks: num(values.blocks, '--blocks'),
        steps: num(values.steps, '--steps'),
        batchSize: num(values['batch-size'], '--batch-size'),
        lr: num(values.lr, '--lr'),
        noise: num(values.noise, '--noise'),
        seed,
        outDir: path.join(runDir, 'model'),
        logger,
      });
      console.log(`flow: held-out NLL ${res.heldOutNll.toFixed(3)} nats`);
      res.flow.dispose();
    } else {
      if (dataset !== 'mnist') throw new Error(`tfrl gen train ${model}: --dataset must be mnist, got "${dataset}"`);
      const dataDir = (values['data-dir'] as string | undefined) ?? path.resolve('..', 'shared', 'data', 'mnist');
      const common = {
        dataset: 'mnist' as const,
        dataDir,
        latent: num(values.latent, '--latent'),
        epochs: num(values.epochs, '--epochs'),
        batchSize: num(values['batch-size'], '--batch-size'),
        lr: num(values.lr, '--lr'),
        limit: num(values.limit, '--limit'),
        seed,
        logdir: runDir,
        logger,
      };
      if (model === 'vae') await trainVaeCommand(common);
      else await trainGanCommand({ ...common, architecture: model === 'gan' ? 'mlp' : 'dcgan' });
    }
  } finally {
    logger.close();
  }
  console.log(`Run directory: ${runDir}`);
  return { runDir };
}
