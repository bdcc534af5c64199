/**
 * MNIST in the IDX format (LeCun et al.): images `idx3-ubyte` (magic 0x00000803, dims N×rows×cols,
 * uint8 pixels) and labels `idx1-ubyte` (magic 0x00000801, N uint8 labels). Files may be gzip'd
 * (detected by the gzip magic 1f 8b, not by the name). `loadMnist` reads paths (Node);
 * `decodeMnist` (bytes, `ArrayBuffer`, `Blob`/`File`) and `fetchMnist` (URLs) work in browsers too.
 */
import type { Rng } from '@tfrl/core';
import { fileExists, gunzip, readFileBytes } from '../node-io';

export interface ImageDataset {
  /** N × (rows·cols·channels) floats in [0, 1], row-major. */
  images: Float32Array;
  /** N labels (0..9 for MNIST); empty when the dataset has none. */
  labels: Uint8Array;
  count: number;
  rows: number;
  cols: number;
  channels: number;
}

export interface LoadMnistOptions {
  imagesPath: string;
  /** Optional: without it `labels` is empty. */
  labelsPath?: string;
  /** Keep only the first `limit` examples. */
  limit?: number;
}

const IDX_IMAGES_MAGIC = 0x00000803;
const IDX_LABELS_MAGIC = 0x00000801;

function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

function readMaybeGzip(path: string): Uint8Array {
  let raw: Uint8Array;
  try {
    raw = readFileBytes(path);
  } catch (e) {
    throw new Error(`loadMnist: cannot read ${path}: ${(e as Error).message}`);
  }
  if (isGzip(raw)) {
    try {
      return gunzip(raw);
    } catch (e) {
      throw new Error(`loadMnist: ${path} starts like gzip but does not decompress: ${(e as Error).message}`);
    }
  }
  return raw;
}

/** Gunzip with the platform's `DecompressionStream` (browsers, Node >= 18). */
async function gunzipAsync(bytes: Uint8Array, what: string): Promise<Uint8Array> {
  try {
    const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'));
    return new Uint8Array(await new Response(stream).arrayBuffer());
  } catch (e) {
    throw new Error(`loadMnist: ${what} starts like gzip but does not decompress: ${(e as Error).message}`);
  }
}

