/**
 * The expert-data format: trajectories, their validation, datasets and the flat transition view.
 *
 * Modelled on the `imitation` library's `Trajectory` / `TrajectoryWithRew` and Minari's
 * `EpisodeData`: one episode holds T+1 observations (the final one included) and T actions and
 * rewards, plus how it ended. Rows are in the space's compact layout (`space.compactDim` numbers
 * per row, a Discrete is one number), the layout of VecEnv observations and replay buffers.
 */

import { Box, Dict, Discrete, type EnvSpec, MultiBinary, MultiDiscrete, type Space, Tuple } from '@tfrl/core';

/** One episode (or an episode's prefix ending where the data ends). */
export interface Trajectory {
  /** (T+1) × obsDim observations, the final observation included. */
  obs: Float32Array;
  /** T × actDim actions (Int32Array for discrete action spaces is usual; either is accepted). */
  acts: Float32Array | Int32Array;
  /** T rewards. */
  rews: Float32Array;
  /** The episode reached a terminal state of the MDP (do not bootstrap from the final obs). */
  terminated: boolean;
  /** The episode was cut short (time limit, end of the data): bootstrap from the final obs. */
  truncated: boolean;
  /** Optional per-step info records (T of them). Not written by the `.npz` and Minari writers. */
  infos?: Record<string, unknown>[];
  /** Numbers per observation row (`observationSpace.compactDim`). */
  obsDim: number;
  /** Numbers per action row (`actionSpace.compactDim`). */
  actDim: number;
}

/** The number of steps T of a trajectory. */
export function trajectoryLength(t: Trajectory): number {
  return t.rews.length;
}

/** A validation failure; `field` is the offending field, `row` the row when one is at fault. */
export class TrajectoryError extends Error {
  constructor(
    message: string,
    readonly field: string,
    readonly trajectory?: number,
    readonly row?: number,
  ) {
    super(message);
    this.name = 'TrajectoryError';
  }
}

export interface ValidateTrajectoryOptions {
  observationSpace?: Space<any>;
  actionSpace?: Space<any>;
  /** Index of the trajectory in its dataset, named in error messages. */
  index?: number;
}

/** Spaces whose compact rows hold integers only (actions stored as Int32Array). */
export function isIntegerSpace(space: Space<any>): boolean {
  if (space instanceof Discrete || space instanceof MultiDiscrete || space instanceof MultiBinary) return true;
  if (space instanceof Box) return space.dtype === 'int32' || space.dtype === 'uint8';
  if (space instanceof Dict) return space.keys.every((k) => isIntegerSpace(space.spaces[k] as Space<any>));
  if (space instanceof Tuple) return (space.spaces as Space<any>[]).every((s) => isIntegerSpace(s));
  return false;
}

/**
 * Why the compact row of `space` at `arr[offset …]` is not an element of the space, or `null`.
 * Leaves are checked on the raw numbers (a Discrete 0.5 is rejected, not rounded); Dict and Tuple
 * recurse and name the key or element at fault.
 */
export function explainCompactRow(space: Space<any>, arr: Float32Array | Int32Array, offset = 0): string | null {
  if (space instanceof Discrete) return space.explain(arr[offset]);
  if (space instanceof Box || space instanceof MultiDiscrete || space instanceof MultiBinary) {
    return space.explain(arr.subarray(offset, offset + space.compactDim));
  }
  if (space instanceof Dict) {
    for (const k of space.keys) {
      const why = explainCompactRow(space.spaces[k] as Space<any>, arr, offset + (space.offsets[k] as { offset: number }).offset);
      if (why !== null) return `key '${k}': ${why}`;
    }
    return null;
  }
  if (space instanceof Tuple) {
    let off = offset;
    for (let i = 0; i < space.spaces.length; i++) {
      const s = space.spaces[i] as Space<any>;
      const why = explainCompactRow(s, arr, off);
      if (why !== null) return `element ${i}: ${why}`;
      off += s.compactDim;
    }
    return null;
  }
  return space.explain(space.readCompact(arr, offset));
}

/**
 * Throw a `TrajectoryError` unless `t` is a well-formed trajectory: obsDim/actDim positive
 * integers, T ≥ 1 rewards, (T+1)·obsDim observations, T·actDim actions, T infos when present,
 * every number finite, `terminated` and `truncated` booleans and not both true, and — when the
 * spaces are given — matching row sizes and every observation and action row inside its space.
 * Messages name the trajectory index (when given), the field and the row.
 */
