/**
 * tfrl's WebAssembly SIMD kernels that work in place on the tfjs wasm backend's heap: the module
 * (built by packages/core/scripts/heap-kernels-wasm.mjs, which documents each function) imports
 * the backend's own `WebAssembly.Memory`, so a kernel reads and writes tensors where tfjs keeps
 * them, without copies. One instance per backend memory. Where WebAssembly SIMD is missing or the
 * backend does not expose its memory, `heapKernels` returns null and callers use tf ops.
 *
 * `gemm` comes in two builds: the plain one (f32x4 mul + add, in every SIMD engine) and, where
 * the engine has WebAssembly relaxed SIMD (Node ≥ 22, Chrome ≥ 114; Node 20 with
 * `--experimental-wasm-relaxed-simd`), a second module whose multiply-adds are
 * `f32x4.relaxed_madd` — one fused multiply-add where the CPU has FMA — 1.25–1.4× as fast at
 * 256 wide (bench/gemm-fma.mjs). It is chosen at run time by feature detection; the environment
 * variable `TFRL_WASM_FMA` (0 or 1) or `setHeapGemmFma` forces either path. The two agree up to
 * float32 rounding (FMA rounds once per step), each is deterministic.
 */
import * as tf from '@tensorflow/tfjs';
import { compileWasmBase64, wasmApi, wasmRelaxedSimd } from '../wasm-module';
import { HEAP_KERNELS_FMA_WASM_BASE64, HEAP_KERNELS_WASM_BASE64 } from './heap-kernels.wasm';

export interface HeapKernels {
  /** See the generator: dz = dy ⊙ f'(y) and db = column sums of dz, in one pass. */
  act_grad_colsum(dy: number, y: number, rows: number, cols: number, dz: number, db: number, kind: number): void;
  sumsq(x: number, n: number): number;
  transpose(x: number, rows: number, cols: number, out: number): void;
  gemm(
    a: number,
    ars: number,
    acs: number,
    b: number,
    c: number,
    R: number,
    Q: number,
    N: number,
    bias: number,
    brow: number,
    act: number,
  ): void;
  adam(
    g: number,
    p: number,
    pOut: number,
    m: number,
    mOut: number,
    v: number,
    vOut: number,
    n: number,
    scale: number,
    l2: number,
    decay: number,
    c1: number,
    c2: number,
    stepSize: number,
    epsHat: number,
  ): void;
}

/** The parts of tfjs's BackendWasm these kernels use. */
export interface WasmHeapBackend {
  wasm?: { asm?: { memory?: unknown } };
  dataIdMap?: { get(dataId: tf.DataId): { memoryOffset: number } | undefined };
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
}

let compiled: object | null | undefined;
let compiledFma: object | null | undefined;
const instances = new WeakMap<object, HeapKernels | null>();

function kernelModule(): object | null {
  if (compiled === undefined) compiled = compileWasmBase64(HEAP_KERNELS_WASM_BASE64);
  return compiled;
}

/** The FMA gemm's module; null where relaxed SIMD is missing (decided at the first call). */
function fmaModule(): object | null {
  if (compiledFma === undefined) compiledFma = wasmRelaxedSimd() ? compileWasmBase64(HEAP_KERNELS_FMA_WASM_BASE64) : null;
  return compiledFma;
}

/** Which gemm to run: `true` FMA, `false` plain, `'auto'` FMA where the engine has it. */
export type HeapGemmFmaMode = boolean | 'auto';

let fmaMode: HeapGemmFmaMode | undefined;
let fmaOn: boolean | undefined;

/** `TFRL_WASM_FMA`: 0 / off / false, 1 / on / true, anything else (or unset) auto. */
function envFmaMode(): HeapGemmFmaMode {
  const v = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.TFRL_WASM_FMA;
  const s = v?.trim().toLowerCase();
  if (s === '0' || s === 'off' || s === 'false') return false;
  if (s === '1' || s === 'on' || s === 'true') return true;
  return 'auto';
}

