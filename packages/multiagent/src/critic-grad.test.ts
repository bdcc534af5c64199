import * as tf from '@tensorflow/tfjs';
import { Mlp, Rng } from '@tfrl/core';
import { useBackend } from '@tfrl/core/testing';
import { forwardInputGradOnly } from '@tfrl/policy-gradient';
import { beforeAll, describe, expect, it } from 'vitest';
import { criticQWithOwnAction } from './critic-grad';

beforeAll(async () => {
  await useBackend('wasm');
});

const close = (a: tf.Tensor, b: tf.Tensor) => {
  const x = a.dataSync();
  const y = b.dataSync();
  expect(a.shape).toEqual(b.shape);
  x.forEach((v, i) => expect(v).toBeCloseTo(y[i] as number, 4));
};

describe('criticQWithOwnAction', () => {
  it.each([
    ['one agent slot', [7], 'relu'],
    ['two stacked blocks with their own slots (parameter sharing)', [3, 9], 'leaky_relu'],
  ] as const)('%s: the values and the action gradient of forwardInputGradOnly(critic, xData + pad(own))', (_name, offsets, act) => {
    const rows = 6;
    const width = 12;
    const a = 3;
    const critic = new Mlp({ inputDim: width, hiddenSizes: [8, 8], outputDim: 1, activation: act, rng: new Rng(1), name: 'q' });
    const rng = new Rng(2);
    const n = rows * offsets.length;
    const xData = tf.tensor2d(
      Float32Array.from({ length: n * width }, () => rng.normal()),
      [n, width],
    );
    const own = tf.tensor2d(
      Float32Array.from({ length: n * a }, () => rng.uniform(-1, 1)),
      [n, a],
    );
    const w = tf.tensor2d(
      Float32Array.from({ length: n }, () => rng.normal()),
      [n, 1],
    );
    const reference = (o: tf.Tensor) => {
      const placed = offsets.map((off, k) =>
        tf.pad(tf.slice(o, [k * rows, 0], [rows, a]), [
          [0, 0],
          [off, width - off - a],
        ]),
      );
      return forwardInputGradOnly(critic, tf.add(xData, tf.concat(placed, 0)) as tf.Tensor2D, act);
    };
    const fast = (o: tf.Tensor) => criticQWithOwnAction(critic, xData, o as tf.Tensor2D, offsets, act);
    close(fast(own), reference(own));
    const gFast = tf.grad((o: tf.Tensor) => tf.sum(tf.mul(w, fast(o))))(own);
    const gRef = tf.grad((o: tf.Tensor) => tf.sum(tf.mul(w, reference(o))))(own);
    close(gFast, gRef);
    expect(Math.max(...Array.from(gFast.dataSync()).map(Math.abs))).toBeGreaterThan(0);
    critic.dispose();
  });
});
