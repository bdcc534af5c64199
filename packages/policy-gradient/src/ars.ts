/**
 * Augmented Random Search (Mania, Guy & Recht 2018, https://arxiv.org/abs/1803.07055).
 *
 * Each iteration samples `nDelta` Gaussian directions δ_i, evaluates the policies θ ± deltaStd·δ_i
 * by full episodes, keeps the `nTop` directions with the best max(r⁺, r⁻) and moves
 * θ ← θ + lr / (nTop · σ_R) · Σ_top (r⁺ − r⁻) δ, σ_R the standard deviation of the kept returns.
 * V1 uses raw states; V2 normalises states with running mean/std of every state visited (held
 * fixed within an iteration). Policies are linear (the paper) or a small MLP (RL-Zoo's Pendulum
 * setting); all of it is plain typed-array math, no tensors.
 */
import {
  Algorithm,
  type AlgorithmOptions,
  type AnyEnv,
  type BaseCallback,
  Box,
  type CommonOptions,
  Discrete,
  type EnvSpecifier,
  type HyperparameterInput,
  type NetworkState,
  type ResolvedHyperparameters,
  RunningMeanStd,
  type VecEnv,
  defineHyperparameters,
  yieldToEventLoop,
} from '@tfrl/core';
import { asVecEnv, normalizeWithRms, rmsFromJson, rmsToJson } from './on-policy';

export const arsHyperparameters = defineHyperparameters({
  nDelta: { type: 'integer', default: 8, min: 1, doc: 'random directions sampled per iteration' },
  nTop: { type: 'integer', default: null, min: 1, nullable: true, doc: 'best directions used in the update (null = nDelta)' },
  learningRate: { type: 'schedule', default: 0.02, exclusiveMin: 0, doc: 'step size α (number or schedule)' },
  deltaStd: { type: 'number', default: 0.05, exclusiveMin: 0, doc: 'exploration noise ν of the perturbations' },
  nEvalEpisodes: { type: 'integer', default: 1, min: 1, doc: 'episodes per perturbed policy' },
  version: { type: 'enum', values: ['v1', 'v2'], default: 'v1', doc: 'v2 normalises states with running mean/std' },
  aliveBonusOffset: { type: 'number', default: 0, doc: 'added to every training reward (e.g. −1 removes a per-step alive bonus)' },
  zeroPolicy: { type: 'boolean', default: true, doc: 'start from θ = 0 (else PyTorch-style uniform init)' },
  netArch: { type: 'number[]', default: [], min: 1, doc: 'hidden layer sizes ([] = linear policy)' },
  activation: { type: 'enum', values: ['relu', 'tanh'], default: 'relu', doc: 'hidden activation' },
  withBias: { type: 'boolean', default: false, doc: 'bias in the output layer of a linear policy (hidden layers always have biases)' },
  squashOutput: {
    type: 'boolean',
    default: null,
    nullable: true,
    doc: 'Box actions: tanh then scale to the bounds (null = only for MLP policies; else clip)',
  },
  clipObs: { type: 'number', default: 10, exclusiveMin: 0, doc: 'v2: clip normalised states to ±clipObs' },
});

export type ArsHp = ResolvedHyperparameters<typeof arsHyperparameters>;

export type ARSOptions<E extends EnvSpecifier = EnvSpecifier> = CommonOptions & { env: E } & HyperparameterInput<typeof arsHyperparameters>;

/**
 * The ARS update. `deltas` holds nDelta directions of `theta.length` values; `rPlus`/`rMinus`
 * the returns of θ ± ν·δ_i. Keeps the nTop directions with the largest max(r⁺, r⁻) and returns
 * θ + lr / (nTop · σ_R + 1e-6) · Σ_top (r⁺ − r⁻) δ (σ_R: unbiased std of the 2·nTop kept returns,
 * as SB3-contrib). `theta` is not modified.
 */
