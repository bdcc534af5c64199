import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../rng';
import { type Activation, activate, assertActivation } from './dense';
import { type Initializer, initWeight, zeros } from './init';
import { type ApplyOptions, Mlp } from './mlp';
import { registerWasmKernels } from './wasm-kernels';

export interface ConvLayerSpec {
  filters: number;
  kernelSize: number;
  stride: number;
  padding?: 'valid' | 'same';
}

/** Mnih et al. 2015 (Nature DQN): 32×8×8/4, 64×4×4/2, 64×3×3/1, then dense 512. */
export const NATURE_CONVS: readonly ConvLayerSpec[] = [
  { filters: 32, kernelSize: 8, stride: 4 },
  { filters: 64, kernelSize: 4, stride: 2 },
  { filters: 64, kernelSize: 3, stride: 1 },
];

export interface CnnOptions {
  /** [height, width, channels] (NHWC). */
  inputShape: [number, number, number];
  convs?: readonly ConvLayerSpec[];
  /** Dense layers after the flattened conv features (default [512]). */
  hiddenSizes?: number[];
  outputDim: number;
  activation?: Activation;
  outputActivation?: Activation;
  init?: Initializer;
  gain?: number;
  outputGain?: number;
  /** Multiplies the input first (e.g. 1/255 for uint8 frames). Default 1. */
  inputScale?: number;
  rng: Rng;
  name?: string;
}

interface ConvLayer {
  w: tf.Variable;
  b: tf.Variable;
  stride: number;
  padding: 'valid' | 'same';
}

function outSize(n: number, k: number, s: number, padding: 'valid' | 'same'): number {
  return padding === 'same' ? Math.ceil(n / s) : Math.floor((n - k) / s) + 1;
}

/**
 * Convolutional torso + dense head. Trains on wasm: the filter gradient runs through the
 * `Conv2DBackpropFilter` kernel that `registerWasmKernels()` adds (called by the constructor).
 */
export class Cnn {
  readonly name: string;
  readonly inputShape: [number, number, number];
  readonly featureDim: number;
  readonly outputDim: number;
  private readonly convs: ConvLayer[];
  private readonly activation: Activation;
  private readonly inputScale: number;
  readonly head: Mlp;

  constructor(options: CnnOptions) {
    registerWasmKernels();
    const name = options.name ?? 'cnn';
    this.name = name;
    const shape = options.inputShape;
    if (!Array.isArray(shape) || shape.length !== 3 || shape.some((d) => !Number.isInteger(d) || d <= 0)) {
      throw new RangeError(`${name}: inputShape must be [height, width, channels] of positive integers, got ${JSON.stringify(shape)}`);
    }
    this.inputShape = [...shape] as [number, number, number];
    const activation = options.activation ?? 'relu';
    assertActivation(activation, `${name}: activation`);
    this.activation = activation;
    this.inputScale = options.inputScale ?? 1;
    const init = options.init ?? 'orthogonal';
    const gain = options.gain ?? (init === 'orthogonal' ? Math.SQRT2 : 1);
    let [h, w, c] = this.inputShape;
    this.convs = [];
    (options.convs ?? NATURE_CONVS).forEach((spec, i) => {
      const padding = spec.padding ?? 'valid';
      const k = spec.kernelSize;
      if (![spec.filters, k, spec.stride].every((d) => Number.isInteger(d) && d > 0)) {
        throw new RangeError(`${name}: convs[${i}] needs positive integer filters, kernelSize, stride; got ${JSON.stringify(spec)}`);
      }
      const oh = outSize(h, k, spec.stride, padding);
      const ow = outSize(w, k, spec.stride, padding);
      if (oh <= 0 || ow <= 0) throw new RangeError(`${name}: convs[${i}] (kernel ${k}) does not fit its ${h}x${w} input`);
      this.convs.push({
        w: initWeight(init, [k, k, c, spec.filters], options.rng, gain, `${name}/c${i}/w`),
        b: zeros([spec.filters], `${name}/c${i}/b`),
        stride: spec.stride,
        padding,
      });
      [h, w, c] = [oh, ow, spec.filters];
    });
    this.featureDim = h * w * c;
    this.outputDim = options.outputDim;
    this.head = new Mlp({
      inputDim: this.featureDim,
      hiddenSizes: options.hiddenSizes ?? [512],
      outputDim: options.outputDim,
      activation,
      outputActivation: options.outputActivation,
      init,
      gain,
      outputGain: options.outputGain,
      rng: options.rng,
      name: `${name}/head`,
    });
  }

