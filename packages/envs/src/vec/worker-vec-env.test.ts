import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Discrete, RecordEpisodeStatistics, Rng, SyncVecEnv, type VecEnv } from '@tfrl/core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CartPoleEnv } from '../classic/cartpole';
import { make, register } from '../registry';
import { WorkerVecEnv } from './worker-vec-env';

/*
 * The workers run the BUILT package (dist/vec/worker.js, a tsup entry), so these tests need
 * `pnpm --filter @tfrl/envs build` after changing env code; the main thread here runs the source.
 */
const distWorker = fileURLToPath(new URL('../../dist/vec/worker.js', import.meta.url));

const open: VecEnv[] = [];
afterEach(() => {
  for (const v of open.splice(0)) v.close();
});
function track<V extends VecEnv>(v: V): V {
  open.push(v);
  return v;
}

beforeAll(() => {
  if (!existsSync(distWorker)) throw new Error(`${distWorker} is missing: run 'npx -y pnpm@10.34.9 --filter @tfrl/envs build' first`);
});

/** The reference: SyncVecEnv of RecordEpisodeStatistics(make(id, kwargs)), env i seeded seed + i. */
function syncVec(envId: string, numEnvs: number, opts: { seed?: number; kwargs?: Record<string, unknown> } = {}): SyncVecEnv {
  const factory = () => new RecordEpisodeStatistics(make(envId, opts.kwargs));
  return new SyncVecEnv(
    Array.from({ length: numEnvs }, () => factory),
    { seed: opts.seed },
  );
}

/** Steps both vec envs with the same random actions and requires identical outputs. */
function expectSameAsSync(envId: string, numEnvs: number, numWorkers: number, steps: number, kwargs: Record<string, unknown> = {}) {
  const seed = 11;
  const w = track(new WorkerVecEnv(envId, numEnvs, { numWorkers, seed, kwargs }));
  const s = track(syncVec(envId, numEnvs, { seed, kwargs }));
  expect(w.obsDim).toBe(s.obsDim);
  expect(w.singleObservationSpace.equals(s.singleObservationSpace)).toBe(true);
  expect(w.singleActionSpace.equals(s.singleActionSpace)).toBe(true);
  expect(Array.from(w.reset())).toEqual(Array.from(s.reset()));
  const rng = new Rng(5);
  const actDim = s.actDim;
  let finished = 0;
  for (let t = 0; t < steps; t++) {
    const actions = new Float32Array(numEnvs * actDim);
    const space = s.singleActionSpace;
    for (let k = 0; k < actions.length; k++) {
      actions[k] = space instanceof Discrete ? rng.integers(0, space.n) : rng.uniform(-1, 1);
    }
    const a = w.step(actions);
    const b = s.step(actions);
    expect(Array.from(a.obs)).toEqual(Array.from(b.obs));
    expect(Array.from(a.rewards)).toEqual(Array.from(b.rewards));
    expect(Array.from(a.terminated)).toEqual(Array.from(b.terminated));
    expect(Array.from(a.truncated)).toEqual(Array.from(b.truncated));
    expect(Array.from(a.finalObs)).toEqual(Array.from(b.finalObs));
    for (let i = 0; i < numEnvs; i++) {
      const ea = a.infos[i]?.episode as { r: number; l: number } | undefined;
      const eb = b.infos[i]?.episode as { r: number; l: number } | undefined;
      expect(ea === undefined).toBe(eb === undefined);
      if (ea && eb) {
        finished++;
        expect([ea.r, ea.l]).toEqual([eb.r, eb.l]);
      }
    }
  }
  return finished;
}

