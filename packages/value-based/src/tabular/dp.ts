/**
 * Dynamic programming on a known finite MDP (Sutton & Barto 2018, ch. 4): iterative policy
 * evaluation, policy iteration, value iteration, and Q from V.
 *
 * The model is Gymnasium's toy-text table `P[s][a] = [{prob, next, reward, done}]` (what
 * `TabularEnv` and `GridWorldEnv` expose as `env.P`). The reward belongs to the transition, and
 * `done` means the next state is terminal, so its value is not bootstrapped:
 *
 *   Q(s, a) = Σ_{outcomes} prob · (reward + γ · (1 − done) · V(next))
 *
 * With γ = 1 (episodic tasks) the sweeps converge as long as the policy being evaluated reaches a
 * terminal state with probability 1; an improper policy's values diverge, which `maxIterations`
 * bounds and `converged: false` reports.
 */

/** One outcome of an action (structurally Gymnasium's tuple, `@tfrl/envs`' `Transition`). */
export interface ModelTransition {
  readonly prob: number;
  readonly next: number;
  readonly reward: number;
  readonly done: boolean;
}

/** `P[s][a]` = the outcomes of action `a` in state `s`. */
export type TransitionModel = ReadonlyArray<ReadonlyArray<ReadonlyArray<ModelTransition>>>;

/**
 * A policy: deterministic (one action per state, length nS) or stochastic (π(a|s) as nS rows
 * of nA probabilities, either nested or flat row-major of length nS·nA).
 */
export type TabularPolicy = ArrayLike<number> | ReadonlyArray<ArrayLike<number>>;

export interface DpOptions {
  /** Stop when the largest change of a sweep is below theta (default 1e-10). */
  theta?: number;
  /** Upper bound on sweeps (default 100000). */
  maxIterations?: number;
}

export interface PolicyEvaluationOptions extends DpOptions {
  /** Starting values (default zeros); copied. */
  initialValues?: ArrayLike<number>;
}

export interface PolicyEvaluationResult {
  /** State values V^π. */
  V: Float64Array;
  /** Sweeps performed. */
  iterations: number;
  /** Largest change in the last sweep. */
  delta: number;
  converged: boolean;
}

export interface ControlResult {
  /** Optimal state values (up to theta). */
  V: Float64Array;
  /** Greedy policy with respect to V (lowest action index among ties). */
  policy: Int32Array;
  /** Q(s, a) from V, flat row-major nS × nA. */
  Q: Float64Array;
  /** Value-iteration sweeps, or policy-improvement steps for policy iteration. */
  iterations: number;
  /** Largest change of the last value sweep (value iteration) or of the last evaluation. */
  delta: number;
  converged: boolean;
}

export interface PolicyIterationResult extends ControlResult {
  /** Evaluation sweeps summed over all policy-evaluation steps. */
  evaluationSweeps: number;
}

/** nS and nA of a model, checking that it is rectangular and the probabilities sum to 1. */
export function modelShape(P: TransitionModel): { nS: number; nA: number } {
  if (!Array.isArray(P) || P.length === 0) throw new TypeError('dynamic programming: P must be a non-empty array P[s][a] of outcome lists');
  const nS = P.length;
  const nA = (P[0] as ReadonlyArray<unknown>).length;
  if (nA === 0) throw new RangeError('dynamic programming: P[0] has no actions');
  for (let s = 0; s < nS; s++) {
    const row = P[s] as ReadonlyArray<ReadonlyArray<ModelTransition>>;
    if (!row || row.length !== nA) throw new RangeError(`dynamic programming: P[${s}] has ${row?.length ?? 0} actions, P[0] has ${nA}`);
    for (let a = 0; a < nA; a++) {
      const outs = row[a] as ReadonlyArray<ModelTransition>;
      let total = 0;
      for (const t of outs) {
        if (!Number.isInteger(t.next) || t.next < 0 || t.next >= nS) {
          throw new RangeError(`dynamic programming: P[${s}][${a}] has next state ${t.next} outside [0, ${nS - 1}]`);
        }
        total += t.prob;
      }
      if (Math.abs(total - 1) > 1e-6) throw new RangeError(`dynamic programming: probabilities of P[${s}][${a}] sum to ${total}, not 1`);
    }
  }
  return { nS, nA };
}

function checkGamma(gamma: number): void {
  if (typeof gamma !== 'number' || !(gamma >= 0 && gamma <= 1))
    throw new RangeError(`dynamic programming: gamma must be in [0, 1], got ${String(gamma)}`);
}

