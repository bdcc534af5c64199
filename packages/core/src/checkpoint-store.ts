/**
 * Where a checkpoint's files go besides a directory: a {@link CheckpointStore} holds the same
 * files (`manifest.json`, `weights.bin`) as bytes. {@link MemoryCheckpoint} keeps them in memory
 * and turns them into one archive (a plain tar of the checkpoint directory) for a download, and
 * back from an uploaded one. `saveCheckpoint`, `loadCheckpoint` and `Algorithm.save` / `load`
 * take a store wherever they take a directory, in Node and in a browser.
 */
import { CHECKPOINT_MANIFEST, CheckpointError, type CheckpointFiles } from './checkpoint-format';

/** A place that keeps one checkpoint's files. */
export interface CheckpointStore {
  /** Names the checkpoint in errors (e.g. `memory`, `indexeddb://cartpole-ppo`). */
  readonly label: string;
  /** Replace the stored checkpoint with `files`, as a whole. */
  write(files: CheckpointFiles): Promise<void>;
  /** The stored files (the manifest and the weights it names); rejects when there is no checkpoint. */
  read(): Promise<CheckpointFiles>;
}

/** A checkpoint directory (a path; Node only) or a {@link CheckpointStore}. */
export type CheckpointTarget = string | CheckpointStore;

/** How errors name a checkpoint target. */
export function checkpointLabel(target: CheckpointTarget): string {
  return typeof target === 'string' ? target : target.label;
}

/**
 * A checkpoint kept in memory: `await agent.save(mem)`, then `mem.toArchive()` for a file to
 * download, and `PPO.load(MemoryCheckpoint.fromArchive(bytes), {env})` to load it again. The
 * archive is a tar of the checkpoint directory, so `tar -xf` gives a directory that
 * `loadCheckpoint(dir)` reads in Node.
 */
export class MemoryCheckpoint implements CheckpointStore {
  /** The files, once written (or given). */
  files: CheckpointFiles | undefined;

  constructor(
    readonly label = 'memory',
    files?: CheckpointFiles,
  ) {
    this.files = files === undefined ? undefined : { ...files };
  }

  /** A store holding the checkpoint in `archive` (what {@link toArchive} returns, or a tar of a checkpoint directory). */
  static fromArchive(archive: Uint8Array | ArrayBuffer, label = 'archive'): MemoryCheckpoint {
    return new MemoryCheckpoint(label, unpackCheckpoint(archive, label));
  }

  async write(files: CheckpointFiles): Promise<void> {
    this.files = { ...files };
  }

  async read(): Promise<CheckpointFiles> {
    if (!this.files) throw new CheckpointError(this.label, 'nothing has been saved here yet');
    return this.files;
  }

  /** The checkpoint as one tar archive (see {@link packCheckpoint}). */
  toArchive(name = 'checkpoint'): Uint8Array {
    if (!this.files) throw new CheckpointError(this.label, 'nothing has been saved here yet');
    return packCheckpoint(this.files, name);
  }

  toString(): string {
    return this.label;
  }
}

// ------------------------------------------------------------------------------- tar (ustar)

const BLOCK = 512;

function writeString(block: Uint8Array, offset: number, length: number, s: string): void {
  const bytes = new TextEncoder().encode(s);
  block.set(bytes.subarray(0, length), offset);
}

function writeOctal(block: Uint8Array, offset: number, length: number, value: number): void {
  writeString(block, offset, length, `${value.toString(8).padStart(length - 1, '0')}\0`);
}

function readString(block: Uint8Array, offset: number, length: number): string {
  const field = block.subarray(offset, offset + length);
  const end = field.indexOf(0);
  return new TextDecoder().decode(end < 0 ? field : field.subarray(0, end));
}

function checksum(block: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : (block[i] as number);
  return sum;
}

/**
 * One tar (POSIX ustar) archive of a checkpoint's files, inside a directory `name`: the form for a
 * download, which `tar -xf` turns back into a checkpoint directory.
 */
export function packCheckpoint(files: CheckpointFiles, name = 'checkpoint'): Uint8Array {
  if (!/^[\w.-]{1,80}$/.test(name) || name === '.' || name === '..') {
    throw new Error(`packCheckpoint: the directory name must be 1-80 letters, digits, '.', '_' or '-', got ${JSON.stringify(name)}`);
  }
  const entries = Object.entries(files);
  let size = 2 * BLOCK;
  for (const [, bytes] of entries) size += BLOCK + Math.ceil(bytes.byteLength / BLOCK) * BLOCK;
  const out = new Uint8Array(size);
  const mtime = Math.floor(Date.now() / 1000);
  let pos = 0;
  for (const [file, bytes] of entries) {
    if (!/^[\w.-]{1,80}$/.test(file)) throw new Error(`packCheckpoint: unexpected file name ${JSON.stringify(file)}`);
    const header = out.subarray(pos, pos + BLOCK);
    writeString(header, 0, 100, `${name}/${file}`);
    writeOctal(header, 100, 8, 0o644);
    writeOctal(header, 108, 8, 0);
    writeOctal(header, 116, 8, 0);
    writeOctal(header, 124, 12, bytes.byteLength);
    writeOctal(header, 136, 12, mtime);
    header[156] = 0x30; // '0': a regular file
    writeString(header, 257, 6, 'ustar');
    writeString(header, 263, 2, '00');
    writeString(header, 148, 8, `${checksum(header).toString(8).padStart(6, '0')}\0 `);
    out.set(bytes, pos + BLOCK);
    pos += BLOCK + Math.ceil(bytes.byteLength / BLOCK) * BLOCK;
  }
  return out;
}

/**
 * The checkpoint files in a tar archive ({@link packCheckpoint}'s, or `tar -cf` of a checkpoint
 * directory): the regular files of its top directory (or of its root), by name.
 */
export function unpackCheckpoint(archive: Uint8Array | ArrayBuffer, label = 'archive'): CheckpointFiles {
  const bytes = archive instanceof Uint8Array ? archive : new Uint8Array(archive);
  const files: CheckpointFiles = {};
  let pos = 0;
  while (pos + BLOCK <= bytes.length) {
    const header = bytes.subarray(pos, pos + BLOCK);
    if (header.every((b) => b === 0)) break;
    const stored = Number.parseInt(readString(header, 148, 8).trim() || 'x', 8);
    if (stored !== checksum(header)) {
      throw new CheckpointError(label, `is not a tar archive of a checkpoint (bad header checksum at byte ${pos})`);
    }
    const prefix = readString(header, 345, 155);
    const path = (prefix ? `${prefix}/` : '') + readString(header, 0, 100);
    const size = Number.parseInt(readString(header, 124, 12).trim() || '0', 8);
    const type = header[156];
    if (!Number.isSafeInteger(size) || size < 0 || pos + BLOCK + size > bytes.length) {
      throw new CheckpointError(label, `is truncated (entry ${path} needs ${size} bytes)`);
    }
    if (type === 0x30 || type === 0) {
      const parts = path.replace(/^\.\//, '').split('/');
      if (parts.length <= 2) files[parts[parts.length - 1] as string] = bytes.slice(pos + BLOCK, pos + BLOCK + size);
    }
    pos += BLOCK + Math.ceil(size / BLOCK) * BLOCK;
  }
  if (!files[CHECKPOINT_MANIFEST]) throw new CheckpointError(label, `holds no ${CHECKPOINT_MANIFEST} (not a tfrl checkpoint archive?)`);
  return files;
}
