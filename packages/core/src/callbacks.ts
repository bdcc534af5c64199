/**
 * Training callbacks (SB3's `BaseCallback` family). An algorithm's `learn` calls, in order:
 * `onTrainingStart`, then per environment step `onStep` (return `false` to stop training)
 * and per rollout `onRolloutStart`/`onRolloutEnd`, and finally `onTrainingEnd`.
 * Hooks may be async.
 *
 * Frequencies (`saveFreq`, `evalFreq`) are in environment timesteps: the callback fires
 * each time `numTimesteps` crosses a multiple of the frequency, so with a VecEnv of N copies
 * it fires as often as with one env (SB3 counts calls instead, i.e. N times less often).
 */
import type { BaseAlgorithm } from './algorithm';
import type { Env } from './env';
import { type EvaluationResult, type Predictor, evaluatePolicy } from './evaluation';
import type { Logger } from './logging';

export interface CallbackContext {
  algorithm: BaseAlgorithm<any>;
  numTimesteps: number;
  /**
   * Loop variables an algorithm chooses to expose. The on- and off-policy learners give, after each
   * env step: `infos`, `rewards`, `terminated`, `truncated` and `finalObs` (the last observation of
   * each env whose episode ended, compact rows, as the VecEnv returns them).
   */
  locals?: Record<string, unknown>;
}

export type MaybePromise<T> = T | Promise<T>;

export abstract class BaseCallback {
  /** Times `onStep` was called. */
  nCalls = 0;
  /** `numTimesteps` at the last hook call. */
  numTimesteps = 0;
  algorithm: BaseAlgorithm<any> | null = null;

  onTrainingStart(_ctx: CallbackContext): MaybePromise<void> {}
  onRolloutStart(_ctx: CallbackContext): MaybePromise<void> {}
  /** Return `false` to stop training. */
  // biome-ignore lint/suspicious/noConfusingVoidType: overrides may return nothing (continue)
  onStep(_ctx: CallbackContext): MaybePromise<boolean | void> {}
  onRolloutEnd(_ctx: CallbackContext): MaybePromise<void> {}
  onTrainingEnd(_ctx: CallbackContext): MaybePromise<void> {}

  // Entry points for algorithms (keep the counters, then call the hooks).
  async trainingStart(ctx: CallbackContext): Promise<void> {
    this.algorithm = ctx.algorithm;
    this.numTimesteps = ctx.numTimesteps;
    await this.onTrainingStart(ctx);
  }
  async rolloutStart(ctx: CallbackContext): Promise<void> {
    this.numTimesteps = ctx.numTimesteps;
    await this.onRolloutStart(ctx);
  }
  /** Returns false when training should stop. */
  async step(ctx: CallbackContext): Promise<boolean> {
    this.nCalls++;
    this.numTimesteps = ctx.numTimesteps;
    return (await this.onStep(ctx)) !== false;
  }
  async rolloutEnd(ctx: CallbackContext): Promise<void> {
    this.numTimesteps = ctx.numTimesteps;
    await this.onRolloutEnd(ctx);
  }
  async trainingEnd(ctx: CallbackContext): Promise<void> {
    this.numTimesteps = ctx.numTimesteps;
    await this.onTrainingEnd(ctx);
  }
}

/** Several callbacks run in order; training stops if any `onStep` returns false. */
export class CallbackList extends BaseCallback {
  readonly callbacks: BaseCallback[];
  constructor(callbacks: BaseCallback[] = []) {
    super();
    this.callbacks = [...callbacks];
  }
  override async onTrainingStart(ctx: CallbackContext): Promise<void> {
    for (const c of this.callbacks) await c.trainingStart(ctx);
  }
  override async onRolloutStart(ctx: CallbackContext): Promise<void> {
    for (const c of this.callbacks) await c.rolloutStart(ctx);
  }
  override async onStep(ctx: CallbackContext): Promise<boolean> {
    let go = true;
    // Every callback sees every step, even after one asked to stop (as SB3).
    for (const c of this.callbacks) go = (await c.step(ctx)) && go;
    return go;
  }
  override async onRolloutEnd(ctx: CallbackContext): Promise<void> {
    for (const c of this.callbacks) await c.rolloutEnd(ctx);
  }
  override async onTrainingEnd(ctx: CallbackContext): Promise<void> {
    for (const c of this.callbacks) await c.trainingEnd(ctx);
  }
}

