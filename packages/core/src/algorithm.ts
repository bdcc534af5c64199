/**
 * The `Algorithm` base: hyperparameters, seeded RNG, counters, the `learn` lifecycle with
 * callbacks, episode statistics for logging, and `save`/`load` through the checkpoint format.
 *
 * A subclass declares `static algorithmName` and `static hyperparameterSchema`, and implements
 * `trainLoop`, `predict`, `stateTensors` and `loadStateTensors` (see the README example).
 */
import * as tf from '@tensorflow/tfjs';
import { type BaseCallback, type CallbackContext, toCallback } from './callbacks';
import {
  type CheckpointManifest,
  type CheckpointTensor,
  type LoadedCheckpoint,
  canonicalJson,
  loadCheckpoint,
  saveCheckpoint,
} from './checkpoint';
import { type Env, type VecEnv, entropySeed } from './env';
import { type HyperparameterSchema, type ScheduleSpec, resolveHyperparameters, scheduleFromSpec } from './hyperparams';
import { type Logger, NullLogger } from './logging';
import { Rng, type RngState } from './rng';
import type { Space } from './spaces';

export type AnyEnv = Env<any, any> | VecEnv;
/** An env instance, a factory, or a registered id (resolved by {@link setEnvResolver}). */
export type EnvSpecifier = AnyEnv | (() => AnyEnv) | string;

export interface AlgorithmOptions {
  env: EnvSpecifier;
  /** Seed of the algorithm's RNG; omitted → fresh entropy (recorded in `this.seed`). */
  seed?: number;
  logger?: Logger;
  /** 0 silent (default), 1 info, 2 debug; subclasses decide what they print. */
  verbose?: number;
  /** Every other field is a hyperparameter, validated against the subclass's schema. */
  [hyperparameter: string]: unknown;
}

export interface LearnOptions {
  totalTimesteps: number;
  callbacks?: BaseCallback | BaseCallback[] | null;
  /** Replaces the algorithm's logger from now on. */
  logger?: Logger;
  /** false continues the counters (and `totalTimesteps` counts from the current step). */
  resetNumTimesteps?: boolean;
  /** Log every `logInterval` iterations (the unit is the subclass's: rollouts, episodes...). */
  logInterval?: number;
}

/** Per-`learn` facts passed to `trainLoop`. */
export interface TrainLoopInfo {
  resetNumTimesteps: boolean;
  logInterval: number;
}

export interface LoadOptions {
  env: EnvSpecifier;
  logger?: Logger;
  /** Override saved hyperparameters (e.g. a new learning rate for fine-tuning). */
  hyperparameters?: Record<string, unknown>;
}

export interface EpisodeInfo {
  /** Undiscounted return. */
  r: number;
  /** Length in steps. */
  l: number;
}

/** A value `stateTensors` may return: a live tf tensor (read, never disposed) or raw data. */
export type StateTensor = tf.Tensor | CheckpointTensor;

/** The static side every concrete algorithm has (what `load` and the registry need). */
export interface AlgorithmClass<T extends Algorithm<any> = Algorithm<any>> {
  new (options: any): T;
  readonly algorithmName: string;
  readonly hyperparameterSchema: HyperparameterSchema;
}

const FUNCTION_MARKER = '$unserializable';
const EP_INFO_WINDOW = 100;

let envResolver: ((id: string) => AnyEnv) | null = null;

/**
 * How algorithms turn an env id string into an env (`new PPO({env: 'CartPole-v1'})`).
 * `@tfrl/envs` or the CLI registers its `make` here; core knows no concrete envs.
 */
export function setEnvResolver(resolver: ((id: string) => AnyEnv) | null): void {
  envResolver = resolver;
}

export function isVecEnv(env: AnyEnv): env is VecEnv {
  return typeof (env as VecEnv).numEnvs === 'number' && (env as VecEnv).singleObservationSpace !== undefined;
}

function isTfTensor(x: unknown): x is tf.Tensor {
  return x instanceof tf.Tensor;
}

