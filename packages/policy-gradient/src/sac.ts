/**
 * Soft Actor-Critic (Haarnoja et al. 2018, https://arxiv.org/abs/1801.01290, and the
 * automatic-temperature version https://arxiv.org/abs/1812.05905).
 *
 * Twin critics with a Polyak-averaged target, a tanh-squashed Gaussian actor whose log-std is a
 * second head of the actor clipped to [−20, 2], and automatic tuning of the entropy coefficient α
 * towards a target entropy of −dim(A). Hyperparameter names and defaults follow Stable-Baselines3.
 *
 * One gradient step is: target (actor on s', twin target critics, no tape) → critic update (both
 * critics, one gradient call, one flat Adam step) → actor + α update (one gradient call; the
 * critics are differentiated with respect to the action only; one flat Adam over the actor and
 * log α, which equals SB3's two Adams since Adam is element-wise and both use the same settings)
 * → Polyak update. Nothing is read back per step; statistics accumulate on the device.
 *
 * With `useSde` the actor explores by generalized State-Dependent Exploration (gSDE, as SB3's
 * `use_sde`): the actor outputs only the mean (clipped to ±clipMean), the log std is a learned
 * [latentDim, actDim] matrix, and the exploration noise z(s)·E is linear in the actor's last hidden
 * activations z(s) with weights E ~ N(0, σ²) redrawn at the start of every collection phase, every
 * `sdeSampleFreq` steps, and before every gradient step (one matrix for the whole minibatch).
 */
import * as tf from '@tensorflow/tfjs';
import {
  Adam,
  type AlgorithmOptions,
  type CommonOptions,
  type EnvSpecifier,
  type GradientStepResult,
  type HyperparameterInput,
  Mlp,
  type NetworkState,
  OffPolicyAlgorithm,
  type OffPolicyBatch,
  type ResolvedHyperparameters,
  SquashedStateDependentNoiseDistribution,
  StateDependentNoise,
  TwinQ,
  defineHyperparameters,
  gsdeStdMatrix,
  hardUpdate,
  polyakUpdate,
  uniqueName,
} from '@tfrl/core';
import {
  actorCriticHyperparameters,
  assertBoxActions,
  criticLoss,
  forwardInputGradOnly,
  forwardNoGrad,
  forwardNoGradWithHidden,
  forwardTrainable,
  sacActorLoss,
  sacCriticTarget,
  sacTemperatureLoss,
  squashedGaussianLogProb,
  torchDefaultInit,
} from './off-policy';

export const LOG_STD_MIN = -20;
export const LOG_STD_MAX = 2;

export const sacHyperparameters = defineHyperparameters({
  ...actorCriticHyperparameters({ learningRate: 3e-4, netArch: [256, 256], learningStarts: 100 }),
  entCoef: {
    type: 'string',
    default: 'auto',
    doc: "entropy coefficient α: 'auto' (learned, initial value entCoefInit), 'auto_0.1' (learned, initial 0.1) or a fixed number",
  },
  entCoefInit: { type: 'number', default: 1, exclusiveMin: 0, doc: "initial α when entCoef is 'auto'" },
  targetEntropy: { type: 'number', default: null, nullable: true, doc: 'target entropy of the α tuning (null = −dim(A))' },
  targetUpdateInterval: { type: 'integer', default: 1, min: 1, doc: 'gradient steps between target-network updates' },
  useSde: {
    type: 'boolean',
    default: false,
    doc: 'generalized State-Dependent Exploration (gSDE) instead of a state-dependent log-std head',
  },
  sdeSampleFreq: {
    type: 'integer',
    default: -1,
    min: -1,
    doc: 'gSDE: draw a new noise matrix every n env steps (-1 = only at the start of each collection phase)',
  },
  useSdeAtWarmup: {
    type: 'boolean',
    default: false,
    doc: 'gSDE: act with the policy instead of uniform random actions before learningStarts',
  },
  logStdInit: { type: 'number', default: -3, doc: 'gSDE: initial value of every entry of the log-std matrix' },
  fullStd: { type: 'boolean', default: true, doc: 'gSDE: a log-std per (latent feature, action) instead of one per latent feature' },
  useExpln: { type: 'boolean', default: false, doc: 'gSDE: σ = expln(log σ) (exp below 0, log1p + 1 above) instead of exp' },
  clipMean: { type: 'number', default: 2, min: 0, doc: 'gSDE: clip the pre-tanh mean to ±clipMean (0 = off)' },
  learnFeatures: {
    type: 'boolean',
    default: true,
    doc: "gSDE: let the noise gradients flow into the actor's latent features (SB3's SAC: true)",
  },
});

