/**
 * Invertible linear map ("invertible 1×1 convolution" of Glow, here on vectors) in the LU
 * parameterisation: W = P · L · (U + diag(sign ⊙ exp(log|s|))), with P a fixed permutation,
 * L unit lower-triangular, U strictly upper-triangular and the signs fixed. Then
 * log|det W| = Σ log|s| costs O(d), and W⁻¹ = (U + diag)⁻¹ · L⁻¹ · Pᵀ is exact and differentiable
 * via nilpotent series (N strictly triangular ⇒ Nᵈ = 0, so (I + N)⁻¹ = Σₖ₌₀^{d−1} (−N)ᵏ).
 */
import * as tf from '@tensorflow/tfjs';
import { orthogonalMatrix, type Rng } from '@tfrl/core';
import {
  broadcastLogDet,
  checkBatch,
  type ForwardResult,
  type FusedBijector,
  type InverseResult,
  type InverseVjp,
  makeVariable,
} from './bijector';

/** A = P · L · U with partial pivoting (row-major d×d, float64). Throws on a singular matrix. */
export function luDecompose(a: ArrayLike<number>, d: number): { p: Float64Array; l: Float64Array; u: Float64Array } {
  if (a.length !== d * d) throw new RangeError(`luDecompose: expected ${d * d} values for a ${d}x${d} matrix, got ${a.length}`);
  const u = Float64Array.from(a);
  const l = new Float64Array(d * d);
  const perm = Int32Array.from({ length: d }, (_, i) => i); // row i of U came from row perm[i] of A
  for (let k = 0; k < d; k++) {
    let piv = k;
    for (let i = k + 1; i < d; i++) if (Math.abs(u[i * d + k] as number) > Math.abs(u[piv * d + k] as number)) piv = i;
    if (!(Math.abs(u[piv * d + k] as number) > 1e-12)) throw new RangeError(`luDecompose: matrix is singular (column ${k})`);
    if (piv !== k) {
      for (let j = 0; j < d; j++) {
        const t = u[k * d + j] as number;
        u[k * d + j] = u[piv * d + j] as number;
        u[piv * d + j] = t;
        const s = l[k * d + j] as number;
        l[k * d + j] = l[piv * d + j] as number;
        l[piv * d + j] = s;
      }
      const pt = perm[k] as number;
      perm[k] = perm[piv] as number;
      perm[piv] = pt;
    }
    for (let i = k + 1; i < d; i++) {
      const f = (u[i * d + k] as number) / (u[k * d + k] as number);
      l[i * d + k] = f;
      for (let j = k; j < d; j++) u[i * d + j] = (u[i * d + j] as number) - f * (u[k * d + j] as number);
    }
  }
  for (let i = 0; i < d; i++) l[i * d + i] = 1;
  // Row-permuted A = L·U, i.e. A[perm[i]] = (LU)[i], so A = P·L·U with P[perm[i], i] = 1.
  const p = new Float64Array(d * d);
  for (let i = 0; i < d; i++) p[(perm[i] as number) * d + i] = 1;
  return { p, l, u };
}

export interface InvertibleLinearLUOptions {
  dim: number;
  /** Draws the random rotation W is initialised to (Glow's init). */
  rng: Rng;
  name?: string;
}

/** y = W x per sample (x · Wᵀ on a batch), W in the LU parameterisation; log|det| = Σ log|s|. */
export class InvertibleLinearLU implements FusedBijector {
  readonly name: string;
  readonly dim: number;
  /** Strictly lower / strictly upper parts (the other entries are masked out, so get no gradient). */
  readonly lower: tf.Variable;
  readonly upper: tf.Variable;
  readonly logAbsS: tf.Variable;
  /** Fixed: the permutation matrix P and sign(s). */
  readonly perm: tf.Variable;
  readonly sign: tf.Variable;
  readonly variables: Record<string, tf.Variable>;
  readonly buffers: Record<string, tf.Variable>;
  private readonly lowerMask: tf.Tensor2D;
  private readonly upperMask: tf.Tensor2D;
  private readonly eye: tf.Tensor2D;

