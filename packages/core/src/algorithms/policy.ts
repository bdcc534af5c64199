/**
 * The policy of the on-policy learners (PPO, A2C, TRPO, REINFORCE, and imitation learners built
 * on them): an actor-critic MLP with a Categorical (Discrete) or diagonal Gaussian (Box) head,
 * optionally with gSDE exploration. `act` does one forward pass and one read per batch; for the
 * few rows of a vectorised env step a Categorical policy acts on the host (plain JavaScript over
 * cached weights), which the backend-independent `accelerations` switch can turn off.
 */
import * as tf from '@tensorflow/tfjs';
import type { Module } from '../algorithm';
import { Categorical, DiagGaussian, StateDependentNoise, StateDependentNoiseDistribution } from '../distributions';
import { activate } from '../nn/dense';
import { ActorCriticMlp } from '../nn/mlp';
import { uniqueName } from '../nn/init';
import type { Rng } from '../rng';
import { Box, Discrete, type Space } from '../spaces';
import { accelerations } from './accelerations';

/**
 * How a Gaussian policy gets its standard deviation:
 * - `state_independent`: mean from the actor network, a learned log-std vector (SB3);
 * - `tanh_softplus`: the actor outputs [mean, s] per dimension; mean = tanh(·) × action bound and
 *   log σ = softplus(s), state-dependent (the A2C Pendulum actor of the course, "softplus then exp").
 */
/**
 * Policy outputs → env actions: integers for a Discrete space (`low` undefined, `start` added),
 * values clipped to [low, high] per dimension for a Box.
 */
export function toEnvActionArray(
  actions: ArrayLike<number>,
  out: Int32Array | Float32Array,
  low?: Float32Array,
  high?: Float32Array,
  start = 0,
): Int32Array | Float32Array {
  if (!low || !high) {
    for (let i = 0; i < actions.length; i++) out[i] = (actions[i] as number) + start;
    return out;
  }
  const d = low.length;
  for (let i = 0; i < actions.length; i++) {
    const j = i % d;
    const v = actions[i] as number;
    out[i] = v < (low[j] as number) ? (low[j] as number) : v > (high[j] as number) ? (high[j] as number) : v;
  }
  return out;
}

export type GaussianHead = 'state_independent' | 'tanh_softplus';

export interface ActorCriticPolicyOptions {
  /** Network input width (the observation encoder's `inputDim`). */
  obsDim: number;
  actionSpace: Space<any>;
  netArch: number[];
  activation: 'tanh' | 'relu' | 'elu' | 'leaky_relu';
  shared: boolean;
  orthoInit: boolean;
  logStdInit: number;
  gaussianHead?: GaussianHead;
  /** Re-initialise the policy and value output layers uniformly in ±this (null: keep the init). */
  outputInitUniform?: number | null;
  /**
   * generalized State-Dependent Exploration (Box actions, state_independent head): the log std
   * becomes a [latentDim, actDim] ([latentDim, 1] without fullStd) matrix initialised to logStdInit
   * and the noise a linear function of the policy's last hidden activations (SB3's `use_sde`).
   */
  sde?: { fullStd?: boolean; useExpln?: boolean; learnFeatures?: boolean } | null;
  rng: Rng;
  name: string;
}

/** Result of acting on a batch: actions (rows of actDim), values and log-probabilities. */
export interface ActResult {
  actions: Float32Array;
  values: Float32Array;
  logProbs: Float32Array;
}

/**
 * One forward pass of a policy over a batch of observations: sampled (or mode) actions, values and
 * log-probabilities, packed on the device and read back with a single `dataSync`. A gSDE
 * distribution samples with `sde`'s current exploration weights, any other with `seed`.
 * The tf path of {@link ActorCriticPolicy.act}.
 */
