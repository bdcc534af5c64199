/**
 * Shared machinery of the off-policy actor-critics (DDPG, TD3, SAC): the collect / train loop
 * with a replay buffer (SB3's `OffPolicyAlgorithm`), action scaling between [-1, 1] and the Box
 * bounds, Gaussian and Ornstein–Uhlenbeck exploration noise, PyTorch-style initialisation, fast
 * forward passes without a tape, and the pure loss / target functions the learners are built
 * from (exported so they can be tested against hand-computed values).
 */
import * as tf from '@tensorflow/tfjs';
import {
  type Activation,
  type Adam,
  Algorithm,
  type AnyEnv,
  type BaseCallback,
  Box,
  type EnvSpecifier,
  type Mlp,
  ReplayBuffer,
  type Rng,
  SyncVecEnv,
  type VecEnv,
  activationGradAndBias,
  activationGradFromOutput,
  denseForward,
  isVecEnv,
  matMulTA,
  matMulTB,
} from '@tfrl/core';

const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);
const LOG_2 = Math.log(2);

// ------------------------------------------------------------------ hyperparameters

/** Fields every off-policy learner has, with SB3's names; defaults differ per algorithm. */
export function offPolicyHyperparameterSpecs(defaults: { learningRate: number; netArch: number[]; learningStarts: number }) {
  return {
    learningRate: {
      type: 'schedule',
      default: defaults.learningRate,
      exclusiveMin: 0,
      doc: 'Adam step size of every optimizer (number or schedule such as "lin_7.3e-4")',
    },
    bufferSize: { type: 'integer', default: 1_000_000, min: 1, doc: 'replay buffer capacity (transitions)' },
    learningStarts: {
      type: 'integer',
      default: defaults.learningStarts,
      min: 0,
      doc: 'env steps of uniformly random actions before training starts',
    },
    batchSize: { type: 'integer', default: 256, min: 1, doc: 'minibatch size of each gradient step' },
    tau: { type: 'number', default: 0.005, min: 0, max: 1, doc: 'Polyak coefficient of the target networks (1 = hard copy)' },
    gamma: { type: 'number', default: 0.99, min: 0, max: 1, doc: 'discount factor' },
    trainFreq: { type: 'integer', default: 1, min: 1, doc: 'env steps (per env) collected between training phases' },
    gradientSteps: { type: 'integer', default: 1, min: -1, doc: 'gradient steps per training phase (-1 = as many as env steps collected)' },
    netArch: { type: 'number[]', default: defaults.netArch, min: 1, doc: 'hidden layer sizes of the actor and of each critic' },
    activation: { type: 'enum', values: ['relu', 'tanh', 'elu', 'leaky_relu'], default: 'relu', doc: 'hidden activation' },
  } as const;
}

export type OffPolicyHp = {
  learningRate: number | string | ((p: number) => number);
  bufferSize: number;
  learningStarts: number;
  batchSize: number;
  tau: number;
  gamma: number;
  trainFreq: number;
  gradientSteps: number;
  netArch: number[];
  activation: 'relu' | 'tanh' | 'elu' | 'leaky_relu';
};

// ------------------------------------------------------------------ action noise

export interface ActionNoiseSpec {
  type: 'normal' | 'ornstein-uhlenbeck';
  /** Standard deviation (normal) or diffusion σ (OU), in the [-1, 1] action scale. */
  sigma: number;
  /** OU mean-reversion rate θ (SB3 default 0.15). */
  theta?: number;
  /** OU time step (SB3 default 1e-2). */
  dt?: number;
}

/** Exploration noise added to actions in [-1, 1], one independent state per env. */
export interface ActionNoise {
  /** Fill `out` (numEnvs × actDim) with the next noise values. */
  sample(out: Float32Array): Float32Array;
  /** Restart the process of env `i` (at an episode end), or of every env. */
  reset(i?: number): void;
}

/** One step of the Ornstein–Uhlenbeck recursion x' = x + θ(μ − x)dt + σ√dt·ε (SB3's form). */
export function ouStep(x: number, theta: number, mu: number, sigma: number, dt: number, eps: number): number {
  return x + theta * (mu - x) * dt + sigma * Math.sqrt(dt) * eps;
}

