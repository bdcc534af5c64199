/**
 * ASCII grid maps: parsing, validation and the movement model shared by `GridWorldEnv` and
 * `GoalGridWorldEnv`.
 */

import type { Transition, TransitionTable } from '../toy-text/tabular';

/**
 * The map legend. Rows are lines (trailing spaces and `\r` ignored, blank lines at either end
 * dropped); every row must have the same length.
 */
export const GRID_LEGEND: Readonly<Record<string, string>> = {
  '#': 'wall (never entered; moving into it leaves the agent in place)',
  '.': 'free cell',
  S: 'start cell (at least one; with several, the start is drawn uniformly at reset)',
  G: 'goal: terminal, reward `goalReward`',
  T: 'trap: terminal, reward `trapReward`',
  X: 'trap (same as T)',
  '+': 'reward cell: `stepReward + cellRewards["+"]` (default +1) on entering; not terminal',
  '-': 'penalty cell: `stepReward + cellRewards["-"]` (default −1) on entering; not terminal',
};

/** Actions: 0 up, 1 right, 2 down, 3 left. */
export const GRID_MOVES: ReadonlyArray<readonly [number, number]> = [
  [-1, 0],
  [0, 1],
  [1, 0],
  [0, -1],
];
export const GRID_ACTION_NAMES = ['up', 'right', 'down', 'left'] as const;

export interface GridWorldSettings {
  /** Reward for every move that does not end in a goal or trap (default 0). */
  stepReward: number;
  /** Reward for entering a goal cell (default 1). */
  goalReward: number;
  /** Reward for entering a trap cell (default −1). */
  trapReward: number;
  /** Probability of slipping: each perpendicular direction gets slip/2 (default 0). */
  slip: number;
  /** Truncate episodes after this many steps (null: never; default: the map's). */
  maxSteps: number | null;
  /** Extra reward on entering a cell of this character (default {'+': 1, '-': -1}). */
  cellRewards: Record<string, number>;
  /** Reward cells pay once per episode (not reflected in `P`, which is for first visits). */
  collectOnce: boolean;
}

export const GRID_DEFAULTS: GridWorldSettings = {
  stepReward: 0,
  goalReward: 1,
  trapReward: -1,
  slip: 0,
  maxSteps: null,
  cellRewards: { '+': 1, '-': -1 },
  collectOnce: false,
};

export class GridMap {
  readonly rows: number;
  readonly cols: number;
  /** Row strings, top row first. */
  readonly lines: readonly string[];
  readonly starts: number[] = [];
  readonly goals: number[] = [];
  readonly traps: number[] = [];
  /** Every non-wall cell, row-major. */
  readonly free: number[] = [];

  constructor(lines: string[]) {
    this.lines = lines;
    this.rows = lines.length;
    this.cols = (lines[0] as string).length;
    for (let s = 0; s < this.rows * this.cols; s++) {
      const ch = this.char(s);
      if (ch !== '#') this.free.push(s);
      if (ch === 'S') this.starts.push(s);
      else if (ch === 'G') this.goals.push(s);
      else if (ch === 'T' || ch === 'X') this.traps.push(s);
    }
  }

  get size(): number {
    return this.rows * this.cols;
  }
  char(s: number): string {
    return (this.lines[Math.floor(s / this.cols)] as string)[s % this.cols] as string;
  }
  isWall(s: number): boolean {
    return this.char(s) === '#';
  }
  isTerminal(s: number): boolean {
    const ch = this.char(s);
    return ch === 'G' || ch === 'T' || ch === 'X';
  }
  toState(row: number, col: number): number {
    return row * this.cols + col;
  }
  toRowCol(s: number): [row: number, col: number] {
    return [Math.floor(s / this.cols), s % this.cols];
  }
  toString(): string {
    return this.lines.join('\n');
  }

  /** The cell reached from `s` by moving in direction `d` (walls and edges leave it in place). */
  move(s: number, d: number): number {
    const [r, c] = this.toRowCol(s);
    const [dr, dc] = GRID_MOVES[d] as readonly [number, number];
    const nr = r + dr;
    const nc = c + dc;
    if (nr < 0 || nr >= this.rows || nc < 0 || nc >= this.cols) return s;
    const n = nr * this.cols + nc;
    return this.isWall(n) ? s : n;
  }

  /** [direction, probability] of the actual move for action `a` (Russell–Norvig slip). */
  static outcomes(a: number, slip: number): Array<[number, number]> {
    const out: Array<[number, number]> = [[a, 1 - slip]];
    if (slip > 0) out.push([(a + 3) % 4, slip / 2], [(a + 1) % 4, slip / 2]);
    return out.filter(([, p]) => p > 0);
  }

  /** Shortest number of moves from `from` to every cell (−1: unreachable), ignoring terminals on the way. */
  distances(from: number): Int32Array {
    const d = new Int32Array(this.size).fill(-1);
    d[from] = 0;
    const queue = [from];
    for (let i = 0; i < queue.length; i++) {
      const s = queue[i] as number;
      if (s !== from && this.isTerminal(s)) continue;
      for (let a = 0; a < 4; a++) {
        const n = this.move(s, a);
        if (d[n] === -1) {
          d[n] = (d[s] as number) + 1;
          queue.push(n);
        }
      }
    }
    return d;
  }
}

/**
 * Parse and validate an ASCII map. `who` names the env in error messages; `extraChars` are the
 * characters `cellRewards` defines beyond the legend.
 */
