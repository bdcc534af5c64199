/**
 * Gymnasium-like spaces: the sets observations and actions are drawn from.
 *
 * Every space can `sample(rng)`, test `contains(x)`, describe itself (`toString()`, `toJSON()`),
 * and convert an element to and from two flat number layouts:
 *
 * - `flatten` / `unflatten` (`flatDim` numbers): Gymnasium's `flatten` — Discrete and
 *   MultiDiscrete become one-hot vectors. This is what a network consuming the element needs.
 * - `writeCompact` / `readCompact` (`compactDim` numbers): one number per scalar of the element —
 *   a Discrete is stored as its integer value in a single float. This is the layout of
 *   `VecEnv` observations/actions and of replay buffers.
 */

import type { Rng } from './rng';

export type BoxDtype = 'float32' | 'float64' | 'int32' | 'uint8';

export interface BoxArrayOf {
  float32: Float32Array;
  float64: Float64Array;
  int32: Int32Array;
  uint8: Uint8Array;
}

/** A JSON number, or one of the strings JSON needs for the IEEE specials. */
export type JsonNumber = number | 'inf' | '-inf' | 'nan';

export type SpaceJSON =
  | { type: 'Discrete'; n: number; start: number }
  | { type: 'Box'; low: JsonNumber | JsonNumber[]; high: JsonNumber | JsonNumber[]; shape: number[]; dtype: BoxDtype }
  | { type: 'MultiDiscrete'; nvec: number[] }
  | { type: 'MultiBinary'; n: number }
  | { type: 'Dict'; spaces: Record<string, SpaceJSON> }
  | { type: 'Tuple'; spaces: SpaceJSON[] };

/** The element type of a space. */
export type SpaceValue<S> = S extends Space<infer T> ? T : never;

function encodeNumber(x: number): JsonNumber {
  if (Number.isNaN(x)) return 'nan';
  if (x === Number.POSITIVE_INFINITY) return 'inf';
  if (x === Number.NEGATIVE_INFINITY) return '-inf';
  return x;
}

function decodeNumber(x: unknown, where: string): number {
  if (typeof x === 'number') return x;
  if (x === 'inf' || x === 'Infinity') return Number.POSITIVE_INFINITY;
  if (x === '-inf' || x === '-Infinity') return Number.NEGATIVE_INFINITY;
  if (x === 'nan' || x === 'NaN') return Number.NaN;
  throw new TypeError(`spaceFromJSON: ${where} must be a number, 'inf', '-inf' or 'nan', got ${JSON.stringify(x)}`);
}

/** Python-like rendering of a number: `1.0`, `-inf`, `0.41887903` (float) or `3` (int). */
function pyNumber(x: number, isFloat: boolean, isFloat32 = false): string {
  if (Number.isNaN(x)) return 'nan';
  if (x === Number.POSITIVE_INFINITY) return 'inf';
  if (x === Number.NEGATIVE_INFINITY) return '-inf';
  if (isFloat && Number.isInteger(x) && Math.abs(x) < 1e16) return `${x}.0`;
  if (isFloat32) {
    // The shortest decimal that reads back as the same float32 (what NumPy prints).
    for (let p = 1; p <= 9; p++) {
      const s = x.toPrecision(p);
      if (Math.fround(Number(s)) === x) return String(Number(s));
    }
  }
  return String(x);
}

/** Short human rendering of any value for error messages. */
export function formatValue(x: unknown, maxItems = 8): string {
  if (typeof x === 'number') return Number.isNaN(x) ? 'NaN' : String(x);
  if (typeof x === 'string') return JSON.stringify(x);
  if (x === null || x === undefined || typeof x === 'boolean' || typeof x === 'bigint') return String(x);
  if (ArrayBuffer.isView(x) && !(x instanceof DataView)) {
    const a = x as unknown as ArrayLike<number>;
    const items = Array.from({ length: Math.min(a.length, maxItems) }, (_, i) => formatValue(a[i]));
    const more = a.length > maxItems ? `, … (${a.length} items)` : '';
    return `${x.constructor.name} [${items.join(', ')}${more}]`;
  }
  if (Array.isArray(x)) {
    const items = x.slice(0, maxItems).map((v) => formatValue(v, maxItems));
    const more = x.length > maxItems ? `, … (${x.length} items)` : '';
    return `[${items.join(', ')}${more}]`;
  }
  if (typeof x === 'object') {
    const entries = Object.entries(x as Record<string, unknown>).map(([k, v]) => `${k}: ${formatValue(v, maxItems)}`);
    return `{${entries.join(', ')}}`;
  }
  return String(x);
}

