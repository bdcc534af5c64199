/**
 * Shared machinery of the tabular (toy-text) envs: an explicit transition model
 * `P[s][a] = [{prob, next, reward, done}]`, an initial-state distribution, and the sampling rule
 * of Gymnasium's `categorical_sample` (the first outcome whose cumulative probability exceeds a
 * uniform draw).
 */

import { BaseEnv, Discrete, type ResetResult, type RgbFrame, type StepResult } from '@tfrl/core';
import { type Rgb, createFrame, setPixel } from '../classic/raster';

/** One possible outcome of taking an action: the model entry Gymnasium stores as a tuple. */
export interface Transition {
  prob: number;
  next: number;
  reward: number;
  /** The next state is terminal (Gymnasium's `terminated`). */
  done: boolean;
}

/** `P[s][a]` lists the outcomes of action `a` in state `s`; their probabilities sum to 1. */
export type TransitionTable = Transition[][][];

/** Index of the first entry whose cumulative probability exceeds `u` (Gymnasium's rule). */
export function categoricalIndex(probs: ArrayLike<number>, u: number): number {
  let acc = 0;
  for (let i = 0; i < probs.length; i++) {
    acc += probs[i] as number;
    if (acc > u) return i;
  }
  // Rounding left the total just under u: NumPy's argmax of an all-false mask is 0.
  return 0;
}

export abstract class TabularEnv extends BaseEnv<number, number> {
  readonly observationSpace: Discrete;
  readonly actionSpace: Discrete;
  readonly nS: number;
  readonly nA: number;
  /** The transition model; treat as read-only. */
  readonly P: TransitionTable;
  /** Initial-state distribution (length nS). */
  readonly isd: Float64Array;
  /** The current state (Gymnasium's `env.unwrapped.s`); assign to place the agent. */
  s = 0;
  /** The last action taken, or null right after reset. */
  lastAction: number | null = null;

  protected constructor(P: TransitionTable, isd: Float64Array) {
    super();
    this.P = P;
    this.isd = isd;
    this.nS = P.length;
    this.nA = P[0]?.length ?? 0;
    this.observationSpace = new Discrete(this.nS);
    this.actionSpace = new Discrete(this.nA);
  }

  protected _reset(_options?: Record<string, unknown>): ResetResult<number> {
    this.s = categoricalIndex(this.isd, this.rng.random());
    this.lastAction = null;
    return { obs: this.s, info: this.resetInfo() };
  }

  protected resetInfo(): Record<string, unknown> {
    return { prob: 1 };
  }

  /** Samples one outcome of `P[s][a]`; returns it (subclasses may post-process). */
  protected sampleTransition(a: number): Transition {
    const outcomes = this.P[this.s]?.[a] as Transition[];
    const u = this.rng.random();
    let acc = 0;
    let pick = outcomes[0] as Transition;
    for (const t of outcomes) {
      acc += t.prob;
      if (acc > u) {
        pick = t;
        break;
      }
    }
    return pick;
  }

  protected _step(a: number): StepResult<number> {
    const t = this.sampleTransition(a);
    this.s = t.next;
    this.lastAction = a;
    return { obs: t.next, reward: t.reward, terminated: t.done, truncated: false, info: { prob: t.prob } };
  }

  /** Throws unless `s` is a state index of this env. */
  protected checkState(s: number, what = 'state'): void {
    if (!Number.isInteger(s) || s < 0 || s >= this.nS) {
      throw new RangeError(`${this.id}: ${what} ${String(s)} is not a state index in [0, ${this.nS - 1}]`);
    }
  }
}

/** Paint the axis-aligned rectangle [x0, x0+w) × [y0, y0+h). */
export function fillRect(frame: RgbFrame, x0: number, y0: number, w: number, h: number, color: Rgb): void {
  for (let y = Math.max(0, y0); y < Math.min(frame.height, y0 + h); y++) {
    for (let x = Math.max(0, x0); x < Math.min(frame.width, x0 + w); x++) setPixel(frame, x, y, color);
  }
}

/** Fill a disc centred in cell (row, col) of a grid of `cell`-pixel squares. */
export function fillDisc(frame: RgbFrame, row: number, col: number, cell: number, radius: number, color: Rgb): void {
  const cx = col * cell + cell / 2;
  const cy = row * cell + cell / 2;
  for (let y = Math.floor(cy - radius); y <= Math.ceil(cy + radius); y++) {
    for (let x = Math.floor(cx - radius); x <= Math.ceil(cx + radius); x++) {
      const dx = x + 0.5 - cx;
      const dy = y + 0.5 - cy;
      if (dx * dx + dy * dy <= radius * radius) setPixel(frame, x, y, color);
    }
  }
}

/** A grid of `rows × cols` cells of `cell` pixels, each filled by `colorOf(row, col)`, with 1-px grey grid lines. */
export function renderCells(rows: number, cols: number, cell: number, colorOf: (r: number, c: number) => Rgb): RgbFrame {
  const frame = createFrame(cols * cell, rows * cell, [0, 0, 0]);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      fillRect(frame, c * cell, r * cell, cell, cell, [128, 128, 128]);
      fillRect(frame, c * cell + 1, r * cell + 1, cell - 1, cell - 1, colorOf(r, c));
    }
  }
  return frame;
}
