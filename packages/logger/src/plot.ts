/**
 * Learning-curve plots rasterised without a plotting library: one line per group of runs (the
 * mean over the runs, e.g. seeds, on a common x grid) with a shaded band (min–max or ±1 std),
 * grid lines, numbered ticks, axis titles, a title and a legend. Returns an RGB {@link Image} for
 * {@link writePng}.
 */
import { type Rgb, capHeight, drawText, textHeight, textWidth } from './font';
import type { Image } from './png';

/** One run: y against x (e.g. `rollout/ep_rew_mean` against `step`). Non-finite points are skipped. */
export interface CurveRun {
  x: ArrayLike<number>;
  y: ArrayLike<number>;
}

/** Runs drawn as one curve (e.g. the seeds of one algorithm on one env). */
export interface CurveGroup {
  label: string;
  runs: readonly CurveRun[];
  /** Default: the next colour of {@link PLOT_PALETTE}. */
  color?: Rgb;
}

/** What the shaded band around a group's mean shows. */
export type BandKind = 'minmax' | 'std' | 'none';

export interface AggregateOptions {
  /** Band of a group with several runs (default `'minmax'`). */
  band?: BandKind;
  /** Grid size for groups of several runs (default: the longest run's point count, 2–1000). */
  points?: number;
  /** Trailing moving average over this many points of each run before aggregation (default 1 = none). */
  smooth?: number;
}

export interface PlotCurvesOptions extends AggregateOptions {
  width?: number;
  height?: number;
  title?: string;
  xLabel?: string;
  yLabel?: string;
  /** Fixed axis ranges (default: the data's, y widened by 5%). */
  xRange?: [number, number];
  yRange?: [number, number];
  /** Text size multiplier of the 5×7 font for the title, axis titles and legend (default 2). */
  textScale?: number;
  /** Text size multiplier of tick labels (default: `textScale`). */
  tickScale?: number;
  /** Opacity of the bands (default 0.22). */
  bandAlpha?: number;
  /** What a group's runs are called in the legend and band note (default `'runs'`, e.g. `'seeds'`). */
  runsName?: string;
  /** Draw the legend (default: when there is more than one group or a band). */
  legend?: boolean;
  background?: Rgb;
}

/** Matplotlib's `tab10` colours. */
export const PLOT_PALETTE: readonly Rgb[] = [
  [31, 119, 180],
  [255, 127, 14],
  [44, 160, 44],
  [214, 39, 40],
  [148, 103, 189],
  [140, 86, 75],
  [227, 119, 194],
  [127, 127, 127],
  [188, 189, 34],
  [23, 190, 207],
];

/** A group reduced to one curve: the mean and the band edges at each `x`. */
export interface CurveStats {
  x: Float64Array;
  mean: Float64Array;
  lower: Float64Array;
  upper: Float64Array;
  /** Number of runs averaged. */
  runs: number;
}

/** Describes a band for legends: e.g. `'shaded: min-max over runs'`. */
export function bandDescription(band: BandKind, over = 'runs'): string {
  return band === 'minmax' ? `shaded: min-max over ${over}` : band === 'std' ? `shaded: mean ± 1 std over ${over}` : '';
}

/** Trailing moving average (the first points average what is available, like pandas' `rolling(w, min_periods=1)`). */
export function rollingMean(values: ArrayLike<number>, window: number): Float64Array {
  if (!Number.isInteger(window) || window < 1) throw new RangeError(`rollingMean: window must be a positive integer, got ${window}`);
  const out = new Float64Array(values.length);
  let sum = 0;
  for (let i = 0; i < values.length; i++) {
    sum += values[i] as number;
    if (i >= window) sum -= values[i - window] as number;
    out[i] = sum / Math.min(i + 1, window);
  }
  return out;
}

/** Linear interpolation of the points (xs ascending) at each grid value; NaN outside [xs[0], xs[n-1]]. */
export function interpolate(xs: ArrayLike<number>, ys: ArrayLike<number>, grid: ArrayLike<number>): Float64Array {
  const out = new Float64Array(grid.length);
  const n = xs.length;
  for (let k = 0; k < grid.length; k++) {
    const g = grid[k] as number;
    if (n === 0 || !(g >= (xs[0] as number) && g <= (xs[n - 1] as number))) {
      out[k] = Number.NaN;
      continue;
    }
    // The last index a with xs[a] <= g, and b = a + 1 (binary search).
    let a = 0;
    let b = n - 1;
    while (b - a > 1) {
      const mid = (a + b) >> 1;
      if ((xs[mid] as number) <= g) a = mid;
      else b = mid;
    }
    const x0 = xs[a] as number;
    const x1 = xs[b] as number;
    const y0 = ys[a] as number;
    const y1 = ys[b] as number;
    out[k] = x1 > x0 ? y0 + ((g - x0) / (x1 - x0)) * (y1 - y0) : g >= x1 ? y1 : y0;
  }
  return out;
}