function isNumberArrayLike(x: unknown): x is ArrayLike<number> {
  if (ArrayBuffer.isView(x) && !(x instanceof DataView)) return !(x instanceof BigInt64Array || x instanceof BigUint64Array);
  return Array.isArray(x) && x.every((v) => typeof v === 'number');
}

function product(shape: readonly number[]): number {
  let p = 1;
  for (const d of shape) p *= d;
  return p;
}

function checkShape(shape: readonly number[], who: string): number[] {
  if (!Array.isArray(shape)) throw new TypeError(`${who}: shape must be an array of integers, got ${formatValue(shape)}`);
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new RangeError(`${who}: shape ${formatValue(shape)} has an invalid dimension ${d}`);
  }
  return [...shape];
}

/** A set of values of type `T`. */
export abstract class Space<T = unknown> {
  /** Shape of an element (`[]` for Discrete, Dict and Tuple). */
  abstract readonly shape: number[];
  /** Length of `flatten(x)` (Discrete counts as one-hot of size n). */
  abstract readonly flatDim: number;
  /** Length of the compact layout (Discrete counts as 1 number). */
  abstract readonly compactDim: number;

  abstract sample(rng: Rng): T;
  abstract contains(x: unknown): boolean;
  /** Why `x` is not in this space, or `null` when it is. */
  abstract explain(x: unknown): string | null;
  abstract toJSON(): SpaceJSON;
  abstract toString(): string;
  /** Gymnasium `flatten`: one-hot for discrete parts; `flatDim` floats. */
  abstract flatten(x: T): Float32Array;
  abstract unflatten(arr: ArrayLike<number>): T;
  /** Write `x` as `compactDim` numbers into `out` at `offset`. */
  abstract writeCompact(x: T, out: { [i: number]: number }, offset?: number): void;
  /** Read an element from `compactDim` numbers of `arr` at `offset`. */
  abstract readCompact(arr: ArrayLike<number>, offset?: number): T;

  /** Same type and parameters. */
  equals(other: Space<unknown>): boolean {
    return JSON.stringify(this.toJSON()) === JSON.stringify(other.toJSON());
  }
}

// ---------------------------------------------------------------------------------------------

/** The integers `start, start+1, …, start+n-1`. */
export class Discrete extends Space<number> {
  readonly shape: number[] = [];
  readonly flatDim: number;
  readonly compactDim = 1;

  constructor(
    readonly n: number,
    readonly start = 0,
  ) {
    super();
    if (!Number.isInteger(n) || n <= 0) throw new RangeError(`Discrete: n must be a positive integer, got ${formatValue(n)}`);
    if (!Number.isInteger(start)) throw new RangeError(`Discrete: start must be an integer, got ${formatValue(start)}`);
    this.flatDim = n;
  }

  sample(rng: Rng): number {
    return this.start + rng.integers(0, this.n);
  }

  explain(x: unknown): string | null {
    if (typeof x !== 'number') return `expected an integer, got ${typeof x === 'object' ? formatValue(x) : typeof x}`;
    if (Number.isNaN(x)) return 'NaN is not an integer';
    if (!Number.isInteger(x)) return `${x} is not an integer`;
    if (x < this.start || x >= this.start + this.n) {
      return `${x} is outside [${this.start}, ${this.start + this.n - 1}]`;
    }
    return null;
  }

  contains(x: unknown): boolean {
    return this.explain(x) === null;
  }

  toJSON(): SpaceJSON {
    return { type: 'Discrete', n: this.n, start: this.start };
  }

  toString(): string {
    return this.start === 0 ? `Discrete(${this.n})` : `Discrete(${this.n}, start=${this.start})`;
  }

  flatten(x: number): Float32Array {
    const out = new Float32Array(this.n);
    out[x - this.start] = 1;
    return out;
  }

  unflatten(arr: ArrayLike<number>): number {
    if (arr.length !== this.n) throw new RangeError(`${this}.unflatten: expected ${this.n} numbers, got ${arr.length}`);
    for (let i = 0; i < this.n; i++) if (arr[i] !== 0) return this.start + i;
    throw new RangeError(`${this}.unflatten: the one-hot vector is all zeros`);
  }

  writeCompact(x: number, out: { [i: number]: number }, offset = 0): void {
    out[offset] = x;
  }

