/**
 * Deep Q-Network (Mnih et al. 2015, https://www.nature.com/articles/nature14236) with the Rainbow
 * extensions (Hessel et al. 2018, https://arxiv.org/abs/1710.02298) as independent switches:
 * `double` (van Hasselt et al. 2016), `dueling` (Wang et al. 2016), `prioritized` replay (Schaul
 * et al. 2016), `nStep` returns, `noisy` nets (Fortunato et al. 2018) and `distributional` C51
 * (Bellemare et al. 2017). Names, defaults and the training schedule follow Stable-Baselines3's DQN:
 * `trainFreq` vector steps of collection, then `gradientSteps` updates; the target network is
 * updated every `targetUpdateInterval` env steps (counted per vector step × numEnvs, as SB3).
 *
 * The collection loop, the replay buffer (uniform, prioritized and n-step sampling are the
 * buffer's samplers) and the training schedule are `OffPolicyAlgorithm`'s; DQN writes ε-greedy
 * acting, SB3's `_on_step` (target update, ε schedule) and one gradient step per minibatch.
 */
import * as tf from '@tensorflow/tfjs';
import {
  Adam,
  type AlgorithmOptions,
  Box,
  type CommonOptions,
  type ConvLayerSpec,
  type EnvSpecifier,
  type GradientStepResult,
  type HyperparameterInput,
  type HyperparameterSchema,
  type NetworkState,
  OffPolicyAlgorithm,
  type OffPolicyBatch,
  type ResolvedHyperparameters,
  computeGradients,
  defineHyperparameters,
  hardUpdate,
  offPolicyHyperparameters,
  polyakUpdate,
} from '@tfrl/core';
import { actionMask, categoricalProjection, categoricalSupport, doubleDqnTarget, dqnTarget, linearEpsilon, maskedTdLoss } from './math';
import { QNetwork } from './q-network';

const { actionNoise: _noActionNoise, ...dqnOffPolicyHyperparameters } = offPolicyHyperparameters({
  learningRate: 1e-4,
  learningStarts: 100,
  batchSize: 32,
  tau: 1,
  trainFreq: 4,
  gradientSteps: 1,
});

export const dqnHyperparameters = defineHyperparameters({
  ...dqnOffPolicyHyperparameters,
  targetUpdateInterval: { type: 'integer', default: 10_000, min: 1, doc: 'env steps between target network updates' },
  explorationFraction: { type: 'number', default: 0.1, min: 0, max: 1, doc: 'fraction of training over which ε decays linearly' },
  explorationInitialEps: { type: 'number', default: 1, min: 0, max: 1, doc: 'initial ε of ε-greedy' },
  explorationFinalEps: { type: 'number', default: 0.05, min: 0, max: 1, doc: 'final ε of ε-greedy' },
  maxGradNorm: { type: 'number', default: 10, exclusiveMin: 0, nullable: true, doc: 'global gradient-norm clip (null = off)' },
  netArch: { type: 'number[]', default: [64, 64], min: 1, doc: 'hidden layer sizes (the last one is the head / each dueling stream)' },
  loss: { type: 'enum', values: ['huber', 'mse'], default: 'huber', doc: 'TD loss of scalar DQN (C51 uses cross-entropy)' },
  adamEps: { type: 'number', default: 1e-8, exclusiveMin: 0, doc: 'Adam ε (Rainbow uses 1.5e-4)' },
  double: { type: 'boolean', default: false, doc: 'Double DQN target: online net selects, target net evaluates' },
  dueling: { type: 'boolean', default: false, doc: 'dueling value + mean-subtracted advantage streams' },
  prioritized: { type: 'boolean', default: false, doc: 'proportional prioritized replay with importance weights' },
  alpha: { type: 'number', default: 0.6, min: 0, doc: 'PER priority exponent α' },
  beta0: { type: 'number', default: 0.4, min: 0, max: 1, doc: 'PER importance exponent β, annealed linearly to 1' },
  priorityEps: { type: 'number', default: 1e-6, exclusiveMin: 0, doc: 'PER ε added to |δ|' },
  nStep: { type: 'integer', default: 1, min: 1, doc: 'n-step returns' },
  noisy: { type: 'boolean', default: false, doc: 'factorised Gaussian NoisyLinear head layers (ε can be 0)' },
  sigma0: { type: 'number', default: 0.5, min: 0, doc: 'NoisyNet σ0 (σ init = σ0/√fanIn)' },
  distributional: { type: 'boolean', default: false, doc: 'C51 categorical return distribution' },
  nAtoms: { type: 'integer', default: 51, min: 2, doc: 'C51 atoms' },
  vMin: { type: 'number', default: -10, doc: 'C51 support minimum' },
  vMax: { type: 'number', default: 10, doc: 'C51 support maximum' },
  normalizeImages: { type: 'boolean', default: true, doc: 'scale uint8 image observations by 1/255' },
  cnn: {
    type: 'object',
    default: null,
    nullable: true,
    doc: 'conv torso of image observations: {convs: [{filters, kernelSize, stride, padding?}, ...]} (null: Nature DQN convs)',
  },
});

