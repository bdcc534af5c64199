/**
 * The algorithm base classes (SB3's `BaseAlgorithm`):
 *
 * - `BaseAlgorithm`: hyperparameters, the seeded RNG, counters, the `learn` lifecycle with
 *   callbacks, episode statistics for logging, and `save` / `load` of the whole training state
 *   through the checkpoint format;
 * - `Algorithm`: a `BaseAlgorithm` on one env (an `Env` or a `VecEnv`) with one observation and
 *   one action space and a `predict` that takes one observation, a batch, or a dict.
 *
 * A subclass declares `static algorithmName` and `static hyperparameterSchema`, implements
 * `trainLoop` (or sits on `OnPolicyAlgorithm` / `OffPolicyAlgorithm`, which implement it) and
 * `predictRows`, and lists what it trains in `networks()` and `optimizers()`. `save` gathers
 * those itself, one layout for every learner:
 *
 * - `<network>` (a variable or host array) or `<network>/<variable>` (a module),
 * - `optimizers/<name>/<slot>` (Adam: `m`, `v`; RMSprop: `square_avg`) and `optimizers/<name>/step`,
 *
 * plus counters, the RNG state, the statistics of a `VecNormalize` env and `extraState()` (JSON)
 * in the manifest. Non-finite weights are refused before anything is written.
 */
import * as tf from '@tensorflow/tfjs';
import { type BaseCallback, type CallbackContext, toCallback } from './callbacks';
import {
  CHECKPOINT_FORMAT_VERSION,
  type CheckpointManifest,
  type CheckpointTensor,
  type CheckpointTarget,
  type LoadedCheckpoint,
  canonicalJson,
  checkpointLabel,
  loadCheckpoint,
  saveCheckpoint,
} from './checkpoint';
import { type Env, type VecEnv, entropySeed } from './env';
import { assertFiniteCheckpoint, assertFiniteValues } from './finite';
import type { PredictOptions } from './evaluation';
import { type HyperparameterSchema, type ScheduleSpec, resolveHyperparameters, scheduleFromSpec } from './hyperparams';
import { type Logger, NullLogger } from './logging';
import type { Optimizer } from './nn/optimizer';
import { ObservationEncoder } from './preprocessing';
import { Rng, type RngState } from './rng';
import type { Space } from './spaces';
import { findVecNormalize } from './vec-normalize';

export type AnyEnv = Env<any, any> | VecEnv;
/** An env instance, a factory, or a registered id (resolved by {@link setEnvResolver}). */
export type EnvSpecifier = AnyEnv | (() => AnyEnv) | string;

/**
 * What `predict` returns for observations from env `E`: for a single `Env<O, A>` (or a factory or
 * id of one), the action `step` takes (`number` for Discrete, `Float32Array` for Box); for a
 * VecEnv, the batch of actions as typed arrays.
 */
export type ActionOf<E> = 0 extends 1 & E
  ? any
  : E extends VecEnv
    ? Int32Array | Float32Array
    : E extends Env<any, infer A>
      ? A
      : E extends () => infer F
        ? ActionOf<F>
        : number | Int32Array | Float32Array;

/** Options every algorithm takes besides its hyperparameters. */
export interface CommonOptions {
  /** Seed of the algorithm's RNG; omitted → fresh entropy (recorded in `this.seed`). */
  seed?: number;
  logger?: Logger;
  /** 0 silent (default), 1 info, 2 debug; subclasses decide what they print. */
  verbose?: number;
}

/** Untyped options (generic code such as the CLI); every other field is a hyperparameter. */
export interface AlgorithmOptions extends CommonOptions {
  env: EnvSpecifier;
  [hyperparameter: string]: unknown;
}

export interface LearnOptions {
  totalTimesteps: number;
  callbacks?: BaseCallback | BaseCallback[] | null;
  /** Replaces the algorithm's logger from now on. */
  logger?: Logger;
  /** false continues the counters (and `totalTimesteps` counts from the current step). */
  resetNumTimesteps?: boolean;
  /** Log every `logInterval` iterations (rollouts for on-policy learners, episodes for off-policy ones). */
  logInterval?: number;
}

