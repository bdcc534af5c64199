import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TensorBoardEventBuffer, TensorBoardWriter, computeHistogram, defaultBucketLimits, maskedCrc32c } from './tensorboard';

// ---------------------------------------------------------------------------------------------
// An independent reader for what the writer produces: CRC-32C from a lookup table, TFRecord
// framing, and the protobuf wire format. Nothing here uses the library or protobufjs.
// ---------------------------------------------------------------------------------------------

const CRC32C_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32c(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC32C_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function mask(crc: number): number {
  const rotated = ((crc >>> 15) | (crc << 17)) >>> 0;
  return (rotated + 0xa282ead8) >>> 0;
}

function readRecords(file: Uint8Array): Uint8Array[] {
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const out: Uint8Array[] = [];
  let off = 0;
  while (off < file.length) {
    const len = Number(view.getBigUint64(off, true));
    const lenCrc = view.getUint32(off + 8, true);
    expect(lenCrc, `length CRC of record ${out.length}`).toBe(mask(crc32c(file.subarray(off, off + 8))));
    const data = file.subarray(off + 12, off + 12 + len);
    const dataCrc = view.getUint32(off + 12 + len, true);
    expect(dataCrc, `data CRC of record ${out.length}`).toBe(mask(crc32c(data)));
    out.push(data);
    off += 12 + len + 4;
  }
  expect(off).toBe(file.length);
  return out;
}

type Field = { wire: number; varint?: bigint; bytes?: Uint8Array };
type Msg = Map<number, Field[]>;

function readVarint(buf: Uint8Array, pos: { i: number }): bigint {
  let result = 0n;
  let shift = 0n;
  for (;;) {
    const b = buf[pos.i++]!;
    result |= BigInt(b & 0x7f) << shift;
    if ((b & 0x80) === 0) return result;
    shift += 7n;
  }
}

function decode(buf: Uint8Array): Msg {
  const msg: Msg = new Map();
  const pos = { i: 0 };
  while (pos.i < buf.length) {
    const key = Number(readVarint(buf, pos));
    const field = key >>> 3;
    const wire = key & 7;
    let f: Field;
    if (wire === 0) f = { wire, varint: readVarint(buf, pos) };
    else if (wire === 1) f = { wire, bytes: buf.subarray(pos.i, (pos.i += 8)) };
    else if (wire === 5) f = { wire, bytes: buf.subarray(pos.i, (pos.i += 4)) };
    else if (wire === 2) {
      const len = Number(readVarint(buf, pos));
      f = { wire, bytes: buf.subarray(pos.i, (pos.i += len)) };
    } else throw new Error(`unexpected wire type ${wire}`);
    if (!msg.has(field)) msg.set(field, []);
    msg.get(field)!.push(f);
  }
  return msg;
}

const one = (m: Msg, field: number): Field | undefined => m.get(field)?.[0];
const dv = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength);
const double = (m: Msg, field: number) => {
  const f = one(m, field);
  return f ? dv(f.bytes!).getFloat64(0, true) : 0;
};
const float = (m: Msg, field: number) => dv(one(m, field)!.bytes!).getFloat32(0, true);
const int = (m: Msg, field: number) => Number(one(m, field)?.varint ?? 0n);
const str = (m: Msg, field: number) => new TextDecoder().decode(one(m, field)!.bytes!);
const sub = (m: Msg, field: number) => decode(one(m, field)!.bytes!);
const packedDoubles = (m: Msg, field: number): number[] => {
  const out: number[] = [];
  for (const f of m.get(field) ?? []) {
    if (f.wire === 1) out.push(dv(f.bytes!).getFloat64(0, true));
    else for (let i = 0; i < f.bytes!.length; i += 8) out.push(dv(f.bytes!).getFloat64(i, true));
  }
  return out;
};

/** Decoded Event: field numbers from TensorFlow's event.proto / summary.proto. */
interface DecodedEvent {
  wallTime: number;
  step: number;
  fileVersion?: string;
  values: Msg[];
}

