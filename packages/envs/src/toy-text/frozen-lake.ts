/**
 * FrozenLake as Gymnasium 1.x's `FrozenLakeEnv`: cross a grid of frozen tiles (F) from the start
 * (S) to the goal (G) without falling into a hole (H). Actions: 0 left, 1 down, 2 right, 3 up.
 * When slippery, the agent moves in the intended direction with probability `successRate`
 * (default 1/3) and in each perpendicular direction with (1 − successRate)/2. Rewards follow
 * `rewardSchedule` = [goal, hole, frozen] (default [1, 0, 0]); G and H are terminal (absorbing in P).
 */

import { Rng, type RgbFrame, entropySeed } from '@tfrl/core';
import { TabularEnv, type Transition, type TransitionTable, fillDisc, renderCells } from './tabular';

export const FROZEN_LAKE_MAPS: Readonly<Record<string, readonly string[]>> = {
  '4x4': ['SFFF', 'FHFH', 'FFFH', 'HFFG'],
  '8x8': ['SFFFFFFF', 'FFFFFFFF', 'FFFHFFFF', 'FFFFFHFF', 'FFFHFFFF', 'FHHFFFHF', 'FHFFHFHF', 'FFFHFFFG'],
};

export interface FrozenLakeOptions {
  /** A custom map: rows of S, F, H, G (equal lengths). Takes precedence over `mapName`. */
  desc?: readonly string[] | null;
  /** '4x4' or '8x8' (default '4x4'); `null` with no `desc` generates a random 8×8 map. */
  mapName?: string | null;
  /** Default true. */
  isSlippery?: boolean;
  /** Probability of the intended move when slippery (default 1/3). */
  successRate?: number;
  /** Rewards for reaching [goal, hole, frozen-or-start] (default [1, 0, 0]). */
  rewardSchedule?: readonly [number, number, number];
  /** Generator for the random map when both `desc` and `mapName` are null (default: fresh entropy). */
  rng?: Rng;
}

/** Is there a 4-connected path from (0, 0) to a G tile that avoids holes? */
export function frozenLakeHasPath(board: readonly string[]): boolean {
  const n = board.length;
  const m = board[0]?.length ?? 0;
  const seen = new Uint8Array(n * m);
  const stack: number[] = [0];
  while (stack.length) {
    const k = stack.pop() as number;
    if (seen[k]) continue;
    seen[k] = 1;
    const r = Math.floor(k / m);
    const c = k % m;
    for (const [dr, dc] of [
      [1, 0],
      [0, 1],
      [-1, 0],
      [0, -1],
    ] as const) {
      const nr = r + dr;
      const nc = c + dc;
      if (nr < 0 || nr >= n || nc < 0 || nc >= m) continue;
      const ch = board[nr]?.[nc];
      if (ch === 'G') return true;
      if (ch !== 'H') stack.push(nr * m + nc);
    }
  }
  return false;
}

/**
 * A random `size × size` FrozenLake map with S at the top-left, G at the bottom-right, each other
 * tile frozen with probability `p` (else a hole), redrawn until a path from S to G exists (as
 * Gymnasium's `generate_random_map`; the same seed gives a different map than NumPy would).
 * `rng` is a generator or a seed; without one the map comes from fresh entropy.
 */
export function generateRandomMap(size = 8, p = 0.8, rng?: Rng | number): string[] {
  if (!Number.isInteger(size) || size < 2) throw new RangeError(`generateRandomMap: size must be an integer >= 2, got ${String(size)}`);
  if (typeof p !== 'number' || !(p > 0))
    throw new RangeError(`generateRandomMap: p (probability of a frozen tile) must be > 0, got ${String(p)}`);
  const q = Math.min(1, p);
  const gen = rng instanceof Rng ? rng : new Rng(rng ?? entropySeed());
  for (let attempt = 0; attempt < 1_000_000; attempt++) {
    const board: string[] = [];
    for (let r = 0; r < size; r++) {
      let row = '';
      for (let c = 0; c < size; c++) row += gen.random() < q ? 'F' : 'H';
      board.push(row);
    }
    board[0] = `S${(board[0] as string).slice(1)}`;
    board[size - 1] = `${(board[size - 1] as string).slice(0, -1)}G`;
    if (frozenLakeHasPath(board)) return board;
  }
  throw new Error(`generateRandomMap: no valid ${size}x${size} map found with p = ${p}; raise p`);
}

function checkDesc(desc: unknown): string[] {
  if (!Array.isArray(desc) || desc.length === 0 || !desc.every((r) => typeof r === 'string')) {
    throw new TypeError(`FrozenLake: desc must be a non-empty array of strings, got ${JSON.stringify(desc)}`);
  }
  const w = (desc[0] as string).length;
  if (w === 0) throw new RangeError('FrozenLake: desc rows must not be empty');
  desc.forEach((row: string, i) => {
    if (row.length !== w)
      throw new RangeError(`FrozenLake: desc row ${i} has ${row.length} tiles but row 0 has ${w} (rows must have equal lengths)`);
    const bad = [...row].findIndex((ch) => !'SFHG'.includes(ch));
    if (bad >= 0) throw new RangeError(`FrozenLake: desc row ${i} column ${bad} has unknown tile '${row[bad]}' (expected S, F, H or G)`);
  });
  if (!desc.some((r: string) => r.includes('S'))) throw new RangeError('FrozenLake: desc has no start tile S');
  return [...desc];
}

