import fs from 'node:fs';
import path from 'node:path';
import { type Algorithm, initBackend, loadAgent } from '@tfrl/core';
import { listParallelEnvs, lunarLanderHeuristic } from '@tfrl/envs';
import { type Dataset, type RecordPolicyFn, datasetFileFormat, datasetStats, recordDataset, writeDataset } from '@tfrl/imitation';
import { type OptionSpec, formatOptions, parseCommandArgs } from '../args';
import { makeEvalEnv, resolveEnvId } from '../envs';
import { integerOption, seedOption, stringOption } from '../validate';
import { modelDirOf, runDirOf } from './eval';
import { readRunConfig } from './train';

export const recordOptions: Record<string, OptionSpec> = {
  episodes: { type: 'string', description: 'number of episodes to record (required)' },
  out: { type: 'string', description: 'output file: .npz (D4RL layout) or .h5 / .hdf5 (Minari) (required)' },
  seed: { type: 'string', description: 'episode i is reset with seed S + i (default 0)' },
  force: { type: 'boolean', description: 'replace an existing --out file' },
  stochastic: { type: 'boolean', description: 'sample actions instead of taking the mode (a run dir only)' },
  backend: { type: 'string', description: 'auto | tensorflow-gpu | tensorflow | wasm | cpu (default auto; a run dir only)' },
  help: { type: 'boolean', short: 'h', description: 'show this help' },
};

/** Envs with a hand-written expert, and how to build its policy. */
export const HEURISTICS: Record<string, () => RecordPolicyFn> = {
  'LunarLander-v3': () => (obs) => lunarLanderHeuristic(obs, { continuous: false }),
  'LunarLanderContinuous-v3': () => (obs) => lunarLanderHeuristic(obs, { continuous: true }),
};

export const recordHelp = `Usage: tfrl record <run-dir | heuristic> <env> --episodes N --out file.(h5|hdf5|npz) [options]

Rolls out an expert and writes the episodes as expert data for imitation learning: a trained run's
model (<run-dir>/model, best_model or a checkpoint; <env> must be the run's env) or a hand-written
controller (heuristic: ${Object.keys(HEURISTICS).join(', ')}). The format follows the extension:
.npz is the D4RL / imitation flat layout, .h5 / .hdf5 a Minari main_data.hdf5.

Options:
${formatOptions(recordOptions)}

Examples:
  tfrl record heuristic LunarLander-v3 --episodes 50 --out lunar-expert.npz
  tfrl record runs/CartPole-v1/ppo-0-20261121-131500 CartPole-v1 --episodes 20 --out cartpole/data/main_data.hdf5
`;

export interface RecordResult {
  out: string;
  format: 'npz' | 'minari';
  episodes: number;
  steps: number;
  meanReturn: number;
  stdReturn: number;
}

export async function recordCommand(argv: string[]): Promise<RecordResult | null> {
  const { values, positionals } = parseCommandArgs('record', argv, recordOptions);
  if (values.help) {
    console.log(recordHelp);
    return null;
  }
  if (positionals.length !== 2) throw new Error(`tfrl record: expected <run-dir | heuristic> <env>\n\n${recordHelp}`);
  const [source, envArg] = positionals as [string, string];
  if (values.episodes === undefined) throw new Error('tfrl record: --episodes N is required');
  const episodes = integerOption(values.episodes, '--episodes', { min: 1, max: 1e6 });
  if (values.out === undefined) throw new Error('tfrl record: --out file.npz | file.h5 | file.hdf5 is required');
  const outArg = stringOption(values.out, '--out');
  const out = path.resolve(outArg);
  const format = datasetFileFormat(out);
  if (!format) throw new Error(`tfrl record: --out must end in .npz, .h5 or .hdf5, got ${JSON.stringify(outArg)}`);
  if (fs.existsSync(out) && !values.force) throw new Error(`tfrl record: ${outArg} exists; give --force to replace it`);
  if (fs.existsSync(out) && fs.statSync(out).isDirectory()) throw new Error(`tfrl record: --out ${outArg} is a directory`);
  const seed = values.seed === undefined ? 0 : seedOption(values.seed);
  const deterministic = !values.stochastic;
  const envId = resolveEnvId(envArg);

  let dataset: Dataset;
  let label: string;
  if (source === 'heuristic') {
    const makePolicy = HEURISTICS[envId];
    if (!makePolicy) {
      throw new Error(`tfrl record: no heuristic for ${envId}; envs with one: ${Object.keys(HEURISTICS).join(', ')}`);
    }
    label = `the ${envId} heuristic`;
    const env = makeEvalEnv(envId);
    try {
      dataset = recordDataset(makePolicy(), env, { episodes, seed, envId, source: 'heuristic' });
    } finally {
      env.close();
    }
  } else {
    if (!fs.existsSync(source)) throw new Error(`tfrl record: run directory not found: ${source} (or give "heuristic")`);
    const modelDir = modelDirOf(source, 'record');
    const run = readRunConfig(runDirOf(source, 'record'));
    if (run.env !== envId) throw new Error(`tfrl record: ${source} was trained on ${run.env}, not ${envId}`);
    if (listParallelEnvs().includes(run.env))
      throw new Error(`tfrl record: ${run.env} is a multi-agent env; recording it is not supported`);
    const backendName = values.backend === undefined ? 'auto' : stringOption(values.backend, '--backend');
    await initBackend(backendName as 'auto', { quiet: true });
    const env = makeEvalEnv(run.env, run.envKwargs ?? {});
    const agent = await loadAgent<Algorithm<any>>(modelDir, { env });
    label = `${run.algo} (${modelDir})`;
    try {
      dataset = recordDataset(agent, env, { episodes, seed, deterministic, envId, source: path.resolve(modelDir) });
      dataset.metadata['algo'] = run.algo;
      if (run.envKwargs && Object.keys(run.envKwargs).length > 0) dataset.metadata['envKwargs'] = run.envKwargs;
    } finally {
      env.close();
      agent.dispose();
    }
  }

  await writeDataset(dataset, out);
  const stats = datasetStats(dataset);
  console.log(
    `Recorded ${stats.episodes} episodes, ${stats.steps} steps of ${label} on ${envId}: mean return ${stats.meanReturn.toFixed(2)} ± ${stats.stdReturn.toFixed(2)}`,
  );
  console.log(`Wrote ${outArg} (${format === 'npz' ? '.npz' : 'Minari HDF5'})`);
  return { out, format, episodes: stats.episodes, steps: stats.steps, meanReturn: stats.meanReturn, stdReturn: stats.stdReturn };
}
