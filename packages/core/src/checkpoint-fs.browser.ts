/**
 * The browser build's stand-in for `checkpoint-fs.ts`: a browser has no checkpoint directories.
 * `saveCheckpoint` / `loadCheckpoint` (and `Algorithm.save` / `load`) take a `CheckpointStore`
 * there, e.g. a `MemoryCheckpoint`, whose `toArchive()` bytes can be downloaded.
 */
import type { CheckpointManifest, CheckpointTensor, EncodedCheckpoint } from './checkpoint-format';

function noDirectories(where: string): Error {
  return new Error(
    `${where}: checkpoint directories need Node.js file system access, which a browser does not have; ` +
      'pass a CheckpointStore instead of a path (new IndexedDbCheckpoint(name) to keep it in the browser, or new MemoryCheckpoint(), whose toArchive() bytes can be downloaded and ' +
      'loaded again with MemoryCheckpoint.fromArchive)',
  );
}

export async function writeCheckpointDir(_dir: string, _encoded: EncodedCheckpoint, where: string): Promise<void> {
  throw noDirectories(where);
}

export async function readCheckpointDir(
  dir: string,
  _withWeights: boolean,
): Promise<{ manifest: CheckpointManifest; tensors: Record<string, CheckpointTensor> | null }> {
  throw noDirectories(`loadCheckpoint ${dir}`);
}