export function validateTrajectory(t: Trajectory, opts: ValidateTrajectoryOptions = {}): void {
  const { observationSpace, actionSpace, index } = opts;
  const who = index === undefined ? 'trajectory' : `trajectory ${index}`;
  const fail = (field: string, msg: string, row?: number): never => {
    throw new TrajectoryError(`${who}: ${field}${row === undefined ? '' : ` row ${row}`}: ${msg}`, field, index, row);
  };
  if (t === null || typeof t !== 'object') fail('trajectory', `expected an object, got ${t === null ? 'null' : typeof t}`);
  for (const field of ['obsDim', 'actDim'] as const) {
    const d = t[field];
    if (!Number.isInteger(d) || d <= 0) fail(field, `must be a positive integer, got ${String(d)}`);
  }
  if (!(t.obs instanceof Float32Array)) fail('obs', `must be a Float32Array, got ${typeName(t.obs)}`);
  if (!(t.acts instanceof Float32Array || t.acts instanceof Int32Array)) {
    fail('acts', `must be a Float32Array or an Int32Array, got ${typeName(t.acts)}`);
  }
  if (!(t.rews instanceof Float32Array)) fail('rews', `must be a Float32Array, got ${typeName(t.rews)}`);
  const T = t.rews.length;
  if (T < 1) fail('rews', 'is empty: a trajectory needs at least one step');
  if (t.obs.length !== (T + 1) * t.obsDim) {
    fail('obs', `has ${t.obs.length} numbers but T+1 = ${T + 1} rows of obsDim ${t.obsDim} need ${(T + 1) * t.obsDim}`);
  }
  if (t.acts.length !== T * t.actDim) {
    fail('acts', `has ${t.acts.length} numbers but T = ${T} rows of actDim ${t.actDim} need ${T * t.actDim}`);
  }
  if (t.infos !== undefined) {
    if (!Array.isArray(t.infos)) fail('infos', `must be an array when present, got ${typeName(t.infos)}`);
    else if (t.infos.length !== T) fail('infos', `has ${t.infos.length} entries but the trajectory has T = ${T} steps`);
  }
  if (typeof t.terminated !== 'boolean') fail('terminated', `must be a boolean, got ${typeName(t.terminated)}`);
  if (typeof t.truncated !== 'boolean') fail('truncated', `must be a boolean, got ${typeName(t.truncated)}`);
  if (t.terminated && t.truncated) fail('terminated', 'terminated and truncated are both true (an episode ends one way)');

  const checkFinite = (field: string, arr: Float32Array | Int32Array, dim: number) => {
    for (let i = 0; i < arr.length; i++) {
      const v = arr[i] as number;
      if (!Number.isFinite(v)) fail(field, `element ${i % dim} = ${v} is not finite`, Math.floor(i / dim));
    }
  };
  checkFinite('obs', t.obs, t.obsDim);
  checkFinite('acts', t.acts, t.actDim);
  checkFinite('rews', t.rews, 1);

  if (observationSpace) {
    if (observationSpace.compactDim !== t.obsDim) {
      fail('obsDim', `is ${t.obsDim} but ${observationSpace} has compactDim ${observationSpace.compactDim}`);
    }
    for (let r = 0; r <= T; r++) {
      const why = explainCompactRow(observationSpace, t.obs, r * t.obsDim);
      if (why !== null) fail('obs', `is not in ${observationSpace} (${why})`, r);
    }
  }
  if (actionSpace) {
    if (actionSpace.compactDim !== t.actDim) {
      fail('actDim', `is ${t.actDim} but ${actionSpace} has compactDim ${actionSpace.compactDim}`);
    }
    for (let r = 0; r < T; r++) {
      const why = explainCompactRow(actionSpace, t.acts, r * t.actDim);
      if (why !== null) fail('acts', `is not in ${actionSpace} (${why})`, r);
    }
  }
}

function typeName(x: unknown): string {
  if (x === null) return 'null';
  if (typeof x === 'object') return (x as object).constructor?.name ?? 'object';
  return typeof x;
}

export interface EncodeTrajectoryInput<O, A> {
  /** T+1 observations (space elements), the final one included. */
  observations: readonly O[];
  /** T actions (space elements). */
  actions: readonly A[];
  rewards: ArrayLike<number>;
  terminated: boolean;
  truncated: boolean;
  infos?: Record<string, unknown>[];
}