export function actBatch(
  obs: Float32Array,
  obsDim: number,
  actDim: number,
  discrete: boolean,
  deterministic: boolean,
  seed: number,
  sde: StateDependentNoise | undefined,
  forward: (x: tf.Tensor2D) => { dist: Categorical | DiagGaussian | StateDependentNoiseDistribution; value: tf.Tensor1D },
): ActResult {
  const b = obs.length / obsDim;
  const packed = tf.tidy(() => {
    const { dist, value } = forward(tf.tensor2d(obs, [b, obsDim]));
    const a = deterministic
      ? dist.mode()
      : dist instanceof StateDependentNoiseDistribution
        ? dist.sample((sde as StateDependentNoise).weightsFor(b))
        : dist.sample(seed);
    const logp = dist.logProb(a as never);
    const aCols = discrete ? tf.reshape(tf.cast(a, 'float32'), [b, 1]) : (a as tf.Tensor2D);
    return tf.concat([aCols, tf.reshape(value, [b, 1]), tf.reshape(logp, [b, 1])], 1);
  });
  const data = packed.dataSync() as Float32Array;
  packed.dispose();
  const k = actDim + 2;
  const actions = new Float32Array(b * actDim);
  const values = new Float32Array(b);
  const logProbs = new Float32Array(b);
  for (let i = 0; i < b; i++) {
    for (let j = 0; j < actDim; j++) actions[i * actDim + j] = data[i * k + j] as number;
    values[i] = data[i * k + actDim] as number;
    logProbs[i] = data[i * k + actDim + 1] as number;
  }
  return { actions, values, logProbs };
}

/** Largest batch the on-policy learners act on through the host forward pass (`actCategoricalHost`). */
export const HOST_ACT_MAX_ROWS = 64;

/**
 * `actBatch` for a Categorical policy computed on the host (`ActorCriticMlp.forwardHost`): for the
 * few rows of a vectorised env step the ~40 tfjs kernels of a batched forward, sampling and
 * log-prob cost more than the arithmetic. Sampled actions are drawn by inverse CDF with one
 * `uniform()` per row (the learner's seeded Rng), so runs stay reproducible.
 */
export function actCategoricalHost(
  net: ActorCriticMlp,
  obs: Float32Array,
  b: number,
  deterministic: boolean,
  uniform: () => number,
): ActResult {
  const { logitsOrMean: logits, value } = net.forwardHost(obs, b);
  const k = logits.length / b;
  const actions = new Float32Array(b);
  const logProbs = new Float32Array(b);
  for (let i = 0; i < b; i++) {
    const row = i * k;
    let m = -Infinity;
    let best = 0;
    for (let j = 0; j < k; j++) {
      const z = logits[row + j] as number;
      if (z > m) {
        m = z;
        best = j;
      }
    }
    let sum = 0;
    for (let j = 0; j < k; j++) sum += Math.exp((logits[row + j] as number) - m);
    let a = best;
    if (!deterministic) {
      const u = uniform() * sum;
      let c = 0;
      a = k - 1;
      for (let j = 0; j < k; j++) {
        c += Math.exp((logits[row + j] as number) - m);
        if (u < c) {
          a = j;
          break;
        }
      }
    }
    actions[i] = a;
    logProbs[i] = (logits[row + a] as number) - m - Math.log(sum);
  }
  return { actions, values: value, logProbs };
}

/**
 * Policy and value networks with a Categorical (Discrete) or diagonal Gaussian (Box) policy, as
 * the on-policy learners use them; `act` does one forward pass and one read.
 */
export class ActorCriticPolicy implements Module {
  readonly discrete: boolean;
  readonly obsDim: number;
  /** 1 for Discrete, the Box dimension otherwise. */
  readonly actDim: number;
  readonly head: GaussianHead;
  readonly net: ActorCriticMlp;
  readonly logStd: tf.Variable | undefined;
  readonly low: Float32Array | undefined;
  readonly high: Float32Array | undefined;
  /** `start` of a Discrete action space (added to action indices in env format). */
  readonly actionStart: number = 0;
  private readonly bound: tf.Tensor1D | undefined;
  readonly name: string;
  readonly activation: 'tanh' | 'relu' | 'elu' | 'leaky_relu';
  /** gSDE's exploration weights (undefined without `sde`). */
  readonly sdeNoise: StateDependentNoise | undefined;
  private readonly sdeOptions: { useExpln: boolean; learnFeatures: boolean } | undefined;