export class NormalActionNoise implements ActionNoise {
  constructor(
    readonly sigma: number,
    private readonly rng: Rng,
  ) {}
  sample(out: Float32Array): Float32Array {
    for (let i = 0; i < out.length; i++) out[i] = this.sigma * this.rng.normal();
    return out;
  }
  reset(): void {}
}

export class OrnsteinUhlenbeckNoise implements ActionNoise {
  readonly state: Float64Array;
  constructor(
    readonly numEnvs: number,
    readonly actDim: number,
    readonly sigma: number,
    private readonly rng: Rng,
    readonly theta = 0.15,
    readonly dt = 1e-2,
  ) {
    this.state = new Float64Array(numEnvs * actDim);
  }
  sample(out: Float32Array): Float32Array {
    const s = this.state;
    for (let i = 0; i < s.length; i++) {
      s[i] = ouStep(s[i] as number, this.theta, 0, this.sigma, this.dt, this.rng.normal());
      out[i] = s[i] as number;
    }
    return out;
  }
  reset(i?: number): void {
    if (i === undefined) this.state.fill(0);
    else this.state.fill(0, i * this.actDim, (i + 1) * this.actDim);
  }
}

/** Validate an `actionNoise` hyperparameter (names the field and the bad value). */
export function checkActionNoise(algo: string, spec: unknown): ActionNoiseSpec | null {
  if (spec === null || spec === undefined) return null;
  const s = spec as Record<string, unknown>;
  if (s.type !== 'normal' && s.type !== 'ornstein-uhlenbeck') {
    throw new RangeError(`${algo}: actionNoise.type must be 'normal' or 'ornstein-uhlenbeck', got ${JSON.stringify(s.type)}`);
  }
  for (const k of Object.keys(s)) {
    if (!['type', 'sigma', 'theta', 'dt'].includes(k))
      throw new RangeError(`${algo}: actionNoise has an unknown field "${k}" (known: type, sigma, theta, dt)`);
  }
  for (const k of ['sigma', 'theta', 'dt'] as const) {
    const v = s[k];
    if (v === undefined && k !== 'sigma') continue;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || (k !== 'sigma' && v === 0)) {
      throw new RangeError(
        `${algo}: actionNoise.${k} must be a ${k === 'sigma' ? 'non-negative' : 'positive'} number, got ${JSON.stringify(v)}`,
      );
    }
  }
  return s as unknown as ActionNoiseSpec;
}

export function makeActionNoise(spec: ActionNoiseSpec, numEnvs: number, actDim: number, rng: Rng): ActionNoise {
  return spec.type === 'normal'
    ? new NormalActionNoise(spec.sigma, rng)
    : new OrnsteinUhlenbeckNoise(numEnvs, actDim, spec.sigma, rng, spec.theta ?? 0.15, spec.dt ?? 1e-2);
}

// ------------------------------------------------------------------ networks

/**
 * Re-initialise an Mlp as PyTorch's `nn.Linear` does by default (what SB3's off-policy policies
 * use): weights and biases ~ U(−1/√fanIn, 1/√fanIn).
 */
export function torchDefaultInit(mlp: Mlp, rng: Rng): void {
  const vars = mlp.trainableVariables;
  for (let i = 0; i < vars.length; i += 2) {
    const w = vars[i] as tf.Variable;
    const b = vars[i + 1] as tf.Variable;
    const bound = 1 / Math.sqrt(w.shape[0] as number);
    for (const v of [w, b]) {
      const data = new Float32Array(v.size);
      for (let k = 0; k < data.length; k++) data[k] = rng.uniform(-bound, bound);
      tf.tidy(() => v.assign(tf.tensor(data, v.shape)));
    }
  }
}

/** The activations of an Mlp built as `hidden` layers then an `output` activation. */
function layerActs(mlp: Mlp, hidden: Activation, output: Activation): Activation[] {
  const n = mlp.trainableVariables.length / 2;
  return Array.from({ length: n }, (_, i) => (i === n - 1 ? output : hidden));
}

/** Forward pass with plain ops (no custom-gradient node, nothing saved): for targets and acting. */
export function forwardNoGrad(mlp: Mlp, x: tf.Tensor2D, hidden: Activation, output: Activation = 'identity'): tf.Tensor2D {
  const vars = mlp.trainableVariables;
  const acts = layerActs(mlp, hidden, output);
  return tf.tidy(() => {
    let h = x;
    for (let l = 0; l < acts.length; l++) {
      h = denseForward(h, vars[2 * l] as tf.Tensor2D, vars[2 * l + 1] as tf.Tensor1D, acts[l] as Activation);
    }
    return h;
  });
}

