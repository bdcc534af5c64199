/**
 * `OffPolicyAlgorithm` (SB3's): act, store every transition in a replay buffer, and after every
 * `trainFreq` steps (or episodes) take `gradientSteps` gradient steps on sampled minibatches.
 * DQN and its extensions, SAC, TD3 and DDPG sit on it; a learner writes `gradientStep(batch)` and
 * its acting (`policyActions`).
 *
 * - Warm-up: the first `learningStarts` steps take uniformly random actions.
 * - Box actions live in [-1, 1] inside the learner and the buffer (as SB3 stores them) and are
 *   rescaled to the action box for the env; exploration noise (`actionNoise`) is added in [-1, 1].
 * - The buffer is `replayBufferClass` (a registered class or its name) built with
 *   `replayBufferKwargs`; it knows each row's env and episode, and its sampler chooses batches
 *   (uniform, prioritized, n-step, hindsight relabelling).
 * - Finished episodes store their real final observation; a truncated one keeps
 *   `terminated = 0`, so it bootstraps.
 * - Statistics of the gradient steps stay on the device and are read once per training phase,
 *   which is also where a non-finite loss stops the run.
 */
import * as tf from '@tensorflow/tfjs';
import { Algorithm, type AlgorithmOptions, type AnyEnv, type EnvSpecifier, isVecEnv, yieldToEventLoop } from '../algorithm';
import { replayBufferClassByName } from '../buffers/registry';
import type { ReplayBatch, ReplayBuffer } from '../buffers/replay';
import type { BaseCallback } from '../callbacks';
import { type CheckpointTarget, type CheckpointTensor, checkpointLabel, loadCheckpoint, saveCheckpoint } from '../checkpoint';
import type { VecEnv } from '../env';
import { type Frequency, frequencyOf } from '../hyperparams';
import type { Rng } from '../rng';
import { Box, Discrete } from '../spaces';
import { SyncVecEnv } from '../vec-env';

// ------------------------------------------------------------------ hyperparameters

/** Fields every off-policy learner has, with SB3's names; defaults differ per algorithm. */
export function offPolicyHyperparameters(defaults: {
  learningRate: number;
  bufferSize?: number;
  learningStarts: number;
  batchSize: number;
  tau: number;
  gamma?: number;
  trainFreq: number;
  gradientSteps: number;
}) {
  return {
    learningRate: {
      type: 'schedule',
      default: defaults.learningRate,
      exclusiveMin: 0,
      doc: 'Adam step size of every optimizer (number or schedule such as "lin_7.3e-4")',
    },
    bufferSize: { type: 'integer', default: defaults.bufferSize ?? 1_000_000, min: 1, doc: 'replay buffer capacity (transitions)' },
    learningStarts: {
      type: 'integer',
      default: defaults.learningStarts,
      min: 0,
      doc: 'env steps of uniformly random actions before training starts',
    },
    batchSize: { type: 'integer', default: defaults.batchSize, min: 1, doc: 'minibatch size of each gradient step' },
    tau: { type: 'number', default: defaults.tau, min: 0, max: 1, doc: 'Polyak coefficient of the target networks (1 = hard copy)' },
    gamma: { type: 'number', default: defaults.gamma ?? 0.99, min: 0, max: 1, doc: 'discount factor' },
    trainFreq: {
      type: 'frequency',
      default: defaults.trainFreq,
      doc: 'collect this many vector steps (or [n, "episode"]: episodes) between training phases',
    },
    gradientSteps: {
      type: 'integer',
      default: defaults.gradientSteps,
      min: -1,
      doc: 'gradient steps per training phase (-1 = as many as env steps collected)',
    },
    replayBufferClass: {
      type: 'class',
      default: null,
      nullable: true,
      doc: 'replay buffer class or its registered name (null = the learner’s default: ReplayBuffer)',
    },
    replayBufferKwargs: { type: 'object', default: {}, doc: 'options of the replay buffer (e.g. {alpha: 0.6} or {nStep: 3})' },
    actionNoise: {
      type: 'object',
      default: null,
      nullable: true,
      doc: 'exploration noise of Box actions: {type: "normal" | "ornstein-uhlenbeck", sigma, theta?, dt?} in the [-1, 1] scale',
    },
  } as const;
}

