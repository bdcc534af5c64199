/**
 * Reading back the scalar table {@link CsvLogger} writes as `progress.csv` (the Stable-Baselines3
 * layout: `step` then one column per tag, empty cells where a tag was not recorded).
 */
import { readFileSync } from './node-io';

/** A wide table of numbers: `columns[0]` is usually `step`; missing cells are NaN. */
export interface ScalarTable {
  columns: string[];
  /** One array per column, all `rows` long. */
  values: Float64Array[];
  rows: number;
}

/** Splits CSV text into rows of cells (RFC 4180 quoting; CRLF or LF line ends; blank lines skipped). */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  let touched = false;
  const endRow = () => {
    if (touched || row.length > 0) {
      row.push(cell);
      rows.push(row);
    }
    row = [];
    cell = '';
    touched = false;
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') {
      quoted = true;
      touched = true;
    } else if (c === ',') {
      row.push(cell);
      cell = '';
      touched = true;
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      endRow();
    } else {
      cell += c;
      touched = true;
    }
  }
  endRow();
  return rows;
}

/** A CSV cell as a number: empty → NaN, `nan`/`inf`/`-inf` (any case) as written by CsvLogger; anything else unparsable → NaN. */
export function parseCell(cell: string): number {
  const s = cell.trim().toLowerCase();
  if (s === '' || s === 'nan') return Number.NaN;
  if (s === 'inf' || s === '+inf' || s === 'infinity') return Number.POSITIVE_INFINITY;
  if (s === '-inf' || s === '-infinity') return Number.NEGATIVE_INFINITY;
  const v = Number(s);
  return Number.isNaN(v) ? Number.NaN : v;
}

/** Parses a `progress.csv` text. Throws when it has no header or a row is wider than the header. */
export function parseScalarCsv(text: string, what = 'progress.csv'): ScalarTable {
  const lines = parseCsv(text);
  const header = lines[0];
  if (!header || header.every((c) => c.trim() === '')) throw new Error(`${what} is empty (no header row)`);
  const columns = header.map((c) => c.trim());
  const rows = lines.length - 1;
  const values = columns.map(() => new Float64Array(rows).fill(Number.NaN));
  for (let r = 0; r < rows; r++) {
    const cells = lines[r + 1] as string[];
    if (cells.length > columns.length) {
      throw new Error(`${what}: row ${r + 2} has ${cells.length} cells, the header has ${columns.length}`);
    }
    cells.forEach((cell, c) => {
      (values[c] as Float64Array)[r] = parseCell(cell);
    });
  }
  return { columns, values, rows };
}

/** Reads and parses a `progress.csv` file (see {@link parseScalarCsv}). */
export function readScalarCsv(file: string): ScalarTable {
  return parseScalarCsv(readFileSync(file, 'utf8'), file);
}

/** The column named `name`, or undefined. */
export function scalarColumn(table: ScalarTable, name: string): Float64Array | undefined {
  const i = table.columns.indexOf(name);
  return i < 0 ? undefined : table.values[i];
}
