/**
 * Images in and out without a native dependency: a PNG decoder/encoder on zlib (PNG spec,
 * ISO/IEC 15948), image grids for sample sheets, and a streaming image-folder dataset
 * (centre-crop + bilinear resize) for CelebA-style folders. Files and zlib come from `../node-io`
 * (in the browser build: no files, and PNGs encoded uncompressed).
 */
import type { Rng } from '@tfrl/core';
import jpeg from 'jpeg-js';
import {
  extensionOf,
  joinPath,
  listDirectory,
  readFileBytes,
  readFileBytesAsync,
  writeFileBytes,
  zlibDeflate,
  zlibInflate,
} from '../node-io';

/** An 8-bit image, row-major, `channels` interleaved values per pixel (same shape as core's LogImage). */
export interface RasterImage {
  width: number;
  height: number;
  channels: 1 | 3 | 4;
  data: Uint8Array;
}

// ---------------------------------------------------------------- PNG

const PNG_SIG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = (CRC_TABLE[(c ^ (bytes[i] as number)) & 0xff] as number) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Encode an 8-bit grey / RGB / RGBA image as PNG (filter 0 rows). */
export function encodePngImage(img: RasterImage): Uint8Array {
  const { width, height, channels, data } = img;
  if (data.length !== width * height * channels) {
    throw new RangeError(`encodePngImage: ${width}x${height}x${channels} needs ${width * height * channels} bytes, got ${data.length}`);
  }
  const colorType = channels === 1 ? 0 : channels === 3 ? 2 : 6;
  const ihdr = new Uint8Array(13);
  const view = new DataView(ihdr.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  ihdr[8] = 8;
  ihdr[9] = colorType;
  const stride = width * channels;
  const raw = new Uint8Array((stride + 1) * height);
  for (let y = 0; y < height; y++) raw.set(data.subarray(y * stride, (y + 1) * stride), y * (stride + 1) + 1);
  return concatBytes([Uint8Array.from(PNG_SIG), chunk('IHDR', ihdr), chunk('IDAT', zlibDeflate(raw)), chunk('IEND', new Uint8Array(0))]);
}

/** Write an image as a PNG file (creates the directory). */
export function writePngImage(path: string, img: RasterImage): void {
  writeFileBytes(path, encodePngImage(img));
}

/**
 * Decode a non-interlaced PNG (bit depth 8 or 16; grey, grey+alpha, RGB, RGBA, or 8-bit palette)
 * to 8-bit RGB. `what` names the source in errors.
 */
export function decodePng(bytes: Uint8Array, what = 'png'): RasterImage {
  for (let i = 0; i < 8; i++) if (bytes[i] !== PNG_SIG[i]) throw new Error(`decodePng: ${what} is not a PNG (bad signature)`);
  const buf = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = 8;
  let width = 0;
  let height = 0;
  let depth = 0;
  let colorType = 0;
  let palette: Uint8Array | undefined;
  const idat: Uint8Array[] = [];
  while (pos + 8 <= bytes.length) {
    const len = buf.getUint32(pos);
    const type = String.fromCharCode(...bytes.subarray(pos + 4, pos + 8));
    if (pos + 12 + len > bytes.length) throw new Error(`decodePng: ${what} is truncated in chunk ${type}`);
    const data = bytes.subarray(pos + 8, pos + 8 + len);
    if (type === 'IHDR') {
      const ihdr = new DataView(data.buffer, data.byteOffset, data.byteLength);
      width = ihdr.getUint32(0);
      height = ihdr.getUint32(4);
      depth = data[8] as number;
      colorType = data[9] as number;
      if (data[12] !== 0) throw new Error(`decodePng: ${what} is interlaced (Adam7), which is not supported`);
    } else if (type === 'PLTE') palette = new Uint8Array(data);
    else if (type === 'IDAT') idat.push(data);
    else if (type === 'IEND') break;
    pos += 12 + len;
  }
  if (width === 0 || height === 0 || idat.length === 0) throw new Error(`decodePng: ${what} has no IHDR or no image data`);
  const comps = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 }[colorType];
  if (comps === undefined) throw new Error(`decodePng: ${what} has unknown colour type ${colorType}`);
  if (!(depth === 8 || depth === 16) || (colorType === 3 && depth !== 8)) {
    throw new Error(`decodePng: ${what} has bit depth ${depth} (colour type ${colorType}); only 8 and 16 are supported`);
  }
  const bpp = (comps * depth) / 8;
  const stride = width * bpp;
  let raw: Uint8Array;
  try {
    raw = zlibInflate(concatBytes(idat));
  } catch (e) {
    throw new Error(`decodePng: ${what} has corrupt image data: ${(e as Error).message}`);
  }
  if (raw.length < (stride + 1) * height) throw new Error(`decodePng: ${what} image data is truncated`);
  const px = new Uint8Array(stride * height);
  for (let y = 0; y < height; y++) {
    const f = raw[y * (stride + 1)] as number;
    const src = y * (stride + 1) + 1;
    const row = y * stride;
    const prev = row - stride;
    for (let x = 0; x < stride; x++) {
      const r = raw[src + x] as number;
      const a = x >= bpp ? (px[row + x - bpp] as number) : 0;
      const b = y > 0 ? (px[prev + x] as number) : 0;
      const c = x >= bpp && y > 0 ? (px[prev + x - bpp] as number) : 0;
      let v: number;
      if (f === 0) v = r;
      else if (f === 1) v = r + a;
      else if (f === 2) v = r + b;
      else if (f === 3) v = r + ((a + b) >> 1);
      else if (f === 4) {
        const p = a + b - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - b);
        const pc = Math.abs(p - c);
        v = r + (pa <= pb && pa <= pc ? a : pb <= pc ? b : c);
      } else throw new Error(`decodePng: ${what} row ${y} has unknown filter ${f}`);
      px[row + x] = v & 0xff;
    }
  }
  const out = new Uint8Array(width * height * 3);
  const step = depth / 8;
  for (let i = 0; i < width * height; i++) {
    const base = i * bpp;
    const at = (k: number) => px[base + k * step] as number; // high byte for 16-bit
    if (colorType === 3) {
      const idx = at(0);
      if (!palette || idx * 3 + 2 >= palette.length) throw new Error(`decodePng: ${what} palette index ${idx} out of range`);
      out[3 * i] = palette[3 * idx] as number;
      out[3 * i + 1] = palette[3 * idx + 1] as number;
      out[3 * i + 2] = palette[3 * idx + 2] as number;
    } else if (comps <= 2) {
      out[3 * i] = out[3 * i + 1] = out[3 * i + 2] = at(0);
    } else {
      out[3 * i] = at(0);
      out[3 * i + 1] = at(1);
      out[3 * i + 2] = at(2);
    }
  }
  return { width, height, channels: 3, data: out };
}

