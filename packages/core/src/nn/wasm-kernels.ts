import * as tf from '@tensorflow/tfjs';
import { type WasmHeapBackend, heapKernels, heapKernelsActive, heapOffset } from './heap-kernels';

/**
 * Gradient kernels the tfjs wasm backend (4.22) lacks, registered for backendName 'wasm':
 *
 * - `Conv2DBackpropFilter` (gradient of a conv's filter) — composed from the backend's own
 *   kernels: dW[kh, kw, ci, co] = Σ_{n, oh, ow} x[n, oh·s + kh, ow·s + kw, ci] · dy[n, oh, ow, co]
 *   is itself a stride-1 convolution of xᵀ ([ci, H, W, n], the batch as channels) with dyᵀ
 *   ([oh, ow, n, co]) dilated by the stride. So it runs on XNNPACK, not a JS loop.
 * - `UnsortedSegmentSum` (gradient of `tf.gather`) — a JS loop over the wasm heap.
 *
 * Idempotent; registers nothing that the backend already has. Call it once after importing
 * `@tensorflow/tfjs-backend-wasm` (the kernels only run when the wasm backend is active, so it
 * is harmless on other backends).
 */
export function registerWasmKernels(): void {
  if (!tf.getKernel('Conv2DBackpropFilter', 'wasm')) {
    tf.registerKernel({ kernelName: 'Conv2DBackpropFilter', backendName: 'wasm', kernelFunc: conv2DBackpropFilterWasm as tf.KernelFunc });
  }
  if (!tf.getKernel('UnsortedSegmentSum', 'wasm')) {
    tf.registerKernel({ kernelName: 'UnsortedSegmentSum', backendName: 'wasm', kernelFunc: unsortedSegmentSumWasm as tf.KernelFunc });
  }
  if (!tf.getKernel(ADAM_FLAT, 'wasm')) {
    tf.registerKernel({ kernelName: ADAM_FLAT, backendName: 'wasm', kernelFunc: adamFlatWasm as unknown as tf.KernelFunc });
  }
  if (!tf.getKernel(SPLIT_FLAT, 'wasm')) {
    tf.registerKernel({ kernelName: SPLIT_FLAT, backendName: 'wasm', kernelFunc: splitFlatWasm as unknown as tf.KernelFunc });
  }
}

/**
 * tfrl's own kernel: cut a flat float32 vector into consecutive pieces of the given shapes in ONE
 * kernel. The wasm backend's Slice/SplitV copy the whole input to a JS array on every call
 * (readSync), which makes splitting a 68k-element Adam update ~1 ms; this reads the heap in place.
 */
export const SPLIT_FLAT = 'TfrlSplitFlat';

/** Split a flat vector into tensors of `shapes`: one kernel on wasm (after registerWasmKernels), slices elsewhere. */
export function splitFlat(x: tf.Tensor1D, shapes: readonly number[][]): tf.Tensor[] {
  const sizes = shapes.map((s) => s.reduce((a, b) => a * b, 1));
  const total = sizes.reduce((a, b) => a + b, 0);
  if (x.rank !== 1 || x.size !== total) {
    throw new RangeError(`splitFlat: expected a flat vector of ${total} values, got shape [${x.shape}]`);
  }
  if (tf.getBackend() === 'wasm' && x.dtype === 'float32' && tf.getKernel(SPLIT_FLAT, 'wasm')) {
    return tf
      .engine()
      .runKernel(SPLIT_FLAT, { x }, { shapes: shapes.map((s) => [...s]) } as unknown as tf.NamedAttrMap) as unknown as tf.Tensor[];
  }
  return tf.tidy(() => {
    let offset = 0;
    return shapes.map((shape, i) => {
      const part = tf.reshape(tf.slice(x, offset, sizes[i] as number), shape);
      offset += sizes[i] as number;
      return part;
    });
  });
}

