// The explicit .js matters: crc-32 has no `exports` map, so Node's ESM resolver needs the file name.
import * as crc32cModule from 'crc-32/crc32c.js';
import * as protobufModule from 'protobufjs';
import { fileError } from './io';
import { closeSync, existsSync, hostname, join, mkdirSync, openSync, writeSync } from './node-io';
import type { Logger } from './logger';
import { type Image, encodePng, validateImage } from './png';

/**
 * The subset of TensorFlow's `event.proto`, `summary.proto` and `tensor.proto` that TensorBoard
 * needs to read scalars, histograms, images and text. Field numbers follow the upstream protos;
 * fields we never write are left out (protobuf readers skip absent fields).
 */
const EVENT_PROTO = `
syntax = "proto3";
package tensorboard;

message Event {
  double wall_time = 1;
  int64 step = 2;
  oneof what {
    string file_version = 3;
    Summary summary = 5;
  }
}

message Summary {
  message Image {
    int32 height = 1;
    int32 width = 2;
    int32 colorspace = 3;
    bytes encoded_image_string = 4;
  }
  message Value {
    string tag = 1;
    SummaryMetadata metadata = 9;
    oneof value {
      float simple_value = 2;
      Image image = 4;
      HistogramProto histo = 5;
      TensorProto tensor = 8;
    }
  }
  repeated Value value = 1;
}

message SummaryMetadata {
  message PluginData {
    string plugin_name = 1;
    bytes content = 2;
  }
  PluginData plugin_data = 1;
  string display_name = 2;
  string summary_description = 3;
}

message HistogramProto {
  double min = 1;
  double max = 2;
  double num = 3;
  double sum = 4;
  double sum_squares = 5;
  repeated double bucket_limit = 6 [packed = true];
  repeated double bucket = 7 [packed = true];
}

message TensorShapeProto {
  message Dim {
    int64 size = 1;
    string name = 2;
  }
  repeated Dim dim = 2;
}

message TensorProto {
  int32 dtype = 1;
  TensorShapeProto tensor_shape = 2;
  repeated bytes string_val = 8;
}
`;

// Both are CommonJS: under Node's ESM loader the API sits on `default`, under bundlers on the namespace.
const CRC32C: typeof crc32cModule = (crc32cModule as any).default ?? crc32cModule;
const protobuf: typeof protobufModule = (protobufModule as any).default ?? protobufModule;

const root = protobuf.parse(EVENT_PROTO, { keepCase: true }).root;
const EventType = root.lookupType('tensorboard.Event');

/** `DataType.DT_STRING` in TensorFlow's `types.proto`. */
const DT_STRING = 7;
/** `Summary.Image.colorspace`: 1 = grayscale, 3 = RGB, 4 = RGBA. */
const COLORSPACE = { 1: 1, 3: 3, 4: 4 } as const;

/** CRC-32C masked as TFRecord stores it, so a CRC of data containing CRCs stays well-behaved. */
export function maskedCrc32c(data: Uint8Array): number {
  const crc = CRC32C.buf(data) >>> 0;
  return ((((crc >>> 15) | (crc << 17)) >>> 0) + 0xa282ead8) >>> 0;
}

/** Frames one record as TFRecord: length (u64 LE), masked CRC of length, data, masked CRC of data. */
export function encodeTfRecord(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length + 4);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(data.length), true);
  view.setUint32(8, maskedCrc32c(out.subarray(0, 8)), true);
  out.set(data, 12);
  view.setUint32(12 + data.length, maskedCrc32c(data), true);
  return out;
}

let defaultBucketLimitsCache: Float64Array | undefined;

/**
 * TensorFlow's default histogram bucket edges: ±1e-12 · 1.1^k up to 1e20, mirrored around 0,
 * closed by the largest double. Using the same edges makes our histograms merge and render like
 * ones written by TensorFlow.
 */
export function defaultBucketLimits(): Float64Array {
  if (defaultBucketLimitsCache) return defaultBucketLimitsCache;
  const pos: number[] = [];
  for (let v = 1e-12; v < 1e20; v *= 1.1) pos.push(v);
  const limits = new Float64Array(pos.length * 2 + 2);
  let k = 0;
  for (let i = pos.length - 1; i >= 0; i--) limits[k++] = -pos[i]!;
  limits[k++] = 0;
  for (const v of pos) limits[k++] = v;
  limits[k++] = Number.MAX_VALUE;
  defaultBucketLimitsCache = limits;
  return limits;
}

export interface HistogramData {
  min: number;
  max: number;
  num: number;
  sum: number;
  sum_squares: number;
  bucket_limit: number[];
  bucket: number[];
}

/**
 * Summarises `values` as a HistogramProto over {@link defaultBucketLimits}: bucket i counts values
 * in [limit[i-1], limit[i]). Leading and trailing empty buckets are dropped (TensorBoard takes the
 * outer edges from min and max), and each interior run of empty buckets collapses into one empty
 * bucket ending at the run's last limit, so every kept edge stays exact.
 */
