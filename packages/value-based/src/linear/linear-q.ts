/**
 * Q-learning with linear function approximation and experience replay: Q(s, a) = θᵀφ(s, a).
 *
 * Every `trainFreq` env steps, `gradientSteps` minibatches are drawn from a replay buffer and θ
 * takes the analytic gradient step of the mean squared TD error, with targets computed from the
 * θ before the step:
 *
 *   y_i = r_i + γ (1 − terminated_i) max_a' θᵀφ(s'_i, a')
 *   θ ← θ + c · α · (1/B) Σ_i (y_i − θᵀφ(s_i, a_i)) φ(s_i, a_i)
 *
 * with c = 2 (the gradient of the mean squared error, as the course notebook computes it) or
 * c = 1 (`mseGradient: false`, the semi-gradient of ½(y − q)² of Sutton & Barto §10.1).
 *
 * Plain typed-array arithmetic: a linear model has a handful of weights, so a batch update is a
 * few hundred multiply-adds (bench/linear-q-cartpole.mjs: ~29 000 env steps/s with one batch-32
 * update per step). Measured: ~2 µs per batch-32 update in plain JS vs ~650 µs with tfjs tensors
 * (cpu backend), so no tensors are created.
 */
import {
  type AlgorithmOptions,
  Discrete,
  type EnvSpecifier,
  type NetworkState,
  type ReplayBatch,
  ReplayBuffer,
  type CommonOptions,
  type HyperparameterInput,
  type ResolvedHyperparameters,
  type StepResult,
  defineHyperparameters,
} from '@tfrl/core';
import { SingleEnvAlgorithm } from '../single-env';
import { type ExplorationHp, argmax, checkExploration, explorationHyperparameters, explorationRate } from '../tabular/exploration';
import { type FeatureMap, checkFeatureMap, listFeatureMaps, registerFeatureMap, resolveFeatureMap } from './features';

export const linearQHyperparameters = defineHyperparameters({
  learningRate: { type: 'schedule', default: 1e-3, exclusiveMin: 0, doc: 'step size α (number or schedule)' },
  gamma: { type: 'number', default: 0.99, min: 0, max: 1, doc: 'discount factor γ' },
  batchSize: { type: 'integer', default: 32, min: 1, doc: 'minibatch size' },
  bufferSize: { type: 'integer', default: 50_000, min: 1, doc: 'replay buffer capacity (transitions)' },
  learningStarts: {
    type: 'integer',
    default: 0,
    min: 0,
    doc: 'env steps before the first update (updates also wait until the buffer holds more than batchSize transitions)',
  },
  trainFreq: { type: 'integer', default: 1, min: 1, doc: 'env steps between updates' },
  gradientSteps: { type: 'integer', default: 1, min: 1, doc: 'minibatch updates per update' },
  features: {
    type: 'string',
    default: 'identity-bias',
    doc: 'name of a registered feature map (cartpole-symmetric, symmetric, identity, identity-bias, or one added with registerFeatureMap)',
  },
  thetaInit: {
    type: 'enum',
    values: ['normal', 'zeros'],
    default: 'normal',
    doc: 'initial weights: N(0, thetaInitStd²) (the notebook) or zeros',
  },
  thetaInitStd: { type: 'number', default: 1, min: 0, doc: 'standard deviation of the normal initialisation' },
  mseGradient: {
    type: 'boolean',
    default: true,
    doc: 'true: step along the gradient of the mean squared error (factor 2, the notebook); false: semi-gradient of ½ squared error',
  },
  notebookTakeQuirk: {
    type: 'boolean',
    default: false,
    doc: "reproduce the course notebook's indexing slip: every prediction in a batch is read from the batch's first state (np.take on a 2-D array)",
  },
  terminalOnTruncation: {
    type: 'boolean',
    default: false,
    doc: 'treat time-limit truncations as terminal (no bootstrap), as old Gym code using `done` did',
  },
  ...explorationHyperparameters,
  epsilon: { ...explorationHyperparameters.epsilon, default: 1 },
  epsilonDecay: { ...explorationHyperparameters.epsilonDecay, default: 0.98 },
  epsilonMin: { ...explorationHyperparameters.epsilonMin, default: 0.01 },
});

export type LinearQHp = ResolvedHyperparameters<typeof linearQHyperparameters>;

export type LinearQOptions<E extends EnvSpecifier = EnvSpecifier> = CommonOptions & { env: E } & HyperparameterInput<
    typeof linearQHyperparameters
  > & {
    /** A feature map object instead of a registered name (registered under its name if that is free). */
    featureMap?: FeatureMap;
  };

/** Number of weights of a feature map for nA actions. */
export function thetaSize(fm: FeatureMap, nA: number): number {
  return fm.kind === 'state' ? fm.dim * nA : fm.dim;
}

/** Scratch space for {@link linearQValues} and {@link linearQUpdate}. */
export interface LinearScratch {
  phi: Float32Array;
  q: Float64Array;
}

