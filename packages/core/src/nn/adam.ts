import * as tf from '@tensorflow/tfjs';
import { heapKernelsActive } from './heap-kernels';
import type { Optimizer } from './optimizer';
import { ADAM_FLAT, type AdamFlatAttrs, registerWasmKernels, splitFlat } from './wasm-kernels';

export interface AdamOptions {
  lr: number;
  beta1?: number;
  beta2?: number;
  /** Added to sqrt(v̂). PyTorch/SB3 default 1e-8; SB3's PPO uses 1e-5. */
  eps?: number;
  /** L2 penalty added to the gradient (torch.optim.Adam), or decoupled (AdamW) with `decoupledWeightDecay`. */
  weightDecay?: number;
  decoupledWeightDecay?: boolean;
  /** Clip the global gradient norm to this value before the update. */
  maxGradNorm?: number;
  /**
   * On wasm, run the update as one JS kernel ('auto': when the model has at most
   * FUSED_ADAM_MAX_PARAMS parameters, where the fixed cost of ~20 small kernels dominates).
   */
  fusedKernel?: 'auto' | boolean;
}

/** Up to this many parameters, 'auto' uses the single-kernel Adam on wasm (measured crossover). */
export const FUSED_ADAM_MAX_PARAMS = 16384;

export interface AdamState {
  step: number;
  /** First and second moments in the flat layout (variables concatenated in order). */
  m: Float32Array;
  v: Float32Array;
  /** Sizes of the variables the flat layout was made from (checked on restore). */
  sizes: number[];
}

function checkPositive(name: string, v: number, allowZero = false): void {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || (!allowZero && v === 0)) {
    throw new RangeError(`Adam: ${name} must be a ${allowZero ? 'non-negative' : 'positive'} finite number, got ${v}`);
  }
}

/**
 * Adam with bias correction (same trajectory as torch.optim.Adam / tf.train.adam) using a FLAT
 * layout: gradients are concatenated once, the moment updates run as ~11 kernels on one
 * vector regardless of the number of variables, and one split kernel hands each variable its update.
 * The per-step op count is ~3N + 15 for N variables (tf.train.adam: ~12N).
 *
 * On the wasm backend the whole update is ONE kernel (a JS loop over the wasm heap, registered
 * by registerWasmKernels) instead of ~20 small ones; elsewhere it is the tf-op path above.
 *
 * Bias correction is folded into scalars: θ -= lr·√(1-β2ᵗ)/(1-β1ᵗ) · m / (√v + eps·√(1-β2ᵗ)),
 * which equals PyTorch's lr/(1-β1ᵗ) · m / (√v/√(1-β2ᵗ) + eps) exactly.
 */
export class Adam implements Optimizer {
  readonly variables: tf.Variable[];
  lr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  weightDecay: number;
  readonly decoupledWeightDecay: boolean;
  maxGradNorm: number | undefined;
  private readonly fusedKernel: 'auto' | boolean;
  private m: tf.Variable;
  private v: tf.Variable;
  private t = 0;
  private readonly sizes: number[];
  private readonly shapes: number[][];
  private readonly total: number;
  /** Global gradient norm before clipping of the last step (only when maxGradNorm is set). */
  lastGradNorm: tf.Scalar | undefined;

