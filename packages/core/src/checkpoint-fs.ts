/**
 * Checkpoint directories on the Node file system: the files {@link encodeCheckpoint} builds,
 * written atomically, and read back through the same decoders as every other store. The browser
 * build replaces this module with `checkpoint-fs.browser.ts`.
 *
 * Saving writes a sibling temp directory, fsyncs it and swaps it in by renames, so a crash
 * or a failed write never leaves a half-written checkpoint in place of a good one. A crash
 * between the renames leaves the checkpoint beside its path (`<dir>.tmp-*` / `<dir>.old-*`);
 * loading recovers it from there (see `loadCheckpoint`).
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  CHECKPOINT_MANIFEST as MANIFEST,
  CHECKPOINT_WEIGHTS as WEIGHTS,
  CheckpointError,
  type CheckpointManifest,
  type CheckpointTensor,
  type EncodedCheckpoint,
  checkpointWeightsFile,
  decodeCheckpointManifest,
  decodeCheckpointWeights,
} from './checkpoint-format';

const fsp = fs.promises;

/**
 * Test-only fault injection, used by `checkpoint-crash.test.ts`; never set it anywhere else.
 * With `TFRL_CHECKPOINT_CRASH_AT=<n>` (n >= 1) in the environment, {@link writeCheckpointDir} kills
 * its own process with SIGKILL (no cleanup, no `finally`, nothing flushed) right before its n-th
 * file-system step, after printing `tfrl checkpoint: test crash before step <n> (<step>)` to
 * stderr. The steps are counted per call; a save with fewer steps completes normally.
 */
const CHECKPOINT_CRASH_ENV = 'TFRL_CHECKPOINT_CRASH_AT';

type CrashPoint = (step: string) => void;

function crashHook(): CrashPoint {
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

async function writeFileSynced(file: string, data: Uint8Array, crash: CrashPoint): Promise<void> {
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
async function syncDir(dir: string): Promise<void> {
  let fh: fs.promises.FileHandle | undefined;
  try {
    fh = await fsp.open(dir, 'r');
    await fh.sync();
  } catch {
    // Windows and some file systems cannot fsync a directory; the rename is still atomic.
  } finally {
    await fh?.close().catch(() => {});
  }
}

async function statOrNull(p: string) {
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
  const parent = path.dirname(target);
  const prefix = `${path.basename(target)}.`;
  let entries: fs.Dirent[];
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
async function manifestShaAt(abs: string): Promise<string | null> {
  try {
    const m = JSON.parse(await fsp.readFile(path.join(abs, MANIFEST), 'utf8'));
    return typeof m?.manifestSha256 === 'string' ? m.manifestSha256 : null;
  } catch {
    return null;
  }
}

/**
 * Write an encoded checkpoint to directory `dir` atomically (see `saveCheckpoint`); errors start
 * with `where`. The files are written in `<dir>.tmp-<pid>-<hex>`, fsynced and swapped in by renames.
 */
export async function writeCheckpointDir(dir: string, { manifest, files }: EncodedCheckpoint, where: string): Promise<void> {
  const target = path.resolve(dir);
  const crash = crashHook();

  const existing = await statOrNull(target);
  if (existing) {
    if (!existing.isDirectory()) throw new Error(`${where}: ${dir} exists and is not a directory`);
    const names = await fsp.readdir(target);
    if (names.length > 0 && !names.includes(MANIFEST)) {
      throw new Error(`${where}: ${dir} is a non-empty directory without ${MANIFEST}; refusing to replace it`);
    }
  }

  const parent = path.dirname(target);
  const base = path.basename(target);
  const suffix = `${process.pid}-${randomBytes(4).toString('hex')}`;
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
      // The weights first and the manifest last: a directory with a manifest is complete.
      const names = Object.keys(files).sort((a, b) => (a === MANIFEST ? 1 : 0) - (b === MANIFEST ? 1 : 0));
      for (const name of names) await writeFileSynced(path.join(tmp, name), files[name] as Uint8Array, crash);
      crash(`fsync ${base}.tmp-${suffix}`);
      await syncDir(tmp);
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
        !(await statOrNull(tmp)) &&
        (await manifestShaAt(target)) === manifest.manifestSha256;
      if (!adopted) {
        if (movedOld) await fsp.rename(old, target).catch(() => {});
        await fsp.rm(tmp, { recursive: true, force: true }).catch(() => {});
        throw new Error(`${where}: could not move the new checkpoint into place: ${(e as Error).message}`);
      }
    }
    crash(`fsync ${path.basename(parent) || parent}`);
    await syncDir(parent);
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
}

function fail(dir: string, msg: string): never {
  throw new CheckpointError(dir, msg);
}

/** Read and verify `<abs>/manifest.json` (format, version, checksum, required fields). */
async function readManifestAt(label: string, abs: string): Promise<CheckpointManifest> {
  let bytes: Uint8Array;
  try {
    bytes = await fsp.readFile(path.join(abs, MANIFEST));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') fail(label, `${MANIFEST} is missing (not a tfrl checkpoint?)`);
    throw e;
  }
  return decodeCheckpointManifest(bytes, label);
}

/** Read `<abs>/weights.bin`, check its size and SHA-256 against `manifest` and decode the tensors. */
async function readTensorsAt(label: string, abs: string, manifest: CheckpointManifest): Promise<Record<string, CheckpointTensor>> {
  const file = checkpointWeightsFile(manifest, label);
  let bytes: Uint8Array;
  try {
    bytes = await fsp.readFile(path.join(abs, file));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') fail(label, `${file} is missing`);
    throw e;
  }
  return decodeCheckpointWeights(bytes, manifest, label);
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
 * incomplete (see `loadCheckpoint`). `withWeights` false: only the manifest of `dir` itself
 * is verified (recovered copies are always verified completely).
 */
export async function readCheckpointDir(dir: string, withWeights: boolean): Promise<Opened> {
  const target = path.resolve(dir);
  const parent = path.dirname(target);
  for (let attempt = 1; ; attempt++) {
    const st = await statOrNull(target);
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
        await fsp.rename(target, `${target}.corrupt-${process.pid}-${randomBytes(4).toString('hex')}`);
      }
      await fsp.rename(chosen.abs, target);
    } catch (e) {
      // Another process changed the directory at the same time (recovered or saved it): look again.
      if (attempt < 3) continue;
      throw new CheckpointError(dir, `${problem}; could not move the complete copy ${chosen.label} into place: ${(e as Error).message}`);
    }
    await syncDir(parent);
    await removeLeftovers(dir, target, () => {});
    return { manifest: chosen.manifest, tensors: withWeights ? chosen.tensors : null };
  }
}
