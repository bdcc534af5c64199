/**
 * DAgger — Dataset Aggregation (Ross, Gordon & Bagnell 2011; the `imitation` library's
 * `SimpleDAggerTrainer` with its `LinearBetaSchedule`): imitation learning with an expert that can
 * be asked, in any state, what it would do.
 *
 * Behavioral cloning trains only on the states the expert visits, so a learner that drifts off
 * them meets states it never saw (compounding errors). DAgger lets the learner drive and asks
 * the expert to label the states the learner reaches. Round r (from 0):
 *
 * 1. roll out the mixture policy for `stepsPerRound` env steps: at every step and in every env,
 *    with probability β_r the expert's action is executed, else the learner's (sampled from its
 *    policy, or its mode with `deterministicRollouts`);
 * 2. label EVERY visited observation with the expert's action (whoever acted);
 * 3. add the labelled observations to the aggregated dataset (all rounds so far, plus the initial
 *    `demonstrations`);
 * 4. continue training the BC learner on the whole aggregate for `bcEpochsPerRound` epochs.
 *
 * β_r = max(0, 1 − r / betaRampdownRounds) ({@link linearBeta}): round 0 is the expert alone
 * (β = 1), the learner takes over linearly, and acts alone from round `betaRampdownRounds` on.
 *
 * The supervised part is a {@link BC} learner this class owns (its network, losses, optimizer and
 * `predict`); DAgger passes the BC hyperparameters that apply (`netArch`, `activation`,
 * `outputActivation`, `loss`, `learningRate`, `batchSize`, `entWeight`, `l2Weight`, `logStdInit`)
 * and trains on every label (no held-out split, no early stopping). A `learningRate` schedule runs
 * over DAgger's env steps, not over each round's BC epochs. The BC learner shares DAgger's rng:
 * all randomness (initial weights, minibatch order, the β coin, the learner's sampled actions) comes
 * from the seed, so the same seed, env and expert give the same run.
 *
 * `learn({totalTimesteps})` counts ENV steps (each round's steps, summed over the envs of a
 * VecEnv); the last round of a `learn` call is shortened to what is left (with N envs a round takes
 * whole vector steps, so it may overshoot by up to N − 1). Episodes continue across rounds and
 * `learn` calls; an episode cut at a round's end is stored as a truncated trajectory piece.
 *
 * Logged once per round (at the env step where the round ends): `dagger/round` (0-based index of
 * the round just finished), `dagger/beta` (its β), `dagger/expert_labels` (every expert-labelled
 * observation so far, initial demonstrations included), `dagger/expert_action_fraction` (share of
 * the round's steps on which the expert acted), `dagger/round_ep_rew_mean` (mean return of the
 * episodes that ended in the round, when any did), the last BC epoch's `bc/loss`, `bc/accuracy`
 * (Discrete), `bc/entropy`, `bc/l2_norm`, `bc/learning_rate`, and the usual `rollout/ep_rew_mean`,
 * `rollout/ep_len_mean` (mixture-policy episodes), `time/*`.
 *
 * `save` / `load` round-trip the policy (BC's network, log σ and Adam state), the round counter
 * (so β continues where it was), `expertLabels`, the counters and the rng. The aggregated dataset
 * is NOT saved (write it yourself with `writeNpz(agent.dataset, …)` if you need it), and the expert
 * is a function or an agent that cannot be saved: a loaded agent predicts at once, but to train it
 * further give it an expert with `setExpert` (and, if wanted, data with `addDemonstrations`); it
 * then aggregates only the data collected after loading.
 */
import {
  Algorithm,
  type AlgorithmOptions,
  type AnyEnv,
  type BaseCallback,
  type CommonOptions,
  type EnvSpecifier,
  type HyperparameterInput,
  type NetworkState,
  NullLogger,
  type ResolvedHyperparameters,
  SyncVecEnv,
  type VecEnv,
  defineHyperparameters,
  isVecEnv,
  yieldToEventLoop,
} from '@tfrl/core';
import { BC, type BCEpochStats, bcHyperparameters } from './bc';
import type { RecordPolicyFn, RecordPredictor } from './data/record';
import { Dataset, type Trajectory, checkDemonstrations, explainCompactRow, isIntegerSpace } from './data/trajectory';

