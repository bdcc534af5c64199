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
  type AlgorithmOptions,
  type CommonOptions,
  type EnvSpecifier,
  type HyperparameterInput,
  OnPolicyAlgorithm,
  type Optimizer,
  type ResolvedHyperparameters,
  RmsProp,
  computeGradients,
  defineHyperparameters,
  explainedVariance,
  gsdeHyperparameters,
  huberLoss,
  normalizationHyperparameters,
  policyHyperparameters,
} from '@tfrl/core';
import { standardize } from './on-policy';

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
  ...policyHyperparameters({ netArch: [64, 64] }),
  sharedNetwork: { type: 'boolean', default: false, doc: 'one trunk with two heads instead of separate networks' },
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
  ...gsdeHyperparameters,
  ...normalizationHyperparameters,
});

export type A2cHp = ResolvedHyperparameters<typeof a2cHyperparameters>;
export type A2COptions<E extends EnvSpecifier = EnvSpecifier> = CommonOptions & { env: E } & HyperparameterInput<typeof a2cHyperparameters>;

export interface A2cTrainStats {
  policyLoss: number;
  valueLoss: number;
  entropyLoss: number;
  loss: number;
  explainedVariance: number;
}

export class A2C<E extends EnvSpecifier = any> extends OnPolicyAlgorithm<A2cHp, E> {
  static override readonly algorithmName: string = 'A2C';
  static override readonly hyperparameterSchema = a2cHyperparameters;

  /** One optimizer over every variable, or [actor, critic] with `criticLearningRate`. */
  readonly optimizerList: Optimizer[];
  lastTrainStats: A2cTrainStats | undefined;
  private readonly groups: tf.Variable[][];

  constructor(options: A2COptions<E>) {
    super(options as unknown as AlgorithmOptions);
    const hp = this.hyperparameters;
    if (hp.criticLearningRate !== null && hp.sharedNetwork) {
      throw new RangeError('A2C: criticLearningRate needs separate networks (sharedNetwork: false)');
    }
    this.groups = hp.criticLearningRate !== null ? [this.policy.actorVariables, this.policy.criticVariables] : [this.policy.variables];
    const lr = this.scheduleValue('learningRate');
    this.optimizerList = this.groups.map((vars, i) => {
      const rate = i === 1 ? (hp.criticLearningRate as number) : lr;
      const maxGradNorm = hp.maxGradNorm ?? undefined;
      return hp.useRmsProp
        ? new RmsProp(vars, { lr: rate, alpha: 0.99, eps: hp.rmsPropEps, maxGradNorm })
        : new Adam(vars, { lr: rate, eps: hp.adamEps, maxGradNorm });
    });
  }

  protected override optimizers(): Record<string, Optimizer> {
    const [main, critic] = this.optimizerList;
    return critic ? { actor: main as Optimizer, critic } : { policy: main as Optimizer };
  }

  /** One gradient step on the current rollout. */
  train(): Record<string, number> {
    const hp = this.hyperparameters;
    const buffer = this.rolloutBuffer as NonNullable<typeof this.rolloutBuffer>;
    (this.optimizerList[0] as Optimizer).lr = this.scheduleValue('learningRate');
    const b = buffer.bufferSize;
    const d = this.policy.obsDim;
    const advRaw = buffer.advantages.subarray(0, b);
    const obsT = tf.tensor2d(buffer.obs.subarray(0, b * d), [b, d]);
    const actT = this.policy.actionTensor(buffer.actions, b);
    const advT = tf.tensor1d(hp.normalizeAdvantage && b > 1 ? standardize(advRaw) : Float32Array.from(advRaw));
    const retT = tf.tensor1d(buffer.returns.subarray(0, b));
    let statsT: tf.Tensor | undefined;
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
      this.groups.flat(),
      { readLoss: false },
    );
    let off = 0;
    this.groups.forEach((g, i) => {
      (this.optimizerList[i] as Optimizer).step(grads.slice(off, off + g.length));
      off += g.length;
    });
    tf.dispose([...grads, obsT, actT, advT, retT]);
    const s = (statsT as tf.Tensor).dataSync();
    (statsT as tf.Tensor).dispose();
    this.numUpdates++;
    const stats: A2cTrainStats = {
      policyLoss: s[0] as number,
      valueLoss: s[1] as number,
      entropyLoss: s[2] as number,
      loss: s[3] as number,
      explainedVariance: explainedVariance(buffer.values.subarray(0, b), buffer.returns.subarray(0, b)),
    };
    this.lastTrainStats = stats;
    return {
      'train/policy_loss': stats.policyLoss,
      'train/value_loss': stats.valueLoss,
      'train/entropy_loss': stats.entropyLoss,
      'train/explained_variance': stats.explainedVariance,
      'train/learning_rate': (this.optimizerList[0] as Optimizer).lr,
    };
  }
}
