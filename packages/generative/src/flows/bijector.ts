/**
 * The bijector interface of tfrl's normalizing flows.
 *
 * Direction convention (as normflows and the course's `f`): `forward` is the GENERATIVE
 * direction, latent → data, and `inverse` the NORMALIZING direction, data → latent, used for
 * exact log-likelihood training: log p(x) = log p_z(f⁻¹(x)) + log|det ∂f⁻¹/∂x|.
 * Both directions take a batch [batch, dim] and return the per-sample log|det J| ([batch]) of
 * the map they apply, so `forward(x).logDet = −inverse(forward(x).y).logDet`.
 */
import * as tf from '@tensorflow/tfjs';

export interface ForwardResult {
  y: tf.Tensor2D;
  /** log|det ∂y/∂x| per sample, [batch]. */
  logDet: tf.Tensor1D;
}

export interface InverseResult {
  x: tf.Tensor2D;
  /** log|det ∂x/∂y| per sample, [batch]. */
  logDet: tf.Tensor1D;
}

export interface Bijector {
  /** Stable name, used as the prefix of its weight names and in error messages. */
  readonly name: string;
  readonly dim: number;
  forward(x: tf.Tensor2D): ForwardResult;
  inverse(y: tf.Tensor2D): InverseResult;
  /** Trainable parameters by stable name (checkpoint keys). */
  readonly variables: Record<string, tf.Variable>;
  /** Non-trainable state by stable name (permutations, signs, init flags); saved in checkpoints. */
  readonly buffers: Record<string, tf.Variable>;
  /**
   * Data-dependent initialisation from a batch arriving in the normalizing direction (the input
   * of `inverse`). Only bijectors that need it implement it; a no-op once initialised.
   */
  initializeFromData?(x: tf.Tensor2D): void;
  dispose(): void;
}

/** What {@link FusedBijector.inverseForVjp} returns. */
export interface InverseVjp {
  x: tf.Tensor2D;
  /** log|det ∂x/∂y|: per sample ([batch]) or, for layers where it does not depend on the input, a scalar. */
  logDet: tf.Tensor1D | tf.Scalar;
  /** Tensors the backward pass needs (saved by the enclosing custom gradient). */
  saved: tf.Tensor[];
}

/**
 * A bijector with a hand-written vector-Jacobian product of its inverse, so that a whole flow's
 * training loss can be ONE custom-gradient node (few kernels, no tape bookkeeping; see
 * `NormalizingFlow.trainingLoss`). Same values as `inverse`; gradients are tested against the tape.
 */
export interface FusedBijector extends Bijector {
  inverseForVjp(y: tf.Tensor2D): InverseVjp;
  /**
   * Given dL/dx and gLd = dL/dlogDet[b] (the same for every sample, a scalar tensor), returns
   * dL/dy (only if `needInputGrad`) and dL/dθ for `Object.values(variables)`, in that order.
   */
  inverseBackward(
    saved: tf.Tensor[],
    dx: tf.Tensor2D,
    gLd: tf.Scalar,
    batch: number,
    needInputGrad: boolean,
  ): { dy: tf.Tensor2D | undefined; dParams: tf.Tensor[] };
}

export function isFused(b: Bijector): b is FusedBijector {
  return typeof (b as FusedBijector).inverseForVjp === 'function' && typeof (b as FusedBijector).inverseBackward === 'function';
}

/** Throws unless `x` is a [batch, dim] tensor. */
export function checkBatch(where: string, x: tf.Tensor, dim: number): void {
  if (x.rank !== 2 || x.shape[1] !== dim) {
    throw new RangeError(`${where}: expected a [batch, ${dim}] tensor, got [${x.shape}]`);
  }
}

/** A [batch] vector holding the same log-determinant `s` (a scalar) for every sample. */
export function broadcastLogDet(s: tf.Scalar, batch: number): tf.Tensor1D {
  return tf.add(tf.zeros([batch]), s) as tf.Tensor1D;
}

/** A float32 variable from values (the staging tensor is disposed). */
export function makeVariable(values: Float32Array | number[], shape: number[], trainable = true): tf.Variable {
  const t = tf.tensor(values instanceof Float32Array ? values : Float32Array.from(values), shape, 'float32');
  const v = tf.variable(t, trainable);
  t.dispose();
  return v;
}
