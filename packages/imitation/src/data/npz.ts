/**
 * `.npz` expert data in the D4RL / `imitation` flat layout.
 *
 * An `.npz` is a zip of `.npy` arrays (NumPy's `np.savez`). The flat layout has one row per
 * transition, episodes one after the other:
 *
 * | key                 | shape                   | dtype                                              |
 * | ------------------- | ----------------------- | -------------------------------------------------- |
 * | `observations`      | N × obs shape           | float32 for float Boxes and Dict/Tuple rows; int64 for Discrete (N,) |
 * | `actions`           | N × act shape           | float32 for float Boxes; int64 for Discrete (N,) and MultiDiscrete |
 * | `rewards`           | N                       | float32                                            |
 * | `terminals`         | N                       | bool: the episode reached a terminal state here    |
 * | `timeouts`          | N                       | bool: the episode was truncated here               |
 * | `next_observations` | N × obs shape, optional | same as `observations`                             |
 * | `tfrl_metadata`     | bytes, optional         | uint8: UTF-8 JSON with the spaces and the dataset metadata (tfrl's own key) |
 *
 * Reading splits the rows into episodes after every row with `terminals | timeouts` (a row with
 * both counts as terminated). An episode's final observation is `next_observations` of its last
 * row when that key exists; otherwise it is **a copy of the last row's observation** (the flat
 * layout without `next_observations` does not hold it). Rows after the last episode end form a
 * truncated episode by default (`incompleteEpisode`). Bool columns are read from `|b1`, `|u1`,
 * `<f4`, `<i8` or any other numeric dtype (non-zero is true). Per-step `infos` are not stored.
 *
 * The arrays go through `npyjs` (`.npy` parse/dump) and `fflate` (zip), on `Uint8Array`s; the
 * file-path entry points (`readNpz(path)`, `writeNpz(dataset, path)`) use `./node-io`.
 */

import { Box, type BoxDtype, Discrete, MultiBinary, MultiDiscrete, type Space, spaceFromJSON } from '@tfrl/core';
import { unzipSync, zipSync } from 'fflate';
import { type DType, dump, parse } from 'npyjs';
import { readFileBytes, writeFileBytes } from './node-io';
import { Dataset, type DatasetMetadata, type Trajectory, flatTransitions, isIntegerSpace } from './trajectory';

/** The numeric typed arrays an `.npy` array is held in. */
export type NpyData =
  | Float32Array
  | Float64Array
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array;

/** One array of an `.npz`: C-order data, its shape and NumPy dtype descr (`'<f4'`, `'|b1'`, `'<i8'` …). */
export interface NpyArray {
  data: NpyData;
  shape: number[];
  dtype: string;
}

const NUMERIC_CODES = new Set(['b1', 'i1', 'u1', 'i2', 'u2', 'i4', 'u4', 'i8', 'u8', 'f2', 'f4', 'f8']);

function product(shape: readonly number[]): number {
  let p = 1;
  for (const d of shape) p *= d;
  return p;
}

/** The `.npy` header dict text of a file (`{'descr': '<f4', …}`). */
function npyHeader(buf: ArrayBuffer, name: string): string {
  const u8 = new Uint8Array(buf);
  const magic = String.fromCharCode(...u8.subarray(0, 6));
  if (magic !== '\x93NUMPY') throw new Error(`npz: '${name}' is not an .npy file (bad magic)`);
  const view = new DataView(buf);
  const major = view.getUint8(6);
  const [offset, len] = major <= 1 ? [10, view.getUint16(8, true)] : [12, view.getUint32(8, true)];
  return new TextDecoder('latin1').decode(u8.subarray(offset, offset + len));
}