/** One callback from what `learn({callbacks})` accepts. */
export function toCallback(callbacks?: BaseCallback | BaseCallback[] | null): BaseCallback {
  if (!callbacks) return new CallbackList([]);
  if (Array.isArray(callbacks)) return new CallbackList(callbacks);
  return callbacks;
}

/** `a/b` without importing node:path (keeps core importable in browsers). */
function joinPath(dir: string, name: string): string {
  if (dir === '') return name;
  return `${dir.replace(/[\\/]+$/, '')}/${name}`;
}

/** Fires when `numTimesteps` crosses a multiple of `freq` since the last check (shared by the callbacks). */
export class FrequencyGate {
  private last = 0;
  constructor(readonly freq: number) {}
  reset(t: number) {
    this.last = t;
  }
  due(t: number): boolean {
    const hit = Math.floor(t / this.freq) > Math.floor(this.last / this.freq);
    this.last = t;
    return hit;
  }
}

/** A positive-integer check for a callback's frequency or count, naming the callback and the option. */
export function checkFreq(who: string, name: string, v: number): void {
  if (!Number.isInteger(v) || v < 1) throw new RangeError(`${who}: ${name} must be a positive integer, got ${v}`);
}

export interface CheckpointCallbackOptions {
  /** Save every `saveFreq` timesteps. */
  saveFreq: number;
  saveDir: string;
  /** Directory name prefix (default `rl_model`): `<saveDir>/<prefix>_<steps>_steps`. */
  namePrefix?: string;
  verbose?: boolean;
}

/** Saves the algorithm every `saveFreq` timesteps to `<saveDir>/<namePrefix>_<steps>_steps`. */
export class CheckpointCallback extends BaseCallback {
  readonly saveFreq: number;
  readonly saveDir: string;
  readonly namePrefix: string;
  readonly verbose: boolean;
  /** Directories written so far. */
  readonly saved: string[] = [];
  private gate: FrequencyGate;

  constructor(options: CheckpointCallbackOptions) {
    super();
    checkFreq('CheckpointCallback', 'saveFreq', options.saveFreq);
    this.saveFreq = options.saveFreq;
    this.saveDir = options.saveDir;
    this.namePrefix = options.namePrefix ?? 'rl_model';
    this.verbose = options.verbose ?? false;
    this.gate = new FrequencyGate(this.saveFreq);
  }

  checkpointPath(numTimesteps: number): string {
    return joinPath(this.saveDir, `${this.namePrefix}_${numTimesteps}_steps`);
  }

  override onTrainingStart(ctx: CallbackContext): void {
    this.gate.reset(ctx.numTimesteps);
  }

  override async onStep(ctx: CallbackContext): Promise<boolean> {
    if (this.gate.due(ctx.numTimesteps)) {
      const dir = this.checkpointPath(ctx.numTimesteps);
      await ctx.algorithm.save(dir);
      this.saved.push(dir);
      if (this.verbose) console.log(`Saving model checkpoint to ${dir}`);
    }
    return true;
  }
}

export interface WeightHistogramCallbackOptions {
  /** Log every `freq` timesteps (and once at the start of training). */
  freq: number;
  /** Where to log; defaults to the algorithm's logger. */
  logger?: Logger;
}

/**
 * Logs a histogram of each network weight (`weights/<network>/<variable>`) every `freq` timesteps,
 * at the start of a rollout (between updates), and once when training starts: TensorBoard's
 * Histograms and Distributions tabs then show how the weights move. Reads every weight, so keep
 * `freq` low-rate (the CLI's default is 10% of the run).
 */