  constructor(variables: tf.Variable[], options: AdamOptions) {
    if (!Array.isArray(variables) || variables.length === 0) {
      throw new RangeError('Adam: variables must be a non-empty array of tf.Variable');
    }
    checkPositive('lr', options.lr, true);
    this.variables = variables;
    this.lr = options.lr;
    this.beta1 = options.beta1 ?? 0.9;
    this.beta2 = options.beta2 ?? 0.999;
    this.eps = options.eps ?? 1e-8;
    this.weightDecay = options.weightDecay ?? 0;
    this.decoupledWeightDecay = options.decoupledWeightDecay ?? false;
    this.maxGradNorm = options.maxGradNorm;
    if (!(this.beta1 >= 0 && this.beta1 < 1)) throw new RangeError(`Adam: beta1 must be in [0, 1), got ${this.beta1}`);
    if (!(this.beta2 >= 0 && this.beta2 < 1)) throw new RangeError(`Adam: beta2 must be in [0, 1), got ${this.beta2}`);
    checkPositive('eps', this.eps, true);
    checkPositive('weightDecay', this.weightDecay, true);
    if (this.maxGradNorm !== undefined) checkPositive('maxGradNorm', this.maxGradNorm);
    this.sizes = variables.map((v) => v.size);
    this.shapes = variables.map((v) => [...v.shape]);
    registerWasmKernels(); // single-kernel paths on wasm (idempotent)
    this.total = this.sizes.reduce((a, b) => a + b, 0);
    this.fusedKernel = options.fusedKernel ?? 'auto';
    // Inside tidy so the zeros tensors the variables were made from are released.
    this.m = tf.tidy(() => tf.variable(tf.zeros([this.total]), false));
    this.v = tf.tidy(() => tf.variable(tf.zeros([this.total]), false));
  }

  /** Number of updates applied so far. */
  get stepCount(): number {
    return this.t;
  }

  /** One Adam update from `grads` (same order and shapes as `variables`). Does not dispose `grads`. */
  step(grads: readonly tf.Tensor[]): void {
    if (grads.length !== this.variables.length) {
      throw new RangeError(`Adam.step: got ${grads.length} gradients for ${this.variables.length} variables`);
    }
    for (let i = 0; i < grads.length; i++) {
      const g = grads[i] as tf.Tensor;
      if (g.size !== this.sizes[i]) {
        throw new RangeError(
          `Adam.step: gradient ${i} has shape [${g.shape}] but variable ${this.variables[i]?.name} has [${this.variables[i]?.shape}]`,
        );
      }
    }
    this.t += 1;
    const t = this.t;
    const b1 = this.beta1;
    const b2 = this.beta2;
    const bc1 = 1 - b1 ** t;
    const sbc2 = Math.sqrt(1 - b2 ** t);
    const stepSize = (this.lr * sbc2) / bc1;
    const epsHat = this.eps * sbc2;
    const wd = this.weightDecay;
    if (this.lastGradNorm) {
      this.lastGradNorm.dispose();
      this.lastGradNorm = undefined;
    }
    // 'auto': the JS single-kernel update wins up to FUSED_ADAM_MAX_PARAMS; with the WebAssembly
    // SIMD heap kernel it wins at every size.
    const fk = this.fusedKernel;
    const fused = fk === 'auto' ? this.total <= FUSED_ADAM_MAX_PARAMS || heapKernelsActive() : fk;
    if (fused && tf.getBackend() === 'wasm' && tf.getKernel(ADAM_FLAT, 'wasm') && this.variables.every((x) => x.dtype === 'float32')) {
      this.lastGradNorm = this.stepFused(grads, stepSize, epsHat);
      return;
    }
    const kept = tf.tidy(() => {
      let g: tf.Tensor1D = grads.length === 1 ? tf.reshape(grads[0] as tf.Tensor, [-1]) : tf.concat(grads.map((x) => tf.reshape(x, [-1])));
      let norm: tf.Scalar | undefined;
      if (this.maxGradNorm !== undefined) {
        const n = tf.sqrt(tf.sum(tf.square(g))) as tf.Scalar;
        norm = n;
        // scale = min(1, maxNorm / (norm + 1e-6)), as torch.nn.utils.clip_grad_norm_.
        g = tf.mul(g, tf.minimum(tf.div(this.maxGradNorm, tf.add(n, 1e-6)), 1));
      }
      if (wd > 0 && !this.decoupledWeightDecay) {
        const p = tf.concat(this.variables.map((x) => tf.reshape(x, [-1])));
        g = tf.add(g, tf.mul(p, wd));
      }
      // m += (1-β1)(g - m);  v += (1-β2)(g² - v)
      const m = tf.add(this.m, tf.mul(tf.sub(g, this.m), 1 - b1));
      const v = tf.add(this.v, tf.mul(tf.sub(tf.square(g), this.v), 1 - b2));
      this.m.assign(m);
      this.v.assign(v);
      const upd = tf.div(tf.mul(m, stepSize), tf.add(tf.sqrt(v), epsHat));
      const decay = this.decoupledWeightDecay && wd > 0 ? 1 - this.lr * wd : 1;
      // One kernel on wasm (see splitFlat); tf.split/tf.slice there copy the whole vector per piece.
      const parts = splitFlat(upd as tf.Tensor1D, this.shapes);
      for (let i = 0; i < this.variables.length; i++) {
        const variable = this.variables[i] as tf.Variable;
        const d = parts[i] as tf.Tensor;
        variable.assign(decay === 1 ? tf.sub(variable, d) : tf.sub(tf.mul(variable, decay), d));
      }
      return norm;
    });
    this.lastGradNorm = kept;
  }