export function parseGridMap(ascii: string, who: string, extraChars: Iterable<string> = []): GridMap {
  if (typeof ascii !== 'string') throw new TypeError(`${who}: map must be a string (a map name or ASCII rows), got ${typeof ascii}`);
  const lines = ascii.split('\n').map((l) => l.replace(/[\s\r]+$/, ''));
  while (lines.length && lines[0] === '') lines.shift();
  while (lines.length && lines[lines.length - 1] === '') lines.pop();
  if (lines.length === 0) throw new RangeError(`${who}: the map is empty`);
  const allowed = new Set([...Object.keys(GRID_LEGEND), ...extraChars]);
  const w = (lines[0] as string).length;
  lines.forEach((row, i) => {
    if (row.length !== w) throw new RangeError(`${who}: malformed map: row ${i} has ${row.length} cells but row 0 has ${w} (ragged rows)`);
    for (let j = 0; j < row.length; j++) {
      const ch = row[j] as string;
      if (!allowed.has(ch)) {
        throw new RangeError(
          `${who}: malformed map: unknown character '${ch}' at row ${i}, column ${j} (legend: ${[...allowed].join(' ')})`,
        );
      }
    }
  });
  const map = new GridMap(lines);
  if (map.starts.length === 0) throw new RangeError(`${who}: malformed map: no start cell 'S'`);
  return map;
}

/** Validated settings: defaults < map defaults < user options. */
export function resolveSettings(who: string, ...layers: Array<Partial<GridWorldSettings> | undefined>): GridWorldSettings {
  const s: GridWorldSettings = { ...GRID_DEFAULTS, cellRewards: { ...GRID_DEFAULTS.cellRewards } };
  for (const layer of layers) {
    if (!layer) continue;
    for (const [k, v] of Object.entries(layer)) {
      if (v === undefined) continue;
      if (!(k in GRID_DEFAULTS)) throw new RangeError(`${who}: unknown option '${k}' (known: ${Object.keys(GRID_DEFAULTS).join(', ')})`);
      (s as unknown as Record<string, unknown>)[k] = k === 'cellRewards' ? { ...s.cellRewards, ...(v as Record<string, number>) } : v;
    }
  }
  for (const k of ['stepReward', 'goalReward', 'trapReward'] as const) {
    if (typeof s[k] !== 'number' || !Number.isFinite(s[k]))
      throw new TypeError(`${who}: ${k} must be a finite number, got ${String(s[k])}`);
  }
  if (typeof s.slip !== 'number' || !(s.slip >= 0 && s.slip <= 1))
    throw new RangeError(`${who}: slip must be a probability in [0, 1], got ${String(s.slip)}`);
  if (s.maxSteps !== null && (!Number.isInteger(s.maxSteps) || s.maxSteps <= 0)) {
    throw new RangeError(`${who}: maxSteps must be a positive integer or null, got ${String(s.maxSteps)}`);
  }
  for (const [ch, v] of Object.entries(s.cellRewards)) {
    if (ch.length !== 1 || '#.SGTX'.includes(ch))
      throw new RangeError(`${who}: cellRewards key '${ch}' must be one character outside # . S G T X`);
    if (typeof v !== 'number' || !Number.isFinite(v))
      throw new TypeError(`${who}: cellRewards['${ch}'] must be a finite number, got ${String(v)}`);
  }
  return s;
}

/** Reward for arriving in cell `s` (also when a bump leaves the agent where it was). */
export function arrivalReward(map: GridMap, s: number, st: GridWorldSettings): number {
  const ch = map.char(s);
  if (ch === 'G') return st.goalReward;
  if (ch === 'T' || ch === 'X') return st.trapReward;
  return st.stepReward + (st.cellRewards[ch] ?? 0);
}

/**
 * `P[s][a]` over all rows×cols cells. Goal, trap and wall cells are absorbing with reward 0 and
 * `done: true` (walls are never reached). Outcomes are listed intended-first, then the two
 * perpendicular slips; outcomes landing in the same cell are not merged.
 */
export function buildGridTable(map: GridMap, st: GridWorldSettings): TransitionTable {
  const P: TransitionTable = [];
  for (let s = 0; s < map.size; s++) {
    const row: Transition[][] = [];
    for (let a = 0; a < 4; a++) {
      if (map.isWall(s) || map.isTerminal(s)) {
        row.push([{ prob: 1, next: s, reward: 0, done: true }]);
        continue;
      }
      row.push(
        GridMap.outcomes(a, st.slip).map(([d, prob]) => {
          const next = map.move(s, d);
          return { prob, next, reward: arrivalReward(map, next, st), done: map.isTerminal(next) };
        }),
      );
    }
    P.push(row);
  }
  return P;
}

/** Resolve the `map` option: a shipped map name or ASCII rows. */
export function lookupMap(
  map: unknown,
  who: string,
  maps: Readonly<Record<string, { ascii: string; defaults: Partial<GridWorldSettings> }>>,
): { ascii: string; defaults: Partial<GridWorldSettings>; name: string | null } {
  if (typeof map !== 'string') throw new TypeError(`${who}: map must be a map name or an ASCII map string, got ${typeof map}`);
  const named = maps[map];
  if (named) return { ascii: named.ascii, defaults: named.defaults, name: map };
  if (!map.includes('\n')) {
    throw new RangeError(
      `${who}: unknown map name '${map}' (shipped maps: ${Object.keys(maps).join(', ')}; or pass ASCII rows separated by newlines)`,
    );
  }
  return { ascii: map, defaults: {}, name: null };
}
