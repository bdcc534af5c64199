/**
 * The math of the DQN family as small pure functions (each unit-tested against hand-computed
 * values, and each the code path the learner runs).
 *
 * Discount convention (see `ReplayBuffer` in @tfrl/core): a transition stores `discount`, the full
 * multiplier of the bootstrap value (γ for 1-step, γ^m for an m-step return), so every target is
 * `y = r + discount · (1 − terminated) · V(s')`. A truncated (time-limit) transition keeps
 * `terminated = 0` and therefore bootstraps.
 */
import * as tf from '@tensorflow/tfjs';
import { selectByAction } from '@tfrl/core';

/**
 * Per-row bootstrap multipliers `discount · (1 − terminated)` into `out` (truncation is not an end
 * of the MDP, so `truncated` does not enter). Computed on the host so a batch uploads one vector.
 */
export function bootstrapMultipliers(
  discounts: ArrayLike<number>,
  terminated: ArrayLike<number>,
  out: Float32Array = new Float32Array(discounts.length),
): Float32Array {
  if (terminated.length !== discounts.length || out.length < discounts.length) {
    throw new RangeError(
      `bootstrapMultipliers: ${discounts.length} discounts, ${terminated.length} terminated flags, output of ${out.length}`,
    );
  }
  for (let i = 0; i < discounts.length; i++) out[i] = terminated[i] ? 0 : (discounts[i] as number);
  return out;
}

/** `y = r + m · v` with m from {@link bootstrapMultipliers}, on tensors [B]. */
export function bellmanTarget(rewards: tf.Tensor1D, multipliers: tf.Tensor1D, nextValues: tf.Tensor1D): tf.Tensor1D {
  return tf.tidy(() => tf.add(rewards, tf.mul(multipliers, nextValues)));
}

/** DQN target: `r + m · max_a Q_target(s', a)`. nextQTarget: [B, nActions]. */
export function dqnTarget(rewards: tf.Tensor1D, multipliers: tf.Tensor1D, nextQTarget: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(() => bellmanTarget(rewards, multipliers, tf.max(nextQTarget, 1) as tf.Tensor1D));
}

/**
 * Double DQN target (van Hasselt et al. 2016): the online network picks the action, the target
 * network evaluates it: `r + m · Q_target(s', argmax_a Q_online(s', a))`.
 */
export function doubleDqnTarget(
  rewards: tf.Tensor1D,
  multipliers: tf.Tensor1D,
  nextQOnline: tf.Tensor2D,
  nextQTarget: tf.Tensor2D,
): tf.Tensor1D {
  return tf.tidy(() => {
    const best = tf.argMax(nextQOnline, 1) as tf.Tensor1D;
    return bellmanTarget(rewards, multipliers, selectByAction(nextQTarget, best));
  });
}

/** Host version of the (double) DQN target over flat rows, for precomputed targets. */
export function dqnTargetHost(
  rewards: ArrayLike<number>,
  multipliers: ArrayLike<number>,
  nextQTarget: ArrayLike<number>,
  nActions: number,
  out: Float32Array = new Float32Array(rewards.length),
): Float32Array {
  const B = rewards.length;
  if (nextQTarget.length !== B * nActions) {
    throw new RangeError(`dqnTargetHost: nextQTarget has ${nextQTarget.length} values, expected ${B} × ${nActions}`);
  }
  for (let i = 0; i < B; i++) {
    let best = nextQTarget[i * nActions] as number;
    for (let a = 1; a < nActions; a++) {
      const q = nextQTarget[i * nActions + a] as number;
      if (q > best) best = q;
    }
    out[i] = (rewards[i] as number) + (multipliers[i] as number) * best;
  }
  return out;
}

/**
 * Dueling combination (Wang et al. 2016): `Q = V + A − mean_a A`.
 * value: [B, 1] (or [B, 1, N] for a distributional head); advantage: [B, nActions] (or
 * [B, nActions, N], combined per atom on the logits, as in Rainbow).
 */
export function duelingCombine<T extends tf.Tensor2D | tf.Tensor3D>(value: T, advantage: T): T {
  if (value.rank !== advantage.rank || value.shape[1] !== 1) {
    throw new RangeError(
      `duelingCombine: value must be [B, 1(, N)] and advantage [B, A(, N)]; got [${value.shape}] and [${advantage.shape}]`,
    );
  }
  return tf.tidy(() => tf.add(value, tf.sub(advantage, tf.mean(advantage, 1, true)))) as T;
}