/** The finite points of a run, sorted by x (stable), optionally smoothed. */
function cleanRun(run: CurveRun, what: string, smooth: number): { x: Float64Array; y: Float64Array } {
  if (run.x.length !== run.y.length) throw new RangeError(`${what}: x has ${run.x.length} values, y has ${run.y.length}`);
  const idx: number[] = [];
  for (let i = 0; i < run.x.length; i++) if (Number.isFinite(run.x[i]) && Number.isFinite(run.y[i])) idx.push(i);
  if (idx.length === 0) throw new RangeError(`${what}: no finite (x, y) points`);
  idx.sort((a, b) => (run.x[a] as number) - (run.x[b] as number) || a - b);
  const x = Float64Array.from(idx, (i) => run.x[i] as number);
  const y = Float64Array.from(idx, (i) => run.y[i] as number);
  return { x, y: smooth > 1 ? rollingMean(y, smooth) : y };
}

/**
 * Reduces a group of runs to one curve. One run is returned as is (a zero-width band). Several
 * runs are interpolated onto an evenly spaced grid over the x range they all cover (longer runs
 * are cut to the shortest, as seeds of one experiment usually end together), then averaged; the
 * band is the min and max, or the mean ± the (population) standard deviation, at each grid point.
 */
export function aggregateRuns(runs: readonly CurveRun[], options: AggregateOptions = {}, label = 'group'): CurveStats {
  if (runs.length === 0) throw new RangeError(`aggregateRuns: "${label}" has no runs`);
  const band = options.band ?? 'minmax';
  const smooth = options.smooth ?? 1;
  if (!Number.isInteger(smooth) || smooth < 1) throw new RangeError(`aggregateRuns: smooth must be a positive integer, got ${smooth}`);
  const clean = runs.map((r, i) => cleanRun(r, `aggregateRuns: "${label}" run ${i}`, smooth));
  if (clean.length === 1) {
    const { x, y } = clean[0] as { x: Float64Array; y: Float64Array };
    return { x, mean: y, lower: Float64Array.from(y), upper: Float64Array.from(y), runs: 1 };
  }
  const lo = Math.max(...clean.map((r) => r.x[0] as number));
  const hi = Math.min(...clean.map((r) => r.x[r.x.length - 1] as number));
  if (hi < lo) {
    const spans = clean.map((r) => `[${r.x[0]}, ${r.x[r.x.length - 1]}]`).join(', ');
    throw new RangeError(`aggregateRuns: the runs of "${label}" cover no common x range (${spans})`);
  }
  const longest = Math.max(...clean.map((r) => r.x.length));
  const points = hi === lo ? 1 : (options.points ?? Math.min(1000, Math.max(2, longest)));
  if (!Number.isInteger(points) || points < 1) throw new RangeError(`aggregateRuns: points must be a positive integer, got ${points}`);
  const x = Float64Array.from({ length: points }, (_, k) => (points === 1 ? lo : lo + ((hi - lo) * k) / (points - 1)));
  const ys = clean.map((r) => interpolate(r.x, r.y, x));
  const mean = new Float64Array(points);
  const lower = new Float64Array(points);
  const upper = new Float64Array(points);
  for (let k = 0; k < points; k++) {
    let s = 0;
    let mn = Number.POSITIVE_INFINITY;
    let mx = Number.NEGATIVE_INFINITY;
    for (const y of ys) {
      const v = y[k] as number;
      s += v;
      mn = Math.min(mn, v);
      mx = Math.max(mx, v);
    }
    const m = s / ys.length;
    mean[k] = m;
    if (band === 'std') {
      let ss = 0;
      for (const y of ys) ss += ((y[k] as number) - m) ** 2;
      const sd = Math.sqrt(ss / ys.length);
      lower[k] = m - sd;
      upper[k] = m + sd;
    } else if (band === 'minmax') {
      lower[k] = mn;
      upper[k] = mx;
    } else {
      lower[k] = m;
      upper[k] = m;
    }
  }
  return { x, mean, lower, upper, runs: runs.length };
}

