/**
 * Small training utilities: losses, advantage normalisation, explained variance.
 * Elsewhere: gradient clipping by global norm in `nn/adam.ts`; running mean/variance
 * statistics (`RunningMeanStd`) in `wrappers.ts`.
 */
import * as tf from '@tensorflow/tfjs';

function sameShape(a: tf.Tensor, b: tf.Tensor, where: string): void {
  // Broadcasting [B] against [B, 1] silently gives a [B, B] loss; refuse it.
  if (a.shape.length !== b.shape.length || a.shape.some((d, i) => d !== b.shape[i])) {
    throw new Error(`${where}: pred shape [${a.shape}] and target shape [${b.shape}] differ`);
  }
}

/**
 * Fraction of the variance of `yTrue` that `yPred` explains: 1 - Var[y - ŷ] / Var[y]
 * (population variances, computed in float64). 1 is perfect, 0 is no better than predicting
 * the mean, negative is worse. NaN when Var[y] = 0, as in Stable-Baselines3.
 */
export function explainedVariance(yPred: ArrayLike<number>, yTrue: ArrayLike<number>): number {
  const n = yTrue.length;
  if (yPred.length !== n) {
    throw new Error(`explainedVariance: yPred has ${yPred.length} values but yTrue has ${n}`);
  }
  if (n === 0) return Number.NaN;
  let meanY = 0;
  let meanR = 0;
  for (let i = 0; i < n; i++) {
    meanY += yTrue[i] as number;
    meanR += (yTrue[i] as number) - (yPred[i] as number);
  }
  meanY /= n;
  meanR /= n;
  let varY = 0;
  let varR = 0;
  for (let i = 0; i < n; i++) {
    const dy = (yTrue[i] as number) - meanY;
    const dr = (yTrue[i] as number) - (yPred[i] as number) - meanR;
    varY += dy * dy;
    varR += dr * dr;
  }
  if (varY === 0) return Number.NaN;
  return 1 - varR / varY;
}

/**
 * Mean Huber loss: ½x² where |x| ≤ δ, δ(|x| - ½δ) elsewhere, x = pred - target (as
 * `torch.nn.functional.huber_loss` with reduction 'mean'; for δ = 1 also `smooth_l1_loss`).
 * Shapes must match exactly.
 */
export function huberLoss(pred: tf.Tensor, target: tf.Tensor, delta = 1): tf.Scalar {
  if (!(delta > 0)) throw new RangeError(`huberLoss: delta must be > 0, got ${delta}`);
  sameShape(pred, target, 'huberLoss');
  return tf.tidy(() => {
    const absErr = tf.abs(tf.sub(pred, target));
    // quadratic = min(|x|, δ); loss = ½ q² + δ (|x| - q): equal to the piecewise form,
    // with the gradient clipped to ±δ.
    const quadratic = tf.minimum(absErr, delta);
    const linear = tf.sub(absErr, quadratic);
    return tf.mean(tf.add(tf.mul(0.5, tf.square(quadratic)), tf.mul(delta, linear))) as tf.Scalar;
  });
}

/** Mean squared error mean((pred - target)²). Shapes must match exactly. */
export function mseLoss(pred: tf.Tensor, target: tf.Tensor): tf.Scalar {
  sameShape(pred, target, 'mseLoss');
  return tf.tidy(() => tf.mean(tf.squaredDifference(pred, target)) as tf.Scalar);
}

/**
 * Advantage normalisation (x - mean) / (std + eps) with eps = 1e-8. `std` is the population
 * standard deviation (divides by N, as OpenAI Baselines), so a batch of one gives 0 rather
 * than NaN.
 */
export function normalize(x: tf.Tensor1D, eps = 1e-8): tf.Tensor1D {
  return tf.tidy(() => {
    const { mean, variance } = tf.moments(x);
    return tf.div(tf.sub(x, mean), tf.add(tf.sqrt(variance), eps)) as tf.Tensor1D;
  });
}