function splitFlatWasm({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo[] {
  const x = inputs.x as tf.TensorInfo;
  const shapes = attrs.shapes as number[][];
  const outs = shapes.map((s) => backend.makeOutput(s, 'float32'));
  // Views only after every allocation (a heap growth detaches earlier views).
  const xv = backend.typedArrayFromHeap(x) as Float32Array;
  let offset = 0;
  for (const o of outs) {
    const ov = backend.typedArrayFromHeap(o) as Float32Array;
    ov.set(xv.subarray(offset, offset + ov.length));
    offset += ov.length;
  }
  return outs;
}

/** The subset of BackendWasm these kernels use. */
interface WasmBackendLike {
  disposeData(dataId: tf.DataId): boolean;
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
}

interface KernelArgs {
  inputs: Record<string, tf.TensorInfo>;
  backend: WasmBackendLike;
  attrs: Record<string, unknown>;
}

function run(name: string, backend: WasmBackendLike, inputs: Record<string, tf.TensorInfo>, attrs: Record<string, unknown>): tf.TensorInfo {
  const k = tf.getKernel(name, 'wasm');
  if (!k) throw new Error(`registerWasmKernels: the wasm backend has no ${name} kernel`);
  return k.kernelFunc({ inputs, backend, attrs } as unknown as Parameters<tf.KernelFunc>[0]) as tf.TensorInfo;
}

function conv2DBackpropFilterWasm({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const x = inputs.x as tf.TensorInfo;
  const dy = inputs.dy as tf.TensorInfo;
  const strides = attrs.strides as number | [number, number];
  const pad = attrs.pad as 'valid' | 'same' | number;
  const dataFormat = (attrs.dataFormat as string | undefined) ?? 'NHWC';
  const dimRoundingMode = attrs.dimRoundingMode as 'floor' | 'round' | 'ceil' | undefined;
  const filterShape = attrs.filterShape as [number, number, number, number];
  if (dataFormat !== 'NHWC') throw new Error(`wasm Conv2DBackpropFilter: only NHWC is supported, got ${dataFormat}`);
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filterShape,
    strides,
    1,
    pad,
    dimRoundingMode,
    false,
    'channelsLast',
  );
  const { top, bottom, left, right } = info.padInfo;
  const [kh, kw, ci, co] = filterShape;
  const temps: tf.TensorInfo[] = [];
  try {
    let xp = x;
    if (top || bottom || left || right) {
      xp = run(
        'PadV2',
        backend,
        { x },
        {
          paddings: [
            [0, 0],
            [top, bottom],
            [left, right],
            [0, 0],
          ],
          constantValue: 0,
        },
      );
      temps.push(xp);
    }
    const xt = run('Transpose', backend, { x: xp }, { perm: [3, 1, 2, 0] }); // [ci, Hp, Wp, n]
    temps.push(xt);
    const ft = run('Transpose', backend, { x: dy }, { perm: [1, 2, 0, 3] }); // [oh, ow, n, co]
    temps.push(ft);
    let g = run(
      'Conv2D',
      backend,
      { x: xt, filter: ft },
      {
        strides: [1, 1],
        pad: 'valid',
        dataFormat: 'NHWC',
        dilations: [info.strideHeight, info.strideWidth],
        dimRoundingMode: undefined,
      },
    ); // [ci, >=kh, >=kw, co]
    temps.push(g);
    if (g.shape[1] !== kh || g.shape[2] !== kw) {
      g = run('Slice', backend, { x: g }, { begin: [0, 0, 0, 0], size: [ci, kh, kw, co] });
      temps.push(g);
    }
    return run('Transpose', backend, { x: g }, { perm: [1, 2, 0, 3] }); // [kh, kw, ci, co]
  } finally {
    for (const t of temps) if (t !== x) backend.disposeData(t.dataId);
  }
}

function unsortedSegmentSumWasm({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const x = inputs.x as tf.TensorInfo;
  const ids = inputs.segmentIds as tf.TensorInfo;
  const numSegments = attrs.numSegments as number;
  if (x.dtype !== 'float32' && x.dtype !== 'int32') {
    throw new Error(`wasm UnsortedSegmentSum: dtype ${x.dtype} is not supported`);
  }
  const nIds = ids.shape.reduce((a, b) => a * b, 1);
  const inner = ids.shape.length === 0 ? 1 : x.shape.slice(ids.shape.length).reduce((a, b) => a * b, 1);
  const out = backend.makeOutput([numSegments, ...x.shape.slice(ids.shape.length)], x.dtype);
  // Take heap views only after allocating: the heap may have grown (and moved).
  const o = backend.typedArrayFromHeap(out) as Float32Array | Int32Array;
  const xv = backend.typedArrayFromHeap(x) as Float32Array | Int32Array;
  const idv = backend.typedArrayFromHeap(ids) as Int32Array;
  o.fill(0);
  for (let i = 0; i < nIds; i++) {
    const s = idv[i] as number;
    if (s < 0 || s >= numSegments) continue; // as TensorFlow: out-of-range ids are dropped
    const src = i * inner;
    const dst = s * inner;
    for (let j = 0; j < inner; j++) o[dst + j] = (o[dst + j] as number) + (xv[src + j] as number);
  }
  return out;
}

/**
 * tfrl's own kernel: a whole Adam step (optional global-norm clipping, L2 or decoupled weight
 * decay, moment updates, bias-corrected update of every parameter) as ONE wasm-backend kernel,
 * a JS loop over the wasm heap. Inputs g0..g{n-1}, p0..p{n-1}, m, v (flat moments); outputs the
 * new p0..p{n-1}, m, v and the pre-clip gradient norm (a scalar). It replaces ~3n + 15 small
 * kernels, whose fixed cost dominates for the small networks of RL.
 */
export const ADAM_FLAT = 'TfrlAdamFlatStep';

export interface AdamFlatAttrs {
  n: number;
  beta1: number;
  beta2: number;
  /** lr·√(1−β2ᵗ)/(1−β1ᵗ) */
  stepSize: number;
  /** eps·√(1−β2ᵗ) */
  epsHat: number;
  /** Coupled (L2) weight decay added to the gradient. */
  l2: number;
  /** Multiplier of the parameter before the update (1 − lr·wd for AdamW, else 1). */
  decay: number;
  /** Clip the global gradient norm to this value; 0 = no clipping. */
  maxGradNorm: number;
}

function adamFlatWasm({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo[] {
  const a = attrs as unknown as AdamFlatAttrs;
  const n = a.n;
  const pIn: tf.TensorInfo[] = [];
  const gIn: tf.TensorInfo[] = [];
  for (let i = 0; i < n; i++) {
    pIn.push(inputs[`p${i}`] as tf.TensorInfo);
    gIn.push(inputs[`g${i}`] as tf.TensorInfo);
  }
  const mIn = inputs.m as tf.TensorInfo;
  const vIn = inputs.v as tf.TensorInfo;
  const pOut = pIn.map((p) => backend.makeOutput([...p.shape], 'float32'));
  const mOut = backend.makeOutput([...mIn.shape], 'float32');
  const vOut = backend.makeOutput([...vIn.shape], 'float32');
  const normOut = backend.makeOutput([], 'float32');
  const simd = heapKernelsActive() ? heapKernels(backend as unknown as WasmHeapBackend) : null;
  if (simd !== null) {
    // The WebAssembly SIMD kernel (float32 arithmetic, as tfjs's own Adam), in place on the heap.
    const hb = backend as unknown as WasmHeapBackend;
    const at = (t: tf.TensorInfo) => heapOffset(hb, t);
    let sq = 0;
    for (const g of gIn)
      sq += simd.sumsq(
        at(g),
        g.shape.reduce((x, y) => x * y, 1),
      );
    const norm = Math.sqrt(sq);
    (backend.typedArrayFromHeap(normOut) as Float32Array)[0] = norm;
    const scale = a.maxGradNorm > 0 ? Math.min(1, a.maxGradNorm / (norm + 1e-6)) : 1;
    const [m, v, mo, vo] = [mIn, vIn, mOut, vOut].map(at) as [number, number, number, number];
    let off = 0;
    for (let i = 0; i < n; i++) {
      const g = gIn[i] as tf.TensorInfo;
      const len = g.shape.reduce((x, y) => x * y, 1);
      const b = off * 4;
      simd.adam(
        at(g),
        at(pIn[i] as tf.TensorInfo),
        at(pOut[i] as tf.TensorInfo),
        m + b,
        mo + b,
        v + b,
        vo + b,
        len,
        scale,
        a.l2,
        a.decay,
        1 - a.beta1,
        1 - a.beta2,
        a.stepSize,
        a.epsHat,
      );
      off += len;
    }
    return [...pOut, mOut, vOut, normOut];
  }
  // Views only after every allocation (a heap growth detaches earlier views).
  const view = (t: tf.TensorInfo) => backend.typedArrayFromHeap(t) as Float32Array;
  const gv = gIn.map(view);
  let sq = 0;
  for (const g of gv) for (let j = 0; j < g.length; j++) sq += (g[j] as number) * (g[j] as number);
  const norm = Math.sqrt(sq);
  view(normOut)[0] = norm;
  // torch.nn.utils.clip_grad_norm_: scale = min(1, max / (norm + 1e-6)).
  const scale = a.maxGradNorm > 0 ? Math.min(1, a.maxGradNorm / (norm + 1e-6)) : 1;
  const m = view(mIn);
  const v = view(vIn);
  const mo = view(mOut);
  const vo = view(vOut);
  const c1 = 1 - a.beta1;
  const c2 = 1 - a.beta2;
  const { stepSize, epsHat, l2, decay } = a;
  let off = 0;
  for (let i = 0; i < n; i++) {
    const g = gv[i] as Float32Array;
    const p = view(pIn[i] as tf.TensorInfo);
    const po = view(pOut[i] as tf.TensorInfo);
    for (let j = 0; j < g.length; j++, off++) {
      const pj = p[j] as number;
      const gj = (g[j] as number) * scale + l2 * pj;
      const mj = (m[off] as number) + (gj - (m[off] as number)) * c1;
      const vj = (v[off] as number) + (gj * gj - (v[off] as number)) * c2;
      mo[off] = mj;
      vo[off] = vj;
      po[j] = pj * decay - (stepSize * mj) / (Math.sqrt(vj) + epsHat);
    }
  }
  return [...pOut, mOut, vOut, normOut];
}
