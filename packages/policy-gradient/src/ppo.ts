/**
 * Proximal Policy Optimization (Schulman et al. 2017, https://arxiv.org/abs/1707.06347).
 *
 * Each update runs `nEpochs` passes of minibatch gradient steps over the last rollout on
 *
 *   L = −E[min(r·A, clip(r, 1 − ε, 1 + ε)·A)] + c_vf·E[(R − V)²] − c_ent·E[H(π)],
 *   r = π(a|s) / π_old(a|s),
 *
 * with GAE(λ) advantages normalised per minibatch, optional value clipping, the adaptive
 * KL-penalty variant of the paper's section 4 (`lossType: 'adaptive_kl'`), and, as SB3, an early
 * stop of the epochs when the approximate KL of a minibatch exceeds 1.5 × `targetKl` — checked
 * before that minibatch's optimizer step. Rollouts, GAE and normalisation come from
 * `OnPolicyAlgorithm`. Hyperparameter names and defaults follow Stable-Baselines3.
 */
import * as tf from '@tensorflow/tfjs';
import {
  Adam,
  type AlgorithmOptions,
  type CommonOptions,
  type EnvSpecifier,
  type HyperparameterInput,
  OnPolicyAlgorithm,
  type ResolvedHyperparameters,
  type RolloutMinibatch,
  computeGradients,
  defineHyperparameters,
  explainedVariance,
  gsdeHyperparameters,
  normalizationHyperparameters,
  policyHyperparameters,
} from '@tfrl/core';
import { fusedPpoLoss } from '@tfrl/core/internal';
import { standardize } from './on-policy';

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
  ...policyHyperparameters({ netArch: [64, 64] }),
  sharedNetwork: { type: 'boolean', default: false, doc: 'one trunk with two heads instead of separate networks' },
  ...gsdeHyperparameters,
  adamEps: { type: 'number', default: 1e-5, exclusiveMin: 0, doc: 'Adam ε (SB3 PPO uses 1e-5)' },
  ...normalizationHyperparameters,
});

export type PpoHp = ResolvedHyperparameters<typeof ppoHyperparameters>;
export type PPOOptions<E extends EnvSpecifier = EnvSpecifier> = CommonOptions & { env: E } & HyperparameterInput<typeof ppoHyperparameters>;

interface MinibatchTensors {
  obs: tf.Tensor2D;
  actions: tf.Tensor;
  advantages: tf.Tensor1D;
  oldLogProbs: tf.Tensor1D;
  returns: tf.Tensor1D;
  oldValues: tf.Tensor1D;
}

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

/** Value loss E[(R − V̂)²], V̂ = V, or clipped around the old value: V_old + clip(V − V_old, ±ε_vf). */
export function ppoValueLoss(values: tf.Tensor1D, oldValues: tf.Tensor1D, returns: tf.Tensor1D, clipRangeVf: number | null): tf.Scalar {
  const v = clipRangeVf === null ? values : tf.add(oldValues, tf.clipByValue(tf.sub(values, oldValues), -clipRangeVf, clipRangeVf));
  return tf.mean(tf.square(tf.sub(returns, v))) as tf.Scalar;
}

export class PPO<E extends EnvSpecifier = any> extends OnPolicyAlgorithm<PpoHp, E> {
  static override readonly algorithmName: string = 'PPO';
  static override readonly hyperparameterSchema = ppoHyperparameters;

  readonly optimizer: Adam;
  /** Adaptive KL-penalty coefficient β (lossType 'adaptive_kl'). */
  klCoef: number;
  lastTrainStats: PpoTrainStats | undefined;

  constructor(options: PPOOptions<E>) {
    super(options as unknown as AlgorithmOptions);
    const hp = this.hyperparameters;
    this.optimizer = new Adam(this.policy.trainableVariables, {
      lr: this.scheduleValue('learningRate'),
      eps: hp.adamEps,
      maxGradNorm: hp.maxGradNorm ?? undefined,
    });
    this.klCoef = hp.klCoefInit;
  }

  protected override optimizers() {
    return { policy: this.optimizer };
  }

  protected override extraState() {
    return { klCoef: this.klCoef };
  }

  protected override loadExtraState(extra: Record<string, unknown>): void {
    if (typeof extra.klCoef === 'number') this.klCoef = extra.klCoef;
  }

  /** The minibatch as tensors (the caller disposes them). */
  private minibatchTensors(mb: RolloutMinibatch): MinibatchTensors {
    const b = mb.batchSize;
    const d = this.policy.obsDim;
    const adv = mb.advantages.subarray(0, b);
    return {
      obs: tf.tensor2d(mb.obs.subarray(0, b * d), [b, d]),
      actions: this.policy.actionTensor(mb.actions, b),
      advantages: tf.tensor1d(this.hyperparameters.normalizeAdvantage && b > 1 ? standardize(adv) : adv),
      oldLogProbs: tf.tensor1d(mb.oldLogProbs.subarray(0, b)),
      returns: tf.tensor1d(mb.returns.subarray(0, b)),
      oldValues: tf.tensor1d(mb.oldValues.subarray(0, b)),
    };
  }