/** Parse one `.npy` file (numeric and bool dtypes, little-endian, C or Fortran order). */
export function parseNpy(bytes: Uint8Array, name = 'array'): NpyArray {
  const buf = bytes.slice().buffer as ArrayBuffer;
  const header = npyHeader(buf, name);
  const descr = /'descr'\s*:\s*'([^']+)'/.exec(header)?.[1];
  if (!descr) throw new Error(`npz: '${name}' has no dtype in its .npy header`);
  const order = descr[0] === '<' || descr[0] === '>' || descr[0] === '|' || descr[0] === '=' ? descr[0] : '';
  const code = order ? descr.slice(1) : descr;
  if (!NUMERIC_CODES.has(code)) throw new Error(`npz: '${name}' has dtype ${descr}, which is not a numeric or bool dtype`);
  if (order === '>' && !['b1', 'i1', 'u1'].includes(code))
    throw new Error(`npz: '${name}' is big-endian (${descr}); only little-endian is read`);
  const arr = parse(buf);
  const shape = arr.shape;
  const size = product(shape);
  let data: NpyData;
  const raw = arr.data as unknown;
  if (Array.isArray(raw)) {
    // npyjs returns bool arrays as boolean[]
    data = Uint8Array.from(raw as boolean[], (b) => (b ? 1 : 0));
  } else {
    data = raw as NpyData;
  }
  if (data.length < size) throw new Error(`npz: '${name}' holds ${data.length} values but its shape (${shape.join(', ')}) needs ${size}`);
  if (data.length > size) data = data.subarray(0, size) as NpyData;
  if (arr.fortranOrder && shape.length > 1) data = fortranToC(data, shape);
  const dtype = code === 'f2' ? '<f4' : `${['b1', 'i1', 'u1'].includes(code) ? '|' : '<'}${code}`;
  return { data, shape, dtype };
}

function fortranToC(data: NpyData, shape: number[]): NpyData {
  const out = new (data.constructor as new (n: number) => NpyData)(data.length);
  const nd = shape.length;
  const idx = new Array<number>(nd).fill(0);
  const fStride = new Array<number>(nd);
  let s = 1;
  for (let k = 0; k < nd; k++) {
    fStride[k] = s;
    s *= shape[k] as number;
  }
  for (let i = 0; i < data.length; i++) {
    let f = 0;
    for (let k = 0; k < nd; k++) f += (idx[k] as number) * (fStride[k] as number);
    (out as unknown as { [i: number]: number | bigint })[i] = (data as unknown as { [i: number]: number | bigint })[f] as number | bigint;
    for (let k = nd - 1; k >= 0; k--) {
      idx[k] = (idx[k] as number) + 1;
      if ((idx[k] as number) < (shape[k] as number)) break;
      idx[k] = 0;
    }
  }
  return out;
}

/** The arrays of an `.npz` (zip, stored or deflated), keyed by name without `.npy`. Non-`.npy` entries are skipped. */
export function readNpzArrays(bytes: Uint8Array): Record<string, NpyArray> {
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(bytes);
  } catch (e) {
    throw new Error(`npz: not a readable zip archive (${(e as Error).message})`);
  }
  const out: Record<string, NpyArray> = {};
  for (const [file, content] of Object.entries(files)) {
    if (!file.endsWith('.npy')) continue;
    const key = file.slice(0, -4);
    out[key] = parseNpy(content, key);
  }
  return out;
}

/** An array to write: data in C order, shape (default `[data.length]`), dtype descr (default from the data). */
export interface NpyInput {
  data: NpyData;
  shape?: number[];
  /** `'<f4'`, `'<f8'`, `'<i8'`, `'<i4'`, `'|u1'`, `'|i1'`, `'|b1'` …; by default the typed array's own. */
  dtype?: string;
}

const ARRAY_OF_CODE: Record<string, string> = {
  b1: 'Uint8Array',
  i1: 'Int8Array',
  u1: 'Uint8Array',
  i2: 'Int16Array',
  u2: 'Uint16Array',
  i4: 'Int32Array',
  u4: 'Uint32Array',
  i8: 'BigInt64Array',
  u8: 'BigUint64Array',
  f4: 'Float32Array',
  f8: 'Float64Array',
};

