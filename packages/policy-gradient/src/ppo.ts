/**
 * Proximal Policy Optimization (Schulman et al. 2017, https://arxiv.org/abs/1707.06347).
 *
 * Clipped surrogate objective (or the adaptive KL-penalty variant of the paper's section 4),
 * GAE(λ) advantages, minibatch epochs over each rollout, optional value clipping, per-minibatch
 * advantage normalisation, observation / reward normalisation (VecNormalize semantics), linear
 * schedules for the learning rate and the clip range, and early stop of an update at a target KL.
 * Hyperparameter names and defaults follow Stable-Baselines3.
 */
import * as tf from '@tensorflow/tfjs';
import {
  ActorCriticMlp,
  Adam,
  Algorithm,
  type AlgorithmOptions,
  type AnyEnv,
  type BaseCallback,
  Box,
  Categorical,
  type CheckpointTensor,
  DiagGaussian,
  Discrete,
  StateDependentNoise,
  StateDependentNoiseDistribution,
  type EnvSpecifier,
  RolloutBuffer,
  RunningMeanStd,
  type StateTensor,
  SyncVecEnv,
  type VecEnv,
  bootstrapTruncated,
  checkpointTensorToTf,
  computeGradients,
  defineHyperparameters,
  explainedVariance,
  isVecEnv,
  uniqueName,
} from '@tfrl/core';
import {
  type ActResult,
  HOST_ACT_MAX_ROWS,
  actBatch,
  actCategoricalHost,
  normalizeRewardsWithRms,
  normalizeWithRms,
  onPolicyGsdeHyperparameters,
  toEnvActionArray,
} from './on-policy';
import { ppoCategoricalFusedAvailable, ppoCategoricalLoss } from './ppo-fused';

export const ppoHyperparameters = defineHyperparameters({
  learningRate: { type: 'schedule', default: 3e-4, exclusiveMin: 0, doc: 'Adam step size: a number or a schedule such as "lin_0.001"' },
  nSteps: { type: 'integer', default: 2048, min: 1, doc: 'steps per env in each rollout' },
  batchSize: { type: 'integer', default: 64, min: 1, doc: 'minibatch size' },
  nEpochs: { type: 'integer', default: 10, min: 1, doc: 'passes over each rollout' },
  gamma: { type: 'number', default: 0.99, min: 0, max: 1, doc: 'discount factor' },
  gaeLambda: { type: 'number', default: 0.95, min: 0, max: 1, doc: 'GAE λ (1 = Monte-Carlo returns, 0 = TD(0))' },
  lossType: {
    type: 'enum',
    values: ['clip', 'adaptive_kl'],
    default: 'clip',
    doc: 'clipped surrogate, or the KL-penalty variant with an adaptive coefficient',
  },
  clipRange: { type: 'schedule', default: 0.2, exclusiveMin: 0, doc: 'ε of the clipped surrogate (number or schedule)' },
  clipRangeVf: { type: 'number', default: null, exclusiveMin: 0, doc: 'clip the value update around the old value (null = off)' },
  klTarget: { type: 'number', default: 0.01, exclusiveMin: 0, doc: 'adaptive_kl: target KL per update' },
  klCoefInit: { type: 'number', default: 1, min: 0, doc: 'adaptive_kl: initial penalty coefficient β' },
  normalizeAdvantage: { type: 'boolean', default: true, doc: 'normalise advantages in each minibatch' },
  entCoef: { type: 'number', default: 0, doc: 'entropy bonus coefficient' },
  vfCoef: { type: 'number', default: 0.5, min: 0, doc: 'value loss coefficient' },
  maxGradNorm: { type: 'number', default: 0.5, exclusiveMin: 0, nullable: true, doc: 'global gradient-norm clip (null = off)' },
  targetKl: {
    type: 'number',
    default: null,
    exclusiveMin: 0,
    doc: 'stop the epochs of an update when the approximate KL exceeds 1.5 × this (null = off)',
  },
  netArch: { type: 'number[]', default: [64, 64], min: 1, doc: 'hidden layer sizes of the policy and value networks' },
  activation: { type: 'enum', values: ['tanh', 'relu', 'elu', 'leaky_relu'], default: 'tanh', doc: 'hidden activation' },
  sharedNetwork: { type: 'boolean', default: false, doc: 'one trunk with two heads instead of separate networks' },
  orthoInit: { type: 'boolean', default: true, doc: 'orthogonal init (gains √2, policy head 0.01, value head 1) instead of Glorot' },
  logStdInit: {
    type: 'number',
    default: 0,
    doc: 'initial log standard deviation of a Gaussian policy (with gSDE: every entry of the log-std matrix)',
  },
  ...onPolicyGsdeHyperparameters,
  adamEps: { type: 'number', default: 1e-5, exclusiveMin: 0, doc: 'Adam ε (SB3 PPO uses 1e-5)' },
  normalize: { type: 'boolean', default: false, doc: 'normalise observations and rewards with running statistics (VecNormalize)' },
  normalizeObs: { type: 'boolean', default: null, nullable: true, doc: 'override `normalize` for observations' },
  normalizeReward: { type: 'boolean', default: null, nullable: true, doc: 'override `normalize` for rewards' },
  clipObs: { type: 'number', default: 10, exclusiveMin: 0, doc: 'clip normalised observations to ±clipObs' },
  clipReward: { type: 'number', default: 10, exclusiveMin: 0, doc: 'clip normalised rewards to ±clipReward' },
});

