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
      throw new Error(`Categorical.klDivergence: shapes differ, [${this.logits.shape}] vs [${other.logits.shape}]`);
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
      (logStd.rank === 1 && logStd.shape[0] === d) || (logStd.rank === 2 && logStd.shape[0] === mean.shape[0] && logStd.shape[1] === d);
    if (!ok) {
      throw new Error(
        `DiagGaussian: logStd shape [${logStd.shape}] does not fit mean shape [${mean.shape}] ` + `(expected [${d}] or [${mean.shape}])`,
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
      throw new Error(`DiagGaussian.klDivergence: shapes differ, [${this.mean.shape}] vs [${other.mean.shape}]`);
    }
    return tf.tidy(() => {
      const var1 = tf.exp(tf.mul(2, this.logStd));
      const var2 = tf.exp(tf.mul(2, other.logStd));
      const num = tf.add(var1, tf.square(tf.sub(this.mean, other.mean)));
      const perDim = tf.sub(tf.add(tf.sub(other.logStd, this.logStd), tf.div(num, tf.mul(2, var2))), 0.5);
      return tf.sum(tf.broadcastTo(perDim, this.mean.shape), 1) as tf.Tensor1D;
    });
  }
}

/** `options.clipEpsilon` of a squashed distribution (default 1e-6), checked to lie in (0, 1). */
function squashClipEpsilon(who: string, options: SquashedDiagGaussianOptions): number {
  const eps = options.clipEpsilon ?? 1e-6;
  if (!(eps > 0 && eps < 1)) throw new RangeError(`${who}: clipEpsilon must be in (0, 1), got ${eps}`);
  return eps;
}

/** u = atanh(a) with a clipped to ±(1 − clipEpsilon), so actions at the bounds stay finite. */
function atanhClipped(actions: tf.Tensor2D, clipEpsilon: number): tf.Tensor2D {
  return tf.tidy(() => tf.atanh(tf.clipByValue(actions, -(1 - clipEpsilon), 1 - clipEpsilon)) as tf.Tensor2D);
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
    this.clipEpsilon = squashClipEpsilon('SquashedDiagGaussian', options);
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
    return tf.tidy(() => this.logProbFromPre(atanhClipped(actions, this.clipEpsilon)));
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

// ---------------------------------------------------------------------------- gSDE

/**
 * Identity whose gradient is zero (tfjs has no stop-gradient op): `x` is a constant to the tape.
 */
function detach<T extends tf.Tensor>(x: T): T {
  const f = tf.customGrad(((xIn: tf.Tensor) => ({
    value: tf.clone(xIn),
    gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy),
  })) as unknown as Parameters<typeof tf.customGrad>[0]);
  return (f as (x: tf.Tensor) => tf.Tensor)(x) as T;
}

/**
 * expln(x) = exp(x) for x ≤ 0, log1p(x + ε) + 1 for x > 0 (the gSDE paper's positive map that
 * grows only logarithmically; ε = 1e-6 as SB3, which adds it to avoid log1p of a masked 0).
 * Element-wise, differentiable everywhere (the branch masks are `step`, whose gradient is 0).
 */
export function expln(x: tf.Tensor, epsilon = 1e-6): tf.Tensor {
  return tf.tidy(() => {
    const pos = tf.step(x); // 1 where x > 0, else 0
    const below = tf.mul(tf.exp(tf.minimum(x, 0)), tf.sub(1, pos));
    const above = tf.mul(tf.add(tf.log1p(tf.add(tf.maximum(x, 0), epsilon)), 1), pos);
    return tf.add(below, above);
  });
}

export interface StateDependentNoiseOptions {
  /**
   * Map from the log-std parameter to a standard deviation: `exp` (default) or `expln` (the
   * paper's variant that keeps σ > 0 and grows slowly above 0).
   */
  useExpln?: boolean;
  /**
   * Let gradients of the variance / noise flow into the latent features (default false: the
   * features are detached, as SB3's on-policy policies; SB3's SAC actor learns them).
   */
  learnFeatures?: boolean;
  /** Added to the variance under the square root (default 1e-6, SB3's). */
  epsilon?: number;
}

/**
 * The std matrix of gSDE's exploration weights [latentDim, actDim] from its log-std parameter
 * ([latentDim, actDim], or [latentDim, 1] broadcast over the actions when `fullStd` is false).
 */
