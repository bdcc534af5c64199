import * as tf from '@tensorflow/tfjs';
import { ACT_GRAD_COLSUM, ACT_GRAD_KIND, GEMM, TRANSPOSE_2D, heapKernelsActive, registerHeapKernels } from './heap-kernels';

/** Element-wise activations understood by the network builders. */
export type Activation = 'tanh' | 'relu' | 'elu' | 'leaky_relu' | 'sigmoid' | 'identity';

export const ACTIVATIONS: readonly Activation[] = ['tanh', 'relu', 'elu', 'leaky_relu', 'sigmoid', 'identity'];

/** Negative slope of `leaky_relu` (PyTorch's default). */
export const LEAKY_RELU_ALPHA = 0.01;

export function assertActivation(a: unknown, field = 'activation'): asserts a is Activation {
  if (!ACTIVATIONS.includes(a as Activation)) {
    throw new TypeError(`${field} must be one of ${ACTIVATIONS.join(', ')}; got ${JSON.stringify(a)}`);
  }
}

/** Apply an activation with plain tf ops (default tfjs gradients). */
export function activate<T extends tf.Tensor>(z: T, activation: Activation): T {
  switch (activation) {
    case 'tanh':
      return tf.tanh(z);
    case 'relu':
      return tf.relu(z);
    case 'elu':
      return tf.elu(z);
    case 'leaky_relu':
      return tf.leakyRelu(z, LEAKY_RELU_ALPHA);
    case 'sigmoid':
      return tf.sigmoid(z);
    case 'identity':
      return z;
  }
}

/**
 * Gradient of the activation expressed through its OUTPUT `y` (all of ours are invertible
 * enough for that), so the forward pass only has to keep `y`: dz = dy * f'(z(y)).
 */
export function activationGradFromOutput<T extends tf.Tensor>(dy: T, y: T, activation: Activation): T {
  switch (activation) {
    case 'tanh':
      return tf.mul(dy, tf.sub(1, tf.square(y)));
    case 'relu':
      return tf.mul(dy, tf.step(y));
    case 'leaky_relu':
      // step(y, alpha) = y > 0 ? 1 : alpha, and sign(y) = sign(z).
      return tf.mul(dy, tf.step(y, LEAKY_RELU_ALPHA));
    case 'elu':
      // EluGrad(dy, y) = y > 0 ? dy : dy * (y + 1); a single kernel on every backend.
      return tf.engine().runKernel('EluGrad', { dy, y }) as T;
    case 'sigmoid':
      return tf.mul(dy, tf.mul(y, tf.sub(1, y)));
    case 'identity':
      return dy;
  }
}

/**
 * The backward of a dense layer's activation and its bias gradient: dz = dy ⊙ f'(y) and
 * db = Σ_batch dz. On wasm (with SIMD) both come from ONE heap kernel (see heap-kernels.ts):
 * tfjs's Sum over the batch axis transposes first and costs ~0.2 ms for 256×256, more than the
 * whole fused pass; elsewhere, tf ops.
 */
export function activationGradAndBias(dy: tf.Tensor2D, y: tf.Tensor2D, activation: Activation): [tf.Tensor2D, tf.Tensor1D] {
  const kind = ACT_GRAD_KIND[activation];
  if (kind !== undefined && dy.rank === 2 && dy.dtype === 'float32' && y.dtype === 'float32' && heapKernelsActive()) {
    registerHeapKernels();
    return tf.engine().runKernel(ACT_GRAD_COLSUM, { dy, y }, { kind }) as unknown as [tf.Tensor2D, tf.Tensor1D];
  }
  return tf.tidy(() => {
    const dz = activationGradFromOutput(dy, y, activation);
    return [dz, tf.sum(dz, 0) as tf.Tensor1D];
  }) as [tf.Tensor2D, tf.Tensor1D];
}

/**
 * Whether to materialise transposes before a matMul. On the wasm backend a matMul with
 * transposeA/transposeB runs a slow generic loop (10–20x slower than the XNNPACK path for
 * 256x256), while an explicit `tf.transpose` is cheap; on cpu / tfjs-node / webgl the flags
 * are free and an explicit transpose is a wasted copy.
 */
