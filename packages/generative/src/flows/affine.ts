/** Elementwise affine bijectors: y = x ⊙ exp(s) + t, and ActNorm (the same map, data-initialised). */
import * as tf from '@tensorflow/tfjs';
import {
  broadcastLogDet,
  checkBatch,
  type ForwardResult,
  type FusedBijector,
  type InverseResult,
  type InverseVjp,
  makeVariable,
} from './bijector';

export interface AffineElementwiseOptions {
  dim: number;
  name?: string;
  /** Initial log-scale s (default 0) and shift t (default 0). */
  logScale?: number[];
  shift?: number[];
}

/**
 * y = x ⊙ exp(s) + t with learned s, t ∈ ℝᵈ. log|det J| = Σ s (the same for every sample);
 * the inverse is x = (y − t) ⊙ exp(−s) with log-determinant −Σ s.
 */
export class AffineElementwise implements FusedBijector {
  readonly name: string;
  readonly dim: number;
  /** s (log-scale) and t (shift). */
  readonly logScale: tf.Variable;
  readonly shift: tf.Variable;
  readonly variables: Record<string, tf.Variable>;
  readonly buffers: Record<string, tf.Variable> = {};

  constructor(options: AffineElementwiseOptions) {
    const { dim } = options;
    this.name = options.name ?? 'affine';
    if (!Number.isInteger(dim) || dim < 1) throw new RangeError(`${this.name}: dim must be a positive integer, got ${dim}`);
    this.dim = dim;
    const s = options.logScale ?? new Array<number>(dim).fill(0);
    const t = options.shift ?? new Array<number>(dim).fill(0);
    if (s.length !== dim || t.length !== dim) {
      throw new RangeError(`${this.name}: logScale and shift must have ${dim} values, got ${s.length} and ${t.length}`);
    }
    this.logScale = makeVariable(s, [dim]);
    this.shift = makeVariable(t, [dim]);
    this.variables = { [`${this.name}/log_scale`]: this.logScale, [`${this.name}/shift`]: this.shift };
  }

  forward(x: tf.Tensor2D): ForwardResult {
    checkBatch(`${this.name}.forward`, x, this.dim);
    return tf.tidy(() => ({
      y: tf.add(tf.mul(x, tf.exp(this.logScale)), this.shift) as tf.Tensor2D,
      logDet: broadcastLogDet(tf.sum(this.logScale), x.shape[0]),
    }));
  }

  inverse(y: tf.Tensor2D): InverseResult {
    checkBatch(`${this.name}.inverse`, y, this.dim);
    return tf.tidy(() => ({
      x: tf.mul(tf.sub(y, this.shift), tf.exp(tf.neg(this.logScale))) as tf.Tensor2D,
      logDet: broadcastLogDet(tf.neg(tf.sum(this.logScale)) as tf.Scalar, y.shape[0]),
    }));
  }

  inverseForVjp(y: tf.Tensor2D): InverseVjp {
    const e = tf.exp(tf.neg(this.logScale)) as tf.Tensor1D;
    const x = tf.mul(tf.sub(y, this.shift), e) as tf.Tensor2D;
    return { x, logDet: tf.neg(tf.sum(this.logScale)) as tf.Scalar, saved: [x, e] };
  }

  inverseBackward(saved: tf.Tensor[], dx: tf.Tensor2D, gLd: tf.Scalar, batch: number, needInputGrad: boolean) {
    const [x, e] = saved as [tf.Tensor2D, tf.Tensor1D];
    // x = (y − t)·e, e = exp(−s): ∂x/∂s = −x, ∂x/∂t = −e; the constant log-det −Σs adds −B·gLd to ds.
    const ds = tf.sub(tf.neg(tf.sum(tf.mul(dx, x), 0)), tf.mul(gLd, batch));
    const dt = tf.neg(tf.mul(tf.sum(dx, 0), e));
    return { dy: needInputGrad ? (tf.mul(dx, e) as tf.Tensor2D) : undefined, dParams: [ds, dt] };
  }

  /** exp(s): the scale applied by `forward`. */
  scale(): Float32Array {
    return tf.tidy(() => tf.exp(this.logScale)).dataSync() as Float32Array;
  }

  dispose(): void {
    this.logScale.dispose();
    this.shift.dispose();
  }
}

export interface ActNormOptions {
  dim: number;
  name?: string;
  /** Added to the std in the data-dependent init (default 1e-6). */
  eps?: number;
}

/**
 * Activation normalisation (Glow, Kingma & Dhariwal 2018): an elementwise affine map whose
 * parameters are set from the first batch it sees so that, in the normalizing direction, that
 * batch comes out with zero mean and unit variance per dimension (t = mean, s = log std).
 * The init flag is a buffer, so a loaded checkpoint is not re-initialised.
 */
export class ActNorm extends AffineElementwise {
  readonly eps: number;
  private readonly initFlag: tf.Variable;

  constructor(options: ActNormOptions) {
    super({ dim: options.dim, name: options.name ?? 'actnorm' });
    this.eps = options.eps ?? 1e-6;
    this.initFlag = makeVariable([0], [1], false);
    this.buffers[`${this.name}/initialized`] = this.initFlag;
  }

  get initialized(): boolean {
    return (this.initFlag.dataSync()[0] as number) > 0;
  }

  initializeFromData(x: tf.Tensor2D): void {
    checkBatch(`${this.name}.initializeFromData`, x, this.dim);
    if (this.initialized) return;
    if (x.shape[0] < 2) throw new RangeError(`${this.name}: data-dependent init needs a batch of at least 2 rows, got ${x.shape[0]}`);
    tf.tidy(() => {
      const { mean, variance } = tf.moments(x, 0);
      const logStd = tf.log(tf.add(tf.sqrt(variance), this.eps));
      this.shift.assign(mean as tf.Tensor1D);
      this.logScale.assign(logStd as tf.Tensor1D);
      this.initFlag.assign(tf.ones([1]));
    });
    const bad = Array.from(this.logScale.dataSync())
      .concat(Array.from(this.shift.dataSync()))
      .some((v) => !Number.isFinite(v));
    if (bad)
      throw new Error(`${this.name}: data-dependent init produced non-finite parameters (does the batch contain NaN or infinite values?)`);
  }

  override dispose(): void {
    super.dispose();
    this.initFlag.dispose();
  }
}
