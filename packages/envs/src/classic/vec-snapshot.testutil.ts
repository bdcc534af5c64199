import type { VecStepResult } from '@tfrl/core';

/** A VecEnv step result as plain arrays (for exact comparison of two VecEnvs, step by step). */
export function vecSnapshot(r: VecStepResult) {
  return {
    obs: Array.from(r.obs),
    rewards: Array.from(r.rewards),
    terminated: Array.from(r.terminated),
    truncated: Array.from(r.truncated),
    finalObs: Array.from(r.finalObs),
    episodes: r.infos.map((inf) => {
      const ep = inf.episode as { r: number; l: number } | undefined;
      return ep ? { r: ep.r, l: ep.l } : null;
    }),
  };
}
