/**
 * Registry of the multi-agent (parallel) envs: `makeParallel('simple_spread_v3', {N: 4})`.
 * Kwargs use PettingZoo's names (`N`, `local_ratio`, `max_cycles`, `continuous_actions`, …) plus
 * tfrl's `legacy`, `clip_actions`, `render_size`; the camelCase spellings are accepted too.
 */

import { formatValue, setParallelEnvResolver } from '@tfrl/core';
import type { ParticleEnv } from './particle-env';
import { SimpleAdversaryEnv, SimpleSpreadEnv, SimpleTagEnv } from './scenarios';

export interface ParallelEnvRegistration {
  id: string;
  /** Default kwargs (PettingZoo names); their keys are the kwargs `makeParallel` accepts. */
  kwargs: Record<string, unknown>;
  entryPoint: (kwargs: Record<string, unknown>) => ParticleEnv;
}

const COMMON = { max_cycles: 25, continuous_actions: false, legacy: false, clip_actions: false, render_size: 700 };

function common(k: Record<string, unknown>) {
  return {
    maxCycles: k.max_cycles as number,
    continuousActions: k.continuous_actions as boolean,
    legacy: k.legacy as boolean,
    clipActions: k.clip_actions as boolean,
    renderSize: k.render_size as number,
  };
}

const registry = new Map<string, ParallelEnvRegistration>();

export function registerParallel(reg: ParallelEnvRegistration): void {
  if (registry.has(reg.id)) throw new Error(`registerParallel: ${JSON.stringify(reg.id)} is already registered`);
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

const snake = (s: string) => s.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** Build a registered parallel env; unknown ids or kwargs are errors that name them. */
export function makeParallel(id: string, kwargs: Record<string, unknown> = {}): ParticleEnv {
  const reg = registry.get(id);
  if (!reg) throw new Error(`makeParallel: unknown env id ${JSON.stringify(id)} (registered: ${listParallelEnvs().join(', ')})`);
  const merged: Record<string, unknown> = { ...reg.kwargs };
  for (const [key, value] of Object.entries(kwargs)) {
    const name = key in reg.kwargs ? key : snake(key);
    if (!(name in reg.kwargs)) {
      throw new Error(
        `makeParallel(${id}): unknown kwarg ${JSON.stringify(key)} = ${formatValue(value)} (accepted: ${Object.keys(reg.kwargs).join(', ')})`,
      );
    }
    const def = reg.kwargs[name];
    if (typeof value !== typeof def) {
      throw new TypeError(`makeParallel(${id}): kwarg ${JSON.stringify(key)} must be a ${typeof def}, got ${formatValue(value)}`);
    }
    merged[name] = value;
  }
  return reg.entryPoint(merged);
}

export function listParallelEnvs(): string[] {
  return [...registry.keys()].sort();
}

// Multi-agent learners resolve ids (`new MADDPG({env: 'simple_spread_v3'})`) through this registry.
setParallelEnvResolver((id) => makeParallel(id));
