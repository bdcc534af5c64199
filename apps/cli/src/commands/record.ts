import fs from 'node:fs';
import path from 'node:path';
import { type Dataset, datasetFileFormat, datasetStats, recordDataset, writeDataset } from '@tfrl/imitation';
import { type OptionSpec, formatOptions, parseCommandArgs } from '../args';
import { resolveEnvId } from '../envs';
import { HEURISTICS, resolveExpert } from '../experts';
import { integerOption, seedOption, stringOption } from '../validate';

export const recordOptions: Record<string, OptionSpec> = {
  episodes: { type: 'string', description: 'number of episodes to record (required)' },
  out: { type: 'string', description: 'output file: .npz (D4RL layout) or .h5 / .hdf5 (Minari) (required)' },
  seed: { type: 'string', description: 'episode i is reset with seed S + i (default 0)' },
  force: { type: 'boolean', description: 'replace an existing --out file' },
  stochastic: { type: 'boolean', description: 'sample actions instead of taking the mode (a run dir only)' },
  backend: { type: 'string', description: 'auto | tensorflow-gpu | tensorflow | wasm | cpu (default auto; a run dir only)' },
  help: { type: 'boolean', short: 'h', description: 'show this help' },
};

/** Envs with a hand-written expert (kept here for importers of the record command). */
export { HEURISTICS };

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

  const backend = values.backend === undefined ? 'auto' : stringOption(values.backend, '--backend');
  const expert = await resolveExpert(source, envId, 'record', { backend });
  let dataset: Dataset;
  try {
    dataset = recordDataset(expert.policy, expert.env, { episodes, seed, deterministic, envId, source: expert.source });
    if (expert.run) {
      dataset.metadata['algo'] = expert.run.algo;
      if (Object.keys(expert.run.envKwargs).length > 0) dataset.metadata['envKwargs'] = expert.run.envKwargs;
    }
  } finally {
    expert.dispose();
  }

  await writeDataset(dataset, out);
  const stats = datasetStats(dataset);
  console.log(
    `Recorded ${stats.episodes} episodes, ${stats.steps} steps of ${expert.label} on ${envId}: mean return ${stats.meanReturn.toFixed(2)} ± ${stats.stdReturn.toFixed(2)}`,
  );
  console.log(`Wrote ${outArg} (${format === 'npz' ? '.npz' : 'Minari HDF5'})`);
  return { out, format, episodes: stats.episodes, steps: stats.steps, meanReturn: stats.meanReturn, stdReturn: stats.stdReturn };
}