export interface OffPolicyHp {
  learningRate: number | string | ((p: number) => number);
  bufferSize: number;
  learningStarts: number;
  batchSize: number;
  tau: number;
  gamma: number;
  trainFreq: Frequency;
  gradientSteps: number;
  replayBufferClass: string | null;
  replayBufferKwargs: Record<string, unknown>;
  actionNoise?: Record<string, unknown> | null;
}

// ------------------------------------------------------------------ action noise

export interface ActionNoiseSpec {
  type: 'normal' | 'ornstein-uhlenbeck';
  /** Standard deviation (normal) or diffusion σ (OU), in the [-1, 1] action scale. */
  sigma: number;
  /** OU mean-reversion rate θ (SB3 default 0.15). */
  theta?: number;
  /** OU time step (SB3 default 1e-2). */
  dt?: number;
}

/** Exploration noise added to actions in [-1, 1], one independent state per env. */
export interface ActionNoise {
  /** Fill `out` (numEnvs × actDim) with the next noise values. */
  sample(out: Float32Array): Float32Array;
  /** Restart the process of env `i` (at an episode end), or of every env. */
  reset(i?: number): void;
}

/** One step of the Ornstein–Uhlenbeck recursion x' = x + θ(μ − x)dt + σ√dt·ε (SB3's form). */
export function ouStep(x: number, theta: number, mu: number, sigma: number, dt: number, eps: number): number {
  return x + theta * (mu - x) * dt + sigma * Math.sqrt(dt) * eps;
}

export class NormalActionNoise implements ActionNoise {
  constructor(
    readonly sigma: number,
    private readonly rng: Rng,
  ) {}
  sample(out: Float32Array): Float32Array {
    for (let i = 0; i < out.length; i++) out[i] = this.sigma * this.rng.normal();
    return out;
  }
  reset(): void {}
}

export class OrnsteinUhlenbeckNoise implements ActionNoise {
  readonly state: Float64Array;
  constructor(
    readonly numEnvs: number,
    readonly actDim: number,
    readonly sigma: number,
    private readonly rng: Rng,
    readonly theta = 0.15,
    readonly dt = 1e-2,
  ) {
    this.state = new Float64Array(numEnvs * actDim);
  }
  sample(out: Float32Array): Float32Array {
    const s = this.state;
    for (let i = 0; i < s.length; i++) {
      s[i] = ouStep(s[i] as number, this.theta, 0, this.sigma, this.dt, this.rng.normal());
      out[i] = s[i] as number;
    }
    return out;
  }
  reset(i?: number): void {
    if (i === undefined) this.state.fill(0);
    else this.state.fill(0, i * this.actDim, (i + 1) * this.actDim);
  }
}

/** Validate an `actionNoise` hyperparameter (names the field and the bad value). */
export function checkActionNoise(algo: string, spec: unknown): ActionNoiseSpec | null {
  if (spec === null || spec === undefined) return null;
  const s = spec as Record<string, unknown>;
  if (s.type !== 'normal' && s.type !== 'ornstein-uhlenbeck') {
    throw new RangeError(`${algo}: actionNoise.type must be 'normal' or 'ornstein-uhlenbeck', got ${JSON.stringify(s.type)}`);
  }
  for (const k of Object.keys(s)) {
    if (!['type', 'sigma', 'theta', 'dt'].includes(k)) {
      throw new RangeError(`${algo}: actionNoise has an unknown field "${k}" (known: type, sigma, theta, dt)`);
    }
  }
  for (const k of ['sigma', 'theta', 'dt'] as const) {
    const v = s[k];
    if (v === undefined && k !== 'sigma') continue;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || (k !== 'sigma' && v === 0)) {
      throw new RangeError(
        `${algo}: actionNoise.${k} must be a ${k === 'sigma' ? 'non-negative' : 'positive'} number, got ${JSON.stringify(v)}`,
      );
    }
  }
  return s as unknown as ActionNoiseSpec;
}

export function makeActionNoise(spec: ActionNoiseSpec, numEnvs: number, actDim: number, rng: Rng): ActionNoise {
  return spec.type === 'normal'
    ? new NormalActionNoise(spec.sigma, rng)
    : new OrnsteinUhlenbeckNoise(numEnvs, actDim, spec.sigma, rng, spec.theta ?? 0.15, spec.dt ?? 1e-2);
}

