/**
 * Trust Region Policy Optimization (Schulman et al. 2015, https://arxiv.org/abs/1502.05477).
 *
 * Each rollout: the natural-gradient direction s ≈ F⁻¹ g by conjugate gradient on Fisher-vector
 * products (the Hessian-vector product of the mean KL(π_old ‖ π), plus damping), a maximal step
 * √(2δ / sᵀFs) on the KL constraint δ = `targetKl`, then a backtracking line search that accepts
 * the first step whose KL is below δ and whose surrogate objective improved. The value function
 * is a separate network trained with Adam on minibatches. Names and defaults follow
 * SB3-contrib's TRPO.
 */
import * as tf from '@tensorflow/tfjs';
import {
  Adam,
  type AlgorithmOptions,
  Categorical,
  type CommonOptions,
  DiagGaussian,
  type EnvSpecifier,
  type HyperparameterInput,
  OnPolicyAlgorithm,
  type ResolvedHyperparameters,
  type RolloutBuffer,
  computeGradients,
  defineHyperparameters,
  explainedVariance,
  policyHyperparameters,
} from '@tfrl/core';
import { getFlatParams, setFlatParams, standardize } from './on-policy';

// ---------------------------------------------------------------------------- pure pieces

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] as number) * (b[i] as number);
  return s;
}

/**
 * Solve A x = b for a symmetric positive-definite A given only x ↦ A x, by at most `maxSteps`
 * conjugate-gradient iterations from x = 0 (stops when the squared residual is below `residualTol`).
 */
export function conjugateGradient(
  matVec: (v: Float64Array) => ArrayLike<number>,
  b: ArrayLike<number>,
  maxSteps = 15,
  residualTol = 1e-10,
): { x: Float64Array; iterations: number; residual: number } {
  const n = b.length;
  const x = new Float64Array(n);
  const r = Float64Array.from(b as ArrayLike<number>);
  const p = Float64Array.from(b as ArrayLike<number>);
  let rr = dot(r, r);
  let it = 0;
  while (it < maxSteps && rr >= residualTol) {
    const ap = matVec(p);
    const alpha = rr / dot(p, ap);
    for (let i = 0; i < n; i++) {
      x[i] = (x[i] as number) + alpha * (p[i] as number);
      r[i] = (r[i] as number) - alpha * (ap[i] as number);
    }
    const rrNew = dot(r, r);
    const beta = rrNew / rr;
    for (let i = 0; i < n; i++) p[i] = (r[i] as number) + beta * (p[i] as number);
    rr = rrNew;
    it++;
  }
  return { x, iterations: it, residual: rr };
}

/** What the Fisher of the policy's output distribution needs, per batch row (constants at θ_old). */
export type OutputFisher =
  /** Categorical on logits: M = diag(p) − p pᵀ with p = the old probabilities [B, K]. */
  | { kind: 'categorical'; probs: tf.Tensor2D }
  /**
   * Diagonal Gaussian on the mean: M = diag(1/σ²) ([D], state-independent σ); the log-std
   * parameters (the last `logStdSize` entries of v) have Fisher 2·I and no cross terms.
   */
  | { kind: 'gaussian'; invVar: tf.Tensor1D; logStdSize: number };

/**
 * Fisher-vector product F·v + damping·v of a policy whose head output z(θ) ([B, K], logits or
 * means) is a function of `vars`: F = mean_s J_sᵀ M_s J_s, the Hessian of the mean
 * KL(π_old ‖ π_θ) at θ = θ_old (where the KL's second-order term vanishes).
 *
 * Computed as J ᵀ(M (J v)): J v by the double-vjp trick (differentiate the linear map u ↦ Jᵀu · v
 * with respect to u), then one vjp. This avoids differentiating tfjs gradients with respect to
 * the parameters, which is incomplete for ops whose gradient reuses their output (exp, tanh,
 * logSoftmax). `v` is flat in the order of `vars` (then the log-std entries, for a Gaussian).
 */
