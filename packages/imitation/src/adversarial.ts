/**
 * The adversarial part of GAIL (Ho & Ermon 2016), VAIL (Peng et al. 2019) and AIRL (Fu et al.
 * 2018): a discriminator trained to tell expert transitions from the generator's, whose output
 * replaces the env's reward before the on-policy learner computes its advantages.
 *
 * With l the discriminator's logit and D = σ(l) its probability that a transition is the expert's:
 * - the discriminator loss is the binary cross-entropy averaged over an expert batch and a
 *   generated batch of the same size, `mean(softplus(−l_E) ∪ softplus(l_G))`, minus
 *   `discEntCoef` × the mean Bernoulli entropy of all logits (openai/baselines' GAIL), plus
 *   optional terms:
 *   - `discInputNoise` σ: Gaussian noise added to every input row while training (the course's 0.01);
 *   - `discGradPenalty` λ: λ·E[(‖∇_x̂ l(x̂)‖ − 1)²] on random interpolations x̂ of expert and
 *     generated inputs (WGAN-GP's penalty, as DAC uses it for GAIL);
 * - GAIL: l = Mlp([obs, action]) (action one-hot for Discrete spaces);
 * - VAIL: an encoder gives μ(x), log σ(x) of a latent z (dim `vailLatentDim`); l = w·z + b with z
 *   sampled while training and z = μ for rewards. The loss adds β·(KL(N(μ, σ²) ‖ N(0, I)) − I_c),
 *   and after each step β ← max(0, β + α_β·(KL − I_c)) (dual ascent; I_c = `vailIc`, α_β =
 *   `vailBetaStepSize`);
 * - AIRL: l = f(s, a, s′) − log π(a|s) with f = g(s) + γ·(1 − terminated)·h(s′) − h(s), the reward
 *   g and the shaping potential h separate MLPs (g sees the action too unless `airlStateOnly`).
 *   log π is the generator's: stored with each generated step, computed with the current policy
 *   for expert steps.
 *
 * Rewards handed to the learner (`rewardForm`, GAIL and VAIL): −log(1 − D) = softplus(l) (the
 * default, imitation's and openai/baselines'), log D = −softplus(−l), D, or the logit l =
 * log D − log(1 − D). AIRL's reward is always its logit f − log π (the paper's). With
 * `normalizeDiscReward` the rewards are standardised by running statistics of all rewards so far
 * (imitation's `NormalizedRewardNet`).
 */
import * as tf from '@tensorflow/tfjs';
import {
  ACTIVATIONS,
  Adam,
  Box,
  Discrete,
  Mlp,
  type NetworkState,
  type Rng,
  RunningMeanStd,
  type Space,
  activate,
  computeGradients,
  defineHyperparameters,
} from '@tfrl/core';
import type { FlatTransitions } from './data/trajectory';

export const ADVERSARIES = ['gail', 'vail', 'airl'] as const;
export type Adversary = (typeof ADVERSARIES)[number];
export const REWARD_FORMS = ['neg_log_1m_d', 'log_d', 'd', 'logit'] as const;
export type RewardForm = (typeof REWARD_FORMS)[number];

export const adversarialHyperparameters = defineHyperparameters({
  adversary: {
    type: 'enum',
    values: ADVERSARIES,
    default: 'gail' as Adversary,
    doc: "discriminator: 'gail' (MLP on observation and action), 'vail' (variational bottleneck) or 'airl' (g(s) + γh(s′) − h(s) − log π)",
  },
  rewardForm: {
    type: 'enum',
    values: REWARD_FORMS,
    default: 'neg_log_1m_d',
    doc: 'reward from D (gail, vail): −log(1−D), log D, D, or the logit log D − log(1−D); airl always uses its logit',
  },
  discNetArch: { type: 'number[]', default: [64, 64], min: 1, doc: 'hidden layer sizes of the discriminator (each of g and h for airl)' },
  discActivation: { type: 'enum', values: ACTIVATIONS, default: 'tanh', doc: 'hidden activation of the discriminator' },
  discLearningRate: { type: 'number', default: 3e-4, exclusiveMin: 0, doc: 'Adam step size of the discriminator' },
  discBatchSize: { type: 'integer', default: 256, min: 1, doc: 'expert and generated transitions per discriminator step (each)' },
  discUpdatesPerRound: { type: 'integer', default: 4, min: 0, doc: 'discriminator steps after each rollout' },
  discBufferSize: {
    type: 'integer',
    default: null,
    nullable: true,
    min: 1,
    doc: 'generated transitions kept for the discriminator, newest first out last (null = one rollout)',
  },
  discInputNoise: { type: 'number', default: 0, min: 0, doc: 'σ of Gaussian noise added to discriminator inputs while training' },
  discGradPenalty: { type: 'number', default: 0, min: 0, doc: 'λ of the gradient penalty on expert/generated interpolations (gail, vail)' },
  discEntCoef: {
    type: 'number',
    default: 1e-3,
    min: 0,
    doc: 'bonus on the mean Bernoulli entropy of the discriminator (openai/baselines: 1e-3)',
  },
  normalizeDiscReward: { type: 'boolean', default: true, doc: 'standardise the rewards by running mean and std' },
  vailLatentDim: { type: 'integer', default: 16, min: 1, doc: 'vail: dimension of the latent z' },
  vailIc: { type: 'number', default: 0.5, min: 0, doc: 'vail: information constraint I_c on KL(q(z|x) ‖ N(0, I))' },
  vailBetaInit: { type: 'number', default: 0.1, min: 0, doc: 'vail: initial Lagrange multiplier β' },
  vailBetaStepSize: { type: 'number', default: 1e-5, min: 0, doc: 'vail: dual step size α_β of β' },
  airlStateOnly: { type: 'boolean', default: true, doc: 'airl: the reward g sees the state only (the disentangled reward)' },
  absorbingState: {
    type: 'boolean',
    default: false,
    doc: 'gail, vail: an absorbing state after every termination, with its own learned reward (DAC; removes the bias of a reward sign towards long or short episodes)',
  },
  bcPretrainSteps: {
    type: 'integer',
    default: 0,
    min: 0,
    doc: "behavioral-cloning steps on the demonstrations before the first rollout (the policy's log-likelihood; openai/baselines' --pretrained)",
  },
  bcPretrainBatchSize: { type: 'integer', default: 64, min: 1, doc: 'minibatch of the behavioral-cloning pre-training' },
  bcPretrainLearningRate: { type: 'number', default: 1e-3, exclusiveMin: 0, doc: 'Adam step size of the behavioral-cloning pre-training' },
});

