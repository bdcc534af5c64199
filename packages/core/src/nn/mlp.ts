import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../rng';
import { type Activation, LEAKY_RELU_ALPHA, assertActivation, denseStack } from './dense';
import { ACT_GRAD_KIND, type HeapKernels, privateHeapKernels } from './heap-kernels';
import { type Initializer, initWeight, zeros } from './init';

export interface MlpOptions {
  inputDim: number;
  hiddenSizes: number[];
  outputDim: number;
  activation?: Activation;
  outputActivation?: Activation;
  init?: Initializer;
  /** Gain of the hidden layers' init (default √2 for orthogonal, as SB3; 1 for glorot). */
  gain?: number;
  /** Gain of the output layer's init (default 1). */
  outputGain?: number;
  rng: Rng;
  name?: string;
}

export interface ApplyOptions {
  /** Propagate gradients into the input (default true). False saves work when x is data. */
  inputGrad?: boolean;
}

function checkDim(field: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) {
    throw new RangeError(`${field} must be a positive integer, got ${JSON.stringify(v)}`);
  }
  return v;
}

interface Layer {
  w: tf.Variable;
  b: tf.Variable;
  activation: Activation;
}

/** One activation on the host (the same functions as `activate`). */
function activateHost(z: number, activation: Activation): number {
  switch (activation) {
    case 'tanh':
      return Math.tanh(z);
    case 'relu':
      return z > 0 ? z : 0;
    case 'elu':
      return z > 0 ? z : Math.expm1(z);
    case 'leaky_relu':
      return z > 0 ? z : LEAKY_RELU_ALPHA * z;
    case 'sigmoid':
      return 1 / (1 + Math.exp(-z));
    case 'identity':
      return z;
  }
}

/** An Mlp's weights and work buffers on a private kernel heap (float32 indices). */
interface HostHeap {
  kernels: HeapKernels;
  f32: Float32Array;
  /** Rows the work buffers hold. */
  rows: number;
  /** Data ids of the variables last copied in (w0, b0, w1, ...). */
  ids: unknown[];
  wAt: number[];
  bAt: number[];
  xAt: number;
  bufAt: number[];
}

let hostKernelsEnabled = true;

/**
 * Whether `Mlp.applyHost` may use the WebAssembly SIMD kernel (default true); false keeps it on
 * plain JavaScript. Affects networks that have not run `applyHost` yet. For A/B timing and tests.
 */
export function setHostForwardKernel(on: boolean): void {
  hostKernelsEnabled = on;
}

/** A stack of `dense` layers with named, seeded variables. */
export class Mlp {
  readonly name: string;
  readonly inputDim: number;
  readonly outputDim: number;
  readonly hiddenSizes: number[];
  private readonly layers: Layer[];

  constructor(options: MlpOptions) {
    const name = options.name ?? 'mlp';
    this.name = name;
    this.inputDim = checkDim(`${name}: inputDim`, options.inputDim);
    this.outputDim = checkDim(`${name}: outputDim`, options.outputDim);
    if (!Array.isArray(options.hiddenSizes)) throw new TypeError(`${name}: hiddenSizes must be an array of positive integers`);
    this.hiddenSizes = options.hiddenSizes.map((h, i) => checkDim(`${name}: hiddenSizes[${i}]`, h));
    const activation = options.activation ?? 'tanh';
    assertActivation(activation, `${name}: activation`);
    const outputActivation = options.outputActivation ?? 'identity';
    assertActivation(outputActivation, `${name}: outputActivation`);
    const init = options.init ?? 'orthogonal';
    if (!options.rng) throw new TypeError(`${name}: rng (an Rng) is required`);
    const gain = options.gain ?? (init === 'orthogonal' ? Math.SQRT2 : 1);
    const outputGain = options.outputGain ?? 1;
    const dims = [this.inputDim, ...this.hiddenSizes, this.outputDim];
    this.layers = [];
    for (let i = 0; i + 1 < dims.length; i++) {
      const last = i + 2 === dims.length;
      this.layers.push({
        w: initWeight(init, [dims[i] as number, dims[i + 1] as number], options.rng, last ? outputGain : gain, `${name}/l${i}/w`),
        b: zeros([dims[i + 1] as number], `${name}/l${i}/b`),
        activation: last ? outputActivation : activation,
      });
    }
  }