export function arsUpdate(args: {
  theta: ArrayLike<number>;
  deltas: ArrayLike<number>;
  rPlus: ArrayLike<number>;
  rMinus: ArrayLike<number>;
  nTop: number;
  learningRate: number;
}): { theta: Float32Array; top: number[]; stepSize: number; returnStd: number } {
  const { theta, deltas, rPlus, rMinus, learningRate } = args;
  const nDelta = rPlus.length;
  const p = theta.length;
  if (rMinus.length !== nDelta || deltas.length !== nDelta * p) {
    throw new RangeError(`arsUpdate: ${nDelta} r+, ${rMinus.length} r−, ${deltas.length} delta values for ${p} parameters`);
  }
  const nTop = Math.min(args.nTop, nDelta);
  const order = Array.from({ length: nDelta }, (_, i) => i);
  const score = (i: number) => Math.max(rPlus[i] as number, rMinus[i] as number);
  order.sort((a, b) => score(b) - score(a) || a - b);
  const top = order.slice(0, nTop);
  const kept = top.flatMap((i) => [rPlus[i] as number, rMinus[i] as number]);
  const mean = kept.reduce((a, b) => a + b, 0) / kept.length;
  const returnStd = kept.length > 1 ? Math.sqrt(kept.reduce((a, b) => a + (b - mean) ** 2, 0) / (kept.length - 1)) : 0;
  const stepSize = learningRate / (nTop * returnStd + 1e-6);
  const out = Float32Array.from(theta);
  for (const i of top) {
    const w = stepSize * ((rPlus[i] as number) - (rMinus[i] as number));
    for (let j = 0; j < p; j++) out[j] = (out[j] as number) + w * (deltas[i * p + j] as number);
  }
  return { theta: out, top, stepSize, returnStd };
}

interface LayerShape {
  inDim: number;
  outDim: number;
  bias: boolean;
  /** Offset of W ([inDim, outDim] row-major) in θ; the bias follows. */
  offset: number;
}

export interface ArsTrainStats {
  meanReturn: number;
  maxReturn: number;
  returnStd: number;
  stepSize: number;
}

export class ARS<E extends EnvSpecifier = any> extends Algorithm<ArsHp, E> {
  static override readonly algorithmName = 'ARS';
  static override readonly hyperparameterSchema = arsHyperparameters;

  declare readonly env: VecEnv;
  readonly obsDim: number;
  readonly discrete: boolean;
  /** Policy outputs: number of actions (Discrete) or action dimension (Box). */
  readonly outDim: number;
  readonly numParams: number;
  /** Policy parameters θ (flat: each layer's W then b). */
  theta: Float32Array;
  readonly obsRms: RunningMeanStd | undefined;
  lastTrainStats: ArsTrainStats | undefined;

  private readonly layers: LayerShape[];
  private readonly low: Float32Array | undefined;
  private readonly high: Float32Array | undefined;
  private readonly squash: boolean;
  private readonly hidden: Float64Array[];
  private lastObs: Float32Array | undefined;

  constructor(options: ARSOptions<E>) {
    super(options as unknown as AlgorithmOptions);
    const hp = this.hyperparameters;
    const obsSpace = this.env.singleObservationSpace;
    const actSpace = this.env.singleActionSpace;
    if (!(obsSpace instanceof Box)) throw new Error(`ARS: observation space must be a Box (flat vector), got ${String(obsSpace)}`);
    if (actSpace instanceof Discrete) {
      this.discrete = true;
      this.outDim = actSpace.n;
    } else if (actSpace instanceof Box) {
      this.discrete = false;
      this.outDim = actSpace.compactDim;
      this.low = Float32Array.from(actSpace.low);
      this.high = Float32Array.from(actSpace.high);
    } else {
      throw new Error(`ARS: action space must be Discrete or Box, got ${String(actSpace)}`);
    }
    if (hp.nTop !== null && hp.nTop > hp.nDelta) throw new RangeError(`ARS: nTop (${hp.nTop}) must not exceed nDelta (${hp.nDelta})`);
    this.obsDim = this.env.obsDim;
    this.squash = !this.discrete && (hp.squashOutput ?? hp.netArch.length > 0);
    const dims = [this.obsDim, ...hp.netArch, this.outDim];
    this.layers = [];
    let off = 0;
    for (let i = 0; i + 1 < dims.length; i++) {
      const last = i + 2 === dims.length;
      const bias = !last || hp.netArch.length > 0 || hp.withBias;
      const l = { inDim: dims[i] as number, outDim: dims[i + 1] as number, bias, offset: off };
      this.layers.push(l);
      off += l.inDim * l.outDim + (bias ? l.outDim : 0);
    }
    this.numParams = off;
    this.theta = new Float32Array(off);
    if (!hp.zeroPolicy) {
      for (const l of this.layers) {
        const bound = 1 / Math.sqrt(l.inDim);
        for (let k = 0; k < l.inDim * l.outDim + (l.bias ? l.outDim : 0); k++) this.theta[l.offset + k] = this.rng.uniform(-bound, bound);
      }
    }
    this.hidden = hp.netArch.map((h) => new Float64Array(h));
    this.obsRms = hp.version === 'v2' ? new RunningMeanStd(this.obsDim) : undefined;
  }