// ---------------------------------------------------------------- grids

export interface FloatImagesToGridOptions {
  /** Images per row (default ceil(sqrt(n))). */
  cols?: number;
  /** Value range of the floats, mapped to 0..255 (default [0, 1]; use [-1, 1] for tanh outputs). */
  range?: [number, number];
  /** Pixels between tiles (default 2). */
  padding?: number;
  /** Tile scale factor (nearest neighbour, default 1). */
  scale?: number;
}

/**
 * Tile `n` images given as floats (n × h × w × c, NHWC) into one 8-bit image.
 */
export function floatImagesToGrid(
  values: ArrayLike<number>,
  n: number,
  h: number,
  w: number,
  c: 1 | 3,
  options: FloatImagesToGridOptions = {},
): RasterImage {
  if (values.length !== n * h * w * c)
    throw new RangeError(`floatImagesToGrid: ${n}×${h}×${w}×${c} needs ${n * h * w * c} values, got ${values.length}`);
  const cols = options.cols ?? Math.ceil(Math.sqrt(n));
  const rows = Math.ceil(n / cols);
  const pad = options.padding ?? 2;
  const s = options.scale ?? 1;
  const [lo, hi] = options.range ?? [0, 1];
  const th = h * s;
  const tw = w * s;
  const W = cols * tw + (cols + 1) * pad;
  const H = rows * th + (rows + 1) * pad;
  const data = new Uint8Array(W * H * c).fill(64);
  for (let k = 0; k < n; k++) {
    const oy = pad + Math.floor(k / cols) * (th + pad);
    const ox = pad + (k % cols) * (tw + pad);
    for (let y = 0; y < th; y++) {
      for (let x = 0; x < tw; x++) {
        const src = ((k * h + Math.floor(y / s)) * w + Math.floor(x / s)) * c;
        const dst = ((oy + y) * W + ox + x) * c;
        for (let ch = 0; ch < c; ch++) {
          const v = ((values[src + ch] as number) - lo) / (hi - lo);
          data[dst + ch] = Math.max(0, Math.min(255, Math.round(v * 255)));
        }
      }
    }
  }
  return { width: W, height: H, channels: c, data };
}