type PpoHp = {
  learningRate: number | string | ((p: number) => number);
  nSteps: number;
  batchSize: number;
  nEpochs: number;
  gamma: number;
  gaeLambda: number;
  lossType: 'clip' | 'adaptive_kl';
  clipRange: number | string | ((p: number) => number);
  clipRangeVf: number | null;
  klTarget: number;
  klCoefInit: number;
  normalizeAdvantage: boolean;
  entCoef: number;
  vfCoef: number;
  maxGradNorm: number | null;
  targetKl: number | null;
  netArch: number[];
  activation: 'tanh' | 'relu' | 'elu' | 'leaky_relu';
  sharedNetwork: boolean;
  orthoInit: boolean;
  logStdInit: number;
  useSde: boolean;
  sdeSampleFreq: number;
  fullStd: boolean;
  useExpln: boolean;
  learnFeatures: boolean;
  adamEps: number;
  normalize: boolean;
  normalizeObs: boolean | null;
  normalizeReward: boolean | null;
  clipObs: number;
  clipReward: number;
};

export type PPOOptions = AlgorithmOptions & Partial<PpoHp> & { env: EnvSpecifier };

/** Scalars from one update, averaged over minibatches. */
export interface PpoTrainStats {
  policyGradientLoss: number;
  valueLoss: number;
  entropyLoss: number;
  approxKl: number;
  clipFraction: number;
  loss: number;
  explainedVariance: number;
  epochs: number;
  klCoef?: number;
}

/**
 * The policy part of the PPO loss on a minibatch (tensors are not disposed; call inside a tidy).
 * - `clip`: -E[min(r·A, clip(r, 1-ε, 1+ε)·A)] with r = exp(logπ - logπ_old);
 * - `adaptive_kl`: -E[r·A] + β·KL, KL estimated by E[(r - 1) - log r] (the "k3" estimator of
 *   KL(π_old ‖ π), non-negative and unbiased under samples of π_old).
 * Also returns that KL estimate and the fraction of samples whose ratio left [1-ε, 1+ε].
 */
