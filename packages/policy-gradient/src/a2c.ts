/**
 * Advantage Actor-Critic (A2C, the synchronous variant of Mnih et al. 2016,
 * https://arxiv.org/abs/1602.01783): `nSteps` steps of every env of a VecEnv, n-step returns
 * (gaeLambda = 1) or GAE(λ) advantages, and one gradient step on
 * −mean(A·log π) − entCoef·H + vfCoef·mean((R − V)²) per rollout.
 *
 * Names and defaults follow Stable-Baselines3 (RMSprop with α = 0.99, ε = 1e-5, gradient clip 0.5).
 * Extras: Adam instead of RMSprop, a separate critic learning rate, a Huber value loss, and the
 * state-dependent Gaussian actor of the course's Pendulum A2C (`gaussianHead: 'tanh_softplus'`).
 */
import * as tf from '@tensorflow/tfjs';
import {
  Adam,
  Algorithm,
  type AlgorithmOptions,
  type AnyEnv,
  type BaseCallback,
  Box,
  type CheckpointTensor,
  Discrete,
  type EnvSpecifier,
  RolloutBuffer,
  RunningMeanStd,
  type StateTensor,
  type VecEnv,
  bootstrapTruncated,
  computeGradients,
  defineHyperparameters,
  explainedVariance,
  huberLoss,
  splitFlat,
} from '@tfrl/core';
import {
  OnPolicyNetwork,
  adamStateTensors,
  asVecEnv,
  loadAdamState,
  normalizeRewardsWithRms,
  normalizeWithRms,
  onPolicyGsdeHyperparameters,
  rmsFromJson,
  rmsToJson,
  standardize,
} from './on-policy';

// ---------------------------------------------------------------------------- RMSprop

export interface RmsPropOptions {
  lr: number;
  /** Smoothing constant of the squared-gradient average (torch's `alpha`). */
  alpha?: number;
  /** Added to sqrt(v) (outside the root, as torch.optim.RMSprop). */
  eps?: number;
  /** Clip the global gradient norm to this value before the update. */
  maxGradNorm?: number;
}

export interface RmsPropState {
  step: number;
  /** Running average of squared gradients, flat (variables concatenated in order). */
  squareAvg: Float32Array;
  sizes: number[];
}

/**
 * RMSprop as torch.optim.RMSprop (no momentum, not centred), in a flat layout like core's Adam:
 * v ← α v + (1 − α) g²;  θ ← θ − lr · g / (√v + ε).
 */
export class RmsProp {
  readonly variables: tf.Variable[];
  lr: number;
  readonly alpha: number;
  readonly eps: number;
  maxGradNorm: number | undefined;
  private readonly sq: tf.Variable;
  private t = 0;
  private readonly sizes: number[];
  private readonly shapes: number[][];

  constructor(variables: tf.Variable[], options: RmsPropOptions) {
    if (!Array.isArray(variables) || variables.length === 0)
      throw new RangeError('RmsProp: variables must be a non-empty array of tf.Variable');
    this.variables = variables;
    this.lr = options.lr;
    this.alpha = options.alpha ?? 0.99;
    this.eps = options.eps ?? 1e-8;
    this.maxGradNorm = options.maxGradNorm;
    if (!(this.lr >= 0)) throw new RangeError(`RmsProp: lr must be a non-negative number, got ${this.lr}`);
    if (!(this.alpha >= 0 && this.alpha < 1)) throw new RangeError(`RmsProp: alpha must be in [0, 1), got ${this.alpha}`);
    if (!(this.eps >= 0)) throw new RangeError(`RmsProp: eps must be non-negative, got ${this.eps}`);
    if (this.maxGradNorm !== undefined && !(this.maxGradNorm > 0))
      throw new RangeError(`RmsProp: maxGradNorm must be positive, got ${this.maxGradNorm}`);
    this.sizes = variables.map((v) => v.size);
    this.shapes = variables.map((v) => [...v.shape]);
    this.sq = tf.tidy(() => tf.variable(tf.zeros([this.sizes.reduce((a, b) => a + b, 0)]), false));
  }

  get stepCount(): number {
    return this.t;
  }

