/**
 * Two-dimensional toy data sets for density models, seeded by an `Rng`.
 *
 * `makeMoons` and `makeCircles` follow scikit-learn's `make_moons` / `make_circles` geometry
 * exactly (points evenly spaced along the curves, shuffled, then Gaussian noise added);
 * `checkerboard` follows the FFJORD toy set. Every generator returns row-major float32 points
 * and an integer label per point.
 */
import type { Rng } from '@tfrl/core';

/** `n` points of dimension `dim`, row-major in `x` (`x[i * dim + j]`), with a label each. */
export interface ToyDataset {
  x: Float32Array;
  labels: Int32Array;
  n: number;
  dim: number;
}

function checkCount(fn: string, n: unknown): number {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) {
    throw new RangeError(`${fn}: n must be a positive integer, got ${JSON.stringify(n)}`);
  }
  return n;
}

function checkRng(fn: string, rng: unknown): Rng {
  if (!rng || typeof (rng as Rng).normal !== 'function') throw new TypeError(`${fn}: rng (an Rng from @tfrl/core) is required`);
  return rng as Rng;
}

function checkNoise(fn: string, noise: unknown): number {
  if (typeof noise !== 'number' || !Number.isFinite(noise) || noise < 0) {
    throw new RangeError(`${fn}: noise must be a finite number >= 0, got ${JSON.stringify(noise)}`);
  }
  return noise;
}

/** NumPy's `linspace(start, stop, num, endpoint)`. */
function linspace(start: number, stop: number, num: number, endpoint = true): Float64Array {
  const out = new Float64Array(num);
  const div = endpoint ? num - 1 : num;
  const step = div > 0 ? (stop - start) / div : 0;
  for (let i = 0; i < num; i++) out[i] = start + i * step;
  if (endpoint && num > 1) out[num - 1] = stop;
  return out;
}

/** Shuffle points and labels together (as sklearn's `shuffle`), then add N(0, noise²) per coordinate. */
function shuffleAndNoise(pts: Float64Array, labels: Int32Array, dim: number, rng: Rng, shuffle: boolean, noise: number): ToyDataset {
  const n = labels.length;
  const order = shuffle ? rng.permutation(n) : Int32Array.from({ length: n }, (_, i) => i);
  const x = new Float32Array(n * dim);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const src = order[i] as number;
    y[i] = labels[src] as number;
    for (let j = 0; j < dim; j++) x[i * dim + j] = pts[src * dim + j] as number;
  }
  if (noise > 0) for (let i = 0; i < x.length; i++) x[i] = (x[i] as number) + rng.normal(0, noise);
  return { x, labels: y, n, dim };
}

export interface MoonsOptions {
  /** Standard deviation of the Gaussian noise added to every coordinate (default 0). */
  noise?: number;
  /** Shuffle the points (default true, as sklearn). */
  shuffle?: boolean;
  rng: Rng;
}

/**
 * Two interleaving half circles (sklearn `make_moons`): ⌊n/2⌋ points on the outer moon
 * (cos t, sin t) and the rest on the inner moon (1 − cos t, 1 − sin t − 0.5), t evenly spaced
 * on [0, π] with both ends included; label 0 = outer, 1 = inner.
 */
export function makeMoons(n: number, options: MoonsOptions): ToyDataset {
  checkCount('makeMoons', n);
  const rng = checkRng('makeMoons', options?.rng);
  const noise = checkNoise('makeMoons', options.noise ?? 0);
  const nOut = Math.floor(n / 2);
  const nIn = n - nOut;
  const pts = new Float64Array(n * 2);
  const labels = new Int32Array(n);
  const tOut = linspace(0, Math.PI, nOut);
  const tIn = linspace(0, Math.PI, nIn);
  for (let i = 0; i < nOut; i++) {
    pts[2 * i] = Math.cos(tOut[i] as number);
    pts[2 * i + 1] = Math.sin(tOut[i] as number);
  }
  for (let i = 0; i < nIn; i++) {
    const k = nOut + i;
    pts[2 * k] = 1 - Math.cos(tIn[i] as number);
    pts[2 * k + 1] = 1 - Math.sin(tIn[i] as number) - 0.5;
    labels[k] = 1;
  }
  return shuffleAndNoise(pts, labels, 2, rng, options.shuffle ?? true, noise);
}

export interface CirclesOptions {
  noise?: number;
  /** Radius of the inner circle relative to the outer one, in [0, 1) (default 0.8, as sklearn). */
  factor?: number;
  shuffle?: boolean;
  rng: Rng;
}

/**
 * A large circle containing a smaller one (sklearn `make_circles`): ⌊n/2⌋ points on the unit
 * circle and the rest on the circle of radius `factor`, angles evenly spaced on [0, 2π) without
 * the end point; label 0 = outer, 1 = inner.
 */