  /** Forward pass. x: [batch, inputDim] → [batch, outputDim]. */
  apply(x: tf.Tensor2D, options: ApplyOptions = {}): tf.Tensor2D {
    if (x.rank !== 2 || x.shape[1] !== this.inputDim) {
      throw new RangeError(`${this.name}.apply: expected input [batch, ${this.inputDim}], got [${x.shape}]`);
    }
    // One custom-gradient node for the whole stack (see denseStack).
    return denseStack(
      x,
      this.layers.map((l) => ({ w: l.w as tf.Tensor2D, b: l.b as tf.Tensor1D, activation: l.activation })),
      options,
    );
  }

  /**
   * Forward pass that also returns the activations of the last hidden layer (the input itself
   * when there is no hidden layer): the latent features gSDE builds its noise from. Two
   * custom-gradient nodes (hidden stack, output layer), so gradients reach the weights through
   * both outputs. x: [batch, inputDim] → hidden [batch, lastHidden], out [batch, outputDim].
   */
  applyWithHidden(x: tf.Tensor2D, options: ApplyOptions = {}): { hidden: tf.Tensor2D; out: tf.Tensor2D } {
    if (x.rank !== 2 || x.shape[1] !== this.inputDim) {
      throw new RangeError(`${this.name}.applyWithHidden: expected input [batch, ${this.inputDim}], got [${x.shape}]`);
    }
    const params = this.layers.map((l) => ({ w: l.w as tf.Tensor2D, b: l.b as tf.Tensor1D, activation: l.activation }));
    const head = params.slice(-1);
    if (params.length === 1) return { hidden: x, out: denseStack(x, head, options) };
    const hidden = denseStack(x, params.slice(0, -1), options);
    return { hidden, out: denseStack(hidden, head) };
  }

  /**
   * Forward pass on host copies of the weights, outside tfjs, for small batches where the fixed
   * cost of ~4 tfjs kernels per layer dominates (acting with a few envs). Where WebAssembly SIMD
   * is available it runs core's `gemm` heap kernel on a private memory of this network's (the
   * same kernel, with the same float32 sums, as `apply` on the wasm backend: 8×[4→64→64→2] takes
   * ≈ 10 µs against ≈ 105 µs in plain JavaScript); elsewhere, and for elu / leaky_relu, plain
   * JavaScript. The copies are refreshed (one `dataSync` per changed variable) only when a variable
   * was assigned since the last call, which the variable's data id tells. Same function as `apply`
   * up to float32 rounding. x: [rows, inputDim] row-major → [rows, outputDim].
   */
  applyHost(x: Float32Array, rows: number): Float32Array {
    if (x.length !== rows * this.inputDim) {
      throw new RangeError(`${this.name}.applyHost: expected ${rows} × ${this.inputDim} inputs, got ${x.length} values`);
    }
    if (this.hostKernelOk === undefined) {
      this.hostKernelOk = hostKernelsEnabled && this.layers.every((l) => ACT_GRAD_KIND[l.activation] !== undefined);
    }
    if (this.hostKernelOk) {
      const y = this.applyHostKernel(x, rows);
      if (y !== null) return y;
      this.hostKernelOk = false;
    }
    const host = this.hostWeights();
    let h = x;
    let inDim = this.inputDim;
    for (let l = 0; l < this.layers.length; l++) {
      const { w, b } = host[l] as { w: Float32Array; b: Float32Array };
      const outDim = b.length;
      const out = new Float32Array(rows * outDim);
      const acc = new Float64Array(outDim);
      for (let r = 0; r < rows; r++) {
        for (let j = 0; j < outDim; j++) acc[j] = b[j] as number;
        const row = r * inDim;
        for (let k = 0; k < inDim; k++) {
          const v = h[row + k] as number;
          if (v === 0) continue;
          const wr = k * outDim;
          for (let j = 0; j < outDim; j++) acc[j] = (acc[j] as number) + v * (w[wr + j] as number);
        }
        const o = r * outDim;
        for (let j = 0; j < outDim; j++) out[o + j] = activateHost(acc[j] as number, (this.layers[l] as Layer).activation);
      }
      h = out;
      inDim = outDim;
    }
    return h;
  }

