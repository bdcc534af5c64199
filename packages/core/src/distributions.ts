/**
 * Batched probability distributions over actions, as policies need them.
 *
 * A distribution does not own its parameter tensors (the caller disposes them) and keeps no
 * tensors of its own, so it needs no `dispose()`. Every method returns new tensors and
 * disposes its intermediates; all are differentiable in the parameters (sampling of the
 * Gaussians is reparameterised: `mean + std * noise`), so they can be used inside
 * `optimizer.minimize` / `tf.variableGrads`.
 *
 * Shapes: a batch of B rows. `logProb` and `entropy` return [B]; `sample` and `mode`
 * return [B] int32 (Categorical) or [B, D] float32 (Gaussians).
 */
import * as tf from '@tensorflow/tfjs';

const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);
const LOG_2 = Math.log(2);
/** Largest float32 below 1 (1 - 2^-24): keeps the Gumbel noise finite. */
const ONE_BELOW = 1 - 2 ** -24;

export type ActionIndices = tf.Tensor1D | ArrayLike<number>;

function toIndexTensor(actions: ActionIndices): tf.Tensor1D {
  if (actions instanceof tf.Tensor) {
    return actions.dtype === 'int32' ? actions : tf.cast(actions, 'int32');
  }
  return tf.tensor1d(Array.from(actions), 'int32');
}

function checkSeed(seed: number, where: string): void {
  if (!Number.isInteger(seed)) {
    throw new TypeError(`${where}: seed must be an integer (use rng.tfSeed()), got ${String(seed)}`);
  }
}

/**
 * log-probabilities with -inf (classes masked by a -inf logit) raised to a large finite
 * negative number, so that p · log p = 0 · (-1e30) = 0 instead of NaN in entropy and KL, and
 * gradients stay finite (a mask via tf.where would need the gradient of Greater, which tfjs
 * lacks).
 */
function finiteLog(logp: tf.Tensor): tf.Tensor {
  return tf.maximum(logp, -1e30);
}

/**
 * Categorical distributions over K classes, one per row of `logits` [B, K] (unnormalised).
 * A logit of -Infinity masks a class (probability 0, never sampled).
 */
export class Categorical {
  readonly logits: tf.Tensor2D;

  constructor(logits: tf.Tensor2D) {
    if (logits.rank !== 2) {
      throw new Error(`Categorical: logits must be rank 2 [batch, classes], got shape [${logits.shape}]`);
    }
    this.logits = logits;
  }

  get batchSize(): number {
    return this.logits.shape[0];
  }

  get numClasses(): number {
    return this.logits.shape[1];
  }

  /** Normalised log-probabilities [B, K]. */
  logProbs(): tf.Tensor2D {
    return tf.tidy(() => tf.logSoftmax(this.logits, 1) as tf.Tensor2D);
  }

  /** Probabilities [B, K]. */
  probs(): tf.Tensor2D {
    return tf.tidy(() => tf.softmax(this.logits, 1) as tf.Tensor2D);
  }

  /**
   * One class per row, int32 [B], by the Gumbel-max trick: argmax(logits + G) with
   * G = -log(-log U), U uniform from a seeded tfjs op (no data leaves the device).
   */
  sample(seed: number): tf.Tensor1D {
    checkSeed(seed, 'Categorical.sample');
    return tf.tidy(() => {
      const u = tf.randomUniform(this.logits.shape, 0, 1, 'float32', seed);
      // Clip away 0 and 1 so that both logs stay finite.
      const uc = tf.clipByValue(u, 1e-20, ONE_BELOW);
      const gumbel = tf.neg(tf.log(tf.neg(tf.log(uc))));
      return tf.argMax(tf.add(this.logits, gumbel), 1) as tf.Tensor1D;
    });
  }