export type SacHp = ResolvedHyperparameters<typeof sacHyperparameters>;

export type SACOptions<E extends EnvSpecifier = EnvSpecifier> = CommonOptions & { env: E } & Omit<
    HyperparameterInput<typeof sacHyperparameters>,
    'entCoef'
  > & {
    entCoef?: 'auto' | `auto_${number}` | number | string;
  };

/** Parse `entCoef` (SB3 forms 'auto', 'auto_0.1', or a number) → {auto, init}. */
export function parseEntCoef(value: string, entCoefInit: number): { auto: boolean; init: number } {
  const v = value.trim();
  if (v === 'auto') return { auto: true, init: entCoefInit };
  if (v.startsWith('auto_')) {
    const init = Number(v.slice(5));
    if (!(init > 0)) throw new RangeError(`SAC: entCoef "${value}" must be 'auto', 'auto_<positive number>' or a non-negative number`);
    return { auto: true, init };
  }
  const n = Number(v);
  if (v === '' || !Number.isFinite(n) || n < 0)
    throw new RangeError(`SAC: entCoef must be 'auto', 'auto_<positive number>' or a non-negative number, got ${JSON.stringify(value)}`);
  return { auto: false, init: n };
}

function normaliseEntCoefOption<E extends EnvSpecifier>(options: SACOptions<E>): SACOptions<E> {
  const out: Record<string, unknown> = { ...options };
  for (const k of ['entCoef', 'ent_coef']) if (typeof out[k] === 'number') out[k] = String(out[k]);
  return out as unknown as SACOptions<E>;
}

export class SAC<E extends EnvSpecifier = any> extends OffPolicyAlgorithm<SacHp, E> {
  static override readonly algorithmName = 'SAC';
  static override readonly hyperparameterSchema = sacHyperparameters;

  /** obs → [mean | log std] (2·dim(A) outputs); with gSDE obs → mean (dim(A) outputs). */
  readonly actor: Mlp;
  /** gSDE: log std of the exploration weights, [latentDim, dim(A)] ([latentDim, 1] without fullStd). */
  readonly logStd: tf.Variable | undefined;
  /** gSDE: the exploration weights, fixed between resets. */
  readonly sdeNoise: StateDependentNoise | undefined;
  readonly critic: TwinQ;
  readonly criticTarget: TwinQ;
  /** log α ([1]); trained when `autoEntCoef`. */
  readonly logAlpha: tf.Variable;
  readonly autoEntCoef: boolean;
  readonly targetEntropy: number;
  readonly actorOptimizer: Adam;
  readonly criticOptimizer: Adam;
  protected readonly statNames = ['critic_loss', 'actor_loss', 'ent_coef', 'ent_coef_loss', 'q_values'] as const;

  private readonly actorVars: tf.Variable[];
  private readonly criticVars: tf.Variable[];
  private readonly targetVars: tf.Variable[];