/** One `.npy` file (format 1.0). A `b1` array is written from 0/1 bytes with NumPy's `|b1` descr. */
export function dumpNpy(arr: NpyInput): Uint8Array {
  const shape = arr.shape ?? [arr.data.length];
  if (product(shape) !== arr.data.length) {
    throw new RangeError(`npz: ${arr.data.length} values do not fill shape (${shape.join(', ')})`);
  }
  const code = arr.dtype ? arr.dtype.replace(/^[<|=]/, '') : undefined;
  if (code !== undefined) {
    const want = ARRAY_OF_CODE[code];
    if (!want) throw new Error(`npz: cannot write dtype ${arr.dtype}`);
    if (arr.data.constructor.name !== want) {
      throw new TypeError(`npz: dtype ${arr.dtype} needs a ${want}, got a ${arr.data.constructor.name}`);
    }
  }
  const out = new Uint8Array(dump(arr.data, shape, code ? { dtype: code as DType } : undefined));
  if (code === 'b1') {
    // npyjs writes '<b1'; NumPy writes (and expects to see) '|b1' for a one-byte type.
    const at = findBytes(out, "'descr':'<b1'");
    if (at >= 0) out[at + "'descr':'".length] = '|'.charCodeAt(0);
  }
  return out;
}

function findBytes(hay: Uint8Array, needle: string): number {
  const n = Array.from(needle, (c) => c.charCodeAt(0));
  const limit = Math.min(hay.length, 256) - n.length;
  for (let i = 0; i <= limit; i++) {
    let ok = true;
    for (let j = 0; j < n.length; j++) {
      if (hay[i + j] !== n[j]) {
        ok = false;
        break;
      }
    }
    if (ok) return i;
  }
  return -1;
}

/** A zip of `.npy` files as `np.savez` (stored, the default) or `np.savez_compressed` (deflate) writes it. */
export function writeNpzArrays(arrays: Record<string, NpyInput>, opts: { compress?: boolean } = {}): Uint8Array {
  const files: Record<string, Uint8Array> = {};
  for (const [key, arr] of Object.entries(arrays)) files[`${key}.npy`] = dumpNpy(arr);
  // A fixed time stamp keeps the bytes reproducible.
  return zipSync(files, { level: opts.compress ? 6 : 0, mtime: new Date(2000, 0, 1) });
}

// ---------------------------------------------------------------------------------------------

/** The key of tfrl's own metadata (UTF-8 JSON bytes) in an `.npz`. */
export const NPZ_METADATA_KEY = 'tfrl_metadata';
const METADATA_FORMAT = 'tfrl.imitation.npz';

/** How the rows of a space are laid out in the flat arrays: per-row shape and dtype. */
export function npyLayout(space: Space<any>): { shape: number[]; dtype: string } {
  if (space instanceof Box) {
    const dtype = { float32: '<f4', float64: '<f8', int32: '<i4', uint8: '|u1' }[space.dtype as BoxDtype];
    return { shape: [...space.shape], dtype };
  }
  if (space instanceof Discrete) return { shape: [], dtype: '<i8' };
  if (space instanceof MultiDiscrete) return { shape: [space.compactDim], dtype: '<i8' };
  if (space instanceof MultiBinary) return { shape: [space.n], dtype: '|i1' };
  return { shape: [space.compactDim], dtype: '<f4' };
}

/** Compact rows (float32 or int32) as an array of `dtype`. */
export function castRows(values: Float32Array | Int32Array, dtype: string): NpyData {
  switch (dtype.replace(/^[<|=]/, '')) {
    case 'f4':
      return values instanceof Float32Array ? values : Float32Array.from(values);
    case 'f8':
      return Float64Array.from(values);
    case 'i8':
      return BigInt64Array.from(values, (v) => BigInt(Math.round(v)));
    case 'i4':
      return values instanceof Int32Array ? values : Int32Array.from(values, Math.round);
    case 'u1':
    case 'b1':
      return Uint8Array.from(values, Math.round);
    case 'i1':
      return Int8Array.from(values, Math.round);
    default:
      throw new Error(`npz: cannot cast rows to ${dtype}`);
  }
}

