/**
 * Minari's HDF5 storage (`main_data.hdf5`), read and written with `h5wasm` (HDF5 compiled to
 * WebAssembly; in Node its `h5wasm/node` build reads and writes host paths directly).
 *
 * The layout, as Minari's `HDF5Storage` writes it (checked against Minari 0.4.3 and 0.5.3):
 *
 * ```text
 * main_data.hdf5
 * ├── attrs (Minari 0.4.x; Minari ≥ 0.5 keeps the same keys in data/metadata.json instead)
 * │     total_episodes: int64        total_steps: int64
 * │     observation_space, action_space: Minari-serialized space JSON (str)
 * │     env_spec: Gymnasium EnvSpec.to_json() (str, optional)
 * │     dataset_id: str               minari_version: version specifier str
 * │     tfrl_metadata: JSON of Dataset.metadata (str; tfrl's own key, ignored by Minari)
 * ├── episode_0/                     attrs: id (int64), total_steps (int64)
 * │     observations   (T+1, *obs shape)   Dict spaces: a group with one entry per key;
 * │     actions        (T,   *act shape)   Tuple spaces: a group with _index_0, _index_1, …
 * │     rewards        (T,)  float64
 * │     terminations   (T,)  bool (h5py enum) — written as uint8 0/1, see below
 * │     truncations    (T,)  bool (h5py enum) — written as uint8 0/1
 * ├── episode_1/ …
 * ```
 *
 * Leaf dtypes written: Box float32/float64/int32/uint8 as such, Discrete and MultiDiscrete int64,
 * MultiBinary int8. `h5wasm` 0.10 cannot create HDF5 enum types, so `terminations` and
 * `truncations` are uint8 0/1 rather than h5py's bool enum (h5py then reads them as uint8
 * arrays); reading accepts either. Per-step `infos` and episode `seed`s are neither read nor
 * written. An episode's `terminated` / `truncated` are the flags of its last step (a flag set
 * before the last step is an error; a step with both counts as terminated).
 *
 * `writeMinari(dataset, path, {metadataJson: true})` also writes `metadata.json` beside the file
 * (the Minari ≥ 0.5 layout, where `path` is `<dataset>/data/main_data.hdf5`); `readMinari` reads
 * the root attributes and, when present, that `metadata.json`.
 */

import { Box, Dict, Discrete, type EnvSpec, MultiBinary, MultiDiscrete, type Space, Tuple, formatValue } from '@tfrl/core';
import type { Dataset as H5Dataset, Group as H5Group } from 'h5wasm/node';
import {
  absolutePath,
  ensureParentDirectory,
  importH5wasm,
  isDirectory,
  isFile,
  joinPath,
  readTextIfExists,
  siblingPath,
  writeText,
} from './node-io';
import { Dataset, type DatasetMetadata, type Trajectory, isIntegerSpace } from './trajectory';

type H5Api = typeof import('h5wasm/node')['default'];

let h5Loading: Promise<H5Api> | undefined;

/** The `h5wasm` Node build, loaded once (its WebAssembly module initialises asynchronously). */
export function loadH5wasm(): Promise<H5Api> {
  h5Loading ??= importH5wasm()
    .then(async (m) => {
      const lib = (m as { default?: H5Api }).default ?? (m as unknown as H5Api);
      await lib.ready;
      return lib;
    })
    .catch((e: unknown) => {
      h5Loading = undefined;
      throw new Error(`minari: could not load h5wasm (${(e as Error).message})`);
    });
  return h5Loading;
}

// ---------------------------------------------------------------------------------------------
// Python-compatible JSON: Python's json module writes Infinity, -Infinity and NaN bare.

const SENTINEL: Record<string, string> = { Infinity: '\u0000tfrl:inf', '-Infinity': '\u0000tfrl:-inf', NaN: '\u0000tfrl:nan' };
const FROM_SENTINEL = new Map<unknown, number>([
  [SENTINEL['Infinity'], Number.POSITIVE_INFINITY],
  [SENTINEL['-Infinity'], Number.NEGATIVE_INFINITY],
  [SENTINEL['NaN'], Number.NaN],
]);

/** `JSON.parse` that also accepts Python's bare `Infinity`, `-Infinity` and `NaN`. */
export function parsePythonJson(text: string): unknown {
  const replaced = text.replace(/"(?:[^"\\]|\\.)*"|-?Infinity|NaN/g, (m) => (m[0] === '"' ? m : JSON.stringify(SENTINEL[m])));
  return JSON.parse(replaced, (_k, v) => (FROM_SENTINEL.has(v) ? FROM_SENTINEL.get(v) : v));
}