  /** The same update as one kernel (wasm): see ADAM_FLAT in wasm-kernels.ts. */
  private stepFused(grads: readonly tf.Tensor[], stepSize: number, epsHat: number): tf.Scalar | undefined {
    const n = this.variables.length;
    const inputs: Record<string, tf.Tensor> = { m: this.m, v: this.v };
    for (let i = 0; i < n; i++) {
      inputs[`p${i}`] = this.variables[i] as tf.Variable;
      const g = grads[i] as tf.Tensor;
      inputs[`g${i}`] = g.dtype === 'float32' ? g : tf.cast(g, 'float32');
    }
    const wd = this.weightDecay;
    const attrs: AdamFlatAttrs = {
      n,
      beta1: this.beta1,
      beta2: this.beta2,
      stepSize,
      epsHat,
      l2: this.decoupledWeightDecay ? 0 : wd,
      decay: this.decoupledWeightDecay && wd > 0 ? 1 - this.lr * wd : 1,
      maxGradNorm: this.maxGradNorm ?? 0,
    };
    const outs = tf
      .engine()
      .runKernel(ADAM_FLAT, inputs as unknown as tf.NamedTensorMap, attrs as unknown as tf.NamedAttrMap) as unknown as tf.Tensor[];
    for (let i = 0; i < n; i++) {
      (this.variables[i] as tf.Variable).assign(outs[i] as tf.Tensor);
      (outs[i] as tf.Tensor).dispose();
      const g = grads[i] as tf.Tensor;
      if (inputs[`g${i}`] !== g) (inputs[`g${i}`] as tf.Tensor).dispose();
    }
    this.m.assign(outs[n] as tf.Tensor);
    this.v.assign(outs[n + 1] as tf.Tensor);
    (outs[n] as tf.Tensor).dispose();
    (outs[n + 1] as tf.Tensor).dispose();
    const norm = outs[n + 2] as tf.Scalar;
    if (this.maxGradNorm === undefined) {
      norm.dispose();
      return undefined;
    }
    return norm;
  }

  getState(): AdamState {
    return {
      step: this.t,
      m: this.m.dataSync().slice() as Float32Array,
      v: this.v.dataSync().slice() as Float32Array,
      sizes: [...this.sizes],
    };
  }

  setState(state: AdamState): void {
    if (!state || !Number.isInteger(state.step) || state.step < 0) {
      throw new TypeError(`Adam.setState: step must be a non-negative integer, got ${state?.step}`);
    }
    if (state.m.length !== this.total || state.v.length !== this.total) {
      throw new RangeError(`Adam.setState: moments have ${state.m.length}/${state.v.length} values, optimizer has ${this.total}`);
    }
    if (state.sizes && state.sizes.join(',') !== this.sizes.join(',')) {
      throw new RangeError(`Adam.setState: variable sizes [${state.sizes}] differ from [${this.sizes}]`);
    }
    tf.tidy(() => {
      this.m.assign(tf.tensor1d(state.m, 'float32'));
      this.v.assign(tf.tensor1d(state.v, 'float32'));
    });
    this.t = state.step;
  }