/** A step of 1, 2 or 5 × 10^k giving about `target` intervals over `range`. */
export function niceStep(range: number, target = 5): number {
  if (!(range > 0) || !Number.isFinite(range)) return 1;
  const raw = range / Math.max(1, target);
  const p = 10 ** Math.floor(Math.log10(raw));
  const m = raw / p;
  return (m < 1.5 ? 1 : m < 3.5 ? 2 : m < 7.5 ? 5 : 10) * p;
}

/** The multiples of `step` in [lo, hi]. */
export function ticksOf(lo: number, hi: number, step: number): number[] {
  const out: number[] = [];
  const first = Math.ceil(lo / step - 1e-9);
  const last = Math.floor(hi / step + 1e-9);
  for (let k = first; k <= last && out.length < 1000; k++) out.push(k * step);
  return out;
}

/**
 * A tick label: `0`, `-2.5`, `0.05`, and k / M / G suffixes when the axis reaches 10 000
 * (`200k`, `1.5M`), with as many decimals as the step needs.
 */
export function formatTick(v: number, step: number, maxAbs = Math.abs(v)): string {
  if (Math.abs(v) < step * 1e-6) return '0';
  const [unit, suffix] = maxAbs >= 1e9 ? [1e9, 'G'] : maxAbs >= 1e6 ? [1e6, 'M'] : maxAbs >= 1e4 ? [1e3, 'k'] : [1, ''];
  const decimals = Math.min(6, Math.max(0, Math.ceil(-Math.log10(step / unit) - 1e-9)));
  return `${(v / unit).toFixed(decimals)}${suffix}`;
}