/** [-1, 1] → [low, high] per dimension (rows of actDim), clipped to the bounds. */
export function unscaleActions(scaled: Float32Array, low: Float32Array, high: Float32Array, out: Float32Array): Float32Array {
  const d = low.length;
  for (let i = 0; i < scaled.length; i++) {
    const j = i % d;
    const lo = low[j] as number;
    const hi = high[j] as number;
    const v = lo + 0.5 * ((scaled[i] as number) + 1) * (hi - lo);
    out[i] = v < lo ? lo : v > hi ? hi : v;
  }
  return out;
}

/** c = discount · (1 − terminated) per transition, in JS (the buffer convention of @tfrl/core). */
export function bootstrapCoefficients(discounts: ArrayLike<number>, terminated: ArrayLike<number>, out?: Float32Array): Float32Array {
  const n = discounts.length;
  const c = out ?? new Float32Array(n);
  for (let i = 0; i < n; i++) c[i] = (discounts[i] as number) * (1 - (terminated[i] as number));
  return c;
}

// ------------------------------------------------------------------ batches

/**
 * A sampled minibatch, as host arrays (`host`) and as tensors made on first use (one tensor per
 * field, disposed by the base after the gradient step).
 */
export class OffPolicyBatch {
  private readonly made: tf.Tensor[] = [];
  private cache: Record<string, tf.Tensor> = {};

  constructor(
    /** The sampled rows (compact observations, actions in buffer format). */
    readonly host: ReplayBatch,
    private readonly encode: (rows: Float32Array) => Float32Array,
    private readonly obsShape: number[],
    private readonly discrete: boolean,
    private readonly actDim: number,
  ) {}

  get batchSize(): number {
    return this.host.batchSize;
  }

  private keep<T extends tf.Tensor>(key: string, make: () => T): T {
    const t = this.cache[key];
    if (t) return t as T;
    const made = make();
    this.made.push(made);
    this.cache[key] = made;
    return made;
  }

  /** Network inputs of the observations: [B, ...inputShape]. */
  get obs(): tf.Tensor {
    return this.keep('obs', () => tf.tensor(this.encode(this.host.obs), [this.batchSize, ...this.obsShape]));
  }

  get nextObs(): tf.Tensor {
    return this.keep('nextObs', () => tf.tensor(this.encode(this.host.nextObs), [this.batchSize, ...this.obsShape]));
  }

  /** int32 [B] for Discrete actions, float32 [B, actDim] in [-1, 1] for Box. */
  get actions(): tf.Tensor {
    return this.keep('actions', () =>
      this.discrete
        ? tf.tensor1d(Int32Array.from(this.host.actions), 'int32')
        : tf.tensor2d(this.host.actions as Float32Array, [this.batchSize, this.actDim]),
    );
  }

  get rewards(): tf.Tensor1D {
    return this.keep('rewards', () => tf.tensor1d(this.host.rewards));
  }

  /** discount · (1 − terminated): the factor of the bootstrap value in every TD target. */
  get bootstrapCoef(): tf.Tensor1D {
    return this.keep('bootstrapCoef', () => tf.tensor1d(bootstrapCoefficients(this.host.discounts, this.host.terminated)));
  }

  /** Importance-sampling weights of a prioritized sampler. */
  get weights(): tf.Tensor1D | undefined {
    const w = this.host.weights;
    return w ? this.keep('weights', () => tf.tensor1d(w)) : undefined;
  }

  dispose(): void {
    tf.dispose(this.made);
    this.made.length = 0;
    this.cache = {};
  }
}

/** What a gradient step hands back: its statistics ([k], `statNames` order) and, for prioritized replay, |TD errors| [B]. */
export interface GradientStepResult {
  stats: tf.Tensor1D;
  tdErrors?: tf.Tensor1D;
}

// ------------------------------------------------------------------ the base

export abstract class OffPolicyAlgorithm<H extends OffPolicyHp, E = any> extends Algorithm<H, E> {
  declare readonly env: VecEnv;
  readonly discrete: boolean;
  /** 1 for Discrete actions, the Box dimension otherwise. */
  readonly actDim: number;
  /** Box bounds (undefined for Discrete). */
  readonly low: Float32Array | undefined;
  readonly high: Float32Array | undefined;
  readonly nActions: number;
  readonly actionStart: number;
  readonly replayBuffer: ReplayBuffer;
  /** Exploration noise of Box actions (undefined for none). */
  actionNoise: ActionNoise | undefined;
  /** Mean statistics of the last training phase. */
  lastTrainStats: Record<string, number> | undefined;