  readCompact(arr: ArrayLike<number>, offset = 0): number {
    return Math.round(arr[offset] as number);
  }
}

// ---------------------------------------------------------------------------------------------

export interface BoxOptions<D extends BoxDtype> {
  /** Lower bound: a scalar (broadcast) or one value per element; may be -Infinity. */
  low: number | ArrayLike<number>;
  /** Upper bound: a scalar (broadcast) or one value per element; may be +Infinity. */
  high: number | ArrayLike<number>;
  /** Needed when both bounds are scalars; otherwise defaults to `[length]`. */
  shape?: number[];
  /** Element type, `'float32'` by default. */
  dtype?: D;
}

const INT_RANGE: Record<'int32' | 'uint8', [number, number]> = {
  int32: [-2147483648, 2147483647],
  uint8: [0, 255],
};

function makeTyped<D extends BoxDtype>(dtype: D, n: number): BoxArrayOf[D] {
  switch (dtype) {
    case 'float32':
      return new Float32Array(n) as BoxArrayOf[D];
    case 'float64':
      return new Float64Array(n) as BoxArrayOf[D];
    case 'int32':
      return new Int32Array(n) as BoxArrayOf[D];
    case 'uint8':
      return new Uint8Array(n) as BoxArrayOf[D];
    default:
      throw new TypeError(`Box: unknown dtype ${formatValue(dtype)} (expected float32, float64, int32 or uint8)`);
  }
}

/**
 * A (possibly unbounded) box in R^n, stored row-major in a typed array of `dtype`.
 * Bounds are kept as float64 arrays, rounded to float32 for a float32 box (as Gymnasium casts
 * them to the dtype); infinite bounds of an integer box are the dtype's limits.
 */
export class Box<D extends BoxDtype = 'float32'> extends Space<BoxArrayOf[D]> {
  readonly shape: number[];
  readonly flatDim: number;
  readonly compactDim: number;
  readonly dtype: D;
  readonly low: Float64Array;
  readonly high: Float64Array;
  readonly size: number;

  constructor(opts: BoxOptions<D>) {
    super();
    const dtype = (opts.dtype ?? 'float32') as D;
    if (!['float32', 'float64', 'int32', 'uint8'].includes(dtype)) {
      throw new TypeError(`Box: unknown dtype ${formatValue(dtype)} (expected float32, float64, int32 or uint8)`);
    }
    this.dtype = dtype;
    const lowIsScalar = typeof opts.low === 'number';
    const highIsScalar = typeof opts.high === 'number';
    let shape: number[];
    if (opts.shape !== undefined) {
      shape = checkShape(opts.shape, 'Box');
    } else if (!lowIsScalar) {
      shape = [(opts.low as ArrayLike<number>).length];
    } else if (!highIsScalar) {
      shape = [(opts.high as ArrayLike<number>).length];
    } else {
      throw new TypeError('Box: scalar low and high need an explicit shape');
    }
    const size = product(shape);
    const fill = (b: number | ArrayLike<number>, name: string): Float64Array => {
      const out = new Float64Array(size);
      if (typeof b === 'number') {
        out.fill(b);
      } else {
        if (b.length !== size) {
          throw new RangeError(`Box: ${name} has ${b.length} values but shape (${shape.join(', ')}) needs ${size}`);
        }
        for (let i = 0; i < size; i++) out[i] = b[i] as number;
      }
      for (let i = 0; i < size; i++) {
        const v = out[i] as number;
        if (typeof v !== 'number' || Number.isNaN(v)) throw new RangeError(`Box: ${name}[${i}] is NaN`);
        if (dtype === 'float32') out[i] = Math.fround(v);
        else if (dtype === 'int32' || dtype === 'uint8') {
          const [lo, hi] = INT_RANGE[dtype as 'int32' | 'uint8'];
          out[i] = Math.min(hi, Math.max(lo, name === 'low' ? Math.ceil(v) : Math.floor(v)));
        }
      }
      return out;
    };
    this.low = fill(opts.low, 'low');
    this.high = fill(opts.high, 'high');
    for (let i = 0; i < size; i++) {
      if ((this.low[i] as number) > (this.high[i] as number)) {
        throw new RangeError(`Box: low[${i}] = ${this.low[i]} is greater than high[${i}] = ${this.high[i]}`);
      }
    }
    this.shape = shape;
    this.size = size;
    this.flatDim = size;
    this.compactDim = size;
  }

  private get isFloat(): boolean {
    return this.dtype === 'float32' || this.dtype === 'float64';
  }