  /** log p(a) for class indices `actions` [B] → [B]. */
  logProb(actions: ActionIndices): tf.Tensor1D {
    return tf.tidy(() => {
      const a = toIndexTensor(actions);
      if (a.shape[0] !== this.batchSize) {
        throw new Error(`Categorical.logProb: ${a.shape[0]} actions for a batch of ${this.batchSize}`);
      }
      // Select with a boolean one-hot mask rather than one-hot · logp (NaN where a masked
      // logit is -inf) or gather (its gradient needs UnsortedSegmentSum, missing on wasm).
      const mask = tf.cast(tf.oneHot(a, this.numClasses), 'bool');
      const logp = tf.logSoftmax(this.logits, 1);
      return tf.sum(tf.where(mask, logp, tf.zerosLike(logp)), 1) as tf.Tensor1D;
    });
  }

  /** -Σ p log p → [B] (nats). */
  entropy(): tf.Tensor1D {
    return tf.tidy(() => {
      const logp = tf.logSoftmax(this.logits, 1);
      const p = tf.exp(logp);
      return tf.neg(tf.sum(tf.mul(p, finiteLog(logp)), 1)) as tf.Tensor1D;
    });
  }

  /** The most probable class per row, int32 [B]. */
  mode(): tf.Tensor1D {
    return tf.tidy(() => tf.argMax(this.logits, 1) as tf.Tensor1D);
  }

  /** KL(this ‖ other) = Σ p (log p - log q) → [B]. */
  klDivergence(other: Categorical): tf.Tensor1D {
    if (other.numClasses !== this.numClasses || other.batchSize !== this.batchSize) {
      throw new Error(
        `Categorical.klDivergence: shapes differ, [${this.logits.shape}] vs [${other.logits.shape}]`,
      );
    }
    return tf.tidy(() => {
      const logp = tf.logSoftmax(this.logits, 1);
      const logq = tf.logSoftmax(other.logits, 1);
      const p = tf.exp(logp);
      return tf.sum(tf.mul(p, tf.sub(finiteLog(logp), finiteLog(logq))), 1) as tf.Tensor1D;
    });
  }
}

/**
 * Independent Gaussians N(mean, exp(logStd)²) per dimension; `mean` [B, D], `logStd` [B, D]
 * or [D] (a state-independent parameter, broadcast over the batch).
 */
export class DiagGaussian {
  readonly mean: tf.Tensor2D;
  readonly logStd: tf.Tensor2D | tf.Tensor1D;

  constructor(mean: tf.Tensor2D, logStd: tf.Tensor2D | tf.Tensor1D) {
    if (mean.rank !== 2) {
      throw new Error(`DiagGaussian: mean must be rank 2 [batch, dim], got shape [${mean.shape}]`);
    }
    const d = mean.shape[1];
    const ok =
      (logStd.rank === 1 && logStd.shape[0] === d) ||
      (logStd.rank === 2 && logStd.shape[0] === mean.shape[0] && logStd.shape[1] === d);
    if (!ok) {
      throw new Error(
        `DiagGaussian: logStd shape [${logStd.shape}] does not fit mean shape [${mean.shape}] ` +
          `(expected [${d}] or [${mean.shape}])`,
      );
    }
    this.mean = mean;
    this.logStd = logStd;
  }

  get batchSize(): number {
    return this.mean.shape[0];
  }

  get dim(): number {
    return this.mean.shape[1];
  }

  /** Standard deviations, broadcast to [B, D]. */
  std(): tf.Tensor2D {
    return tf.tidy(() => tf.broadcastTo(tf.exp(this.logStd), this.mean.shape) as tf.Tensor2D);
  }

  /** Reparameterised sample mean + std·ε, ε ~ N(0, I) from a seeded tfjs op → [B, D]. */
  sample(seed: number): tf.Tensor2D {
    checkSeed(seed, 'DiagGaussian.sample');
    return tf.tidy(() => {
      const eps = tf.randomNormal(this.mean.shape, 0, 1, 'float32', seed);
      return tf.add(this.mean, tf.mul(tf.exp(this.logStd), eps)) as tf.Tensor2D;
    });
  }

