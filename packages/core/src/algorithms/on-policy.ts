/**
 * `OnPolicyAlgorithm` (SB3's): collect a rollout with the current policy on a VecEnv, compute
 * advantages, update, repeat. A learner on it writes only its loss and `train()`.
 *
 * One rollout (`collectRollouts`):
 * 1. act on the last observations (`policy.act`: one forward pass and one read per step);
 * 2. step the env; count timesteps, record finished episodes, call the callbacks;
 * 3. a time-limit truncation bootstraps: γ·V(final observation) is kept for that step
 *    (`RolloutBuffer.bootstraps`), so every episode end is then treated alike;
 * 4. after `nSteps` steps: the reward hook `processRolloutRewards` (GAIL and AIRL replace the
 *    rewards there), then GAE(λ) (`computeReturnsAndAdvantage`).
 *
 * Observation and reward normalisation is a `VecNormalize` wrapper around the env (the
 * `normalize*` hyperparameters create it); its statistics are saved with the agent and `predict`
 * normalises raw observations with them.
 */
import * as tf from '@tensorflow/tfjs';
import { Algorithm, type AlgorithmOptions, type AnyEnv, type EnvSpecifier, isVecEnv, yieldToEventLoop } from '../algorithm';
import { RolloutBuffer } from '../buffers/rollout';
import type { BaseCallback } from '../callbacks';
import type { VecEnv, VecStepResult } from '../env';
import { Box } from '../spaces';
import { SyncVecEnv } from '../vec-env';
import { VecNormalize, findVecNormalize } from '../vec-normalize';
import type { RunningMeanStd } from '../wrappers';
import { type ActResult, ActorCriticPolicy, type GaussianHead } from './policy';

/** The policy hyperparameters of the on-policy learners (defaults differ per learner). */
export function policyHyperparameters(defaults: { netArch: number[]; orthoInit?: boolean }) {
  return {
    netArch: { type: 'number[]', default: defaults.netArch, min: 1, doc: 'hidden layer sizes of the policy and value networks' },
    activation: { type: 'enum', values: ['tanh', 'relu', 'elu', 'leaky_relu'], default: 'tanh', doc: 'hidden activation' },
    orthoInit: {
      type: 'boolean',
      default: defaults.orthoInit ?? true,
      doc: 'orthogonal init (gains √2, policy head 0.01, value head 1) instead of Glorot',
    },
    logStdInit: {
      type: 'number',
      default: 0,
      doc: 'initial log standard deviation of a Gaussian policy (with gSDE: every entry of the log-std matrix)',
    },
  } as const;
}

/** SB3's on-policy gSDE options (`use_sde`, `sde_sample_freq`, `full_std`, `use_expln`). */
export const gsdeHyperparameters = {
  useSde: {
    type: 'boolean',
    default: false,
    doc: 'generalized State-Dependent Exploration (gSDE) instead of independent Gaussian noise (Box actions only)',
  },
  sdeSampleFreq: {
    type: 'integer',
    default: -1,
    min: -1,
    doc: 'gSDE: draw a new noise matrix every n steps (-1 = only at the start of each rollout)',
  },
  fullStd: { type: 'boolean', default: true, doc: 'gSDE: a log-std per (latent feature, action) instead of one per latent feature' },
  useExpln: { type: 'boolean', default: false, doc: 'gSDE: σ = expln(log σ) (exp below 0, log1p + 1 above) instead of exp' },
  learnFeatures: {
    type: 'boolean',
    default: false,
    doc: 'gSDE: let the noise gradients flow into the latent features (SB3 on-policy: false)',
  },
} as const;

/** VecNormalize options as hyperparameters. */
export const normalizationHyperparameters = {
  normalize: { type: 'boolean', default: false, doc: 'normalise observations and rewards with running statistics (VecNormalize)' },
  normalizeObs: { type: 'boolean', default: null, nullable: true, doc: 'override `normalize` for observations' },
  normalizeReward: { type: 'boolean', default: null, nullable: true, doc: 'override `normalize` for rewards' },
  clipObs: { type: 'number', default: 10, exclusiveMin: 0, doc: 'clip normalised observations to ±clipObs' },
  clipReward: { type: 'number', default: 10, exclusiveMin: 0, doc: 'clip normalised rewards to ±clipReward' },
} as const;