export function prefersExplicitTranspose(backend = tf.getBackend()): boolean {
  return backend === 'wasm';
}

/**
 * The transpose of a matrix: on wasm (with SIMD) one heap kernel of 4×4 byte shuffles, ~3x faster
 * than tfjs's generic Transpose at 256×256; elsewhere `tf.transpose`. Not differentiable on the
 * kernel path (used inside hand-written gradients).
 */
export function transpose2d(x: tf.Tensor2D): tf.Tensor2D {
  if (x.rank === 2 && x.dtype === 'float32' && heapKernelsActive()) {
    registerHeapKernels();
    return tf.engine().runKernel(TRANSPOSE_2D, { x }, {}) as tf.Tensor2D;
  }
  return tf.transpose(x);
}

/** Whether both operands can go to the heap `gemm` kernel (float32 matrices on wasm with SIMD). */
function gemmOk(a: tf.Tensor, b: tf.Tensor): boolean {
  return a.rank === 2 && b.rank === 2 && a.dtype === 'float32' && b.dtype === 'float32' && heapKernelsActive();
}

/**
 * act(op(a) · b + bias) in ONE heap kernel (see heap-kernels.ts): no XNNPACK set-up or weight
 * packing per call, the bias and activation applied to the sums in registers, and aᵀ read in
 * place. Measured on wasm against matMul + add (+ tanh as 2σ(2z) − 1): 256×64·64×64 73 vs 128 µs,
 * 8×4·4×64 2 vs 54 µs, and level at 256³ and above (about 30 GFLOP/s, as XNNPACK) for the plain
 * build; where the engine has relaxed SIMD the FMA build runs instead, 1.2–1.4× as fast as either
 * at 256³ and [64, 256]·[256, 256], forward and both gradient products (Node 24, one thread:
 * about 50 against 41 and 36 GFLOP/s forward, bench/gemm-fma.mjs). So every dense product on
 * wasm comes here, at every size. Only when `gemmOk`; `act` is an `ACT_GRAD_KIND` number.
 */
function gemmKernel(a: tf.Tensor2D, b: tf.Tensor2D, transA: boolean, bias?: tf.Tensor1D, act = 0, biasPerRow = false): tf.Tensor2D {
  registerHeapKernels();
  registerGemmGradient();
  const inputs: tf.NamedTensorMap = bias === undefined ? { a, b } : { a, b, bias };
  return tf.engine().runKernel(GEMM, inputs, { transA, act, biasPerRow }) as tf.Tensor2D;
}

export interface GemmOptions {
  /** Multiply by the transpose of `a` (read in place on wasm). Default false. */
  transA?: boolean;
  /** Added to every row ([N], or any shape of N elements) or, with `biasPerRow`, to every column ([R] or [R, 1]). */
  bias?: tf.Tensor;
  biasPerRow?: boolean;
  /** Applied last. Default identity. */
  activation?: Activation;
}

/**
 * act(op(a) · b + bias), differentiable: on wasm (with SIMD) ONE heap kernel for identity / relu /
 * tanh / sigmoid (no XNNPACK set-up or weight packing, the bias and activation applied in
 * registers), elsewhere tf ops. a [R, Q] (or [Q, R] with transA), b [Q, N] → [R, N].
 */
export function gemm(a: tf.Tensor2D, b: tf.Tensor2D, options: GemmOptions = {}): tf.Tensor2D {
  const { transA = false, bias, biasPerRow = false, activation = 'identity' } = options;
  const kind = ACT_GRAD_KIND[activation];
  if (kind !== undefined && gemmOk(a, b) && (bias === undefined || bias.dtype === 'float32')) {
    if (bias === undefined) return gemmKernel(a, b, transA, undefined, kind);
    // A reshape shares the data; the tape carries the gradient back to the bias's own shape.
    const flat = tf.reshape(bias, [bias.size]) as tf.Tensor1D;
    const out = gemmKernel(a, b, transA, flat, kind, biasPerRow);
    flat.dispose();
    return out;
  }
  return tf.tidy(() => {
    let z = (transA ? matMulTA(a, b) : tf.matMul(a, b)) as tf.Tensor2D;
    if (bias !== undefined) z = tf.add(z, tf.reshape(bias, biasPerRow ? [bias.size, 1] : [bias.size])) as tf.Tensor2D;
    return activate(z, activation);
  });
}