export function makeScratch(fm: FeatureMap, nA: number): LinearScratch {
  return { phi: new Float32Array(fm.dim), q: new Float64Array(nA) };
}

/** Q(s, ·) of one observation into `scratch.q` (returned). */
export function linearQValues(
  theta: ArrayLike<number>,
  fm: FeatureMap,
  nA: number,
  obs: ArrayLike<number>,
  scratch: LinearScratch,
): Float64Array {
  const { phi, q } = scratch;
  const d = fm.dim;
  if (fm.kind === 'state') {
    fm.features(obs, phi);
    for (let a = 0; a < nA; a++) {
      let s = 0;
      const o = a * d;
      for (let j = 0; j < d; j++) s += (theta[o + j] as number) * (phi[j] as number);
      q[a] = s;
    }
  } else {
    for (let a = 0; a < nA; a++) {
      fm.features(obs, a, phi);
      let s = 0;
      for (let j = 0; j < d; j++) s += (theta[j] as number) * (phi[j] as number);
      q[a] = s;
    }
  }
  return q;
}

export interface LinearUpdateOptions {
  learningRate: number;
  /** Factor 2 (gradient of the MSE) when true, 1 when false. */
  mseGradient: boolean;
  terminalOnTruncation?: boolean;
  /**
   * Reproduce the course notebook's `np.take(q_vals, actions_taken)` on a (B, nA) array: NumPy
   * flattens it, so every row's prediction is Q(s_first, a_i) of the batch's FIRST state.
   */
  notebookTakeQuirk?: boolean;
}

/**
 * One analytic gradient step of θ on a replay batch (targets from θ before the step; see the
 * module comment). Updates `theta` in place; returns the mean squared TD error before the step.
 */
export function linearQUpdate(
  theta: Float32Array,
  fm: FeatureMap,
  nA: number,
  batch: ReplayBatch,
  opts: LinearUpdateOptions,
  scratch: LinearScratch = makeScratch(fm, nA),
): number {
  const B = batch.batchSize;
  const obsDim = batch.obs.length / B;
  const d = fm.dim;
  const grad = new Float64Array(theta.length);
  const { phi } = scratch;
  let sq = 0;
  for (let i = 0; i < B; i++) {
    const next = batch.nextObs.subarray(i * obsDim, (i + 1) * obsDim);
    const stop = (batch.terminated[i] as number) > 0 || (opts.terminalOnTruncation === true && (batch.truncated[i] as number) > 0);
    let boot = 0;
    if (!stop) {
      const qn = linearQValues(theta, fm, nA, next, scratch);
      let m = qn[0] as number;
      for (let a = 1; a < nA; a++) m = Math.max(m, qn[a] as number);
      boot = (batch.discounts[i] as number) * m;
    }
    const y = (batch.rewards[i] as number) + boot;
    const s = batch.obs.subarray(i * obsDim, (i + 1) * obsDim);
    const a = batch.actions[i] as number;
    const off = fm.kind === 'state' ? a * d : 0;
    if (fm.kind === 'state') fm.features(s, phi);
    else fm.features(s, a, phi);
    let pred = 0;
    if (opts.notebookTakeQuirk) {
      pred = linearQValues(theta, fm, nA, batch.obs.subarray(0, obsDim), scratch)[a] as number;
      if (fm.kind === 'state') fm.features(s, phi);
      else fm.features(s, a, phi);
    } else {
      for (let j = 0; j < d; j++) pred += (theta[off + j] as number) * (phi[j] as number);
    }
    const diff = y - pred;
    sq += diff * diff;
    for (let j = 0; j < d; j++) grad[off + j] = (grad[off + j] as number) + diff * (phi[j] as number);
  }
  const step = ((opts.mseGradient ? 2 : 1) * opts.learningRate) / B;
  for (let k = 0; k < theta.length; k++) theta[k] = (theta[k] as number) + step * (grad[k] as number);
  return sq / B;
}

export class LinearQ<E extends EnvSpecifier = any> extends SingleEnvAlgorithm<LinearQHp, Float32Array, E> {
  static override readonly algorithmName = 'LinearQ';
  static override readonly hyperparameterSchema = linearQHyperparameters;

  readonly featureMap: FeatureMap;
  readonly obsDim: number;
  readonly nA: number;
  /** The weights θ (length dim, or nA × dim for a per-action `state` feature map). */
  readonly theta: Float32Array;
  readonly buffer: ReplayBuffer;
  /** Mean squared TD error of the last update. */
  lastLoss: number | undefined;

  private readonly scratch: LinearScratch;