  /** Names of the per-step statistics in `gradientStep` order (logged under `train/`). */
  protected abstract readonly statNames: readonly string[];

  /**
   * gSDE exploration (SAC's `useSde`), set by a subclass: `reset(nEnvs)` draws new exploration
   * weights; the loop calls it at the start of every collection phase and every `sampleFreq`
   * steps within it (> 0); with `atWarmup` the policy acts during the warm-up instead of uniform
   * random actions.
   */
  protected sdeExploration: { sampleFreq: number; atWarmup: boolean; reset: (nEnvs: number) => void } | undefined;

  protected lastObs: Float32Array | undefined;
  private readonly epReturns: Float64Array;
  private readonly epLengths: Int32Array;
  private logSums: Float64Array | undefined;
  private logCount = 0;

  constructor(options: AlgorithmOptions) {
    super(options);
    const name = this.algorithmName;
    const act = this.actionSpace;
    if (act instanceof Discrete) {
      this.discrete = true;
      this.actDim = 1;
      this.nActions = act.n;
      this.actionStart = act.start;
    } else if (act instanceof Box) {
      for (let i = 0; i < act.low.length; i++) {
        if (!Number.isFinite(act.low[i]) || !Number.isFinite(act.high[i])) {
          throw new Error(`${name}: the action space ${String(act)} must have finite bounds (actions are rescaled from [-1, 1])`);
        }
      }
      this.discrete = false;
      this.actDim = act.compactDim;
      this.nActions = 0;
      this.actionStart = 0;
      this.low = Float32Array.from(act.low);
      this.high = Float32Array.from(act.high);
    } else {
      throw new Error(`${name}: action space must be Discrete or Box, got ${String(act)}`);
    }
    const hp = this.hyperparameters;
    const n = this.env.numEnvs;
    const spec = checkActionNoise(name, hp.actionNoise);
    if (spec && this.discrete) throw new Error(`${name}: actionNoise needs a Box action space, got ${String(act)}`);
    if (spec) this.actionNoise = makeActionNoise(spec, n, this.actDim, this.rng);
    const { cls, kwargs } = this.replayBufferSpec();
    const obsSpace = this.observationSpace;
    this.replayBuffer = new (replayBufferClassByName(cls))({
      capacity: Math.max(hp.bufferSize, n),
      obsDim: this.obsEncoder.compactDim,
      actionDim: this.actDim,
      actionDtype: this.discrete ? 'int32' : 'float32',
      obsDtype: obsSpace instanceof Box && obsSpace.dtype === 'uint8' ? 'uint8' : 'float32',
      gamma: hp.gamma,
      numEnvs: n,
      observationSpace: obsSpace,
      env: this.env,
      ...kwargs,
    });
    this.epReturns = new Float64Array(n);
    this.epLengths = new Int32Array(n);
  }

  /** Off-policy learners work on a VecEnv: a single Env is wrapped in a one-env SyncVecEnv. */
  protected override resolveEnv(spec: EnvSpecifier): AnyEnv {
    const env = super.resolveEnv(spec);
    return isVecEnv(env) ? env : new SyncVecEnv([() => env]);
  }

  /** The replay buffer class name and options (`replayBufferClass`, `replayBufferKwargs`); learners may add defaults. */
  protected replayBufferSpec(): { cls: string; kwargs: Record<string, unknown> } {
    const hp = this.hyperparameters;
    return { cls: hp.replayBufferClass ?? 'ReplayBuffer', kwargs: { ...hp.replayBufferKwargs } };
  }

  /** Alias of `replayBuffer` (SB3's name is `replay_buffer`). */
  get buffer(): ReplayBuffer {
    return this.replayBuffer;
  }

  // ------------------------------------------------------------------ to implement

  /**
   * Exploration actions for rows of compact observations, in buffer format: indices for Discrete,
   * values in [-1, 1] for Box (noise is added by the base). Deterministic: greedy / mean actions.
   */
  protected abstract policyActions(obs: Float32Array, deterministic: boolean): Int32Array | Float32Array;

  /** One gradient step on a minibatch. */
  protected abstract gradientStep(batch: OffPolicyBatch): GradientStepResult;

  /** Called after every vector step (SB3's `_on_step`: DQN's target update and ε schedule). */
  protected onStep(): void {}

