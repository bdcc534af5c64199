/**
 * The only place @tfrl/logger touches Node: files, paths, the host name, the process (pid, env,
 * stdout), ffmpeg as a child process, and the two dependencies built on Node streams (pngjs for PNG
 * encoding, cli-progress for the terminal bar). The browser build replaces this module with
 * `node-io.browser.ts`, so the loggers above it are the same code in both builds.
 */
import * as cliProgressModule from 'cli-progress';
import { PNG } from 'pngjs';

export { spawnSync } from 'node:child_process';
export {
  appendFileSync,
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
export { hostname } from 'node:os';
export { basename, dirname, extname, join, relative, resolve } from 'node:path';

// CommonJS package: the API sits on `default` under Node's ESM loader.
export const cliProgress: typeof cliProgressModule = (cliProgressModule as any).default ?? cliProgressModule;

export function processId(): number {
  return process.pid;
}

export function environment(): Record<string, string | undefined> {
  return process.env;
}

/** Where the console logger prints by default. */
export function standardOutput(): NodeJS.WritableStream & { isTTY?: boolean } {
  return process.stdout;
}

/** PNG bytes of an RGBA image, packed to PNG colour type `colorType` (0 grey, 2 RGB, 6 RGBA), 8 bits. */
export function encodeRgbaPng(rgba: Uint8Array, width: number, height: number, colorType: 0 | 2 | 6): Uint8Array {
  const options = { colorType, inputColorType: 6, inputHasAlpha: true, bitDepth: 8 } as const;
  const png = new PNG({ width, height, ...options });
  png.data = Buffer.from(rgba.buffer, rgba.byteOffset, rgba.byteLength);
  const buf = PNG.sync.write(png, options);
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}