  /** True when every element has finite low and high. */
  isBounded(): boolean {
    for (let i = 0; i < this.size; i++) {
      if (!Number.isFinite(this.low[i] as number) || !Number.isFinite(this.high[i] as number)) return false;
    }
    return true;
  }

  /**
   * Gymnasium's sampling: uniform on [low, high] when bounded on both sides, low + Exp(1) when
   * bounded below only, high − Exp(1) when bounded above only, N(0, 1) when unbounded. Integer
   * boxes sample uniformly on [low, high + 1) and floor.
   */
  sample(rng: Rng): BoxArrayOf[D] {
    const out = makeTyped(this.dtype, this.size);
    const isFloat = this.isFloat;
    for (let i = 0; i < this.size; i++) {
      const lo = this.low[i] as number;
      const hi = isFloat ? (this.high[i] as number) : (this.high[i] as number) + 1;
      const loF = Number.isFinite(lo);
      const hiF = Number.isFinite(hi);
      let v: number;
      if (loF && hiF) v = rng.uniform(lo, hi);
      else if (loF) v = lo - Math.log(1 - rng.random());
      else if (hiF) v = hi + Math.log(1 - rng.random());
      else v = rng.normal();
      if (!isFloat) v = Math.min(this.high[i] as number, Math.max(lo, Math.floor(v)));
      else if (this.dtype === 'float32') {
        // Rounding to float32 could step past a bound; keep the sample inside.
        v = Math.min(hi, Math.max(lo, Math.fround(v)));
      }
      out[i] = v;
    }
    return out;
  }

  explain(x: unknown): string | null {
    if (!isNumberArrayLike(x)) {
      return `expected an array of ${this.size} numbers, got ${typeof x === 'number' ? `the number ${formatValue(x)}` : formatValue(x)}`;
    }
    if (x.length !== this.size) return `has length ${x.length} but the space needs ${this.size}`;
    const isFloat = this.isFloat;
    for (let i = 0; i < this.size; i++) {
      const raw = x[i] as number;
      if (Number.isNaN(raw)) return `contains NaN at index ${i}`;
      if (!isFloat && !Number.isInteger(raw)) return `element ${i} = ${raw} is not an integer`;
      const v = this.dtype === 'float32' ? Math.fround(raw) : raw;
      if (v < (this.low[i] as number))
        return `element ${i} = ${raw} is below low ${pyNumber(this.low[i] as number, isFloat, this.dtype === 'float32')}`;
      if (v > (this.high[i] as number))
        return `element ${i} = ${raw} is above high ${pyNumber(this.high[i] as number, isFloat, this.dtype === 'float32')}`;
    }
    return null;
  }

  contains(x: unknown): boolean {
    return this.explain(x) === null;
  }

  toJSON(): SpaceJSON {
    const enc = (a: Float64Array): JsonNumber | JsonNumber[] => {
      if (a.length > 0 && a.every((v) => Object.is(v, a[0]))) return encodeNumber(a[0] as number);
      return Array.from(a, encodeNumber);
    };
    return { type: 'Box', low: enc(this.low), high: enc(this.high), shape: [...this.shape], dtype: this.dtype };
  }

  /** Gymnasium-style: `Box(-1.0, 1.0, (3,), float32)`, arrays when the bounds differ per element. */
  toString(): string {
    const isFloat = this.isFloat;
    const rep = (a: Float64Array): string => {
      const f32 = this.dtype === 'float32';
      if (a.length > 0 && a.every((v) => v === a[0])) return pyNumber(a[0] as number, isFloat, f32);
      return `[${Array.from(a, (v) => pyNumber(v, isFloat, f32)).join(' ')}]`;
    };
    const shape = this.shape.length === 1 ? `(${this.shape[0]},)` : `(${this.shape.join(', ')})`;
    return `Box(${rep(this.low)}, ${rep(this.high)}, ${shape}, ${this.dtype})`;
  }

  flatten(x: BoxArrayOf[D]): Float32Array {
    return Float32Array.from(x as ArrayLike<number>);
  }

  unflatten(arr: ArrayLike<number>): BoxArrayOf[D] {
    if (arr.length !== this.size) throw new RangeError(`${this}.unflatten: expected ${this.size} numbers, got ${arr.length}`);
    return this.readCompact(arr, 0);
  }

  writeCompact(x: BoxArrayOf[D], out: { [i: number]: number }, offset = 0): void {
    const a = x as ArrayLike<number>;
    for (let i = 0; i < this.size; i++) out[offset + i] = a[i] as number;
  }

