import * as tf from '@tensorflow/tfjs';
import { Rng } from '@tfrl/core';
import { useBackend } from '@tfrl/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { columnStats } from '../datasets/toys';
import { ActNorm, AffineElementwise } from './affine';
import { StandardNormal } from './base';
import type { Bijector } from './bijector';
import { AffineCoupling } from './coupling';
import { AffineFlow, Glow, type NormalizingFlow, RealNVP } from './flow';
import { InvertibleLinearLU, luDecompose } from './lu';
import { renderScatter } from './scatter';

beforeAll(async () => {
  await useBackend('cpu');
});

/** log|det A| of a small row-major matrix by Gaussian elimination in float64. */
function logAbsDet(a: ArrayLike<number>, d: number): number {
  const m = Float64Array.from(a);
  let acc = 0;
  for (let k = 0; k < d; k++) {
    let p = k;
    for (let i = k + 1; i < d; i++) if (Math.abs(m[i * d + k] as number) > Math.abs(m[p * d + k] as number)) p = i;
    if (p !== k) for (let j = 0; j < d; j++) [m[k * d + j], m[p * d + j]] = [m[p * d + j] as number, m[k * d + j] as number];
    const piv = m[k * d + k] as number;
    acc += Math.log(Math.abs(piv));
    for (let i = k + 1; i < d; i++) {
      const f = (m[i * d + k] as number) / piv;
      for (let j = k; j < d; j++) m[i * d + j] = (m[i * d + j] as number) - f * (m[k * d + j] as number);
    }
  }
  return acc;
}

/** Per-sample log|det J| of `fn` at the rows of `x` by central finite differences (one batched call). */
function numericLogDets(fn: (x: tf.Tensor2D) => tf.Tensor2D, x: Float32Array, d: number, h = 4e-3): number[] {
  const n = x.length / d;
  const pert = new Float32Array(n * 2 * d * d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) {
      for (let sgn = 0; sgn < 2; sgn++) {
        const row = (i * d + j) * 2 + sgn;
        for (let k = 0; k < d; k++) pert[row * d + k] = x[i * d + k] as number;
        pert[row * d + j] = (pert[row * d + j] as number) + (sgn === 0 ? h : -h);
      }
    }
  }
  const yT = tf.tidy(() => fn(tf.tensor2d(pert, [n * 2 * d, d])));
  const y = yT.dataSync();
  yT.dispose();
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const jac = new Float64Array(d * d); // jac[a * d + j] = ∂y_a/∂x_j
    for (let j = 0; j < d; j++) {
      const plus = (i * d + j) * 2 * d;
      const minus = ((i * d + j) * 2 + 1) * d;
      for (let a = 0; a < d; a++) jac[a * d + j] = ((y[plus + a] as number) - (y[minus + a] as number)) / (2 * h);
    }
    out.push(logAbsDet(jac, d));
  }
  return out;
}

/** Random values into every trainable variable (so couplings are not the identity). */
function randomize(vars: Record<string, tf.Variable>, rng: Rng, scale: number): void {
  for (const v of Object.values(vars)) {
    tf.tidy(() => v.assign(tf.tensor(rng.fillNormal(new Float32Array(v.size), 0, scale), v.shape)));
  }
}

function randomRows(n: number, d: number, seed: number, std = 1): Float32Array {
  return new Rng(seed).fillNormal(new Float32Array(n * d), 0, std);
}