/** The values of an array as plain numbers (int64 beyond ±2^53 throws). */
export function npyNumbers(arr: NpyArray, name: string): ArrayLike<number> {
  const d = arr.data;
  if (d instanceof BigInt64Array || d instanceof BigUint64Array) {
    const out = new Float64Array(d.length);
    for (let i = 0; i < d.length; i++) {
      const v = d[i] as bigint;
      if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(-Number.MAX_SAFE_INTEGER)) {
        throw new RangeError(`npz: '${name}' element ${i} = ${v} does not fit a double exactly`);
      }
      out[i] = Number(v);
    }
    return out;
  }
  return d;
}

function isIntegerDtype(dtype: string): boolean {
  return /[iub]\d$/.test(dtype);
}

function boxDtypeOf(dtype: string): 'float32' | 'float64' | 'int32' | 'uint8' {
  const code = dtype.slice(1);
  if (code === 'f8') return 'float64';
  if (code === 'f4' || code === 'f2') return 'float32';
  if (code === 'u1' || code === 'b1') return 'uint8';
  return 'int32';
}

/**
 * A space for the rows of `arr` when the file does not say: 1-D integer data is a Discrete over
 * [min, max] (start 0 unless negative values occur), integer rows of non-negative values a
 * MultiDiscrete (actions only), anything else an unbounded Box of the data's shape. This is a
 * guess: pass the real spaces to `readNpz` when you know them.
 */
export function inferSpace(arr: NpyArray, name: string, kind: 'observation' | 'action'): Space<any> {
  const rowShape = arr.shape.slice(1);
  const values = npyNumbers(arr, name);
  if (isIntegerDtype(arr.dtype)) {
    let lo = Number.POSITIVE_INFINITY;
    let hi = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < values.length; i++) {
      const v = values[i] as number;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    if (values.length === 0) {
      lo = 0;
      hi = 0;
    }
    if (rowShape.length === 0) {
      const start = Math.min(0, lo);
      return new Discrete(hi - start + 1, start);
    }
    if (kind === 'action' && rowShape.length === 1 && lo >= 0) {
      const d = rowShape[0] as number;
      const nvec = new Array<number>(d).fill(1);
      for (let i = 0; i < values.length; i++) nvec[i % d] = Math.max(nvec[i % d] as number, (values[i] as number) + 1);
      return new MultiDiscrete(nvec);
    }
  }
  const dtype = boxDtypeOf(arr.dtype);
  if (dtype === 'uint8') return new Box({ low: 0, high: 255, shape: rowShape, dtype });
  return new Box({ low: Number.NEGATIVE_INFINITY, high: Number.POSITIVE_INFINITY, shape: rowShape, dtype });
}

export interface ReadNpzOptions {
  /** The observation space; by default the one stored in `tfrl_metadata`, else inferred (`inferSpace`). */
  observationSpace?: Space<any>;
  /** The action space; by default the one stored in `tfrl_metadata`, else inferred (`inferSpace`). */
  actionSpace?: Space<any>;
  /**
   * Rows after the last `terminals | timeouts`: a truncated episode (`'truncate'`, the default,
   * as D4RL files often end mid-episode), dropped (`'drop'`) or an error (`'error'`).
   */
  incompleteEpisode?: 'truncate' | 'drop' | 'error';
  /** Validate the trajectories against the spaces (default true). */
  validate?: boolean;
}

export interface WriteNpzOptions {
  /** Write `next_observations` (default true), which keeps every episode's final observation. */
  nextObservations?: boolean;
  /** Write `tfrl_metadata` with the spaces and `dataset.metadata` (default true). */
  metadata?: boolean;
  /** Deflate the entries like `np.savez_compressed` (default false: stored, like `np.savez`). */
  compress?: boolean;
}

interface StoredMetadata {
  format: string;
  version: number;
  observation_space?: unknown;
  action_space?: unknown;
  metadata?: DatasetMetadata;
}