  readCompact(arr: ArrayLike<number>, offset = 0): BoxArrayOf[D] {
    const out = makeTyped(this.dtype, this.size);
    for (let i = 0; i < this.size; i++) out[i] = arr[offset + i] as number;
    return out;
  }
}

// ---------------------------------------------------------------------------------------------

/** A vector of independent discrete values, element i in `0 … nvec[i]-1`. */
export class MultiDiscrete extends Space<Int32Array> {
  readonly shape: number[];
  readonly flatDim: number;
  readonly compactDim: number;
  readonly nvec: Int32Array;

  constructor(nvec: ArrayLike<number>) {
    super();
    if (!isNumberArrayLike(nvec) || nvec.length === 0) {
      throw new TypeError(`MultiDiscrete: nvec must be a non-empty array of positive integers, got ${formatValue(nvec)}`);
    }
    for (let i = 0; i < nvec.length; i++) {
      const n = nvec[i] as number;
      if (!Number.isInteger(n) || n <= 0 || n > 2147483647) {
        throw new RangeError(`MultiDiscrete: nvec[${i}] = ${n} is not a positive integer`);
      }
    }
    this.nvec = Int32Array.from(nvec);
    this.shape = [nvec.length];
    this.compactDim = nvec.length;
    this.flatDim = this.nvec.reduce((a, b) => a + b, 0);
  }

  sample(rng: Rng): Int32Array {
    const out = new Int32Array(this.nvec.length);
    for (let i = 0; i < out.length; i++) out[i] = rng.integers(0, this.nvec[i] as number);
    return out;
  }

  explain(x: unknown): string | null {
    if (!isNumberArrayLike(x)) return `expected an array of ${this.nvec.length} integers, got ${formatValue(x)}`;
    if (x.length !== this.nvec.length) return `has length ${x.length} but the space needs ${this.nvec.length}`;
    for (let i = 0; i < x.length; i++) {
      const v = x[i] as number;
      if (Number.isNaN(v)) return `contains NaN at index ${i}`;
      if (!Number.isInteger(v)) return `element ${i} = ${v} is not an integer`;
      if (v < 0 || v >= (this.nvec[i] as number)) return `element ${i} = ${v} is outside [0, ${(this.nvec[i] as number) - 1}]`;
    }
    return null;
  }

  contains(x: unknown): boolean {
    return this.explain(x) === null;
  }

  toJSON(): SpaceJSON {
    return { type: 'MultiDiscrete', nvec: Array.from(this.nvec) };
  }

  toString(): string {
    return `MultiDiscrete([${Array.from(this.nvec).join(' ')}])`;
  }

  flatten(x: Int32Array): Float32Array {
    const out = new Float32Array(this.flatDim);
    let off = 0;
    for (let i = 0; i < this.nvec.length; i++) {
      out[off + (x[i] as number)] = 1;
      off += this.nvec[i] as number;
    }
    return out;
  }

  unflatten(arr: ArrayLike<number>): Int32Array {
    if (arr.length !== this.flatDim) throw new RangeError(`${this}.unflatten: expected ${this.flatDim} numbers, got ${arr.length}`);
    const out = new Int32Array(this.nvec.length);
    let off = 0;
    for (let i = 0; i < this.nvec.length; i++) {
      const n = this.nvec[i] as number;
      let found = -1;
      for (let j = 0; j < n; j++) {
        if (arr[off + j] !== 0) {
          found = j;
          break;
        }
      }
      if (found < 0) throw new RangeError(`${this}.unflatten: one-hot block ${i} is all zeros`);
      out[i] = found;
      off += n;
    }
    return out;
  }

  writeCompact(x: Int32Array, out: { [i: number]: number }, offset = 0): void {
    for (let i = 0; i < this.nvec.length; i++) out[offset + i] = x[i] as number;
  }

  readCompact(arr: ArrayLike<number>, offset = 0): Int32Array {
    const out = new Int32Array(this.nvec.length);
    for (let i = 0; i < out.length; i++) out[i] = Math.round(arr[offset + i] as number);
    return out;
  }
}

// ---------------------------------------------------------------------------------------------

/** n independent bits, as an Int8Array of 0/1 (Gymnasium uses int8). */
export class MultiBinary extends Space<Int8Array> {
  readonly shape: number[];
  readonly flatDim: number;
  readonly compactDim: number;

