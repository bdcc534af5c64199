/**
 * Hyperparameter schemas: one typed, validated object per algorithm with documented
 * defaults. Unknown or out-of-range fields are errors that name the field.
 *
 * ```ts
 * const schema = defineHyperparameters({
 *   learningRate: { type: 'schedule', default: 3e-4, exclusiveMin: 0, doc: 'Adam step size' },
 *   nSteps: { type: 'integer', default: 2048, min: 1, doc: 'steps per env per rollout' },
 * });
 * const hp = resolveHyperparameters(schema, { learning_rate: 'lin_1e-3' }, 'PPO');
 * ```
 *
 * snake_case names (RL-Zoo YAML) are accepted as aliases of the camelCase fields.
 */
import { parseSchedule, type Schedule } from './schedules';

export type HyperparameterType =
  | 'number'
  | 'integer'
  | 'boolean'
  | 'string'
  | 'enum'
  | 'number[]'
  | 'schedule'
  | 'object'
  | 'frequency'
  | 'class';

/**
 * A training frequency (SB3's `train_freq`): a positive integer of env steps, or
 * `[n, 'step' | 'episode']`. Strings `"4"` and `"1 episode"` are accepted too.
 */
export type Frequency = number | [number, 'step' | 'episode'];

/**
 * A class given by name or by itself (SB3's `replay_buffer_class`). A class is stored as its static
 * `registeredName`, so the value survives a checkpoint; the owner resolves the name.
 */
export type ClassSpec = string | (abstract new (...args: any[]) => unknown) | ((...args: any[]) => unknown);

/**
 * A schedule as given by a user: a constant, an RL-Zoo string (`'lin_0.001'`), or a
 * function of `progressRemaining` (1 → 0). Strings and numbers survive a checkpoint;
 * functions cannot be serialised and must be given again at load time.
 */
export type ScheduleSpec = number | string | Schedule;

export interface HyperparameterSpec {
  type: HyperparameterType;
  default: unknown;
  doc: string;
  /** Inclusive bounds (numbers, integers, elements of `number[]`, constant schedules). */
  min?: number;
  max?: number;
  /** Exclusive bounds. */
  exclusiveMin?: number;
  exclusiveMax?: number;
  /** Allowed values of an `enum`. */
  values?: readonly (string | number | boolean)[];
  /** `null` is allowed (e.g. an optional target KL). A `null` default implies this. */
  nullable?: boolean;
}

export type HyperparameterSchema = Record<string, HyperparameterSpec>;

type BaseValue<S extends HyperparameterSpec> = S['type'] extends 'number' | 'integer'
  ? number
  : S['type'] extends 'boolean'
    ? boolean
    : S['type'] extends 'string'
      ? string
      : S['type'] extends 'enum'
        ? S['values'] extends readonly (infer V)[]
          ? V
          : string
        : S['type'] extends 'number[]'
          ? number[]
          : S['type'] extends 'schedule'
            ? ScheduleSpec
            : S['type'] extends 'object'
              ? Record<string, unknown>
              : S['type'] extends 'frequency'
                ? Frequency
                : S['type'] extends 'class'
                  ? string
                  : unknown;

export type HyperparameterValue<S extends HyperparameterSpec> = S['nullable'] extends true
  ? BaseValue<S> | null
  : S['default'] extends null
    ? BaseValue<S> | null
    : BaseValue<S>;

/** The resolved, validated hyperparameters of a schema. */
export type ResolvedHyperparameters<S extends HyperparameterSchema> = {
  [K in keyof S]: HyperparameterValue<S[K]>;
};

/** What a user may pass: any subset of the fields (camelCase; snake_case aliases are accepted at run time). */
export type HyperparameterInput<S extends HyperparameterSchema> = {
  [K in keyof S]?: S[K]['type'] extends 'class' ? ClassSpec | null : HyperparameterValue<S[K]>;
};

/**
 * Declare a schema. Returns it unchanged (typed with literal types, so resolved values get
 * precise types, e.g. an enum's union). Checks the defaults against their own specs.
 */
export function defineHyperparameters<const S extends HyperparameterSchema>(schema: S): S {
  for (const [name, spec] of Object.entries(schema)) {
    if (!spec || typeof spec !== 'object' || !KNOWN_TYPES.has(spec.type)) {
      throw new TypeError(
        `defineHyperparameters: field "${name}" has an unknown type ${JSON.stringify(spec?.type)} (valid: ${[...KNOWN_TYPES].join(', ')})`,
      );
    }
    if (spec.type === 'enum' && (!Array.isArray(spec.values) || spec.values.length === 0)) {
      throw new TypeError(`defineHyperparameters: enum field "${name}" needs a non-empty "values" list`);
    }
    // The default must be valid itself; this catches schema typos early.
    validateValue('defineHyperparameters', name, spec, spec.default);
  }
  return schema;
}

const KNOWN_TYPES: ReadonlySet<string> = new Set<HyperparameterType>([
  'number',
  'integer',
  'boolean',
  'string',
  'enum',
  'number[]',
  'schedule',
  'object',
  'frequency',
  'class',
]);

