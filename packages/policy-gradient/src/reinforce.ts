/**
 * REINFORCE (Williams 1992): Monte-Carlo policy gradient on whole episodes,
 * ∇J ≈ mean_t ∇log π(a_t|s_t) · (G_t − b(s_t)), with G_t the discounted return from t, an
 * optional learned value baseline b = V (trained by regression on G_t), and optional
 * normalisation of the returns / advantages over each batch of episodes.
 *
 * Several envs (a VecEnv) collect episodes in parallel; an update uses only episodes played
 * entirely with the current policy, so an episode still running at an update is finished but
 * not used.
 */
import * as tf from '@tensorflow/tfjs';
import {
  Adam,
  Algorithm,
  type AlgorithmOptions,
  type AnyEnv,
  type BaseCallback,
  Box,
  type CheckpointTensor,
  Discrete,
  type EnvSpecifier,
  type StateTensor,
  type VecEnv,
  computeGradients,
  defineHyperparameters,
} from '@tfrl/core';
import { OnPolicyNetwork, adamStateTensors, asVecEnv, loadAdamState, standardize } from './on-policy';

export const reinforceHyperparameters = defineHyperparameters({
  learningRate: { type: 'schedule', default: 1e-3, exclusiveMin: 0, doc: 'Adam step size (number or schedule)' },
  gamma: { type: 'number', default: 0.99, min: 0, max: 1, doc: 'discount factor' },
  nEpisodes: { type: 'integer', default: 1, min: 1, doc: 'complete episodes per update' },
  baseline: { type: 'boolean', default: false, doc: 'subtract a learned value baseline V(s) from the returns' },
  normalizeReturns: { type: 'boolean', default: true, doc: 'standardise the returns (or advantages, with a baseline) over each batch' },
  entCoef: { type: 'number', default: 0, doc: 'entropy bonus coefficient' },
  vfCoef: { type: 'number', default: 0.5, min: 0, doc: 'value loss coefficient (baseline only)' },
  maxGradNorm: { type: 'number', default: null, exclusiveMin: 0, nullable: true, doc: 'global gradient-norm clip (null = off)' },
  netArch: { type: 'number[]', default: [64], min: 1, doc: 'hidden layer sizes of the policy (and value) network' },
  activation: { type: 'enum', values: ['tanh', 'relu', 'elu', 'leaky_relu'], default: 'tanh', doc: 'hidden activation' },
  orthoInit: { type: 'boolean', default: true, doc: 'orthogonal init (policy head gain 0.01) instead of Glorot' },
  logStdInit: { type: 'number', default: 0, doc: 'initial log standard deviation of a Gaussian policy' },
});

type ReinforceHp = {
  learningRate: number | string | ((p: number) => number);
  gamma: number;
  nEpisodes: number;
  baseline: boolean;
  normalizeReturns: boolean;
  entCoef: number;
  vfCoef: number;
  maxGradNorm: number | null;
  netArch: number[];
  activation: 'tanh' | 'relu' | 'elu' | 'leaky_relu';
  orthoInit: boolean;
  logStdInit: number;
};

export type ReinforceOptions = AlgorithmOptions & Partial<ReinforceHp> & { env: EnvSpecifier };

export interface ReinforceTrainStats {
  policyLoss: number;
  valueLoss: number;
  entropy: number;
  episodes: number;
  steps: number;
}

/**
 * Discounted returns of one episode: G_t = r_t + γ G_{t+1}, G_T = `bootstrap` (the value of the
 * state after the last reward when the episode was truncated, else 0).
 */
export function discountedReturns(rewards: ArrayLike<number>, gamma: number, bootstrap = 0): Float32Array {
  const n = rewards.length;
  const out = new Float32Array(n);
  let g = bootstrap;
  for (let t = n - 1; t >= 0; t--) {
    g = (rewards[t] as number) + gamma * g;
    out[t] = g;
  }
  return out;
}

/** An episode being played by one env. */
interface Trajectory {
  obs: number[];
  actions: number[];
  rewards: number[];
  values: number[];
  /** Started before the last update: finish it, do not learn from it. */
  stale: boolean;
}

export class REINFORCE extends Algorithm<ReinforceHp> {
  static override readonly algorithmName = 'REINFORCE';
  static override readonly hyperparameterSchema = reinforceHyperparameters;