export function computeHistogram(values: ArrayLike<number>, tag = 'histogram'): HistogramData {
  const limits = defaultBucketLimits();
  const counts = new Float64Array(limits.length);
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  let sum = 0;
  let sumSquares = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) {
      throw new Error(`histogram '${tag}': values[${i}] is ${v}; histograms need finite values`);
    }
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
    sumSquares += v * v;
    counts[bucketIndex(limits, v)]! += 1;
  }
  const n = values.length;
  const bucketLimit: number[] = [];
  const bucket: number[] = [];
  if (n > 0) {
    let first = 0;
    while (counts[first] === 0) first++;
    let last = counts.length - 1;
    while (counts[last] === 0) last--;
    for (let i = first; i <= last; i++) {
      if (counts[i] === 0 && bucket.length > 0 && bucket[bucket.length - 1] === 0) {
        bucketLimit[bucketLimit.length - 1] = limits[i]!;
        continue;
      }
      bucketLimit.push(limits[i]!);
      bucket.push(counts[i]!);
    }
  }
  return {
    min: n > 0 ? min : 0,
    max: n > 0 ? max : 0,
    num: n,
    sum,
    sum_squares: sumSquares,
    bucket_limit: bucketLimit,
    bucket,
  };
}

/** Index of the first limit strictly greater than v (the last bucket also takes v = limit). */
function bucketIndex(limits: Float64Array, v: number): number {
  let lo = 0;
  let hi = limits.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (limits[mid]! <= v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Encodes TensorBoard events as TFRecords: the part shared by {@link TensorBoardWriter} and
 * {@link TensorBoardEventBuffer}, which differ only in where the records go.
 */
class EventEncoder {
  constructor(
    private readonly owner: string,
    private readonly now: () => number,
  ) {}

  /** `events.out.tfevents.<seconds>.<host><suffix>`, the name TensorBoard looks for. */
  fileName(suffix = ''): string {
    return `events.out.tfevents.${Math.floor(this.now() / 1000)}.${hostname()}${suffix}`;
  }

  /** The event every event file starts with. */
  fileVersion(): Uint8Array {
    return this.event({ wall_time: this.now() / 1000, file_version: 'brain.Event:2' });
  }

  scalar(tag: string, value: number, step: number): Uint8Array {
    return this.summary(step, { tag, simple_value: value });
  }

  histogram(tag: string, values: ArrayLike<number>, step: number): Uint8Array {
    return this.summary(step, { tag, histo: computeHistogram(values, tag) });
  }

  image(tag: string, img: Image, step: number): Uint8Array {
    validateImage(img, `image '${tag}'`);
    return this.summary(step, {
      tag,
      image: {
        height: img.height,
        width: img.width,
        colorspace: COLORSPACE[img.channels],
        encoded_image_string: encodePng(img),
      },
    });
  }

  text(tag: string, text: string, step: number): Uint8Array {
    return this.summary(step, {
      tag,
      metadata: { plugin_data: { plugin_name: 'text', content: new Uint8Array(0) } },
      tensor: {
        dtype: DT_STRING,
        // A rank-0 string tensor: the text plugin renders it as one Markdown block.
        tensor_shape: {},
        string_val: [new TextEncoder().encode(text)],
      },
    });
  }

  private summary(step: number, value: Record<string, unknown>): Uint8Array {
    if (!Number.isInteger(step)) throw new Error(`${this.owner}: step must be an integer, got ${step}`);
    return this.event({ wall_time: this.now() / 1000, step, summary: { value: [value] } });
  }

  private event(event: Record<string, unknown>): Uint8Array {
    return encodeTfRecord(EventType.encode(EventType.fromObject(event)).finish());
  }
}

function concat(chunks: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let off = 0;
  for (const c of chunks) {
    out.set(c, off);
    off += c.length;
  }
  return out;
}

export interface TensorBoardWriterOptions {
  /** Flush after this many buffered records (default 50). */
  flushEveryRecords?: number;
  /** Flush buffered records at least this often, in seconds (default 10; 0 disables the timer). */
  flushEverySeconds?: number;
  /** Appended to the file name after the host name, e.g. `'.train'`. */
  filenameSuffix?: string;
  /** Clock in milliseconds since the epoch (tests inject one). */
  now?: () => number;
}

/**
 * Writes TensorBoard event files (`events.out.tfevents.<seconds>.<host>`) in `logdir`.
 * Records are buffered and written synchronously on {@link flush}, every `flushEveryRecords`
 * records, every `flushEverySeconds` seconds, and on {@link close}. Node only; in a browser,
 * {@link TensorBoardEventBuffer} builds the same file in memory.
 */
export class TensorBoardWriter implements Logger {
  readonly logdir: string;
  /** Full path of the event file. */
  readonly path: string;
  private fd: number | undefined;
  private buffered: Uint8Array[] = [];
  private readonly flushEveryRecords: number;
  private readonly encoder: EventEncoder;
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(logdir: string, options: TensorBoardWriterOptions = {}) {
    this.logdir = logdir;
    this.encoder = new EventEncoder('TensorBoardWriter', options.now ?? Date.now);
    this.flushEveryRecords = options.flushEveryRecords ?? 50;
    if (!(this.flushEveryRecords >= 1)) {
      throw new Error(`TensorBoardWriter: flushEveryRecords must be >= 1, got ${options.flushEveryRecords}`);
    }
    const flushSecs = options.flushEverySeconds ?? 10;
    mkdirSync(logdir, { recursive: true });
    const base = this.encoder.fileName(options.filenameSuffix);
    // Two writers started in the same second in one directory must not share a file.
    let path = join(logdir, base);
    for (let i = 1; existsSync(path); i++) path = join(logdir, `${base}.${i}`);
    this.path = path;
    this.fd = openSync(path, 'wx');
    this.push(this.encoder.fileVersion());
    this.flush();
    if (flushSecs > 0) {
      this.timer = setInterval(() => this.flush(), flushSecs * 1000);
      // Never keep the process alive just to flush logs.
      this.timer.unref?.();
    }
  }

  scalar(tag: string, value: number, step: number): void {
    this.push(this.encoder.scalar(tag, value, step));
  }

  histogram(tag: string, values: ArrayLike<number>, step: number): void {
    this.push(this.encoder.histogram(tag, values, step));
  }

  image(tag: string, img: Image, step: number): void {
    this.push(this.encoder.image(tag, img, step));
  }

  /** Text for TensorBoard's text plugin (rendered as Markdown). */
  text(tag: string, text: string, step: number): void {
    this.push(this.encoder.text(tag, text, step));
  }

  /** Writes buffered records to the file. */
  flush(): void {
    if (this.fd === undefined || this.buffered.length === 0) return;
    const all = concat(this.buffered);
    this.buffered = [];
    const total = all.length;
    try {
      for (let written = 0; written < total; ) {
        written += writeSync(this.fd, all, written, total - written);
      }
    } catch (e) {
      throw fileError(this.path, e);
    }
  }

  close(): void {
    if (this.fd === undefined) return;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.flush();
    closeSync(this.fd);
    this.fd = undefined;
  }

  private push(record: Uint8Array): void {
    if (this.fd === undefined) throw new Error(`TensorBoardWriter: write after close (${this.path})`);
    this.buffered.push(record);
    if (this.buffered.length >= this.flushEveryRecords) this.flush();
  }
}

export interface TensorBoardEventBufferOptions {
  /** Appended to the file name after the host name, e.g. `'.train'`. */
  filenameSuffix?: string;
  /** Clock in milliseconds since the epoch (tests inject one). */
  now?: () => number;
}

/**
 * A TensorBoard event file kept in memory, for a browser page to offer as a download: log to it
 * like to a {@link TensorBoardWriter}, then save {@link bytes} under {@link fileName} in a
 * directory that `tensorboard --logdir` reads. Works in Node and in a browser, except
 * {@link image}, whose PNG encoding needs Node.
 */
export class TensorBoardEventBuffer implements Logger {
  /** `events.out.tfevents.<seconds>.<host>` (the host is `browser` in the browser build), plus the suffix. */
  readonly fileName: string;
  private readonly encoder: EventEncoder;
  private records: Uint8Array[] = [];
  private closed = false;

  constructor(options: TensorBoardEventBufferOptions = {}) {
    this.encoder = new EventEncoder('TensorBoardEventBuffer', options.now ?? Date.now);
    this.fileName = this.encoder.fileName(options.filenameSuffix);
    this.records.push(this.encoder.fileVersion());
  }

  scalar(tag: string, value: number, step: number): void {
    this.push(this.encoder.scalar(tag, value, step));
  }

  histogram(tag: string, values: ArrayLike<number>, step: number): void {
    this.push(this.encoder.histogram(tag, values, step));
  }

  /** An image as PNG; throws in the browser build, which has no PNG encoder. */
  image(tag: string, img: Image, step: number): void {
    this.push(this.encoder.image(tag, img, step));
  }

  /** Text for TensorBoard's text plugin (rendered as Markdown). */
  text(tag: string, text: string, step: number): void {
    this.push(this.encoder.text(tag, text, step));
  }

  /** The whole event file so far: the `file_version` event, then every record logged (a copy). */
  bytes(): Uint8Array {
    if (this.records.length > 1) this.records = [concat(this.records)];
    return this.records[0]!.slice();
  }

  /** Nothing to do: every record is in {@link bytes} as soon as it is logged. */
  flush(): void {}

  /** Ends logging; {@link bytes} stays available. */
  close(): void {
    this.closed = true;
  }

  private push(record: Uint8Array): void {
    if (this.closed) throw new Error(`TensorBoardEventBuffer: write after close (${this.fileName})`);
    this.records.push(record);
  }
}
