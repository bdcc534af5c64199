/**
 * PNG pictures of a 2-D flow during training: a scatter plot of its samples and a heat map of its
 * density over the data's range, written as files and logged with `logger.image`, the way the
 * VAE and GAN trainers write their sample grids.
 */
import * as tf from '@tensorflow/tfjs';
import type { Logger } from '@tfrl/core';
import { writePngImage } from '../datasets/image-folder';
import { joinPath } from '../node-io';
import type { NormalizingFlow } from './flow';
import { pointsRange, renderHeatmap, renderScatter } from './scatter';

export interface FlowImageOptions {
  /** [xMin, xMax, yMin, yMax] of both pictures (default: the samples' range). Give the data's range to compare steps. */
  range?: [number, number, number, number];
  /** Points in the sample scatter plot (default 2000). */
  samples?: number;
  /** Width and height of the pictures in pixels (default 160). */
  size?: number;
  /** Seed of the samples (default 2024: the same latents at every step). */
  seed?: number;
}

/** exp(log p(x)) of a 2-D flow on a `size`×`size` grid of cell centres over `range`, row-major with row 0 at the top. */
export function flowDensityGrid(flow: NormalizingFlow, range: [number, number, number, number], size: number): Float32Array {
  if (flow.dim !== 2) throw new RangeError(`flowDensityGrid: the flow must be 2-D, got dim ${flow.dim}`);
  const [x0, x1, y0, y1] = range;
  const points = new Float32Array(2 * size * size);
  for (let r = 0; r < size; r++) {
    for (let c = 0; c < size; c++) {
      points[2 * (r * size + c)] = x0 + ((c + 0.5) / size) * (x1 - x0);
      points[2 * (r * size + c) + 1] = y1 - ((r + 0.5) / size) * (y1 - y0);
    }
  }
  const logp = tf.tidy(() => flow.logProb(tf.tensor2d(points, [size * size, 2])));
  const values = logp.dataSync() as Float32Array;
  logp.dispose();
  const density = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) density[i] = Math.exp(values[i] as number);
  return density;
}

/**
 * Writes `samples_<tag>.png` (a scatter plot of the flow's samples) and `density_<tag>.png` (a heat
 * map of its density) into `outDir` and logs them as `flow/samples` and `flow/density` at `step`.
 */
export function writeFlowImages(
  flow: NormalizingFlow,
  outDir: string,
  tag: string,
  logger: Logger | undefined,
  step: number,
  options: FlowImageOptions = {},
): string[] {
  if (flow.dim !== 2) throw new RangeError(`writeFlowImages: the flow must be 2-D, got dim ${flow.dim}`);
  const size = options.size ?? 160;
  const samples = flow.sampleArray(options.samples ?? 2000, options.seed ?? 2024);
  const range = options.range ?? pointsRange(samples);
  const written: string[] = [];
  const put = (name: string, img: ReturnType<typeof renderScatter>) => {
    const p = joinPath(outDir, `${name}_${tag}.png`);
    writePngImage(p, img);
    logger?.image(`flow/${name}`, img, step);
    written.push(p);
  };
  put('samples', renderScatter(samples, { width: size, height: size, range, alpha: 0.4 }));
  put('density', renderHeatmap(flowDensityGrid(flow, range, size), size, size));
  return written;
}

/** Writes `data.png`, a scatter plot of the training rows (logged as `flow/data`), to compare with the samples. */
export function writeFlowDataImage(
  data: Float32Array,
  outDir: string,
  logger: Logger | undefined,
  step: number,
  options: Pick<FlowImageOptions, 'range' | 'size' | 'samples'> = {},
): string {
  const size = options.size ?? 160;
  const n = Math.min(options.samples ?? 2000, data.length / 2);
  const img = renderScatter(data.subarray(0, 2 * n), { width: size, height: size, range: options.range, alpha: 0.4 });
  const p = joinPath(outDir, 'data.png');
  writePngImage(p, img);
  logger?.image('flow/data', img, step);
  return p;
}