  constructor(options: InvertibleLinearLUOptions) {
    const { dim } = options;
    this.name = options.name ?? 'lu';
    if (!Number.isInteger(dim) || dim < 1) throw new RangeError(`${this.name}: dim must be a positive integer, got ${dim}`);
    if (!options.rng) throw new TypeError(`${this.name}: rng (an Rng) is required`);
    this.dim = dim;
    const q = orthogonalMatrix(dim, dim, options.rng);
    const { p, l, u } = luDecompose(q, dim);
    const lower = new Float32Array(dim * dim);
    const upper = new Float32Array(dim * dim);
    const logAbs = new Float32Array(dim);
    const sign = new Float32Array(dim);
    for (let i = 0; i < dim; i++) {
      for (let j = 0; j < dim; j++) {
        if (j < i) lower[i * dim + j] = l[i * dim + j] as number;
        if (j > i) upper[i * dim + j] = u[i * dim + j] as number;
      }
      const s = u[i * dim + i] as number;
      logAbs[i] = Math.log(Math.abs(s));
      sign[i] = s < 0 ? -1 : 1;
    }
    this.lower = makeVariable(lower, [dim, dim]);
    this.upper = makeVariable(upper, [dim, dim]);
    this.logAbsS = makeVariable(logAbs, [dim]);
    this.perm = makeVariable(Float32Array.from(p), [dim, dim], false);
    this.sign = makeVariable(sign, [dim], false);
    this.variables = {
      [`${this.name}/lower`]: this.lower,
      [`${this.name}/upper`]: this.upper,
      [`${this.name}/log_abs_s`]: this.logAbsS,
    };
    this.buffers = { [`${this.name}/perm`]: this.perm, [`${this.name}/sign`]: this.sign };
    const lm = new Float32Array(dim * dim);
    const um = new Float32Array(dim * dim);
    for (let i = 0; i < dim; i++) {
      for (let j = 0; j < dim; j++) {
        if (j < i) lm[i * dim + j] = 1;
        if (j > i) um[i * dim + j] = 1;
      }
    }
    this.lowerMask = tf.tensor2d(lm, [dim, dim]);
    this.upperMask = tf.tensor2d(um, [dim, dim]);
    this.eye = tf.eye(dim) as tf.Tensor2D;
  }

  /** Σ_{k<d} (−N)ᵏ = (I + N)⁻¹ for a nilpotent N. */
  private unitTriangularInverse(n: tf.Tensor2D): tf.Tensor2D {
    let acc: tf.Tensor2D = this.eye;
    let term: tf.Tensor2D = this.eye;
    const negN = tf.neg(n) as tf.Tensor2D;
    for (let k = 1; k < this.dim; k++) {
      term = tf.matMul(term, negN);
      acc = tf.add(acc, term) as tf.Tensor2D;
    }
    return acc;
  }

  /** The parts: N_L (strictly lower), N_U (strictly upper), diag(s) values. */
  private parts(): { nl: tf.Tensor2D; nu: tf.Tensor2D; s: tf.Tensor1D } {
    return {
      nl: tf.mul(this.lower, this.lowerMask) as tf.Tensor2D,
      nu: tf.mul(this.upper, this.upperMask) as tf.Tensor2D,
      s: tf.mul(this.sign, tf.exp(this.logAbsS)) as tf.Tensor1D,
    };
  }

  /** W = P · (I + N_L) · (N_U + diag(s)). */
  weight(): tf.Tensor2D {
    return tf.tidy(() => {
      const { nl, nu, s } = this.parts();
      const uFull = tf.add(nu, tf.mul(this.eye, s)) as tf.Tensor2D;
      return tf.matMul(tf.matMul(this.perm as tf.Tensor2D, tf.add(this.eye, nl) as tf.Tensor2D), uFull);
    });
  }

  /** W⁻¹ = (N_U + diag(s))⁻¹ · (I + N_L)⁻¹ · Pᵀ. */
  inverseWeight(): tf.Tensor2D {
    return tf.tidy(() => this.inverseFromParts(this.parts()));
  }

