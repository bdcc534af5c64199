/**
 * Taxi as Gymnasium 1.x's `TaxiEnv` (Dietterich 2000, MAXQ): a 5×5 grid with walls, four stands
 * R(0,0), G(0,4), Y(4,0), B(4,3). State = ((taxiRow·5 + taxiCol)·5 + passengerLoc)·4 + destination,
 * passengerLoc 4 meaning "in the taxi"; 500 states, 6 actions (0 south, 1 north, 2 east, 3 west,
 * 4 pickup, 5 dropoff). −1 per step, +20 for delivering (terminal), −10 for an illegal pickup or
 * dropoff. `info` carries `prob` and `action_mask` (Int8Array(6): which actions change the state).
 *
 * Options as Gymnasium's Taxi-v4: `isRainy` (moves go the intended way with `rainyProbability`,
 * else to either side; no drift when the intended move is blocked) and `ficklePassenger` (with
 * probability `fickleProbability`, drawn at reset, the passenger picks another destination on the
 * first move after the pickup).
 */

import type { RgbFrame } from '@tfrl/core';
import { createFrame } from '../classic/raster';
import { TabularEnv, type Transition, type TransitionTable, fillDisc, fillRect } from './tabular';

export const TAXI_MAP: readonly string[] = [
  '+---------+',
  '|R: | : :G|',
  '| : | : : |',
  '| : : : : |',
  '| | : | : |',
  '|Y| : |B: |',
  '+---------+',
];

/** Stands R, G, Y, B as [row, col]. */
export const TAXI_LOCS: ReadonlyArray<readonly [number, number]> = [
  [0, 0],
  [0, 4],
  [4, 0],
  [4, 3],
];
const LOC_COLORS: ReadonlyArray<readonly [number, number, number]> = [
  [255, 0, 0],
  [0, 255, 0],
  [255, 255, 0],
  [0, 0, 255],
];
const MAX = 4;

export interface TaxiOptions {
  isRainy?: boolean;
  ficklePassenger?: boolean;
  /** Probability of the intended move when rainy (default 0.8); each side gets half the rest. */
  rainyProbability?: number;
  /** Probability that a fickle passenger changes destination (default 0.3). */
  fickleProbability?: number;
}

export function taxiEncode(taxiRow: number, taxiCol: number, passLoc: number, destIdx: number): number {
  return ((taxiRow * 5 + taxiCol) * 5 + passLoc) * 4 + destIdx;
}

export function taxiDecode(s: number): [taxiRow: number, taxiCol: number, passLoc: number, destIdx: number] {
  return [Math.floor(s / 100), Math.floor(s / 20) % 5, Math.floor(s / 4) % 5, s % 4];
}

/** The map character right of column `col` in grid row `row` (':' = open, '|' = wall). */
function eastSep(row: number, col: number): string {
  return (TAXI_MAP[1 + row] as string)[2 * col + 2] as string;
}
function westSep(row: number, col: number): string {
  return (TAXI_MAP[1 + row] as string)[2 * col] as string;
}

function locIndex(r: number, c: number): number {
  return TAXI_LOCS.findIndex(([lr, lc]) => lr === r && lc === c);
}

function pickup(r: number, c: number, pass: number): [number, number] {
  if (pass < 4 && locIndex(r, c) === pass) return [4, -1];
  return [pass, -10];
}

function dropoff(r: number, c: number, pass: number, dest: number): [number, number, boolean] {
  const at = locIndex(r, c);
  if (pass === 4 && at === dest) return [dest, 20, true];
  if (pass === 4 && at >= 0) return [at, -1, false];
  return [pass, -10, false];
}

function dryTransition(r: number, c: number, pass: number, dest: number, a: number): Transition {
  let nr = r;
  let nc = c;
  let np = pass;
  let reward = -1;
  let done = false;
  if (a === 0) nr = Math.min(r + 1, MAX);
  else if (a === 1) nr = Math.max(r - 1, 0);
  else if (a === 2) {
    if (eastSep(r, c) === ':') nc = Math.min(c + 1, MAX);
  } else if (a === 3) {
    if (westSep(r, c) === ':') nc = Math.max(c - 1, 0);
  } else if (a === 4) [np, reward] = pickup(r, c, pass);
  else [np, reward, done] = dropoff(r, c, pass, dest);
  return { prob: 1, next: taxiEncode(nr, nc, np, dest), reward, done };
}

