/**
 * Normalizing flows as a stack of bijectors over a base distribution, and the stacks of the
 * papers: an elementwise affine flow, RealNVP (alternating affine couplings) and Glow
 * (blocks of ActNorm → invertible linear (LU) → affine coupling).
 *
 * `layers` are kept in GENERATIVE order: `forward` applies layers[0] first to a latent z, the last
 * layer produces data. Training runs the normalizing direction, data → z, through the layers in
 * reverse, so the "first" layer of a Glow block as the paper draws it (ActNorm, met first by data)
 * is the last of its three entries here.
 */
import * as tf from '@tensorflow/tfjs';
import { type Activation, Rng } from '@tfrl/core';
import { ActNorm, AffineElementwise } from './affine';
import { type BaseDistribution, DiagGaussianBase, StandardNormal } from './base';
import { type Bijector, checkBatch, type ForwardResult, type FusedBijector, type InverseResult, isFused } from './bijector';
import { AffineCoupling } from './coupling';
import { InvertibleLinearLU } from './lu';

export type BaseConfig = { type: 'standard-normal' } | { type: 'diag-gaussian'; mean?: number[]; std?: number[]; trainable?: boolean };

export interface AffineFlowConfig {
  type: 'affine';
  dim: number;
}

export interface CouplingStackConfig {
  dim: number;
  hiddenSizes?: number[];
  activation?: Activation;
  scaleBound?: number;
}

export interface RealNVPConfig extends CouplingStackConfig {
  type: 'realnvp';
  /** Number of coupling layers (masks alternate). */
  numLayers: number;
  /** Put an ActNorm before each coupling (in the normalizing direction) (default false). */
  actNorm?: boolean;
}

export interface GlowConfig extends CouplingStackConfig {
  type: 'glow';
  numBlocks: number;
}

/** Everything needed to rebuild a flow (stored in its checkpoints). */
export type FlowConfig = (AffineFlowConfig | RealNVPConfig | GlowConfig) & { base?: BaseConfig; seed?: number };

/** One entry of a trace: the batch after a layer (or the input), with the layer's name. */
export interface TraceStep {
  name: string;
  values: Float32Array;
}

export function createBase(dim: number, config: BaseConfig = { type: 'standard-normal' }): BaseDistribution {
  if (config.type === 'standard-normal') return new StandardNormal(dim);
  if (config.type === 'diag-gaussian')
    return new DiagGaussianBase({ dim, mean: config.mean, std: config.std, trainable: config.trainable });
  throw new TypeError(`base.type must be 'standard-normal' or 'diag-gaussian', got ${JSON.stringify((config as { type: unknown }).type)}`);
}

export class NormalizingFlow {
  readonly dim: number;
  /** Generative order: latent → data. */
  readonly layers: Bijector[];
  readonly base: BaseDistribution;
  readonly config: FlowConfig;

  constructor(layers: Bijector[], base: BaseDistribution, config: FlowConfig) {
    if (layers.length === 0) throw new RangeError('NormalizingFlow: needs at least one layer');
    const dim = base.dim;
    layers.forEach((l, i) => {
      if (l.dim !== dim) throw new RangeError(`NormalizingFlow: layer ${i} (${l.name}) has dim ${l.dim}, the base has ${dim}`);
    });
    const names = new Set<string>();
    for (const l of layers) {
      if (names.has(l.name)) throw new RangeError(`NormalizingFlow: two layers are named ${l.name}`);
      names.add(l.name);
    }
    this.dim = dim;
    this.layers = layers;
    this.base = base;
    this.config = config;
  }

  /** Latent → data through every layer; logDet = log|det ∂x/∂z|. */
  forward(z: tf.Tensor2D): ForwardResult {
    checkBatch('NormalizingFlow.forward', z, this.dim);
    return tf.tidy(() => {
      let h = z;
      let ld: tf.Tensor1D = tf.zeros([z.shape[0]]);
      for (const layer of this.layers) {
        const r = layer.forward(h);
        h = r.y;
        ld = tf.add(ld, r.logDet) as tf.Tensor1D;
      }
      return { y: h, logDet: ld };
    });
  }

  /** Data → latent through every layer in reverse; logDet = log|det ∂z/∂x|. */
  inverse(x: tf.Tensor2D): InverseResult {
    checkBatch('NormalizingFlow.inverse', x, this.dim);
    return tf.tidy(() => {
      let h = x;
      let ld: tf.Tensor1D | undefined;
      for (let i = this.layers.length - 1; i >= 0; i--) {
        const r = (this.layers[i] as Bijector).inverse(h);
        h = r.x;
        ld = ld ? (tf.add(ld, r.logDet) as tf.Tensor1D) : r.logDet;
      }
      return { x: h, logDet: ld as tf.Tensor1D };
    });
  }

