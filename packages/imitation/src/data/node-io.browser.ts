/**
 * The browser build's stand-in for `node-io.ts`: a browser has no file paths. Datasets come and go
 * as bytes there: `readNpz(bytes)` / `decodeNpz(bytes)` and `writeNpz(dataset)` / `encodeNpz(dataset)`
 * (e.g. from a `File`'s `arrayBuffer()` or `fetch`, and into a download). Minari HDF5 files are read
 * and written through h5wasm's Node build, so they need Node.
 */

function noFiles(path: string): Error {
  return new Error(
    `${path}: dataset files need Node.js file system access, which a browser does not have; ` +
      'pass the bytes instead (readNpz(bytes) or decodeNpz(bytes) to read, writeNpz(dataset) or encodeNpz(dataset) to write)',
  );
}

export function readFileBytes(path: string): Uint8Array {
  throw noFiles(path);
}

export function writeFileBytes(path: string, _bytes: Uint8Array): void {
  throw noFiles(path);
}

export function ensureParentDirectory(path: string): void {
  throw noFiles(path);
}

export function readTextIfExists(path: string): string | undefined {
  throw noFiles(path);
}

export function writeText(path: string, _text: string): void {
  throw noFiles(path);
}

export function isFile(path: string): boolean {
  throw noFiles(path);
}

export function isDirectory(path: string): boolean {
  throw noFiles(path);
}

export function absolutePath(path: string): string {
  return path;
}

export function siblingPath(file: string, name: string): string {
  const slash = Math.max(file.lastIndexOf('/'), file.lastIndexOf('\\'));
  return slash < 0 ? name : `${file.slice(0, slash + 1)}${name}`;
}

export function joinPath(...parts: string[]): string {
  return parts.filter((p) => p !== '').join('/');
}

export function importH5wasm(): Promise<typeof import('h5wasm/node')> {
  return Promise.reject(
    new Error(
      'Minari HDF5 files are read and written with h5wasm’s Node.js build, so they need Node; in a browser use .npz bytes (readNpz(bytes))',
    ),
  );
}
