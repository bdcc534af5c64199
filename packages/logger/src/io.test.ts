import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CsvLogger } from './csv';
import { appendFileChecked, writeFileChecked } from './io';
import { JsonlLogger } from './jsonl';

// /dev/full fails every write with ENOSPC, as a full log disk does.
describe.skipIf(!existsSync('/dev/full'))('a full disk: the error names the file that could not be written', () => {
  it('plain writes and appends', () => {
    expect(() => writeFileChecked('/dev/full', 'x')).toThrow(/^cannot write \/dev\/full: ENOSPC/);
    expect(() => appendFileChecked('/dev/full', 'x')).toThrow(/^cannot write \/dev\/full: ENOSPC/);
  });

  it('the CSV and JSONL sinks', () => {
    expect(() => {
      const csv = new CsvLogger('/dev/full');
      csv.scalar('a', 1, 0);
      csv.dump();
    }).toThrow(/cannot write \/dev\/full: ENOSPC/);
    expect(() => {
      const jsonl = new JsonlLogger('/dev/full');
      jsonl.scalar('a', 1, 0);
      jsonl.flush();
    }).toThrow(/cannot write \/dev\/full: ENOSPC/);
  });
});
