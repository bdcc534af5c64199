/**
 * The env registry: `make('CartPole-v1')` builds a registered env with its TimeLimit, as
 * `gymnasium.make` does; `makeVec` builds a SyncVecEnv of them with episode statistics.
 */

import {
  BaseEnv,
  type Env,
  type EnvSpec,
  RecordEpisodeStatistics,
  SyncVecEnv,
  TimeLimit,
  type VecEnv,
  camelToSnake,
  formatValue,
  setEnvResolver,
} from '@tfrl/core';
import { BUILTIN_ENVS } from './builtin';
import { BATCHED_CLASSIC } from './classic/batched';
import { type KwargNames, canonicalKwargs, describeKwargs, kwargNames } from './kwargs';
import type { EnvRegistration } from './types';
import { assertVecSeed } from './vec/seed';

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
  const stored: EnvRegistration = { ...reg, kwargs: { ...(reg.kwargs ?? {}) }, aliases: { ...(reg.aliases ?? {}) } };
  try {
    namesOf.set(stored, acceptedNames(stored));
  } catch (e) {
    throw new Error(`register: ${reg.id}: ${(e as Error).message}`);
  }
  registry.set(reg.id, stored);
}

/**
 * Kwargs `make` accepts for every id, besides the registration's own: `strict` (raise on
 * out-of-range actions where the reference env clips them) and Gymnasium's `render_mode`
 * (only `'rgb_array'` or null: `render()` always returns an RGB frame).
 */
const MAKE_KWARGS = ['strict', 'renderMode'] as const;

/** Accepted kwarg spellings per registration (computed once, at `register`). */
const namesOf = new WeakMap<EnvRegistration, KwargNames>();

function acceptedNames(reg: EnvRegistration): KwargNames {
  const own = Object.keys(reg.kwargs ?? {});
  // A registration that defines one of these itself (in either spelling) keeps its own.
  const ownNames = kwargNames(own, reg.aliases);
  const extra = MAKE_KWARGS.filter((k) => !ownNames.lookup.has(k) && !ownNames.lookup.has(camelToSnake(k)));
  return kwargNames([...own, ...extra], reg.aliases);
}

interface ResolvedKwargs {
  /** The caller's kwargs under registered names (defaults not filled in). */
  given: Record<string, unknown>;
  /** The env's own kwargs: the registered defaults overridden by the caller's, under registered names. */
  env: Record<string, unknown>;
  /** The make-level kwargs (`strict`, `renderMode`) the caller gave, for `spec.kwargs`. */
  makeLevel: Record<string, unknown>;
  strict: boolean;
}

/** Map the caller's kwargs onto `reg`'s names and check the make-level ones; `who` prefixes errors. */
function resolveKwargs(who: string, reg: EnvRegistration, kwargs: Record<string, unknown>): ResolvedKwargs {
  const names = namesOf.get(reg) ?? acceptedNames(reg);
  const id = reg.id;
  const given = canonicalKwargs(`${who}: ${id}`, kwargs, names, {
    unknown: (key, _value, suggestion) =>
      new Error(
        `${who}: ${id} has no kwarg '${key}'; accepted kwargs: ${describeKwargs(names)}${suggestion ? `; did you mean '${suggestion}'?` : ''}`,
      ),
    twice: (name, first, second) =>
      new Error(`${who}: ${id}: kwarg '${name}' is given twice, as '${first}' and as '${second}'; pass only one of them`),
  });
  const defaults = reg.kwargs ?? {};
  const env: Record<string, unknown> = { ...defaults };
  const makeLevel: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(given)) {
    if (name in defaults) env[name] = value;
    else makeLevel[name] = value;
  }
  const strict = makeLevel.strict ?? false;
  if (typeof strict !== 'boolean') throw new TypeError(`${who}: ${id}: kwarg 'strict' must be a boolean, got ${formatValue(strict)}`);
  const mode = makeLevel.renderMode;
  if (mode !== undefined && mode !== null && mode !== 'rgb_array') {
    throw new RangeError(
      `${who}: ${id}: render_mode ${formatValue(mode)} is not supported; tfrl envs render 'rgb_array' only (render() returns an RGB frame), so pass 'rgb_array' or null`,
    );
  }
  return { given, env, makeLevel, strict };
}

/**
 * The caller's kwargs for `id` under the registered names (defaults not filled in), after the same
 * checks as `make`: what a worker thread needs to rebuild the env with an older or newer spelling.
 */