/**
 * `forwardNoGrad` that also returns the last hidden activations (the input when there is no hidden
 * layer): the latent features of gSDE. Plain ops, for targets and acting.
 */
export function forwardNoGradWithHidden(
  mlp: Mlp,
  x: tf.Tensor2D,
  hidden: Activation,
  output: Activation = 'identity',
): { hidden: tf.Tensor2D; out: tf.Tensor2D } {
  const vars = mlp.trainableVariables;
  const acts = layerActs(mlp, hidden, output);
  return tf.tidy(() => {
    let h = x;
    let latent = x;
    for (let l = 0; l < acts.length; l++) {
      if (l === acts.length - 1) latent = h;
      h = denseForward(h, vars[2 * l] as tf.Tensor2D, vars[2 * l + 1] as tf.Tensor1D, acts[l] as Activation);
    }
    // A copy when the latent is the input itself, so the caller may dispose it.
    return { hidden: latent === x ? tf.clone(x) : latent, out: h };
  });
}

/** The activated output of every dense layer of an Mlp (weights `ps` = [W0, b0, W1, b1, …]). */
function layerOutputs(x: tf.Tensor2D, ps: readonly tf.Tensor[], acts: readonly Activation[]): tf.Tensor2D[] {
  const hs: tf.Tensor2D[] = [];
  let h = x;
  for (let l = 0; l < acts.length; l++) {
    h = denseForward(h, ps[2 * l] as tf.Tensor2D, ps[2 * l + 1] as tf.Tensor1D, acts[l] as Activation);
    hs.push(h);
  }
  return hs;
}

/**
 * Forward pass whose gradient flows ONLY into the input `x` (one custom-gradient node). The
 * actor losses differentiate Q(s, π(s)) with respect to the action only; differentiating
 * through `Mlp.apply` would also compute every critic weight gradient (a 256×256×B matMul per
 * layer) and throw it away.
 */
