import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { type Rgb, drawText, glyph, textHeight, textWidth } from './font';
import { PLOT_PALETTE, aggregateRuns, formatTick, interpolate, niceStep, plotCurves, rollingMean } from './plot';
import { type Image, encodePng } from './png';

const AXIS: Rgb = [60, 60, 60];
const px = (img: Image, x: number, y: number): number[] =>
  Array.from(img.data.subarray((y * img.width + x) * 3, (y * img.width + x) * 3 + 3));
const same = (a: readonly number[], b: readonly number[]) => a[0] === b[0] && a[1] === b[1] && a[2] === b[2];
const tint = (c: Rgb, a = 0.22): number[] => c.map((v) => Math.round(255 * (1 - a) + v * a));
const flat = (y: number, n = 11, xMax = 100) => ({
  x: Array.from({ length: n }, (_, i) => (i * xMax) / (n - 1)),
  y: Array.from({ length: n }, () => y),
});

/** The plot rectangle, found from the axis frame through the image centre. */
function frame(img: Image): { x0: number; x1: number; y0: number; y1: number } {
  const cy = Math.floor(img.height / 2);
  const cx = Math.floor(img.width / 2);
  let x0 = 0;
  while (x0 < img.width && !same(px(img, x0, cy), AXIS)) x0++;
  let x1 = img.width - 1;
  while (x1 > 0 && !same(px(img, x1, cy), AXIS)) x1--;
  let y0 = 0;
  while (y0 < img.height && !same(px(img, cx, y0), AXIS)) y0++;
  let y1 = img.height - 1;
  while (y1 > 0 && !same(px(img, cx, y1), AXIS)) y1--;
  return { x0, x1, y0, y1 };
}

describe('aggregateRuns', () => {
  it('interpolates runs onto the x range they share and takes mean, min and max', () => {
    const s = aggregateRuns(
      [
        { x: [0, 10], y: [0, 10] },
        { x: [0, 5, 20], y: [0, 10, 10] },
      ],
      { points: 3 },
    );
    expect(Array.from(s.x)).toEqual([0, 5, 10]);
    expect(Array.from(s.mean)).toEqual([0, 7.5, 10]);
    expect(Array.from(s.lower)).toEqual([0, 5, 10]);
    expect(Array.from(s.upper)).toEqual([0, 10, 10]);
    expect(s.runs).toBe(2);
  });

  it('gives mean ± population std, skips non-finite points and sorts by x', () => {
    const s = aggregateRuns([flat(0), flat(5), { x: [100, Number.NaN, 0], y: [10, 3, 10] }], { band: 'std', points: 2 });
    const sd = Math.sqrt(50 / 3);
    expect(s.mean[0]).toBeCloseTo(5);
    expect(s.lower[1]).toBeCloseTo(5 - sd);
    expect(s.upper[1]).toBeCloseTo(5 + sd);
  });

  it('keeps a single run as it is, optionally smoothed', () => {
    const s = aggregateRuns([{ x: [0, 1, 2, 3], y: [0, 2, 4, 6] }], { smooth: 2 });
    expect(Array.from(s.x)).toEqual([0, 1, 2, 3]);
    expect(Array.from(s.mean)).toEqual([0, 1, 3, 5]);
    expect(Array.from(s.lower)).toEqual(Array.from(s.mean));
  });

  it('names what is wrong', () => {
    expect(() => aggregateRuns([], {}, 'ppo')).toThrow(/"ppo" has no runs/);
    expect(() =>
      aggregateRuns(
        [
          { x: [0, 1], y: [0, 1] },
          { x: [2, 3], y: [0, 1] },
        ],
        {},
        'ppo',
      ),
    ).toThrow(/"ppo" cover no common x range/);
    expect(() => aggregateRuns([{ x: [0], y: [Number.NaN] }], {}, 'a2c')).toThrow(/"a2c" run 0: no finite/);
    expect(() => aggregateRuns([{ x: [0, 1], y: [0] }])).toThrow(/x has 2 values, y has 1/);
    expect(() => aggregateRuns([flat(0)], { smooth: 0 })).toThrow(/smooth must be a positive integer/);
  });
});

