/**
 * The recorder: roll a policy out in an env and keep what it did as a `Dataset`.
 *
 * Rows are written in the compact layout (see `trajectory.ts`). The policy sees each observation
 * as its compact `Float32Array` (what tfrl agents' `predict` takes) and answers with an action in
 * the compact layout too: a number for a Discrete space, or numbers of which the first
 * `actionSpace.compactDim` are used (a batched `predict` output gives its first row, as
 * `evaluatePolicy` does).
 */

import { type Env, type EnvSpec, arrayToAction, observationToArray } from '@tfrl/core';
import { Dataset, type DatasetMetadata, type Trajectory, datasetStats, explainCompactRow, isIntegerSpace } from './trajectory';

/** A bare policy function: one observation (compact layout) in, one action out. */
export type RecordPolicyFn = (obs: Float32Array) => ArrayLike<number> | number;

/** Anything with a `predict`, such as a trained or loaded tfrl agent. */
export interface RecordPredictor {
  predict(obs: Float32Array, options: { deterministic: boolean }): ArrayLike<number> | number;
}

export interface RecordDatasetOptions {
  /** Episodes to record (a positive integer). */
  episodes: number;
  /** Episode i is reset with seed `seed + i`. */
  seed: number;
  /** Passed to `predict` (default true); ignored by bare policy functions. */
  deterministic?: boolean;
  /** Cut an episode after this many steps (it is then marked truncated). Default: none. */
  maxSteps?: number;
  /** `metadata.envId`; default the env's `spec.id`. */
  envId?: string;
  /** `metadata.source`, e.g. a run directory or `'heuristic'`. */
  source?: string;
  /** Keep the per-step `info` records in `Trajectory.infos` (default false; neither file format writes them). */
  keepInfos?: boolean;
}

/** A recording failure: the policy answered with an action outside the env's action space, or similar. */
export class RecordError extends Error {
  constructor(
    message: string,
    readonly episode?: number,
    readonly step?: number,
  ) {
    super(message);
    this.name = 'RecordError';
  }
}

/**
 * Run `episodes` episodes of `policy` in `env` (episode i reset with seed `seed + i`) and return
 * them as a validated `Dataset` whose metadata holds `expertMeanReturn`, `expertStdReturn` (ddof 0),
 * `episodes`, `envId`, `envSpec` (when the env has one), `source` and `recordedAt` (ISO time).
 * Throws a `RecordError` naming the episode and step when the policy answers with an action that
 * is not in `env.actionSpace`. The env is not closed.
 */
