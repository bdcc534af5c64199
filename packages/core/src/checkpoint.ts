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
 * or a failed write never leaves a half-written checkpoint in place of a good one. A crash
 * between the renames leaves the checkpoint beside its path (`<dir>.tmp-*` / `<dir>.old-*`);
 * loading recovers it from there (see `loadCheckpoint`).
 * Plain Node `fs` only: readable on every TensorFlow.js backend.
 */
import type { RngState } from './rng';

// Node built-ins are loaded on first use, so importing @tfrl/core stays possible in a browser
// bundle (where saving/loading checkpoints is simply unavailable).
type NodeMods = {
  fs: typeof import('node:fs');
  fsp: typeof import('node:fs').promises;
  path: typeof import('node:path');
  crypto: typeof import('node:crypto');
};
let nodeMods: NodeMods | null = null;
async function node(): Promise<NodeMods> {
  if (!nodeMods) {
    try {
      const [fs, path, crypto] = await Promise.all([import('node:fs'), import('node:path'), import('node:crypto')]);
      nodeMods = { fs, fsp: fs.promises, path, crypto };
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

/**
 * Test-only fault injection, used by `checkpoint-crash.test.ts`; never set it anywhere else.
 * With `TFRL_CHECKPOINT_CRASH_AT=<n>` (n >= 1) in the environment, {@link saveCheckpoint} kills
 * its own process with SIGKILL (no cleanup, no `finally`, nothing flushed) right before its n-th
 * file-system step, after printing `tfrl checkpoint: test crash before step <n> (<step>)` to
 * stderr. The steps are counted per call; a save with fewer steps completes normally.
 */
const CHECKPOINT_CRASH_ENV = 'TFRL_CHECKPOINT_CRASH_AT';

type CrashPoint = (step: string) => void;

function crashHook(fs: NodeMods['fs']): CrashPoint {
  const raw = process.env[CHECKPOINT_CRASH_ENV];
  if (raw === undefined || raw === '') return () => {};
  const at = Number(raw);
  if (!Number.isInteger(at) || at < 1) throw new Error(`${CHECKPOINT_CRASH_ENV} must be a positive integer, got ${JSON.stringify(raw)}`);
  let n = 0;
  return (step) => {
    n++;
    if (n !== at) return;
    fs.writeSync(2, `tfrl checkpoint: test crash before step ${n} (${step})\n`);
    process.kill(process.pid, 'SIGKILL');
    process.exit(137); // not reached: SIGKILL cannot be caught
  };
}

async function writeFileSynced(fsp: NodeMods['fsp'], file: string, data: Uint8Array | string, crash: CrashPoint): Promise<void> {
  const name = file.slice(file.search(/[^/\\]*$/));
  crash(`create ${name}`);
  const fh = await fsp.open(file, 'wx');
  try {
    crash(`write ${name}`);
    await fh.writeFile(data);
    crash(`fsync ${name}`);
    await fh.sync();
  } finally {
    crash(`close ${name}`);
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

// ---------------------------------------------------------------------------------------------
// Leftovers of interrupted saves. A save of `<dir>` works in `<dir>.tmp-<pid>-<hex>` and moves the
// checkpoint it replaces to `<dir>.old-<pid>-<hex>`; a crash can leave either behind. Only names of
// exactly that shape (for the same `<dir>` basename) are ever treated as leftovers.

const LEFTOVER_SUFFIX = /^(tmp|old)-(\d+)-[0-9a-f]+$/;

interface Leftover {
  /** Directory entry name, e.g. `model.tmp-123-0a1b2c3d`. */
  name: string;
  /** Absolute path. */
  abs: string;
  /** How errors refer to it (beside the `dir` the caller passed). */
  label: string;
  kind: 'tmp' | 'old';
  pid: number;
}

/** Paths of temp/old directories of saves running in this process (so cleanup leaves them alone). */
const activeSaves = new Set<string>();

/** The `<dir>.tmp-*` / `<dir>.old-*` sibling directories of checkpoint `dir` (absolute: `target`). */
async function listLeftovers(dir: string, target: string): Promise<Leftover[]> {
  const { fsp, path } = await node();
  const parent = path.dirname(target);
  const prefix = `${path.basename(target)}.`;
  let entries: import('node:fs').Dirent[];
  try {
    entries = await fsp.readdir(parent, { withFileTypes: true });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR') return [];
    throw e;
  }
  const out: Leftover[] = [];
  for (const e of entries) {
    if (!e.isDirectory() || !e.name.startsWith(prefix)) continue;
    const m = LEFTOVER_SUFFIX.exec(e.name.slice(prefix.length));
    if (!m) continue;
    out.push({
      name: e.name,
      abs: path.join(parent, e.name),
      label: path.join(path.dirname(dir), e.name),
      kind: m[1] as 'tmp' | 'old',
      pid: Number(m[2]),
    });
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Whether the leftover may belong to a save still running (in this process or another live one). */
function maybeInProgress(l: Leftover): boolean {
  if (l.pid === process.pid) return activeSaves.has(l.abs);
  if (!Number.isSafeInteger(l.pid) || l.pid <= 0) return false;
  try {
    process.kill(l.pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Remove the leftovers of interrupted saves of `target`, except directories a save still running
 * in a live process may be using. Best effort: a failure leaves the leftover.
 */
async function removeLeftovers(dir: string, target: string, crash: CrashPoint): Promise<void> {
  const { fsp } = await node();
  let leftovers: Leftover[];
  try {
    leftovers = await listLeftovers(dir, target);
  } catch {
    return;
  }
  for (const l of leftovers) {
    if (maybeInProgress(l)) continue;
    crash(`remove leftover ${l.name}`);
    await fsp.rm(l.abs, { recursive: true, force: true }).catch(() => {});
  }
}

/** The `manifestSha256` recorded in `<abs>/manifest.json`, or null if unreadable. */
async function manifestShaAt(fsp: NodeMods['fsp'], path: NodeMods['path'], abs: string): Promise<string | null> {
  try {
    const m = JSON.parse(await fsp.readFile(path.join(abs, MANIFEST), 'utf8'));
    return typeof m?.manifestSha256 === 'string' ? m.manifestSha256 : null;
  } catch {
    return null;
  }
}

/**
 * Write a checkpoint to directory `dir` atomically. An existing checkpoint at `dir` is
 * replaced only once the new one is completely on disk; if anything fails, it is left as it
 * was. Refuses to replace a directory that is not a checkpoint (no `manifest.json`, not empty).
 *
 * The new checkpoint is written and fsynced in `<dir>.tmp-<pid>-<hex>`; the previous one is moved
 * to `<dir>.old-<pid>-<hex>`, the new one renamed to `<dir>`, and the old one removed. A crash
 * between the two renames leaves no `<dir>`: {@link loadCheckpoint} then recovers the complete
 * copy. After a successful save, leftovers of earlier interrupted saves of `dir` are removed.
 */
export async function saveCheckpoint(dir: string, data: CheckpointData): Promise<CheckpointManifest> {
  const where = `saveCheckpoint ${dir}`;
  const { fs, fsp, path, crypto } = await node();
  if (typeof data.algorithm !== 'string' || data.algorithm === '') {
    throw new Error(`${where}: "algorithm" must be a non-empty string`);
  }
  const target = path.resolve(dir);
  const crash = crashHook(fs);

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
  const base = path.basename(target);
  const suffix = `${process.pid}-${crypto.randomBytes(4).toString('hex')}`;
  const tmp = `${target}.tmp-${suffix}`;
  const old = `${target}.old-${suffix}`;
  activeSaves.add(tmp);
  activeSaves.add(old);
  try {
    try {
      crash('create parent directory');
      await fsp.mkdir(parent, { recursive: true });
      crash(`create ${base}.tmp-${suffix}`);
      await fsp.mkdir(tmp);
      await writeFileSynced(fsp, path.join(tmp, WEIGHTS), weights, crash);
      await writeFileSynced(fsp, path.join(tmp, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`, crash);
      crash(`fsync ${base}.tmp-${suffix}`);
      await syncDir(fsp, tmp);
    } catch (e) {
      await fsp.rm(tmp, { recursive: true, force: true }).catch(() => {});
      throw new Error(`${where}: writing failed, previous checkpoint (if any) left intact: ${(e as Error).message}`);
    }

    let movedOld = false;
    try {
      if (existing) {
        crash(`rename ${base} to ${base}.old-${suffix}`);
        await fsp.rename(target, old);
        movedOld = true;
      }
      crash(`rename ${base}.tmp-${suffix} to ${base}`);
      await fsp.rename(tmp, target);
    } catch (e) {
      // A loadCheckpoint in another process may have found <dir> missing between our renames and
      // moved our (complete) temp directory into place itself: then the save did succeed.
      const adopted =
        (e as NodeJS.ErrnoException).code === 'ENOENT' &&
        !(await statOrNull(fsp, tmp)) &&
        (await manifestShaAt(fsp, path, target)) === manifest.manifestSha256;
      if (!adopted) {
        if (movedOld) await fsp.rename(old, target).catch(() => {});
        await fsp.rm(tmp, { recursive: true, force: true }).catch(() => {});
        throw new Error(`${where}: could not move the new checkpoint into place: ${(e as Error).message}`);
      }
    }
    crash(`fsync ${path.basename(parent) || parent}`);
    await syncDir(fsp, parent);
    if (movedOld) {
      // Invalidate the old copy first (no manifest, never recovered), then delete it.
      crash(`remove ${base}.old-${suffix}/${MANIFEST}`);
      await fsp.rm(path.join(old, MANIFEST), { force: true }).catch(() => {});
      crash(`remove ${base}.old-${suffix}`);
      await fsp.rm(old, { recursive: true, force: true }).catch(() => {});
    }
  } finally {
    activeSaves.delete(tmp);
    activeSaves.delete(old);
  }
  await removeLeftovers(dir, target, crash);
  return manifest;
}

/** A problem with one checkpoint directory; `problem` is the message without the directory. */
class CheckpointError extends Error {
  constructor(
    readonly dir: string,
    readonly problem: string,
  ) {
    super(`checkpoint ${dir}: ${problem}`);
  }
}

function fail(dir: string, msg: string): never {
  throw new CheckpointError(dir, msg);
}

/** Read and verify `<abs>/manifest.json` (format, version, checksum, required fields). */
async function readManifestAt(label: string, abs: string): Promise<CheckpointManifest> {
  const { fsp, path, crypto } = await node();
  let text: string;
  try {
    text = await fsp.readFile(path.join(abs, MANIFEST), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') fail(label, `${MANIFEST} is missing (not a tfrl checkpoint?)`);
    throw e;
  }
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
  if (typeof manifestSha256 !== 'string' || sha256(crypto, canonicalJson(body)) !== manifestSha256) {
    fail(label, `${MANIFEST} SHA-256 mismatch (file altered)`);
  }
  if (typeof m.algorithm !== 'string') fail(label, `${MANIFEST} has no algorithm name`);
  if (!Array.isArray(m.tensors)) fail(label, `${MANIFEST} has no tensor table`);
  if (!m.weights || typeof m.weights.sha256 !== 'string' || !Number.isInteger(m.weights.byteLength)) {
    fail(label, `${MANIFEST} has no valid "weights" entry`);
  }
  return m;
}

/** Read `<abs>/weights.bin`, check its size and SHA-256 against `manifest` and decode the tensors. */
async function readTensorsAt(label: string, abs: string, manifest: CheckpointManifest): Promise<Record<string, CheckpointTensor>> {
  const { fsp, path, crypto } = await node();
  const file = manifest.weights.file ?? WEIGHTS;
  if (typeof file !== 'string' || file !== path.basename(file)) {
    fail(label, `${MANIFEST} names a weights file outside the checkpoint: ${file}`);
  }
  let bytes: Buffer;
  try {
    bytes = await fsp.readFile(path.join(abs, file));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') fail(label, `${file} is missing`);
    throw e;
  }
  if (bytes.byteLength !== manifest.weights.byteLength) {
    fail(
      label,
      `${file} is ${bytes.byteLength} bytes but ${MANIFEST} says ${manifest.weights.byteLength} (file ${bytes.byteLength < manifest.weights.byteLength ? 'truncated' : 'altered'})`,
    );
  }
  if (sha256(crypto, bytes) !== manifest.weights.sha256) fail(label, `${file} SHA-256 mismatch (file altered or truncated)`);

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

interface Opened {
  manifest: CheckpointManifest;
  /** Null when only the manifest was asked for. */
  tensors: Record<string, CheckpointTensor> | null;
}

async function verifyAt(label: string, abs: string, withWeights: boolean): Promise<Opened> {
  const manifest = await readManifestAt(label, abs);
  return { manifest, tensors: withWeights ? await readTensorsAt(label, abs, manifest) : null };
}

function problemOf(e: unknown): string {
  return e instanceof CheckpointError ? e.problem : (e as Error).message;
}

/**
 * Look for a complete copy among the leftovers of interrupted saves of `target`: each is verified
 * completely (manifest and weights checksums); a complete temp directory is newer than an old one,
 * and among equals the later `createdAt` wins. Returns the first complete one, and the problems of
 * those rejected on the way.
 */
async function findRecoverable(dir: string, target: string): Promise<{ chosen: (Leftover & Opened) | null; rejected: string[] }> {
  const leftovers = await listLeftovers(dir, target);
  const rejected: string[] = [];
  const manifests: { l: Leftover; createdAt: string }[] = [];
  for (const l of leftovers) {
    try {
      const m = await readManifestAt(l.label, l.abs);
      manifests.push({ l, createdAt: typeof m.createdAt === 'string' ? m.createdAt : '' });
    } catch (e) {
      rejected.push(`${l.label} (${problemOf(e)})`);
    }
  }
  manifests.sort((a, b) => {
    if (a.l.kind !== b.l.kind) return a.l.kind === 'tmp' ? -1 : 1;
    return a.createdAt > b.createdAt ? -1 : a.createdAt < b.createdAt ? 1 : 0;
  });
  for (const { l } of manifests) {
    try {
      return { chosen: { ...l, ...(await verifyAt(l.label, l.abs, true)) }, rejected };
    } catch (e) {
      rejected.push(`${l.label} (${problemOf(e)})`);
    }
  }
  return { chosen: null, rejected };
}

/**
 * Open the checkpoint at `dir`, recovering it from an interrupted save when `dir` is missing or
 * incomplete (see {@link loadCheckpoint}). `withWeights` false: only the manifest of `dir` itself
 * is verified (recovered copies are always verified completely).
 */
async function openCheckpoint(dir: string, withWeights: boolean): Promise<Opened> {
  const { fsp, path, crypto } = await node();
  const target = path.resolve(dir);
  const parent = path.dirname(target);
  for (let attempt = 1; ; attempt++) {
    const st = await statOrNull(fsp, target);
    let problem = 'directory not found';
    let contents: string[] = [];
    if (st) {
      if (!st.isDirectory()) fail(dir, 'is not a directory');
      let error: unknown;
      try {
        return await verifyAt(dir, target, withWeights);
      } catch (e) {
        error = e;
      }
      // Read it again: a save in another process may have swapped the directory while we read.
      try {
        return await verifyAt(dir, target, withWeights);
      } catch (e) {
        if (!(e instanceof CheckpointError)) throw e;
        error = e;
      }
      problem = problemOf(error);
      contents = (await fsp.readdir(target).catch(() => null)) ?? [];
      if (contents.some((n) => n !== MANIFEST && n !== WEIGHTS)) {
        // Not just checkpoint files: not ours to replace. Point at complete copies, if any.
        const { chosen } = await findRecoverable(dir, target);
        throw new CheckpointError(dir, chosen ? `${problem} (a complete copy from an interrupted save is at ${chosen.label})` : problem);
      }
    }

    const { chosen, rejected } = await findRecoverable(dir, target);
    if (!chosen) {
      throw new CheckpointError(
        dir,
        rejected.length ? `${problem}; no complete copy to recover from an interrupted save: found ${rejected.join(', ')}` : problem,
      );
    }
    try {
      if (st && contents.length === 0) {
        await fsp.rmdir(target);
      } else if (st) {
        // Incomplete or damaged: keep it for inspection beside the checkpoint (never removed).
        await fsp.rename(target, `${target}.corrupt-${process.pid}-${crypto.randomBytes(4).toString('hex')}`);
      }
      await fsp.rename(chosen.abs, target);
    } catch (e) {
      // Another process changed the directory at the same time (recovered or saved it): look again.
      if (attempt < 3) continue;
      throw new CheckpointError(dir, `${problem}; could not move the complete copy ${chosen.label} into place: ${(e as Error).message}`);
    }
    await syncDir(fsp, parent);
    await removeLeftovers(dir, target, () => {});
    return { manifest: chosen.manifest, tensors: withWeights ? chosen.tensors : null };
  }
}

/**
 * Read and verify only `manifest.json` (format, version, manifest checksum). Recovers an
 * interrupted save like {@link loadCheckpoint}.
 */
export async function readCheckpointManifest(dir: string): Promise<CheckpointManifest> {
  return (await openCheckpoint(dir, false)).manifest;
}

/**
 * Read a checkpoint and verify it completely: JSON, format version, the manifest checksum,
 * the size and SHA-256 of `weights.bin`, and each tensor's place in it. Any problem is an
 * Error naming the directory, the file and what is wrong.
 *
 * Recovery: when `dir` is missing, or is a directory holding nothing but an incomplete or damaged
 * `manifest.json`/`weights.bin`, the sibling directories `<dir>.tmp-<pid>-<hex>` and
 * `<dir>.old-<pid>-<hex>` left by an interrupted save are verified completely; the newest complete
 * one (a temp copy before an old one) is renamed to `dir` and loaded, and the other leftovers are
 * removed. A damaged `dir` is kept as `<dir>.corrupt-<pid>-<hex>`. A copy failing its checksums is
 * never used; if none is complete, the error says what was found.
 */
export async function loadCheckpoint(dir: string): Promise<LoadedCheckpoint> {
  const { manifest, tensors } = await openCheckpoint(dir, true);
  return { manifest, tensors: tensors ?? {} };
}