  /** Exact log-density of each row: log p_z(f⁻¹(x)) + log|det ∂f⁻¹/∂x|, [batch]. */
  logProb(x: tf.Tensor2D): tf.Tensor1D {
    return tf.tidy(() => {
      const { x: z, logDet } = this.inverse(x);
      return tf.add(this.base.logProb(z), logDet) as tf.Tensor1D;
    });
  }

  /** Mean negative log-likelihood (nats per sample), the training loss. */
  nll(x: tf.Tensor2D): tf.Scalar {
    return tf.tidy(() => tf.neg(tf.mean(this.logProb(x))) as tf.Scalar);
  }

  /** Whether {@link trainingLoss} can use the single-node fused gradient. */
  get canFuse(): boolean {
    return this.base instanceof StandardNormal && this.layers.every(isFused);
  }

  /**
   * The training loss, mean NLL of `x` (data, no gradient to it), with the same value as `nll`.
   * When every layer has a hand-written VJP and the base is N(0, I) it is ONE custom-gradient node
   * whose backward pass walks the layers itself (≈2–3x fewer kernels than the tape); otherwise `nll`.
   */
  trainingLoss(x: tf.Tensor2D): tf.Scalar {
    checkBatch('NormalizingFlow.trainingLoss', x, this.dim);
    if (!this.canFuse) return this.nll(x);
    const layers = this.layers as FusedBijector[];
    const params = layers.flatMap((l) => Object.values(l.variables));
    const batch = x.shape[0];
    const dim = this.dim;
    const f = tf.customGrad(((...args: unknown[]) => {
      const save = args[args.length - 1] as tf.GradSaveFunc;
      let h = x;
      const saved: tf.Tensor[] = [];
      const savedCount: number[] = new Array(layers.length);
      let ldVec: tf.Tensor1D | undefined;
      let ldConst: tf.Scalar | undefined;
      for (let i = layers.length - 1; i >= 0; i--) {
        const r = (layers[i] as FusedBijector).inverseForVjp(h);
        h = r.x;
        saved.push(...r.saved);
        savedCount[i] = r.saved.length;
        if (r.logDet.rank === 0) ldConst = ldConst ? (tf.add(ldConst, r.logDet) as tf.Scalar) : (r.logDet as tf.Scalar);
        else ldVec = ldVec ? (tf.add(ldVec, r.logDet) as tf.Tensor1D) : (r.logDet as tf.Tensor1D);
      }
      saved.push(h);
      save(saved);
      // −mean(log N(z; 0, I) + Σ logDet)
      let loss = tf.add(tf.mul(tf.sum(tf.square(h)), 0.5 / batch), 0.5 * dim * Math.log(2 * Math.PI)) as tf.Scalar;
      if (ldVec) loss = tf.sub(loss, tf.mean(ldVec)) as tf.Scalar;
      if (ldConst) loss = tf.sub(loss, ldConst) as tf.Scalar;
      return {
        value: loss,
        gradFunc: (dy: tf.Tensor, sv: tf.Tensor[]) => {
          const z = sv[sv.length - 1] as tf.Tensor2D;
          const g = tf.div(dy, batch) as tf.Scalar;
          const gLd = tf.neg(g) as tf.Scalar;
          let dh: tf.Tensor2D | undefined = tf.mul(z, g) as tf.Tensor2D;
          // Saved tensors were pushed from the data-side layer (last index) to layer 0.
          const offsets: number[] = new Array(layers.length);
          let off = 0;
          for (let i = layers.length - 1; i >= 0; i--) {
            offsets[i] = off;
            off += savedCount[i] as number;
          }
          const grads: tf.Tensor[][] = new Array(layers.length);
          for (let i = 0; i < layers.length; i++) {
            const o = offsets[i] as number;
            const r = (layers[i] as FusedBijector).inverseBackward(
              sv.slice(o, o + (savedCount[i] as number)),
              dh as tf.Tensor2D,
              gLd,
              batch,
              i < layers.length - 1,
            );
            grads[i] = r.dParams;
            dh = r.dy;
          }
          const out = grads.flat();
          if (out.length !== params.length) throw new Error(`trainingLoss: ${out.length} gradients for ${params.length} parameters`);
          return out;
        },
      };
    }) as unknown as Parameters<typeof tf.customGrad>[0]);
    return (f as (...a: tf.Tensor[]) => tf.Tensor)(...params) as tf.Scalar;
  }