/**
 * A queryable expert: a bare policy function (one observation in the compact layout in, one action
 * out) or anything with `predict(obs, {deterministic})`, such as a trained or loaded tfrl agent
 * (asked with `deterministic: true`). The same contract as `recordDataset`'s policy: a number for
 * a Discrete space, or numbers of which the first `actionSpace.compactDim` are used.
 */
export type DAggerExpert = RecordPolicyFn | RecordPredictor;

export const daggerHyperparameters = defineHyperparameters({
  netArch: bcHyperparameters.netArch,
  activation: bcHyperparameters.activation,
  outputActivation: bcHyperparameters.outputActivation,
  loss: bcHyperparameters.loss,
  learningRate: {
    ...bcHyperparameters.learningRate,
    doc: 'Adam step size of the BC learner (a schedule runs over the env steps of the DAgger run)',
  },
  batchSize: bcHyperparameters.batchSize,
  entWeight: bcHyperparameters.entWeight,
  l2Weight: bcHyperparameters.l2Weight,
  logStdInit: bcHyperparameters.logStdInit,
  betaRampdownRounds: {
    type: 'integer',
    default: 15,
    min: 0,
    doc: 'β = max(0, 1 − round / betaRampdownRounds), the probability that the expert acts (imitation’s LinearBetaSchedule); 0: the learner acts from round 0',
  },
  stepsPerRound: {
    type: 'integer',
    default: 1000,
    min: 1,
    doc: 'env steps collected (and expert-labelled) per round, summed over the envs; 1000 is a few CartPole / LunarLander episodes (imitation’s minimum is 500 steps and 3 episodes)',
  },
  bcEpochsPerRound: {
    type: 'integer',
    default: 4,
    min: 1,
    doc: 'BC epochs over the whole aggregated dataset after each round (imitation’s DAgger default: 4)',
  },
  deterministicRollouts: {
    type: 'boolean',
    default: false,
    doc: 'the learner acts by its mode in the rollouts instead of sampling its policy (as imitation does)',
  },
});

export type DAggerHp = ResolvedHyperparameters<typeof daggerHyperparameters>;

export type DAggerOptions<E extends EnvSpecifier = EnvSpecifier> = CommonOptions & { env: E } & HyperparameterInput<
    typeof daggerHyperparameters
  > & {
    /**
     * The expert to query. Optional only so that `DAgger.load` can rebuild a trained policy; `learn`
     * needs one (give it later with `setExpert`).
     */
    expert?: DAggerExpert;
    /** Expert demonstrations to start the aggregate with (their spaces must be the env's). */
    demonstrations?: Dataset;
  };

/** What one round did (also logged as `dagger/*`). */
export interface DAggerRoundStats {
  /** 0-based index of the round. */
  round: number;
  /** The probability that the expert acted in this round. */
  beta: number;
  /** Env steps collected (= observations labelled) in this round. */
  steps: number;
  /** Steps on which the expert's action was executed. */
  expertActions: number;
  /** Steps on which the learner's action was executed. */
  learnerActions: number;
  /** Expert labels so far (initial demonstrations included), after this round. */
  expertLabels: number;
  /** Returns of the episodes that ended during the round. */
  episodeReturns: number[];
  /** The last BC epoch after the round (absent when the round was stopped by a callback). */
  bc?: BCEpochStats;
}

/**
 * β of round `round` (0-based) under imitation's `LinearBetaSchedule`:
 * max(0, 1 − round / rampdownRounds); with `rampdownRounds` 0 it is 0 from the start.
 */
export function linearBeta(round: number, rampdownRounds: number): number {
  if (!Number.isInteger(round) || round < 0) throw new RangeError(`linearBeta: round must be a non-negative integer, got ${round}`);
  if (!Number.isInteger(rampdownRounds) || rampdownRounds < 0) {
    throw new RangeError(`linearBeta: rampdownRounds must be a non-negative integer, got ${rampdownRounds}`);
  }
  if (rampdownRounds === 0) return 0;
  return Math.max(0, 1 - round / rampdownRounds);
}