  private hostKernelOk: boolean | undefined;

  /** Whether `applyHost` runs on the SIMD kernel (known after its first call; false before). */
  get hostForwardKernel(): boolean {
    return this.hostKernelOk === true;
  }
  private hostHeap: HostHeap | undefined;

  /** applyHost on the private heap; null where the kernels cannot be instantiated. */
  private applyHostKernel(x: Float32Array, rows: number): Float32Array | null {
    let hp = this.hostHeap;
    if (hp === undefined || hp.rows < rows) {
      // Layout (float32 indices, 16-byte aligned): every layer's w and b, the input, then two
      // activation buffers used in turn.
      const cap = Math.max(rows, hp === undefined ? 64 : 2 * hp.rows);
      const widest = Math.max(this.inputDim, ...this.layers.map((l) => l.b.shape[0] as number));
      const align = (n: number) => (n + 3) & ~3;
      let top = 0;
      const wAt: number[] = [];
      const bAt: number[] = [];
      for (const l of this.layers) {
        wAt.push(top);
        top += align(l.w.size);
        bAt.push(top);
        top += align(l.b.size);
      }
      const xAt = top;
      top += align(cap * this.inputDim);
      const bufAt = [top, top + align(cap * widest)];
      top += 2 * align(cap * widest);
      const heap = privateHeapKernels(4 * top);
      if (heap === null) return null;
      hp = { kernels: heap.kernels, f32: new Float32Array(heap.memory.buffer), rows: cap, ids: [], wAt, bAt, xAt, bufAt };
      this.hostHeap = hp;
    }
    const { kernels, f32 } = hp;
    this.layers.forEach((l, i) => {
      if (hp.ids[2 * i] !== l.w.dataId) {
        f32.set(l.w.dataSync() as Float32Array, hp.wAt[i] as number);
        hp.ids[2 * i] = l.w.dataId;
      }
      if (hp.ids[2 * i + 1] !== l.b.dataId) {
        f32.set(l.b.dataSync() as Float32Array, hp.bAt[i] as number);
        hp.ids[2 * i + 1] = l.b.dataId;
      }
    });
    f32.set(x, hp.xAt);
    let inAt = hp.xAt;
    let inDim = this.inputDim;
    this.layers.forEach((l, i) => {
      const outAt = hp.bufAt[i % 2] as number;
      const outDim = l.b.shape[0] as number;
      kernels.gemm(
        4 * inAt,
        inDim,
        1,
        4 * (hp.wAt[i] as number),
        4 * outAt,
        rows,
        inDim,
        outDim,
        4 * (hp.bAt[i] as number),
        0,
        ACT_GRAD_KIND[l.activation] as number,
      );
      inAt = outAt;
      inDim = outDim;
    });
    return f32.slice(inAt, inAt + rows * inDim);
  }

  private hostCache: { ids: unknown[]; layers: { w: Float32Array; b: Float32Array }[] } | undefined;

  private hostWeights(): { w: Float32Array; b: Float32Array }[] {
    const c = this.hostCache;
    const ids = this.layers.flatMap((l) => [l.w.dataId, l.b.dataId]);
    if (c !== undefined && ids.every((id, i) => id === c.ids[i])) return c.layers;
    const layers = this.layers.map((l, i) => {
      const prev = c?.layers[i];
      return {
        w: prev !== undefined && c?.ids[2 * i] === l.w.dataId ? prev.w : (l.w.dataSync() as Float32Array).slice(),
        b: prev !== undefined && c?.ids[2 * i + 1] === l.b.dataId ? prev.b : (l.b.dataSync() as Float32Array).slice(),
      };
    });
    this.hostCache = { ids, layers };
    return layers;
  }