function readEvents(path: string): DecodedEvent[] {
  return decodeEvents(new Uint8Array(readFileSync(path)));
}

function decodeEvents(file: Uint8Array): DecodedEvent[] {
  return readRecords(file).map((rec) => {
    const ev = decode(rec);
    return {
      wallTime: double(ev, 1),
      step: int(ev, 2),
      fileVersion: ev.has(3) ? str(ev, 3) : undefined,
      values: ev.has(5) ? (sub(ev, 5).get(1) ?? []).map((f) => decode(f.bytes!)) : [],
    };
  });
}

// ---------------------------------------------------------------------------------------------

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tfrl-tb-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('CRC-32C and framing', () => {
  it('matches the table implementation and the standard check value', () => {
    // CRC-32C("123456789") = 0xE3069283 (RFC 3720 check value).
    expect(crc32c(new TextEncoder().encode('123456789'))).toBe(0xe3069283);
    const data = new TextEncoder().encode('tfrl event file');
    expect(maskedCrc32c(data)).toBe(mask(crc32c(data)));
  });

  it('detects a corrupted record', () => {
    const w = new TensorBoardWriter(dir, { flushEverySeconds: 0 });
    w.scalar('a', 1, 1);
    w.close();
    const bytes = new Uint8Array(readFileSync(w.path));
    bytes[bytes.length - 6]! ^= 0xff;
    expect(() => readRecords(bytes)).toThrow(/data CRC/);
  });
});