export function gsdeStdMatrix(logStd: tf.Tensor2D, actDim: number, useExpln = false): tf.Tensor2D {
  if (logStd.rank !== 2 || (logStd.shape[1] !== actDim && logStd.shape[1] !== 1)) {
    throw new Error(`gsdeStdMatrix: logStd must be [latentDim, ${actDim}] or [latentDim, 1], got [${logStd.shape}]`);
  }
  return tf.tidy(() => {
    const std = (useExpln ? expln(logStd) : tf.exp(logStd)) as tf.Tensor2D;
    if (logStd.shape[1] === actDim) return std;
    // Broadcast by a product (its gradient sums over the broadcast axis).
    return tf.mul(std, tf.ones([logStd.shape[0], actDim])) as tf.Tensor2D;
  });
}

/**
 * generalized State-Dependent Exploration (gSDE, Raffin et al. 2021, https://arxiv.org/abs/2005.05719):
 * the exploration noise is a linear function of the policy's latent features z(s),
 * a = μ(s) + z(s)·E with E ~ N(0, σ²) a [latentDim, actDim] weight matrix held fixed between
 * noise resets, so the noise is a smooth function of the state.
 *
 * Marginally (over E) the action is Gaussian with mean μ(s) and per-dimension variance
 * σ_i(s)² = Σ_j z_j(s)² σ_ji² (+ ε under the square root), which `logProb` and `entropy` use.
 *
 * `mean` [B, D]; `logStd` [L, D] or [L, 1]; `latent` [B, L]. Like the other distributions it owns no
 * tensors. Noise weights are passed to `sample` / `noise` as standard normals ([L, D] shared by
 * the batch, or [B, L, D] one matrix per row); the matrix used is σ ⊙ weights, differentiable in
 * the log-std (the reparameterisation SAC needs). See {@link StateDependentNoise} for the state
 * that keeps them fixed between resets.
 */
export class StateDependentNoiseDistribution {
  readonly mean: tf.Tensor2D;
  readonly logStd: tf.Tensor2D;
  readonly latent: tf.Tensor2D;
  readonly useExpln: boolean;
  readonly learnFeatures: boolean;
  readonly epsilon: number;

  constructor(mean: tf.Tensor2D, logStd: tf.Tensor2D, latent: tf.Tensor2D, options: StateDependentNoiseOptions = {}) {
    if (mean.rank !== 2) throw new Error(`StateDependentNoiseDistribution: mean must be rank 2 [batch, dim], got shape [${mean.shape}]`);
    if (latent.rank !== 2 || latent.shape[0] !== mean.shape[0]) {
      throw new Error(
        `StateDependentNoiseDistribution: latent shape [${latent.shape}] does not fit mean shape [${mean.shape}] (expected [${mean.shape[0]}, latentDim])`,
      );
    }
    const d = mean.shape[1];
    if (logStd.rank !== 2 || logStd.shape[0] !== latent.shape[1] || (logStd.shape[1] !== d && logStd.shape[1] !== 1)) {
      throw new Error(
        `StateDependentNoiseDistribution: logStd shape [${logStd.shape}] does not fit latent [${latent.shape}] and mean [${mean.shape}] ` +
          `(expected [${latent.shape[1]}, ${d}] or [${latent.shape[1]}, 1])`,
      );
    }
    this.mean = mean;
    this.logStd = logStd;
    this.latent = latent;
    this.useExpln = options.useExpln ?? false;
    this.learnFeatures = options.learnFeatures ?? false;
    this.epsilon = options.epsilon ?? 1e-6;
  }

  get batchSize(): number {
    return this.mean.shape[0];
  }

  get dim(): number {
    return this.mean.shape[1];
  }

  get latentDim(): number {
    return this.latent.shape[1];
  }

  /** The latent features as the noise sees them: detached unless `learnFeatures`. */
  private features(): tf.Tensor2D {
    return this.learnFeatures ? this.latent : detach(this.latent);
  }

  /** σ of the exploration weights, [L, D]. */
  stdMatrix(): tf.Tensor2D {
    return gsdeStdMatrix(this.logStd, this.dim, this.useExpln);
  }

  /** Per-action standard deviation sqrt(z² · σ² + ε) → [B, D]. */
  std(): tf.Tensor2D {
    return tf.tidy(() => {
      const z = this.features();
      const variance = tf.matMul(tf.square(z), tf.square(this.stdMatrix()));
      return tf.sqrt(tf.add(variance, this.epsilon)) as tf.Tensor2D;
    });
  }