/** A checkpoint tensor as a new tf tensor (the caller disposes it). */
export function checkpointTensorToTf(t: CheckpointTensor): tf.Tensor {
  return tf.tensor(t.data, t.shape, t.dtype);
}

export abstract class Algorithm<H extends Record<string, any> = Record<string, unknown>> {
  /** Name written to checkpoints and checked by `load` (e.g. `'PPO'`). */
  static readonly algorithmName: string = 'Algorithm';
  static readonly hyperparameterSchema: HyperparameterSchema = {};

  readonly env: AnyEnv;
  readonly hyperparameters: H;
  /** The seed `rng` started from (drawn from entropy when none was given). */
  readonly seed: number;
  rng: Rng;
  logger: Logger;
  verbose: number;

  numTimesteps = 0;
  numUpdates = 0;
  numEpisodes = 0;
  /** Target of the current/last `learn` (absolute, including earlier calls when continuing). */
  totalTimesteps = 0;
  /** 1 at the start of training → 0 at `totalTimesteps` (the argument of schedules). */
  progressRemaining = 1;
  /** The last 100 finished episodes. */
  epInfoBuffer: EpisodeInfo[] = [];

  private learning = false;
  private learnStartTime = 0;
  private learnStartTimesteps = 0;
  protected logInterval = 1;

  constructor(options: AlgorithmOptions) {
    if (!options || typeof options !== 'object') {
      throw new TypeError(`${this.algorithmName}: constructor needs an options object {env, ...hyperparameters}`);
    }
    const { env, seed, logger, verbose, ...hp } = options;
    this.verbose = verbose ?? 0;
    const statics = this.statics;
    this.hyperparameters = resolveHyperparameters(statics.hyperparameterSchema, hp, statics.algorithmName) as H;
    if (seed !== undefined && !Number.isInteger(seed)) {
      throw new TypeError(`${this.algorithmName}: seed must be an integer, got ${String(seed)}`);
    }
    this.seed = seed ?? entropySeed();
    this.rng = new Rng(this.seed);
    this.logger = logger ?? new NullLogger();
    if (env === undefined || env === null) throw new TypeError(`${this.algorithmName}: options.env is required`);
    this.env = this.resolveEnv(env);
  }

  protected get statics(): AlgorithmClass {
    return this.constructor as unknown as AlgorithmClass;
  }

  get algorithmName(): string {
    return (this.constructor as unknown as AlgorithmClass).algorithmName;
  }

  /** Turn the `env` option into an env. Override to wrap envs (e.g. always vectorise). */
  protected resolveEnv(spec: EnvSpecifier): AnyEnv {
    if (typeof spec === 'string') {
      if (!envResolver) {
        throw new Error(
          `${this.algorithmName}: env "${spec}" given by id but no env registry is loaded; pass an Env instance, or import @tfrl/envs and call setEnvResolver(make)`,
        );
      }
      return envResolver(spec);
    }
    if (typeof spec === 'function') return spec();
    if (typeof spec === 'object' && typeof (spec as { step?: unknown }).step === 'function') return spec;
    throw new TypeError(`${this.algorithmName}: env must be an Env, a VecEnv, a factory or an id, got ${String(spec)}`);
  }

  get isVecEnv(): boolean {
    return isVecEnv(this.env);
  }

  get numEnvs(): number {
    return isVecEnv(this.env) ? this.env.numEnvs : 1;
  }

  /** The observation space of one env. */
  get observationSpace(): Space<any> {
    return isVecEnv(this.env) ? this.env.singleObservationSpace : this.env.observationSpace;
  }

  /** The action space of one env. */
  get actionSpace(): Space<any> {
    return isVecEnv(this.env) ? this.env.singleActionSpace : this.env.actionSpace;
  }

  // ------------------------------------------------------------------ to implement

  /**
   * Collect experience and update until `numTimesteps >= totalTimesteps` (absolute) or a
   * callback's `step` returns false. Call `callback.step(this.callbackContext())` once per
   * env step after increasing `numTimesteps`, and `rolloutStart/rolloutEnd` around rollouts.
   */
  protected abstract trainLoop(totalTimesteps: number, callback: BaseCallback, info: TrainLoopInfo): Promise<void>;

