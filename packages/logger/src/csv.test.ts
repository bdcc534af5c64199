import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CsvLogger, csvEscape } from './csv';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tfrl-csv-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const read = (p: string) => readFileSync(p, 'utf8');

describe('CsvLogger', () => {
  it('writes one row per dump with all tags since the last dump, widening the header', () => {
    const path = join(dir, 'sub', 'progress.csv');
    const csv = new CsvLogger(path);
    csv.scalar('rollout/ep_rew_mean', 10, 100);
    csv.scalar('train/loss', 0.5, 100);
    csv.scalar('train/loss', 0.25, 128); // last value of a tag wins
    csv.dump(128);
    expect(read(path)).toBe('step,rollout/ep_rew_mean,train/loss\n128,10,0.25\n');

    csv.scalar('train/loss', 0.125, 256);
    csv.scalar('train/entropy', 1.5, 256);
    csv.dump(256);
    expect(read(path)).toBe('step,rollout/ep_rew_mean,train/loss,train/entropy\n128,10,0.25,\n256,,0.125,1.5\n');
    expect(csv.header).toEqual(['step', 'rollout/ep_rew_mean', 'train/loss', 'train/entropy']);

    csv.dump(300); // nothing recorded: no row
    csv.scalar('rollout/ep_rew_mean', Number.NaN, 384);
    csv.scalar('x', Number.POSITIVE_INFINITY, 384);
    csv.scalar('y', Number.NEGATIVE_INFINITY, 380);
    csv.dump(); // step defaults to the largest step recorded
    const lines = read(path).trimEnd().split('\n');
    expect(lines[0]).toBe('step,rollout/ep_rew_mean,train/loss,train/entropy,x,y');
    expect(lines.slice(1)).toEqual(['128,10,0.25,,,', '256,,0.125,1.5,,', '384,nan,,,inf,-inf']);
    for (const l of lines) expect(l.split(',')).toHaveLength(6);
    csv.close();
  });

  it('ignores histograms, images and text, dumps pending values on close', () => {
    const path = join(dir, 'p.csv');
    const csv = new CsvLogger(path);
    csv.histogram('h', [1, 2], 1);
    csv.image('i', { width: 1, height: 1, channels: 1, data: new Uint8Array(1) }, 1);
    csv.text('t', 'hello', 1);
    csv.scalar('a', 1, 7);
    csv.flush();
    expect(read(path)).toBe('');
    csv.close();
    expect(read(path)).toBe('step,a\n7,1\n');
    expect(() => csv.scalar('a', 2, 8)).toThrow(/after close/);
  });

  it('quotes header cells that need it', () => {
    expect(csvEscape('plain/tag')).toBe('plain/tag');
    expect(csvEscape('a,b')).toBe('"a,b"');
    expect(csvEscape('say "hi"')).toBe('"say ""hi"""');
    const path = join(dir, 'q.csv');
    const csv = new CsvLogger(path);
    csv.scalar('loss, total', 2, 1);
    csv.close();
    expect(read(path)).toBe('step,"loss, total"\n1,2\n');
  });
});
