/**
 * The env registry: `make('CartPole-v1')` builds a registered env with its TimeLimit, as
 * `gymnasium.make` does; `makeVec` builds a SyncVecEnv of them with episode statistics.
 */

import { type Env, type EnvSpec, RecordEpisodeStatistics, SyncVecEnv, TimeLimit, type VecEnv, setEnvResolver } from '@tfrl/core';
import { BUILTIN_ENVS } from './builtin';
import { BATCHED_CLASSIC } from './classic/batched';
import type { EnvRegistration } from './types';

export type { EnvRegistration } from './types';

const registry = new Map<string, EnvRegistration>();

/** Register an env id; registering an id twice is an error unless `override` is true. */
export function register(reg: EnvRegistration, opts: { override?: boolean } = {}): void {
  if (!reg || typeof reg.id !== 'string' || reg.id.length === 0) throw new TypeError('register: id must be a non-empty string');
  if (typeof reg.entryPoint !== 'function') throw new TypeError(`register: ${reg.id}: entryPoint must be a function (kwargs) => Env`);
  if (reg.maxEpisodeSteps !== undefined && (!Number.isInteger(reg.maxEpisodeSteps) || reg.maxEpisodeSteps <= 0)) {
    throw new RangeError(`register: ${reg.id}: maxEpisodeSteps must be a positive integer, got ${reg.maxEpisodeSteps}`);
  }
  if (registry.has(reg.id) && !opts.override) {
    throw new Error(`register: ${reg.id} is already registered (pass {override: true} to replace it)`);
  }
  registry.set(reg.id, { ...reg, kwargs: { ...(reg.kwargs ?? {}) } });
}

/** Registered ids, sorted. */
export function listEnvs(): string[] {
  return [...registry.keys()].sort();
}

/** The registration of `id` (a copy), or undefined. */
export function envSpec(id: string): EnvSpec | undefined {
  const r = registry.get(id);
  if (!r) return undefined;
  return { id: r.id, maxEpisodeSteps: r.maxEpisodeSteps, rewardThreshold: r.rewardThreshold, kwargs: { ...r.kwargs } };
}

export interface MakeOptions {
  /** Replace the registered time limit (`0` or a negative value: no TimeLimit). */
  maxEpisodeSteps?: number;
}

/**
 * Build the env registered as `id`, with `kwargs` merged over its defaults and wrapped in
 * `TimeLimit(maxEpisodeSteps)` from the registration. Unknown ids and unknown kwargs are errors.
 */
export function make(id: string, kwargs: Record<string, unknown> = {}, opts: MakeOptions = {}): Env<any, any> {
  const reg = registry.get(id);
  if (!reg) throw new Error(`make: unknown env id '${id}'; registered ids: ${listEnvs().join(', ')}`);
  const defaults = reg.kwargs ?? {};
  for (const k of Object.keys(kwargs)) {
    if (!(k in defaults)) {
      const allowed = Object.keys(defaults);
      throw new Error(`make: ${id} has no kwarg '${k}'; ${allowed.length ? `accepted kwargs: ${allowed.join(', ')}` : 'it accepts none'}`);
    }
  }
  const merged = { ...defaults, ...kwargs };
  let env: Env<any, any> = reg.entryPoint(merged);
  const maxSteps = opts.maxEpisodeSteps ?? reg.maxEpisodeSteps;
  const spec: EnvSpec = { id, maxEpisodeSteps: maxSteps, rewardThreshold: reg.rewardThreshold, kwargs: merged };
  env.unwrapped.spec = spec;
  if (maxSteps !== undefined && maxSteps > 0) env = new TimeLimit(env, maxSteps);
  return env;
}

export interface MakeVecOptions {
  /** Seed of the first reset: env i gets `seed + i`. */
  seed?: number;
  kwargs?: Record<string, unknown>;
  /** Applied to every env, innermost first, outside RecordEpisodeStatistics (so stats see raw rewards). */
  wrappers?: Array<(env: Env<any, any>) => Env<any, any>>;
  /**
   * `'batched'`: a native VecEnv stepping all copies in one pass over typed arrays (classic
   * control; same trajectories as `'sync'`). `'sync'`: a SyncVecEnv of single envs. Default:
   * `'batched'` when the id has one and no `wrappers` are given, else `'sync'`.
   */
  vectorization?: 'sync' | 'batched';
}

/**
 * `numEnvs` copies of env `id`: with `vectorization: 'sync'`, each `make(id, kwargs)` in
 * RecordEpisodeStatistics inside a SyncVecEnv; with `'batched'` (the default where available), the
 * id's native batched VecEnv, which gives the same trajectories, time limit and `infos[i].episode`.
 */
export function makeVec(id: string, numEnvs: number, opts: MakeVecOptions & { vectorization: 'sync' }): SyncVecEnv;
export function makeVec(id: string, numEnvs: number, opts?: MakeVecOptions): VecEnv;
export function makeVec(id: string, numEnvs: number, opts: MakeVecOptions = {}): VecEnv {
  if (!Number.isInteger(numEnvs) || numEnvs <= 0) throw new RangeError(`makeVec: numEnvs must be a positive integer, got ${numEnvs}`);
  const mode = opts.vectorization;
  if (mode !== undefined && mode !== 'sync' && mode !== 'batched') {
    throw new RangeError(`makeVec: vectorization must be 'sync' or 'batched', got ${String(mode)}`);
  }
  // Fail on a bad id / kwarg here rather than inside the factory.
  make(id, opts.kwargs).close();
  const batched = BATCHED_CLASSIC[id];
  const hasWrappers = (opts.wrappers?.length ?? 0) > 0;
  if (mode === 'batched') {
    if (!batched)
      throw new Error(
        `makeVec: ${id} has no batched implementation (available: ${Object.keys(BATCHED_CLASSIC).join(', ')}); use vectorization: 'sync'`,
      );
    if (hasWrappers) throw new Error(`makeVec: ${id}: per-env wrappers need vectorization: 'sync'`);
    if (registry.get(id)?.entryPoint !== BUILTIN_ENTRY.get(id)) {
      throw new Error(`makeVec: ${id} was re-registered, so its built-in batched implementation does not apply; use vectorization: 'sync'`);
    }
  }
  if (batched && registry.get(id)?.entryPoint === BUILTIN_ENTRY.get(id) && (mode === 'batched' || (mode === undefined && !hasWrappers))) {
    const reg = registry.get(id) as EnvRegistration;
    return batched(numEnvs, { ...reg.kwargs, ...opts.kwargs, seed: opts.seed, maxEpisodeSteps: reg.maxEpisodeSteps ?? 0 });
  }
  const factory = () => {
    let env: Env<any, any> = new RecordEpisodeStatistics(make(id, opts.kwargs));
    for (const w of opts.wrappers ?? []) env = w(env);
    return env;
  };
  return new SyncVecEnv(
    Array.from({ length: numEnvs }, () => factory),
    { seed: opts.seed },
  );
}

/** The built-in entry points, so an id re-registered with `override` is not given the built-in batched env. */
const BUILTIN_ENTRY = new Map(BUILTIN_ENVS.map((r) => [r.id, r.entryPoint]));

for (const reg of BUILTIN_ENVS) register(reg);
// Algorithms accept an env id (`new PPO({env: 'CartPole-v1'})`) once this package is loaded.
setEnvResolver((id) => make(id));