  declare readonly env: VecEnv;
  readonly policy: OnPolicyNetwork;
  readonly optimizer: Adam;
  readonly obsDim: number;
  lastTrainStats: ReinforceTrainStats | undefined;

  private readonly variables: tf.Variable[];
  private lastObs: Float32Array | undefined;
  private trajectories: Trajectory[] = [];
  private finished: { obs: number[]; actions: number[]; returns: Float32Array; values: number[] }[] = [];

  constructor(options: ReinforceOptions) {
    super(options);
    const hp = this.hyperparameters;
    const obsSpace = this.env.singleObservationSpace;
    const actSpace = this.env.singleActionSpace;
    if (!(obsSpace instanceof Box)) throw new Error(`REINFORCE: observation space must be a Box, got ${String(obsSpace)}`);
    if (!(actSpace instanceof Discrete || actSpace instanceof Box)) {
      throw new Error(`REINFORCE: action space must be Discrete or Box, got ${String(actSpace)}`);
    }
    this.obsDim = this.env.obsDim;
    this.policy = new OnPolicyNetwork({
      obsDim: this.obsDim,
      actionSpace: actSpace,
      netArch: hp.netArch,
      activation: hp.activation,
      shared: false,
      orthoInit: hp.orthoInit,
      logStdInit: hp.logStdInit,
      rng: this.rng,
      name: 'reinforce',
    });
    this.variables = hp.baseline ? this.policy.variables : this.policy.actorVariables;
    this.optimizer = new Adam(this.variables, { lr: this.scheduleValue('learningRate'), maxGradNorm: hp.maxGradNorm ?? undefined });
  }

  protected override resolveEnv(spec: EnvSpecifier): AnyEnv {
    return asVecEnv(super.resolveEnv(spec));
  }

  predict(obs: Float32Array, options: { deterministic?: boolean } = {}): Int32Array | Float32Array {
    if (obs.length % this.obsDim !== 0) {
      throw new RangeError(`REINFORCE.predict: observation length ${obs.length} is not a multiple of the observation size ${this.obsDim}`);
    }
    const det = options.deterministic ?? false;
    const { actions } = this.policy.act(obs, det, det ? 0 : this.rng.tfSeed());
    return this.policy.toEnvActions(actions);
  }

  protected async trainLoop(totalTimesteps: number, callback: BaseCallback): Promise<void> {
    const hp = this.hyperparameters;
    const env = this.env;
    const n = env.numEnvs;
    const d = this.obsDim;
    const ad = this.policy.actDim;
    if (!this.lastObs) {
      this.lastObs = Float32Array.from(env.reset(this.seed));
      this.trajectories = Array.from({ length: n }, () => ({ obs: [], actions: [], rewards: [], values: [], stale: false }));
    }
    let iteration = 0;
    await callback.rolloutStart(this.callbackContext());
    while (this.numTimesteps < totalTimesteps) {
      const obs = this.lastObs;
      const { actions, values } = this.policy.act(obs, false, this.rng.tfSeed());
      const res = env.step(this.policy.toEnvActions(actions));
      this.numTimesteps += n;
      this.recordEpisodeInfos(res.infos);
      if (!(await callback.step(this.callbackContext({ infos: res.infos, rewards: res.rewards })))) return;
      let truncatedObs: Float32Array | undefined;
      for (let e = 0; e < n; e++) {
        const tr = this.trajectories[e] as Trajectory;
        if (!tr.stale) {
          for (let j = 0; j < d; j++) tr.obs.push(obs[e * d + j] as number);
          for (let j = 0; j < ad; j++) tr.actions.push(actions[e * ad + j] as number);
          tr.rewards.push(res.rewards[e] as number);
          tr.values.push(values[e] as number);
        }
        if (!(res.terminated[e] || res.truncated[e])) continue;
        if (!tr.stale) {
          let boot = 0;
          if (res.truncated[e] && !res.terminated[e] && hp.baseline) {
            truncatedObs ??= Float32Array.from(res.finalObs);
            boot = this.policy.values(truncatedObs.slice(e * d, (e + 1) * d))[0] as number;
          }
          this.finished.push({
            obs: tr.obs,
            actions: tr.actions,
            returns: discountedReturns(tr.rewards, hp.gamma, boot),
            values: tr.values,
          });
        }
        this.trajectories[e] = { obs: [], actions: [], rewards: [], values: [], stale: false };
      }
      this.lastObs = Float32Array.from(res.obs);
      if (this.finished.length >= hp.nEpisodes) {
        await callback.rolloutEnd(this.callbackContext());
        iteration++;
        this.updateProgressRemaining();
        const stats = this.train();
        // Envs mid-episode: their data so far came from the old policy; finish, do not learn.
        for (const tr of this.trajectories) {
          if (tr.obs.length > 0) Object.assign(tr, { obs: [], actions: [], rewards: [], values: [], stale: true });
        }
        if (this.shouldLog(iteration)) {
          this.logTrainingStats({
            'train/policy_loss': stats.policyLoss,
            'train/value_loss': stats.valueLoss,
            'train/entropy': stats.entropy,
            'train/learning_rate': this.optimizer.lr,
            'train/n_updates': this.numUpdates,
          });
        }
        await new Promise<void>((resolve) => setImmediate(resolve));
        await callback.rolloutStart(this.callbackContext());
      }
    }
    await callback.rolloutEnd(this.callbackContext());
  }