function resolveOptions(o: DpOptions): { theta: number; maxIterations: number } {
  const theta = o.theta ?? 1e-10;
  const maxIterations = o.maxIterations ?? 100_000;
  if (!(theta > 0)) throw new RangeError(`dynamic programming: theta must be > 0, got ${String(theta)}`);
  if (!Number.isInteger(maxIterations) || maxIterations < 1) {
    throw new RangeError(`dynamic programming: maxIterations must be a positive integer, got ${String(maxIterations)}`);
  }
  return { theta, maxIterations };
}

/** Σ prob · (reward + γ (1 − done) V(next)) for one (s, a). */
export function actionValue(P: TransitionModel, V: ArrayLike<number>, gamma: number, s: number, a: number): number {
  let q = 0;
  for (const t of (P[s] as ReadonlyArray<ReadonlyArray<ModelTransition>>)[a] as ReadonlyArray<ModelTransition>) {
    q += t.prob * (t.reward + (t.done ? 0 : gamma * (V[t.next] as number)));
  }
  return q;
}

/** Q(s, a) for every state and action from V (flat row-major nS × nA). */
export function qFromV(P: TransitionModel, V: ArrayLike<number>, gamma: number): Float64Array {
  checkGamma(gamma);
  const { nS, nA } = modelShape(P);
  if (V.length !== nS) throw new RangeError(`qFromV: V has length ${V.length}, the model has ${nS} states`);
  const Q = new Float64Array(nS * nA);
  for (let s = 0; s < nS; s++) for (let a = 0; a < nA; a++) Q[s * nA + a] = actionValue(P, V, gamma, s, a);
  return Q;
}

/** The greedy policy of a flat Q (lowest action index among values within `tol` of the max). */
export function greedyFromQ(Q: ArrayLike<number>, nA: number, tol = 1e-12): Int32Array {
  const nS = Q.length / nA;
  const pi = new Int32Array(nS);
  for (let s = 0; s < nS; s++) {
    let best = 0;
    let bestQ = Q[s * nA] as number;
    for (let a = 1; a < nA; a++) {
      const q = Q[s * nA + a] as number;
      if (q > bestQ + tol) {
        bestQ = q;
        best = a;
      }
    }
    pi[s] = best;
  }
  return pi;
}

/** Greedy policy with respect to V. */
export function greedyPolicy(P: TransitionModel, V: ArrayLike<number>, gamma: number): Int32Array {
  const { nA } = modelShape(P);
  return greedyFromQ(qFromV(P, V, gamma), nA);
}

/** π(a|s) as a flat nS × nA Float64Array, whatever form the policy was given in. */
function policyMatrix(policy: TabularPolicy, nS: number, nA: number): Float64Array {
  const out = new Float64Array(nS * nA);
  const first = (policy as ArrayLike<unknown>)[0];
  if (first !== undefined && typeof first === 'object') {
    const rows = policy as ReadonlyArray<ArrayLike<number>>;
    if (rows.length !== nS) throw new RangeError(`policyEvaluation: policy has ${rows.length} rows, the model has ${nS} states`);
    for (let s = 0; s < nS; s++) {
      const row = rows[s] as ArrayLike<number>;
      if (row.length !== nA)
        throw new RangeError(`policyEvaluation: policy row ${s} has ${row.length} probabilities, the model has ${nA} actions`);
      for (let a = 0; a < nA; a++) out[s * nA + a] = row[a] as number;
    }
  } else {
    const flat = policy as ArrayLike<number>;
    if (flat.length === nS) {
      for (let s = 0; s < nS; s++) {
        const a = flat[s] as number;
        if (!Number.isInteger(a) || a < 0 || a >= nA)
          throw new RangeError(`policyEvaluation: policy[${s}] = ${a} is not an action in [0, ${nA - 1}]`);
        out[s * nA + a] = 1;
      }
      return out;
    }
    if (flat.length !== nS * nA) {
      throw new RangeError(
        `policyEvaluation: policy has length ${flat.length}; expected nS = ${nS} actions or nS·nA = ${nS * nA} probabilities`,
      );
    }
    for (let i = 0; i < flat.length; i++) out[i] = flat[i] as number;
  }
  for (let s = 0; s < nS; s++) {
    let tot = 0;
    for (let a = 0; a < nA; a++) tot += out[s * nA + a] as number;
    if (Math.abs(tot - 1) > 1e-6) throw new RangeError(`policyEvaluation: π(·|${s}) sums to ${tot}, not 1`);
  }
  return out;
}

/**
 * Iterative policy evaluation (in-place sweeps, Sutton & Barto §4.1): V^π for a deterministic
 * or stochastic policy.
 */