interface Rect {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/**
 * Draws the learning curves of `groups`: each group's mean over its runs as a line, its band
 * (see {@link aggregateRuns}) shaded in a lighter tint of the same colour, on axes with grid
 * lines, numbered ticks and titles. The legend names each group (with its run count when above 1)
 * and what the band shows; it is placed in the plot corner the curves cover least.
 */
export function plotCurves(groups: readonly CurveGroup[], options: PlotCurvesOptions = {}): Image {
  if (groups.length === 0) throw new RangeError('plotCurves: no groups to draw');
  const width = options.width ?? 960;
  const height = options.height ?? 600;
  if (!Number.isInteger(width) || width < 200 || !Number.isInteger(height) || height < 150) {
    throw new RangeError(`plotCurves: width and height must be integers of at least 200 and 150, got ${width}x${height}`);
  }
  const ts = options.textScale ?? 2;
  const tickScale = options.tickScale ?? ts;
  if (!Number.isInteger(ts) || ts < 1 || !Number.isInteger(tickScale) || tickScale < 1) {
    throw new RangeError(`plotCurves: textScale and tickScale must be positive integers, got ${ts} and ${tickScale}`);
  }
  const band = options.band ?? 'minmax';
  const bandAlpha = options.bandAlpha ?? 0.22;
  const bg = options.background ?? [255, 255, 255];
  const stats = groups.map((g) => aggregateRuns(g.runs, options, g.label));
  const colors = groups.map((g, i) => g.color ?? (PLOT_PALETTE[i % PLOT_PALETTE.length] as Rgb));

  // Data ranges.
  let [xMin, xMax] = options.xRange ?? [Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY];
  let [yMin, yMax] = options.yRange ?? [Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY];
  for (const s of stats) {
    if (!options.xRange) {
      xMin = Math.min(xMin, s.x[0] as number);
      xMax = Math.max(xMax, s.x[s.x.length - 1] as number);
    }
    if (!options.yRange) {
      for (let k = 0; k < s.x.length; k++) {
        yMin = Math.min(yMin, s.lower[k] as number, s.mean[k] as number);
        yMax = Math.max(yMax, s.upper[k] as number, s.mean[k] as number);
      }
    }
  }
  if (!(xMax > xMin)) [xMin, xMax] = xMax === xMin ? [xMin - 0.5, xMax + 0.5] : [0, 1];
  if (!options.yRange) {
    const pad = yMax > yMin ? (yMax - yMin) * 0.05 : Math.max(1, Math.abs(yMin) * 0.1);
    yMin -= pad;
    yMax += pad;
  }
  if (!(yMax > yMin)) throw new RangeError(`plotCurves: empty y range [${yMin}, ${yMax}]`);
  if (!(xMax > xMin)) throw new RangeError(`plotCurves: empty x range [${xMin}, ${xMax}]`);

  // Layout: tick labels of y decide the left margin.
  const pad = 4 * ts;
  const tickLen = 2 * ts;
  const th = textHeight(ts);
  const tth = textHeight(tickScale);
  const top = options.title ? pad + th + pad : pad + tth;
  const bottom = tickLen + pad + tth + (options.xLabel ? pad + th : 0) + pad;
  const yStepFor = (plotH: number) => niceStep(yMax - yMin, Math.max(2, Math.floor(plotH / (tth * 5))));
  const plotH0 = height - top - bottom;
  const yStep = yStepFor(plotH0);
  const yTicks = ticksOf(yMin, yMax, yStep);
  const yMaxAbs = Math.max(...yTicks.map(Math.abs), 0);
  const yLabels = yTicks.map((v) => formatTick(v, yStep, yMaxAbs));
  const yLabelW = Math.max(0, ...yLabels.map((l) => textWidth(l, tickScale)));
  const left = pad + (options.yLabel ? th + pad : 0) + yLabelW + pad + tickLen;
  const right = pad + textWidth('0000', tickScale);
  const plot: Rect = { x0: left, y0: top, x1: width - right, y1: height - bottom };
  const pw = plot.x1 - plot.x0;
  const ph = plot.y1 - plot.y0;
  if (pw < 20 || ph < 20) throw new RangeError(`plotCurves: ${width}x${height} leaves no room for the plot; make it larger`);
  const X = (v: number) => plot.x0 + ((v - xMin) / (xMax - xMin)) * pw;
  const Y = (v: number) => plot.y1 - ((v - yMin) / (yMax - yMin)) * ph;

  // Canvas.
  const img: Image = { width, height, channels: 3, data: new Uint8Array(width * height * 3) };
  const d = img.data;
  for (let i = 0; i < width * height; i++) {
    d[3 * i] = bg[0];
    d[3 * i + 1] = bg[1];
    d[3 * i + 2] = bg[2];
  }
  const covered = new Uint8Array(width * height);
  const inPlot = (x: number, y: number) => x >= plot.x0 && x <= plot.x1 && y >= plot.y0 && y <= plot.y1;
  const blend = (x: number, y: number, c: Rgb, a: number, mark: boolean) => {
    if (!inPlot(x, y)) return;
    const i = y * width + x;
    for (let ch = 0; ch < 3; ch++) d[3 * i + ch] = Math.round((d[3 * i + ch] as number) * (1 - a) + (c[ch] as number) * a);
    if (mark) covered[i] = 1;
  };
  const hLine = (xa: number, xb: number, y: number, c: Rgb) => {
    for (let x = xa; x <= xb; x++) blend(x, y, c, 1, false);
  };
  const vLine = (x: number, ya: number, yb: number, c: Rgb) => {
    for (let y = ya; y <= yb; y++) blend(x, y, c, 1, false);
  };

  // Grid and ticks.
  const grid: Rgb = [228, 228, 228];
  for (const v of yTicks) hLine(plot.x0, plot.x1, Math.round(Y(v)), grid);
  const xTarget = Math.max(2, Math.floor(pw / (textWidth('000.0k', tickScale) * 1.8)));
  let xStep = niceStep(xMax - xMin, xTarget);
  let xTicks = ticksOf(xMin, xMax, xStep);
  let xLabels: string[] = [];
  for (let attempt = 0; attempt < 8; attempt++) {
    const xMaxAbs = Math.max(...xTicks.map(Math.abs), 0);
    xLabels = xTicks.map((v) => formatTick(v, xStep, xMaxAbs));
    const widest = Math.max(0, ...xLabels.map((l) => textWidth(l, tickScale)));
    const spacing = xTicks.length > 1 ? X(xTicks[1] as number) - X(xTicks[0] as number) : pw;
    if (spacing >= widest + 3 * tickScale * 4) break;
    xStep = niceStep(xMax - xMin, Math.max(1, Math.floor((xMax - xMin) / xStep / 2)));
    xTicks = ticksOf(xMin, xMax, xStep);
  }
  for (const v of xTicks) vLine(Math.round(X(v)), plot.y0, plot.y1, grid);

  // Bands, one pixel column at a time so each pixel is blended once per group.
  stats.forEach((s, g) => {
    if (band === 'none' || s.runs < 2) return;
    const c = colors[g] as Rgb;
    const first = Math.max(plot.x0, Math.ceil(X(s.x[0] as number)));
    const last = Math.min(plot.x1, Math.floor(X(s.x[s.x.length - 1] as number)));
    let k = 0;
    for (let px = first; px <= last; px++) {
      const xv = xMin + ((px - plot.x0) / pw) * (xMax - xMin);
      while (k < s.x.length - 2 && (s.x[k + 1] as number) < xv) k++;
      const x0 = s.x[k] as number;
      const x1 = s.x[Math.min(k + 1, s.x.length - 1)] as number;
      const t = x1 > x0 ? Math.min(1, Math.max(0, (xv - x0) / (x1 - x0))) : 0;
      const at = (a: Float64Array) => (a[k] as number) + t * ((a[Math.min(k + 1, a.length - 1)] as number) - (a[k] as number));
      const ya = Math.max(plot.y0, Math.round(Y(at(s.upper))));
      const yb = Math.min(plot.y1, Math.round(Y(at(s.lower))));
      for (let py = ya; py <= yb; py++) blend(px, py, c, bandAlpha, true);
    }
  });

  // Mean lines (Bresenham with a square brush), clipped to the plot.
  const thick = Math.max(2, ts);
  const segment = (xa: number, ya: number, xb: number, yb: number, c: Rgb, w: number, mark: boolean) => {
    let x = Math.round(xa);
    let y = Math.round(ya);
    const xe = Math.round(xb);
    const ye = Math.round(yb);
    const dx = Math.abs(xe - x);
    const dy = -Math.abs(ye - y);
    const sx = x < xe ? 1 : -1;
    const sy = y < ye ? 1 : -1;
    let err = dx + dy;
    const h = Math.floor((w - 1) / 2);
    for (let n = 0; n < 100_000; n++) {
      for (let oy = -h; oy < w - h; oy++) for (let ox = -h; ox < w - h; ox++) blend(x + ox, y + oy, c, 1, mark);
      if (x === xe && y === ye) break;
      const e2 = 2 * err;
      if (e2 >= dy) {
        err += dy;
        x += sx;
      }
      if (e2 <= dx) {
        err += dx;
        y += sy;
      }
    }
  };
  const clampY = (v: number) => Math.min(plot.y1 + thick, Math.max(plot.y0 - thick, v));
  stats.forEach((s, g) => {
    const c = colors[g] as Rgb;
    if (s.x.length === 1) {
      segment(
        X(s.x[0] as number) - 2,
        clampY(Y(s.mean[0] as number)),
        X(s.x[0] as number) + 2,
        clampY(Y(s.mean[0] as number)),
        c,
        thick,
        true,
      );
      return;
    }
    for (let k = 0; k + 1 < s.x.length; k++) {
      segment(
        X(s.x[k] as number),
        clampY(Y(s.mean[k] as number)),
        X(s.x[k + 1] as number),
        clampY(Y(s.mean[k + 1] as number)),
        c,
        thick,
        true,
      );
    }
  });

  // Axes, tick marks and labels.
  const ink: Rgb = [0, 0, 0];
  const axisInk: Rgb = [60, 60, 60];
  const paint = (x: number, y: number, c: Rgb) => {
    if (x < 0 || y < 0 || x >= width || y >= height) return;
    const i = 3 * (y * width + x);
    d[i] = c[0];
    d[i + 1] = c[1];
    d[i + 2] = c[2];
  };
  for (let x = plot.x0; x <= plot.x1; x++) {
    paint(x, plot.y1, axisInk);
    paint(x, plot.y0, axisInk);
  }
  for (let y = plot.y0; y <= plot.y1; y++) {
    paint(plot.x0, y, axisInk);
    paint(plot.x1, y, axisInk);
  }
  yTicks.forEach((v, i) => {
    const y = Math.round(Y(v));
    for (let t = 1; t <= tickLen; t++) paint(plot.x0 - t, y, axisInk);
    const label = yLabels[i] as string;
    drawText(img, label, plot.x0 - tickLen - pad / 2 - textWidth(label, tickScale), y - Math.floor(capHeight(tickScale) / 2), {
      scale: tickScale,
      color: ink,
    });
  });
  xTicks.forEach((v, i) => {
    const x = Math.round(X(v));
    for (let t = 1; t <= tickLen; t++) paint(x, plot.y1 + t, axisInk);
    const label = xLabels[i] as string;
    const lx = Math.min(width - 1 - textWidth(label, tickScale), Math.max(0, x - Math.floor(textWidth(label, tickScale) / 2)));
    drawText(img, label, lx, plot.y1 + tickLen + pad / 2, { scale: tickScale, color: ink });
  });
  if (options.xLabel) {
    const w = textWidth(options.xLabel, ts);
    drawText(img, options.xLabel, Math.max(0, Math.round(plot.x0 + pw / 2 - w / 2)), height - pad - th, { scale: ts, color: ink });
  }
  if (options.yLabel) {
    const w = textWidth(options.yLabel, ts);
    drawText(img, options.yLabel, pad, Math.max(0, Math.round(plot.y0 + ph / 2 - w / 2)), { scale: ts, color: ink, direction: 'up' });
  }
  if (options.title) {
    const w = textWidth(options.title, ts);
    drawText(img, options.title, Math.max(0, Math.round(plot.x0 + pw / 2 - w / 2)), pad, { scale: ts, color: ink });
  }

  // Legend in the corner the curves cover least.
  const multi = stats.some((s) => s.runs > 1) && band !== 'none';
  if (options.legend ?? (groups.length > 1 || multi)) {
    const runsName = options.runsName ?? 'runs';
    const rows = groups.map((g, i) => ((stats[i]?.runs ?? 1) > 1 ? `${g.label} (${stats[i]?.runs} ${runsName})` : g.label));
    const note = multi ? bandDescription(band, runsName) : '';
    const swatch = 12 * ts;
    const lineH = th + 2 * ts;
    const boxW = Math.min(pw - 2, pad * 3 + swatch + Math.max(textWidth(note, ts) - swatch - pad, ...rows.map((r) => textWidth(r, ts))));
    const boxH = Math.min(ph - 2, pad * 2 + lineH * (rows.length + (note ? 1 : 0)) - 2 * ts);
    const m = pad;
    const corners: Rect[] = [
      { x0: plot.x1 - m - boxW, y0: plot.y1 - m - boxH, x1: plot.x1 - m, y1: plot.y1 - m },
      { x0: plot.x0 + m, y0: plot.y0 + m, x1: plot.x0 + m + boxW, y1: plot.y0 + m + boxH },
      { x0: plot.x1 - m - boxW, y0: plot.y0 + m, x1: plot.x1 - m, y1: plot.y0 + m + boxH },
      { x0: plot.x0 + m, y0: plot.y1 - m - boxH, x1: plot.x0 + m + boxW, y1: plot.y1 - m },
    ];
    let best = corners[0] as Rect;
    let bestCount = Number.POSITIVE_INFINITY;
    for (const r of corners) {
      let count = 0;
      for (let y = Math.max(0, r.y0); y <= Math.min(height - 1, r.y1); y++) {
        for (let x = Math.max(0, r.x0); x <= Math.min(width - 1, r.x1); x++) count += covered[y * width + x] as number;
      }
      if (count < bestCount) {
        bestCount = count;
        best = r;
      }
    }
    for (let y = best.y0; y <= best.y1; y++) {
      for (let x = best.x0; x <= best.x1; x++) {
        const edge = y === best.y0 || y === best.y1 || x === best.x0 || x === best.x1;
        paint(x, y, edge ? [180, 180, 180] : bg);
      }
    }
    rows.forEach((label, i) => {
      const c = colors[i] as Rgb;
      const y = best.y0 + pad + i * lineH;
      const sx = best.x0 + pad;
      if (multi && (stats[i]?.runs ?? 1) > 1) {
        for (let yy = y; yy < y + th; yy++) for (let xx = sx; xx < sx + swatch; xx++) blend(xx, yy, c, bandAlpha, false);
      }
      const mid = y + Math.floor(th / 2);
      for (let t = 0; t < thick; t++) for (let xx = sx; xx < sx + swatch; xx++) paint(xx, mid - Math.floor(thick / 2) + t, c);
      drawText(img, label, sx + swatch + pad, y, { scale: ts, color: ink });
    });
    if (note) drawText(img, note, best.x0 + pad, best.y0 + pad + rows.length * lineH, { scale: ts, color: [90, 90, 90] });
  }
  return img;
}