  /** The moments as live variables (read by checkpoints, never disposed by the reader). */
  slots(): Record<string, tf.Variable> {
    return { m: this.m, v: this.v };
  }

  setSlots(values: Record<string, Float32Array>, step: number): void {
    const m = values.m;
    const v = values.v;
    if (!m || !v) throw new RangeError(`Adam.setSlots: needs slots m and v, got ${Object.keys(values).join(', ') || 'none'}`);
    this.setState({ step, m, v, sizes: this.sizes });
  }

  /** Named tensors for a checkpoint (`adam/m`, `adam/v`, `adam/step`); the caller disposes them. */
  getStateTensors(prefix = 'adam'): Record<string, tf.Tensor> {
    return {
      [`${prefix}/m`]: this.m.clone(),
      [`${prefix}/v`]: this.v.clone(),
      [`${prefix}/step`]: tf.scalar(this.t, 'int32'),
    };
  }

  setStateTensors(tensors: Record<string, tf.Tensor>, prefix = 'adam'): void {
    const m = tensors[`${prefix}/m`];
    const v = tensors[`${prefix}/v`];
    const s = tensors[`${prefix}/step`];
    if (!m || !v || !s) throw new RangeError(`Adam.setStateTensors: missing ${prefix}/m, ${prefix}/v or ${prefix}/step`);
    this.setState({
      step: s.dataSync()[0] as number,
      m: m.dataSync() as Float32Array,
      v: v.dataSync() as Float32Array,
      sizes: this.sizes,
    });
  }

  dispose(): void {
    this.m.dispose();
    this.v.dispose();
    this.lastGradNorm?.dispose();
    this.lastGradNorm = undefined;
  }
}

/**
 * Loss and gradients of `lossFn` with respect to `vars` (in that order). Intermediate tensors are
 * disposed; the caller owns (and must dispose) the returned gradients. With `readLoss: false`
 * the loss is not read back (no sync) and `loss` is undefined.
 */
export function computeGradients(
  lossFn: () => tf.Scalar,
  vars: tf.Variable[],
  options: { readLoss?: boolean } = {},
): { loss: number | undefined; grads: tf.Tensor[] } {
  const { value, grads } = tf.variableGrads(lossFn, vars);
  const loss = options.readLoss === false ? undefined : (value.dataSync()[0] as number);
  value.dispose();
  const out = vars.map((v) => {
    const g = grads[v.name];
    if (!g) throw new Error(`computeGradients: no gradient for variable ${v.name}`);
    return g;
  });
  // Free any gradient that was not asked for (variableGrads only returns requested ones).
  return { loss, grads: out };
}

/**
 * Scale `grads` so their global L2 norm is at most `maxNorm` (torch's clip_grad_norm_, with the
 * same 1e-6). Returns new tensors and the pre-clip norm; the inputs are not disposed.
 */
export function clipByGlobalNorm(grads: readonly tf.Tensor[], maxNorm: number): { grads: tf.Tensor[]; norm: tf.Scalar } {
  checkPositive('maxNorm', maxNorm);
  return tf.tidy(() => {
    const sq = grads.map((g) => tf.sum(tf.square(g)));
    const norm = tf.sqrt(sq.length === 1 ? (sq[0] as tf.Scalar) : tf.addN(sq)) as tf.Scalar;
    const scale = tf.minimum(tf.div(maxNorm, tf.add(norm, 1e-6)), 1);
    return { grads: grads.map((g) => tf.mul(g, scale)), norm };
  });
}