  /** Width of the last hidden layer (the input width when there is none). */
  get lastHiddenDim(): number {
    return this.hiddenSizes.length > 0 ? (this.hiddenSizes[this.hiddenSizes.length - 1] as number) : this.inputDim;
  }

  get trainableVariables(): tf.Variable[] {
    return this.layers.flatMap((l) => [l.w, l.b]);
  }

  /** Stable names, `${name}/l${i}/w` and `${name}/l${i}/b`, in the order of trainableVariables. */
  get weightNames(): string[] {
    return this.layers.flatMap((_, i) => [`${this.name}/l${i}/w`, `${this.name}/l${i}/b`]);
  }

  /** The variables themselves by stable name (read by checkpoints, never disposed by the reader). */
  namedVariables(): Record<string, tf.Variable> {
    const out: Record<string, tf.Variable> = {};
    const vars = this.trainableVariables;
    this.weightNames.forEach((n, i) => {
      out[n] = vars[i] as tf.Variable;
    });
    return out;
  }

  /** Copies of the weights by stable name; the caller disposes them. */
  getWeights(): Record<string, tf.Tensor> {
    const out: Record<string, tf.Tensor> = {};
    const vars = this.trainableVariables;
    this.weightNames.forEach((n, i) => {
      out[n] = (vars[i] as tf.Variable).clone();
    });
    return out;
  }

  /** Assign weights by stable name; every name must be present with the right shape. */
  setWeights(weights: Record<string, tf.Tensor>): void {
    const vars = this.trainableVariables;
    const names = this.weightNames;
    names.forEach((n, i) => {
      const t = weights[n];
      const v = vars[i] as tf.Variable;
      if (!t) throw new RangeError(`${this.name}.setWeights: missing weight ${n}`);
      if (t.shape.join(',') !== v.shape.join(',')) {
        throw new RangeError(`${this.name}.setWeights: ${n} has shape [${t.shape}], expected [${v.shape}]`);
      }
    });
    names.forEach((n, i) => {
      (vars[i] as tf.Variable).assign(weights[n] as tf.Tensor);
    });
  }

  /** Copy the weights of a network with the same architecture (names may differ). */
  copyFrom(other: Mlp): void {
    const src = other.trainableVariables;
    const dst = this.trainableVariables;
    if (src.length !== dst.length || src.some((v, i) => v.shape.join(',') !== (dst[i] as tf.Variable).shape.join(','))) {
      throw new RangeError(`${this.name}.copyFrom(${other.name}): architectures differ`);
    }
    dst.forEach((v, i) => v.assign(src[i] as tf.Variable));
  }

  dispose(): void {
    for (const l of this.layers) {
      l.w.dispose();
      l.b.dispose();
    }
  }
}

export interface ActorCriticMlpOptions {
  inputDim: number;
  /** Size of the policy head: action logits (discrete) or the mean (continuous). */
  actionDim: number;
  /** Share one trunk between policy and value (two heads) or use two separate MLPs. */
  shared: boolean;
  hiddenSizes: number[];
  activation?: Activation;
  init?: Initializer;
  gain?: number;
  /** Init gain of the policy head (SB3: 0.01) and of the value head (SB3: 1). */
  actorGain?: number;
  criticGain?: number;
  rng: Rng;
  name?: string;
}

/** Policy and value networks, shared trunk or separate, with one `forward`. */
export class ActorCriticMlp {
  readonly name: string;
  readonly shared: boolean;
  /** Shared trunk (shared = true) or undefined. */
  readonly trunk: Mlp | undefined;
  readonly actor: Mlp;
  readonly critic: Mlp;

