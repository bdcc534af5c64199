import { listEnvs } from '@tfrl/envs';

/** Accepts an env id exactly or case-insensitively; an unknown id lists the registered ones. */
export function resolveEnvId(arg: string): string {
  const ids = listEnvs();
  if (ids.includes(arg)) return arg;
  const hit = ids.find((id) => id.toLowerCase() === arg.toLowerCase());
  if (hit) return hit;
  throw new Error(`tfrl: unknown environment "${arg}"; registered environments: ${ids.join(', ')}`);
}
