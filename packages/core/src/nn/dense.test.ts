import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../rng';
import { ACTIVATIONS, type Activation, dense, denseDefaultGrad, denseStack, gemm } from './dense';

function randn(rng: Rng, shape: number[]): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(rng.fillNormal(new Float32Array(n)), shape);
}

function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0] as number);
}

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`dense on ${backend}`, () => {
    let prev: string;
    beforeAll(async () => {
      prev = tf.getBackend();
      await tf.setBackend(backend);
      await tf.ready();
    });
    afterAll(async () => {
      if (prev) await tf.setBackend(prev);
    });

    it('gemm: values and gradients of act(op(a)·b + bias) match tf ops (bias per column and per row, aᵀ, every activation)', () => {
      const rng = new Rng(21);
      for (const activation of ACTIVATIONS) {
        for (const [transA, biasPerRow] of [
          [false, false],
          [true, false],
          [false, true],
          [true, true],
        ] as const) {
          const a = randn(rng, transA ? [6, 5] : [5, 6]) as tf.Tensor2D;
          const b = randn(rng, [6, 7]) as tf.Tensor2D;
          const bias = randn(rng, biasPerRow ? [5, 1] : [7]);
          const wy = randn(rng, [5, 7]);
          const ref = (aa: tf.Tensor, bb: tf.Tensor, cc: tf.Tensor) => {
            const z = tf.add(tf.matMul(aa, bb, transA, false), cc);
            return tf.sum(
              tf.mul(denseDefaultGrad(z as tf.Tensor2D, tf.eye(7) as tf.Tensor2D, tf.zeros([7]) as tf.Tensor1D, activation), wy),
            );
          };
          const got = (aa: tf.Tensor, bb: tf.Tensor, cc: tf.Tensor) =>
            tf.sum(tf.mul(gemm(aa as tf.Tensor2D, bb as tf.Tensor2D, { transA, bias: cc, biasPerRow, activation }), wy));
          const before = tf.memory().numTensors;
          const g = tf.grads(got)([a, b, bias]);
          const r = tf.grads(ref)([a, b, bias]);
          expect(tf.memory().numTensors).toBe(before + 6);
          g.forEach((x, i) => {
            expect(x.shape).toEqual((r[i] as tf.Tensor).shape);
            expect(maxAbsDiff(x, r[i] as tf.Tensor)).toBeLessThan(1e-5);
          });
          const v = gemm(a, b, { transA, bias, biasPerRow, activation });
          const rv = tf.tidy(() =>
            denseDefaultGrad(
              tf.add(tf.matMul(a, b, transA, false), bias) as tf.Tensor2D,
              tf.eye(7) as tf.Tensor2D,
              tf.zeros([7]) as tf.Tensor1D,
              activation,
            ),
          );
          expect(maxAbsDiff(v, rv)).toBeLessThan(1e-6);
          tf.dispose([a, b, bias, wy, v, rv, ...g, ...r]);
        }
      }
    });

    for (const act of ACTIVATIONS) {
      it(`gradients match tfjs's default gradient (${act})`, () => {
        const rng = new Rng(7);
        const x = randn(rng, [13, 5]) as tf.Tensor2D;
        const w = randn(rng, [5, 7]) as tf.Tensor2D;
        const b = randn(rng, [7]) as tf.Tensor1D;
        const up = randn(rng, [13, 7]); // random cotangent so every output element matters
        const loss = (f: typeof dense) => (xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) =>
          tf.sum(tf.mul(f(xx as tf.Tensor2D, ww as tf.Tensor2D, bb as tf.Tensor1D, act as Activation), up)) as tf.Scalar;
        const before = tf.memory().numTensors;
        const yFast = dense(x, w, b, act);
        const yRef = denseDefaultGrad(x, w, b, act);
        expect(maxAbsDiff(yFast, yRef)).toBeLessThan(1e-5);
        const gFast = tf.grads(loss(dense))([x, w, b]);
        const gRef = tf.grads(loss(denseDefaultGrad))([x, w, b]);
        for (let i = 0; i < 3; i++) {
          expect(gFast[i]?.shape).toEqual(gRef[i]?.shape);
          expect(maxAbsDiff(gFast[i] as tf.Tensor, gRef[i] as tf.Tensor)).toBeLessThan(1e-4);
        }
        // inputGrad: false gives the same weight gradients.
        const gNoX = tf.grads(
          (ww: tf.Tensor, bb: tf.Tensor) =>
            tf.sum(tf.mul(dense(x, ww as tf.Tensor2D, bb as tf.Tensor1D, act, { inputGrad: false }), up)) as tf.Scalar,
        )([w, b]);
        expect(maxAbsDiff(gNoX[0] as tf.Tensor, gRef[1] as tf.Tensor)).toBeLessThan(1e-4);
        expect(maxAbsDiff(gNoX[1] as tf.Tensor, gRef[2] as tf.Tensor)).toBeLessThan(1e-4);
        tf.dispose([yFast, yRef, ...gFast, ...gRef, ...gNoX]);
        expect(tf.memory().numTensors).toBe(before);
        tf.dispose([x, w, b, up]);
      });
    }

    it.each([true, false])('denseStack (one tape node) matches chained default-gradient layers (inputGrad %s)', (inputGrad) => {
      const rng = new Rng(3);
      const dims = [6, 9, 7, 3];
      const acts: Activation[] = ['tanh', 'elu', 'identity'];
      const x = randn(rng, [11, 6]) as tf.Tensor2D;
      // Mix variables (read from the closure in backward) and plain tensors (saved).
      const params: tf.Tensor[] = [];
      for (let l = 0; l < 3; l++) {
        const w = randn(rng, [dims[l] as number, dims[l + 1] as number]);
        params.push(l === 1 ? w : tf.variable(w), randn(rng, [dims[l + 1] as number]));
      }
      const up = randn(rng, [11, 3]);
      const before = tf.memory().numTensors;
      const stackLoss = (...a: tf.Tensor[]) => {
        const xx = (inputGrad ? a[0] : x) as tf.Tensor2D;
        const ps = inputGrad ? a.slice(1) : a;
        const layers = [0, 1, 2].map((l) => ({
          w: ps[2 * l] as tf.Tensor2D,
          b: ps[2 * l + 1] as tf.Tensor1D,
          activation: acts[l] as Activation,
        }));
        return tf.sum(tf.mul(denseStack(xx, layers, { inputGrad }), up)) as tf.Scalar;
      };
      const refLoss = (...a: tf.Tensor[]) => {
        let h = (inputGrad ? a[0] : x) as tf.Tensor2D;
        const ps = inputGrad ? a.slice(1) : a;
        for (let l = 0; l < 3; l++) h = denseDefaultGrad(h, ps[2 * l] as tf.Tensor2D, ps[2 * l + 1] as tf.Tensor1D, acts[l] as Activation);
        return tf.sum(tf.mul(h, up)) as tf.Scalar;
      };
      const args = inputGrad ? [x, ...params] : params;
      const g1 = tf.grads(stackLoss)(args);
      const g2 = tf.grads(refLoss)(args);
      expect(g1.length).toBe(args.length);
      for (let i = 0; i < g1.length; i++) expect(maxAbsDiff(g1[i] as tf.Tensor, g2[i] as tf.Tensor)).toBeLessThan(1e-4);
      tf.dispose([...g1, ...g2]);
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose([x, up, ...params]);
    });

    it('rejects mismatched shapes with a message naming them', () => {
      const x = tf.zeros([2, 3]) as tf.Tensor2D;
      const w = tf.zeros([4, 2]) as tf.Tensor2D;
      const b = tf.zeros([2]) as tf.Tensor1D;
      expect(() => dense(x, w, b)).toThrow(/shapes do not match/);
      tf.dispose([x, w, b]);
    });
  });
}
