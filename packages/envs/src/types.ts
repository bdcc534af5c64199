import type { Env } from '@tfrl/core';

export interface EnvRegistration {
  id: string;
  /** Builds the bare env from the merged kwargs (registered defaults overridden by `make`'s). */
  entryPoint: (kwargs: Record<string, unknown>) => Env<any, any>;
  /** Applies `TimeLimit` when set. */
  maxEpisodeSteps?: number;
  rewardThreshold?: number;
  /** Default kwargs; their keys are also the kwargs `make` accepts. */
  kwargs?: Record<string, unknown>;
}
