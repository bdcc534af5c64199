/**
 * The course's indicator for goal-conditioned agents: where training episodes end. Every episode's
 * last achieved goal is counted on a 2-D grid of bins, and the counts are drawn as a heat map over
 * the map (walls dark, cells never reached light grey, then pale yellow to dark red on a log
 * scale), logged as an image (`curriculum/episode_ends`) and available as a `LogImage` for a PNG.
 *
 * Grid worlds (`GoalGridWorld-v0`: goals are `[row, col]`) get one bin per cell and their walls;
 * other envs with 2-D goals in a bounded Box (the point mass: `[x, y]`) get `bins` × `bins` over
 * the box, x to the right and y up.
 */
import { BaseCallback, Box, type CallbackContext, FrequencyGate, type LogImage, type Space } from '@tfrl/core';
import { findInEnvChain, goalLayout } from './goal-env';

export interface EpisodeEndHeatmapOptions {
  /** Rows and columns of bins (default: the grid world's size, or 32 × 32). */
  bins?: [number, number];
  /** Goal coordinates of the bins: `[[rowLow, rowHigh], [colLow, colHigh]]` (default: the map, or the goal Box). */
  range?: [[number, number], [number, number]];
  /** `'row-col'`: goal[0] is the row, goal[1] the column (grid worlds); `'xy'`: goal[0] is x, goal[1] is y, drawn up (default: by env). */
  axes?: 'row-col' | 'xy';
  /** Map lines drawn under the counts; `#` is a wall (default: the grid world's map). */
  background?: readonly string[];
  /** Log the image every this many env steps (default 0: at the end of training only). */
  logFreq?: number;
  /** Image tag (default `curriculum/episode_ends`). */
  tag?: string;
  /** Pixels per bin (default 16). */
  cell?: number;
}

interface GridLike {
  rows: number;
  cols: number;
  lines: readonly string[];
}

/** The grid map of a (vectorised, wrapped) GoalGridWorld, if that is what `env` is. */
function gridOf(env: unknown): GridLike | undefined {
  return findInEnvChain<GridLike>(env, (c) => {
    const map = c.map as Partial<GridLike> | undefined;
    return map && typeof map.rows === 'number' && typeof map.cols === 'number' && Array.isArray(map.lines) ? (map as GridLike) : undefined;
  });
}

/** Colour of a count on a log scale: pale yellow (1) to dark red (max). */
function heat(count: number, max: number): [number, number, number] {
  const t = max > 1 ? Math.log(count) / Math.log(max) : 1;
  return [Math.round(255 - 120 * t), Math.round(240 - 230 * t), Math.round(160 - 150 * t)];
}

export class EpisodeEndHeatmap extends BaseCallback {
  readonly tag: string;
  readonly logFreq: number;
  readonly cell: number;
  bins: [number, number] | undefined;
  range: [[number, number], [number, number]] | undefined;
  axes: 'row-col' | 'xy' | undefined;
  background: readonly string[] | undefined;
  /** Episode ends per bin, row-major. */
  counts: Float64Array | undefined;
  /** Episodes counted (ends outside the range are clipped to its edge). */
  episodes = 0;
  private layout: { obsDim: number; achievedOffset: number } | undefined;
  private readonly gate: FrequencyGate | undefined;

  constructor(readonly options: EpisodeEndHeatmapOptions = {}) {
    super();
    this.tag = options.tag ?? 'curriculum/episode_ends';
    this.logFreq = options.logFreq ?? 0;
    this.cell = options.cell ?? 16;
    if (!Number.isInteger(this.logFreq) || this.logFreq < 0) {
      throw new RangeError(`EpisodeEndHeatmap: logFreq must be a non-negative integer, got ${JSON.stringify(options.logFreq)}`);
    }
    this.gate = this.logFreq > 0 ? new FrequencyGate(this.logFreq) : undefined;
    if (!Number.isInteger(this.cell) || this.cell < 1 || this.cell > 64) {
      throw new RangeError(`EpisodeEndHeatmap: cell must be an integer in [1, 64], got ${JSON.stringify(options.cell)}`);
    }
    const b = options.bins;
    if (b !== undefined && !(Array.isArray(b) && b.length === 2 && b.every((v) => Number.isInteger(v) && v >= 1 && v <= 1024))) {
      throw new RangeError(`EpisodeEndHeatmap: bins must be [rows, cols] of integers in [1, 1024], got ${JSON.stringify(b)}`);
    }
    const r = options.range;
    if (r !== undefined && !(Array.isArray(r) && r.length === 2 && r.every((p) => Array.isArray(p) && p.length === 2 && p[0] < p[1]))) {
      throw new RangeError(`EpisodeEndHeatmap: range must be [[low, high], [low, high]] with low < high, got ${JSON.stringify(r)}`);
    }
  }

