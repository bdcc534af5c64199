/**
 * The only place the data layer touches the Node file system: small functions taking a path.
 * Everything else works on `Uint8Array`s, so the browser build replaces this module with
 * `node-io.browser.ts` (behind the `browser` export condition) without touching the formats.
 */

import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** The bytes of a file. */
export function readFileBytes(path: string): Uint8Array {
  const buf = readFileSync(path);
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

/** Write (create or replace) a file, creating its directory when needed. */
export function writeFileBytes(path: string, bytes: Uint8Array): void {
  ensureParentDirectory(path);
  writeFileSync(path, bytes);
}

/** Create the directory `path` will be in, when missing. */
export function ensureParentDirectory(path: string): void {
  mkdirSync(dirname(resolve(path)), { recursive: true });
}

/** A UTF-8 text file's contents, or `undefined` when there is no such file. */
export function readTextIfExists(path: string): string | undefined {
  return existsSync(path) ? readFileSync(path, 'utf8') : undefined;
}

export function writeText(path: string, text: string): void {
  writeFileSync(path, text, 'utf8');
}

export function isFile(path: string): boolean {
  return existsSync(path) && statSync(path).isFile();
}

export function isDirectory(path: string): boolean {
  return existsSync(path) && statSync(path).isDirectory();
}

/** An absolute path. */
export function absolutePath(path: string): string {
  return resolve(path);
}

/** `name` in the directory of `file`. */
export function siblingPath(file: string, name: string): string {
  return join(dirname(resolve(file)), name);
}

export function joinPath(...parts: string[]): string {
  return join(...parts);
}

/** h5wasm's Node build, which reads and writes host paths (Minari files). */
export function importH5wasm(): Promise<typeof import('h5wasm/node')> {
  return import('h5wasm/node');
}
