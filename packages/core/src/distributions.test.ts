import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  Categorical,
  DiagGaussian,
  SquashedDiagGaussian,
  SquashedStateDependentNoiseDistribution,
  StateDependentNoise,
  StateDependentNoiseDistribution,
  expln,
  gsdeStdMatrix,
  tanhLogAbsDetJacobian,
} from './distributions';
import { Rng } from './rng';
import { expectNoTensorLeak, useBackend } from './testing';

const LN_2PI = Math.log(2 * Math.PI);

function arr(t: tf.Tensor): number[] {
  const v = Array.from(t.dataSync());
  t.dispose();
  return v;
}

function expectClose(actual: number[], expected: number[], digits = 5): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((a, i) => expect(a).toBeCloseTo(expected[i] as number, digits));
}

describe.each(['cpu', 'wasm'] as const)('on the %s backend', (backend) => {
  beforeAll(async () => {
    await useBackend(backend);
  });

  describe('Categorical', () => {
    it('logProb, probs, entropy and mode match hand-computed values', () => {
      // Probabilities [1/6, 2/6, 3/6] and uniform over 4 (shifted logits must not matter).
      const logits = tf.tensor2d([
        [Math.log(1) + 5, Math.log(2) + 5, Math.log(3) + 5, -Infinity],
        [0.7, 0.7, 0.7, 0.7],
      ]);
      const d = new Categorical(logits);
      expectClose(arr(d.probs()), [1 / 6, 2 / 6, 3 / 6, 0, 0.25, 0.25, 0.25, 0.25]);
      expectClose(arr(d.logProb([2, 1])), [Math.log(1 / 2), Math.log(1 / 4)]);
      expectClose(arr(d.logProb(tf.tensor1d([0, 3], 'int32'))), [Math.log(1 / 6), Math.log(1 / 4)]);
      const h0 = -((1 / 6) * Math.log(1 / 6) + (1 / 3) * Math.log(1 / 3) + (1 / 2) * Math.log(1 / 2));
      // The masked class (-inf logit, p = 0) contributes 0 · log 0 = 0, not NaN.
      expectClose(arr(d.entropy()), [h0, Math.log(4)]);
      expect(arr(d.mode())).toEqual([2, 0]);
      // Gradients stay finite with a masked class: d entropy / d logits for row 0.
      const g = tf.grad((l: tf.Tensor) => tf.sum(new Categorical(l as tf.Tensor2D).entropy()))(logits);
      for (const v of arr(g)) expect(Number.isFinite(v)).toBe(true);
      logits.dispose();
      const logits2 = tf.tensor2d([
        [Math.log(1), Math.log(2), Math.log(3)],
        [0, 0, 0],
      ]);
      const d2 = new Categorical(logits2);
      expectClose(arr(d2.entropy()), [h0, Math.log(3)]);
      // d log p(a) / d logits = onehot(a) - p.
      const gl = tf.grad((l: tf.Tensor) => tf.sum(new Categorical(l as tf.Tensor2D).logProb([2, 0])))(logits2);
      expectClose(arr(gl), [-1 / 6, -2 / 6, 1 - 3 / 6, 1 - 1 / 3, -1 / 3, -1 / 3]);
      logits2.dispose();
    });

    it('klDivergence matches Σ p log(p/q), is 0 against itself', () => {
      const p = new Categorical(
        tf.log(
          tf.tensor2d([
            [0.5, 0.5],
            [0.2, 0.8],
          ]),
        ) as tf.Tensor2D,
      );
      const q = new Categorical(
        tf.log(
          tf.tensor2d([
            [0.25, 0.75],
            [0.2, 0.8],
          ]),
        ) as tf.Tensor2D,
      );
      expectClose(arr(p.klDivergence(q)), [0.5 * Math.log(2) + 0.5 * Math.log(0.5 / 0.75), 0]);
      expectClose(arr(q.klDivergence(q)), [0, 0]);
      expectClose(arr(q.klDivergence(p)), [0.25 * Math.log(0.5) + 0.75 * Math.log(0.75 / 0.5), 0]);
      p.logits.dispose();
      q.logits.dispose();
      // A class masked (-inf) in both: it contributes 0, not NaN.
      const pm = new Categorical(tf.tensor2d([[Math.log(0.5), Math.log(0.5), -Infinity]]));
      const qm = new Categorical(tf.tensor2d([[Math.log(0.25), Math.log(0.75), -Infinity]]));
      expectClose(arr(pm.klDivergence(qm)), [0.5 * Math.log(2) + 0.5 * Math.log(0.5 / 0.75)]);
      tf.dispose([pm.logits, qm.logits]);
    });

    it('Gumbel-max sampling reproduces the probabilities and is deterministic per seed', () => {
      const probs = [0.1, 0.2, 0.3, 0.4];
      const n = 20000;
      const logits = tf.tidy(() => tf.tile(tf.log(tf.tensor2d([probs])), [n, 1]) as tf.Tensor2D);
      const d = new Categorical(logits);
      const rng = new Rng(42);
      const seed = rng.tfSeed();
      const s = d.sample(seed);
      expect(s.dtype).toBe('int32');
      expect(s.shape).toEqual([n]);
      const a = arr(s);
      const counts = [0, 0, 0, 0];
      for (const k of a) counts[k] = (counts[k] as number) + 1;
      // Standard error ≤ sqrt(0.25/20000) ≈ 0.0035; allow ~4 of them.
      counts.forEach((c, i) => expect(Math.abs(c / n - (probs[i] as number))).toBeLessThan(0.015));
      expect(arr(d.sample(seed))).toEqual(a);
      expect(arr(d.sample(rng.tfSeed()))).not.toEqual(a);
      logits.dispose();
    });

    it('rejects a wrong rank, a mismatched batch, and a non-integer seed', () => {
      const l = tf.zeros([2, 3]) as tf.Tensor2D;
      expect(() => new Categorical(tf.zeros([3]) as unknown as tf.Tensor2D)).toThrow(/rank 2/);
      expect(() => new Categorical(l).logProb([0])).toThrow(/1 actions for a batch of 2/);
      expect(() => new Categorical(l).sample(0.5)).toThrow(/seed must be an integer/);
      l.dispose();
    });

    it('creates no tensors beyond its results', () => {
      const l = tf.tensor2d([[1, 2, 3]]);
      const d = new Categorical(l);
      const before = tf.memory().numTensors;
      const outs = [d.sample(1), d.logProb([1]), d.entropy(), d.mode(), d.klDivergence(d), d.probs(), d.logProbs()];
      expect(tf.memory().numTensors).toBe(before + outs.length);
      tf.dispose(outs);
      l.dispose();
    });
  });

  describe('DiagGaussian', () => {
    it('logProb equals Σ log N(x; μ, σ) computed by hand', () => {
      // μ = (1, -2), σ = (2, 0.5), x = (2, -1): z = (0.5, 2);
      // Σ [-z²/2 - ln σ - ½ ln 2π] = -0.125 - 2 - ln 2 - ln 0.5 - ln 2π = -2.125 - ln 2π.
      const mean = tf.tensor2d([
        [1, -2],
        [0, 0],
      ]);
      const logStd = tf.tensor1d([Math.log(2), Math.log(0.5)]);
      const d = new DiagGaussian(mean, logStd);
      const x = tf.tensor2d([
        [2, -1],
        [0, 0],
      ]);
      // Second row: x = μ: -ln 2 - ln 0.5 - ln 2π = -ln 2π.
      expectClose(arr(d.logProb(x)), [-2.125 - LN_2PI, -LN_2PI]);
      // Per-row logStd [B, D] gives the same.
      const logStd2 = tf.tensor2d([
        [Math.log(2), Math.log(0.5)],
        [0, 0],
      ]);
      const d2 = new DiagGaussian(mean, logStd2);
      // Row 2 with σ = 1 and x = μ: -ln 2π.
      expectClose(arr(d2.logProb(x)), [-2.125 - LN_2PI, -LN_2PI]);
      // Entropy Σ (½ ln 2πe + ln σ): ln 2πe for both rows (ln 2 + ln 0.5 = 0).
      expectClose(arr(d.entropy()), [Math.log(2 * Math.PI * Math.E), Math.log(2 * Math.PI * Math.E)]);
      // d Σ_b entropy / d logStd[d] = B (broadcast over the batch).
      const ge = tf.grad((l: tf.Tensor) => tf.sum(new DiagGaussian(mean, l as tf.Tensor1D).entropy()))(logStd);
      expectClose(arr(ge), [2, 2]);
      expectClose(arr(d.mode()), [1, -2, 0, 0]);
      expectClose(arr(d.std()), [2, 0.5, 2, 0.5]);
      tf.dispose([mean, logStd, logStd2, x]);
    });

    it('klDivergence matches the closed form for Gaussians', () => {
      // KL(N(0,1) ‖ N(1, 2²)) = ln 2 + (1 + 1)/8 - ½ per dimension; dim 2 identical → 0.
      const p = new DiagGaussian(tf.tensor2d([[0, 3]]), tf.tensor1d([0, 0.3]));
      const q = new DiagGaussian(tf.tensor2d([[1, 3]]), tf.tensor2d([[Math.log(2), 0.3]]));
      expectClose(arr(p.klDivergence(q)), [Math.log(2) - 0.25]);
      // Reverse: ln(1/2) + (4 + 1)/2 - ½ = 2 - ln 2.
      expectClose(arr(q.klDivergence(p)), [2 - Math.log(2)]);
      expectClose(arr(p.klDivergence(p)), [0]);
      tf.dispose([p.mean, p.logStd, q.mean, q.logStd]);
    });

    it('samples have the requested mean and std, deterministic per seed, and are reparameterised', () => {
      const n = 20000;
      const mean = tf.tidy(() => tf.tile(tf.tensor2d([[1.5, -3]]), [n, 1]) as tf.Tensor2D);
      const logStd = tf.tensor1d([Math.log(0.5), Math.log(2)]);
      const d = new DiagGaussian(mean, logStd);
      const seed = new Rng(7).tfSeed();
      const s = d.sample(seed);
      const m = tf.tidy(() => tf.moments(s, 0));
      expectClose(arr(m.mean), [1.5, -3], 1);
      const sd = arr(tf.sqrt(m.variance));
      m.variance.dispose();
      expect(Math.abs((sd[0] as number) - 0.5)).toBeLessThan(0.02);
      expect(Math.abs((sd[1] as number) - 2)).toBeLessThan(0.06);
      expect(arr(d.sample(seed))).toEqual(arr(s));
      // d sample / d mean = 1 and d sample / d logStd = σ·ε = sample - mean.
      const small = tf.tensor2d([[0.3, -0.2]]);
      const ls = tf.tensor1d([0.1, -0.4]);
      const g = tf.grads((mu: tf.Tensor, l: tf.Tensor) => tf.sum(new DiagGaussian(mu as tf.Tensor2D, l as tf.Tensor1D).sample(3)))([
        small,
        ls,
      ]);
      const x = new DiagGaussian(small, ls).sample(3);
      expectClose(arr(g[0] as tf.Tensor), [1, 1]);
      expectClose(arr(g[1] as tf.Tensor), arr(tf.sub(x, small)));
      tf.dispose([mean, logStd, small, ls, x]);
    });

    it('rejects a logStd of the wrong shape', () => {
      const mean = tf.zeros([2, 3]) as tf.Tensor2D;
      const bad = tf.zeros([2]) as tf.Tensor1D;
      expect(() => new DiagGaussian(mean, bad)).toThrow(/logStd shape \[2\] does not fit mean shape \[2,3\]/);
      tf.dispose([mean, bad]);
    });
  });

  describe('memory', () => {
    it('a gradient step through every distribution leaks no tensors', async () => {
      const mean = tf.variable(
        tf.tensor2d([
          [0.1, -0.2],
          [0.3, 0.4],
        ]),
      );
      const logStd = tf.variable(tf.tensor1d([-0.3, 0.2]));
      const logits = tf.variable(
        tf.tensor2d([
          [0.1, 0.2, 0.3],
          [1, -1, 0],
        ]),
      );
      const rng = new Rng(5);
      await expectNoTensorLeak(() => {
        const seed = rng.tfSeed();
        const { value, grads } = tf.variableGrads(() =>
          tf.tidy(() => {
            const g = new DiagGaussian(mean, logStd);
            const old = new DiagGaussian(tf.add(mean, 0.1) as tf.Tensor2D, logStd);
            const sq = new SquashedDiagGaussian(mean, logStd);
            const c = new Categorical(logits);
            const terms = [
              g.logProb(g.sample(seed)),
              g.entropy(),
              g.klDivergence(old),
              sq.sampleWithLogProb(seed).logProb,
              sq.logProb(sq.mode()),
              c.logProb(c.sample(seed)),
              c.entropy(),
              c.klDivergence(new Categorical(tf.zerosLike(logits) as tf.Tensor2D)),
            ];
            return tf.sum(tf.stack(terms)) as tf.Scalar;
          }),
        );
        value.dispose();
        tf.dispose(grads);
      });
      tf.dispose([mean, logStd, logits]);
    });
  });

  describe('tanh correction and SquashedDiagGaussian', () => {
    it('tanhLogAbsDetJacobian equals log|d tanh/du| from a numeric derivative, stable for large |u|', () => {
      // Central differences in float64 are accurate to ~1e-6 for |u| ≤ 6.
      const us = [-6, -5, -1.3, -0.2, 0, 0.4, 2, 6];
      const h = 1e-5;
      const numeric = us.map((u) => Math.log((Math.tanh(u + h) - Math.tanh(u - h)) / (2 * h)));
      // Each value alone in a 1-D row: the row sum is the element.
      const u = tf.tensor2d(us.map((v) => [v]));
      const got = arr(tanhLogAbsDetJacobian(u));
      got.forEach((g, i) => expect(g).toBeCloseTo(numeric[i] as number, 3));
      // Far in the tails (where float32 1 - tanh² is 0) it still equals
      // log sech² u = 2 log 2 - 2|u| - 2 log(1 + e^{-2|u|}).
      const far = [-40, -12, 12, 40];
      const gotFar = arr(tanhLogAbsDetJacobian(tf.tensor2d(far.map((v) => [v]))));
      far.forEach((v, i) =>
        expect(gotFar[i]).toBeCloseTo(2 * Math.log(2) - 2 * Math.abs(v) - 2 * Math.log1p(Math.exp(-2 * Math.abs(v))), 3),
      );
      const naive = arr(tf.tidy(() => tf.log(tf.sub(1, tf.square(tf.tanh(tf.scalar(12)))))));
      expect(naive[0]).toBe(-Infinity);
      // Summing over D: row [0.4, 2] → numeric(0.4) + numeric(2).
      const row = tf.tensor2d([[0.4, 2]]);
      expectClose(arr(tanhLogAbsDetJacobian(row)), [(numeric[5] as number) + (numeric[6] as number)], 4);
      // The ε form is bounded below by log ε where the exact one is not (u = 12: ≈ -22.6);
      // in float32 1 - tanh(12)² is exactly 0, so it gives log ε.
      const eps = arr(tanhLogAbsDetJacobian(tf.tensor2d([[12]]), 1e-6))[0] as number;
      expect(eps).toBeCloseTo(Math.log(1e-6), 4);
      tf.dispose([u, row]);
    });

    it('logProb of a squashed action = log N(atanh a) - Σ log(1 - a²) by hand', () => {
      const mean = tf.tensor2d([[0, 0.5]]);
      const logStd = tf.tensor1d([0, Math.log(0.8)]);
      const d = new SquashedDiagGaussian(mean, logStd);
      const a = [0.5, -0.3];
      const u = a.map(Math.atanh);
      const logN =
        -0.5 * (u[0] as number) ** 2 - 0.5 * LN_2PI + (-0.5 * (((u[1] as number) - 0.5) / 0.8) ** 2 - Math.log(0.8) - 0.5 * LN_2PI);
      const expected = logN - Math.log(1 - 0.25) - Math.log(1 - 0.09);
      const at = tf.tensor2d([a]);
      expectClose(arr(d.logProb(at)), [expected], 4);
      const ut = tf.tensor2d([u]);
      expectClose(arr(d.logProbFromPre(ut)), [expected], 4);
      expectClose(arr(d.mode()), [0, Math.tanh(0.5)]);
      tf.dispose([mean, logStd, at, ut]);
    });

    it('the squashed density integrates to 1 over (-1, 1)', () => {
      const n = 4000;
      const grid = Array.from({ length: n - 1 }, (_, i) => -1 + (2 * (i + 1)) / n);
      const mean = tf.fill([grid.length, 1], 0.3) as tf.Tensor2D;
      const d = new SquashedDiagGaussian(mean, tf.tensor1d([Math.log(0.8)]));
      const lp = arr(d.logProb(tf.tensor2d(grid.map((g) => [g]))));
      const integral = lp.reduce((s, v) => s + Math.exp(v), 0) * (2 / n);
      expect(integral).toBeCloseTo(1, 3);
      tf.dispose([mean, d.logStd]);
    });

    it('clips actions at ±1 so logProb stays finite; sampleWithLogProb agrees with logProb', () => {
      const mean = tf.tensor2d([
        [0.2, -0.1],
        [3, -3],
      ]);
      const logStd = tf.tensor1d([-0.5, 0.2]);
      const d = new SquashedDiagGaussian(mean, logStd);
      const edge = tf.tensor2d([
        [1, -1],
        [-1, 1],
      ]);
      for (const v of arr(d.logProb(edge))) expect(Number.isFinite(v)).toBe(true);
      const { action, logProb, preTanh } = d.sampleWithLogProb(new Rng(3).tfSeed());
      const a = action.arraySync();
      for (const row of a) for (const v of row) expect(Math.abs(v)).toBeLessThan(1);
      expectClose(arr(action), arr(tf.tanh(preTanh)));
      expectClose(arr(d.logProb(tf.tanh(preTanh) as tf.Tensor2D)), arr(logProb), 2);
      preTanh.dispose();
      expect(() => d.entropy()).toThrow(/no closed form/);
      expectClose(arr(d.gaussianEntropy()), [Math.log(2 * Math.PI * Math.E) - 0.3, Math.log(2 * Math.PI * Math.E) - 0.3]);
      tf.dispose([mean, logStd, edge]);
    });

    it('the ε Jacobian option is used when given', () => {
      const mean = tf.tensor2d([[0]]);
      const logStd = tf.tensor1d([0]);
      const d = new SquashedDiagGaussian(mean, logStd, { jacobianEpsilon: 1e-6 });
      const u = tf.tensor2d([[12]]);
      expectClose(arr(d.logProbFromPre(u)), [-72 - 0.5 * LN_2PI - Math.log(1e-6)], 3);
      tf.dispose([mean, logStd, u]);
    });
  });
});