/** The activation of each `ACT_GRAD_KIND` number. */
const KIND_ACTIVATION: readonly Activation[] = ['identity', 'relu', 'tanh', 'sigmoid'];

let gemmGradRegistered = false;

/**
 * The gradient of the gemm kernel, so that `denseForward` is differentiable with tf.grads too
 * (dense layers themselves use their own custom gradients): with z = op(a)·b + bias and
 * dz = dy ⊙ f'(y), d op(a) = dz·bᵀ, db = op(a)ᵀ·dz, dbias = Σ_rows dz (Σ_columns with biasPerRow).
 */
function registerGemmGradient(): void {
  if (gemmGradRegistered) return;
  gemmGradRegistered = true;
  if (tf.getGradient(GEMM) !== undefined) return;
  tf.registerGradient({
    kernelName: GEMM,
    inputsToSave: ['a', 'b'],
    outputsToSave: [true],
    gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[], attrs?: tf.NamedAttrMap) => {
      const [a, b, y] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
      const transA = attrs?.transA === true;
      const activation = KIND_ACTIVATION[(attrs?.act as number | undefined) ?? 0] ?? 'identity';
      // Computed once for all three input gradients (the backward pass's scope disposes it).
      const dz = activationGradFromOutput(dy as tf.Tensor2D, y, activation);
      return {
        // op(a) = a: da = dz·bᵀ; op(a) = aᵀ: da = (dz·bᵀ)ᵀ = b·dzᵀ
        a: () => (transA ? matMulTB(b, dz) : matMulTB(dz, b)),
        // db = op(a)ᵀ·dz
        b: () => (transA ? (gemmOk(a, dz) ? gemmKernel(a, dz, false) : (tf.matMul(a, dz) as tf.Tensor2D)) : matMulTA(a, dz)),
        bias: () => tf.sum(dz, attrs?.biasPerRow === true ? 1 : 0),
      };
    },
  });
}

/** a^T · b, the fastest way the current backend offers. */
export function matMulTA(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  if (!prefersExplicitTranspose()) return tf.matMul(a, b, true, false);
  if (gemmOk(a, b)) return gemmKernel(a, b, true);
  const at = transpose2d(a);
  const out = tf.matMul(at, b) as tf.Tensor2D;
  at.dispose();
  return out;
}

/** a · b^T, the fastest way the current backend offers. */
export function matMulTB(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  if (!prefersExplicitTranspose()) return tf.matMul(a, b, false, true);
  const bt = transpose2d(b);
  const out = gemmOk(a, bt) ? gemmKernel(a, bt, false) : (tf.matMul(a, bt) as tf.Tensor2D);
  bt.dispose();
  return out;
}

/** Activations `tf.fused.matMul` can apply (tanh is not among them). */
const FUSED_NAME: Partial<Record<Activation, tf.fused.Activation>> = {
  identity: 'linear',
  relu: 'relu',
  elu: 'elu',
  sigmoid: 'sigmoid',
};

/**
 * Value of a dense layer `activation(x · w + b)`, the fastest way the backend offers (on wasm one
 * `gemm` heap kernel for identity / relu / tanh / sigmoid, whose registered gradient is plain
 * tf ops; for elu / leaky_relu the kernel's product + bias, then the activation op). Inside a
 * custom gradient's forward (as in `dense` and `denseStack`) or where no gradient flows (targets,
 * acting) it is just the fast forward; `dense` is the layer to differentiate.
 */
