/**
 * The bytes of a tfrl checkpoint, with no I/O: {@link encodeCheckpoint} turns a checkpoint into
 * its files (`manifest.json` and `weights.bin`, as bytes) and the decoders verify and read them
 * back. Writing those files to a directory (Node), to memory or to an archive for a download
 * (anywhere) are thin layers over these functions, so the same bytes load everywhere.
 *
 * - `manifest.json`: format name and version, algorithm, tfrl version, hyperparameters,
 *   observation/action spaces (their `toJSON()`), counters, RNG state, free-form `extra`,
 *   the tensor table (name, dtype, shape, byte offset/length in `weights.bin`), the
 *   SHA-256 of `weights.bin` and of the manifest body itself;
 * - `weights.bin`: the tensors' raw little-endian bytes (float32, int32, uint8 or float64), back
 *   to back.
 *
 * Format version 2 is the state layout of `Algorithm.save` (`networks/…`, `optimizers/…`); the
 * files themselves are the same as in version 1, which the decoders still read.
 */
import type { RngState } from './rng';
import { sha256Hex } from './sha256';

export const CHECKPOINT_FORMAT = 'tfrl-checkpoint';
export const CHECKPOINT_FORMAT_VERSION = 2;
const TFRL_VERSION = '0.1.0';
/** File names of a checkpoint. */
export const CHECKPOINT_MANIFEST = 'manifest.json';
export const CHECKPOINT_WEIGHTS = 'weights.bin';

export type CheckpointDtype = 'float32' | 'int32' | 'uint8' | 'float64';

/** One tensor's values in a checkpoint (row-major). */
export interface CheckpointTensor {
  dtype: CheckpointDtype;
  shape: number[];
  data: Float32Array | Int32Array | Uint8Array | Float64Array;
}

const DTYPES: Record<
  CheckpointDtype,
  { bytes: number; array: Float32ArrayConstructor | Int32ArrayConstructor | Uint8ArrayConstructor | Float64ArrayConstructor }
> = {
  float32: { bytes: 4, array: Float32Array },
  int32: { bytes: 4, array: Int32Array },
  uint8: { bytes: 1, array: Uint8Array },
  float64: { bytes: 8, array: Float64Array },
};

function isDtype(d: unknown): d is CheckpointDtype {
  return typeof d === 'string' && Object.hasOwn(DTYPES, d);
}

export interface CheckpointCounters {
  numTimesteps: number;
  numUpdates: number;
  episodes: number;
  [name: string]: number;
}

/** What `saveCheckpoint` and {@link encodeCheckpoint} take. */
export interface CheckpointData {
  algorithm: string;
  /** Defaults to the running tfrl version. */
  tfrlVersion?: string;
  hyperparameters: Record<string, unknown>;
  /** A space's `toJSON()`, or null when there is none. */
  observationSpace?: unknown;
  actionSpace?: unknown;
  counters: CheckpointCounters;
  rngState?: RngState | null;
  extra?: Record<string, unknown>;
  tensors: Record<string, CheckpointTensor>;
}

export interface CheckpointTensorEntry {
  name: string;
  dtype: CheckpointDtype;
  shape: number[];
  byteOffset: number;
  byteLength: number;
}

/** The contents of `manifest.json`. */
export interface CheckpointManifest {
  format: typeof CHECKPOINT_FORMAT;
  formatVersion: number;
  algorithm: string;
  tfrlVersion: string;
  createdAt: string;
  hyperparameters: Record<string, unknown>;
  observationSpace: unknown;
  actionSpace: unknown;
  counters: CheckpointCounters;
  rngState: RngState | null;
  extra: Record<string, unknown>;
  tensors: CheckpointTensorEntry[];
  weights: { file: string; byteLength: number; sha256: string };
  /** SHA-256 of the canonical JSON of every other field of the manifest. */
  manifestSha256: string;
}

/** What `loadCheckpoint` and {@link decodeCheckpoint} return. */
export interface LoadedCheckpoint {
  manifest: CheckpointManifest;
  tensors: Record<string, CheckpointTensor>;
}