function resolveFma(): boolean {
  fmaMode ??= envFmaMode();
  const available = fmaModule() !== null;
  if (fmaMode === true && !available) {
    console.warn(
      'tfrl: TFRL_WASM_FMA=1 but this engine has no WebAssembly relaxed SIMD (Node 20 needs --experimental-wasm-relaxed-simd); using the plain gemm',
    );
    fmaMode = false;
  }
  fmaOn = fmaMode !== false && available;
  return fmaOn;
}

/**
 * Whether `gemm` runs the FMA build now: the engine has relaxed SIMD and neither `TFRL_WASM_FMA=0`
 * nor `setHeapGemmFma(false)` turned it off.
 */
export function heapGemmFma(): boolean {
  return fmaOn ?? resolveFma();
}

/**
 * Force the FMA gemm on (`true`; throws where the engine has no relaxed SIMD) or off (`false`,
 * the plain kernel), or back to the default (`'auto'`: on where available, `TFRL_WASM_FMA` not
 * consulted again). Takes effect at the next call, in every kernel instance, so benchmarks can
 * alternate. Whether relaxed SIMD exists is decided at the first kernel call or first call of
 * this function: an engine flag must be set before that.
 */
export function setHeapGemmFma(mode: HeapGemmFmaMode): void {
  if (mode === true && fmaModule() === null) {
    throw new Error(
      'setHeapGemmFma(true): this engine has no WebAssembly relaxed SIMD (Node ≥ 22; Node 20 with --experimental-wasm-relaxed-simd)',
    );
  }
  fmaMode = mode;
  resolveFma();
}

/**
 * Whether the engine keeps the FMA module's 6-row tiles (12 accumulators) in registers: V8 from
 * 13.6 (Node 24, Chrome 136) does; V8 11.3 to 12.9 (Node 20 to 23) hoists the six loads of A ahead
 * of the FMAs and spills, so there the 4-row export is faster (both give the same bits). Engines
 * whose V8 version is unknown get the 4-row one, which no engine measured was slow with.
 */
function tallFmaTiles(): boolean {
  const g = globalThis as { process?: { versions?: { v8?: string } }; navigator?: { userAgent?: string } };
  const v8 = g.process?.versions?.v8;
  if (v8 !== undefined) {
    const [major = 0, minor = 0] = v8.split('.').map(Number);
    return major > 13 || (major === 13 && minor >= 6);
  }
  // Chrome N ships V8 (N / 10)
  const chrome = /\bChrom(?:e|ium)\/(\d+)/.exec(g.navigator?.userAgent ?? '');
  return chrome !== null && Number(chrome[1]) >= 136;
}

/**
 * The kernels instantiated on `memory`: the plain module's, with `gemm` switching to the FMA
 * module's (instantiated on the same memory) while `heapGemmFma()`. Throws where the memory
 * cannot be imported.
 */
function instantiate(W: NonNullable<ReturnType<typeof wasmApi>>, mod: object, memory: unknown): HeapKernels {
  const base = new W.Instance(mod, { env: { memory } }).exports as unknown as HeapKernels;
  const fm = fmaModule();
  let fmaGemm: HeapKernels['gemm'] | null = null;
  if (fm !== null) {
    try {
      const ex = new W.Instance(fm, { env: { memory } }).exports as unknown as { gemm: HeapKernels['gemm']; gemm_r4: HeapKernels['gemm'] };
      fmaGemm = tallFmaTiles() ? ex.gemm : ex.gemm_r4;
    } catch {
      fmaGemm = null;
    }
  }
  const plainGemm = base.gemm;
  const fused = fmaGemm;
  return {
    act_grad_colsum: base.act_grad_colsum,
    sumsq: base.sumsq,
    transpose: base.transpose,
    adam: base.adam,
    gemm:
      fused === null
        ? plainGemm
        : (a, ars, acs, b, c, R, Q, N, bias, brow, act) =>
            ((fmaOn ?? resolveFma()) ? fused : plainGemm)(a, ars, acs, b, c, R, Q, N, bias, brow, act),
  };
}