describe('TensorBoardWriter', () => {
  it('names the file events.out.tfevents.<seconds>.<host> and starts with file_version', () => {
    const now = 1_763_730_900_123;
    const w = new TensorBoardWriter(dir, { now: () => now, flushEverySeconds: 0 });
    w.close();
    expect(readdirSync(dir)).toEqual([`events.out.tfevents.${Math.floor(now / 1000)}.${hostname()}`]);
    const events = readEvents(w.path);
    expect(events).toHaveLength(1);
    expect(events[0]!.fileVersion).toBe('brain.Event:2');
    expect(events[0]!.wallTime).toBeCloseTo(now / 1000, 6);
  });

  it('two writers in the same second get different files', () => {
    const now = () => 1_700_000_000_000;
    const a = new TensorBoardWriter(dir, { now, flushEverySeconds: 0 });
    const b = new TensorBoardWriter(dir, { now, flushEverySeconds: 0 });
    expect(a.path).not.toBe(b.path);
    a.close();
    b.close();
    expect(readdirSync(dir)).toHaveLength(2);
  });

  it('writes scalars with tag, step, wall_time and simple_value', () => {
    let t = 1_700_000_000_000;
    const w = new TensorBoardWriter(dir, { now: () => t, flushEverySeconds: 0 });
    const written: [string, number, number][] = [
      ['train/loss', 0.5, 0],
      ['train/loss', 0.25, 10],
      ['rollout/ep_rew_mean', -123.75, 10],
      ['big_step', 3, 2 ** 40],
      ['neg', -1e-3, 7],
    ];
    for (const [tag, v, s] of written) {
      t += 1500;
      w.scalar(tag, v, s);
    }
    w.close();
    const events = readEvents(w.path).slice(1);
    expect(events).toHaveLength(written.length);
    events.forEach((ev, i) => {
      const [tag, v, s] = written[i]!;
      expect(ev.step).toBe(s);
      expect(ev.wallTime).toBeCloseTo(1_700_000_000 + 1.5 * (i + 1), 6);
      expect(ev.values).toHaveLength(1);
      expect(str(ev.values[0]!, 1)).toBe(tag);
      expect(float(ev.values[0]!, 2)).toBe(Math.fround(v));
    });
  });

  it('writes histograms whose buckets hold every value', () => {
    const w = new TensorBoardWriter(dir, { flushEverySeconds: 0 });
    const values = [-2.5, -1, 0, 0, 0.001, 1, 1, 1.05, 3.5, 1000];
    w.histogram('weights/layer0', Float32Array.from(values), 42);
    w.histogram('empty', [], 43);
    w.close();
    const [ev, empty] = readEvents(w.path).slice(1);
    expect(ev!.step).toBe(42);
    const v = ev!.values[0]!;
    expect(str(v, 1)).toBe('weights/layer0');
    const h = sub(v, 5);
    const f32 = Array.from(Float32Array.from(values));
    expect(double(h, 1)).toBe(Math.min(...f32));
    expect(double(h, 2)).toBe(Math.max(...f32));
    expect(double(h, 3)).toBe(values.length);
    expect(double(h, 4)).toBeCloseTo(
      f32.reduce((a, b) => a + b, 0),
      9,
    );
    expect(double(h, 5)).toBeCloseTo(
      f32.reduce((a, b) => a + b * b, 0),
      6,
    );
    const limits = packedDoubles(h, 6);
    const counts = packedDoubles(h, 7);
    expect(limits.length).toBe(counts.length);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(values.length);
    for (let i = 1; i < limits.length; i++) expect(limits[i]!).toBeGreaterThan(limits[i - 1]!);
    // Bucket i covers [limits[i-1], limits[i]); the first starts at min. Recount from the edges.
    const recount = counts.map((_, i) => f32.filter((x) => (i === 0 ? x >= double(h, 1) : x >= limits[i - 1]!) && x < limits[i]!).length);
    expect(recount).toEqual(counts);
    // Every edge is one of TensorFlow's default edges: ±1e-12·1.1^k, 0.
    const edges = new Set(defaultBucketLimits());
    for (const l of limits) expect(edges.has(l)).toBe(true);
    expect(limits).toContain(0 + 1e-12);

    expect(str(empty!.values[0]!, 1)).toBe('empty');
    const he = sub(empty!.values[0]!, 5);
    expect(double(he, 3)).toBe(0);
    expect(packedDoubles(he, 7)).toEqual([]);
  });

  it('default bucket edges follow TensorFlow: symmetric around 0, ratio 1.1, up to 1e20', () => {
    const l = defaultBucketLimits();
    const zero = l.indexOf(0);
    expect(zero).toBeGreaterThan(0);
    expect(l.length).toBe(2 * zero + 2);
    expect(l[zero + 1]).toBe(1e-12);
    expect(l[zero - 1]).toBe(-1e-12);
    expect(l[zero + 2]! / l[zero + 1]!).toBeCloseTo(1.1, 12);
    expect(l[l.length - 2]!).toBeLessThan(1e20);
    expect(l[l.length - 2]! * 1.1).toBeGreaterThanOrEqual(1e20);
    expect(l[l.length - 1]).toBe(Number.MAX_VALUE);
    for (let i = 0; i < zero; i++) expect(l[i]).toBe(-l[2 * zero - i]!);
  });

  it('collapses runs of empty buckets but keeps exact edges', () => {
    const h = computeHistogram([1, 100]);
    // 1 and 100 are ~48 buckets apart: one bucket for each value and one empty bucket between.
    expect(h.bucket).toEqual([1, 0, 1]);
    expect(h.bucket_limit[0]).toBeGreaterThan(1);
    expect(h.bucket_limit[1]).toBeLessThanOrEqual(100);
    expect(h.bucket_limit[2]).toBeGreaterThan(100);
  });

  it('rejects non-finite histogram values and non-integer steps, naming them', () => {
    const w = new TensorBoardWriter(dir, { flushEverySeconds: 0 });
    expect(() => w.histogram('grads', [1, Number.NaN], 0)).toThrow(/'grads'.*values\[1\] is NaN/);
    expect(() => w.scalar('x', 1, 1.5)).toThrow(/step must be an integer, got 1.5/);
    w.close();
  });

  it('writes images as PNG with height, width and colorspace', () => {
    const w = new TensorBoardWriter(dir, { flushEverySeconds: 0 });
    const rgb = { width: 3, height: 2, channels: 3 as const, data: Uint8Array.from({ length: 18 }, (_, i) => i * 14) };
    const gray = { width: 2, height: 2, channels: 1 as const, data: Uint8Array.from([0, 85, 170, 255]) };
    w.image('samples/rgb', rgb, 5);
    w.image('samples/gray', gray, 6);
    w.close();
    const [a, b] = readEvents(w.path).slice(1);
    for (const [ev, img, tag, space] of [
      [a!, rgb, 'samples/rgb', 3],
      [b!, gray, 'samples/gray', 1],
    ] as const) {
      const v = ev.values[0]!;
      expect(str(v, 1)).toBe(tag);
      const im = sub(v, 4);
      expect(int(im, 1)).toBe(img.height);
      expect(int(im, 2)).toBe(img.width);
      expect(int(im, 3)).toBe(space);
      const png = PNG.sync.read(Buffer.from(one(im, 4)!.bytes!));
      expect([png.width, png.height]).toEqual([img.width, img.height]);
      for (let p = 0; p < img.width * img.height; p++) {
        for (let c = 0; c < 3; c++) {
          const expected = img.channels === 1 ? img.data[p]! : img.data[p * 3 + c]!;
          expect(png.data[p * 4 + c]).toBe(expected);
        }
      }
    }
  });

  it('writes text as a DT_STRING tensor for the text plugin', () => {
    const w = new TensorBoardWriter(dir, { flushEverySeconds: 0 });
    const text = '# Config\n- lr: 3e-4\n- ünïcødé ✓';
    w.text('config', text, 0);
    w.close();
    const [ev] = readEvents(w.path).slice(1);
    const v = ev!.values[0]!;
    expect(str(v, 1)).toBe('config');
    const meta = sub(v, 9);
    expect(str(sub(meta, 1), 1)).toBe('text');
    const tensor = sub(v, 8);
    expect(int(tensor, 1)).toBe(7); // DT_STRING
    expect(tensor.get(8)).toHaveLength(1);
    expect(str(tensor, 8)).toBe(text);
    expect(sub(tensor, 2).get(2)).toBeUndefined(); // rank 0: no dims
  });

  it('buffers until flush, flushes every N records and on close', () => {
    const w = new TensorBoardWriter(dir, { flushEveryRecords: 5, flushEverySeconds: 0 });
    const count = () => readEvents(w.path).length;
    expect(count()).toBe(1); // file_version is written at once
    for (let i = 0; i < 4; i++) w.scalar('s', i, i);
    expect(count()).toBe(1);
    w.scalar('s', 4, 4);
    expect(count()).toBe(6);
    w.scalar('s', 5, 5);
    expect(count()).toBe(6);
    w.flush();
    expect(count()).toBe(7);
    w.scalar('s', 6, 6);
    w.close();
    expect(count()).toBe(8);
    expect(() => w.scalar('s', 7, 7)).toThrow(/after close/);
    w.close(); // idempotent
  });

  it('flushes on a timer', async () => {
    const w = new TensorBoardWriter(dir, { flushEveryRecords: 1000, flushEverySeconds: 0.05 });
    w.scalar('s', 1, 1);
    expect(readEvents(w.path)).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 200));
    expect(readEvents(w.path)).toHaveLength(2);
    w.close();
  });
});