  /** The loss of one minibatch; pushes its kept [pg, vf, entropy loss, approx KL, clip fraction, loss] onto `stats`. */
  private minibatchLoss(t: MinibatchTensors, clipRange: number, stats: tf.Tensor[]): tf.Scalar {
    const hp = this.hyperparameters;
    const { obs, actions, advantages, oldLogProbs, returns, oldValues } = t;
    const attrs = {
      lossType: hp.lossType,
      clipRange,
      clipRangeVf: hp.clipRangeVf,
      entCoef: hp.entCoef,
      vfCoef: hp.vfCoef,
      klCoef: this.klCoef,
    };
    // A Categorical policy on wasm computes this loss and its gradient in one kernel (same values).
    const fused = fusedPpoLoss(
      this.policy,
      obs,
      { actions: actions as tf.Tensor1D, oldLogProbs, advantages, returns, oldValues },
      attrs,
      stats,
    );
    if (fused) return fused;
    const { dist, value } = this.policy.forward(obs);
    const pg = ppoPolicyLoss({
      logProbs: dist.logProb(actions as never),
      oldLogProbs,
      advantages,
      lossType: hp.lossType,
      clipRange,
      klCoef: this.klCoef,
    });
    const vf = ppoValueLoss(value, oldValues, returns, hp.clipRangeVf);
    const entLoss = tf.neg(tf.mean(dist.entropy())) as tf.Scalar;
    const loss = tf.addN([pg.policyLoss, tf.mul(hp.entCoef, entLoss), tf.mul(hp.vfCoef, vf)]) as tf.Scalar;
    stats.push(tf.keep(tf.stack([pg.policyLoss, vf, entLoss, pg.approxKl, pg.clipFraction, loss])));
    return loss;
  }

  /** One PPO update over the current rollout. */
  train(): Record<string, number> {
    const hp = this.hyperparameters;
    const buffer = this.rolloutBuffer as NonNullable<typeof this.rolloutBuffer>;
    if (hp.batchSize > buffer.bufferSize) {
      throw new RangeError(`PPO: batchSize (${hp.batchSize}) is larger than a rollout (nSteps × numEnvs = ${buffer.bufferSize})`);
    }
    this.optimizer.lr = this.scheduleValue('learningRate');
    const clipRange = this.scheduleValue('clipRange');
    const stats: tf.Tensor[] = [];
    let epochs = 0;
    let stop = false;
    for (let epoch = 0; epoch < hp.nEpochs && !stop; epoch++) {
      epochs++;
      for (const mb of buffer.minibatches(hp.batchSize, this.rng)) {
        const kept: tf.Tensor[] = [];
        const t = this.minibatchTensors(mb);
        const { grads } = computeGradients(() => this.minibatchLoss(t, clipRange, kept), this.policy.trainableVariables, {
          readLoss: false,
        });
        tf.dispose(Object.values(t));
        stats.push(...kept);
        // SB3: a minibatch whose approximate KL exceeds 1.5 × targetKl ends the update before its step (one read).
        if (hp.targetKl !== null && ((kept[0] as tf.Tensor).dataSync()[3] as number) > 1.5 * hp.targetKl) {
          tf.dispose(grads);
          stop = true;
          break;
        }
        this.optimizer.step(grads);
        tf.dispose(grads);
        this.numUpdates++;
      }
    }
    // One read for every statistic of the update.
    const mean = tf.tidy(() => tf.mean(tf.stack(stats), 0));
    const m = mean.dataSync() as Float32Array;
    tf.dispose([mean, ...stats]);
    if (hp.lossType === 'adaptive_kl') {
      const kl = m[3] as number;
      if (kl < hp.klTarget / 1.5) this.klCoef /= 2;
      else if (kl > hp.klTarget * 1.5) this.klCoef *= 2;
    }
    const n = buffer.bufferSize;
    const s: PpoTrainStats = {
      policyGradientLoss: m[0] as number,
      valueLoss: m[1] as number,
      entropyLoss: m[2] as number,
      approxKl: m[3] as number,
      clipFraction: m[4] as number,
      loss: m[5] as number,
      explainedVariance: explainedVariance(buffer.values.subarray(0, n), buffer.returns.subarray(0, n)),
      epochs,
      klCoef: hp.lossType === 'adaptive_kl' ? this.klCoef : undefined,
    };
    this.lastTrainStats = s;
    return {
      'train/policy_gradient_loss': s.policyGradientLoss,
      'train/value_loss': s.valueLoss,
      'train/entropy_loss': s.entropyLoss,
      'train/approx_kl': s.approxKl,
      'train/clip_fraction': s.clipFraction,
      'train/loss': s.loss,
      'train/explained_variance': s.explainedVariance,
      'train/learning_rate': this.optimizer.lr,
      'train/clip_range': clipRange,
      ...(s.klCoef !== undefined ? { 'train/kl_coef': s.klCoef } : {}),
    };
  }
}
