import type { Env, VecEnv, VecStepResult } from './env';
import type { Space } from './spaces';

export interface SyncVecEnvOptions {
  /** Seed used by the first `reset()` that is called without one (env i gets `seed + i`). */
  seed?: number;
}

/**
 * Steps `numEnvs` envs one after another in this thread.
 *
 * Layout: observations are written with the observation space's compact layout
 * (`Space.writeCompact`): a Box is copied, a Discrete observation is stored as its integer value
 * in one float (not one-hot), Dict/Tuple are concatenated in key/index order. Actions use the same
 * layout for the action space: `numEnvs` numbers for Discrete, `numEnvs * actDim` for Box.
 *
 * Autoreset (SB3 style, same step): when env i terminates or truncates, its last observation is
 * copied into `finalObs` row i, the env is reset at once, and `obs` row i holds the new episode's
 * first observation. The reset's info, if not empty, is in `infos[i].resetInfo`.
 *
 * Output arrays are preallocated and reused: `rewards`, `terminated`, `truncated`, `finalObs` and
 * `infos` are overwritten by the next `step`. `obs` alternates between two buffers, so the
 * observation returned by one call stays valid through the next call (a rollout can store
 * `obs_t` after stepping to `obs_{t+1}`) and is overwritten by the one after. Copy what you keep.
 */
export class SyncVecEnv implements VecEnv {
  readonly envs: Env<any, any>[];
  readonly numEnvs: number;
  readonly singleObservationSpace: Space<any>;
  readonly singleActionSpace: Space<any>;
  readonly obsDim: number;
  readonly actDim: number;

  private readonly obsBufs: [Float32Array, Float32Array];
  private cur = 0;
  private readonly result: VecStepResult;
  private pendingSeed: number | undefined;
  private needsReset = true;

  constructor(envFns: Array<() => Env<any, any>>, opts: SyncVecEnvOptions = {}) {
    if (!Array.isArray(envFns) || envFns.length === 0) throw new RangeError('SyncVecEnv: needs at least one env factory');
    this.envs = envFns.map((f) => f());
    this.numEnvs = this.envs.length;
    const first = this.envs[0] as Env<any, any>;
    this.singleObservationSpace = first.observationSpace;
    this.singleActionSpace = first.actionSpace;
    this.envs.forEach((e, i) => {
      if (!e.observationSpace.equals(this.singleObservationSpace)) {
        throw new Error(`SyncVecEnv: env ${i} has observation space ${e.observationSpace}, env 0 has ${this.singleObservationSpace}`);
      }
      if (!e.actionSpace.equals(this.singleActionSpace)) {
        throw new Error(`SyncVecEnv: env ${i} has action space ${e.actionSpace}, env 0 has ${this.singleActionSpace}`);
      }
    });
    this.obsDim = this.singleObservationSpace.compactDim;
    this.actDim = this.singleActionSpace.compactDim;
    const n = this.numEnvs;
    this.obsBufs = [new Float32Array(n * this.obsDim), new Float32Array(n * this.obsDim)];
    this.result = {
      obs: this.obsBufs[0],
      rewards: new Float32Array(n),
      terminated: new Uint8Array(n),
      truncated: new Uint8Array(n),
      finalObs: new Float32Array(n * this.obsDim),
      infos: Array.from({ length: n }, () => ({})),
    };
    this.pendingSeed = opts.seed;
  }

  private nextObsBuffer(): Float32Array {
    this.cur ^= 1;
    return this.obsBufs[this.cur] as Float32Array;
  }

  /** Reset every env; with a seed (or the constructor's seed, first time), env i gets `seed + i`. */
  reset(seed?: number): Float32Array {
    const s = seed ?? this.pendingSeed;
    this.pendingSeed = undefined;
    const obs = this.nextObsBuffer();
    const space = this.singleObservationSpace;
    for (let i = 0; i < this.numEnvs; i++) {
      const env = this.envs[i] as Env<any, any>;
      const r = s === undefined ? env.reset() : env.reset({ seed: s + i });
      space.writeCompact(r.obs, obs, i * this.obsDim);
    }
    this.needsReset = false;
    return obs;
  }

  step(actions: Float32Array | Int32Array): VecStepResult {
    if (this.needsReset) throw new Error('SyncVecEnv: step() called before reset(); call reset() first');
    const n = this.numEnvs;
    if (actions.length !== n * this.actDim) {
      throw new RangeError(
        `SyncVecEnv: expected ${n * this.actDim} action values (${n} envs × ${this.actDim} for ${this.singleActionSpace}), got ${actions.length}`,
      );
    }
    const res = this.result;
    const obs = this.nextObsBuffer();
    res.obs = obs;
    res.finalObs.fill(0);
    const obsSpace = this.singleObservationSpace;
    const actSpace = this.singleActionSpace;
    const d = this.obsDim;
    for (let i = 0; i < n; i++) {
      const env = this.envs[i] as Env<any, any>;
      const action = actSpace.readCompact(actions, i * this.actDim);
      const r = env.step(action);
      res.rewards[i] = r.reward;
      res.terminated[i] = r.terminated ? 1 : 0;
      res.truncated[i] = r.truncated ? 1 : 0;
      const info: Record<string, unknown> = { ...r.info };
      if (r.terminated || r.truncated) {
        obsSpace.writeCompact(r.obs, res.finalObs, i * d);
        const rr = env.reset();
        obsSpace.writeCompact(rr.obs, obs, i * d);
        if (Object.keys(rr.info).length > 0) info.resetInfo = rr.info;
      } else {
        obsSpace.writeCompact(r.obs, obs, i * d);
      }
      res.infos[i] = info;
    }
    return res;
  }

  close(): void {
    for (const e of this.envs) e.close();
  }
}
