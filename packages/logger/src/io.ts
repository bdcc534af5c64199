/**
 * File writes whose errors name the file: Node's messages (`ENOSPC: no space left on device,
 * write`) do not, and a user whose disk filled needs to know which file could not be written.
 */
import { appendFileSync, writeFileSync } from './node-io';

/** Rethrow `e` with `path` in front of its message. */
export function fileError(path: string, e: unknown): Error {
  const err = new Error(`cannot write ${path}: ${(e as Error)?.message ?? String(e)}`);
  (err as Error & { cause?: unknown }).cause = e;
  return err;
}

export function writeFileChecked(path: string, data: string | Uint8Array, options?: { flag?: string }): void {
  try {
    writeFileSync(path, data, options);
  } catch (e) {
    throw fileError(path, e);
  }
}

export function appendFileChecked(path: string, data: string | Uint8Array): void {
  try {
    appendFileSync(path, data);
  } catch (e) {
    throw fileError(path, e);
  }
}