/** Per-`learn` facts passed to `trainLoop`. */
export interface TrainLoopInfo {
  resetNumTimesteps: boolean;
  logInterval: number;
}

export interface LoadOptions<E = EnvSpecifier> {
  env: E;
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

/** Something with named variables (an Mlp, a policy, a Q-network): saved as `<network>/<name>`. */
export interface Module {
  namedVariables(): Record<string, tf.Variable>;
}

/**
 * What `networks()` lists: a module, one variable, or host data (restored in place) given as a
 * checkpoint tensor.
 */
export type NetworkState = Module | tf.Variable | CheckpointTensor;

/** The static side every concrete algorithm has (what `load` and the registry need). */
export interface AlgorithmClass<T extends BaseAlgorithm<any> = BaseAlgorithm<any>> {
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

/** @internal the registered env resolver (for multi-agent envs that resolve ids themselves). */
export function getEnvResolver(): ((id: string) => AnyEnv) | null {
  return envResolver;
}

export function isVecEnv(env: AnyEnv): env is VecEnv {
  return typeof (env as VecEnv).numEnvs === 'number' && (env as VecEnv).singleObservationSpace !== undefined;
}

/** A checkpoint tensor as a new tf tensor (the caller disposes it). */
export function checkpointTensorToTf(t: CheckpointTensor): tf.Tensor {
  const data = t.dtype === 'float64' ? Float32Array.from(t.data) : t.data;
  const dtype = t.dtype === 'float64' ? 'float32' : t.dtype;
  return tf.tensor(data as Float32Array | Int32Array | Uint8Array, t.shape, dtype === 'uint8' ? 'int32' : dtype);
}

function isModule(x: NetworkState): x is Module {
  return typeof (x as Module).namedVariables === 'function';
}

function isCheckpointTensor(x: unknown): x is CheckpointTensor {
  return !!x && typeof x === 'object' && ArrayBuffer.isView((x as CheckpointTensor).data) && Array.isArray((x as CheckpointTensor).shape);
}

/**
 * An env (or VecEnv) whose whole state — physics, episode counters, random generator — can be
 * saved as JSON and restored, so that a saved run continues mid-episode exactly.
 */
export interface StatefulEnv {
  getState(): unknown;
  setState(state: unknown): void;
}

/** Yield to the event loop so timers and I/O run (progress output, test runners' heartbeats, a page's rendering). */
export function yieldToEventLoop(): Promise<void> {
  if (typeof setImmediate === 'function') return new Promise<void>((resolve) => setImmediate(resolve));
  // Browsers have no setImmediate, and nested setTimeout(0)s are clamped to 4 ms: a MessageChannel
  // message is a macrotask without the clamp.
  return new Promise<void>((resolve) => {
    const { port1, port2 } = new MessageChannel();
    // The DOM's MessagePort (Node's types describe worker_threads' one).
    (port1 as unknown as { onmessage: (() => void) | null }).onmessage = () => {
      port1.close();
      resolve();
    };
    port2.postMessage(null);
  });
}

export abstract class BaseAlgorithm<H extends Record<string, any> = Record<string, unknown>> {
  /** Name written to checkpoints and checked by `load` (e.g. `'PPO'`). */
  static readonly algorithmName: string = 'Algorithm';
  static readonly hyperparameterSchema: HyperparameterSchema = {};

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

  constructor(options: CommonOptions & Record<string, unknown>, hyperparameterInput: Record<string, unknown>) {
    const { seed, logger, verbose } = options;
    this.verbose = verbose ?? 0;
    const statics = this.statics;
    this.hyperparameters = resolveHyperparameters(statics.hyperparameterSchema, hyperparameterInput, statics.algorithmName) as H;
    if (seed !== undefined && !(Number.isSafeInteger(seed) && seed >= 0 && seed <= 0xffffffff)) {
      throw new TypeError(`${this.algorithmName}: seed must be an integer in [0, 2^32 - 1], got ${String(seed)}`);
    }
    this.seed = seed ?? entropySeed();
    this.rng = new Rng(this.seed);
    this.logger = logger ?? new NullLogger();
  }