export function denseForward(x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D, activation: Activation): tf.Tensor2D {
  if (tf.getBackend() === 'wasm') {
    const kind = ACT_GRAD_KIND[activation];
    if (b.dtype === 'float32' && gemmOk(x, w)) {
      if (kind !== undefined) return gemmKernel(x, w, false, b, kind);
      // The plain kernel's x·w + b is bit-equal to matMul + add (and the FMA one faster at 256 wide).
      return activate(gemmKernel(x, w, false, b, 0), activation);
    }
    // On wasm the fused op is slower than matMul + add (measured 115 vs 91 µs at 256x64x64,
    // 1.39 vs 1.24 ms at 256^3), and the Tanh kernel is scalar libm (~1.2 ms for 256x256) while
    // Sigmoid is vectorised (~0.08 ms), so tanh(z) = 2σ(2z) − 1 is ~8x faster there.
    const z = tf.add(tf.matMul(x, w), b) as tf.Tensor2D;
    if (activation === 'tanh') return tf.sub(tf.mul(tf.sigmoid(tf.mul(z, 2)), 2), 1);
    return activate(z, activation);
  }
  const fusedAct = FUSED_NAME[activation];
  if (fusedAct !== undefined) {
    return tf.fused.matMul({ a: x, b: w, bias: b, activation: fusedAct }) as tf.Tensor2D;
  }
  return activate(tf.add(tf.matMul(x, w), b) as tf.Tensor2D, activation);
}

export interface DenseOptions {
  /**
   * Compute the gradient with respect to `x` (default true). Set false for a first layer
   * whose input is data: it saves a transpose and a matMul per step. With false, `x` is
   * treated as a constant, so no gradient flows into whatever produced it.
   */
  inputGrad?: boolean;
}

/**
 * A dense layer `activation(x · w + b)` with a hand-written gradient:
 * dz = dy ⊙ f'(·), dx = dz · wᵀ, dw = xᵀ · dz, db = Σ_batch dz.
 * The activation sits inside the custom gradient, so a layer is one tape node and its
 * backward pass is 4–7 kernels; transposes are explicit on wasm (see `prefersExplicitTranspose`).
 *
 * @param x [batch, in]; @param w [in, out]; @param b [out]
 */