export function makeCircles(n: number, options: CirclesOptions): ToyDataset {
  checkCount('makeCircles', n);
  const rng = checkRng('makeCircles', options?.rng);
  const noise = checkNoise('makeCircles', options.noise ?? 0);
  const factor = options.factor ?? 0.8;
  if (typeof factor !== 'number' || !(factor >= 0 && factor < 1)) {
    throw new RangeError(`makeCircles: factor must be in [0, 1), got ${JSON.stringify(factor)}`);
  }
  const nOut = Math.floor(n / 2);
  const nIn = n - nOut;
  const pts = new Float64Array(n * 2);
  const labels = new Int32Array(n);
  const aOut = linspace(0, 2 * Math.PI, nOut, false);
  const aIn = linspace(0, 2 * Math.PI, nIn, false);
  for (let i = 0; i < nOut; i++) {
    pts[2 * i] = Math.cos(aOut[i] as number);
    pts[2 * i + 1] = Math.sin(aOut[i] as number);
  }
  for (let i = 0; i < nIn; i++) {
    const k = nOut + i;
    pts[2 * k] = factor * Math.cos(aIn[i] as number);
    pts[2 * k + 1] = factor * Math.sin(aIn[i] as number);
    labels[k] = 1;
  }
  return shuffleAndNoise(pts, labels, 2, rng, options.shuffle ?? true, noise);
}

export interface GaussianMixtureOptions {
  /** Component means, one row of `dim` numbers per component. */
  means: number[][];
  /** Standard deviations: one for all, one per component, or one per component and dimension. */
  stds: number | Array<number | number[]>;
  /** Mixture weights (normalised here; default uniform). */
  weights?: number[];
  rng: Rng;
}

/** Samples of a Gaussian mixture with diagonal covariances; the label is the component index. */
export function gaussianMixture(n: number, options: GaussianMixtureOptions): ToyDataset {
  checkCount('gaussianMixture', n);
  const rng = checkRng('gaussianMixture', options?.rng);
  const { means } = options;
  if (!Array.isArray(means) || means.length === 0 || !Array.isArray(means[0])) {
    throw new TypeError('gaussianMixture: means must be a non-empty array of rows');
  }
  const k = means.length;
  const dim = (means[0] as number[]).length;
  if (dim < 1) throw new RangeError('gaussianMixture: means rows must have at least one coordinate');
  means.forEach((m, i) => {
    if (!Array.isArray(m) || m.length !== dim || m.some((v) => !Number.isFinite(v))) {
      throw new RangeError(`gaussianMixture: means[${i}] must be ${dim} finite numbers, got ${JSON.stringify(m)}`);
    }
  });
  const std = (c: number, j: number): number => {
    const s = options.stds;
    if (typeof s === 'number') return s;
    const row = s[c];
    return typeof row === 'number' ? row : ((row as number[])[j] as number);
  };
  for (let c = 0; c < k; c++) {
    for (let j = 0; j < dim; j++) {
      const s = std(c, j);
      if (typeof s !== 'number' || !Number.isFinite(s) || s < 0) {
        throw new RangeError(
          `gaussianMixture: stds for component ${c}, dimension ${j} must be a finite number >= 0, got ${JSON.stringify(s)}`,
        );
      }
    }
  }
  const w = options.weights ?? new Array<number>(k).fill(1);
  if (w.length !== k || w.some((v) => !(v >= 0) || !Number.isFinite(v))) {
    throw new RangeError(`gaussianMixture: weights must be ${k} finite numbers >= 0, got ${JSON.stringify(w)}`);
  }
  const total = w.reduce((a, b) => a + b, 0);
  if (!(total > 0)) throw new RangeError('gaussianMixture: weights sum to 0');
  const p = w.map((v) => v / total);
  const comps = Array.from({ length: k }, (_, i) => i);
  const x = new Float32Array(n * dim);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = rng.choice(comps, p);
    labels[i] = c;
    const m = means[c] as number[];
    for (let j = 0; j < dim; j++) x[i * dim + j] = rng.normal(m[j] as number, std(c, j));
  }
  return { x, labels, n, dim };
}

export interface CheckerboardOptions {
  rng: Rng;
}

/**
 * The 4×4 checkerboard of FFJORD's toy data: x₁ uniform on [−2, 2), x₂ uniform on one of the two
 * unit cells of the same colour in that column, both scaled by 2 (so the square [−4, 4)², 8 filled
 * cells). The label is the filled cell's index 0..7 (column-major).
 */
export function checkerboard(n: number, options: CheckerboardOptions): ToyDataset {
  checkCount('checkerboard', n);
  const rng = checkRng('checkerboard', options?.rng);
  const x = new Float32Array(n * 2);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const x1 = rng.random() * 4 - 2;
    const upper = rng.integers(0, 2); // 0: the upper cell of the pair, 1: the lower one
    const col = Math.floor(x1); // −2..1
    const shift = ((col % 2) + 2) % 2;
    const x2 = rng.random() - upper * 2 + shift;
    x[2 * i] = x1 * 2;
    x[2 * i + 1] = x2 * 2;
    labels[i] = (col + 2) * 2 + (1 - upper);
  }
  return { x, labels, n, dim: 2 };
}

/** Mean and (population) standard deviation of each column. */
export function columnStats(x: Float32Array, dim: number): { mean: Float64Array; std: Float64Array } {
  const n = Math.floor(x.length / dim);
  const mean = new Float64Array(dim);
  const std = new Float64Array(dim);
  for (let i = 0; i < n; i++) for (let j = 0; j < dim; j++) mean[j] = (mean[j] as number) + (x[i * dim + j] as number);
  for (let j = 0; j < dim; j++) mean[j] = (mean[j] as number) / n;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < dim; j++) std[j] = (std[j] as number) + ((x[i * dim + j] as number) - (mean[j] as number)) ** 2;
  }
  for (let j = 0; j < dim; j++) std[j] = Math.sqrt((std[j] as number) / n);
  return { mean, std };
}