function checkBijector(b: Bijector, x: Float32Array, tol = 2e-3): void {
  const d = b.dim;
  const n = x.length / d;
  const xt = tf.tensor2d(x, [n, d]);
  const fwd = b.forward(xt);
  const fwdLd = Array.from(fwd.logDet.dataSync());
  const numFwd = numericLogDets(
    (t) => {
      const r = b.forward(t);
      r.logDet.dispose();
      return r.y;
    },
    x,
    d,
  );
  fwdLd.forEach((v, i) => expect(Math.abs(v - (numFwd[i] as number))).toBeLessThan(tol));
  // inverse ∘ forward = identity, and the inverse log-det is the negated forward one.
  const back = b.inverse(fwd.y);
  const xb = back.x.dataSync();
  for (let i = 0; i < x.length; i++)
    expect(Math.abs((xb[i] as number) - (x[i] as number))).toBeLessThan(1e-5 * Math.max(1, Math.abs(x[i] as number)));
  const invLd = back.logDet.dataSync();
  fwdLd.forEach((v, i) => expect(Math.abs(v + (invLd[i] as number))).toBeLessThan(1e-4));
  // And the inverse's log-det against its own numeric Jacobian, at y = forward(x).
  const yArr = fwd.y.dataSync() as Float32Array;
  const numInv = numericLogDets(
    (t) => {
      const r = b.inverse(t);
      r.logDet.dispose();
      return r.x;
    },
    yArr,
    d,
  );
  Array.from(invLd).forEach((v, i) => expect(Math.abs(v - (numInv[i] as number))).toBeLessThan(tol));
  // forward ∘ inverse = identity too.
  const inv2 = b.inverse(xt);
  const fwd2 = b.forward(inv2.x);
  const xf = fwd2.y.dataSync();
  for (let i = 0; i < x.length; i++)
    expect(Math.abs((xf[i] as number) - (x[i] as number))).toBeLessThan(1e-5 * Math.max(1, Math.abs(x[i] as number)));
  tf.dispose([xt, fwd.y, fwd.logDet, back.x, back.logDet, inv2.x, inv2.logDet, fwd2.y, fwd2.logDet]);
}

function stackAsBijector(flow: NormalizingFlow): Bijector {
  return {
    name: 'stack',
    dim: flow.dim,
    forward: (x) => flow.forward(x),
    inverse: (y) => flow.inverse(y),
    variables: {},
    buffers: {},
    dispose: () => {},
  };
}

describe('bijectors: log-determinants against numeric Jacobians, inverse ∘ forward = identity', () => {
  it('AffineElementwise (d = 3)', () => {
    const b = new AffineElementwise({ dim: 3, logScale: [0.3, -0.7, 1.1], shift: [1, -2, 0.5] });
    checkBijector(b, randomRows(5, 3, 1));
    const ld = b.forward(tf.zeros([2, 3])).logDet.dataSync();
    expect(ld[0]).toBeCloseTo(0.3 - 0.7 + 1.1, 5);
    b.dispose();
  });

  it('ActNorm (after its data init)', () => {
    const b = new ActNorm({ dim: 2 });
    b.initializeFromData(tf.tensor2d(randomRows(64, 2, 2, 3), [64, 2]));
    checkBijector(b, randomRows(5, 2, 3));
    b.dispose();
  });

  it('InvertibleLinearLU (d = 2, 3, 4) with perturbed L, U, s', () => {
    for (const d of [2, 3, 4]) {
      const b = new InvertibleLinearLU({ dim: d, rng: new Rng(d) });
      randomize(b.variables, new Rng(10 + d), 0.4);
      checkBijector(b, randomRows(4, d, 4 + d));
      b.dispose();
    }
  });

  it('AffineCoupling (both parities, d = 2 and 3) with random weights', () => {
    for (const [d, parity] of [
      [2, 0],
      [2, 1],
      [3, 0],
      [3, 1],
    ] as const) {
      const b = new AffineCoupling({ dim: d, parity, hiddenSizes: [16, 16], activation: 'tanh', rng: new Rng(d * 10 + parity) });
      randomize(b.variables, new Rng(7 + d + parity), 0.4);
      checkBijector(b, randomRows(5, d, 20 + d));
      b.dispose();
    }
  });

  it('a whole Glow stack and a RealNVP stack with ActNorm', () => {
    const glow = new Glow({ dim: 2, numBlocks: 3, hiddenSizes: [16, 16], activation: 'tanh', seed: 1 });
    glow.initialize(tf.tensor2d(randomRows(128, 2, 5, 2), [128, 2]));
    randomize(Object.fromEntries(glow.trainableVariables.map((v, i) => [String(i), v])), new Rng(3), 0.2);
    checkBijector(stackAsBijector(glow), randomRows(5, 2, 6));
    glow.dispose();
    const nvp = new RealNVP({ dim: 3, numLayers: 4, actNorm: true, hiddenSizes: [16], activation: 'elu', seed: 2 });
    nvp.initialize(tf.tensor2d(randomRows(128, 3, 7, 2), [128, 3]));
    randomize(Object.fromEntries(nvp.trainableVariables.map((v, i) => [String(i), v])), new Rng(4), 0.2);
    checkBijector(stackAsBijector(nvp), randomRows(5, 3, 8));
    nvp.dispose();
  });

  it('a new coupling layer is the identity (zero-initialised heads)', () => {
    const b = new AffineCoupling({ dim: 2, rng: new Rng(0) });
    const x = tf.tensor2d(randomRows(8, 2, 9), [8, 2]);
    const r = b.forward(x);
    expect(Array.from(r.y.dataSync())).toEqual(Array.from(x.dataSync()));
    expect(Array.from(r.logDet.dataSync()).every((v) => v === 0)).toBe(true);
    tf.dispose([x, r.y, r.logDet]);
    b.dispose();
  });
});

