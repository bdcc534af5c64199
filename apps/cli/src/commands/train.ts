import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  type AlgorithmRegistration,
  type Env,
  type Algorithm,
  BaseCallback,
  type CallbackContext,
  EvalCallback,
  WeightHistogramCallback,
  MultiAgentAlgorithm,
  MultiAgentEvalCallback,
  OffPolicyAlgorithm,
  OnPolicyAlgorithm,
  SyncVecParallelEnv,
  type VecEnv,
  closestName,
  evaluateMultiAgent,
  evaluatePolicy,
  getAlgorithm,
  initBackend,
  loadAgent,
} from '@tfrl/core';
import { EpisodeEndHeatmap, SuccessRateCallback, goalLayout } from '@tfrl/curriculum';
import { listParallelEnvs, makeParallel, makeVec } from '@tfrl/envs';
import { DAgger, DATASET_EXTENSIONS, type Dataset, datasetFileFormat, readDataset } from '@tfrl/imitation';
import {
  type CurveGroup,
  RecordVideo,
  TAG_STYLES,
  type TagStyle,
  createRunLogger,
  plotCurves,
  readScalarCsv,
  requireFfmpeg,
  scalarColumn,
  writePng,
} from '@tfrl/logger';
import { type OptionSpec, formatOptions, parseCommandArgs, parseSetPairs } from '../args';
import { type Config, configsDir, defaultConfig, parseScalar, readYamlFile, userConfig } from '../config';
import { makeEvalEnv, resolveEnvId } from '../envs';
import { type ResolvedExpert, resolveExpert } from '../experts';
import { MAX_STEPS, camelKey, checkSizes, integerOption, mergeConfigs, seedOption, stringOption } from '../validate';

export const trainOptions: Record<string, OptionSpec> = {
  config: {
    type: 'string',
    description: 'YAML file of hyperparameters (flat, or keyed by env id), or the name of a config in configs/<algo>.yml (e.g. course)',
  },
  set: { type: 'string', multiple: true, description: 'override one hyperparameter: --set learning_rate=3e-4' },
  seed: { type: 'string', description: 'random seed, an integer in [0, 2^32 − 1] (default 0)' },
  steps: { type: 'string', description: 'total environment steps, gradient steps for bc (default: n_timesteps of the config)' },
  expert: {
    type: 'string',
    description:
      'expert demonstrations (.npz, or Minari .h5/.hdf5, e.g. from tfrl record) for learners that need them (bc; required there); for dagger a queryable expert: heuristic or a trained run directory',
  },
  backend: { type: 'string', description: 'auto | tensorflow-gpu | tensorflow | wasm | cpu (default auto)' },
  logdir: { type: 'string', description: 'root folder of the runs (default ./runs)' },
  'eval-episodes': { type: 'string', description: 'episodes of the final evaluation (default 10)' },
  'eval-freq': { type: 'string', description: 'evaluate every N env steps during training, keeping <run>/best_model (default 0: off)' },
  'save-freq': {
    type: 'string',
    description: 'checkpoint every N env steps into <run>/checkpoints (default: every 10% of the run; 0: off)',
  },
  resume: { type: 'string', description: 'continue the run in this directory from its newest checkpoint' },
  tags: { type: 'string', description: 'tag names in the log files: sb3 (default), cleanrl (charts/episodic_return, losses/…) or both' },
  'histogram-freq': {
    type: 'string',
    description: 'log weight histograms every N env steps (default: every 10% of the run; 0: off)',
  },
  'video-freq': { type: 'string', description: 'record every N-th training episode of env 0 into <run>/videos (default 0: off)' },
  'video-format': { type: 'string', description: 'gif (default) or mp4 (needs ffmpeg) for --video-freq' },
  quiet: { type: 'boolean', description: 'no progress output' },
  help: { type: 'boolean', short: 'h', description: 'show this help' },
};

export const trainHelp = `Usage: tfrl train <algo> <env> [options]
       tfrl train --resume <run-dir> [--steps N]

Trains <algo> on <env> with the default hyperparameters of configs/<algo>.yml for that env,
overridden by --config and --set, logs to <logdir>/<env>/<algo>-<seed>-<timestamp>/ (TensorBoard,
CSV, JSONL, config.json), checkpoints into <run>/checkpoints/<steps>/ every --save-freq steps,
saves the final model in <run>/model and prints the final evaluation. A run that was stopped
continues from its newest checkpoint with --resume; every checkpoint, model/ and best_model/
can be evaluated with tfrl eval.

Options:
${formatOptions(trainOptions)}

Examples:
  tfrl train ppo CartPole-v1
  tfrl train ppo CartPole-v1 --steps 50000 --seed 3 --backend cpu
  tfrl train dqn CartPole-v1 --set learning_rate=1e-3 --set batch_size=64
  tfrl train bc CartPole-v1 --expert cartpole-expert.npz --steps 2000
  tfrl train dagger LunarLander-v3 --expert heuristic --steps 20000
  tfrl train --resume runs/CartPole-v1/dqn-0-20261205-120000
`;

/** Keys of an RL-Zoo config that configure the run rather than the algorithm. */
const RUN_KEYS = ['n_timesteps', 'n_envs', 'env_kwargs', 'policy', 'eval_freq', 'n_eval_episodes', 'save_freq'];
const POLICIES = ['MlpPolicy', 'MultiInputPolicy'];

export interface TrainResult {
  runDir: string;
  meanReward: number;
  stdReward: number;
}

/** What config.json records of a run (enough to resume it). */
interface RunConfig {
  algo: string;
  env: string;
  envKwargs: Record<string, unknown>;
  seed: number;
  backend: string;
  totalTimesteps: number;
  nEnvs: number;
  evalFreq: number;
  evalEpisodes: number;
  saveFreq: number;
  tagStyle: TagStyle;
  histogramFreq: number;
  videoFreq: number;
  videoFormat: 'gif' | 'mp4';
  hyperparameters: Record<string, unknown>;
  command: string;
  /**
   * The --expert file (absolute path) of a learner that needs demonstrations (bc); for a learner
   * that queries an expert (dagger), 'heuristic' or the absolute path of the expert's model.
   */
  expert?: string;
}