export function ppoPolicyLoss(args: {
  logProbs: tf.Tensor1D;
  oldLogProbs: tf.Tensor1D;
  advantages: tf.Tensor1D;
  lossType?: 'clip' | 'adaptive_kl';
  clipRange: number;
  klCoef?: number;
}): { policyLoss: tf.Scalar; approxKl: tf.Scalar; clipFraction: tf.Scalar } {
  const { logProbs, oldLogProbs, advantages, lossType = 'clip', clipRange, klCoef = 1 } = args;
  const logRatio = tf.sub(logProbs, oldLogProbs);
  const ratio = tf.exp(logRatio);
  const approxKl = tf.mean(tf.sub(tf.sub(ratio, 1), logRatio)) as tf.Scalar;
  const clipFraction = tf.mean(tf.cast(tf.greater(tf.abs(tf.sub(ratio, 1)), clipRange), 'float32')) as tf.Scalar;
  if (lossType === 'clip') {
    const s1 = tf.mul(advantages, ratio);
    const s2 = tf.mul(advantages, tf.clipByValue(ratio, 1 - clipRange, 1 + clipRange));
    return { policyLoss: tf.neg(tf.mean(tf.minimum(s1, s2))) as tf.Scalar, approxKl, clipFraction };
  }
  const policyLoss = tf.add(tf.neg(tf.mean(tf.mul(advantages, ratio))), tf.mul(klCoef, approxKl)) as tf.Scalar;
  return { policyLoss, approxKl, clipFraction };
}

export class PPO extends Algorithm<PpoHp> {
  static override readonly algorithmName = 'PPO';
  static override readonly hyperparameterSchema = ppoHyperparameters;

  declare readonly env: VecEnv;
  readonly discrete: boolean;
  readonly obsDim: number;
  readonly actDim: number;
  readonly policy: ActorCriticMlp;
  /**
   * Log std of a Gaussian policy: state-independent [actDim], or with gSDE the log std of the
   * exploration weights [latentDim, actDim] ([latentDim, 1] without `fullStd`); undefined for
   * discrete actions.
   */
  readonly logStd: tf.Variable | undefined;
  /** gSDE's exploration weights, fixed between resets (undefined without `useSde`). */
  readonly sdeNoise: StateDependentNoise | undefined;
  readonly optimizer: Adam;
  readonly buffer: RolloutBuffer;
  /** Running observation statistics when observations are normalised. */
  readonly obsRms: RunningMeanStd | undefined;
  /** Running statistics of the discounted return when rewards are normalised. */
  readonly retRms: RunningMeanStd | undefined;
  /** Adaptive KL-penalty coefficient β (lossType 'adaptive_kl'). */
  klCoef: number;
  lastTrainStats: PpoTrainStats | undefined;
  /**
   * Discrete actions on the wasm backend: compute the minibatch loss and its gradient with respect
   * to the logits and values in one kernel (`ppoCategoricalLoss`) instead of autodiff. Same
   * result up to float rounding; set false to use autodiff.
   */
  fusedLoss = true;
  /**
   * Discrete actions, batches of at most HOST_ACT_MAX_ROWS observations: act with a plain
   * JavaScript forward pass and sampler (`actCategoricalHost`) instead of tfjs kernels. Set false
   * to act through tfjs.
   */
  hostActing = true;

  private readonly variables: tf.Variable[];
  private readonly lowArr: Float32Array | undefined;
  private readonly highArr: Float32Array | undefined;
  private lastObs: Float32Array | undefined;
  private lastEpisodeStarts: Float32Array;
  private discountedReturns: Float64Array;
  private readonly envActions: Int32Array | Float32Array;
  private readonly rolloutActions: Float32Array;

