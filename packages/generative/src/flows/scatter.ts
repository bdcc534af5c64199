/**
 * A tiny scatter-plot rasteriser: 2-D points → an RGB image (the `LogImage` / `@tfrl/logger`
 * `Image` shape), for flow visualisations without a plotting library.
 */
import type { LogImage } from '@tfrl/core';

export interface ScatterOptions {
  width?: number;
  height?: number;
  /** [xMin, xMax, yMin, yMax] (default: the points' range with a 5% margin). */
  range?: [number, number, number, number];
  /** A class per point, coloured with `palette` (default: all the first colour). */
  labels?: ArrayLike<number>;
  palette?: Array<[number, number, number]>;
  /** Half-size of the square drawn per point, in pixels (default 1 → 3×3). */
  radius?: number;
  /** Opacity of one point (default 0.5; overlapping points darken). */
  alpha?: number;
  background?: [number, number, number];
  /** Draw the axes x = 0 and y = 0 when in range, and a frame (default true). */
  axes?: boolean;
}

export const DEFAULT_PALETTE: Array<[number, number, number]> = [
  [31, 119, 180],
  [255, 127, 14],
  [44, 160, 44],
  [214, 39, 40],
  [148, 103, 189],
  [140, 86, 75],
  [227, 119, 194],
  [127, 127, 127],
];

/** The bounding box of row-major 2-D points, widened by `margin` of its size on each side. */
export function pointsRange(points: ArrayLike<number>, margin = 0.05): [number, number, number, number] {
  let x0 = Infinity;
  let x1 = -Infinity;
  let y0 = Infinity;
  let y1 = -Infinity;
  for (let i = 0; i + 1 < points.length; i += 2) {
    const x = points[i] as number;
    const y = points[i + 1] as number;
    if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
    if (x < x0) x0 = x;
    if (x > x1) x1 = x;
    if (y < y0) y0 = y;
    if (y > y1) y1 = y;
  }
  if (!(x1 >= x0)) return [-1, 1, -1, 1];
  const mx = Math.max(x1 - x0, 1e-6) * margin;
  const my = Math.max(y1 - y0, 1e-6) * margin;
  return [x0 - mx, x1 + mx, y0 - my, y1 + my];
}

/** Renders row-major (x, y) points; y grows upwards. Non-finite points are skipped. */
export function renderScatter(points: ArrayLike<number>, options: ScatterOptions = {}): LogImage {
  const width = options.width ?? 160;
  const height = options.height ?? 160;
  if (!Number.isInteger(width) || width < 4 || !Number.isInteger(height) || height < 4) {
    throw new RangeError(`renderScatter: width and height must be integers >= 4, got ${width}x${height}`);
  }
  if (points.length % 2 !== 0) throw new RangeError(`renderScatter: points must be (x, y) pairs, got ${points.length} values`);
  const [x0, x1, y0, y1] = options.range ?? pointsRange(points);
  if (!(x1 > x0) || !(y1 > y0)) throw new RangeError(`renderScatter: empty range [${x0}, ${x1}] x [${y0}, ${y1}]`);
  const palette = options.palette ?? DEFAULT_PALETTE;
  const radius = options.radius ?? 1;
  const alpha = options.alpha ?? 0.5;
  const bg = options.background ?? [255, 255, 255];
  const data = new Uint8Array(width * height * 3);
  // Float canvas so that alpha blending of many points does not band.
  const canvas = new Float32Array(width * height * 3);
  for (let i = 0; i < width * height; i++) {
    canvas[3 * i] = bg[0];
    canvas[3 * i + 1] = bg[1];
    canvas[3 * i + 2] = bg[2];
  }
  const blend = (px: number, py: number, c: [number, number, number], a: number) => {
    if (px < 0 || py < 0 || px >= width || py >= height) return;
    const k = 3 * (py * width + px);
    for (let ch = 0; ch < 3; ch++) canvas[k + ch] = (canvas[k + ch] as number) * (1 - a) + c[ch] * a;
  };
  const toPx = (x: number) => Math.floor(((x - x0) / (x1 - x0)) * (width - 1) + 0.5);
  const toPy = (y: number) => Math.floor(((y1 - y) / (y1 - y0)) * (height - 1) + 0.5);
  if (options.axes ?? true) {
    const axis: [number, number, number] = [200, 200, 200];
    if (x0 < 0 && x1 > 0) for (let py = 0; py < height; py++) blend(toPx(0), py, axis, 1);
    if (y0 < 0 && y1 > 0) for (let px = 0; px < width; px++) blend(px, toPy(0), axis, 1);
    const frame: [number, number, number] = [120, 120, 120];
    for (let px = 0; px < width; px++) {
      blend(px, 0, frame, 1);
      blend(px, height - 1, frame, 1);
    }
    for (let py = 0; py < height; py++) {
      blend(0, py, frame, 1);
      blend(width - 1, py, frame, 1);
    }
  }
  const n = points.length / 2;
  for (let i = 0; i < n; i++) {
    const x = points[2 * i] as number;
    const y = points[2 * i + 1] as number;
    if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
    const label = options.labels ? (options.labels[i] as number) : 0;
    const c = palette[((label % palette.length) + palette.length) % palette.length] as [number, number, number];
    const cx = toPx(x);
    const cy = toPy(y);
    for (let dy = -radius; dy <= radius; dy++) for (let dx = -radius; dx <= radius; dx++) blend(cx + dx, cy + dy, c, alpha);
  }
  for (let i = 0; i < canvas.length; i++) data[i] = Math.max(0, Math.min(255, Math.round(canvas[i] as number)));
  return { width, height, channels: 3, data };
}

/**
 * A heat map of `values` (row-major, `height` rows of `width`, row 0 at the TOP) on a white →
 * dark-blue ramp, normalised to [min, max] of the finite values (or `range`).
 */
export function renderHeatmap(values: ArrayLike<number>, width: number, height: number, range?: [number, number]): LogImage {
  if (values.length !== width * height) throw new RangeError(`renderHeatmap: ${values.length} values for ${width}x${height}`);
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (range) [lo, hi] = range;
  const span = hi > lo ? hi - lo : 1;
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    const u = Number.isFinite(v) ? Math.max(0, Math.min(1, (v - lo) / span)) : 0;
    data[3 * i] = Math.round(255 * (1 - u) + 8 * u);
    data[3 * i + 1] = Math.round(255 * (1 - u) + 48 * u);
    data[3 * i + 2] = Math.round(255 * (1 - u) + 107 * u);
  }
  return { width, height, channels: 3, data };
}