  protected get statics(): AlgorithmClass {
    return this.constructor as unknown as AlgorithmClass;
  }

  get algorithmName(): string {
    return (this.constructor as unknown as AlgorithmClass).algorithmName;
  }

  // ------------------------------------------------------------------ to implement

  /**
   * Collect experience and update until `numTimesteps >= totalTimesteps` (absolute) or a
   * callback's `step` returns false. Call `callback.step(this.callbackContext())` once per
   * env step after increasing `numTimesteps`, and `rolloutStart/rolloutEnd` around rollouts.
   */
  protected abstract trainLoop(totalTimesteps: number, callback: BaseCallback, info: TrainLoopInfo): Promise<void>;

  /** What the algorithm trains and must save: networks (and targets) by name. */
  protected networks(): Record<string, NetworkState> {
    return {};
  }

  /** The optimizers by name (their state is saved in one layout). */
  protected optimizers(): Record<string, Optimizer> {
    return {};
  }

  /** Extra JSON state to save (e.g. an adaptive coefficient, a schedule's counter). */
  protected extraState(): Record<string, unknown> {
    return {};
  }

  protected loadExtraState(_extra: Record<string, unknown>): void {}

  /** Called after a checkpoint's tensors were assigned (e.g. to refresh host copies of weights). */
  protected onStateRestored(): void {}

  /** The spaces written to the manifest and checked by `load`. */
  protected abstract spacesJson(): { observationSpace: unknown; actionSpace: unknown };

  /** The env statistics and state to save, if any (`VecNormalize` statistics, the envs' own state). */
  protected envState(): unknown {
    return undefined;
  }

  /** Restore `envState()`; true when the envs' own state was restored (so the loop can continue mid-episode). */
  protected loadEnvState(_state: unknown): boolean {
    return false;
  }

  /**
   * Where the collection loop stands (last observations, running episode returns, exploration noise):
   * saved with the env state so that a loaded agent continues exactly where the saved one was. Only
   * restored when the env state was.
   */
  protected loopState(): Record<string, unknown> | undefined {
    return undefined;
  }

  protected loadLoopState(_state: Record<string, unknown>): void {}

  /** Release tensors (networks, optimizers). The default disposes every network and optimizer. */
  dispose(): void {
    const seen = new Set<tf.Variable>();
    for (const net of Object.values(this.networks())) {
      const vars = isCheckpointTensor(net) ? [] : isModule(net) ? Object.values(net.namedVariables()) : [net as tf.Variable];
      for (const v of vars) {
        if (!seen.has(v) && !v.isDisposed) v.dispose();
        seen.add(v);
      }
    }
    for (const o of Object.values(this.optimizers())) o.dispose();
  }

  // ------------------------------------------------------------------ learning