/** The kernels bound to this wasm backend's heap, or null where they cannot run. */
export function heapKernels(backend: WasmHeapBackend): HeapKernels | null {
  const memory = backend.wasm?.asm?.memory;
  const W = wasmApi();
  if (memory === undefined || W === undefined || !(memory instanceof (W.Memory as unknown as abstract new () => object))) return null;
  const cached = instances.get(memory as object);
  if (cached !== undefined) return cached;
  const mod = kernelModule();
  let k: HeapKernels | null = null;
  if (mod !== null) {
    try {
      // Fails on a memory the module cannot import (e.g. the threaded build's shared memory):
      // remembered, so the callers' tf-op paths do not retry on every call.
      k = instantiate(W, mod, memory);
    } catch {
      k = null;
    }
  }
  instances.set(memory as object, k);
  return k;
}

/**
 * The kernels on a fresh memory of their own (at least `bytes` long), for host-side math that does
 * not involve tfjs at all, on any backend: the caller lays its float32 arrays out in `memory` and
 * passes byte offsets. Null where WebAssembly SIMD is missing.
 */
export function privateHeapKernels(bytes: number): { kernels: HeapKernels; memory: { readonly buffer: ArrayBuffer } } | null {
  const W = wasmApi();
  const mod = kernelModule();
  if (W === undefined || mod === null) return null;
  try {
    const memory = new W.Memory({ initial: Math.max(1, Math.ceil(bytes / 65536)) });
    const kernels = instantiate(W, mod, memory);
    return { kernels, memory };
  } catch {
    return null;
  }
}

/** Byte offset of a tensor's data in the wasm heap. */
export function heapOffset(backend: WasmHeapBackend, t: tf.TensorInfo): number {
  const e = backend.dataIdMap?.get(t.dataId);
  if (e === undefined) throw new Error('heapOffset: the tensor is not on this wasm backend');
  return e.memoryOffset;
}

/** The activations `act_grad_colsum` implements, by kind number. */
export const ACT_GRAD_KIND: Readonly<Record<string, number>> = { identity: 0, relu: 1, tanh: 2, sigmoid: 3 };

/** tfjs kernel name of the fused activation gradient + bias gradient. */
export const ACT_GRAD_COLSUM = 'TfrlActGradColSum';

function actGradColSumWasm({
  inputs,
  backend,
  attrs,
}: { inputs: Record<string, tf.TensorInfo>; backend: WasmHeapBackend; attrs: Record<string, unknown> }): tf.TensorInfo[] {
  const dy = inputs.dy as tf.TensorInfo;
  const y = inputs.y as tf.TensorInfo;
  const [rows, cols] = dy.shape as [number, number];
  const k = heapKernels(backend);
  if (k === null) throw new Error(`${ACT_GRAD_COLSUM}: the wasm SIMD heap kernels are not available`);
  const dz = backend.makeOutput([rows, cols], 'float32');
  const db = backend.makeOutput([cols], 'float32');
  k.act_grad_colsum(
    heapOffset(backend, dy),
    heapOffset(backend, y),
    rows,
    cols,
    heapOffset(backend, dz),
    heapOffset(backend, db),
    attrs.kind as number,
  );
  return [dz, db];
}

/** tfjs kernel name of the 2-D float32 transpose. */
export const TRANSPOSE_2D = 'TfrlTranspose2D';

function transpose2dWasm({ inputs, backend }: { inputs: Record<string, tf.TensorInfo>; backend: WasmHeapBackend }): tf.TensorInfo {
  const x = inputs.x as tf.TensorInfo;
  const [rows, cols] = x.shape as [number, number];
  const k = heapKernels(backend);
  if (k === null) throw new Error(`${TRANSPOSE_2D}: the wasm SIMD heap kernels are not available`);
  const out = backend.makeOutput([cols, rows], 'float32');
  k.transpose(heapOffset(backend, x), rows, cols, heapOffset(backend, out));
  return out;
}