  constructor(options: SACOptions<E>) {
    super(normaliseEntCoefOption(options) as unknown as AlgorithmOptions);
    assertBoxActions('SAC', this.actionSpace);
    const hp = this.hyperparameters;
    const inDim = this.obsEncoder.inputDim;
    const { auto, init } = parseEntCoef(hp.entCoef, hp.entCoefInit);
    this.autoEntCoef = auto;
    this.targetEntropy = hp.targetEntropy ?? -this.actDim;
    const act = hp.activation;
    const actorOut = hp.useSde ? this.actDim : 2 * this.actDim;
    this.actor = new Mlp({
      inputDim: inDim,
      hiddenSizes: hp.netArch,
      outputDim: actorOut,
      activation: act,
      rng: this.rng,
      name: 'sac/actor',
    });
    torchDefaultInit(this.actor, this.rng);
    if (hp.useSde) {
      const latentDim = this.actor.lastHiddenDim;
      const shape = [latentDim, hp.fullStd ? this.actDim : 1];
      this.logStd = tf.tidy(() => tf.variable(tf.fill(shape, hp.logStdInit), true, uniqueName('sac/log_std')));
      this.sdeNoise = new StateDependentNoise(latentDim, this.actDim);
      const noise = this.sdeNoise;
      this.sdeExploration = {
        sampleFreq: hp.sdeSampleFreq,
        atWarmup: hp.useSdeAtWarmup,
        reset: (nEnvs) => noise.reset(this.rng.tfSeed(), nEnvs),
      };
    }
    const qIn = inDim + this.actDim;
    this.critic = new TwinQ({ inputDim: qIn, hiddenSizes: hp.netArch, activation: act, rng: this.rng, name: 'sac/critic' });
    torchDefaultInit(this.critic.q1, this.rng);
    torchDefaultInit(this.critic.q2, this.rng);
    this.criticTarget = new TwinQ({ inputDim: qIn, hiddenSizes: hp.netArch, activation: act, rng: this.rng, name: 'sac/critic_target' });
    this.actorVars = this.logStd ? [...this.actor.trainableVariables, this.logStd] : this.actor.trainableVariables;
    this.criticVars = this.critic.trainableVariables;
    this.targetVars = this.criticTarget.trainableVariables;
    hardUpdate(this.targetVars, this.criticVars);
    this.logAlpha = tf.tidy(() => tf.variable(tf.tensor1d([Math.log(init === 0 ? 1 : init)]), auto, uniqueName('sac/log_ent_coef')));
    const lr = this.scheduleValue('learningRate');
    this.actorOptimizer = new Adam(auto ? [...this.actorVars, this.logAlpha] : this.actorVars, { lr });
    this.criticOptimizer = new Adam(this.criticVars, { lr });
    this.fixedAlpha = auto ? undefined : init;
  }

  private readonly fixedAlpha: number | undefined;

  protected override optimizers() {
    return { actor: this.actorOptimizer, critic: this.criticOptimizer };
  }

  protected override networks(): Record<string, NetworkState> {
    return {
      actor: this.actor,
      critic: this.critic,
      criticTarget: this.criticTarget,
      logEntCoef: this.logAlpha,
      ...(this.logStd ? { logStd: this.logStd } : {}),
    };
  }

  /** The current entropy coefficient α (one read). */
  get entCoef(): number {
    if (this.fixedAlpha !== undefined) return this.fixedAlpha;
    return Math.exp(this.logAlpha.dataSync()[0] as number);
  }

  /** mean, clipped log std and a reparameterised sample of the squashed Gaussian (inside a tidy/tape). */
  private policy(out: tf.Tensor2D, seed: number): { action: tf.Tensor2D; logProb: tf.Tensor1D } {
    const [mean, rawLogStd] = tf.split(out, 2, 1) as [tf.Tensor2D, tf.Tensor2D];
    const logStd = tf.clipByValue(rawLogStd, LOG_STD_MIN, LOG_STD_MAX);
    const eps = tf.randomNormal(mean.shape, 0, 1, 'float32', seed) as tf.Tensor2D;
    const u = tf.add(mean, tf.mul(tf.exp(logStd), eps)) as tf.Tensor2D;
    return { action: tf.tanh(u), logProb: squashedGaussianLogProb(eps, logStd, u) };
  }

