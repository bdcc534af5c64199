/**
 * CliffWalking as Gymnasium 1.x's `CliffWalkingEnv` (Sutton & Barto 2018, Example 6.6): a 4×12
 * grid, start (3, 0), goal (3, 11), cliff along (3, 1..10). −1 per step; stepping onto the cliff
 * gives −100 and returns the agent to the start (not terminal). Actions: 0 up, 1 right, 2 down,
 * 3 left. With `isSlippery` the agent moves in the intended direction or either perpendicular one,
 * each with probability 1/3 (Gymnasium's `CliffWalkingSlippery-v1`).
 */

import type { RgbFrame } from '@tfrl/core';
import { TabularEnv, type Transition, type TransitionTable, fillDisc, renderCells } from './tabular';

export interface CliffWalkingOptions {
  /** Move perpendicular to the intended direction with probability 1/3 each (default false). */
  isSlippery?: boolean;
}

const ROWS = 4;
const COLS = 12;
const START = 3 * COLS;
const GOAL = ROWS * COLS - 1;
/** [dRow, dCol] of actions up, right, down, left. */
const MOVES: ReadonlyArray<readonly [number, number]> = [
  [-1, 0],
  [0, 1],
  [1, 0],
  [0, -1],
];

function isCliff(r: number, c: number): boolean {
  return r === ROWS - 1 && c >= 1 && c <= COLS - 2;
}

function buildTable(slippery: boolean): TransitionTable {
  const P: TransitionTable = [];
  for (let s = 0; s < ROWS * COLS; s++) {
    const r = Math.floor(s / COLS);
    const c = s % COLS;
    const row: Transition[][] = [];
    for (let a = 0; a < 4; a++) {
      const dirs = slippery ? [(a + 3) % 4, a, (a + 1) % 4] : [a];
      const prob = 1 / dirs.length;
      row.push(
        dirs.map((d) => {
          const [dr, dc] = MOVES[d] as readonly [number, number];
          const nr = Math.min(Math.max(r + dr, 0), ROWS - 1);
          const nc = Math.min(Math.max(c + dc, 0), COLS - 1);
          if (isCliff(nr, nc)) return { prob, next: START, reward: -100, done: false };
          const next = nr * COLS + nc;
          return { prob, next, reward: -1, done: next === GOAL };
        }),
      );
    }
    P.push(row);
  }
  return P;
}

export class CliffWalkingEnv extends TabularEnv {
  static readonly shape = [ROWS, COLS] as const;
  static readonly startState = START;
  static readonly goalState = GOAL;
  readonly isSlippery: boolean;
  readonly shape: readonly [number, number] = [ROWS, COLS];

  constructor(opts: CliffWalkingOptions = {}) {
    const slippery = opts.isSlippery ?? false;
    if (typeof slippery !== 'boolean') throw new TypeError(`CliffWalking: isSlippery must be a boolean, got ${String(slippery)}`);
    const isd = new Float64Array(ROWS * COLS);
    isd[START] = 1;
    super(buildTable(slippery), isd);
    this.isSlippery = slippery;
  }

  /** Is (row, col) part of the cliff? */
  isCliff(row: number, col: number): boolean {
    return isCliff(row, col);
  }

  /** 12×4 cells of 32 px: grey ground, brown cliff, green start, gold goal, blue agent. */
  render(): RgbFrame {
    const cell = 32;
    const frame = renderCells(ROWS, COLS, cell, (r, c) => {
      if (isCliff(r, c)) return [120, 72, 40];
      const s = r * COLS + c;
      if (s === START) return [150, 210, 150];
      if (s === GOAL) return [240, 200, 60];
      return (r + c) % 2 ? [222, 222, 222] : [235, 235, 235];
    });
    fillDisc(frame, Math.floor(this.s / COLS), this.s % COLS, cell, cell * 0.35, [40, 80, 220]);
    return frame;
  }
}