/** The data of one env's current trajectory piece (observation rows: one more than actions). */
interface Piece {
  obs: Float32Array[];
  acts: Array<Float32Array | Int32Array>;
  rews: number[];
}

export class DAgger<E extends EnvSpecifier = any> extends Algorithm<DAggerHp, E> {
  static override readonly algorithmName = 'DAgger';
  static override readonly hyperparameterSchema = daggerHyperparameters;

  /** The supervised learner: its policy is DAgger's policy. */
  readonly bc: BC<any>;
  /** Rounds completed (β of the next round is `linearBeta(round, betaRampdownRounds)`). */
  round = 0;
  /** Stats of the last round. */
  lastRound: DAggerRoundStats | undefined;

  private labels = 0;
  private expertFn: ((obs: Float32Array) => ArrayLike<number> | number) | undefined;
  private readonly aggregate: Trajectory[] = [];
  private readonly integerActions: boolean;
  private lastObs: Float32Array | undefined;
  private pieces: Piece[] = [];
  private epReturns: Float64Array;
  private epLengths: Int32Array;

  constructor(options: DAggerOptions<E>) {
    if (!options || typeof options !== 'object') {
      throw new TypeError('DAgger: constructor needs an options object {env, expert, ...hyperparameters}');
    }
    const { expert, demonstrations, ...rest } = options;
    // Checked before any tensor exists.
    const expertFn = expert === undefined ? undefined : expertFunction(expert);
    super(rest as unknown as AlgorithmOptions);
    const hp = this.hyperparameters;
    try {
      this.bc = new BC({
        env: this.env,
        seed: this.rng.integers(0, 0x100000000),
        netArch: hp.netArch,
        activation: hp.activation,
        outputActivation: hp.outputActivation,
        loss: hp.loss,
        // Over DAgger's progress (env steps), not over each round's epochs.
        learningRate: () => this.scheduleValue('learningRate'),
        batchSize: hp.batchSize,
        entWeight: hp.entWeight,
        l2Weight: hp.l2Weight,
        logStdInit: hp.logStdInit,
        validationFraction: 0,
        earlyStopping: null,
        // DAgger logs one row per round itself.
        logger: new NullLogger(),
      });
    } catch (e) {
      if (e instanceof Error) e.message = `DAgger: ${e.message}`;
      throw e;
    }
    // One stream of randomness: the learner's minibatches and sampled actions come from DAgger's rng.
    this.bc.rng = this.rng;
    this.integerActions = isIntegerSpace(this.actionSpace);
    const n = this.numEnvs;
    this.epReturns = new Float64Array(n);
    this.epLengths = new Int32Array(n);
    this.expertFn = expertFn;
    if (demonstrations !== undefined) {
      try {
        this.addDemonstrations(demonstrations);
      } catch (e) {
        this.dispose();
        throw e;
      }
    }
  }

  /** DAgger steps a VecEnv: a single Env is wrapped in a one-env SyncVecEnv (`predict` still answers one action). */
  protected override resolveEnv(spec: EnvSpecifier): AnyEnv {
    const env = super.resolveEnv(spec);
    return isVecEnv(env) ? env : new SyncVecEnv([() => env]);
  }

  /** Expert-labelled observations so far: the initial demonstrations' steps plus every env step collected. */
  get expertLabels(): number {
    return this.labels;
  }

  /** β of the next round. */
  get beta(): number {
    return linearBeta(this.round, this.hyperparameters.betaRampdownRounds);
  }

  /** The expert to query (replaces the current one; a loaded agent needs this before `learn`). */
  setExpert(expert: DAggerExpert): void {
    this.expertFn = expertFunction(expert);
  }

  /** Add expert demonstrations to the aggregate (they count as expert labels). Their spaces must be the env's. */
  addDemonstrations(dataset: Dataset): void {
    checkDemonstrations('DAgger', dataset, this.observationSpace, this.actionSpace);
    this.aggregate.push(...dataset.trajectories);
    this.labels += dataset.numSteps;
  }

