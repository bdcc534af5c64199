import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Rng } from '@tfrl/core';
import { describe, expect, it } from 'vitest';
import { decodeMnist, fetchMnist, loadMnist, mnistPaths, splitTrainHeldOut } from './mnist';

const dir = mkdtempSync(join(tmpdir(), 'tfrl-mnist-'));

function idxImages(n: number, rows: number, cols: number, fill: (i: number) => number, magic = 0x803): Buffer {
  const b = Buffer.alloc(16 + n * rows * cols);
  b.writeUInt32BE(magic, 0);
  b.writeUInt32BE(n, 4);
  b.writeUInt32BE(rows, 8);
  b.writeUInt32BE(cols, 12);
  for (let i = 0; i < n * rows * cols; i++) b[16 + i] = fill(i);
  return b;
}
function idxLabels(labels: number[], magic = 0x801): Buffer {
  const b = Buffer.alloc(8 + labels.length);
  b.writeUInt32BE(magic, 0);
  b.writeUInt32BE(labels.length, 4);
  labels.forEach((l, i) => {
    b[8 + i] = l;
  });
  return b;
}
function write(name: string, data: Buffer): string {
  const p = join(dir, name);
  writeFileSync(p, data);
  return p;
}

describe('loadMnist', () => {
  const imgs = idxImages(3, 2, 2, (i) => (i * 20) % 256);
  const labs = idxLabels([7, 0, 9]);

  it('reads raw and gzip IDX files identically, pixels in [0, 1]', () => {
    const raw = loadMnist({ imagesPath: write('a-img', imgs), labelsPath: write('a-lab', labs) });
    const gz = loadMnist({ imagesPath: write('b-img.gz', gzipSync(imgs)), labelsPath: write('b-lab', gzipSync(labs)) });
    expect(raw.count).toBe(3);
    expect([raw.rows, raw.cols, raw.channels]).toEqual([2, 2, 1]);
    expect(Array.from(raw.labels)).toEqual([7, 0, 9]);
    expect(raw.images.length).toBe(12);
    expect(raw.images[5]).toBeCloseTo(100 / 255, 6);
    expect(raw.images[11]).toBeCloseTo(220 / 255, 6);
    expect(Array.from(gz.images)).toEqual(Array.from(raw.images));
    expect(Array.from(gz.labels)).toEqual([7, 0, 9]);
    const lim = loadMnist({ imagesPath: join(dir, 'a-img'), labelsPath: join(dir, 'a-lab'), limit: 2 });
    expect(lim.count).toBe(2);
    expect(lim.images.length).toBe(8);
    expect(Array.from(lim.labels)).toEqual([7, 0]);
  });

  it('names the file and the problem for missing, bad-magic, truncated and mismatched files', () => {
    const missing = join(dir, 'nope.gz');
    expect(() => loadMnist({ imagesPath: missing })).toThrow(/cannot read .*nope\.gz/);
    const badMagic = write(
      'bad-magic',
      idxImages(3, 2, 2, () => 0, 0x801),
    );
    expect(() => loadMnist({ imagesPath: badMagic })).toThrow(/bad-magic has bad magic 0x00000801/);
    const wrongDims = write(
      'wrong-dims',
      idxImages(3, 2, 2, () => 0, 0x802),
    );
    expect(() => loadMnist({ imagesPath: wrongDims })).toThrow(/wrong-dims has bad magic .*2 dims/);
    const trunc = write('trunc', imgs.subarray(0, imgs.length - 1));
    expect(() => loadMnist({ imagesPath: trunc })).toThrow(/trunc is truncated: dims \[3 × 2 × 2\] need 28 bytes, the file has 27/);
    const tiny = write('tiny', imgs.subarray(0, 10));
    expect(() => loadMnist({ imagesPath: tiny })).toThrow(/tiny is truncated: 10 bytes/);
    const badGz = write('bad.gz', Buffer.from([0x1f, 0x8b, 1, 2, 3]));
    expect(() => loadMnist({ imagesPath: badGz })).toThrow(/bad\.gz starts like gzip/);
    const twoLabels = write('two-labels', idxLabels([1, 2]));
    expect(() => loadMnist({ imagesPath: join(dir, 'a-img'), labelsPath: twoLabels })).toThrow(
      /two-labels has 2 labels but .*a-img has 3 images/,
    );
    const labAsImg = join(dir, 'a-lab');
    expect(() => loadMnist({ imagesPath: labAsImg })).toThrow(/a-lab (has bad magic|is truncated)/);
  });

  it('splits train / held-out reproducibly without overlap', () => {
    const n = 20;
    const p = write(
      'split-img',
      idxImages(n, 1, 1, (i) => i),
    );
    const l = write('split-lab', idxLabels(Array.from({ length: n }, (_, i) => i % 10)));
    const data = loadMnist({ imagesPath: p, labelsPath: l });
    const a = splitTrainHeldOut(data, 5, new Rng(3));
    const b = splitTrainHeldOut(data, 5, new Rng(3));
    expect(a.heldOut.count).toBe(5);
    expect(a.train.count).toBe(15);
    expect(Array.from(a.heldOut.images)).toEqual(Array.from(b.heldOut.images));
    const ids = [...a.train.images, ...a.heldOut.images].map((v) => Math.round(v * 255)).sort((x, y) => x - y);
    expect(ids).toEqual(Array.from({ length: n }, (_, i) => i));
    // labels follow their images
    for (let i = 0; i < 5; i++) expect(a.heldOut.labels[i]).toBe(Math.round((a.heldOut.images[i] as number) * 255) % 10);
    expect(() => splitTrainHeldOut(data, 20, new Rng(0))).toThrow(/nHeldOut/);
  });

  const shipped = '/work/shared/data/mnist';
  it.runIf(existsSync(join(shipped, 't10k-images-idx3-ubyte.gz')))('loads the shipped 10k test split', () => {
    const data = loadMnist(mnistPaths(shipped, 't10k'));
    expect(data.count).toBe(10000);
    expect([data.rows, data.cols]).toEqual([28, 28]);
    expect(data.images.length).toBe(10000 * 784);
    expect(data.labels.length).toBe(10000);
    let max = 0;
    let mean = 0;
    for (const v of data.images) {
      if (v > max) max = v;
      mean += v;
    }
    mean /= data.images.length;
    expect(max).toBe(1);
    expect(mean).toBeGreaterThan(0.1);
    expect(mean).toBeLessThan(0.15); // MNIST mean intensity ≈ 0.13
    const counts = new Array(10).fill(0);
    for (const l of data.labels) counts[l]++;
    for (const c of counts) expect(c).toBeGreaterThan(800);
  });
});