export interface AdversarialHp {
  adversary: Adversary;
  rewardForm: RewardForm;
  discNetArch: number[];
  discActivation: (typeof ACTIVATIONS)[number];
  discLearningRate: number;
  discBatchSize: number;
  discUpdatesPerRound: number;
  discBufferSize: number | null;
  discInputNoise: number;
  discGradPenalty: number;
  discEntCoef: number;
  normalizeDiscReward: boolean;
  vailLatentDim: number;
  vailIc: number;
  vailBetaInit: number;
  vailBetaStepSize: number;
  airlStateOnly: boolean;
  absorbingState: boolean;
  bcPretrainSteps: number;
  bcPretrainBatchSize: number;
  bcPretrainLearningRate: number;
}

// ---------------------------------------------------------------------------- pure losses

/** Binary cross-entropy of a discriminator that should output l > 0 on expert rows: mean over both batches of softplus(−l_E), softplus(l_G). */
export function discriminatorBce(expertLogits: tf.Tensor1D, genLogits: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => tf.mean(tf.concat([tf.softplus(tf.neg(expertLogits)), tf.softplus(genLogits)])) as tf.Scalar);
}

/** Mean Bernoulli entropy of σ(l): (1 − σ(l))·l − log σ(l), averaged (openai/baselines' `logit_bernoulli_entropy`). */
export function bernoulliEntropy(logits: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => tf.mean(tf.add(tf.mul(tf.sub(1, tf.sigmoid(logits)), logits), tf.softplus(tf.neg(logits)))) as tf.Scalar);
}

/** The reward of each row from its discriminator logit (see the module comment). */
export function rewardFromLogits(logits: tf.Tensor1D, form: RewardForm): tf.Tensor1D {
  return tf.tidy(() => {
    switch (form) {
      case 'neg_log_1m_d':
        return tf.softplus(logits);
      case 'log_d':
        return tf.neg(tf.softplus(tf.neg(logits)));
      case 'd':
        return tf.sigmoid(logits);
      case 'logit':
        return tf.clone(logits);
    }
  }) as tf.Tensor1D;
}

/** Mean over rows of KL(N(μ, σ²) ‖ N(0, I)) = ½ Σ_j (μ_j² + σ_j² − 1 − 2 log σ_j). mu, logStd [B, k]. */
export function gaussianKlToStandard(mu: tf.Tensor2D, logStd: tf.Tensor2D): tf.Scalar {
  return tf.tidy(
    () =>
      tf.mean(tf.mul(0.5, tf.sum(tf.sub(tf.add(tf.square(mu), tf.exp(tf.mul(2, logStd))), tf.add(1, tf.mul(2, logStd))), 1))) as tf.Scalar,
  );
}

/** VAIL's dual ascent on β: max(0, β + α_β·(KL − I_c)). */
export function vailBetaUpdate(beta: number, kl: number, ic: number, stepSize: number): number {
  return Math.max(0, beta + stepSize * (kl - ic));
}

/** AIRL's shaped reward f = g + γ·(1 − terminated)·h(s′) − h(s), per row. */
export function airlShapedReward(
  g: tf.Tensor1D,
  hState: tf.Tensor1D,
  hNext: tf.Tensor1D,
  terminated: tf.Tensor1D,
  gamma: number,
): tf.Tensor1D {
  return tf.tidy(() => tf.sub(tf.add(g, tf.mul(tf.mul(gamma, tf.sub(1, terminated)), hNext)), hState)) as tf.Tensor1D;
}

