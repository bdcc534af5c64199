import { type Env, closestName } from '@tfrl/core';
import { listEnvs, make } from '@tfrl/envs';

/** Accepts an env id exactly or case-insensitively; an unknown id suggests the closest and lists the registered ones. */
export function resolveEnvId(arg: string): string {
  const ids = listEnvs();
  if (ids.includes(arg)) return arg;
  const hit = ids.find((id) => id.toLowerCase() === arg.toLowerCase());
  if (hit) return hit;
  const guess = closestName(arg, ids) ?? ids.find((id) => id.toLowerCase().startsWith(arg.toLowerCase()));
  throw new Error(
    `tfrl: unknown environment "${arg}"${guess ? ` (did you mean "${guess}"?)` : ''}; registered environments: ${ids.join(', ')}`,
  );
}

/**
 * Episodes of an evaluation end at this many steps when the env has no time limit of its own
 * (CliffWalking-v0, as in Gymnasium, has none), so a policy that never reaches a terminal state
 * cannot stall `tfrl train` or `tfrl eval`.
 */
export const EVAL_STEP_CAP = 1000;

/** The env an evaluation runs on: as registered, or capped at EVAL_STEP_CAP steps when it has no time limit. */
export function makeEvalEnv(id: string, kwargs: Record<string, unknown> = {}): Env<any, any> {
  const env = make(id, kwargs);
  if (env.unwrapped.spec?.maxEpisodeSteps !== undefined && env.unwrapped.spec.maxEpisodeSteps > 0) return env;
  env.close();
  return make(id, kwargs, { maxEpisodeSteps: EVAL_STEP_CAP });
}