/** The factorised-noise transform of NoisyNet (Fortunato et al. 2018): f(x) = sgn(x)·√|x|. */
export function noisyScale(x: number): number {
  return x < 0 ? -Math.sqrt(-x) : Math.sqrt(x);
}

/**
 * Factorised Gaussian noise of a NoisyLinear layer [inDim → outDim] from the seeded draws
 * `epsIn` (inDim) and `epsOut` (outDim): ε_W[i, j] = f(ε_in[i])·f(ε_out[j]) (row-major
 * [inDim, outDim], our weight layout) and ε_b = f(ε_out).
 */
export function factorisedNoise(
  epsIn: ArrayLike<number>,
  epsOut: ArrayLike<number>,
  outW: Float32Array = new Float32Array(epsIn.length * epsOut.length),
  outB: Float32Array = new Float32Array(epsOut.length),
): { weight: Float32Array; bias: Float32Array } {
  const p = epsIn.length;
  const q = epsOut.length;
  for (let j = 0; j < q; j++) outB[j] = noisyScale(epsOut[j] as number);
  for (let i = 0; i < p; i++) {
    const fi = noisyScale(epsIn[i] as number);
    const o = i * q;
    for (let j = 0; j < q; j++) outW[o + j] = fi * (outB[j] as number);
  }
  return { weight: outW, bias: outB };
}

/** The C51 support: `nAtoms` evenly spaced values from vMin to vMax. */
export function categoricalSupport(nAtoms: number, vMin: number, vMax: number): Float32Array {
  if (!Number.isInteger(nAtoms) || nAtoms < 2) throw new RangeError(`categoricalSupport: nAtoms must be an integer >= 2, got ${nAtoms}`);
  if (!(vMax > vMin)) throw new RangeError(`categoricalSupport: vMax (${vMax}) must be greater than vMin (${vMin})`);
  const z = new Float32Array(nAtoms);
  const dz = (vMax - vMin) / (nAtoms - 1);
  for (let i = 0; i < nAtoms; i++) z[i] = vMin + i * dz;
  return z;
}

/**
 * Categorical projection of C51 (Bellemare et al. 2017, Algorithm 1): the target distribution of
 * `r + m·Z(s')` (atoms `T z_i = clip(r + m·z_i, vMin, vMax)` with probabilities `p_i`) projected
 * back onto the support `z`. Written as the equivalent triangle kernel
 * `m_j = Σ_i p_i · max(0, 1 − |T z_i − z_j| / Δz)`, which splits each atom's mass between its two
 * neighbours in proportion to the distance (and keeps all of it when `T z_i` lands on an atom)
 * without gather/scatter. nextProbs: [B, N]; rewards, multipliers: [B] → [B, N].
 */
export function categoricalProjection(
  nextProbs: tf.Tensor2D,
  rewards: tf.Tensor1D,
  multipliers: tf.Tensor1D,
  support: Float32Array,
): tf.Tensor2D {
  const N = support.length;
  if (nextProbs.rank !== 2 || nextProbs.shape[1] !== N) {
    throw new RangeError(`categoricalProjection: nextProbs must be [B, ${N}], got [${nextProbs.shape}]`);
  }
  const vMin = support[0] as number;
  const vMax = support[N - 1] as number;
  const dz = (vMax - vMin) / (N - 1);
  return tf.tidy(() => {
    const z = tf.tensor1d(support);
    // T z: [B, N]
    const tz = tf.clipByValue(tf.add(tf.expandDims(rewards, 1), tf.mul(tf.expandDims(multipliers, 1), z)), vMin, vMax);
    // |T z_i − z_j| / Δz: [B, N(i), N(j)]
    const dist = tf.div(tf.abs(tf.sub(tf.expandDims(tz, 2), tf.reshape(z, [1, 1, N]))), dz);
    const w = tf.relu(tf.sub(1, dist));
    return tf.sum(tf.mul(w, tf.expandDims(nextProbs, 2)), 1) as tf.Tensor2D;
  });
}

/**
 * Importance-sampling weights of prioritized replay (Schaul et al. 2016):
 * `w_i = (N · P(i))^−β / max_j w_j` with `P(i) = p_i / Σ p`. `priorities` are the sampled rows'
 * stored priorities, `minPriority` the smallest stored one (it gives the largest weight).
 * `PrioritizedReplayBuffer.sample` computes the same, as `(p_i / p_min)^−β`.
 */