  constructor(options: ActorCriticMlpOptions) {
    const name = options.name ?? 'ac';
    this.name = name;
    this.shared = Boolean(options.shared);
    const activation = options.activation ?? 'tanh';
    const common = { activation, init: options.init, gain: options.gain, rng: options.rng };
    const actorGain = options.actorGain ?? 0.01;
    const criticGain = options.criticGain ?? 1;
    if (this.shared) {
      const hs = options.hiddenSizes;
      if (!Array.isArray(hs) || hs.length === 0) throw new RangeError(`${name}: a shared trunk needs at least one hidden size`);
      const last = hs[hs.length - 1] as number;
      this.trunk = new Mlp({
        ...common,
        inputDim: options.inputDim,
        hiddenSizes: hs.slice(0, -1),
        outputDim: last,
        outputActivation: activation,
        outputGain: options.gain,
        name: `${name}/trunk`,
      });
      this.actor = new Mlp({
        ...common,
        inputDim: last,
        hiddenSizes: [],
        outputDim: options.actionDim,
        outputGain: actorGain,
        name: `${name}/pi`,
      });
      this.critic = new Mlp({ ...common, inputDim: last, hiddenSizes: [], outputDim: 1, outputGain: criticGain, name: `${name}/vf` });
    } else {
      this.trunk = undefined;
      const base = { ...common, inputDim: options.inputDim, hiddenSizes: options.hiddenSizes };
      this.actor = new Mlp({ ...base, outputDim: options.actionDim, outputGain: actorGain, name: `${name}/pi` });
      this.critic = new Mlp({ ...base, outputDim: 1, outputGain: criticGain, name: `${name}/vf` });
    }
  }

  /** x: [batch, inputDim] → logitsOrMean [batch, actionDim], value [batch]. */
  forward(x: tf.Tensor2D, options: ApplyOptions = {}): { logitsOrMean: tf.Tensor2D; value: tf.Tensor1D } {
    return tf.tidy(() => {
      if (this.trunk) {
        const h = this.trunk.apply(x, options);
        return { logitsOrMean: this.actor.apply(h), value: tf.reshape(this.critic.apply(h), [-1]) as tf.Tensor1D };
      }
      return {
        logitsOrMean: this.actor.apply(x, options),
        value: tf.reshape(this.critic.apply(x, options), [-1]) as tf.Tensor1D,
      };
    });
  }

  /**
   * `forward` in plain JavaScript (see `Mlp.applyHost`) for small batches: x [rows, inputDim]
   * → logitsOrMean [rows, actionDim], value [rows].
   */
  forwardHost(x: Float32Array, rows: number): { logitsOrMean: Float32Array; value: Float32Array } {
    if (this.trunk) {
      const h = this.trunk.applyHost(x, rows);
      return { logitsOrMean: this.actor.applyHost(h, rows), value: this.critic.applyHost(h, rows) };
    }
    return { logitsOrMean: this.actor.applyHost(x, rows), value: this.critic.applyHost(x, rows) };
  }

  /**
   * `forward` that also returns the policy's latent features (the last hidden activations the
   * policy head reads: the trunk output when shared), as gSDE needs them.
   */
  forwardWithLatent(x: tf.Tensor2D, options: ApplyOptions = {}): { logitsOrMean: tf.Tensor2D; value: tf.Tensor1D; latentPi: tf.Tensor2D } {
    return tf.tidy(() => {
      if (this.trunk) {
        const h = this.trunk.apply(x, options);
        return { logitsOrMean: this.actor.apply(h), value: tf.reshape(this.critic.apply(h), [-1]) as tf.Tensor1D, latentPi: h };
      }
      const { hidden, out } = this.actor.applyWithHidden(x, options);
      // The latent may be the input itself (no hidden layer): return a copy the tidy may hand out.
      return {
        logitsOrMean: out,
        value: tf.reshape(this.critic.apply(x, options), [-1]) as tf.Tensor1D,
        latentPi: hidden === x ? tf.clone(x) : hidden,
      };
    });
  }

  /** Width of the policy's latent features (see {@link forwardWithLatent}). */
  get latentDimPi(): number {
    return this.trunk ? this.trunk.outputDim : this.actor.lastHiddenDim;
  }

  private parts(): Mlp[] {
    return this.trunk ? [this.trunk, this.actor, this.critic] : [this.actor, this.critic];
  }

