import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import * as browser from './node-io.browser';

describe('node-io of the browser build', () => {
  it('encodes zlib with stored blocks that any inflater reads back', () => {
    for (const n of [0, 1, 1000, 65_535, 65_536, 200_001]) {
      const bytes = new Uint8Array(n).map((_, i) => (i * 31 + (i >> 8)) & 0xff);
      expect(new Uint8Array(inflateSync(browser.zlibDeflate(bytes))), `${n} bytes`).toEqual(bytes);
    }
  });

  it('joins paths and reads extensions as strings; files, gunzip and inflate say what to use instead', () => {
    expect(browser.joinPath('runs/gan', '', 'model')).toBe('runs/gan/model');
    expect(browser.extensionOf('a/b.c/photo.JPG')).toBe('.JPG');
    expect(browser.extensionOf('a/.hidden')).toBe('');
    expect(() => browser.readFileBytes('t10k-images-idx3-ubyte.gz')).toThrow(
      /^t10k-images-idx3-ubyte\.gz: files need Node\.js file system access, .*decodeMnist .*fetchMnist/,
    );
    expect(() => browser.writeFileBytes('runs/x/samples.png', new Uint8Array(1))).toThrow(/leave the trainers’ outDir unset/);
    expect(() => browser.gunzip(new Uint8Array(2))).toThrow(/asynchronous decodeMnist/);
    expect(() => browser.zlibInflate(new Uint8Array(2))).toThrow(/createImageBitmap/);
  });
});