/** The hyperparameters the base reads (a learner's schema has them, or the defaults apply). */
export interface OnPolicyHp {
  gamma: number;
  gaeLambda?: number;
  nSteps?: number;
  netArch: number[];
  activation: 'tanh' | 'relu' | 'elu' | 'leaky_relu';
  orthoInit: boolean;
  logStdInit: number;
  sharedNetwork?: boolean;
  gaussianHead?: GaussianHead;
  outputInitUniform?: number | null;
  useSde?: boolean;
  sdeSampleFreq?: number;
  fullStd?: boolean;
  useExpln?: boolean;
  learnFeatures?: boolean;
  normalize?: boolean;
  normalizeObs?: boolean | null;
  normalizeReward?: boolean | null;
  clipObs?: number;
  clipReward?: number;
}

/** What one vector step of a rollout produced (flat arrays of numEnvs rows). */
export interface RolloutStep {
  /** Network inputs the actions were taken on (encoded, normalised observations). */
  obs: Float32Array;
  /** Policy-format actions (indices for Discrete, unclipped samples for Box). */
  actions: Float32Array;
  values: Float32Array;
  logProbs: Float32Array;
  /** The (normalised) rewards of the step. */
  rewards: Float32Array;
  /** γ·V(final observation) for truncated episodes, 0 elsewhere. */
  bootstraps: Float64Array;
  /** Whether `obs` started an episode. */
  episodeStarts: Float32Array;
  result: VecStepResult;
}

export abstract class OnPolicyAlgorithm<H extends OnPolicyHp, E = any> extends Algorithm<H, E> {
  declare readonly env: VecEnv;
  readonly policy: ActorCriticPolicy;
  /** nSteps × numEnvs rollout storage (undefined for learners that collect whole episodes). */
  readonly rolloutBuffer: RolloutBuffer | undefined;
  /** Bootstrap time-limit truncations with V(final observation) (SB3's behaviour). */
  protected bootstrapTruncation = true;
  protected lastObs: Float32Array | undefined;
  protected readonly lastEpisodeStarts: Float32Array;
  private lastYield = 0;

  constructor(options: AlgorithmOptions) {
    super(options);
    const hp = this.hyperparameters;
    const act = this.actionSpace;
    if (hp.useSde && !(act instanceof Box)) {
      throw new Error(`${this.algorithmName}: useSde (gSDE) needs a continuous (Box) action space, got ${String(act)}`);
    }
    this.policy = this.makePolicy();
    const n = this.env.numEnvs;
    if (hp.nSteps !== undefined) {
      this.rolloutBuffer = new RolloutBuffer({
        nSteps: hp.nSteps,
        numEnvs: n,
        obsDim: this.obsEncoder.inputDim,
        actionDim: this.policy.actDim,
        actionDtype: this.policy.discrete ? 'int32' : 'float32',
      });
    }
    this.lastEpisodeStarts = new Float32Array(n).fill(1);
  }

  /** Always a VecEnv (a single Env becomes a one-env SyncVecEnv), wrapped in VecNormalize when asked. */
  protected override resolveEnv(spec: EnvSpecifier): AnyEnv {
    const env = super.resolveEnv(spec);
    const vec = isVecEnv(env) ? env : new SyncVecEnv([() => env]);
    const { obs, reward } = this.normalization();
    if (!obs && !reward) return vec;
    if (findVecNormalize(vec)) {
      throw new Error(`${this.algorithmName}: the env is already a VecNormalize; do not also set the normalize hyperparameters`);
    }
    if (obs && !(vec.singleObservationSpace instanceof Box)) {
      throw new Error(
        `${this.algorithmName}: observation normalisation needs a Box observation space, got ${String(vec.singleObservationSpace)}`,
      );
    }
    const hp = this.hyperparameters;
    return new VecNormalize(vec, { normObs: obs, normReward: reward, clipObs: hp.clipObs, clipReward: hp.clipReward, gamma: hp.gamma });
  }

  /** Which of observations and rewards the `normalize*` hyperparameters normalise. */
  protected normalization(): { obs: boolean; reward: boolean } {
    const hp = this.hyperparameters;
    return { obs: hp.normalizeObs ?? hp.normalize ?? false, reward: hp.normalizeReward ?? hp.normalize ?? false };
  }

  /** The policy from the hyperparameters; override for another architecture. */
  protected makePolicy(): ActorCriticPolicy {
    const hp = this.hyperparameters;
    return new ActorCriticPolicy({
      obsDim: this.obsEncoder.inputDim,
      actionSpace: this.actionSpace,
      netArch: hp.netArch,
      activation: hp.activation,
      shared: hp.sharedNetwork ?? false,
      orthoInit: hp.orthoInit,
      logStdInit: hp.logStdInit,
      gaussianHead: hp.gaussianHead,
      outputInitUniform: hp.outputInitUniform,
      sde: hp.useSde ? { fullStd: hp.fullStd, useExpln: hp.useExpln, learnFeatures: hp.learnFeatures } : null,
      rng: this.rng,
      name: this.algorithmName.toLowerCase(),
    });
  }