/** `JSON.stringify` writing non-finite numbers as Python's `json.dumps` does. */
export function toPythonJson(value: unknown): string {
  const text = JSON.stringify(value, (_k, v) => {
    if (typeof v !== 'number' || Number.isFinite(v)) return v;
    return Number.isNaN(v) ? SENTINEL['NaN'] : v > 0 ? SENTINEL['Infinity'] : SENTINEL['-Infinity'];
  });
  return text.replace(/"\\u0000tfrl:(-?inf|nan)"/g, (_m, s: string) => (s === 'nan' ? 'NaN' : s === 'inf' ? 'Infinity' : '-Infinity'));
}

// ---------------------------------------------------------------------------------------------
// Minari's space serialization (minari/serialization.py)

function nest(flat: ArrayLike<number>, shape: readonly number[], at = 0): unknown {
  if (shape.length === 0) return flat[at];
  const [d, ...rest] = shape as [number, ...number[]];
  const stride = rest.reduce((a, b) => a * b, 1);
  return Array.from({ length: d }, (_, i) => nest(flat, rest, at + i * stride));
}

function flattenNested(x: unknown, where: string): number[] {
  if (typeof x === 'number') return [x];
  if (Array.isArray(x)) return x.flatMap((v) => flattenNested(v, where));
  throw new TypeError(`minari: ${where} must be numbers or nested lists of numbers, got ${formatValue(x)}`);
}

/** A space as Minari's `serialize_space(space, to_string=False)` writes it. */
export function minariSpaceToJSON(space: Space<any>): Record<string, unknown> {
  if (space instanceof Box) {
    return {
      type: 'Box',
      dtype: space.dtype,
      shape: [...space.shape],
      low: nest(space.low, space.shape),
      high: nest(space.high, space.shape),
    };
  }
  if (space instanceof Discrete) return { type: 'Discrete', dtype: 'int64', start: space.start, n: space.n };
  if (space instanceof MultiDiscrete) {
    return { type: 'MultiDiscrete', dtype: 'int64', nvec: Array.from(space.nvec), start: Array.from(space.nvec, () => 0) };
  }
  if (space instanceof MultiBinary) return { type: 'MultiBinary', n: space.n };
  if (space instanceof Dict) {
    const subspaces: Record<string, unknown> = {};
    for (const k of space.keys) subspaces[k] = minariSpaceToJSON(space.spaces[k] as Space<any>);
    return { type: 'Dict', subspaces };
  }
  if (space instanceof Tuple) return { type: 'Tuple', subspaces: (space.spaces as Space<any>[]).map((s) => minariSpaceToJSON(s)) };
  throw new TypeError(`minari: cannot serialize ${space} (Box, Discrete, MultiDiscrete, MultiBinary, Dict and Tuple are supported)`);
}

const BOX_DTYPES: Record<string, 'float32' | 'float64' | 'int32' | 'uint8'> = {
  float32: 'float32',
  float16: 'float32',
  float64: 'float64',
  int32: 'int32',
  int64: 'int32',
  int16: 'int32',
  int8: 'int32',
  uint16: 'int32',
  uint32: 'int32',
  uint8: 'uint8',
};

/**
 * The space of a Minari-serialized JSON object. Box dtypes other than float32/float64/int32/uint8
 * map to the nearest tfrl dtype (float16 → float32, other integers → int32, bounds clamped).
 */
