/**
 * The tfrl checkpoint format: a directory holding
 * - `manifest.json`: format name and version, algorithm, tfrl version, hyperparameters,
 *   observation/action spaces (their `toJSON()`), counters, RNG state, free-form `extra`,
 *   the tensor table (name, dtype, shape, byte offset/length in `weights.bin`), the
 *   SHA-256 of `weights.bin` and of the manifest body itself;
 * - `weights.bin`: the tensors' raw little-endian bytes (float32, int32, uint8 or float64), back
 *   to back.
 *
 * Format version 2 is the state layout of `Algorithm.save` (`networks/…`, `optimizers/…`); the
 * files themselves are the same as in version 1, which `loadCheckpoint` still reads.
 *
 * Saving writes a sibling temp directory, fsyncs it and swaps it in by renames, so a crash
 * or a failed write never leaves a half-written checkpoint in place of a good one.
 * Plain Node `fs` only: readable on every TensorFlow.js backend.
 */
import type { RngState } from './rng';

// Node built-ins are loaded on first use, so importing @tfrl/core stays possible in a browser
// bundle (where saving/loading checkpoints is simply unavailable).
type NodeMods = {
  fsp: typeof import('node:fs').promises;
  path: typeof import('node:path');
  crypto: typeof import('node:crypto');
};
let nodeMods: NodeMods | null = null;
async function node(): Promise<NodeMods> {
  if (!nodeMods) {
    try {
      const [fs, path, crypto] = await Promise.all([import('node:fs'), import('node:path'), import('node:crypto')]);
      nodeMods = { fsp: fs.promises, path, crypto };
    } catch (e) {
      throw new Error(`tfrl checkpoints need Node.js file system access: ${(e as Error).message}`);
    }
  }
  return nodeMods;
}

export const CHECKPOINT_FORMAT = 'tfrl-checkpoint';
export const CHECKPOINT_FORMAT_VERSION = 2;
const TFRL_VERSION = '0.1.0';
const MANIFEST = 'manifest.json';
const WEIGHTS = 'weights.bin';

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

/** What {@link saveCheckpoint} takes. */
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

/** What {@link loadCheckpoint} returns. */
export interface LoadedCheckpoint {
  manifest: CheckpointManifest;
  tensors: Record<string, CheckpointTensor>;
}

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

