/**
 * The pure pieces MADDPG, MATD3 and independent DDPG are built from (each tested against values
 * computed by hand in `losses.test.ts`):
 *
 * - the critic's input layout (`criticInputOrder`, `criticInput`);
 * - the critic target and loss (`maddpgCriticTarget`, `maddpgCriticLoss`);
 * - the actor loss with openai/maddpg's output regulariser (`maddpgActorLoss`);
 * - the Gumbel-softmax sample of discrete actions (`gumbelNoise`, `gumbelSoftmax`), as
 *   openai/maddpg's `SoftCategoricalPd.sample()`, optionally straight-through (`straightThrough`).
 */
import * as tf from '@tensorflow/tfjs';

/** How a critic sees the agents: every agent (MADDPG, MATD3) or only its own agent (independent DDPG). */
export type CriticInputMode = 'centralised' | 'independent';

/**
 * The agents whose observations and actions form agent `i`'s critic input, in order.
 *
 * - `independent`: `[i]`;
 * - `centralised`: every agent in `possibleAgents` order, `[0, 1, …, N−1]` (openai/maddpg's
 *   `obs_ph_n + act_ph_n`);
 * - `centralised` with `ownFirst` (parameter sharing): `[i, then the others in order]`, so that one
 *   critic shared by agents of the same type knows whose value it estimates (slot 0 is "me").
 */
export function criticInputOrder(i: number, nAgents: number, mode: CriticInputMode, ownFirst = false): number[] {
  if (!Number.isInteger(i) || i < 0 || i >= nAgents) throw new RangeError(`criticInputOrder: agent index ${i} is not in [0, ${nAgents})`);
  if (mode === 'independent') return [i];
  const all = Array.from({ length: nAgents }, (_, k) => k);
  return ownFirst ? [i, ...all.filter((k) => k !== i)] : all;
}

/**
 * The critic input `[o_{k1}, o_{k2}, …, a_{k1}, a_{k2}, …]` for the agents `order` (observations
 * first, then actions, as openai/maddpg's `tf.concat(obs_ph_n + act_ph_n, 1)`). [B, Σ d_k + Σ a_k].
 */
export function criticInput(obs: readonly tf.Tensor2D[], actions: readonly tf.Tensor2D[], order: readonly number[]): tf.Tensor2D {
  const parts = [...order.map((k) => obs[k] as tf.Tensor2D), ...order.map((k) => actions[k] as tf.Tensor2D)];
  for (const [j, p] of parts.entries()) {
    if (!p) throw new RangeError(`criticInput: agent ${order[j % order.length]} has no ${j < order.length ? 'observation' : 'action'}`);
  }
  return tf.concat(parts, 1) as tf.Tensor2D;
}

/**
 * The TD target y = r + c · min_k Q'_k(x'), with c = γ·(1 − terminated): a transition cut by the
 * time limit (truncated, every particle-world episode) keeps c = γ and bootstraps; only a true end
 * does not. One target critic (MADDPG, independent DDPG) or two (MATD3's clipped double-Q). All [B].
 */
export function maddpgCriticTarget(rewards: tf.Tensor1D, bootstrapCoef: tf.Tensor1D, nextQs: readonly tf.Tensor1D[]): tf.Tensor1D {
  if (nextQs.length < 1 || nextQs.length > 2) throw new RangeError(`maddpgCriticTarget: needs 1 or 2 target values, got ${nextQs.length}`);
  return tf.tidy(() => {
    const q = nextQs.length === 1 ? (nextQs[0] as tf.Tensor1D) : tf.minimum(nextQs[0] as tf.Tensor1D, nextQs[1] as tf.Tensor1D);
    return tf.add(rewards, tf.mul(bootstrapCoef, q)) as tf.Tensor1D;
  });
}

/** Σ_k mean((Q_k − y)²) over the critics (openai/maddpg's `reduce_mean(square(q − target))`; MATD3 sums its two). */
export function maddpgCriticLoss(qs: readonly tf.Tensor1D[], target: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => {
    const terms = qs.map((q) => tf.mean(tf.squaredDifference(q, target)));
    return (terms.length === 1 ? terms[0] : tf.addN(terms)) as tf.Scalar;
  });
}

/**
 * The actor loss −mean(Q(x with the agent's own action from its actor)) + λ·mean(p²), where p is
 * the actor's output before the squashing (logits of a discrete agent, pre-tanh values of a
 * continuous one): openai/maddpg's `pg_loss + p_reg * 1e-3`.
 */
export function maddpgActorLoss(q: tf.Tensor1D, actorOutput: tf.Tensor2D, regularization: number): tf.Scalar {
  return tf.tidy(() => {
    const pg = tf.neg(tf.mean(q));
    if (!(regularization > 0)) return pg as tf.Scalar;
    return tf.add(pg, tf.mul(regularization, tf.mean(tf.square(actorOutput)))) as tf.Scalar;
  });
}

/** Gumbel(0, 1) noise g = −log(−log u) from uniform draws u (clipped into (0, 1) so g stays finite). */
export function gumbelNoise(uniform: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.neg(tf.log(tf.neg(tf.log(tf.clipByValue(uniform, 1e-10, 1 - 1e-7))))));
}