  /**
   * The aggregated dataset (initial demonstrations and every round's expert-labelled rollouts, the
   * actions being the expert's labels, not the executed actions). Not saved by `save`.
   */
  get dataset(): Dataset {
    return new Dataset(
      {
        trajectories: [...this.aggregate],
        observationSpace: this.observationSpace,
        actionSpace: this.actionSpace,
        metadata: { source: 'dagger', expertLabels: this.labels, rounds: this.round },
      },
      { validate: false },
    );
  }

  protected override networks(): Record<string, NetworkState> {
    const bc = this.bc;
    return bc.logStd ? { policy: bc.policy, log_std: bc.logStd } : { policy: bc.policy };
  }

  protected override optimizers() {
    return { policy: this.bc.optimizer };
  }

  protected override extraState(): Record<string, unknown> {
    return { round: this.round, expertLabels: this.labels, bcEpochs: this.bc.epochs };
  }

  protected override loadExtraState(extra: Record<string, unknown>): void {
    if (typeof extra.round === 'number') this.round = extra.round;
    if (typeof extra.expertLabels === 'number') this.labels = extra.expertLabels;
    if (typeof extra.bcEpochs === 'number') this.bc.epochs = extra.bcEpochs;
  }

  // ------------------------------------------------------------------ the loop

  protected async trainLoop(totalTimesteps: number, callback: BaseCallback): Promise<void> {
    const expert = this.expertFn;
    if (!expert) {
      throw new Error(
        'DAgger.learn: no expert to query; pass options.expert (a function (obs) => action or a trained agent) to the constructor, or call setExpert(expert) (a loaded agent needs its expert again)',
      );
    }
    const hp = this.hyperparameters;
    const env = this.env as VecEnv;
    const n = env.numEnvs;
    const d = this.obsEncoder.compactDim;
    const k = this.actionSpace.compactDim;
    if (!this.lastObs) {
      this.lastObs = Float32Array.from(env.reset(this.envResetSeed));
      this.epReturns.fill(0);
      this.epLengths.fill(0);
      this.pieces = Array.from({ length: n }, (_, i) => this.newPiece(i));
    }
    const lastObs = this.lastObs;
    // Initial demonstrations: train on them before the learner first acts.
    if (this.bc.epochs === 0 && this.aggregate.length > 0) await this.trainLearner();

    const labels = this.integerActions ? new Int32Array(n * k) : new Float32Array(n * k);
    const envActs = this.integerActions ? new Int32Array(n * k) : new Float32Array(n * k);
    const expertActs = new Uint8Array(n);
    let lastYield = performance.now();
    while (this.numTimesteps < totalTimesteps) {
      const round = this.round;
      const beta = this.beta;
      const target = Math.min(hp.stepsPerRound, totalTimesteps - this.numTimesteps);
      const stats: DAggerRoundStats = {
        round,
        beta,
        steps: 0,
        expertActions: 0,
        learnerActions: 0,
        expertLabels: this.labels,
        episodeReturns: [],
      };
      await callback.rolloutStart(this.callbackContext());
      let stopped = false;
      while (stats.steps < target) {
        // Label every env's observation; pick who acts.
        let learnerNeeded = false;
        for (let i = 0; i < n; i++) {
          this.queryExpert(expert, lastObs.subarray(i * d, (i + 1) * d), labels, i * k, round, stats.steps);
          expertActs[i] = this.rng.random() < beta ? 1 : 0;
          if (!expertActs[i]) learnerNeeded = true;
        }
        const learner = learnerNeeded
          ? (this.bc.predict(lastObs, { deterministic: hp.deterministicRollouts }) as Int32Array | Float32Array)
          : undefined;
        for (let i = 0; i < n; i++) {
          const from = expertActs[i] ? labels : (learner as Int32Array | Float32Array);
          for (let j = 0; j < k; j++) envActs[i * k + j] = from[i * k + j] as number;
          if (expertActs[i]) stats.expertActions++;
          else stats.learnerActions++;
        }
        const res = env.step(envActs);
        this.numTimesteps += n;
        stats.steps += n;
        for (let i = 0; i < n; i++) {
          const piece = this.pieces[i] as Piece;
          piece.acts.push(labels.slice(i * k, (i + 1) * k));
          piece.rews.push(res.rewards[i] as number);
          this.epReturns[i] = (this.epReturns[i] as number) + (res.rewards[i] as number);
          this.epLengths[i] = (this.epLengths[i] as number) + 1;
          if (res.terminated[i] || res.truncated[i]) {
            piece.obs.push(res.finalObs.slice(i * d, (i + 1) * d));
            this.closePiece(i, res.terminated[i] === 1, res.terminated[i] !== 1);
            this.recordEpisode(this.epReturns[i] as number, this.epLengths[i] as number);
            stats.episodeReturns.push(this.epReturns[i] as number);
            this.epReturns[i] = 0;
            this.epLengths[i] = 0;
            this.pieces[i] = { obs: [res.obs.slice(i * d, (i + 1) * d)], acts: [], rews: [] };
          } else {
            piece.obs.push(res.obs.slice(i * d, (i + 1) * d));
          }
        }
        lastObs.set(res.obs);
        this.updateProgressRemaining();
        if (
          !(await callback.step(
            this.callbackContext({ infos: res.infos, rewards: res.rewards, terminated: res.terminated, truncated: res.truncated }),
          ))
        ) {
          stopped = true;
          break;
        }
        if (performance.now() - lastYield > 100) {
          await yieldToEventLoop();
          lastYield = performance.now();
        }
      }
      // The round's unfinished episodes go in as truncated pieces; they continue in the next round.
      for (let i = 0; i < n; i++) {
        if ((this.pieces[i] as Piece).acts.length === 0) continue;
        this.closePiece(i, false, true);
        this.pieces[i] = this.newPiece(i);
      }
      this.labels += stats.steps;
      stats.expertLabels = this.labels;
      await callback.rolloutEnd(this.callbackContext());
      this.lastRound = stats;
      if (stopped) return;
      stats.bc = await this.trainLearner();
      this.round++;
      if (this.shouldLog(this.round)) this.logRound(stats);
      if (this.verbose >= 1) {
        const ret = stats.episodeReturns.length ? mean(stats.episodeReturns).toFixed(1) : 'n/a';
        console.log(
          `DAgger round ${round}: β ${beta.toFixed(3)}, ${stats.steps} steps, ${this.labels} expert labels, episode return ${ret}, BC loss ${stats.bc?.loss.toFixed(4)}`,
        );
      }
    }
  }

