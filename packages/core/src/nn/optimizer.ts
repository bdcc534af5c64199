import * as tf from '@tensorflow/tfjs';
import { splitFlat } from './wasm-kernels';

/**
 * What an algorithm's optimizers share, so that `Algorithm.save` writes every optimizer in one
 * layout (`optimizers/<name>/<slot>` and `optimizers/<name>/step`) and `load` restores it.
 */
export interface Optimizer {
  readonly variables: tf.Variable[];
  /** Step size; schedules set it before each update. */
  lr: number;
  /** Updates applied so far. */
  readonly stepCount: number;
  /** One update from `grads` (same order and shapes as `variables`); does not dispose them. */
  step(grads: readonly tf.Tensor[]): void;
  /** The state of the optimizer as live flat variables (Adam: m and v; RMSprop: square_avg). */
  slots(): Record<string, tf.Variable>;
  /** Restore `slots()` and the step count. */
  setSlots(values: Record<string, Float32Array>, step: number): void;
  dispose(): void;
}

export interface RmsPropOptions {
  lr: number;
  /** Smoothing constant of the squared-gradient average (torch's `alpha`). */
  alpha?: number;
  /** Added to sqrt(v) (outside the root, as torch.optim.RMSprop). */
  eps?: number;
  /** Clip the global gradient norm to this value before the update. */
  maxGradNorm?: number;
}

export interface RmsPropState {
  step: number;
  /** Running average of squared gradients, flat (variables concatenated in order). */
  squareAvg: Float32Array;
  sizes: number[];
}

/**
 * RMSprop as torch.optim.RMSprop (no momentum, not centred), in a flat layout like core's Adam:
 * v ← α v + (1 − α) g²;  θ ← θ − lr · g / (√v + ε). SB3's A2C uses it with α = 0.99, ε = 1e-5.
 */
export class RmsProp implements Optimizer {
  readonly variables: tf.Variable[];
  lr: number;
  readonly alpha: number;
  readonly eps: number;
  maxGradNorm: number | undefined;
  private readonly sq: tf.Variable;
  private t = 0;
  private readonly sizes: number[];
  private readonly shapes: number[][];

  constructor(variables: tf.Variable[], options: RmsPropOptions) {
    if (!Array.isArray(variables) || variables.length === 0)
      throw new RangeError('RmsProp: variables must be a non-empty array of tf.Variable');
    this.variables = variables;
    this.lr = options.lr;
    this.alpha = options.alpha ?? 0.99;
    this.eps = options.eps ?? 1e-8;
    this.maxGradNorm = options.maxGradNorm;
    if (!(this.lr >= 0)) throw new RangeError(`RmsProp: lr must be a non-negative number, got ${this.lr}`);
    if (!(this.alpha >= 0 && this.alpha < 1)) throw new RangeError(`RmsProp: alpha must be in [0, 1), got ${this.alpha}`);
    if (!(this.eps >= 0)) throw new RangeError(`RmsProp: eps must be non-negative, got ${this.eps}`);
    if (this.maxGradNorm !== undefined && !(this.maxGradNorm > 0)) {
      throw new RangeError(`RmsProp: maxGradNorm must be positive, got ${this.maxGradNorm}`);
    }
    this.sizes = variables.map((v) => v.size);
    this.shapes = variables.map((v) => [...v.shape]);
    this.sq = tf.tidy(() => tf.variable(tf.zeros([this.sizes.reduce((a, b) => a + b, 0)]), false));
  }

  get stepCount(): number {
    return this.t;
  }

  step(grads: readonly tf.Tensor[]): void {
    if (grads.length !== this.variables.length) {
      throw new RangeError(`RmsProp.step: got ${grads.length} gradients for ${this.variables.length} variables`);
    }
    this.t += 1;
    tf.tidy(() => {
      let g = tf.concat(grads.map((x) => tf.reshape(x, [-1]))) as tf.Tensor1D;
      if (this.maxGradNorm !== undefined) {
        const norm = tf.sqrt(tf.sum(tf.square(g)));
        g = tf.mul(g, tf.minimum(tf.div(this.maxGradNorm, tf.add(norm, 1e-6)), 1));
      }
      const v = tf.add(tf.mul(this.sq, this.alpha), tf.mul(tf.square(g), 1 - this.alpha));
      this.sq.assign(v);
      const upd = tf.div(tf.mul(g, this.lr), tf.add(tf.sqrt(v), this.eps)) as tf.Tensor1D;
      const parts = splitFlat(upd, this.shapes);
      this.variables.forEach((variable, i) => variable.assign(tf.sub(variable, parts[i] as tf.Tensor)));
    });
  }

  getState(): RmsPropState {
    return { step: this.t, squareAvg: this.sq.dataSync().slice() as Float32Array, sizes: [...this.sizes] };
  }

  setState(state: RmsPropState): void {
    if (state.squareAvg.length !== this.sq.size) {
      throw new RangeError(`RmsProp.setState: squareAvg has ${state.squareAvg.length} values, optimizer has ${this.sq.size}`);
    }
    if (state.sizes && state.sizes.join(',') !== this.sizes.join(',')) {
      throw new RangeError(`RmsProp.setState: variable sizes [${state.sizes}] differ from [${this.sizes}]`);
    }
    tf.tidy(() => this.sq.assign(tf.tensor1d(state.squareAvg)));
    this.t = state.step;
  }

  slots(): Record<string, tf.Variable> {
    return { square_avg: this.sq };
  }

  setSlots(values: Record<string, Float32Array>, step: number): void {
    const sq = values.square_avg;
    if (!sq) throw new RangeError(`RmsProp.setSlots: needs slot square_avg, got ${Object.keys(values).join(', ') || 'none'}`);
    this.setState({ step, squareAvg: sq, sizes: this.sizes });
  }

  dispose(): void {
    this.sq.dispose();
  }
}
