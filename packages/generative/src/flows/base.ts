/** Base (latent) distributions of normalizing flows. */
import * as tf from '@tensorflow/tfjs';
import { Rng } from '@tfrl/core';
import { checkBatch, makeVariable } from './bijector';

const LOG_2PI = Math.log(2 * Math.PI);

export interface BaseDistribution {
  readonly name: string;
  readonly dim: number;
  /** log density of each row, [batch]. */
  logProb(z: tf.Tensor2D): tf.Tensor1D;
  /** `n` samples drawn from a seeded `Rng` in JS (identical on every backend). */
  sample(n: number, seed: number | Rng): tf.Tensor2D;
  readonly variables: Record<string, tf.Variable>;
  dispose(): void;
}

function toRng(seed: number | Rng): Rng {
  return typeof seed === 'number' ? new Rng(seed) : seed;
}

function checkN(where: string, n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`${where}: n must be a positive integer, got ${n}`);
}

/** N(0, I) in `dim` dimensions. */
export class StandardNormal implements BaseDistribution {
  readonly name = 'base';
  readonly variables: Record<string, tf.Variable> = {};
  constructor(readonly dim: number) {
    if (!Number.isInteger(dim) || dim < 1) throw new RangeError(`StandardNormal: dim must be a positive integer, got ${dim}`);
  }

  logProb(z: tf.Tensor2D): tf.Tensor1D {
    checkBatch('StandardNormal.logProb', z, this.dim);
    return tf.tidy(() => tf.sub(tf.mul(tf.sum(tf.square(z), 1), -0.5), 0.5 * this.dim * LOG_2PI) as tf.Tensor1D);
  }

  sample(n: number, seed: number | Rng): tf.Tensor2D {
    checkN('StandardNormal.sample', n);
    const data = toRng(seed).fillNormal(new Float32Array(n * this.dim));
    return tf.tensor2d(data, [n, this.dim]);
  }

  dispose(): void {}
}

export interface DiagGaussianOptions {
  dim: number;
  mean?: number[];
  std?: number[];
  /** Learn the mean and log-std with the flow (default false). */
  trainable?: boolean;
}

/** N(mean, diag(std²)), optionally with trainable mean and log-std. */
export class DiagGaussianBase implements BaseDistribution {
  readonly name = 'base';
  readonly dim: number;
  readonly variables: Record<string, tf.Variable>;
  readonly loc: tf.Variable;
  readonly logScale: tf.Variable;

  constructor(options: DiagGaussianOptions) {
    const { dim } = options;
    if (!Number.isInteger(dim) || dim < 1) throw new RangeError(`DiagGaussianBase: dim must be a positive integer, got ${dim}`);
    this.dim = dim;
    const mean = options.mean ?? new Array<number>(dim).fill(0);
    const std = options.std ?? new Array<number>(dim).fill(1);
    if (mean.length !== dim || mean.some((v) => !Number.isFinite(v))) {
      throw new RangeError(`DiagGaussianBase: mean must be ${dim} finite numbers, got ${JSON.stringify(mean)}`);
    }
    if (std.length !== dim || std.some((v) => !(v > 0) || !Number.isFinite(v))) {
      throw new RangeError(`DiagGaussianBase: std must be ${dim} positive numbers, got ${JSON.stringify(std)}`);
    }
    const trainable = options.trainable ?? false;
    this.loc = makeVariable(mean, [dim], trainable);
    this.logScale = makeVariable(std.map(Math.log), [dim], trainable);
    this.variables = trainable ? { 'base/loc': this.loc, 'base/log_scale': this.logScale } : {};
  }

  logProb(z: tf.Tensor2D): tf.Tensor1D {
    checkBatch('DiagGaussianBase.logProb', z, this.dim);
    return tf.tidy(() => {
      const u = tf.mul(tf.sub(z, this.loc), tf.exp(tf.neg(this.logScale)));
      const quad = tf.mul(tf.sum(tf.square(u), 1), -0.5);
      return tf.sub(tf.sub(quad, tf.sum(this.logScale)), 0.5 * this.dim * LOG_2PI) as tf.Tensor1D;
    });
  }

  sample(n: number, seed: number | Rng): tf.Tensor2D {
    checkN('DiagGaussianBase.sample', n);
    const data = toRng(seed).fillNormal(new Float32Array(n * this.dim));
    return tf.tidy(() => tf.add(tf.mul(tf.tensor2d(data, [n, this.dim]), tf.exp(this.logScale)), this.loc) as tf.Tensor2D);
  }

  dispose(): void {
    this.loc.dispose();
    this.logScale.dispose();
  }
}
