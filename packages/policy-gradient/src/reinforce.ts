/**
 * REINFORCE (Williams 1992): Monte-Carlo policy gradient on whole episodes,
 * ∇J ≈ mean_t ∇log π(a_t|s_t) · (G_t − b(s_t)), with G_t the discounted return from t, an
 * optional learned value baseline b = V (trained by regression on G_t), and optional
 * normalisation of the returns / advantages over each batch of episodes.
 *
 * Several envs (a VecEnv) collect episodes in parallel; an update uses only episodes played
 * entirely with the current policy, so an episode still running at an update is finished but
 * not used. The collection loop is `OnPolicyAlgorithm`'s; REINFORCE stores whole episodes
 * instead of a fixed-length rollout, and a rollout ends when `nEpisodes` episodes are complete.
 */
import * as tf from '@tensorflow/tfjs';
import {
  Adam,
  type AlgorithmOptions,
  type CommonOptions,
  type EnvSpecifier,
  type HyperparameterInput,
  OnPolicyAlgorithm,
  type ResolvedHyperparameters,
  type RolloutStep,
  computeGradients,
  defineHyperparameters,
  policyHyperparameters,
} from '@tfrl/core';
import { standardize } from './on-policy';

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

function emptyTrajectory(stale: boolean): Trajectory {
  return { obs: [], actions: [], rewards: [], values: [], stale };
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

export type ReinforceHp = ResolvedHyperparameters<typeof reinforceHyperparameters>;
export type ReinforceOptions<E extends EnvSpecifier = EnvSpecifier> = CommonOptions & { env: E } & HyperparameterInput<
    typeof reinforceHyperparameters
  >;

export class REINFORCE<E extends EnvSpecifier = any> extends OnPolicyAlgorithm<ReinforceHp, E> {
  static override readonly algorithmName = 'REINFORCE';
  static override readonly hyperparameterSchema = reinforceHyperparameters;

  readonly optimizer: Adam;
  lastTrainStats: ReinforceTrainStats | undefined;

  private readonly variables: tf.Variable[];
  private trajectories: Trajectory[] = [];
  private finished: { obs: number[]; actions: number[]; returns: Float32Array; values: number[] }[] = [];

  constructor(options: ReinforceOptions<E>) {
    super(options as unknown as AlgorithmOptions);
    const hp = this.hyperparameters;
    // A truncated episode's last return bootstraps from V(final observation) only with a baseline.
    this.bootstrapTruncation = hp.baseline;
    this.variables = hp.baseline ? this.policy.variables : this.policy.actorVariables;
    this.optimizer = new Adam(this.variables, { lr: this.scheduleValue('learningRate'), maxGradNorm: hp.maxGradNorm ?? undefined });
    this.trajectories = Array.from({ length: this.env.numEnvs }, () => emptyTrajectory(false));
  }

  protected override optimizers() {
    return { policy: this.optimizer };
  }

  /** Episodes that ran with the current policy continue into the next rollout; nothing to reset. */
  protected override startRollout(): void {}

  protected override rolloutComplete(totalTimesteps: number): boolean {
    return this.finished.length >= this.hyperparameters.nEpisodes || this.numTimesteps >= totalTimesteps;
  }

  protected override storeStep(s: RolloutStep): void {
    const n = this.env.numEnvs;
    const d = this.policy.obsDim;
    const ad = this.policy.actDim;
    const { result } = s;
    for (let e = 0; e < n; e++) {
      const tr = this.trajectories[e] as Trajectory;
      if (!tr.stale) {
        for (let j = 0; j < d; j++) tr.obs.push(s.obs[e * d + j] as number);
        for (let j = 0; j < ad; j++) tr.actions.push(s.actions[e * ad + j] as number);
        tr.rewards.push(s.rewards[e] as number);
        tr.values.push(s.values[e] as number);
      }
      if (!(result.terminated[e] || result.truncated[e])) continue;
      if (!tr.stale) {
        // A truncated episode's last reward gets γ·V(final observation) (baseline only).
        if (s.bootstraps[e])
          tr.rewards[tr.rewards.length - 1] = (tr.rewards[tr.rewards.length - 1] as number) + (s.bootstraps[e] as number);
        const returns = discountedReturns(tr.rewards, this.hyperparameters.gamma);
        this.finished.push({ obs: tr.obs, actions: tr.actions, returns, values: tr.values });
      }
      this.trajectories[e] = emptyTrajectory(false);
    }
  }

  /** Envs mid-episode hold data of the policy about to change: they finish their episode unused. */
  protected override finishRollout(): void {
    if (this.finished.length < this.hyperparameters.nEpisodes) return;
    for (const tr of this.trajectories) if (tr.obs.length > 0) Object.assign(tr, emptyTrajectory(true));
  }

  train(): Record<string, number> | undefined {
    if (this.finished.length < this.hyperparameters.nEpisodes) return undefined;
    const s = this.update();
    return {
      'train/policy_loss': s.policyLoss,
      'train/value_loss': s.valueLoss,
      'train/entropy': s.entropy,
      'train/learning_rate': this.optimizer.lr,
    };
  }

  /** One gradient step on the finished episodes (which are then dropped). */
  update(): ReinforceTrainStats {
    const hp = this.hyperparameters;
    const eps = this.finished;
    this.finished = [];
    const total = eps.reduce((a, e) => a + e.returns.length, 0);
    const d = this.policy.obsDim;
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
}
