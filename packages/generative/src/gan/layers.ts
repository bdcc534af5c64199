/**
 * Building blocks of the GAN and DCGAN networks: batch normalisation with running statistics,
 * N(0, 0.02) initialisation (Radford et al. 2016), and named parameter bookkeeping.
 */
import * as tf from '@tensorflow/tfjs';
import { type Rng, uniqueName } from '@tfrl/core';

/** A named store of variables: trainable parameters and (non-trainable) buffers such as BN running stats. */
export class ParamStore {
  readonly prefix: string;
  readonly params: Map<string, tf.Variable> = new Map();
  readonly buffers: Map<string, tf.Variable> = new Map();

  constructor(prefix: string) {
    this.prefix = prefix;
  }

  private make(map: Map<string, tf.Variable>, name: string, values: Float32Array, shape: number[], trainable: boolean): tf.Variable {
    const full = `${this.prefix}/${name}`;
    if (this.params.has(full) || this.buffers.has(full)) throw new Error(`ParamStore: duplicate variable ${full}`);
    const t = tf.tensor(values, shape, 'float32');
    const v = tf.variable(t, trainable, uniqueName(full));
    t.dispose();
    map.set(full, v);
    return v;
  }

  /** A trainable variable drawn from N(mean, std²) with `rng`. */
  normal(name: string, shape: number[], rng: Rng, std = 0.02, mean = 0): tf.Variable {
    const n = shape.reduce((a, b) => a * b, 1);
    return this.make(this.params, name, rng.fillNormal(new Float32Array(n), mean, std), shape, true);
  }

  constant(name: string, shape: number[], value: number, trainable = true): tf.Variable {
    const n = shape.reduce((a, b) => a * b, 1);
    return this.make(trainable ? this.params : this.buffers, name, new Float32Array(n).fill(value), shape, trainable);
  }

  get trainableVariables(): tf.Variable[] {
    return [...this.params.values()];
  }

  /** Every variable (parameters then buffers) by full name. */
  entries(): [string, tf.Variable][] {
    return [...this.params.entries(), ...this.buffers.entries()];
  }

  dispose(): void {
    for (const [, v] of this.entries()) v.dispose();
  }
}

export interface BatchNormOptions {
  /** PyTorch convention: running ← (1 − momentum)·running + momentum·batch (default 0.1). */
  momentum?: number;
  eps?: number;
  /** Initial γ drawn from N(1, gammaStd²) as the DCGAN reference (0 = exactly 1; default 0.02). */
  gammaStd?: number;
}

/**
 * Batch normalisation over every axis but the last (channels): in training it normalises with the
 * batch mean and biased variance and updates running averages (unbiased variance, as PyTorch);
 * in evaluation it uses the running averages. γ and β are trainable.
 */
export class BatchNorm {
  readonly channels: number;
  readonly gamma: tf.Variable;
  readonly beta: tf.Variable;
  readonly runningMean: tf.Variable;
  readonly runningVar: tf.Variable;
  readonly momentum: number;
  readonly eps: number;

  constructor(store: ParamStore, name: string, channels: number, rng: Rng, options: BatchNormOptions = {}) {
    this.channels = channels;
    this.momentum = options.momentum ?? 0.1;
    this.eps = options.eps ?? 1e-5;
    const gStd = options.gammaStd ?? 0.02;
    this.gamma = gStd > 0 ? store.normal(`${name}/gamma`, [channels], rng, gStd, 1) : store.constant(`${name}/gamma`, [channels], 1);
    this.beta = store.constant(`${name}/beta`, [channels], 0);
    this.runningMean = store.constant(`${name}/running_mean`, [channels], 0, false);
    this.runningVar = store.constant(`${name}/running_var`, [channels], 1, false);
  }

  apply<T extends tf.Tensor>(x: T, training: boolean): T {
    if (x.shape[x.rank - 1] !== this.channels) {
      throw new RangeError(`BatchNorm: expected ${this.channels} channels in the last axis, got shape [${x.shape}]`);
    }
    return tf.tidy(() => {
      if (!training) {
        const inv = tf.mul(tf.rsqrt(tf.add(this.runningVar, this.eps)), this.gamma);
        return tf.add(tf.mul(tf.sub(x, this.runningMean), inv), this.beta) as T;
      }
      const axes = Array.from({ length: x.rank - 1 }, (_, i) => i);
      const count = x.size / this.channels;
      const mean = tf.mean(x, axes);
      const centred = tf.sub(x, mean);
      const variance = tf.mean(tf.square(centred), axes);
      const y = tf.add(tf.mul(centred, tf.mul(tf.rsqrt(tf.add(variance, this.eps)), this.gamma)), this.beta) as T;
      // Running statistics: not part of the gradient (assign is not recorded on the tape).
      const m = this.momentum;
      const unbiased = count > 1 ? tf.mul(variance, count / (count - 1)) : variance;
      this.runningMean.assign(tf.add(tf.mul(this.runningMean, 1 - m), tf.mul(mean, m)));
      this.runningVar.assign(tf.add(tf.mul(this.runningVar, 1 - m), tf.mul(unbiased, m)));
      return y;
    });
  }
}

/** Leaky ReLU with slope 0.2 (DCGAN). */
export function lrelu<T extends tf.Tensor>(x: T): T {
  return tf.leakyRelu(x, 0.2);
}

/** tanh(x) = 2σ(2x) − 1: on wasm the Tanh kernel is scalar libm, Sigmoid is vectorised (~8× faster). */
export function tanhFast<T extends tf.Tensor>(x: T): T {
  return tf.tidy(() => tf.sub(tf.mul(tf.sigmoid(tf.mul(x, 2)), 2), 1) as T);
}