export function importanceWeights(
  priorities: ArrayLike<number>,
  totalPriority: number,
  minPriority: number,
  size: number,
  beta: number,
): Float32Array {
  const out = new Float32Array(priorities.length);
  const maxW = (size * (minPriority / totalPriority)) ** -beta;
  for (let i = 0; i < priorities.length; i++) out[i] = (size * ((priorities[i] as number) / totalPriority)) ** -beta / maxW;
  return out;
}

/** Linear ε schedule of SB3 (`get_linear_fn`): start → end over the first `fraction` of training. */
export function linearEpsilon(start: number, end: number, fraction: number, progressRemaining: number): number {
  const progress = 1 - progressRemaining;
  if (progress >= fraction || fraction <= 0) return end;
  return start + (progress * (end - start)) / fraction;
}

/** Per-sample Huber (δ = 1) or squared error of `pred − target`, [B]. */
export function elementwiseTdLoss(pred: tf.Tensor1D, target: tf.Tensor1D, loss: 'huber' | 'mse'): tf.Tensor1D {
  return tf.tidy(() => {
    const err = tf.sub(pred, target);
    if (loss === 'mse') return tf.square(err) as tf.Tensor1D;
    const a = tf.abs(err);
    const q = tf.minimum(a, 1);
    // ½q² + (|x| − q): the piecewise Huber with gradient clipped to ±1
    return tf.add(tf.mul(0.5, tf.square(q)), tf.sub(a, q)) as tf.Tensor1D;
  });
}

/** One-hot rows [B·A] of integer actions (built on the host, so a batch uploads one mask). */
export function actionMask(
  actions: ArrayLike<number>,
  nActions: number,
  out: Float32Array = new Float32Array(actions.length * nActions),
): Float32Array {
  out.fill(0);
  for (let i = 0; i < actions.length; i++) {
    const a = actions[i] as number;
    if (!(a >= 0 && a < nActions)) throw new RangeError(`actionMask: action ${a} of row ${i} is not in [0, ${nActions})`);
    out[i * nActions + a] = 1;
  }
  return out;
}

/**
 * The scalar-DQN loss as ONE custom-gradient node: `mean(w · ℓ(Q(s,a) − y))` with
 * Q(s,a) = Σ_a Q ⊙ mask (the `selectByAction` product, mask built on the host), ℓ Huber (δ = 1)
 * or squared error, optional importance weights `w`. Huber is written `c·(δ − c/2)` with
 * c = clip(δ, −1, 1), whose derivative is c, so the backward pass is `mask ⊙ (w·c/B)`: 3 kernels
 * instead of the ~20 autodiff would record. `onTdError` receives |δ| (kept; the caller disposes it).
 */
export function maskedTdLoss(
  q: tf.Tensor2D,
  mask: tf.Tensor2D,
  target: tf.Tensor1D,
  options: { loss?: 'huber' | 'mse'; weights?: tf.Tensor1D; onTdError?: (absTd: tf.Tensor1D) => void } = {},
): tf.Scalar {
  const kind = options.loss ?? 'huber';
  const weights = options.weights;
  const B = q.shape[0];
  const f = tf.customGrad(((qIn: tf.Tensor, save: tf.GradSaveFunc) => {
    const qa = tf.sum(tf.mul(qIn, mask), 1);
    const d = tf.sub(qa, target);
    if (options.onTdError) options.onTdError(tf.keep(tf.abs(d)) as tf.Tensor1D);
    let per: tf.Tensor;
    let g: tf.Tensor;
    if (kind === 'huber') {
      const c = tf.clipByValue(d, -1, 1);
      per = tf.mul(c, tf.sub(d, tf.mul(c, 0.5)));
      g = c;
    } else {
      per = tf.square(d);
      g = tf.mul(d, 2);
    }
    if (weights) {
      per = tf.mul(per, weights);
      g = tf.mul(g, weights);
    }
    save([tf.reshape(tf.mul(g, 1 / B), [B, 1])]);
    return {
      value: tf.mean(per),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.mul(mask, tf.mul(saved[0] as tf.Tensor, dy)),
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return (f as (x: tf.Tensor) => tf.Tensor)(q) as tf.Scalar;
}