  /** Flattened conv features: [batch, H, W, C] → [batch, featureDim]. */
  features(x: tf.Tensor4D): tf.Tensor2D {
    const [H, W, C] = this.inputShape;
    if (x.rank !== 4 || x.shape[1] !== H || x.shape[2] !== W || x.shape[3] !== C) {
      throw new RangeError(`${this.name}: expected input [batch, ${H}, ${W}, ${C}], got [${x.shape}]`);
    }
    return tf.tidy(() => {
      let h: tf.Tensor4D = this.inputScale === 1 ? x : tf.mul(x, this.inputScale);
      if (h.dtype !== 'float32') h = tf.cast(h, 'float32');
      for (const l of this.convs) {
        if (this.activation === 'relu' || this.activation === 'identity') {
          h = tf.fused.conv2d({
            x: h,
            filter: l.w as tf.Tensor4D,
            strides: l.stride,
            pad: l.padding,
            bias: l.b,
            activation: this.activation === 'relu' ? 'relu' : 'linear',
          });
        } else {
          h = activate(tf.add(tf.conv2d(h, l.w as tf.Tensor4D, l.stride, l.padding), l.b), this.activation);
        }
      }
      return tf.reshape(h, [x.shape[0], this.featureDim]);
    });
  }

  apply(x: tf.Tensor4D, _options: ApplyOptions = {}): tf.Tensor2D {
    return tf.tidy(() => this.head.apply(this.features(x)));
  }

  get trainableVariables(): tf.Variable[] {
    return [...this.convs.flatMap((l) => [l.w, l.b]), ...this.head.trainableVariables];
  }

  get weightNames(): string[] {
    return [...this.convs.flatMap((_, i) => [`${this.name}/c${i}/w`, `${this.name}/c${i}/b`]), ...this.head.weightNames];
  }

  getWeights(): Record<string, tf.Tensor> {
    const out: Record<string, tf.Tensor> = {};
    const vars = this.trainableVariables;
    this.weightNames.forEach((n, i) => {
      out[n] = (vars[i] as tf.Variable).clone();
    });
    return out;
  }

  setWeights(weights: Record<string, tf.Tensor>): void {
    const vars = this.trainableVariables;
    const names = this.weightNames;
    names.forEach((n, i) => {
      const t = weights[n];
      if (!t || t.shape.join(',') !== (vars[i] as tf.Variable).shape.join(',')) {
        throw new RangeError(`${this.name}.setWeights: ${n} missing or not shaped [${(vars[i] as tf.Variable).shape}]`);
      }
    });
    names.forEach((n, i) => (vars[i] as tf.Variable).assign(weights[n] as tf.Tensor));
  }

  copyFrom(other: Cnn): void {
    const src = other.trainableVariables;
    const dst = this.trainableVariables;
    if (src.length !== dst.length || src.some((v, i) => v.shape.join(',') !== (dst[i] as tf.Variable).shape.join(','))) {
      throw new RangeError(`${this.name}.copyFrom(${other.name}): architectures differ`);
    }
    dst.forEach((v, i) => v.assign(src[i] as tf.Variable));
  }

  dispose(): void {
    for (const l of this.convs) {
      l.w.dispose();
      l.b.dispose();
    }
    this.head.dispose();
  }
}