describe('plot helpers', () => {
  it('interpolates linearly and returns NaN outside the data', () => {
    const y = interpolate([0, 10, 10, 20], [0, 10, 20, 40], [-1, 0, 5, 10, 15, 20, 21]);
    expect(Array.from(y)).toEqual([Number.NaN, 0, 5, 20, 30, 40, Number.NaN]);
    expect(Array.from(interpolate([3], [7], [3, 4]))).toEqual([7, Number.NaN]);
  });

  it('computes trailing means, nice steps and tick labels', () => {
    expect(Array.from(rollingMean([1, 3, 5, 7], 3))).toEqual([1, 2, 3, 5]);
    expect(niceStep(100, 5)).toBe(20);
    expect(niceStep(1e6, 5)).toBe(200_000);
    expect(niceStep(0.9, 4)).toBe(0.2);
    expect(formatTick(200_000, 100_000, 1e6 - 1)).toBe('200k');
    expect(formatTick(1.5e6, 5e5, 2e6)).toBe('1.5M');
    expect(formatTick(0.05, 0.05)).toBe('0.05');
    expect(formatTick(-2.5, 0.5)).toBe('-2.5');
    expect(formatTick(1e-12, 0.5)).toBe('0');
    expect(formatTick(500, 100, 500)).toBe('500');
  });
});

describe('bitmap font', () => {
  it('has a glyph for every printable ASCII character and a box for the rest', () => {
    const box = glyph('\u0001');
    for (let c = 0x21; c <= 0x7e; c++) {
      const g = glyph(String.fromCharCode(c));
      expect(g).toHaveLength(5);
      expect(g.some((col) => col !== 0)).toBe(true);
      expect(g).not.toEqual(box);
    }
    expect(glyph(' ').every((col) => col === 0)).toBe(true);
    expect(glyph('±')).not.toEqual(box);
  });

  it('draws text left to right and rotated upwards', () => {
    const img: Image = { width: 40, height: 40, channels: 3, data: new Uint8Array(40 * 40 * 3).fill(255) };
    const w = drawText(img, 'I1', 2, 2, { scale: 2, color: [255, 0, 0] });
    expect(w).toBe(textWidth('I1', 2));
    expect(w).toBe(22);
    const red = (x: number, y: number) => same(px(img, x, y), [255, 0, 0]);
    // 'I' is a vertical bar in its middle column (column 2) from row 0 to row 6.
    expect(red(2 + 2 * 2, 2)).toBe(true);
    expect(red(2 + 2 * 2, 2 + 6 * 2)).toBe(true);
    expect(red(2, 2 + 3 * 2)).toBe(false);
    const up: Image = { width: 20, height: 20, channels: 3, data: new Uint8Array(20 * 20 * 3).fill(255) };
    drawText(up, '-', 0, 0, { direction: 'up' });
    // '-' is row 3 of columns 0..4: rotated, it is column 3 of rows 0..4.
    for (let y = 0; y < 5; y++) expect(same(px(up, 3, y), [0, 0, 0])).toBe(true);
    expect(same(px(up, 0, 2), [0, 0, 0])).toBe(false);
    expect(textHeight(3)).toBe(27);
  });
});

