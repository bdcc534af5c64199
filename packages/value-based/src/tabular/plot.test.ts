import { describe, expect, it } from 'vitest';
import { movingAverage, niceStep, renderLinePlot } from './plot';

describe('line plot rasteriser', () => {
  it('draws each series in its colour inside the plot area', () => {
    const img = renderLinePlot(
      [
        { values: [0, 1, 2, 3], color: [255, 0, 0] },
        { values: [3, 2, 1, 0], color: [0, 0, 255] },
      ],
      { width: 200, height: 120 },
    );
    expect(img.data.length).toBe(200 * 120 * 3);
    let red = 0;
    let blue = 0;
    for (let i = 0; i < img.data.length; i += 3) {
      if (img.data[i] === 255 && img.data[i + 1] === 0 && img.data[i + 2] === 0) red++;
      if (img.data[i] === 0 && img.data[i + 1] === 0 && img.data[i + 2] === 255) blue++;
    }
    expect(red).toBeGreaterThan(100);
    expect(blue).toBeGreaterThan(100);
    // The rising series starts bottom-left: the pixel at the left axis, bottom of the plot area.
    const at = (x: number, y: number) => Array.from(img.data.subarray((y * 200 + x) * 3, (y * 200 + x) * 3 + 3));
    expect(at(61, 120 - 30)).toEqual([255, 0, 0]);
  });

  it('nice steps and moving averages', () => {
    expect(niceStep(100)).toBe(20);
    expect(niceStep(7)).toBe(1);
    expect(niceStep(0.3)).toBeCloseTo(0.05, 12);
    expect(Array.from(movingAverage([1, 2, 3, 4, 5], 3))).toEqual([1.5, 2, 3, 4, 4.5]);
  });
});
