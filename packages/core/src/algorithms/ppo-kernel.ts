/**
 * The PPO loss of a Categorical policy and its value head as ONE kernel on the wasm backend.
 *
 * With autodiff the loss of a minibatch (log-softmax, ratio, clipping, minimum, entropy, value
 * loss, statistics) and its gradient take ~150 small kernels, ~60 of them clones the tape keeps;
 * at the widths of RL (a batch of 256 and a handful of actions) their fixed cost is most of a PPO
 * gradient step. Here one JS loop over the wasm heap computes the loss, the statistics and the
 * closed-form gradients with respect to the logits and the values; a `tf.customGrad` node hands
 * those gradients to the networks' backward pass.
 *
 * Per sample i with logits z, l = log softmax(z), p = exp(l), H = −Σ p·l, r = exp(l[a] − old):
 *   clip:        g_logp = −A·r·[A·r ≤ A·clip(r)  or  1−ε ≤ r ≤ 1+ε] / B   (tfjs's minimum/clip subgradients)
 *   adaptive_kl: g_logp = (−A·r + β·(r − 1)) / B
 *   ∂loss/∂z_j  = g_logp·(δ_{j,a} − p_j) + c_ent·p_j·(l_j + H) / B
 *   ∂loss/∂v    = 2·c_vf·(v̂ − R)·[|v − v_old| ≤ ε_vf] / B,  v̂ = v_old + clip(v − v_old, ±ε_vf)
 * The statistics follow `ppoPolicyLoss`: approx KL = mean((r − 1) − log r), clip fraction =
 * mean(|r − 1| > ε).
 */
import * as tf from '@tensorflow/tfjs';
import { accelerations } from './accelerations';
import type { ActorCriticPolicy } from './policy';

export const PPO_CATEGORICAL_LOSS = 'TfrlPpoCategoricalLoss';

export interface PpoCategoricalLossAttrs {
  lossType: 'clip' | 'adaptive_kl';
  clipRange: number;
  /** Value clipping range; null = no value clipping. */
  clipRangeVf: number | null;
  entCoef: number;
  vfCoef: number;
  /** β of the adaptive KL penalty (lossType 'adaptive_kl'). */
  klCoef: number;
}

export interface PpoCategoricalLossInputs {
  /** [B, K] logits of the policy. */
  logits: tf.Tensor2D;
  /** [B] value predictions. */
  values: tf.Tensor1D;
  /** [B] int32 actions. */
  actions: tf.Tensor1D;
  oldLogProbs: tf.Tensor1D;
  advantages: tf.Tensor1D;
  returns: tf.Tensor1D;
  oldValues: tf.Tensor1D;
}

interface WasmBackendLike {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
}

function kernel({
  inputs,
  backend,
  attrs,
}: { inputs: Record<string, tf.TensorInfo>; backend: WasmBackendLike; attrs: Record<string, unknown> }): tf.TensorInfo[] {
  const a = attrs as unknown as PpoCategoricalLossAttrs;
  const logitsInfo = inputs.logits as tf.TensorInfo;
  const [b, k] = logitsInfo.shape as [number, number];
  const gLogitsOut = backend.makeOutput([b, k], 'float32');
  const gValuesOut = backend.makeOutput([b], 'float32');
  const statsOut = backend.makeOutput([6], 'float32');
  const lossOut = backend.makeOutput([], 'float32');
  // Views only after every allocation (a heap growth detaches earlier views).
  const view = (t: tf.TensorInfo) => backend.typedArrayFromHeap(t);
  const z = view(logitsInfo) as Float32Array;
  const v = view(inputs.values as tf.TensorInfo) as Float32Array;
  const act = view(inputs.actions as tf.TensorInfo) as Int32Array;
  const oldLp = view(inputs.oldLogProbs as tf.TensorInfo) as Float32Array;
  const adv = view(inputs.advantages as tf.TensorInfo) as Float32Array;
  const ret = view(inputs.returns as tf.TensorInfo) as Float32Array;
  const oldV = view(inputs.oldValues as tf.TensorInfo) as Float32Array;
  const gz = view(gLogitsOut) as Float32Array;
  const gv = view(gValuesOut) as Float32Array;
  const eps = a.clipRange;
  const lo = 1 - eps;
  const hi = 1 + eps;
  const vfClip = a.clipRangeVf;
  const invB = 1 / b;
  const entScale = a.entCoef * invB;
  const vfScale = 2 * a.vfCoef * invB;
  const adaptive = a.lossType === 'adaptive_kl';
  const lp = new Float64Array(k);
  let pgSum = 0;
  let vfSum = 0;
  let entSum = 0;
  let klSum = 0;
  let clipped = 0;
  for (let i = 0; i < b; i++) {
    const row = i * k;
    let m = -Infinity;
    for (let j = 0; j < k; j++) m = Math.max(m, z[row + j] as number);
    let s = 0;
    for (let j = 0; j < k; j++) s += Math.exp((z[row + j] as number) - m);
    const lse = m + Math.log(s);
    let h = 0;
    for (let j = 0; j < k; j++) {
      const l = (z[row + j] as number) - lse;
      lp[j] = l;
      h -= Math.exp(l) * l;
    }
    entSum += h;
    const ai = act[i] as number;
    if (!(ai >= 0 && ai < k)) throw new RangeError(`ppoCategoricalLoss: action ${ai} at row ${i} is outside [0, ${k})`);
    const logRatio = (lp[ai] as number) - (oldLp[i] as number);
    const r = Math.exp(logRatio);
    klSum += r - 1 - logRatio;
    if (Math.abs(r - 1) > eps) clipped++;
    const A = adv[i] as number;
    let gLogp: number;
    if (adaptive) {
      pgSum += A * r;
      gLogp = (-A * r + a.klCoef * (r - 1)) * invB;
    } else {
      const s1 = A * r;
      const rc = Math.min(Math.max(r, lo), hi);
      const s2 = A * rc;
      pgSum += Math.min(s1, s2);
      gLogp = s1 <= s2 || (r >= lo && r <= hi) ? -s1 * invB : 0;
    }
    for (let j = 0; j < k; j++) {
      const l = lp[j] as number;
      const p = Math.exp(l);
      gz[row + j] = gLogp * ((j === ai ? 1 : 0) - p) + entScale * p * (l + h);
    }
    const vi = v[i] as number;
    let vPred = vi;
    let pass = 1;
    if (vfClip !== null) {
      const ov = oldV[i] as number;
      const d = vi - ov;
      if (d < -vfClip || d > vfClip) pass = 0;
      vPred = ov + Math.min(Math.max(d, -vfClip), vfClip);
    }
    const err = vPred - (ret[i] as number);
    vfSum += err * err;
    gv[i] = pass * vfScale * err;
  }
  const approxKl = klSum * invB;
  const pg = adaptive ? -pgSum * invB + a.klCoef * approxKl : -pgSum * invB;
  const vf = vfSum * invB;
  const entLoss = -entSum * invB;
  const loss = pg + a.entCoef * entLoss + a.vfCoef * vf;
  const stats = view(statsOut) as Float32Array;
  stats[0] = pg;
  stats[1] = vf;
  stats[2] = entLoss;
  stats[3] = approxKl;
  stats[4] = clipped * invB;
  stats[5] = loss;
  (view(lossOut) as Float32Array)[0] = loss;
  return [gLogitsOut, gValuesOut, statsOut, lossOut];
}