describe('plotCurves', () => {
  it('has the requested size, a frame, grid and tick labels, and encodes as PNG', () => {
    const img = plotCurves([{ label: 'ppo', runs: [flat(3)] }], { width: 400, height: 300, title: 'T', xLabel: 'step', yLabel: 'reward' });
    expect(img).toMatchObject({ width: 400, height: 300, channels: 3 });
    expect(img.data).toHaveLength(400 * 300 * 3);
    const f = frame(img);
    expect(f.x0).toBeGreaterThan(20);
    expect(f.x1).toBeGreaterThan(f.x0 + 200);
    expect(f.y1).toBeGreaterThan(f.y0 + 150);
    for (let x = f.x0; x <= f.x1; x++) expect(px(img, x, f.y1)).toEqual(AXIS);
    for (let y = f.y0; y <= f.y1; y++) expect(px(img, f.x0, y)).toEqual(AXIS);
    // Tick marks left of the y axis and text (black) left of and below the plot.
    let tickMarks = 0;
    for (let y = f.y0; y <= f.y1; y++) if (same(px(img, f.x0 - 1, y), AXIS)) tickMarks++;
    expect(tickMarks).toBeGreaterThanOrEqual(3);
    let inkLeft = 0;
    let inkBelow = 0;
    for (let y = 0; y < img.height; y++) {
      for (let x = 0; x < img.width; x++) {
        if (!same(px(img, x, y), [0, 0, 0])) continue;
        if (x < f.x0) inkLeft++;
        if (y > f.y1) inkBelow++;
      }
    }
    expect(inkLeft).toBeGreaterThan(50);
    expect(inkBelow).toBeGreaterThan(50);
    const png = PNG.sync.read(Buffer.from(encodePng(img)));
    expect([png.width, png.height]).toEqual([400, 300]);
  });

  it('shades the min–max band between the runs and draws the mean in the middle', () => {
    const c = PLOT_PALETTE[0] as Rgb;
    const img = plotCurves([{ label: 'ppo', runs: [flat(0), flat(10)] }], { width: 500, height: 400, yRange: [-10, 20], legend: false });
    const f = frame(img);
    const Y = (v: number) => f.y1 - ((v + 10) / 30) * (f.y1 - f.y0);
    const band = tint(c);
    const cx = Math.round((f.x0 + f.x1) / 2) + 3;
    const rows = (want: readonly number[]) => {
      const out: number[] = [];
      for (let y = f.y0 + 1; y < f.y1; y++) if (same(px(img, cx, y), want)) out.push(y);
      return out;
    };
    const bandRows = rows(band);
    const lineRows = rows(c);
    expect(bandRows.length).toBeGreaterThan(50);
    // The band spans y = 0 … 10 (±1 pixel of rounding) and nothing outside it.
    expect(Math.min(...bandRows)).toBeGreaterThanOrEqual(Math.floor(Y(10)) - 1);
    expect(Math.max(...bandRows)).toBeLessThanOrEqual(Math.ceil(Y(0)) + 1);
    expect(Math.min(...bandRows)).toBeLessThanOrEqual(Math.ceil(Y(10)) + 1);
    expect(Math.max(...bandRows)).toBeGreaterThanOrEqual(Math.floor(Y(0)) - 1);
    // The mean (y = 5) is a line of the full colour with band above and below it.
    expect(lineRows.length).toBeGreaterThan(0);
    for (const y of lineRows) expect(Math.abs(y - Y(5))).toBeLessThanOrEqual(2);
    expect(bandRows.some((y) => y < Math.min(...lineRows))).toBe(true);
    expect(bandRows.some((y) => y > Math.max(...lineRows))).toBe(true);
  });

  it('draws a narrower band for ±std than for min–max, and none with band: none', () => {
    const runs = [flat(0), flat(5), flat(10)];
    const count = (img: Image) => {
      const f = frame(img);
      const want = tint(PLOT_PALETTE[0] as Rgb);
      let n = 0;
      for (let y = f.y0; y <= f.y1; y++) if (same(px(img, Math.round((f.x0 + f.x1) / 2) + 3, y), want)) n++;
      return n;
    };
    const opts = { width: 400, height: 400, yRange: [-5, 15] as [number, number], legend: false };
    const minmax = count(plotCurves([{ label: 'a', runs }], opts));
    const std = count(plotCurves([{ label: 'a', runs }], { ...opts, band: 'std' }));
    const none = count(plotCurves([{ label: 'a', runs }], { ...opts, band: 'none' }));
    expect(std).toBeLessThan(minmax);
    expect(std / minmax).toBeCloseTo((2 * Math.sqrt(50 / 3)) / 10, 1);
    expect(none).toBe(0);
  });

  it('gives groups their own colours and a legend naming them and the band', () => {
    const img = plotCurves(
      [
        { label: 'ppo', runs: [flat(0), flat(2)] },
        { label: 'a2c', runs: [flat(8)] },
      ],
      { width: 600, height: 400, runsName: 'seeds' },
    );
    const colours = new Set<string>();
    for (let i = 0; i < img.width * img.height; i++) colours.add(Array.from(img.data.subarray(3 * i, 3 * i + 3)).join(','));
    expect(colours.has((PLOT_PALETTE[0] as Rgb).join(','))).toBe(true);
    expect(colours.has((PLOT_PALETTE[1] as Rgb).join(','))).toBe(true);
    // The legend box has a grey (180) border inside the plot.
    const f = frame(img);
    let border = 0;
    for (let y = f.y0; y <= f.y1; y++) for (let x = f.x0; x <= f.x1; x++) if (same(px(img, x, y), [180, 180, 180])) border++;
    expect(border).toBeGreaterThan(100);
  });

  it('rejects bad input', () => {
    expect(() => plotCurves([])).toThrow(/no groups/);
    expect(() => plotCurves([{ label: 'a', runs: [flat(1)] }], { width: 50 })).toThrow(/at least 200 and 150/);
    expect(() => plotCurves([{ label: 'a', runs: [flat(1)] }], { textScale: 0 })).toThrow(/textScale/);
  });
});