/**
 * Build a (validated) trajectory from space elements, writing them in the compact layout. Actions
 * of integer spaces (Discrete, MultiDiscrete, MultiBinary, integer Box) go to an Int32Array.
 */
export function encodeTrajectory<O, A>(
  input: EncodeTrajectoryInput<O, A>,
  spaces: { observationSpace: Space<O>; actionSpace: Space<A> },
): Trajectory {
  const { observationSpace, actionSpace } = spaces;
  const obsDim = observationSpace.compactDim;
  const actDim = actionSpace.compactDim;
  const obs = new Float32Array(input.observations.length * obsDim);
  input.observations.forEach((o, i) => observationSpace.writeCompact(o, obs, i * obsDim));
  const acts = isIntegerSpace(actionSpace)
    ? new Int32Array(input.actions.length * actDim)
    : new Float32Array(input.actions.length * actDim);
  input.actions.forEach((a, i) => actionSpace.writeCompact(a, acts, i * actDim));
  const t: Trajectory = {
    obs,
    acts,
    rews: Float32Array.from(input.rewards),
    terminated: input.terminated,
    truncated: input.truncated,
    obsDim,
    actDim,
  };
  if (input.infos !== undefined) t.infos = input.infos;
  validateTrajectory(t, { observationSpace, actionSpace });
  return t;
}

// ---------------------------------------------------------------------------------------------

/** What is known about a dataset besides its trajectories. Any other JSON-compatible key may be added. */
export interface DatasetMetadata {
  /** The env the data comes from, e.g. `'CartPole-v1'`. */
  envId?: string;
  /** Its spec when known (written as Minari's `env_spec`). */
  envSpec?: EnvSpec;
  /** Mean return of the expert that produced the data. */
  expertMeanReturn?: number;
  /** Where the data comes from (a file, a policy, a Minari dataset id, …). */
  source?: string;
  /** A Minari-style dataset id, e.g. `'cartpole/expert-v0'`. */
  datasetId?: string;
  [key: string]: unknown;
}

export interface DatasetInit {
  trajectories: Trajectory[];
  observationSpace: Space<any>;
  actionSpace: Space<any>;
  metadata?: DatasetMetadata;
}

/** Expert data: trajectories plus the spaces their rows belong to and free-form metadata. */
export class Dataset {
  readonly trajectories: Trajectory[];
  readonly observationSpace: Space<any>;
  readonly actionSpace: Space<any>;
  readonly metadata: DatasetMetadata;

  /** Validates every trajectory against the spaces unless `validate: false`. */
  constructor(init: DatasetInit, opts: { validate?: boolean } = {}) {
    this.trajectories = init.trajectories;
    this.observationSpace = init.observationSpace;
    this.actionSpace = init.actionSpace;
    this.metadata = init.metadata ?? {};
    if (opts.validate !== false) this.validate();
  }

  /** Throw a `TrajectoryError` naming the first bad trajectory, field and row. */
  validate(): void {
    if (!Array.isArray(this.trajectories)) throw new TypeError('Dataset: trajectories must be an array');
    this.trajectories.forEach((t, index) =>
      validateTrajectory(t, { observationSpace: this.observationSpace, actionSpace: this.actionSpace, index }),
    );
  }

  get numEpisodes(): number {
    return this.trajectories.length;
  }

  /** Total number of steps (transitions). */
  get numSteps(): number {
    let n = 0;
    for (const t of this.trajectories) n += t.rews.length;
    return n;
  }
}

/** All transitions of a dataset in flat typed arrays (the `imitation` library's `flatten_trajectories`). */
export interface FlatTransitions {
  /** n × obsDim */
  obs: Float32Array;
  /** n × actDim; an Int32Array for integer action spaces. */
  acts: Float32Array | Int32Array;
  /** n × obsDim: the observation after each action. */
  nextObs: Float32Array;
  rews: Float32Array;
  /** 1 on the last step of every trajectory (terminated or truncated), else 0. */
  dones: Uint8Array;
  /** 1 on the last step of a terminated trajectory: do not bootstrap from `nextObs` there. */
  terminated: Uint8Array;
  /** 1 on the last step of a truncated trajectory. */
  truncated: Uint8Array;
  /** Index of the trajectory each transition comes from. */
  episode: Int32Array;
  n: number;
  obsDim: number;
  actDim: number;
}

