import fs from 'node:fs';
import path from 'node:path';
import { type Algorithm, type Env, initBackend, loadAgent } from '@tfrl/core';
import { listParallelEnvs, lunarLanderHeuristic } from '@tfrl/envs';
import type { RecordPolicyFn } from '@tfrl/imitation';
import { modelDirOf, runDirOf } from './commands/eval';
import { readRunConfig } from './commands/train';
import { makeEvalEnv } from './envs';

/** Envs with a hand-written expert, and how to build its policy. */
export const HEURISTICS: Record<string, () => RecordPolicyFn> = {
  'LunarLander-v3': () => (obs) => lunarLanderHeuristic(obs, { continuous: false }),
  'LunarLanderContinuous-v3': () => (obs) => lunarLanderHeuristic(obs, { continuous: true }),
};

/** An expert that can be asked for an action in any state (`tfrl record`, `tfrl train dagger`). */
export interface ResolvedExpert {
  /** A bare policy function (heuristic) or a loaded agent (run directory). */
  policy: RecordPolicyFn | Algorithm<any>;
  /** A single env of the expert's env (with the run's env kwargs), for rolling the expert out. */
  env: Env<any, any>;
  /** For messages: `the LunarLander-v3 heuristic`, `ppo (runs/…/model)`. */
  label: string;
  /** `'heuristic'`, or the absolute path of the loaded model directory. */
  source: string;
  /** The run's algorithm name and env kwargs, for a run directory. */
  run?: { algo: string; envKwargs: Record<string, unknown> };
  /** Close the env and dispose of a loaded agent. */
  dispose(): void;
}

/**
 * `heuristic` (a hand-written controller for `envId`, see {@link HEURISTICS}) or a trained tfrl run
 * (a run directory, its model/ or best_model/, or a checkpoint; it must have been trained on
 * `envId`) as an expert. Errors start with `tfrl <command>:` and name what was wrong. A run's model
 * is loaded on the current backend, or on `options.backend`, initialised after the run directory
 * was checked (a heuristic needs no backend).
 */
export async function resolveExpert(
  source: string,
  envId: string,
  command: string,
  options: { backend?: string } = {},
): Promise<ResolvedExpert> {
  if (source === 'heuristic') {
    const makePolicy = HEURISTICS[envId];
    if (!makePolicy) {
      throw new Error(`tfrl ${command}: no heuristic for ${envId}; envs with one: ${Object.keys(HEURISTICS).join(', ')}`);
    }
    const env = makeEvalEnv(envId);
    return { policy: makePolicy(), env, label: `the ${envId} heuristic`, source: 'heuristic', dispose: () => env.close() };
  }
  if (!fs.existsSync(source)) throw new Error(`tfrl ${command}: run directory not found: ${source} (or give "heuristic")`);
  const modelDir = modelDirOf(source, command);
  const run = readRunConfig(runDirOf(source, command));
  if (run.env !== envId) throw new Error(`tfrl ${command}: ${source} was trained on ${run.env}, not ${envId}`);
  if (listParallelEnvs().includes(run.env)) {
    throw new Error(`tfrl ${command}: ${run.env} is a multi-agent env; it cannot be used as an expert`);
  }
  if (options.backend !== undefined) await initBackend(options.backend as 'auto', { quiet: true });
  const envKwargs = run.envKwargs ?? {};
  const env = makeEvalEnv(run.env, envKwargs);
  let agent: Algorithm<any>;
  try {
    agent = await loadAgent<Algorithm<any>>(modelDir, { env });
  } catch (e) {
    env.close();
    throw e;
  }
  return {
    policy: agent,
    env,
    label: `${run.algo} (${modelDir})`,
    source: path.resolve(modelDir),
    run: { algo: run.algo, envKwargs },
    dispose: () => {
      env.close();
      agent.dispose();
    },
  };
}