function runKey(config: Config, key: string): unknown {
  return config[key] ?? config[camelKey(key)];
}

/**
 * Saves the learner (and an off-policy learner's replay buffer) into `<run>/checkpoints/<steps>/`
 * every `saveFreq` steps. A save that falls due is made at the start of the next rollout or
 * training phase, where the learner is between updates, so that a resumed run continues exactly.
 * Keeps the newest `keep` checkpoints; a checkpoint is complete once its `complete` marker exists.
 */
export class RunCheckpointCallback extends BaseCallback {
  private last = 0;
  private due = false;
  readonly written: string[] = [];

  constructor(
    readonly runDir: string,
    readonly saveFreq: number,
    readonly keep = 2,
  ) {
    super();
  }

  override onTrainingStart(ctx: CallbackContext): void {
    this.last = ctx.numTimesteps;
  }

  override onStep(ctx: CallbackContext): boolean {
    if (Math.floor(ctx.numTimesteps / this.saveFreq) > Math.floor(this.last / this.saveFreq)) this.due = true;
    this.last = ctx.numTimesteps;
    return true;
  }

  override async onRolloutStart(ctx: CallbackContext): Promise<void> {
    if (!this.due) return;
    this.due = false;
    await saveRunCheckpoint(ctx.algorithm as Algorithm<any>, this.runDir, ctx.numTimesteps);
    this.written.push(path.join(this.runDir, 'checkpoints', String(ctx.numTimesteps)));
    pruneCheckpoints(this.runDir, this.keep);
  }
}

async function saveRunCheckpoint(agent: Algorithm<any>, runDir: string, steps: number): Promise<void> {
  const dir = path.join(runDir, 'checkpoints', String(steps));
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  await agent.save(path.join(dir, 'model'));
  if (agent instanceof OffPolicyAlgorithm) await agent.saveReplayBuffer(path.join(dir, 'replay_buffer'));
  fs.writeFileSync(path.join(dir, 'complete'), `${steps}\n`);
}

/**
 * The training envs: batched where the env has a batched form, one SyncVecEnv env for learners that
 * step a single Env; with a video wrapper, a SyncVecEnv whose env 0 is recorded.
 */
function makeTrainEnv(
  algo: AlgorithmRegistration,
  envId: string,
  nEnvs: number,
  seed: number,
  kwargs: Record<string, unknown> | undefined,
  video?: VideoWrapper,
): VecEnv {
  const sync = algo.singleEnv || video !== undefined;
  return makeVec(envId, nEnvs, {
    seed,
    kwargs,
    ...(sync ? { vectorization: 'sync' as const } : {}),
    ...(video ? { wrappers: [video.wrap] } : {}),
  });
}

interface VideoWrapper {
  /** Wraps the first env it is given in RecordVideo (as CleanRL records env 0), the others not. */
  wrap: (env: Env<any, any>) => Env<any, any>;
  setFolder(dir: string): void;
}

/** Gymnasium's RecordVideo around env 0 of the training envs, every `freq`-th episode; undefined when off. */
function videoWrapper(freq: number, format: 'gif' | 'mp4'): VideoWrapper | undefined {
  if (freq <= 0) return undefined;
  let recorder: RecordVideo<Env<any, any>> | null = null;
  let folder = path.join(os.tmpdir(), 'tfrl-videos-unset');
  return {
    wrap: (env) => {
      if (recorder) return env;
      recorder = new RecordVideo(env, { folder, every: freq, format });
      return recorder as unknown as Env<any, any>;
    },
    setFolder: (dir) => {
      folder = dir;
      if (recorder) recorder.recorder.folder = dir;
    },
  };
}

const HER_STRATEGIES = ['future', 'final', 'episode'];

/**
 * `--set her=future|final|episode` (and `n_sampled_goal=k`, default 4): hindsight experience replay
 * for an off-policy learner on a goal env, i.e. `replay_buffer_class=HerReplayBuffer` with
 * `replay_buffer_kwargs={goalSelectionStrategy, nSampledGoal}`, as SB3 configures it.
 */
function herOption(config: Record<string, unknown>, algo: string): Record<string, unknown> {
  const { her, n_sampled_goal, nSampledGoal: kCamel, replay_buffer_kwargs, ...hp } = config;
  const k = n_sampled_goal ?? kCamel;
  if (her === undefined || her === null || her === false || her === 'none') {
    if (k !== undefined) throw new Error('tfrl: n_sampled_goal needs her=future|final|episode');
    return config;
  }
  if (!HER_STRATEGIES.includes(her as string)) {
    throw new Error(`tfrl: her must be one of ${HER_STRATEGIES.join(', ')} (goal selection strategy), got ${JSON.stringify(her)}`);
  }
  const nSampledGoal = k ?? 4;
  if (!Number.isInteger(nSampledGoal) || (nSampledGoal as number) < 1 || (nSampledGoal as number) > 1000) {
    throw new Error(`tfrl: n_sampled_goal must be an integer from 1 to 1000, got ${JSON.stringify(k)}`);
  }
  if (!['dqn', 'rainbow', 'sac', 'td3', 'ddpg'].includes(algo)) {
    throw new Error(`tfrl: her needs an off-policy learner (dqn, rainbow, sac, td3, ddpg), got ${algo}`);
  }
  const given = (hp.replayBufferKwargs ?? replay_buffer_kwargs ?? {}) as Record<string, unknown>;
  return { ...hp, replayBufferClass: 'HerReplayBuffer', replayBufferKwargs: { ...given, goalSelectionStrategy: her, nSampledGoal } };
}