  constructor(readonly n: number) {
    super();
    if (!Number.isInteger(n) || n <= 0) throw new RangeError(`MultiBinary: n must be a positive integer, got ${formatValue(n)}`);
    this.shape = [n];
    this.flatDim = n;
    this.compactDim = n;
  }

  sample(rng: Rng): Int8Array {
    const out = new Int8Array(this.n);
    for (let i = 0; i < this.n; i++) out[i] = rng.integers(0, 2);
    return out;
  }

  explain(x: unknown): string | null {
    if (!isNumberArrayLike(x)) return `expected an array of ${this.n} zeros and ones, got ${formatValue(x)}`;
    if (x.length !== this.n) return `has length ${x.length} but the space needs ${this.n}`;
    for (let i = 0; i < x.length; i++) {
      const v = x[i] as number;
      if (Number.isNaN(v)) return `contains NaN at index ${i}`;
      if (v !== 0 && v !== 1) return `element ${i} = ${v} is not 0 or 1`;
    }
    return null;
  }

  contains(x: unknown): boolean {
    return this.explain(x) === null;
  }

  toJSON(): SpaceJSON {
    return { type: 'MultiBinary', n: this.n };
  }

  toString(): string {
    return `MultiBinary(${this.n})`;
  }

  flatten(x: Int8Array): Float32Array {
    return Float32Array.from(x);
  }

  unflatten(arr: ArrayLike<number>): Int8Array {
    if (arr.length !== this.n) throw new RangeError(`${this}.unflatten: expected ${this.n} numbers, got ${arr.length}`);
    return this.readCompact(arr, 0);
  }

  writeCompact(x: Int8Array, out: { [i: number]: number }, offset = 0): void {
    for (let i = 0; i < this.n; i++) out[offset + i] = x[i] as number;
  }

  readCompact(arr: ArrayLike<number>, offset = 0): Int8Array {
    const out = new Int8Array(this.n);
    for (let i = 0; i < this.n; i++) out[i] = (arr[offset + i] as number) > 0.5 ? 1 : 0;
    return out;
  }
}

// ---------------------------------------------------------------------------------------------

type DictValue<S extends Record<string, Space<any>>> = { [K in keyof S]: SpaceValue<S[K]> };

/**
 * Named sub-spaces. Keys are sorted (as Gymnasium does for a plain dict), which fixes the order of
 * sampling, flattening and the compact layout.
 */
export class Dict<S extends Record<string, Space<any>> = Record<string, Space<any>>> extends Space<DictValue<S>> {
  readonly shape: number[] = [];
  readonly flatDim: number;
  readonly compactDim: number;
  readonly spaces: S;
  readonly keys: string[];
  /** Where each key sits in the compact layout (the rows of a VecEnv and of replay buffers). */
  readonly offsets: Readonly<Record<string, { offset: number; dim: number }>>;

  constructor(spaces: S) {
    super();
    if (spaces === null || typeof spaces !== 'object') throw new TypeError(`Dict: expected a record of spaces, got ${formatValue(spaces)}`);
    this.keys = Object.keys(spaces).sort();
    for (const k of this.keys) {
      if (!(spaces[k] instanceof Space)) throw new TypeError(`Dict: entry '${k}' is not a Space`);
    }
    this.spaces = spaces;
    this.flatDim = this.keys.reduce((a, k) => a + (spaces[k] as Space<any>).flatDim, 0);
    this.compactDim = this.keys.reduce((a, k) => a + (spaces[k] as Space<any>).compactDim, 0);
    const offsets: Record<string, { offset: number; dim: number }> = {};
    let off = 0;
    for (const k of this.keys) {
      const dim = (spaces[k] as Space<any>).compactDim;
      offsets[k] = { offset: off, dim };
      off += dim;
    }
    this.offsets = offsets;
  }

  /** The values of `key` in `rows` (compact rows of this space), as a new array of rows × dim. */
  extractKey(rows: ArrayLike<number>, key: string, out?: Float32Array): Float32Array {
    const at = this.offsets[key];
    if (!at) throw new RangeError(`${this}: no key '${key}' (keys: ${this.keys.join(', ')})`);
    const d = this.compactDim;
    const n = rows.length / d;
    const res = out ?? new Float32Array(n * at.dim);
    for (let i = 0; i < n; i++) for (let j = 0; j < at.dim; j++) res[i * at.dim + j] = rows[i * d + at.offset + j] as number;
    return res;
  }

