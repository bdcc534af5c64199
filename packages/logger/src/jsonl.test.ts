import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { JsonlLogger } from './jsonl';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tfrl-jsonl-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const readLines = (p: string) =>
  readFileSync(p, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l));

describe('JsonlLogger', () => {
  it('writes one object per record', () => {
    const path = join(dir, 'log.jsonl');
    const j = new JsonlLogger(path, { now: () => 1_700_000_000_500, imageDir: join(dir, 'images') });
    j.scalar('train/loss', 0.5, 3);
    j.scalar('bad', Number.NaN, 4);
    j.histogram('w', [1, 2, 3, 4], 5);
    j.text('notes', 'line1\nline2 "quoted"', 6);
    const img = { width: 2, height: 1, channels: 3 as const, data: Uint8Array.from([255, 0, 0, 0, 0, 255]) };
    j.image('samples/grid', img, 7);
    j.close();
    const recs = readLines(path);
    expect(recs).toHaveLength(5);
    expect(recs[0]).toEqual({ type: 'scalar', tag: 'train/loss', step: 3, wall_time: 1_700_000_000.5, value: 0.5 });
    expect(recs[1]).toMatchObject({ type: 'scalar', tag: 'bad', value: 'NaN' });
    expect(recs[2]).toMatchObject({ type: 'histogram', tag: 'w', step: 5, count: 4, min: 1, max: 4, mean: 2.5 });
    expect(recs[2].std).toBeCloseTo(Math.sqrt(1.25), 12);
    expect(recs[3]).toMatchObject({ type: 'text', tag: 'notes', step: 6, text: 'line1\nline2 "quoted"' });
    expect(recs[4]).toMatchObject({
      type: 'image',
      tag: 'samples/grid',
      step: 7,
      width: 2,
      height: 1,
      channels: 3,
      path: 'images/samples/grid/7.png',
    });
    const png = PNG.sync.read(readFileSync(join(dir, recs[4].path)));
    expect(Array.from(png.data)).toEqual([255, 0, 0, 255, 0, 0, 255, 255]);
  });

  it('buffers until flush or N records, appends to an existing file', () => {
    const path = join(dir, 'log.jsonl');
    const j = new JsonlLogger(path, { flushEveryRecords: 3, flushEverySeconds: 0 });
    j.scalar('a', 1, 1);
    j.scalar('a', 2, 2);
    expect(readLines(path)).toHaveLength(0);
    j.scalar('a', 3, 3);
    expect(readLines(path)).toHaveLength(3);
    j.scalar('a', 4, 4);
    j.flush();
    expect(readLines(path)).toHaveLength(4);
    j.close();
    expect(() => j.scalar('a', 5, 5)).toThrow(/after close/);
    const again = new JsonlLogger(path, { flushEverySeconds: 0 });
    again.scalar('a', 5, 5);
    again.close();
    expect(readLines(path).map((r) => r.value)).toEqual([1, 2, 3, 4, 5]);
  });

  it('without imageDir records only the image shape, and tags cannot escape imageDir', () => {
    const path = join(dir, 'log.jsonl');
    const j = new JsonlLogger(path, { flushEverySeconds: 0 });
    j.image('x', { width: 1, height: 1, channels: 1, data: new Uint8Array(1) }, 0);
    j.close();
    expect(readLines(path)[0]).not.toHaveProperty('path');

    const k = new JsonlLogger(path, { flushEverySeconds: 0, imageDir: join(dir, 'img') });
    k.image('../../evil', { width: 1, height: 1, channels: 1, data: new Uint8Array(1) }, 1);
    k.close();
    expect(readLines(path)[1].path).toBe('img/_/_/evil/1.png');
    expect(existsSync(join(dir, 'img', '_', '_', 'evil', '1.png'))).toBe(true);
  });
});