function parseStoredMetadata(arr: NpyArray | undefined): StoredMetadata | undefined {
  if (!arr) return undefined;
  if (!(arr.data instanceof Uint8Array)) throw new Error(`npz: '${NPZ_METADATA_KEY}' must be uint8 bytes of UTF-8 JSON, got ${arr.dtype}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder().decode(arr.data));
  } catch (e) {
    throw new Error(`npz: '${NPZ_METADATA_KEY}' is not valid JSON (${(e as Error).message})`);
  }
  const m = parsed as StoredMetadata;
  if (m === null || typeof m !== 'object' || m.format !== METADATA_FORMAT) {
    throw new Error(`npz: '${NPZ_METADATA_KEY}' is not tfrl metadata (format ${JSON.stringify((m as { format?: unknown })?.format)})`);
  }
  return m;
}

/** Rebuild a dataset from the bytes of a flat-layout `.npz`. */
export function decodeNpz(bytes: Uint8Array, opts: ReadNpzOptions = {}): Dataset {
  const arrays = readNpzArrays(bytes);
  for (const key of ['observations', 'actions', 'rewards', 'terminals']) {
    if (!arrays[key]) {
      throw new Error(`npz: missing key '${key}' (found: ${Object.keys(arrays).join(', ') || 'none'}); expected the D4RL flat layout`);
    }
  }
  const observations = arrays['observations'] as NpyArray;
  const actions = arrays['actions'] as NpyArray;
  const rewards = arrays['rewards'] as NpyArray;
  const terminals = arrays['terminals'] as NpyArray;
  const timeouts = arrays['timeouts'];
  const nextObservations = arrays['next_observations'];
  if (observations.shape.length < 1) throw new Error("npz: 'observations' must have a row dimension");
  const N = observations.shape[0] as number;
  for (const [key, arr] of Object.entries({ actions, rewards, terminals, timeouts, next_observations: nextObservations })) {
    if (!arr) continue;
    if (arr.shape.length < 1 || arr.shape[0] !== N) {
      throw new Error(`npz: '${key}' has shape (${arr.shape.join(', ')}) but 'observations' has ${N} rows`);
    }
  }
  for (const [key, arr] of Object.entries({ rewards, terminals, timeouts })) {
    if (arr && product(arr.shape) !== N) throw new Error(`npz: '${key}' must hold one value per row, got shape (${arr.shape.join(', ')})`);
  }
  if (nextObservations && nextObservations.shape.join() !== observations.shape.join()) {
    throw new Error(
      `npz: 'next_observations' has shape (${nextObservations.shape.join(', ')}), 'observations' (${observations.shape.join(', ')})`,
    );
  }

  const stored = parseStoredMetadata(arrays[NPZ_METADATA_KEY]);
  const observationSpace =
    opts.observationSpace ??
    (stored?.observation_space ? spaceFromJSON(stored.observation_space) : inferSpace(observations, 'observations', 'observation'));
  const actionSpace =
    opts.actionSpace ?? (stored?.action_space ? spaceFromJSON(stored.action_space) : inferSpace(actions, 'actions', 'action'));
  const obsDim = observationSpace.compactDim;
  const actDim = actionSpace.compactDim;
  if (product(observations.shape.slice(1)) !== obsDim) {
    throw new Error(
      `npz: 'observations' rows have shape (${observations.shape.slice(1).join(', ')}) but ${observationSpace} has ${obsDim} numbers per row`,
    );
  }
  if (product(actions.shape.slice(1)) !== actDim) {
    throw new Error(
      `npz: 'actions' rows have shape (${actions.shape.slice(1).join(', ')}) but ${actionSpace} has ${actDim} numbers per row`,
    );
  }

  const obsV = npyNumbers(observations, 'observations');
  const nextV = nextObservations ? npyNumbers(nextObservations, 'next_observations') : undefined;
  const actV = npyNumbers(actions, 'actions');
  const rewV = npyNumbers(rewards, 'rewards');
  const termV = npyNumbers(terminals, 'terminals');
  const timeV = timeouts ? npyNumbers(timeouts, 'timeouts') : undefined;
  const intActs = isIntegerSpace(actionSpace);

  const trajectories: Trajectory[] = [];
  const push = (s: number, e: number, terminated: boolean, truncated: boolean) => {
    const T = e - s + 1;
    const obs = new Float32Array((T + 1) * obsDim);
    for (let i = 0; i < T * obsDim; i++) obs[i] = obsV[s * obsDim + i] as number;
    const finalSrc = nextV ?? obsV;
    for (let j = 0; j < obsDim; j++) obs[T * obsDim + j] = finalSrc[e * obsDim + j] as number;
    const acts = intActs ? new Int32Array(T * actDim) : new Float32Array(T * actDim);
    for (let i = 0; i < T * actDim; i++) acts[i] = actV[s * actDim + i] as number;
    const rews = new Float32Array(T);
    for (let i = 0; i < T; i++) rews[i] = rewV[s + i] as number;
    trajectories.push({ obs, acts, rews, terminated, truncated, obsDim, actDim });
  };
  let start = 0;
  for (let i = 0; i < N; i++) {
    const term = (termV[i] as number) !== 0;
    const timeout = timeV ? (timeV[i] as number) !== 0 : false;
    if (term || timeout) {
      push(start, i, term, !term);
      start = i + 1;
    }
  }
  if (start < N) {
    const mode = opts.incompleteEpisode ?? 'truncate';
    if (mode === 'error') {
      throw new Error(`npz: rows ${start}..${N - 1} after the last terminal or timeout do not end an episode`);
    }
    if (mode === 'truncate') push(start, N - 1, false, true);
  }
  return new Dataset(
    { trajectories, observationSpace, actionSpace, metadata: { ...(stored?.metadata ?? {}) } },
    { validate: opts.validate },
  );
}

/** The bytes of a flat-layout `.npz` holding `dataset`. */
export function encodeNpz(dataset: Dataset, opts: WriteNpzOptions = {}): Uint8Array {
  const flat = flatTransitions(dataset);
  const n = flat.n;
  const obsLayout = npyLayout(dataset.observationSpace);
  const actLayout = npyLayout(dataset.actionSpace);
  const arrays: Record<string, NpyInput> = {
    observations: { data: castRows(flat.obs, obsLayout.dtype), shape: [n, ...obsLayout.shape], dtype: obsLayout.dtype },
    actions: { data: castRows(flat.acts, actLayout.dtype), shape: [n, ...actLayout.shape], dtype: actLayout.dtype },
    rewards: { data: flat.rews, shape: [n], dtype: '<f4' },
    terminals: { data: flat.terminated, shape: [n], dtype: '|b1' },
    timeouts: { data: flat.truncated, shape: [n], dtype: '|b1' },
  };
  if (opts.nextObservations !== false) {
    arrays['next_observations'] = { data: castRows(flat.nextObs, obsLayout.dtype), shape: [n, ...obsLayout.shape], dtype: obsLayout.dtype };
  }
  if (opts.metadata !== false) {
    const stored: StoredMetadata = {
      format: METADATA_FORMAT,
      version: 1,
      observation_space: dataset.observationSpace.toJSON(),
      action_space: dataset.actionSpace.toJSON(),
      metadata: dataset.metadata,
    };
    arrays[NPZ_METADATA_KEY] = { data: new TextEncoder().encode(JSON.stringify(stored)), dtype: '|u1' };
  }
  return writeNpzArrays(arrays, { compress: opts.compress });
}

/** Read a flat-layout `.npz` from a file path or its bytes. */
export function readNpz(source: string | Uint8Array, opts: ReadNpzOptions = {}): Dataset {
  return decodeNpz(typeof source === 'string' ? readFileBytes(source) : source, opts);
}

/**
 * Write `dataset` as a flat-layout `.npz`; returns the bytes, and writes them to `path` when one
 * is given (`writeNpz(dataset)` and `writeNpz(dataset, {compress: true})` only return them).
 */
export function writeNpz(dataset: Dataset, pathOrOptions?: string | WriteNpzOptions, opts: WriteNpzOptions = {}): Uint8Array {
  const path = typeof pathOrOptions === 'string' ? pathOrOptions : undefined;
  const options = typeof pathOrOptions === 'object' ? pathOrOptions : opts;
  const bytes = encodeNpz(dataset, options);
  if (path !== undefined) writeFileBytes(path, bytes);
  return bytes;
}