  /** Write rows × dim `values` into the `key` part of compact `rows` (in place). */
  writeKey(rows: { [i: number]: number; length: number }, key: string, values: ArrayLike<number>): void {
    const at = this.offsets[key];
    if (!at) throw new RangeError(`${this}: no key '${key}' (keys: ${this.keys.join(', ')})`);
    const d = this.compactDim;
    const n = rows.length / d;
    if (values.length !== n * at.dim)
      throw new RangeError(`${this}.writeKey('${key}'): ${values.length} values for ${n} rows of ${at.dim}`);
    for (let i = 0; i < n; i++) for (let j = 0; j < at.dim; j++) rows[i * d + at.offset + j] = values[i * at.dim + j] as number;
  }

  private sub(k: string): Space<any> {
    return this.spaces[k] as Space<any>;
  }

  sample(rng: Rng): DictValue<S> {
    const out: Record<string, unknown> = {};
    for (const k of this.keys) out[k] = this.sub(k).sample(rng);
    return out as DictValue<S>;
  }

  explain(x: unknown): string | null {
    if (x === null || typeof x !== 'object' || Array.isArray(x) || ArrayBuffer.isView(x)) {
      return `expected an object with keys ${this.keys.join(', ')}, got ${formatValue(x)}`;
    }
    const rec = x as Record<string, unknown>;
    for (const k of Object.keys(rec)) if (!(k in this.spaces)) return `has unknown key '${k}'`;
    for (const k of this.keys) {
      if (!(k in rec)) return `is missing key '${k}'`;
      const why = this.sub(k).explain(rec[k]);
      if (why !== null) return `key '${k}': ${why}`;
    }
    return null;
  }

  contains(x: unknown): boolean {
    return this.explain(x) === null;
  }

  toJSON(): SpaceJSON {
    const spaces: Record<string, SpaceJSON> = {};
    for (const k of this.keys) spaces[k] = this.sub(k).toJSON();
    return { type: 'Dict', spaces };
  }

  toString(): string {
    return `Dict(${this.keys.map((k) => `'${k}': ${this.sub(k)}`).join(', ')})`;
  }

  flatten(x: DictValue<S>): Float32Array {
    const out = new Float32Array(this.flatDim);
    let off = 0;
    for (const k of this.keys) {
      const f = this.sub(k).flatten((x as Record<string, unknown>)[k]);
      out.set(f, off);
      off += f.length;
    }
    return out;
  }

  unflatten(arr: ArrayLike<number>): DictValue<S> {
    if (arr.length !== this.flatDim) throw new RangeError(`${this}.unflatten: expected ${this.flatDim} numbers, got ${arr.length}`);
    const out: Record<string, unknown> = {};
    let off = 0;
    for (const k of this.keys) {
      const s = this.sub(k);
      out[k] = s.unflatten(Array.prototype.slice.call(arr, off, off + s.flatDim) as number[]);
      off += s.flatDim;
    }
    return out as DictValue<S>;
  }

  writeCompact(x: DictValue<S>, out: { [i: number]: number }, offset = 0): void {
    let off = offset;
    for (const k of this.keys) {
      const s = this.sub(k);
      s.writeCompact((x as Record<string, unknown>)[k], out, off);
      off += s.compactDim;
    }
  }

  readCompact(arr: ArrayLike<number>, offset = 0): DictValue<S> {
    const out: Record<string, unknown> = {};
    let off = offset;
    for (const k of this.keys) {
      const s = this.sub(k);
      out[k] = s.readCompact(arr, off);
      off += s.compactDim;
    }
    return out as DictValue<S>;
  }
}

// ---------------------------------------------------------------------------------------------

type TupleValue<S extends readonly Space<any>[]> = { -readonly [K in keyof S]: SpaceValue<S[K]> };

/** An ordered product of spaces; elements are arrays. */
export class Tuple<S extends readonly Space<any>[] = Space<any>[]> extends Space<TupleValue<S>> {
  readonly shape: number[] = [];
  readonly flatDim: number;
  readonly compactDim: number;
  readonly spaces: S;

  constructor(spaces: S) {
    super();
    if (!Array.isArray(spaces)) throw new TypeError(`Tuple: expected an array of spaces, got ${formatValue(spaces)}`);
    spaces.forEach((s, i) => {
      if (!(s instanceof Space)) throw new TypeError(`Tuple: entry ${i} is not a Space`);
    });
    this.spaces = spaces;
    this.flatDim = spaces.reduce((a, s) => a + s.flatDim, 0);
    this.compactDim = spaces.reduce((a, s) => a + s.compactDim, 0);
  }