/** λ·mean((‖∇_x f(x)‖₂ − 1)²) of a scalar-per-row function f at the rows of x (f must be twice differentiable). */
export function gradientPenalty(f: (x: tf.Tensor2D) => tf.Tensor1D, x: tf.Tensor2D, lambda: number): tf.Scalar {
  const g = tf.grad((xx: tf.Tensor) => tf.sum(f(xx as tf.Tensor2D)))(x) as tf.Tensor2D;
  return tf.mul(lambda, tf.mean(tf.square(tf.sub(tf.sqrt(tf.add(tf.sum(tf.square(g), 1), 1e-12)), 1)))) as tf.Scalar;
}

/** An Mlp's forward pass in plain tfjs ops (twice differentiable, for the gradient penalty). */
function plainForward(net: Mlp, x: tf.Tensor2D, activation: (typeof ACTIVATIONS)[number]): tf.Tensor2D {
  const vars = net.trainableVariables;
  let h = x;
  for (let i = 0; i < vars.length / 2; i++) {
    h = tf.add(tf.matMul(h, vars[2 * i] as tf.Tensor2D), vars[2 * i + 1] as tf.Tensor1D);
    if (i + 1 < vars.length / 2) h = activate(h, activation);
  }
  return h;
}

// ---------------------------------------------------------------------------- the discriminator

/** What the learner tells the discriminator about itself. */
export interface AdversarialHost {
  /** Network inputs of the env's encoded observations. */
  inputDim: number;
  observationSpace: Space<any>;
  actionSpace: Space<any>;
  /** Network inputs of raw compact observations (the learner's normalisation, no update). */
  encodeObservations(compact: Float32Array): Float32Array;
  /** log π(a|s) of the current policy for network inputs x and policy actions (inside a tidy). */
  logProb(x: tf.Tensor2D, actions: tf.Tensor): tf.Tensor1D;
  /** Policy actions of env actions (Discrete: 0-based index; Box: as is), as the policy stores them. */
  actionTensor(actions: Float32Array | Int32Array, b: number): tf.Tensor;
  gamma: number;
  rng: Rng;
}

/** Scalars of the last round of discriminator training (logged with the learner's `train/*`). */
export interface DiscriminatorStats {
  'disc/loss': number;
  'disc/accuracy': number;
  'disc/expert_accuracy': number;
  'disc/gen_accuracy': number;
  'disc/expert_d': number;
  'disc/gen_d': number;
  'disc/entropy': number;
  'disc/grad_penalty'?: number;
  'disc/reward_mean': number;
  'disc/reward_std': number;
  /** The absorbing state's reward (after normalisation) with `absorbingState`. */
  'disc/absorbing_reward'?: number;
  'vail/kl'?: number;
  'vail/beta'?: number;
}

interface RowBlock {
  /** rows × inputDim network inputs */
  x: Float32Array;
  /** rows × actFeatDim action features */
  a: Float32Array;
  /** rows × actDim policy actions (for log π) */
  pa: Float32Array;
  /** rows × inputDim next-observation inputs */
  nx: Float32Array;
  terminated: Float32Array;
  logp: Float32Array;
}

function block(rows: number, inputDim: number, actFeat: number, actDim: number): RowBlock {
  return {
    x: new Float32Array(rows * inputDim),
    a: new Float32Array(rows * actFeat),
    pa: new Float32Array(rows * actDim),
    nx: new Float32Array(rows * inputDim),
    terminated: new Float32Array(rows),
    logp: new Float32Array(rows),
  };
}

/**
 * The discriminator with its optimizer, its buffer of generated transitions and the expert's
 * transitions. A learner feeds it one rollout at a time (`recordStep` while collecting,
 * `rewardsForRollout` at the end) and saves `networks()` / `state()` with its own.
 */
export class AdversarialReward {
  readonly hp: AdversarialHp;
  readonly kind: Adversary;
  readonly optimizer: Adam;
  /** gail: the discriminator; vail: its encoder; airl: g. */
  readonly net: Mlp;
  /** vail: the logit head on z; airl: the potential h. */
  readonly aux: Mlp | undefined;
  /** VAIL's Lagrange multiplier. */
  beta: number;
  readonly rewardRms = new RunningMeanStd(1);
  lastStats: DiscriminatorStats | undefined;

  private readonly host: AdversarialHost;
  private readonly discrete: boolean;
  private readonly actFeat: number;
  /** Columns of the action block: the action features, plus the absorbing-state flag with `absorbingState`. */
  private readonly actWidth: number;
  private readonly absorbing: boolean;
  private readonly actDim: number;
  private readonly actStart: number;
  private readonly low: Float32Array | undefined;
  private readonly high: Float32Array | undefined;
  private expert: { t: FlatTransitions; pa: Float32Array; terminations: number } | undefined;
  /** The rollout being collected. */
  private rollout: RowBlock | undefined;
  private rolloutRows = 0;
  /** Generated transitions for the discriminator (ring buffer). */
  private gen: RowBlock | undefined;
  private genCapacity = 0;
  private genSize = 0;
  private genPos = 0;