/** --tags, --video-freq and --video-format, checked. */
function loggingOptions(values: Record<string, unknown>): { tagStyle: TagStyle; videoFreq: number; videoFormat: 'gif' | 'mp4' } {
  const tagStyle = (values.tags === undefined ? 'sb3' : stringOption(values.tags, '--tags')) as TagStyle;
  if (!TAG_STYLES.includes(tagStyle)) throw new Error(`tfrl: --tags must be one of ${TAG_STYLES.join(', ')}, got "${tagStyle}"`);
  const videoFreq = integerOption(values['video-freq'] ?? 0, '--video-freq', { min: 0, max: MAX_STEPS });
  const videoFormat = (values['video-format'] === undefined ? 'gif' : stringOption(values['video-format'], '--video-format')) as
    | 'gif'
    | 'mp4';
  if (videoFormat !== 'gif' && videoFormat !== 'mp4') throw new Error(`tfrl: --video-format must be gif or mp4, got "${videoFormat}"`);
  if (videoFreq > 0 && videoFormat === 'mp4') requireFfmpeg(undefined, 'tfrl train --video-format mp4', '--video-format gif');
  return { tagStyle, videoFreq, videoFormat };
}

/** Complete checkpoints of a run, newest first. */
export function runCheckpoints(runDir: string): Array<{ steps: number; dir: string }> {
  const root = path.join(runDir, 'checkpoints');
  if (!fs.existsSync(root)) return [];
  return fs
    .readdirSync(root)
    .filter((n) => /^\d+$/.test(n) && fs.existsSync(path.join(root, n, 'complete')))
    .map((n) => ({ steps: Number(n), dir: path.join(root, n) }))
    .sort((a, b) => b.steps - a.steps);
}