/** `learning_rate` → `learningRate`; camelCase names are returned unchanged. */
export function snakeToCamel(name: string): string {
  return name.replace(/_+([a-zA-Z0-9])/g, (_m, c: string) => c.toUpperCase());
}

/** `learningRate` → `learning_rate`. */
export function camelToSnake(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
}

function levenshtein(a: string, b: string): number {
  const prev = new Array<number>(b.length + 1);
  for (let j = 0; j <= b.length; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0] as number;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j] as number;
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      prev[j] = Math.min((prev[j] as number) + 1, (prev[j - 1] as number) + 1, diag + cost);
      diag = tmp;
    }
  }
  return prev[b.length] as number;
}

/** The closest of `candidates` to `name` (ignoring case and underscores), if reasonably close. */
export function closestName(name: string, candidates: readonly string[]): string | undefined {
  const norm = (s: string) => s.replace(/_/g, '').toLowerCase();
  const n = norm(name);
  let best: string | undefined;
  let bestD = Number.POSITIVE_INFINITY;
  for (const c of candidates) {
    const d = levenshtein(n, norm(c));
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  const tolerance = Math.max(2, Math.floor(n.length / 3));
  return bestD <= tolerance ? best : undefined;
}

function show(value: unknown): string {
  if (typeof value === 'function') return '<function>';
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === undefined) return 'undefined';
  if (typeof value === 'number') return String(value);
  try {
    const s = JSON.stringify(value);
    return s.length > 80 ? `${s.slice(0, 77)}...` : s;
  } catch {
    return String(value);
  }
}

function rangeText(spec: HyperparameterSpec): string {
  const parts: string[] = [];
  if (spec.min !== undefined) parts.push(`>= ${spec.min}`);
  if (spec.exclusiveMin !== undefined) parts.push(`> ${spec.exclusiveMin}`);
  if (spec.max !== undefined) parts.push(`<= ${spec.max}`);
  if (spec.exclusiveMax !== undefined) parts.push(`< ${spec.exclusiveMax}`);
  return parts.join(' and ');
}

/** Human-readable expected type of a field, e.g. `an integer >= 1`. */
export function describeHyperparameterType(spec: HyperparameterSpec): string {
  const range = rangeText(spec);
  const r = range ? ` ${range}` : '';
  let s: string;
  switch (spec.type) {
    case 'number':
      s = `a finite number${r}`;
      break;
    case 'integer':
      s = `an integer${r}`;
      break;
    case 'boolean':
      s = 'a boolean';
      break;
    case 'string':
      s = 'a string';
      break;
    case 'enum':
      s = `one of ${(spec.values ?? []).map((v) => JSON.stringify(v)).join(', ')}`;
      break;
    case 'number[]':
      s = `an array of finite numbers${range ? ` (each ${range})` : ''}`;
      break;
    case 'schedule':
      s = `a number${r}, a schedule string like "lin_0.001", or a function of progressRemaining`;
      break;
    case 'object':
      s = 'a plain object';
      break;
    case 'frequency':
      s = `a positive integer of steps or [n, "step" | "episode"]`;
      break;
    case 'class':
      s = 'a registered class or its name';
      break;
  }
  return spec.nullable || spec.default === null ? `${s} or null` : s;
}

function checkRange(spec: HyperparameterSpec, x: number): boolean {
  if (spec.min !== undefined && x < spec.min) return false;
  if (spec.max !== undefined && x > spec.max) return false;
  if (spec.exclusiveMin !== undefined && x <= spec.exclusiveMin) return false;
  if (spec.exclusiveMax !== undefined && x >= spec.exclusiveMax) return false;
  return true;
}

const NUMERIC = /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/;

function isPlainObject(x: unknown): x is Record<string, unknown> {
  if (x === null || typeof x !== 'object' || Array.isArray(x)) return false;
  const proto = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
}

function deepCopy<T>(x: T): T {
  if (Array.isArray(x)) return x.map(deepCopy) as T;
  if (isPlainObject(x)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(x)) out[k] = deepCopy(v);
    return out as T;
  }
  return x;
}

/**
 * Check (and lightly coerce: numeric strings to numbers, `"true"`/`"false"` to booleans,
 * typed arrays to arrays) one value; throws an Error naming the field, the expected type
 * and the value.
 */
