import { dirname, existsSync, mkdirSync, readFileSync, renameSync } from './node-io';
import { appendFileChecked, fileError, writeFileChecked } from './io';
import type { Logger } from './logger';
import type { Image } from './png';

export interface CsvLoggerOptions {
  /** Name of the first column (default `'step'`). */
  stepColumn?: string;
  /** Continue an existing file (its header and rows are kept) instead of starting an empty one. */
  append?: boolean;
}

/**
 * Scalars as a wide CSV table in the style of Stable-Baselines3's `progress.csv`: one row per
 * {@link dump} holding every tag recorded since the previous dump (the last value of a tag wins),
 * empty cells for tags not recorded. Columns are `step` then tags in order of first appearance.
 * When a new tag appears the file is rewritten (temp file + rename) with the wider header and
 * empty cells in the old rows, so the file is always a valid rectangular CSV.
 * Histograms, images and text are ignored. Non-finite values are written `nan`, `inf`, `-inf`.
 */
export class CsvLogger implements Logger {
  readonly path: string;
  private readonly columns: string[];
  private readonly known = new Set<string>();
  private pending = new Map<string, number>();
  private lastStep: number | undefined;
  private closed = false;

  constructor(path: string, options: CsvLoggerOptions = {}) {
    this.path = path;
    this.columns = [options.stepColumn ?? 'step'];
    mkdirSync(dirname(path), { recursive: true });
    const old = options.append && existsSync(path) ? readFileSync(path, 'utf8') : '';
    const header = old.split('\n')[0] ?? '';
    if (header.length > 0) {
      // Tags are written escaped; the existing header gives the known columns in order.
      for (const col of parseCsvHeader(header).slice(1)) {
        this.columns.push(col);
        this.known.add(col);
      }
    } else {
      writeFileChecked(path, '');
    }
  }

  /** The current header, `step` first. */
  get header(): readonly string[] {
    return this.columns;
  }

  scalar(tag: string, value: number, step: number): void {
    this.checkOpen();
    this.pending.set(tag, value);
    this.lastStep = this.lastStep === undefined ? step : Math.max(this.lastStep, step);
  }

  histogram(_tag: string, _values: ArrayLike<number>, _step: number): void {}
  image(_tag: string, _img: Image, _step: number): void {}
  text(_tag: string, _text: string, _step: number): void {}

  /** Writes one row with the values recorded since the last dump; `step` defaults to the largest step seen. */
  dump(step?: number): void {
    this.checkOpen();
    if (this.pending.size === 0) return;
    const rowStep = step ?? this.lastStep ?? 0;
    const fresh = [...this.pending.keys()].filter((t) => !this.known.has(t));
    if (fresh.length > 0) this.widen(fresh);
    const cells = this.columns.map((col, i) => {
      if (i === 0) return formatNumber(rowStep);
      const v = this.pending.get(col);
      return v === undefined ? '' : formatNumber(v);
    });
    appendFileChecked(this.path, `${cells.join(',')}\n`);
    this.pending = new Map();
    this.lastStep = undefined;
  }

  /** Rows are written at each dump, so there is nothing buffered to flush. */
  flush(): void {}

  /** Dumps values recorded since the last dump, then stops accepting records. */
  close(): void {
    if (this.closed) return;
    this.dump();
    this.closed = true;
  }

  private widen(fresh: string[]): void {
    const hadHeader = this.columns.length > 1;
    for (const t of fresh) {
      this.known.add(t);
      this.columns.push(t);
    }
    const header = this.columns.map(csvEscape).join(',');
    if (!hadHeader) {
      writeFileChecked(this.path, `${header}\n`);
      return;
    }
    // Data rows hold only numbers, so padding each line with empty cells is exact.
    const lines = readFileSync(this.path, 'utf8')
      .split('\n')
      .filter((l) => l.length > 0);
    const pad = ','.repeat(fresh.length);
    const body = lines
      .slice(1)
      .map((l) => `${l}${pad}\n`)
      .join('');
    const tmp = `${this.path}.tmp`;
    writeFileChecked(tmp, `${header}\n${body}`);
    try {
      renameSync(tmp, this.path);
    } catch (e) {
      throw fileError(this.path, e);
    }
  }

  private checkOpen(): void {
    if (this.closed) throw new Error(`CsvLogger: write after close (${this.path})`);
  }
}

function formatNumber(v: number): string {
  if (Number.isNaN(v)) return 'nan';
  if (v === Number.POSITIVE_INFINITY) return 'inf';
  if (v === Number.NEGATIVE_INFINITY) return '-inf';
  return String(v);
}

/** Quotes a header cell when it holds a comma, quote or line break (RFC 4180). */
export function csvEscape(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** The cells of a CSV header line written by {@link CsvLogger} (quoted cells may hold commas). */
function parseCsvHeader(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i] as string;
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}