  /** Mean NLL of a whole data set (row-major), evaluated in chunks without gradients. */
  evaluateNll(data: Float32Array, chunk = 4096): number {
    const n = Math.floor(data.length / this.dim);
    if (n < 1 || n * this.dim !== data.length)
      throw new RangeError(`evaluateNll: data has ${data.length} values, not a multiple of dim ${this.dim}`);
    let sum = 0;
    for (let start = 0; start < n; start += chunk) {
      const m = Math.min(chunk, n - start);
      const s = tf.tidy(() => tf.sum(this.logProb(tf.tensor2d(data.subarray(start * this.dim, (start + m) * this.dim), [m, this.dim]))));
      sum += s.dataSync()[0] as number;
      s.dispose();
    }
    return -sum / n;
  }

  /** `n` samples: z from the base (seeded Rng), pushed through `forward`. */
  sample(n: number, seed: number | Rng): tf.Tensor2D {
    return tf.tidy(() => this.forward(this.base.sample(n, seed)).y);
  }

  /** `sample` read back as a row-major Float32Array. */
  sampleArray(n: number, seed: number | Rng): Float32Array {
    const s = this.sample(n, seed);
    const out = s.dataSync() as Float32Array;
    s.dispose();
    return out;
  }

  /**
   * Intermediate outputs for visualisation. 'inverse': data → latent (the input data, then the
   * batch after each layer in the order data meets them); 'forward': latent → data.
   */
  trace(values: Float32Array, direction: 'inverse' | 'forward' = 'inverse'): TraceStep[] {
    const n = Math.floor(values.length / this.dim);
    if (n < 1 || n * this.dim !== values.length)
      throw new RangeError(`trace: ${values.length} values is not a multiple of dim ${this.dim}`);
    const out: TraceStep[] = [{ name: direction === 'inverse' ? 'data' : 'latent', values: Float32Array.from(values) }];
    let h = tf.tensor2d(values, [n, this.dim]);
    const order = direction === 'inverse' ? [...this.layers].reverse() : this.layers;
    for (const layer of order) {
      const r = direction === 'inverse' ? layer.inverse(h) : layer.forward(h);
      const next = 'x' in r ? r.x : r.y;
      r.logDet.dispose();
      h.dispose();
      h = next;
      out.push({ name: layer.name, values: h.dataSync() as Float32Array });
    }
    h.dispose();
    return out;
  }

  /** Whether some layer still waits for its data-dependent init. */
  get needsDataInit(): boolean {
    return this.layers.some((l) => l instanceof ActNorm && !l.initialized);
  }

  /**
   * Data-dependent init (ActNorm): passes `x` (data) through the layers in the normalizing
   * direction, initialising each layer that needs it from the batch it receives.
   */
  initialize(x: tf.Tensor2D | Float32Array): void {
    const t = x instanceof Float32Array ? tf.tensor2d(x, [x.length / this.dim, this.dim]) : x;
    checkBatch('NormalizingFlow.initialize', t, this.dim);
    let h: tf.Tensor2D = t;
    for (let i = this.layers.length - 1; i >= 0; i--) {
      const layer = this.layers[i] as Bijector;
      layer.initializeFromData?.(h);
      const r = layer.inverse(h);
      r.logDet.dispose();
      if (h !== t) h.dispose();
      h = r.x;
    }
    if (h !== t) h.dispose();
    if (t !== x) t.dispose();
  }

  get trainableVariables(): tf.Variable[] {
    return [...this.layers.flatMap((l) => Object.values(l.variables)), ...Object.values(this.base.variables)];
  }

  /** Every variable and buffer by stable name. */
  namedState(): Record<string, tf.Variable> {
    const out: Record<string, tf.Variable> = {};
    for (const l of this.layers) Object.assign(out, l.variables, l.buffers);
    Object.assign(out, this.base.variables);
    return out;
  }

  /** Copies of every variable and buffer by name; the caller disposes them. */
  getWeights(): Record<string, tf.Tensor> {
    const out: Record<string, tf.Tensor> = {};
    for (const [k, v] of Object.entries(this.namedState())) out[k] = v.clone();
    return out;
  }

  /** Assigns every variable and buffer; each name must be present with the right shape. */
  setWeights(weights: Record<string, tf.Tensor | { shape: number[]; data: Float32Array | Int32Array }>): void {
    for (const [k, v] of Object.entries(this.namedState())) {
      const w = weights[k];
      if (!w) throw new RangeError(`NormalizingFlow.setWeights: missing weight ${k}`);
      if (w.shape.join(',') !== v.shape.join(',')) {
        throw new RangeError(`NormalizingFlow.setWeights: ${k} has shape [${w.shape}], expected [${v.shape}]`);
      }
      tf.tidy(() => v.assign(w instanceof tf.Tensor ? tf.cast(w, 'float32') : tf.tensor(Float32Array.from(w.data), v.shape, 'float32')));
    }
  }

