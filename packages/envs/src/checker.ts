/**
 * Environment checkers, after Gymnasium's `gymnasium.utils.env_checker.check_env` (with its passive
 * checker) and SB3's `check_env`, for tfrl's `Env` and PettingZoo-style `ParallelEnv`.
 *
 * `checkEnv(env)` resets and steps the env (it leaves it mid-episode: reset it before use) and
 * throws an `EnvCheckError` on the first hard problem; soft problems are collected in the returned
 * report and, unless `warn: false`, printed with `console.warn`. Every message starts with
 * `checkEnv(<env id>): ` (`checkParallelEnv(<env id>): ` for parallel envs) and says what was
 * expected and what the env gave.
 */

import {
  Box,
  Dict,
  Discrete,
  type Env,
  MAX_SEED,
  MultiBinary,
  MultiDiscrete,
  type ParallelEnv,
  Rng,
  Space,
  Tuple,
  formatValue,
} from '@tfrl/core';

export interface CheckEnvOptions {
  /** Print soft problems with `console.warn` (default true). They are in the report either way; hard problems always throw. */
  warn?: boolean;
  /** Skip the `render()` frame check (default false). */
  skipRenderCheck?: boolean;
  /** Skip the seeded-reset and seeded-rollout comparisons, for envs that are random by design (default false). */
  skipDeterminismCheck?: boolean;
  /** Seed of the seeded resets and of the action sequence (default 42). */
  seed?: number;
  /** Steps of each seeded rollout; episodes that end inside it are reset without a seed (default 50). */
  steps?: number;
  /** Steps allowed while looking for an episode end, to test `step()` after it (default 1000). */
  episodeStepBudget?: number;
}

/** The checks `checkEnv` / `checkParallelEnv` run, by name (`EnvCheckError.check`, `EnvCheckWarning.check`). */
export type EnvCheckName =
  | 'api'
  | 'spaces'
  | 'reset'
  | 'reset-options'
  | 'seeds'
  | 'reset-determinism'
  | 'step'
  | 'step-determinism'
  | 'obs-aliasing'
  | 'goal-reward'
  | 'step-after-end'
  | 'render';

export interface EnvCheckWarning {
  check: EnvCheckName;
  /** The full message, prefixed `checkEnv(<env id>): `. */
  message: string;
}

export interface EnvCheckReport {
  envId: string;
  /** Checks that ran without a hard problem (possibly with warnings), in order. */
  passed: EnvCheckName[];
  /** Checks that could not run, with the reason. */
  skipped: Array<{ check: EnvCheckName; reason: string }>;
  warnings: EnvCheckWarning[];
  /** `step()` calls made. */
  steps: number;
}