  /** Log std of a Gaussian policy (with gSDE: of the exploration weights); undefined for discrete actions. */
  get logStd(): tf.Variable | undefined {
    return this.policy.logStd;
  }

  /** gSDE's exploration weights (undefined without `useSde`). */
  get sdeNoise() {
    return this.policy.sdeNoise;
  }

  /** Running observation statistics of the VecNormalize env, if observations are normalised. */
  get obsRms(): RunningMeanStd | undefined {
    return findVecNormalize(this.env)?.obsRms;
  }

  /** Running statistics of the discounted return, if rewards are normalised. */
  get retRms(): RunningMeanStd | undefined {
    return findVecNormalize(this.env)?.retRms;
  }

  /** Network inputs of raw compact observations: normalised (VecNormalize statistics, no update) and encoded. */
  normalizeObservation(obs: Float32Array): Float32Array {
    const vn = findVecNormalize(this.env);
    return this.obsEncoder.encode(vn ? vn.normalizeObs(obs) : obs);
  }

  protected predictRows(rows: Float32Array, deterministic: boolean): Int32Array | Float32Array {
    const { actions } = this.policy.act(this.normalizeObservation(rows), deterministic, this.rng);
    return this.policy.toEnvActions(actions);
  }

  /**
   * gSDE: draw new exploration weights, one matrix per env for a batch of `nEnvs` (SB3's
   * `reset_noise`). No-op without `useSde`.
   */
  resetNoise(nEnvs = this.env.numEnvs): void {
    this.policy.resetNoise(this.rng.tfSeed(), nEnvs);
  }

  // ------------------------------------------------------------------ the loop

  /** One update from the collected rollout; returns the scalars to log (tags `train/...`). */
  abstract train(): Record<string, number> | undefined;

  protected async trainLoop(totalTimesteps: number, callback: BaseCallback): Promise<void> {
    if (!this.lastObs) {
      this.lastObs = Float32Array.from(this.env.reset(this.envResetSeed));
      this.lastEpisodeStarts.fill(1);
    }
    let iteration = 0;
    while (this.numTimesteps < totalTimesteps) {
      if (!(await this.collectRollouts(callback, totalTimesteps))) break;
      iteration++;
      await this.maybeYield(true);
      this.updateProgressRemaining();
      const scalars = this.train();
      if (!scalars) continue;
      // Explained variance is NaN whenever the returns have no variance (as in SB3); it is a diagnostic, not a quantity that diverges.
      const { 'train/explained_variance': _explained, ...checked } = scalars;
      this.assertFinite(checked);
      if (this.shouldLog(iteration)) this.logTrainingStats({ ...scalars, ...this.stdScalar(), 'train/n_updates': this.numUpdates });
    }
  }

  /** Let timers and I/O run about every 100 ms (progress output, test runners' heartbeats). */
  protected async maybeYield(force = false): Promise<void> {
    const now = performance.now();
    if (force || now - this.lastYield > 100) {
      this.lastYield = now;
      await yieldToEventLoop();
    }
  }

  /** SB3's `train/std`: mean of exp(log std) of a Gaussian policy with a log-std parameter. */
  protected stdScalar(): Record<string, number> {
    const ls = this.policy.logStd;
    if (!ls) return {};
    const m = tf.tidy(() => tf.mean(tf.exp(ls)));
    const v = m.dataSync()[0] as number;
    m.dispose();
    return { 'train/std': v };
  }

