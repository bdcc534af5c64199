import { appendFileChecked, writeFileChecked } from './io';
import { dirname, join, mkdirSync, relative } from './node-io';
import type { Logger } from './logger';
import { type Image, validateImage, writePng } from './png';

export interface JsonlLoggerOptions {
  /** Flush after this many buffered lines (default 100). */
  flushEveryRecords?: number;
  /** Flush at least this often, in seconds (default 10; 0 disables the timer). */
  flushEverySeconds?: number;
  /**
   * When set, images are written as PNG files `<imageDir>/<tag>/<step>.png` and the record holds
   * their path relative to the JSONL file's directory; otherwise image records hold only the shape.
   */
  imageDir?: string;
  /** Clock in milliseconds since the epoch (tests inject one). */
  now?: () => number;
}

/** One line of a JSONL log. Non-finite numbers are written as the strings `"NaN"`, `"Infinity"`, `"-Infinity"`. */
export type JsonlRecord =
  | { type: 'scalar'; tag: string; step: number; wall_time: number; value: number | string }
  | {
      type: 'histogram';
      tag: string;
      step: number;
      wall_time: number;
      count: number;
      min: number | null;
      max: number | null;
      mean: number | null;
      std: number | null;
    }
  | {
      type: 'image';
      tag: string;
      step: number;
      wall_time: number;
      width: number;
      height: number;
      channels: number;
      path?: string;
    }
  | { type: 'text'; tag: string; step: number; wall_time: number; text: string };

/** Appends one JSON object per record to a `.jsonl` file, buffered. */
export class JsonlLogger implements Logger {
  readonly path: string;
  private lines: string[] = [];
  private readonly flushEveryRecords: number;
  private readonly imageDir: string | undefined;
  private readonly now: () => number;
  private timer: ReturnType<typeof setInterval> | undefined;
  private closed = false;

  constructor(path: string, options: JsonlLoggerOptions = {}) {
    this.path = path;
    this.flushEveryRecords = options.flushEveryRecords ?? 100;
    this.imageDir = options.imageDir;
    this.now = options.now ?? Date.now;
    mkdirSync(dirname(path), { recursive: true });
    writeFileChecked(path, '', { flag: 'a' });
    const secs = options.flushEverySeconds ?? 10;
    if (secs > 0) {
      this.timer = setInterval(() => this.flush(), secs * 1000);
      this.timer.unref?.();
    }
  }

  scalar(tag: string, value: number, step: number): void {
    this.push({ type: 'scalar', tag, step, wall_time: this.wallTime(), value: jsonNumber(value) });
  }

  histogram(tag: string, values: ArrayLike<number>, step: number): void {
    const n = values.length;
    let min = Number.POSITIVE_INFINITY;
    let max = Number.NEGATIVE_INFINITY;
    let sum = 0;
    for (let i = 0; i < n; i++) {
      const v = values[i]!;
      if (v < min) min = v;
      if (v > max) max = v;
      sum += v;
    }
    const mean = n > 0 ? sum / n : Number.NaN;
    let sq = 0;
    for (let i = 0; i < n; i++) sq += (values[i]! - mean) ** 2;
    const finiteOrNull = (x: number) => (n > 0 && Number.isFinite(x) ? x : null);
    this.push({
      type: 'histogram',
      tag,
      step,
      wall_time: this.wallTime(),
      count: n,
      min: finiteOrNull(min),
      max: finiteOrNull(max),
      mean: finiteOrNull(mean),
      std: finiteOrNull(Math.sqrt(sq / n)),
    });
  }

  image(tag: string, img: Image, step: number): void {
    validateImage(img, `image '${tag}'`);
    let path: string | undefined;
    if (this.imageDir !== undefined) {
      const file = join(this.imageDir, ...tag.split('/').map(safePathPart), `${step}.png`);
      writePng(file, img);
      path = relative(dirname(this.path), file).split('\\').join('/');
    }
    this.push({
      type: 'image',
      tag,
      step,
      wall_time: this.wallTime(),
      width: img.width,
      height: img.height,
      channels: img.channels,
      ...(path !== undefined ? { path } : {}),
    });
  }

  text(tag: string, text: string, step: number): void {
    this.push({ type: 'text', tag, step, wall_time: this.wallTime(), text });
  }

  flush(): void {
    if (this.lines.length === 0) return;
    const data = this.lines.join('');
    this.lines = [];
    appendFileChecked(this.path, data);
  }

  close(): void {
    if (this.closed) return;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.flush();
    this.closed = true;
  }

  private wallTime(): number {
    return this.now() / 1000;
  }

  private push(record: JsonlRecord): void {
    if (this.closed) throw new Error(`JsonlLogger: write after close (${this.path})`);
    this.lines.push(`${JSON.stringify(record)}\n`);
    if (this.lines.length >= this.flushEveryRecords) this.flush();
  }
}

function jsonNumber(v: number): number | string {
  return Number.isFinite(v) ? v : String(v);
}

/** Makes one path segment safe for any file system (no separators, no `..`). */
function safePathPart(s: string): string {
  const cleaned = s.replace(/[^A-Za-z0-9._-]+/g, '_');
  return cleaned === '' || cleaned === '.' || cleaned === '..' ? '_' : cleaned;
}