function pruneCheckpoints(runDir: string, keep: number): void {
  const root = path.join(runDir, 'checkpoints');
  const complete = new Set(
    runCheckpoints(runDir)
      .slice(0, keep)
      .map((c) => c.dir),
  );
  for (const n of fs.readdirSync(root)) {
    const dir = path.join(root, n);
    if (!complete.has(dir)) fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Read `<run>/config.json`, naming the file and the field that is wrong. */
export function readRunConfig(runDir: string): RunConfig {
  const file = path.join(runDir, 'config.json');
  if (!fs.existsSync(file)) throw new Error(`tfrl: ${runDir} has no config.json (is it a tfrl run directory?)`);
  let c: Record<string, unknown>;
  try {
    c = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`tfrl: ${file} is not valid JSON: ${(e as Error).message}`);
  }
  if (!c || typeof c !== 'object' || Array.isArray(c)) throw new Error(`tfrl: ${file} must hold a JSON object`);
  const need = (key: string, ok: (v: unknown) => boolean, what: string): void => {
    if (!ok(c[key])) throw new Error(`tfrl: ${file} has no valid "${key}" (${what}), got ${JSON.stringify(c[key])}`);
  };
  need('algo', (v) => typeof v === 'string', 'an algorithm name');
  need('env', (v) => typeof v === 'string', 'an env id');
  need('seed', (v) => Number.isInteger(v), 'an integer');
  need('totalTimesteps', (v) => Number.isInteger(v), 'an integer');
  need('hyperparameters', (v) => !!v && typeof v === 'object' && !Array.isArray(v), 'an object');
  return {
    envKwargs: {},
    nEnvs: 1,
    evalFreq: 0,
    evalEpisodes: 10,
    saveFreq: 0,
    tagStyle: 'sb3',
    histogramFreq: 0,
    videoFreq: 0,
    videoFormat: 'gif',
    backend: 'auto',
    command: '',
    ...(c as Partial<RunConfig>),
  } as RunConfig;
}

/**
 * `--expert`: required by learners that need demonstrations, refused by the others. Returns the
 * file's absolute path (undefined when the learner needs none); checks it exists and is readable.
 */
function expertOption(values: Record<string, unknown>, algo: AlgorithmRegistration): string | undefined {
  const given = values.expert === undefined ? undefined : stringOption(values.expert, '--expert');
  if (!algo.needsDemonstrations) {
    if (given !== undefined)
      throw new Error(
        `tfrl: --expert is for learners that train on demonstrations (bc) or query an expert (dagger); ${algo.name} takes none`,
      );
    return undefined;
  }
  if (given === undefined) {
    throw new Error(
      `tfrl: ${algo.name} learns from expert demonstrations: give --expert <file.npz|file.h5|file.hdf5> (record one with tfrl record)`,
    );
  }
  const file = path.resolve(given);
  if (!datasetFileFormat(file)) {
    throw new Error(
      `tfrl: --expert ${given}: unknown extension "${path.extname(file).toLowerCase()}" (expected ${DATASET_EXTENSIONS.join(', ')})`,
    );
  }
  if (!fs.existsSync(file) || !fs.statSync(file).isFile()) throw new Error(`tfrl: --expert ${given}: file not found (${file})`);
  return file;
}

/** The learner asks an expert for actions in the states it visits (dagger): --expert heuristic|<run-dir>. */
function needsQueryableExpert(algo: AlgorithmRegistration): boolean {
  return algo.ctor === DAgger || algo.ctor.prototype instanceof DAgger;
}

/** `--expert` of a learner that queries an expert: required, `heuristic` or a run directory (not a data file). */
function queryableExpertOption(values: Record<string, unknown>, algo: AlgorithmRegistration): string {
  const need = `tfrl: ${algo.name} needs a queryable expert: --expert heuristic|<run-dir>`;
  if (values.expert === undefined) throw new Error(`${need} (a hand-written controller, or a trained tfrl run)`);
  const given = stringOption(values.expert, '--expert');
  if (given === 'heuristic') return given;
  if (datasetFileFormat(given)) {
    throw new Error(`${need}; ${given} is a file of demonstrations, which cannot label the states the learner visits`);
  }
  return path.resolve(given);
}

/** Read the --expert dataset (.npz or Minari .h5/.hdf5), naming the file in any error. */
async function readExpert(file: string): Promise<Dataset> {
  try {
    return await readDataset(file);
  } catch (e) {
    throw new Error(`tfrl: --expert ${file}: cannot read the demonstrations: ${(e as Error).message}`);
  }
}

/** The dataset's spaces must be the env's. */
function checkExpertSpaces(dataset: Dataset, file: string, env: VecEnv, envId: string): void {
  for (const [what, theirs, ours] of [
    ['observation', dataset.observationSpace, env.singleObservationSpace],
    ['action', dataset.actionSpace, env.singleActionSpace],
  ] as const) {
    if (!theirs || !theirs.equals(ours as never)) {
      throw new Error(`tfrl: --expert ${file}: its ${what} space ${String(theirs)} does not match ${envId}'s ${String(ours)}`);
    }
  }
}

export async function trainCommand(argv: string[]): Promise<TrainResult | null> {
  const { values, positionals } = parseCommandArgs('train', argv, trainOptions);
  if (values.help) {
    console.log(trainHelp);
    return null;
  }
  const quiet = Boolean(values.quiet);
  if (values.resume !== undefined) return resumeRun(stringOption(values.resume, '--resume'), values, positionals, quiet, argv);
  if (positionals.length !== 2) throw new Error(`tfrl train: expected <algo> <env>, got ${positionals.length} arguments\n\n${trainHelp}`);
  const [algoName, envArg] = positionals as [string, string];
  const algo = getAlgorithm(algoName.toLowerCase());
  const expertSource = needsQueryableExpert(algo) ? queryableExpertOption(values, algo) : undefined;
  const expert = expertSource === undefined ? expertOption(values, algo) : undefined;
  if (isMultiAgent(algo)) return trainMultiAgent(algo, envArg, values, argv, quiet);
  const envId = resolveEnvId(envArg);
  const demonstrations = expert === undefined ? undefined : await readExpert(expert);

  // ---- every value is checked here, before anything is written
  const { config: defaults, source } = defaultConfig(algo.name, envId);
  const fromFile =
    typeof values.config === 'string' ? namedOrFileConfig(stringOption(values.config, '--config'), [`${algo.name}.yml`], envId) : {};
  const config = mergeConfigs(defaults, fromFile, parseSetPairs((values.set as string[] | undefined) ?? [], parseScalar));
  const seed = values.seed === undefined ? 0 : seedOption(values.seed);
  const totalTimesteps =
    values.steps !== undefined
      ? integerOption(values.steps, '--steps', { min: 1, max: MAX_STEPS })
      : integerOption(runKey(config, 'n_timesteps') ?? 100_000, 'n_timesteps', { min: 1, max: MAX_STEPS });
  const nEnvs = integerOption(runKey(config, 'n_envs') ?? 1, 'n_envs', { min: 1, max: Number.MAX_SAFE_INTEGER });
  const envKwargs = runKey(config, 'env_kwargs') ?? {};
  if (!envKwargs || typeof envKwargs !== 'object' || Array.isArray(envKwargs)) {
    throw new Error(`tfrl: env_kwargs must be a mapping of env options, got ${JSON.stringify(envKwargs)}`);
  }
  const policy = runKey(config, 'policy');
  if (policy !== undefined && !POLICIES.includes(policy as string)) {
    throw new Error(
      `tfrl: policy must be one of ${POLICIES.join(', ')} (tfrl builds the network from the observation space), got ${JSON.stringify(policy)}`,
    );
  }
  const evalEpisodes = integerOption(values['eval-episodes'] ?? runKey(config, 'n_eval_episodes') ?? 10, '--eval-episodes', {
    min: 1,
    max: 1e6,
  });
  const evalFreq = integerOption(values['eval-freq'] ?? runKey(config, 'eval_freq') ?? 0, '--eval-freq', { min: 0, max: MAX_STEPS });
  const saveFreq = integerOption(
    values['save-freq'] ?? runKey(config, 'save_freq') ?? Math.max(1000, Math.ceil(totalTimesteps / 10)),
    '--save-freq',
    { min: 0, max: MAX_STEPS },
  );
  const histogramFreq = integerOption(values['histogram-freq'] ?? Math.max(1000, Math.ceil(totalTimesteps / 10)), '--histogram-freq', {
    min: 0,
    max: MAX_STEPS,
  });
  const { tagStyle, videoFreq, videoFormat } = loggingOptions(values);
  const logdir = values.logdir === undefined ? 'runs' : stringOption(values.logdir, '--logdir');
  const backendName = values.backend === undefined ? 'auto' : stringOption(values.backend, '--backend');
  checkSizes(config, nEnvs);
  const hyperparameters = herOption(
    Object.fromEntries(Object.entries(config).filter(([k]) => !RUN_KEYS.includes(k) && !RUN_KEYS.includes(snake(k)))),
    algo.name,
  );

  const backend = await initBackend(backendName as 'auto', { quiet: true });
  if (algo.singleEnv && nEnvs !== 1) throw new Error(`tfrl: ${algo.name} learns from one env, so n_envs must be 1, got ${nEnvs}`);
  const queried: ResolvedExpert | undefined = expertSource === undefined ? undefined : await resolveExpert(expertSource, envId, 'train');
  const video = videoWrapper(videoFreq, videoFormat);
  let env: VecEnv | undefined;
  let agent: Algorithm<any>;
  try {
    env = makeTrainEnv(algo, envId, nEnvs, seed, envKwargs as Record<string, unknown>, video);
    if (demonstrations && expert) checkExpertSpaces(demonstrations, expert, env, envId);
    if (queried) checkQueriedExpertSpaces(queried, env, envId);
    agent = new algo.ctor({
      env,
      seed,
      ...hyperparameters,
      ...(demonstrations ? { demonstrations } : {}),
      ...(queried ? { expert: queried.policy } : {}),
    }) as Algorithm<any>;
  } catch (e) {
    env?.close();
    queried?.dispose();
    throw e;
  }
  if (!quiet) {
    console.log(`tfrl train ${algo.name} ${envId}: backend ${backend.name}, seed ${seed}, ${totalTimesteps} steps, ${nEnvs} env(s)`);
    if (source) console.log(`  defaults from ${path.relative(process.cwd(), source)}`);
    announceRounding(agent, totalTimesteps);
  }
  const run: RunConfig = {
    algo: algo.name,
    env: envId,
    envKwargs: envKwargs as Record<string, unknown>,
    seed,
    backend: backend.name,
    totalTimesteps,
    nEnvs,
    evalFreq,
    evalEpisodes,
    saveFreq,
    tagStyle,
    histogramFreq,
    videoFreq,
    videoFormat,
    hyperparameters: agent.hyperparameters as Record<string, unknown>,
    command: ['tfrl', 'train', ...argv].join(' '),
    ...(expert ? { expert } : {}),
    ...(queried ? { expert: queried.source } : {}),
  };
  const { logger, runDir } = createRunLogger({
    rootDir: logdir,
    env: envId,
    algo: algo.name,
    seed,
    config: run,
    sinks: quiet ? ['tensorboard', 'csv', 'jsonl'] : ['tensorboard', 'csv', 'jsonl', 'console'],
    console: { totalSteps: totalTimesteps, tableIntervalSeconds: 10 },
    tagStyle,
    logConfigText: true,
  });
  video?.setFolder(path.join(runDir, 'videos'));
  try {
    return await runTraining(agent, env, run, runDir, logger, quiet);
  } finally {
    queried?.dispose();
  }
}

/** A queried expert (a run's model) must act in the training env's spaces (e.g. the same env kwargs). */
function checkQueriedExpertSpaces(expert: ResolvedExpert, env: VecEnv, envId: string): void {
  for (const [what, theirs, ours] of [
    ['observation', expert.env.observationSpace, env.singleObservationSpace],
    ['action', expert.env.actionSpace, env.singleActionSpace],
  ] as const) {
    if (!theirs.equals(ours as never)) {
      throw new Error(`tfrl: --expert ${expert.label}: its ${what} space ${String(theirs)} does not match ${envId}'s ${String(ours)}`);
    }
  }
}

function snake(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** On-policy learners collect whole rollouts: say so when the requested steps are not a multiple of one. */
function announceRounding(agent: Algorithm<any>, totalTimesteps: number): void {
  if (!(agent instanceof OnPolicyAlgorithm) || !agent.rolloutBuffer) return;
  const rollout = agent.rolloutBuffer.bufferSize;
  if (totalTimesteps % rollout === 0) return;
  const runs = Math.ceil(totalTimesteps / rollout) * rollout;
  console.log(`  ${agent.algorithmName} collects whole rollouts of n_steps × n_envs = ${rollout} steps: this run takes ${runs} steps`);
}

async function resumeRun(
  runDir: string,
  values: Record<string, unknown>,
  positionals: string[],
  quiet: boolean,
  argv: string[],
): Promise<TrainResult> {
  if (positionals.length > 0) throw new Error(`tfrl train --resume: takes no <algo> <env> (they come from ${runDir}/config.json)`);
  for (const opt of [
    'config',
    'set',
    'seed',
    'eval-freq',
    'eval-episodes',
    'save-freq',
    'logdir',
    'tags',
    'histogram-freq',
    'video-freq',
    'video-format',
    'expert',
  ]) {
    if (values[opt] !== undefined)
      throw new Error(`tfrl train --resume: --${opt} cannot change a run; it comes from ${runDir}/config.json`);
  }
  if (!fs.existsSync(runDir)) throw new Error(`tfrl train --resume: run directory not found: ${runDir}`);
  const run = readRunConfig(runDir);
  if (needsQueryableExpert(getAlgorithm(run.algo))) {
    throw new Error(
      `tfrl train --resume: ${run.algo} runs cannot be resumed (the aggregated expert-labelled data is not checkpointed, so the run would not continue as it was); start a new run: tfrl train ${run.algo} ${run.env} --expert ${run.expert ?? 'heuristic|<run-dir>'}`,
    );
  }
  if (getAlgorithm(run.algo).needsDemonstrations) {
    throw new Error(
      `tfrl train --resume: ${run.algo} runs cannot be resumed (a ${run.algo} run makes no mid-run checkpoints and its held-out split would not be the same); start a new run: tfrl train ${run.algo} ${run.env} --expert ${run.expert ?? '<file>'}`,
    );
  }
  const ckpt = runCheckpoints(runDir)[0];
  if (!ckpt) throw new Error(`tfrl train --resume: ${runDir} has no complete checkpoint in checkpoints/ to continue from`);
  if (values.steps !== undefined) run.totalTimesteps = integerOption(values.steps, '--steps', { min: 1, max: MAX_STEPS });
  if (isMultiAgent(getAlgorithm(run.algo))) return resumeMultiAgent(run, runDir, ckpt.dir, values, quiet, argv);
  const backend = await initBackend((values.backend === undefined ? run.backend : stringOption(values.backend, '--backend')) as 'auto', {
    quiet: true,
  });
  const video = videoWrapper(run.videoFreq, run.videoFormat);
  const env = makeTrainEnv(getAlgorithm(run.algo), run.env, run.nEnvs, run.seed, run.envKwargs, video);
  let agent: Algorithm<any>;
  try {
    agent = await loadAgent(path.join(ckpt.dir, 'model'), { env });
    const buffer = path.join(ckpt.dir, 'replay_buffer');
    if (agent instanceof OffPolicyAlgorithm && fs.existsSync(buffer)) await agent.loadReplayBuffer(buffer);
  } catch (e) {
    env.close();
    throw e;
  }
  if (agent.numTimesteps >= run.totalTimesteps) {
    env.close();
    throw new Error(
      `tfrl train --resume: the newest checkpoint is at ${agent.numTimesteps} steps, the run's target is ${run.totalTimesteps}; give a larger --steps`,
    );
  }
  if (!quiet) {
    console.log(
      `tfrl train --resume ${runDir}: ${run.algo} on ${run.env} from step ${agent.numTimesteps} of ${run.totalTimesteps}, backend ${backend.name}`,
    );
  }
  run.command = `${run.command}\n${['tfrl', 'train', ...argv].join(' ')}`;
  const { logger } = createRunLogger({
    resumeDir: runDir,
    env: run.env,
    algo: run.algo,
    seed: run.seed,
    config: run,
    sinks: quiet ? ['tensorboard', 'csv', 'jsonl'] : ['tensorboard', 'csv', 'jsonl', 'console'],
    console: { totalSteps: run.totalTimesteps, tableIntervalSeconds: 10 },
    tagStyle: run.tagStyle,
    logConfigText: true,
  });
  video?.setFolder(path.join(runDir, 'videos'));
  return runTraining(agent, env, run, runDir, logger, quiet);
}

async function runTraining(
  agent: Algorithm<any>,
  env: VecEnv,
  run: RunConfig,
  runDir: string,
  logger: ReturnType<typeof createRunLogger>['logger'],
  quiet: boolean,
): Promise<TrainResult> {
  const callbacks: BaseCallback[] = [];
  if (run.saveFreq > 0) callbacks.push(new RunCheckpointCallback(runDir, run.saveFreq));
  // Goal envs: rollout/success_rate, and (2-D goals) where the episodes end, as a heat map.
  let heatmap: EpisodeEndHeatmap | undefined;
  const goalDim = goalDimOf(env);
  if (goalDim !== undefined) {
    callbacks.push(new SuccessRateCallback());
    if (goalDim === 2) {
      heatmap = new EpisodeEndHeatmap({ logFreq: Math.max(1, Math.ceil(run.totalTimesteps / 10)) });
      callbacks.push(heatmap);
    }
  }
  if (run.histogramFreq > 0) callbacks.push(new WeightHistogramCallback({ freq: run.histogramFreq, logger }));
  if (run.evalFreq > 0) {
    callbacks.push(
      new EvalCallback({
        evalEnv: makeEvalEnv(run.env, run.envKwargs),
        evalFreq: run.evalFreq,
        nEvalEpisodes: 5,
        deterministic: true,
        bestModelSavePath: runDir,
        seed: (run.seed + 20_000) % 0x100000000,
        logger,
      }),
    );
  }
  const remaining = run.totalTimesteps - agent.numTimesteps;
  const t0 = performance.now();
  const startSteps = agent.numTimesteps;
  try {
    await agent.learn({ totalTimesteps: remaining, callbacks, logger, resetNumTimesteps: false });
    await agent.save(path.join(runDir, 'model'));
  } finally {
    env.close();
  }
  const seconds = (performance.now() - t0) / 1000;
  const evalEnv = makeEvalEnv(run.env, run.envKwargs);
  const result = evaluatePolicy(agent, evalEnv, {
    nEpisodes: run.evalEpisodes,
    deterministic: true,
    seed: (run.seed + 10_000) % 0x100000000,
  });
  evalEnv.close();
  logger.scalar('eval/mean_reward', result.meanReward, agent.numTimesteps);
  logger.scalar('eval/std_reward', result.stdReward, agent.numTimesteps);
  logger.flush();
  logger.close();
  if (heatmap?.counts) writePng(path.join(runDir, 'episode_ends.png'), heatmap.image());
  const steps = agent.numTimesteps - startSteps;
  if (!quiet) {
    console.log(
      `Trained ${run.algo} on ${run.env} for ${steps} steps in ${seconds.toFixed(1)} s (${(steps / seconds).toFixed(0)} steps/s, backend ${run.backend}).`,
    );
  }
  console.log(
    `Final evaluation: mean reward ${result.meanReward.toFixed(2)} ± ${result.stdReward.toFixed(2)} over ${run.evalEpisodes} episodes`,
  );
  console.log(`Run saved in ${runDir}`);
  agent.dispose();
  return { runDir, meanReward: result.meanReward, stdReward: result.stdReward };
}

/** Numbers per goal when the env is a goal env (Dict {observation, achieved_goal, desired_goal}), else undefined. */
function goalDimOf(env: VecEnv): number | undefined {
  try {
    return goalLayout(env.singleObservationSpace, 'tfrl').goalDim;
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------- multi-agent runs
// Learners on a ParallelEnv (@tfrl/multiagent: maddpg, matd3, iddpg) train on N copies of a
// particle world (makeParallel + SyncVecParallelEnv). The run directory, logs, checkpoints and
// --resume work as above; the final evaluation reports summed and per-agent returns.

function isMultiAgent(algo: AlgorithmRegistration): boolean {
  return algo.ctor.prototype instanceof MultiAgentAlgorithm;
}

function resolveParallelEnvId(arg: string, algo: string): string {
  const ids = listParallelEnvs();
  const hit = ids.find((id) => id === arg) ?? ids.find((id) => id.toLowerCase() === arg.toLowerCase());
  if (hit) return hit;
  const guess = closestName(arg, ids);
  throw new Error(
    `tfrl: ${algo} trains on multi-agent (parallel) environments; unknown environment "${arg}"${guess ? ` (did you mean "${guess}"?)` : ''}; multi-agent environments: ${ids.join(', ')}`,
  );
}

/** `--config <name>`: a named config of one of `files` in configs/ (the first that has it), or a YAML file. */
function namedOrFileConfig(value: string, files: string[], envId: string): Config {
  if (fs.existsSync(value)) return userConfig(value, envId);
  for (const file of files) {
    const full = path.join(configsDir(), file);
    if (!fs.existsSync(full)) continue;
    const named = readYamlFile(full)[value];
    if (named && typeof named === 'object' && !Array.isArray(named)) return named as Config;
  }
  throw new Error(
    `tfrl: --config ${value}: no such file, and no config named "${value}" in ${files.map((f) => `configs/${f}`).join(' or ')}`,
  );
}

async function trainMultiAgent(
  algo: AlgorithmRegistration,
  envArg: string,
  values: Record<string, unknown>,
  argv: string[],
  quiet: boolean,
): Promise<TrainResult> {
  const envId = resolveParallelEnvId(envArg, algo.name);
  const { config: defaults, source } = defaultConfig(algo.name, envId);
  const fromFile =
    typeof values.config === 'string'
      ? namedOrFileConfig(stringOption(values.config, '--config'), [...new Set([`${algo.name}.yml`, 'maddpg.yml'])], envId)
      : {};
  const config = mergeConfigs(defaults, fromFile, parseSetPairs((values.set as string[] | undefined) ?? [], parseScalar));
  const seed = values.seed === undefined ? 0 : seedOption(values.seed);
  const totalTimesteps =
    values.steps !== undefined
      ? integerOption(values.steps, '--steps', { min: 1, max: MAX_STEPS })
      : integerOption(runKey(config, 'n_timesteps') ?? 100_000, 'n_timesteps', { min: 1, max: MAX_STEPS });
  const nEnvs = integerOption(runKey(config, 'n_envs') ?? 1, 'n_envs', { min: 1, max: Number.MAX_SAFE_INTEGER });
  const evalEpisodes = integerOption(values['eval-episodes'] ?? runKey(config, 'n_eval_episodes') ?? 10, '--eval-episodes', {
    min: 1,
    max: 1e6,
  });
  const evalFreq = integerOption(values['eval-freq'] ?? runKey(config, 'eval_freq') ?? 0, '--eval-freq', { min: 0, max: MAX_STEPS });
  for (const [opt, v] of [
    [
      '--histogram-freq',
      values['histogram-freq'] === undefined ? 0 : integerOption(values['histogram-freq'], '--histogram-freq', { min: 0, max: MAX_STEPS }),
    ],
    [
      '--video-freq',
      values['video-freq'] === undefined ? 0 : integerOption(values['video-freq'], '--video-freq', { min: 0, max: MAX_STEPS }),
    ],
  ] as const) {
    if (v > 0) throw new Error(`tfrl: ${opt} is not supported for multi-agent learners (${algo.name}) yet; use 0`);
  }
  const { tagStyle } = loggingOptions(values);
  const saveFreq = integerOption(
    values['save-freq'] ?? runKey(config, 'save_freq') ?? Math.max(1000, Math.ceil(totalTimesteps / 10)),
    '--save-freq',
    { min: 0, max: MAX_STEPS },
  );
  const logdir = values.logdir === undefined ? 'runs' : stringOption(values.logdir, '--logdir');
  const backendName = values.backend === undefined ? 'auto' : stringOption(values.backend, '--backend');
  checkSizes(config, nEnvs);
  const kw = runKey(config, 'env_kwargs') ?? {};
  if (!kw || typeof kw !== 'object' || Array.isArray(kw))
    throw new Error(`tfrl: env_kwargs must be a mapping of env options, got ${JSON.stringify(kw)}`);
  // Keys that are not hyperparameters of the learner are kwargs of the env (--set continuous_actions=true).
  const schema = algo.ctor.hyperparameterSchema;
  const envKwargs: Record<string, unknown> = { ...(kw as Record<string, unknown>) };
  const hyperparameters: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(config)) {
    if (RUN_KEYS.includes(k) || RUN_KEYS.includes(snake(k))) continue;
    if (camelKey(k) in schema) hyperparameters[k] = v;
    else envKwargs[k] = v;
  }
  try {
    makeParallel(envId, envKwargs).close();
  } catch (e) {
    throw new Error(`tfrl: ${(e as Error).message} (settings that are not ${algo.name} hyperparameters are passed to the env)`);
  }
  const backend = await initBackend(backendName as 'auto', { quiet: true });
  const env = new SyncVecParallelEnv(Array.from({ length: nEnvs }, () => () => makeParallel(envId, envKwargs)));
  let agent: MultiAgentAlgorithm<any>;
  try {
    agent = new algo.ctor({ env, seed, ...hyperparameters }) as MultiAgentAlgorithm<any>;
  } catch (e) {
    env.close();
    throw e;
  }
  if (!quiet) {
    console.log(`tfrl train ${algo.name} ${envId}: backend ${backend.name}, seed ${seed}, ${totalTimesteps} steps, ${nEnvs} env(s)`);
    if (source) console.log(`  defaults from ${path.relative(process.cwd(), source)}`);
  }
  const run: RunConfig = {
    algo: algo.name,
    env: envId,
    envKwargs,
    seed,
    backend: backend.name,
    totalTimesteps,
    nEnvs,
    evalFreq,
    evalEpisodes,
    saveFreq,
    tagStyle,
    histogramFreq: 0,
    videoFreq: 0,
    videoFormat: 'gif',
    hyperparameters: agent.hyperparameters as Record<string, unknown>,
    command: ['tfrl', 'train', ...argv].join(' '),
  };
  const { logger, runDir } = createRunLogger({
    rootDir: logdir,
    env: envId,
    algo: algo.name,
    seed,
    config: run,
    tagStyle,
    logConfigText: true,
    sinks: quiet ? ['tensorboard', 'csv', 'jsonl'] : ['tensorboard', 'csv', 'jsonl', 'console'],
    console: { totalSteps: totalTimesteps, tableIntervalSeconds: 10 },
  });
  return runMultiAgentTraining(agent, env, run, runDir, logger, quiet);
}

async function resumeMultiAgent(
  run: RunConfig,
  runDir: string,
  ckptDir: string,
  values: Record<string, unknown>,
  quiet: boolean,
  argv: string[],
): Promise<TrainResult> {
  const backend = await initBackend((values.backend === undefined ? run.backend : stringOption(values.backend, '--backend')) as 'auto', {
    quiet: true,
  });
  const env = new SyncVecParallelEnv(Array.from({ length: run.nEnvs }, () => () => makeParallel(run.env, run.envKwargs)));
  let agent: MultiAgentAlgorithm<any>;
  try {
    agent = await loadAgent<MultiAgentAlgorithm<any>>(path.join(ckptDir, 'model'), { env });
  } catch (e) {
    env.close();
    throw e;
  }
  if (agent.numTimesteps >= run.totalTimesteps) {
    env.close();
    throw new Error(
      `tfrl train --resume: the newest checkpoint is at ${agent.numTimesteps} steps, the run's target is ${run.totalTimesteps}; give a larger --steps`,
    );
  }
  if (!quiet) {
    console.log(
      `tfrl train --resume ${runDir}: ${run.algo} on ${run.env} from step ${agent.numTimesteps} of ${run.totalTimesteps}, backend ${backend.name}`,
    );
  }
  run.command = `${run.command}\n${['tfrl', 'train', ...argv].join(' ')}`;
  const { logger } = createRunLogger({
    resumeDir: runDir,
    env: run.env,
    algo: run.algo,
    seed: run.seed,
    config: run,
    tagStyle: run.tagStyle,
    sinks: quiet ? ['tensorboard', 'csv', 'jsonl'] : ['tensorboard', 'csv', 'jsonl', 'console'],
    console: { totalSteps: run.totalTimesteps, tableIntervalSeconds: 10 },
  });
  return runMultiAgentTraining(agent, env, run, runDir, logger, quiet);
}

async function runMultiAgentTraining(
  agent: MultiAgentAlgorithm<any>,
  env: SyncVecParallelEnv,
  run: RunConfig,
  runDir: string,
  logger: ReturnType<typeof createRunLogger>['logger'],
  quiet: boolean,
): Promise<TrainResult> {
  const callbacks: BaseCallback[] = run.saveFreq > 0 ? [new RunCheckpointCallback(runDir, run.saveFreq)] : [];
  const evalSeed = (run.seed + 10_000) % 0x100000000;
  let periodicEvalEnv: ReturnType<typeof makeParallel> | undefined;
  if (run.evalFreq > 0) {
    periodicEvalEnv = makeParallel(run.env, run.envKwargs);
    callbacks.push(
      new MultiAgentEvalCallback({ evalEnv: periodicEvalEnv, evalFreq: run.evalFreq, nEvalEpisodes: run.evalEpisodes, seed: evalSeed }),
    );
  }
  const t0 = performance.now();
  const startSteps = agent.numTimesteps;
  try {
    await agent.learn({ totalTimesteps: run.totalTimesteps - agent.numTimesteps, callbacks, logger, resetNumTimesteps: false });
    await agent.save(path.join(runDir, 'model'));
  } finally {
    env.close();
    periodicEvalEnv?.close();
  }
  const seconds = (performance.now() - t0) / 1000;
  const evalEnv = makeParallel(run.env, run.envKwargs);
  const result = evaluateMultiAgent(agent, evalEnv, { nEpisodes: run.evalEpisodes, deterministic: true, seed: evalSeed });
  evalEnv.close();
  logger.scalar('eval/mean_reward', result.meanReward, agent.numTimesteps);
  logger.scalar('eval/std_reward', result.stdReward, agent.numTimesteps);
  for (const [a, r] of Object.entries(result.meanAgentRewards)) logger.scalar(`eval/${a}/mean_reward`, r, agent.numTimesteps);
  for (const [k, v] of Object.entries(result.meanMetrics)) logger.scalar(`eval/${k}`, v, agent.numTimesteps);
  logger.flush();
  logger.close();
  const curves = writeAgentCurves(runDir, agent.agents, run);
  const steps = agent.numTimesteps - startSteps;
  if (!quiet) {
    console.log(
      `Trained ${run.algo} on ${run.env} for ${steps} steps in ${seconds.toFixed(1)} s (${(steps / seconds).toFixed(0)} steps/s, backend ${run.backend}).`,
    );
  }
  const perAgent = Object.entries(result.meanAgentRewards)
    .map(([a, r]) => `${a} ${r.toFixed(2)}`)
    .join(', ');
  console.log(
    `Final evaluation: mean summed reward ${result.meanReward.toFixed(2)} ± ${result.stdReward.toFixed(2)} over ${run.evalEpisodes} episodes (per agent: ${perAgent})`,
  );
  const metrics = Object.entries(result.meanMetrics);
  if (metrics.length > 0) console.log(`  per episode: ${metrics.map(([k, v]) => `${k} ${v.toFixed(3)}`).join(', ')}`);
  if (curves && !quiet) console.log(`Learning curves per agent: ${path.relative(process.cwd(), curves)}`);
  console.log(`Run saved in ${runDir}`);
  agent.dispose();
  return { runDir, meanReward: result.meanReward, stdReward: result.stdReward };
}

/**
 * `<run>/agents.png`: every agent's training return (mean of its last 100 episodes) and, when the
 * run evaluated periodically, its evaluation return, against env steps. Returns the file, or
 * undefined when the run logged no episode yet.
 */
function writeAgentCurves(runDir: string, agents: readonly string[], run: RunConfig): string | undefined {
  const csv = path.join(runDir, 'progress.csv');
  if (!fs.existsSync(csv)) return undefined;
  const table = readScalarCsv(csv);
  const x = scalarColumn(table, 'step');
  if (!x) return undefined;
  const groups: CurveGroup[] = [];
  for (const [suffix, kind] of [
    ['episode_return', 'train'],
    ['mean_reward', 'eval'],
  ] as const) {
    for (const a of agents) {
      const y = scalarColumn(table, kind === 'train' ? `${a}/${suffix}` : `eval/${a}/${suffix}`);
      if (!y) continue;
      let points = 0;
      for (let i = 0; i < table.rows; i++) if (Number.isFinite(x[i]) && Number.isFinite(y[i])) points++;
      if (points >= 2) groups.push({ label: `${a} ${kind}`, runs: [{ x, y }] });
    }
  }
  if (groups.length === 0) return undefined;
  const out = path.join(runDir, 'agents.png');
  writePng(
    out,
    plotCurves(groups, {
      width: 960,
      height: 600,
      title: `${run.algo} on ${run.env}: return per agent`,
      xLabel: 'env steps',
      yLabel: 'episode return',
      band: 'none',
    }),
  );
  return out;
}
