import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { evaluatePolicy } from '@tfrl/core';
import { expectNoTensorLeak } from '@tfrl/core/testing';
import { make, makeVec } from '@tfrl/envs';
import { beforeAll, describe, expect, it } from 'vitest';
import { TRPO, backtrackingLineSearch, conjugateGradient, fisherVectorProduct } from './trpo';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('conjugateGradient', () => {
  it('solves a small SPD system exactly in n steps', () => {
    // A = [[4, 1], [1, 3]], b = [1, 2] → x = A⁻¹b = [1/11, 7/11]
    const A = [
      [4, 1],
      [1, 3],
    ];
    const mv = (v: Float64Array) => A.map((row) => row[0]! * v[0]! + row[1]! * v[1]!);
    const { x, iterations } = conjugateGradient(mv, [1, 2], 15);
    expect(x[0]).toBeCloseTo(1 / 11, 10);
    expect(x[1]).toBeCloseTo(7 / 11, 10);
    expect(iterations).toBeLessThanOrEqual(2);
  });

  it('stops at maxSteps on a larger system', () => {
    // diagonal SPD 1..6: CG needs 6 steps; with 3 it is only approximate
    const d = [1, 2, 3, 4, 5, 6];
    const mv = (v: Float64Array) => d.map((a, i) => a * v[i]!);
    const b = [1, 1, 1, 1, 1, 1];
    expect(conjugateGradient(mv, b, 3).iterations).toBe(3);
    const full = conjugateGradient(mv, b, 10);
    full.x.forEach((xi, i) => expect(xi).toBeCloseTo(1 / d[i]!, 8));
  });
});

describe('fisherVectorProduct', () => {
  it('equals an explicit Fisher for a tiny linear categorical policy', () => {
    // logits = x W, x ∈ R², 3 actions; F = mean_s Σ_{k,l} x_i x_j (p_k δ_kl − p_k p_l) over (i,k),(j,l)
    const X = [
      [1, -0.5],
      [0.3, 2],
    ];
    const Wv = [0.2, -0.1, 0.4, 0.0, 0.3, -0.6]; // row-major [2, 3]
    const W = tf.variable(tf.tensor2d(Wv, [2, 3]), true, 'fvp/W');
    const x = tf.tensor2d(X.flat(), [2, 2]);
    const oldLogits = tf.matMul(x, W);
    const v = [0.5, -1, 0.25, 2, 0.1, -0.3];
    const probs = tf.softmax(oldLogits) as tf.Tensor2D;
    const fv = fisherVectorProduct({ outputs: () => tf.matMul(x, W), fisher: { kind: 'categorical', probs }, vars: [W], v, damping: 0.1 });
    // explicit
    const F = Array.from({ length: 6 }, () => new Float64Array(6));
    for (const xs of X) {
      const z = [0, 1, 2].map((k) => xs[0]! * Wv[k]! + xs[1]! * Wv[3 + k]!);
      const m = Math.max(...z);
      const e = z.map((q) => Math.exp(q - m));
      const s = e.reduce((a, b) => a + b, 0);
      const p = e.map((q) => q / s);
      for (let i = 0; i < 2; i++)
        for (let k = 0; k < 3; k++)
          for (let j = 0; j < 2; j++)
            for (let l = 0; l < 3; l++) {
              const pkl = (k === l ? p[k]! : 0) - p[k]! * p[l]!;
              F[i * 3 + k]![j * 3 + l]! += (xs[i]! * xs[j]! * pkl) / X.length;
            }
    }
    for (let r = 0; r < 6; r++) {
      let expected = 0.1 * v[r]!;
      for (let c = 0; c < 6; c++) expected += F[r]![c]! * v[c]!;
      expect(fv[r]).toBeCloseTo(expected, 5);
    }
    tf.dispose([W, x, oldLogits, probs]);
  });
});
