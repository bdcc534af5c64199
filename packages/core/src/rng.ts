/**
 * Seeded pseudo-random numbers for everything in tfrl.
 *
 * Algorithm: xoshiro128** 1.1 (Blackman & Vigna, https://prng.di.unimi.it/), a 128-bit
 * state generator with 32-bit outputs. The state is filled from the seed with SplitMix32
 * so that nearby seeds give unrelated streams. Every method consumes a documented number
 * of 32-bit outputs, so a run is reproducible from its seed and `getState()` snapshot.
 */

export interface RngState {
  algorithm: 'xoshiro128**';
  /** The four 32-bit words of the state, as unsigned integers. */
  s: [number, number, number, number];
}

const TWO_POW_32 = 4294967296;
const TWO_POW_53 = 9007199254740992;

function splitMix32(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (x + 0x9e3779b9) >>> 0;
    let z = x;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

export class Rng {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;

  /**
   * @param seed any finite integer (negative and values above 2^32 are folded into 32 bits
   * together with their high part, so 1 and 2^32 + 1 differ).
   */
  constructor(seed = 0) {
    if (typeof seed !== 'number' || !Number.isFinite(seed) || !Number.isInteger(seed)) {
      throw new TypeError(`Rng seed must be a finite integer, got ${String(seed)}`);
    }
    const lo = seed >>> 0;
    const hi = Math.floor(seed / TWO_POW_32) >>> 0;
    const sm = splitMix32(lo ^ Math.imul(hi, 0x27d4eb2d));
    this.s0 = sm() | 0;
    this.s1 = sm() | 0;
    this.s2 = sm() | 0;
    this.s3 = sm() | 0;
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  static fromState(state: RngState): Rng {
    const r = new Rng(0);
    r.setState(state);
    return r;
  }

  /** The next raw 32-bit unsigned output. */
  nextUint32(): number {
    // The state words are kept as int32 (`| 0`), not uint32 (`>>> 0`): V8 keeps int32 fields
    // unboxed, which makes this about twice as fast; the bits, and so the outputs, are the same.
    const s0 = this.s0;
    const s1 = this.s1;
    const m = Math.imul(s1, 5);
    const result = Math.imul((m << 7) | (m >>> 25), 9) >>> 0;
    const t = s1 << 9;
    const s2 = this.s2 ^ s0;
    const s3 = this.s3 ^ s1;
    this.s1 = s1 ^ s2;
    this.s0 = s0 ^ s3;
    this.s2 = s2 ^ t;
    this.s3 = (s3 << 11) | (s3 >>> 21);
    return result;
  }

  random(): number {
    const a = this.nextUint32() >>> 5;
    const b = this.nextUint32() >>> 6;
    return (a * 67108864 + b) / TWO_POW_53;
  }

  /** Uniform double in [low, high). */
  uniform(low = 0, high = 1): number {
    return low + (high - low) * this.random();
  }

  /** Normal deviate by the Box–Muller transform (consumes four outputs). */
  normal(mean = 0, std = 1): number {
    let u1 = this.random();
    while (u1 === 0) u1 = this.random();
    const u2 = this.random();
    return mean + std * Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }

  /**
   * Uniform integer in [low, high) — or in [0, low) when `high` is omitted, as NumPy's
   * `Generator.integers`. Unbiased (rejection sampling); the range must be at most 2^32.
   */
  integers(low: number, high?: number): number {
    if (high === undefined) {
      high = low;
      low = 0;
    }
    if (!Number.isInteger(low) || !Number.isInteger(high)) {
      throw new RangeError(`Rng.integers bounds must be integers, got [${low}, ${high})`);
    }
    const range = high - low;
    if (range <= 0) throw new RangeError(`Rng.integers: empty range [${low}, ${high})`);
    if (range > TWO_POW_32) throw new RangeError(`Rng.integers: range ${range} exceeds 2^32`);
    if (range === TWO_POW_32) return low + this.nextUint32();
    // Reject the top partial block so every value has the same probability.
    const limit = TWO_POW_32 - (TWO_POW_32 % range);
    let x = this.nextUint32();
    while (x >= limit) x = this.nextUint32();
    return low + (x % range);
  }

  /** One element of `items`, uniformly or with probabilities `p` (which must sum to 1). */
  choice<T>(items: ArrayLike<T>, p?: ArrayLike<number>): T {
    const n = items.length;
    if (n === 0) throw new RangeError('Rng.choice: cannot choose from an empty array');
    if (p === undefined) return items[this.integers(0, n)] as T;
    if (p.length !== n) {
      throw new RangeError(`Rng.choice: ${n} items but ${p.length} probabilities`);
    }
    const u = this.random();
    let acc = 0;
    for (let i = 0; i < n; i++) {
      acc += p[i] as number;
      if (u < acc) return items[i] as T;
    }
    return items[n - 1] as T;
  }

  /** Fisher–Yates shuffle in place; returns the same array. */
  shuffle<T, A extends { length: number; [i: number]: T }>(arr: A): A {
    for (let i = arr.length - 1; i > 0; i--) {
      const j = this.integers(0, i + 1);
      const tmp = arr[i] as T;
      arr[i] = arr[j] as T;
      arr[j] = tmp;
    }
    return arr;
  }

  /** A random permutation of 0..n-1. */
  permutation(n: number): Int32Array {
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) out[i] = i;
    return this.shuffle<number, Int32Array>(out);
  }

  /** Fill `out` with uniform values in [low, high). */
  fillUniform<A extends Float32Array | Float64Array>(out: A, low = 0, high = 1): A {
    for (let i = 0; i < out.length; i++) out[i] = low + (high - low) * this.random();
    return out;
  }

  /** Fill `out` with normal deviates. */
  fillNormal<A extends Float32Array | Float64Array>(out: A, mean = 0, std = 1): A {
    for (let i = 0; i < out.length; i++) out[i] = this.normal(mean, std);
    return out;
  }

  /** A 31-bit seed for a TensorFlow.js random op (`tf.randomNormal(shape, 0, 1, 'float32', seed)`). */
  tfSeed(): number {
    return this.nextUint32() >>> 1;
  }

  /** A new generator whose stream is independent of this one (seeded from two outputs). */
  spawn(): Rng {
    const lo = this.nextUint32();
    const hi = this.nextUint32() & 0x1fffff;
    return new Rng(hi * TWO_POW_32 + lo);
  }

  getState(): RngState {
    return { algorithm: 'xoshiro128**', s: [this.s0 >>> 0, this.s1 >>> 0, this.s2 >>> 0, this.s3 >>> 0] };
  }

  setState(state: RngState): void {
    if (!state || state.algorithm !== 'xoshiro128**' || !Array.isArray(state.s) || state.s.length !== 4) {
      throw new TypeError(`Rng.setState: expected {algorithm: 'xoshiro128**', s: [4 uint32]}, got ${JSON.stringify(state)}`);
    }
    for (const w of state.s) {
      if (!Number.isInteger(w) || w < 0 || w >= TWO_POW_32) {
        throw new RangeError(`Rng.setState: state word ${w} is not a uint32`);
      }
    }
    const [a, b, c, d] = state.s as [number, number, number, number];
    this.s0 = a | 0;
    this.s1 = b | 0;
    this.s2 = c | 0;
    this.s3 = d | 0;
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) {
      throw new RangeError('Rng.setState: the all-zero state is invalid for xoshiro128**');
    }
  }

  clone(): Rng {
    return Rng.fromState(this.getState());
  }
}