/**
 * Forward: one-hot(argmax(y)); backward: the gradient of `y` itself (the straight-through
 * estimator of Jang et al. 2017). [B, n] → [B, n].
 */
export function straightThrough(y: tf.Tensor2D): tf.Tensor2D {
  const f = tf.customGrad(((x: tf.Tensor) => ({
    value: tf.tidy(() => tf.cast(tf.oneHot(tf.argMax(x, 1), x.shape[1] as number), 'float32')),
    gradFunc: (dy: tf.Tensor) => tf.clone(dy),
  })) as unknown as Parameters<typeof tf.customGrad>[0]);
  return (f as (x: tf.Tensor) => tf.Tensor)(y) as tf.Tensor2D;
}

/**
 * A Gumbel-softmax sample softmax((logits + g) / T), g = −log(−log u): openai/maddpg's
 * `SoftCategoricalPd.sample()` at T = 1. With `hard`, the sample is the one-hot of its argmax (a
 * draw from softmax(logits), by the Gumbel-max trick) with the soft sample's gradient
 * (straight-through). `uniform` [B, n] holds the draws u, so the function is pure.
 */
export function gumbelSoftmax(
  logits: tf.Tensor2D,
  uniform: tf.Tensor2D,
  options: { temperature?: number; hard?: boolean } = {},
): tf.Tensor2D {
  const t = options.temperature ?? 1;
  if (!(t > 0)) throw new RangeError(`gumbelSoftmax: temperature must be > 0, got ${t}`);
  return tf.tidy(() => {
    const z = tf.add(logits, gumbelNoise(uniform));
    const soft = tf.softmax(t === 1 ? z : tf.div(z, t)) as tf.Tensor2D;
    return options.hard ? straightThrough(soft) : soft;
  });
}

/**
 * `criticInput` on the host: rows `[o_{k1}, o_{k2}, …, a_{k1}, a_{k2}, …]` for the agents `order`,
 * from per-agent row-major arrays (`obs[k]`: B × obsDims[k], `actions[k]`: B × actDims[k]), written
 * into `out` at row `rowOffset`. The action of agent `zeroAction` (if given) is left at 0: the actor
 * update adds that agent's own action from its actor in its place. Returns `out`.
 */
export function criticInputRows(
  args: {
    obs: readonly Float32Array[];
    obsDims: readonly number[];
    actions: readonly Float32Array[];
    actDims: readonly number[];
    order: readonly number[];
    batchSize: number;
    zeroAction?: number;
  },
  out?: Float32Array,
  rowOffset = 0,
): Float32Array {
  const { obs, obsDims, actions, actDims, order, batchSize: b, zeroAction } = args;
  const width = criticInputWidth(order, obsDims, actDims);
  const res = out ?? new Float32Array(b * width);
  for (let r = 0; r < b; r++) {
    let o = (rowOffset + r) * width;
    for (const k of order) {
      const d = obsDims[k] as number;
      const src = obs[k] as Float32Array;
      for (let j = 0, s = r * d; j < d; j++) res[o + j] = src[s + j] as number;
      o += d;
    }
    for (const k of order) {
      const a = actDims[k] as number;
      const src = actions[k] as Float32Array;
      if (k === zeroAction) for (let j = 0; j < a; j++) res[o + j] = 0;
      else for (let j = 0, s = r * a; j < a; j++) res[o + j] = src[s + j] as number;
      o += a;
    }
  }
  return res;
}

/** Columns of a critic input for the agents `order`: Σ obsDims + Σ actDims. */
export function criticInputWidth(order: readonly number[], obsDims: readonly number[], actDims: readonly number[]): number {
  return order.reduce((s, k) => s + (obsDims[k] as number) + (actDims[k] as number), 0);
}

/** The first column of agent `agent`'s action in a critic input for `order`. */
export function criticActionOffset(
  order: readonly number[],
  agent: number,
  obsDims: readonly number[],
  actDims: readonly number[],
): number {
  const pos = order.indexOf(agent);
  if (pos < 0) throw new RangeError(`criticActionOffset: agent ${agent} is not in the critic input [${order.join(', ')}]`);
  let off = order.reduce((s, k) => s + (obsDims[k] as number), 0);
  for (let j = 0; j < pos; j++) off += actDims[order[j] as number] as number;
  return off;
}

/** The observation part of a critic input on the host: rows `[o_{k1}, o_{k2}, …]` (B × Σ obsDims), at row `rowOffset` of `out`. */
export function jointObservationRows(
  obs: readonly Float32Array[],
  obsDims: readonly number[],
  order: readonly number[],
  batchSize: number,
  out?: Float32Array,
  rowOffset = 0,
): Float32Array {
  const width = order.reduce((s, k) => s + (obsDims[k] as number), 0);
  const res = out ?? new Float32Array(batchSize * width);
  for (let r = 0; r < batchSize; r++) {
    let o = (rowOffset + r) * width;
    for (const k of order) {
      const d = obsDims[k] as number;
      const src = obs[k] as Float32Array;
      for (let j = 0, s = r * d; j < d; j++) res[o + j] = src[s + j] as number;
      o += d;
    }
  }
  return res;
}