  /** Actions for one observation or a batch (rows of `observationSpace.compactDim`). */
  abstract predict(obs: Float32Array, options?: { deterministic?: boolean }): Int32Array | Float32Array;

  /** Every tensor needed to resume training: networks AND optimizer state. Not disposed by the caller. */
  protected abstract stateTensors(): Record<string, StateTensor>;

  /** Restore what `stateTensors` returned (see {@link checkpointTensorToTf}, {@link requireTensor}). */
  protected abstract loadStateTensors(tensors: Record<string, CheckpointTensor>): void;

  /** Extra JSON state to save (e.g. normalisation statistics). */
  protected stateExtra(): Record<string, unknown> {
    return {};
  }

  protected loadStateExtra(_extra: Record<string, unknown>): void {}

  /** Release tensors (networks, optimizer). */
  dispose(): void {}

  // ------------------------------------------------------------------ learning

  async learn(options: LearnOptions): Promise<this> {
    const { totalTimesteps, callbacks, logger, resetNumTimesteps = true, logInterval = 1 } = options;
    if (!Number.isInteger(totalTimesteps) || totalTimesteps < 0) {
      throw new RangeError(`${this.algorithmName}.learn: totalTimesteps must be a non-negative integer, got ${totalTimesteps}`);
    }
    if (!Number.isInteger(logInterval) || logInterval < 1) {
      throw new RangeError(`${this.algorithmName}.learn: logInterval must be a positive integer, got ${logInterval}`);
    }
    if (this.learning) throw new Error(`${this.algorithmName}.learn: already learning (await the previous learn() first)`);
    if (logger) this.logger = logger;
    if (resetNumTimesteps) {
      this.numTimesteps = 0;
      this.numEpisodes = 0;
      this.epInfoBuffer = [];
    }
    this.totalTimesteps = resetNumTimesteps ? totalTimesteps : this.numTimesteps + totalTimesteps;
    this.logInterval = logInterval;
    this.learnStartTime = performance.now();
    this.learnStartTimesteps = this.numTimesteps;
    this.updateProgressRemaining();
    const callback = toCallback(callbacks);
    this.learning = true;
    try {
      await callback.trainingStart(this.callbackContext());
      try {
        if (this.numTimesteps < this.totalTimesteps) {
          await this.trainLoop(this.totalTimesteps, callback, { resetNumTimesteps, logInterval });
        }
      } finally {
        await callback.trainingEnd(this.callbackContext());
        await this.logger.flush();
      }
    } finally {
      this.learning = false;
    }
    return this;
  }

  /** The context handed to callbacks. */
  protected callbackContext(locals?: Record<string, unknown>): CallbackContext {
    return { algorithm: this, numTimesteps: this.numTimesteps, locals };
  }

  /** Recompute `progressRemaining` from `numTimesteps` / `totalTimesteps`. */
  protected updateProgressRemaining(): number {
    const total = this.totalTimesteps;
    const p = total > 0 ? 1 - this.numTimesteps / total : 1;
    this.progressRemaining = p < 0 ? 0 : p > 1 ? 1 : p;
    return this.progressRemaining;
  }

  /** The current value of a `'schedule'` hyperparameter. */
  protected scheduleValue(name: keyof H & string): number {
    const spec = this.hyperparameters[name] as ScheduleSpec;
    return scheduleFromSpec(spec)(this.progressRemaining);
  }

  // ------------------------------------------------------------------ episode stats and logging

  /** Record finished episodes from VecEnv infos (`infos[i].episode = {r, l}`). */
  protected recordEpisodeInfos(infos: ArrayLike<Record<string, unknown> | undefined | null>): void {
    for (let i = 0; i < infos.length; i++) {
      const ep = infos[i]?.episode as { r?: unknown; l?: unknown } | undefined;
      if (ep && typeof ep.r === 'number' && typeof ep.l === 'number') this.recordEpisode(ep.r, ep.l);
    }
  }