export function dense(
  x: tf.Tensor2D,
  w: tf.Tensor2D,
  b: tf.Tensor1D,
  activation: Activation = 'identity',
  options: DenseOptions = {},
): tf.Tensor2D {
  if (x.rank !== 2 || w.rank !== 2 || b.rank !== 1) {
    throw new RangeError(`dense: expected x [batch, in], w [in, out], b [out]; got x ${x.shape}, w ${w.shape}, b ${b.shape}`);
  }
  if (x.shape[1] !== w.shape[0] || w.shape[1] !== b.shape[0]) {
    throw new RangeError(`dense: shapes do not match: x ${x.shape}, w ${w.shape}, b ${b.shape}`);
  }
  if (options.inputGrad === false) {
    const f = tf.customGrad(((wIn: tf.Tensor, bIn: tf.Tensor, save: tf.GradSaveFunc) => {
      const y = denseForward(x, wIn as tf.Tensor2D, bIn as tf.Tensor1D, activation);
      save([y]);
      return {
        value: y,
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
          const [dz, db] = activationGradAndBias(dy as tf.Tensor2D, saved[0] as tf.Tensor2D, activation);
          return [matMulTA(x, dz), db];
        },
      };
    }) as unknown as Parameters<typeof tf.customGrad>[0]);
    return (f as (...args: tf.Tensor[]) => tf.Tensor)(w, b) as tf.Tensor2D;
  }
  const f = tf.customGrad(((xIn: tf.Tensor, wIn: tf.Tensor, bIn: tf.Tensor, save: tf.GradSaveFunc) => {
    const xx = xIn as tf.Tensor2D;
    const ww = wIn as tf.Tensor2D;
    const y = denseForward(xx, ww, bIn as tf.Tensor1D, activation);
    save([xx, ww, y]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sx, sw, sy] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
        const [dz, db] = activationGradAndBias(dy as tf.Tensor2D, sy, activation);
        return [matMulTB(dz, sw), matMulTA(sx, dz), db];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return (f as (...args: tf.Tensor[]) => tf.Tensor)(x, w, b) as tf.Tensor2D;
}

/** The same layer with tfjs's default gradients (reference for tests and benchmarks). */
export function denseDefaultGrad(x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D, activation: Activation = 'identity'): tf.Tensor2D {
  return tf.tidy(() => activate(tf.add(tf.matMul(x, w), b) as tf.Tensor2D, activation));
}

export interface DenseLayerParams {
  w: tf.Tensor2D;
  b: tf.Tensor1D;
  activation: Activation;
}

/**
 * A whole stack of dense layers as ONE custom-gradient node: the tape records a single op, each
 * hidden activation is saved (cloned) once, and the backward pass is the chain of
 * `dz = dy ⊙ f'(y); dW = hᵀ·dz; db = Σ dz; dh = dz·Wᵀ` with no per-layer bookkeeping. Same values
 * and gradients as chaining `dense` (tested); cheaper when per-op overhead dominates (small widths).
 * Weights that are tf.Variables are read from the closure in the backward pass instead of being
 * saved (a saved tensor is copied), which is safe because a gradient call runs forward and
 * backward without assignments in between.
 */
export function denseStack(x: tf.Tensor2D, layers: readonly DenseLayerParams[], options: DenseOptions = {}): tf.Tensor2D {
  if (layers.length === 0) throw new RangeError('denseStack: needs at least one layer');
  let inDim = x.shape[1];
  layers.forEach((l, i) => {
    if (l.w.rank !== 2 || l.b.rank !== 1 || l.w.shape[0] !== inDim || l.w.shape[1] !== l.b.shape[0]) {
      throw new RangeError(`denseStack: layer ${i} has w [${l.w.shape}], b [${l.b.shape}] after a ${inDim}-wide input`);
    }
    inDim = l.w.shape[1];
  });
  const inputGrad = options.inputGrad !== false;
  const L = layers.length;
  const params: tf.Tensor[] = layers.flatMap((l) => [l.w, l.b]);
  const keepW = layers.map((l) => l.w instanceof tf.Variable);
  const f = tf.customGrad(((...args: unknown[]) => {
    const save = args[args.length - 1] as tf.GradSaveFunc;
    const xs = (inputGrad ? args[0] : x) as tf.Tensor2D;
    const ps = args.slice(inputGrad ? 1 : 0, -1) as tf.Tensor[];
    const hs: tf.Tensor2D[] = [xs];
    let h = xs;
    for (let l = 0; l < L; l++) {
      h = denseForward(h, ps[2 * l] as tf.Tensor2D, ps[2 * l + 1] as tf.Tensor1D, (layers[l] as DenseLayerParams).activation);
      hs.push(h);
    }
    // Save: the input if it is not data held by the caller, every layer output, and any weight
    // that is not a Variable.
    const toSave: tf.Tensor[] = [...(inputGrad ? [xs] : []), ...hs.slice(1)];
    const wSavedAt: number[] = [];
    for (let l = 0; l < L; l++) {
      if (!keepW[l]) {
        wSavedAt[l] = toSave.length;
        toSave.push(ps[2 * l] as tf.Tensor);
      }
    }
    save(toSave);
    return {
      value: h,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const off = inputGrad ? 1 : 0;
        const act = (i: number) => (i === 0 ? (inputGrad ? (saved[0] as tf.Tensor2D) : x) : (saved[off + i - 1] as tf.Tensor2D));
        const wOf = (l: number) => (keepW[l] ? (layers[l] as DenseLayerParams).w : (saved[wSavedAt[l] as number] as tf.Tensor2D));
        const grads: tf.Tensor[] = new Array(2 * L);
        let dh = dy as tf.Tensor2D;
        let dx: tf.Tensor | undefined;
        for (let l = L - 1; l >= 0; l--) {
          const [dz, db] = activationGradAndBias(dh, act(l + 1), (layers[l] as DenseLayerParams).activation);
          grads[2 * l] = matMulTA(act(l), dz);
          grads[2 * l + 1] = db;
          if (l > 0) dh = matMulTB(dz, wOf(l));
          else if (inputGrad) dx = matMulTB(dz, wOf(0));
        }
        return inputGrad ? [dx as tf.Tensor, ...grads] : grads;
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  const call = f as (...args: tf.Tensor[]) => tf.Tensor;
  return (inputGrad ? call(x, ...params) : call(...params)) as tf.Tensor2D;
}