  /** Number of trainable scalars. */
  get numParameters(): number {
    return this.trainableVariables.reduce((a, v) => a + v.size, 0);
  }

  dispose(): void {
    for (const l of this.layers) l.dispose();
    this.base.dispose();
  }
}

function checkPositiveInt(field: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1)
    throw new RangeError(`${field} must be a positive integer, got ${JSON.stringify(v)}`);
  return v;
}

/** y = x ⊙ exp(s) + t over a base distribution (default N(0, I)). */
export class AffineFlow extends NormalizingFlow {
  readonly affine: AffineElementwise;
  constructor(config: Omit<AffineFlowConfig, 'type'> & { base?: BaseConfig }) {
    const dim = checkPositiveInt('AffineFlow: dim', config.dim);
    const affine = new AffineElementwise({ dim, name: 'affine' });
    super([affine], createBase(dim, config.base), { type: 'affine', dim, base: config.base });
    this.affine = affine;
  }

  /** The learned map as the mean and std of the data it models (μ = t, σ = exp(s)) for a N(0, I) base. */
  gaussianParameters(): { mean: number[]; std: number[] } {
    return { mean: Array.from(this.affine.shift.dataSync()), std: Array.from(this.affine.scale()) };
  }
}

function couplingOptions(cfg: CouplingStackConfig) {
  return { hiddenSizes: cfg.hiddenSizes ?? [64, 64], activation: cfg.activation ?? 'tanh', scaleBound: cfg.scaleBound ?? 2 };
}

/** RealNVP: `numLayers` affine couplings with alternating masks (optionally with ActNorm). */
export class RealNVP extends NormalizingFlow {
  constructor(config: Omit<RealNVPConfig, 'type'> & { base?: BaseConfig; seed?: number }) {
    const dim = checkPositiveInt('RealNVP: dim', config.dim);
    const numLayers = checkPositiveInt('RealNVP: numLayers', config.numLayers);
    const seed = config.seed ?? 0;
    const rng = new Rng(seed);
    const opts = couplingOptions(config);
    const normalizingOrder: Bijector[] = [];
    for (let i = 0; i < numLayers; i++) {
      if (config.actNorm) normalizingOrder.push(new ActNorm({ dim, name: `realnvp/${i}/actnorm` }));
      normalizingOrder.push(new AffineCoupling({ dim, parity: (i % 2) as 0 | 1, ...opts, rng, name: `realnvp/${i}/coupling` }));
    }
    super(normalizingOrder.reverse(), createBase(dim, config.base), {
      type: 'realnvp',
      dim,
      numLayers,
      actNorm: Boolean(config.actNorm),
      ...opts,
      base: config.base,
      seed,
    });
  }
}

/** Glow: `numBlocks` × (ActNorm → invertible linear LU → affine coupling) in the normalizing direction. */
export class Glow extends NormalizingFlow {
  constructor(config: Omit<GlowConfig, 'type'> & { base?: BaseConfig; seed?: number }) {
    const dim = checkPositiveInt('Glow: dim', config.dim);
    const numBlocks = checkPositiveInt('Glow: numBlocks', config.numBlocks);
    const seed = config.seed ?? 0;
    const rng = new Rng(seed);
    const opts = couplingOptions(config);
    const normalizingOrder: Bijector[] = [];
    for (let i = 0; i < numBlocks; i++) {
      normalizingOrder.push(new ActNorm({ dim, name: `glow/${i}/actnorm` }));
      normalizingOrder.push(new InvertibleLinearLU({ dim, rng, name: `glow/${i}/lu` }));
      normalizingOrder.push(new AffineCoupling({ dim, parity: (i % 2) as 0 | 1, ...opts, rng, name: `glow/${i}/coupling` }));
    }
    super(normalizingOrder.reverse(), createBase(dim, config.base), { type: 'glow', dim, numBlocks, ...opts, base: config.base, seed });
  }
}

/** Builds the flow a config describes (used to restore checkpoints). */
export function createFlow(config: FlowConfig): NormalizingFlow {
  if (!config || typeof config !== 'object') throw new TypeError('createFlow: config must be an object');
  switch (config.type) {
    case 'affine':
      return new AffineFlow(config);
    case 'realnvp':
      return new RealNVP(config);
    case 'glow':
      return new Glow(config);
    default:
      throw new TypeError(
        `createFlow: type must be 'affine', 'realnvp' or 'glow', got ${JSON.stringify((config as { type: unknown }).type)}`,
      );
  }
}