  /** Σ_d log N(x_d; μ_d, σ_d) → [B]. */
  logProb(x: tf.Tensor2D): tf.Tensor1D {
    if (x.rank !== 2 || x.shape[0] !== this.batchSize || x.shape[1] !== this.dim) {
      throw new Error(`DiagGaussian.logProb: actions shape [${x.shape}], expected [${this.mean.shape}]`);
    }
    return tf.tidy(() => {
      const z = tf.mul(tf.sub(x, this.mean), tf.exp(tf.neg(this.logStd)));
      const perDim = tf.sub(tf.neg(tf.add(tf.mul(0.5, tf.square(z)), this.logStd)), HALF_LOG_2PI);
      return tf.sum(perDim, 1) as tf.Tensor1D;
    });
  }

  /** Σ_d (½ log 2πe + log σ_d) → [B]. */
  entropy(): tf.Tensor1D {
    return tf.tidy(() => {
      const perDim = tf.add(tf.broadcastTo(this.logStd, this.mean.shape), 0.5 + HALF_LOG_2PI);
      return tf.sum(perDim, 1) as tf.Tensor1D;
    });
  }

  /** The mean (a copy, so the caller may dispose it independently) → [B, D]. */
  mode(): tf.Tensor2D {
    return tf.clone(this.mean);
  }

  /** KL(this ‖ other) = Σ_d [log σ₂/σ₁ + (σ₁² + (μ₁-μ₂)²)/(2σ₂²) - ½] → [B]. */
  klDivergence(other: DiagGaussian): tf.Tensor1D {
    if (other.batchSize !== this.batchSize || other.dim !== this.dim) {
      throw new Error(
        `DiagGaussian.klDivergence: shapes differ, [${this.mean.shape}] vs [${other.mean.shape}]`,
      );
    }
    return tf.tidy(() => {
      const var1 = tf.exp(tf.mul(2, this.logStd));
      const var2 = tf.exp(tf.mul(2, other.logStd));
      const num = tf.add(var1, tf.square(tf.sub(this.mean, other.mean)));
      const perDim = tf.sub(
        tf.add(tf.sub(other.logStd, this.logStd), tf.div(num, tf.mul(2, var2))),
        0.5,
      );
      return tf.sum(tf.broadcastTo(perDim, this.mean.shape), 1) as tf.Tensor1D;
    });
  }
}

/**
 * Σ_d log |d tanh(u_d)/du_d| = Σ_d log(1 - tanh(u_d)²) → [B], the change-of-variables term of
 * a tanh squashing.
 *
 * Without `epsilon` it uses the exact, numerically stable identity
 * log(1 - tanh(u)²) = 2(log 2 - u - softplus(-2u)), finite for any u. With `epsilon` it
 * computes log(1 - tanh(u)² + ε) as in the SAC paper's code (biased, bounded below by log ε).
 */
export function tanhLogAbsDetJacobian(u: tf.Tensor2D, epsilon?: number): tf.Tensor1D {
  return tf.tidy(() => {
    let perDim: tf.Tensor;
    if (epsilon === undefined) {
      perDim = tf.mul(2, tf.sub(tf.sub(LOG_2, u), tf.softplus(tf.mul(-2, u))));
    } else {
      perDim = tf.log(tf.add(tf.sub(1, tf.square(tf.tanh(u))), epsilon));
    }
    return tf.sum(perDim, 1) as tf.Tensor1D;
  });
}

export interface SquashedDiagGaussianOptions {
  /**
   * Actions are clipped to [-1 + clipEpsilon, 1 - clipEpsilon] before atanh in `logProb`
   * (default 1e-6: atanh stays below ≈ 7.25, float32 keeps 1 - 1e-6 distinct from 1).
   */
  clipEpsilon?: number;
  /**
   * `undefined` (default): the stable exact tanh correction 2(log 2 - u - softplus(-2u)).
   * A number ε: log(1 - tanh(u)² + ε) instead, as in the original SAC code.
   */
  jacobianEpsilon?: number;
}