export function minariSpaceFromJSON(json: unknown): Space<any> {
  if (json === null || typeof json !== 'object') throw new TypeError(`minari: expected a serialized space, got ${formatValue(json)}`);
  const j = json as Record<string, any>;
  switch (j.type) {
    case 'Box': {
      const dtype = BOX_DTYPES[String(j.dtype)];
      if (!dtype) throw new TypeError(`minari: Box dtype ${formatValue(j.dtype)} is not supported`);
      const shape = (j.shape as number[]) ?? [];
      const low = flattenNested(j.low, 'Box.low');
      const high = flattenNested(j.high, 'Box.high');
      return new Box({
        low: low.length === 1 ? (low[0] as number) : low,
        high: high.length === 1 ? (high[0] as number) : high,
        shape,
        dtype,
      });
    }
    case 'Discrete':
      return new Discrete(Number(j.n), Number(j.start ?? 0));
    case 'MultiDiscrete': {
      const nvec = flattenNested(j.nvec, 'MultiDiscrete.nvec');
      if (j.start !== undefined && flattenNested(j.start, 'MultiDiscrete.start').some((s) => s !== 0)) {
        throw new TypeError(`minari: MultiDiscrete with a non-zero start (${formatValue(j.start)}) is not supported`);
      }
      return new MultiDiscrete(nvec);
    }
    case 'MultiBinary': {
      const n = flattenNested(j.n, 'MultiBinary.n');
      return new MultiBinary(n.reduce((a, b) => a * b, 1));
    }
    case 'Dict': {
      const spaces: Record<string, Space<any>> = {};
      for (const [k, v] of Object.entries((j.subspaces ?? {}) as Record<string, unknown>)) spaces[k] = minariSpaceFromJSON(v);
      return new Dict(spaces);
    }
    case 'Tuple':
      return new Tuple(((j.subspaces ?? []) as unknown[]).map((s) => minariSpaceFromJSON(s)));
    default:
      throw new TypeError(`minari: space type ${formatValue(j.type)} is not supported`);
  }
}

/** Gymnasium's `EnvSpec.to_json()` for the fields tfrl knows (the others take Gymnasium's defaults). */
export function envSpecToMinariJson(spec: EnvSpec): string {
  return toPythonJson({
    id: spec.id,
    entry_point: null,
    reward_threshold: spec.rewardThreshold ?? null,
    nondeterministic: false,
    max_episode_steps: spec.maxEpisodeSteps ?? null,
    order_enforce: true,
    disable_env_checker: false,
    kwargs: spec.kwargs ?? {},
    additional_wrappers: [],
    vector_entry_point: null,
  });
}

/** The tfrl `EnvSpec` in a Gymnasium `EnvSpec.to_json()` string. */
export function envSpecFromMinariJson(text: string): EnvSpec {
  const j = parsePythonJson(text) as Record<string, unknown>;
  if (j === null || typeof j !== 'object' || typeof j['id'] !== 'string')
    throw new TypeError(`minari: env_spec has no id: ${text.slice(0, 200)}`);
  const spec: EnvSpec = { id: j['id'] };
  if (typeof j['max_episode_steps'] === 'number') spec.maxEpisodeSteps = j['max_episode_steps'];
  if (typeof j['reward_threshold'] === 'number') spec.rewardThreshold = j['reward_threshold'];
  if (j['kwargs'] && typeof j['kwargs'] === 'object' && Object.keys(j['kwargs'] as object).length) {
    spec.kwargs = j['kwargs'] as Record<string, unknown>;
  }
  return spec;
}

// ---------------------------------------------------------------------------------------------
// Leaves of a space in the compact layout and their HDF5 datasets

interface Leaf {
  /** Path under `observations` / `actions` (empty: the dataset itself). */
  path: string[];
  space: Space<any>;
  offset: number;
  dim: number;
}

function spaceLeaves(space: Space<any>, path: string[] = [], offset = 0): Leaf[] {
  if (space instanceof Dict) {
    return space.keys.flatMap((k) =>
      spaceLeaves(space.spaces[k] as Space<any>, [...path, k], offset + (space.offsets[k] as { offset: number }).offset),
    );
  }
  if (space instanceof Tuple) {
    const out: Leaf[] = [];
    let off = offset;
    (space.spaces as Space<any>[]).forEach((s, i) => {
      out.push(...spaceLeaves(s, [...path, `_index_${i}`], off));
      off += s.compactDim;
    });
    return out;
  }
  return [{ path, space, offset, dim: space.compactDim }];
}

type H5Typed = Float32Array | Float64Array | Int32Array | Uint8Array | Int8Array | BigInt64Array;

/** The per-row shape and h5wasm dtype of a leaf, and the cast of its values. */
function leafLayout(space: Space<any>): { shape: number[]; dtype: string; cast: (v: Float64Array) => H5Typed } {
  if (space instanceof Box) {
    switch (space.dtype) {
      case 'float32':
        return { shape: [...space.shape], dtype: '<f', cast: (v) => Float32Array.from(v) };
      case 'float64':
        return { shape: [...space.shape], dtype: '<d', cast: (v) => v };
      case 'int32':
        return { shape: [...space.shape], dtype: '<i', cast: (v) => Int32Array.from(v) };
      default:
        return { shape: [...space.shape], dtype: '<B', cast: (v) => Uint8Array.from(v) };
    }
  }
  const int64 = (v: Float64Array) => BigInt64Array.from(v, (x) => BigInt(Math.round(x)));
  if (space instanceof Discrete) return { shape: [], dtype: '<q', cast: int64 };
  if (space instanceof MultiDiscrete) return { shape: [space.compactDim], dtype: '<q', cast: int64 };
  if (space instanceof MultiBinary) return { shape: [space.n], dtype: '<b', cast: (v) => Int8Array.from(v) };
  return { shape: [space.compactDim], dtype: '<f', cast: (v) => Float32Array.from(v) };
}