function header(bytes: Uint8Array, path: string, expectMagic: number, nDims: number, kind: string): number[] {
  const need = 4 + 4 * nDims;
  if (bytes.length < need) {
    throw new Error(`loadMnist: ${path} is truncated: ${bytes.length} bytes, an IDX ${kind} header needs ${need}`);
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const magic = dv.getUint32(0, false);
  if (magic !== expectMagic) {
    const dtype = (magic >>> 8) & 0xff;
    const dims = magic & 0xff;
    throw new Error(
      `loadMnist: ${path} has bad magic 0x${magic.toString(16).padStart(8, '0')} (type 0x${dtype.toString(16)}, ${dims} dims); ` +
        `expected 0x${expectMagic.toString(16).padStart(8, '0')} (uint8 ${kind}, ${nDims} dims)`,
    );
  }
  const dims: number[] = [];
  for (let i = 0; i < nDims; i++) dims.push(dv.getUint32(4 + 4 * i, false));
  if (dims.some((d) => d === 0)) throw new Error(`loadMnist: ${path} has a zero dimension [${dims.join(', ')}]`);
  const expected = need + dims.reduce((a, b) => a * b, 1);
  if (bytes.length < expected) {
    throw new Error(`loadMnist: ${path} is truncated: dims [${dims.join(' × ')}] need ${expected} bytes, the file has ${bytes.length}`);
  }
  if (bytes.length > expected) {
    throw new Error(`loadMnist: ${path} has ${bytes.length - expected} trailing bytes after the [${dims.join(' × ')}] ${kind}`);
  }
  return dims;
}

/** Parse the bytes of an IDX3 uint8 image file (not gzip'd) into floats in [0, 1]; `what` names it in errors. */
export function parseIdxImages(bytes: Uint8Array, what = 'images'): { images: Float32Array; count: number; rows: number; cols: number } {
  const [count, rows, cols] = header(bytes, what, IDX_IMAGES_MAGIC, 3, 'images') as [number, number, number];
  const px = bytes.subarray(16, 16 + count * rows * cols);
  const images = new Float32Array(px.length);
  for (let i = 0; i < px.length; i++) images[i] = (px[i] as number) / 255;
  return { images, count, rows, cols };
}

/** Parse the bytes of an IDX1 uint8 label file (not gzip'd); `what` names it in errors. */
export function parseIdxLabels(bytes: Uint8Array, what = 'labels'): Uint8Array {
  const [count] = header(bytes, what, IDX_LABELS_MAGIC, 1, 'labels') as [number];
  return bytes.slice(8, 8 + count);
}

/** Parse an IDX3 uint8 image file (gzip or raw) into floats in [0, 1]. */
export function readIdxImages(path: string): { images: Float32Array; count: number; rows: number; cols: number } {
  return parseIdxImages(readMaybeGzip(path), path);
}

/** Parse an IDX1 uint8 label file (gzip or raw). */
export function readIdxLabels(path: string): Uint8Array {
  return parseIdxLabels(readMaybeGzip(path), path);
}

/** Load MNIST-format images (and labels) from files (Node). Errors name the file and what is wrong with it. */
export function loadMnist(options: LoadMnistOptions): ImageDataset {
  if (!options || typeof options.imagesPath !== 'string') {
    throw new TypeError('loadMnist: imagesPath (a path to an idx3-ubyte[.gz] file) is required');
  }
  const images = readIdxImages(options.imagesPath);
  const labels = options.labelsPath === undefined ? undefined : readIdxLabels(options.labelsPath);
  return mnistDataset(images, labels, options.imagesPath, options.labelsPath, options.limit);
}

/** Bytes of an IDX file: a `Uint8Array`, an `ArrayBuffer`, or a `Blob` (a browser `File`). */
export type IdxSource = Uint8Array | ArrayBuffer | Blob;

export interface DecodeMnistOptions {
  images: IdxSource;
  /** Optional: without it `labels` is empty. */
  labels?: IdxSource;
  /** Keep only the first `limit` examples. */
  limit?: number;
  /** Names of the sources in errors (default `images`, `labels`). */
  imagesName?: string;
  labelsName?: string;
}

async function idxBytes(source: IdxSource, what: string): Promise<Uint8Array> {
  let bytes: Uint8Array;
  if (source instanceof Uint8Array) bytes = source;
  else if (source instanceof ArrayBuffer) bytes = new Uint8Array(source);
  else if (typeof Blob !== 'undefined' && source instanceof Blob) bytes = new Uint8Array(await source.arrayBuffer());
  else throw new TypeError(`loadMnist: ${what} must be a Uint8Array, an ArrayBuffer or a Blob/File`);
  return isGzip(bytes) ? gunzipAsync(bytes, what) : bytes;
}

/**
 * MNIST-format images (and labels) from bytes, an `ArrayBuffer` or a `Blob` / `File` (e.g. from an
 * `<input type="file">`), gzip'd or not: the same dataset `loadMnist` reads from files, in a browser
 * as in Node.
 */
export async function decodeMnist(options: DecodeMnistOptions): Promise<ImageDataset> {
  const imagesName = options.imagesName ?? 'images';
  const labelsName = options.labelsName ?? 'labels';
  const images = parseIdxImages(await idxBytes(options.images, imagesName), imagesName);
  const labels = options.labels === undefined ? undefined : parseIdxLabels(await idxBytes(options.labels, labelsName), labelsName);
  return mnistDataset(images, labels, imagesName, labelsName, options.limit);
}

export interface FetchMnistOptions {
  /** URL of an idx3-ubyte[.gz] file (relative URLs resolve against the page). */
  imagesUrl: string | URL;
  labelsUrl?: string | URL;
  limit?: number;
  /** The `fetch` to use (default the global one). */
  fetch?: (url: string | URL) => Promise<{ ok: boolean; status: number; statusText?: string; arrayBuffer(): Promise<ArrayBuffer> }>;
}

/** MNIST-format images (and labels) downloaded from URLs with `fetch` (see {@link decodeMnist}). */
export async function fetchMnist(options: FetchMnistOptions): Promise<ImageDataset> {
  const get = options.fetch ?? ((url: string | URL) => fetch(url));
  const download = async (url: string | URL): Promise<ArrayBuffer> => {
    let res: Awaited<ReturnType<typeof get>>;
    try {
      res = await get(url);
    } catch (e) {
      throw new Error(`fetchMnist: cannot fetch ${String(url)}: ${(e as Error).message}`);
    }
    if (!res.ok) throw new Error(`fetchMnist: ${String(url)} answered HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`);
    return res.arrayBuffer();
  };
  const [images, labels] = await Promise.all([
    download(options.imagesUrl),
    options.labelsUrl === undefined ? undefined : download(options.labelsUrl),
  ]);
  return decodeMnist({
    images,
    labels,
    limit: options.limit,
    imagesName: String(options.imagesUrl),
    labelsName: options.labelsUrl === undefined ? undefined : String(options.labelsUrl),
  });
}

/** Images and labels checked against each other and cut to `limit`. */
function mnistDataset(
  parsed: { images: Float32Array; count: number; rows: number; cols: number },
  labelsIn: Uint8Array | undefined,
  imagesName: string,
  labelsName: string | undefined,
  limit: number | undefined,
): ImageDataset {
  const { images, count, rows, cols } = parsed;
  const labels = labelsIn ?? new Uint8Array(0);
  if (labelsIn !== undefined && labels.length !== count) {
    throw new Error(`loadMnist: ${labelsName} has ${labels.length} labels but ${imagesName} has ${count} images`);
  }
  let n = count;
  if (limit !== undefined) {
    if (!Number.isInteger(limit) || limit <= 0) {
      throw new RangeError(`loadMnist: limit must be a positive integer, got ${limit}`);
    }
    n = Math.min(n, limit);
  }
  const d = rows * cols;
  return {
    images: n === count ? images : images.slice(0, n * d),
    labels: labels.length === 0 || n === count ? labels : labels.slice(0, n),
    count: n,
    rows,
    cols,
    channels: 1,
  };
}

/** Paths of the MNIST files inside `dir` (the standard names, `.gz` or not; train or t10k). */
export function mnistPaths(dir: string, split: 'train' | 't10k' = 't10k'): { imagesPath: string; labelsPath: string } {
  const pick = (base: string) => {
    for (const cand of [`${dir}/${base}.gz`, `${dir}/${base}`]) if (fileExists(cand)) return cand;
    throw new Error(`mnistPaths: neither ${dir}/${base}.gz nor ${dir}/${base} exists`);
  };
  return { imagesPath: pick(`${split}-images-idx3-ubyte`), labelsPath: pick(`${split}-labels-idx1-ubyte`) };
}

/** Select examples `idx` (copies). */
export function subsetDataset(data: ImageDataset, idx: ArrayLike<number>): ImageDataset {
  const d = data.rows * data.cols * data.channels;
  const images = new Float32Array(idx.length * d);
  const labels = new Uint8Array(data.labels.length > 0 ? idx.length : 0);
  for (let i = 0; i < idx.length; i++) {
    const j = idx[i] as number;
    images.set(data.images.subarray(j * d, (j + 1) * d), i * d);
    if (labels.length > 0) labels[i] = data.labels[j] as number;
  }
  return { images, labels, count: idx.length, rows: data.rows, cols: data.cols, channels: data.channels };
}

/**
 * A seeded random split into a training part and `nHeldOut` held-out examples (both shuffled).
 */
export function splitTrainHeldOut(data: ImageDataset, nHeldOut: number, rng: Rng): { train: ImageDataset; heldOut: ImageDataset } {
  if (!Number.isInteger(nHeldOut) || nHeldOut <= 0 || nHeldOut >= data.count) {
    throw new RangeError(`splitTrainHeldOut: nHeldOut must be an integer in [1, ${data.count - 1}], got ${nHeldOut}`);
  }
  const perm = rng.permutation(data.count);
  return { heldOut: subsetDataset(data, perm.subarray(0, nHeldOut)), train: subsetDataset(data, perm.subarray(nHeldOut)) };
}