describe('ActNorm data-dependent init', () => {
  it('makes the first batch zero-mean, unit-variance in the normalizing direction, once', () => {
    const b = new ActNorm({ dim: 3 });
    expect(b.initialized).toBe(false);
    const rows = new Float32Array(500 * 3);
    const rng = new Rng(11);
    for (let i = 0; i < 500; i++) {
      rows[3 * i] = rng.normal(5, 0.1);
      rows[3 * i + 1] = rng.normal(-2, 4);
      rows[3 * i + 2] = rng.normal(0, 1e-2);
    }
    const x = tf.tensor2d(rows, [500, 3]);
    b.initializeFromData(x);
    expect(b.initialized).toBe(true);
    const { x: out, logDet } = b.inverse(x);
    const { mean, variance } = tf.moments(out, 0);
    for (const m of mean.dataSync()) expect(Math.abs(m)).toBeLessThan(1e-4);
    for (const v of variance.dataSync()) expect(v).toBeCloseTo(1, 3);
    // log-det of the inverse = −Σ log std of the batch
    const { std } = columnStats(rows, 3);
    expect(logDet.dataSync()[0] as number).toBeCloseTo(-Array.from(std).reduce((a, s) => a + Math.log(s), 0), 3);
    // A second batch does not re-initialise.
    const before = Array.from(b.shift.dataSync());
    b.initializeFromData(tf.tensor2d(randomRows(10, 3, 12), [10, 3]));
    expect(Array.from(b.shift.dataSync())).toEqual(before);
    tf.dispose([x, out, logDet, mean, variance]);
    b.dispose();
  });

  it('initialises every ActNorm of a Glow on the batch that reaches it', () => {
    const glow = new Glow({ dim: 2, numBlocks: 3, hiddenSizes: [8], seed: 3 });
    expect(glow.needsDataInit).toBe(true);
    const data = randomRows(256, 2, 13, 5);
    glow.initialize(data);
    expect(glow.needsDataInit).toBe(false);
    const trace = glow.trace(data, 'inverse');
    // The batch leaving each actnorm (data side first) is standardised.
    for (const step of trace.filter((s) => s.name.endsWith('actnorm'))) {
      const v = step.values;
      for (let j = 0; j < 2; j++) {
        let m = 0;
        let s = 0;
        for (let i = 0; i < 256; i++) m += v[2 * i + j] as number;
        m /= 256;
        for (let i = 0; i < 256; i++) s += ((v[2 * i + j] as number) - m) ** 2;
        expect(Math.abs(m)).toBeLessThan(1e-4);
        expect(s / 256).toBeCloseTo(1, 3);
      }
    }
    expect(() => new ActNorm({ dim: 2 }).initializeFromData(tf.tensor2d([Number.NaN, 1, 2, 3], [2, 2]))).toThrow(/non-finite/);
    glow.dispose();
  });
});