  async learn(options: LearnOptions): Promise<this> {
    const { totalTimesteps, callbacks, logger, resetNumTimesteps = true, logInterval = 1 } = options;
    if (!Number.isSafeInteger(totalTimesteps) || totalTimesteps < 0) {
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

  /**
   * Stop training when a value read from an update is not finite: throws a {@link NonFiniteError}
   * naming the algorithm, the step and the quantity. Costs nothing beyond the values given.
   */
  protected assertFinite(values: Record<string, number>): void {
    assertFiniteValues(this.algorithmName, this.numTimesteps, values);
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

  /**
   * The networks' weights by name (`policy/pi/0/kernel`, …), copied to the host: what SB3's
   * `get_parameters()` gives, without optimizer state. One read per variable, so call it rarely.
   */
  getParameters(): Record<string, Float32Array> {
    const out: Record<string, Float32Array> = {};
    for (const [net, state] of Object.entries(this.networks())) {
      if (isCheckpointTensor(state)) {
        if (state.data instanceof Float32Array) out[net] = state.data.slice();
      } else if (isModule(state)) {
        for (const [n, v] of Object.entries(state.namedVariables()))
          if (v.dtype === 'float32') out[`${net}/${n}`] = v.dataSync() as Float32Array;
      } else if ((state as tf.Variable).dtype === 'float32') {
        out[net] = (state as tf.Variable).dataSync() as Float32Array;
      }
    }
    return out;
  }

  // ------------------------------------------------------------------ checkpoints

  /** Every tensor of the training state in the checkpoint layout (one read per variable). */
  protected async stateTensors(): Promise<Record<string, CheckpointTensor>> {
    const out: Record<string, CheckpointTensor> = {};
    const read = async (name: string, v: tf.Variable): Promise<void> => {
      if (v.isDisposed) throw new Error(`${this.algorithmName}.save: variable "${name}" is disposed`);
      if (v.dtype !== 'float32' && v.dtype !== 'int32') {
        throw new Error(`${this.algorithmName}.save: variable "${name}" has dtype ${v.dtype}; only float32/int32 are saved`);
      }
      out[name] = { dtype: v.dtype, shape: [...v.shape], data: (await v.data()) as Float32Array | Int32Array };
    };
    for (const [net, state] of Object.entries(this.networks())) {
      if (isCheckpointTensor(state)) out[net] = state;
      else if (isModule(state)) for (const [n, v] of Object.entries(state.namedVariables())) await read(`${net}/${n}`, v);
      else await read(net, state as tf.Variable);
    }
    for (const [name, opt] of Object.entries(this.optimizers())) {
      for (const [slot, v] of Object.entries(opt.slots())) await read(`optimizers/${name}/${slot}`, v);
      out[`optimizers/${name}/step`] = { dtype: 'int32', shape: [], data: Int32Array.of(opt.stepCount) };
    }
    return out;
  }

  /** Restore what {@link stateTensors} wrote; every tensor must be there with its shape. */
  protected loadStateTensors(tensors: Record<string, CheckpointTensor>, dir: string): void {
    const need = (name: string, shape: readonly number[]): CheckpointTensor => {
      const t = tensors[name];
      if (!t) throw new Error(`checkpoint ${dir}: has no tensor "${name}" (has: ${Object.keys(tensors).join(', ') || 'none'})`);
      if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
        throw new Error(`checkpoint ${dir}: tensor "${name}" has shape [${t.shape}], expected [${shape}]`);
      }
      return t;
    };
    const assign = (name: string, v: tf.Variable): void => {
      const t = checkpointTensorToTf(need(name, v.shape));
      v.assign(v.dtype === t.dtype ? t : tf.cast(t, v.dtype));
      t.dispose();
    };
    // Check everything first, so a bad checkpoint changes nothing.
    for (const [net, state] of Object.entries(this.networks())) {
      if (isCheckpointTensor(state)) need(net, state.shape);
      else if (isModule(state)) for (const [n, v] of Object.entries(state.namedVariables())) need(`${net}/${n}`, v.shape);
      else need(net, (state as tf.Variable).shape);
    }
    for (const [name, opt] of Object.entries(this.optimizers())) {
      for (const [slot, v] of Object.entries(opt.slots())) need(`optimizers/${name}/${slot}`, v.shape);
      need(`optimizers/${name}/step`, []);
    }
    for (const [net, state] of Object.entries(this.networks())) {
      if (isCheckpointTensor(state)) (state.data as Float32Array).set(tensors[net]?.data as Float32Array);
      else if (isModule(state)) tf.tidy(() => Object.entries(state.namedVariables()).forEach(([n, v]) => assign(`${net}/${n}`, v)));
      else tf.tidy(() => assign(net, state as tf.Variable));
    }
    for (const [name, opt] of Object.entries(this.optimizers())) {
      const slots: Record<string, Float32Array> = {};
      for (const slot of Object.keys(opt.slots())) slots[slot] = Float32Array.from(tensors[`optimizers/${name}/${slot}`]?.data ?? []);
      opt.setSlots(slots, Number(tensors[`optimizers/${name}/step`]?.data[0]));
    }
  }

  /**
   * Write a checkpoint of everything needed to continue training to directory `dir` (Node), or to
   * a `CheckpointStore` such as a `MemoryCheckpoint` (anywhere, browsers included).
   */
  async save(dir: CheckpointTarget): Promise<CheckpointManifest> {
    const tensors = await this.stateTensors();
    assertFiniteCheckpoint(this.algorithmName, checkpointLabel(dir), tensors);
    const hyperparameters: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(this.hyperparameters)) {
      hyperparameters[k] = typeof v === 'function' ? { [FUNCTION_MARKER]: 'function' } : v;
    }
    const spaces = this.spacesJson();
    return saveCheckpoint(dir, {
      algorithm: this.algorithmName,
      hyperparameters,
      observationSpace: spaces.observationSpace,
      actionSpace: spaces.actionSpace,
      counters: { numTimesteps: this.numTimesteps, numUpdates: this.numUpdates, episodes: this.numEpisodes },
      rngState: this.rng.getState(),
      extra: {
        seed: this.seed,
        totalTimesteps: this.totalTimesteps,
        epInfoBuffer: this.epInfoBuffer,
        algorithm: this.extraState(),
        env: this.envState() ?? null,
        loop: this.loopState() ?? null,
      },
      tensors,
    });
  }

  /**
   * Rebuild an agent from a checkpoint: `const agent = await PPO.load(dir, {env})`.
   * Checks the algorithm name and the env's spaces, then restores hyperparameters, tensors,
   * RNG state and counters so that `learn({resetNumTimesteps: false})` continues the run.
   * `dir` may also be a `CheckpointStore` (e.g. `MemoryCheckpoint.fromArchive(bytes)`).
   */
  static async load<T extends BaseAlgorithm<any>>(this: AlgorithmClass<T>, dir: CheckpointTarget, options: LoadOptions<any>): Promise<T> {
    const ckpt = await loadCheckpoint(dir);
    // biome-ignore lint/complexity/noThisInStatic: `this` is the subclass (PPO.load builds a PPO)
    return restoreAlgorithm(this, checkpointLabel(dir), ckpt, options);
  }

  /** @internal used by `load`: tensors, extra state, RNG and counters from a verified checkpoint. */
  restoreFrom(ckpt: LoadedCheckpoint, dir: string): void {
    const m = ckpt.manifest;
    this.loadStateTensors(ckpt.tensors, dir);
    this.onStateRestored();
    this.loadExtraState((m.extra?.algorithm as Record<string, unknown>) ?? {});
    const envRestored = m.extra?.env !== undefined && m.extra.env !== null ? this.loadEnvState(m.extra.env) : false;
    const loop = m.extra?.loop as Record<string, unknown> | null | undefined;
    if (envRestored && loop) this.loadLoopState(loop);
    this.rng.setState(m.rngState as RngState);
    this.numTimesteps = m.counters.numTimesteps;
    this.numUpdates = m.counters.numUpdates;
    this.numEpisodes = m.counters.episodes;
    this.totalTimesteps = typeof m.extra?.totalTimesteps === 'number' ? m.extra.totalTimesteps : this.numTimesteps;
    const buf = m.extra?.epInfoBuffer;
    this.epInfoBuffer = Array.isArray(buf) ? (buf as EpisodeInfo[]).map((e) => ({ r: e.r, l: e.l })) : [];
    this.updateProgressRemaining();
  }
}

/** Check that a verified manifest has every field an algorithm needs (names the field and the file). */
function checkAlgorithmManifest(dir: string, m: CheckpointManifest): void {
  const where = `checkpoint ${dir}: manifest.json`;
  if (m.formatVersion < CHECKPOINT_FORMAT_VERSION) {
    throw new Error(
      `checkpoint ${dir}: format version ${m.formatVersion} (tfrl ${m.tfrlVersion}) stores the training state in a layout this tfrl no longer reads; it reads format version ${CHECKPOINT_FORMAT_VERSION}. Load it with the tfrl version that wrote it, or train again`,
    );
  }
  if (!m.hyperparameters || typeof m.hyperparameters !== 'object' || Array.isArray(m.hyperparameters)) {
    throw new Error(`${where} has no "hyperparameters" object`);
  }
  if (m.observationSpace === undefined || m.observationSpace === null) throw new Error(`${where} has no "observationSpace"`);
  if (m.actionSpace === undefined || m.actionSpace === null) throw new Error(`${where} has no "actionSpace"`);
  const c = m.counters as unknown as Record<string, unknown> | undefined;
  for (const k of ['numTimesteps', 'numUpdates', 'episodes']) {
    if (!c || !Number.isSafeInteger(c[k]) || (c[k] as number) < 0) throw new Error(`${where} has no valid "counters.${k}"`);
  }
  const r = m.rngState as { s?: unknown } | null;
  if (!r || !Array.isArray(r.s) || r.s.length !== 4) throw new Error(`${where} has no valid "rngState"`);
}

/** Build an instance of `cls` from a verified checkpoint (shared by `load` and `loadAgent`). */
export function restoreAlgorithm<T extends BaseAlgorithm<any>>(
  cls: AlgorithmClass<T>,
  dir: string,
  ckpt: LoadedCheckpoint,
  options: LoadOptions<any>,
): T {
  if (!options || options.env === undefined) throw new TypeError(`${cls.algorithmName}.load: options.env is required`);
  const m = ckpt.manifest;
  if (m.algorithm !== cls.algorithmName) {
    throw new Error(
      `checkpoint ${dir}: was written by ${m.algorithm}, cannot load it as ${cls.algorithmName} (use ${m.algorithm}.load or loadAgent)`,
    );
  }
  checkAlgorithmManifest(dir, m);
  const overrides = options.hyperparameters ?? {};
  const hp: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(m.hyperparameters)) {
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
  try {
    const now = (agent as unknown as { spacesJson(): { observationSpace: unknown; actionSpace: unknown } }).spacesJson();
    for (const [what, saved, current] of [
      ['observation', m.observationSpace, now.observationSpace],
      ['action', m.actionSpace, now.actionSpace],
    ] as const) {
      if (canonicalJson(saved) !== canonicalJson(current)) {
        throw new Error(
          `checkpoint ${dir}: saved ${what} space ${JSON.stringify(saved)} does not match the env's ${describeSpaceJson(current)}`,
        );
      }
    }
    agent.restoreFrom(ckpt, dir);
  } catch (e) {
    agent.dispose();
    throw e;
  }
  return agent;
}

function describeSpaceJson(json: unknown): string {
  const j = json as { type?: string; n?: number; start?: number };
  if (j?.type === 'Discrete') return j.start ? `Discrete(${j.n}, start=${j.start})` : `Discrete(${j.n})`;
  return JSON.stringify(json);
}

// ---------------------------------------------------------------------------- single-agent

/**
 * An algorithm on one env: `new PPO({env, ...hyperparameters, seed})`. Networks see observations
 * through `obsEncoder` (one-hot for Discrete parts, Dict keys concatenated), and `predict` accepts
 * one observation or a batch in the env's own format.
 */
export abstract class Algorithm<H extends Record<string, any> = Record<string, unknown>, E = any> extends BaseAlgorithm<H> {
  readonly env: AnyEnv;
  /** Observation space → network input. */
  readonly obsEncoder: ObservationEncoder;
  /** The env given was a single Env (not a VecEnv): `predict` of one observation returns one action. */
  private singleEnv = false;