  /** Scalars logged besides the step statistics (e.g. the exploration rate). */
  protected extraTrainScalars(): Record<string, number> {
    return {};
  }

  // ------------------------------------------------------------------ acting

  protected predictRows(rows: Float32Array, deterministic: boolean): Int32Array | Float32Array {
    const a = this.policyActions(rows, deterministic);
    return this.toEnvActions(a);
  }

  /** Buffer-format actions → env actions (Discrete + start, Box rescaled from [-1, 1]). */
  protected toEnvActions(a: Int32Array | Float32Array, out?: Int32Array | Float32Array): Int32Array | Float32Array {
    if (this.discrete) {
      const res = (out as Int32Array | undefined) ?? new Int32Array(a.length);
      for (let i = 0; i < a.length; i++) res[i] = (a[i] as number) + this.actionStart;
      return res;
    }
    return unscaleActions(
      a as Float32Array,
      this.low as Float32Array,
      this.high as Float32Array,
      (out as Float32Array) ?? new Float32Array(a.length),
    );
  }

  /** Network inputs of compact observation rows. */
  protected encode(rows: Float32Array): Float32Array {
    return this.obsEncoder.encode(rows);
  }

  /** A tensor of network inputs of compact observation rows (the caller disposes it). */
  protected obsTensor(rows: Float32Array): tf.Tensor {
    const b = rows.length / this.obsEncoder.compactDim;
    return tf.tensor(this.encode(rows), [b, ...this.obsEncoder.inputShape]);
  }

  /** Warm-up / exploration actions for the current observations (buffer format). */
  private sampleActions(obs: Float32Array, out: Int32Array | Float32Array, noise: Float32Array): void {
    const warmup = this.numTimesteps < this.hyperparameters.learningStarts && !(this.sdeExploration?.atWarmup ?? false);
    if (warmup) {
      if (this.discrete) for (let i = 0; i < out.length; i++) out[i] = this.rng.integers(0, this.nActions);
      else for (let i = 0; i < out.length; i++) out[i] = this.rng.uniform(-1, 1);
    } else {
      out.set(this.policyActions(obs, false));
      // Divergence guard: a network gone non-finite shows in its actions before the next training phase.
      for (let i = 0; i < out.length; i++) if (!Number.isFinite(out[i] as number)) this.assertFinite({ action: out[i] as number });
    }
    if (this.actionNoise) {
      this.actionNoise.sample(noise);
      for (let i = 0; i < out.length; i++) {
        const v = (out[i] as number) + (noise[i] as number);
        out[i] = v < -1 ? -1 : v > 1 ? 1 : v;
      }
    }
  }

  // ------------------------------------------------------------------ the loop