export class WeightHistogramCallback extends BaseCallback {
  readonly freq: number;
  private gate: FrequencyGate;
  private due = true;

  constructor(readonly options: WeightHistogramCallbackOptions) {
    super();
    checkFreq('WeightHistogramCallback', 'freq', options.freq);
    this.freq = options.freq;
    this.gate = new FrequencyGate(this.freq);
  }

  override onTrainingStart(ctx: CallbackContext): void {
    this.gate.reset(ctx.numTimesteps);
    this.due = true;
  }

  override onStep(ctx: CallbackContext): boolean {
    if (this.gate.due(ctx.numTimesteps)) this.due = true;
    return true;
  }

  override onRolloutStart(ctx: CallbackContext): void {
    if (!this.due) return;
    this.due = false;
    const logger = this.options.logger ?? ctx.algorithm.logger;
    for (const [name, values] of Object.entries(ctx.algorithm.getParameters()))
      logger.histogram(`weights/${name}`, values, ctx.numTimesteps);
  }
}

export interface EvalCallbackOptions {
  evalEnv: Env<any, any>;
  /** Evaluate every `evalFreq` timesteps (default 10000). */
  evalFreq?: number;
  nEvalEpisodes?: number;
  deterministic?: boolean;
  /** Stop training once the mean evaluation reward is at least this. */
  rewardThreshold?: number;
  /** Save the best model to `<bestModelSavePath>/best_model`. */
  bestModelSavePath?: string;
  /** Where to log; defaults to the algorithm's logger. */
  logger?: Logger;
  /** Seed for each evaluation's first reset (same episodes every evaluation). */
  seed?: number;
  /** Called after each evaluation (e.g. to print or to stop early on a custom rule). */
  onEvaluation?: (result: EvaluationResult, numTimesteps: number) => void;
  verbose?: boolean;
}

/**
 * Evaluates the agent every `evalFreq` timesteps on `evalEnv`, logs `eval/mean_reward` and
 * `eval/mean_ep_length`, keeps the best model, and stops training when the mean reward
 * reaches `rewardThreshold` (SB3's EvalCallback + StopTrainingOnRewardThreshold).
 */
export class EvalCallback extends BaseCallback {
  readonly evalFreq: number;
  readonly nEvalEpisodes: number;
  readonly deterministic: boolean;
  readonly rewardThreshold: number | undefined;
  readonly bestModelSavePath: string | undefined;
  bestMeanReward = Number.NEGATIVE_INFINITY;
  lastMeanReward = Number.NEGATIVE_INFINITY;
  /** Timesteps of each evaluation and its episode returns/lengths. */
  readonly evaluationsTimesteps: number[] = [];
  readonly evaluationsResults: number[][] = [];
  readonly evaluationsLengths: number[][] = [];
  private gate: FrequencyGate;

  constructor(readonly options: EvalCallbackOptions) {
    super();
    this.evalFreq = options.evalFreq ?? 10000;
    this.nEvalEpisodes = options.nEvalEpisodes ?? 5;
    checkFreq('EvalCallback', 'evalFreq', this.evalFreq);
    checkFreq('EvalCallback', 'nEvalEpisodes', this.nEvalEpisodes);
    this.deterministic = options.deterministic ?? true;
    this.rewardThreshold = options.rewardThreshold;
    this.bestModelSavePath = options.bestModelSavePath;
    this.gate = new FrequencyGate(this.evalFreq);
  }

  override onTrainingStart(ctx: CallbackContext): void {
    this.gate.reset(ctx.numTimesteps);
  }

