// Test helper (not exported from the package): loads fixtures/toy-text.json written by
// fixtures/gen_toy_text.py from the real Gymnasium.
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import type { TransitionTable } from './tabular';

export interface Trajectory {
  name: string;
  start: number;
  actions: number[];
  obs: number[];
  reward: number[];
  terminated: boolean[];
  truncated: boolean[];
  info: Array<{ prob: number; action_mask?: number[] }>;
}

export interface GymConfig {
  id: string;
  kwargs: Record<string, unknown>;
  maxEpisodeSteps: number | null;
  rewardThreshold: number | null;
  nS: number;
  nA: number;
  resetInfo: { prob: number; action_mask?: number[] };
  isd: number[];
  /** P[s][a] = [[prob, next, reward, terminated], ...] */
  P: Array<Array<Array<[number, number, number, boolean]>>>;
  trajectories: Trajectory[];
}

export const toyText = JSON.parse(readFileSync(new URL('../../fixtures/toy-text.json', import.meta.url), 'utf8')) as {
  meta: Record<string, string>;
  configs: Record<string, GymConfig>;
  randomMaps: Record<string, string[]>;
};

/** Gymnasium's snake_case kwargs as tfrl's camelCase ones. */
export function camelKwargs(kw: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(kw)) out[k.replace(/_([a-z])/g, (_, ch: string) => ch.toUpperCase())] = v;
  return out;
}

/** Every state and action: same outcomes, in the same order, with the same numbers. */
export function expectSameTable(P: TransitionTable, ref: GymConfig['P']): void {
  expect(P.length).toBe(ref.length);
  ref.forEach((row, s) => {
    expect(P[s]?.length).toBe(row.length);
    row.forEach((outs, a) => {
      const mine = P[s]?.[a] ?? [];
      const got = mine.map((t) => [t.prob, t.next, t.reward, t.done]);
      if (JSON.stringify(got) !== JSON.stringify(outs)) {
        throw new Error(`P[${s}][${a}] = ${JSON.stringify(got)}, Gymnasium ${JSON.stringify(outs)}`);
      }
    });
  });
}

/** Chi-square-free check: each outcome's frequency within 5 standard errors of its probability. */
export function expectFrequencies(counts: Map<number, number>, expected: Map<number, number>, n: number): void {
  for (const [k, p] of expected) {
    const f = (counts.get(k) ?? 0) / n;
    const se = Math.sqrt((p * (1 - p)) / n);
    if (Math.abs(f - p) > 5 * se + 1e-12)
      throw new Error(`outcome ${k}: frequency ${f.toFixed(4)}, expected ${p.toFixed(4)} (±${(5 * se).toFixed(4)})`);
  }
  for (const k of counts.keys()) if (!expected.has(k)) throw new Error(`outcome ${k} has probability 0 but occurred`);
}