  constructor(o: ActorCriticPolicyOptions) {
    this.name = o.name;
    this.activation = o.activation;
    this.obsDim = o.obsDim;
    this.head = o.gaussianHead ?? 'state_independent';
    let outputs: number;
    if (o.actionSpace instanceof Discrete) {
      this.discrete = true;
      this.actDim = 1;
      outputs = o.actionSpace.n;
      this.actionStart = o.actionSpace.start;
    } else if (o.actionSpace instanceof Box) {
      this.discrete = false;
      this.actDim = o.actionSpace.compactDim;
      this.low = Float32Array.from(o.actionSpace.low);
      this.high = Float32Array.from(o.actionSpace.high);
      outputs = this.head === 'tanh_softplus' ? 2 * this.actDim : this.actDim;
    } else {
      throw new Error(`${o.name}: action space must be Discrete or Box, got ${String(o.actionSpace)}`);
    }
    this.net = new ActorCriticMlp({
      inputDim: o.obsDim,
      actionDim: outputs,
      shared: o.shared,
      hiddenSizes: o.netArch,
      activation: o.activation,
      init: o.orthoInit ? 'orthogonal' : 'glorot',
      actorGain: o.orthoInit ? 0.01 : 1,
      criticGain: 1,
      rng: o.rng,
      name: o.name,
    });
    const u = o.outputInitUniform;
    if (u !== null && u !== undefined) {
      for (const m of [this.net.actor, this.net.critic]) {
        for (const v of m.trainableVariables.slice(-2)) {
          const data = new Float32Array(v.size);
          o.rng.fillUniform(data, -u, u);
          const t = tf.tensor(data, v.shape);
          v.assign(t);
          t.dispose();
        }
      }
    }
    if (o.sde) {
      if (this.discrete) throw new Error(`${o.name}: useSde (gSDE) needs a continuous (Box) action space, got ${String(o.actionSpace)}`);
      if (this.head !== 'state_independent')
        throw new Error(`${o.name}: useSde (gSDE) needs gaussianHead 'state_independent', got '${this.head}'`);
      this.sdeOptions = { useExpln: o.sde.useExpln ?? false, learnFeatures: o.sde.learnFeatures ?? false };
      this.sdeNoise = new StateDependentNoise(this.net.latentDimPi, this.actDim);
    }
    if (!this.discrete && this.head === 'state_independent') {
      const shape = o.sde ? [this.net.latentDimPi, (o.sde.fullStd ?? true) ? this.actDim : 1] : [this.actDim];
      const init = tf.fill(shape, o.logStdInit);
      this.logStd = tf.variable(init, true, uniqueName(`${o.name}/log_std`));
      init.dispose();
    }
    if (!this.discrete && this.head === 'tanh_softplus') {
      const hi = this.high as Float32Array;
      const lo = this.low as Float32Array;
      // The course scales tanh by the bound of a symmetric box; for an asymmetric one use the half range around the centre.
      this.bound = tf.keep(tf.tensor1d(hi.map((h, i) => (h - (lo[i] as number)) / 2)));
      this.center = tf.keep(tf.tensor1d(hi.map((h, i) => (h + (lo[i] as number)) / 2)));
    }
  }

  private readonly center: tf.Tensor1D | undefined;

  /** Policy variables (actor network, shared trunk, log-std). */
  get actorVariables(): tf.Variable[] {
    const n = this.net;
    return [...(n.trunk ? n.trunk.trainableVariables : []), ...n.actor.trainableVariables, ...(this.logStd ? [this.logStd] : [])];
  }

