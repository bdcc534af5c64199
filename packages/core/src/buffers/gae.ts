/**
 * Generalized Advantage Estimation (Schulman et al. 2016, arXiv:1506.02438) on flat typed
 * arrays laid out `[step][env]` (index `t * numEnvs + e`).
 *
 * ```
 * δ_t = r_t + γ · V_{t+1} · (1 − done_t) − V_t
 * A_t = δ_t + γ · λ · (1 − done_t) · A_{t+1}
 * R_t = A_t + V_t                                  (the value target)
 * ```
 *
 * `done_t` means the episode ended *after* step t (terminated or truncated); `V_{t+1}` is
 * `values[t+1]`, or `lastValues` after the last step. A truncated episode is not a true end,
 * so its step's reward must first get `+ γ · V(final_obs)` ({@link bootstrapTruncated}) —
 * exactly what SB3 does.
 */

export interface GaeInput {
  /** nSteps × numEnvs. */
  rewards: ArrayLike<number>;
  /** V(s_t), nSteps × numEnvs. */
  values: ArrayLike<number>;
  /** 1 when the episode ended after step t (terminated or truncated), nSteps × numEnvs. */
  dones: ArrayLike<number | boolean>;
  /** V(s_T) of the observation after the last step, numEnvs. */
  lastValues: ArrayLike<number>;
  /**
   * If given, replaces `dones` of the last step (numEnvs). For the SB3 layout, where the
   * buffer records episode *starts* and the done flags after the last step arrive separately.
   */
  lastDones?: ArrayLike<number | boolean>;
  gamma: number;
  lambda: number;
  nSteps: number;
  numEnvs: number;
  /** Optional output arrays (nSteps × numEnvs) to write into instead of allocating. */
  advantages?: Float32Array;
  returns?: Float32Array;
}

export interface GaeOutput {
  advantages: Float32Array;
  returns: Float32Array;
}

function checkLen(what: string, a: ArrayLike<unknown> | undefined, len: number): void {
  if (a == null || a.length !== len) {
    throw new RangeError(`computeGae: ${what} has length ${a == null ? String(a) : a.length}, expected ${len}`);
  }
}

export function computeGae(input: GaeInput): GaeOutput {
  const { rewards, values, dones, lastValues, lastDones, gamma, lambda, nSteps, numEnvs } = input;
  if (!Number.isInteger(nSteps) || nSteps <= 0) throw new RangeError(`computeGae: nSteps must be a positive integer, got ${nSteps}`);
  if (!Number.isInteger(numEnvs) || numEnvs <= 0) throw new RangeError(`computeGae: numEnvs must be a positive integer, got ${numEnvs}`);
  if (!(gamma >= 0 && gamma <= 1)) throw new RangeError(`computeGae: gamma must be in [0, 1], got ${gamma}`);
  if (!(lambda >= 0 && lambda <= 1)) throw new RangeError(`computeGae: lambda must be in [0, 1], got ${lambda}`);
  const total = nSteps * numEnvs;
  checkLen('rewards', rewards, total);
  checkLen('values', values, total);
  checkLen('dones', dones, total);
  checkLen('lastValues', lastValues, numEnvs);
  if (lastDones !== undefined) checkLen('lastDones', lastDones, numEnvs);
  const advantages = input.advantages ?? new Float32Array(total);
  const returns = input.returns ?? new Float32Array(total);
  checkLen('advantages (output)', advantages, total);
  checkLen('returns (output)', returns, total);

  for (let e = 0; e < numEnvs; e++) {
    let nextAdv = 0;
    let nextValue = lastValues[e] as number;
    for (let t = nSteps - 1; t >= 0; t--) {
      const i = t * numEnvs + e;
      const done = t === nSteps - 1 && lastDones !== undefined ? lastDones[e] : dones[i];
      const notDone = done ? 0 : 1;
      const v = values[i] as number;
      const delta = (rewards[i] as number) + gamma * nextValue * notDone - v;
      nextAdv = delta + gamma * lambda * notDone * nextAdv;
      advantages[i] = nextAdv;
      returns[i] = nextAdv + v;
      nextValue = v;
    }
  }
  return { advantages, returns };
}

/**
 * Time-limit bootstrapping (SB3's `handle_timeout_bootstrap`): for every env that was
 * truncated and not terminated, `rewards[e] += gamma · finalValues[e]`, where
 * `finalValues[e] = V(final observation of that episode)` (the env's reported final obs,
 * not the autoreset one). Modifies and returns `rewards`.
 *
 * The learner calls it right after `vecEnv.step`, before `RolloutBuffer.add`, evaluating the
 * value network only on the truncated envs' final observations. The step is then stored
 * with `episodeStart` set for the next step, as for any episode end.
 */
export function bootstrapTruncated<R extends { length: number; [i: number]: number }>(
  rewards: R,
  truncated: ArrayLike<boolean | number>,
  terminated: ArrayLike<boolean | number>,
  finalValues: ArrayLike<number>,
  gamma: number,
): R {
  const n = rewards.length;
  if (truncated.length !== n || terminated.length !== n || finalValues.length !== n) {
    throw new RangeError(
      `bootstrapTruncated: lengths differ (rewards ${n}, truncated ${truncated.length}, terminated ${terminated.length}, finalValues ${finalValues.length})`,
    );
  }
  for (let e = 0; e < n; e++) {
    if (truncated[e] && !terminated[e]) rewards[e] = (rewards[e] as number) + gamma * (finalValues[e] as number);
  }
  return rewards;
}