  constructor(hp: AdversarialHp, host: AdversarialHost, name = 'disc') {
    this.hp = hp;
    this.kind = hp.adversary;
    this.host = host;
    const act = host.actionSpace;
    if (act instanceof Discrete) {
      this.discrete = true;
      this.actFeat = act.n;
      this.actDim = 1;
      this.actStart = act.start;
    } else if (act instanceof Box) {
      this.discrete = false;
      this.actFeat = act.compactDim;
      this.actDim = act.compactDim;
      this.actStart = 0;
      this.low = Float32Array.from(act.low);
      this.high = Float32Array.from(act.high);
    } else {
      throw new TypeError(`${name}: the action space must be Discrete or Box, got ${String(act)}`);
    }
    this.absorbing = hp.absorbingState;
    this.actWidth = this.actFeat + (this.absorbing ? 1 : 0);
    if (this.kind === 'airl' && hp.absorbingState) {
      throw new RangeError("absorbingState is for the 'gail' and 'vail' discriminators; airl's potential h handles episode ends");
    }
    if (this.kind === 'airl' && hp.discGradPenalty > 0) {
      throw new RangeError("discGradPenalty is for the 'gail' and 'vail' discriminators, not 'airl'");
    }
    const common = { hiddenSizes: hp.discNetArch, activation: hp.discActivation, init: 'orthogonal' as const, rng: host.rng };
    const inDim = host.inputDim + this.actWidth;
    if (this.kind === 'gail') {
      this.net = new Mlp({ ...common, inputDim: inDim, outputDim: 1, name: `${name}/d` });
    } else if (this.kind === 'vail') {
      this.net = new Mlp({ ...common, inputDim: inDim, outputDim: 2 * hp.vailLatentDim, outputGain: 0.01, name: `${name}/encoder` });
      this.aux = new Mlp({ ...common, hiddenSizes: [], inputDim: hp.vailLatentDim, outputDim: 1, name: `${name}/head` });
    } else {
      const gIn = hp.airlStateOnly ? host.inputDim : inDim;
      this.net = new Mlp({ ...common, inputDim: gIn, outputDim: 1, name: `${name}/g` });
      this.aux = new Mlp({ ...common, inputDim: host.inputDim, outputDim: 1, name: `${name}/h` });
    }
    const vars = [...this.net.trainableVariables, ...(this.aux?.trainableVariables ?? [])];
    this.optimizer = new Adam(vars, { lr: hp.discLearningRate });
    this.beta = hp.vailBetaInit;
  }

  get variables(): tf.Variable[] {
    return [...this.net.trainableVariables, ...(this.aux?.trainableVariables ?? [])];
  }

  networks(): Record<string, NetworkState> {
    const out: Record<string, NetworkState> = { [this.kind === 'airl' ? 'reward_g' : 'discriminator']: this.net };
    if (this.aux) out[this.kind === 'airl' ? 'potential_h' : 'discriminator_head'] = this.aux;
    return out;
  }

  state(): Record<string, unknown> {
    return { beta: this.beta, rewardRms: { mean: this.rewardRms.mean[0], var: this.rewardRms.var[0], count: this.rewardRms.count } };
  }

  loadState(s: Record<string, unknown> | undefined): void {
    if (!s) return;
    if (typeof s.beta === 'number') this.beta = s.beta;
    const r = s.rewardRms as { mean?: number; var?: number; count?: number } | undefined;
    if (r && typeof r.mean === 'number' && typeof r.var === 'number' && typeof r.count === 'number') {
      this.rewardRms.mean[0] = r.mean;
      this.rewardRms.var[0] = r.var;
      this.rewardRms.count = r.count;
    }
  }

  dispose(): void {
    this.net.dispose();
    this.aux?.dispose();
    this.optimizer.dispose();
  }

  get hasExpert(): boolean {
    return this.expert !== undefined;
  }

  /** The expert's transitions (checked against the env's spaces by the caller). */
  setExpert(t: FlatTransitions): void {
    if (t.n < 1) throw new RangeError('the demonstrations hold no transition');
    const pa = new Float32Array(t.n * this.actDim);
    for (let i = 0; i < t.n * this.actDim; i++) pa[i] = (t.acts[i] as number) - this.actStart;
    let terminations = 0;
    for (let i = 0; i < t.n; i++) terminations += t.terminated[i] as number;
    this.expert = { t, pa, terminations };
  }

  /**
   * A minibatch of `b` expert rows drawn with the host's rng: network inputs [b, inputDim] and the
   * policy's actions (Discrete: 0-based indices; Box: as recorded).
   */
  expertBatch(b: number): { x: Float32Array; actions: Float32Array } {
    const e = this.expert;
    if (!e) throw new Error('no demonstrations: pass them to the constructor or call setDemonstrations(dataset)');
    const cd = e.t.obsDim;
    const compact = new Float32Array(b * cd);
    const actions = new Float32Array(b * this.actDim);
    for (let i = 0; i < b; i++) {
      const k = this.host.rng.integers(e.t.n);
      compact.set(e.t.obs.subarray(k * cd, (k + 1) * cd), i * cd);
      actions.set(e.pa.subarray(k * this.actDim, (k + 1) * this.actDim), i * this.actDim);
    }
    return { x: this.host.encodeObservations(compact), actions };
  }