  /** Collect one rollout. Returns false when a callback stopped training. */
  protected async collectRollouts(callback: BaseCallback, totalTimesteps: number): Promise<boolean> {
    const hp = this.hyperparameters;
    const n = this.env.numEnvs;
    this.startRollout();
    await callback.rolloutStart(this.callbackContext());
    const sde = this.policy.sdeNoise !== undefined;
    let x = this.obsEncoder.encode(this.lastObs as Float32Array);
    for (let step = 0; !this.rolloutComplete(totalTimesteps); step++) {
      // gSDE: new exploration weights at the start of the rollout and every sdeSampleFreq steps.
      if (sde && (step === 0 || ((hp.sdeSampleFreq ?? -1) > 0 && step % (hp.sdeSampleFreq as number) === 0))) this.resetNoise(n);
      const act: ActResult = this.policy.act(x, false, this.rng);
      // Divergence guard (no extra read): non-finite actions or values mean the networks diverged.
      for (let i = 0; i < act.values.length; i++)
        if (!Number.isFinite(act.values[i] as number)) this.assertFinite({ value: act.values[i] as number });
      for (let i = 0; i < act.actions.length; i++)
        if (!Number.isFinite(act.actions[i] as number)) this.assertFinite({ action: act.actions[i] as number });
      const result = this.env.step(this.policy.toEnvActions(act.actions));
      this.numTimesteps += n;
      this.recordEpisodeInfos(result.infos);
      const locals = {
        infos: result.infos,
        rewards: result.rewards,
        terminated: result.terminated,
        truncated: result.truncated,
        finalObs: result.finalObs,
      };
      if (!(await callback.step(this.callbackContext(locals)))) return false;
      const bootstraps = new Float64Array(n);
      if (this.bootstrapTruncation) {
        let anyTrunc = false;
        for (let i = 0; i < n; i++) if (result.truncated[i] && !result.terminated[i]) anyTrunc = true;
        if (anyTrunc) {
          // Time-limit truncation: bootstrap with the value of the final observation (as SB3).
          const finalValues = this.policy.values(this.obsEncoder.encode(result.finalObs));
          for (let i = 0; i < n; i++) {
            if (result.truncated[i] && !result.terminated[i]) bootstraps[i] = hp.gamma * (finalValues[i] as number);
          }
        }
      }
      this.storeStep({
        obs: x,
        actions: act.actions,
        values: act.values,
        logProbs: act.logProbs,
        rewards: Float32Array.from(result.rewards),
        bootstraps,
        episodeStarts: Float32Array.from(this.lastEpisodeStarts),
        result,
      });
      (this.lastObs as Float32Array).set(result.obs);
      for (let i = 0; i < n; i++) this.lastEpisodeStarts[i] = (result.terminated[i] as number) | (result.truncated[i] as number);
      x = this.obsEncoder.encode(this.lastObs as Float32Array);
      await this.maybeYield();
    }
    this.finishRollout(x);
    await callback.rolloutEnd(this.callbackContext());
    return true;
  }

  /** Start a rollout (default: empty the rollout buffer). */
  protected startRollout(): void {
    this.rolloutBuffer?.reset();
  }

  /** Whether the rollout is complete (default: the rollout buffer is full). */
  protected rolloutComplete(_totalTimesteps: number): boolean {
    return (this.rolloutBuffer as RolloutBuffer).full;
  }

  /** Store one vector step (default: in the rollout buffer). */
  protected storeStep(s: RolloutStep): void {
    (this.rolloutBuffer as RolloutBuffer).add(
      s.obs,
      s.actions,
      s.rewards,
      s.episodeStarts,
      s.values,
      s.logProbs,
      s.result.terminated,
      s.result.truncated,
      s.bootstraps,
    );
  }

  /** After the last step: the reward hook, then returns and advantages (GAE). `x`: network inputs of the next observations. */
  protected finishRollout(x: Float32Array): void {
    const buffer = this.rolloutBuffer as RolloutBuffer;
    this.processRolloutRewards(buffer);
    buffer.computeReturnsAndAdvantage(
      this.policy.values(x),
      this.lastEpisodeStarts,
      this.hyperparameters.gamma,
      this.hyperparameters.gaeLambda ?? 1,
    );
  }

  /**
   * Hook: rewrite `buffer.rewards` (rows `[step][env]`, network inputs in `buffer.obs`, actions in
   * `buffer.actions`) before advantages are computed. Truncation bootstraps are kept apart in
   * `buffer.bootstraps` and added afterwards, so replacing the rewards keeps them.
   */
  protected processRolloutRewards(_buffer: RolloutBuffer): void {}

  protected override networks() {
    return { policy: this.policy };
  }

  protected override loopState(): Record<string, unknown> | undefined {
    if (!this.lastObs) return undefined;
    return { lastObs: Array.from(this.lastObs), lastEpisodeStarts: Array.from(this.lastEpisodeStarts) };
  }

  protected override loadLoopState(state: Record<string, unknown>): void {
    const obs = state.lastObs as number[] | undefined;
    const starts = state.lastEpisodeStarts as number[] | undefined;
    if (!Array.isArray(obs) || !Array.isArray(starts) || starts.length !== this.lastEpisodeStarts.length) return;
    this.lastObs = Float32Array.from(obs);
    this.lastEpisodeStarts.set(starts);
  }
}
