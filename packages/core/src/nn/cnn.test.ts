import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../rng';
import { Adam, computeGradients } from './adam';
import { Cnn } from './cnn';
import { registerWasmKernels, splitFlat } from './wasm-kernels';

function filterGrad(
  xv: Float32Array,
  xs: number[],
  fv: Float32Array,
  fs: number[],
  uv: Float32Array,
  stride: number,
  pad: 'valid' | 'same',
) {
  return tf.tidy(() => {
    const x = tf.tensor4d(xv, xs as [number, number, number, number]);
    const f = tf.tensor4d(fv, fs as [number, number, number, number]);
    const g = tf.grads((xx: tf.Tensor, ff: tf.Tensor) => {
      const y = tf.conv2d(xx as tf.Tensor4D, ff as tf.Tensor4D, stride, pad);
      return tf.sum(tf.mul(y, tf.reshape(tf.tensor1d(uv.subarray(0, y.size)), y.shape)));
    })([x, f]);
    return { dx: Array.from(g[0]?.dataSync() ?? []), dw: Array.from(g[1]?.dataSync() ?? []) };
  });
}

describe('wasm gradient kernels', () => {
  let prev: string;
  beforeAll(async () => {
    prev = tf.getBackend();
    registerWasmKernels();
    registerWasmKernels(); // idempotent
    await tf.setBackend('wasm');
  });
  afterAll(async () => {
    if (prev) await tf.setBackend(prev);
  });

  it.each([
    [1, 'valid', 3],
    [2, 'valid', 4],
    [3, 'valid', 4],
    [2, 'same', 3],
    [4, 'same', 8],
  ] as const)('Conv2DBackpropFilter (stride %i, %s, kernel %i) matches the cpu backend', async (stride, pad, k) => {
    const rng = new Rng(stride * 10 + k);
    const xs = [3, 17, 15, 2];
    const fs = [k, k, 2, 5];
    const xv = rng.fillNormal(new Float32Array(xs.reduce((a, b) => a * b, 1)));
    const fv = rng.fillNormal(new Float32Array(fs.reduce((a, b) => a * b, 1)));
    const uv = rng.fillNormal(new Float32Array(3 * 17 * 15 * 5));
    const before = tf.memory().numTensors;
    const onWasm = filterGrad(xv, xs, fv, fs, uv, stride, pad);
    expect(tf.memory().numTensors).toBe(before);
    await tf.setBackend('cpu');
    const onCpu = filterGrad(xv, xs, fv, fs, uv, stride, pad);
    await tf.setBackend('wasm');
    expect(onWasm.dw.length).toBe(onCpu.dw.length);
    const scale = Math.max(...onCpu.dw.map(Math.abs));
    onWasm.dw.forEach((v, i) => expect(Math.abs(v - (onCpu.dw[i] as number))).toBeLessThan(1e-4 * scale));
    onWasm.dx.forEach((v, i) => expect(Math.abs(v - (onCpu.dx[i] as number))).toBeLessThan(1e-3));
  });

  it('splitFlat cuts a flat vector into shaped pieces in one kernel, same as slices on cpu', async () => {
    const shapes = [[2, 3], [3], [1], [2, 2]];
    const v = Float32Array.from({ length: 14 }, (_, i) => i * 1.5);
    const run = () => {
      const x = tf.tensor1d(v);
      const parts = splitFlat(x, shapes);
      const out = parts.map((p) => ({ shape: p.shape, values: Array.from(p.dataSync()) }));
      tf.dispose([x, ...parts]);
      return out;
    };
    const before = tf.memory().numTensors;
    const onWasm = run();
    expect(tf.memory().numTensors).toBe(before);
    await tf.setBackend('cpu');
    const onCpu = run();
    await tf.setBackend('wasm');
    expect(onWasm).toEqual(onCpu);
    expect(onWasm[3]).toEqual({ shape: [2, 2], values: [15, 16.5, 18, 19.5] });
    expect(() => splitFlat(tf.zeros([5]) as tf.Tensor1D, shapes)).toThrow(/flat vector of 14 values/);
  });

  it('tf.gather has a gradient on wasm (UnsortedSegmentSum)', () => {
    const p = tf.tensor2d([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
    const idx = tf.tensor1d([2, 0, 2], 'int32');
    const g = tf.grad((pp: tf.Tensor) =>
      tf.sum(
        tf.mul(tf.gather(pp, idx), [
          [1, 10],
          [100, 1000],
          [2, 20],
        ]),
      ),
    )(p);
    expect(Array.from(g.dataSync())).toEqual([100, 1000, 0, 0, 3, 30]);
    tf.dispose([p, idx, g]);
  });
});

describe('Cnn', () => {
  let prev: string;
  beforeAll(async () => {
    prev = tf.getBackend();
    await tf.setBackend('wasm');
  });
  afterAll(async () => {
    if (prev) await tf.setBackend(prev);
  });

  it('Nature-DQN shapes on 84x84x4 frames', () => {
    const net = new Cnn({ inputShape: [84, 84, 4], outputDim: 6, inputScale: 1 / 255, rng: new Rng(0) });
    expect(net.featureDim).toBe(7 * 7 * 64);
    expect(net.trainableVariables.map((v) => v.shape)).toEqual([
      [8, 8, 4, 32],
      [32],
      [4, 4, 32, 64],
      [64],
      [3, 3, 64, 64],
      [64],
      [3136, 512],
      [512],
      [512, 6],
      [6],
    ]);
    const x = tf.zeros([2, 84, 84, 4]) as tf.Tensor4D;
    const y = net.apply(x);
    expect(y.shape).toEqual([2, 6]);
    expect(() => net.apply(tf.zeros([1, 84, 84, 3]) as tf.Tensor4D)).toThrow(/expected input \[batch, 84, 84, 4\]/);
    tf.dispose([x, y]);
    net.dispose();
  });

  it('trains on wasm: loss falls on a toy image task', () => {
    // 10x10 single-channel images with a bright 3x3 blob; the label is which half it is in.
    const rng = new Rng(21);
    const n = 64;
    const imgs = new Float32Array(n * 100);
    const labels = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const right = rng.random() < 0.5;
      labels[i] = right ? 1 : 0;
      const r = rng.integers(0, 8);
      const c = right ? rng.integers(5, 8) : rng.integers(0, 3);
      for (let j = 0; j < 100; j++) imgs[i * 100 + j] = 0.1 * rng.normal();
      for (let dr = 0; dr < 3; dr++) for (let dc = 0; dc < 3; dc++) imgs[i * 100 + (r + dr) * 10 + c + dc] = 1;
    }
    const x = tf.tensor4d(imgs, [n, 10, 10, 1]);
    const y = tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d(labels, 'int32'), 2), 'float32'));
    const net = new Cnn({
      inputShape: [10, 10, 1],
      convs: [
        { filters: 8, kernelSize: 3, stride: 1 },
        { filters: 8, kernelSize: 3, stride: 2, padding: 'same' },
      ],
      hiddenSizes: [16],
      outputDim: 2,
      rng: new Rng(3),
    });
    const opt = new Adam(net.trainableVariables, { lr: 3e-3 });
    const lossFn = () => tf.losses.softmaxCrossEntropy(y, net.apply(x)) as tf.Scalar;
    const losses: number[] = [];
    let n0 = 0;
    for (let i = 0; i < 40; i++) {
      if (i === 1) n0 = tf.memory().numTensors;
      const { loss, grads } = computeGradients(lossFn, net.trainableVariables);
      // conv filters do receive a gradient
      if (i === 0) expect(tf.tidy(() => tf.sum(tf.abs(grads[0] as tf.Tensor)).dataSync()[0] as number)).toBeGreaterThan(0);
      opt.step(grads);
      tf.dispose(grads);
      losses.push(loss as number);
    }
    expect(tf.memory().numTensors).toBe(n0);
    expect(losses[losses.length - 1]).toBeLessThan((losses[0] as number) * 0.5);
    opt.dispose();
    net.dispose();
    tf.dispose([x, y]);
  });
});