  /** One update from `grads` (same order as `variables`); does not dispose them. */
  step(grads: readonly tf.Tensor[]): void {
    if (grads.length !== this.variables.length)
      throw new RangeError(`RmsProp.step: got ${grads.length} gradients for ${this.variables.length} variables`);
    this.t += 1;
    tf.tidy(() => {
      let g = tf.concat(grads.map((x) => tf.reshape(x, [-1]))) as tf.Tensor1D;
      if (this.maxGradNorm !== undefined) {
        const norm = tf.sqrt(tf.sum(tf.square(g)));
        g = tf.mul(g, tf.minimum(tf.div(this.maxGradNorm, tf.add(norm, 1e-6)), 1));
      }
      const v = tf.add(tf.mul(this.sq, this.alpha), tf.mul(tf.square(g), 1 - this.alpha));
      this.sq.assign(v);
      const upd = tf.div(tf.mul(g, this.lr), tf.add(tf.sqrt(v), this.eps)) as tf.Tensor1D;
      const parts = splitFlat(upd, this.shapes);
      this.variables.forEach((variable, i) => variable.assign(tf.sub(variable, parts[i] as tf.Tensor)));
    });
  }

  getState(): RmsPropState {
    return { step: this.t, squareAvg: this.sq.dataSync().slice() as Float32Array, sizes: [...this.sizes] };
  }

  setState(state: RmsPropState): void {
    if (state.squareAvg.length !== this.sq.size) {
      throw new RangeError(`RmsProp.setState: squareAvg has ${state.squareAvg.length} values, optimizer has ${this.sq.size}`);
    }
    if (state.sizes && state.sizes.join(',') !== this.sizes.join(',')) {
      throw new RangeError(`RmsProp.setState: variable sizes [${state.sizes}] differ from [${this.sizes}]`);
    }
    tf.tidy(() => this.sq.assign(tf.tensor1d(state.squareAvg)));
    this.t = state.step;
  }

  dispose(): void {
    this.sq.dispose();
  }
}

// ---------------------------------------------------------------------------- loss

/**
 * The A2C loss terms (call inside a tidy): policy loss −mean(A · log π(a|s)), value loss
 * mean((R − V)²) (or Huber), entropy loss −mean(H), and loss = pg + entCoef·ent + vfCoef·vf.
 */
export function a2cLoss(args: {
  logProbs: tf.Tensor1D;
  advantages: tf.Tensor1D;
  values: tf.Tensor1D;
  returns: tf.Tensor1D;
  entropy: tf.Tensor1D;
  entCoef: number;
  vfCoef: number;
  valueLoss?: 'mse' | 'huber';
}): { policyLoss: tf.Scalar; valueLoss: tf.Scalar; entropyLoss: tf.Scalar; loss: tf.Scalar } {
  const policyLoss = tf.neg(tf.mean(tf.mul(args.advantages, args.logProbs))) as tf.Scalar;
  const valueLoss =
    args.valueLoss === 'huber'
      ? huberLoss(args.values, args.returns)
      : (tf.mean(tf.square(tf.sub(args.returns, args.values))) as tf.Scalar);
  const entropyLoss = tf.neg(tf.mean(args.entropy)) as tf.Scalar;
  const loss = tf.addN([policyLoss, tf.mul(args.entCoef, entropyLoss), tf.mul(args.vfCoef, valueLoss)]) as tf.Scalar;
  return { policyLoss, valueLoss, entropyLoss, loss };
}

// ---------------------------------------------------------------------------- learner

