import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { Rng } from '@tfrl/core';
import { describe, expect, it } from 'vitest';
import {
  type RasterImage,
  centerCropResize,
  decodePng,
  encodePngImage,
  floatImagesToGrid,
  imageFolderBatches,
  writePngImage,
} from './image-folder';

function rgb(width: number, height: number, f: (x: number, y: number) => [number, number, number]): RasterImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data.set(f(x, y), (y * width + x) * 3);
  return { width, height, channels: 3, data };
}

/** A PNG whose rows use filters 0..4 in turn (the decoder must undo each). */
function pngWithAllFilters(img: RasterImage): Uint8Array {
  const plain = Buffer.from(encodePngImage(img));
  const bpp = 3;
  const stride = img.width * bpp;
  const px = img.data;
  const rows: number[] = [];
  for (let y = 0; y < img.height; y++) {
    const f = y % 5;
    rows.push(f);
    for (let x = 0; x < stride; x++) {
      const r = px[y * stride + x] as number;
      const a = x >= bpp ? (px[y * stride + x - bpp] as number) : 0;
      const b = y > 0 ? (px[(y - 1) * stride + x] as number) : 0;
      const c = x >= bpp && y > 0 ? (px[(y - 1) * stride + x - bpp] as number) : 0;
      let pred = 0;
      if (f === 1) pred = a;
      else if (f === 2) pred = b;
      else if (f === 3) pred = (a + b) >> 1;
      else if (f === 4) {
        const p = a + b - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - b);
        const pc = Math.abs(p - c);
        pred = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      }
      rows.push((r - pred) & 0xff);
    }
  }
  // Rebuild: signature + IHDR (copied) + new IDAT + IEND.
  const ihdr = plain.subarray(8, 8 + 25);
  const idatData = deflateSync(Buffer.from(rows));
  const idat = Buffer.alloc(12 + idatData.length);
  idat.writeUInt32BE(idatData.length, 0);
  idat.write('IDAT', 4, 'ascii');
  idatData.copy(idat, 8); // CRC left 0: the decoder does not check it
  const iend = plain.subarray(plain.length - 12);
  return Buffer.concat([plain.subarray(0, 8), ihdr, idat, iend]);
}

describe('PNG codec', () => {
  it('round-trips RGB and grey images, and decodes every filter type', () => {
    const img = rgb(7, 6, (x, y) => [x * 30, y * 40, (x * y * 13) % 256]);
    const back = decodePng(encodePngImage(img));
    expect(back.width).toBe(7);
    expect(back.height).toBe(6);
    expect(Array.from(back.data)).toEqual(Array.from(img.data));
    const filtered = decodePng(pngWithAllFilters(img));
    expect(Array.from(filtered.data)).toEqual(Array.from(img.data));
    const grey: RasterImage = { width: 3, height: 2, channels: 1, data: Uint8Array.from([0, 50, 100, 150, 200, 250]) };
    const g = decodePng(encodePngImage(grey));
    expect(Array.from(g.data.subarray(0, 6))).toEqual([0, 0, 0, 50, 50, 50]);
    expect(() => decodePng(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]), 'x.png')).toThrow(/x\.png is not a PNG/);
  });

  it('tiles float images into a grid', () => {
    const vals = new Float32Array(4 * 2 * 2).fill(-1);
    vals.fill(1, 4, 8); // second image white
    const grid = floatImagesToGrid(vals, 4, 2, 2, 1, { cols: 2, padding: 1, range: [-1, 1] });
    expect([grid.width, grid.height]).toEqual([7, 7]);
    expect(grid.data[1 * 7 + 1]).toBe(0); // first tile black
    expect(grid.data[1 * 7 + 4]).toBe(255); // second tile white
    expect(grid.data[0]).toBe(64); // padding
  });
});

describe('centerCropResize', () => {
  it('crops the centre square of a wide image and keeps constants constant', () => {
    // 8×4: columns 0-1 and 6-7 blue, 2-5 green; the centre 4×4 crop is all green.
    const img = rgb(8, 4, (x) => (x < 2 || x > 5 ? [0, 0, 255] : [0, 255, 0]));
    const out = new Float32Array(2 * 2 * 3);
    centerCropResize(img, 2, 2, out, 0, [0, 1]);
    for (let i = 0; i < 4; i++) expect(Array.from(out.subarray(3 * i, 3 * i + 3))).toEqual([0, 1, 0]);
  });

  it('interpolates bilinearly (2× downsample of a ramp averages pixel pairs; upsample blends)', () => {
    const ramp = rgb(4, 4, (x) => [x * 60, 0, 0]); // 0, 60, 120, 180
    const out = new Float32Array(2 * 2 * 3);
    centerCropResize(ramp, 2, 2, out, 0, [0, 255]);
    expect(out[0]).toBeCloseTo(30, 4); // centre of pixels 0 and 1
    expect(out[3]).toBeCloseTo(150, 4);
    const two = rgb(2, 1, (x) => [x * 200, 0, 0]);
    const up = new Float32Array(4 * 2 * 3);
    // 2×1 → 4×2: source x = (ox + 0.5)/2 - 0.5 → -0.25→0, 0.25, 0.75, 1.25→1
    centerCropResize(two, 2, 4, up, 0, [0, 255]);
    expect([up[0], up[3], up[6], up[9]].map((v) => Math.round(v as number))).toEqual([0, 50, 150, 200]);
  });
});