  constructor(options: AlgorithmOptions) {
    if (!options || typeof options !== 'object') {
      throw new TypeError('Algorithm: constructor needs an options object {env, ...hyperparameters}');
    }
    const { env, seed, logger, verbose, ...hp } = options;
    super({ seed, logger, verbose }, hp);
    if (env === undefined || env === null) throw new TypeError(`${this.algorithmName}: options.env is required`);
    this.env = this.resolveEnv(env);
    this.obsEncoder = new ObservationEncoder(this.observationSpace);
  }

  /** Turn the `env` option into an env. Override to wrap envs (e.g. always vectorise). */
  protected resolveEnv(spec: EnvSpecifier): AnyEnv {
    if (typeof spec === 'string') {
      if (!envResolver) {
        throw new Error(
          `${this.algorithmName}: env "${spec}" given by id but no env registry is loaded; pass an Env instance, or import @tfrl/envs and call setEnvResolver(make)`,
        );
      }
      const env = envResolver(spec);
      this.singleEnv = !isVecEnv(env);
      return env;
    }
    const env = typeof spec === 'function' ? spec() : spec;
    if (typeof env !== 'object' || env === null || typeof (env as { step?: unknown }).step !== 'function') {
      throw new TypeError(`${this.algorithmName}: env must be an Env, a VecEnv, a factory or an id, got ${String(spec)}`);
    }
    this.singleEnv = !isVecEnv(env);
    return env;
  }