const MOVES: ReadonlyArray<readonly [number, number]> = [
  [0, -1],
  [1, 0],
  [0, 1],
  [-1, 0],
];

export class FrozenLakeEnv extends TabularEnv {
  readonly desc: readonly string[];
  readonly nrow: number;
  readonly ncol: number;
  readonly isSlippery: boolean;
  readonly successRate: number;
  readonly rewardSchedule: readonly [number, number, number];

  constructor(opts: FrozenLakeOptions = {}) {
    let desc: string[];
    const mapName = opts.mapName === undefined ? '4x4' : opts.mapName;
    if (opts.desc !== undefined && opts.desc !== null) desc = checkDesc(opts.desc);
    else if (mapName === null) desc = generateRandomMap(8, 0.8, opts.rng);
    else {
      const m = FROZEN_LAKE_MAPS[mapName];
      if (!m)
        throw new RangeError(
          `FrozenLake: unknown mapName '${String(mapName)}' (known: ${Object.keys(FROZEN_LAKE_MAPS).join(', ')}; or pass desc)`,
        );
      desc = [...m];
    }
    const slippery = opts.isSlippery ?? true;
    if (typeof slippery !== 'boolean') throw new TypeError(`FrozenLake: isSlippery must be a boolean, got ${String(slippery)}`);
    const successRate = opts.successRate ?? 1 / 3;
    if (typeof successRate !== 'number' || !(successRate >= 0 && successRate <= 1)) {
      throw new RangeError(`FrozenLake: successRate must be a probability in [0, 1], got ${String(successRate)}`);
    }
    const schedule = opts.rewardSchedule ?? [1, 0, 0];
    if (!Array.isArray(schedule) || schedule.length !== 3 || !schedule.every((x) => typeof x === 'number' && Number.isFinite(x))) {
      throw new TypeError(`FrozenLake: rewardSchedule must be 3 finite numbers [goal, hole, frozen], got ${JSON.stringify(schedule)}`);
    }
    const nrow = desc.length;
    const ncol = (desc[0] as string).length;
    const failRate = (1 - successRate) / 2;
    const tile = (r: number, c: number) => (desc[r] as string)[c] as string;
    const outcome = (r: number, c: number, a: number, prob: number): Transition => {
      const [dr, dc] = MOVES[a] as readonly [number, number];
      const nr = Math.min(Math.max(r + dr, 0), nrow - 1);
      const nc = Math.min(Math.max(c + dc, 0), ncol - 1);
      const t = tile(nr, nc);
      const reward = t === 'G' ? schedule[0] : t === 'H' ? schedule[1] : schedule[2];
      return { prob, next: nr * ncol + nc, reward, done: t === 'G' || t === 'H' };
    };
    const P: TransitionTable = [];
    const isd = new Float64Array(nrow * ncol);
    for (let r = 0; r < nrow; r++) {
      for (let c = 0; c < ncol; c++) {
        const s = r * ncol + c;
        if (tile(r, c) === 'S') isd[s] = 1;
        const row: Transition[][] = [];
        for (let a = 0; a < 4; a++) {
          if (tile(r, c) === 'G' || tile(r, c) === 'H') row.push([{ prob: 1, next: s, reward: 0, done: true }]);
          else if (slippery) row.push([(a + 3) % 4, a, (a + 1) % 4].map((b) => outcome(r, c, b, b === a ? successRate : failRate)));
          else row.push([outcome(r, c, a, 1)]);
        }
        P.push(row);
      }
    }
    const starts = isd.reduce((x, y) => x + y, 0);
    for (let i = 0; i < isd.length; i++) isd[i] = (isd[i] as number) / starts;
    super(P, isd);
    this.desc = desc;
    this.nrow = nrow;
    this.ncol = ncol;
    this.isSlippery = slippery;
    this.successRate = successRate;
    this.rewardSchedule = [schedule[0], schedule[1], schedule[2]];
  }

  /** Cells of min(64, 512/size) px: white-blue ice, dark-blue holes, green start, gold goal, red agent. */
  render(): RgbFrame {
    const cell = Math.max(8, Math.floor(Math.min(64, 512 / Math.max(this.nrow, this.ncol))));
    const colors: Record<string, [number, number, number]> = {
      F: [205, 230, 250],
      S: [150, 210, 150],
      H: [20, 40, 110],
      G: [240, 200, 60],
    };
    const frame = renderCells(this.nrow, this.ncol, cell, (r, c) => colors[(this.desc[r] as string)[c] as string] ?? [255, 255, 255]);
    fillDisc(frame, Math.floor(this.s / this.ncol), this.s % this.ncol, cell, cell * 0.35, [210, 40, 40]);
    return frame;
  }
}
