import type { Env } from '@tfrl/core';

export interface EnvRegistration {
  id: string;
  /** Builds the bare env from the merged kwargs (registered defaults overridden by `make`'s). */
  entryPoint: (kwargs: Record<string, unknown>) => Env<any, any>;
  /** Applies `TimeLimit` when set. */
  maxEpisodeSteps?: number;
  rewardThreshold?: number;
  /**
   * Default kwargs; their keys are the kwargs `make` accepts, each also in the other case style
   * (`goalVelocity` and `goal_velocity`).
   */
  kwargs?: Record<string, unknown>;
  /** Further accepted names, alias → a key of `kwargs` (e.g. a reference's name that is not just the other case style). */
  aliases?: Record<string, string>;
}