export function fisherVectorProduct(args: {
  outputs: () => tf.Tensor2D;
  fisher: OutputFisher;
  vars: tf.Variable[];
  v: ArrayLike<number>;
  damping: number;
}): Float64Array {
  const { outputs, fisher, vars, v, damping } = args;
  const nNet = vars.reduce((a, x) => a + x.size, 0);
  const flatV = Float32Array.from(v as ArrayLike<number>);
  const out = tf.tidy(() => {
    const parts: tf.Tensor[] = [];
    let off = 0;
    for (const x of vars) {
      parts.push(tf.tensor(flatV.subarray(off, off + x.size), x.shape));
      off += x.size;
    }
    const z0 = outputs();
    const [b, k] = z0.shape;
    // J v = ∂/∂u [ Σ_i ⟨(Jᵀu)_i, v_i⟩ ] (linear in u, so any u works).
    const jv = tf.grad((u: tf.Tensor) => {
      const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(outputs(), u)) as tf.Scalar, vars);
      value.dispose();
      const terms = vars.map((x, i) => tf.sum(tf.mul(grads[x.name] as tf.Tensor, parts[i] as tf.Tensor)));
      return terms.length === 1 ? (terms[0] as tf.Scalar) : (tf.addN(terms) as tf.Scalar);
    })(tf.zeros([b, k])) as tf.Tensor2D;
    let mjv: tf.Tensor2D;
    if (fisher.kind === 'categorical') {
      const p = fisher.probs;
      mjv = tf.sub(tf.mul(p, jv), tf.mul(p, tf.sum(tf.mul(p, jv), 1, true)));
    } else {
      mjv = tf.mul(jv, fisher.invVar);
    }
    // Jᵀ (M J v) averaged over the batch.
    const { value, grads } = tf.variableGrads(() => tf.div(tf.sum(tf.mul(outputs(), mjv)), b) as tf.Scalar, vars);
    value.dispose();
    return tf.concat(vars.map((x) => tf.reshape(grads[x.name] as tf.Tensor, [-1])));
  });
  const data = out.dataSync();
  out.dispose();
  const res = new Float64Array(flatV.length);
  for (let i = 0; i < nNet; i++) res[i] = (data[i] as number) + damping * (flatV[i] as number);
  // Gaussian log-std block: Fisher 2·I.
  for (let i = nNet; i < flatV.length; i++) res[i] = (2 + damping) * (flatV[i] as number);
  return res;
}

export interface LineSearchResult {
  accepted: boolean;
  /** Fraction of the maximal step taken (0 when rejected). */
  coefficient: number;
  objective: number;
  kl: number;
  iterations: number;
}

/**
 * Backtracking line search: try coefficient 1, shrink by `shrinkFactor` up to `maxIter` times,
 * accept the first step with kl < targetKl and objective > baseObjective (SB3-contrib's rule).
 * `evaluate(c)` applies the step c · fullStep and returns its surrogate objective and KL.
 */
export function backtrackingLineSearch(args: {
  evaluate: (coefficient: number) => { objective: number; kl: number };
  baseObjective: number;
  targetKl: number;
  maxIter?: number;
  shrinkFactor?: number;
}): LineSearchResult {
  const maxIter = args.maxIter ?? 10;
  const shrink = args.shrinkFactor ?? 0.8;
  let c = 1;
  let last = { objective: args.baseObjective, kl: 0 };
  for (let i = 0; i < maxIter; i++) {
    last = args.evaluate(c);
    if (last.kl < args.targetKl && last.objective > args.baseObjective) {
      return { accepted: true, coefficient: c, objective: last.objective, kl: last.kl, iterations: i + 1 };
    }
    c *= shrink;
  }
  return { accepted: false, coefficient: 0, objective: last.objective, kl: last.kl, iterations: maxIter };
}

// ---------------------------------------------------------------------------- learner

