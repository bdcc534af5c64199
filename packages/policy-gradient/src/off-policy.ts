/**
 * What the off-policy actor-critics (DDPG, TD3, SAC) share on top of core's `OffPolicyAlgorithm`:
 * their hyperparameters, PyTorch-style initialisation, forward passes without a tape (targets and
 * acting) or with a gradient into one side only (actor losses), and the pure loss / target
 * functions the learners are built from (exported so they can be tested against hand-computed
 * values).
 */
import * as tf from '@tensorflow/tfjs';
import {
  type Activation,
  Box,
  type Mlp,
  type Rng,
  activationGradAndBias,
  activationGradFromOutput,
  denseForward,
  matMulTA,
  matMulTB,
  offPolicyHyperparameters,
} from '@tfrl/core';

export {
  type ActionNoise,
  type ActionNoiseSpec,
  NormalActionNoise,
  OrnsteinUhlenbeckNoise,
  bootstrapCoefficients,
  checkActionNoise,
  makeActionNoise,
  ouStep,
  unscaleActions,
} from '@tfrl/core';

const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);
const LOG_2 = Math.log(2);

// ------------------------------------------------------------------ hyperparameters

/** The off-policy fields (SB3's names) plus the networks of an actor-critic; defaults differ per algorithm. */
export function actorCriticHyperparameters(defaults: { learningRate: number; netArch: number[]; learningStarts: number }) {
  return {
    ...offPolicyHyperparameters({
      learningRate: defaults.learningRate,
      learningStarts: defaults.learningStarts,
      batchSize: 256,
      tau: 0.005,
      trainFreq: 1,
      gradientSteps: 1,
    }),
    netArch: { type: 'number[]', default: defaults.netArch, min: 1, doc: 'hidden layer sizes of the actor and of each critic' },
    activation: { type: 'enum', values: ['relu', 'tanh', 'elu', 'leaky_relu'], default: 'relu', doc: 'hidden activation' },
  } as const;
}

/** The actor-critics act on Box actions only (scaled to [-1, 1]); an Error names the space otherwise. */
export function assertBoxActions(algo: string, space: unknown): void {
  if (!(space instanceof Box)) {
    throw new Error(
      `${algo}: only Box (continuous) action spaces are supported, got ${String(space)}; use DQN or PPO for discrete actions`,
    );
  }
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
