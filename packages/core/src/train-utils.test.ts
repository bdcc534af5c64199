import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from './testing';
import { explainedVariance, huberLoss, mseLoss, normalize } from './train-utils';
import { RunningMeanStd } from './wrappers';

function val(t: tf.Tensor): number[] {
  const v = Array.from(t.dataSync());
  t.dispose();
  return v;
}

describe('explainedVariance', () => {
  it('matches 1 - Var[y - ŷ]/Var[y] by hand', () => {
    // y = [1, 2, 3, 4]: Var = 1.25. ŷ = [1, 2, 3, 5]: residual [0, 0, 0, -1], Var = 3/16.
    expect(explainedVariance([1, 2, 3, 5], [1, 2, 3, 4])).toBeCloseTo(1 - 0.1875 / 1.25, 12);
    expect(explainedVariance(new Float32Array([1, 2, 3, 4]), new Float32Array([1, 2, 3, 4]))).toBe(1);
    // Predicting the mean explains nothing; a constant offset costs nothing.
    expect(explainedVariance([2.5, 2.5, 2.5, 2.5], [1, 2, 3, 4])).toBe(0);
    expect(explainedVariance([11, 12, 13, 14], [1, 2, 3, 4])).toBeCloseTo(1, 12);
    // Anti-correlated: residual y - (5 - y) = 2y - 5, Var = 4·1.25 → 1 - 4 = -3.
    expect(explainedVariance([4, 3, 2, 1], [1, 2, 3, 4])).toBeCloseTo(-3, 12);
  });

  it('is NaN when Var[y] = 0 and rejects length mismatches', () => {
    expect(explainedVariance([1, 2], [3, 3])).toBeNaN();
    expect(explainedVariance([], [])).toBeNaN();
    expect(() => explainedVariance([1], [1, 2])).toThrow(/yPred has 1 values but yTrue has 2/);
  });
});

describe.each(['cpu', 'wasm'] as const)('on the %s backend', (backend) => {
  beforeAll(async () => {
    await useBackend(backend);
  });

  describe('losses', () => {
    it('huberLoss is quadratic inside δ and linear outside, averaged', () => {
      const pred = tf.tensor1d([0, 0.5, 3, -2]);
      const target = tf.tensor1d([0, 0, 0, 0]);
      // δ = 1: [0, 0.125, 3 - 0.5, 2 - 0.5] → mean 4.125 / 4.
      expect(val(huberLoss(pred, target))[0]).toBeCloseTo(4.125 / 4, 6);
      // δ = 2: [0, 0.125, 2·(3 - 1), 0.5·4] = [0, 0.125, 4, 2] → 6.125 / 4.
      expect(val(huberLoss(pred, target, 2))[0]).toBeCloseTo(6.125 / 4, 6);
      // Gradient: clip(x, -δ, δ)/N.
      const g = tf.grad((p: tf.Tensor) => huberLoss(p, target))(pred);
      const gv = val(g);
      [0, 0.125, 0.25, -0.25].forEach((e, i) => expect(gv[i]).toBeCloseTo(e, 6));
      tf.dispose([pred, target]);
    });

    it('mseLoss is mean squared error; both refuse broadcasting shapes', () => {
      const pred = tf.tensor2d([
        [1, 2],
        [3, 4],
      ]);
      const target = tf.tensor2d([
        [0, 2],
        [5, 4],
      ]);
      expect(val(mseLoss(pred, target))[0]).toBeCloseTo((1 + 0 + 4 + 0) / 4, 6);
      const a = tf.zeros([3]);
      const b = tf.zeros([3, 1]);
      expect(() => mseLoss(a, b)).toThrow(/pred shape \[3\] and target shape \[3,1\] differ/);
      expect(() => huberLoss(a, b)).toThrow(/huberLoss: pred shape/);
      tf.dispose([pred, target, a, b]);
    });
  });

  describe('normalize', () => {
    it('centres and scales by the population std + 1e-8', () => {
      // [1, 2, 3, 4]: mean 2.5, std sqrt(1.25).
      const s = Math.sqrt(1.25) + 1e-8;
      const out = val(normalize(tf.tensor1d([1, 2, 3, 4])));
      [-1.5 / s, -0.5 / s, 0.5 / s, 1.5 / s].forEach((e, i) => expect(out[i]).toBeCloseTo(e, 6));
      // Constant input: 0 / (0 + eps) = 0.
      expect(val(normalize(tf.tensor1d([7, 7, 7])))).toEqual([0, 0, 0]);
      expect(val(normalize(tf.tensor1d([3])))).toEqual([0]);
    });
  });
});

// RunningMeanStd lives in wrappers.ts (VecNormalize's); these check its parallel update
// against closed forms because the training utilities rely on it.
describe('RunningMeanStd (from wrappers)', () => {
  it('starts at mean 0, var 1, count 1e-4 and folds in the first batch by the parallel formula', () => {
    const r = new RunningMeanStd(2);
    expect(r.count).toBe(1e-4);
    expect(Array.from(r.mean)).toEqual([0, 0]);
    expect(Array.from(r.var)).toEqual([1, 1]);
    // Batch rows (1, 10), (3, 20): batch mean (2, 15), batch var (1, 25), n = 2.
    r.update([1, 10, 3, 20]);
    const e = 1e-4;
    const tot = 2 + e;
    [2, 15].forEach((bm, j) => {
      const bv = [1, 25][j] as number;
      expect(r.mean[j]).toBeCloseTo((bm * 2) / tot, 12);
      expect(r.var[j]).toBeCloseTo((1 * e + bv * 2 + (bm * bm * e * 2) / tot) / tot, 12);
    });
    expect(r.count).toBeCloseTo(tot, 12);
  });

  it('with epsilon 0, batch-by-batch updates give the exact mean and variance of all data', () => {
    const data = [3, -1, 4, 1, -5, 9, 2, 6, 5, 3, -5, 8];
    const r = new RunningMeanStd(1, 0);
    r.update(data.slice(0, 5));
    r.update(data.slice(5, 6));
    r.update(data.slice(6));
    const mean = data.reduce((a, b) => a + b, 0) / data.length;
    const variance = data.reduce((a, b) => a + (b - mean) ** 2, 0) / data.length;
    expect(r.mean[0]).toBeCloseTo(mean, 12);
    expect(r.var[0]).toBeCloseTo(variance, 12);
    expect(r.count).toBe(12);
  });
});