/** A one-cell move that a wall may block (the lateral drift of a rainy move). */
function lateral(r: number, c: number, dr: number, dc: number): [number, number] {
  const nr = Math.max(0, Math.min(r + dr, MAX));
  const nc = Math.max(0, Math.min(c + dc, MAX));
  if (dc === 1 && westSep(nr, nc) !== ':') return [r, c];
  if (dc === -1 && eastSep(nr, nc) !== ':') return [r, c];
  return [nr, nc];
}

/** [forward, left, right] for south, north, east, west (left/right as seen by the driver). */
const RAINY_MOVES: ReadonlyArray<ReadonlyArray<readonly [number, number]>> = [
  [
    [1, 0],
    [0, 1],
    [0, -1],
  ],
  [
    [-1, 0],
    [0, -1],
    [0, 1],
  ],
  [
    [0, 1],
    [-1, 0],
    [1, 0],
  ],
  [
    [0, -1],
    [1, 0],
    [-1, 0],
  ],
];

function rainyTransitions(r: number, c: number, pass: number, dest: number, a: number, pMove: number): Transition[] {
  if (a >= 4) return [dryTransition(r, c, pass, dest, a)];
  const canMove = (a === 0 && r < MAX) || (a === 1 && r > 0) || (a === 2 && eastSep(r, c) === ':') || (a === 3 && westSep(r, c) === ':');
  let fwd: [number, number] = [r, c];
  let left: [number, number] = [r, c];
  let right: [number, number] = [r, c];
  if (canMove) {
    const [f, l, rt] = RAINY_MOVES[a] as ReadonlyArray<readonly [number, number]>;
    const [fr, fc] = f as readonly [number, number];
    const [lr, lc] = l as readonly [number, number];
    const [rr, rc] = rt as readonly [number, number];
    fwd = [Math.max(0, Math.min(r + fr, MAX)), Math.max(0, Math.min(c + fc, MAX))];
    left = lateral(r, c, lr, lc);
    right = lateral(r, c, rr, rc);
  }
  const side = (1 - pMove) / 2;
  return [
    { prob: pMove, next: taxiEncode(fwd[0], fwd[1], pass, dest), reward: -1, done: false },
    { prob: side, next: taxiEncode(left[0], left[1], pass, dest), reward: -1, done: false },
    { prob: side, next: taxiEncode(right[0], right[1], pass, dest), reward: -1, done: false },
  ];
}

function checkProb(v: unknown, name: string): number {
  if (typeof v !== 'number' || !(v >= 0 && v <= 1)) throw new RangeError(`Taxi: ${name} must be a probability in [0, 1], got ${String(v)}`);
  return v;
}

export class TaxiEnv extends TabularEnv {
  readonly isRainy: boolean;
  readonly ficklePassenger: boolean;
  readonly rainyProbability: number;
  readonly fickleProbability: number;
  /** True until a fickle passenger has used (or lost) their chance to change destination. */
  fickleStep = false;

  constructor(opts: TaxiOptions = {}) {
    const isRainy = opts.isRainy ?? false;
    const fickle = opts.ficklePassenger ?? false;
    if (typeof isRainy !== 'boolean') throw new TypeError(`Taxi: isRainy must be a boolean, got ${String(isRainy)}`);
    if (typeof fickle !== 'boolean') throw new TypeError(`Taxi: ficklePassenger must be a boolean, got ${String(fickle)}`);
    const rainyProbability = checkProb(opts.rainyProbability ?? 0.8, 'rainyProbability');
    const fickleProbability = checkProb(opts.fickleProbability ?? 0.3, 'fickleProbability');
    const P: TransitionTable = [];
    const isd = new Float64Array(500);
    for (let s = 0; s < 500; s++) {
      const [r, c, pass, dest] = taxiDecode(s);
      if (pass < 4 && pass !== dest) isd[s] = 1 / 300;
      const row: Transition[][] = [];
      for (let a = 0; a < 6; a++)
        row.push(isRainy ? rainyTransitions(r, c, pass, dest, a, rainyProbability) : [dryTransition(r, c, pass, dest, a)]);
      P.push(row);
    }
    super(P, isd);
    this.isRainy = isRainy;
    this.ficklePassenger = fickle;
    this.rainyProbability = rainyProbability;
    this.fickleProbability = fickleProbability;
  }

