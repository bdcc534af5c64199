/**
 * Step-by-step comparison of a registered env against a trajectory recorded from the real
 * Gymnasium by `fixtures/gen_classic.py` (test helper, not part of the package).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { make } from '../registry';

export interface GymCase {
  name: string;
  /** Gymnasium kwargs (snake_case). */
  kwargs: Record<string, unknown>;
  state: number[];
  actions: number[];
  obs: number[][];
  reward: number[];
  terminated: boolean[];
  truncated: boolean[];
  /** Gymnasium's state after each step. */
  state64: number[][];
}

export interface GymFixture {
  meta: Record<string, string>;
  cases: GymCase[];
}

export function loadFixture(file: string): GymFixture {
  return JSON.parse(readFileSync(new URL(`../../fixtures/${file}`, import.meta.url), 'utf8')) as GymFixture;
}

interface StatefulEnv {
  state: ArrayLike<number>;
}

export interface CompareOptions {
  continuous: boolean;
  /** Gymnasium kwarg name → our kwarg name. */
  kwargNames?: Record<string, string>;
  /**
   * Steps compared free-running; after that the state is re-synced to Gymnasium's before each
   * step (for chaotic dynamics that amplify last-ulp differences of sin/cos; see the test files).
   */
  freeSteps?: number;
  tol?: number;
  /** Reward tolerance (default `tol`). */
  rewardTol?: number;
}

export function describeGymFixture(id: string, file: string, opts: CompareOptions): GymFixture {
  const fixture = loadFixture(file);
  const tol = opts.tol ?? 1e-5;
  const freeSteps = opts.freeSteps ?? Number.POSITIVE_INFINITY;
  describe(`${id} against Gymnasium (${file})`, () => {
    it('the fixture comes from Gymnasium 1.x for this env', () => {
      expect(fixture.meta.gymnasium).toMatch(/^1\./);
      expect(fixture.meta.env).toBe(id);
      expect(fixture.cases.length).toBeGreaterThan(2);
    });
    for (const c of fixture.cases) {
      it(`matches step by step: ${c.name} (${c.actions.length} steps)`, () => {
        const kwargs: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(c.kwargs)) kwargs[opts.kwargNames?.[k] ?? k] = v;
        const env = make(id, kwargs);
        env.reset({ seed: 0 });
        const u = env.unwrapped as unknown as StatefulEnv;
        u.state = c.state;
        let maxDev = 0;
        c.actions.forEach((a, t) => {
          if (t >= freeSteps) u.state = c.state64[t - 1] as number[];
          const r = env.step(opts.continuous ? Float32Array.of(a) : a);
          const st = u.state;
          const ref = c.state64[t] as number[];
          ref.forEach((v, j) => {
            maxDev = Math.max(maxDev, Math.abs((st[j] as number) - v));
            if (!(Math.abs((st[j] as number) - v) <= tol)) throw new Error(`${c.name}: step ${t} state[${j}] = ${st[j]}, Gymnasium ${v}`);
          });
          const o = c.obs[t] as number[];
          o.forEach((v, j) => {
            if (!(Math.abs((r.obs[j] as number) - v) <= tol))
              throw new Error(`${c.name}: step ${t} obs[${j}] = ${r.obs[j]}, Gymnasium ${v}`);
          });
          const rr = c.reward[t] as number;
          if (!(Math.abs(r.reward - rr) <= (opts.rewardTol ?? tol)))
            throw new Error(`${c.name}: step ${t} reward ${r.reward}, Gymnasium ${rr}`);
          if (r.terminated !== c.terminated[t] || r.truncated !== c.truncated[t]) {
            throw new Error(
              `${c.name}: step ${t} terminated/truncated ${r.terminated}/${r.truncated}, Gymnasium ${c.terminated[t]}/${c.truncated[t]}`,
            );
          }
        });
        if (process.env.TFRL_FIXTURE_DEBUG) console.log(`${id} ${c.name}: max |state - Gymnasium| = ${maxDev.toExponential(2)}`);
      });
    }
  });
  return fixture;
}
