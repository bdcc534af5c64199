/**
 * Small pieces shared by the policy-gradient learners: advantage standardisation, running-mean
 * observation normalisation (ARS), vectorising a single env, and flat parameter vectors (TRPO).
 * Plain typed-array code, no tensors except the flat parameter helpers.
 */
import * as tf from '@tensorflow/tfjs';
import { type AnyEnv, type RunningMeanStd, SyncVecEnv, isVecEnv } from '@tfrl/core';

/**
 * (obs - mean) / sqrt(var + 1e-8) clipped to ±clip, row by row (rows of `rms.mean.length`), as
 * SB3's VecNormalize. Writes into `out` (a new array when omitted).
 */
export function normalizeWithRms(obs: Float32Array, rms: RunningMeanStd, clip: number, out?: Float32Array): Float32Array {
  const d = rms.mean.length;
  const res = out ?? new Float32Array(obs.length);
  for (let i = 0; i < obs.length; i++) {
    const j = i % d;
    const v = ((obs[i] as number) - (rms.mean[j] as number)) / Math.sqrt((rms.var[j] as number) + 1e-8);
    res[i] = v > clip ? clip : v < -clip ? -clip : v;
  }
  return res;
}

/** A VecEnv as is; a single Env wrapped in a one-env SyncVecEnv. */
export function asVecEnv(env: AnyEnv): AnyEnv {
  return isVecEnv(env) ? env : new SyncVecEnv([() => env]);
}

/** (x - mean) / (std + 1e-8) with the unbiased std (SB3's advantage normalisation); copies. */
export function standardize(x: ArrayLike<number>): Float32Array {
  const n = x.length;
  const out = new Float32Array(n);
  if (n === 0) return out;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += x[i] as number;
  mean /= n;
  if (n === 1) {
    out[0] = (x[0] as number) - mean;
    return out;
  }
  let v = 0;
  for (let i = 0; i < n; i++) v += ((x[i] as number) - mean) ** 2;
  const std = Math.sqrt(v / (n - 1));
  for (let i = 0; i < n; i++) out[i] = ((x[i] as number) - mean) / (std + 1e-8);
  return out;
}

export interface RmsJson {
  mean: number[];
  var: number[];
  count: number;
}

export function rmsToJson(rms: RunningMeanStd | undefined): RmsJson | null {
  return rms ? { mean: Array.from(rms.mean), var: Array.from(rms.var), count: rms.count } : null;
}

export function rmsFromJson(rms: RunningMeanStd | undefined, saved: unknown): void {
  const s = saved as RmsJson | null | undefined;
  if (!rms || !s) return;
  rms.mean.set(s.mean);
  rms.var.set(s.var);
  rms.count = s.count;
}

/** Concatenated values of `vars` (one read). */
export function getFlatParams(vars: tf.Variable[]): Float32Array {
  const flat = tf.tidy(() => tf.concat(vars.map((v) => tf.reshape(v, [-1]))));
  const out = flat.dataSync().slice() as Float32Array;
  flat.dispose();
  return out;
}

/** Assign a flat vector (layout of {@link getFlatParams}) to `vars`. */
export function setFlatParams(vars: tf.Variable[], flat: Float32Array): void {
  let off = 0;
  tf.tidy(() => {
    for (const v of vars) {
      v.assign(tf.tensor(flat.subarray(off, off + v.size), v.shape));
      off += v.size;
    }
  });
  if (off !== flat.length) throw new RangeError(`setFlatParams: ${flat.length} values for ${off} parameters`);
}
