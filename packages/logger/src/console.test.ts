import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ConsoleLogger, formatDuration, formatTable, formatValue } from './console';

class Capture extends Writable {
  text = '';
  isTTY: boolean;
  columns = 120;
  constructor(isTTY: boolean) {
    super();
    this.isTTY = isTTY;
  }
  override _write(chunk: Buffer, _enc: string, cb: () => void): void {
    this.text += chunk.toString();
    cb();
  }
}

const ESC = String.fromCharCode(27);
const ANSI = new RegExp(`${ESC}(\\[[0-9;?]*[A-Za-z]|[78])`, 'g');
const stripAnsi = (s: string) => s.replace(ANSI, '');

describe('ConsoleLogger mode selection', () => {
  it('uses a bar on a TTY, plain lines when not a TTY or when CI is set', () => {
    expect(new ConsoleLogger({ stream: new Capture(true), env: {} }).mode).toBe('bar');
    expect(new ConsoleLogger({ stream: new Capture(false), env: {} }).mode).toBe('lines');
    expect(new ConsoleLogger({ stream: new Capture(true), env: { CI: 'true' } }).mode).toBe('lines');
    expect(new ConsoleLogger({ stream: new Capture(true), env: { CI: '0' } }).mode).toBe('bar');
    expect(new ConsoleLogger({ stream: new Capture(true), env: {}, progress: 'off' }).mode).toBe('off');
  });
});

describe('ConsoleLogger plain lines', () => {
  it('prints a status line every interval with steps/s, ETA and the latest return', () => {
    const out = new Capture(false);
    let t = 0;
    const c = new ConsoleLogger({ stream: out, env: {}, totalSteps: 10_000, intervalSeconds: 5, now: () => t });
    c.scalar('train/loss', 1, 0);
    t = 2000;
    c.scalar('rollout/ep_rew_mean', 12.5, 1000);
    expect(out.text).toBe(''); // interval not reached
    t = 5000;
    c.scalar('train/loss', 0.9, 2500);
    expect(out.text).toBe('step 2500/10000 (25.0%) | 500 steps/s | ETA 15s | return 12.5\n');
    t = 6000;
    c.scalar('train/loss', 0.8, 3000);
    expect(out.text.split('\n')).toHaveLength(2); // still one line
    t = 10_000;
    c.histogram('h', [1], 5000);
    expect(out.text.split('\n')[1]).toBe('step 5000/10000 (50.0%) | 500 steps/s | ETA 10s | return 12.5');
    c.close();
    expect(out.text.trimEnd().split('\n')).toHaveLength(3);
  });

  it('works without a total and without a return tag', () => {
    const out = new Capture(false);
    let t = 0;
    const c = new ConsoleLogger({ stream: out, env: {}, intervalSeconds: 1, now: () => t, table: false });
    c.scalar('loss', 1, 0);
    t = 4000;
    c.scalar('loss', 1, 100);
    expect(out.text).toBe('step 100 | 25.0 steps/s | return -\n');
    c.dump(100);
    c.close();
  });

  it('prints an SB3-style table of the scalars recorded since the last dump', () => {
    const out = new Capture(false);
    const c = new ConsoleLogger({ stream: out, env: {}, progress: 'off' });
    c.scalar('train/loss', 0.123456, 10);
    c.scalar('rollout/ep_rew_mean', 200, 10);
    c.scalar('rollout/ep_len_mean', 199.5, 10);
    c.scalar('fps', 1234, 10);
    c.dump(10);
    expect(out.text).toBe(
      [
        '---------------------------',
        '| fps            | 1234   |',
        '| rollout/       |        |',
        '|    ep_len_mean | 199.5  |',
        '|    ep_rew_mean | 200    |',
        '| train/         |        |',
        '|    loss        | 0.1235 |',
        '---------------------------',
        '',
      ].join('\n'),
    );
    out.text = '';
    c.dump(11); // nothing new: nothing printed
    expect(out.text).toBe('');
    c.close();
  });
});