  private inverseFromParts({ nl, nu, s }: { nl: tf.Tensor2D; nu: tf.Tensor2D; s: tf.Tensor1D }): tf.Tensor2D {
    const sInv = tf.reciprocal(s) as tf.Tensor1D;
    // (D + N_U)⁻¹ = (I + D⁻¹N_U)⁻¹ · D⁻¹
    const uInv = tf.mul(this.unitTriangularInverse(tf.mul(tf.reshape(sInv, [this.dim, 1]), nu) as tf.Tensor2D), sInv) as tf.Tensor2D;
    const lInv = this.unitTriangularInverse(nl);
    return tf.matMul(tf.matMul(uInv, lInv), tf.transpose(this.perm) as tf.Tensor2D);
  }

  inverseForVjp(y: tf.Tensor2D): InverseVjp {
    const parts = this.parts();
    const a = this.inverseFromParts(parts); // A = W⁻¹
    const pl = tf.matMul(this.perm as tf.Tensor2D, tf.add(this.eye, parts.nl) as tf.Tensor2D);
    const uFull = tf.add(parts.nu, tf.mul(this.eye, parts.s)) as tf.Tensor2D;
    const x = tf.matMul(y, tf.transpose(a)) as tf.Tensor2D;
    return { x, logDet: tf.neg(tf.sum(this.logAbsS)) as tf.Scalar, saved: [y, a, pl, uFull, parts.s] };
  }

  inverseBackward(saved: tf.Tensor[], dx: tf.Tensor2D, gLd: tf.Scalar, batch: number, needInputGrad: boolean) {
    const [y, a, pl, uFull, s] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor1D];
    // x_b = A y_b ⇒ dA = dxᵀ·y, dy = dx·A; A = W⁻¹ ⇒ dW = −Aᵀ·dA·Aᵀ; W = PL·U ⇒ dU = PLᵀ·dW,
    // d(I + N_L) = Pᵀ·dW·Uᵀ; s = sign·exp(log|s|) ⇒ dlog|s| = diag(dU)·s, minus B·gLd from the log-det.
    const aT = tf.transpose(a) as tf.Tensor2D;
    const dA = tf.matMul(tf.transpose(dx) as tf.Tensor2D, y);
    const dW = tf.neg(tf.matMul(tf.matMul(aT, dA), aT)) as tf.Tensor2D;
    const dU = tf.matMul(tf.transpose(pl) as tf.Tensor2D, dW);
    const dLfull = tf.matMul(tf.matMul(tf.transpose(this.perm) as tf.Tensor2D, dW), tf.transpose(uFull) as tf.Tensor2D);
    const dLower = tf.mul(dLfull, this.lowerMask);
    const dUpper = tf.mul(dU, this.upperMask);
    const dDiag = tf.sum(tf.mul(dU, this.eye), 0);
    const dLogAbs = tf.sub(tf.mul(dDiag, s), tf.mul(gLd, batch));
    return { dy: needInputGrad ? (tf.matMul(dx, a) as tf.Tensor2D) : undefined, dParams: [dLower, dUpper, dLogAbs] };
  }

  forward(x: tf.Tensor2D): ForwardResult {
    checkBatch(`${this.name}.forward`, x, this.dim);
    return tf.tidy(() => ({
      y: tf.matMul(x, tf.transpose(this.weight())) as tf.Tensor2D,
      logDet: broadcastLogDet(tf.sum(this.logAbsS), x.shape[0]),
    }));
  }

  inverse(y: tf.Tensor2D): InverseResult {
    checkBatch(`${this.name}.inverse`, y, this.dim);
    return tf.tidy(() => ({
      x: tf.matMul(y, tf.transpose(this.inverseWeight())) as tf.Tensor2D,
      logDet: broadcastLogDet(tf.neg(tf.sum(this.logAbsS)) as tf.Scalar, y.shape[0]),
    }));
  }

  dispose(): void {
    for (const v of [this.lower, this.upper, this.logAbsS, this.perm, this.sign]) v.dispose();
    this.lowerMask.dispose();
    this.upperMask.dispose();
    this.eye.dispose();
  }
}