describe('imageFolderBatches', () => {
  it('streams a folder in batches of resized images in [-1, 1], recursively and seeded', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tfrl-imgs-'));
    mkdirSync(join(dir, 'sub'));
    const colours: [number, number, number][] = [
      [255, 0, 0],
      [0, 255, 0],
      [0, 0, 255],
      [255, 255, 255],
      [0, 0, 0],
    ];
    colours.forEach((c, i) =>
      writePngImage(
        join(dir, i < 3 ? '' : 'sub', `img${i}.png`),
        rgb(10 + i, 8, () => c),
      ),
    );
    writeFileSync(join(dir, 'notes.txt'), 'not an image');
    const batches = [];
    for await (const b of imageFolderBatches({ dir, batchSize: 2, height: 4, width: 4 })) batches.push(b);
    expect(batches.map((b) => b.count)).toEqual([2, 2, 1]);
    const first = batches[0];
    expect(first?.images.length).toBe(2 * 4 * 4 * 3);
    expect(Array.from(first?.images.subarray(0, 3) ?? [])).toEqual([1, -1, -1]); // img0 red
    expect(Array.from(batches[2]?.images.subarray(0, 3) ?? [])).toEqual([-1, -1, -1]); // sub/img4 black
    const shuffled = [];
    for await (const b of imageFolderBatches({ dir, batchSize: 5, height: 4, rng: new Rng(1), range: [0, 1], dropLast: true })) {
      shuffled.push(...b.paths);
      expect(Math.max(...b.images)).toBeLessThanOrEqual(1);
      expect(Math.min(...b.images)).toBeGreaterThanOrEqual(0);
    }
    expect(shuffled.length).toBe(5);
    expect([...shuffled].sort()).toEqual(batches.flatMap((b) => b.paths).sort());
    writeFileSync(join(dir, 'photo.jpg'), Buffer.from([0xff, 0xd8, 0xff]));
    await expect(async () => {
      for await (const _ of imageFolderBatches({ dir, batchSize: 8 })) {
        /* drain */
      }
    }).rejects.toThrow(/photo\.jpg is not a readable JPEG/);
    await expect(async () => {
      for await (const _ of imageFolderBatches({ dir: join(dir, 'missing'), batchSize: 2 })) {
        /* drain */
      }
    }).rejects.toThrow(/cannot read directory .*missing/);
  });
});

describe('JPEG images', () => {
  it('decodes JPEG files in a folder (jpeg-js) and centre-crops them like PNGs', async () => {
    const jpeg = (await import('jpeg-js')).default;
    const dir = mkdtempSync(join(tmpdir(), 'tfrl-jpg-'));
    // 16×8 RGBA: left half red, right half blue; the centre crop (8×8) keeps columns 4..11.
    const w = 16;
    const h = 8;
    const rgba = Buffer.alloc(w * h * 4);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const o = (y * w + x) * 4;
        rgba[o] = x < 8 ? 255 : 0;
        rgba[o + 2] = x < 8 ? 0 : 255;
        rgba[o + 3] = 255;
      }
    }
    writeFileSync(join(dir, 'a.jpg'), jpeg.encode({ data: rgba, width: w, height: h }, 95).data);
    writeFileSync(join(dir, 'broken.jpeg'), Buffer.from([0xff, 0xd8, 0x00, 0x01]));
    const { decodeJpeg } = await import('./image-folder');
    const img = decodeJpeg(new Uint8Array(jpeg.encode({ data: rgba, width: w, height: h }, 95).data), 'a.jpg');
    expect([img.width, img.height, img.channels]).toEqual([16, 8, 3]);
    expect(img.data[0]).toBeGreaterThan(200); // red at (0, 0)
    expect(img.data[15 * 3 + 2]).toBeGreaterThan(200); // blue at (15, 0)
    const batches = [];
    await expect(async () => {
      for await (const b of imageFolderBatches({ dir, batchSize: 1, height: 8, width: 8, range: [0, 1] })) batches.push(b);
    }).rejects.toThrow(/broken\.jpeg/);
    expect(batches.length).toBe(1);
  });
});