export const trpoHyperparameters = defineHyperparameters({
  learningRate: { type: 'schedule', default: 1e-3, exclusiveMin: 0, doc: 'Adam step size of the value function' },
  nSteps: { type: 'integer', default: 2048, min: 1, doc: 'steps per env in each rollout' },
  batchSize: { type: 'integer', default: 128, min: 1, doc: 'minibatch size of the value-function updates' },
  gamma: { type: 'number', default: 0.99, min: 0, max: 1, doc: 'discount factor' },
  gaeLambda: { type: 'number', default: 0.95, min: 0, max: 1, doc: 'GAE λ' },
  cgMaxSteps: { type: 'integer', default: 15, min: 1, doc: 'conjugate-gradient iterations' },
  cgDamping: { type: 'number', default: 0.1, min: 0, doc: 'damping added to the Fisher-vector product' },
  lineSearchShrinkingFactor: { type: 'number', default: 0.8, exclusiveMin: 0, max: 1, doc: 'step shrink per line-search iteration' },
  lineSearchMaxIter: { type: 'integer', default: 10, min: 1, doc: 'line-search iterations' },
  nCriticUpdates: { type: 'integer', default: 10, min: 1, doc: 'epochs of value-function minibatch updates per rollout' },
  targetKl: { type: 'number', default: 0.01, exclusiveMin: 0, doc: 'KL trust-region radius δ' },
  normalizeAdvantage: { type: 'boolean', default: true, doc: 'standardise the advantages of each rollout' },
  subSamplingFactor: { type: 'integer', default: 1, min: 1, doc: 'use every k-th sample for the Fisher-vector products' },
  ...policyHyperparameters({ netArch: [64, 64] }),
  normalize: { type: 'boolean', default: false, doc: 'normalise observations with running statistics (VecNormalize, observations only)' },
  clipObs: { type: 'number', default: 10, exclusiveMin: 0, doc: 'clip normalised observations to ±clipObs' },
});

export type TrpoHp = ResolvedHyperparameters<typeof trpoHyperparameters>;
export type TRPOOptions<E extends EnvSpecifier = EnvSpecifier> = CommonOptions & { env: E } & HyperparameterInput<
    typeof trpoHyperparameters
  >;

export interface TrpoTrainStats {
  policyObjective: number;
  valueLoss: number;
  kl: number;
  lineSearchSuccess: boolean;
  lineSearchCoefficient: number;
  cgIterations: number;
  explainedVariance: number;
}

export class TRPO<E extends EnvSpecifier = any> extends OnPolicyAlgorithm<TrpoHp, E> {
  static override readonly algorithmName = 'TRPO';
  static override readonly hyperparameterSchema = trpoHyperparameters;

  /** Adam of the value network. */
  readonly valueOptimizer: Adam;
  lastTrainStats: TrpoTrainStats | undefined;
  private readonly actorVars: tf.Variable[];

  constructor(options: TRPOOptions<E>) {
    super(options as unknown as AlgorithmOptions);
    this.actorVars = this.policy.actorVariables;
    this.valueOptimizer = new Adam(this.policy.criticVariables, { lr: this.scheduleValue('learningRate') });
  }

  /** TRPO normalises observations only (`normalize`). */
  protected override normalization(): { obs: boolean; reward: boolean } {
    return { obs: this.hyperparameters.normalize, reward: false };
  }

  protected override optimizers() {
    return { value: this.valueOptimizer };
  }

  private get buffer(): RolloutBuffer {
    return this.rolloutBuffer as RolloutBuffer;
  }

  /** Distribution parameters of the current policy as constants (for KL to the old policy). */
  private distParams(obs: tf.Tensor2D): tf.Tensor[] {
    return tf.tidy(() => {
      const d = this.policy.policyForward(obs);
      // Clones: the log-std may be the policy's own variable.
      return d instanceof Categorical ? [tf.clone(d.logits)] : [tf.clone(d.mean), tf.clone(d.logStd)];
    });
  }

