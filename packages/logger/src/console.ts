import type { Logger } from './logger';
import { cliProgress, environment, standardOutput } from './node-io';
import type { Image } from './png';

/** A progress bar whose redraw timer never keeps the process alive. */
class ProgressBar extends cliProgress.SingleBar {
  override render(): void {
    super.render();
    (this as any).timer?.unref?.();
  }
}

export type ProgressMode = 'auto' | 'bar' | 'lines' | 'off';

export interface ConsoleLoggerOptions {
  /** Total steps of the run; enables percentage and ETA. */
  totalSteps?: number;
  /** Where to print (default `process.stdout`; in the browser build, the devtools console). */
  stream?: NodeJS.WritableStream & { isTTY?: boolean };
  /**
   * `'auto'` (default): a live bar when `stream` is a TTY and `CI` is not set, else `'lines'`.
   * `'lines'`: a plain status line every `intervalSeconds`. `'off'`: only the dump tables.
   */
  progress?: ProgressMode;
  /** Seconds between status lines in `'lines'` mode (default 10). */
  intervalSeconds?: number;
  /** Tags whose latest value is shown as the episode return (default: tags ending in `return` or `ep_rew_mean`). */
  returnTag?: string | RegExp;
  /**
   * Show these scalars on the progress line instead of the episode return, as `label value`
   * (latest value of each tag, `-` before the first), e.g. `{ loss: 'train/loss' }` for a run
   * that has no episodes.
   */
  progressTags?: Record<string, string>;
  /** Print a table of the latest scalars on each `dump` (default true). */
  table?: boolean;
  /**
   * Print the dump table at most every this many seconds (default 0: on every dump). Dumps in
   * between keep the latest values, so the next table shows the newest value of every tag.
   */
  tableIntervalSeconds?: number;
  /** Environment consulted for `CI` (default `process.env`). */
  env?: Record<string, string | undefined>;
  /** Clock in milliseconds (tests inject one). */
  now?: () => number;
}

/**
 * Console output: a progress bar (steps, steps/s, ETA, latest episode return) driven by the step
 * of every scalar, or plain status lines when the output is not interactive, and a
 * Stable-Baselines3-style table of the latest scalars on each {@link dump}.
 */
export class ConsoleLogger implements Logger {
  readonly mode: Exclude<ProgressMode, 'auto'>;
  private readonly stream: NodeJS.WritableStream;
  private readonly totalSteps: number | undefined;
  private readonly intervalMs: number;
  private readonly tableIntervalMs: number;
  private lastTableAt: number | undefined;
  private readonly isReturnTag: (tag: string) => boolean;
  private readonly progressTags: ReadonlyArray<[label: string, tag: string]> | undefined;
  private readonly progressValues = new Map<string, number>();
  private readonly printTable: boolean;
  private readonly now: () => number;
  private bar: ProgressBar | undefined;
  private latest = new Map<string, number>();
  private step: number | undefined;
  private startStep = 0;
  private startTime = 0;
  private lastLineTime = 0;
  private episodeReturn: number | undefined;
  private closed = false;

  constructor(options: ConsoleLoggerOptions = {}) {
    this.stream = options.stream ?? standardOutput();
    this.totalSteps = options.totalSteps;
    if (this.totalSteps !== undefined && !(this.totalSteps > 0)) {
      throw new Error(`ConsoleLogger: totalSteps must be positive, got ${this.totalSteps}`);
    }
    this.intervalMs = (options.intervalSeconds ?? 10) * 1000;
    this.printTable = options.table ?? true;
    this.tableIntervalMs = (options.tableIntervalSeconds ?? 0) * 1000;
    this.now = options.now ?? Date.now;
    const env = options.env ?? environment();
    const requested = options.progress ?? 'auto';
    const interactive = Boolean((this.stream as { isTTY?: boolean }).isTTY);
    this.mode = requested === 'auto' ? (interactive && !isSet(env.CI) ? 'bar' : 'lines') : requested;
    const rt = options.returnTag ?? /(return|ep_rew_mean)$/i;
    this.isReturnTag = typeof rt === 'string' ? (t) => t === rt : (t) => rt.test(t);
    this.progressTags = options.progressTags ? Object.entries(options.progressTags) : undefined;
  }

  scalar(tag: string, value: number, step: number): void {
    if (this.closed) throw new Error('ConsoleLogger: write after close');
    this.latest.set(tag, value);
    if (this.isReturnTag(tag)) this.episodeReturn = value;
    if (this.progressTags?.some(([, t]) => t === tag)) this.progressValues.set(tag, value);
    this.advance(step);
  }

  histogram(_tag: string, _values: ArrayLike<number>, step: number): void {
    this.advance(step);
  }

  image(_tag: string, _img: Image, step: number): void {
    this.advance(step);
  }

  text(_tag: string, _text: string, step: number): void {
    this.advance(step);
  }

  /** Prints the table of scalars recorded since the previous dump. */
  dump(step?: number): void {
    if (step !== undefined) this.advance(step);
    if (!this.printTable || this.latest.size === 0) return;
    if (this.tableIntervalMs > 0) {
      const t = this.now();
      if (this.lastTableAt !== undefined && t - this.lastTableAt < this.tableIntervalMs) return;
      this.lastTableAt = t;
    }
    const table = formatTable(this.latest);
    this.latest = new Map();
    if (this.bar) {
      // Stop the bar (it clears its line), print the table there and start a new bar below it.
      // Writing while the bar runs would break cli-progress's saved cursor position.
      this.bar.stop();
      this.stream.write(table);
      this.bar.start(this.totalSteps ?? 0, this.step ?? 0, this.payload());
    } else {
      this.stream.write(table);
    }
  }