  /** A new piece for env i starting at its current observation. */
  private newPiece(i: number): Piece {
    const d = this.obsEncoder.compactDim;
    return { obs: [(this.lastObs as Float32Array).slice(i * d, (i + 1) * d)], acts: [], rews: [] };
  }

  /** Move env i's piece into the aggregate as a trajectory (its obs rows already include the final one). */
  private closePiece(i: number, terminated: boolean, truncated: boolean): void {
    const piece = this.pieces[i] as Piece;
    const T = piece.acts.length;
    if (T === 0) return;
    const d = this.obsEncoder.compactDim;
    const k = this.actionSpace.compactDim;
    const obs = new Float32Array((T + 1) * d);
    piece.obs.forEach((row, t) => obs.set(row, t * d));
    const acts = this.integerActions ? new Int32Array(T * k) : new Float32Array(T * k);
    piece.acts.forEach((row, t) => acts.set(row, t * k));
    this.aggregate.push({ obs, acts, rews: Float32Array.from(piece.rews), terminated, truncated, obsDim: d, actDim: k });
  }

  /** The expert's action for one observation, checked and written at `out[offset …]`. */
  private queryExpert(
    expert: (obs: Float32Array) => ArrayLike<number> | number,
    obs: Float32Array,
    out: Int32Array | Float32Array,
    offset: number,
    round: number,
    step: number,
  ): void {
    const k = this.actionSpace.compactDim;
    const where = `round ${round}, step ${step}`;
    const a = expert(Float32Array.from(obs));
    if (typeof a === 'number') {
      if (k !== 1) {
        throw new TypeError(`DAgger: ${where}: the expert returned one number but the action space ${String(this.actionSpace)} needs ${k}`);
      }
      out[offset] = a;
    } else if (a !== null && typeof a === 'object' && typeof (a as ArrayLike<number>).length === 'number') {
      if (a.length < k) {
        throw new TypeError(
          `DAgger: ${where}: the expert returned ${a.length} number(s) but the action space ${String(this.actionSpace)} needs ${k}`,
        );
      }
      for (let j = 0; j < k; j++) out[offset + j] = Number(a[j]);
    } else {
      throw new TypeError(`DAgger: ${where}: the expert returned ${describe(a)}, expected a number or an array of numbers`);
    }
    const row = out.subarray(offset, offset + k);
    const why = explainCompactRow(this.actionSpace, row, 0);
    // An Int32Array row would hide a fractional Discrete action (2.5 → 2): check the raw answer too.
    const raw = typeof a === 'number' ? [a] : Array.from({ length: k }, (_, j) => Number((a as ArrayLike<number>)[j]));
    const notInteger = this.integerActions && raw.some((v) => !Number.isInteger(v));
    if (why !== null || notInteger) {
      throw new RangeError(
        `DAgger: ${where}: the expert's action [${raw.join(', ')}] is not in the action space ${String(this.actionSpace)} (${why ?? 'not an integer'})`,
      );
    }
  }