describe('LU parameterisation', () => {
  it('luDecompose: A = P·L·U with unit-lower L and upper U', () => {
    const d = 4;
    const a = randomRows(d, d, 21);
    const { p, l, u } = luDecompose(a, d);
    const mm = (x: Float64Array, y: Float64Array) => {
      const o = new Float64Array(d * d);
      for (let i = 0; i < d; i++)
        for (let j = 0; j < d; j++)
          for (let k = 0; k < d; k++) o[i * d + j] = (o[i * d + j] as number) + (x[i * d + k] as number) * (y[k * d + j] as number);
      return o;
    };
    const plu = mm(mm(p, l), u);
    for (let i = 0; i < d * d; i++) expect(plu[i]).toBeCloseTo(a[i] as number, 5);
    for (let i = 0; i < d; i++) {
      expect(l[i * d + i]).toBe(1);
      for (let j = i + 1; j < d; j++) expect(l[i * d + j]).toBe(0);
      for (let j = 0; j < i; j++) expect(u[i * d + j]).toBeCloseTo(0, 12);
    }
    expect(() => luDecompose([1, 2, 2, 4], 2)).toThrow(/singular/);
  });

  it('starts at a rotation, stays invertible: W·W⁻¹ = I and log|det W| = Σ log|s|', () => {
    const d = 3;
    const b = new InvertibleLinearLU({ dim: d, rng: new Rng(5) });
    const w0 = b.weight();
    const wtw = tf.matMul(tf.transpose(w0), w0).dataSync();
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) expect(wtw[i * d + j]).toBeCloseTo(i === j ? 1 : 0, 5);
    randomize(b.variables, new Rng(6), 0.5);
    const w = b.weight();
    const wi = b.inverseWeight();
    const prod = tf.matMul(w, wi).dataSync();
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) expect(prod[i * d + j]).toBeCloseTo(i === j ? 1 : 0, 4);
    const sumLog = tf.sum(b.logAbsS).dataSync()[0] as number;
    expect(logAbsDet(w.dataSync(), d)).toBeCloseTo(sumLog, 4);
    // Entries outside the triangles do not matter (masked): changing them leaves W unchanged.
    const wBefore = Array.from(w.dataSync());
    tf.tidy(() => b.lower.assign(tf.add(b.lower, tf.mul(tf.eye(d), 7))));
    const w2 = b.weight();
    Array.from(w2.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(wBefore[i] as number, 6));
    tf.dispose([w0, w, wi, w2]);
    b.dispose();
  });
});

describe('the fused training loss', () => {
  it.each(['cpu', 'wasm'] as const)('has the value and gradients of the taped NLL (Glow, RealNVP + ActNorm) on %s', async (backend) => {
    await useBackend(backend);
    const flows = [
      new Glow({ dim: 2, numBlocks: 2, hiddenSizes: [12, 12], activation: 'tanh', seed: 4 }),
      new RealNVP({ dim: 3, numLayers: 3, actNorm: true, hiddenSizes: [10], activation: 'elu', seed: 5 }),
      new AffineFlow({ dim: 3 }),
    ];
    for (const flow of flows) {
      expect(flow.canFuse).toBe(true);
      const d = flow.dim;
      flow.initialize(randomRows(64, d, 30, 2));
      randomize(Object.fromEntries(flow.trainableVariables.map((v, i) => [String(i), v])), new Rng(31), 0.3);
      const x = tf.tensor2d(randomRows(32, d, 32, 1.5), [32, d]);
      const vars = flow.trainableVariables;
      const taped = tf.variableGrads(() => flow.nll(x), vars);
      const fused = tf.variableGrads(() => flow.trainingLoss(x), vars);
      expect(fused.value.dataSync()[0] as number).toBeCloseTo(taped.value.dataSync()[0] as number, 4);
      for (const v of vars) {
        const a = (taped.grads[v.name] as tf.Tensor).dataSync();
        const b = (fused.grads[v.name] as tf.Tensor).dataSync();
        expect(b.length).toBe(a.length);
        for (let i = 0; i < a.length; i++)
          expect(Math.abs((b[i] as number) - (a[i] as number))).toBeLessThan(1e-4 + 1e-3 * Math.abs(a[i] as number));
      }
      tf.dispose([x, taped.value, fused.value, ...Object.values(taped.grads), ...Object.values(fused.grads)]);
      flow.dispose();
    }
    await useBackend('cpu');
  });
});