/**
 * Concatenate the transitions of every trajectory: `obs[i]`, `acts[i]`, `rews[i]`, `nextObs[i]`
 * and the end flags of step i. `dones` marks every trajectory end; learners that bootstrap should
 * use `terminated` (a truncated end still has a future).
 */
export function flatTransitions(dataset: Dataset): FlatTransitions {
  const obsDim = dataset.observationSpace.compactDim;
  const actDim = dataset.actionSpace.compactDim;
  const n = dataset.numSteps;
  const obs = new Float32Array(n * obsDim);
  const nextObs = new Float32Array(n * obsDim);
  const acts = isIntegerSpace(dataset.actionSpace) ? new Int32Array(n * actDim) : new Float32Array(n * actDim);
  const rews = new Float32Array(n);
  const dones = new Uint8Array(n);
  const terminated = new Uint8Array(n);
  const truncated = new Uint8Array(n);
  const episode = new Int32Array(n);
  let i = 0;
  dataset.trajectories.forEach((t, e) => {
    const T = t.rews.length;
    if (t.obsDim !== obsDim || t.actDim !== actDim) {
      throw new TrajectoryError(
        `trajectory ${e}: obsDim/actDim ${t.obsDim}/${t.actDim} do not match the dataset's spaces (${obsDim}/${actDim})`,
        t.obsDim !== obsDim ? 'obsDim' : 'actDim',
        e,
      );
    }
    obs.set(t.obs.subarray(0, T * obsDim), i * obsDim);
    nextObs.set(t.obs.subarray(obsDim, (T + 1) * obsDim), i * obsDim);
    acts.set(t.acts, i * actDim);
    rews.set(t.rews, i);
    episode.fill(e, i, i + T);
    const last = i + T - 1;
    dones[last] = 1;
    if (t.terminated) terminated[last] = 1;
    else if (t.truncated) truncated[last] = 1;
    i += T;
  });
  return { obs, acts, nextObs, rews, dones, terminated, truncated, episode, n, obsDim, actDim };
}

export interface DatasetStats {
  episodes: number;
  steps: number;
  /** Mean undiscounted return per episode (NaN with no episodes). */
  meanReturn: number;
  /** Population standard deviation of the returns (NumPy's default, ddof = 0). */
  stdReturn: number;
  minReturn: number;
  maxReturn: number;
  meanLength: number;
  /** Episodes that ended terminated / truncated. */
  terminated: number;
  truncated: number;
}

/** Episode count, step count and return statistics of a dataset. */
export function datasetStats(dataset: Dataset): DatasetStats {
  const returns = dataset.trajectories.map((t) => {
    let r = 0;
    for (let i = 0; i < t.rews.length; i++) r += t.rews[i] as number;
    return r;
  });
  const episodes = returns.length;
  const steps = dataset.numSteps;
  const mean = episodes ? returns.reduce((a, b) => a + b, 0) / episodes : Number.NaN;
  const variance = episodes ? returns.reduce((a, r) => a + (r - mean) ** 2, 0) / episodes : Number.NaN;
  return {
    episodes,
    steps,
    meanReturn: mean,
    stdReturn: Math.sqrt(variance),
    minReturn: returns.reduce((a, b) => (a < b ? a : b), episodes ? Number.POSITIVE_INFINITY : Number.NaN),
    maxReturn: returns.reduce((a, b) => (a > b ? a : b), episodes ? Number.NEGATIVE_INFINITY : Number.NaN),
    meanLength: episodes ? steps / episodes : Number.NaN,
    terminated: dataset.trajectories.filter((t) => t.terminated).length,
    truncated: dataset.trajectories.filter((t) => t.truncated).length,
  };
}

/**
 * Check that `dataset` is a Dataset whose observation and action spaces are the learner's, with
 * an error naming `who` and the mismatched space.
 */
export function checkDemonstrations(who: string, dataset: Dataset, observationSpace: Space<any>, actionSpace: Space<any>): void {
  if (!dataset || typeof dataset !== 'object' || !Array.isArray(dataset.trajectories)) {
    throw new TypeError(`${who}: demonstrations must be a Dataset (from recordDataset, readNpz or readMinari)`);
  }
  for (const [what, theirs, ours] of [
    ['observation', dataset.observationSpace, observationSpace],
    ['action', dataset.actionSpace, actionSpace],
  ] as const) {
    if (!theirs || !theirs.equals(ours)) {
      throw new TypeError(`${who}: the demonstrations' ${what} space ${String(theirs)} does not match the env's ${String(ours)}`);
    }
  }
}