  // ------------------------------------------------------------------ collection

  /** Start collecting a rollout of `rows` = nSteps × numEnvs transitions. */
  startRollout(rows: number): void {
    if (!this.rollout || this.rollout.terminated.length !== rows) {
      this.rollout = block(rows, this.host.inputDim, this.actWidth, this.actDim);
    }
    this.rolloutRows = 0;
  }

  /**
   * One vector step: `x` the network inputs acted on, `actions` the policy's actions, `logProbs`
   * theirs, `nextX` the inputs of the next observations (final observations where an episode
   * ended), `terminated` per env.
   */
  recordStep(
    x: Float32Array,
    actions: Float32Array | Int32Array,
    logProbs: Float32Array,
    nextX: Float32Array,
    terminated: Uint8Array,
  ): void {
    const r = this.rollout as RowBlock;
    const n = terminated.length;
    const d = this.host.inputDim;
    const row0 = this.rolloutRows;
    if (row0 + n > r.terminated.length) throw new RangeError('AdversarialReward.recordStep: more steps than the rollout holds');
    r.x.set(x.subarray(0, n * d), row0 * d);
    r.nx.set(nextX.subarray(0, n * d), row0 * d);
    r.pa.set(actions.subarray(0, n * this.actDim), row0 * this.actDim);
    this.actionFeatures(actions, n, r.a, row0);
    r.logp.set(logProbs.subarray(0, n), row0);
    for (let i = 0; i < n; i++) r.terminated[row0 + i] = terminated[i] as number;
    this.rolloutRows += n;
  }