  /** One gradient step on the finished episodes (which are then dropped). */
  train(): ReinforceTrainStats {
    const hp = this.hyperparameters;
    const eps = this.finished;
    this.finished = [];
    const total = eps.reduce((a, e) => a + e.returns.length, 0);
    const d = this.obsDim;
    const ad = this.policy.actDim;
    const obs = new Float32Array(total * d);
    const acts = new Float32Array(total * ad);
    const returns = new Float32Array(total);
    const values = new Float32Array(total);
    let off = 0;
    for (const e of eps) {
      const len = e.returns.length;
      obs.set(e.obs, off * d);
      acts.set(e.actions, off * ad);
      returns.set(e.returns, off);
      values.set(e.values, off);
      off += len;
    }
    let adv: Float32Array;
    if (hp.baseline) {
      adv = new Float32Array(total);
      for (let i = 0; i < total; i++) adv[i] = (returns[i] as number) - (values[i] as number);
    } else adv = returns;
    if (hp.normalizeReturns && total > 1) adv = standardize(adv);
    this.optimizer.lr = this.scheduleValue('learningRate');
    const obsT = tf.tensor2d(obs, [total, d]);
    const actT = this.policy.actionTensor(acts, total);
    const advT = tf.tensor1d(adv);
    const retT = tf.tensor1d(returns);
    let statsT: tf.Tensor | undefined;
    const { grads } = computeGradients(
      () => {
        const { dist, value } = hp.baseline ? this.policy.forward(obsT) : { dist: this.policy.policyForward(obsT), value: undefined };
        const logp = dist.logProb(actT as never);
        const pg = tf.neg(tf.mean(tf.mul(logp, advT)));
        const ent = tf.mean(dist.entropy());
        const vf = value ? tf.mean(tf.square(tf.sub(retT, value))) : tf.scalar(0);
        const loss = tf.addN([pg, tf.mul(-hp.entCoef, ent), tf.mul(hp.vfCoef, vf)]) as tf.Scalar;
        statsT = tf.keep(tf.stack([pg, vf, ent]));
        return loss;
      },
      this.variables,
      { readLoss: false },
    );
    this.optimizer.step(grads);
    tf.dispose(grads);
    tf.dispose([obsT, actT, advT, retT]);
    const s = (statsT as tf.Tensor).dataSync();
    (statsT as tf.Tensor).dispose();
    this.numUpdates++;
    const stats: ReinforceTrainStats = {
      policyLoss: s[0] as number,
      valueLoss: s[1] as number,
      entropy: s[2] as number,
      episodes: eps.length,
      steps: total,
    };
    this.lastTrainStats = stats;
    return stats;
  }

  protected stateTensors(): Record<string, StateTensor> {
    return { ...this.policy.weightVariables(), ...adamStateTensors(this.optimizer, 'adam') };
  }

  protected loadStateTensors(tensors: Record<string, CheckpointTensor>): void {
    const req = (name: string) => this.requireTensor(tensors, name);
    this.policy.loadWeights(tensors, req);
    loadAdamState(this.optimizer, 'adam', req);
  }

  override dispose(): void {
    this.policy.dispose();
    this.optimizer.dispose();
  }
}