export function forwardInputGradOnly(mlp: Mlp, x: tf.Tensor2D, hidden: Activation, output: Activation = 'identity'): tf.Tensor2D {
  const vars = mlp.trainableVariables;
  const acts = layerActs(mlp, hidden, output);
  const L = acts.length;
  const f = tf.customGrad(((xIn: tf.Tensor, save: tf.GradSaveFunc) => {
    const hs = layerOutputs(xIn as tf.Tensor2D, vars, acts);
    save(hs);
    return {
      value: hs[L - 1] as tf.Tensor2D,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        let dh = dy as tf.Tensor2D;
        for (let l = L - 1; l >= 0; l--) {
          const dz = activationGradFromOutput(dh, saved[l] as tf.Tensor2D, acts[l] as Activation);
          dh = matMulTB(dz, vars[2 * l] as tf.Tensor2D);
        }
        return [dh];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return (f as (x: tf.Tensor) => tf.Tensor)(x) as tf.Tensor2D;
}

/**
 * Forward pass of an Mlp on DATA (no gradient into `x`) as one custom-gradient node over its
 * weights. Same values and gradients as `mlp.apply(x, {inputGrad: false})` (tested); dz and the
 * bias gradient come from `activationGradAndBias` (one heap kernel on wasm).
 */
export function forwardTrainable(mlp: Mlp, x: tf.Tensor2D, hidden: Activation, output: Activation = 'identity'): tf.Tensor2D {
  const vars = mlp.trainableVariables;
  const acts = layerActs(mlp, hidden, output);
  const L = acts.length;
  const f = tf.customGrad(((...args: unknown[]) => {
    const save = args[args.length - 1] as tf.GradSaveFunc;
    const ps = args.slice(0, -1) as tf.Tensor[];
    const hs = layerOutputs(x, ps, acts);
    save(hs);
    return {
      value: hs[L - 1] as tf.Tensor2D,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const grads: tf.Tensor[] = new Array(2 * L);
        let dh = dy as tf.Tensor2D;
        for (let l = L - 1; l >= 0; l--) {
          const [dz, db] = activationGradAndBias(dh, saved[l] as tf.Tensor2D, acts[l] as Activation);
          const input = l === 0 ? x : (saved[l - 1] as tf.Tensor2D);
          grads[2 * l] = matMulTA(input, dz);
          grads[2 * l + 1] = db;
          if (l > 0) dh = matMulTB(dz, vars[2 * l] as tf.Tensor2D);
        }
        return grads;
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return (f as (...a: tf.Tensor[]) => tf.Tensor)(...vars) as tf.Tensor2D;
}

/** Copy-free list of the variables of several networks. */
export function variablesOf(nets: readonly Mlp[]): tf.Variable[] {
  return nets.flatMap((n) => n.trainableVariables);
}

// ------------------------------------------------------------------ pure losses and targets

/**
 * log π(tanh(u)) of a tanh-squashed diagonal Gaussian from the pre-tanh sample
 * u = μ + σ·ε: Σ_d [−ε²/2 − log σ − ½ log 2π] − Σ_d 2(log 2 − u − softplus(−2u)). The same value as
 * `SquashedDiagGaussian.logProbFromPre` (tested), written from ε so the Gaussian part needs no
 * division. Returns [B].
 */
export function squashedGaussianLogProb(eps: tf.Tensor2D, logStd: tf.Tensor2D, preTanh: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(() => {
    const gauss = tf.add(tf.mul(tf.square(eps), 0.5), logStd);
    const corr = tf.mul(tf.sub(tf.sub(LOG_2, preTanh), tf.softplus(tf.mul(preTanh, -2))), 2);
    const d = eps.shape[1];
    return tf.sub(tf.neg(tf.sum(tf.add(gauss, corr), 1)), d * HALF_LOG_2PI) as tf.Tensor1D;
  });
}

/**
 * SAC's critic target y = r + c · (min(Q'₁, Q'₂) − α·log π(a'|s')), where c = discount·(1 − terminated)
 * (so a terminated transition does not bootstrap and a truncated one does). All [B]; α a scalar
 * (number or tensor).
 */
export function sacCriticTarget(args: {
  rewards: tf.Tensor1D;
  bootstrapCoef: tf.Tensor1D;
  nextQ1: tf.Tensor1D;
  nextQ2: tf.Tensor1D;
  nextLogProb: tf.Tensor1D;
  alpha: tf.Scalar | number;
}): tf.Tensor1D {
  const { rewards, bootstrapCoef, nextQ1, nextQ2, nextLogProb, alpha } = args;
  return tf.tidy(
    () => tf.add(rewards, tf.mul(bootstrapCoef, tf.sub(tf.minimum(nextQ1, nextQ2), tf.mul(alpha, nextLogProb)))) as tf.Tensor1D,
  );
}

/** c = discount · (1 − terminated) per transition, in JS (the buffer convention of @tfrl/core). */
export function bootstrapCoefficients(discounts: ArrayLike<number>, terminated: ArrayLike<number>, out?: Float32Array): Float32Array {
  const n = discounts.length;
  const c = out ?? new Float32Array(n);
  for (let i = 0; i < n; i++) c[i] = (discounts[i] as number) * (1 - (terminated[i] as number));
  return c;
}

/** ½ Σ_i mean((Q_i − y)²) over the critics (SB3's critic loss); y is treated as a constant. */
export function criticLoss(qs: readonly tf.Tensor1D[], target: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => {
    const terms = qs.map((q) => tf.mean(tf.squaredDifference(q, target)));
    return tf.mul(terms.length === 1 ? (terms[0] as tf.Scalar) : tf.addN(terms), 0.5) as tf.Scalar;
  });
}

/** SAC's actor loss mean(α·log π(a|s) − min_i Q_i(s, a)), a ~ π reparameterised; α is a constant. */
export function sacActorLoss(args: { logProb: tf.Tensor1D; q1: tf.Tensor1D; q2?: tf.Tensor1D; alpha: tf.Scalar | number }): tf.Scalar {
  const { logProb, q1, q2, alpha } = args;
  return tf.tidy(() => {
    const q = q2 ? tf.minimum(q1, q2) : q1;
    return tf.mean(tf.sub(tf.mul(alpha, logProb), q)) as tf.Scalar;
  });
}

/** Identity whose gradient is zero (tfjs has no `stopGradient`): x is a constant to the tape. */
export function stopGradient<T extends tf.Tensor>(x: T): T {
  const f = tf.customGrad(((xIn: tf.Tensor) => ({
    value: tf.clone(xIn),
    gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy),
  })) as unknown as Parameters<typeof tf.customGrad>[0]);
  return (f as (x: tf.Tensor) => tf.Tensor)(x) as T;
}

/**
 * SAC's temperature loss −mean(log α · (log π(a|s) + H̄)) with H̄ the target entropy; log π is a
 * constant (its gradient is stopped), so ∂/∂log α = −mean(log π + H̄): α grows when the policy's
 * entropy −log π is below the target.
 */
export function sacTemperatureLoss(logAlpha: tf.Tensor, logProb: tf.Tensor1D, targetEntropy: number): tf.Scalar {
  return tf.tidy(() => tf.neg(tf.mean(tf.mul(logAlpha, stopGradient(tf.add(logProb, targetEntropy))))) as tf.Scalar);
}

/** TD3's deterministic actor loss −mean(Q₁(s, π(s))). */
export function deterministicActorLoss(q1: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => tf.neg(tf.mean(q1)) as tf.Scalar);
}

/**
 * TD3's target policy smoothing: clip(π'(s') + clip(ε, −c, c), −1, 1) with ε ~ N(0, σ²) (ε given,
 * so the function is pure). Actions in [-1, 1].
 */
export function smoothTargetAction(nextAction: tf.Tensor2D, noise: tf.Tensor2D, noiseClip: number): tf.Tensor2D {
  return tf.tidy(() => tf.clipByValue(tf.add(nextAction, tf.clipByValue(noise, -noiseClip, noiseClip)), -1, 1) as tf.Tensor2D);
}

/** TD3/DDPG critic target y = r + c · min_i Q'_i(s', a') (one critic: Q'₁). */
export function td3CriticTarget(rewards: tf.Tensor1D, bootstrapCoef: tf.Tensor1D, nextQs: readonly tf.Tensor1D[]): tf.Tensor1D {
  return tf.tidy(() => {
    const q = nextQs.length === 1 ? (nextQs[0] as tf.Tensor1D) : tf.minimum(nextQs[0] as tf.Tensor1D, nextQs[1] as tf.Tensor1D);
    return tf.add(rewards, tf.mul(bootstrapCoef, q)) as tf.Tensor1D;
  });
}

// ------------------------------------------------------------------ action scaling

/** [-1, 1] → [low, high] per dimension (rows of actDim), clipped to the bounds. */
export function unscaleActions(scaled: Float32Array, low: Float32Array, high: Float32Array, out: Float32Array): Float32Array {
  const d = low.length;
  for (let i = 0; i < scaled.length; i++) {
    const j = i % d;
    const lo = low[j] as number;
    const hi = high[j] as number;
    const v = lo + 0.5 * ((scaled[i] as number) + 1) * (hi - lo);
    out[i] = v < lo ? lo : v > hi ? hi : v;
  }
  return out;
}

// ------------------------------------------------------------------ the base learner

/** A batch as tensors for one gradient step; the learner disposes nothing of it. */
export interface BatchTensors {
  obs: tf.Tensor2D;
  actions: tf.Tensor2D;
  rewards: tf.Tensor1D;
  nextObs: tf.Tensor2D;
  /** discount · (1 − terminated). */
  bootstrapCoef: tf.Tensor1D;
}

/**
 * The collect / train loop of SB3's `OffPolicyAlgorithm` for Box actions: `learningStarts` steps
 * of uniform random actions, then the actor's actions (+ exploration noise); after every
 * `trainFreq` vector steps (once past `learningStarts`) `gradientSteps` gradient steps on
 * minibatches from the replay buffer. Time-limit truncations bootstrap (the buffer stores
 * `terminated` and `truncated` apart). Actions are stored in [-1, 1].
 */
export abstract class OffPolicyActorCritic<H extends OffPolicyHp> extends Algorithm<H> {
  declare readonly env: VecEnv;
  readonly obsDim: number;
  readonly actDim: number;
  readonly low: Float32Array;
  readonly high: Float32Array;
  readonly buffer: ReplayBuffer;
  /** Exploration noise (DDPG/TD3); undefined for none. */
  actionNoise: ActionNoise | undefined;
  /** The scalars of the last logged training phase. */
  lastTrainStats: Record<string, number> | undefined;

  private lastObs: Float32Array | undefined;
  private readonly epReturns: Float64Array;
  private readonly epLengths: Int32Array;
  /** Running sums of per-step statistics since the last log (tensor [k]), and their count. */
  protected statsSum: tf.Tensor1D | undefined;
  protected statsCount = 0;
  private readonly coefBuf: Float32Array;

  constructor(options: { env: EnvSpecifier; [k: string]: unknown }) {
    super(options as never);
    const name = this.algorithmName;
    const obsSpace = this.env.singleObservationSpace;
    const actSpace = this.env.singleActionSpace;
    if (!(obsSpace instanceof Box)) throw new Error(`${name}: observation space must be a Box (flat vector), got ${String(obsSpace)}`);
    if (!(actSpace instanceof Box)) {
      throw new Error(
        `${name}: only Box (continuous) action spaces are supported, got ${String(actSpace)}; use DQN or PPO for discrete actions`,
      );
    }
    for (let i = 0; i < actSpace.low.length; i++) {
      if (!Number.isFinite(actSpace.low[i]) || !Number.isFinite(actSpace.high[i])) {
        throw new Error(`${name}: the action space ${String(actSpace)} must have finite bounds (actions are rescaled from [-1, 1])`);
      }
    }
    this.obsDim = this.env.obsDim;
    this.actDim = actSpace.compactDim;
    this.low = Float32Array.from(actSpace.low);
    this.high = Float32Array.from(actSpace.high);
    const hp = this.hyperparameters;
    this.buffer = new ReplayBuffer({
      capacity: hp.bufferSize,
      obsDim: this.obsDim,
      actionDim: this.actDim,
      actionDtype: 'float32',
      gamma: hp.gamma,
    });
    this.epReturns = new Float64Array(this.env.numEnvs);
    this.epLengths = new Int32Array(this.env.numEnvs);
    this.coefBuf = new Float32Array(hp.batchSize);
  }

  /** Off-policy learners work on a VecEnv: a single Env is wrapped in a one-env SyncVecEnv. */
  protected override resolveEnv(spec: EnvSpecifier): AnyEnv {
    const env = super.resolveEnv(spec);
    if (isVecEnv(env)) return env;
    return new SyncVecEnv([() => env]);
  }

  /** Actions in [-1, 1] for a batch of observations (rows of obsDim), one read-back. */
  protected abstract actScaled(obs: Float32Array, deterministic: boolean): Float32Array;

  /** One gradient step on a batch; pushes its statistics with `accumulateStats`. */
  protected abstract gradientStep(batch: BatchTensors): void;

  /** Names of the per-step statistics in `accumulateStats` order (tags under `train/`). */
  protected abstract readonly statNames: readonly string[];

  /** The optimizers, for the learning-rate schedule. */
  protected abstract optimizers(): Adam[];

  /**
   * gSDE exploration (SAC's `useSde`), set by a subclass: `reset(nEnvs)` draws new exploration
   * weights; the loop calls it at the start of every collection phase (trainFreq steps, SB3's
   * `collect_rollouts`) and every `sampleFreq` steps within it (> 0); with `atWarmup` the policy
   * acts during the first learningStarts steps instead of uniform random actions.
   */
  protected sdeExploration: { sampleFreq: number; atWarmup: boolean; reset: (nEnvs: number) => void } | undefined;

  /** Scalars logged with the training statistics besides `statNames` (e.g. SAC's gSDE `train/std`). */
  protected extraTrainScalars(): Record<string, number> {
    return {};
  }

  predict(obs: Float32Array, options: { deterministic?: boolean } = {}): Float32Array {
    if (obs.length % this.obsDim !== 0) {
      throw new RangeError(
        `${this.algorithmName}.predict: observation length ${obs.length} is not a multiple of the observation size ${this.obsDim}`,
      );
    }
    const scaled = this.actScaled(obs, options.deterministic ?? false);
    return unscaleActions(scaled, this.low, this.high, new Float32Array(scaled.length));
  }

  /** Add a [k] tensor of statistics to the running sum (kept; one kernel per step). */
  protected accumulateStats(stats: tf.Tensor1D): void {
    const prev = this.statsSum;
    this.statsSum = prev ? (tf.add(prev, stats) as tf.Tensor1D) : (tf.keep(stats.clone()) as tf.Tensor1D);
    if (prev) tf.keep(this.statsSum);
    prev?.dispose();
    this.statsCount++;
  }

  /** Mean statistics since the last call (one read), or undefined when no step was taken. */
  protected readStats(): Record<string, number> | undefined {
    if (!this.statsSum || this.statsCount === 0) return undefined;
    const v = this.statsSum.dataSync();
    const out: Record<string, number> = {};
    this.statNames.forEach((n, i) => {
      out[`train/${n}`] = (v[i] as number) / this.statsCount;
    });
    this.statsSum.dispose();
    this.statsSum = undefined;
    this.statsCount = 0;
    return out;
  }

  protected async trainLoop(totalTimesteps: number, callback: BaseCallback): Promise<void> {
    const hp = this.hyperparameters;
    const env = this.env;
    const n = env.numEnvs;
    const a = this.actDim;
    if (!this.lastObs) {
      this.lastObs = Float32Array.from(env.reset(this.seed));
      this.epReturns.fill(0);
      this.epLengths.fill(0);
      this.actionNoise?.reset();
    }
    const scaled = new Float32Array(n * a);
    const envActions = new Float32Array(n * a);
    const noise = new Float32Array(n * a);
    const nextObs = new Float32Array(n * this.obsDim);
    let episodesThisLearn = 0;
    let stepsSinceYield = 0;
    let phaseSteps = 0;
    await callback.rolloutStart(this.callbackContext());
    const sde = this.sdeExploration;
    while (this.numTimesteps < totalTimesteps) {
      // ---- act
      if (sde && (phaseSteps === 0 || (sde.sampleFreq > 0 && phaseSteps % sde.sampleFreq === 0))) sde.reset(n);
      if (this.numTimesteps < hp.learningStarts && !(sde?.atWarmup ?? false)) {
        for (let i = 0; i < scaled.length; i++) scaled[i] = this.rng.uniform(-1, 1);
      } else {
        scaled.set(this.actScaled(this.lastObs, false));
      }
      if (this.actionNoise) {
        this.actionNoise.sample(noise);
        for (let i = 0; i < scaled.length; i++) {
          const v = (scaled[i] as number) + (noise[i] as number);
          scaled[i] = v < -1 ? -1 : v > 1 ? 1 : v;
        }
      }
      const res = env.step(unscaleActions(scaled, this.low, this.high, envActions));
      this.numTimesteps += n;
      phaseSteps++;
      // ---- store (the real final observation of finished episodes)
      nextObs.set(res.obs);
      for (let i = 0; i < n; i++) {
        if (res.terminated[i] || res.truncated[i]) {
          nextObs.set(res.finalObs.subarray(i * this.obsDim, (i + 1) * this.obsDim), i * this.obsDim);
        }
      }
      this.buffer.addBatch(this.lastObs, scaled, res.rewards, nextObs, res.terminated, res.truncated);
      for (let i = 0; i < n; i++) {
        this.epReturns[i] = (this.epReturns[i] as number) + (res.rewards[i] as number);
        this.epLengths[i] = (this.epLengths[i] as number) + 1;
        if (res.terminated[i] || res.truncated[i]) {
          const ep = res.infos[i]?.episode as { r?: number; l?: number } | undefined;
          if (ep && typeof ep.r === 'number' && typeof ep.l === 'number') this.recordEpisode(ep.r, ep.l);
          else this.recordEpisode(this.epReturns[i] as number, this.epLengths[i] as number);
          this.epReturns[i] = 0;
          this.epLengths[i] = 0;
          this.actionNoise?.reset(i);
          episodesThisLearn++;
          if (this.shouldLog(episodesThisLearn)) this.logTrainingStats(this.trainScalars());
        }
      }
      this.lastObs.set(res.obs);
      if (!(await callback.step(this.callbackContext({ infos: res.infos, rewards: res.rewards })))) break;
      // ---- train
      if (phaseSteps >= hp.trainFreq) {
        await callback.rolloutEnd(this.callbackContext());
        if (this.numTimesteps > hp.learningStarts && this.buffer.size > 0) {
          this.updateProgressRemaining();
          const steps = hp.gradientSteps === -1 ? phaseSteps * n : hp.gradientSteps;
          if (steps > 0) this.train(steps);
        }
        phaseSteps = 0;
        await callback.rolloutStart(this.callbackContext());
      }
      stepsSinceYield += n;
      if (stepsSinceYield >= 200) {
        stepsSinceYield = 0;
        // Let timers and I/O run (progress output, test runners' heartbeats).
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    }
    await callback.rolloutEnd(this.callbackContext());
  }

  private trainScalars(): Record<string, number> {
    const s = this.readStats();
    if (s) this.lastTrainStats = s;
    return {
      ...(s ?? {}),
      ...this.extraTrainScalars(),
      'train/learning_rate': this.optimizers()[0]?.lr ?? 0,
      'train/n_updates': this.numUpdates,
    };
  }

  /** `steps` gradient steps on fresh minibatches. */
  train(steps: number): void {
    const hp = this.hyperparameters;
    const lr = this.scheduleValue('learningRate');
    for (const o of this.optimizers()) o.lr = lr;
    const B = hp.batchSize;
    for (let s = 0; s < steps; s++) {
      const b = this.buffer.sample(B, this.rng);
      const t: BatchTensors = {
        obs: tf.tensor2d(b.obs, [B, this.obsDim]),
        actions: tf.tensor2d(b.actions as Float32Array, [B, this.actDim]),
        rewards: tf.tensor1d(b.rewards),
        nextObs: tf.tensor2d(b.nextObs, [B, this.obsDim]),
        bootstrapCoef: tf.tensor1d(bootstrapCoefficients(b.discounts, b.terminated, this.coefBuf)),
      };
      try {
        this.gradientStep(t);
      } finally {
        tf.dispose([t.obs, t.actions, t.rewards, t.nextObs, t.bootstrapCoef]);
      }
      this.numUpdates++;
    }
  }

  /** Reads the statistics accumulated so far (for tests and progress output). */
  flushTrainStats(): Record<string, number> | undefined {
    const s = this.readStats();
    if (s) this.lastTrainStats = s;
    return s;
  }

  override dispose(): void {
    this.statsSum?.dispose();
    this.statsSum = undefined;
  }
}

type RawTensor = { dtype: 'float32' | 'int32'; shape: number[]; data: Float32Array | Int32Array };

/** The variables of networks under their stable names (read by `save`, never disposed). */
export function netStateTensors(nets: readonly Mlp[]): Record<string, tf.Tensor> {
  const out: Record<string, tf.Tensor> = {};
  for (const net of nets) {
    const vars = net.trainableVariables;
    net.weightNames.forEach((n, i) => {
      out[n] = vars[i] as tf.Variable;
    });
  }
  return out;
}

/** Assign checkpoint tensors to networks by stable name, checking shapes. */
export function loadNetStateTensors(
  algo: string,
  nets: readonly Mlp[],
  tensors: Record<string, { dtype: string; shape: number[]; data: ArrayLike<number> }>,
): void {
  for (const net of nets) {
    const vars = net.trainableVariables;
    net.weightNames.forEach((n, i) => {
      const t = tensors[n];
      const v = vars[i] as tf.Variable;
      if (!t) throw new Error(`${algo}: checkpoint has no tensor "${n}"`);
      if (t.shape.join(',') !== v.shape.join(','))
        throw new Error(`${algo}: checkpoint tensor "${n}" has shape [${t.shape}], expected [${v.shape}]`);
      tf.tidy(() => v.assign(tf.tensor(Float32Array.from(t.data), v.shape)));
    });
  }
}

/** Adam moments and step count as raw checkpoint tensors (`<prefix>/m`, `/v`, `/step`). */
export function adamStateTensors(prefix: string, opt: Adam): Record<string, RawTensor> {
  const s = opt.getState();
  return {
    [`${prefix}/m`]: { dtype: 'float32', shape: [s.m.length], data: s.m },
    [`${prefix}/v`]: { dtype: 'float32', shape: [s.v.length], data: s.v },
    [`${prefix}/step`]: { dtype: 'int32', shape: [], data: Int32Array.of(s.step) },
  };
}

export function loadAdamStateTensors(
  algo: string,
  prefix: string,
  opt: Adam,
  tensors: Record<string, { dtype: string; shape: number[]; data: ArrayLike<number> }>,
): void {
  const m = tensors[`${prefix}/m`];
  const v = tensors[`${prefix}/v`];
  const step = tensors[`${prefix}/step`];
  if (!m || !v || !step) throw new Error(`${algo}: checkpoint is missing the optimizer state ${prefix}/m, ${prefix}/v or ${prefix}/step`);
  opt.setState({
    step: Number(step.data[0]),
    m: Float32Array.from(m.data),
    v: Float32Array.from(v.data),
    sizes: opt.variables.map((x) => x.size),
  });
}