  protected async trainLoop(totalTimesteps: number, callback: BaseCallback): Promise<void> {
    const hp = this.hyperparameters;
    const env = this.env;
    const n = env.numEnvs;
    const d = this.obsEncoder.compactDim;
    if (!this.lastObs) {
      this.lastObs = Float32Array.from(env.reset(this.envResetSeed));
      this.epReturns.fill(0);
      this.epLengths.fill(0);
      this.actionNoise?.reset();
    }
    const acts = this.discrete ? new Int32Array(n) : new Float32Array(n * this.actDim);
    const envActs = this.discrete ? new Int32Array(n) : new Float32Array(n * this.actDim);
    const noise = new Float32Array(n * this.actDim);
    const nextObs = new Float32Array(n * d);
    const freq = frequencyOf(hp.trainFreq);
    const sde = this.sdeExploration;
    let episodesThisLearn = 0;
    let lastYield = performance.now();
    while (this.numTimesteps < totalTimesteps) {
      // ---- collect one phase: trainFreq steps or episodes (SB3's collect_rollouts)
      await callback.rolloutStart(this.callbackContext());
      let steps = 0;
      let episodes = 0;
      while (freq.unit === 'step' ? steps < freq.n : episodes < freq.n) {
        if (sde && (steps === 0 || (sde.sampleFreq > 0 && steps % sde.sampleFreq === 0))) sde.reset(n);
        this.sampleActions(this.lastObs, acts, noise);
        const res = env.step(this.toEnvActions(acts, envActs));
        this.numTimesteps += n;
        steps++;
        // The real final observation of finished episodes (rows of res.obs hold the reset one).
        nextObs.set(res.obs);
        for (let i = 0; i < n; i++) {
          if (res.terminated[i] || res.truncated[i]) nextObs.set(res.finalObs.subarray(i * d, (i + 1) * d), i * d);
        }
        this.replayBuffer.addBatch(this.lastObs, acts, res.rewards, nextObs, res.terminated, res.truncated);
        for (let i = 0; i < n; i++) {
          this.epReturns[i] = (this.epReturns[i] as number) + (res.rewards[i] as number);
          this.epLengths[i] = (this.epLengths[i] as number) + 1;
          if (!(res.terminated[i] || res.truncated[i])) continue;
          const ep = res.infos[i]?.episode as { r?: number; l?: number } | undefined;
          if (ep && typeof ep.r === 'number' && typeof ep.l === 'number') this.recordEpisode(ep.r, ep.l);
          else this.recordEpisode(this.epReturns[i] as number, this.epLengths[i] as number);
          this.epReturns[i] = 0;
          this.epLengths[i] = 0;
          this.actionNoise?.reset(i);
          episodes++;
          episodesThisLearn++;
          if (this.shouldLog(episodesThisLearn)) this.logTrainingStats(this.trainScalars());
        }
        this.lastObs.set(res.obs);
        this.updateProgressRemaining();
        this.onStep();
        if (
          !(await callback.step(
            this.callbackContext({
              infos: res.infos,
              rewards: res.rewards,
              terminated: res.terminated,
              truncated: res.truncated,
              finalObs: res.finalObs,
            }),
          ))
        ) {
          await callback.rolloutEnd(this.callbackContext());
          return;
        }
        if (performance.now() - lastYield > 100) {
          // Let timers and I/O run (progress output, test runners' heartbeats).
          await yieldToEventLoop();
          lastYield = performance.now();
        }
      }
      await callback.rolloutEnd(this.callbackContext());
      // ---- train
      if (this.numTimesteps > hp.learningStarts && this.replayBuffer.size > 0) {
        const g = hp.gradientSteps >= 0 ? hp.gradientSteps : steps * n;
        if (g > 0) this.train(g);
      }
    }
  }

  /** `gradientSteps` gradient steps on fresh minibatches; reads their statistics once. */
  train(gradientSteps: number): void {
    const hp = this.hyperparameters;
    const lr = this.scheduleValue('learningRate');
    for (const o of Object.values(this.optimizers())) o.lr = lr;
    let sum: tf.Tensor1D | undefined;
    const inputShape = this.obsEncoder.inputShape;
    for (let s = 0; s < gradientSteps; s++) {
      const host = this.replayBuffer.sample(hp.batchSize, this.rng, this.sampleOptions());
      const batch = new OffPolicyBatch(host, (rows) => this.encode(rows), inputShape, this.discrete, this.actDim);
      let result: GradientStepResult;
      try {
        result = this.gradientStep(batch);
      } finally {
        batch.dispose();
      }
      this.numUpdates++;
      if (result.tdErrors) {
        // One read per step: the new priorities are needed before the next sample.
        const td = result.tdErrors.dataSync() as Float32Array;
        result.tdErrors.dispose();
        const bad = td.findIndex((v) => !Number.isFinite(v));
        if (bad >= 0) {
          tf.dispose([result.stats, ...(sum ? [sum] : [])]);
          this.assertFinite({ 'train/td_error': td[bad] as number });
        }
        this.replayBuffer.updatePriorities(host.indices, td);
      }
      const prev = sum;
      sum = prev ? (tf.add(prev, result.stats) as tf.Tensor1D) : result.stats;
      if (prev) {
        prev.dispose();
        result.stats.dispose();
      }
    }
    if (!sum) return;
    const v = sum.dataSync();
    sum.dispose();
    const means: Record<string, number> = {};
    this.statNames.forEach((name, i) => {
      means[`train/${name}`] = (v[i] as number) / gradientSteps;
    });
    this.lastTrainStats = means;
    this.assertFinite(means);
    if (!this.logSums) this.logSums = new Float64Array(this.statNames.length);
    for (let i = 0; i < this.statNames.length; i++) this.logSums[i] = (this.logSums[i] as number) + (v[i] as number);
    this.logCount += gradientSteps;
  }

  /** Options passed to the buffer's sampler (e.g. PER's β). */
  protected sampleOptions(): { beta?: number } | undefined {
    return undefined;
  }