  /** One-hot (Discrete, policy index) or clipped (Box) action features of n rows, written at row `row0` of `out`. */
  private actionFeatures(actions: ArrayLike<number>, n: number, out: Float32Array, row0: number): void {
    const f = this.actFeat;
    const w = this.actWidth;
    // Zero the rows first: one-hot zeros, and the absorbing flag is 0 on every real transition.
    out.fill(0, row0 * w, (row0 + n) * w);
    if (this.discrete) {
      for (let i = 0; i < n; i++) {
        const a = actions[i] as number;
        if (!(a >= 0 && a < f)) throw new RangeError(`discriminator: action ${a} is outside Discrete(${f})`);
        out[(row0 + i) * w + a] = 1;
      }
      return;
    }
    const low = this.low as Float32Array;
    const high = this.high as Float32Array;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < f; j++) {
        const v = actions[i * f + j] as number;
        out[(row0 + i) * w + j] = Math.min(Math.max(v, low[j] as number), high[j] as number);
      }
    }
  }

  /** Write the absorbing state at row `row` of a block: zero observation, zero action, flag 1. */
  private writeAbsorbing(g: RowBlock, row: number): void {
    const d = this.host.inputDim;
    const w = this.actWidth;
    g.x.fill(0, row * d, (row + 1) * d);
    g.nx.fill(0, row * d, (row + 1) * d);
    g.a.fill(0, row * w, (row + 1) * w);
    g.a[row * w + w - 1] = 1;
    g.pa.fill(0, row * this.actDim, (row + 1) * this.actDim);
    g.terminated[row] = 0;
    g.logp[row] = 0;
  }

  // ------------------------------------------------------------------ training and rewards

  /**
   * After a rollout: add it to the generated buffer, run `discUpdatesPerRound` discriminator
   * steps, and return the rollout's rewards (rows in collection order).
   */
  rewardsForRollout(): Float32Array {
    const rows = this.rolloutRows;
    const r = this.rollout as RowBlock;
    if (!this.expert) throw new Error('no demonstrations: pass them to the constructor or call setDemonstrations(dataset)');
    this.pushGenerated(r, rows);
    this.lastStats = this.trainDiscriminator(this.hp.discUpdatesPerRound);
    // With an absorbing state, one more row: its reward (the last entry).
    const all = this.computeRewards(r, rows, this.absorbing);
    const rewards = all.subarray(0, rows);
    let mean = 0;
    for (let i = 0; i < rows; i++) mean += rewards[i] as number;
    mean /= rows;
    let v = 0;
    for (let i = 0; i < rows; i++) v += ((rewards[i] as number) - mean) ** 2;
    const stats = this.lastStats as DiscriminatorStats;
    stats['disc/reward_mean'] = mean;
    stats['disc/reward_std'] = Math.sqrt(v / rows);
    if (this.hp.normalizeDiscReward) {
      this.rewardRms.update(rewards);
      const m = this.rewardRms.mean[0] as number;
      const s = Math.sqrt((this.rewardRms.var[0] as number) + 1e-8);
      for (let i = 0; i < rows + (this.absorbing ? 1 : 0); i++) all[i] = ((all[i] as number) - m) / s;
    }
    if (this.absorbing) {
      // A terminated step is followed by the absorbing state forever: its value γ·r_abs / (1 − γ).
      const rAbs = all[rows] as number;
      const gamma = this.host.gamma;
      const tail = gamma < 1 ? (gamma * rAbs) / (1 - gamma) : 0;
      for (let i = 0; i < rows; i++) if (r.terminated[i]) rewards[i] = (rewards[i] as number) + tail;
      stats['disc/absorbing_reward'] = rAbs;
    }
    this.rolloutRows = 0;
    return rewards;
  }

  private pushGenerated(r: RowBlock, rows: number): void {
    const cap = this.hp.discBufferSize ?? rows;
    const d = this.host.inputDim;
    if (!this.gen || this.genCapacity !== cap) {
      this.gen = block(cap, d, this.actWidth, this.actDim);
      this.genCapacity = cap;
      this.genSize = 0;
      this.genPos = 0;
    }
    const g = this.gen;
    // Only the newest `cap` rows matter when the rollout is larger than the buffer.
    const start = Math.max(0, rows - cap);
    for (let i = start; i < rows; i++) {
      const p = this.genPos;
      g.x.set(r.x.subarray(i * d, (i + 1) * d), p * d);
      g.nx.set(r.nx.subarray(i * d, (i + 1) * d), p * d);
      g.a.set(r.a.subarray(i * this.actWidth, (i + 1) * this.actWidth), p * this.actWidth);
      g.pa.set(r.pa.subarray(i * this.actDim, (i + 1) * this.actDim), p * this.actDim);
      g.terminated[p] = r.terminated[i] as number;
      g.logp[p] = r.logp[i] as number;
      this.genPos = (p + 1) % cap;
      this.genSize = Math.min(this.genSize + 1, cap);
      if (this.absorbing && r.terminated[i]) {
        // DAC: the episode goes on in the absorbing state.
        this.writeAbsorbing(g, this.genPos);
        this.genPos = (this.genPos + 1) % cap;
        this.genSize = Math.min(this.genSize + 1, cap);
      }
    }
  }

  /** A batch's tensors: expert rows first (b of them), then generated rows (b). */
  private batchTensors(b: number): { x: tf.Tensor2D; a: tf.Tensor2D; nx: tf.Tensor2D; term: tf.Tensor1D; logp: tf.Tensor1D } {
    const rng = this.host.rng;
    const d = this.host.inputDim;
    const w = this.actWidth;
    const e = this.expert as NonNullable<typeof this.expert>;
    const g = this.gen as RowBlock;
    const cd = e.t.obsDim;
    const compact = new Float32Array(2 * b * cd);
    const xs = new Float32Array(2 * b * d);
    const as = new Float32Array(2 * b * w);
    const nxs = new Float32Array(2 * b * d);
    const term = new Float32Array(2 * b);
    const logp = new Float32Array(2 * b);
    // Expert rows: the transitions, plus one absorbing state per terminated trajectory (DAC).
    const pool = e.t.n + (this.absorbing ? e.terminations : 0);
    const eRows = new Int32Array(b);
    for (let i = 0; i < b; i++) {
      const k = rng.integers(pool);
      eRows[i] = k < e.t.n ? k : -1;
      if (k >= e.t.n) continue;
      compact.set(e.t.obs.subarray(k * cd, (k + 1) * cd), i * cd);
      compact.set(e.t.nextObs.subarray(k * cd, (k + 1) * cd), (b + i) * cd);
      term[i] = e.t.terminated[k] as number;
    }
    const enc = this.host.encodeObservations(compact);
    xs.set(enc.subarray(0, b * d), 0);
    nxs.set(enc.subarray(b * d, 2 * b * d), 0);
    const ePa = new Float32Array(b * this.actDim);
    for (let i = 0; i < b; i++) {
      const k = eRows[i] as number;
      if (k >= 0) ePa.set(e.pa.subarray(k * this.actDim, (k + 1) * this.actDim), i * this.actDim);
    }
    this.actionFeatures(ePa, b, as, 0);
    for (let i = 0; i < b; i++) {
      if ((eRows[i] as number) >= 0) continue;
      xs.fill(0, i * d, (i + 1) * d);
      nxs.fill(0, i * d, (i + 1) * d);
      as.fill(0, i * w, (i + 1) * w);
      as[i * w + w - 1] = 1;
      term[i] = 0;
    }
    for (let i = 0; i < b; i++) {
      const k = rng.integers(this.genSize);
      xs.set(g.x.subarray(k * d, (k + 1) * d), (b + i) * d);
      nxs.set(g.nx.subarray(k * d, (k + 1) * d), (b + i) * d);
      as.set(g.a.subarray(k * w, (k + 1) * w), (b + i) * w);
      term[b + i] = g.terminated[k] as number;
      logp[b + i] = g.logp[k] as number;
    }
    if (this.kind === 'airl') {
      // log π of the expert's actions under the current policy.
      const lp = tf.tidy(() => this.host.logProb(tf.tensor2d(xs.subarray(0, b * d), [b, d]), this.host.actionTensor(ePa, b)));
      logp.set(lp.dataSync() as Float32Array, 0);
      lp.dispose();
    }
    return {
      x: tf.tensor2d(xs, [2 * b, d]),
      a: tf.tensor2d(as, [2 * b, w]),
      nx: tf.tensor2d(nxs, [2 * b, d]),
      term: tf.tensor1d(term),
      logp: tf.tensor1d(logp),
    };
  }

  /** Logits of rows (inside a tidy). `train`: VAIL samples z (else uses μ); returns the KL for VAIL. */
  logits(
    x: tf.Tensor2D,
    a: tf.Tensor2D,
    nx: tf.Tensor2D,
    term: tf.Tensor1D,
    logp: tf.Tensor1D,
    train: boolean,
  ): { logits: tf.Tensor1D; kl?: tf.Scalar } {
    if (this.kind === 'gail') return { logits: tf.squeeze(this.net.apply(tf.concat([x, a], 1)), [1]) as tf.Tensor1D };
    if (this.kind === 'vail') {
      const k = this.hp.vailLatentDim;
      const out = this.net.apply(tf.concat([x, a], 1));
      const b = out.shape[0];
      const mu = tf.slice(out, [0, 0], [b, k]) as tf.Tensor2D;
      const logStd = tf.slice(out, [0, k], [b, k]) as tf.Tensor2D;
      const z = train ? tf.add(mu, tf.mul(tf.exp(logStd), tf.randomNormal([b, k], 0, 1, 'float32', this.host.rng.tfSeed()))) : mu;
      return { logits: tf.squeeze((this.aux as Mlp).apply(z as tf.Tensor2D), [1]) as tf.Tensor1D, kl: gaussianKlToStandard(mu, logStd) };
    }
    const gIn = this.hp.airlStateOnly ? x : (tf.concat([x, a], 1) as tf.Tensor2D);
    const h = this.aux as Mlp;
    const f = airlShapedReward(
      tf.squeeze(this.net.apply(gIn), [1]) as tf.Tensor1D,
      tf.squeeze(h.apply(x), [1]) as tf.Tensor1D,
      tf.squeeze(h.apply(nx), [1]) as tf.Tensor1D,
      term,
      this.host.gamma,
    );
    return { logits: tf.sub(f, logp) as tf.Tensor1D };
  }

  /** Run n discriminator steps; returns the stats averaged over them. */
  trainDiscriminator(n: number): DiscriminatorStats {
    const hp = this.hp;
    const b = hp.discBatchSize;
    const sums = new Float64Array(8);
    let klSum = 0;
    for (let step = 0; step < n; step++) {
      const t = this.batchTensors(b);
      let kept: tf.Tensor | undefined;
      const { grads } = computeGradients(
        () => {
          let x = t.x;
          let a = t.a;
          let nx = t.nx;
          if (hp.discInputNoise > 0) {
            const s = hp.discInputNoise;
            x = tf.add(x, tf.randomNormal(x.shape, 0, s, 'float32', this.host.rng.tfSeed())) as tf.Tensor2D;
            a = tf.add(a, tf.randomNormal(a.shape, 0, s, 'float32', this.host.rng.tfSeed())) as tf.Tensor2D;
            if (this.kind === 'airl') nx = tf.add(nx, tf.randomNormal(nx.shape, 0, s, 'float32', this.host.rng.tfSeed())) as tf.Tensor2D;
          }
          const { logits, kl } = this.logits(x, a, nx, t.term, t.logp, true);
          const lE = tf.slice(logits, [0], [b]) as tf.Tensor1D;
          const lG = tf.slice(logits, [b], [b]) as tf.Tensor1D;
          const bce = discriminatorBce(lE, lG);
          const ent = bernoulliEntropy(logits);
          let loss = tf.sub(bce, tf.mul(hp.discEntCoef, ent)) as tf.Scalar;
          if (kl) loss = tf.add(loss, tf.mul(this.beta, tf.sub(kl, hp.vailIc))) as tf.Scalar;
          let gp: tf.Scalar = tf.scalar(0);
          if (hp.discGradPenalty > 0) {
            const inputs = tf.concat([x, a], 1) as tf.Tensor2D;
            const eps = tf.randomUniform([b, 1], 0, 1, 'float32', this.host.rng.tfSeed());
            const eIn = tf.slice(inputs, [0, 0], [b, -1]);
            const gIn = tf.slice(inputs, [b, 0], [b, -1]);
            const mix = tf.add(tf.mul(eps, eIn), tf.mul(tf.sub(1, eps), gIn)) as tf.Tensor2D;
            gp = gradientPenalty((xx) => this.plainLogits(xx), mix, hp.discGradPenalty);
            loss = tf.add(loss, gp) as tf.Scalar;
          }
          const expertAcc = tf.mean(tf.cast(tf.greater(lE, 0), 'float32'));
          const genAcc = tf.mean(tf.cast(tf.less(lG, 0), 'float32'));
          kept = tf.keep(
            tf.stack([loss, expertAcc, genAcc, tf.mean(tf.sigmoid(lE)), tf.mean(tf.sigmoid(lG)), ent, gp, kl ?? tf.scalar(0)]),
          );
          return loss;
        },
        this.variables,
        { readLoss: false },
      );
      this.optimizer.step(grads);
      for (const g of grads) g.dispose();
      for (const v of Object.values(t)) v.dispose();
      const s = (kept as tf.Tensor).dataSync();
      (kept as tf.Tensor).dispose();
      for (let i = 0; i < 8; i++) sums[i] = (sums[i] as number) + (s[i] as number);
      if (this.kind === 'vail') {
        const kl = s[7] as number;
        klSum += kl;
        this.beta = vailBetaUpdate(this.beta, kl, hp.vailIc, hp.vailBetaStepSize);
      }
      for (let i = 0; i < 8; i++) {
        if (!Number.isFinite(s[i] as number))
          throw new Error(`discriminator: non-finite training statistic ${i} (${s[i]}) at step ${step}`);
      }
    }
    const k = Math.max(n, 1);
    const out: DiscriminatorStats = {
      'disc/loss': (sums[0] as number) / k,
      'disc/expert_accuracy': (sums[1] as number) / k,
      'disc/gen_accuracy': (sums[2] as number) / k,
      'disc/accuracy': ((sums[1] as number) + (sums[2] as number)) / (2 * k),
      'disc/expert_d': (sums[3] as number) / k,
      'disc/gen_d': (sums[4] as number) / k,
      'disc/entropy': (sums[5] as number) / k,
      'disc/reward_mean': 0,
      'disc/reward_std': 0,
    };
    if (hp.discGradPenalty > 0) out['disc/grad_penalty'] = (sums[6] as number) / k;
    if (this.kind === 'vail') {
      out['vail/kl'] = klSum / k;
      out['vail/beta'] = this.beta;
    }
    return out;
  }

  /** GAIL / VAIL logits by plain ops from concatenated [x, a] inputs (for the gradient penalty; VAIL at z = μ). */
  private plainLogits(inputs: tf.Tensor2D): tf.Tensor1D {
    const act = this.hp.discActivation;
    if (this.kind === 'gail') return tf.squeeze(plainForward(this.net, inputs, act), [1]) as tf.Tensor1D;
    const out = plainForward(this.net, inputs, act);
    const mu = tf.slice(out, [0, 0], [out.shape[0], this.hp.vailLatentDim]) as tf.Tensor2D;
    return tf.squeeze(plainForward(this.aux as Mlp, mu, act), [1]) as tf.Tensor1D;
  }

  /** Rewards of stored rows (one forward pass, one read); `withAbsorbing` appends the absorbing state's. */
  private computeRewards(r: RowBlock, rows: number, withAbsorbing = false): Float32Array {
    const d = this.host.inputDim;
    const w = this.actWidth;
    const n = rows + (withAbsorbing ? 1 : 0);
    const out = tf.tidy(() => {
      let x = tf.tensor2d(r.x.subarray(0, rows * d), [rows, d]);
      let a = tf.tensor2d(r.a.subarray(0, rows * w), [rows, w]);
      let nx = tf.tensor2d(r.nx.subarray(0, rows * d), [rows, d]);
      let term = tf.tensor1d(r.terminated.subarray(0, rows));
      let logp = tf.tensor1d(r.logp.subarray(0, rows));
      if (withAbsorbing) {
        const flag = new Float32Array(w);
        flag[w - 1] = 1;
        x = tf.concat([x, tf.zeros([1, d])]) as tf.Tensor2D;
        a = tf.concat([a, tf.tensor2d(flag, [1, w])]) as tf.Tensor2D;
        nx = tf.concat([nx, tf.zeros([1, d])]) as tf.Tensor2D;
        term = tf.concat([term, tf.zeros([1])]) as tf.Tensor1D;
        logp = tf.concat([logp, tf.zeros([1])]) as tf.Tensor1D;
      }
      const { logits } = this.logits(x, a, nx, term, logp, false);
      return this.kind === 'airl' ? logits : rewardFromLogits(logits, this.hp.rewardForm);
    });
    const rewards = Float32Array.from(out.dataSync() as Float32Array);
    out.dispose();
    if (rewards.length !== n) throw new Error(`discriminator: ${rewards.length} rewards for ${n} rows`);
    return rewards;
  }

  /** Rewards of arbitrary transitions (for inspection and tests): compact observations, env actions, next observations. */
  predictRewards(
    obs: Float32Array,
    actions: Float32Array | Int32Array,
    nextObs: Float32Array,
    terminated: Uint8Array,
    logProbs?: Float32Array,
  ): Float32Array {
    const n = terminated.length;
    const r = block(n, this.host.inputDim, this.actWidth, this.actDim);
    r.x.set(this.host.encodeObservations(obs));
    r.nx.set(this.host.encodeObservations(nextObs));
    const pa = new Float32Array(n * this.actDim);
    for (let i = 0; i < n * this.actDim; i++) pa[i] = (actions[i] as number) - this.actStart;
    this.actionFeatures(pa, n, r.a, 0);
    for (let i = 0; i < n; i++) r.terminated[i] = terminated[i] as number;
    if (logProbs) r.logp.set(logProbs);
    return this.computeRewards(r, n);
  }
}
