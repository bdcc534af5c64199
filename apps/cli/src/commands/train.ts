import path from 'node:path';
import { type Algorithm, EvalCallback, type VecEnv, evaluatePolicy, getAlgorithm, initBackend } from '@tfrl/core';
import { make, makeVec } from '@tfrl/envs';
import { createRunLogger } from '@tfrl/logger';
import { type OptionSpec, formatOptions, parseCommandArgs, parseSetPairs } from '../args';
import { type Config, defaultConfig, parseScalar, toNumber, userConfig } from '../config';
import { resolveEnvId } from '../envs';

export const trainOptions: Record<string, OptionSpec> = {
  config: { type: 'string', description: 'YAML file of hyperparameters (flat, or keyed by env id)' },
  set: { type: 'string', multiple: true, description: 'override one hyperparameter: --set learning_rate=3e-4' },
  seed: { type: 'string', description: 'random seed (default 0)' },
  steps: { type: 'string', description: 'total environment steps (default: n_timesteps of the config)' },
  backend: { type: 'string', description: 'auto | tensorflow-gpu | tensorflow | wasm | cpu (default auto)' },
  logdir: { type: 'string', description: 'root folder of the runs (default ./runs)' },
  'eval-episodes': { type: 'string', description: 'episodes of the final evaluation (default 10)' },
  'eval-freq': { type: 'string', description: 'evaluate every N steps during training (default: off)' },
  quiet: { type: 'boolean', description: 'no progress output' },
  help: { type: 'boolean', short: 'h', description: 'show this help' },
};

export const trainHelp = `Usage: tfrl train <algo> <env> [options]

Trains <algo> on <env> with the default hyperparameters of configs/<algo>.yml for that env,
overridden by --config and --set, logs to <logdir>/<env>/<algo>-<seed>-<timestamp>/ (TensorBoard,
CSV, JSONL, config.json), saves the model in <run>/model and prints the final evaluation.

Options:
${formatOptions(trainOptions)}

Examples:
  tfrl train ppo CartPole-v1
  tfrl train ppo CartPole-v1 --steps 50000 --seed 3 --backend cpu
  tfrl train dqn CartPole-v1 --set learning_rate=1e-3 --set batch_size=64
`;

/** Keys of an RL-Zoo config that configure the run rather than the algorithm. */
const RUN_KEYS = ['n_timesteps', 'n_envs', 'env_kwargs', 'policy', 'eval_freq', 'n_eval_episodes'];

export interface TrainResult {
  runDir: string;
  meanReward: number;
  stdReward: number;
}

export async function trainCommand(argv: string[]): Promise<TrainResult | null> {
  const { values, positionals } = parseCommandArgs('train', argv, trainOptions);
  if (values.help) {
    console.log(trainHelp);
    return null;
  }
  if (positionals.length !== 2) throw new Error(`tfrl train: expected <algo> <env>, got ${positionals.length} arguments\n\n${trainHelp}`);
  const [algoName, envArg] = positionals as [string, string];
  const algo = getAlgorithm(algoName.toLowerCase());
  const envId = resolveEnvId(envArg);

  const { config: defaults, source } = defaultConfig(algo.name, envId);
  let config: Config = { ...defaults };
  if (typeof values.config === 'string') config = { ...config, ...userConfig(values.config, envId) };
  const sets = (values.set as string[] | undefined) ?? [];
  config = { ...config, ...parseSetPairs(sets, parseScalar) };

  const seed = values.seed === undefined ? 0 : toNumber(values.seed, '--seed');
  if (!Number.isInteger(seed) || seed < 0) throw new Error(`tfrl train: --seed must be a non-negative integer, got ${values.seed}`);
  const totalTimesteps = Math.round(
    values.steps !== undefined ? toNumber(values.steps, '--steps') : toNumber(config.n_timesteps ?? 100_000, 'n_timesteps'),
  );
  const nEnvs = Math.round(toNumber(config.n_envs ?? 1, 'n_envs'));
  const envKwargs = (config.env_kwargs as Record<string, unknown> | undefined) ?? {};
  const evalEpisodes = Math.round(toNumber(values['eval-episodes'] ?? config.n_eval_episodes ?? 10, '--eval-episodes'));
  const evalFreq =
    values['eval-freq'] !== undefined ? Math.round(toNumber(values['eval-freq'], '--eval-freq')) : Number(config.eval_freq ?? 0);
  const hyperparameters = Object.fromEntries(Object.entries(config).filter(([k]) => !RUN_KEYS.includes(k)));

  const backend = await initBackend(((values.backend as string | undefined) ?? 'auto') as 'auto', { quiet: true });
  const quiet = Boolean(values.quiet);
  if (!quiet) {
    console.log(`tfrl train ${algo.name} ${envId}: backend ${backend.name}, seed ${seed}, ${totalTimesteps} steps, ${nEnvs} env(s)`);
    if (source) console.log(`  defaults from ${path.relative(process.cwd(), source)}`);
  }

  const env: VecEnv = makeVec(envId, nEnvs, { seed, kwargs: envKwargs });
  const agent = new algo.ctor({ env, seed, ...hyperparameters }) as Algorithm<any>;
  const resolved = {
    algo: algo.name,
    env: envId,
    envKwargs,
    seed,
    backend: backend.name,
    totalTimesteps,
    nEnvs,
    hyperparameters: agent.hyperparameters,
    command: ['tfrl', 'train', ...argv].join(' '),
  };
  const { logger, runDir } = createRunLogger({
    rootDir: (values.logdir as string | undefined) ?? 'runs',
    env: envId,
    algo: algo.name,
    seed,
    config: resolved,
    sinks: quiet ? ['tensorboard', 'csv', 'jsonl'] : ['tensorboard', 'csv', 'jsonl', 'console'],
    console: { totalSteps: totalTimesteps, tableIntervalSeconds: 10 },
  });

  const callbacks = [];
  if (evalFreq > 0) {
    callbacks.push(
      new EvalCallback({
        evalEnv: make(envId, envKwargs),
        evalFreq: Math.max(1, Math.floor(evalFreq / nEnvs)),
        nEvalEpisodes: 5,
        deterministic: true,
        bestModelSavePath: path.join(runDir, 'best_model'),
        logger,
      }),
    );
  }
  const t0 = performance.now();
  try {
    await agent.learn({ totalTimesteps, callbacks, logger });
  } finally {
    env.close();
  }
  const seconds = (performance.now() - t0) / 1000;
  await agent.save(path.join(runDir, 'model'));

  const evalEnv = make(envId, envKwargs);
  const result = await evaluatePolicy(agent, evalEnv, { nEpisodes: evalEpisodes, deterministic: true, seed: seed + 10_000 });
  evalEnv.close();
  logger.scalar('eval/final_mean_reward', result.meanReward, agent.numTimesteps);
  logger.flush();
  logger.close();
  console.log(
    `Trained ${algo.name} on ${envId} for ${agent.numTimesteps} steps in ${seconds.toFixed(1)} s (${(agent.numTimesteps / seconds).toFixed(0)} steps/s, backend ${backend.name}).`,
  );
  console.log(
    `Final evaluation over ${evalEpisodes} episodes (deterministic): mean reward ${result.meanReward.toFixed(2)} ± ${result.stdReward.toFixed(2)}`,
  );
  console.log(`Run directory: ${runDir}`);
  return { runDir, meanReward: result.meanReward, stdReward: result.stdReward };
}