  /**
   * gSDE: the squashed state-dependent-noise distribution of a batch from the actor's output and
   * latent features (inside a tidy/tape); the mean is clipped to ±clipMean first (SB3's Hardtanh).
   */
  private sdeDistribution(out: tf.Tensor2D, latent: tf.Tensor2D): SquashedStateDependentNoiseDistribution {
    const hp = this.hyperparameters;
    const mean = hp.clipMean > 0 ? (tf.clipByValue(out, -hp.clipMean, hp.clipMean) as tf.Tensor2D) : out;
    return new SquashedStateDependentNoiseDistribution(mean, this.logStd as tf.Tensor as tf.Tensor2D, latent, {
      useExpln: hp.useExpln,
      learnFeatures: hp.learnFeatures,
    });
  }

  /** gSDE: action and log-probability of a batch with no tape (acting and critic targets). */
  private sdePolicyNoGrad(obs: tf.Tensor2D, weights: tf.Tensor2D | tf.Tensor3D): { action: tf.Tensor2D; logProb: tf.Tensor1D } {
    const { hidden, out } = forwardNoGradWithHidden(this.actor, obs, this.hyperparameters.activation);
    const { action, logProb } = this.sdeDistribution(out, hidden).sampleWithLogProb(weights);
    return { action, logProb };
  }

  protected override extraTrainScalars(): Record<string, number> {
    if (!this.logStd) return {};
    // SB3 logs the mean σ of the exploration weights under gSDE.
    const m = tf.tidy(() => tf.mean(gsdeStdMatrix(this.logStd as tf.Tensor as tf.Tensor2D, this.actDim, this.hyperparameters.useExpln)));
    const v = m.dataSync()[0] as number;
    m.dispose();
    return { 'train/std': v };
  }

  protected policyActions(rows: Float32Array, deterministic: boolean): Float32Array {
    const obs = this.encode(rows);
    const inDim = this.obsEncoder.inputDim;
    const b = obs.length / inDim;
    const noise = this.sdeNoise;
    if (noise) {
      if (!deterministic && noise.numMatrices === 0) noise.reset(this.rng.tfSeed(), 1);
      const a = tf.tidy(() => {
        const x = tf.tensor2d(obs, [b, inDim]);
        const { hidden, out } = forwardNoGradWithHidden(this.actor, x, this.hyperparameters.activation);
        const dist = this.sdeDistribution(out, hidden);
        return deterministic ? dist.mode() : dist.sample(noise.weightsFor(b));
      });
      const data = a.dataSync() as Float32Array;
      a.dispose();
      return data;
    }
    const seed = deterministic ? 0 : this.rng.tfSeed();
    const a = tf.tidy(() => {
      const out = forwardNoGrad(this.actor, tf.tensor2d(obs, [b, inDim]), this.hyperparameters.activation);
      if (deterministic) return tf.tanh(tf.slice(out, [0, 0], [b, this.actDim]));
      return this.policy(out, seed).action;
    });
    const data = a.dataSync() as Float32Array;
    a.dispose();
    return data;
  }