describe('TensorBoardEventBuffer', () => {
  const rgb = { width: 3, height: 2, channels: 3 as const, data: Uint8Array.from({ length: 18 }, (_, i) => i * 14) };
  /** The same calls on any TensorBoard logger. */
  function logTo(logger: TensorBoardWriter | TensorBoardEventBuffer): void {
    logger.scalar('train/loss', 0.5, 0);
    logger.scalar('rollout/ep_rew_mean', -123.75, 10);
    logger.histogram('weights/layer0', Float32Array.from([-2.5, 0, 0.001, 1, 1000]), 10);
    logger.text('config', '# Config\n- lr: 3e-4 ✓', 0);
    logger.image('samples/rgb', rgb, 20);
    logger.scalar('big_step', 3, 2 ** 40);
  }

  it('holds exactly the bytes TensorBoardWriter writes to its file for the same calls and clock', () => {
    const clock = (start: number) => {
      let t = start;
      return () => (t += 750);
    };
    const w = new TensorBoardWriter(dir, { now: clock(1_700_000_000_000), flushEverySeconds: 0, filenameSuffix: '.train' });
    const b = new TensorBoardEventBuffer({ now: clock(1_700_000_000_000), filenameSuffix: '.train' });
    logTo(w);
    logTo(b);
    w.close();
    b.close();
    expect(b.fileName).toBe(`events.out.tfevents.1700000000.${hostname()}.train`);
    expect(readdirSync(dir)).toEqual([b.fileName]);
    expect(b.bytes()).toEqual(new Uint8Array(readFileSync(w.path)));

    const events = decodeEvents(b.bytes());
    expect(events).toHaveLength(7);
    expect(events[0]!.fileVersion).toBe('brain.Event:2');
    const scalars = events.filter((ev) => ev.values[0]?.has(2)).map((ev) => [str(ev.values[0]!, 1), float(ev.values[0]!, 2), ev.step]);
    expect(scalars).toEqual([
      ['train/loss', 0.5, 0],
      ['rollout/ep_rew_mean', -123.75, 10],
      ['big_step', 3, 2 ** 40],
    ]);
    expect(events[1]!.wallTime).toBeCloseTo(1_700_000_002.25, 6);
  });

  it('grows as records are logged; bytes() is a copy; no writes after close', () => {
    const b = new TensorBoardEventBuffer({ now: () => 1_763_730_900_123 });
    expect(b.fileName).toBe(`events.out.tfevents.1763730900.${hostname()}`);
    const start = b.bytes();
    expect(decodeEvents(start).map((ev) => ev.fileVersion)).toEqual(['brain.Event:2']);
    b.scalar('a', 1, 1);
    b.flush();
    const one = b.bytes();
    expect(one.subarray(0, start.length)).toEqual(start);
    one.fill(0);
    b.scalar('a', 2, 2);
    const events = decodeEvents(b.bytes());
    expect(events.slice(1).map((ev) => float(ev.values[0]!, 2))).toEqual([1, 2]);
    expect(() => b.scalar('a', 1, 1.5)).toThrow(/^TensorBoardEventBuffer: step must be an integer, got 1.5/);
    b.close();
    expect(() => b.scalar('a', 3, 3)).toThrow(/^TensorBoardEventBuffer: write after close/);
    expect(decodeEvents(b.bytes())).toHaveLength(3);
    b.close();
  });

  it('in the browser build: named .browser; scalars work and image() says PNG encoding needs Node', async () => {
    vi.resetModules();
    vi.doMock('./node-io', () => import('./node-io.browser'));
    try {
      const browser = await import('./tensorboard');
      const b = new browser.TensorBoardEventBuffer({ now: () => 1_700_000_000_000 });
      expect(b.fileName).toBe('events.out.tfevents.1700000000.browser');
      b.scalar('train/loss', 0.25, 3);
      b.text('note', 'hi', 3);
      expect(() => b.image('samples/rgb', rgb, 3)).toThrow(/encodePng \(pngjs\) needs Node\.js/);
      const events = decodeEvents(b.bytes());
      expect(events).toHaveLength(3);
      expect(float(events[1]!.values[0]!, 2)).toBe(0.25);
      expect(() => new browser.TensorBoardWriter('runs/x')).toThrow(/writing or reading runs\/x needs Node\.js/);
    } finally {
      vi.doUnmock('./node-io');
      vi.resetModules();
    }
  });
});
