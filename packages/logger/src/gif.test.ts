import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { GifReader } from 'omggif';
import { describe, expect, it } from 'vitest';
import { encodeGif, writeGif } from './gif';

function frame(w: number, h: number, color: [number, number, number], square: number) {
  const data = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const inside = x >= square && x < square + 4 && y >= 2 && y < 6;
      const c = inside ? color : [255, 255, 255];
      data.set(c, (y * w + x) * 3);
    }
  }
  return { width: w, height: h, data };
}

describe('GIF export', () => {
  it('encodes an animation that an independent decoder reads back', () => {
    const frames = [frame(16, 8, [255, 0, 0], 0), frame(16, 8, [0, 0, 255], 6), frame(16, 8, [0, 128, 0], 12)];
    const bytes = encodeGif(frames, { fps: 20 });
    expect(Buffer.from(bytes.subarray(0, 6)).toString('latin1')).toBe('GIF89a');
    const reader = new GifReader(Buffer.from(bytes));
    expect(reader.width).toBe(16);
    expect(reader.height).toBe(8);
    expect(reader.numFrames()).toBe(3);
    expect(reader.frameInfo(0).delay).toBe(5); // 1/20 s in centiseconds
    const rgba = new Uint8Array(16 * 8 * 4);
    reader.decodeAndBlitFrameRGBA(1, rgba);
    const px = (x: number, y: number) => Array.from(rgba.subarray((y * 16 + x) * 4, (y * 16 + x) * 4 + 3));
    expect(px(7, 3)).toEqual([0, 0, 255]);
    expect(px(0, 0)).toEqual([255, 255, 255]);
  });

  it('writes a file and names bad frames', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tfrl-gif-'));
    const file = path.join(dir, 'sub', 'a.gif');
    writeGif(file, [frame(8, 8, [1, 2, 3], 0)]);
    expect(fs.statSync(file).size).toBeGreaterThan(20);
    expect(() => encodeGif([])).toThrow(/no frames/);
    expect(() => encodeGif([frame(8, 8, [0, 0, 0], 0), frame(4, 8, [0, 0, 0], 0)])).toThrow(/frame 1 is 4x8/);
    expect(() => encodeGif([{ width: 2, height: 2, data: new Uint8Array(5) }])).toThrow(/neither RGB nor RGBA/);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