export type DqnHp = ResolvedHyperparameters<typeof dqnHyperparameters>;
export type DQNOptions<E extends EnvSpecifier = EnvSpecifier> = CommonOptions & { env: E } & HyperparameterInput<typeof dqnHyperparameters>;

/** Rainbow: every extension on, with the paper's settings where they fit small tasks. */
export const rainbowHyperparameters = defineHyperparameters({
  ...dqnHyperparameters,
  double: { ...dqnHyperparameters.double, default: true },
  dueling: { ...dqnHyperparameters.dueling, default: true },
  prioritized: { ...dqnHyperparameters.prioritized, default: true },
  alpha: { ...dqnHyperparameters.alpha, default: 0.5 },
  nStep: { ...dqnHyperparameters.nStep, default: 3 },
  noisy: { ...dqnHyperparameters.noisy, default: true },
  distributional: { ...dqnHyperparameters.distributional, default: true },
  explorationInitialEps: { ...dqnHyperparameters.explorationInitialEps, default: 0 },
  explorationFinalEps: { ...dqnHyperparameters.explorationFinalEps, default: 0 },
  adamEps: { ...dqnHyperparameters.adamEps, default: 1.5e-4 },
});

export class DQN<E extends EnvSpecifier = any> extends OffPolicyAlgorithm<DqnHp, E> {
  static override readonly algorithmName: string = 'DQN';
  static override readonly hyperparameterSchema: HyperparameterSchema = dqnHyperparameters;

  readonly qNet: QNetwork;
  readonly qNetTarget: QNetwork;
  readonly optimizer: Adam;
  /** C51 support (undefined for scalar Q). */
  readonly support: Float32Array | undefined;
  /** Current ε of ε-greedy. */
  explorationRate: number;
  /** Per-step statistics (`train/<name>`); a subclass that adds loss terms lists them here. */
  protected readonly statNames: readonly string[] = ['loss'];

  private readonly supportT: tf.Tensor1D | undefined;
  /** `_n_calls` of SB3: vector steps taken (drives target updates). */
  private nCalls = 0;

  constructor(options: DQNOptions<E>) {
    super(options as unknown as AlgorithmOptions);
    const hp = this.hyperparameters;
    const name = this.algorithmName;
    if (!this.discrete) throw new Error(`${name}: action space must be Discrete, got ${String(this.actionSpace)}`);
    const obsSpace = this.observationSpace;
    const shape = this.obsEncoder.inputShape;
    if (shape.length !== 1 && shape.length !== 3) {
      throw new Error(`${name}: observation Box must be a vector or an [H, W, C] image, got shape [${shape}]`);
    }
    if (hp.distributional && !(hp.vMax > hp.vMin))
      throw new RangeError(`${name}: vMax (${hp.vMax}) must be greater than vMin (${hp.vMin})`);
    const uint8 = obsSpace instanceof Box && obsSpace.dtype === 'uint8';
    const netOpts = {
      obsShape: shape,
      nActions: this.nActions,
      nAtoms: hp.distributional ? hp.nAtoms : 1,
      netArch: hp.netArch,
      dueling: hp.dueling,
      noisy: hp.noisy,
      sigma0: hp.sigma0,
      inputScale: shape.length === 3 && uint8 && hp.normalizeImages ? 1 / 255 : 1,
      convs: this.convSpecs(),
    };
    this.qNet = new QNetwork({ ...netOpts, rng: this.rng, name: 'q' });
    this.qNetTarget = new QNetwork({ ...netOpts, rng: this.rng, name: 'q_target' });
    hardUpdate(this.qNetTarget.trainableVariables, this.qNet.trainableVariables);
    this.optimizer = new Adam(this.qNet.trainableVariables, {
      lr: this.scheduleValue('learningRate'),
      eps: hp.adamEps,
      maxGradNorm: hp.maxGradNorm ?? undefined,
    });
    if (hp.distributional) {
      this.support = categoricalSupport(hp.nAtoms, hp.vMin, hp.vMax);
      this.supportT = tf.keep(tf.tensor1d(this.support));
    }
    this.explorationRate = hp.explorationInitialEps;
  }

