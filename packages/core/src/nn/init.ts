import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../rng';

export type Initializer = 'orthogonal' | 'glorot';

function checkShape(shape: readonly number[], what: string): void {
  if (shape.length < 1 || shape.some((d) => !Number.isInteger(d) || d <= 0)) {
    throw new RangeError(`${what}: shape must be positive integers, got [${shape.join(', ')}]`);
  }
}

/**
 * A `rows x cols` matrix (row-major Float32Array) with orthonormal columns when rows >= cols,
 * or orthonormal rows otherwise, times `gain` — the distribution of PyTorch's
 * `nn.init.orthogonal_` (QR of a Gaussian matrix with sign(diag R) folded in). Computed in JS by
 * modified Gram–Schmidt on a normal matrix drawn from `rng`, so the
 * result depends only on the Rng state (rows*cols normal draws are consumed).
 */
export function orthogonalMatrix(rows: number, cols: number, rng: Rng, gain = 1): Float32Array {
  checkShape([rows, cols], 'orthogonalMatrix');
  const n = Math.max(rows, cols); // length of each vector to orthonormalise
  const k = Math.min(rows, cols); // number of vectors
  // Draw in row-major [rows, cols] order, then view as k vectors of length n.
  const g = new Float64Array(rows * cols);
  rng.fillNormal(g);
  const vecs: Float64Array[] = [];
  for (let j = 0; j < k; j++) {
    const v = new Float64Array(n);
    // rows >= cols: vector j = column j; else vector j = row j.
    for (let i = 0; i < n; i++) v[i] = rows >= cols ? (g[i * cols + j] as number) : (g[j * cols + i] as number);
    vecs.push(v);
  }
  for (let j = 0; j < k; j++) {
    const v = vecs[j] as Float64Array;
    // One modified Gram–Schmidt pass: a Gaussian matrix is well conditioned (κ ≈ (√n+√k)/(√n−√k)),
    // so the loss of orthogonality is ~1e-15 · κ — no re-orthogonalisation needed.
    for (let p = 0; p < j; p++) {
      const u = vecs[p] as Float64Array;
      let dot = 0;
      for (let i = 0; i < n; i++) dot += (u[i] as number) * (v[i] as number);
      for (let i = 0; i < n; i++) v[i] = (v[i] as number) - dot * (u[i] as number);
    }
    let norm = 0;
    for (let i = 0; i < n; i++) norm += (v[i] as number) ** 2;
    norm = Math.sqrt(norm);
    if (!(norm > 1e-12)) throw new Error('orthogonalMatrix: degenerate random matrix (rank deficient)');
    for (let i = 0; i < n; i++) v[i] = (v[i] as number) / norm;
  }
  const out = new Float32Array(rows * cols);
  for (let j = 0; j < k; j++) {
    const v = vecs[j] as Float64Array;
    for (let i = 0; i < n; i++) {
      const idx = rows >= cols ? i * cols + j : j * cols + i;
      out[idx] = gain * (v[i] as number);
    }
  }
  return out;
}

/**
 * Orthogonal initial weights as a tf.Variable. For rank > 2 (conv kernels [kh, kw, in, out]) the
 * leading dimensions are flattened into rows, as PyTorch does for [out, in, kh, kw].
 */
export function orthogonal(shape: readonly number[], rng: Rng, gain = 1, name?: string): tf.Variable {
  checkShape(shape, 'orthogonal');
  if (shape.length < 2) throw new RangeError(`orthogonal: needs rank >= 2, got [${shape.join(', ')}]`);
  const cols = shape[shape.length - 1] as number;
  const rows = shape.reduce((a, b) => a * b, 1) / cols;
  return variableFrom(orthogonalMatrix(rows, cols, rng, gain), shape, name);
}

/** Fan-in and fan-out of a weight shape ([in, out] or [kh, kw, in, out]). */
export function fans(shape: readonly number[]): { fanIn: number; fanOut: number } {
  if (shape.length === 1) return { fanIn: shape[0] as number, fanOut: shape[0] as number };
  const receptive = shape.slice(0, -2).reduce((a, b) => a * b, 1);
  return {
    fanIn: (shape[shape.length - 2] as number) * receptive,
    fanOut: (shape[shape.length - 1] as number) * receptive,
  };
}

/** Glorot (Xavier) uniform: U(-l, l) with l = gain·sqrt(6 / (fanIn + fanOut)). */
export function glorotUniform(shape: readonly number[], rng: Rng, gain = 1, name?: string): tf.Variable {
  checkShape(shape, 'glorotUniform');
  const { fanIn, fanOut } = fans(shape);
  const limit = gain * Math.sqrt(6 / (fanIn + fanOut));
  const size = shape.reduce((a, b) => a * b, 1);
  const values = rng.fillUniform(new Float32Array(size), -limit, limit);
  return variableFrom(values, shape, name);
}

export function zeros(shape: readonly number[], name?: string): tf.Variable {
  checkShape(shape, 'zeros');
  return variableFrom(new Float32Array(shape.reduce((a, b) => a * b, 1)), shape, name);
}

/** Initial weights by name. */
export function initWeight(kind: Initializer, shape: readonly number[], rng: Rng, gain = 1, name?: string): tf.Variable {
  if (kind === 'orthogonal') return orthogonal(shape, rng, gain, name);
  if (kind === 'glorot') return glorotUniform(shape, rng, gain, name);
  throw new TypeError(`init must be 'orthogonal' or 'glorot', got ${JSON.stringify(kind)}`);
}

let nameCounter = 0;
/** tf.Variable names are global to the engine; make ours unique but readable. */
export function uniqueName(name?: string): string | undefined {
  if (name === undefined) return undefined;
  nameCounter += 1;
  return `${name}_${nameCounter}`;
}

/** A trainable variable holding `values`, without leaving the staging tensor behind. */
export function variableFrom(values: Float32Array, shape: readonly number[], name?: string): tf.Variable {
  const t = tf.tensor(values, [...shape], 'float32');
  const v = tf.variable(t, true, uniqueName(name));
  t.dispose();
  return v;
}