  /** Record one finished episode (for learners that step a single Env themselves). */
  protected recordEpisode(reward: number, length: number): void {
    this.epInfoBuffer.push({ r: reward, l: length });
    if (this.epInfoBuffer.length > EP_INFO_WINDOW) this.epInfoBuffer.splice(0, this.epInfoBuffer.length - EP_INFO_WINDOW);
    this.numEpisodes++;
  }

  /** Mean return over the last 100 episodes, or undefined when none has finished. */
  epRewardMean(): number | undefined {
    const b = this.epInfoBuffer;
    return b.length ? b.reduce((a, e) => a + e.r, 0) / b.length : undefined;
  }

  epLengthMean(): number | undefined {
    const b = this.epInfoBuffer;
    return b.length ? b.reduce((a, e) => a + e.l, 0) / b.length : undefined;
  }

  /** Timesteps per second in the current `learn` call. */
  fps(): number {
    const dt = (performance.now() - this.learnStartTime) / 1000;
    return dt > 0 ? (this.numTimesteps - this.learnStartTimesteps) / dt : 0;
  }

  /** True every `logInterval`-th iteration (iteration counted from 1). */
  protected shouldLog(iteration: number): boolean {
    return iteration % this.logInterval === 0;
  }

  /**
   * Log `rollout/ep_rew_mean`, `rollout/ep_len_mean` (when episodes have finished),
   * `time/fps`, `time/total_timesteps`, `time/episodes`, plus `extra` scalars
   * (e.g. `{'train/loss': 0.3}`), then `dump` the logger.
   */
  protected logTrainingStats(extra: Record<string, number> = {}): void {
    const step = this.numTimesteps;
    const rew = this.epRewardMean();
    const len = this.epLengthMean();
    if (rew !== undefined) this.logger.scalar('rollout/ep_rew_mean', rew, step);
    if (len !== undefined) this.logger.scalar('rollout/ep_len_mean', len, step);
    this.logger.scalar('time/fps', this.fps(), step);
    this.logger.scalar('time/total_timesteps', step, step);
    this.logger.scalar('time/episodes', this.numEpisodes, step);
    for (const [tag, v] of Object.entries(extra)) this.logger.scalar(tag, v, step);
    this.logger.dump?.(step);
  }

  // ------------------------------------------------------------------ checkpoints

  /** A tensor from a checkpoint, or an Error naming the missing one. */
  protected requireTensor(tensors: Record<string, CheckpointTensor>, name: string, shape?: number[]): CheckpointTensor {
    const t = tensors[name];
    if (!t) {
      throw new Error(`${this.algorithmName}: checkpoint has no tensor "${name}" (has: ${Object.keys(tensors).join(', ') || 'none'})`);
    }
    if (shape && (shape.length !== t.shape.length || shape.some((d, i) => d !== t.shape[i]))) {
      throw new Error(`${this.algorithmName}: checkpoint tensor "${name}" has shape [${t.shape}], expected [${shape}]`);
    }
    return t;
  }

