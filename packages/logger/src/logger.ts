import { ConsoleLogger, type ConsoleLoggerOptions } from './console';
import { CsvLogger } from './csv';
import { writeFileChecked } from './io';
import { TAG_STYLES, type TagStyle, TagStyleLogger, hyperparameterTable } from './tags';
import { JsonlLogger } from './jsonl';
import { existsSync, join, mkdirSync } from './node-io';
import type { Image } from './png';
import { TensorBoardWriter, type TensorBoardWriterOptions } from './tensorboard';

/** What every sink implements; algorithms log through this and never know which sinks exist. */
export interface Logger {
  scalar(tag: string, value: number, step: number): void;
  histogram(tag: string, values: ArrayLike<number>, step: number): void;
  image(tag: string, img: Image, step: number): void;
  text(tag: string, text: string, step: number): void;
  /** Ends one reporting period (a CSV row, a console table). */
  dump?(step?: number): void;
  flush(): void;
  close(): void;
}

/** Forwards every call to each sink. A failing sink does not stop the others; the first error is rethrown after. */
export class MultiLogger implements Logger {
  readonly sinks: readonly Logger[];

  constructor(sinks: readonly Logger[]) {
    this.sinks = [...sinks];
  }

  scalar(tag: string, value: number, step: number): void {
    this.each((s) => s.scalar(tag, value, step));
  }

  histogram(tag: string, values: ArrayLike<number>, step: number): void {
    this.each((s) => s.histogram(tag, values, step));
  }

  image(tag: string, img: Image, step: number): void {
    this.each((s) => s.image(tag, img, step));
  }

  text(tag: string, text: string, step: number): void {
    this.each((s) => s.text(tag, text, step));
  }

  dump(step?: number): void {
    this.each((s) => s.dump?.(step));
  }

  flush(): void {
    this.each((s) => s.flush());
  }

  close(): void {
    this.each((s) => s.close());
  }

  private each(fn: (sink: Logger) => void): void {
    let error: unknown;
    let failed = false;
    for (const sink of this.sinks) {
      try {
        fn(sink);
      } catch (e) {
        if (!failed) error = e;
        failed = true;
      }
    }
    if (failed) throw error;
  }
}

/** A logger that drops everything (for evaluation runs or tests). */
export class NullLogger implements Logger {
  scalar(): void {}
  histogram(): void {}
  image(): void {}
  text(): void {}
  dump(): void {}
  flush(): void {}
  close(): void {}
}

export type SinkName = 'tensorboard' | 'csv' | 'jsonl' | 'console';

export interface RunLoggerOptions {
  /** Root of all runs (default `'runs'`). */
  rootDir?: string;
  /** Environment id, e.g. `'CartPole-v1'`. */
  env: string;
  /** Algorithm name, e.g. `'ppo'`. */
  algo: string;
  seed: number;
  /** The resolved configuration of the run, saved as `config.json`. */
  config?: unknown;
  /** Which sinks to create (default all four). */
  sinks?: readonly SinkName[];
  /** Run time stamp: a Date (formatted `YYYYMMDD-HHMMSS`, local time) or a ready string. Default: now. */
  timestamp?: Date | string;
  /** Options for the console sink (e.g. `totalSteps`). */
  console?: ConsoleLoggerOptions;
  /** Options for the TensorBoard sink. */
  tensorboard?: TensorBoardWriterOptions;
  /**
   * Continue the run in this existing directory (a resumed run): `progress.csv` and
   * `progress.jsonl` are appended to, a new TensorBoard event file is added, `config.json` is
   * replaced by `config`.
   */
  resumeDir?: string;
  /**
   * Tags of the file sinks (TensorBoard, CSV, JSONL): `'sb3'` (default, as the learners write
   * them), `'cleanrl'` (CleanRL's names where one exists) or `'both'`. The console keeps SB3's.
   */
  tagStyle?: TagStyle;
  /** Also write `config` as a Markdown table under the text tag `hyperparameters` (TensorBoard's Text tab). */
  logConfigText?: boolean;
}

export interface RunLogger {
  logger: MultiLogger;
  /** The directory this run writes to. */
  runDir: string;
}