  protected override resolveEnv(spec: EnvSpecifier): AnyEnv {
    return asVecEnv(super.resolveEnv(spec));
  }

  /** Env action of one (already normalised) state `x` under parameters `theta`, written to `out` at `at`. */
  private actOne(theta: Float32Array, x: ArrayLike<number>, xOff: number, out: Int32Array | Float32Array, at: number): void {
    const act = this.hyperparameters.activation;
    let input: ArrayLike<number> = x;
    let inOff = xOff;
    const nL = this.layers.length;
    let y: Float64Array = new Float64Array(0);
    for (let li = 0; li < nL; li++) {
      const l = this.layers[li] as LayerShape;
      y = li < nL - 1 ? (this.hidden[li] as Float64Array) : new Float64Array(l.outDim);
      const bOff = l.offset + l.inDim * l.outDim;
      for (let o = 0; o < l.outDim; o++) y[o] = l.bias ? (theta[bOff + o] as number) : 0;
      for (let i = 0; i < l.inDim; i++) {
        const xi = input[inOff + i] as number;
        if (xi === 0) continue;
        const row = l.offset + i * l.outDim;
        for (let o = 0; o < l.outDim; o++) y[o] = (y[o] as number) + xi * (theta[row + o] as number);
      }
      if (li < nL - 1) {
        for (let o = 0; o < l.outDim; o++) {
          const v = y[o] as number;
          y[o] = act === 'relu' ? (v > 0 ? v : 0) : Math.tanh(v);
        }
      }
      input = y;
      inOff = 0;
    }
    if (this.discrete) {
      let best = 0;
      for (let o = 1; o < this.outDim; o++) if ((y[o] as number) > (y[best] as number)) best = o;
      out[at] = best;
      return;
    }
    const low = this.low as Float32Array;
    const high = this.high as Float32Array;
    for (let o = 0; o < this.outDim; o++) {
      const v = y[o] as number;
      const lo = low[o] as number;
      const hi = high[o] as number;
      out[at * this.outDim + o] = this.squash ? lo + ((Math.tanh(v) + 1) * (hi - lo)) / 2 : v < lo ? lo : v > hi ? hi : v;
    }
  }

  normalizeObservation(obs: Float32Array): Float32Array {
    return this.obsRms ? normalizeWithRms(obs, this.obsRms, this.hyperparameters.clipObs) : obs;
  }

  protected predictRows(obs: Float32Array): Int32Array | Float32Array {
    const b = obs.length / this.obsDim;
    const x = this.normalizeObservation(obs);
    const out = this.discrete ? new Int32Array(b) : new Float32Array(b * this.outDim);
    for (let i = 0; i < b; i++) this.actOne(this.theta, x, i * this.obsDim, out, i);
    return out;
  }