describe('decodeMnist and fetchMnist (browser-safe)', () => {
  const imgs = idxImages(3, 2, 2, (i) => (i * 20) % 256);
  const labs = idxLabels([7, 0, 9]);

  it('decode bytes, ArrayBuffers and Blobs, gzip or not, like loadMnist reads files', async () => {
    const fromFiles = loadMnist({ imagesPath: write('d-img', imgs), labelsPath: write('d-lab', labs) });
    const raw = await decodeMnist({ images: new Uint8Array(imgs), labels: new Uint8Array(labs) });
    const gzBuffer = gzipSync(imgs);
    const gz = await decodeMnist({
      images: gzBuffer.buffer.slice(gzBuffer.byteOffset, gzBuffer.byteOffset + gzBuffer.byteLength),
      labels: new Blob([gzipSync(labs)]),
    });
    for (const d of [raw, gz]) {
      expect(d).toEqual(fromFiles);
    }
    expect((await decodeMnist({ images: imgs, limit: 2 })).count).toBe(2);
    await expect(decodeMnist({ images: new Uint8Array([0x1f, 0x8b, 1, 2, 3]), imagesName: 'upload.gz' })).rejects.toThrow(
      /upload\.gz starts like gzip but does not decompress/,
    );
    await expect(decodeMnist({ images: imgs, labels: idxLabels([1, 2]) })).rejects.toThrow('labels has 2 labels but images has 3 images');
    await expect(decodeMnist({ images: 'a path' as unknown as Uint8Array })).rejects.toThrow(/images must be a Uint8Array/);
  });

  it('fetchMnist downloads the files with fetch and names a failed URL', async () => {
    const served: Record<string, Uint8Array> = { '/mnist/img.gz': gzipSync(imgs), '/mnist/lab': labs };
    const fetch = async (url: string | URL) => {
      const body = served[String(url)];
      return {
        ok: body !== undefined,
        status: body ? 200 : 404,
        statusText: body ? 'OK' : 'Not Found',
        // A copy: a Buffer's slice() shares its pooled ArrayBuffer.
        arrayBuffer: async () => (body ? new Uint8Array(body).buffer : new ArrayBuffer(0)),
      };
    };
    const data = await fetchMnist({ imagesUrl: '/mnist/img.gz', labelsUrl: '/mnist/lab', fetch });
    expect(Array.from(data.labels)).toEqual([7, 0, 9]);
    await expect(fetchMnist({ imagesUrl: '/mnist/nope', fetch })).rejects.toThrow('fetchMnist: /mnist/nope answered HTTP 404 Not Found');
  });

  const shipped = '/work/shared/data/mnist';
  it.runIf(existsSync(join(shipped, 't10k-images-idx3-ubyte.gz')))('decodes the shipped test split as loadMnist reads it', async () => {
    const files = mnistPaths(shipped, 't10k');
    const fromFiles = loadMnist({ ...files, limit: 500 });
    const decoded = await decodeMnist({
      images: new Blob([readFileSync(files.imagesPath)]),
      labels: new Uint8Array(readFileSync(files.labelsPath)),
      limit: 500,
    });
    expect(decoded).toEqual(fromFiles);
  });
});