  constructor(options: PPOOptions) {
    super(options);
    const hp = this.hyperparameters;
    const env = this.env;
    const obsSpace = env.singleObservationSpace;
    const actSpace = env.singleActionSpace;
    if (!(obsSpace instanceof Box)) {
      throw new Error(`PPO: observation space must be a Box (flat vector), got ${String(obsSpace)}`);
    }
    if (actSpace instanceof Discrete) {
      this.discrete = true;
      this.actDim = 1;
    } else if (actSpace instanceof Box) {
      this.discrete = false;
      this.actDim = actSpace.compactDim;
      this.lowArr = Float32Array.from(actSpace.low);
      this.highArr = Float32Array.from(actSpace.high);
    } else {
      throw new Error(`PPO: action space must be Discrete or Box, got ${String(actSpace)}`);
    }
    if (hp.useSde && this.discrete) {
      throw new Error(`PPO: useSde (gSDE) needs a continuous (Box) action space, got ${String(actSpace)}`);
    }
    this.obsDim = env.obsDim;
    const n = env.numEnvs;
    const nActionOutputs = this.discrete ? (actSpace as Discrete).n : this.actDim;
    this.policy = new ActorCriticMlp({
      inputDim: this.obsDim,
      actionDim: nActionOutputs,
      shared: hp.sharedNetwork,
      hiddenSizes: hp.netArch,
      activation: hp.activation,
      init: hp.orthoInit ? 'orthogonal' : 'glorot',
      actorGain: hp.orthoInit ? 0.01 : 1,
      criticGain: 1,
      rng: this.rng,
      name: 'ppo',
    });
    const logStdShape = hp.useSde ? [this.policy.latentDimPi, hp.fullStd ? this.actDim : 1] : [this.actDim];
    this.logStd = this.discrete
      ? undefined
      : tf.tidy(() => tf.variable(tf.fill(logStdShape, hp.logStdInit), true, uniqueName('ppo/log_std')));
    this.sdeNoise = hp.useSde ? new StateDependentNoise(this.policy.latentDimPi, this.actDim) : undefined;
    this.variables = [...this.policy.trainableVariables, ...(this.logStd ? [this.logStd] : [])];
    this.optimizer = new Adam(this.variables, {
      lr: this.scheduleValue('learningRate'),
      eps: hp.adamEps,
      maxGradNorm: hp.maxGradNorm ?? undefined,
    });
    this.buffer = new RolloutBuffer({
      nSteps: hp.nSteps,
      numEnvs: n,
      obsDim: this.obsDim,
      actionDim: this.actDim,
      actionDtype: this.discrete ? 'int32' : 'float32',
    });
    const normObs = hp.normalizeObs ?? hp.normalize;
    const normRew = hp.normalizeReward ?? hp.normalize;
    this.obsRms = normObs ? new RunningMeanStd(this.obsDim) : undefined;
    this.retRms = normRew ? new RunningMeanStd(1) : undefined;
    this.klCoef = hp.klCoefInit;
    this.lastEpisodeStarts = new Float32Array(n).fill(1);
    this.discountedReturns = new Float64Array(n);
    this.envActions = this.discrete ? new Int32Array(n) : new Float32Array(n * this.actDim);
    this.rolloutActions = new Float32Array(n * this.actDim);
  }

  /** PPO always works on a VecEnv: a single Env is wrapped in a one-env SyncVecEnv. */
  protected override resolveEnv(spec: EnvSpecifier): AnyEnv {
    const env = super.resolveEnv(spec);
    if (isVecEnv(env)) return env;
    return new SyncVecEnv([() => env]);
  }

  // ------------------------------------------------------------------ observation normalisation

  /** Normalised copy of `obs` (rows of obsDim) with the current statistics, or `obs` itself. */
  normalizeObservation(obs: Float32Array, out?: Float32Array): Float32Array {
    const rms = this.obsRms;
    if (!rms) return obs;
    return normalizeWithRms(obs, rms, this.hyperparameters.clipObs, out);
  }

  private normalizeRewards(rewards: Float32Array, dones: Uint8Array | Float32Array): Float32Array {
    const rms = this.retRms;
    if (!rms) return rewards;
    const hp = this.hyperparameters;
    return normalizeRewardsWithRms(rewards, dones, rms, this.discountedReturns, hp.gamma, hp.clipReward);
  }

  // ------------------------------------------------------------------ acting

  /** Policy head output and (gSDE) latent features of a batch; call inside a tidy. */
  private forward(x: tf.Tensor2D): { dist: Categorical | DiagGaussian | StateDependentNoiseDistribution; value: tf.Tensor1D } {
    const hp = this.hyperparameters;
    if (this.sdeNoise) {
      const { logitsOrMean, value, latentPi } = this.policy.forwardWithLatent(x, { inputGrad: false });
      const dist = new StateDependentNoiseDistribution(logitsOrMean, this.logStd as tf.Variable as tf.Tensor2D, latentPi, {
        useExpln: hp.useExpln,
        learnFeatures: hp.learnFeatures,
      });
      return { dist, value };
    }
    const { logitsOrMean, value } = this.policy.forward(x, { inputGrad: false });
    const dist = this.discrete ? new Categorical(logitsOrMean) : new DiagGaussian(logitsOrMean, this.logStd as tf.Tensor1D);
    return { dist, value };
  }