// ---------------------------------------------------------------- resize

/**
 * Centre-crop the largest square (or `aspect`-free centre crop to the target ratio) and resize
 * with bilinear interpolation (half-pixel centres, as OpenCV/PIL without antialias) to out×out.
 * Input: 8-bit RGB; output: float RGB in [lo, hi], written into `dst` at `offset`.
 */
export function centerCropResize(
  img: RasterImage,
  outH: number,
  outW: number,
  dst: Float32Array,
  offset: number,
  range: [number, number] = [0, 1],
): void {
  const { width, height, data } = img;
  const c = img.channels;
  // Crop to the target aspect ratio around the centre.
  const targetRatio = outW / outH;
  let cw = width;
  let ch = Math.round(width / targetRatio);
  if (ch > height) {
    ch = height;
    cw = Math.round(height * targetRatio);
  }
  const x0 = (width - cw) / 2;
  const y0 = (height - ch) / 2;
  const sx = cw / outW;
  const sy = ch / outH;
  const [lo, hi] = range;
  const k = (hi - lo) / 255;
  for (let oy = 0; oy < outH; oy++) {
    const fy = Math.min(Math.max(y0 + (oy + 0.5) * sy - 0.5, 0), height - 1);
    const iy = Math.floor(fy);
    const iy1 = Math.min(iy + 1, height - 1);
    const wy = fy - iy;
    for (let ox = 0; ox < outW; ox++) {
      const fx = Math.min(Math.max(x0 + (ox + 0.5) * sx - 0.5, 0), width - 1);
      const ix = Math.floor(fx);
      const ix1 = Math.min(ix + 1, width - 1);
      const wx = fx - ix;
      const o = offset + (oy * outW + ox) * 3;
      for (let q = 0; q < 3; q++) {
        const cq = c >= 3 ? q : 0;
        const p00 = data[(iy * width + ix) * c + cq] as number;
        const p01 = data[(iy * width + ix1) * c + cq] as number;
        const p10 = data[(iy1 * width + ix) * c + cq] as number;
        const p11 = data[(iy1 * width + ix1) * c + cq] as number;
        const v = (1 - wy) * ((1 - wx) * p00 + wx * p01) + wy * ((1 - wx) * p10 + wx * p11);
        dst[o + q] = lo + v * k;
      }
    }
  }
}

// ---------------------------------------------------------------- folder dataset

export type ImageDecoder = (bytes: Uint8Array, path: string) => RasterImage;

/** JPEG (baseline and progressive) through jpeg-js, as RGB. */
export function decodeJpeg(bytes: Uint8Array, path: string): RasterImage {
  let img: { width: number; height: number; data: Uint8Array };
  try {
    img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: false, maxMemoryUsageInMB: 1024 }) as typeof img;
  } catch (e) {
    throw new Error(`imageFolder: ${path} is not a readable JPEG: ${(e as Error).message}`);
  }
  return { width: img.width, height: img.height, channels: 3, data: img.data };
}

const DEFAULT_DECODERS: Record<string, ImageDecoder> = { '.png': decodePng, '.jpg': decodeJpeg, '.jpeg': decodeJpeg };

