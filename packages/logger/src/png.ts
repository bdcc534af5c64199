import { dirname, encodeRgbaPng, mkdirSync, writeFileSync } from './node-io';

/** An 8-bit image in row-major HWC layout: `data[(y * width + x) * channels + c]`. */
export interface Image {
  width: number;
  height: number;
  /** 1 = grayscale, 3 = RGB, 4 = RGBA. */
  channels: 1 | 3 | 4;
  data: Uint8Array;
}

/** Throws an error naming what is wrong if `img` is not a well-formed {@link Image}. */
export function validateImage(img: Image, what = 'image'): void {
  const { width, height, channels, data } = img;
  if (!Number.isInteger(width) || width <= 0) {
    throw new Error(`${what}: width must be a positive integer, got ${width}`);
  }
  if (!Number.isInteger(height) || height <= 0) {
    throw new Error(`${what}: height must be a positive integer, got ${height}`);
  }
  if (channels !== 1 && channels !== 3 && channels !== 4) {
    throw new Error(`${what}: channels must be 1, 3 or 4, got ${channels}`);
  }
  if (!(data instanceof Uint8Array)) {
    throw new Error(`${what}: data must be a Uint8Array`);
  }
  const expected = width * height * channels;
  if (data.length !== expected) {
    throw new Error(
      `${what}: data has ${data.length} bytes, expected width*height*channels = ${width}*${height}*${channels} = ${expected}`,
    );
  }
}

/** Converts an image to another channel count (gray→RGB repeats, RGB→gray uses Rec. 601 luma, alpha is 255 when added). */
export function convertChannels(img: Image, channels: 1 | 3 | 4): Image {
  if (img.channels === channels) return img;
  const n = img.width * img.height;
  const out = new Uint8Array(n * channels);
  const src = img.data;
  const sc = img.channels;
  for (let i = 0; i < n; i++) {
    let r: number;
    let g: number;
    let b: number;
    if (sc === 1) {
      r = g = b = src[i]!;
    } else {
      r = src[i * sc]!;
      g = src[i * sc + 1]!;
      b = src[i * sc + 2]!;
    }
    const a = sc === 4 ? src[i * 4 + 3]! : 255;
    if (channels === 1) {
      out[i] = r === g && g === b ? r : Math.round(0.299 * r + 0.587 * g + 0.114 * b);
    } else {
      out[i * channels] = r;
      out[i * channels + 1] = g;
      out[i * channels + 2] = b;
      if (channels === 4) out[i * 4 + 3] = a;
    }
  }
  return { width: img.width, height: img.height, channels, data: out };
}

/**
 * Builds an 8-bit image from floating-point pixels (e.g. a generator's output), mapping
 * `[min, max]` linearly to `[0, 255]` and clipping outside it.
 */
export function imageFromFloats(
  pixels: ArrayLike<number>,
  shape: { width: number; height: number; channels: 1 | 3 | 4 },
  range: { min?: number; max?: number } = {},
): Image {
  const min = range.min ?? 0;
  const max = range.max ?? 1;
  if (!(max > min)) throw new Error(`imageFromFloats: range.max (${max}) must exceed range.min (${min})`);
  const n = shape.width * shape.height * shape.channels;
  if (pixels.length !== n) {
    throw new Error(`imageFromFloats: got ${pixels.length} values, expected width*height*channels = ${n}`);
  }
  const data = new Uint8Array(n);
  const scale = 255 / (max - min);
  for (let i = 0; i < n; i++) {
    const v = pixels[i]!;
    // NaN maps to 0 so a diverged generator still produces a viewable image.
    data[i] = Number.isNaN(v) ? 0 : Math.min(255, Math.max(0, Math.round((v - min) * scale)));
  }
  return { ...shape, data };
}

const PNG_COLOR_TYPE = { 1: 0, 3: 2, 4: 6 } as const;

/** Encodes an image as PNG (grayscale, RGB or RGBA, 8 bits per sample). */
export function encodePng(img: Image): Uint8Array {
  validateImage(img);
  // pngjs takes RGBA input and packs it to the requested colour type.
  return encodeRgbaPng(convertChannels(img, 4).data, img.width, img.height, PNG_COLOR_TYPE[img.channels]);
}

/** Encodes `img` as PNG and writes it to `path`, creating parent directories. */
export function writePng(path: string, img: Image): void {
  const bytes = encodePng(img);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, bytes);
}

export interface ImageGridOptions {
  /** Images per row (default: ceil(sqrt(n))). */
  cols?: number;
  /** Pixels between and around tiles (default 2). */
  padding?: number;
  /** Value of padding pixels, per channel (default 0 = black; alpha is 255). */
  padValue?: number;
}

/**
 * Tiles equally sized images into one grid image, row by row. Images with different channel
 * counts are promoted to the largest count among them (gray → RGB → RGBA).
 */
export function makeImageGrid(images: readonly Image[], options: ImageGridOptions = {}): Image {
  if (images.length === 0) throw new Error('makeImageGrid: images is empty');
  const first = images[0]!;
  images.forEach((img, i) => {
    validateImage(img, `makeImageGrid: images[${i}]`);
    if (img.width !== first.width || img.height !== first.height) {
      throw new Error(`makeImageGrid: images[${i}] is ${img.width}x${img.height}, but images[0] is ${first.width}x${first.height}`);
    }
  });
  const cols = options.cols ?? Math.ceil(Math.sqrt(images.length));
  if (!Number.isInteger(cols) || cols <= 0) throw new Error(`makeImageGrid: cols must be a positive integer, got ${cols}`);
  const padding = options.padding ?? 2;
  if (!Number.isInteger(padding) || padding < 0) {
    throw new Error(`makeImageGrid: padding must be a non-negative integer, got ${padding}`);
  }
  const padValue = options.padValue ?? 0;
  const channels = images.reduce<number>((c, img) => Math.max(c, img.channels), 1) as 1 | 3 | 4;
  const rows = Math.ceil(images.length / cols);
  const tw = first.width;
  const th = first.height;
  const width = cols * tw + (cols + 1) * padding;
  const height = rows * th + (rows + 1) * padding;
  const data = new Uint8Array(width * height * channels).fill(padValue);
  if (channels === 4) for (let i = 3; i < data.length; i += 4) data[i] = 255;
  images.forEach((img, i) => {
    const src = convertChannels(img, channels).data;
    const x0 = padding + (i % cols) * (tw + padding);
    const y0 = padding + Math.floor(i / cols) * (th + padding);
    const rowBytes = tw * channels;
    for (let y = 0; y < th; y++) {
      const dst = ((y0 + y) * width + x0) * channels;
      data.set(src.subarray(y * rowBytes, (y + 1) * rowBytes), dst);
    }
  });
  return { width, height, channels, data };
}