export const a2cHyperparameters = defineHyperparameters({
  learningRate: { type: 'schedule', default: 7e-4, exclusiveMin: 0, doc: 'step size (number or schedule such as "lin_7e-4")' },
  nSteps: { type: 'integer', default: 5, min: 1, doc: 'steps per env in each rollout' },
  gamma: { type: 'number', default: 0.99, min: 0, max: 1, doc: 'discount factor' },
  gaeLambda: { type: 'number', default: 1, min: 0, max: 1, doc: 'GAE λ (1 = n-step returns)' },
  entCoef: { type: 'number', default: 0, doc: 'entropy bonus coefficient' },
  vfCoef: { type: 'number', default: 0.5, min: 0, doc: 'value loss coefficient' },
  maxGradNorm: { type: 'number', default: 0.5, exclusiveMin: 0, nullable: true, doc: 'global gradient-norm clip (null = off)' },
  useRmsProp: { type: 'boolean', default: true, doc: 'RMSprop (α 0.99) as SB3; false = Adam' },
  rmsPropEps: { type: 'number', default: 1e-5, exclusiveMin: 0, doc: 'RMSprop ε' },
  adamEps: { type: 'number', default: 1e-8, exclusiveMin: 0, doc: 'Adam ε (useRmsProp false)' },
  criticLearningRate: {
    type: 'number',
    default: null,
    exclusiveMin: 0,
    nullable: true,
    doc: 'separate optimizer for the value network with this step size (separate networks only; null = one optimizer)',
  },
  normalizeAdvantage: { type: 'boolean', default: false, doc: 'standardise the advantages of each rollout' },
  valueLoss: { type: 'enum', values: ['mse', 'huber'], default: 'mse', doc: 'value regression loss' },
  netArch: { type: 'number[]', default: [64, 64], min: 1, doc: 'hidden layer sizes of the policy and value networks' },
  activation: { type: 'enum', values: ['tanh', 'relu', 'elu', 'leaky_relu'], default: 'tanh', doc: 'hidden activation' },
  sharedNetwork: { type: 'boolean', default: false, doc: 'one trunk with two heads instead of separate networks' },
  orthoInit: { type: 'boolean', default: true, doc: 'orthogonal init (gains √2, policy head 0.01, value head 1) instead of Glorot' },
  outputInitUniform: {
    type: 'number',
    default: null,
    exclusiveMin: 0,
    nullable: true,
    doc: 'initialise the policy and value output layers uniformly in ±this (the course uses 3e-3)',
  },
  gaussianHead: {
    type: 'enum',
    values: ['state_independent', 'tanh_softplus'],
    default: 'state_independent',
    doc: 'Box actions: learned log-std vector, or tanh mean × bound with log σ = softplus(·) from the network',
  },
  logStdInit: {
    type: 'number',
    default: 0,
    doc: 'initial log standard deviation (state_independent head; with gSDE every entry of the log-std matrix)',
  },
  ...onPolicyGsdeHyperparameters,
  normalize: { type: 'boolean', default: false, doc: 'normalise observations and rewards with running statistics (VecNormalize)' },
  normalizeObs: { type: 'boolean', default: null, nullable: true, doc: 'override `normalize` for observations' },
  normalizeReward: { type: 'boolean', default: null, nullable: true, doc: 'override `normalize` for rewards' },
  clipObs: { type: 'number', default: 10, exclusiveMin: 0, doc: 'clip normalised observations to ±clipObs' },
  clipReward: { type: 'number', default: 10, exclusiveMin: 0, doc: 'clip normalised rewards to ±clipReward' },
});

type A2cHp = {
  learningRate: number | string | ((p: number) => number);
  nSteps: number;
  gamma: number;
  gaeLambda: number;
  entCoef: number;
  vfCoef: number;
  maxGradNorm: number | null;
  useRmsProp: boolean;
  rmsPropEps: number;
  adamEps: number;
  criticLearningRate: number | null;
  normalizeAdvantage: boolean;
  valueLoss: 'mse' | 'huber';
  netArch: number[];
  activation: 'tanh' | 'relu' | 'elu' | 'leaky_relu';
  sharedNetwork: boolean;
  orthoInit: boolean;
  outputInitUniform: number | null;
  gaussianHead: 'state_independent' | 'tanh_softplus';
  logStdInit: number;
  useSde: boolean;
  sdeSampleFreq: number;
  fullStd: boolean;
  useExpln: boolean;
  learnFeatures: boolean;
  normalize: boolean;
  normalizeObs: boolean | null;
  normalizeReward: boolean | null;
  clipObs: number;
  clipReward: number;
};

export type A2COptions = AlgorithmOptions & Partial<A2cHp> & { env: EnvSpecifier };

export interface A2cTrainStats {
  policyLoss: number;
  valueLoss: number;
  entropyLoss: number;
  loss: number;
  explainedVariance: number;
}

