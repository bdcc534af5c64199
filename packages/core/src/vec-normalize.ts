/**
 * `VecNormalize` (as Stable-Baselines3's): a VecEnv wrapper that normalises observations with
 * running mean/variance and scales rewards by the running standard deviation of the discounted
 * return, both clipped. While `training` it updates its statistics from what it sees.
 *
 * Order of one step (SB3's `step_wait`): update the observation statistics with the new
 * observations, normalise them (and the final observations of finished episodes, with the updated
 * statistics); update the discounted return per env with the raw rewards, merge it into the return
 * statistics, divide the rewards by its std and clip; zero the return of finished envs.
 *
 * Its statistics are saved in an algorithm's checkpoint (`getState` / `setState`), so a loaded
 * agent normalises exactly as the one that was saved.
 */
import type { VecEnv, VecStepResult } from './env';
import { RunningMeanStd } from './wrappers';

export interface VecNormalizeOptions {
  normObs?: boolean;
  normReward?: boolean;
  /** Clip normalised observations to ±clipObs (default 10). */
  clipObs?: number;
  /** Clip normalised rewards to ±clipReward (default 10). */
  clipReward?: number;
  /** Discount of the return whose std scales rewards (default 0.99). */
  gamma?: number;
  /** Added to the variance before the square root (default 1e-8). */
  epsilon?: number;
  /** Update the statistics (default true). */
  training?: boolean;
}

export interface VecNormalizeState {
  obsRms: { mean: number[]; var: number[]; count: number } | null;
  retRms: { mean: number[]; var: number[]; count: number } | null;
  returns: number[];
}

function rmsToJson(r: RunningMeanStd | undefined) {
  return r ? { mean: Array.from(r.mean), var: Array.from(r.var), count: r.count } : null;
}

function rmsFromJson(r: RunningMeanStd | undefined, s: VecNormalizeState['obsRms'], what: string): void {
  if (!r) return;
  if (!s || !Array.isArray(s.mean) || !Array.isArray(s.var) || s.mean.length !== r.size || s.var.length !== r.size || !(s.count > 0)) {
    throw new Error(`VecNormalize.setState: ${what} statistics are missing or do not have ${r.size} values`);
  }
  r.mean.set(s.mean);
  r.var.set(s.var);
  r.count = s.count;
}

export class VecNormalize implements VecEnv {
  readonly venv: VecEnv;
  readonly numEnvs: number;
  readonly obsDim: number;
  readonly obsRms: RunningMeanStd | undefined;
  readonly retRms: RunningMeanStd | undefined;
  readonly clipObs: number;
  readonly clipReward: number;
  readonly gamma: number;
  readonly epsilon: number;
  training: boolean;
  /** The raw observations and rewards of the last reset/step. */
  originalObs: Float32Array | undefined;
  originalRewards: Float32Array | undefined;
  private readonly returns: Float64Array;

  constructor(venv: VecEnv, options: VecNormalizeOptions = {}) {
    this.venv = venv;
    this.numEnvs = venv.numEnvs;
    this.obsDim = venv.obsDim;
    const { normObs = true, normReward = true, clipObs = 10, clipReward = 10, gamma = 0.99, epsilon = 1e-8, training = true } = options;
    for (const [k, v] of [
      ['clipObs', clipObs],
      ['clipReward', clipReward],
    ] as const) {
      if (!(v > 0)) throw new RangeError(`VecNormalize: ${k} must be positive, got ${v}`);
    }
    if (!(gamma >= 0 && gamma <= 1)) throw new RangeError(`VecNormalize: gamma must be in [0, 1], got ${gamma}`);
    this.obsRms = normObs ? new RunningMeanStd(this.obsDim) : undefined;
    this.retRms = normReward ? new RunningMeanStd(1) : undefined;
    this.clipObs = clipObs;
    this.clipReward = clipReward;
    this.gamma = gamma;
    this.epsilon = epsilon;
    this.training = training;
    this.returns = new Float64Array(this.numEnvs);
  }