  /**
   * gSDE: draw new exploration weights, one matrix per env for a batch of `nEnvs` (SB3's
   * `reset_noise`). No-op without `useSde`.
   */
  resetNoise(nEnvs = this.env.numEnvs): void {
    this.sdeNoise?.reset(this.rng.tfSeed(), nEnvs);
  }

  /**
   * One forward pass for a batch of (already normalised) observations: sampled (or mode)
   * actions, values and log-probabilities, read back with a single `dataSync`.
   */
  private act(obs: Float32Array, deterministic: boolean): ActResult {
    const b = obs.length / this.obsDim;
    if (this.hostActing && this.discrete && !this.sdeNoise && b <= HOST_ACT_MAX_ROWS)
      return actCategoricalHost(this.policy, obs, b, deterministic, () => this.rng.random());
    const sde = this.sdeNoise;
    // gSDE draws no per-step noise: it uses the current exploration weights (drawn lazily once).
    if (sde && !deterministic && sde.numMatrices === 0) this.resetNoise();
    const seed = deterministic || sde ? 0 : this.rng.tfSeed();
    return actBatch(obs, this.obsDim, this.actDim, this.discrete, deterministic, seed, sde, (x) => this.forward(x));
  }

  /** Value estimates of a batch of (already normalised) observations. */
  private values(obs: Float32Array): Float32Array {
    const b = obs.length / this.obsDim;
    if (this.hostActing && b <= HOST_ACT_MAX_ROWS) return this.policy.forwardHost(obs, b).value;
    const v = tf.tidy(() => this.policy.forward(tf.tensor2d(obs, [b, this.obsDim]), { inputGrad: false }).value);
    const out = v.dataSync() as Float32Array;
    v.dispose();
    return out;
  }

  /** Actions in env format: integers for Discrete, clipped to the bounds for Box. */
  private toEnvActions(actions: Float32Array, out: Int32Array | Float32Array): Int32Array | Float32Array {
    return toEnvActionArray(actions, out, this.lowArr, this.highArr);
  }

  predict(obs: Float32Array, options: { deterministic?: boolean } = {}): Int32Array | Float32Array {
    if (obs.length % this.obsDim !== 0) {
      throw new RangeError(`PPO.predict: observation length ${obs.length} is not a multiple of the observation size ${this.obsDim}`);
    }
    const x = this.normalizeObservation(obs);
    const { actions } = this.act(x, options.deterministic ?? false);
    return this.toEnvActions(actions, this.discrete ? new Int32Array(actions.length) : new Float32Array(actions.length));
  }

  // ------------------------------------------------------------------ training

  protected async trainLoop(totalTimesteps: number, callback: BaseCallback): Promise<void> {
    const rollout = this.hyperparameters.nSteps * this.env.numEnvs;
    if (this.hyperparameters.batchSize > rollout) {
      // Checked here, not in the constructor, so a model trained on 8 envs loads on 1 for evaluation.
      throw new RangeError(`PPO: batchSize (${this.hyperparameters.batchSize}) is larger than a rollout (nSteps × numEnvs = ${rollout})`);
    }
    if (!this.lastObs) {
      const obs = this.env.reset(this.seed);
      this.lastObs = Float32Array.from(obs);
      this.obsRms?.update(this.lastObs);
      this.lastEpisodeStarts.fill(1);
    }
    let iteration = 0;
    while (this.numTimesteps < totalTimesteps) {
      const cont = await this.collectRollout(callback);
      if (!cont) break;
      iteration++;
      // Let timers and I/O run between rollouts (progress output, test runners' heartbeats).
      await new Promise<void>((resolve) => setImmediate(resolve));
      this.updateProgressRemaining();
      const stats = this.train();
      if (this.shouldLog(iteration)) this.logTrainingStats(this.statsScalars(stats));
    }
  }