  /** Value-network variables (without the shared trunk). */
  get criticVariables(): tf.Variable[] {
    return this.net.critic.trainableVariables;
  }

  get variables(): tf.Variable[] {
    return [...this.net.trainableVariables, ...(this.logStd ? [this.logStd] : [])];
  }

  /** The policy's distribution for a head output [B, outputs] (and, with gSDE, the latent features [B, L]). */
  distributionFromOutput(out: tf.Tensor2D, latent?: tf.Tensor2D): Categorical | DiagGaussian | StateDependentNoiseDistribution {
    if (this.discrete) return new Categorical(out);
    if (this.sdeOptions) {
      if (!latent) throw new Error(`${this.name}: a gSDE policy needs the latent features of the batch`);
      return new StateDependentNoiseDistribution(out, this.logStd as tf.Tensor as tf.Tensor2D, latent, this.sdeOptions);
    }
    if (this.head === 'state_independent') return new DiagGaussian(out, this.logStd as tf.Tensor1D);
    const d = this.actDim;
    const b = out.shape[0];
    const mean = tf.add(
      tf.mul(tf.tanh(tf.slice(out, [0, 0], [b, d])), this.bound as tf.Tensor1D),
      this.center as tf.Tensor1D,
    ) as tf.Tensor2D;
    const logStd = tf.softplus(tf.slice(out, [0, d], [b, d])) as tf.Tensor2D;
    return new DiagGaussian(mean, logStd);
  }

  /** Distribution and values of a batch (inside a tidy). */
  forward(x: tf.Tensor2D): {
    dist: Categorical | DiagGaussian | StateDependentNoiseDistribution;
    value: tf.Tensor1D;
    /** The actor head's raw output (logits, means, or [mean, s]). */
    logitsOrMean: tf.Tensor2D;
  } {
    if (this.sdeOptions) {
      const { logitsOrMean, value, latentPi } = this.net.forwardWithLatent(x, { inputGrad: false });
      return { dist: this.distributionFromOutput(logitsOrMean, latentPi), value, logitsOrMean };
    }
    const { logitsOrMean, value } = this.net.forward(x, { inputGrad: false });
    return { dist: this.distributionFromOutput(logitsOrMean), value, logitsOrMean };
  }

  /** Policy distribution only (no value network pass when the networks are separate). */
  policyForward(x: tf.Tensor2D): Categorical | DiagGaussian | StateDependentNoiseDistribution {
    const n = this.net;
    const h = n.trunk ? n.trunk.apply(x, { inputGrad: false }) : x;
    if (this.sdeOptions) {
      if (n.trunk) return this.distributionFromOutput(n.actor.apply(h), h);
      const { hidden, out } = n.actor.applyWithHidden(x, { inputGrad: false });
      return this.distributionFromOutput(out, hidden);
    }
    return this.distributionFromOutput(n.actor.apply(h, { inputGrad: !!n.trunk }));
  }

  /**
   * The policy distribution computed with plain tfjs ops (matMul, add, activation) instead of the
   * `dense` custom-gradient kernels: twice differentiable, for Hessian-vector products (TRPO).
   */
  policyForwardTwiceDifferentiable(x: tf.Tensor2D): Categorical | DiagGaussian {
    if (this.sdeOptions) throw new Error(`${this.name}: policyForwardTwiceDifferentiable does not support gSDE`);
    return this.distributionFromOutput(this.actorOutputPlain(x)) as Categorical | DiagGaussian;
  }

  /** gSDE: draw new exploration weights (one matrix per env for a batch of `nEnvs`); no-op otherwise. */
  resetNoise(seed: number, nEnvs = 1): void {
    this.sdeNoise?.reset(seed, nEnvs);
  }