  get singleObservationSpace() {
    return this.venv.singleObservationSpace;
  }

  get singleActionSpace() {
    return this.venv.singleActionSpace;
  }

  /** (obs − mean) / √(var + ε), clipped to ±clipObs, with the current statistics (no update). */
  normalizeObs(obs: Float32Array, out?: Float32Array): Float32Array {
    const rms = this.obsRms;
    if (!rms) return obs;
    const d = rms.size;
    const clip = this.clipObs;
    const res = out ?? new Float32Array(obs.length);
    for (let i = 0; i < obs.length; i++) {
      const j = i % d;
      const v = ((obs[i] as number) - (rms.mean[j] as number)) / Math.sqrt((rms.var[j] as number) + this.epsilon);
      res[i] = v > clip ? clip : v < -clip ? -clip : v;
    }
    return res;
  }

  /** Rewards divided by the return's std and clipped (no update). */
  normalizeReward(rewards: Float32Array): Float32Array {
    const rms = this.retRms;
    if (!rms) return rewards;
    const scale = Math.sqrt((rms.var[0] as number) + this.epsilon);
    const clip = this.clipReward;
    const out = new Float32Array(rewards.length);
    for (let i = 0; i < rewards.length; i++) {
      const v = (rewards[i] as number) / scale;
      out[i] = v > clip ? clip : v < -clip ? -clip : v;
    }
    return out;
  }

  reset(seed?: number): Float32Array {
    const obs = this.venv.reset(seed);
    this.originalObs = Float32Array.from(obs);
    this.returns.fill(0);
    if (this.training) this.obsRms?.update(obs);
    return this.normalizeObs(obs);
  }

  step(actions: Float32Array | Int32Array): VecStepResult {
    const res = this.venv.step(actions);
    const n = this.numEnvs;
    this.originalObs = Float32Array.from(res.obs);
    this.originalRewards = Float32Array.from(res.rewards);
    if (this.training) this.obsRms?.update(res.obs);
    const obs = this.normalizeObs(res.obs);
    const finalObs = this.obsRms ? this.normalizeObs(res.finalObs) : res.finalObs;
    if (this.obsRms) {
      // Rows of envs that did not finish hold zeros in finalObs: keep them zero.
      const d = this.obsDim;
      for (let i = 0; i < n; i++) if (!res.terminated[i] && !res.truncated[i]) finalObs.fill(0, i * d, (i + 1) * d);
    }
    let rewards = res.rewards;
    if (this.retRms) {
      for (let i = 0; i < n; i++) this.returns[i] = (this.returns[i] as number) * this.gamma + (res.rewards[i] as number);
      if (this.training) this.retRms.update(this.returns);
      rewards = this.normalizeReward(res.rewards);
    }
    for (let i = 0; i < n; i++) if (res.terminated[i] || res.truncated[i]) this.returns[i] = 0;
    return { ...res, obs, finalObs, rewards };
  }

  close(): void {
    this.venv.close();
  }

  getState(): VecNormalizeState {
    return { obsRms: rmsToJson(this.obsRms), retRms: rmsToJson(this.retRms), returns: Array.from(this.returns) };
  }

  setState(state: VecNormalizeState): void {
    if (!state || typeof state !== 'object') throw new TypeError('VecNormalize.setState: state object required');
    rmsFromJson(this.obsRms, state.obsRms, 'observation');
    rmsFromJson(this.retRms, state.retRms, 'return');
    if (Array.isArray(state.returns) && state.returns.length === this.numEnvs) this.returns.set(state.returns);
  }
}

/** The VecNormalize in a chain of VecEnv wrappers (through `.venv`), if any. */
export function findVecNormalize(env: unknown): VecNormalize | undefined {
  let e = env as { venv?: unknown } | undefined;
  for (let depth = 0; e && depth < 32; depth++) {
    if (e instanceof VecNormalize) return e;
    e = e.venv as { venv?: unknown } | undefined;
  }
  return undefined;
}