  sample(rng: Rng): TupleValue<S> {
    return this.spaces.map((s) => s.sample(rng)) as unknown as TupleValue<S>;
  }

  explain(x: unknown): string | null {
    if (!Array.isArray(x)) return `expected an array of ${this.spaces.length} elements, got ${formatValue(x)}`;
    if (x.length !== this.spaces.length) return `has length ${x.length} but the space needs ${this.spaces.length}`;
    for (let i = 0; i < x.length; i++) {
      const why = (this.spaces[i] as Space<any>).explain(x[i]);
      if (why !== null) return `element ${i}: ${why}`;
    }
    return null;
  }

  contains(x: unknown): boolean {
    return this.explain(x) === null;
  }

  toJSON(): SpaceJSON {
    return { type: 'Tuple', spaces: this.spaces.map((s) => s.toJSON()) };
  }

  toString(): string {
    return `Tuple(${this.spaces.map((s) => String(s)).join(', ')})`;
  }

  flatten(x: TupleValue<S>): Float32Array {
    const out = new Float32Array(this.flatDim);
    let off = 0;
    this.spaces.forEach((s, i) => {
      const f = s.flatten((x as unknown[])[i]);
      out.set(f, off);
      off += f.length;
    });
    return out;
  }

  unflatten(arr: ArrayLike<number>): TupleValue<S> {
    if (arr.length !== this.flatDim) throw new RangeError(`${this}.unflatten: expected ${this.flatDim} numbers, got ${arr.length}`);
    let off = 0;
    return this.spaces.map((s) => {
      const v = s.unflatten(Array.prototype.slice.call(arr, off, off + s.flatDim) as number[]);
      off += s.flatDim;
      return v;
    }) as unknown as TupleValue<S>;
  }

  writeCompact(x: TupleValue<S>, out: { [i: number]: number }, offset = 0): void {
    let off = offset;
    this.spaces.forEach((s, i) => {
      s.writeCompact((x as unknown[])[i], out, off);
      off += s.compactDim;
    });
  }

  readCompact(arr: ArrayLike<number>, offset = 0): TupleValue<S> {
    let off = offset;
    return this.spaces.map((s) => {
      const v = s.readCompact(arr, off);
      off += s.compactDim;
      return v;
    }) as unknown as TupleValue<S>;
  }
}

// ---------------------------------------------------------------------------------------------

/** Rebuild a space from `space.toJSON()` (or its JSON.parse'd text). */
export function spaceFromJSON(json: SpaceJSON | unknown): Space<any> {
  if (json === null || typeof json !== 'object' || !('type' in json)) {
    throw new TypeError(`spaceFromJSON: expected an object with a 'type' field, got ${formatValue(json)}`);
  }
  const j = json as SpaceJSON;
  switch (j.type) {
    case 'Discrete':
      return new Discrete(j.n, j.start ?? 0);
    case 'Box': {
      const dec = (v: unknown, name: string): number | number[] =>
        Array.isArray(v) ? v.map((x, i) => decodeNumber(x, `Box.${name}[${i}]`)) : decodeNumber(v, `Box.${name}`);
      return new Box({ low: dec(j.low, 'low'), high: dec(j.high, 'high'), shape: j.shape, dtype: j.dtype });
    }
    case 'MultiDiscrete':
      return new MultiDiscrete(j.nvec);
    case 'MultiBinary':
      return new MultiBinary(j.n);
    case 'Dict': {
      const spaces: Record<string, Space<any>> = {};
      for (const [k, v] of Object.entries(j.spaces)) spaces[k] = spaceFromJSON(v);
      return new Dict(spaces);
    }
    case 'Tuple':
      return new Tuple(j.spaces.map((s) => spaceFromJSON(s)));
    default:
      throw new TypeError(`spaceFromJSON: unknown space type ${formatValue((j as { type: unknown }).type)}`);
  }
}

/**
 * Throw unless `space.contains(value)`. The message names `who` (e.g. the env id), what the value
 * is (`what`, default `'action'`), the space and the value, plus the specific reason:
 * `CartPole-v1: action 3 is not in Discrete(2) (3 is outside [0, 1])`.
 */
export function assertContains(space: Space<any>, value: unknown, who: string, what = 'action'): void {
  const why = space.explain(value);
  if (why === null) return;
  throw new Error(`${who}: ${what} ${formatValue(value)} is not in ${space} (${why})`);
}