/** A checkpoint's files by name (`manifest.json`, `weights.bin`): what a checkpoint directory holds. */
export type CheckpointFiles = Record<string, Uint8Array>;

/** JSON with object keys sorted at every level, so the hash does not depend on key order. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const v = value as Record<string, unknown> & { toJSON?: () => unknown };
    if (typeof v.toJSON === 'function') return sortKeys(v.toJSON());
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) {
      if (v[k] !== undefined && typeof v[k] !== 'function') out[k] = sortKeys(v[k]);
    }
    return out;
  }
  return value;
}

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** The tensor's bytes in little-endian order. */
function tensorBytes(t: CheckpointTensor): Uint8Array {
  const d = t.data;
  if (LITTLE_ENDIAN_HOST || t.dtype === 'uint8') return new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
  const size = DTYPES[t.dtype].bytes;
  const out = new Uint8Array(d.length * size);
  const view = new DataView(out.buffer);
  for (let i = 0; i < d.length; i++) {
    if (t.dtype === 'float32') view.setFloat32(i * 4, d[i] as number, true);
    else if (t.dtype === 'int32') view.setInt32(i * 4, d[i] as number, true);
    else view.setFloat64(i * 8, d[i] as number, true);
  }
  return out;
}

function bytesToTensorData(bytes: Uint8Array, dtype: CheckpointDtype): CheckpointTensor['data'] {
  const { bytes: size, array } = DTYPES[dtype];
  const n = bytes.byteLength / size;
  if (LITTLE_ENDIAN_HOST || dtype === 'uint8') {
    // Copy into a fresh, aligned buffer (Node's Buffer may sit at any offset of a pool).
    const copy = new Uint8Array(bytes.byteLength);
    copy.set(bytes);
    return new array(copy.buffer);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new array(n);
  for (let i = 0; i < n; i++) {
    out[i] =
      dtype === 'float32' ? view.getFloat32(i * 4, true) : dtype === 'int32' ? view.getInt32(i * 4, true) : view.getFloat64(i * 8, true);
  }
  return out;
}

function shapeSize(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function validShape(shape: unknown): shape is number[] {
  return Array.isArray(shape) && shape.every((d) => Number.isInteger(d) && d >= 0);
}

function checkTensor(where: string, name: string, t: CheckpointTensor): void {
  if (!t || typeof t !== 'object') throw new Error(`${where}: tensor "${name}" is not an object`);
  if (!isDtype(t.dtype)) {
    throw new Error(`${where}: tensor "${name}" has dtype ${JSON.stringify(t.dtype)}; only ${Object.keys(DTYPES).join(', ')} are stored`);
  }
  if (!validShape(t.shape)) throw new Error(`${where}: tensor "${name}" has an invalid shape ${JSON.stringify(t.shape)}`);
  const ok = t.data instanceof DTYPES[t.dtype].array;
  if (!ok) {
    throw new Error(
      `${where}: tensor "${name}" is ${t.dtype} but its data is ${(t.data as object | undefined)?.constructor?.name ?? String(t.data)}`,
    );
  }
  if (t.data.length !== shapeSize(t.shape)) {
    throw new Error(
      `${where}: tensor "${name}" has shape [${t.shape.join(', ')}] (${shapeSize(t.shape)} values) but ${t.data.length} values`,
    );
  }
}

/** A checkpoint's manifest and its files, ready to be written. */
export interface EncodedCheckpoint {
  manifest: CheckpointManifest;
  files: CheckpointFiles;
}

/**
 * Build a checkpoint's files in memory: `weights.bin` (the tensors back to back) and
 * `manifest.json` (with both checksums). Every tensor is checked first; errors start with `where`.
 */
export function encodeCheckpoint(data: CheckpointData, where = 'encodeCheckpoint'): EncodedCheckpoint {
  if (typeof data.algorithm !== 'string' || data.algorithm === '') {
    throw new Error(`${where}: "algorithm" must be a non-empty string`);
  }
  const entries: CheckpointTensorEntry[] = [];
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const [name, t] of Object.entries(data.tensors ?? {})) {
    checkTensor(where, name, t);
    const bytes = tensorBytes(t);
    entries.push({ name, dtype: t.dtype, shape: [...t.shape], byteOffset: offset, byteLength: bytes.byteLength });
    chunks.push(bytes);
    offset += bytes.byteLength;
  }
  const weights = new Uint8Array(offset);
  let o = 0;
  for (const c of chunks) {
    weights.set(c, o);
    o += c.byteLength;
  }
  const body: Omit<CheckpointManifest, 'manifestSha256'> = {
    format: CHECKPOINT_FORMAT,
    formatVersion: CHECKPOINT_FORMAT_VERSION,
    algorithm: data.algorithm,
    tfrlVersion: data.tfrlVersion ?? TFRL_VERSION,
    createdAt: new Date().toISOString(),
    hyperparameters: data.hyperparameters ?? {},
    observationSpace: data.observationSpace ?? null,
    actionSpace: data.actionSpace ?? null,
    counters: { ...data.counters },
    rngState: data.rngState ?? null,
    extra: data.extra ?? {},
    tensors: entries,
    weights: { file: CHECKPOINT_WEIGHTS, byteLength: weights.byteLength, sha256: sha256Hex(weights) },
  };
  // Round-trip through JSON so what we hash is exactly what a reader will see.
  let plainBody: Record<string, unknown>;
  try {
    plainBody = JSON.parse(canonicalJson(body));
  } catch (e) {
    throw new Error(`${where}: manifest is not JSON-serialisable: ${(e as Error).message}`);
  }
  const manifest = { ...plainBody, manifestSha256: sha256Hex(canonicalJson(plainBody)) } as CheckpointManifest;
  const manifestBytes = new TextEncoder().encode(`${JSON.stringify(manifest, null, 2)}\n`);
  return { manifest, files: { [CHECKPOINT_WEIGHTS]: weights, [CHECKPOINT_MANIFEST]: manifestBytes } };
}

/** A problem with one checkpoint; `problem` is the message without the checkpoint's name. */
export class CheckpointError extends Error {
  constructor(
    readonly dir: string,
    readonly problem: string,
  ) {
    super(`checkpoint ${dir}: ${problem}`);
  }
}

function fail(label: string, msg: string): never {
  throw new CheckpointError(label, msg);
}

/**
 * Parse and verify `manifest.json` (format, version, checksum, required fields); `label` names the
 * checkpoint in errors.
 */
export function decodeCheckpointManifest(bytes: Uint8Array | string, label = 'checkpoint'): CheckpointManifest {
  const MANIFEST = CHECKPOINT_MANIFEST;
  const text = typeof bytes === 'string' ? bytes : new TextDecoder().decode(bytes);
  let m: CheckpointManifest;
  try {
    m = JSON.parse(text);
  } catch (e) {
    fail(label, `${MANIFEST} is not valid JSON (file truncated or altered): ${(e as Error).message}`);
  }
  if (m === null || typeof m !== 'object' || Array.isArray(m)) fail(label, `${MANIFEST} is not a JSON object`);
  if (m.format !== CHECKPOINT_FORMAT) {
    fail(label, `${MANIFEST} has format ${JSON.stringify(m.format)}, expected "${CHECKPOINT_FORMAT}"`);
  }
  if (!Number.isInteger(m.formatVersion) || m.formatVersion < 1) {
    fail(label, `${MANIFEST} has an invalid formatVersion ${JSON.stringify(m.formatVersion)}`);
  }
  if (m.formatVersion > CHECKPOINT_FORMAT_VERSION) {
    fail(
      label,
      `format version ${m.formatVersion} is newer than this tfrl supports (${CHECKPOINT_FORMAT_VERSION}); written by tfrl ${m.tfrlVersion}, upgrade tfrl`,
    );
  }
  const { manifestSha256, ...body } = m;
  if (typeof manifestSha256 !== 'string' || sha256Hex(canonicalJson(body)) !== manifestSha256) {
    fail(label, `${MANIFEST} SHA-256 mismatch (file altered)`);
  }
  if (typeof m.algorithm !== 'string') fail(label, `${MANIFEST} has no algorithm name`);
  if (!Array.isArray(m.tensors)) fail(label, `${MANIFEST} has no tensor table`);
  if (!m.weights || typeof m.weights.sha256 !== 'string' || !Number.isInteger(m.weights.byteLength)) {
    fail(label, `${MANIFEST} has no valid "weights" entry`);
  }
  return m;
}

/** The name of the weights file a verified manifest points to (a plain file name beside it). */
export function checkpointWeightsFile(manifest: CheckpointManifest, label = 'checkpoint'): string {
  const file = manifest.weights.file ?? CHECKPOINT_WEIGHTS;
  if (typeof file !== 'string' || file === '' || /[/\\]/.test(file) || file === '.' || file === '..') {
    fail(label, `${CHECKPOINT_MANIFEST} names a weights file outside the checkpoint: ${file}`);
  }
  return file;
}

/** Check the weights file's size and SHA-256 against a verified manifest and decode its tensors. */
export function decodeCheckpointWeights(
  bytes: Uint8Array,
  manifest: CheckpointManifest,
  label = 'checkpoint',
): Record<string, CheckpointTensor> {
  const MANIFEST = CHECKPOINT_MANIFEST;
  const file = checkpointWeightsFile(manifest, label);
  if (bytes.byteLength !== manifest.weights.byteLength) {
    fail(
      label,
      `${file} is ${bytes.byteLength} bytes but ${MANIFEST} says ${manifest.weights.byteLength} (file ${bytes.byteLength < manifest.weights.byteLength ? 'truncated' : 'altered'})`,
    );
  }
  if (sha256Hex(bytes) !== manifest.weights.sha256) fail(label, `${file} SHA-256 mismatch (file altered or truncated)`);

  const tensors: Record<string, CheckpointTensor> = {};
  for (const e of manifest.tensors) {
    const where = `tensor "${e?.name}" in ${MANIFEST}`;
    if (!e || typeof e.name !== 'string') fail(label, `${MANIFEST} has a tensor entry without a name`);
    if (!isDtype(e.dtype)) fail(label, `${where} has unsupported dtype ${JSON.stringify(e.dtype)}`);
    if (!validShape(e.shape)) fail(label, `${where} has an invalid shape ${JSON.stringify(e.shape)}`);
    if (
      !Number.isInteger(e.byteOffset) ||
      !Number.isInteger(e.byteLength) ||
      e.byteOffset < 0 ||
      e.byteOffset + e.byteLength > bytes.byteLength ||
      e.byteLength !== shapeSize(e.shape) * DTYPES[e.dtype].bytes
    ) {
      fail(label, `${where} has an inconsistent byte range [${e.byteOffset}, +${e.byteLength}) for shape [${e.shape.join(', ')}]`);
    }
    if (Object.hasOwn(tensors, e.name)) fail(label, `${MANIFEST} lists tensor "${e.name}" twice`);
    tensors[e.name] = {
      dtype: e.dtype,
      shape: [...e.shape],
      data: bytesToTensorData(bytes.subarray(e.byteOffset, e.byteOffset + e.byteLength), e.dtype),
    };
  }
  return tensors;
}

/**
 * Verify a checkpoint's files completely (as `loadCheckpoint` does for a directory) and decode
 * them; `label` names the checkpoint in errors.
 */
export function decodeCheckpoint(files: CheckpointFiles, label = 'checkpoint'): LoadedCheckpoint {
  const manifestBytes = files[CHECKPOINT_MANIFEST];
  if (!manifestBytes) fail(label, `${CHECKPOINT_MANIFEST} is missing (not a tfrl checkpoint?)`);
  const manifest = decodeCheckpointManifest(manifestBytes, label);
  const file = checkpointWeightsFile(manifest, label);
  const weights = files[file];
  if (!weights) fail(label, `${file} is missing`);
  return { manifest, tensors: decodeCheckpointWeights(weights, manifest, label) };
}