  private oldDist(params: tf.Tensor[]): Categorical | DiagGaussian {
    return params.length === 1
      ? new Categorical(params[0] as tf.Tensor2D)
      : new DiagGaussian(params[0] as tf.Tensor2D, params[1] as tf.Tensor1D);
  }

  /** The Fisher of the output distribution at the old parameters. */
  private outputFisher(oldParams: tf.Tensor[]): OutputFisher {
    if (oldParams.length === 1) return { kind: 'categorical', probs: tf.softmax(oldParams[0] as tf.Tensor2D) as tf.Tensor2D };
    const invVar = tf.tidy(() => tf.exp(tf.mul(-2, oldParams[1] as tf.Tensor1D)) as tf.Tensor1D);
    return { kind: 'gaussian', invVar, logStdSize: this.policy.actDim };
  }

  /** Surrogate mean(ratio · A) and mean KL at the current parameters, with one read. */
  private objectiveAndKl(
    obs: tf.Tensor2D,
    act: tf.Tensor,
    oldLogp: tf.Tensor1D,
    adv: tf.Tensor1D,
    oldParams: tf.Tensor[],
  ): { objective: number; kl: number } {
    const t = tf.tidy(() => {
      const d = this.policy.policyForward(obs);
      const ratio = tf.exp(tf.sub(d.logProb(act as never), oldLogp));
      const obj = tf.mean(tf.mul(ratio, adv));
      const kl = tf.mean(this.oldDist(oldParams).klDivergence(d as never));
      return tf.stack([obj, kl]);
    });
    const v = t.dataSync();
    t.dispose();
    return { objective: v[0] as number, kl: v[1] as number };
  }

  train(): Record<string, number> {
    const s = this.update();
    return {
      'train/policy_objective': s.policyObjective,
      'train/value_loss': s.valueLoss,
      'train/kl_divergence_loss': s.kl,
      'train/is_line_search_success': s.lineSearchSuccess ? 1 : 0,
      'train/line_search_coefficient': s.lineSearchCoefficient,
      'train/cg_iterations': s.cgIterations,
      'train/explained_variance': s.explainedVariance,
    };
  }