  /** The actor head's raw output (logits, means, or [mean, s]) by plain tfjs ops. */
  actorOutputPlain(x: tf.Tensor2D): tf.Tensor2D {
    const n = this.net;
    let h: tf.Tensor2D = x;
    const mlps = n.trunk ? [n.trunk, n.actor] : [n.actor];
    mlps.forEach((m, mi) => {
      const vars = m.trainableVariables;
      const layers = vars.length / 2;
      for (let i = 0; i < layers; i++) {
        h = tf.add(tf.matMul(h, vars[2 * i] as tf.Tensor2D), vars[2 * i + 1] as tf.Tensor1D);
        const last = mi === mlps.length - 1 && i === layers - 1;
        // The trunk's output layer is activated (ActorCriticMlp builds it with outputActivation = activation).
        if (!last) h = activate(h, this.activation);
      }
    });
    return h;
  }

  /**
   * Sampled (or mode) actions, values and log-probabilities of a batch, with one read. Samples
   * draw from `rng` (one uniform per row on the host path, one tf seed otherwise); with gSDE the
   * sample uses the current exploration weights (drawn from `rng` if none were yet).
   */
  act(obs: Float32Array, deterministic: boolean, rng: Rng): ActResult {
    const b = obs.length / this.obsDim;
    if (accelerations.hostActing && this.discrete && !this.sdeNoise && b <= HOST_ACT_MAX_ROWS) {
      return actCategoricalHost(this.net, obs, b, deterministic, () => rng.random());
    }
    const sde = this.sdeNoise;
    // gSDE draws no per-step noise: it uses the current exploration weights (drawn lazily once).
    if (sde && !deterministic && sde.numMatrices === 0) sde.reset(rng.tfSeed(), 1);
    const seed = deterministic || sde ? 0 : rng.tfSeed();
    return actBatch(obs, this.obsDim, this.actDim, this.discrete, deterministic, seed, sde, (x) => this.forward(x));
  }

  /** V(obs) of a batch. */
  values(obs: Float32Array): Float32Array {
    const b = obs.length / this.obsDim;
    if (accelerations.hostActing && b <= HOST_ACT_MAX_ROWS) return this.net.forwardHost(obs, b).value;
    const v = tf.tidy(() => this.net.forward(tf.tensor2d(obs, [b, this.obsDim]), { inputGrad: false }).value);
    const out = v.dataSync() as Float32Array;
    v.dispose();
    return out;
  }

  /** Actions in env format (ints, or clipped to the Box). */
  toEnvActions(actions: Float32Array, out?: Int32Array | Float32Array): Int32Array | Float32Array {
    const res = out ?? (this.discrete ? new Int32Array(actions.length) : new Float32Array(actions.length));
    return toEnvActionArray(actions, res, this.low, this.high, this.actionStart);
  }

  /** Actions tensor of a batch from stored rows (int32 [B] or float32 [B, d]). */
  actionTensor(actions: Float32Array | Int32Array, b: number): tf.Tensor {
    return this.discrete
      ? tf.tensor1d(Int32Array.from(actions.subarray(0, b)), 'int32')
      : tf.tensor2d(Float32Array.from(actions.subarray(0, b * this.actDim)), [b, this.actDim]);
  }

  /** The variables by stable name (the checkpoint keys). */
  namedVariables(): Record<string, tf.Variable> {
    const out: Record<string, tf.Variable> = { ...this.net.namedVariables() };
    if (this.logStd) out[`${this.name}/log_std`] = this.logStd;
    return out;
  }

  /** Copies of every weight by stable name; the caller disposes them. */
  getWeights(): Record<string, tf.Tensor> {
    const out: Record<string, tf.Tensor> = {};
    for (const [k, v] of Object.entries(this.namedVariables())) out[k] = v.clone();
    return out;
  }

  /** Every trainable variable (networks, then the log-std). */
  get trainableVariables(): tf.Variable[] {
    return this.variables;
  }

  dispose(): void {
    this.net.dispose();
    this.logStd?.dispose();
    this.sdeNoise?.dispose();
    this.bound?.dispose();
    this.center?.dispose();
  }
}