  get trainableVariables(): tf.Variable[] {
    return this.parts().flatMap((p) => p.trainableVariables);
  }

  getWeights(): Record<string, tf.Tensor> {
    return Object.assign({}, ...this.parts().map((p) => p.getWeights()));
  }

  namedVariables(): Record<string, tf.Variable> {
    return Object.assign({}, ...this.parts().map((p) => p.namedVariables()));
  }

  setWeights(weights: Record<string, tf.Tensor>): void {
    for (const p of this.parts()) p.setWeights(weights);
  }

  copyFrom(other: ActorCriticMlp): void {
    const a = this.parts();
    const b = other.parts();
    if (a.length !== b.length) throw new RangeError(`${this.name}.copyFrom: one network is shared, the other is not`);
    a.forEach((p, i) => p.copyFrom(b[i] as Mlp));
  }

  dispose(): void {
    for (const p of this.parts()) p.dispose();
  }
}

export interface TwinQOptions {
  /** Width of the critic input (observation and action concatenated by the caller). */
  inputDim: number;
  hiddenSizes: number[];
  activation?: Activation;
  init?: Initializer;
  gain?: number;
  outputGain?: number;
  rng: Rng;
  name?: string;
}

/**
 * Two Q-networks for TD3/SAC over the same input. Evaluated as two chains of `dense` layers:
 * on wasm a batched matMul ([2, B, in] × [2, in, out]) and a block-diagonal matMul were both
 * measured several times slower than two plain matMuls (XNNPACK's fast path only covers 2-D
 * non-transposed products), so the "stacking" is in the interface — one call, one variable list,
 * `q1`/`q2` together and `min` — not in the kernels.
 */
export class TwinQ {
  readonly name: string;
  readonly q1: Mlp;
  readonly q2: Mlp;

  constructor(options: TwinQOptions) {
    const name = options.name ?? 'twinq';
    this.name = name;
    const base = {
      inputDim: options.inputDim,
      hiddenSizes: options.hiddenSizes,
      outputDim: 1,
      activation: options.activation ?? 'relu',
      init: options.init,
      gain: options.gain,
      outputGain: options.outputGain,
      rng: options.rng,
    };
    this.q1 = new Mlp({ ...base, name: `${name}/q1` });
    this.q2 = new Mlp({ ...base, name: `${name}/q2` });
  }

  /** obsAct: [batch, inputDim] → q1, q2: [batch]. */
  apply(obsAct: tf.Tensor2D, options: ApplyOptions = {}): { q1: tf.Tensor1D; q2: tf.Tensor1D } {
    return tf.tidy(() => ({
      q1: tf.reshape(this.q1.apply(obsAct, options), [-1]) as tf.Tensor1D,
      q2: tf.reshape(this.q2.apply(obsAct, options), [-1]) as tf.Tensor1D,
    }));
  }

  /** min(q1, q2): [batch] (the clipped double-Q target). */
  minQ(obsAct: tf.Tensor2D, options: ApplyOptions = {}): tf.Tensor1D {
    return tf.tidy(() => {
      const { q1, q2 } = this.apply(obsAct, options);
      return tf.minimum(q1, q2);
    });
  }

  get trainableVariables(): tf.Variable[] {
    return [...this.q1.trainableVariables, ...this.q2.trainableVariables];
  }

  getWeights(): Record<string, tf.Tensor> {
    return { ...this.q1.getWeights(), ...this.q2.getWeights() };
  }

  namedVariables(): Record<string, tf.Variable> {
    return { ...this.q1.namedVariables(), ...this.q2.namedVariables() };
  }

  setWeights(weights: Record<string, tf.Tensor>): void {
    this.q1.setWeights(weights);
    this.q2.setWeights(weights);
  }

  copyFrom(other: TwinQ): void {
    this.q1.copyFrom(other.q1);
    this.q2.copyFrom(other.q2);
  }

  dispose(): void {
    this.q1.dispose();
    this.q2.dispose();
  }
}