  /** Continue training the BC learner on the whole aggregate; returns its last epoch. */
  private async trainLearner(): Promise<BCEpochStats | undefined> {
    const bc = this.bc;
    bc.setDemonstrations(this.dataset);
    const before = bc.numUpdates;
    const history = await bc.train({ nEpochs: this.hyperparameters.bcEpochsPerRound });
    this.numUpdates += bc.numUpdates - before;
    return history.at(-1);
  }

  private logRound(s: DAggerRoundStats): void {
    const extra: Record<string, number> = {
      'dagger/round': s.round,
      'dagger/beta': s.beta,
      'dagger/expert_labels': s.expertLabels,
      'dagger/expert_action_fraction': s.steps > 0 ? s.expertActions / s.steps : 0,
    };
    if (s.episodeReturns.length > 0) extra['dagger/round_ep_rew_mean'] = mean(s.episodeReturns);
    const b = s.bc;
    if (b) {
      extra['bc/loss'] = b.loss;
      if (b.accuracy !== undefined) extra['bc/accuracy'] = b.accuracy;
      if (b.entropy !== undefined) extra['bc/entropy'] = b.entropy;
      extra['bc/l2_norm'] = b.l2Norm;
      extra['bc/learning_rate'] = this.bc.optimizer.lr;
      extra['time/gradient_steps'] = this.numUpdates;
    }
    this.logTrainingStats(extra);
  }

  // ------------------------------------------------------------------ acting

  /** The BC learner's action: see `BC.predict` (argmax / clipped mean; stochastic samples its policy). */
  protected predictRows(rows: Float32Array, deterministic: boolean): Int32Array | Float32Array {
    return this.bc.predict(rows, { deterministic }) as Int32Array | Float32Array;
  }
}

/** The expert as a function of one observation (a predictor is asked deterministically). */
function expertFunction(expert: DAggerExpert): (obs: Float32Array) => ArrayLike<number> | number {
  if (typeof expert === 'function') return expert;
  if (expert && typeof expert === 'object' && typeof (expert as RecordPredictor).predict === 'function') {
    return (obs) => (expert as RecordPredictor).predict(obs, { deterministic: true });
  }
  throw new TypeError(
    `DAgger: expert must be a function (obs: Float32Array) => action or an object with predict(obs, {deterministic}) such as a trained agent, got ${describe(expert)}`,
  );
}

function mean(xs: number[]): number {
  return xs.reduce((a, x) => a + x, 0) / xs.length;
}

function describe(x: unknown): string {
  if (x === null) return 'null';
  if (x === undefined) return 'undefined';
  if (typeof x === 'object')
    return Array.isArray(x) ? `an array [${x.join(', ')}]` : `an object without predict (keys: ${Object.keys(x).join(', ') || 'none'})`;
  return `${typeof x} ${String(x)}`;
}