function sha256(crypto: NodeMods['crypto'], data: Uint8Array | string): string {
  return crypto.createHash('sha256').update(data).digest('hex');
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

async function writeFileSynced(fsp: NodeMods['fsp'], file: string, data: Uint8Array | string): Promise<void> {
  const fh = await fsp.open(file, 'wx');
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** fsync a directory so renames inside it are durable (a no-op where unsupported). */
async function syncDir(fsp: NodeMods['fsp'], dir: string): Promise<void> {
  let fh: import('node:fs/promises').FileHandle | undefined;
  try {
    fh = await fsp.open(dir, 'r');
    await fh.sync();
  } catch {
    // Windows and some file systems cannot fsync a directory; the rename is still atomic.
  } finally {
    await fh?.close().catch(() => {});
  }
}

async function statOrNull(fsp: NodeMods['fsp'], p: string) {
  try {
    return await fsp.stat(p);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

/**
 * Write a checkpoint to directory `dir` atomically. An existing checkpoint at `dir` is
 * replaced only once the new one is completely on disk; if anything fails, it is left as it
 * was. Refuses to replace a directory that is not a checkpoint (no `manifest.json`, not empty).
 */
export async function saveCheckpoint(dir: string, data: CheckpointData): Promise<CheckpointManifest> {
  const where = `saveCheckpoint ${dir}`;
  const { fsp, path, crypto } = await node();
  if (typeof data.algorithm !== 'string' || data.algorithm === '') {
    throw new Error(`${where}: "algorithm" must be a non-empty string`);
  }
  const target = path.resolve(dir);

  // Build everything in memory first: a bad tensor fails before the disk is touched.
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
    weights: { file: WEIGHTS, byteLength: weights.byteLength, sha256: sha256(crypto, weights) },
  };
  // Round-trip through JSON so what we hash is exactly what a reader will see.
  let plainBody: Record<string, unknown>;
  try {
    plainBody = JSON.parse(canonicalJson(body));
  } catch (e) {
    throw new Error(`${where}: manifest is not JSON-serialisable: ${(e as Error).message}`);
  }
  const manifest = { ...plainBody, manifestSha256: sha256(crypto, canonicalJson(plainBody)) } as CheckpointManifest;

  const existing = await statOrNull(fsp, target);
  if (existing) {
    if (!existing.isDirectory()) throw new Error(`${where}: ${dir} exists and is not a directory`);
    const names = await fsp.readdir(target);
    if (names.length > 0 && !names.includes(MANIFEST)) {
      throw new Error(`${where}: ${dir} is a non-empty directory without ${MANIFEST}; refusing to replace it`);
    }
  }

  const parent = path.dirname(target);
  await fsp.mkdir(parent, { recursive: true });
  const suffix = `${process.pid}-${crypto.randomBytes(4).toString('hex')}`;
  const tmp = `${target}.tmp-${suffix}`;
  try {
    await fsp.mkdir(tmp);
    await writeFileSynced(fsp, path.join(tmp, WEIGHTS), weights);
    await writeFileSynced(fsp, path.join(tmp, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
    await syncDir(fsp, tmp);
  } catch (e) {
    await fsp.rm(tmp, { recursive: true, force: true }).catch(() => {});
    throw new Error(`${where}: writing failed, previous checkpoint (if any) left intact: ${(e as Error).message}`);
  }

  const old = `${target}.old-${suffix}`;
  let movedOld = false;
  try {
    if (existing) {
      await fsp.rename(target, old);
      movedOld = true;
    }
    await fsp.rename(tmp, target);
  } catch (e) {
    if (movedOld) await fsp.rename(old, target).catch(() => {});
    await fsp.rm(tmp, { recursive: true, force: true }).catch(() => {});
    throw new Error(`${where}: could not move the new checkpoint into place: ${(e as Error).message}`);
  }
  await syncDir(fsp, parent);
  if (movedOld) await fsp.rm(old, { recursive: true, force: true }).catch(() => {});
  return manifest;
}

function fail(dir: string, msg: string): never {
  throw new Error(`checkpoint ${dir}: ${msg}`);
}

async function readManifestFile(dir: string): Promise<CheckpointManifest> {
  const { fsp, path, crypto } = await node();
  const target = path.resolve(dir);
  const st = await statOrNull(fsp, target);
  if (!st) {
    // A crash between the two renames of a save leaves the previous checkpoint at <dir>.old-*.
    let hint = '';
    try {
      const base = path.basename(target);
      const leftovers = (await fsp.readdir(path.dirname(target))).filter((n) => n.startsWith(`${base}.old-`));
      if (leftovers.length) hint = ` (an interrupted save left ${leftovers.map((n) => path.join(path.dirname(dir), n)).join(', ')})`;
    } catch {
      // parent missing too
    }
    fail(dir, `directory not found${hint}`);
  }
  if (!st.isDirectory()) fail(dir, 'is not a directory');
  let text: string;
  try {
    text = await fsp.readFile(path.join(target, MANIFEST), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') fail(dir, `${MANIFEST} is missing (not a tfrl checkpoint?)`);
    throw e;
  }
  let m: CheckpointManifest;
  try {
    m = JSON.parse(text);
  } catch (e) {
    fail(dir, `${MANIFEST} is not valid JSON (file truncated or altered): ${(e as Error).message}`);
  }
  if (m === null || typeof m !== 'object' || Array.isArray(m)) fail(dir, `${MANIFEST} is not a JSON object`);
  if (m.format !== CHECKPOINT_FORMAT) {
    fail(dir, `${MANIFEST} has format ${JSON.stringify(m.format)}, expected "${CHECKPOINT_FORMAT}"`);
  }
  if (!Number.isInteger(m.formatVersion) || m.formatVersion < 1) {
    fail(dir, `${MANIFEST} has an invalid formatVersion ${JSON.stringify(m.formatVersion)}`);
  }
  if (m.formatVersion > CHECKPOINT_FORMAT_VERSION) {
    fail(
      dir,
      `format version ${m.formatVersion} is newer than this tfrl supports (${CHECKPOINT_FORMAT_VERSION}); written by tfrl ${m.tfrlVersion}, upgrade tfrl`,
    );
  }
  const { manifestSha256, ...body } = m;
  if (typeof manifestSha256 !== 'string' || sha256(crypto, canonicalJson(body)) !== manifestSha256) {
    fail(dir, `${MANIFEST} SHA-256 mismatch (file altered)`);
  }
  if (typeof m.algorithm !== 'string') fail(dir, `${MANIFEST} has no algorithm name`);
  if (!Array.isArray(m.tensors)) fail(dir, `${MANIFEST} has no tensor table`);
  if (!m.weights || typeof m.weights.sha256 !== 'string' || !Number.isInteger(m.weights.byteLength)) {
    fail(dir, `${MANIFEST} has no valid "weights" entry`);
  }
  return m;
}

/** Read and verify only `manifest.json` (format, version, manifest checksum). */
export async function readCheckpointManifest(dir: string): Promise<CheckpointManifest> {
  return readManifestFile(dir);
}

/**
 * Read a checkpoint and verify it completely: JSON, format version, the manifest checksum,
 * the size and SHA-256 of `weights.bin`, and each tensor's place in it. Any problem is an
 * Error naming the directory, the file and what is wrong.
 */
export async function loadCheckpoint(dir: string): Promise<LoadedCheckpoint> {
  const manifest = await readManifestFile(dir);
  const { fsp, path, crypto } = await node();
  const file = manifest.weights.file ?? WEIGHTS;
  if (file !== path.basename(file)) fail(dir, `${MANIFEST} names a weights file outside the checkpoint: ${file}`);
  let bytes: Buffer;
  try {
    bytes = await fsp.readFile(path.join(path.resolve(dir), file));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') fail(dir, `${file} is missing`);
    throw e;
  }
  if (bytes.byteLength !== manifest.weights.byteLength) {
    fail(
      dir,
      `${file} is ${bytes.byteLength} bytes but ${MANIFEST} says ${manifest.weights.byteLength} (file ${bytes.byteLength < manifest.weights.byteLength ? 'truncated' : 'altered'})`,
    );
  }
  if (sha256(crypto, bytes) !== manifest.weights.sha256) fail(dir, `${file} SHA-256 mismatch (file altered or truncated)`);

  const tensors: Record<string, CheckpointTensor> = {};
  for (const e of manifest.tensors) {
    const label = `tensor "${e?.name}" in ${MANIFEST}`;
    if (!e || typeof e.name !== 'string') fail(dir, `${MANIFEST} has a tensor entry without a name`);
    if (!isDtype(e.dtype)) fail(dir, `${label} has unsupported dtype ${JSON.stringify(e.dtype)}`);
    if (!validShape(e.shape)) fail(dir, `${label} has an invalid shape ${JSON.stringify(e.shape)}`);
    if (
      !Number.isInteger(e.byteOffset) ||
      !Number.isInteger(e.byteLength) ||
      e.byteOffset < 0 ||
      e.byteOffset + e.byteLength > bytes.byteLength ||
      e.byteLength !== shapeSize(e.shape) * DTYPES[e.dtype].bytes
    ) {
      fail(dir, `${label} has an inconsistent byte range [${e.byteOffset}, +${e.byteLength}) for shape [${e.shape.join(', ')}]`);
    }
    if (Object.hasOwn(tensors, e.name)) fail(dir, `${MANIFEST} lists tensor "${e.name}" twice`);
    tensors[e.name] = {
      dtype: e.dtype,
      shape: [...e.shape],
      data: bytesToTensorData(bytes.subarray(e.byteOffset, e.byteOffset + e.byteLength), e.dtype),
    };
  }
  return { manifest, tensors };
}