/** Whether the fused kernel can run here (the wasm backend is active). Registers it on first use. */
export function ppoCategoricalFusedAvailable(): boolean {
  if (tf.getBackend() !== 'wasm') return false;
  if (!tf.getKernel(PPO_CATEGORICAL_LOSS, 'wasm')) {
    tf.registerKernel({ kernelName: PPO_CATEGORICAL_LOSS, backendName: 'wasm', kernelFunc: kernel as unknown as tf.KernelFunc });
  }
  return true;
}

/**
 * The PPO loss (a scalar, differentiable with respect to `logits` and `values` only) of a
 * Categorical policy. Pushes the kept [pg, vf, entropy loss, approx KL, clip fraction, loss]
 * statistics onto `statsOut`. Needs the wasm backend (see `ppoCategoricalFusedAvailable`).
 */
export function ppoCategoricalLoss(inputs: PpoCategoricalLossInputs, attrs: PpoCategoricalLossAttrs, statsOut: tf.Tensor[]): tf.Scalar {
  const { actions, oldLogProbs, advantages, returns, oldValues } = inputs;
  if (actions.dtype !== 'int32') throw new TypeError(`ppoCategoricalLoss: actions must be int32, got ${actions.dtype}`);
  const f = tf.customGrad(((logits: tf.Tensor, values: tf.Tensor, save: tf.GradSaveFunc) => {
    const [gLogits, gValues, stats, loss] = tf
      .engine()
      .runKernel(
        PPO_CATEGORICAL_LOSS,
        { logits, values, actions, oldLogProbs, advantages, returns, oldValues },
        attrs as unknown as tf.NamedAttrMap,
      ) as unknown as tf.Tensor[];
    statsOut.push(tf.keep(stats as tf.Tensor));
    save([gLogits as tf.Tensor, gValues as tf.Tensor]);
    return {
      value: loss as tf.Scalar,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [tf.mul(dy, saved[0] as tf.Tensor), tf.mul(dy, saved[1] as tf.Tensor)],
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return (f as (...args: tf.Tensor[]) => tf.Tensor)(inputs.logits, inputs.values) as tf.Scalar;
}

/**
 * The PPO loss of a minibatch through the fused kernel when it applies — a Categorical policy
 * without gSDE, on the wasm backend, with fused losses enabled (`accelerations`) — else null, and
 * the caller computes it with tf ops. Pushes the kept statistics onto `statsOut` like
 * {@link ppoCategoricalLoss}.
 */
export function fusedPpoLoss(
  policy: ActorCriticPolicy,
  obs: tf.Tensor2D,
  batch: Omit<PpoCategoricalLossInputs, 'logits' | 'values'>,
  attrs: PpoCategoricalLossAttrs,
  statsOut: tf.Tensor[],
): tf.Scalar | null {
  if (!accelerations.fusedLosses || !policy.discrete || policy.sdeNoise || !ppoCategoricalFusedAvailable()) return null;
  const { logitsOrMean, value } = policy.net.forward(obs, { inputGrad: false });
  return ppoCategoricalLoss({ ...batch, logits: logitsOrMean, values: value }, attrs, statsOut);
}