  constructor(options: LinearQOptions<E>) {
    const custom = options?.featureMap;
    super({ ...options, featureMap: undefined, features: custom ? custom.name : options?.features } as AlgorithmOptions);
    const who = this.algorithmName;
    const act = this.actionSpace;
    if (!(act instanceof Discrete) || act.start !== 0)
      throw new TypeError(`${who}: action space must be Discrete(n) starting at 0, got ${String(act)}`);
    if (this.observationSpace instanceof Discrete) {
      throw new TypeError(
        `${who}: observation space must be a Box (a feature vector), got ${String(this.observationSpace)}; use QLearning for Discrete states`,
      );
    }
    checkExploration(this.hyperparameters, who);
    this.obsDim = this.observationSpace.compactDim;
    this.nA = act.n;
    if (custom) {
      checkFeatureMap(custom, `'${custom.name}'`);
      if (!listFeatureMaps().includes(custom.name)) registerFeatureMap(custom.name, custom);
      this.featureMap = custom;
    } else {
      this.featureMap = resolveFeatureMap(this.hyperparameters.features, this.obsDim, this.nA);
    }
    this.theta = new Float32Array(thetaSize(this.featureMap, this.nA));
    if (this.hyperparameters.thetaInit === 'normal') {
      for (let k = 0; k < this.theta.length; k++) this.theta[k] = this.rng.normal(0, this.hyperparameters.thetaInitStd);
    }
    this.scratch = makeScratch(this.featureMap, this.nA);
    this.buffer = new ReplayBuffer({
      capacity: this.hyperparameters.bufferSize,
      obsDim: this.obsDim,
      actionDim: 1,
      actionDtype: 'int32',
      gamma: this.hyperparameters.gamma,
    });
  }

  get explorationRate(): number {
    return explorationRate(this.hyperparameters, this.progressRemaining, this.numEpisodes);
  }

  /** Q(s, ·) of one observation (a copy). */
  qValues(obs: ArrayLike<number>): Float64Array {
    return linearQValues(this.theta, this.featureMap, this.nA, obs, this.scratch).slice();
  }

  private greedy(obs: ArrayLike<number>): number {
    // Lowest index among ties, as NumPy's argmax in the notebook.
    return argmax(linearQValues(this.theta, this.featureMap, this.nA, obs, this.scratch), 0, this.nA);
  }

  private behaviour(obs: ArrayLike<number>, eps: number): number {
    if (eps > 0 && this.rng.random() < eps) return this.rng.integers(0, this.nA);
    return this.greedy(obs);
  }

  protected predictRows(obs: Float32Array, deterministic: boolean): Int32Array {
    const options = { deterministic };
    const n = obs.length / this.obsDim;
    const out = new Int32Array(n);
    const eps = this.explorationRate;
    for (let i = 0; i < n; i++) {
      const o = obs.subarray(i * this.obsDim, (i + 1) * this.obsDim);
      out[i] = options.deterministic ? this.greedy(o) : this.behaviour(o, eps);
    }
    return out;
  }

  /** One minibatch update from the replay buffer; returns the mean squared TD error. */
  train(): number {
    const hp = this.hyperparameters;
    const batch = this.buffer.sample(hp.batchSize, this.rng);
    const loss = linearQUpdate(
      this.theta,
      this.featureMap,
      this.nA,
      batch,
      {
        learningRate: this.scheduleValue('learningRate'),
        mseGradient: hp.mseGradient,
        terminalOnTruncation: hp.terminalOnTruncation,
        notebookTakeQuirk: hp.notebookTakeQuirk,
      },
      this.scratch,
    );
    this.numUpdates++;
    this.lastLoss = loss;
    this.assertFinite({ 'train/loss': loss });
    return loss;
  }

  protected act(obs: Float32Array): number {
    return this.behaviour(obs, this.explorationRate);
  }

  protected afterStep(obs: Float32Array, a: number, res: StepResult<Float32Array>): void {
    const hp = this.hyperparameters;
    this.buffer.add(obs, a, res.reward, res.obs, res.terminated, res.truncated);
    if (this.numTimesteps > hp.learningStarts && this.buffer.size > hp.batchSize && this.numTimesteps % hp.trainFreq === 0) {
      for (let g = 0; g < hp.gradientSteps; g++) this.train();
    }
  }

  protected trainScalars(): Record<string, number> {
    const extra: Record<string, number> = {
      'rollout/exploration_rate': this.explorationRate,
      'train/learning_rate': this.scheduleValue('learningRate'),
      'train/n_updates': this.numUpdates,
    };
    if (this.lastLoss !== undefined) extra['train/loss'] = this.lastLoss;
    return extra;
  }

  protected override networks(): Record<string, NetworkState> {
    return { theta: { dtype: 'float32', shape: [this.theta.length], data: this.theta } };
  }

  protected override extraState(): Record<string, unknown> {
    return { featureKind: this.featureMap.kind, featureDim: this.featureMap.dim };
  }

  protected override loadExtraState(extra: Record<string, unknown>): void {
    if (extra.featureDim !== undefined && extra.featureDim !== this.featureMap.dim) {
      throw new Error(
        `LinearQ: checkpoint feature map '${this.hyperparameters.features}' had dim ${String(extra.featureDim)}, the registered one has ${this.featureMap.dim}`,
      );
    }
  }
}