describe('WorkerVecEnv', () => {
  it('gives the same observations, rewards, flags, final observations and episode stats as SyncVecEnv (LunarLander)', () => {
    const finished = expectSameAsSync('LunarLander-v3', 6, 2, 400);
    expect(finished).toBeGreaterThan(10); // autoresets were exercised
  });

  it('matches SyncVecEnv for continuous actions and uneven splits (5 envs over 3 workers)', () => {
    expectSameAsSync('LunarLander-v3', 5, 3, 150, { continuous: true });
  });

  it('matches SyncVecEnv on CartPole (time limits and truncation in workers)', () => {
    expectSameAsSync('CartPole-v1', 4, 2, 300);
  });

  it('keeps the previous observation valid for one more step (two alternating shared buffers)', () => {
    const w = track(new WorkerVecEnv('LunarLander-v3', 4, { seed: 0 }));
    const o0 = w.reset();
    const copy0 = Float32Array.from(o0);
    const r1 = w.step(new Int32Array([0, 1, 2, 3]));
    expect(r1.obs).not.toBe(o0);
    expect(Array.from(o0)).toEqual(Array.from(copy0));
    expect(o0.buffer).toBeInstanceOf(SharedArrayBuffer);
    const r2 = w.step(new Int32Array([0, 1, 2, 3]));
    expect(r2.obs).toBe(o0); // the buffer after next is reused
  });

  it('seeds: reset(seed) is reproducible, env i gets seed + i, unseeded resets differ', () => {
    const w = track(new WorkerVecEnv('LunarLander-v3', 3, { numWorkers: 2 }));
    const a = Array.from(w.reset(42));
    expect(Array.from(w.reset(42))).toEqual(a);
    const s = track(syncVec('LunarLander-v3', 3));
    expect(Array.from(s.reset(42))).toEqual(a);
    const u1 = Array.from(w.reset());
    const u2 = Array.from(w.reset());
    expect(u1).not.toEqual(u2);
  });

  it('clamps numWorkers to numEnvs and runs with one worker', () => {
    const w = track(new WorkerVecEnv('CartPole-v1', 2, { numWorkers: 8, seed: 1 }));
    expect(w.numWorkers).toBe(2);
    const one = track(new WorkerVecEnv('CartPole-v1', 3, { numWorkers: 1, seed: 1 }));
    expect(one.reset().length).toBe(12);
  });

  it('propagates errors from a worker with the env id and index', () => {
    const w = track(new WorkerVecEnv('LunarLander-v3', 4, { numWorkers: 2, seed: 0 }));
    w.reset();
    // 7 is outside Discrete(4): the env in worker 1 rejects it.
    expect(() => w.step(new Int32Array([0, 0, 0, 7]))).toThrow(/LunarLander-v3 env 3 \(worker 1\) failed in step: .*7/);
    expect(() => w.step(new Int32Array([0, 0]))).toThrow(/expected 4 action values/);
  });

  it('reports construction errors: unknown id, bad kwarg, missing worker script', () => {
    expect(() => new WorkerVecEnv('NoSuchEnv-v0', 2)).toThrow(/unknown env id 'NoSuchEnv-v0'/);
    expect(() => new WorkerVecEnv('LunarLander-v3', 2, { kwargs: { gravity: 3 } })).toThrow(/gravity/);
    expect(() => new WorkerVecEnv('LunarLander-v3', 2, { workerScript: '/nonexistent/worker.js' })).toThrow(/does not exist/);
    expect(() => new WorkerVecEnv('LunarLander-v3', 0)).toThrow(/numEnvs/);
  });

  it('refuses step before reset and use after close; close is idempotent', () => {
    const w = new WorkerVecEnv('CartPole-v1', 2, { seed: 0 });
    expect(() => w.step(new Int32Array([0, 1]))).toThrow(/before reset/);
    w.reset();
    w.close();
    w.close();
    expect(() => w.reset()).toThrow(/after close/);
    expect(() => w.reset()).toThrow('WorkerVecEnv: CartPole-v1: reset() called after close()');
    expect(() => w.step(new Int32Array([0, 1]))).toThrow('WorkerVecEnv: CartPole-v1: step() called after close()');
  });

  it('seeds: seed + i must be an integer in [0, 2^32 - 1] for every env, checked before the workers start', () => {
    expect(() => new WorkerVecEnv('CartPole-v1', 2, { seed: 2 ** 32 - 1 })).toThrow(
      'WorkerVecEnv: CartPole-v1: seed 4294967295 gives env 1 the seed 4294967296, above 4294967295 (2^32 - 1); with 2 envs the seed must be at most 4294967294',
    );
    expect(() => new WorkerVecEnv('CartPole-v1', 2, { seed: -1 })).toThrow(
      'WorkerVecEnv: CartPole-v1: seed must be an integer in [0, 4294967295] (2^32 - 1), got -1',
    );
    const w = track(new WorkerVecEnv('CartPole-v1', 2, { numWorkers: 1 }));
    const a = Array.from(w.reset(2 ** 32 - 2));
    expect(Array.from(track(syncVec('CartPole-v1', 2)).reset(2 ** 32 - 2))).toEqual(a);
    expect(() => w.reset(2 ** 32 - 1)).toThrow(/WorkerVecEnv: CartPole-v1: reset seed 4294967295 gives env 1 the seed 4294967296/);
    expect(() => w.reset(0.5)).toThrow('WorkerVecEnv: CartPole-v1: reset seed must be an integer in [0, 4294967295] (2^32 - 1), got 0.5');
    expect(() => w.reset(Number.NaN)).toThrow(/got NaN/);
  });

  it("takes kwargs in Gymnasium's snake_case as make does (the workers get the registered names)", () => {
    expectSameAsSync('MountainCar-v0', 3, 2, 50, { goal_velocity: 0.01 });
    expect(() => new WorkerVecEnv('MountainCar-v0', 2, { kwargs: { goal_velocity: 0, goalVelocity: 0 } })).toThrow(/is given twice/);
  });

  it('setupModule registers custom ids in the workers', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tfrl-wve-'));
    const setup = join(dir, 'setup.mjs');
    const dist = new URL('../../dist/index.js', import.meta.url).href;
    const entry = '(kw) => new CartPoleEnv({ suttonBartoReward: true })';
    writeFileSync(
      setup,
      `import { register, CartPoleEnv } from '${dist}';\nregister({ id: 'SBCartPole-v0', entryPoint: ${entry}, maxEpisodeSteps: 50, kwargs: {} });\n`,
    );
    register(
      { id: 'SBCartPole-v0', entryPoint: () => new CartPoleEnv({ suttonBartoReward: true }), maxEpisodeSteps: 50, kwargs: {} },
      { override: true },
    );
    expect(() => new WorkerVecEnv('SBCartPole-v0', 2, { seed: 0 })).toThrow(/unknown env id 'SBCartPole-v0'|SBCartPole-v0/);
    const w = track(new WorkerVecEnv('SBCartPole-v0', 2, { seed: 0, setupModule: setup }));
    w.reset();
    let sawEnd = false;
    for (let t = 0; t < 60; t++) {
      const r = w.step(new Int32Array([1, 1]));
      for (let i = 0; i < 2; i++)
        if (r.terminated[i]) {
          expect(r.rewards[i]).toBe(-1); // Sutton & Barto reward: the custom registration is used
          sawEnd = true;
        }
    }
    expect(sawEnd).toBe(true);
  });

  it('works from the built package (ESM and CJS entry points find dist/vec/worker.js)', async () => {
    const esm = (await import(new URL('../../dist/index.js', import.meta.url).href)) as { WorkerVecEnv: typeof WorkerVecEnv };
    const a = track(new esm.WorkerVecEnv('LunarLander-v3', 2, { seed: 3 }));
    const req = createRequire(import.meta.url);
    const cjs = req('../../dist/index.cjs') as { WorkerVecEnv: typeof WorkerVecEnv };
    const b = track(new cjs.WorkerVecEnv('LunarLander-v3', 2, { seed: 3 }));
    expect(Array.from(a.reset())).toEqual(Array.from(b.reset()));
    expect(a.step(new Int32Array([2, 2])).rewards.length).toBe(2);
  });
});
