/**
 * The only place @tfrl/generative touches Node built-ins (files, paths, zlib): small functions on
 * paths and bytes. The browser build replaces this module with `node-io.browser.ts`, so the models,
 * trainers and formats above it are the same in both builds.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, extname, join } from 'node:path';
import { deflateSync, gunzipSync, inflateSync } from 'node:zlib';

function bytesOf(buf: Buffer): Uint8Array {
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

export function fileExists(path: string): boolean {
  return existsSync(path);
}

export function joinPath(...parts: string[]): string {
  return join(...parts);
}

/** The extension with its dot (`.png`), as written. */
export function extensionOf(path: string): string {
  return extname(path);
}

export function readFileBytes(path: string): Uint8Array {
  return bytesOf(readFileSync(path));
}

export async function readFileBytesAsync(path: string): Promise<Uint8Array> {
  return bytesOf(await readFile(path));
}

/** Write (create or replace) a file, creating its directory when needed. */
export function writeFileBytes(path: string, bytes: Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, bytes);
}

/** The entries of a directory. */
export function listDirectory(dir: string): { name: string; isDirectory: boolean }[] {
  return readdirSync(dir, { withFileTypes: true }).map((e) => ({ name: e.name, isDirectory: e.isDirectory() }));
}

export function gunzip(bytes: Uint8Array): Uint8Array {
  return bytesOf(gunzipSync(bytes));
}

/** zlib (RFC 1950) compression, as PNG's IDAT holds it. */
export function zlibDeflate(bytes: Uint8Array): Uint8Array {
  return bytesOf(deflateSync(bytes));
}

export function zlibInflate(bytes: Uint8Array): Uint8Array {
  return bytesOf(inflateSync(bytes));
}