  /** Σ_d log N(x_d; μ_d, σ_d(s)) → [B]. */
  logProb(x: tf.Tensor2D): tf.Tensor1D {
    if (x.rank !== 2 || x.shape[0] !== this.batchSize || x.shape[1] !== this.dim) {
      throw new Error(`StateDependentNoiseDistribution.logProb: actions shape [${x.shape}], expected [${this.mean.shape}]`);
    }
    return tf.tidy(() => {
      const std = this.std();
      const zs = tf.div(tf.sub(x, this.mean), std);
      const perDim = tf.sub(tf.neg(tf.add(tf.mul(0.5, tf.square(zs)), tf.log(std))), HALF_LOG_2PI);
      return tf.sum(perDim, 1) as tf.Tensor1D;
    });
  }

  /** Σ_d (½ log 2πe + log σ_d(s)) → [B]. */
  entropy(): tf.Tensor1D {
    return tf.tidy(() => tf.sum(tf.add(tf.log(this.std()), 0.5 + HALF_LOG_2PI), 1) as tf.Tensor1D);
  }

  /** The mean (a copy) → [B, D]. */
  mode(): tf.Tensor2D {
    return tf.clone(this.mean);
  }

  /**
   * The exploration noise z(s)·E → [B, D], E = σ ⊙ `weights`, with `weights` standard normals
   * [L, D] (one matrix for the whole batch) or [B, L, D] (row b uses matrix b).
   */
  noise(weights: tf.Tensor2D | tf.Tensor3D): tf.Tensor2D {
    const L = this.latentDim;
    const D = this.dim;
    const ok =
      (weights.rank === 2 && weights.shape[0] === L && weights.shape[1] === D) ||
      (weights.rank === 3 && weights.shape[0] === this.batchSize && weights.shape[1] === L && weights.shape[2] === D);
    if (!ok) {
      throw new Error(
        `StateDependentNoiseDistribution.noise: weights shape [${weights.shape}], expected [${L}, ${D}] or [${this.batchSize}, ${L}, ${D}]`,
      );
    }
    return tf.tidy(() => {
      const z = this.features();
      const e = tf.mul(weights, this.stdMatrix());
      if (weights.rank === 2) return tf.matMul(z, e as tf.Tensor2D) as tf.Tensor2D;
      // Row-wise z_b · E_b as a broadcast product and a sum (no batched matMul).
      return tf.sum(tf.mul(tf.expandDims(z, 2), e), 1) as tf.Tensor2D;
    });
  }

  /** μ(s) + z(s)·E → [B, D] (see {@link noise}). */
  sample(weights: tf.Tensor2D | tf.Tensor3D): tf.Tensor2D {
    return tf.tidy(() => tf.add(this.mean, this.noise(weights)) as tf.Tensor2D);
  }
}

/**
 * gSDE with tanh-squashed actions (SAC): a = tanh(u), u = μ + z·E, and
 * log p(a) = log N(u; μ, σ(s)) − Σ_d log(1 − tanh(u_d)²). Options as {@link SquashedDiagGaussian}.
 */
export class SquashedStateDependentNoiseDistribution {
  readonly base: StateDependentNoiseDistribution;
  readonly clipEpsilon: number;
  readonly jacobianEpsilon: number | undefined;

  constructor(
    mean: tf.Tensor2D,
    logStd: tf.Tensor2D,
    latent: tf.Tensor2D,
    options: StateDependentNoiseOptions & SquashedDiagGaussianOptions = {},
  ) {
    this.base = new StateDependentNoiseDistribution(mean, logStd, latent, options);
    this.clipEpsilon = squashClipEpsilon('SquashedStateDependentNoiseDistribution', options);
    this.jacobianEpsilon = options.jacobianEpsilon;
  }

  get mean(): tf.Tensor2D {
    return this.base.mean;
  }

  /** The pre-tanh sample u = μ + z·E → [B, D]. */
  samplePreTanh(weights: tf.Tensor2D | tf.Tensor3D): tf.Tensor2D {
    return this.base.sample(weights);
  }

  /** tanh(μ + z·E) → [B, D]. */
  sample(weights: tf.Tensor2D | tf.Tensor3D): tf.Tensor2D {
    return tf.tidy(() => tf.tanh(this.base.sample(weights)) as tf.Tensor2D);
  }