function numbersOf(value: unknown, where: string): ArrayLike<number> {
  if (value instanceof BigInt64Array || value instanceof BigUint64Array) return Float64Array.from(value, (x) => Number(x));
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) return value as unknown as ArrayLike<number>;
  if (typeof value === 'number' || typeof value === 'boolean') return [Number(value)];
  if (Array.isArray(value)) return value.map((x) => Number(x));
  throw new TypeError(`minari: ${where} is not numeric data (got ${formatValue(value)})`);
}

function writeRows(group: H5Group, name: string, space: Space<any>, rows: Float32Array | Int32Array, nRows: number): void {
  const rowDim = space.compactDim;
  for (const leaf of spaceLeaves(space)) {
    let parent = group;
    const fullPath = [name, ...leaf.path];
    for (const part of fullPath.slice(0, -1)) {
      parent = (parent.keys().includes(part) ? parent.get(part) : parent.create_group(part)) as H5Group;
    }
    const col = new Float64Array(nRows * leaf.dim);
    for (let r = 0; r < nRows; r++) for (let j = 0; j < leaf.dim; j++) col[r * leaf.dim + j] = rows[r * rowDim + leaf.offset + j] as number;
    const layout = leafLayout(leaf.space);
    parent.create_dataset({
      name: fullPath[fullPath.length - 1] as string,
      data: layout.cast(col),
      shape: [nRows, ...layout.shape],
      dtype: layout.dtype,
    });
  }
}

function readRows(group: H5Group, name: string, space: Space<any>, out: Float32Array | Int32Array, nRows: number, where: string): void {
  const rowDim = space.compactDim;
  for (const leaf of spaceLeaves(space)) {
    const path = [name, ...leaf.path].join('/');
    const entity = group.get(path);
    if (entity === null || !('shape' in (entity as object))) throw new Error(`minari: ${where}/${path} is missing or not a dataset`);
    const ds = entity as H5Dataset;
    const shape = ds.shape ?? [];
    const dim = shape.slice(1).reduce((a, b) => a * b, 1);
    if (shape[0] !== nRows || dim !== leaf.dim) {
      throw new Error(
        `minari: ${where}/${path} has shape (${shape.join(', ')}) but ${nRows} rows of ${leaf.dim} numbers (${leaf.space}) are expected`,
      );
    }
    const values = numbersOf(ds.value, `${where}/${path}`);
    for (let r = 0; r < nRows; r++)
      for (let j = 0; j < leaf.dim; j++) out[r * rowDim + leaf.offset + j] = values[r * leaf.dim + j] as number;
  }
}

function readColumn(group: H5Group, name: string, T: number | undefined, where: string): ArrayLike<number> {
  const ds = group.get(name) as H5Dataset | null;
  if (!ds || !('shape' in ds)) throw new Error(`minari: ${where}/${name} is missing or not a dataset`);
  const values = numbersOf(ds.value, `${where}/${name}`);
  if (T !== undefined && values.length !== T) {
    throw new Error(`minari: ${where}/${name} has ${values.length} values but the episode has ${T} steps`);
  }
  return values;
}

// ---------------------------------------------------------------------------------------------

export interface WriteMinariOptions {
  /** Also write Minari ≥ 0.5's `metadata.json` beside the file (default false). */
  metadataJson?: boolean;
}

export interface ReadMinariOptions {
  /** Overrides the file's `observation_space`. */
  observationSpace?: Space<any>;
  /** Overrides the file's `action_space`. */
  actionSpace?: Space<any>;
  /** Validate the trajectories against the spaces (default true). */
  validate?: boolean;
}