function validateValue(owner: string, name: string, spec: HyperparameterSpec, value: unknown): unknown {
  const fail = (): never => {
    throw new Error(`${owner}: hyperparameter "${name}" must be ${describeHyperparameterType(spec)}, got ${show(value)}`);
  };
  if (value === null) {
    if (spec.nullable || spec.default === null) return null;
    fail();
  }
  switch (spec.type) {
    case 'number':
    case 'integer': {
      let x = value;
      if (typeof x === 'string' && NUMERIC.test(x)) x = Number(x);
      if (typeof x !== 'number' || !Number.isFinite(x)) return fail();
      if (spec.type === 'integer' && !Number.isInteger(x)) return fail();
      if (!checkRange(spec, x)) return fail();
      return x;
    }
    case 'boolean':
      if (typeof value === 'boolean') return value;
      if (value === 'true') return true;
      if (value === 'false') return false;
      return fail();
    case 'string':
      return typeof value === 'string' ? value : fail();
    case 'enum':
      return (spec.values ?? []).includes(value as string) ? value : fail();
    case 'number[]': {
      const arr = ArrayBuffer.isView(value) ? Array.from(value as unknown as ArrayLike<number>) : value;
      if (!Array.isArray(arr)) return fail();
      for (const x of arr) if (typeof x !== 'number' || !Number.isFinite(x) || !checkRange(spec, x)) return fail();
      return [...arr];
    }
    case 'schedule': {
      if (typeof value === 'function') return value;
      if (typeof value === 'number') {
        if (!Number.isFinite(value) || !checkRange(spec, value)) return fail();
        return value;
      }
      if (typeof value === 'string') {
        let fn: Schedule;
        try {
          fn = parseSchedule(value);
        } catch {
          return fail();
        }
        // Constant strings are stored as numbers; the start value of others must be in range.
        const start = fn(1);
        if (!checkRange(spec, start)) return fail();
        return NUMERIC.test(value) ? Number(value) : value.trim();
      }
      return fail();
    }
    case 'object':
      return isPlainObject(value) ? deepCopy(value) : fail();
    case 'frequency': {
      let v: unknown = value;
      if (typeof v === 'string') {
        const m = /^\s*(\d+)\s*(steps?|episodes?)?\s*$/.exec(v);
        if (!m) return fail();
        v = m[2] ? [Number(m[1]), m[2].startsWith('episode') ? 'episode' : 'step'] : Number(m[1]);
      }
      if (Array.isArray(v)) {
        if (v.length !== 2 || (v[1] !== 'step' && v[1] !== 'episode')) return fail();
        const n = typeof v[0] === 'string' && NUMERIC.test(v[0]) ? Number(v[0]) : v[0];
        if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) return fail();
        return v[1] === 'step' ? n : [n, 'episode'];
      }
      return typeof v === 'number' && Number.isInteger(v) && v >= 1 ? v : fail();
    }
    case 'class': {
      if (typeof value === 'string' && value !== '') return value;
      const name = typeof value === 'function' ? (value as { registeredName?: unknown }).registeredName : undefined;
      return typeof name === 'string' ? name : fail();
    }
  }
  return fail();
}

/**
 * Validate `given` against `schema` and fill in defaults.
 * @param algoName prefixes error messages (`PPO: unknown hyperparameter "lerning_rate" ...`).
 * `undefined` values count as not given.
 */
export function resolveHyperparameters<S extends HyperparameterSchema>(
  schema: S,
  given: Record<string, unknown> | undefined,
  algoName: string,
): ResolvedHyperparameters<S> {
  const names = Object.keys(schema);
  const out: Record<string, unknown> = {};
  const seenFrom: Record<string, string> = {};
  for (const [key, value] of Object.entries(given ?? {})) {
    if (value === undefined) continue;
    let field = key;
    if (!Object.hasOwn(schema, field)) {
      const camel = snakeToCamel(key);
      if (Object.hasOwn(schema, camel)) field = camel;
    }
    if (!Object.hasOwn(schema, field)) {
      const guess = closestName(key, names);
      const hint = guess ? `did you mean "${guess}"? ` : '';
      throw new Error(`${algoName}: unknown hyperparameter "${key}" (${hint}valid: ${names.join(', ')})`);
    }
    if (seenFrom[field] !== undefined) {
      throw new Error(`${algoName}: hyperparameter "${field}" given twice (as "${seenFrom[field]}" and "${key}")`);
    }
    seenFrom[field] = key;
    out[field] = validateValue(algoName, field, schema[field] as HyperparameterSpec, value);
  }
  for (const name of names) {
    if (!Object.hasOwn(out, name)) out[name] = deepCopy((schema[name] as HyperparameterSpec).default);
  }
  return out as ResolvedHyperparameters<S>;
}

/** A resolved `frequency` as a count and a unit. */
export function frequencyOf(f: Frequency): { n: number; unit: 'step' | 'episode' } {
  return typeof f === 'number' ? { n: f, unit: 'step' } : { n: f[0], unit: f[1] };
}

/** The function of `progressRemaining` for a resolved schedule field. */
export function scheduleFromSpec(spec: ScheduleSpec): Schedule {
  if (typeof spec === 'function') return spec;
  return parseSchedule(spec);
}

/** The defaults of a schema as a plain object. */
export function hyperparameterDefaults<S extends HyperparameterSchema>(schema: S): ResolvedHyperparameters<S> {
  return resolveHyperparameters(schema, {}, 'defaults');
}

/** A plain-text table of a schema (name, type, default, doc), for `--help` output. */
export function describeHyperparameters(schema: HyperparameterSchema): string {
  const rows = Object.entries(schema).map(([name, spec]) => [name, describeHyperparameterType(spec), show(spec.default), spec.doc]);
  const widths = [0, 1, 2].map((i) => Math.max(...rows.map((r) => (r[i] as string).length), 0));
  return rows
    .map((r) =>
      r
        .map((c, i) => (i < 3 ? c.padEnd(widths[i] as number) : c))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
