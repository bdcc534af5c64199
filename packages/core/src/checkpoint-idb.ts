/**
 * Checkpoints in the browser's IndexedDB: `await agent.save(new IndexedDbCheckpoint('cartpole-ppo'))`
 * keeps the checkpoint's files across page reloads, and `PPO.load(new IndexedDbCheckpoint('cartpole-ppo'), {env})`
 * loads them again. Each checkpoint is one record of the object store `checkpoints` in the
 * database `tfrl-checkpoints`, keyed by its name.
 */
import { CheckpointError, type CheckpointFiles } from './checkpoint-format';
import type { CheckpointStore } from './checkpoint-store';

// The parts of the IndexedDB API used here, declared structurally: the core package builds
// without the DOM lib.

/** An IndexedDB request (`IDBRequest`). */
export interface IdbRequestLike<T> {
  readonly result: T;
  readonly error: unknown;
  onsuccess: ((event: unknown) => void) | null;
  onerror: ((event: unknown) => void) | null;
}

/** An open request (`IDBOpenDBRequest`). */
export interface IdbOpenRequestLike extends IdbRequestLike<IdbDatabaseLike> {
  onupgradeneeded: ((event: unknown) => void) | null;
}

/** An object store (`IDBObjectStore`). */
export interface IdbObjectStoreLike {
  put(value: unknown, key: string): IdbRequestLike<unknown>;
  get(key: string): IdbRequestLike<unknown>;
  delete(key: string): IdbRequestLike<unknown>;
  count(key: string): IdbRequestLike<number>;
  getAllKeys(): IdbRequestLike<unknown[]>;
}

/** A transaction (`IDBTransaction`). */
export interface IdbTransactionLike {
  readonly error: unknown;
  objectStore(name: string): IdbObjectStoreLike;
  oncomplete: ((event: unknown) => void) | null;
  onerror: ((event: unknown) => void) | null;
  onabort: ((event: unknown) => void) | null;
}

/** An open database (`IDBDatabase`). */
export interface IdbDatabaseLike {
  readonly version: number;
  readonly objectStoreNames: { contains(name: string): boolean };
  createObjectStore(name: string): unknown;
  transaction(storeName: string, mode: 'readonly' | 'readwrite'): IdbTransactionLike;
  close(): void;
  onversionchange: ((event: unknown) => void) | null;
}

/** What {@link IndexedDbCheckpoint} needs of an `IDBFactory` (the global `indexedDB`). */
export interface IdbFactoryLike {
  open(name: string, version?: number): IdbOpenRequestLike;
}

export interface IndexedDbCheckpointOptions {
  /** The database holding the checkpoints (default `'tfrl-checkpoints'`). */
  dbName?: string;
  /**
   * The IndexedDB to use (default `globalThis.indexedDB`). In Node, pass an implementation such
   * as `indexedDB` from the `fake-indexeddb` package.
   */
  indexedDB?: IdbFactoryLike;
}

/** The record stored for one checkpoint. */
interface StoredCheckpoint {
  files: CheckpointFiles;
  /** When it was written (ISO 8601). */
  savedAt: string;
}

const DEFAULT_DB = 'tfrl-checkpoints';
const STORE = 'checkpoints';
const MAX_NAME = 200;

function describeValue(value: unknown): string {
  if (typeof value === 'string') {
    return value.length > MAX_NAME ? `a string of ${value.length} characters` : JSON.stringify(value);
  }
  return value === null ? 'null' : typeof value === 'object' ? 'an object' : `${typeof value} ${String(value)}`;
}

function checkName(what: string, value: unknown): string {
  if (typeof value !== 'string' || value === '' || value.length > MAX_NAME) {
    throw new Error(
      `IndexedDbCheckpoint: ${what} must be a non-empty string of at most ${MAX_NAME} characters, got ${describeValue(value)}`,
    );
  }
  return value;
}

function resolveFactory(options: IndexedDbCheckpointOptions): IdbFactoryLike {
  const factory = options.indexedDB ?? (globalThis as { indexedDB?: IdbFactoryLike }).indexedDB;
  if (factory === undefined || factory === null || typeof factory.open !== 'function') {
    throw new Error(
      'IndexedDbCheckpoint: there is no IndexedDB here (globalThis.indexedDB is undefined, as in Node.js); pass one as the ' +
        '`indexedDB` option (e.g. `indexedDB` from the fake-indexeddb package), or save to a MemoryCheckpoint or a checkpoint directory instead',
    );
  }
  return factory;
}

function errorText(error: unknown): string {
  if (error && typeof error === 'object') {
    const e = error as { name?: unknown; message?: unknown };
    if (typeof e.message === 'string' && e.message !== '') {
      return typeof e.name === 'string' && e.name !== '' && e.name !== 'Error' ? `${e.name}: ${e.message}` : e.message;
    }
    if (typeof e.name === 'string') return e.name;
  }
  return error === undefined || error === null ? 'unknown error' : String(error);
}