/** Root attributes written for Minari from tfrl metadata; the rest of `metadata` goes to `tfrl_metadata`. */
function minariRootMetadata(dataset: Dataset): Record<string, unknown> {
  const m = dataset.metadata;
  const out: Record<string, unknown> = {};
  const extra = m['minariAttrs'];
  if (extra && typeof extra === 'object') Object.assign(out, extra);
  Object.assign(out, {
    total_episodes: dataset.numEpisodes,
    total_steps: dataset.numSteps,
    observation_space: toPythonJson(minariSpaceToJSON(dataset.observationSpace)),
    action_space: toPythonJson(minariSpaceToJSON(dataset.actionSpace)),
    dataset_id: typeof m.datasetId === 'string' ? m.datasetId : 'tfrl-expert-v0',
    minari_version: typeof m['minariVersion'] === 'string' ? m['minariVersion'] : '>=0.4',
  });
  const spec = m.envSpec ?? (m.envId ? { id: m.envId } : undefined);
  if (spec) out['env_spec'] = envSpecToMinariJson(spec);
  return out;
}

function writeAttribute(target: H5Group, name: string, value: unknown): void {
  if (typeof value === 'string') target.create_attribute(name, value);
  else if (typeof value === 'boolean') target.create_attribute(name, new Uint8Array([value ? 1 : 0]), [], '<B');
  else if (typeof value === 'number') {
    if (Number.isInteger(value)) target.create_attribute(name, new BigInt64Array([BigInt(value)]), [], '<q');
    else target.create_attribute(name, new Float64Array([value]), [], '<d');
  } else if (Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === 'string')) {
    target.create_attribute(name, value as string[]);
  } else if (Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === 'number')) {
    target.create_attribute(name, Float64Array.from(value as number[]), [value.length], '<d');
  } else if (value !== undefined && value !== null) {
    target.create_attribute(name, toPythonJson(value));
  }
}

/**
 * Write `dataset` as a Minari `main_data.hdf5` at `path` (created or replaced, its directory
 * created when missing). Returns the paths written. Every trajectory becomes `episode_<i>`, i = 0, 1, …
 */
export async function writeMinari(dataset: Dataset, path: string, opts: WriteMinariOptions = {}): Promise<string[]> {
  const h5 = await loadH5wasm();
  ensureParentDirectory(path);
  const file = new h5.File(absolutePath(path), 'w');
  const root = minariRootMetadata(dataset);
  try {
    for (const [k, v] of Object.entries(root)) writeAttribute(file, k, v);
    writeAttribute(file, 'tfrl_metadata', JSON.stringify(dataset.metadata));
    dataset.trajectories.forEach((t, i) => {
      const T = t.rews.length;
      const g = file.create_group(`episode_${i}`);
      writeAttribute(g, 'id', i);
      writeAttribute(g, 'total_steps', T);
      writeRows(g, 'observations', dataset.observationSpace, t.obs, T + 1);
      writeRows(g, 'actions', dataset.actionSpace, t.acts, T);
      g.create_dataset({ name: 'rewards', data: Float64Array.from(t.rews), shape: [T], dtype: '<d' });
      const term = new Uint8Array(T);
      const trunc = new Uint8Array(T);
      if (t.terminated) term[T - 1] = 1;
      else if (t.truncated) trunc[T - 1] = 1;
      g.create_dataset({ name: 'terminations', data: term, shape: [T], dtype: '<B' });
      g.create_dataset({ name: 'truncations', data: trunc, shape: [T], dtype: '<B' });
    });
  } finally {
    file.close();
  }
  const written = [absolutePath(path)];
  if (opts.metadataJson) {
    const jsonPath = siblingPath(path, 'metadata.json');
    writeText(jsonPath, toPythonJson({ ...root, data_format: 'hdf5' }));
    written.push(jsonPath);
  }
  return written;
}

/** `path` itself, or `main_data.hdf5` in the directory `path` or in its `data/` subdirectory. */
function resolveMinariFile(path: string): string {
  if (isFile(path)) return absolutePath(path);
  if (isDirectory(path)) {
    for (const candidate of [joinPath(path, 'main_data.hdf5'), joinPath(path, 'data', 'main_data.hdf5')]) {
      if (isFile(candidate)) return absolutePath(candidate);
    }
    throw new Error(`minari: no main_data.hdf5 in ${path} or ${joinPath(path, 'data')}`);
  }
  throw new Error(`minari: ${path} does not exist`);
}

const KNOWN_ROOT_KEYS = new Set([
  'total_episodes',
  'total_steps',
  'observation_space',
  'action_space',
  'env_spec',
  'dataset_id',
  'minari_version',
  'tfrl_metadata',
  'data_format',
]);