/** A hard problem found by `checkEnv` / `checkParallelEnv`; `cause` holds the env's own error, if any. */
export class EnvCheckError extends Error {
  override readonly name = 'EnvCheckError';
  constructor(
    message: string,
    readonly check: EnvCheckName,
    readonly envId: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

// ---------------------------------------------------------------------------------------------
// Shared helpers

const GOAL_KEYS = ['observation', 'achieved_goal', 'desired_goal'] as const;
const TYPED_ARRAY_FOR_DTYPE = { float32: Float32Array, float64: Float64Array, int32: Int32Array, uint8: Uint8Array } as const;

function isTypedArray(x: unknown): x is ArrayLike<number> & ArrayBufferView {
  return ArrayBuffer.isView(x) && !(x instanceof DataView);
}

function isPlainObject(x: unknown): x is Record<string, unknown> {
  if (x === null || typeof x !== 'object') return false;
  const proto = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
}

/** What `x` is, for messages: `a Float64Array of length 4`, `an Array`, `the number 3`, `undefined`. */
function describe(x: unknown): string {
  if (x === null || x === undefined) return String(x);
  if (isTypedArray(x)) return `a ${x.constructor.name} of length ${x.length} (${formatValue(x)})`;
  if (Array.isArray(x)) return `an Array of length ${x.length} (${formatValue(x)})`;
  if (typeof x === 'number') return `the number ${formatValue(x)}`;
  if (typeof x === 'string') return `the string ${JSON.stringify(x)}`;
  if (typeof x === 'boolean') return `the boolean ${x}`;
  if (typeof x === 'function') return 'a function';
  if (typeof x === 'object') {
    const ctor = (x as object).constructor;
    return isPlainObject(x) ? `an object ${formatValue(x)}` : `an instance of ${ctor?.name ?? 'an unnamed class'}`;
  }
  return `a ${typeof x}`;
}

function errorText(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message}` : formatValue(e);
}

function shapeText(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/**
 * Why `x` is not an element of `space`, or null. Stricter than `space.explain`: a Box element must
 * be the typed array of the Box's dtype (a Float64Array is not a float32 observation), MultiDiscrete
 * an Int32Array and MultiBinary an Int8Array, as `space.sample()` returns; Dict keys are named.
 */
export function explainSpaceValue(space: Space<any>, x: unknown): string | null {
  if (space instanceof Box) {
    const ctor = TYPED_ARRAY_FOR_DTYPE[space.dtype as keyof typeof TYPED_ARRAY_FOR_DTYPE];
    if (ctor && !(x instanceof ctor)) {
      return `expected a ${ctor.name} (dtype ${space.dtype}) of ${space.size} numbers (shape ${shapeText(space.shape)}), got ${describe(x)}`;
    }
    if ((x as ArrayLike<number>).length !== space.size) {
      return `expected ${space.size} numbers (shape ${shapeText(space.shape)}), got a ${ctor.name} of length ${(x as ArrayLike<number>).length}`;
    }
    return space.explain(x);
  }
  if (space instanceof MultiDiscrete || space instanceof MultiBinary) {
    const ctor = space instanceof MultiDiscrete ? Int32Array : Int8Array;
    if (!(x instanceof ctor)) return `expected an ${ctor.name} of ${space.compactDim} values, got ${describe(x)}`;
    return space.explain(x);
  }
  if (space instanceof Discrete) {
    if (typeof x !== 'number') return `expected an integer (a number), got ${describe(x)}`;
    return space.explain(x);
  }
  if (space instanceof Dict) {
    if (x === null || typeof x !== 'object' || Array.isArray(x) || isTypedArray(x)) {
      return `expected an object with keys ${space.keys.join(', ')}, got ${describe(x)}`;
    }
    const rec = x as Record<string, unknown>;
    const missing = space.keys.filter((k) => !(k in rec));
    if (missing.length > 0) return `missing key${missing.length > 1 ? 's' : ''} ${missing.map((k) => `'${k}'`).join(', ')}`;
    const extra = Object.keys(rec).filter((k) => !(k in space.spaces));
    if (extra.length > 0)
      return `unexpected key${extra.length > 1 ? 's' : ''} ${extra.map((k) => `'${k}'`).join(', ')} (space keys: ${space.keys.join(', ')})`;
    for (const k of space.keys) {
      const why = explainSpaceValue(space.spaces[k] as Space<any>, rec[k]);
      if (why !== null) return `key '${k}': ${why}`;
    }
    return null;
  }
  if (space instanceof Tuple) {
    if (!Array.isArray(x)) return `expected an Array of ${space.spaces.length} elements, got ${describe(x)}`;
    if (x.length !== space.spaces.length) return `expected ${space.spaces.length} elements, got ${x.length}`;
    for (let i = 0; i < x.length; i++) {
      const why = explainSpaceValue(space.spaces[i] as Space<any>, x[i]);
      if (why !== null) return `element ${i}: ${why}`;
    }
    return null;
  }
  return space.explain(x);
}

/** A deep copy of plain data (typed arrays, arrays, plain objects); anything else is kept as is. */
function cloneData<T>(x: T): T {
  if (isTypedArray(x)) return (x as unknown as { slice(): T }).slice();
  if (Array.isArray(x)) return x.map(cloneData) as T;
  if (isPlainObject(x)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(x)) out[k] = cloneData(v);
    return out as T;
  }
  return x;
}

function sameNumber(a: number, b: number, tol: number): boolean {
  if (a === b || (Number.isNaN(a) && Number.isNaN(b))) return true;
  return tol > 0 && Number.isFinite(a) && Number.isFinite(b) && Math.abs(a - b) <= tol * (1 + Math.abs(b));
}

function join(path: string, part: string): string {
  return path ? `${path} ${part}` : part;
}

/**
 * Where `a` and `b` first differ (`key 'observation' index 2: 0.5 vs 0.25`), or null. Numbers are
 * compared exactly (NaN equals NaN) or, with `tol` > 0, within `tol` relative and absolute.
 */
function firstDifference(a: unknown, b: unknown, tol = 0, path = ''): string | null {
  const at = path || 'value';
  if (typeof a === 'number' && typeof b === 'number') return sameNumber(a, b, tol) ? null : `${at}: ${formatValue(a)} vs ${formatValue(b)}`;
  if (isTypedArray(a) || isTypedArray(b)) {
    if (!isTypedArray(a) || !isTypedArray(b) || a.constructor !== b.constructor) return `${at}: ${describe(a)} vs ${describe(b)}`;
    if (a.length !== b.length) return `${at}: length ${a.length} vs ${b.length}`;
    for (let i = 0; i < a.length; i++) {
      if (!sameNumber(a[i] as number, b[i] as number, tol))
        return `${join(path, `index ${i}`)}: ${formatValue(a[i])} vs ${formatValue(b[i])}`;
    }
    return null;
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b)) return `${at}: ${describe(a)} vs ${describe(b)}`;
    if (a.length !== b.length) return `${at}: length ${a.length} vs ${b.length}`;
    for (let i = 0; i < a.length; i++) {
      const d = firstDifference(a[i], b[i], tol, join(path, `element ${i}`));
      if (d !== null) return d;
    }
    return null;
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    const ka = Object.keys(a).sort();
    const kb = Object.keys(b).sort();
    if (ka.join('\u0000') !== kb.join('\u0000')) return `${at}: keys ${ka.join(', ') || '(none)'} vs ${kb.join(', ') || '(none)'}`;
    for (const k of ka) {
      const d = firstDifference(a[k], b[k], tol, join(path, `key '${k}'`));
      if (d !== null) return d;
    }
    return null;
  }
  return Object.is(a, b) || a === b ? null : `${at}: ${formatValue(a)} vs ${formatValue(b)}`;
}

/** Typed arrays of `a` whose buffer is also used by `b` (the env handing out one buffer twice). */
function sharedBuffer(a: unknown, b: unknown, path = ''): string | null {
  if (isTypedArray(a) && isTypedArray(b)) return a.buffer === b.buffer ? path || 'the observation' : null;
  if (isPlainObject(a) && isPlainObject(b)) {
    for (const k of Object.keys(a)) {
      const s = sharedBuffer(a[k], b[k], join(path, `key '${k}'`));
      if (s !== null) return s;
    }
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      const s = sharedBuffer(a[i], b[i], join(path, `element ${i}`));
      if (s !== null) return s;
    }
  }
  return null;
}

function seedText(seed: number): string {
  return Number.isNaN(seed) ? 'NaN' : String(seed);
}

/** Collects results; `fail` throws, `warn` records (and prints unless `warn: false`). */
class Checker {
  readonly report: EnvCheckReport;
  private readonly print: boolean;

  constructor(
    readonly who: string,
    envId: string,
    options: CheckEnvOptions,
  ) {
    this.print = options.warn ?? true;
    this.report = { envId, passed: [], skipped: [], warnings: [], steps: 0 };
  }

  fail(check: EnvCheckName, message: string, cause?: unknown): never {
    throw new EnvCheckError(`${this.who}: ${message}`, check, this.report.envId, cause === undefined ? undefined : { cause });
  }

  warn(check: EnvCheckName, message: string): void {
    const full = `${this.who}: ${message}`;
    this.report.warnings.push({ check, message: full });
    if (this.print) console.warn(full);
  }

  pass(check: EnvCheckName): void {
    if (!this.report.passed.includes(check)) this.report.passed.push(check);
  }

  skip(check: EnvCheckName, reason: string): void {
    this.report.skipped.push({ check, reason });
  }

  /** Run `fn`; an exception from the env becomes a hard failure of `check` naming `what`. */
  call<T>(check: EnvCheckName, what: string, fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      if (e instanceof EnvCheckError) throw e;
      return this.fail(check, `${what} threw ${errorText(e)}`, e);
    }
  }

  /** `space` is a tfrl Space with sensible parameters; `label` is e.g. `observationSpace`. */
  checkSpace(space: unknown, label: string, kind: 'observation' | 'action', rng: Rng): void {
    if (!(space instanceof Space)) {
      const looksLike =
        space !== null && typeof space === 'object' && typeof (space as Space<any>).contains === 'function'
          ? ' (it has contains(): is a second copy of @tfrl/core loaded?)'
          : '';
      this.fail(
        'spaces',
        `${label} must be a @tfrl/core Space (Box, Discrete, MultiDiscrete, MultiBinary, Dict or Tuple), got ${describe(space)}${looksLike}`,
      );
    }
    this.checkSpaceParams(space, label, kind);
    const sample = this.call('spaces', `${label}.sample(rng)`, () => space.sample(rng));
    const why = explainSpaceValue(space, sample);
    if (why !== null) this.fail('spaces', `${label}.sample() returned a value that is not in ${space}: ${why}`);
  }

  private checkSpaceParams(space: Space<any>, label: string, kind: 'observation' | 'action'): void {
    if (space instanceof Dict) {
      if (space.keys.length === 0) this.fail('spaces', `${label} is an empty Dict; it needs at least one key`);
      for (const k of space.keys) this.checkSpaceParams(space.spaces[k] as Space<any>, `${label} key '${k}'`, kind);
    } else if (space instanceof Tuple) {
      if (space.spaces.length === 0) this.fail('spaces', `${label} is an empty Tuple; it needs at least one element`);
      (space.spaces as Space<any>[]).forEach((s: Space<any>, i: number) => this.checkSpaceParams(s, `${label} element ${i}`, kind));
    } else if (space instanceof Box) {
      const equal: number[] = [];
      let unbounded = false;
      for (let i = 0; i < space.size; i++) {
        if (space.low[i] === space.high[i]) equal.push(i);
        if (!Number.isFinite(space.low[i] as number) || !Number.isFinite(space.high[i] as number)) unbounded = true;
      }
      if (equal.length > 0) {
        this.warn('spaces', `${label} ${space} has low == high at index ${equal.slice(0, 8).join(', ')}${equal.length > 8 ? ', …' : ''}`);
      }
      if (kind === 'action' && (space.dtype === 'float32' || space.dtype === 'float64')) {
        if (unbounded) {
          this.warn(
            'spaces',
            `${label} ${space} is unbounded; random actions then come from N(0, 1) or exponential tails, and squashing policies (SAC, TD3) need finite bounds`,
          );
        } else {
          let normalized = true;
          for (let i = 0; i < space.size; i++) {
            const lo = space.low[i] as number;
            const hi = space.high[i] as number;
            if ((lo !== 0 && Math.abs(lo) !== Math.abs(hi)) || lo < -1 || hi > 1) normalized = false;
          }
          if (!normalized) {
            this.warn(
              'spaces',
              `${label} ${space} is not normalized; a symmetric [-1, 1] (or [0, 1]) action Box is recommended (rescale with RescaleAction)`,
            );
          }
        }
      }
    }
  }

  /** `frame` is an RgbFrame: positive integer width and height, width*height*3 (or *4) bytes. */
  checkFrame(frame: unknown, what: string): void {
    if (frame === null || typeof frame !== 'object') {
      this.fail('render', `${what} returned ${describe(frame)}; expected an RgbFrame {width, height, data: Uint8Array}`);
    }
    const { width, height, data } = frame as { width: unknown; height: unknown; data: unknown };
    for (const [name, v] of [
      ['width', width],
      ['height', height],
    ] as const) {
      if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) {
        this.fail('render', `${what} returned a frame with ${name} ${formatValue(v)}; expected a positive integer`);
      }
    }
    if (!(data instanceof Uint8Array || data instanceof Uint8ClampedArray)) {
      this.fail('render', `${what} returned frame data ${describe(data)}; expected a Uint8Array (or Uint8ClampedArray) of RGB bytes`);
    }
    const n = (width as number) * (height as number);
    if (data.length !== n * 3 && data.length !== n * 4) {
      this.fail(
        'render',
        `${what} returned a ${width}x${height} frame with ${data.length} bytes of data; expected ${n * 3} (width * height * 3, RGB) or ${n * 4} (RGBA)`,
      );
    }
  }
}

/** The declared render mode: `renderMode` / `render_mode` on the env, its unwrapped env or its spec kwargs. */
function declaredRenderMode(env: any): unknown {
  const spots = [env, safeGet(() => env.unwrapped), safeGet(() => env.spec?.kwargs)];
  for (const s of spots) {
    if (s === null || typeof s !== 'object') continue;
    if ('renderMode' in s && s.renderMode !== undefined) return s.renderMode;
    if ('render_mode' in s && s.render_mode !== undefined) return s.render_mode;
  }
  return undefined;
}

function safeGet<T>(fn: () => T): T | undefined {
  try {
    return fn();
  } catch {
    return undefined;
  }
}

function envIdOf(env: any): string {
  const id = safeGet(() => env?.id) ?? safeGet(() => env?.spec?.id) ?? safeGet(() => env?.unwrapped?.constructor?.name);
  if (typeof id === 'string' && id.length > 0) return id;
  const name = safeGet(() => env?.constructor?.name);
  return typeof name === 'string' && name.length > 0 && name !== 'Object' ? name : 'env';
}

function positiveInt(value: unknown, name: string, who: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    throw new RangeError(`${who}: options.${name} must be a positive integer, got ${formatValue(value)}`);
  }
  return value;
}

function readOptions(options: CheckEnvOptions, who: string) {
  if (options === null || typeof options !== 'object')
    throw new TypeError(`${who}: options must be an object, got ${formatValue(options)}`);
  const seed = options.seed ?? 42;
  if (typeof seed !== 'number' || !Number.isInteger(seed) || seed < 0 || seed > MAX_SEED - 1) {
    throw new RangeError(`${who}: options.seed must be an integer in [0, ${MAX_SEED - 1}], got ${formatValue(seed)}`);
  }
  return {
    seed,
    steps: positiveInt(options.steps ?? 50, 'steps', who),
    budget: positiveInt(options.episodeStepBudget ?? 1000, 'episodeStepBudget', who),
  };
}

/** Invalid seeds every tfrl env must reject, and the extreme valid ones it must accept. */
const BAD_SEEDS = [-1, 1.5, Number.NaN, 2 ** 32];
const EDGE_SEEDS = [0, MAX_SEED];

// ---------------------------------------------------------------------------------------------
// Single-agent envs

/** The env's `computeReward`, looked up through its wrappers (`env`, `env.env`, …, `env.unwrapped`). */
function findComputeReward(env: any): ((achieved: unknown, desired: unknown, info: unknown) => unknown) | null {
  const seen = new Set<unknown>();
  let e = env;
  while (e !== null && typeof e === 'object' && !seen.has(e)) {
    seen.add(e);
    if (typeof e.computeReward === 'function') return e.computeReward.bind(e);
    e = e.env;
  }
  const inner = safeGet(() => env.unwrapped);
  return inner && typeof inner.computeReward === 'function' ? inner.computeReward.bind(inner) : null;
}

/** A reward from computeReward's return: a number, or a one-row batch (ArrayLike of length 1). */
function singleReward(r: unknown): number | null {
  if (typeof r === 'number') return r;
  if ((isTypedArray(r) || Array.isArray(r)) && r.length === 1 && typeof r[0] === 'number') return r[0] as number;
  return null;
}

function concatRows(a: ArrayLike<number>, b: ArrayLike<number>): Float32Array | Float64Array {
  const out = a instanceof Float64Array ? new Float64Array(a.length + b.length) : new Float32Array(a.length + b.length);
  out.set(a as ArrayLike<number>, 0);
  out.set(b as ArrayLike<number>, a.length);
  return out;
}

function sameReward(a: number, b: number): boolean {
  return a === b || Math.fround(a) === Math.fround(b) || Math.abs(a - b) <= 1e-6 * (1 + Math.abs(b));
}

interface Trace {
  /** `reset` entries hold obs and info; `step` entries the action and the result. */
  kind: 'reset' | 'step';
  data: Record<string, unknown>;
}

/**
 * Check that `env` follows tfrl's `Env` contract (Gymnasium's API); throw an `EnvCheckError` on
 * the first hard problem. Checks, in order:
 *
 * - `api`: reset, step, render and close are functions.
 * - `spaces`: `observationSpace` and `actionSpace` are @tfrl/core Spaces whose `sample()` they
 *   contain; no empty Dict / Tuple. Warnings: a Box with low == high somewhere; an unbounded or
 *   non-normalized float action Box.
 * - `reset`: `reset()` and `reset({seed})` return `{obs, info}`, `info` a plain object, `obs` in
 *   `observationSpace` — including the typed array of the Box dtype (a Float64Array for a float32
 *   Box is an error), its length, bounds (with the index), and the Dict key at fault.
 * - `reset-options`: `reset({seed, options: {}})` works.
 * - `seeds`: `reset({seed})` throws for -1, 1.5, NaN and 2^32 and accepts 0 and 2^32 − 1.
 * - `reset-determinism`: `reset({seed})` twice gives identical observations (info: a warning).
 * - `step`: every `step()` returns `{obs, reward, terminated, truncated, info}` with `reward` a
 *   finite number, `terminated` / `truncated` booleans, `info` a plain object and `obs` in the space.
 * - `step-determinism`: the same seed and seeded action sequence (`actionSpace.sample`), over
 *   `steps` steps with unseeded resets after episode ends, gives identical obs, rewards, flags.
 * - `obs-aliasing` (warning only): a later `step()` does not overwrite or reuse the array of an
 *   observation returned earlier.
 * - `goal-reward`: for a goal env (Dict observation with observation / achieved_goal /
 *   desired_goal), `computeReward(achieved_goal, desired_goal, info)` equals the step's reward,
 *   including on a batch of two rows; a goal env without `computeReward` is a warning.
 * - `step-after-end`: after an episode ends, `step()` without `reset()` throws an Error (a warning
 *   if it does not, or if no episode ends within `episodeStepBudget` steps it is skipped).
 * - `render`: unless the declared render mode (`renderMode` / `render_mode` on the env or its
 *   spec kwargs) is null — tfrl envs render `'rgb_array'` by default — `render()` after reset and
 *   after a step returns `{width, height, data}` with `data` a Uint8Array (or Uint8ClampedArray) of
 *   `width * height * 3` (or `* 4`) bytes.
 */
export function checkEnv(env: Env<any, any>, options: CheckEnvOptions = {}): EnvCheckReport {
  const id = envIdOf(env);
  const who = `checkEnv(${id})`;
  const { seed, steps, budget } = readOptions(options, who);
  const c: Checker = new Checker(who, id, options);

  // --- api ------------------------------------------------------------------------------------
  if (env === null || typeof env !== 'object') c.fail('api', `expected an Env object, got ${describe(env)}`);
  for (const m of ['reset', 'step', 'render', 'close'] as const) {
    if (typeof (env as any)[m] !== 'function') c.fail('api', `env.${m} must be a function, got ${describe((env as any)[m])}`);
  }
  c.pass('api');

  // --- spaces ---------------------------------------------------------------------------------
  const obsSpace = c.call('spaces', 'reading env.observationSpace', () => env.observationSpace) as unknown;
  const actSpace = c.call('spaces', 'reading env.actionSpace', () => env.actionSpace) as unknown;
  const spaceRng = new Rng(seed);
  c.checkSpace(obsSpace, 'observationSpace', 'observation', spaceRng);
  c.checkSpace(actSpace, 'actionSpace', 'action', spaceRng);
  const os = obsSpace as Space<any>;
  const as = actSpace as Space<any>;
  c.pass('spaces');

  // --- reset ----------------------------------------------------------------------------------
  const checkReset = (res: unknown, call: string, check: EnvCheckName = 'reset'): { obs: unknown; info: Record<string, unknown> } => {
    if (Array.isArray(res)) c.fail(check, `${call} returned an Array (${formatValue(res)}); expected an object {obs, info}`);
    if (res === null || typeof res !== 'object') c.fail(check, `${call} returned ${describe(res)}; expected an object {obs, info}`);
    const r = res as Record<string, unknown>;
    for (const k of ['obs', 'info']) {
      if (!(k in r))
        c.fail(check, `${call} returned an object without '${k}' (keys: ${Object.keys(r).join(', ') || 'none'}); expected {obs, info}`);
    }
    if (!isPlainObject(r.info)) c.fail(check, `${call} returned info ${describe(r.info)}; expected a plain object`);
    const why = explainSpaceValue(os, r.obs);
    if (why !== null) c.fail(check, `${call} returned an observation that is not in observationSpace ${os}: ${why}`);
    return r as { obs: unknown; info: Record<string, unknown> };
  };
  const reset = (opts: { seed?: number; options?: Record<string, unknown> } | undefined, check: EnvCheckName = 'reset') => {
    const call = opts === undefined ? 'reset()' : `reset(${formatValue(opts)})`;
    return checkReset(
      c.call(check, call, () => (opts === undefined ? env.reset() : env.reset(opts))),
      call,
      check,
    );
  };
  reset(undefined);
  reset({ seed });
  c.pass('reset');

  reset({ seed, options: {} }, 'reset-options');
  c.pass('reset-options');

  // --- seeds ----------------------------------------------------------------------------------
  for (const bad of BAD_SEEDS) {
    let threw = false;
    try {
      env.reset({ seed: bad });
    } catch {
      threw = true;
    }
    if (!threw) {
      c.fail(
        'seeds',
        `reset({seed: ${seedText(bad)}}) returned normally; it must throw, since seeds are integers in [0, ${MAX_SEED}] (2^32 - 1)`,
      );
    }
  }
  for (const good of EDGE_SEEDS) reset({ seed: good }, 'seeds');
  c.pass('seeds');

  // --- reset determinism ----------------------------------------------------------------------
  if (options.skipDeterminismCheck) {
    c.skip('reset-determinism', 'skipDeterminismCheck is set');
  } else {
    const a = cloneData(reset({ seed }, 'reset-determinism'));
    const b = reset({ seed }, 'reset-determinism');
    const d = firstDifference(a.obs, b.obs);
    if (d !== null) {
      const close = firstDifference(a.obs, b.obs, 1e-5) === null;
      if (close) c.warn('reset-determinism', `reset({seed: ${seed}}) twice gave observations that are close but not identical (${d})`);
      else c.fail('reset-determinism', `reset({seed: ${seed}}) is not deterministic: two calls gave different observations (${d})`);
    }
    const di = firstDifference(a.info, b.info, 1e-5, 'info');
    if (di !== null) c.warn('reset-determinism', `reset({seed: ${seed}}) twice gave different info (${di})`);
    c.pass('reset-determinism');
  }

  // --- seeded rollouts: step API, determinism, aliasing, goal reward --------------------------
  const computeReward = findComputeReward(env);
  const isGoal = os instanceof Dict && GOAL_KEYS.every((k) => k in os.spaces);
  if (isGoal && computeReward === null) {
    c.warn(
      'goal-reward',
      `goal env (Dict observation with ${GOAL_KEYS.join(', ')}) has no computeReward(achieved, desired, info); HER needs it`,
    );
  }
  if (isGoal && computeReward !== null) {
    const dict = os as Dict;
    if (!dict.spaces.achieved_goal?.equals(dict.spaces.desired_goal as Space<any>)) {
      c.warn('goal-reward', `achieved_goal ${dict.spaces.achieved_goal} and desired_goal ${dict.spaces.desired_goal} spaces differ`);
    }
  }
  let aliasWarned = false;
  let goalChecked = 0;

  const checkStep = (res: unknown, call: string): Record<string, unknown> => {
    if (Array.isArray(res)) {
      c.fail('step', `${call} returned an Array (${formatValue(res)}); expected an object {obs, reward, terminated, truncated, info}`);
    }
    if (res === null || typeof res !== 'object') {
      c.fail('step', `${call} returned ${describe(res)}; expected an object {obs, reward, terminated, truncated, info}`);
    }
    const r = res as Record<string, unknown>;
    for (const k of ['obs', 'reward', 'terminated', 'truncated', 'info']) {
      if (!(k in r)) {
        const hint = k === 'terminated' && 'done' in r ? " (the old Gym API's 'done' is split into terminated and truncated)" : '';
        c.fail('step', `${call} returned an object without '${k}'${hint} (keys: ${Object.keys(r).join(', ') || 'none'})`);
      }
    }
    if (typeof r.reward !== 'number') c.fail('step', `${call} returned reward ${describe(r.reward)}; expected a finite number`);
    if (!Number.isFinite(r.reward)) c.fail('step', `${call} returned reward ${formatValue(r.reward)}; expected a finite number`);
    for (const k of ['terminated', 'truncated']) {
      if (typeof r[k] !== 'boolean') c.fail('step', `${call} returned ${k} = ${describe(r[k])}; expected a boolean (true or false)`);
    }
    if (!isPlainObject(r.info)) c.fail('step', `${call} returned info ${describe(r.info)}; expected a plain object`);
    const why = explainSpaceValue(os, r.obs);
    if (why !== null) c.fail('step', `${call} returned an observation that is not in observationSpace ${os}: ${why}`);
    return r;
  };

  const checkGoalReward = (r: Record<string, unknown>, call: string): void => {
    if (!isGoal || computeReward === null) return;
    const obs = r.obs as Record<string, ArrayLike<number>>;
    const ag = obs.achieved_goal as ArrayLike<number>;
    const dg = obs.desired_goal as ArrayLike<number>;
    const what = `computeReward(achieved_goal ${formatValue(ag)}, desired_goal ${formatValue(dg)}, info)`;
    const raw = c.call('goal-reward', `${what} after ${call}`, () => computeReward(ag, dg, r.info));
    const got = singleReward(raw);
    if (got === null) {
      c.fail('goal-reward', `${what} after ${call} returned ${describe(raw)}; expected a number or an array of one reward per goal row`);
    }
    if (!sameReward(got, r.reward as number)) {
      c.fail(
        'goal-reward',
        `${what} = ${formatValue(got)} but ${call} returned reward ${formatValue(r.reward)}; they must be equal for HER relabelling`,
      );
    }
    // Batched call (rows of goals), as HER relabels: [ag; dg] against [dg; dg].
    if (typeof raw !== 'number' && goalChecked === 0) {
      const batch = c.call('goal-reward', 'computeReward on a batch of 2 goal rows', () =>
        computeReward(concatRows(ag, dg), concatRows(dg, dg), [r.info, r.info]),
      );
      const same = singleReward(
        c.call('goal-reward', 'computeReward(desired_goal, desired_goal, info)', () => computeReward(dg, dg, r.info)),
      );
      const rows = batch as ArrayLike<number>;
      if (!(isTypedArray(batch) || Array.isArray(batch)) || rows.length !== 2) {
        c.fail('goal-reward', `computeReward on a batch of 2 goal rows returned ${describe(batch)}; expected 2 rewards (one per row)`);
      }
      if (!sameReward(rows[0] as number, got) || (same !== null && !sameReward(rows[1] as number, same))) {
        c.fail(
          'goal-reward',
          `computeReward on a batch of 2 goal rows returned ${formatValue(batch)}; expected [${formatValue(got)}, ${formatValue(same)}] (the rows computed one at a time)`,
        );
      }
    }
    goalChecked++;
  };

  /** Reset with `seed`, then `n` seeded random actions, resetting (unseeded) after each episode end. */
  const rollout = (n: number, validate: boolean): Trace[] => {
    const actRng = new Rng(seed);
    const trace: Trace[] = [];
    let first = reset({ seed }, 'step-determinism');
    trace.push({ kind: 'reset', data: cloneData({ obs: first.obs }) });
    let prevObs: unknown = first.obs;
    let prevCopy: unknown = cloneData(first.obs);
    for (let i = 0; i < n; i++) {
      const action = as.sample(actRng);
      const call = `step(${formatValue(action)}) (step ${i + 1} after reset({seed: ${seed}}))`;
      const r = checkStep(
        c.call('step', call, () => env.step(action)),
        call,
      );
      c.report.steps++;
      if (validate) {
        checkGoalReward(r, call);
        if (!aliasWarned) {
          const mutated = firstDifference(prevCopy, prevObs);
          const shared = mutated === null ? sharedBuffer(prevObs, r.obs) : null;
          if (mutated !== null || shared !== null) {
            aliasWarned = true;
            c.warn(
              'obs-aliasing',
              mutated !== null
                ? `${call} overwrote the observation returned by the previous call (${mutated}); return a fresh array (e.g. obs.slice()) so stored observations stay valid`
                : `${call} returned an observation sharing its buffer with the previous one (${shared}); return a fresh array (e.g. obs.slice()) so stored observations stay valid`,
            );
          }
        }
      }
      trace.push({
        kind: 'step',
        data: cloneData({ action, obs: r.obs, reward: r.reward, terminated: r.terminated, truncated: r.truncated, info: r.info }),
      });
      prevObs = r.obs;
      prevCopy = cloneData(r.obs);
      if (r.terminated || r.truncated) {
        if (i === n - 1) break;
        first = reset(undefined, 'step-determinism');
        trace.push({ kind: 'reset', data: cloneData({ obs: first.obs }) });
        prevObs = first.obs;
        prevCopy = cloneData(first.obs);
      }
    }
    return trace;
  };

  const traceA = rollout(steps, true);
  c.pass('step');
  if (!aliasWarned) c.pass('obs-aliasing');
  if (isGoal && computeReward !== null) c.pass('goal-reward');

  if (options.skipDeterminismCheck) {
    c.skip('step-determinism', 'skipDeterminismCheck is set');
  } else {
    const traceB = rollout(steps, false);
    let stepNo = 0;
    for (let i = 0; i < Math.max(traceA.length, traceB.length); i++) {
      const a = traceA[i];
      const b = traceB[i];
      if (a?.kind === 'step') stepNo++;
      const where =
        a?.kind === 'reset' ? (i === 0 ? `reset({seed: ${seed}})` : `the unseeded reset() after step ${stepNo}`) : `step ${stepNo}`;
      if (!a || !b || a.kind !== b.kind) {
        c.fail(
          'step-determinism',
          `the same seed (${seed}) and actions gave different episode ends: at ${where} the first run had ${a?.kind ?? 'nothing'}, the second ${b?.kind ?? 'nothing'}`,
        );
      }
      for (const key of a.kind === 'step' ? ['obs', 'reward', 'terminated', 'truncated'] : ['obs']) {
        const d = firstDifference(a.data[key], b.data[key], 0, key === 'obs' ? 'obs' : key);
        if (d === null) continue;
        const close = firstDifference(a.data[key], b.data[key], 1e-5, key) === null;
        const act = a.kind === 'step' ? ` (action ${formatValue(a.data.action)})` : '';
        const msg = `with seed ${seed} and the same seeded actions, ${where}${act} differs between two runs: ${d}`;
        if (close) c.warn('step-determinism', `${msg} (close, not identical)`);
        else c.fail('step-determinism', `${msg}; the env must draw all randomness from the generator seeded by reset({seed})`);
      }
      if (a.kind === 'step') {
        const di = firstDifference(a.data.info, b.data.info, 1e-5, 'info');
        if (di !== null) c.warn('step-determinism', `with seed ${seed}, step ${stepNo} returned different info in two runs (${di})`);
      }
    }
    c.pass('step-determinism');
  }

  // --- step after the end of an episode -------------------------------------------------------
  {
    const actRng = new Rng(seed + 1);
    reset({ seed }, 'step-after-end');
    let ended: string | null = null;
    let taken = 0;
    while (taken < budget) {
      const action = as.sample(actRng);
      const call = `step(${formatValue(action)}) (step ${taken + 1} after reset({seed: ${seed}}))`;
      const r = checkStep(
        c.call('step', call, () => env.step(action)),
        call,
      );
      c.report.steps++;
      taken++;
      if (r.terminated || r.truncated) {
        ended = r.terminated ? 'terminated' : 'truncated';
        break;
      }
    }
    if (ended === null) {
      c.skip('step-after-end', `no episode ended within ${budget} random steps (episodeStepBudget)`);
    } else {
      const action = as.sample(actRng);
      let error: unknown;
      let threw = false;
      try {
        env.step(action);
        c.report.steps++;
      } catch (e) {
        threw = true;
        error = e;
      }
      const when = `after the episode ended (${ended} at step ${taken})`;
      if (!threw) {
        c.warn(
          'step-after-end',
          `step() ${when} without reset() returned normally; it should throw an Error telling the caller to call reset()`,
        );
      } else if (!(error instanceof Error) || error.message.length === 0) {
        c.warn('step-after-end', `step() ${when} threw ${describe(error)}; throw an Error with a message that says to call reset()`);
      } else if (!/reset/i.test(error.message)) {
        c.warn('step-after-end', `step() ${when} threw "${error.message}"; the message should tell the caller to call reset()`);
      }
      c.pass('step-after-end');
    }
  }

  // --- render ---------------------------------------------------------------------------------
  if (options.skipRenderCheck) {
    c.skip('render', 'skipRenderCheck is set');
  } else {
    const mode = declaredRenderMode(env);
    if (mode === null) {
      c.skip('render', 'the render mode is null');
    } else if (mode !== undefined && mode !== 'rgb_array') {
      c.warn('render', `render mode ${formatValue(mode)} is not checked; tfrl envs render 'rgb_array' frames (RgbFrame)`);
      c.skip('render', `render mode ${formatValue(mode)}`);
    } else {
      reset({ seed }, 'render');
      c.checkFrame(
        c.call('render', `render() after reset({seed: ${seed}})`, () => env.render()),
        `render() after reset({seed: ${seed}})`,
      );
      const action = as.sample(new Rng(seed));
      checkStep(
        c.call('step', `step(${formatValue(action)})`, () => env.step(action)),
        `step(${formatValue(action)})`,
      );
      c.report.steps++;
      c.checkFrame(
        c.call('render', 'render() after a step', () => env.render()),
        'render() after a step',
      );
      c.pass('render');
    }
  }

  return c.report;
}

// ---------------------------------------------------------------------------------------------
// Parallel (multi-agent) envs

type ParallelStep = ReturnType<ParallelEnv<any, any>['step']>;

/**
 * Check that a multi-agent `ParallelEnv` follows PettingZoo's parallel API as tfrl defines it; the
 * checks mirror `checkEnv`'s, per agent (messages start with `checkParallelEnv(<env id>): `):
 *
 * - `api`: `possibleAgents` is a non-empty array of distinct strings; reset, step, render, close
 *   are functions.
 * - `spaces`: `observationSpace(agent)` / `actionSpace(agent)` are @tfrl/core Spaces for every
 *   possible agent.
 * - `reset`: `reset()` / `reset({seed})` return `{obs, infos}` with an observation (in the agent's
 *   space) and a plain-object info for every live agent, and at least one live agent.
 * - `reset-options`, `seeds`, `reset-determinism`: as `checkEnv`.
 * - `step`: `{obs, rewards, terminations, truncations, infos}` each with an entry for every agent
 *   that acted; finite rewards, boolean flags, observations in the spaces; finished agents leave
 *   `agents`.
 * - `step-determinism`, `obs-aliasing`, `step-after-end`, `render`: as `checkEnv`.
 */
export function checkParallelEnv(env: ParallelEnv<any, any>, options: CheckEnvOptions = {}): EnvCheckReport {
  const id = envIdOf(env);
  const who = `checkParallelEnv(${id})`;
  const { seed, steps, budget } = readOptions(options, who);
  const c: Checker = new Checker(who, id, options);

  // --- api ------------------------------------------------------------------------------------
  if (env === null || typeof env !== 'object') c.fail('api', `expected a ParallelEnv object, got ${describe(env)}`);
  for (const m of ['reset', 'step', 'render', 'close', 'observationSpace', 'actionSpace'] as const) {
    if (typeof (env as any)[m] !== 'function') c.fail('api', `env.${m} must be a function, got ${describe((env as any)[m])}`);
  }
  const possible = c.call('api', 'reading env.possibleAgents', () => env.possibleAgents) as unknown;
  if (!Array.isArray(possible) || possible.length === 0 || !possible.every((a) => typeof a === 'string')) {
    c.fail('api', `possibleAgents must be a non-empty array of agent names (strings), got ${describe(possible)}`);
  }
  const dup = possible.find((a, i) => possible.indexOf(a) !== i);
  if (dup !== undefined) c.fail('api', `possibleAgents lists ${JSON.stringify(dup)} twice`);
  const agentsNow = (): string[] => {
    const a = c.call('api', 'reading env.agents', () => env.agents) as unknown;
    if (!Array.isArray(a)) c.fail('api', `agents must be an array of agent names, got ${describe(a)}`);
    for (const name of a) {
      if (!possible.includes(name))
        c.fail('api', `agents contains ${formatValue(name)}, which is not in possibleAgents (${possible.join(', ')})`);
    }
    return [...a];
  };
  c.pass('api');

  // --- spaces ---------------------------------------------------------------------------------
  const obsSpaces = new Map<string, Space<any>>();
  const actSpaces = new Map<string, Space<any>>();
  const spaceRng = new Rng(seed);
  for (const agent of possible) {
    const o = c.call('spaces', `observationSpace(${JSON.stringify(agent)})`, () => env.observationSpace(agent)) as unknown;
    const a = c.call('spaces', `actionSpace(${JSON.stringify(agent)})`, () => env.actionSpace(agent)) as unknown;
    c.checkSpace(o, `observationSpace(${JSON.stringify(agent)})`, 'observation', spaceRng);
    c.checkSpace(a, `actionSpace(${JSON.stringify(agent)})`, 'action', spaceRng);
    obsSpaces.set(agent, o as Space<any>);
    actSpaces.set(agent, a as Space<any>);
  }
  c.pass('spaces');

  /** `rec` is a plain object with an entry for each of `agents`, each passing `test` (a reason or null). */
  const perAgent = (
    check: EnvCheckName,
    call: string,
    field: string,
    rec: unknown,
    agents: string[],
    test: (agent: string, v: unknown) => string | null,
  ) => {
    if (!isPlainObject(rec)) c.fail(check, `${call} returned ${field} ${describe(rec)}; expected a plain object keyed by agent`);
    for (const agent of agents) {
      if (!(agent in rec))
        c.fail(check, `${call} returned ${field} without agent ${JSON.stringify(agent)} (keys: ${Object.keys(rec).join(', ') || 'none'})`);
      const why = test(agent, rec[agent]);
      if (why !== null) c.fail(check, `${call} returned ${field}[${JSON.stringify(agent)}] ${why}`);
    }
    for (const k of Object.keys(rec)) {
      if (!agents.includes(k))
        c.fail(check, `${call} returned ${field} for ${JSON.stringify(k)}, which is not among the agents (${agents.join(', ')})`);
    }
  };
  const obsTest = (agent: string, v: unknown) => {
    const space = obsSpaces.get(agent) as Space<any>;
    const why = explainSpaceValue(space, v);
    return why === null ? null : `not in observationSpace(${JSON.stringify(agent)}) ${space}: ${why}`;
  };
  const infoTest = (_agent: string, v: unknown) => (isPlainObject(v) ? null : `= ${describe(v)}; expected a plain object`);

  // --- reset ----------------------------------------------------------------------------------
  const reset = (opts: { seed?: number; options?: Record<string, unknown> } | undefined, check: EnvCheckName = 'reset') => {
    const call = opts === undefined ? 'reset()' : `reset(${formatValue(opts)})`;
    const res = c.call(check, call, () => (opts === undefined ? env.reset() : env.reset(opts))) as unknown;
    if (res === null || typeof res !== 'object' || Array.isArray(res))
      c.fail(check, `${call} returned ${describe(res)}; expected an object {obs, infos}`);
    const r = res as Record<string, unknown>;
    for (const k of ['obs', 'infos']) {
      if (!(k in r))
        c.fail(check, `${call} returned an object without '${k}' (keys: ${Object.keys(r).join(', ') || 'none'}); expected {obs, infos}`);
    }
    const agents = agentsNow();
    if (agents.length === 0) c.fail(check, `after ${call}, agents is empty; expected at least one live agent`);
    perAgent(check, call, 'obs', r.obs, agents, obsTest);
    perAgent(check, call, 'infos', r.infos, agents, infoTest);
    return r as { obs: Record<string, unknown>; infos: Record<string, unknown> };
  };
  reset(undefined);
  reset({ seed });
  c.pass('reset');
  reset({ seed, options: {} }, 'reset-options');
  c.pass('reset-options');

  // --- seeds ----------------------------------------------------------------------------------
  for (const bad of BAD_SEEDS) {
    let threw = false;
    try {
      env.reset({ seed: bad });
    } catch {
      threw = true;
    }
    if (!threw) {
      c.fail(
        'seeds',
        `reset({seed: ${seedText(bad)}}) returned normally; it must throw, since seeds are integers in [0, ${MAX_SEED}] (2^32 - 1)`,
      );
    }
  }
  for (const good of EDGE_SEEDS) reset({ seed: good }, 'seeds');
  c.pass('seeds');

  // --- reset determinism ----------------------------------------------------------------------
  if (options.skipDeterminismCheck) {
    c.skip('reset-determinism', 'skipDeterminismCheck is set');
  } else {
    const a = cloneData(reset({ seed }, 'reset-determinism'));
    const b = reset({ seed }, 'reset-determinism');
    const d = firstDifference(a.obs, b.obs, 0, 'obs');
    if (d !== null) {
      if (firstDifference(a.obs, b.obs, 1e-5) === null)
        c.warn('reset-determinism', `reset({seed: ${seed}}) twice gave observations that are close but not identical (${d})`);
      else c.fail('reset-determinism', `reset({seed: ${seed}}) is not deterministic: two calls gave different observations (${d})`);
    }
    const di = firstDifference(a.infos, b.infos, 1e-5, 'infos');
    if (di !== null) c.warn('reset-determinism', `reset({seed: ${seed}}) twice gave different infos (${di})`);
    c.pass('reset-determinism');
  }

  // --- step -----------------------------------------------------------------------------------
  const sampleActions = (agents: string[], rng: Rng): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    for (const agent of agents) out[agent] = (actSpaces.get(agent) as Space<any>).sample(rng);
    return out;
  };
  const doStep = (actions: Record<string, unknown>, acting: string[], call: string): ParallelStep => {
    const res = c.call('step', call, () => env.step(actions)) as unknown;
    c.report.steps++;
    if (res === null || typeof res !== 'object' || Array.isArray(res)) {
      c.fail('step', `${call} returned ${describe(res)}; expected an object {obs, rewards, terminations, truncations, infos}`);
    }
    const r = res as Record<string, unknown>;
    for (const k of ['obs', 'rewards', 'terminations', 'truncations', 'infos']) {
      if (!(k in r)) c.fail('step', `${call} returned an object without '${k}' (keys: ${Object.keys(r).join(', ') || 'none'})`);
    }
    perAgent('step', call, 'obs', r.obs, acting, obsTest);
    perAgent('step', call, 'rewards', r.rewards, acting, (_a, v) =>
      typeof v === 'number' && Number.isFinite(v) ? null : `= ${describe(v)}; expected a finite number`,
    );
    for (const k of ['terminations', 'truncations']) {
      perAgent('step', call, k, r[k], acting, (_a, v) =>
        typeof v === 'boolean' ? null : `= ${describe(v)}; expected a boolean (true or false)`,
      );
    }
    perAgent('step', call, 'infos', r.infos, acting, infoTest);
    const out = r as unknown as ParallelStep;
    const alive = agentsNow();
    for (const agent of acting) {
      const done = out.terminations[agent] || out.truncations[agent];
      if (done && alive.includes(agent))
        c.fail('step', `after ${call}, agent ${JSON.stringify(agent)} is done but still in agents (${alive.join(', ')})`);
    }
    return out;
  };

  let aliasWarned = false;
  const rollout = (n: number, validate: boolean): Trace[] => {
    const actRng = new Rng(seed);
    const trace: Trace[] = [];
    let first = reset({ seed }, 'step-determinism');
    trace.push({ kind: 'reset', data: cloneData({ obs: first.obs }) });
    let prevObs: unknown = first.obs;
    let prevCopy: unknown = cloneData(first.obs);
    for (let i = 0; i < n; i++) {
      const acting = agentsNow();
      const actions = sampleActions(acting, actRng);
      const call = `step(${formatValue(actions)}) (step ${i + 1} after reset({seed: ${seed}}))`;
      const r = doStep(actions, acting, call);
      if (validate && !aliasWarned) {
        const mutated = firstDifference(prevCopy, prevObs, 0, 'obs');
        const shared = mutated === null ? sharedBuffer(prevObs, r.obs) : null;
        if (mutated !== null || shared !== null) {
          aliasWarned = true;
          c.warn(
            'obs-aliasing',
            mutated !== null
              ? `${call} overwrote an observation returned by the previous call (${mutated}); return fresh arrays so stored observations stay valid`
              : `${call} returned an observation sharing its buffer with the previous one (${shared}); return fresh arrays so stored observations stay valid`,
          );
        }
      }
      trace.push({ kind: 'step', data: cloneData({ actions, ...r }) });
      prevObs = r.obs;
      prevCopy = cloneData(r.obs);
      if (agentsNow().length === 0) {
        if (i === n - 1) break;
        first = reset(undefined, 'step-determinism');
        trace.push({ kind: 'reset', data: cloneData({ obs: first.obs }) });
        prevObs = first.obs;
        prevCopy = cloneData(first.obs);
      }
    }
    return trace;
  };

  const traceA = rollout(steps, true);
  c.pass('step');
  if (!aliasWarned) c.pass('obs-aliasing');

  if (options.skipDeterminismCheck) {
    c.skip('step-determinism', 'skipDeterminismCheck is set');
  } else {
    const traceB = rollout(steps, false);
    let stepNo = 0;
    for (let i = 0; i < Math.max(traceA.length, traceB.length); i++) {
      const a = traceA[i];
      const b = traceB[i];
      if (a?.kind === 'step') stepNo++;
      const where =
        a?.kind === 'reset' ? (i === 0 ? `reset({seed: ${seed}})` : `the unseeded reset() after step ${stepNo}`) : `step ${stepNo}`;
      if (!a || !b || a.kind !== b.kind) {
        c.fail(
          'step-determinism',
          `the same seed (${seed}) and actions gave different episode ends: at ${where} the first run had ${a?.kind ?? 'nothing'}, the second ${b?.kind ?? 'nothing'}`,
        );
      }
      for (const key of a.kind === 'step' ? ['obs', 'rewards', 'terminations', 'truncations'] : ['obs']) {
        const d = firstDifference(a.data[key], b.data[key], 0, key);
        if (d === null) continue;
        const msg = `with seed ${seed} and the same seeded actions, ${where} differs between two runs: ${d}`;
        if (firstDifference(a.data[key], b.data[key], 1e-5) === null) c.warn('step-determinism', `${msg} (close, not identical)`);
        else c.fail('step-determinism', `${msg}; the env must draw all randomness from the generator seeded by reset({seed})`);
      }
    }
    c.pass('step-determinism');
  }

  // --- step after the end ---------------------------------------------------------------------
  {
    const actRng = new Rng(seed + 1);
    reset({ seed }, 'step-after-end');
    let taken = 0;
    let last: Record<string, unknown> = {};
    while (taken < budget && agentsNow().length > 0) {
      const acting = agentsNow();
      last = { ...last, ...sampleActions(acting, actRng) };
      const actions = Object.fromEntries(acting.map((a) => [a, last[a]]));
      doStep(actions, acting, `step(${formatValue(actions)}) (step ${taken + 1} after reset({seed: ${seed}}))`);
      taken++;
    }
    if (agentsNow().length > 0) {
      c.skip('step-after-end', `the episode did not end within ${budget} random steps (episodeStepBudget)`);
    } else {
      let threw = false;
      let error: unknown;
      try {
        env.step(last as Record<string, any>);
        c.report.steps++;
      } catch (e) {
        threw = true;
        error = e;
      }
      const when = `after every agent finished (step ${taken})`;
      if (!threw) {
        c.warn(
          'step-after-end',
          `step() ${when} without reset() returned normally; it should throw an Error telling the caller to call reset()`,
        );
      } else if (!(error instanceof Error) || error.message.length === 0) {
        c.warn('step-after-end', `step() ${when} threw ${describe(error)}; throw an Error with a message that says to call reset()`);
      } else if (!/reset/i.test(error.message)) {
        c.warn('step-after-end', `step() ${when} threw "${error.message}"; the message should tell the caller to call reset()`);
      }
      c.pass('step-after-end');
    }
  }

  // --- render ---------------------------------------------------------------------------------
  if (options.skipRenderCheck) {
    c.skip('render', 'skipRenderCheck is set');
  } else {
    const mode = declaredRenderMode(env);
    if (mode === null) {
      c.skip('render', 'the render mode is null');
    } else if (mode !== undefined && mode !== 'rgb_array') {
      c.warn('render', `render mode ${formatValue(mode)} is not checked; tfrl envs render 'rgb_array' frames (RgbFrame)`);
      c.skip('render', `render mode ${formatValue(mode)}`);
    } else {
      reset({ seed }, 'render');
      c.checkFrame(
        c.call('render', `render() after reset({seed: ${seed}})`, () => env.render()),
        `render() after reset({seed: ${seed}})`,
      );
      const acting = agentsNow();
      doStep(sampleActions(acting, new Rng(seed)), acting, 'step() before render()');
      c.checkFrame(
        c.call('render', 'render() after a step', () => env.render()),
        'render() after a step',
      );
      c.pass('render');
    }
  }

  return c.report;
}