  flush(): void {}

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.bar) {
      // The bar clears itself on stop; leave the final status as a plain line.
      this.bar.stop();
      this.bar = undefined;
      this.stream.write(`${this.statusLine()}\n`);
    } else if (this.mode === 'lines' && this.step !== undefined) {
      this.stream.write(`${this.statusLine()}\n`);
    }
  }

  /** A one-line status: step (of total), steps/s, ETA and the latest episode return. */
  statusLine(): string {
    const step = this.step ?? 0;
    const p = this.payload();
    const parts = [
      this.totalSteps !== undefined ? `step ${step}/${this.totalSteps} (${((100 * step) / this.totalSteps).toFixed(1)}%)` : `step ${step}`,
      `${p.sps} steps/s`,
    ];
    if (this.totalSteps !== undefined) parts.push(`ETA ${p.etaText}`);
    parts.push(p.shown);
    return parts.join(' | ');
  }

  private advance(step: number): void {
    if (this.closed) return;
    const now = this.now();
    if (this.step === undefined) {
      this.startStep = step;
      this.startTime = now;
      this.lastLineTime = now;
      this.step = step;
      if (this.mode === 'bar') this.startBar();
      return;
    }
    if (step > this.step) this.step = step;
    if (this.bar) {
      this.bar.update(this.step, this.payload());
    } else if (this.mode === 'lines' && now - this.lastLineTime >= this.intervalMs) {
      this.lastLineTime = now;
      this.stream.write(`${this.statusLine()}\n`);
    }
  }

  private startBar(): void {
    const known = this.totalSteps !== undefined;
    this.bar = new ProgressBar({
      stream: this.stream,
      format: known
        ? '{bar} {percentage}% | {value}/{total} steps | {sps} steps/s | ETA {etaText} | {shown}'
        : '{value} steps | {sps} steps/s | {shown}',
      hideCursor: false,
      gracefulExit: false,
      clearOnComplete: true,
      barsize: 30,
    });
    this.bar.start(this.totalSteps ?? 0, this.step ?? 0, this.payload());
  }

  private payload(): { sps: string; etaText: string; ret: string; shown: string } {
    const elapsed = (this.now() - this.startTime) / 1000;
    const done = (this.step ?? 0) - this.startStep;
    const sps = elapsed > 0 ? done / elapsed : 0;
    let etaText = '?';
    if (this.totalSteps !== undefined && sps > 0) {
      etaText = formatDuration(Math.max(0, this.totalSteps - (this.step ?? 0)) / sps);
    }
    const ret = this.episodeReturn === undefined ? '-' : formatValue(this.episodeReturn);
    const shown = this.progressTags
      ? this.progressTags
          .map(([label, tag]) => {
            const v = this.progressValues.get(tag);
            return `${label} ${v === undefined ? '-' : formatValue(v)}`;
          })
          .join(' | ')
      : `return ${ret}`;
    return { sps: sps >= 100 ? sps.toFixed(0) : sps.toFixed(1), etaText, ret, shown };
  }
}

function isSet(v: string | undefined): boolean {
  return v !== undefined && v !== '' && v !== '0' && v.toLowerCase() !== 'false';
}

/** `3725` → `1h02m05s`. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  const pad = (n: number) => String(n).padStart(2, '0');
  if (h > 0) return `${h}h${pad(m)}m${pad(sec)}s`;
  if (m > 0) return `${m}m${pad(sec)}s`;
  return `${sec}s`;
}

/** Integers as they are, other numbers with 4 significant digits, scientific for tiny or huge. */
export function formatValue(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v) && Math.abs(v) < 1e15) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e6)) return v.toExponential(3).replace(/\.?0+e/, 'e');
  return String(Number(v.toPrecision(4)));
}

/**
 * A box table of `tag → value`, grouped by the part of the tag before the first `/`,
 * the way Stable-Baselines3 prints its logger output:
 *
 * ```
 * ---------------------------------
 * | rollout/           |          |
 * |    ep_rew_mean     | 21.5     |
 * ---------------------------------
 * ```
 */
export function formatTable(values: ReadonlyMap<string, number>): string {
  const groups = new Map<string, [string, number][]>();
  for (const [tag, value] of [...values.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const slash = tag.indexOf('/');
    const group = slash >= 0 ? tag.slice(0, slash) : '';
    const name = slash >= 0 ? tag.slice(slash + 1) : tag;
    if (!groups.has(group)) groups.set(group, []);
    groups.get(group)!.push([name, value]);
  }
  const rows: [string, string][] = [];
  for (const [group, entries] of groups) {
    if (group !== '') rows.push([`${group}/`, '']);
    for (const [name, value] of entries) rows.push([group !== '' ? `   ${name}` : name, formatValue(value)]);
  }
  const kw = Math.max(...rows.map(([k]) => k.length));
  const vw = Math.max(...rows.map(([, v]) => v.length));
  const rule = '-'.repeat(kw + vw + 7);
  const lines = [rule, ...rows.map(([k, v]) => `| ${k.padEnd(kw)} | ${v.padEnd(vw)} |`), rule];
  return `${lines.join('\n')}\n`;
}