type Optim = Adam | RmsProp;

export class A2C extends Algorithm<A2cHp> {
  static override readonly algorithmName = 'A2C';
  static override readonly hyperparameterSchema = a2cHyperparameters;

  declare readonly env: VecEnv;
  readonly obsDim: number;
  readonly policy: OnPolicyNetwork;
  /** One optimizer over every variable, or [actor, critic] with `criticLearningRate`. */
  readonly optimizers: Optim[];
  readonly buffer: RolloutBuffer;
  readonly obsRms: RunningMeanStd | undefined;
  readonly retRms: RunningMeanStd | undefined;
  lastTrainStats: A2cTrainStats | undefined;

  private readonly groups: tf.Variable[][];
  private lastObs: Float32Array | undefined;
  private readonly lastEpisodeStarts: Float32Array;
  private readonly discountedReturns: Float64Array;

  constructor(options: A2COptions) {
    super(options);
    const hp = this.hyperparameters;
    const env = this.env;
    const obsSpace = env.singleObservationSpace;
    const actSpace = env.singleActionSpace;
    if (!(obsSpace instanceof Box)) throw new Error(`A2C: observation space must be a Box (flat vector), got ${String(obsSpace)}`);
    if (!(actSpace instanceof Discrete || actSpace instanceof Box))
      throw new Error(`A2C: action space must be Discrete or Box, got ${String(actSpace)}`);
    if (hp.criticLearningRate !== null && hp.sharedNetwork) {
      throw new RangeError('A2C: criticLearningRate needs separate networks (sharedNetwork: false)');
    }
    this.obsDim = env.obsDim;
    this.policy = new OnPolicyNetwork({
      obsDim: this.obsDim,
      actionSpace: actSpace,
      netArch: hp.netArch,
      activation: hp.activation,
      shared: hp.sharedNetwork,
      orthoInit: hp.orthoInit,
      logStdInit: hp.logStdInit,
      gaussianHead: hp.gaussianHead,
      outputInitUniform: hp.outputInitUniform,
      sde: hp.useSde ? { fullStd: hp.fullStd, useExpln: hp.useExpln, learnFeatures: hp.learnFeatures } : null,
      rng: this.rng,
      name: 'a2c',
    });
    this.groups = hp.criticLearningRate !== null ? [this.policy.actorVariables, this.policy.criticVariables] : [this.policy.variables];
    const lr = this.scheduleValue('learningRate');
    this.optimizers = this.groups.map((vars, i) => {
      const rate = i === 1 ? (hp.criticLearningRate as number) : lr;
      const maxGradNorm = hp.maxGradNorm ?? undefined;
      return hp.useRmsProp
        ? new RmsProp(vars, { lr: rate, alpha: 0.99, eps: hp.rmsPropEps, maxGradNorm })
        : new Adam(vars, { lr: rate, eps: hp.adamEps, maxGradNorm });
    });
    const n = env.numEnvs;
    this.buffer = new RolloutBuffer({
      nSteps: hp.nSteps,
      numEnvs: n,
      obsDim: this.obsDim,
      actionDim: this.policy.actDim,
      actionDtype: this.policy.discrete ? 'int32' : 'float32',
    });
    this.obsRms = (hp.normalizeObs ?? hp.normalize) ? new RunningMeanStd(this.obsDim) : undefined;
    this.retRms = (hp.normalizeReward ?? hp.normalize) ? new RunningMeanStd(1) : undefined;
    this.lastEpisodeStarts = new Float32Array(n).fill(1);
    this.discountedReturns = new Float64Array(n);
  }

  protected override resolveEnv(spec: EnvSpecifier): AnyEnv {
    return asVecEnv(super.resolveEnv(spec));
  }

  normalizeObservation(obs: Float32Array): Float32Array {
    return this.obsRms ? normalizeWithRms(obs, this.obsRms, this.hyperparameters.clipObs) : obs;
  }

  private normalizeRewards(rewards: Float32Array, dones: Uint8Array): Float32Array {
    const rms = this.retRms;
    if (!rms) return rewards;
    const hp = this.hyperparameters;
    return normalizeRewardsWithRms(rewards, dones, rms, this.discountedReturns, hp.gamma, hp.clipReward);
  }