  /** The DQN switches pick the buffer unless `replayBufferClass` names one: PER → PrioritizedReplayBuffer, nStep → n-step sampling. */
  protected override replayBufferSpec(): { cls: string; kwargs: Record<string, unknown> } {
    const hp = this.hyperparameters;
    const kwargs: Record<string, unknown> = { nStep: hp.nStep };
    if (hp.prioritized) Object.assign(kwargs, { alpha: hp.alpha, epsilon: hp.priorityEps });
    const cls = hp.replayBufferClass ?? (hp.prioritized ? 'PrioritizedReplayBuffer' : 'ReplayBuffer');
    return { cls, kwargs: { ...kwargs, ...hp.replayBufferKwargs } };
  }

  private convSpecs(): ConvLayerSpec[] | undefined {
    const c = this.hyperparameters.cnn;
    if (c === null) return undefined;
    const convs = (c as { convs?: unknown }).convs;
    if (!Array.isArray(convs) || convs.length === 0) {
      throw new TypeError(
        `${this.algorithmName}: cnn.convs must be a non-empty array of {filters, kernelSize, stride, padding?}, got ${JSON.stringify(convs)}`,
      );
    }
    return convs as ConvLayerSpec[];
  }

  protected override networks(): Record<string, NetworkState> {
    return { qNet: this.qNet, qNetTarget: this.qNetTarget };
  }

  protected override optimizers() {
    return { q: this.optimizer };
  }

  protected override extraState() {
    return { nCalls: this.nCalls, explorationRate: this.explorationRate };
  }

  protected override loadExtraState(extra: Record<string, unknown>): void {
    if (typeof extra.nCalls === 'number') this.nCalls = extra.nCalls;
    if (typeof extra.explorationRate === 'number') this.explorationRate = extra.explorationRate;
  }

  protected override onStateRestored(): void {
    this.qNet.version++;
    this.qNetTarget.version++;
  }

  protected override extraTrainScalars(): Record<string, number> {
    return { 'rollout/exploration_rate': this.explorationRate };
  }

  /** Mean loss of the last training phase. */
  get lastLoss(): number | undefined {
    return this.lastTrainStats?.['train/loss'];
  }

  // ------------------------------------------------------------------ acting

  /** Q-values [B·A] of a batch of compact observations (host evaluation when possible). */
  qValues(obs: Float32Array, options: { noise?: boolean } = {}): Float32Array {
    const x = this.encode(obs);
    const B = x.length / this.obsEncoder.inputDim;
    const noise = options.noise ?? false;
    if (this.qNet.hostCapable) return this.qNet.hostForward(x, B, noise, this.support);
    const q = tf.tidy(() =>
      QNetwork.qValues(this.qNet.forward(tf.tensor(x, [B, ...this.obsEncoder.inputShape]), { noise }), this.supportT),
    );
    const out = q.dataSync() as Float32Array;
    q.dispose();
    return out;
  }

  /**
   * ε-greedy actions (0-based) for a batch, ε = 0 when deterministic. Noisy nets draw fresh noise
   * for each call that evaluates the network, unless deterministic.
   */
  protected policyActions(obs: Float32Array, deterministic: boolean): Int32Array {
    const B = obs.length / this.obsEncoder.compactDim;
    const eps = deterministic ? 0 : this.explorationRate;
    const out = new Int32Array(B);
    let needQ = false;
    for (let i = 0; i < B; i++) {
      if (eps > 0 && this.rng.random() < eps) out[i] = this.rng.integers(0, this.nActions);
      else {
        out[i] = -1;
        needQ = true;
      }
    }
    if (!needQ) return out;
    const noise = !deterministic && this.qNet.noisy;
    if (noise) this.qNet.resetNoise(this.rng);
    const q = this.qValues(obs, { noise });
    const A = this.nActions;
    for (let i = 0; i < B; i++) {
      if (out[i] !== -1) continue;
      let best = 0;
      for (let a = 1; a < A; a++) if ((q[i * A + a] as number) > (q[i * A + best] as number)) best = a;
      out[i] = best;
    }
    return out;
  }

  /** SB3's `_on_step`: target update every targetUpdateInterval env steps, then the ε schedule. */
  protected override onStep(): void {
    const hp = this.hyperparameters;
    this.nCalls++;
    if (this.nCalls % Math.max(Math.floor(hp.targetUpdateInterval / this.env.numEnvs), 1) === 0) this.updateTargetNetwork();
    this.explorationRate = linearEpsilon(hp.explorationInitialEps, hp.explorationFinalEps, hp.explorationFraction, this.progressRemaining);
  }

  /** Target ← online (hard copy when tau = 1, else Polyak averaging); also used by learners that train without env steps (DQfD's pre-training). */
  protected updateTargetNetwork(): void {
    const tau = this.hyperparameters.tau;
    if (tau >= 1) hardUpdate(this.qNetTarget.trainableVariables, this.qNet.trainableVariables);
    else polyakUpdate(this.qNetTarget.trainableVariables, this.qNet.trainableVariables, tau);
    this.qNetTarget.version++;
  }