export function canonicalMakeKwargs(id: string, kwargs: Record<string, unknown> = {}): Record<string, unknown> {
  const reg = registry.get(id);
  if (!reg) throw new Error(`make: unknown env id '${id}'; registered ids: ${listEnvs().join(', ')}`);
  return resolveKwargs('make', reg, kwargs).given;
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

/** A goal-conditioned observation (BitFlipping-v0, GoalGridWorld-v0, PointMassGoal-v0), as Gymnasium-Robotics and SB3's HER use. */
export interface GoalObservation {
  observation: Float32Array;
  achieved_goal: Float32Array;
  desired_goal: Float32Array;
}

/**
 * The observation and action types of each built-in id, so that `make('CartPole-v1')` is an
 * `Env<Float32Array, number>` and `env.step(agent.predict(obs))` type-checks. Box observations and
 * actions are Float32Array, Discrete ones numbers. Ids registered by the user give `Env<any, any>`.
 */
export interface BuiltinEnvTypes {
  'Acrobot-v1': Env<Float32Array, number>;
  'BitFlipping-v0': Env<GoalObservation, number | Float32Array>;
  'CartPole-v1': Env<Float32Array, number>;
  'CliffWalking-v0': Env<number, number>;
  'CliffWalking-v1': Env<number, number>;
  'CliffWalkingSlippery-v1': Env<number, number>;
  'FrozenLake-v1': Env<number, number>;
  'FrozenLake8x8-v1': Env<number, number>;
  'GoalGridWorld-v0': Env<GoalObservation, number>;
  'GridWorld-v0': Env<number, number>;
  /** Discrete actions, or Box actions with `continuous: true`. */
  'LunarLander-v3': Env<Float32Array, number | Float32Array>;
  'LunarLanderContinuous-v3': Env<Float32Array, Float32Array>;
  'MountainCar-v0': Env<Float32Array, number>;
  'MountainCarContinuous-v0': Env<Float32Array, Float32Array>;
  'Pendulum-v1': Env<Float32Array, Float32Array>;
  'PointMassGoal-v0': Env<GoalObservation, Float32Array>;
  'Taxi-v3': Env<number, number>;
  'Taxi-v4': Env<number, number>;
}

export interface MakeOptions {
  /** Replace the registered time limit (`0` or a negative value: no TimeLimit). */
  maxEpisodeSteps?: number;
}

/**
 * Build the env registered as `id`, with `kwargs` merged over its defaults and wrapped in
 * `TimeLimit(maxEpisodeSteps)` from the registration. Unknown ids and unknown kwargs are errors.
 *
 * Kwarg names: each registered kwarg is accepted under its registered name and in the other case
 * style, so Gymnasium's snake_case names work as well as tfrl's camelCase ones
 * (`make('FrozenLake-v1', {map_name: '8x8', is_slippery: false})` = `{mapName: '8x8', isSlippery: false}`),
 * plus the registration's `aliases`. Giving one kwarg under two spellings is an error. Every id
 * also takes `strict: true` (an out-of-range Box action throws even where the reference env clips
 * it: Pendulum, MountainCarContinuous, LunarLanderContinuous) and `render_mode` (`'rgb_array'` or
 * null). `spec.kwargs` holds the merged kwargs under their registered names.
 */
export function make<K extends keyof BuiltinEnvTypes>(id: K, kwargs?: Record<string, unknown>, opts?: MakeOptions): BuiltinEnvTypes[K];
export function make(id: string, kwargs?: Record<string, unknown>, opts?: MakeOptions): Env<any, any>;
export function make(id: string, kwargs: Record<string, unknown> = {}, opts: MakeOptions = {}): Env<any, any> {
  const reg = registry.get(id);
  if (!reg) throw new Error(`make: unknown env id '${id}'; registered ids: ${listEnvs().join(', ')}`);
  const { env: merged, makeLevel, strict } = resolveKwargs('make', reg, kwargs);
  let env: Env<any, any> = reg.entryPoint(merged);
  if (strict) {
    const inner = env.unwrapped;
    if (!(inner instanceof BaseEnv)) {
      throw new Error(`make: ${id}: strict: true needs an env built on BaseEnv, got ${formatValue(inner?.constructor?.name)}`);
    }
    inner.strict = true;
  }
  const maxSteps = opts.maxEpisodeSteps ?? reg.maxEpisodeSteps;
  const spec: EnvSpec = { id, maxEpisodeSteps: maxSteps, rewardThreshold: reg.rewardThreshold, kwargs: { ...merged, ...makeLevel } };
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
  // Fail on a bad id / kwarg / seed here rather than inside the factory or at the first reset.
  make(id, opts.kwargs).close();
  if (opts.seed !== undefined) assertVecSeed(opts.seed, numEnvs, `makeVec: ${id}`, 'seed');
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
    const { env: kw, strict } = resolveKwargs('makeVec', reg, opts.kwargs ?? {});
    return batched(numEnvs, { ...kw, strict, seed: opts.seed, maxEpisodeSteps: reg.maxEpisodeSteps ?? 0 });
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