describe.each(['cpu', 'wasm'] as const)('gSDE on the %s backend', (backend) => {
  beforeAll(async () => {
    await useBackend(backend);
  });

  /** log N(x; μ, σ) by hand. */
  const logN = (x: number, mu: number, sigma: number) => -0.5 * ((x - mu) / sigma) ** 2 - Math.log(sigma) - 0.5 * LN_2PI;
  const entN = (sigma: number) => 0.5 + 0.5 * LN_2PI + Math.log(sigma);
  /** The 2 × 2 latent features and means shared by the two-action cases below. */
  const latentAndMean2x2 = () => ({
    latent: tf.tensor2d([
      [1, -1],
      [0.5, 2],
    ]),
    mean: tf.tensor2d([
      [0, 1],
      [-0.5, 0.2],
    ]),
  });

  it('latentDim 2, actDim 1: σ² = Σ_j z_j² σ_j² (+1e-6), logProb and entropy by hand', () => {
    // σ = [0.5, 2]; rows z = [1, 2] and [0, -1].
    const logStd = tf.tensor2d([[Math.log(0.5)], [Math.log(2)]]);
    const latent = tf.tensor2d([
      [1, 2],
      [0, -1],
    ]);
    const mean = tf.tensor2d([[0.3], [-1]]);
    const d = new StateDependentNoiseDistribution(mean, logStd, latent);
    const s0 = Math.sqrt(1 * 0.25 + 4 * 4 + 1e-6);
    const s1 = Math.sqrt(0 + 1 * 4 + 1e-6);
    expectClose(arr(d.std()), [s0, s1]);
    const x = tf.tensor2d([[1.3], [0]]);
    expectClose(arr(d.logProb(x)), [logN(1.3, 0.3, s0), logN(0, -1, s1)]);
    expectClose(arr(d.entropy()), [entN(s0), entN(s1)]);
    expectClose(arr(d.mode()), [0.3, -1]);
    tf.dispose([logStd, latent, mean, x]);
  });

  it('latentDim 2, actDim 2 (full and shared std): per-action σ, log-prob and entropy summed over actions', () => {
    // Full: σ = [[1, 2], [3, e^-1]].
    const logStd = tf.tensor2d([
      [0, Math.log(2)],
      [Math.log(3), -1],
    ]);
    const { latent, mean } = latentAndMean2x2();
    const x = tf.tensor2d([
      [1, 0],
      [0.5, 0.7],
    ]);
    const e2 = Math.exp(-2);
    const sig = [
      [Math.sqrt(1 + 9 + 1e-6), Math.sqrt(4 + e2 + 1e-6)],
      [Math.sqrt(0.25 + 36 + 1e-6), Math.sqrt(0.25 * 4 + 4 * e2 + 1e-6)],
    ] as const;
    const d = new StateDependentNoiseDistribution(mean, logStd, latent);
    expectClose(arr(d.std()), [sig[0][0], sig[0][1], sig[1][0], sig[1][1]]);
    expectClose(arr(d.logProb(x)), [logN(1, 0, sig[0][0]) + logN(0, 1, sig[0][1]), logN(0.5, -0.5, sig[1][0]) + logN(0.7, 0.2, sig[1][1])]);
    expectClose(arr(d.entropy()), [entN(sig[0][0]) + entN(sig[0][1]), entN(sig[1][0]) + entN(sig[1][1])]);
    // fullStd false: logStd [L, 1] = [log 2, 0] shared by both actions → σ matrix [[2, 2], [1, 1]].
    const shared = tf.tensor2d([[Math.log(2)], [0]]);
    const ds = new StateDependentNoiseDistribution(mean, shared, latent);
    expectClose(arr(ds.stdMatrix()), [2, 2, 1, 1]);
    const r0 = Math.sqrt(4 + 1 + 1e-6);
    const r1 = Math.sqrt(0.25 * 4 + 4 + 1e-6);
    expectClose(arr(ds.std()), [r0, r0, r1, r1]);
    tf.dispose([logStd, latent, mean, x, shared]);
  });

  it('noise = z·(σ ⊙ W) with one matrix for the batch or one per row', () => {
    const logStd = tf.tensor2d([
      [0, Math.log(2)],
      [Math.log(3), 0],
    ]);
    const { latent, mean } = latentAndMean2x2();
    const d = new StateDependentNoiseDistribution(mean, logStd, latent);
    // E = σ ⊙ W = [[1·1, 2·0.5], [3·(-1), 1·2]] = [[1, 1], [-3, 2]]
    const w = tf.tensor2d([
      [1, 0.5],
      [-1, 2],
    ]);
    expectClose(arr(d.noise(w)), [1 + 3, 1 - 2, 0.5 - 6, 0.5 + 4]);
    expectClose(arr(d.sample(w)), [4, 0, -6, 4.7]);
    // Per row: row 0 uses W above, row 1 uses W' = [[0, 1], [1, 0]] → E' = [[0, 2], [3, 0]].
    const wb = tf.tensor3d([
      [
        [1, 0.5],
        [-1, 2],
      ],
      [
        [0, 1],
        [1, 0],
      ],
    ]);
    expectClose(arr(d.noise(wb)), [4, -1, 6, 1]);
    expect(() => d.noise(tf.zeros([3, 2]) as tf.Tensor2D)).toThrow(/weights shape/);
    tf.dispose([logStd, latent, mean, w, wb]);
  });

  it('learnFeatures false stops the gradient into the latent; true lets it through; logStd always gets one', () => {
    const logStd = tf.tensor2d([[-0.5], [0.3]]);
    const mean = tf.tensor2d([[0.1], [0.4]]);
    const x = tf.tensor2d([[1], [-1]]);
    const w = tf.tensor2d([[0.7], [-1.2]]);
    const latent = tf.tensor2d([
      [0.5, -0.2],
      [1, 0.3],
    ]);
    for (const learnFeatures of [false, true]) {
      const g = tf.grad((z: tf.Tensor) => {
        const d = new StateDependentNoiseDistribution(mean, logStd, z as tf.Tensor2D, { learnFeatures });
        return tf.add(tf.sum(d.logProb(x)), tf.sum(d.noise(w)));
      })(latent);
      const v = arr(g);
      if (learnFeatures) expect(v.some((e) => Math.abs(e) > 1e-3)).toBe(true);
      else expect(v).toEqual([0, 0, 0, 0]);
    }
    // d logp / d logStd matches a central finite difference.
    const f = (ls: tf.Tensor) => tf.sum(new StateDependentNoiseDistribution(mean, ls as tf.Tensor2D, latent).logProb(x));
    const g = arr(tf.grad(f)(logStd));
    const h = 1e-2;
    for (let j = 0; j < 2; j++) {
      const delta = tf.tensor2d(j === 0 ? [[h], [0]] : [[0], [h]]);
      const up = tf.tidy(() => f(tf.add(logStd, delta)).dataSync()[0] as number);
      const down = tf.tidy(() => f(tf.sub(logStd, delta)).dataSync()[0] as number);
      expect(g[j]).toBeCloseTo((up - down) / (2 * h), 2);
      delta.dispose();
    }
    tf.dispose([logStd, mean, x, w, latent]);
  });

  it('expln vs exp: values and gradients', () => {
    const x = tf.tensor1d([-1, 0, 0.5, 2]);
    expectClose(arr(expln(x)), [Math.exp(-1), 1, Math.log1p(0.5 + 1e-6) + 1, Math.log1p(2 + 1e-6) + 1]);
    expectClose(arr(tf.grad((t: tf.Tensor) => tf.sum(expln(t)))(x)), [Math.exp(-1), 1, 1 / 1.5, 1 / 3], 4);
    // Far above 0 expln grows like a log, exp explodes; no NaN for large inputs.
    const big = tf.tensor2d([[100], [-100]]);
    const viaExpln = arr(gsdeStdMatrix(big, 1, true));
    expect(viaExpln[0]).toBeCloseTo(Math.log1p(100) + 1, 4);
    expect(viaExpln[1]).toBeCloseTo(0, 6);
    expectClose(arr(gsdeStdMatrix(tf.tensor2d([[0.5]]), 1, false)), [Math.exp(0.5)]);
    expectClose(arr(gsdeStdMatrix(tf.tensor2d([[0.5]]), 1, true)), [Math.log1p(0.5 + 1e-6) + 1]);
    // The distribution uses it: σ = expln(2) for z = [1].
    const d = new StateDependentNoiseDistribution(tf.tensor2d([[0]]), tf.tensor2d([[2]]), tf.tensor2d([[1]]), { useExpln: true });
    expectClose(arr(d.std()), [Math.sqrt((Math.log1p(2 + 1e-6) + 1) ** 2 + 1e-6)]);
    tf.dispose([x, big, d.mean, d.logStd, d.latent]);
  });

  it('squashed: log p(tanh u) = log N(u) − Σ log(1 − tanh² u); mode = tanh(μ); entropy throws', () => {
    const mean = tf.tensor2d([[0.2, -0.3]]);
    const logStd = tf.tensor2d([[-1, 0]]);
    const latent = tf.tensor2d([[2]]);
    const d = new SquashedStateDependentNoiseDistribution(mean, logStd, latent);
    const w = tf.tensor2d([[0.5, -0.25]]);
    const { action, logProb, preTanh } = d.sampleWithLogProb(w);
    // u = μ + 2·[e^-1·0.5, 1·(-0.25)]
    const u = [0.2 + 2 * Math.exp(-1) * 0.5, -0.3 - 0.5];
    expectClose(arr(preTanh), u);
    expectClose(arr(action), u.map(Math.tanh));
    const sig = [Math.sqrt(4 * Math.exp(-2) + 1e-6), Math.sqrt(4 + 1e-6)];
    const expected =
      logN(u[0] as number, 0.2, sig[0] as number) +
      logN(u[1] as number, -0.3, sig[1] as number) -
      u.reduce((a, v) => a + Math.log(1 - Math.tanh(v) ** 2), 0);
    expectClose(arr(logProb), [expected], 4);
    expectClose(arr(d.logProb(tf.tanh(tf.tensor2d([u])) as tf.Tensor2D)), [expected], 3);
    expectClose(arr(d.mode()), [Math.tanh(0.2), Math.tanh(-0.3)]);
    expect(() => d.entropy()).toThrow(/no closed form/);
    tf.dispose([mean, logStd, latent, w]);
  });

  it('StateDependentNoise: weights stay fixed between resets, change after one, follow SB3 batch rule', async () => {
    const noise = new StateDependentNoise(3, 2);
    expect(() => noise.weightsFor(1)).toThrow(/reset/);
    noise.reset(11, 4);
    expect(noise.numMatrices).toBe(4);
    expect(noise.weightsFor(4).shape).toEqual([4, 3, 2]);
    expect(noise.weightsFor(1).shape).toEqual([3, 2]);
    expect(noise.weightsFor(7).shape).toEqual([3, 2]);
    const first = Array.from(noise.weightsFor(4).dataSync());
    const firstShared = Array.from(noise.weightsFor(1).dataSync());
    expect(Array.from(noise.weightsFor(4).dataSync())).toEqual(first);
    noise.reset(12, 4);
    const second = Array.from(noise.weightsFor(4).dataSync());
    expect(second).not.toEqual(first);
    noise.reset(11, 4);
    expect(Array.from(noise.weightsFor(4).dataSync())).toEqual(first);
    expect(Array.from(noise.weightsFor(1).dataSync())).toEqual(firstShared);
    // One env: the batch of one uses the shared matrix.
    noise.reset(5, 1);
    expect(noise.weightsFor(1).shape).toEqual([3, 2]);
    await expectNoTensorLeak(() => noise.reset(6, 4));
    noise.dispose();
    expect(noise.numMatrices).toBe(0);
  });

  it('rejects mismatched shapes, naming them', () => {
    const mean = tf.tensor2d([[0, 0]]);
    const latent = tf.tensor2d([[1, 2, 3]]);
    expect(() => new StateDependentNoiseDistribution(mean, tf.zeros([2, 2]) as tf.Tensor2D, latent)).toThrow(/logStd shape/);
    expect(() => new StateDependentNoiseDistribution(mean, tf.zeros([3, 2]) as tf.Tensor2D, tf.zeros([2, 3]) as tf.Tensor2D)).toThrow(
      /latent shape/,
    );
    expect(() => new StateDependentNoise(0, 1)).toThrow(/latentDim/);
  });

  it('does not leak tensors', async () => {
    const mean = tf.tensor2d([[0.1, 0.2]]);
    const logStd = tf.tensor2d([
      [0.1, -0.2],
      [0.3, 0],
    ]);
    const latent = tf.tensor2d([[1, -1]]);
    const w = tf.tensor2d([
      [0.1, 0.2],
      [0.3, 0.4],
    ]);
    await expectNoTensorLeak(() => {
      const d = new StateDependentNoiseDistribution(mean, logStd, latent, { useExpln: true });
      tf.dispose([d.std(), d.logProb(mean), d.entropy(), d.noise(w), d.sample(w), d.mode(), d.stdMatrix()]);
      const sq = new SquashedStateDependentNoiseDistribution(mean, logStd, latent);
      const r = sq.sampleWithLogProb(w);
      tf.dispose([r.action, r.logProb, r.preTanh, sq.mode(), sq.logProb(r.action)]);
      tf.dispose(
        tf.grad((z: tf.Tensor) => tf.sum(new StateDependentNoiseDistribution(mean, logStd, z as tf.Tensor2D).logProb(mean)))(latent),
      );
    });
    tf.dispose([mean, logStd, latent, w]);
  });
});
