import * as tf from '@tensorflow/tfjs';
import { useBackend } from '@tfrl/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  criticActionOffset,
  criticInput,
  criticInputOrder,
  criticInputRows,
  gumbelNoise,
  gumbelSoftmax,
  jointObservationRows,
  maddpgActorLoss,
  maddpgCriticLoss,
  maddpgCriticTarget,
  straightThrough,
} from './losses';

beforeAll(async () => {
  await useBackend('wasm');
});

const close = (t: tf.Tensor, expected: number[], digits = 5) => {
  const v = Array.from(t.dataSync());
  expect(v).toHaveLength(expected.length);
  v.forEach((x, i) => expect(x).toBeCloseTo(expected[i] as number, digits));
};

describe('critic input layout', () => {
  it('orders agents as openai/maddpg (all agents), own-first when shared, only the agent when independent', () => {
    expect(criticInputOrder(1, 3, 'centralised')).toEqual([0, 1, 2]);
    expect(criticInputOrder(1, 3, 'centralised', true)).toEqual([1, 0, 2]);
    expect(criticInputOrder(2, 3, 'centralised', true)).toEqual([2, 0, 1]);
    expect(criticInputOrder(1, 3, 'independent')).toEqual([1]);
    expect(() => criticInputOrder(3, 3, 'centralised')).toThrow(/agent index 3 is not in \[0, 3\)/);
  });

  it('concatenates observations, then actions: [o_k1, o_k2, …, a_k1, a_k2, …]; the host builder matches', () => {
    // agent 0: obs [1, 2], action [10]; agent 1: obs [3], action [20, 21]; two rows (second row + 100).
    const o = [new Float32Array([1, 2, 101, 102]), new Float32Array([3, 103])];
    const a = [new Float32Array([10, 110]), new Float32Array([20, 21, 120, 121])];
    const obs = [tf.tensor2d(o[0] as Float32Array, [2, 2]), tf.tensor2d(o[1] as Float32Array, [2, 1])];
    const acts = [tf.tensor2d(a[0] as Float32Array, [2, 1]), tf.tensor2d(a[1] as Float32Array, [2, 2])];
    const x = criticInput(obs, acts, [0, 1]);
    expect(x.shape).toEqual([2, 6]);
    close(x, [1, 2, 3, 10, 20, 21, 101, 102, 103, 110, 120, 121]);
    const own = criticInput(obs, acts, [1, 0]);
    close(own, [3, 1, 2, 20, 21, 10, 103, 101, 102, 120, 121, 110]);
    const dims = { obsDims: [2, 1], actDims: [1, 2] };
    const host = criticInputRows({ obs: o, actions: a, ...dims, order: [1, 0], batchSize: 2 });
    expect(Array.from(host)).toEqual(Array.from(own.dataSync()));
    // The actor update's input: agent 1's own action left at 0, then added back at its columns.
    const zeroed = criticInputRows({ obs: o, actions: a, ...dims, order: [0, 1], batchSize: 2, zeroAction: 1 });
    expect(Array.from(zeroed)).toEqual([1, 2, 3, 10, 0, 0, 101, 102, 103, 110, 0, 0]);
    expect(criticActionOffset([0, 1], 1, dims.obsDims, dims.actDims)).toBe(4);
    expect(criticActionOffset([1, 0], 1, dims.obsDims, dims.actDims)).toBe(3);
    expect(Array.from(jointObservationRows(o, dims.obsDims, [0, 1], 2))).toEqual([1, 2, 3, 101, 102, 103]);
    expect(criticInput(obs, acts, [1]).shape).toEqual([2, 3]);
    tf.dispose([...obs, ...acts, x, own]);
  });
});

