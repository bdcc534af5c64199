/**
 * Registry of the multi-agent (parallel) envs: `makeParallel('simple_spread_v3', {N: 4})`.
 * Kwargs use PettingZoo's names (`N`, `local_ratio`, `max_cycles`, `continuous_actions`, …) plus
 * tfrl's `legacy`, `clip_actions`, `strict`, `render_size`; the camelCase spellings are accepted
 * too (one kwarg under both spellings is an error), as `make` does.
 */

import { formatValue, setParallelEnvResolver } from '@tfrl/core';
import { type KwargNames, canonicalKwargs, describeKwargs, kwargNames } from '../kwargs';
import type { ParticleEnv } from './particle-env';
import { SimpleAdversaryEnv, SimpleSpreadEnv, SimpleTagEnv } from './scenarios';

export interface ParallelEnvRegistration {
  id: string;
  /** Default kwargs (PettingZoo names); their keys are the kwargs `makeParallel` accepts. */
  kwargs: Record<string, unknown>;
  entryPoint: (kwargs: Record<string, unknown>) => ParticleEnv;
}

/**
 * `clip_actions: true` + `strict: false` (the defaults): out-of-range continuous actions are clipped
 * with one warning per env, as MPE2; `strict: true` (or `clip_actions: false`) raises instead.
 */
const COMMON = { max_cycles: 25, continuous_actions: false, legacy: false, clip_actions: true, strict: false, render_size: 700 };

function common(k: Record<string, unknown>) {
  return {
    maxCycles: k.max_cycles as number,
    continuousActions: k.continuous_actions as boolean,
    legacy: k.legacy as boolean,
    // The default clip_actions: true yields to strict: true (both given as true is refused in makeParallel).
    clipActions: (k.clip_actions as boolean) && !(k.strict as boolean),
    strict: k.strict as boolean,
    renderSize: k.render_size as number,
  };
}

const registry = new Map<string, ParallelEnvRegistration>();
const namesOf = new Map<string, KwargNames>();

export function registerParallel(reg: ParallelEnvRegistration): void {
  if (registry.has(reg.id)) throw new Error(`registerParallel: ${JSON.stringify(reg.id)} is already registered`);
  namesOf.set(reg.id, kwargNames(Object.keys(reg.kwargs)));
  registry.set(reg.id, reg);
}

registerParallel({
  id: 'simple_spread_v3',
  kwargs: { N: 3, local_ratio: 0.5, ...COMMON },
  entryPoint: (k) => new SimpleSpreadEnv({ ...common(k), N: k.N as number, localRatio: k.local_ratio as number }),
});
registerParallel({
  id: 'simple_adversary_v3',
  kwargs: { N: 2, ...COMMON },
  entryPoint: (k) => new SimpleAdversaryEnv({ ...common(k), N: k.N as number }),
});
registerParallel({
  id: 'simple_tag_v3',
  kwargs: { num_good: 1, num_adversaries: 3, num_obstacles: 2, ...COMMON },
  entryPoint: (k) =>
    new SimpleTagEnv({
      ...common(k),
      numGood: k.num_good as number,
      numAdversaries: k.num_adversaries as number,
      numObstacles: k.num_obstacles as number,
    }),
});

/**
 * Build a registered parallel env; unknown ids or kwargs are errors that name them. Kwargs are
 * accepted under PettingZoo's names and in camelCase; one kwarg under both spellings is an error.
 */
export function makeParallel(id: string, kwargs: Record<string, unknown> = {}): ParticleEnv {
  const reg = registry.get(id);
  if (!reg) throw new Error(`makeParallel: unknown env id ${JSON.stringify(id)} (registered: ${listParallelEnvs().join(', ')})`);
  const names = namesOf.get(id) as KwargNames;
  const given = canonicalKwargs(`makeParallel(${id})`, kwargs, names, {
    unknown: (key, value, suggestion) =>
      new Error(
        `makeParallel(${id}): unknown kwarg ${JSON.stringify(key)} = ${formatValue(value)} (accepted: ${describeKwargs(names)})` +
          (suggestion ? `; did you mean ${JSON.stringify(suggestion)}?` : ''),
      ),
    twice: (name, first, second) =>
      new Error(
        `makeParallel(${id}): kwarg ${JSON.stringify(name)} is given twice, as ${JSON.stringify(first)} and as ${JSON.stringify(second)}; pass only one of them`,
      ),
  });
  const spelled = (name: string) => Object.keys(kwargs).find((k) => names.lookup.get(k) === name) ?? name;
  for (const [name, value] of Object.entries(given)) {
    const def = reg.kwargs[name];
    if (typeof value !== typeof def) {
      throw new TypeError(`makeParallel(${id}): kwarg ${JSON.stringify(spelled(name))} must be a ${typeof def}, got ${formatValue(value)}`);
    }
  }
  if (given.strict === true && given.clip_actions === true) {
    throw new Error(
      `makeParallel(${id}): ${JSON.stringify(spelled('strict'))}: true and ${JSON.stringify(spelled('clip_actions'))}: true contradict each other (strict raises on out-of-range actions)`,
    );
  }
  return reg.entryPoint({ ...reg.kwargs, ...given });
}

export function listParallelEnvs(): string[] {
  return [...registry.keys()].sort();
}

// Multi-agent learners resolve ids (`new MADDPG({env: 'simple_spread_v3'})`) through this registry.
setParallelEnvResolver((id) => makeParallel(id));