  /**
   * The seed of the first VecEnv reset: the learner's seed, kept low enough that env i's seed
   * `seed + i` stays a valid 32-bit seed.
   */
  protected get envResetSeed(): number {
    const room = 0x100000000 - this.numEnvs;
    return this.seed < room ? this.seed : this.seed % room;
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

  protected spacesJson(): { observationSpace: unknown; actionSpace: unknown } {
    return { observationSpace: this.observationSpace.toJSON(), actionSpace: this.actionSpace.toJSON() };
  }

  protected override envState(): unknown {
    const vn = findVecNormalize(this.env);
    const inner = (vn ? vn.venv : this.env) as Partial<StatefulEnv>;
    const own = typeof inner.getState === 'function' ? inner.getState() : undefined;
    if (!vn && own === undefined) return undefined;
    return { ...(vn ? { vecNormalize: vn.getState() } : {}), ...(own !== undefined ? { state: own } : {}) };
  }

  protected override loadEnvState(state: unknown): boolean {
    const s = state as { vecNormalize?: unknown; state?: unknown } | null;
    const vn = findVecNormalize(this.env);
    if (s?.vecNormalize && vn) vn.setState(s.vecNormalize as Parameters<typeof vn.setState>[0]);
    const inner = (vn ? vn.venv : this.env) as Partial<StatefulEnv>;
    if (s?.state === undefined || typeof inner.setState !== 'function') return false;
    try {
      inner.setState(s.state);
      return true;
    } catch {
      // Another env (another id or number of copies): it starts from a reset instead.
      return false;
    }
  }

  /**
   * Actions for one observation or a batch: a typed array (or array) of one or more rows in the
   * compact layout, a number for a Discrete space, or an object with one entry per Dict key.
   *
   * An agent made on a single Env returns, for one observation, the action that env's `step` takes:
   * a number for Discrete, a Float32Array for Box (so `env.step(agent.predict(obs))` works). For a
   * batch, or an agent made on a VecEnv, it returns one action per row as a typed array
   * (Int32Array for Discrete, Float32Array for Box), what `VecEnv.step` takes.
   */
  predict(obs: unknown, options: PredictOptions = {}): ActionOf<E> {
    const rows = this.obsEncoder.toRows(obs, `${this.algorithmName}.predict`);
    const actions = this.predictRows(rows, options.deterministic ?? false);
    if (this.singleEnv && rows.length === this.obsEncoder.compactDim) {
      return this.actionSpace.readCompact(actions, 0) as ActionOf<E>;
    }
    return actions as ActionOf<E>;
  }

  /** Actions (env format) for rows of compact observations. */
  protected abstract predictRows(rows: Float32Array, deterministic: boolean): Int32Array | Float32Array;
}
