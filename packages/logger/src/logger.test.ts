import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Logger, MultiLogger, NullLogger, createRunLogger, formatTimestamp, sanitizeName } from './logger';

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'tfrl-runs-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

class Sink extends Writable {
  text = '';
  override _write(chunk: Buffer, _enc: string, cb: () => void): void {
    this.text += chunk.toString();
    cb();
  }
}

class Recorder implements Logger {
  calls: string[] = [];
  constructor(private readonly failOn?: string) {}
  private rec(name: string) {
    this.calls.push(name);
    if (name === this.failOn) throw new Error(`sink failed on ${name}`);
  }
  scalar(tag: string, value: number, step: number) {
    this.rec(`scalar ${tag} ${value} ${step}`);
  }
  histogram(tag: string, values: ArrayLike<number>, step: number) {
    this.rec(`histogram ${tag} ${values.length} ${step}`);
  }
  image(tag: string, img: { width: number }, step: number) {
    this.rec(`image ${tag} ${img.width} ${step}`);
  }
  text(tag: string, text: string, step: number) {
    this.rec(`text ${tag} ${text} ${step}`);
  }
  flush() {
    this.rec('flush');
  }
  close() {
    this.rec('close');
  }
}

describe('MultiLogger', () => {
  it('forwards every call to every sink, dump only where defined', () => {
    const a = new Recorder();
    const b = new Recorder();
    let dumped: number | undefined;
    (b as Logger).dump = (s) => {
      dumped = s;
    };
    const m = new MultiLogger([a, b]);
    m.scalar('x', 1, 2);
    m.histogram('h', [1, 2, 3], 3);
    m.image('i', { width: 4, height: 1, channels: 1, data: new Uint8Array(4) }, 4);
    m.text('t', 'hi', 5);
    m.dump(6);
    m.flush();
    m.close();
    const expected = ['scalar x 1 2', 'histogram h 3 3', 'image i 4 4', 'text t hi 5', 'flush', 'close'];
    expect(a.calls).toEqual(expected);
    expect(b.calls).toEqual(expected);
    expect(dumped).toBe(6);
  });

  it('keeps going when one sink throws, then rethrows', () => {
    const a = new Recorder('close');
    const b = new Recorder();
    const m = new MultiLogger([a, b]);
    expect(() => m.close()).toThrow(/sink failed on close/);
    expect(b.calls).toEqual(['close']);
  });

  it('NullLogger accepts everything', () => {
    const n = new NullLogger();
    n.scalar();
    n.close();
  });
});

describe('createRunLogger', () => {
  it('names the run dir runs/<env>/<algo>-<seed>-<timestamp>, saves config.json and opens all sinks', () => {
    const out = new Sink();
    const config = { lr: 3e-4, nSteps: 2048, net: [64, 64], clip: Number.POSITIVE_INFINITY };
    const { logger, runDir } = createRunLogger({
      rootDir: root,
      env: 'ALE/Pong-v5',
      algo: 'ppo',
      seed: 7,
      config,
      timestamp: new Date(2026, 10, 21, 13, 15, 0),
      console: { stream: out, env: {}, progress: 'off' },
    });
    expect(runDir).toBe(join(root, 'ALE_Pong-v5', 'ppo-7-20261121-131500'));
    expect(JSON.parse(readFileSync(join(runDir, 'config.json'), 'utf8'))).toEqual({ ...config, clip: 'Infinity' });
    logger.scalar('train/loss', 0.5, 10);
    logger.text('notes', 'hello', 10);
    logger.image('img', { width: 1, height: 1, channels: 3, data: Uint8Array.from([1, 2, 3]) }, 10);
    logger.dump(10);
    logger.close();
    const files = readdirSync(runDir).sort();
    expect(files.filter((f) => f.startsWith('events.out.tfevents.'))).toHaveLength(1);
    expect(files).toEqual(expect.arrayContaining(['config.json', 'progress.csv', 'progress.jsonl', 'images']));
    expect(readFileSync(join(runDir, 'progress.csv'), 'utf8')).toBe('step,train/loss\n10,0.5\n');
    const jsonl = readFileSync(join(runDir, 'progress.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(jsonl.map((r) => r.type)).toEqual(['scalar', 'text', 'image']);
    expect(jsonl[2].path).toBe('images/img/10.png');
    expect(out.text).toContain('| train/ ');
  });

  it('never overwrites an existing run dir', () => {
    const opts = { rootDir: root, env: 'CartPole-v1', algo: 'dqn', seed: 0, timestamp: '20260101-000000', sinks: ['csv'] as const };
    const dirs = [0, 1, 2].map(() => {
      const { logger, runDir } = createRunLogger(opts);
      logger.close();
      return runDir;
    });
    const base = join(root, 'CartPole-v1', 'dqn-0-20260101-000000');
    expect(dirs).toEqual([base, `${base}_1`, `${base}_2`]);
    expect(readdirSync(join(root, 'CartPole-v1')).sort()).toEqual([
      'dqn-0-20260101-000000',
      'dqn-0-20260101-000000_1',
      'dqn-0-20260101-000000_2',
    ]);
  });

  it('only creates the requested sinks and rejects unknown ones', () => {
    const { logger, runDir } = createRunLogger({ rootDir: root, env: 'e', algo: 'a', seed: 1, sinks: ['jsonl'] });
    logger.close();
    expect(readdirSync(runDir).sort()).toEqual(['config.json', 'progress.jsonl']);
    expect(() => createRunLogger({ rootDir: root, env: 'e', algo: 'a', seed: 1, sinks: ['wandb' as any] })).toThrow(/unknown sink 'wandb'/);
    expect(() => createRunLogger({ rootDir: root, env: 'e', algo: 'a', seed: 1.5 })).toThrow(/seed must be an integer/);
  });

  it('uses the current time by default', () => {
    const { logger, runDir } = createRunLogger({ rootDir: root, env: 'e', algo: 'a', seed: 3, sinks: [] });
    logger.close();
    expect(runDir).toMatch(/a-3-\d{8}-\d{6}$/);
  });
});

describe('name helpers', () => {
  it('sanitizes names and formats time stamps', () => {
    expect(sanitizeName('CartPole-v1')).toBe('CartPole-v1');
    expect(sanitizeName('ALE/Pong-v5')).toBe('ALE_Pong-v5');
    expect(sanitizeName('../../etc')).toBe('__.._etc'); // no separators, no leading dot
    expect(sanitizeName('a b:c*?')).toBe('a_b_c_');
    expect(sanitizeName('')).toBe('_');
    expect(formatTimestamp(new Date(2026, 0, 2, 3, 4, 5))).toBe('20260102-030405');
  });
});
