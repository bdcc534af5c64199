import { afterEach, describe, expect, it, vi } from 'vitest';
import * as browser from './node-io.browser';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('node-io of the browser build', () => {
  it('file access, ffmpeg, PNG encoding and the progress bar say they need Node', () => {
    expect(() => browser.mkdirSync('runs/ppo')).toThrow(/^@tfrl\/logger: writing or reading runs\/ppo needs Node\.js/);
    expect(() => browser.spawnSync('ffmpeg')).toThrow(/running ffmpeg needs Node\.js/);
    expect(() => browser.encodeRgbaPng(new Uint8Array(4), 1, 1, 6)).toThrow(/encodePng \(pngjs\) needs Node\.js/);
    expect(() => new browser.cliProgress.SingleBar()).toThrow(/the progress bar needs Node\.js/);
  });

  it('handles paths as strings and prints whole lines to the console', () => {
    expect(browser.join('runs', 'x', 'progress.csv')).toBe('runs/x/progress.csv');
    expect(browser.dirname('runs/x/progress.csv')).toBe('runs/x');
    expect(browser.basename('runs/x/video.MP4')).toBe('video.MP4');
    expect(browser.extname('runs/x/video.MP4')).toBe('.MP4');
    expect(browser.relative('runs/x', 'runs/x/images/a.png')).toBe('images/a.png');
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    const out = browser.standardOutput();
    expect(out.isTTY).toBe(false);
    out.write('step 10 | 5 ');
    out.write('steps/s\nrow 2\n');
    expect(log.mock.calls).toEqual([['step 10 | 5 steps/s'], ['row 2']]);
    expect(browser.environment()).toEqual({});
  });
});