  predict(obs: Float32Array, options: { deterministic?: boolean } = {}): Int32Array | Float32Array {
    if (obs.length % this.obsDim !== 0) {
      throw new RangeError(`A2C.predict: observation length ${obs.length} is not a multiple of the observation size ${this.obsDim}`);
    }
    const det = options.deterministic ?? false;
    const { actions } = this.policy.act(this.normalizeObservation(obs), det, det ? 0 : this.rng.tfSeed());
    return this.policy.toEnvActions(actions);
  }

  protected async trainLoop(totalTimesteps: number, callback: BaseCallback): Promise<void> {
    if (!this.lastObs) {
      this.lastObs = Float32Array.from(this.env.reset(this.seed));
      this.obsRms?.update(this.lastObs);
      this.lastEpisodeStarts.fill(1);
    }
    let iteration = 0;
    while (this.numTimesteps < totalTimesteps) {
      if (!(await this.collectRollout(callback))) break;
      iteration++;
      this.updateProgressRemaining();
      const stats = this.train();
      if (this.shouldLog(iteration)) {
        this.logTrainingStats({
          'train/policy_loss': stats.policyLoss,
          'train/value_loss': stats.valueLoss,
          'train/entropy_loss': stats.entropyLoss,
          'train/explained_variance': stats.explainedVariance,
          'train/learning_rate': (this.optimizers[0] as Optim).lr,
          'train/n_updates': this.numUpdates,
          ...this.stdScalar(),
        });
      }
      // Let timers and I/O run now and then (rollouts are short).
      if (iteration % 20 === 0) await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  /** SB3's `train/std`: mean of exp(log std) of a Gaussian policy with a log-std parameter. */
  private stdScalar(): Record<string, number> {
    const ls = this.policy.logStd;
    if (!ls) return {};
    const m = tf.tidy(() => tf.mean(tf.exp(ls)));
    const v = m.dataSync()[0] as number;
    m.dispose();
    return { 'train/std': v };
  }

  private async collectRollout(callback: BaseCallback): Promise<boolean> {
    const hp = this.hyperparameters;
    const n = this.env.numEnvs;
    this.buffer.reset();
    await callback.rolloutStart(this.callbackContext());
    let obsNorm = this.normalizeObservation(this.lastObs as Float32Array);
    const sde = this.policy.sdeNoise !== undefined;
    for (let step = 0; step < hp.nSteps; step++) {
      // gSDE: new exploration weights at the start of the rollout and every sdeSampleFreq steps
      // (the sample itself then needs no seed).
      if (sde && (step === 0 || (hp.sdeSampleFreq > 0 && step % hp.sdeSampleFreq === 0))) this.policy.resetNoise(this.rng.tfSeed(), n);
      const { actions, values, logProbs } = this.policy.act(obsNorm, false, sde ? 0 : this.rng.tfSeed());
      const res = this.env.step(this.policy.toEnvActions(actions));
      this.numTimesteps += n;
      this.recordEpisodeInfos(res.infos);
      if (!(await callback.step(this.callbackContext({ infos: res.infos, rewards: res.rewards })))) return false;
      const dones = new Uint8Array(n);
      let anyTrunc = false;
      for (let i = 0; i < n; i++) {
        dones[i] = (res.terminated[i] as number) | (res.truncated[i] as number);
        if (res.truncated[i] && !res.terminated[i]) anyTrunc = true;
      }
      this.obsRms?.update(res.obs);
      const rewards = this.normalizeRewards(Float32Array.from(res.rewards), dones);
      if (anyTrunc) {
        // Time-limit truncation: bootstrap with V(final observation), as SB3.
        const finalValues = this.policy.values(this.normalizeObservation(res.finalObs));
        bootstrapTruncated(rewards, res.truncated, res.terminated, finalValues, hp.gamma);
      }
      this.buffer.add(obsNorm, actions, rewards, this.lastEpisodeStarts, values, logProbs, res.terminated, res.truncated);
      (this.lastObs as Float32Array).set(res.obs);
      for (let i = 0; i < n; i++) this.lastEpisodeStarts[i] = dones[i] as number;
      obsNorm = this.normalizeObservation(this.lastObs as Float32Array);
    }
    this.buffer.computeReturnsAndAdvantage(this.policy.values(obsNorm), this.lastEpisodeStarts, hp.gamma, hp.gaeLambda);
    await callback.rolloutEnd(this.callbackContext());
    return true;
  }

  /** One gradient step on the current rollout. */
  train(): A2cTrainStats {
    const hp = this.hyperparameters;
    (this.optimizers[0] as Optim).lr = this.scheduleValue('learningRate');
    const b = this.buffer.nSteps * this.buffer.numEnvs;
    const advRaw = this.buffer.advantages.subarray(0, b);
    const adv = hp.normalizeAdvantage && b > 1 ? standardize(advRaw) : Float32Array.from(advRaw);
    const obsT = tf.tensor2d(this.buffer.obs.subarray(0, b * this.obsDim), [b, this.obsDim]);
    const actT = this.policy.actionTensor(this.buffer.actions, b);
    const advT = tf.tensor1d(adv);
    const retT = tf.tensor1d(this.buffer.returns.subarray(0, b));
    let statsT: tf.Tensor | undefined;
    const vars = this.groups.flat();
    const { grads } = computeGradients(
      () => {
        const { dist, value } = this.policy.forward(obsT);
        const t = a2cLoss({
          logProbs: dist.logProb(actT as never),
          advantages: advT,
          values: value,
          returns: retT,
          entropy: dist.entropy(),
          entCoef: hp.entCoef,
          vfCoef: hp.vfCoef,
          valueLoss: hp.valueLoss,
        });
        statsT = tf.keep(tf.stack([t.policyLoss, t.valueLoss, t.entropyLoss, t.loss]));
        return t.loss;
      },
      vars,
      { readLoss: false },
    );
    let off = 0;
    this.groups.forEach((g, i) => {
      (this.optimizers[i] as Optim).step(grads.slice(off, off + g.length));
      off += g.length;
    });
    tf.dispose(grads);
    tf.dispose([obsT, actT, advT, retT]);
    const s = (statsT as tf.Tensor).dataSync();
    (statsT as tf.Tensor).dispose();
    this.numUpdates++;
    const stats: A2cTrainStats = {
      policyLoss: s[0] as number,
      valueLoss: s[1] as number,
      entropyLoss: s[2] as number,
      loss: s[3] as number,
      explainedVariance: explainedVariance(this.buffer.values.subarray(0, b), this.buffer.returns.subarray(0, b)),
    };
    this.lastTrainStats = stats;
    return stats;
  }

  protected stateTensors(): Record<string, StateTensor> {
    const out: Record<string, StateTensor> = { ...this.policy.weightVariables() };
    this.optimizers.forEach((o, i) => {
      if (o instanceof Adam) Object.assign(out, adamStateTensors(o, `opt${i}`));
      else {
        const s = o.getState();
        out[`opt${i}/square_avg`] = { dtype: 'float32', shape: [s.squareAvg.length], data: s.squareAvg };
        out[`opt${i}/step`] = { dtype: 'float32', shape: [1], data: Float32Array.of(s.step) };
      }
    });
    return out;
  }

  protected loadStateTensors(tensors: Record<string, CheckpointTensor>): void {
    const req = (name: string) => this.requireTensor(tensors, name);
    this.policy.loadWeights(tensors, req);
    this.optimizers.forEach((o, i) => {
      if (o instanceof Adam) loadAdamState(o, `opt${i}`, req);
      else {
        o.setState({
          step: req(`opt${i}/step`).data[0] as number,
          squareAvg: req(`opt${i}/square_avg`).data as Float32Array,
          sizes: o.variables.map((v) => v.size),
        });
      }
    });
  }

  protected override stateExtra(): Record<string, unknown> {
    return { obsRms: rmsToJson(this.obsRms), retRms: rmsToJson(this.retRms) };
  }

  protected override loadStateExtra(extra: Record<string, unknown>): void {
    rmsFromJson(this.obsRms, extra.obsRms);
    rmsFromJson(this.retRms, extra.retRms);
  }

  override dispose(): void {
    this.policy.dispose();
    for (const o of this.optimizers) o.dispose();
  }
}