/** tfjs kernel name of the small fused matrix product `act(op(a) · b + bias)`. */
export const GEMM = 'TfrlGemm';

/**
 * inputs {a, b, bias?}, attrs {transA, act, biasPerRow}: c = act(op(a) · b + bias) with op(a) = a
 * [R, Q] or, with transA, the transpose of a [Q, R]; b [Q, N]; bias [N], or [R] with biasPerRow;
 * act by `ACT_GRAD_KIND` number.
 */
function gemmWasm({
  inputs,
  backend,
  attrs,
}: { inputs: Record<string, tf.TensorInfo>; backend: WasmHeapBackend; attrs: Record<string, unknown> }): tf.TensorInfo {
  const a = inputs.a as tf.TensorInfo;
  const b = inputs.b as tf.TensorInfo;
  const bias = inputs.bias;
  const transA = attrs.transA === true;
  const [a0, a1] = a.shape as [number, number];
  const [R, Q] = transA ? [a1, a0] : [a0, a1];
  const [bq, N] = b.shape as [number, number];
  const biasPerRow = attrs.biasPerRow === true;
  if (bq !== Q || (bias !== undefined && (bias.shape.length !== 1 || bias.shape[0] !== (biasPerRow ? R : N)))) {
    throw new Error(`${GEMM}: shapes do not match: a [${a.shape}]${transA ? 'ᵀ' : ''}, b [${b.shape}], bias [${bias?.shape ?? ''}]`);
  }
  const k = heapKernels(backend);
  if (k === null) throw new Error(`${GEMM}: the wasm SIMD heap kernels are not available`);
  const c = backend.makeOutput([R, N], 'float32');
  const [ars, acs] = transA ? [1, R] : [Q, 1];
  const biasAt = bias === undefined ? -1 : heapOffset(backend, bias);
  k.gemm(
    heapOffset(backend, a),
    ars,
    acs,
    heapOffset(backend, b),
    heapOffset(backend, c),
    R,
    Q,
    N,
    biasAt,
    biasPerRow ? 1 : 0,
    (attrs.act as number | undefined) ?? 0,
  );
  return c;
}

let registered = false;

/** Registers the heap kernels with tfjs for the wasm backend (idempotent, cheap after the first call). */
export function registerHeapKernels(): void {
  if (registered) return;
  registered = true;
  if (!tf.getKernel(TRANSPOSE_2D, 'wasm')) {
    tf.registerKernel({ kernelName: TRANSPOSE_2D, backendName: 'wasm', kernelFunc: transpose2dWasm as unknown as tf.KernelFunc });
  }
  if (!tf.getKernel(GEMM, 'wasm')) {
    tf.registerKernel({ kernelName: GEMM, backendName: 'wasm', kernelFunc: gemmWasm as unknown as tf.KernelFunc });
  }
  if (!tf.getKernel(ACT_GRAD_COLSUM, 'wasm')) {
    tf.registerKernel({ kernelName: ACT_GRAD_COLSUM, backendName: 'wasm', kernelFunc: actGradColSumWasm as unknown as tf.KernelFunc });
  }
}

let enabled = true;

/**
 * Turn the heap kernels off (or back on): callers then take their tf-op paths. For A/B timing
 * and debugging; on by default.
 */
export function setHeapKernelsEnabled(on: boolean): void {
  enabled = on;
}

/** Whether the heap kernels can run on the current backend (wasm with SIMD) and are enabled. */
export function heapKernelsActive(): boolean {
  if (!enabled || tf.getBackend() !== 'wasm') return false;
  return heapKernels(tf.backend() as unknown as WasmHeapBackend) !== null;
}