describe('ConsoleLogger bar', () => {
  it('draws a cli-progress bar with steps/s, ETA and return, and the table above it', () => {
    const out = new Capture(true);
    let t = 0;
    const c = new ConsoleLogger({ stream: out, env: {}, totalSteps: 1000, now: () => t });
    expect(c.mode).toBe('bar');
    c.scalar('episode/return', -3, 0);
    t = 1000;
    c.scalar('episode/return', 7.25, 500);
    c.dump(500);
    c.close();
    const text = stripAnsi(out.text);
    expect(text).toMatch(/500\/1000 steps \| 500 steps\/s \| ETA 1s \| return 7\.25/);
    expect(text).toContain('|    return | 7.25 |');
    // The table is printed on a cleared line, and the bar is drawn again below it.
    // The bar line is cleared (ESC[2K) before the table, and the last status stays as a plain line.
    expect(out.text).toMatch(new RegExp(`${ESC}\\[2K-{20}\n\\| episode/ `));
    expect(out.text.trimEnd().endsWith(`${ESC}[2Kstep 500/1000 (50.0%) | 500 steps/s | ETA 1s | return 7.25`)).toBe(true);
    // cli-progress saves the cursor at start and restores it at stop; the table sits between a stop and a new start.
    const restore = out.text.indexOf(`${ESC}8`);
    const save2 = out.text.indexOf(`${ESC}7`, restore);
    const table = out.text.indexOf('| episode/');
    expect(restore).toBeGreaterThan(0);
    expect(table).toBeGreaterThan(restore);
    expect(save2).toBeGreaterThan(table);
    expect(text.indexOf('|    return')).toBeLessThan(text.lastIndexOf('500/1000 steps'));
    expect(text).toContain('episode/');
  });
});

describe('ConsoleLogger progressTags', () => {
  it('shows the chosen scalars instead of the return on the status line and the bar', () => {
    const out = new Capture(false);
    let t = 0;
    const tags = { d_loss: 'gan/d_loss', g_loss: 'gan/g_loss' };
    const c = new ConsoleLogger({
      stream: out,
      env: {},
      totalSteps: 100,
      intervalSeconds: 1,
      now: () => t,
      progressTags: tags,
      table: false,
    });
    c.scalar('gan/d_loss', 1.25, 0);
    c.scalar('episode/return', 5, 0);
    t = 2000;
    c.scalar('gan/d_loss', 1.5, 50);
    expect(out.text).toBe('step 50/100 (50.0%) | 25.0 steps/s | ETA 2s | d_loss 1.5 | g_loss -\n');
    c.close();
    const tty = new Capture(true);
    t = 0;
    const b = new ConsoleLogger({ stream: tty, env: {}, totalSteps: 100, now: () => t, progressTags: { loss: 'train/loss' } });
    b.scalar('train/loss', 3, 0);
    t = 1000;
    b.scalar('train/loss', 0.5, 50);
    b.close();
    const text = stripAnsi(tty.text);
    expect(text).toMatch(/50\/100 steps \| 50\.0 steps\/s \| ETA 1s \| loss 0\.5/);
    expect(text).not.toContain('return');
  });
});

describe('formatting helpers', () => {
  it('formats values and durations', () => {
    expect(formatValue(3)).toBe('3');
    expect(formatValue(0.000012345)).toBe('1.234e-5');
    expect(formatValue(2.5e7)).toBe('25000000');
    expect(formatValue(12345678.9)).toBe('1.235e+7');
    expect(formatValue(2.5e7 + 0.5)).toBe('2.5e+7');
    expect(formatValue(-0.5)).toBe('-0.5');
    expect(formatValue(Number.NaN)).toBe('NaN');
    expect(formatDuration(5)).toBe('5s');
    expect(formatDuration(65)).toBe('1m05s');
    expect(formatDuration(3725)).toBe('1h02m05s');
    expect(formatDuration(Number.POSITIVE_INFINITY)).toBe('?');
    expect(formatTable(new Map([['a', 1]]))).toBe('---------\n| a | 1 |\n---------\n');
  });
});

describe('ConsoleLogger table interval', () => {
  it('prints at most one table per interval and keeps the newest values', async () => {
    const { ConsoleLogger } = await import('./console');
    let out = '';
    let t = 0;
    const stream = {
      write: (s: string) => {
        out += s;
        return true;
      },
      isTTY: false,
    } as unknown as NodeJS.WritableStream;
    const c = new ConsoleLogger({ stream, progress: 'off', tableIntervalSeconds: 10, now: () => t, env: {} });
    c.scalar('train/loss', 1, 1);
    c.dump(1);
    c.scalar('train/loss', 2, 2);
    t = 5000;
    c.dump(2);
    expect(out.match(/loss/g)?.length).toBe(1);
    c.scalar('train/loss', 3, 3);
    t = 12000;
    c.dump(3);
    expect(out.match(/loss/g)?.length).toBe(2);
    expect(out).toContain('| 3 ');
    c.close();
  });
});