  private statsScalars(s: PpoTrainStats): Record<string, number> {
    const out: Record<string, number> = {
      'train/policy_gradient_loss': s.policyGradientLoss,
      'train/value_loss': s.valueLoss,
      'train/entropy_loss': s.entropyLoss,
      'train/approx_kl': s.approxKl,
      'train/clip_fraction': s.clipFraction,
      'train/loss': s.loss,
      'train/explained_variance': s.explainedVariance,
      'train/learning_rate': this.optimizer.lr,
      'train/clip_range': this.scheduleValue('clipRange'),
      'train/n_updates': this.numUpdates,
    };
    if (!this.discrete && this.logStd) {
      // exp of the log-std parameter (with gSDE: of the exploration weights), as SB3 logs it.
      const std = tf.tidy(() => tf.mean(tf.exp(this.logStd as tf.Variable)));
      out['train/std'] = std.dataSync()[0] as number;
      std.dispose();
    }
    if (s.klCoef !== undefined) out['train/kl_coef'] = s.klCoef;
    return out;
  }

  /** Fill the rollout buffer with nSteps vector steps. Returns false when a callback stopped training. */
  private async collectRollout(callback: BaseCallback): Promise<boolean> {
    const hp = this.hyperparameters;
    const n = this.env.numEnvs;
    this.buffer.reset();
    await callback.rolloutStart(this.callbackContext());
    let obsNorm = this.normalizeObservation(this.lastObs as Float32Array);
    for (let step = 0; step < hp.nSteps; step++) {
      // gSDE: new exploration weights at the start of the rollout and every sdeSampleFreq steps.
      if (this.sdeNoise && (step === 0 || (hp.sdeSampleFreq > 0 && step % hp.sdeSampleFreq === 0))) this.resetNoise(n);
      const { actions, values, logProbs } = this.act(obsNorm, false);
      this.rolloutActions.set(actions);
      const res = this.env.step(this.toEnvActions(actions, this.envActions));
      this.numTimesteps += n;
      this.recordEpisodeInfos(res.infos);
      if (!(await callback.step(this.callbackContext({ infos: res.infos, rewards: res.rewards })))) return false;

      const dones = new Uint8Array(n);
      for (let i = 0; i < n; i++) dones[i] = (res.terminated[i] as number) | (res.truncated[i] as number);
      const rawRewards = Float32Array.from(res.rewards);
      // Time-limit truncation: bootstrap with the value of the final observation (as SB3).
      let anyTrunc = false;
      for (let i = 0; i < n; i++) if (res.truncated[i] && !res.terminated[i]) anyTrunc = true;
      if (this.obsRms) this.obsRms.update(res.obs);
      const rewards = this.normalizeRewards(rawRewards, dones);
      if (anyTrunc) {
        const finalValues = this.values(this.normalizeObservation(res.finalObs));
        bootstrapTruncated(rewards, res.truncated, res.terminated, finalValues, hp.gamma);
      }
      this.buffer.add(obsNorm, this.rolloutActions, rewards, this.lastEpisodeStarts, values, logProbs, res.terminated, res.truncated);
      (this.lastObs as Float32Array).set(res.obs);
      for (let i = 0; i < n; i++) this.lastEpisodeStarts[i] = dones[i] as number;
      obsNorm = this.normalizeObservation(this.lastObs as Float32Array);
    }
    const lastValues = this.values(obsNorm);
    this.buffer.computeReturnsAndAdvantage(lastValues, this.lastEpisodeStarts, hp.gamma, hp.gaeLambda);
    await callback.rolloutEnd(this.callbackContext());
    return true;
  }