  /** Fix the grid from the env (its goal space and, for grid worlds, its map); done at the start of training. */
  configure(env: { singleObservationSpace?: Space<any>; observationSpace?: Space<any> }): void {
    const space = env.singleObservationSpace ?? env.observationSpace;
    const layout = goalLayout(space, 'EpisodeEndHeatmap');
    if (layout.goalDim !== 2) {
      throw new RangeError(`EpisodeEndHeatmap: draws 2-D goals; this env's goals have ${layout.goalDim} numbers`);
    }
    this.layout = layout;
    const grid = gridOf(env);
    const o = this.options;
    if (grid) {
      this.bins = o.bins ?? [grid.rows, grid.cols];
      this.range = o.range ?? [
        [-0.5, grid.rows - 0.5],
        [-0.5, grid.cols - 0.5],
      ];
      this.axes = o.axes ?? 'row-col';
      this.background = o.background ?? grid.lines;
    } else {
      const box = (space as unknown as { spaces: Record<string, Space<any>> }).spaces.achieved_goal;
      const finite = box instanceof Box && Array.from(box.low).every(Number.isFinite) && Array.from(box.high).every(Number.isFinite);
      if (!o.range && !finite) {
        throw new RangeError(`EpisodeEndHeatmap: the goal space ${String(box)} is unbounded; give range [[low, high], [low, high]]`);
      }
      this.bins = o.bins ?? [32, 32];
      this.axes = o.axes ?? 'xy';
      const bx = box as Box;
      // range is [[row coordinate], [column coordinate]]: for 'xy', rows follow y (goal[1]) and columns x (goal[0])
      this.range =
        o.range ??
        (this.axes === 'xy'
          ? [
              [bx.low[1] as number, bx.high[1] as number],
              [bx.low[0] as number, bx.high[0] as number],
            ]
          : [
              [bx.low[0] as number, bx.high[0] as number],
              [bx.low[1] as number, bx.high[1] as number],
            ]);
      this.background = o.background;
    }
    this.counts = new Float64Array(this.bins[0] * this.bins[1]);
  }

  /** Count one episode that ended with achieved goal `g`. */
  add(g: ArrayLike<number>): void {
    const [rows, cols] = this.bins as [number, number];
    const [[r0, r1], [c0, c1]] = this.range as [[number, number], [number, number]];
    const rowCoord = this.axes === 'xy' ? (g[1] as number) : (g[0] as number);
    const colCoord = this.axes === 'xy' ? (g[0] as number) : (g[1] as number);
    let r = Math.floor(((rowCoord - r0) / (r1 - r0)) * rows);
    let c = Math.floor(((colCoord - c0) / (c1 - c0)) * cols);
    r = Math.min(rows - 1, Math.max(0, r));
    c = Math.min(cols - 1, Math.max(0, c));
    if (this.axes === 'xy') r = rows - 1 - r; // y up
    const counts = this.counts as Float64Array;
    counts[r * cols + c] = (counts[r * cols + c] as number) + 1;
    this.episodes++;
  }

  override onTrainingStart(ctx: CallbackContext): void {
    if (!this.counts) this.configure((ctx.algorithm as unknown as { env: never }).env);
    this.gate?.reset(ctx.numTimesteps);
  }

  override onStep(ctx: CallbackContext): boolean {
    const l = ctx.locals;
    const finalObs = l?.finalObs as Float32Array | undefined;
    const term = l?.terminated as Uint8Array | undefined;
    const trunc = l?.truncated as Uint8Array | undefined;
    if (!finalObs || !term || !trunc || !this.layout) return true;
    const { obsDim, achievedOffset } = this.layout;
    for (let i = 0; i < term.length; i++) {
      if (!(term[i] || trunc[i])) continue;
      const at = i * obsDim + achievedOffset;
      this.add(finalObs.subarray(at, at + 2));
    }
    if (this.gate?.due(ctx.numTimesteps)) ctx.algorithm.logger.image(this.tag, this.image(), ctx.numTimesteps);
    return true;
  }

  override onTrainingEnd(ctx: CallbackContext): void {
    if (this.counts) ctx.algorithm.logger.image(this.tag, this.image(), ctx.numTimesteps);
  }

  /** The heat map as an RGB image (`cell` pixels per bin). */
  image(): LogImage {
    if (!this.counts || !this.bins) throw new Error('EpisodeEndHeatmap: no grid yet; call configure(env) or train first');
    const [rows, cols] = this.bins;
    const s = this.cell;
    const width = cols * s;
    const height = rows * s;
    const data = new Uint8Array(width * height * 3);
    let max = 0;
    for (const v of this.counts) max = Math.max(max, v);
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) {
        const n = this.counts[r * cols + c] as number;
        const wall = this.background?.[r]?.[c] === '#';
        const rgb: [number, number, number] = wall ? [60, 60, 60] : n > 0 ? heat(n, max) : [235, 235, 235];
        for (let y = r * s; y < (r + 1) * s; y++) {
          for (let x = c * s; x < (c + 1) * s; x++) {
            // one-pixel grid lines between bins when bins are large enough to see
            const edge = s >= 6 && (x % s === 0 || y % s === 0);
            const k = (y * width + x) * 3;
            data[k] = edge ? Math.round((rgb[0] * 3) / 4) : rgb[0];
            data[k + 1] = edge ? Math.round((rgb[1] * 3) / 4) : rgb[1];
            data[k + 2] = edge ? Math.round((rgb[2] * 3) / 4) : rgb[2];
          }
        }
      }
    }
    return { width, height, channels: 3, data };
  }
}
