import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../rng';
import { useBackend } from '../testing';
import { Adam } from './adam';
import { type Activation, activationGradAndBias, activationGradFromOutput, denseDefaultGrad, denseForward, transpose2d } from './dense';
import { GEMM, heapKernelsActive, registerHeapKernels, setHeapGemmFma } from './heap-kernels';

const here = path.dirname(fileURLToPath(import.meta.url));

function randomTensor(shape: number[], rng: Rng, squash = false): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = Float32Array.from({ length: n }, () => (squash ? Math.tanh(rng.normal(0, 1)) : rng.normal(0, 1)));
  return tf.tensor(data, shape);
}

function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  const x = a.dataSync();
  const y = b.dataSync();
  expect(x.length).toBe(y.length);
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs((x[i] as number) - (y[i] as number)));
  return m;
}

describe('WebAssembly SIMD heap kernels (wasm backend)', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });

  it('are active on wasm in Node 20 (so the tests below exercise them)', () => {
    expect(heapKernelsActive()).toBe(true);
  });

  for (const activation of ['identity', 'relu', 'tanh', 'sigmoid'] as Activation[]) {
    it(`activation gradient + bias gradient in one kernel equals tf ops (${activation}, odd and SIMD-wide shapes)`, () => {
      const rng = new Rng(7);
      for (const shape of [
        [7, 13],
        [64, 256],
        [1, 5],
        [3, 4],
      ]) {
        const dy = randomTensor(shape, rng) as tf.Tensor2D;
        // Outputs in the activation's range; relu outputs with exact zeros.
        let y = randomTensor(shape, rng, activation === 'tanh') as tf.Tensor2D;
        if (activation === 'relu') y = tf.relu(y) as tf.Tensor2D;
        if (activation === 'sigmoid') y = tf.sigmoid(y) as tf.Tensor2D;
        const before = tf.memory().numTensors;
        const [dz, db] = activationGradAndBias(dy, y, activation);
        expect(tf.memory().numTensors).toBe(before + 2);
        const refDz = activationGradFromOutput(dy, y, activation);
        const refDb = tf.sum(refDz, 0);
        expect(dz.shape).toEqual(shape);
        expect(db.shape).toEqual([shape[1]]);
        expect(maxAbsDiff(dz, refDz)).toBe(0);
        expect(maxAbsDiff(db, refDb)).toBeLessThan(1e-4);
        tf.dispose([dy, y, dz, db, refDz, refDb]);
      }
    });
  }

  it('transpose2d equals tf.transpose (4×4 SIMD blocks and both edges)', () => {
    const rng = new Rng(9);
    for (const shape of [
      [7, 13],
      [256, 256],
      [4, 4],
      [1, 9],
      [64, 256],
      [5, 4],
      [4, 6],
    ]) {
      const x = randomTensor(shape, rng) as tf.Tensor2D;
      const t = transpose2d(x);
      const ref = tf.transpose(x);
      expect(t.shape).toEqual([shape[1], shape[0]]);
      expect(maxAbsDiff(t, ref)).toBe(0);
      tf.dispose([x, t, ref]);
    }
  });

  it('gemm: act(op(a)·b + bias) equals tf ops (every tile: 4-row bands and single rows × 8, 4 and 1 columns; aᵀ read in place)', () => {
    registerHeapKernels();
    // The plain kernel (the FMA one rounds differently: heap-kernels-fma.test.ts).
    setHeapGemmFma(false);
    const rng = new Rng(13);
    const acts: [Activation, number][] = [
      ['identity', 0],
      ['relu', 1],
      ['tanh', 2],
      ['sigmoid', 3],
    ];
    for (const [R, Q, N] of [
      [7, 13, 11],
      [256, 64, 64],
      [8, 4, 64],
      [1, 1, 1],
      [5, 3, 13],
      [4, 9, 12],
      [3, 256, 2],
    ] as [number, number, number][]) {
      const a = randomTensor([R, Q], rng) as tf.Tensor2D;
      const aT = tf.transpose(a) as tf.Tensor2D;
      const b = randomTensor([Q, N], rng) as tf.Tensor2D;
      const bias = randomTensor([N], rng) as tf.Tensor1D;
      const prod = tf.matMul(a, b);
      for (const [activation, act] of acts) {
        for (const withBias of [true, false]) {
          const ref = tf.tidy(() => {
            const z = withBias ? tf.add(prod, bias) : prod;
            if (activation === 'relu') return tf.relu(z);
            if (activation === 'tanh') return tf.tanh(z);
            if (activation === 'sigmoid') return tf.sigmoid(z);
            return tf.clone(z);
          });
          for (const transA of [false, true]) {
            const inputs: tf.NamedTensorMap = withBias ? { a: transA ? aT : a, b, bias } : { a: transA ? aT : a, b };
            const before = tf.memory().numTensors;
            const c = tf.engine().runKernel(GEMM, inputs, { transA, act }) as tf.Tensor;
            expect(tf.memory().numTensors).toBe(before + 1);
            expect(c.shape).toEqual([R, N]);
            // The sums run over q in order in float32, as XNNPACK's do: identity and relu are
            // bit-equal; tanh and sigmoid go through the kernel's own exp (about 1 ulp).
            const d = maxAbsDiff(c, ref);
            if (act <= 1) expect(d).toBe(0);
            else expect(d).toBeLessThan(5e-7);
            c.dispose();
          }
          ref.dispose();
        }
      }
      tf.dispose([a, aT, b, bias, prod]);
    }
    setHeapGemmFma('auto');
  });

  it('gemm has a gradient: tf.grads through denseForward equals the default-gradient layer (x, w, b; every activation)', () => {
    const rng = new Rng(17);
    for (const activation of ['identity', 'relu', 'tanh', 'sigmoid'] as Activation[]) {
      const x = randomTensor([9, 6], rng) as tf.Tensor2D;
      const w = randomTensor([6, 5], rng) as tf.Tensor2D;
      const b = randomTensor([5], rng) as tf.Tensor1D;
      const wy = randomTensor([9, 5], rng);
      const f = (fwd: typeof denseForward) => (xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) =>
        tf.sum(tf.mul(fwd(xx as tf.Tensor2D, ww as tf.Tensor2D, bb as tf.Tensor1D, activation), wy));
      const got = tf.grads(f(denseForward))([x, w, b]);
      const ref = tf.grads(f(denseDefaultGrad))([x, w, b]);
      got.forEach((g, i) => expect(maxAbsDiff(g, ref[i] as tf.Tensor)).toBeLessThan(1e-5));
      tf.dispose([x, w, b, wy, ...got, ...ref]);
    }
    // aᵀ read in place: the gradient with respect to a comes back in a's own layout.
    const a = randomTensor([6, 9], rng) as tf.Tensor2D;
    const bm = randomTensor([6, 4], rng) as tf.Tensor2D;
    const [ga, gb] = tf.grads((aa: tf.Tensor, bb: tf.Tensor) =>
      tf.sum(tf.square(tf.engine().runKernel(GEMM, { a: aa, b: bb }, { transA: true, act: 2 }) as tf.Tensor)),
    )([a, bm]);
    const [ra, rb] = tf.grads((aa: tf.Tensor, bb: tf.Tensor) => tf.sum(tf.square(tf.tanh(tf.matMul(aa, bb, true, false)))))([a, bm]);
    expect(maxAbsDiff(ga as tf.Tensor, ra as tf.Tensor)).toBeLessThan(1e-5);
    expect(maxAbsDiff(gb as tf.Tensor, rb as tf.Tensor)).toBeLessThan(1e-5);
    tf.dispose([a, bm, ga, gb, ra, rb] as tf.Tensor[]);
  });

  it('gemm: tanh and sigmoid saturate cleanly at large |z| (the exp is clamped, no NaN or overflow)', () => {
    registerHeapKernels();
    const z = tf.tensor2d([[-1000, -90, -20, -1e-6, 0, 1e-6, 20, 90, 1000]]);
    const one = tf.ones([1, 1]) as tf.Tensor2D;
    for (const [act, f] of [
      [2, Math.tanh],
      [3, (x: number) => 1 / (1 + Math.exp(-x))],
    ] as [number, (x: number) => number][]) {
      const c = tf.engine().runKernel(GEMM, { a: one, b: z }, { transA: false, act }) as tf.Tensor;
      const got = c.dataSync();
      z.dataSync().forEach((x, i) => {
        expect(Number.isFinite(got[i])).toBe(true);
        expect(Math.abs((got[i] as number) - f(x))).toBeLessThan(2e-7);
      });
      c.dispose();
    }
    tf.dispose([z, one]);
  });

  it('Adam: the SIMD single-kernel update follows the tf-op update on a 66k-parameter model (clipping, L2)', () => {
    const shapes = [[8, 256], [256], [256, 255], [255], [255, 3]];
    const run = (fusedKernel: 'auto' | false) => {
      const r = new Rng(11);
      const vars = shapes.map((s) => tf.variable(randomTensor(s, r)));
      const init = vars.map((v) => tf.clone(v));
      const opt = new Adam(vars, { lr: 1e-2, maxGradNorm: 5, weightDecay: 1e-3, fusedKernel });
      const gr = new Rng(5);
      for (let step = 0; step < 3; step++) {
        const grads = shapes.map((s) => randomTensor(s, gr));
        opt.step(grads);
        tf.dispose(grads);
      }
      const out = vars.map((v) => tf.clone(v));
      const norm = opt.lastGradNorm?.dataSync()[0];
      opt.dispose();
      tf.dispose(vars);
      return { out, norm, init };
    };
    const simd = run('auto');
    const ops = run(false);
    expect(simd.norm).toBeDefined();
    expect(Math.abs((simd.norm as number) - (ops.norm as number)) / (ops.norm as number)).toBeLessThan(1e-5);
    let worst = 0;
    for (let i = 0; i < shapes.length; i++) worst = Math.max(worst, maxAbsDiff(simd.out[i] as tf.Tensor, ops.out[i] as tf.Tensor));
    expect(worst).toBeLessThan(1e-5);
    // The parameters did move (a check that cannot pass on a no-op update).
    expect(maxAbsDiff(simd.out[2] as tf.Tensor, simd.init[2] as tf.Tensor)).toBeGreaterThan(1e-3);
    tf.dispose([...simd.out, ...ops.out, ...simd.init, ...ops.init]);
  });

  it('the committed module is what the generator builds (not stale)', async () => {
    const gen = await import(path.join(here, '..', '..', 'scripts', 'heap-kernels-wasm.mjs'));
    const ts = await gen.heapKernelsTs();
    expect(readFileSync(path.join(here, 'heap-kernels.wasm.ts'), 'utf8')).toBe(ts);
  });
});
