/** A line chart on a canvas: series of (x, y) points, axes with round ticks, drawn again on every update. */

export interface Series {
  color: string;
  points: { x: number; y: number }[];
  /** Draw dots instead of a line. */
  dots?: boolean;
  /** Smooth the line with a running mean over this many points (the raw points are drawn faint). */
  smooth?: number;
}

export interface ChartOptions {
  xLabel: string;
  yLabel: string;
  xMax?: number;
  yMin?: number;
  yMax?: number;
}

const INK = '#cbd5e1';
const GRID = 'rgba(148, 163, 184, 0.16)';

function niceStep(span: number, ticks: number): number {
  const raw = span / Math.max(1, ticks);
  const p = 10 ** Math.floor(Math.log10(raw));
  const m = raw / p;
  return (m < 1.5 ? 1 : m < 3.5 ? 2 : m < 7.5 ? 5 : 10) * p;
}

function label(v: number): string {
  const a = Math.abs(v);
  if (a >= 1e6) return `${+(v / 1e6).toFixed(1)}M`;
  if (a >= 1e3) return `${+(v / 1e3).toFixed(1)}k`;
  return `${+v.toFixed(2)}`;
}

/** Prepare a canvas for crisp drawing at the device's pixel ratio; returns its CSS size. */
export function setupCanvas(canvas: HTMLCanvasElement): { ctx: CanvasRenderingContext2D; w: number; h: number } {
  const w = Number(canvas.getAttribute('width'));
  const h = Number(canvas.getAttribute('height'));
  const dpr = Math.min(2, globalThis.devicePixelRatio || 1);
  if (canvas.dataset.dpr !== String(dpr)) {
    canvas.style.aspectRatio = `${w} / ${h}`;
    canvas.width = Math.round(w * dpr);
    canvas.height = Math.round(h * dpr);
    canvas.dataset.dpr = String(dpr);
  }
  const ctx = canvas.getContext('2d');
  if (ctx === null) throw new Error('page: no 2-D canvas context');
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  return { ctx, w, h };
}

export function drawChart(canvas: HTMLCanvasElement, series: Series[], options: ChartOptions): void {
  const { ctx, w, h } = setupCanvas(canvas);
  ctx.clearRect(0, 0, w, h);
  const pad = { l: 52, r: 14, t: 12, b: 36 };
  const pts = series.flatMap((s) => s.points);
  const xMax = options.xMax ?? Math.max(1, ...pts.map((p) => p.x));
  let yMin = options.yMin ?? Math.min(0, ...pts.map((p) => p.y));
  let yMax = options.yMax ?? Math.max(1, ...pts.map((p) => p.y));
  if (yMax - yMin < 1e-9) yMax = yMin + 1;
  const ys = niceStep(yMax - yMin, 5);
  yMin = Math.floor(yMin / ys) * ys;
  yMax = Math.ceil(yMax / ys) * ys;
  const X = (x: number) => pad.l + (x / xMax) * (w - pad.l - pad.r);
  const Y = (y: number) => h - pad.b - ((y - yMin) / (yMax - yMin)) * (h - pad.t - pad.b);

  ctx.font = '11px ui-sans-serif, system-ui, sans-serif';
  ctx.fillStyle = INK;
  ctx.strokeStyle = GRID;
  ctx.lineWidth = 1;
  ctx.textAlign = 'right';
  ctx.textBaseline = 'middle';
  for (let y = yMin; y <= yMax + ys / 2; y += ys) {
    ctx.beginPath();
    ctx.moveTo(pad.l, Y(y));
    ctx.lineTo(w - pad.r, Y(y));
    ctx.stroke();
    ctx.fillText(label(y), pad.l - 6, Y(y));
  }
  const xs = niceStep(xMax, 5);
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  for (let x = 0; x <= xMax + xs / 2; x += xs) {
    ctx.beginPath();
    ctx.moveTo(X(x), pad.t);
    ctx.lineTo(X(x), h - pad.b);
    ctx.stroke();
    ctx.fillText(label(x), X(x), h - pad.b + 5);
  }
  ctx.fillText(options.xLabel, (pad.l + w - pad.r) / 2, h - 15);
  ctx.save();
  ctx.translate(12, (pad.t + h - pad.b) / 2);
  ctx.rotate(-Math.PI / 2);
  ctx.textBaseline = 'middle';
  ctx.fillText(options.yLabel, 0, 0);
  ctx.restore();

  ctx.save();
  ctx.beginPath();
  ctx.rect(pad.l, pad.t - 4, w - pad.l - pad.r, h - pad.t - pad.b + 8);
  ctx.clip();
  for (const s of series) {
    if (s.points.length === 0) continue;
    if (s.dots) {
      ctx.fillStyle = s.color;
      for (const p of s.points) {
        ctx.beginPath();
        ctx.arc(X(p.x), Y(p.y), 4, 0, Math.PI * 2);
        ctx.fill();
      }
      continue;
    }
    const line = (points: { x: number; y: number }[], alpha: number, width: number) => {
      ctx.globalAlpha = alpha;
      ctx.strokeStyle = s.color;
      ctx.lineWidth = width;
      ctx.beginPath();
      points.forEach((p, i) => (i === 0 ? ctx.moveTo(X(p.x), Y(p.y)) : ctx.lineTo(X(p.x), Y(p.y))));
      ctx.stroke();
      ctx.globalAlpha = 1;
    };
    if (s.smooth && s.smooth > 1) {
      line(s.points, 0.25, 1);
      const k = s.smooth;
      let sum = 0;
      const sm = s.points.map((p, i) => {
        sum += p.y - (i >= k ? (s.points[i - k] as { y: number }).y : 0);
        return { x: p.x, y: sum / Math.min(k, i + 1) };
      });
      line(sm, 1, 2);
    } else {
      line(s.points, 1, 2);
    }
  }
  ctx.restore();
}
