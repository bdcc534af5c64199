/**
 * A minimal software rasteriser for RGB frames (no canvas dependency): filled convex polygons,
 * filled circles and horizontal lines, sampled at pixel centres, no anti-aliasing.
 * Coordinates are in pixels with y pointing DOWN (row 0 at the top), like the frame memory.
 */

import type { RgbFrame } from '@tfrl/core';

export type Rgb = readonly [number, number, number];

export function createFrame(width: number, height: number, background: Rgb = [255, 255, 255]): RgbFrame {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < width * height; i++) {
    data[i * 3] = background[0];
    data[i * 3 + 1] = background[1];
    data[i * 3 + 2] = background[2];
  }
  return { width, height, data };
}

export function setPixel(frame: RgbFrame, x: number, y: number, color: Rgb): void {
  if (x < 0 || y < 0 || x >= frame.width || y >= frame.height) return;
  const o = (y * frame.width + x) * 3;
  frame.data[o] = color[0];
  frame.data[o + 1] = color[1];
  frame.data[o + 2] = color[2];
}

/**
 * Fill a polygon given as [x, y] vertices (convex or not; even–odd rule): for each row, the
 * pixel centres between pairs of edge crossings are painted.
 */
export function fillPolygon(frame: RgbFrame, pts: ReadonlyArray<readonly [number, number]>, color: Rgb): void {
  if (pts.length < 3) return;
  let minY = Number.POSITIVE_INFINITY;
  let maxY = Number.NEGATIVE_INFINITY;
  for (const [, y] of pts) {
    minY = Math.min(minY, y);
    maxY = Math.max(maxY, y);
  }
  const y0 = Math.max(0, Math.ceil(minY - 0.5));
  const y1 = Math.min(frame.height - 1, Math.floor(maxY - 0.5));
  const xs: number[] = [];
  for (let py = y0; py <= y1; py++) {
    const cy = py + 0.5;
    xs.length = 0;
    for (let i = 0; i < pts.length; i++) {
      const [ax, ay] = pts[i] as readonly [number, number];
      const [bx, by] = pts[(i + 1) % pts.length] as readonly [number, number];
      // Half-open rule on y so a vertex shared by two edges is counted once.
      if ((ay <= cy && by > cy) || (by <= cy && ay > cy)) {
        xs.push(ax + ((cy - ay) * (bx - ax)) / (by - ay));
      }
    }
    xs.sort((a, b) => a - b);
    for (let k = 0; k + 1 < xs.length; k += 2) {
      const xa = Math.max(0, Math.ceil((xs[k] as number) - 0.5));
      const xb = Math.min(frame.width - 1, Math.floor((xs[k + 1] as number) - 0.5));
      for (let px = xa; px <= xb; px++) setPixel(frame, px, py, color);
    }
  }
}

/** Fill the pixels whose centres lie within `r` of (cx, cy). */
export function fillCircle(frame: RgbFrame, cx: number, cy: number, r: number, color: Rgb): void {
  const ya = Math.max(0, Math.floor(cy - r));
  const yb = Math.min(frame.height - 1, Math.ceil(cy + r));
  for (let py = ya; py <= yb; py++) {
    for (let px = Math.max(0, Math.floor(cx - r)); px <= Math.min(frame.width - 1, Math.ceil(cx + r)); px++) {
      const dx = px + 0.5 - cx;
      const dy = py + 0.5 - cy;
      if (dx * dx + dy * dy <= r * r) setPixel(frame, px, py, color);
    }
  }
}

/** A one-pixel horizontal line on row `y` from x0 to x1 inclusive. */
export function hLine(frame: RgbFrame, x0: number, x1: number, y: number, color: Rgb): void {
  const row = Math.round(y);
  for (let x = Math.max(0, Math.round(x0)); x <= Math.min(frame.width - 1, Math.round(x1)); x++) setPixel(frame, x, row, color);
}