  // ------------------------------------------------------------------ training

  /** PER β, annealed linearly from beta0 to 1 over training. */
  get beta(): number {
    const b0 = this.hyperparameters.beta0;
    return b0 + (1 - b0) * (1 - this.progressRemaining);
  }

  protected override sampleOptions(): { beta?: number } {
    return { beta: Math.min(1, this.beta) };
  }

  override train(gradientSteps: number): void {
    super.train(gradientSteps);
    this.qNet.version++;
  }

  /**
   * The TD target without gradient: y = r + c·max_a Q'(s', a) (double: Q' at argmax_a Q(s', a)),
   * or for C51 the target distribution of that action projected onto the support. c is
   * discount·(1 − terminated), the buffer's convention.
   */
  protected computeTarget(next: tf.Tensor, rewards: tf.Tensor1D, coef: tf.Tensor1D): tf.Tensor {
    const hp = this.hyperparameters;
    const outT = this.qNetTarget.forward(next);
    if (outT.rank === 2) {
      if (hp.double) return doubleDqnTarget(rewards, coef, this.qNet.forward(next) as tf.Tensor2D, outT as tf.Tensor2D);
      return dqnTarget(rewards, coef, outT as tf.Tensor2D);
    }
    const support = this.supportT as tf.Tensor1D;
    const probsT = tf.softmax(outT); // [B, A, N]
    const qNext = hp.double ? QNetwork.qValues(this.qNet.forward(next), support) : (tf.sum(tf.mul(probsT, support), 2) as tf.Tensor2D);
    const mask = tf.expandDims(tf.cast(tf.oneHot(tf.argMax(qNext, 1), this.nActions), 'float32'), 2);
    const pBest = tf.sum(tf.mul(probsT, mask), 1) as tf.Tensor2D;
    return categoricalProjection(pBest, rewards, coef, this.support as Float32Array);
  }

  /** One gradient step: Huber/MSE TD loss (C51: cross-entropy), importance-weighted under PER. */
  protected gradientStep(batch: OffPolicyBatch): GradientStepResult {
    const hp = this.hyperparameters;
    const B = batch.batchSize;
    if (hp.noisy) {
      this.qNet.resetNoise(this.rng);
      this.qNetTarget.resetNoise(this.rng);
    }
    const mask = tf.tensor2d(actionMask(batch.host.actions, this.nActions), [B, this.nActions]);
    const target = tf.tidy(() => this.computeTarget(batch.nextObs, batch.rewards, batch.bootstrapCoef));
    const weights = batch.weights;
    let perSample: tf.Tensor1D | undefined;
    let lossKept: tf.Tensor | undefined;
    const { grads } = computeGradients(
      () => {
        const out = this.qNet.forward(batch.obs);
        let loss: tf.Scalar;
        if (out.rank === 3) {
          // Cross-entropy between the projected target and the predicted distribution of a.
          const logitsA = tf.sum(tf.mul(out, tf.expandDims(mask, 2)), 1) as tf.Tensor2D;
          const ce = tf.neg(tf.sum(tf.mul(target, tf.logSoftmax(logitsA)), 1)) as tf.Tensor1D;
          if (weights) perSample = tf.keep(ce);
          loss = (weights ? tf.mean(tf.mul(weights, ce)) : tf.mean(ce)) as tf.Scalar;
        } else {
          loss = maskedTdLoss(out as tf.Tensor2D, mask, target as tf.Tensor1D, {
            loss: hp.loss,
            weights,
            onTdError: weights
              ? (td) => {
                  perSample = td;
                }
              : undefined,
          });
        }
        lossKept = tf.keep(tf.reshape(loss, [1])); // the returned loss itself is disposed by variableGrads
        return loss;
      },
      this.qNet.trainableVariables,
      { readLoss: false },
    );
    this.optimizer.step(grads);
    tf.dispose([...grads, mask, target]);
    return { stats: lossKept as tf.Tensor1D, tdErrors: perSample };
  }

  override dispose(): void {
    super.dispose();
    this.supportT?.dispose();
  }
}

export type RainbowOptions<E extends EnvSpecifier = EnvSpecifier> = DQNOptions<E>;

/**
 * Rainbow (Hessel et al. 2018): DQN with double, dueling, prioritized (α 0.5, β 0.4 → 1), 3-step,
 * noisy (σ0 0.5, ε = 0) and C51 (51 atoms) on by default; every switch can still be turned off.
 */
export class Rainbow<E extends EnvSpecifier = any> extends DQN<E> {
  static override readonly algorithmName: string = 'Rainbow';
  static override readonly hyperparameterSchema: HyperparameterSchema = rainbowHyperparameters;
}