  protected async trainLoop(totalTimesteps: number, callback: BaseCallback): Promise<void> {
    const hp = this.hyperparameters;
    const env = this.env;
    const n = env.numEnvs;
    const d = this.obsDim;
    const P = this.numParams;
    if (!this.lastObs) this.lastObs = Float32Array.from(env.reset(this.envResetSeed));
    const actions = this.discrete ? new Int32Array(n) : new Float32Array(n * this.outDim);
    let iteration = 0;
    while (this.numTimesteps < totalTimesteps) {
      await callback.rolloutStart(this.callbackContext());
      const nDelta = hp.nDelta;
      const deltas = new Float32Array(nDelta * P);
      this.rng.fillNormal(deltas);
      // Candidate c: 2i = θ + νδ_i, 2i+1 = θ − νδ_i.
      const candidates: Float32Array[] = [];
      for (let i = 0; i < nDelta; i++) {
        const plus = new Float32Array(P);
        const minus = new Float32Array(P);
        for (let j = 0; j < P; j++) {
          const s = hp.deltaStd * (deltas[i * P + j] as number);
          plus[j] = (this.theta[j] as number) + s;
          minus[j] = (this.theta[j] as number) - s;
        }
        candidates.push(plus, minus);
      }
      const returns = new Float64Array(candidates.length);
      const queue: number[] = [];
      for (let c = 0; c < candidates.length; c++) for (let k = 0; k < hp.nEvalEpisodes; k++) queue.push(c);
      let next = 0;
      let pending = queue.length;
      // Slot e plays candidate slot[e]; −1 = finishing an episode that started before it was free.
      const slot = new Int32Array(n).fill(-1);
      const slotReturn = new Float64Array(n);
      const fresh = new Uint8Array(n).fill(1); // at an episode start
      const visited: number[] = [];
      let steps = 0;
      while (pending > 0) {
        for (let e = 0; e < n; e++) {
          if (slot[e] === -1 && fresh[e] && next < queue.length) {
            slot[e] = queue[next++] as number;
            slotReturn[e] = 0;
          }
        }
        const x = this.normalizeObservation(this.lastObs);
        for (let e = 0; e < n; e++) {
          const c = slot[e] as number;
          this.actOne(c >= 0 ? (candidates[c] as Float32Array) : this.theta, x, e * d, actions, e);
          if (c >= 0 && this.obsRms) for (let j = 0; j < d; j++) visited.push(this.lastObs[e * d + j] as number);
        }
        const res = env.step(actions);
        this.numTimesteps += n;
        steps++;
        this.recordEpisodeInfos(res.infos);
        if (!(await callback.step(this.callbackContext({ infos: res.infos, rewards: res.rewards })))) return;
        for (let e = 0; e < n; e++) {
          const c = slot[e] as number;
          if (c >= 0) slotReturn[e] = (slotReturn[e] as number) + (res.rewards[e] as number) + hp.aliveBonusOffset;
          const done = res.terminated[e] || res.truncated[e];
          fresh[e] = done ? 1 : 0;
          if (done && c >= 0) {
            returns[c] = (returns[c] as number) + (slotReturn[e] as number) / hp.nEvalEpisodes;
            slot[e] = -1;
            pending--;
          }
        }
        this.lastObs = Float32Array.from(res.obs);
        if (steps % 1000 === 0) await yieldToEventLoop();
      }
      await callback.rolloutEnd(this.callbackContext());
      iteration++;
      this.updateProgressRemaining();
      const rPlus = new Float64Array(nDelta);
      const rMinus = new Float64Array(nDelta);
      for (let i = 0; i < nDelta; i++) {
        rPlus[i] = returns[2 * i] as number;
        rMinus[i] = returns[2 * i + 1] as number;
      }
      const upd = arsUpdate({
        theta: this.theta,
        deltas,
        rPlus,
        rMinus,
        nTop: hp.nTop ?? nDelta,
        learningRate: this.scheduleValue('learningRate'),
      });
      this.theta = upd.theta;
      // Divergence guard: the update is plain host math, so the check costs no read.
      for (let j = 0; j < this.theta.length; j++) {
        if (!Number.isFinite(this.theta[j] as number)) this.assertFinite({ [`parameter θ[${j}]`]: this.theta[j] as number });
      }
      if (this.obsRms && visited.length > 0) this.obsRms.update(visited);
      this.numUpdates++;
      let mean = 0;
      for (const r of returns) mean += r;
      mean /= returns.length;
      this.lastTrainStats = { meanReturn: mean, maxReturn: Math.max(...returns), returnStd: upd.returnStd, stepSize: upd.stepSize };
      if (this.shouldLog(iteration)) {
        this.logTrainingStats({
          'train/mean_return': mean,
          'train/max_return': this.lastTrainStats.maxReturn,
          'train/return_std': upd.returnStd,
          'train/step_size': upd.stepSize,
          'train/learning_rate': this.scheduleValue('learningRate'),
          'train/n_updates': this.numUpdates,
        });
      }
      await yieldToEventLoop();
    }
  }

  protected override networks(): Record<string, NetworkState> {
    return { 'ars/theta': { dtype: 'float32', shape: [this.numParams], data: this.theta } };
  }

  protected override extraState(): Record<string, unknown> {
    return { obsRms: rmsToJson(this.obsRms) };
  }

  protected override loadExtraState(extra: Record<string, unknown>): void {
    rmsFromJson(this.obsRms, extra.obsRms);
  }
}
