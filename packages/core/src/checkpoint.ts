/**
 * The tfrl checkpoint format (see `checkpoint-format.ts` for its two files) and where it goes: a
 * directory (Node: written atomically and recovered after a crash, see `checkpoint-fs.ts`) or any
 * {@link CheckpointStore} (in memory, or IndexedDB in a browser), which holds the same bytes. The checksums
 * and checks are the same for every target, on every TensorFlow.js backend, in Node and in a browser.
 */
import {
  type CheckpointData,
  type CheckpointManifest,
  type LoadedCheckpoint,
  decodeCheckpoint,
  decodeCheckpointManifest,
  encodeCheckpoint,
  CHECKPOINT_MANIFEST,
  CheckpointError,
} from './checkpoint-format';
import { readCheckpointDir, writeCheckpointDir } from './checkpoint-fs';
import { type CheckpointTarget, checkpointLabel } from './checkpoint-store';

export {
  CHECKPOINT_FORMAT,
  CHECKPOINT_FORMAT_VERSION,
  type CheckpointCounters,
  type CheckpointData,
  type CheckpointDtype,
  type CheckpointFiles,
  type CheckpointManifest,
  type CheckpointTensor,
  type CheckpointTensorEntry,
  type EncodedCheckpoint,
  type LoadedCheckpoint,
  canonicalJson,
  decodeCheckpoint,
  decodeCheckpointManifest,
  encodeCheckpoint,
} from './checkpoint-format';
export {
  type CheckpointStore,
  type CheckpointTarget,
  MemoryCheckpoint,
  checkpointLabel,
  packCheckpoint,
  unpackCheckpoint,
} from './checkpoint-store';

/**
 * Write a checkpoint to directory `dir` (Node) or to a {@link CheckpointStore}.
 *
 * A directory is written atomically: an existing checkpoint at `dir` is replaced only once the new
 * one is completely on disk; if anything fails, it is left as it was. Refuses to replace a
 * directory that is not a checkpoint (no `manifest.json`, not empty). The new checkpoint is written
 * and fsynced in `<dir>.tmp-<pid>-<hex>`; the previous one is moved to `<dir>.old-<pid>-<hex>`, the
 * new one renamed to `<dir>`, and the old one removed. A crash between the two renames leaves no
 * `<dir>`: {@link loadCheckpoint} then recovers the complete copy. After a successful save,
 * leftovers of earlier interrupted saves of `dir` are removed.
 */
export async function saveCheckpoint(target: CheckpointTarget, data: CheckpointData): Promise<CheckpointManifest> {
  const where = `saveCheckpoint ${checkpointLabel(target)}`;
  // Built in memory first: a bad tensor fails before anything is written.
  const encoded = encodeCheckpoint(data, where);
  if (typeof target === 'string') await writeCheckpointDir(target, encoded, where);
  else await target.write(encoded.files);
  return encoded.manifest;
}

/** The files of a store, failing with the checkpoint's name. */
async function readStore(target: Exclude<CheckpointTarget, string>) {
  try {
    return await target.read();
  } catch (e) {
    if (e instanceof CheckpointError) throw e;
    throw new CheckpointError(target.label, `cannot be read: ${(e as Error).message}`);
  }
}

/**
 * Read and verify only `manifest.json` (format, version, manifest checksum). Recovers an
 * interrupted save of a directory like {@link loadCheckpoint}.
 */
export async function readCheckpointManifest(target: CheckpointTarget): Promise<CheckpointManifest> {
  if (typeof target === 'string') return (await readCheckpointDir(target, false)).manifest;
  const bytes = (await readStore(target))[CHECKPOINT_MANIFEST];
  if (!bytes) throw new CheckpointError(target.label, `${CHECKPOINT_MANIFEST} is missing (not a tfrl checkpoint?)`);
  return decodeCheckpointManifest(bytes, target.label);
}

/**
 * Read a checkpoint and verify it completely: JSON, format version, the manifest checksum,
 * the size and SHA-256 of `weights.bin`, and each tensor's place in it. Any problem is an
 * Error naming the directory (or store), the file and what is wrong.
 *
 * Recovery (directories): when `dir` is missing, or is a directory holding nothing but an
 * incomplete or damaged `manifest.json`/`weights.bin`, the sibling directories
 * `<dir>.tmp-<pid>-<hex>` and `<dir>.old-<pid>-<hex>` left by an interrupted save are verified
 * completely; the newest complete one (a temp copy before an old one) is renamed to `dir` and
 * loaded, and the other leftovers are removed. A damaged `dir` is kept as
 * `<dir>.corrupt-<pid>-<hex>`. A copy failing its checksums is never used; if none is complete,
 * the error says what was found.
 */
export async function loadCheckpoint(target: CheckpointTarget): Promise<LoadedCheckpoint> {
  if (typeof target !== 'string') return decodeCheckpoint(await readStore(target), target.label);
  const { manifest, tensors } = await readCheckpointDir(target, true);
  return { manifest, tensors: tensors ?? {} };
}