export function policyEvaluation(
  P: TransitionModel,
  policy: TabularPolicy,
  gamma: number,
  options: PolicyEvaluationOptions = {},
): PolicyEvaluationResult {
  checkGamma(gamma);
  const { nS, nA } = modelShape(P);
  const { theta, maxIterations } = resolveOptions(options);
  const pi = policyMatrix(policy, nS, nA);
  const V = new Float64Array(nS);
  if (options.initialValues) {
    if (options.initialValues.length !== nS)
      throw new RangeError(`policyEvaluation: initialValues has length ${options.initialValues.length}, expected ${nS}`);
    V.set(Array.from(options.initialValues));
  }
  let delta = Number.POSITIVE_INFINITY;
  let it = 0;
  while (it < maxIterations) {
    it++;
    delta = 0;
    for (let s = 0; s < nS; s++) {
      let v = 0;
      for (let a = 0; a < nA; a++) {
        const p = pi[s * nA + a] as number;
        if (p !== 0) v += p * actionValue(P, V, gamma, s, a);
      }
      const d = Math.abs(v - (V[s] as number));
      if (d > delta) delta = d;
      V[s] = v;
    }
    if (!Number.isFinite(delta)) break;
    if (delta < theta) break;
  }
  return { V, iterations: it, delta, converged: delta < theta };
}

/**
 * Value iteration (Sutton & Barto §4.4): V ← max_a Σ P (r + γ V') until the largest change is
 * below theta, then the greedy policy.
 */
export function valueIteration(P: TransitionModel, gamma: number, options: DpOptions = {}): ControlResult {
  checkGamma(gamma);
  const { nS, nA } = modelShape(P);
  const { theta, maxIterations } = resolveOptions(options);
  const V = new Float64Array(nS);
  let delta = Number.POSITIVE_INFINITY;
  let it = 0;
  while (it < maxIterations) {
    it++;
    delta = 0;
    for (let s = 0; s < nS; s++) {
      let best = Number.NEGATIVE_INFINITY;
      for (let a = 0; a < nA; a++) {
        const q = actionValue(P, V, gamma, s, a);
        if (q > best) best = q;
      }
      const d = Math.abs(best - (V[s] as number));
      if (d > delta) delta = d;
      V[s] = best;
    }
    if (delta < theta) break;
  }
  const Q = qFromV(P, V, gamma);
  return { V, policy: greedyFromQ(Q, nA), Q, iterations: it, delta, converged: delta < theta };
}

export interface PolicyIterationOptions extends DpOptions {
  /** Starting policy, one action per state (default: action 0 everywhere). It should be proper when γ = 1. */
  initialPolicy?: ArrayLike<number>;
  /** Upper bound on improvement steps (default 1000). */
  maxPolicyIterations?: number;
}

/**
 * Policy iteration (Sutton & Barto §4.3): evaluate, improve greedily, repeat until the policy is
 * stable. An action is only replaced by one that is better by more than `theta` (avoids
 * cycling between equally good actions). Each evaluation starts from the previous values.
 */
export function policyIteration(P: TransitionModel, gamma: number, options: PolicyIterationOptions = {}): PolicyIterationResult {
  checkGamma(gamma);
  const { nS, nA } = modelShape(P);
  const { theta, maxIterations } = resolveOptions(options);
  const maxPolicyIterations = options.maxPolicyIterations ?? 1000;
  const policy = new Int32Array(nS);
  if (options.initialPolicy) {
    if (options.initialPolicy.length !== nS)
      throw new RangeError(`policyIteration: initialPolicy has length ${options.initialPolicy.length}, expected ${nS}`);
    for (let s = 0; s < nS; s++) {
      const a = options.initialPolicy[s] as number;
      if (!Number.isInteger(a) || a < 0 || a >= nA)
        throw new RangeError(`policyIteration: initialPolicy[${s}] = ${a} is not an action in [0, ${nA - 1}]`);
      policy[s] = a;
    }
  }
  let V: Float64Array = new Float64Array(nS);
  let iterations = 0;
  let sweeps = 0;
  let delta = 0;
  let stable = false;
  let evalConverged = true;
  while (iterations < maxPolicyIterations) {
    iterations++;
    const ev = policyEvaluation(P, policy, gamma, { theta, maxIterations, initialValues: V });
    V = ev.V;
    sweeps += ev.iterations;
    delta = ev.delta;
    evalConverged = ev.converged;
    stable = true;
    for (let s = 0; s < nS; s++) {
      const cur = policy[s] as number;
      let best = cur;
      let bestQ = actionValue(P, V, gamma, s, cur);
      for (let a = 0; a < nA; a++) {
        const q = actionValue(P, V, gamma, s, a);
        if (q > bestQ + theta * 10) {
          bestQ = q;
          best = a;
        }
      }
      if (best !== cur) {
        policy[s] = best;
        stable = false;
      }
    }
    if (stable) break;
  }
  return { V, policy, Q: qFromV(P, V, gamma), iterations, evaluationSweeps: sweeps, delta, converged: stable && evalConverged };
}
