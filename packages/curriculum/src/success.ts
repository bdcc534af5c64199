/**
 * The success rate of training episodes, as SB3's `ep_success_buffer`: the `is_success` info of
 * each finished episode, over a window of the last `windowSize` episodes, logged as
 * `rollout/success_rate`.
 */
import { BaseCallback, type CallbackContext } from '@tfrl/core';

export interface SuccessRateCallbackOptions {
  /** Episodes averaged (default 100, SB3's `stats_window_size`). */
  windowSize?: number;
  /** Tag of the logged scalar (default `rollout/success_rate`). */
  tag?: string;
}

/**
 * Records `infos[i].is_success` of every env whose episode ended in a step. An episode's end is seen
 * through the `episode` statistics that `RecordEpisodeStatistics` puts in its last info (makeVec
 * wraps every env in it).
 */
export class SuccessRateCallback extends BaseCallback {
  readonly windowSize: number;
  readonly tag: string;
  /** `is_success` of the last `windowSize` episodes, oldest first. */
  readonly successes: boolean[] = [];
  /** Episodes seen in all. */
  episodes = 0;
  private pending = false;

  constructor(options: SuccessRateCallbackOptions = {}) {
    super();
    const w = options.windowSize ?? 100;
    if (!Number.isInteger(w) || w < 1) throw new RangeError(`SuccessRateCallback: windowSize must be a positive integer, got ${String(w)}`);
    this.windowSize = w;
    this.tag = options.tag ?? 'rollout/success_rate';
  }

  /** Mean of the window, or undefined before the first episode. */
  get successRate(): number | undefined {
    const s = this.successes;
    return s.length === 0 ? undefined : s.filter(Boolean).length / s.length;
  }

  override onStep(ctx: CallbackContext): boolean {
    const infos = ctx.locals?.infos as Array<Record<string, unknown> | undefined> | undefined;
    if (!infos) return true;
    for (const info of infos) {
      if (!info || info.episode === undefined || info.is_success === undefined) continue;
      this.successes.push(Boolean(info.is_success));
      if (this.successes.length > this.windowSize) this.successes.shift();
      this.episodes++;
      this.pending = true;
    }
    return true;
  }

  override onRolloutEnd(ctx: CallbackContext): void {
    const rate = this.successRate;
    if (!this.pending || rate === undefined) return;
    this.pending = false;
    ctx.algorithm.logger.scalar(this.tag, rate, ctx.numTimesteps);
  }
}
