import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { type Image, convertChannels, encodePng, imageFromFloats, makeImageGrid, writePng } from './png';

function randomImage(width: number, height: number, channels: 1 | 3 | 4, seed: number): Image {
  const data = new Uint8Array(width * height * channels);
  let s = seed;
  for (let i = 0; i < data.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    data[i] = s >>> 24;
  }
  return { width, height, channels, data };
}

/** Reads a PNG with pngjs and returns its pixels in the image's own channel layout. */
function decodeAs(bytes: Uint8Array, channels: 1 | 3 | 4): { width: number; height: number; data: number[] } {
  const png = PNG.sync.read(Buffer.from(bytes));
  const out: number[] = [];
  for (let p = 0; p < png.width * png.height; p++) {
    for (let c = 0; c < channels; c++) out.push(png.data[p * 4 + (channels === 1 ? 0 : c)]!);
  }
  return { width: png.width, height: png.height, data: out };
}

describe('encodePng', () => {
  for (const channels of [1, 3, 4] as const) {
    it(`round-trips a ${channels}-channel image through pngjs's decoder`, () => {
      const img = randomImage(7, 5, channels, channels);
      const bytes = encodePng(img);
      expect(Array.from(bytes.subarray(0, 8))).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
      // IHDR colour type byte: 0 gray, 2 RGB, 6 RGBA.
      expect(bytes[25]).toBe({ 1: 0, 3: 2, 4: 6 }[channels]);
      const dec = decodeAs(bytes, channels);
      expect([dec.width, dec.height]).toEqual([7, 5]);
      expect(dec.data).toEqual(Array.from(img.data));
    });
  }

  it('rejects malformed images, naming the problem', () => {
    expect(() => encodePng({ width: 2, height: 2, channels: 3, data: new Uint8Array(11) })).toThrow(/12/);
    expect(() => encodePng({ width: 0, height: 2, channels: 1, data: new Uint8Array(0) })).toThrow(/width/);
    expect(() => encodePng({ width: 1, height: 1, channels: 2 as any, data: new Uint8Array(2) })).toThrow(/channels/);
  });

  it('writePng creates directories and writes a decodable file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tfrl-png-'));
    try {
      const img = randomImage(4, 3, 3, 9);
      const path = join(dir, 'a', 'b', 'x.png');
      writePng(path, img);
      expect(decodeAs(new Uint8Array(readFileSync(path)), 3).data).toEqual(Array.from(img.data));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('makeImageGrid', () => {
  it('tiles images row by row with padding', () => {
    const tiles = [10, 20, 30].map((v) => ({ width: 2, height: 3, channels: 1 as const, data: new Uint8Array(6).fill(v) }));
    const grid = makeImageGrid(tiles, { cols: 2, padding: 1, padValue: 255 });
    expect([grid.width, grid.height, grid.channels]).toEqual([2 * 2 + 3, 2 * 3 + 3, 1]);
    const at = (x: number, y: number) => grid.data[y * grid.width + x];
    expect(at(0, 0)).toBe(255);
    expect(at(1, 1)).toBe(10);
    expect(at(2, 3)).toBe(10);
    expect(at(3, 1)).toBe(255); // gap between columns
    expect(at(4, 1)).toBe(20);
    expect(at(5, 3)).toBe(20);
    expect(at(1, 5)).toBe(30);
    expect(at(4, 5)).toBe(255); // empty cell
    // Round trip through PNG.
    const dec = decodeAs(encodePng(grid), 1);
    expect(dec.data).toEqual(Array.from(grid.data));
  });

  it('promotes mixed channel counts and defaults to a square layout', () => {
    const gray = { width: 1, height: 1, channels: 1 as const, data: Uint8Array.from([7]) };
    const rgb = { width: 1, height: 1, channels: 3 as const, data: Uint8Array.from([1, 2, 3]) };
    const grid = makeImageGrid([gray, rgb, gray, rgb], { padding: 0 });
    expect([grid.width, grid.height, grid.channels]).toEqual([2, 2, 3]);
    expect(Array.from(grid.data)).toEqual([7, 7, 7, 1, 2, 3, 7, 7, 7, 1, 2, 3]);
  });

  it('rejects empty input and mismatched sizes', () => {
    expect(() => makeImageGrid([])).toThrow(/empty/);
    const a = randomImage(2, 2, 1, 1);
    const b = randomImage(3, 2, 1, 1);
    expect(() => makeImageGrid([a, b])).toThrow(/images\[1\] is 3x2/);
  });
});

describe('conversions', () => {
  it('imageFromFloats maps [min, max] to [0, 255] with clipping', () => {
    const img = imageFromFloats([-1, 0, 0.5, 1, 2, Number.NaN], { width: 3, height: 2, channels: 1 }, { min: 0, max: 1 });
    expect(Array.from(img.data)).toEqual([0, 0, 128, 255, 255, 0]);
    const sym = imageFromFloats([-1, 0, 1], { width: 3, height: 1, channels: 1 }, { min: -1, max: 1 });
    expect(Array.from(sym.data)).toEqual([0, 128, 255]);
    expect(() => imageFromFloats([0], { width: 2, height: 1, channels: 1 })).toThrow(/expected/);
  });

  it('convertChannels converts between gray, RGB and RGBA', () => {
    const rgb = { width: 2, height: 1, channels: 3 as const, data: Uint8Array.from([255, 0, 0, 9, 9, 9]) };
    expect(Array.from(convertChannels(rgb, 4).data)).toEqual([255, 0, 0, 255, 9, 9, 9, 255]);
    expect(Array.from(convertChannels(rgb, 1).data)).toEqual([76, 9]);
  });
});
