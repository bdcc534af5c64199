/**
 * Policy evaluation on a single environment (SB3's `evaluate_policy`).
 */
import type { Env } from './env';
import type { Space } from './spaces';

export interface PredictOptions {
  deterministic?: boolean;
}

/** Anything with a `predict` (an `Algorithm`, a loaded agent, a hand-written policy). */
export interface Predictor {
  predict(obs: Float32Array, options?: PredictOptions): ArrayLike<number> | number;
}

/** A bare policy function: one observation (compact layout) in, one action out. */
export type PredictFn = (obs: Float32Array, options: { deterministic: boolean }) => ArrayLike<number> | number;

export interface EvaluateOptions {
  /** Episodes to run (default 10). */
  nEpisodes?: number;
  /** Greedy actions (default true). */
  deterministic?: boolean;
  /** Seed for the first reset; later episodes continue the env's own random stream. */
  seed?: number;
  /** `true` calls `env.render()` every step; a function also receives the frame. */
  render?: boolean | ((frame: unknown, episode: number, step: number) => void);
  /** Safety cap on steps per episode for envs without a time limit (default: none). */
  maxEpisodeSteps?: number;
}

export interface EvaluationResult {
  meanReward: number;
  stdReward: number;
  meanEpLength: number;
  episodeRewards: number[];
  episodeLengths: number[];
}

/** An observation as the compact Float32Array `predict` takes. */
export function observationToArray(space: Space<any>, obs: unknown): Float32Array {
  if (obs instanceof Float32Array) return obs;
  const out = new Float32Array(space.compactDim);
  space.writeCompact(obs, out, 0);
  return out;
}

/** A `predict` output (compact layout) as the value `env.step` takes. */
export function arrayToAction(space: Space<any>, pred: ArrayLike<number> | number): unknown {
  if (typeof pred === 'number') return space.readCompact([pred], 0);
  return space.readCompact(pred, 0);
}

function mean(xs: number[]): number {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : Number.NaN;
}

/**
 * Run `nEpisodes` complete episodes (each ends at `terminated` or `truncated`) and report
 * the mean and (population) standard deviation of the undiscounted returns.
 */
export function evaluatePolicy(agentOrPredict: Predictor | PredictFn, env: Env<any, any>, options: EvaluateOptions = {}): EvaluationResult {
  const nEpisodes = options.nEpisodes ?? 10;
  const deterministic = options.deterministic ?? true;
  if (!Number.isInteger(nEpisodes) || nEpisodes < 1) {
    throw new RangeError(`evaluatePolicy: nEpisodes must be a positive integer, got ${nEpisodes}`);
  }
  const predict: PredictFn =
    typeof agentOrPredict === 'function' ? agentOrPredict : (obs, o) => (agentOrPredict as Predictor).predict(obs, o);
  const render = options.render;
  const episodeRewards: number[] = [];
  const episodeLengths: number[] = [];
  for (let ep = 0; ep < nEpisodes; ep++) {
    let { obs } = env.reset(ep === 0 && options.seed !== undefined ? { seed: options.seed } : undefined);
    let ret = 0;
    let len = 0;
    for (;;) {
      const action = arrayToAction(env.actionSpace, predict(observationToArray(env.observationSpace, obs), { deterministic }));
      const r = env.step(action);
      ret += r.reward;
      len++;
      if (render) {
        const frame = env.render();
        if (typeof render === 'function') render(frame, ep, len);
      }
      obs = r.obs;
      if (r.terminated || r.truncated) break;
      if (options.maxEpisodeSteps !== undefined && len >= options.maxEpisodeSteps) break;
    }
    episodeRewards.push(ret);
    episodeLengths.push(len);
  }
  const m = mean(episodeRewards);
  const std = Math.sqrt(mean(episodeRewards.map((r) => (r - m) ** 2)));
  return { meanReward: m, stdReward: std, meanEpLength: mean(episodeLengths), episodeRewards, episodeLengths };
}
