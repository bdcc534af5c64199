import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CsvLogger } from './csv';
import { parseCsv, parseScalarCsv, readScalarCsv, scalarColumn } from './progress';

describe('progress.csv reading', () => {
  it('reads back what CsvLogger writes, with empty cells as NaN', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tfrl-progress-'));
    const file = path.join(dir, 'progress.csv');
    const log = new CsvLogger(file);
    log.scalar('rollout/ep_rew_mean', 10, 100);
    log.dump();
    log.scalar('rollout/ep_rew_mean', 20, 200);
    log.scalar('eval/mean_reward', Number.POSITIVE_INFINITY, 200);
    log.scalar('odd,"tag"', Number.NaN, 200);
    log.dump();
    log.close();
    const t = readScalarCsv(file);
    expect(t.columns).toEqual(['step', 'rollout/ep_rew_mean', 'eval/mean_reward', 'odd,"tag"']);
    expect(t.rows).toBe(2);
    expect(Array.from(scalarColumn(t, 'step')!)).toEqual([100, 200]);
    expect(Array.from(scalarColumn(t, 'rollout/ep_rew_mean')!)).toEqual([10, 20]);
    expect(Array.from(scalarColumn(t, 'eval/mean_reward')!)).toEqual([Number.NaN, Number.POSITIVE_INFINITY]);
    expect(Number.isNaN(scalarColumn(t, 'odd,"tag"')![1])).toBe(true);
    expect(scalarColumn(t, 'nope')).toBeUndefined();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('splits CSV with quotes and CRLF, and names malformed tables', () => {
    expect(parseCsv('a,"b,c"\r\n1,"x""y"\n\n2,\n')).toEqual([
      ['a', 'b,c'],
      ['1', 'x"y'],
      ['2', ''],
    ]);
    expect(() => parseScalarCsv('', 'run/progress.csv')).toThrow(/run\/progress.csv is empty/);
    expect(() => parseScalarCsv('step,a\n1,2,3\n', 'p.csv')).toThrow(/p.csv: row 2 has 3 cells, the header has 2/);
    const t = parseScalarCsv('step,a\n1\n2,abc\n');
    expect(Array.from(t.values[1]!)).toEqual([Number.NaN, Number.NaN]);
  });
});