describe('NormalizingFlow', () => {
  it('logProb is the change of variables: base log-density of f⁻¹(x) plus the inverse log-det', () => {
    const flow = new AffineFlow({ dim: 2 });
    tf.tidy(() => {
      flow.affine.shift.assign(tf.tensor1d([1, -1]));
      flow.affine.logScale.assign(tf.tensor1d([Math.log(2), Math.log(0.5)]));
    });
    const x = tf.tensor2d([3, -1, 1, 0], [2, 2]);
    const lp = flow.logProb(x).dataSync();
    // N(x; μ, diag(σ²)) with μ = (1, −1), σ = (2, 0.5)
    const ref = (a: number, b: number) =>
      -0.5 * (((a - 1) / 2) ** 2 + ((b + 1) / 0.5) ** 2) - Math.log(2 * Math.PI) - Math.log(2) - Math.log(0.5);
    expect(lp[0]).toBeCloseTo(ref(3, -1), 5);
    expect(lp[1]).toBeCloseTo(ref(1, 0), 5);
    expect(flow.gaussianParameters().std[0]).toBeCloseTo(2, 5);
    x.dispose();
    flow.dispose();
  });

  it('sample(n, seed) is reproducible and the trace ends at the samples / the latents', () => {
    const flow = new Glow({ dim: 2, numBlocks: 2, hiddenSizes: [8], seed: 6 });
    flow.initialize(randomRows(64, 2, 40, 2));
    randomize(Object.fromEntries(flow.trainableVariables.map((v, i) => [String(i), v])), new Rng(41), 0.2);
    const a = flow.sampleArray(50, 9);
    const b = flow.sampleArray(50, 9);
    const c = flow.sampleArray(50, 10);
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a)).not.toEqual(Array.from(c));
    const z = new StandardNormal(2).sample(50, 9);
    const tr = flow.trace(z.dataSync() as Float32Array, 'forward');
    expect(tr.length).toBe(flow.layers.length + 1);
    expect(tr[0]?.name).toBe('latent');
    Array.from(tr.at(-1)?.values ?? []).forEach((v, i) => expect(v).toBeCloseTo(a[i] as number, 5));
    const inv = flow.trace(a, 'inverse');
    expect(inv.map((s) => s.name).slice(0, 4)).toEqual(['data', 'glow/0/actnorm', 'glow/0/lu', 'glow/0/coupling']);
    Array.from(inv.at(-1)?.values ?? []).forEach((v, i) => expect(v).toBeCloseTo(z.dataSync()[i] as number, 4));
    z.dispose();
    flow.dispose();
  });

  it('renderScatter draws points where they are', () => {
    const img = renderScatter([0, 0, 1, 1], {
      width: 11,
      height: 11,
      range: [0, 1, 0, 1],
      radius: 0,
      alpha: 1,
      axes: false,
      palette: [[255, 0, 0]],
    });
    expect(img.channels).toBe(3);
    const px = (x: number, y: number) => Array.from(img.data.subarray(3 * (y * 11 + x), 3 * (y * 11 + x) + 3));
    expect(px(0, 10)).toEqual([255, 0, 0]); // (0, 0) bottom-left
    expect(px(10, 0)).toEqual([255, 0, 0]); // (1, 1) top-right
    expect(px(5, 5)).toEqual([255, 255, 255]);
  });
});