/**
 * a = tanh(u), u ~ N(mean, exp(logStd)²) per dimension: actions in (-1, 1) as SAC uses them.
 * log p(a) = log N(u; μ, σ) - Σ_d log(1 - tanh(u_d)²).
 *
 * The entropy of the squashed distribution has no closed form, so `entropy()` throws; use
 * `-logProb` of samples as an estimate (what SAC does), or `gaussianEntropy()` for the entropy of
 * the Gaussian before squashing.
 */
export class SquashedDiagGaussian {
  readonly gaussian: DiagGaussian;
  readonly clipEpsilon: number;
  readonly jacobianEpsilon: number | undefined;

  constructor(mean: tf.Tensor2D, logStd: tf.Tensor2D | tf.Tensor1D, options: SquashedDiagGaussianOptions = {}) {
    this.gaussian = new DiagGaussian(mean, logStd);
    this.clipEpsilon = options.clipEpsilon ?? 1e-6;
    if (!(this.clipEpsilon > 0 && this.clipEpsilon < 1)) {
      throw new RangeError(`SquashedDiagGaussian: clipEpsilon must be in (0, 1), got ${this.clipEpsilon}`);
    }
    this.jacobianEpsilon = options.jacobianEpsilon;
  }

  get mean(): tf.Tensor2D {
    return this.gaussian.mean;
  }

  get logStd(): tf.Tensor2D | tf.Tensor1D {
    return this.gaussian.logStd;
  }

  /** The pre-tanh Gaussian sample u → [B, D] (reparameterised). */
  samplePreTanh(seed: number): tf.Tensor2D {
    return this.gaussian.sample(seed);
  }

  /** tanh(u), u reparameterised → [B, D] in (-1, 1). */
  sample(seed: number): tf.Tensor2D {
    return tf.tidy(() => tf.tanh(this.gaussian.sample(seed)) as tf.Tensor2D);
  }

  /**
   * A sample and its log-probability computed from the pre-tanh value (exact, no atanh):
   * {action [B, D], logProb [B], preTanh [B, D]}. The caller disposes all three.
   */
  sampleWithLogProb(seed: number): { action: tf.Tensor2D; logProb: tf.Tensor1D; preTanh: tf.Tensor2D } {
    const preTanh = this.gaussian.sample(seed);
    const action = tf.tanh(preTanh) as tf.Tensor2D;
    const logProb = this.logProbFromPre(preTanh);
    return { action, logProb, preTanh };
  }

  /** log p(tanh(u)) from the pre-tanh value u [B, D] → [B]. */
  logProbFromPre(u: tf.Tensor2D): tf.Tensor1D {
    return tf.tidy(() => {
      const base = this.gaussian.logProb(u);
      return tf.sub(base, tanhLogAbsDetJacobian(u, this.jacobianEpsilon)) as tf.Tensor1D;
    });
  }

  /**
   * log p(a) of squashed actions a [B, D]; u = atanh(a) after clipping a to
   * ±(1 - clipEpsilon), so actions at the bounds give a finite value. Prefer `logProbFromPre`
   * when u is known.
   */
  logProb(actions: tf.Tensor2D): tf.Tensor1D {
    return tf.tidy(() => {
      const lim = 1 - this.clipEpsilon;
      const u = tf.atanh(tf.clipByValue(actions, -lim, lim)) as tf.Tensor2D;
      return this.logProbFromPre(u);
    });
  }

  /** Not available in closed form; throws. See the class comment. */
  entropy(): never {
    throw new Error(
      'SquashedDiagGaussian.entropy: the entropy of a tanh-squashed Gaussian has no closed form; ' +
        'estimate it as -logProb of samples (sampleWithLogProb), or use gaussianEntropy() for the ' +
        'entropy before squashing',
    );
  }

  /** Entropy of the Gaussian before the tanh → [B]. */
  gaussianEntropy(): tf.Tensor1D {
    return this.gaussian.entropy();
  }

  /** tanh(mean) → [B, D], the deterministic action. */
  mode(): tf.Tensor2D {
    return tf.tidy(() => tf.tanh(this.gaussian.mean) as tf.Tensor2D);
  }
}