  /** The PPO loss on one minibatch; also returns [pg, vf, entropy, approxKl, clipFrac, loss] (kept). */
  private minibatchLoss(
    obs: tf.Tensor2D,
    actions: tf.Tensor,
    oldLogProbs: tf.Tensor1D,
    advantages: tf.Tensor1D,
    returns: tf.Tensor1D,
    oldValues: tf.Tensor1D,
    clipRange: number,
    statsOut: tf.Tensor[],
  ): tf.Scalar {
    const hp = this.hyperparameters;
    if (this.discrete && this.fusedLoss && !this.sdeNoise && ppoCategoricalFusedAvailable()) {
      const { logitsOrMean, value } = this.policy.forward(obs, { inputGrad: false });
      const attrs = {
        lossType: hp.lossType,
        clipRange,
        clipRangeVf: hp.clipRangeVf,
        entCoef: hp.entCoef,
        vfCoef: hp.vfCoef,
        klCoef: this.klCoef,
      };
      const fusedInputs = {
        logits: logitsOrMean,
        values: value,
        actions: actions as tf.Tensor1D,
        oldLogProbs,
        advantages,
        returns,
        oldValues,
      };
      return ppoCategoricalLoss(fusedInputs, attrs, statsOut);
    }
    const { dist, value } = this.forward(obs);
    const logp = dist.logProb(actions as never);
    const {
      policyLoss: pgLoss,
      approxKl,
      clipFraction: clipFrac,
    } = ppoPolicyLoss({
      logProbs: logp,
      oldLogProbs,
      advantages,
      lossType: hp.lossType,
      clipRange,
      klCoef: this.klCoef,
    });
    let vPred: tf.Tensor1D = value;
    if (hp.clipRangeVf !== null) {
      vPred = tf.add(oldValues, tf.clipByValue(tf.sub(value, oldValues), -hp.clipRangeVf, hp.clipRangeVf));
    }
    const vfLoss = tf.mean(tf.square(tf.sub(returns, vPred)));
    const entropy = dist.entropy();
    const entLoss = tf.neg(tf.mean(entropy));
    const loss = tf.addN([pgLoss, tf.mul(hp.entCoef, entLoss), tf.mul(hp.vfCoef, vfLoss)]) as tf.Scalar;
    statsOut.push(tf.keep(tf.stack([pgLoss, vfLoss, entLoss, approxKl, clipFrac, loss])));
    return loss;
  }

  /** One PPO update over the current rollout. */
  train(): PpoTrainStats {
    const hp = this.hyperparameters;
    const lr = this.scheduleValue('learningRate');
    this.optimizer.lr = lr;
    const clipRange = this.scheduleValue('clipRange');
    const stats: tf.Tensor[] = [];
    let epochsDone = 0;
    let stop = false;
    for (let epoch = 0; epoch < hp.nEpochs && !stop; epoch++) {
      const epochStart = stats.length;
      for (const mb of this.buffer.minibatches(hp.batchSize, this.rng)) {
        const b = mb.batchSize;
        const adv = mb.advantages.subarray(0, b);
        const advN = new Float32Array(b);
        if (!(hp.normalizeAdvantage && b > 1)) advN.set(adv);
        else {
          let mean = 0;
          for (let i = 0; i < b; i++) mean += adv[i] as number;
          mean /= b;
          let v = 0;
          for (let i = 0; i < b; i++) v += ((adv[i] as number) - mean) ** 2;
          const std = Math.sqrt(v / (b - 1));
          for (let i = 0; i < b; i++) advN[i] = ((adv[i] as number) - mean) / (std + 1e-8);
        }
        const obsT = tf.tensor2d(mb.obs.subarray(0, b * this.obsDim), [b, this.obsDim]);
        const actT = this.discrete
          ? tf.tensor1d(mb.actions.subarray(0, b) as Int32Array, 'int32')
          : tf.tensor2d(mb.actions.subarray(0, b * this.actDim) as Float32Array, [b, this.actDim]);
        const oldLogT = tf.tensor1d(mb.oldLogProbs.subarray(0, b));
        const advT = tf.tensor1d(advN);
        const retT = tf.tensor1d(mb.returns.subarray(0, b));
        const oldVT = tf.tensor1d(mb.oldValues.subarray(0, b));
        const { grads } = computeGradients(
          () => this.minibatchLoss(obsT, actT, oldLogT, advT, retT, oldVT, clipRange, stats),
          this.variables,
          { readLoss: false },
        );
        this.optimizer.step(grads);
        tf.dispose(grads);
        tf.dispose([obsT, actT, oldLogT, advT, retT, oldVT]);
        this.numUpdates++;
        if (hp.targetKl !== null) {
          // SB3 checks after every minibatch; that needs one read per minibatch.
          const kl = (stats[stats.length - 1] as tf.Tensor).dataSync()[3] as number;
          if (kl > 1.5 * hp.targetKl) {
            stop = true;
            break;
          }
        }
      }
      if (stats.length > epochStart) epochsDone++;
    }
    // One read for every statistic of the update.
    const all = tf.tidy(() => tf.mean(tf.stack(stats), 0));
    const means = all.dataSync() as Float32Array;
    all.dispose();
    tf.dispose(stats);
    if (hp.lossType === 'adaptive_kl') {
      const d = means[3] as number;
      if (d < hp.klTarget / 1.5) this.klCoef /= 2;
      else if (d > hp.klTarget * 1.5) this.klCoef *= 2;
    }
    const total = this.buffer.nSteps * this.buffer.numEnvs;
    const ev = explainedVariance(this.buffer.values.subarray(0, total), this.buffer.returns.subarray(0, total));
    const result: PpoTrainStats = {
      policyGradientLoss: means[0] as number,
      valueLoss: means[1] as number,
      entropyLoss: means[2] as number,
      approxKl: means[3] as number,
      clipFraction: means[4] as number,
      loss: means[5] as number,
      explainedVariance: ev,
      epochs: epochsDone,
      klCoef: hp.lossType === 'adaptive_kl' ? this.klCoef : undefined,
    };
    this.lastTrainStats = result;
    return result;
  }