  /** Write a checkpoint of everything needed to continue training to directory `dir`. */
  async save(dir: string): Promise<CheckpointManifest> {
    const state = this.stateTensors();
    const tensors: Record<string, CheckpointTensor> = {};
    for (const [name, t] of Object.entries(state)) {
      if (isTfTensor(t)) {
        if (t.isDisposed) throw new Error(`${this.algorithmName}.save: state tensor "${name}" is disposed`);
        if (t.dtype !== 'float32' && t.dtype !== 'int32') {
          throw new Error(`${this.algorithmName}.save: state tensor "${name}" has dtype ${t.dtype}; only float32/int32 are saved`);
        }
        // One read per tensor, outside any tidy; the tensor stays owned by the algorithm.
        const data = (await t.data()) as Float32Array | Int32Array;
        tensors[name] = { dtype: t.dtype, shape: [...t.shape], data };
      } else {
        tensors[name] = t;
      }
    }
    const hyperparameters: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(this.hyperparameters)) {
      hyperparameters[k] = typeof v === 'function' ? { [FUNCTION_MARKER]: 'function' } : v;
    }
    return saveCheckpoint(dir, {
      algorithm: this.algorithmName,
      hyperparameters,
      observationSpace: this.observationSpace.toJSON(),
      actionSpace: this.actionSpace.toJSON(),
      counters: { numTimesteps: this.numTimesteps, numUpdates: this.numUpdates, episodes: this.numEpisodes },
      rngState: this.rng.getState(),
      extra: {
        seed: this.seed,
        totalTimesteps: this.totalTimesteps,
        epInfoBuffer: this.epInfoBuffer,
        algorithm: this.stateExtra(),
      },
      tensors,
    });
  }

  /**
   * Rebuild an agent from a checkpoint: `const agent = await PPO.load(dir, {env})`.
   * Checks the algorithm name and the env's spaces, then restores hyperparameters, tensors,
   * RNG state and counters so that `learn({resetNumTimesteps: false})` continues the run.
   */
  static async load<T extends Algorithm<any>>(this: AlgorithmClass<T>, dir: string, options: LoadOptions): Promise<T> {
    const ckpt = await loadCheckpoint(dir);
    // biome-ignore lint/complexity/noThisInStatic: `this` is the subclass (PPO.load builds a PPO)
    return restoreAlgorithm(this, dir, ckpt, options);
  }

  /** @internal used by `load` */
  static _restoreInto(agent: Algorithm<Record<string, unknown>>, ckpt: LoadedCheckpoint): void {
    const m = ckpt.manifest;
    agent.loadStateTensors(ckpt.tensors);
    agent.loadStateExtra((m.extra?.algorithm as Record<string, unknown>) ?? {});
    if (m.rngState) agent.rng.setState(m.rngState as RngState);
    agent.numTimesteps = m.counters.numTimesteps ?? 0;
    agent.numUpdates = m.counters.numUpdates ?? 0;
    agent.numEpisodes = m.counters.episodes ?? 0;
    agent.totalTimesteps = typeof m.extra?.totalTimesteps === 'number' ? m.extra.totalTimesteps : agent.numTimesteps;
    const buf = m.extra?.epInfoBuffer;
    agent.epInfoBuffer = Array.isArray(buf) ? (buf as EpisodeInfo[]).map((e) => ({ r: e.r, l: e.l })) : [];
    agent.updateProgressRemaining();
  }
}

/** Build an instance of `cls` from a verified checkpoint (shared by `load` and `loadAgent`). */
export function restoreAlgorithm<T extends Algorithm<any>>(
  cls: AlgorithmClass<T>,
  dir: string,
  ckpt: LoadedCheckpoint,
  options: LoadOptions,
): T {
  if (!options || options.env === undefined) throw new TypeError(`${cls.algorithmName}.load: options.env is required`);
  const m = ckpt.manifest;
  if (m.algorithm !== cls.algorithmName) {
    throw new Error(
      `checkpoint ${dir}: was written by ${m.algorithm}, cannot load it as ${cls.algorithmName} (use ${m.algorithm}.load or loadAgent)`,
    );
  }
  const overrides = options.hyperparameters ?? {};
  const hp: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(m.hyperparameters ?? {})) {
    if (v && typeof v === 'object' && FUNCTION_MARKER in v && overrides[k] === undefined) {
      throw new Error(
        `checkpoint ${dir}: hyperparameter "${k}" was a function and was not saved; pass it again: ${cls.algorithmName}.load(dir, {env, hyperparameters: {${k}: ...}})`,
      );
    }
    hp[k] = v;
  }
  Object.assign(hp, overrides);
  const seed = typeof m.extra?.seed === 'number' ? m.extra.seed : undefined;
  const agent = new cls({ ...hp, env: options.env, seed, logger: options.logger });
  for (const [what, saved, now] of [
    ['observation', m.observationSpace, agent.observationSpace],
    ['action', m.actionSpace, agent.actionSpace],
  ] as const) {
    if (saved !== null && saved !== undefined && canonicalJson(saved) !== canonicalJson(now.toJSON())) {
      agent.dispose();
      throw new Error(`checkpoint ${dir}: saved ${what} space ${JSON.stringify(saved)} does not match the env's ${String(now)}`);
    }
  }
  Algorithm._restoreInto(agent, ckpt);
  return agent;
}
