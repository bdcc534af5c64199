// gifenc is CommonJS without types; its three functions are all we use.
import * as gifencModule from 'gifenc';
import { dirname, mkdirSync, resolve, writeFileSync } from './node-io';

/** An RGB (or RGBA) frame, row-major, as `Env.render()` returns. */
export interface GifFrame {
  width: number;
  height: number;
  data: Uint8Array;
}

export interface GifOptions {
  /** Frames per second (GIF delays are in 1/100 s, so the effective rate is rounded). */
  fps?: number;
  /** Palette size per frame (2–256). */
  maxColors?: number;
  /** Loop count: 0 = forever (default), -1 = play once. */
  repeat?: number;
}

interface GifEncoderApi {
  GIFEncoder(): {
    writeFrame(index: Uint8Array, width: number, height: number, opts: { palette: number[][]; delay: number; repeat?: number }): void;
    finish(): void;
    bytes(): Uint8Array;
  };
  quantize(rgba: Uint8Array, maxColors: number, opts?: { format?: string }): number[][];
  applyPalette(rgba: Uint8Array, palette: number[][], format?: string): Uint8Array;
}

function api(): GifEncoderApi {
  const m = gifencModule as unknown as GifEncoderApi & { default?: GifEncoderApi };
  return typeof m.GIFEncoder === 'function' ? m : (m.default as GifEncoderApi);
}

function toRgba(frame: GifFrame, index: number): Uint8Array {
  const { width, height, data } = frame;
  const n = width * height;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new RangeError(`GIF frame ${index}: invalid size ${width}x${height}`);
  }
  if (data.length === n * 4) return data;
  if (data.length !== n * 3) {
    throw new RangeError(`GIF frame ${index}: ${data.length} bytes is neither RGB nor RGBA for ${width}x${height}`);
  }
  const out = new Uint8Array(n * 4);
  for (let i = 0, j = 0; i < n; i++, j += 3) {
    out[i * 4] = data[j] as number;
    out[i * 4 + 1] = data[j + 1] as number;
    out[i * 4 + 2] = data[j + 2] as number;
    out[i * 4 + 3] = 255;
  }
  return out;
}

/** Encode frames (all the same size) as an animated GIF; each frame gets its own palette. */
export function encodeGif(frames: readonly GifFrame[], options: GifOptions = {}): Uint8Array {
  if (frames.length === 0) throw new RangeError('encodeGif: no frames');
  const { fps = 30, maxColors = 256, repeat = 0 } = options;
  if (!(fps > 0)) throw new RangeError(`encodeGif: fps must be positive, got ${fps}`);
  if (!Number.isInteger(maxColors) || maxColors < 2 || maxColors > 256) {
    throw new RangeError(`encodeGif: maxColors must be an integer in [2, 256], got ${maxColors}`);
  }
  const { width, height } = frames[0] as GifFrame;
  const { GIFEncoder, quantize, applyPalette } = api();
  const gif = GIFEncoder();
  const delay = Math.max(10, Math.round(1000 / fps / 10) * 10);
  frames.forEach((f, i) => {
    if (f.width !== width || f.height !== height) {
      throw new RangeError(`encodeGif: frame ${i} is ${f.width}x${f.height}, frame 0 is ${width}x${height}`);
    }
    const rgba = toRgba(f, i);
    const palette = quantize(rgba, maxColors);
    const index = applyPalette(rgba, palette);
    gif.writeFrame(index, width, height, { palette, delay, ...(i === 0 ? { repeat } : {}) });
  });
  gif.finish();
  return gif.bytes();
}

/** Write frames as an animated GIF file (parent folders are created). */
export function writeGif(file: string, frames: readonly GifFrame[], options: GifOptions = {}): void {
  const bytes = encodeGif(frames, options);
  mkdirSync(dirname(resolve(file)), { recursive: true });
  writeFileSync(file, bytes);
}
