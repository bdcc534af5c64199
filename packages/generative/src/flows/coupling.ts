/**
 * Affine coupling layer (RealNVP, Dinh et al. 2017). With a binary mask m (1 = conditioning
 * dimensions, kept as they are), s and t come from an MLP of m ⊙ x and act on the other
 * dimensions only:  y = x ⊙ exp(s) + t,  s = (1 − m) ⊙ c·tanh(ŝ/c),  t = (1 − m) ⊙ t̂,
 * ŝ and t̂ two linear heads on the MLP's last hidden layer h(m ⊙ x). Since m ⊙ y = m ⊙ x, the
 * inverse is x = (y − t) ⊙ exp(−s) with the same s, t, and log|det J| = Σ s. The scale is
 * soft-clamped to (−c, c) (tanh) for stability, and both heads start at zero, so a new layer is
 * the identity.
 */
import * as tf from '@tensorflow/tfjs';
import {
  type Activation,
  activate,
  activationGradFromOutput,
  assertActivation,
  dense,
  initWeight,
  matMulTA,
  matMulTB,
  type Rng,
  zeros,
} from '@tfrl/core';
import { checkBatch, type ForwardResult, type FusedBijector, type InverseResult, type InverseVjp } from './bijector';

export interface AffineCouplingOptions {
  dim: number;
  /** Which half conditions: parity 0 → the first ⌈d/2⌉ dims, parity 1 → the rest (default 0). */
  parity?: 0 | 1;
  /** Explicit mask (1 = conditioning); overrides `parity`. */
  mask?: number[];
  /** Hidden layer widths (default [64, 64]; at least one). */
  hiddenSizes?: number[];
  /** Hidden activation (default 'elu'). */
  activation?: Activation;
  /** Soft clamp c of the log-scale (default 2). */
  scaleBound?: number;
  /** Zero-initialise the heads so the layer starts at the identity (default true). */
  zeroInit?: boolean;
  rng: Rng;
  name?: string;
}

interface DenseParams {
  w: tf.Variable;
  b: tf.Variable;
}

export class AffineCoupling implements FusedBijector {
  readonly name: string;
  readonly dim: number;
  readonly mask: number[];
  readonly scaleBound: number;
  readonly activation: Activation;
  readonly hidden: DenseParams[];
  readonly headS: DenseParams;
  readonly headT: DenseParams;
  readonly variables: Record<string, tf.Variable>;
  readonly buffers: Record<string, tf.Variable> = {};
  private readonly maskT: tf.Tensor2D;
  private readonly invMaskT: tf.Tensor2D;

  constructor(options: AffineCouplingOptions) {
    const { dim } = options;
    this.name = options.name ?? 'coupling';
    if (!Number.isInteger(dim) || dim < 2) throw new RangeError(`${this.name}: dim must be an integer >= 2, got ${dim}`);
    if (!options.rng) throw new TypeError(`${this.name}: rng (an Rng) is required`);
    this.dim = dim;
    let mask = options.mask;
    if (mask === undefined) {
      const half = Math.ceil(dim / 2);
      const parity = options.parity ?? 0;
      if (parity !== 0 && parity !== 1) throw new RangeError(`${this.name}: parity must be 0 or 1, got ${JSON.stringify(parity)}`);
      mask = Array.from({ length: dim }, (_, i) => (i < half === (parity === 0) ? 1 : 0));
    }
    if (mask.length !== dim || mask.some((v) => v !== 0 && v !== 1) || mask.every((v) => v === 1) || mask.every((v) => v === 0)) {
      throw new RangeError(`${this.name}: mask must be ${dim} values of 0/1 with both present, got ${JSON.stringify(mask)}`);
    }
    this.mask = [...mask];
    this.scaleBound = options.scaleBound ?? 2;
    if (!(this.scaleBound > 0) || !Number.isFinite(this.scaleBound)) {
      throw new RangeError(`${this.name}: scaleBound must be a positive finite number, got ${this.scaleBound}`);
    }
    this.activation = options.activation ?? 'elu';
    assertActivation(this.activation, `${this.name}: activation`);
    const sizes = options.hiddenSizes ?? [64, 64];
    if (!Array.isArray(sizes) || sizes.length === 0 || sizes.some((h) => !Number.isInteger(h) || h < 1)) {
      throw new RangeError(`${this.name}: hiddenSizes must be a non-empty array of positive integers, got ${JSON.stringify(sizes)}`);
    }
    const rng = options.rng;
    this.variables = {};
    this.hidden = [];
    let inDim = dim;
    sizes.forEach((h, i) => {
      const p = { w: initWeight('orthogonal', [inDim, h], rng, Math.SQRT2), b: zeros([h]) };
      this.hidden.push(p);
      this.variables[`${this.name}/net/l${i}/w`] = p.w;
      this.variables[`${this.name}/net/l${i}/b`] = p.b;
      inDim = h;
    });
    const headGain = options.zeroInit === false ? 0.01 : 0;
    this.headS = { w: initWeight('orthogonal', [inDim, dim], rng, headGain), b: zeros([dim]) };
    this.headT = { w: initWeight('orthogonal', [inDim, dim], rng, headGain), b: zeros([dim]) };
    this.variables[`${this.name}/s/w`] = this.headS.w;
    this.variables[`${this.name}/s/b`] = this.headS.b;
    this.variables[`${this.name}/t/w`] = this.headT.w;
    this.variables[`${this.name}/t/b`] = this.headT.b;
    this.maskT = tf.tensor2d(this.mask, [1, dim]);
    this.invMaskT = tf.tensor2d(
      this.mask.map((v) => 1 - v),
      [1, dim],
    );
  }