  /** A sample with its log-probability from the pre-tanh value (no atanh); the caller disposes all three. */
  sampleWithLogProb(weights: tf.Tensor2D | tf.Tensor3D): { action: tf.Tensor2D; logProb: tf.Tensor1D; preTanh: tf.Tensor2D } {
    const preTanh = this.base.sample(weights);
    const action = tf.tanh(preTanh) as tf.Tensor2D;
    const logProb = this.logProbFromPre(preTanh);
    return { action, logProb, preTanh };
  }

  /** log p(tanh(u)) from u [B, D] → [B]. */
  logProbFromPre(u: tf.Tensor2D): tf.Tensor1D {
    return tf.tidy(() => tf.sub(this.base.logProb(u), tanhLogAbsDetJacobian(u, this.jacobianEpsilon)) as tf.Tensor1D);
  }

  /** log p(a) of squashed actions (u = atanh of a clipped to ±(1 − clipEpsilon)) → [B]. */
  logProb(actions: tf.Tensor2D): tf.Tensor1D {
    return tf.tidy(() => this.logProbFromPre(atanhClipped(actions, this.clipEpsilon)));
  }

  /** Not available in closed form; throws (estimate it as −logProb of samples). */
  entropy(): never {
    throw new Error(
      'SquashedStateDependentNoiseDistribution.entropy: no closed form for a tanh-squashed Gaussian; estimate it as -logProb of samples',
    );
  }

  /** tanh(μ) → [B, D], the deterministic action. */
  mode(): tf.Tensor2D {
    return tf.tidy(() => tf.tanh(this.base.mean) as tf.Tensor2D);
  }
}

/**
 * The exploration weights of gSDE that stay fixed between resets (SB3's `exploration_mat` and
 * `exploration_matrices`), held as standard normals so the weight matrix σ ⊙ ε follows the
 * current log-std. `reset(seed, n)` draws one shared matrix and n per-env matrices; `weightsFor(B)`
 * gives the per-env set when B equals that n > 1, the shared one otherwise (SB3's rule). Owns its
 * tensors: call `dispose()`.
 */
export class StateDependentNoise {
  readonly latentDim: number;
  readonly actDim: number;
  private shared: tf.Tensor2D | undefined;
  private perEnv: tf.Tensor3D | undefined;

  constructor(latentDim: number, actDim: number) {
    for (const [k, v] of [
      ['latentDim', latentDim],
      ['actDim', actDim],
    ] as const) {
      if (!Number.isInteger(v) || v <= 0) throw new RangeError(`StateDependentNoise: ${k} must be a positive integer, got ${v}`);
    }
    this.latentDim = latentDim;
    this.actDim = actDim;
  }

  /** Number of per-env matrices of the last reset (0 before any). */
  get numMatrices(): number {
    return this.perEnv ? this.perEnv.shape[0] : 0;
  }

  /** Draw new weights from a seeded tfjs op: one shared [L, D] matrix and `nEnvs` [L, D] matrices. */
  reset(seed: number, nEnvs = 1): void {
    checkSeed(seed, 'StateDependentNoise.reset');
    if (!Number.isInteger(nEnvs) || nEnvs < 1)
      throw new RangeError(`StateDependentNoise.reset: nEnvs must be a positive integer, got ${nEnvs}`);
    this.dispose();
    const L = this.latentDim;
    const D = this.actDim;
    const [shared, perEnv] = tf.tidy(() => {
      const all = tf.randomNormal([nEnvs + 1, L, D], 0, 1, 'float32', seed);
      return [
        tf.reshape(tf.slice(all, [0, 0, 0], [1, L, D]), [L, D]) as tf.Tensor2D,
        tf.slice(all, [1, 0, 0], [nEnvs, L, D]) as tf.Tensor3D,
      ];
    });
    // Kept, so a reset inside a caller's tidy does not free them.
    this.shared = tf.keep(shared);
    this.perEnv = tf.keep(perEnv);
  }

  /** The weights for a batch of `batchSize` rows (not a copy: do not dispose). Throws before any reset. */
  weightsFor(batchSize: number): tf.Tensor2D | tf.Tensor3D {
    if (!this.shared || !this.perEnv) throw new Error('StateDependentNoise.weightsFor: call reset() first');
    const n = this.perEnv.shape[0];
    return batchSize === 1 || batchSize !== n ? this.shared : this.perEnv;
  }

  dispose(): void {
    this.shared?.dispose();
    this.perEnv?.dispose();
    this.shared = undefined;
    this.perEnv = undefined;
  }
}