  // ------------------------------------------------------------------ checkpoints

  protected stateTensors(): Record<string, StateTensor> {
    const s = this.optimizer.getState();
    const out: Record<string, StateTensor> = { ...this.policy.getWeights() };
    if (this.logStd) out['ppo/log_std'] = this.logStd;
    out['adam/m'] = { dtype: 'float32', shape: [s.m.length], data: s.m };
    out['adam/v'] = { dtype: 'float32', shape: [s.v.length], data: s.v };
    return out;
  }

  protected loadStateTensors(tensors: Record<string, CheckpointTensor>): void {
    const weights: Record<string, tf.Tensor> = {};
    for (const name of Object.keys(this.policy.getWeights())) {
      weights[name] = checkpointTensorToTf(this.requireTensor(tensors, name));
    }
    this.policy.setWeights(weights);
    tf.dispose(Object.values(weights));
    if (this.logStd) {
      const t = checkpointTensorToTf(this.requireTensor(tensors, 'ppo/log_std', [...this.logStd.shape]));
      this.logStd.assign(t);
      t.dispose();
    }
    const m = this.requireTensor(tensors, 'adam/m');
    const v = this.requireTensor(tensors, 'adam/v');
    this.optimizerStepToRestore = { m: m.data as Float32Array, v: v.data as Float32Array };
  }

  private optimizerStepToRestore: { m: Float32Array; v: Float32Array } | undefined;

  protected override stateExtra(): Record<string, unknown> {
    return {
      adamStep: this.optimizer.stepCount,
      klCoef: this.klCoef,
      obsRms: this.obsRms ? { mean: Array.from(this.obsRms.mean), var: Array.from(this.obsRms.var), count: this.obsRms.count } : null,
      retRms: this.retRms ? { mean: Array.from(this.retRms.mean), var: Array.from(this.retRms.var), count: this.retRms.count } : null,
    };
  }

  protected override loadStateExtra(extra: Record<string, unknown>): void {
    const restore = this.optimizerStepToRestore;
    if (restore) {
      this.optimizer.setState({ step: Number(extra.adamStep ?? 0), m: restore.m, v: restore.v, sizes: this.variables.map((v) => v.size) });
      this.optimizerStepToRestore = undefined;
    }
    if (typeof extra.klCoef === 'number') this.klCoef = extra.klCoef;
    for (const [key, rms] of [
      ['obsRms', this.obsRms],
      ['retRms', this.retRms],
    ] as const) {
      const saved = extra[key] as { mean: number[]; var: number[]; count: number } | null | undefined;
      if (rms && saved) {
        rms.mean.set(saved.mean);
        rms.var.set(saved.var);
        rms.count = saved.count;
      }
    }
  }

  override dispose(): void {
    this.policy.dispose();
    this.logStd?.dispose();
    this.sdeNoise?.dispose();
    this.optimizer.dispose();
  }
}