  /** s (clamped, masked) and t (masked) from the conditioning dimensions of `x` (taped ops). */
  scaleAndShift(x: tf.Tensor2D): { s: tf.Tensor2D; t: tf.Tensor2D } {
    return tf.tidy(() => {
      let h = tf.mul(x, this.maskT) as tf.Tensor2D;
      for (const p of this.hidden) h = dense(h, p.w as tf.Tensor2D, p.b as tf.Tensor1D, this.activation);
      const sRaw = dense(h, this.headS.w as tf.Tensor2D, this.headS.b as tf.Tensor1D);
      const tRaw = dense(h, this.headT.w as tf.Tensor2D, this.headT.b as tf.Tensor1D);
      const c = this.scaleBound;
      const s = tf.mul(tf.mul(tf.tanh(tf.div(sRaw, c)), c), this.invMaskT) as tf.Tensor2D;
      const t = tf.mul(tRaw, this.invMaskT) as tf.Tensor2D;
      return { s, t };
    });
  }

  forward(x: tf.Tensor2D): ForwardResult {
    checkBatch(`${this.name}.forward`, x, this.dim);
    return tf.tidy(() => {
      const { s, t } = this.scaleAndShift(x);
      return { y: tf.add(tf.mul(x, tf.exp(s)), t) as tf.Tensor2D, logDet: tf.sum(s, 1) as tf.Tensor1D };
    });
  }

  inverse(y: tf.Tensor2D): InverseResult {
    checkBatch(`${this.name}.inverse`, y, this.dim);
    return tf.tidy(() => {
      const { s, t } = this.scaleAndShift(y);
      return { x: tf.mul(tf.sub(y, t), tf.exp(tf.neg(s))) as tf.Tensor2D, logDet: tf.neg(tf.sum(s, 1)) as tf.Tensor1D };
    });
  }

  inverseForVjp(y: tf.Tensor2D): InverseVjp {
    const hs: tf.Tensor2D[] = [tf.mul(y, this.maskT) as tf.Tensor2D];
    for (const p of this.hidden) {
      hs.push(activate(tf.add(tf.matMul(hs[hs.length - 1] as tf.Tensor2D, p.w as tf.Tensor2D), p.b) as tf.Tensor2D, this.activation));
    }
    const h = hs[hs.length - 1] as tf.Tensor2D;
    const c = this.scaleBound;
    const th = tf.tanh(tf.div(tf.add(tf.matMul(h, this.headS.w as tf.Tensor2D), this.headS.b), c)) as tf.Tensor2D;
    const s = tf.mul(th, tf.mul(this.invMaskT, c));
    const t = tf.mul(tf.add(tf.matMul(h, this.headT.w as tf.Tensor2D), this.headT.b), this.invMaskT);
    const e = tf.exp(tf.neg(s)) as tf.Tensor2D;
    const x = tf.mul(tf.sub(y, t), e) as tf.Tensor2D;
    return { x, logDet: tf.neg(tf.sum(s, 1)) as tf.Tensor1D, saved: [x, e, th, ...hs] };
  }

  inverseBackward(saved: tf.Tensor[], dx: tf.Tensor2D, gLd: tf.Scalar, _batch: number, needInputGrad: boolean) {
    const [x, e, th, ...hs] = saved as tf.Tensor2D[];
    // x = (y − t)·e, e = exp(−s), log-det = −Σs: dt = −dx·e, ds = −dx·x − gLd, dŝ = ds·(1 − th²) (masked).
    const dxe = tf.mul(dx, e as tf.Tensor2D);
    const dtRaw = tf.neg(tf.mul(dxe, this.invMaskT)) as tf.Tensor2D;
    const ds = tf.sub(tf.neg(tf.mul(dx, x as tf.Tensor2D)), gLd);
    const dsRaw = tf.mul(tf.mul(ds, this.invMaskT), tf.sub(1, tf.square(th as tf.Tensor2D))) as tf.Tensor2D;
    const L = this.hidden.length;
    const hLast = hs[L] as tf.Tensor2D;
    const dParams: tf.Tensor[] = new Array(2 * L + 4);
    dParams[2 * L] = matMulTA(hLast, dsRaw);
    dParams[2 * L + 1] = tf.sum(dsRaw, 0);
    dParams[2 * L + 2] = matMulTA(hLast, dtRaw);
    dParams[2 * L + 3] = tf.sum(dtRaw, 0);
    let dh = tf.add(matMulTB(dsRaw, this.headS.w as tf.Tensor2D), matMulTB(dtRaw, this.headT.w as tf.Tensor2D)) as tf.Tensor2D;
    for (let l = L - 1; l >= 0; l--) {
      const p = this.hidden[l] as DenseParams;
      const dz = activationGradFromOutput(dh, hs[l + 1] as tf.Tensor2D, this.activation);
      dParams[2 * l] = matMulTA(hs[l] as tf.Tensor2D, dz);
      dParams[2 * l + 1] = tf.sum(dz, 0);
      if (l > 0 || needInputGrad) dh = matMulTB(dz, p.w as tf.Tensor2D);
    }
    const dy = needInputGrad ? (tf.add(dxe, tf.mul(dh, this.maskT)) as tf.Tensor2D) : undefined;
    return { dy, dParams };
  }

  dispose(): void {
    for (const p of [...this.hidden, this.headS, this.headT]) {
      p.w.dispose();
      p.b.dispose();
    }
    this.maskT.dispose();
    this.invMaskT.dispose();
  }
}