  /** One TRPO update of the policy and `nCriticUpdates` epochs of the value function. */
  update(): TrpoTrainStats {
    const hp = this.hyperparameters;
    const b = this.buffer.bufferSize;
    const d = this.policy.obsDim;
    const adv =
      hp.normalizeAdvantage && b > 1
        ? standardize(this.buffer.advantages.subarray(0, b))
        : Float32Array.from(this.buffer.advantages.subarray(0, b));
    const obsT = tf.tensor2d(this.buffer.obs.subarray(0, b * d), [b, d]);
    const actT = this.policy.actionTensor(this.buffer.actions, b);
    const oldLogT = tf.tensor1d(this.buffer.logProbs.subarray(0, b));
    const advT = tf.tensor1d(adv);
    const oldParams = this.distParams(obsT);
    // Fisher-vector products on every k-th sample.
    const k = hp.subSamplingFactor;
    let fvpObs = obsT;
    let fvpOld = oldParams;
    if (k > 1) {
      const rows = Math.ceil(b / k);
      const sub = new Float32Array(rows * d);
      for (let r = 0; r < rows; r++) sub.set(this.buffer.obs.subarray(r * k * d, r * k * d + d), r * d);
      fvpObs = tf.tensor2d(sub, [rows, d]);
      fvpOld = this.distParams(fvpObs);
    }

    // Gradient of the surrogate objective at θ_old (ratio = 1).
    let objT: tf.Tensor | undefined;
    const { grads } = computeGradients(
      () => {
        const dist = this.policy.policyForward(obsT);
        const ratio = tf.exp(tf.sub(dist.logProb(actT as never), oldLogT));
        const obj = tf.mean(tf.mul(ratio, advT)) as tf.Scalar;
        objT = tf.keep(tf.clone(obj));
        return obj;
      },
      this.actorVars,
      { readLoss: false },
    );
    const gFlat = tf.tidy(() => tf.concat(grads.map((g) => tf.reshape(g, [-1]))));
    const g = gFlat.dataSync().slice() as Float32Array;
    tf.dispose([gFlat, ...grads]);
    const baseObjective = (objT as tf.Tensor).dataSync()[0] as number;
    (objT as tf.Tensor).dispose();

    const fisher = this.outputFisher(fvpOld);
    const netVars = this.policy.logStd ? this.actorVars.slice(0, -1) : this.actorVars;
    const fvp = (v: ArrayLike<number>) =>
      fisherVectorProduct({ outputs: () => this.policy.actorOutputPlain(fvpObs), fisher, vars: netVars, v, damping: hp.cgDamping });
    const cg = conjugateGradient(fvp, g, hp.cgMaxSteps);
    const s = cg.x;
    const sHs = dot(s, fvp(s));
    const maxStep = Math.sqrt((2 * hp.targetKl) / Math.max(sHs, 1e-12));
    const theta0 = getFlatParams(this.actorVars);
    const candidate = new Float32Array(theta0.length);
    const ls = backtrackingLineSearch({
      evaluate: (c) => {
        for (let i = 0; i < theta0.length; i++) candidate[i] = (theta0[i] as number) + c * maxStep * (s[i] as number);
        setFlatParams(this.actorVars, candidate);
        return this.objectiveAndKl(obsT, actT, oldLogT, advT, oldParams);
      },
      baseObjective,
      targetKl: hp.targetKl,
      maxIter: hp.lineSearchMaxIter,
      shrinkFactor: hp.lineSearchShrinkingFactor,
    });
    if (!ls.accepted) setFlatParams(this.actorVars, theta0);
    tf.dispose(fisher.kind === 'categorical' ? fisher.probs : fisher.invVar);
    tf.dispose([oldLogT, advT, ...oldParams]);
    if (k > 1) tf.dispose([fvpObs, ...fvpOld]);
    tf.dispose(actT);

    // Value function: nCriticUpdates epochs of minibatch MSE regression on the returns.
    this.valueOptimizer.lr = this.scheduleValue('learningRate');
    const critic = this.policy.criticVariables;
    const losses: tf.Tensor[] = [];
    for (let epoch = 0; epoch < hp.nCriticUpdates; epoch++) {
      for (const mb of this.buffer.minibatches(Math.min(hp.batchSize, b), this.rng)) {
        const m = mb.batchSize;
        const o = tf.tensor2d(mb.obs.subarray(0, m * d), [m, d]);
        const r = tf.tensor1d(mb.returns.subarray(0, m));
        const { grads: vg } = computeGradients(
          () => {
            const v = tf.reshape(this.policy.net.critic.apply(o, { inputGrad: false }), [-1]);
            const loss = tf.mean(tf.square(tf.sub(r, v))) as tf.Scalar;
            losses.push(tf.keep(tf.clone(loss)));
            return loss;
          },
          critic,
          { readLoss: false },
        );
        this.valueOptimizer.step(vg);
        tf.dispose([...vg, o, r]);
      }
    }
    obsT.dispose();
    const meanLoss = tf.tidy(() => tf.mean(tf.stack(losses)));
    const valueLoss = meanLoss.dataSync()[0] as number;
    tf.dispose([meanLoss, ...losses]);
    this.numUpdates++;
    const stats: TrpoTrainStats = {
      policyObjective: ls.accepted ? ls.objective : baseObjective,
      valueLoss,
      kl: ls.accepted ? ls.kl : 0,
      lineSearchSuccess: ls.accepted,
      lineSearchCoefficient: ls.coefficient,
      cgIterations: cg.iterations,
      explainedVariance: explainedVariance(this.buffer.values.subarray(0, b), this.buffer.returns.subarray(0, b)),
    };
    this.lastTrainStats = stats;
    return stats;
  }
}