export interface ImageFolderOptions {
  dir: string;
  /** Output size (default 64×64). */
  height?: number;
  width?: number;
  batchSize: number;
  /** Pixel range of the output floats (default [-1, 1], the range of a tanh generator). */
  range?: [number, number];
  /** Shuffle file order with this Rng each pass (default: sorted order). */
  rng?: Rng;
  /** Drop a last incomplete batch (default false). */
  dropLast?: boolean;
  /**
   * Decoders by lower-case extension (with dot). PNG is built in; pass one for '.jpg'/'.jpeg'
   * (e.g. wrapping jpeg-js's decode) to read JPEG folders such as CelebA.
   */
  decoders?: Record<string, ImageDecoder>;
  /** Stop after this many images. */
  limit?: number;
}

export interface ImageBatch {
  /** batch × height × width × 3 floats (NHWC). */
  images: Float32Array;
  count: number;
  height: number;
  width: number;
  channels: 3;
  paths: string[];
}

const IMAGE_EXT = new Set(['.png', '.jpg', '.jpeg']);

/** The image files of `dir` (sorted, recursive). */
export function listImageFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    let entries: { name: string; isDirectory: boolean }[];
    try {
      entries = listDirectory(d);
    } catch (e) {
      throw new Error(`imageFolder: cannot read directory ${d}: ${(e as Error).message}`);
    }
    for (const e of entries) {
      const p = joinPath(d, e.name);
      if (e.isDirectory) walk(p);
      else if (IMAGE_EXT.has(extensionOf(e.name).toLowerCase())) out.push(p);
    }
  };
  walk(dir);
  return out.sort();
}

/**
 * Stream a folder of PNG/JPEG images as batches of centre-cropped, resized RGB floats. Only one
 * batch of decoded images is in memory at a time.
 */
export async function* imageFolderBatches(options: ImageFolderOptions): AsyncGenerator<ImageBatch> {
  const H = options.height ?? 64;
  const W = options.width ?? H;
  const bs = options.batchSize;
  if (!Number.isInteger(bs) || bs <= 0) throw new RangeError(`imageFolder: batchSize must be a positive integer, got ${bs}`);
  const range = options.range ?? [-1, 1];
  let files = listImageFiles(options.dir);
  if (files.length === 0) throw new Error(`imageFolder: ${options.dir} contains no .png/.jpg/.jpeg files`);
  if (options.rng) files = options.rng.shuffle([...files]);
  if (options.limit !== undefined) files = files.slice(0, options.limit);
  const decoders: Record<string, ImageDecoder> = { ...DEFAULT_DECODERS, ...(options.decoders ?? {}) };
  for (let start = 0; start < files.length; start += bs) {
    const paths = files.slice(start, start + bs);
    if (paths.length < bs && options.dropLast) break;
    const images = new Float32Array(paths.length * H * W * 3);
    for (let i = 0; i < paths.length; i++) {
      const p = paths[i] as string;
      const ext = extensionOf(p).toLowerCase();
      const dec = decoders[ext];
      if (!dec) {
        throw new Error(`imageFolder: no decoder for ${p} (${ext}); pass options.decoders['${ext}'] (e.g. from jpeg-js)`);
      }
      const bytes = await readFileAsync(p);
      centerCropResize(dec(bytes, p), H, W, images, i * H * W * 3, range);
    }
    yield { images, count: paths.length, height: H, width: W, channels: 3, paths };
  }
}

async function readFileAsync(p: string): Promise<Uint8Array> {
  try {
    return await readFileBytesAsync(p);
  } catch (e) {
    throw new Error(`imageFolder: cannot read ${p}: ${(e as Error).message}`);
  }
}

/** Read and decode one image file with the built-in PNG decoder (or `decoders`). */
export function readImageFile(path: string, decoders: Record<string, ImageDecoder> = {}): RasterImage {
  const ext = extensionOf(path).toLowerCase();
  const dec = ({ ...DEFAULT_DECODERS, ...decoders } as Record<string, ImageDecoder>)[ext];
  if (!dec) throw new Error(`readImageFile: no decoder for ${path} (${ext})`);
  return dec(readFileBytes(path), path);
}
