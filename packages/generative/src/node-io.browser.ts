/**
 * The browser build's stand-in for `node-io.ts`. A browser has no file paths: models save to a
 * `CheckpointStore` (e.g. @tfrl/core's `MemoryCheckpoint`), MNIST comes from bytes, a `File` or a
 * URL (`decodeMnist`, `fetchMnist`), and the trainers write no PNG files (leave `outDir` unset; the
 * pictures still go to the logger). PNGs are encoded without compression here (no zlib).
 */

function noFiles(path: string): Error {
  return new Error(
    `${path}: files need Node.js file system access, which a browser does not have; in a browser load MNIST with ` +
      'decodeMnist (bytes, File) or fetchMnist (URL), save models to a CheckpointStore, and leave the trainers’ outDir unset',
  );
}

export function fileExists(path: string): boolean {
  throw noFiles(path);
}

export function joinPath(...parts: string[]): string {
  return parts
    .filter((p) => p !== '')
    .join('/')
    .replace(/\/{2,}/g, '/');
}

export function extensionOf(path: string): string {
  const base = path.slice(Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')) + 1);
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(dot) : '';
}

export function readFileBytes(path: string): Uint8Array {
  throw noFiles(path);
}

export async function readFileBytesAsync(path: string): Promise<Uint8Array> {
  throw noFiles(path);
}

export function writeFileBytes(path: string, _bytes: Uint8Array): void {
  throw noFiles(path);
}

export function listDirectory(dir: string): { name: string; isDirectory: boolean }[] {
  throw noFiles(dir);
}

export function gunzip(_bytes: Uint8Array): Uint8Array {
  throw new Error('gzip data needs Node.js zlib to decompress synchronously; in a browser use the asynchronous decodeMnist / fetchMnist');
}

function adler32(bytes: Uint8Array): number {
  let a = 1;
  let b = 0;
  for (let i = 0; i < bytes.length; i++) {
    a = (a + (bytes[i] as number)) % 65521;
    b = (b + a) % 65521;
  }
  return ((b << 16) | a) >>> 0;
}

/** zlib (RFC 1950) with stored (uncompressed) deflate blocks: valid for every zlib reader, just not smaller. */
export function zlibDeflate(bytes: Uint8Array): Uint8Array {
  const BLOCK = 65535;
  const blocks = Math.max(1, Math.ceil(bytes.length / BLOCK));
  const out = new Uint8Array(2 + blocks * 5 + bytes.length + 4);
  out[0] = 0x78;
  out[1] = 0x01;
  let o = 2;
  for (let b = 0; b < blocks; b++) {
    const chunk = bytes.subarray(b * BLOCK, (b + 1) * BLOCK);
    out[o] = b === blocks - 1 ? 1 : 0;
    out[o + 1] = chunk.length & 0xff;
    out[o + 2] = chunk.length >>> 8;
    out[o + 3] = ~chunk.length & 0xff;
    out[o + 4] = (~chunk.length >>> 8) & 0xff;
    out.set(chunk, o + 5);
    o += 5 + chunk.length;
  }
  new DataView(out.buffer).setUint32(o, adler32(bytes));
  return out;
}

export function zlibInflate(_bytes: Uint8Array): Uint8Array {
  throw new Error(
    'decoding PNG data needs Node.js zlib in this build; in a browser decode images with createImageBitmap or a canvas and pass the pixels',
  );
}