/**
 * Creates `<rootDir>/<env>/<algo>-<seed>-<timestamp>/` (suffix `_1`, `_2`, … if it exists, so a run
 * never overwrites another), saves `config.json` there, and opens the requested sinks in it:
 * TensorBoard event file, `progress.csv`, `progress.jsonl` (images under `images/`), console.
 */
export function createRunLogger(options: RunLoggerOptions): RunLogger {
  const rootDir = options.rootDir ?? 'runs';
  if (!Number.isInteger(options.seed)) throw new Error(`createRunLogger: seed must be an integer, got ${options.seed}`);
  let runDir: string;
  if (options.resumeDir !== undefined) {
    runDir = options.resumeDir;
    if (!existsSync(runDir)) throw new Error(`createRunLogger: run directory to resume not found: ${runDir}`);
  } else {
    const stamp =
      typeof options.timestamp === 'string' ? sanitizeName(options.timestamp) : formatTimestamp(options.timestamp ?? new Date());
    const parent = join(rootDir, sanitizeName(options.env));
    runDir = makeUniqueDir(parent, `${sanitizeName(options.algo)}-${options.seed}-${stamp}`);
  }
  writeFileChecked(join(runDir, 'config.json'), `${toJson(options.config ?? {})}\n`);
  const append = options.resumeDir !== undefined;

  const names = options.sinks ?? ['tensorboard', 'csv', 'jsonl', 'console'];
  const style = options.tagStyle ?? 'sb3';
  if (!TAG_STYLES.includes(style)) {
    throw new Error(`createRunLogger: tagStyle must be one of ${TAG_STYLES.join(', ')}, got ${JSON.stringify(style)}`);
  }
  const styled = (sink: Logger): Logger => (style === 'sb3' ? sink : new TagStyleLogger(sink, style));
  const sinks: Logger[] = [];
  try {
    for (const name of new Set(names)) {
      switch (name) {
        case 'tensorboard':
          sinks.push(styled(new TensorBoardWriter(runDir, options.tensorboard)));
          break;
        case 'csv':
          sinks.push(styled(new CsvLogger(join(runDir, 'progress.csv'), { append })));
          break;
        case 'jsonl':
          sinks.push(styled(new JsonlLogger(join(runDir, 'progress.jsonl'), { imageDir: join(runDir, 'images') })));
          break;
        case 'console':
          sinks.push(new ConsoleLogger(options.console));
          break;
        default:
          throw new Error(`createRunLogger: unknown sink '${name as string}' (expected tensorboard, csv, jsonl or console)`);
      }
    }
  } catch (e) {
    for (const s of sinks) s.close();
    throw e;
  }
  const logger = new MultiLogger(sinks);
  // The settings, once, for TensorBoard's Text tab (and the JSONL record); not on the console.
  if (options.logConfigText && options.config !== undefined) {
    const table = hyperparameterTable(options.config);
    for (const s of sinks) if (!(s instanceof ConsoleLogger)) s.text('hyperparameters', table, 0);
  }
  return { logger, runDir };
}

/** Keeps letters, digits, `.`, `_` and `-`; everything else becomes `_` (so `ALE/Pong-v5` → `ALE_Pong-v5`). */
export function sanitizeName(name: string): string {
  const s = String(name)
    .replace(/[^A-Za-z0-9._-]+/g, '_')
    .replace(/^\.+/, '_');
  return s === '' ? '_' : s;
}

/** `YYYYMMDD-HHMMSS` in local time. */
export function formatTimestamp(d: Date): string {
  if (Number.isNaN(d.getTime())) throw new Error('formatTimestamp: invalid Date');
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-` + `${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}

/** Creates `parent/name`, or `parent/name_1`, `_2`, … — whichever does not exist yet — atomically. */
function makeUniqueDir(parent: string, name: string): string {
  mkdirSync(parent, { recursive: true });
  for (let i = 0; ; i++) {
    const dir = join(parent, i === 0 ? name : `${name}_${i}`);
    try {
      mkdirSync(dir);
      return dir;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
}

/** JSON with typed arrays as arrays, bigints and non-finite numbers as strings. */
function toJson(value: unknown): string {
  return JSON.stringify(
    value,
    (_key, v) => {
      if (typeof v === 'bigint') return v.toString();
      if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
      if (ArrayBuffer.isView(v) && !(v instanceof DataView)) return Array.from(v as unknown as ArrayLike<number>);
      return v;
    },
    2,
  );
}