describe('critic target and losses, by hand', () => {
  it('y = r + γ(1 − terminated)·Q′: a truncated transition (time limit) bootstraps, a terminated one does not', () => {
    const r = tf.tensor1d([1, -2, 0.5]);
    // γ = 0.95: rows 0 and 1 truncated or running (coef γ), row 2 terminated (coef 0).
    const c = tf.tensor1d([0.95, 0.95, 0]);
    const q1 = tf.tensor1d([2, 4, 100]);
    const q2 = tf.tensor1d([3, 1, -100]);
    close(maddpgCriticTarget(r, c, [q1]), [1 + 0.95 * 2, -2 + 0.95 * 4, 0.5]);
    // MATD3: the smaller of the two target critics.
    close(maddpgCriticTarget(r, c, [q1, q2]), [1 + 0.95 * 2, -2 + 0.95 * 1, 0.5]);
    expect(() => maddpgCriticTarget(r, c, [])).toThrow(/1 or 2/);
    tf.dispose([r, c, q1, q2]);
  });

  it('critic loss Σ_k mean((Q_k − y)²) and its gradient 2(Q − y)/B', () => {
    const y = tf.tensor1d([0, 4]);
    const q = tf.tensor1d([1, 2]);
    close(maddpgCriticLoss([q], y), [(1 + 4) / 2]);
    const q2 = tf.tensor1d([0, 5]);
    close(maddpgCriticLoss([q, q2], y), [2.5 + (0 + 1) / 2]);
    const g = tf.grad((qq: tf.Tensor) => maddpgCriticLoss([qq as tf.Tensor1D], y))(q);
    close(g, [(2 * (1 - 0)) / 2, (2 * (2 - 4)) / 2]);
    tf.dispose([y, q, q2, g]);
  });

  it('actor loss −mean(Q) + λ·mean(p²) and the regulariser gradient 2λp/numel', () => {
    const q = tf.tensor1d([1, 3]);
    const p = tf.tensor2d([
      [1, 2],
      [3, 0],
    ]);
    close(maddpgActorLoss(q, p, 1e-3), [-2 + (1e-3 * (1 + 4 + 9 + 0)) / 4], 6);
    close(maddpgActorLoss(q, p, 0), [-2]);
    const gp = tf.grad((pp: tf.Tensor) => maddpgActorLoss(q, pp as tf.Tensor2D, 1e-3))(p);
    close(gp, [(2e-3 * 1) / 4, (2e-3 * 2) / 4, (2e-3 * 3) / 4, 0], 7);
    const gq = tf.grad((qq: tf.Tensor) => maddpgActorLoss(qq as tf.Tensor1D, p, 1e-3))(q);
    close(gq, [-0.5, -0.5]);
    tf.dispose([q, p, gp, gq]);
  });
});

describe('Gumbel-softmax (openai/maddpg SoftCategoricalPd)', () => {
  it('noise −log(−log u)', () => {
    const u = tf.tensor1d([0.5, Math.exp(-1), 0.9]);
    close(gumbelNoise(u), [-Math.log(Math.log(2)), 0, -Math.log(-Math.log(0.9))]);
    u.dispose();
  });

  it('soft sample softmax((logits + g)/T) by hand, shape [B, n]', () => {
    // u = e^{-1} gives g = 0, so the sample is softmax(logits / T).
    const logits = tf.tensor2d([[0, Math.log(2), 0]]);
    const u = tf.fill([1, 3], Math.exp(-1)) as tf.Tensor2D;
    const s = gumbelSoftmax(logits, u);
    expect(s.shape).toEqual([1, 3]);
    close(s, [1 / 4, 2 / 4, 1 / 4]);
    const s2 = gumbelSoftmax(logits, u, { temperature: 2 });
    const z = 2 + Math.SQRT2;
    close(s2, [1 / z, Math.SQRT2 / z, 1 / z]);
    tf.dispose([logits, u, s, s2]);
  });

  it('hard sample: one-hot forward, the soft sample gradient backward (straight-through), by hand', () => {
    const logits = tf.tensor2d([[0, Math.log(2)]]);
    const u = tf.fill([1, 2], Math.exp(-1)) as tf.Tensor2D;
    const h = gumbelSoftmax(logits, u, { hard: true });
    close(h, [0, 1]);
    // d(w · y)/dlogits with w = [1, 0] through softmax at y = [1/3, 2/3]: [y0(1 − y0), −y0·y1] = [2/9, −2/9].
    const w = tf.tensor2d([[1, 0]]);
    const gHard = tf.grad((l: tf.Tensor) => tf.sum(tf.mul(w, gumbelSoftmax(l as tf.Tensor2D, u, { hard: true }))))(logits);
    const gSoft = tf.grad((l: tf.Tensor) => tf.sum(tf.mul(w, gumbelSoftmax(l as tf.Tensor2D, u))))(logits);
    close(gHard, [2 / 9, -2 / 9]);
    close(gSoft, [2 / 9, -2 / 9]);
    const st = straightThrough(tf.tensor2d([[0.2, 0.5, 0.3]]));
    close(st, [0, 1, 0]);
    tf.dispose([logits, u, h, w, gHard, gSoft, st]);
  });

  it('hard samples are one-hot draws from softmax(logits) (Gumbel-max)', () => {
    const n = 20_000;
    const probs = [0.2, 0.5, 0.3];
    const logits = tf.tidy(() => tf.tile(tf.log(tf.tensor2d([probs])), [n, 1])) as tf.Tensor2D;
    const u = tf.randomUniform([n, 3], 0, 1, 'float32', 7) as tf.Tensor2D;
    const s = gumbelSoftmax(logits, u, { hard: true });
    const rowSums = tf.sum(s, 1);
    expect(Math.min(...rowSums.dataSync())).toBe(1);
    expect(Math.max(...rowSums.dataSync())).toBe(1);
    const freq = tf.mean(s, 0).dataSync();
    probs.forEach((p, i) => expect(Math.abs((freq[i] as number) - p)).toBeLessThan(0.015));
    tf.dispose([logits, u, s, rowSums]);
  });
});