  protected gradientStep(batch: OffPolicyBatch): GradientStepResult {
    const act = this.hyperparameters.activation;
    const obs = batch.obs as tf.Tensor2D;
    const nextObs = batch.nextObs as tf.Tensor2D;
    const actions = batch.actions as tf.Tensor2D;
    const noise = this.sdeNoise;
    // gSDE: new exploration weights before every gradient step, one matrix for the whole batch
    // (SB3's actor.reset_noise()), used for both a' ~ π(s') and a ~ π(s).
    if (noise) noise.reset(this.rng.tfSeed(), 1);
    const weights = noise?.weightsFor(1);
    const seedNext = noise ? 0 : this.rng.tfSeed();
    const seedPi = noise ? 0 : this.rng.tfSeed();
    const alpha: tf.Tensor | number = this.fixedAlpha ?? tf.exp(this.logAlpha);
    // --- critic target (no tape)
    const target = tf.tidy(() => {
      const next = weights ? this.sdePolicyNoGrad(nextObs, weights) : this.policy(forwardNoGrad(this.actor, nextObs, act), seedNext);
      const x2 = tf.concat([nextObs, next.action], 1);
      const nextQ1 = tf.reshape(forwardNoGrad(this.criticTarget.q1, x2, act), [-1]) as tf.Tensor1D;
      const nextQ2 = tf.reshape(forwardNoGrad(this.criticTarget.q2, x2, act), [-1]) as tf.Tensor1D;
      return sacCriticTarget({
        rewards: batch.rewards,
        bootstrapCoef: batch.bootstrapCoef,
        nextQ1,
        nextQ2,
        nextLogProb: next.logProb,
        alpha: alpha as tf.Scalar | number,
      });
    });
    // --- critic update
    const x = tf.concat([obs, actions], 1);
    let meanQ: tf.Scalar | undefined;
    const critic = tf.variableGrads(() => {
      const q1 = tf.reshape(forwardTrainable(this.critic.q1, x, act), [-1]) as tf.Tensor1D;
      const q2 = tf.reshape(forwardTrainable(this.critic.q2, x, act), [-1]) as tf.Tensor1D;
      meanQ = tf.keep(tf.mean(q1) as tf.Scalar);
      return criticLoss([q1, q2], target);
    }, this.criticVars);
    this.criticOptimizer.step(this.criticVars.map((v) => critic.grads[v.name] as tf.Tensor));
    tf.dispose(Object.values(critic.grads));
    tf.dispose([x, target]);
    // --- actor (+ temperature) update, through the updated critics
    let actorLoss: tf.Scalar | undefined;
    let tempLoss: tf.Scalar | undefined;
    const actorVars = this.actorOptimizer.variables;
    const actor = tf.variableGrads(() => {
      let pi: { action: tf.Tensor2D; logProb: tf.Tensor1D };
      if (weights) {
        const { hidden, out } = this.actor.applyWithHidden(obs, { inputGrad: false });
        pi = this.sdeDistribution(out, hidden).sampleWithLogProb(weights);
      } else {
        pi = this.policy(forwardTrainable(this.actor, obs, act), seedPi);
      }
      const xa = tf.concat([obs, pi.action], 1);
      const q1 = tf.reshape(forwardInputGradOnly(this.critic.q1, xa, act), [-1]) as tf.Tensor1D;
      const q2 = tf.reshape(forwardInputGradOnly(this.critic.q2, xa, act), [-1]) as tf.Tensor1D;
      const lossA = sacActorLoss({ logProb: pi.logProb, q1, q2, alpha: alpha as tf.Scalar | number });
      actorLoss = tf.keep(lossA);
      if (!this.autoEntCoef) return lossA;
      const lossT = sacTemperatureLoss(this.logAlpha, pi.logProb, this.targetEntropy);
      tempLoss = tf.keep(lossT);
      return tf.add(lossA, lossT) as tf.Scalar;
    }, actorVars);
    this.actorOptimizer.step(actorVars.map((v) => actor.grads[v.name] as tf.Tensor));
    tf.dispose(Object.values(actor.grads));
    // --- statistics (kept on the device) and target update
    const stats = tf.tidy(
      () =>
        tf.stack([
          critic.value as tf.Scalar,
          actorLoss as tf.Scalar,
          typeof alpha === 'number' ? tf.scalar(alpha) : tf.reshape(alpha, []),
          tempLoss ?? tf.scalar(0),
          meanQ as tf.Scalar,
        ]) as tf.Tensor1D,
    );
    tf.dispose([critic.value as tf.Scalar, actor.value, actorLoss as tf.Scalar, meanQ as tf.Scalar]);
    if (tempLoss) tempLoss.dispose();
    if (typeof alpha !== 'number') alpha.dispose();
    if ((this.numUpdates + 1) % this.hyperparameters.targetUpdateInterval === 0) {
      polyakUpdate(this.targetVars, this.criticVars, this.hyperparameters.tau);
    }
    return { stats };
  }

  override dispose(): void {
    super.dispose();
    this.sdeNoise?.dispose();
  }
}