  override async onStep(ctx: CallbackContext): Promise<boolean> {
    if (!this.gate.due(ctx.numTimesteps)) return true;
    const algo = ctx.algorithm;
    if (typeof (algo as unknown as Predictor).predict !== 'function') {
      throw new TypeError(
        `EvalCallback: ${algo.algorithmName} has no single-env predict; evaluate multi-agent learners with evaluateMultiAgent`,
      );
    }
    const result = evaluatePolicy(algo as unknown as Predictor, this.options.evalEnv, {
      nEpisodes: this.nEvalEpisodes,
      deterministic: this.deterministic,
      seed: this.options.seed,
    });
    const t = ctx.numTimesteps;
    this.evaluationsTimesteps.push(t);
    this.evaluationsResults.push(result.episodeRewards);
    this.evaluationsLengths.push(result.episodeLengths);
    this.lastMeanReward = result.meanReward;
    const logger = this.options.logger ?? algo.logger;
    logger.scalar('eval/mean_reward', result.meanReward, t);
    logger.scalar('eval/mean_ep_length', result.meanEpLength, t);
    if (this.options.verbose) {
      console.log(
        `Eval num_timesteps=${t}, episode_reward=${result.meanReward.toFixed(2)} +/- ${result.stdReward.toFixed(2)}, episode length: ${result.meanEpLength.toFixed(2)}`,
      );
    }
    this.options.onEvaluation?.(result, t);
    if (result.meanReward > this.bestMeanReward) {
      this.bestMeanReward = result.meanReward;
      if (this.bestModelSavePath !== undefined) {
        await algo.save(joinPath(this.bestModelSavePath, 'best_model'));
        if (this.options.verbose) console.log('New best mean reward!');
      }
    }
    if (this.rewardThreshold !== undefined && this.bestMeanReward >= this.rewardThreshold) {
      if (this.options.verbose) {
        console.log(`Stopping training: mean reward ${this.bestMeanReward} >= threshold ${this.rewardThreshold}`);
      }
      return false;
    }
    return true;
  }
}

/** Stops training after `maxEpisodes` episodes have ended (counted over all envs) in this `learn` call. */
export class StopTrainingOnMaxEpisodes extends BaseCallback {
  private startEpisodes = 0;
  constructor(readonly maxEpisodes: number) {
    super();
    checkFreq('StopTrainingOnMaxEpisodes', 'maxEpisodes', maxEpisodes);
  }
  override onTrainingStart(ctx: CallbackContext): void {
    this.startEpisodes = ctx.algorithm.numEpisodes;
  }
  override onStep(ctx: CallbackContext): boolean {
    return ctx.algorithm.numEpisodes - this.startEpisodes < this.maxEpisodes;
  }
}

export interface ProgressCallbackOptions {
  /** Where lines go (default `console.log`). */
  write?: (line: string) => void;
  /** Minimum milliseconds between lines (default 2000). */
  intervalMs?: number;
}

/** Prints `timesteps / total (pct) fps ep_rew_mean` at most every `intervalMs`, and at the end. */
export class ProgressCallback extends BaseCallback {
  private lastPrint = 0;
  private readonly write: (line: string) => void;
  private readonly intervalMs: number;
  constructor(options: ProgressCallbackOptions = {}) {
    super();
    this.write = options.write ?? ((l) => console.log(l));
    this.intervalMs = options.intervalMs ?? 2000;
  }
  private line(ctx: CallbackContext): string {
    const a = ctx.algorithm;
    const total = a.totalTimesteps;
    const pct = total > 0 ? ((100 * ctx.numTimesteps) / total).toFixed(1) : '?';
    const rew = a.epRewardMean();
    return `${ctx.numTimesteps}/${total} (${pct}%) fps=${Math.round(a.fps())}${rew === undefined ? '' : ` ep_rew_mean=${rew.toFixed(2)}`}`;
  }
  override onTrainingStart(): void {
    this.lastPrint = Date.now();
  }
  override onStep(ctx: CallbackContext): boolean {
    const now = Date.now();
    if (now - this.lastPrint >= this.intervalMs) {
      this.lastPrint = now;
      this.write(this.line(ctx));
    }
    return true;
  }
  override onTrainingEnd(ctx: CallbackContext): void {
    this.write(this.line(ctx));
  }
}