export function recordDataset(policy: RecordPolicyFn | RecordPredictor, env: Env<any, any>, opts: RecordDatasetOptions): Dataset {
  const { episodes, seed } = opts;
  if (!Number.isInteger(episodes) || episodes < 1) {
    throw new RangeError(`recordDataset: episodes must be a positive integer, got ${String(episodes)}`);
  }
  if (!Number.isInteger(seed)) throw new RangeError(`recordDataset: seed must be an integer, got ${String(seed)}`);
  const maxSteps = opts.maxSteps;
  if (maxSteps !== undefined && (!Number.isInteger(maxSteps) || maxSteps < 1)) {
    throw new RangeError(`recordDataset: maxSteps must be a positive integer, got ${String(maxSteps)}`);
  }
  const deterministic = opts.deterministic ?? true;
  const act =
    typeof policy === 'function'
      ? policy
      : typeof (policy as RecordPredictor)?.predict === 'function'
        ? (obs: Float32Array) => (policy as RecordPredictor).predict(obs, { deterministic })
        : null;
  if (act === null) throw new TypeError('recordDataset: policy must be a function (obs) => action or have a predict(obs, options) method');

  const { observationSpace, actionSpace } = env;
  const obsDim = observationSpace.compactDim;
  const actDim = actionSpace.compactDim;
  const integerActions = isIntegerSpace(actionSpace);
  const trajectories: Trajectory[] = [];

  for (let ep = 0; ep < episodes; ep++) {
    const obsRows: Float32Array[] = [];
    const actRows: Float32Array[] = [];
    const rews: number[] = [];
    const infos: Record<string, unknown>[] = [];
    let { obs } = env.reset({ seed: seed + ep });
    // A copy: envs may hand out the same buffer every step.
    obsRows.push(Float32Array.from(observationToArray(observationSpace, obs)));
    let terminated = false;
    let truncated = false;
    for (let step = 0; ; step++) {
      const current = obsRows[obsRows.length - 1] as Float32Array;
      const pred = act(Float32Array.from(current));
      const row = actionRow(pred, actDim, ep, step);
      const why = explainCompactRow(actionSpace, row, 0);
      if (why !== null) {
        throw new RecordError(
          `recordDataset: episode ${ep}, step ${step}: the policy's action ${formatAction(pred)} is not in ${String(actionSpace)} (${why})`,
          ep,
          step,
        );
      }
      const r = env.step(arrayToAction(actionSpace, row) as never);
      actRows.push(row);
      rews.push(r.reward);
      if (opts.keepInfos) infos.push(r.info ?? {});
      obs = r.obs;
      obsRows.push(Float32Array.from(observationToArray(observationSpace, obs)));
      terminated = r.terminated;
      truncated = r.truncated && !r.terminated;
      if (terminated || truncated) break;
      if (maxSteps !== undefined && step + 1 >= maxSteps) {
        truncated = true;
        break;
      }
    }
    const T = rews.length;
    const obsArr = new Float32Array((T + 1) * obsDim);
    obsRows.forEach((o, i) => obsArr.set(o, i * obsDim));
    const acts = integerActions ? new Int32Array(T * actDim) : new Float32Array(T * actDim);
    actRows.forEach((a, i) => acts.set(a, i * actDim));
    const t: Trajectory = { obs: obsArr, acts, rews: Float32Array.from(rews), terminated, truncated, obsDim, actDim };
    if (opts.keepInfos) t.infos = infos;
    trajectories.push(t);
  }

  const spec: EnvSpec | undefined = env.spec ?? env.unwrapped?.spec;
  const envId = opts.envId ?? spec?.id;
  const metadata: DatasetMetadata = { episodes, recordedAt: new Date().toISOString() };
  if (envId !== undefined) metadata.envId = envId;
  if (spec !== undefined) metadata.envSpec = { ...spec, ...(envId !== undefined ? { id: envId } : {}) };
  if (opts.source !== undefined) metadata.source = opts.source;
  const dataset = new Dataset({ trajectories, observationSpace, actionSpace, metadata });
  // The returns as stored (float32 rewards), so they match `datasetStats` of the written file.
  const stats = datasetStats(dataset);
  dataset.metadata.expertMeanReturn = stats.meanReturn;
  dataset.metadata.expertStdReturn = stats.stdReturn;
  return dataset;
}

/** The compact action row of a policy's answer (its first `actDim` numbers). */
function actionRow(pred: ArrayLike<number> | number, actDim: number, ep: number, step: number): Float32Array {
  if (typeof pred === 'number') {
    if (actDim !== 1) {
      throw new RecordError(
        `recordDataset: episode ${ep}, step ${step}: the policy returned one number but the action space needs ${actDim}`,
        ep,
        step,
      );
    }
    return Float32Array.of(pred);
  }
  if (pred === null || typeof pred !== 'object' || typeof (pred as ArrayLike<number>).length !== 'number') {
    throw new RecordError(
      `recordDataset: episode ${ep}, step ${step}: the policy returned ${String(pred)}, expected a number or an array of numbers`,
      ep,
      step,
    );
  }
  if (pred.length < actDim) {
    throw new RecordError(
      `recordDataset: episode ${ep}, step ${step}: the policy returned ${pred.length} numbers but the action space needs ${actDim}`,
      ep,
      step,
    );
  }
  const row = new Float32Array(actDim);
  for (let i = 0; i < actDim; i++) row[i] = Number(pred[i]);
  return row;
}

function formatAction(pred: ArrayLike<number> | number): string {
  if (typeof pred === 'number') return String(pred);
  return `[${Array.from(pred as ArrayLike<number>).join(', ')}]`;
}
