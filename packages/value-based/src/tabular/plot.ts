/**
 * A tiny line-plot rasteriser for learning curves (no dependencies): axes, grid lines at "nice"
 * ticks labelled with a 3×5 pixel digit font, one coloured polyline per series, and a colour key
 * (short line samples, top right, in series order). Returns an RGB image that `@tfrl/logger`'s
 * `writePng` can save.
 */

export interface LinePlotSeries {
  /** y values at x = 0, 1, 2, … (NaN points are skipped). */
  values: ArrayLike<number>;
  color: [number, number, number];
}

export interface LinePlotOptions {
  width?: number;
  height?: number;
  /** y-axis range (default: the data's). */
  yMin?: number;
  yMax?: number;
  /** Horizontal reference lines (drawn dashed, e.g. the book's −25 and −50). */
  hLines?: Array<{ y: number; color: [number, number, number] }>;
}

export interface RgbImage {
  width: number;
  height: number;
  channels: 3;
  data: Uint8Array;
}

// 3×5 glyphs, rows top to bottom, 3 bits per row (MSB = left).
const GLYPHS: Record<string, number[]> = {
  '0': [7, 5, 5, 5, 7],
  '1': [2, 6, 2, 2, 7],
  '2': [7, 1, 7, 4, 7],
  '3': [7, 1, 7, 1, 7],
  '4': [5, 5, 7, 1, 1],
  '5': [7, 4, 7, 1, 7],
  '6': [7, 4, 7, 5, 7],
  '7': [7, 1, 1, 1, 1],
  '8': [7, 5, 7, 5, 7],
  '9': [7, 5, 7, 1, 7],
  '-': [0, 0, 7, 0, 0],
  '.': [0, 0, 0, 0, 2],
};

/** A step of 1, 2 or 5 × 10^k giving about `target` intervals over `range`. */
export function niceStep(range: number, target = 5): number {
  if (!(range > 0)) return 1;
  const raw = range / target;
  const p = 10 ** Math.floor(Math.log10(raw));
  const m = raw / p;
  return (m < 1.5 ? 1 : m < 3.5 ? 2 : m < 7.5 ? 5 : 10) * p;
}

export function renderLinePlot(series: LinePlotSeries[], options: LinePlotOptions = {}): RgbImage {
  const width = options.width ?? 640;
  const height = options.height ?? 400;
  const data = new Uint8Array(width * height * 3).fill(255);
  const set = (x: number, y: number, c: readonly number[]) => {
    if (x < 0 || y < 0 || x >= width || y >= height) return;
    const i = (y * width + x) * 3;
    data[i] = c[0] as number;
    data[i + 1] = c[1] as number;
    data[i + 2] = c[2] as number;
  };
  const text = (s: string, x: number, y: number, scale = 2) => {
    let cx = x;
    for (const ch of s) {
      const g = GLYPHS[ch];
      if (g) {
        for (let r = 0; r < 5; r++) {
          for (let b = 0; b < 3; b++) {
            if (((g[r] as number) >> (2 - b)) & 1)
              for (let dy = 0; dy < scale; dy++) for (let dx = 0; dx < scale; dx++) set(cx + b * scale + dx, y + r * scale + dy, [0, 0, 0]);
          }
        }
      }
      cx += 4 * scale;
    }
  };
  const line = (x0: number, y0: number, x1: number, y1: number, c: readonly number[], thick = 1, dash = 0) => {
    // Bresenham.
    let x = Math.round(x0);
    let y = Math.round(y0);
    const xe = Math.round(x1);
    const ye = Math.round(y1);
    const dx = Math.abs(xe - x);
    const dy = -Math.abs(ye - y);
    const sx = x < xe ? 1 : -1;
    const sy = y < ye ? 1 : -1;
    let err = dx + dy;
    let n = 0;
    for (;;) {
      if (!dash || Math.floor(n / dash) % 2 === 0) {
        for (let t = 0; t < thick; t++) {
          set(x, y + t, c);
          set(x + t, y, c);
        }
      }
      n++;
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

  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  let nx = 1;
  for (const s of series) {
    nx = Math.max(nx, s.values.length);
    for (let i = 0; i < s.values.length; i++) {
      const v = s.values[i] as number;
      if (Number.isFinite(v)) {
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
    }
  }
  if (!Number.isFinite(lo)) {
    lo = 0;
    hi = 1;
  }
  lo = options.yMin ?? lo;
  hi = options.yMax ?? hi;
  if (hi <= lo) hi = lo + 1;

  const left = 60;
  const right = 15;
  const top = 15;
  const bottom = 30;
  const pw = width - left - right;
  const ph = height - top - bottom;
  const px = (i: number) => left + (nx <= 1 ? 0 : (i / (nx - 1)) * pw);
  const py = (v: number) => top + (1 - (v - lo) / (hi - lo)) * ph;
  const fmt = (v: number, step: number) => (step >= 1 ? String(Math.round(v)) : v.toFixed(Math.min(6, Math.ceil(-Math.log10(step)))));

  // Grid and tick labels.
  const ys = niceStep(hi - lo);
  for (let v = Math.ceil(lo / ys) * ys; v <= hi + 1e-9; v += ys) {
    const y = Math.round(py(v));
    line(left, y, left + pw, y, [225, 225, 225]);
    const label = fmt(v, ys);
    text(label, left - 6 - label.length * 8, y - 5);
  }
  const xs = niceStep(nx - 1);
  for (let v = 0; v <= nx - 1 + 1e-9; v += xs) {
    const x = Math.round(px(v));
    line(x, top, x, top + ph, [235, 235, 235]);
    const label = fmt(v, xs);
    text(label, x - label.length * 4, top + ph + 8);
  }
  for (const h of options.hLines ?? []) if (h.y >= lo && h.y <= hi) line(left, py(h.y), left + pw, py(h.y), h.color, 1, 6);
  // Axes.
  line(left, top, left, top + ph, [0, 0, 0]);
  line(left, top + ph, left + pw, top + ph, [0, 0, 0]);

  for (const s of series) {
    let prev: [number, number] | null = null;
    for (let i = 0; i < s.values.length; i++) {
      const v = s.values[i] as number;
      if (!Number.isFinite(v)) {
        prev = null;
        continue;
      }
      const cur: [number, number] = [px(i), py(Math.min(hi, Math.max(lo, v)))];
      if (prev) line(prev[0], prev[1], cur[0], cur[1], s.color, 2);
      prev = cur;
    }
  }
  // Colour key: one short sample per series, top right, in series order.
  series.forEach((s, k) => {
    const y = top + 10 + k * 12;
    line(left + pw - 50, y, left + pw - 10, y, s.color, 3);
  });
  return { width, height, channels: 3, data };
}

/** Centred moving average over `window` points (shrinking at the ends). */
export function movingAverage(values: ArrayLike<number>, window: number): Float64Array {
  const n = values.length;
  const out = new Float64Array(n);
  const h = Math.floor(window / 2);
  for (let i = 0; i < n; i++) {
    const a = Math.max(0, i - h);
    const b = Math.min(n, i + h + 1);
    let s = 0;
    for (let j = a; j < b; j++) s += values[j] as number;
    out[i] = s / (b - a);
  }
  return out;
}