function requestResult<T>(request: IdbRequestLike<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

/** Opens `dbName`, creating the checkpoints store where it is missing (a version upgrade). */
async function openDatabase(factory: IdbFactoryLike, dbName: string): Promise<IdbDatabaseLike> {
  const open = (version?: number): Promise<IdbDatabaseLike> => {
    const request = version === undefined ? factory.open(dbName) : factory.open(dbName, version);
    request.onupgradeneeded = () => {
      const db = request.result;
      if (!db.objectStoreNames.contains(STORE)) db.createObjectStore(STORE);
    };
    return requestResult(request).then((db) => {
      // Let another page upgrade the database: this connection only lives for one operation.
      db.onversionchange = () => db.close();
      return db;
    });
  };
  const db = await open();
  if (db.objectStoreNames.contains(STORE)) return db;
  const version = db.version + 1;
  db.close();
  return open(version);
}

/**
 * Runs `body` in one transaction on the checkpoints store and resolves with its result once the
 * transaction has committed; rejects with `fail(problem)`.
 */
async function inTransaction<T>(
  factory: IdbFactoryLike,
  dbName: string,
  mode: 'readonly' | 'readwrite',
  what: string,
  fail: (problem: string) => Error,
  body: (store: IdbObjectStoreLike) => IdbRequestLike<T>,
): Promise<T> {
  let db: IdbDatabaseLike | undefined;
  try {
    db = await openDatabase(factory, dbName);
    const tx = db.transaction(STORE, mode);
    const request = body(tx.objectStore(STORE));
    return await new Promise<T>((resolve, reject) => {
      tx.oncomplete = () => resolve(request.result);
      tx.onerror = () => reject(tx.error ?? request.error);
      tx.onabort = () => reject(tx.error ?? request.error ?? new Error('the transaction was aborted'));
    });
  } catch (e) {
    throw fail(`IndexedDB could not ${what} (database ${JSON.stringify(dbName)}): ${errorText(e)}`);
  } finally {
    db?.close();
  }
}

/** A copy of `bytes` that owns its whole buffer (IndexedDB stores a view's entire buffer). */
function compact(bytes: Uint8Array): Uint8Array {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice();
}

/**
 * A checkpoint kept in IndexedDB under `name`: `await agent.save(new IndexedDbCheckpoint('cartpole-ppo'))`,
 * then `PPO.load(new IndexedDbCheckpoint('cartpole-ppo'), {env})`, in the same page or after a reload.
 * A write replaces the stored checkpoint in one transaction, so a reader sees the old files or the
 * new ones, never a mixture. {@link IndexedDbCheckpoint.list} and {@link IndexedDbCheckpoint.remove}
 * manage the stored names.
 *
 * Where there is no IndexedDB (Node.js), pass one as the `indexedDB` option (e.g. from the
 * `fake-indexeddb` package), or use a `MemoryCheckpoint` or a checkpoint directory.
 */
export class IndexedDbCheckpoint implements CheckpointStore {
  /** `indexeddb://<name>`. */
  readonly label: string;
  readonly name: string;
  readonly dbName: string;
  private readonly factory: IdbFactoryLike;

  constructor(name: string, options: IndexedDbCheckpointOptions = {}) {
    this.name = checkName('name', name);
    this.dbName = checkName('dbName', options.dbName ?? DEFAULT_DB);
    this.factory = resolveFactory(options);
    this.label = `indexeddb://${name}`;
  }

  /** The names of the checkpoints stored in the database, sorted. */
  static async list(options: IndexedDbCheckpointOptions = {}): Promise<string[]> {
    const dbName = checkName('dbName', options.dbName ?? DEFAULT_DB);
    const fail = (problem: string) => new Error(`IndexedDbCheckpoint.list: ${problem}`);
    const keys = await inTransaction(resolveFactory(options), dbName, 'readonly', 'list the checkpoints', fail, (store) =>
      store.getAllKeys(),
    );
    return keys.filter((k): k is string => typeof k === 'string').sort();
  }

  /** Deletes the checkpoint `name`; resolves to whether there was one. */
  static async remove(name: string, options: IndexedDbCheckpointOptions = {}): Promise<boolean> {
    checkName('name', name);
    const dbName = checkName('dbName', options.dbName ?? DEFAULT_DB);
    let existed: IdbRequestLike<number> | undefined;
    const fail = (problem: string) => new CheckpointError(`indexeddb://${name}`, problem);
    await inTransaction(resolveFactory(options), dbName, 'readwrite', 'delete the checkpoint', fail, (store) => {
      existed = store.count(name);
      return store.delete(name);
    });
    return (existed?.result ?? 0) > 0;
  }

  async write(files: CheckpointFiles): Promise<void> {
    const stored: StoredCheckpoint = { files: {}, savedAt: new Date().toISOString() };
    for (const [file, bytes] of Object.entries(files)) stored.files[file] = compact(bytes);
    await inTransaction(this.factory, this.dbName, 'readwrite', 'save the checkpoint', this.fail, (store) => store.put(stored, this.name));
  }

  async read(): Promise<CheckpointFiles> {
    const record = await inTransaction(this.factory, this.dbName, 'readonly', 'read the checkpoint', this.fail, (store) =>
      store.get(this.name),
    );
    if (record === undefined) throw new CheckpointError(this.label, 'nothing has been saved here yet');
    const files = (record as Partial<StoredCheckpoint> | null)?.files;
    if (!files || typeof files !== 'object' || !Object.values(files).every((b) => b instanceof Uint8Array)) {
      throw new CheckpointError(this.label, `holds a record that is not a tfrl checkpoint (database ${JSON.stringify(this.dbName)})`);
    }
    return { ...files };
  }

  toString(): string {
    return this.label;
  }

  private readonly fail = (problem: string): Error => new CheckpointError(this.label, problem);
}