  encode(taxiRow: number, taxiCol: number, passLoc: number, destIdx: number): number {
    const ok = (v: number, n: number) => Number.isInteger(v) && v >= 0 && v < n;
    if (!ok(taxiRow, 5) || !ok(taxiCol, 5) || !ok(passLoc, 5) || !ok(destIdx, 4)) {
      throw new RangeError(
        `${this.id}: encode(${taxiRow}, ${taxiCol}, ${passLoc}, ${destIdx}) out of range (row, col, passenger in 0..4, destination in 0..3)`,
      );
    }
    return taxiEncode(taxiRow, taxiCol, passLoc, destIdx);
  }

  decode(s: number): [taxiRow: number, taxiCol: number, passLoc: number, destIdx: number] {
    this.checkState(s);
    return taxiDecode(s);
  }

  /** 1 for each action that changes the state (Gymnasium's `action_mask`). */
  actionMask(s: number): Int8Array {
    const [r, c, pass, dest] = this.decode(s);
    const m = new Int8Array(6);
    if (r < MAX) m[0] = 1;
    if (r > 0) m[1] = 1;
    if (c < MAX && eastSep(r, c) === ':') m[2] = 1;
    if (c > 0 && westSep(r, c) === ':') m[3] = 1;
    if (pass < 4 && locIndex(r, c) === pass) m[4] = 1;
    if (pass === 4 && (locIndex(r, c) === dest || locIndex(r, c) >= 0)) m[5] = 1;
    return m;
  }

  protected override resetInfo(): Record<string, unknown> {
    // Gymnasium draws the fickle coin only when the option is on (the draw consumes the generator).
    this.fickleStep = this.ficklePassenger && this.rng.random() < this.fickleProbability;
    return { prob: 1, action_mask: this.actionMask(this.s) };
  }

  protected override _step(a: number) {
    const prev = taxiDecode(this.s);
    const t = this.sampleTransition(a);
    let next = t.next;
    const [r, c, pass] = taxiDecode(next);
    if (this.ficklePassenger && this.fickleStep && prev[2] === 4 && (r !== prev[0] || c !== prev[1])) {
      this.fickleStep = false;
      const others = [0, 1, 2, 3].filter((d) => d !== prev[3]);
      next = taxiEncode(r, c, pass, this.rng.choice(others));
    }
    this.s = next;
    this.lastAction = a;
    return {
      obs: next,
      reward: t.reward,
      terminated: t.done,
      truncated: false,
      info: { prob: t.prob, action_mask: this.actionMask(next) },
    };
  }

  /** 5×5 cells of 40 px: stands in their colours, walls as black bars, taxi yellow (green with the passenger), passenger a disc, destination framed. */
  render(): RgbFrame {
    const cell = 40;
    const frame = createFrame(5 * cell, 5 * cell, [235, 235, 235]);
    const [tr, tc, pass, dest] = taxiDecode(this.s);
    TAXI_LOCS.forEach(([r, c], i) => fillRect(frame, c * cell, r * cell, cell, cell, LOC_COLORS[i] as [number, number, number]));
    const [dr, dc] = TAXI_LOCS[dest] as readonly [number, number];
    // Destination: a magenta frame inside its stand.
    fillRect(frame, dc * cell + 3, dr * cell + 3, cell - 6, 4, [200, 0, 200]);
    fillRect(frame, dc * cell + 3, dr * cell + cell - 7, cell - 6, 4, [200, 0, 200]);
    fillRect(frame, dc * cell + 3, dr * cell + 3, 4, cell - 6, [200, 0, 200]);
    fillRect(frame, dc * cell + cell - 7, dr * cell + 3, 4, cell - 6, [200, 0, 200]);
    for (let r = 0; r < 5; r++)
      for (let c = 0; c < 4; c++) if (eastSep(r, c) === '|') fillRect(frame, (c + 1) * cell - 2, r * cell, 4, cell, [0, 0, 0]);
    fillRect(frame, tc * cell + 8, tr * cell + 10, cell - 16, cell - 20, pass === 4 ? [0, 170, 0] : [250, 200, 0]);
    if (pass < 4) {
      const [pr, pc] = TAXI_LOCS[pass] as readonly [number, number];
      fillDisc(frame, pr, pc, cell, cell * 0.2, [60, 60, 60]);
    }
    return frame;
  }
}
