/**
 * Kwarg spellings shared by `make` and `makeParallel`. A registration's kwargs keep the names it
 * registers (tfrl's camelCase, or the reference's snake_case where tfrl follows it, e.g.
 * LunarLander's `enable_wind` and PettingZoo's `local_ratio`); each is also accepted in the other
 * case style, so Gymnasium / PettingZoo code (`is_slippery`, `goal_velocity`) and tfrl code
 * (`isSlippery`, `goalVelocity`) both work, plus any explicit alias the registration lists.
 */

import { camelToSnake, closestName, formatValue, snakeToCamel } from '@tfrl/core';

export interface KwargNames {
  /** Every accepted spelling → the registered name. */
  readonly lookup: ReadonlyMap<string, string>;
  /** Registered name → its other accepted spellings, in a stable order. */
  readonly spellings: ReadonlyMap<string, readonly string[]>;
}

/** The accepted spellings of `registered` names plus `aliases` (alias → registered name). */
export function kwargNames(registered: readonly string[], aliases: Readonly<Record<string, string>> = {}): KwargNames {
  const lookup = new Map<string, string>();
  const spellings = new Map<string, string[]>();
  for (const name of registered) {
    lookup.set(name, name);
    spellings.set(name, []);
  }
  const add = (spelling: string, name: string) => {
    if (lookup.has(spelling)) return; // a registered name, or already an alias of one
    lookup.set(spelling, name);
    spellings.get(name)?.push(spelling);
  };
  for (const [alias, name] of Object.entries(aliases)) {
    if (!lookup.has(name) || lookup.get(name) !== name) {
      throw new Error(`kwarg alias '${alias}' names '${name}', which is not a registered kwarg (${registered.join(', ')})`);
    }
    if (lookup.has(alias)) throw new Error(`kwarg alias '${alias}' is already a kwarg name`);
    add(alias, name);
  }
  for (const name of registered) {
    // Only real case-style variants: `N` does not become `n`, `g` stays `g`.
    if (name.includes('_')) add(snakeToCamel(name), name);
    const snake = camelToSnake(name);
    if (snake.includes('_') && !name.includes('_')) add(snake, name);
  }
  return { lookup, spellings };
}

/** `a (or a_b), c`: every registered name with its other spellings, for error messages. */
export function describeKwargs(names: KwargNames): string {
  return [...names.spellings].map(([name, others]) => (others.length > 0 ? `${name} (or ${others.join(', ')})` : name)).join(', ');
}

export interface KwargErrors {
  unknown(key: string, value: unknown, suggestion: string | undefined): Error;
  twice(name: string, first: string, second: string): Error;
}

/**
 * `kwargs` keyed by registered names. A name the registration does not accept, or one kwarg given
 * under two spellings, throws the error `errors` builds; a non-object throws a TypeError naming
 * `who`. Keys whose value is `undefined` count as given.
 */
export function canonicalKwargs(
  who: string,
  kwargs: Record<string, unknown>,
  names: KwargNames,
  errors: KwargErrors,
): Record<string, unknown> {
  if (typeof kwargs !== 'object' || kwargs === null || Array.isArray(kwargs)) {
    throw new TypeError(`${who}: kwargs must be an object of named values, got ${formatValue(kwargs)}`);
  }
  const out: Record<string, unknown> = {};
  const givenAs = new Map<string, string>();
  for (const [key, value] of Object.entries(kwargs)) {
    const name = names.lookup.get(key);
    if (name === undefined) throw errors.unknown(key, value, closestName(key, [...names.lookup.keys()]));
    const first = givenAs.get(name);
    if (first !== undefined) throw errors.twice(name, first, key);
    givenAs.set(name, key);
    out[name] = value;
  }
  return out;
}

/** `value` when it is a boolean, `fallback` when undefined; anything else throws a TypeError naming `who` and `name`. */
export function booleanOption(who: string, name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new TypeError(`${who}: ${name} must be a boolean, got ${formatValue(value)}`);
  return value;
}