  /** Mean step statistics since the last call (undefined when no step was taken). */
  flushTrainStats(): Record<string, number> | undefined {
    if (!this.logSums || this.logCount === 0) return undefined;
    const out: Record<string, number> = {};
    this.statNames.forEach((name, i) => {
      out[`train/${name}`] = ((this.logSums as Float64Array)[i] as number) / this.logCount;
    });
    this.logSums.fill(0);
    this.logCount = 0;
    return out;
  }

  private trainScalars(): Record<string, number> {
    const opts = Object.values(this.optimizers());
    return {
      ...(this.flushTrainStats() ?? {}),
      ...this.extraTrainScalars(),
      'train/learning_rate': opts[0]?.lr ?? 0,
      'train/n_updates': this.numUpdates,
    };
  }

  protected override loopState(): Record<string, unknown> | undefined {
    if (!this.lastObs) return undefined;
    const ou = this.actionNoise instanceof OrnsteinUhlenbeckNoise ? Array.from(this.actionNoise.state) : undefined;
    return { lastObs: Array.from(this.lastObs), epReturns: Array.from(this.epReturns), epLengths: Array.from(this.epLengths), ou };
  }

  protected override loadLoopState(state: Record<string, unknown>): void {
    const obs = state.lastObs as number[] | undefined;
    const r = state.epReturns as number[] | undefined;
    const l = state.epLengths as number[] | undefined;
    if (!Array.isArray(obs) || !Array.isArray(r) || !Array.isArray(l) || r.length !== this.epReturns.length) return;
    this.lastObs = Float32Array.from(obs);
    this.epReturns.set(r);
    this.epLengths.set(l);
    if (this.actionNoise instanceof OrnsteinUhlenbeckNoise && Array.isArray(state.ou)) this.actionNoise.state.set(state.ou as number[]);
  }

  // ------------------------------------------------------------------ replay buffer persistence

  /** Write the replay buffer (transitions, episode bookkeeping, sampler state) to directory `dir` (or a `CheckpointStore`). */
  async saveReplayBuffer(dir: CheckpointTarget): Promise<void> {
    const s = this.replayBuffer.getState();
    const tensors: Record<string, CheckpointTensor> = {};
    const extra: Record<string, unknown> = {};
    const put = (name: string, v: unknown): void => {
      if (v instanceof Float32Array) tensors[name] = { dtype: 'float32', shape: [v.length], data: v };
      else if (v instanceof Int32Array) tensors[name] = { dtype: 'int32', shape: [v.length], data: v };
      else if (v instanceof Uint8Array) tensors[name] = { dtype: 'uint8', shape: [v.length], data: v };
      else if (v instanceof Float64Array) tensors[name] = { dtype: 'float64', shape: [v.length], data: v };
      else extra[name] = v;
    };
    for (const [k, v] of Object.entries(s)) if (k !== 'sampler') put(k, v);
    for (const [k, v] of Object.entries(s.sampler ?? {})) put(`sampler/${k}`, v);
    await saveCheckpoint(dir, {
      algorithm: `${this.algorithmName}/ReplayBuffer`,
      hyperparameters: {},
      counters: { numTimesteps: this.numTimesteps, numUpdates: this.numUpdates, episodes: this.numEpisodes },
      extra,
      tensors,
    });
  }

  /** Restore a replay buffer written by {@link saveReplayBuffer} (its layout must match this learner's buffer). */
  async loadReplayBuffer(dir: CheckpointTarget): Promise<void> {
    const { manifest, tensors } = await loadCheckpoint(dir);
    if (manifest.algorithm !== `${this.algorithmName}/ReplayBuffer`) {
      throw new Error(`checkpoint ${checkpointLabel(dir)}: holds ${manifest.algorithm}, not a replay buffer of ${this.algorithmName}`);
    }
    const state: Record<string, unknown> = { ...manifest.extra };
    const sampler: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(manifest.extra)) if (k.startsWith('sampler/')) sampler[k.slice(8)] = v;
    for (const [k, t] of Object.entries(tensors)) {
      if (k.startsWith('sampler/')) sampler[k.slice(8)] = t.data;
      else state[k] = t.data;
    }
    for (const k of Object.keys(state)) if (k.startsWith('sampler/')) delete state[k];
    if (Object.keys(sampler).length) state.sampler = sampler;
    this.replayBuffer.setState(state as unknown as Parameters<ReplayBuffer['setState']>[0]);
  }
}
