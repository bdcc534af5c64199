/**
 * The logging interface algorithms write to. `@tfrl/logger` implements it structurally
 * (TensorBoard, CSV, JSONL, console); core only depends on this shape.
 */

/** An 8-bit image, row-major, `channels` interleaved values per pixel. */
export interface LogImage {
  width: number;
  height: number;
  channels: 1 | 3 | 4;
  data: Uint8Array;
}

export interface Logger {
  /** One number for `tag` at `step` (e.g. `rollout/ep_rew_mean`). */
  scalar(tag: string, value: number, step: number): void;
  /** A distribution of values (e.g. weights, actions). */
  histogram(tag: string, values: ArrayLike<number>, step: number): void;
  image(tag: string, img: LogImage, step: number): void;
  text(tag: string, text: string, step: number): void;
  /** Write the values recorded since the last dump as one row/table (console, CSV). */
  dump?(step: number): void;
  flush(): void | Promise<void>;
  close(): void | Promise<void>;
}

/** A logger that discards everything (the default when none is given). */
export class NullLogger implements Logger {
  scalar(_tag: string, _value: number, _step: number): void {}
  histogram(_tag: string, _values: ArrayLike<number>, _step: number): void {}
  image(_tag: string, _img: LogImage, _step: number): void {}
  text(_tag: string, _text: string, _step: number): void {}
  dump(_step: number): void {}
  flush(): void {}
  close(): void {}
}

/** One record kept by {@link MemoryLogger}. */
export interface MemoryLogRecord {
  kind: 'scalar' | 'histogram' | 'image' | 'text';
  tag: string;
  step: number;
  value: number | number[] | LogImage | string;
}

/** A logger that keeps every record in memory; for tests and for inspecting a short run. */
export class MemoryLogger implements Logger {
  readonly records: MemoryLogRecord[] = [];
  dumps: number[] = [];
  closed = false;

  scalar(tag: string, value: number, step: number): void {
    this.records.push({ kind: 'scalar', tag, step, value });
  }
  histogram(tag: string, values: ArrayLike<number>, step: number): void {
    this.records.push({ kind: 'histogram', tag, step, value: Array.from(values) });
  }
  image(tag: string, img: LogImage, step: number): void {
    this.records.push({ kind: 'image', tag, step, value: img });
  }
  text(tag: string, text: string, step: number): void {
    this.records.push({ kind: 'text', tag, step, value: text });
  }
  dump(step: number): void {
    this.dumps.push(step);
  }
  flush(): void {}
  close(): void {
    this.closed = true;
  }

  /** The `[step, value]` pairs logged as scalars under `tag`, in order. */
  scalars(tag: string): Array<[number, number]> {
    return this.records.filter((r) => r.kind === 'scalar' && r.tag === tag).map((r) => [r.step, r.value as number]);
  }

  /** The last scalar logged under `tag`, or undefined. */
  lastScalar(tag: string): number | undefined {
    const s = this.scalars(tag);
    return s.length ? (s[s.length - 1] as [number, number])[1] : undefined;
  }
}
