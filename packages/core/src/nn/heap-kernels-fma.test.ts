import { existsSync, readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { Rng } from '../rng';
import { useBackend } from '../testing';
import { compileWasmBase64, wasmApi, wasmRelaxedSimd } from '../wasm-module';
import { activate, denseForward } from './dense';
import { GEMM, type HeapKernels, heapGemmFma, privateHeapKernels, registerHeapKernels, setHeapGemmFma } from './heap-kernels';
import { HEAP_KERNELS_FMA_WASM_BASE64 } from './heap-kernels.wasm';

// The FMA gemm (f32x4.relaxed_madd) against the plain gemm and a float64 reference. Where the
// engine lacks relaxed SIMD (Node 20 without --experimental-wasm-relaxed-simd) the FMA cases are
// skipped and the fallback cases run; on Node ≥ 22, or Node 20 with that flag in NODE_OPTIONS,
// both run.

/** The engine has relaxed SIMD (then the FMA gemm is available). */
const relaxed = wasmRelaxedSimd();
/** The CPU fuses relaxed_madd (x64 with FMA3, every arm64): then FMA and plain results differ in the last bits. */
const hwFma = process.arch === 'arm64' || (existsSync('/proc/cpuinfo') && /\bfma\b/.test(readFileSync('/proc/cpuinfo', 'utf8')));

const U = 2 ** -24; // unit roundoff of float32
const ACTS = ['identity', 'relu', 'tanh', 'sigmoid'] as const;
const F64_ACT: Record<(typeof ACTS)[number], (z: number) => number> = {
  identity: (z) => z,
  relu: (z) => Math.max(0, z),
  tanh: Math.tanh,
  sigmoid: (z) => 1 / (1 + Math.exp(-z)),
};

/** Index of the first element whose bits differ (NaN payloads included), −1 when none; −2 for different lengths. */
function firstBitDifference(x: Float32Array, y: Float32Array): number {
  if (x.length !== y.length) return -2;
  const a = new Uint32Array(x.buffer, x.byteOffset, x.length);
  const b = new Uint32Array(y.buffer, y.byteOffset, y.length);
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

function normals(n: number, rng: Rng): Float32Array {
  return Float32Array.from({ length: n }, () => rng.normal(0, 1));
}

/** op(a)·b + bias in float64 and, per element, Σ_q |A(r, q)·b[q, j]| + |bias| (the error scale). */
function reference(a: Float32Array, b: Float32Array, bias: Float32Array | null, perRow: boolean, R: number, Q: number, N: number) {
  const z = new Float64Array(R * N);
  const scale = new Float64Array(R * N);
  for (let r = 0; r < R; r++) {
    for (let q = 0; q < Q; q++) {
      const x = a[r * Q + q] as number;
      for (let j = 0; j < N; j++) {
        const p = x * (b[q * N + j] as number);
        z[r * N + j] = (z[r * N + j] as number) + p;
        scale[r * N + j] = (scale[r * N + j] as number) + Math.abs(p);
      }
    }
    if (bias !== null) {
      for (let j = 0; j < N; j++) {
        const v = bias[perRow ? r : j] as number;
        z[r * N + j] = (z[r * N + j] as number) + v;
        scale[r * N + j] = (scale[r * N + j] as number) + Math.abs(v);
      }
    }
  }
  return { z, scale };
}

/** The heap gemm through tfjs: act(op(a)·b + bias) with op(a) = a, or aᵀ read in place from `aT`. */
function runGemm(
  a: tf.Tensor2D,
  aT: tf.Tensor2D,
  b: tf.Tensor2D,
  bias: tf.Tensor1D | null,
  perRow: boolean,
  transA: boolean,
  act: number,
): Float32Array {
  const inputs: tf.NamedTensorMap = { a: transA ? aT : a, b };
  if (bias !== null) inputs.bias = bias;
  const c = tf.engine().runKernel(GEMM, inputs, { transA, act, biasPerRow: perRow }) as tf.Tensor;
  const out = c.dataSync() as Float32Array;
  c.dispose();
  return out;
}

// Every band (6, 4, 2 and 1 rows in the FMA build; 4 and 1 in the plain one) and every column tile
// (8, 4, 1), a long sum and the dense layers' 256-wide products.
const SHAPES: [number, number, number][] = [
  [7, 13, 11],
  [1, 1, 1],
  [6, 9, 12],
  [11, 7, 9],
  [13, 5, 6],
  [2, 17, 4],
  [3, 256, 2],
  [64, 256, 256],
  [256, 256, 256],
  [256, 64, 1],
];

describe('FMA gemm (WebAssembly relaxed SIMD) and its fallback', () => {
  beforeAll(async () => {
    await useBackend('wasm');
    registerHeapKernels();
  });
  afterEach(() => {
    setHeapGemmFma('auto');
  });

  it('is on by default exactly where the engine has relaxed SIMD (unless TFRL_WASM_FMA=0)', () => {
    const env = process.env.TFRL_WASM_FMA;
    setHeapGemmFma('auto');
    expect(heapGemmFma()).toBe(relaxed);
    console.info(
      `${process.version}: relaxed SIMD ${relaxed ? 'available' : 'missing'}, FMA gemm ${heapGemmFma() ? 'on' : 'off'} (TFRL_WASM_FMA=${env ?? ''}), hardware FMA ${hwFma}`,
    );
  });

  it('TFRL_WASM_FMA=0 forces the plain gemm; =1 asks for the FMA one (falling back with a warning where it is missing)', async () => {
    const saved = process.env.TFRL_WASM_FMA;
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      for (const [value, expected] of [
        ['0', false],
        ['off', false],
        ['1', relaxed],
        ['auto', relaxed],
      ] as [string, boolean][]) {
        process.env.TFRL_WASM_FMA = value;
        vi.resetModules();
        const fresh = await import('./heap-kernels');
        expect(fresh.heapGemmFma()).toBe(expected);
      }
      expect(warn).toHaveBeenCalledTimes(relaxed ? 0 : 1);
    } finally {
      warn.mockRestore();
      if (saved === undefined) Reflect.deleteProperty(process.env, 'TFRL_WASM_FMA');
      else process.env.TFRL_WASM_FMA = saved;
      vi.resetModules();
    }
  });

  it('forced off (setHeapGemmFma(false)) runs the plain kernel: bit-equal to tf.matMul + bias (+ relu), as XNNPACK sums', () => {
    setHeapGemmFma(false);
    expect(heapGemmFma()).toBe(false);
    const rng = new Rng(3);
    for (const [R, Q, N] of [
      [64, 256, 256],
      [11, 7, 9],
    ] as [number, number, number][]) {
      const a = tf.tensor2d(normals(R * Q, rng), [R, Q]);
      const aT = tf.transpose(a) as tf.Tensor2D;
      const b = tf.tensor2d(normals(Q * N, rng), [Q, N]);
      const bias = tf.tensor1d(normals(N, rng));
      const ref = tf.tidy(() => tf.relu(tf.add(tf.matMul(a, b), bias)).dataSync());
      for (const transA of [false, true])
        expect(firstBitDifference(runGemm(a, aT, b, bias, false, transA, 1), ref as Float32Array)).toBe(-1);
      tf.dispose([a, aT, b, bias]);
    }
  });

  it.runIf(!relaxed)('without relaxed SIMD: forcing FMA on throws, and auto falls back to the plain kernel', () => {
    expect(() => setHeapGemmFma(true)).toThrow(/relaxed SIMD/);
    setHeapGemmFma('auto');
    expect(heapGemmFma()).toBe(false);
  });

  it.runIf(relaxed)(
    'FMA within the stated tolerance of a float64 reference and of the plain kernel (every band and column tile, aᵀ in place, every activation, no / per-column / per-row bias)',
    () => {
      // Stated tolerance, per element, for either kernel: |ŷ − y| ≤ (Q + 1)·u·(Σ_q |A(r,q)·b[q,j]| + |bias|)
      // (float32 recursive summation, fused or not, plus the bias; u = 2⁻²⁴; the activations are
      // 1-Lipschitz) + 1e-6 for tanh / sigmoid (the kernel's exp); so |fma − plain| ≤ twice that.
      const rng = new Rng(21);
      let worstRatio = 0; // max |fma − ref| / (u·scale) over every case, for the log
      for (const [R, Q, N] of SHAPES) {
        const aData = normals(R * Q, rng);
        const bData = normals(Q * N, rng);
        const colBias = normals(N, rng);
        const rowBias = normals(R, rng);
        const a = tf.tensor2d(aData, [R, Q]);
        const aT = tf.transpose(a) as tf.Tensor2D;
        const b = tf.tensor2d(bData, [Q, N]);
        const biases: [Float32Array | null, boolean][] = [
          [null, false],
          [colBias, false],
          [rowBias, true],
        ];
        for (const [biasData, perRow] of biases) {
          const { z, scale } = reference(aData, bData, biasData, perRow, R, Q, N);
          const bias = biasData === null ? null : tf.tensor1d(biasData);
          for (const [act, name] of ACTS.entries()) {
            const f = F64_ACT[name];
            for (const transA of [false, true]) {
              setHeapGemmFma(true);
              const fma = runGemm(a, aT, b, bias, perRow, transA, act);
              setHeapGemmFma(false);
              const plain = runGemm(a, aT, b, bias, perRow, transA, act);
              for (let i = 0; i < R * N; i++) {
                const s = scale[i] as number;
                const tol = (Q + 1) * U * s + (act >= 2 ? 1e-6 : 0);
                const want = f(z[i] as number);
                const e = Math.abs((fma[i] as number) - want);
                if (!(e <= tol) || !(Math.abs((fma[i] as number) - (plain[i] as number)) <= 2 * tol)) {
                  throw new Error(
                    `[${R}, ${Q}, ${N}] ${name} transA ${transA} bias ${biasData === null ? 'none' : perRow ? 'row' : 'col'} #${i}: fma ${fma[i]}, plain ${plain[i]}, float64 ${want}, tol ${tol}`,
                  );
                }
                if (act === 0 && s > 0) worstRatio = Math.max(worstRatio, e / (U * s));
              }
            }
          }
          bias?.dispose();
        }
        tf.dispose([a, aT, b]);
      }
      // In practice the error stays far inside the (Q + 1)·u bound (random signs): about √Q·u.
      console.info(`FMA gemm: max |fma − float64| = ${worstRatio.toFixed(2)}·u·Σ|a·b| (bound Q + 1)`);
      expect(worstRatio).toBeLessThan(40);
    },
  );

  it.runIf(relaxed && hwFma)(
    'FMA really fuses: results differ from the plain kernel in the last bits and are closer to float64 on average',
    () => {
      const rng = new Rng(5);
      const [R, Q, N] = [64, 256, 256];
      const aData = normals(R * Q, rng);
      const bData = normals(Q * N, rng);
      const a = tf.tensor2d(aData, [R, Q]);
      const aT = tf.transpose(a) as tf.Tensor2D;
      const b = tf.tensor2d(bData, [Q, N]);
      const { z } = reference(aData, bData, null, false, R, Q, N);
      setHeapGemmFma(true);
      const fma = runGemm(a, aT, b, null, false, false, 0);
      setHeapGemmFma(false);
      const plain = runGemm(a, aT, b, null, false, false, 0);
      let differ = 0;
      let sqF = 0;
      let sqP = 0;
      for (let i = 0; i < R * N; i++) {
        if (fma[i] !== plain[i]) differ++;
        sqF += ((fma[i] as number) - (z[i] as number)) ** 2;
        sqP += ((plain[i] as number) - (z[i] as number)) ** 2;
      }
      console.info(
        `FMA gemm [${R}, ${Q}, ${N}]: ${differ} of ${R * N} outputs differ from the plain kernel; RMS error vs float64 ${Math.sqrt(sqF / (R * N)).toExponential(2)} (plain ${Math.sqrt(sqP / (R * N)).toExponential(2)})`,
      );
      expect(differ).toBeGreaterThan((R * N) / 4);
      expect(sqF).toBeLessThan(sqP);
      tf.dispose([a, aT, b]);
    },
  );

  it.runIf(relaxed)(
    "the FMA module's two row plans (gemm: 6-row bands, gemm_r4: 4-row bands, chosen by V8 version) give the same bits",
    () => {
      const mod = compileWasmBase64(HEAP_KERNELS_FMA_WASM_BASE64);
      expect(mod).not.toBeNull();
      const W = wasmApi();
      if (W === undefined || mod === null) return;
      const memory = new W.Memory({ initial: 16 }); // 1 MiB
      const ex = new W.Instance(mod, { env: { memory } }).exports as unknown as { gemm: HeapKernels['gemm']; gemm_r4: HeapKernels['gemm'] };
      const f32 = new Float32Array(memory.buffer);
      const rng = new Rng(4);
      const [A, B, BIAS, C] = [0, 65536, 131072, 196608]; // float32 offsets
      for (const [R, Q, N] of SHAPES) {
        f32.set(normals(R * Q, rng), A);
        f32.set(normals(Q * N, rng), B);
        f32.set(normals(Math.max(R, N), rng), BIAS);
        for (const transA of [false, true]) {
          for (const [bias, brow] of [
            [-1, 0],
            [4 * BIAS, 0],
            [4 * BIAS, 1],
          ]) {
            for (let act = 0; act < 4; act++) {
              const run = (g: HeapKernels['gemm']) => {
                f32.fill(Number.NaN, C, C + R * N);
                g(4 * A, transA ? 1 : Q, transA ? R : 1, 4 * B, 4 * C, R, Q, N, bias as number, brow as number, act);
                return f32.slice(C, C + R * N);
              };
              expect(firstBitDifference(run(ex.gemm_r4), run(ex.gemm))).toBe(-1);
            }
          }
        }
      }
    },
  );

  it('deterministic: the same inputs give bitwise the same outputs on the same path (fresh tensors, other paths in between)', () => {
    const rng = new Rng(8);
    const paths = relaxed ? [false, true] : [false];
    for (const [R, Q, N] of [
      [256, 256, 256],
      [11, 7, 9],
    ] as [number, number, number][]) {
      const aData = normals(R * Q, rng);
      const bData = normals(Q * N, rng);
      const biasData = normals(N, rng);
      const once = () => {
        const a = tf.tensor2d(aData, [R, Q]);
        const aT = tf.transpose(a) as tf.Tensor2D;
        const b = tf.tensor2d(bData, [Q, N]);
        const bias = tf.tensor1d(biasData);
        const out = paths.flatMap((on) => {
          setHeapGemmFma(on);
          return [runGemm(a, aT, b, bias, false, false, 2), runGemm(a, aT, b, bias, false, true, 3)];
        });
        tf.dispose([a, aT, b, bias]);
        return out;
      };
      const first = once();
      const garbage = tf.ones([123, 45]); // moves the next tensors elsewhere on the heap
      const second = once();
      garbage.dispose();
      first.forEach((o, i) => expect(firstBitDifference(second[i] as Float32Array, o)).toBe(-1));
    }
  });

  it('elu / leaky_relu dense layers take the gemm product too: bit-equal to matMul + add on the plain path, close on the FMA one', () => {
    const rng = new Rng(6);
    const x = tf.tensor2d(normals(64 * 256, rng), [64, 256]);
    const w = tf.tensor2d(
      normals(256 * 256, rng).map((v) => v / 16),
      [256, 256],
    );
    const b = tf.tensor1d(normals(256, rng));
    for (const activation of ['elu', 'leaky_relu'] as const) {
      const ref = tf.tidy(() => activate(tf.add(tf.matMul(x, w), b) as tf.Tensor2D, activation).dataSync() as Float32Array);
      for (const on of relaxed ? [false, true] : [false]) {
        setHeapGemmFma(on);
        const y = tf.tidy(() => denseForward(x, w, b, activation).dataSync() as Float32Array);
        if (!on) expect(firstBitDifference(y, ref)).toBe(-1);
        else expect(y.reduce((m, v, i) => Math.max(m, Math.abs(v - (ref[i] as number))), 0)).toBeLessThan(1e-4);
      }
    }
    tf.dispose([x, w, b]);
  });

  it('private kernels (applyHost) follow the same switch as the backend kernels', () => {
    const heap = privateHeapKernels(4 * 4096);
    expect(heap).not.toBeNull();
    if (heap === null) return;
    const f32 = new Float32Array(heap.memory.buffer);
    const rng = new Rng(2);
    const [R, Q, N] = [6, 64, 8];
    f32.set(normals(R * Q, rng), 0);
    f32.set(normals(Q * N, rng), 1024);
    const run = (on: boolean) => {
      setHeapGemmFma(on);
      heap.kernels.gemm(0, Q, 1, 4 * 1024, 4 * 2048, R, Q, N, -1, 0, 0);
      return f32.slice(2048, 2048 + R * N);
    };
    const a = tf.tensor2d(f32.slice(0, R * Q), [R, Q]);
    const b = tf.tensor2d(f32.slice(1024, 1024 + Q * N), [Q, N]);
    const plain = run(false);
    setHeapGemmFma(false);
    expect(runGemm(a, a, b, null, false, false, 0)).toEqual(plain);
    if (relaxed) {
      const fma = run(true);
      setHeapGemmFma(true);
      expect(runGemm(a, a, b, null, false, false, 0)).toEqual(fma);
      if (hwFma) expect(fma).not.toEqual(plain);
    }
    tf.dispose([a, b]);
  });
});