/**
 * Read a Minari HDF5 dataset: a `main_data.hdf5` path, or a directory holding it (directly or in
 * `data/`). Metadata comes from the root attributes and `metadata.json` beside the file; when the
 * file was written by tfrl, `tfrl_metadata` restores `Dataset.metadata` as it was.
 */
export async function readMinari(path: string, opts: ReadMinariOptions = {}): Promise<Dataset> {
  const h5 = await loadH5wasm();
  const filePath = resolveMinariFile(path);
  const jsonText = readTextIfExists(siblingPath(filePath, 'metadata.json'));
  const file = new h5.File(filePath, 'r');
  try {
    const attrs: Record<string, unknown> = {};
    for (const [k, a] of Object.entries(file.attrs)) attrs[k] = a.json_value;
    if (jsonText !== undefined) Object.assign(attrs, parsePythonJson(jsonText) as Record<string, unknown>);

    const spaceOf = (key: 'observation_space' | 'action_space', given?: Space<any>): Space<any> => {
      if (given) return given;
      const v = attrs[key];
      if (typeof v !== 'string') throw new Error(`minari: ${filePath} has no ${key}; pass it in the options`);
      return minariSpaceFromJSON(parsePythonJson(v));
    };
    const observationSpace = spaceOf('observation_space', opts.observationSpace);
    const actionSpace = spaceOf('action_space', opts.actionSpace);

    const ids = file
      .keys()
      .map((k) => /^episode_(\d+)$/.exec(k))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => Number(m[1]))
      .sort((a, b) => a - b);
    if (typeof attrs['total_episodes'] === 'number' && attrs['total_episodes'] !== ids.length) {
      throw new Error(`minari: ${filePath} says total_episodes = ${attrs['total_episodes']} but holds ${ids.length} episode groups`);
    }
    const obsDim = observationSpace.compactDim;
    const actDim = actionSpace.compactDim;
    const trajectories: Trajectory[] = ids.map((id) => {
      const where = `episode_${id}`;
      const g = file.get(where) as H5Group;
      if (g === null || !('keys' in g)) throw new Error(`minari: ${where} is not a group`);
      const rews = Float32Array.from(readColumn(g, 'rewards', undefined, where));
      const T = rews.length;
      if (T === 0) throw new Error(`minari: ${where} has no steps`);
      const term = readColumn(g, 'terminations', T, where);
      const trunc = readColumn(g, 'truncations', T, where);
      for (let i = 0; i < T - 1; i++) {
        if (term[i] || trunc[i])
          throw new Error(`minari: ${where} ${term[i] ? 'terminations' : 'truncations'} row ${i} is set before the last step`);
      }
      const terminated = Boolean(term[T - 1]);
      const obs = new Float32Array((T + 1) * obsDim);
      readRows(g, 'observations', observationSpace, obs, T + 1, where);
      const acts = isIntegerSpace(actionSpace) ? new Int32Array(T * actDim) : new Float32Array(T * actDim);
      readRows(g, 'actions', actionSpace, acts, T, where);
      return { obs, acts, rews, terminated, truncated: !terminated && Boolean(trunc[T - 1]), obsDim, actDim };
    });
    const steps = trajectories.reduce((a, t) => a + t.rews.length, 0);
    if (typeof attrs['total_steps'] === 'number' && attrs['total_steps'] !== steps) {
      throw new Error(`minari: ${filePath} says total_steps = ${attrs['total_steps']} but its episodes hold ${steps}`);
    }

    let metadata: DatasetMetadata;
    if (typeof attrs['tfrl_metadata'] === 'string') {
      metadata = JSON.parse(attrs['tfrl_metadata']) as DatasetMetadata;
    } else {
      metadata = { source: filePath };
      if (typeof attrs['dataset_id'] === 'string') metadata.datasetId = attrs['dataset_id'];
      if (typeof attrs['minari_version'] === 'string') metadata['minariVersion'] = attrs['minari_version'];
      if (typeof attrs['env_spec'] === 'string') {
        metadata.envSpec = envSpecFromMinariJson(attrs['env_spec']);
        metadata.envId = metadata.envSpec.id;
      }
      const rest = Object.fromEntries(Object.entries(attrs).filter(([k]) => !KNOWN_ROOT_KEYS.has(k)));
      if (Object.keys(rest).length) metadata['minariAttrs'] = rest;
    }
    return new Dataset({ trajectories, observationSpace, actionSpace, metadata }, { validate: opts.validate });
  } finally {
    file.close();
  }
}
