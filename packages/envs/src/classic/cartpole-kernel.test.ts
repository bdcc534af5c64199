import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Rng } from '@tfrl/core';
import { describe, expect, it } from 'vitest';
import { CartPoleVecEnv } from './batched';
import { cartPoleKernelAvailable } from './cartpole-kernel';
import { vecSnapshot } from './vec-snapshot.testutil';

const here = path.dirname(fileURLToPath(import.meta.url));

/** The state's bytes, so equality is bit-exact (also for -0 and NaN). */
const bits = (a: Float64Array) => Array.from(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));

/** Counts the steps `env` takes on its JavaScript path. */
function countJsSteps(env: CartPoleVecEnv): { count: number } {
  const c = { count: 0 };
  const e = env as unknown as { jsDynamics: (...args: unknown[]) => void };
  const orig = e.jsDynamics.bind(env);
  e.jsDynamics = (...args: unknown[]) => {
    c.count++;
    orig(...args);
  };
  return c;
}

describe('CartPoleVecEnv WebAssembly SIMD kernel', () => {
  it('is available in Node 20 and used by default; wasm: false steps in JavaScript', () => {
    expect(cartPoleKernelAvailable()).toBe(true);
    expect(new CartPoleVecEnv(3).kernel).not.toBeNull();
    expect(new CartPoleVecEnv(3, { wasm: false }).kernel).toBeNull();
  });

  for (const [n, maxEpisodeSteps, suttonBartoReward] of [
    [7, 40, false],
    [8, 25, true],
    [1, 500, false],
  ] as const) {
    it(`is bit-identical to the JavaScript path (n=${n}, limit ${maxEpisodeSteps}, suttonBarto ${suttonBartoReward})`, () => {
      const w = new CartPoleVecEnv(n, { seed: 3, maxEpisodeSteps, suttonBartoReward });
      const j = new CartPoleVecEnv(n, { seed: 3, maxEpisodeSteps, suttonBartoReward, wasm: false });
      expect(w.kernel).not.toBeNull();
      const fallbacks = countJsSteps(w);
      let obs = w.reset();
      expect(Array.from(obs)).toEqual(Array.from(j.reset()));
      const rng = new Rng(11);
      let ends = 0;
      for (let t = 0; t < 1500; t++) {
        // env 0 bang-bang (falls), env 1 a balancing controller (reaches the limit), others random;
        // every third step the actions come as a Float32Array.
        const a = t % 3 === 0 ? new Float32Array(n) : new Int32Array(n);
        for (let i = 0; i < n; i++) {
          const o = obs.subarray(4 * i, 4 * i + 4);
          a[i] = i === 0 ? 1 : i === 1 ? ((o[2] as number) + 0.3 * (o[3] as number) > 0 ? 1 : 0) : rng.integers(2);
        }
        const rw = w.step(a);
        const rj = j.step(a);
        obs = rw.obs;
        const sw = vecSnapshot(rw);
        const sj = vecSnapshot(rj);
        if (JSON.stringify(sw) !== JSON.stringify(sj)) expect({ t, ...sw }).toEqual({ t, ...sj });
        if (t % 97 === 0 && JSON.stringify(bits(w.state)) !== JSON.stringify(bits(j.state)))
          expect({ t, s: Array.from(w.state) }).toEqual({ t, s: Array.from(j.state) });
        for (let i = 0; i < n; i++) ends += sw.episodes[i] ? 1 : 0;
      }
      expect(bits(w.state)).toEqual(bits(j.state));
      expect(Array.from(w.elapsed)).toEqual(Array.from(j.elapsed));
      expect(Array.from(w.episodeReturn)).toEqual(Array.from(j.episodeReturn));
      expect(ends).toBeGreaterThan(n * 10);
      expect(fallbacks.count).toBe(0);
    });
  }

  it('steps a state set by hand outside its range (|θ| ≥ 0.25, NaN) in JavaScript, with the same result', () => {
    for (const bad of [0.3, -0.25, Number.NaN, Number.POSITIVE_INFINITY]) {
      const w = new CartPoleVecEnv(5, { seed: 1 });
      const j = new CartPoleVecEnv(5, { seed: 1, wasm: false });
      w.reset();
      j.reset();
      for (const e of [w, j]) e.state.set([0.1, -0.2, bad, 0.5], 8);
      const a = Int32Array.from([0, 1, 1, 0, 1]);
      const fallbacks = countJsSteps(w);
      expect(vecSnapshot(w.step(a))).toEqual(vecSnapshot(j.step(a)));
      expect(fallbacks.count).toBe(1);
      expect(bits(w.state)).toEqual(bits(j.state));
      // and the next steps (env 2 was reset) go back to the kernel, still identical
      for (let t = 0; t < 20; t++) expect(vecSnapshot(w.step(a))).toEqual(vecSnapshot(j.step(a)));
      expect(bits(w.state)).toEqual(bits(j.state));
      // A NaN state never terminates (as in Gymnasium), so that env keeps the JavaScript path.
      expect(fallbacks.count).toBe(Number.isNaN(bad) ? 21 : 1);
    }
  });

  it('keeps every env unchanged when an action is invalid', () => {
    const w = new CartPoleVecEnv(4, { seed: 2 });
    w.reset();
    const before = bits(w.state);
    expect(() => w.step(Int32Array.from([0, 1, 2, 0]))).toThrow(/action 2 at index 2/);
    expect(bits(w.state)).toEqual(before);
  });

  it('the committed module is what scripts/cartpole-wasm.mjs builds from its source', async () => {
    // @ts-expect-error: a plain .mjs build script without types
    const gen = await import('../../scripts/cartpole-wasm.mjs');
    const expected = gen.renderTs(await gen.cartpoleWasm());
    expect(readFileSync(path.join(here, 'cartpole-kernel.wasm.ts'), 'utf8')).toBe(expected);
  });
});
