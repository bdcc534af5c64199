/**
 * MNIST in the IDX format (LeCun et al.): images `idx3-ubyte` (magic 0x00000803, dims N×rows×cols,
 * uint8 pixels) and labels `idx1-ubyte` (magic 0x00000801, N uint8 labels). Files may be gzip'd
 * (detected by the gzip magic 1f 8b, not by the name).
 */
import { existsSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import type { Rng } from '@tfrl/core';

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

function readMaybeGzip(path: string): Uint8Array {
  let raw: Buffer;
  try {
    raw = readFileSync(path);
  } catch (e) {
    throw new Error(`loadMnist: cannot read ${path}: ${(e as Error).message}`);
  }
  if (raw.length >= 2 && raw[0] === 0x1f && raw[1] === 0x8b) {
    try {
      return new Uint8Array(gunzipSync(raw));
    } catch (e) {
      throw new Error(`loadMnist: ${path} starts like gzip but does not decompress: ${(e as Error).message}`);
    }
  }
  return new Uint8Array(raw.buffer, raw.byteOffset, raw.length);
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

/** Parse an IDX3 uint8 image file (gzip or raw) into floats in [0, 1]. */
export function readIdxImages(path: string): { images: Float32Array; count: number; rows: number; cols: number } {
  const bytes = readMaybeGzip(path);
  const [count, rows, cols] = header(bytes, path, IDX_IMAGES_MAGIC, 3, 'images') as [number, number, number];
  const px = bytes.subarray(16, 16 + count * rows * cols);
  const images = new Float32Array(px.length);
  for (let i = 0; i < px.length; i++) images[i] = (px[i] as number) / 255;
  return { images, count, rows, cols };
}

/** Parse an IDX1 uint8 label file (gzip or raw). */
export function readIdxLabels(path: string): Uint8Array {
  const bytes = readMaybeGzip(path);
  const [count] = header(bytes, path, IDX_LABELS_MAGIC, 1, 'labels') as [number];
  return bytes.slice(8, 8 + count);
}

/** Load MNIST-format images (and labels). Errors name the file and what is wrong with it. */
export function loadMnist(options: LoadMnistOptions): ImageDataset {
  if (!options || typeof options.imagesPath !== 'string') {
    throw new TypeError('loadMnist: imagesPath (a path to an idx3-ubyte[.gz] file) is required');
  }
  const { images, count, rows, cols } = readIdxImages(options.imagesPath);
  let labels: Uint8Array = new Uint8Array(0);
  if (options.labelsPath !== undefined) {
    labels = readIdxLabels(options.labelsPath);
    if (labels.length !== count) {
      throw new Error(`loadMnist: ${options.labelsPath} has ${labels.length} labels but ${options.imagesPath} has ${count} images`);
    }
  }
  let n = count;
  if (options.limit !== undefined) {
    if (!Number.isInteger(options.limit) || options.limit <= 0) {
      throw new RangeError(`loadMnist: limit must be a positive integer, got ${options.limit}`);
    }
    n = Math.min(n, options.limit);
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
    for (const cand of [`${dir}/${base}.gz`, `${dir}/${base}`]) if (existsSync(cand)) return cand;
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
