/**
 * Tabular TD control (Sutton & Barto 2018, ch. 6–7) on Discrete observation and action spaces:
 * Q-learning (Watkins 1989), SARSA (Rummery & Niranjan 1994), Expected SARSA (van Seijen et al.
 * 2009) and n-step SARSA (Sutton & Barto §7.2), all with an ε-greedy behaviour policy.
 *
 * The Q-table is a Float32Array (nS × nA, row-major), saved in checkpoints as the tensor
 * `q_table`. Each learner steps one (non-vectorised) Env and updates online after every step;
 * the return of every finished episode — the *online* return, earned while exploring — is kept
 * in `episodeReturns` and logged as `rollout/ep_return`.
 *
 * Targets: terminated transitions do not bootstrap; truncated ones (time limits) do, from the
 * final observation.
 */
import {
  type AlgorithmOptions,
  Discrete,
  type Env,
  type EnvSpecifier,
  type NetworkState,
  type CommonOptions,
  type HyperparameterInput,
  type ResolvedHyperparameters,
  type StepResult,
  defineHyperparameters,
} from '@tfrl/core';
import { SingleEnvAlgorithm } from '../single-env';
import {
  type ExplorationHp,
  argmax,
  checkExploration,
  epsilonGreedy,
  epsilonGreedyExpectation,
  explorationHyperparameters,
  explorationRate,
} from './exploration';

export const tabularHyperparameters = defineHyperparameters({
  learningRate: { type: 'schedule', default: 0.1, exclusiveMin: 0, max: 1, doc: 'step size α (number or schedule)' },
  gamma: { type: 'number', default: 0.99, min: 0, max: 1, doc: 'discount factor γ' },
  ...explorationHyperparameters,
  qInit: { type: 'number', default: 0, doc: 'initial value of every Q(s, a) (optimistic values encourage exploration)' },
});

export const nStepSarsaHyperparameters = defineHyperparameters({
  ...tabularHyperparameters,
  nSteps: { type: 'integer', default: 4, min: 1, doc: 'n of the n-step return (1 = SARSA)' },
});

export type TabularHp = ResolvedHyperparameters<typeof tabularHyperparameters>;
export type NStepSarsaHp = ResolvedHyperparameters<typeof nStepSarsaHyperparameters>;

export type TabularOptions<E extends EnvSpecifier = EnvSpecifier> = CommonOptions & { env: E } & HyperparameterInput<
    typeof tabularHyperparameters
  >;
export type NStepSarsaOptions<E extends EnvSpecifier = EnvSpecifier> = CommonOptions & { env: E } & HyperparameterInput<
    typeof nStepSarsaHyperparameters
  >;

/** What one environment step hands to the update rule. */
export interface TdStep {
  s: number;
  a: number;
  r: number;
  next: number;
  terminated: boolean;
  truncated: boolean;
  /** α at this step. */
  alpha: number;
  /** ε at this step. */
  epsilon: number;
}

/** The shared machinery of the tabular learners; subclasses define the update rule. */
export abstract class TabularTDAlgorithm<H extends TabularHp = TabularHp, E extends EnvSpecifier = any> extends SingleEnvAlgorithm<
  H,
  number,
  E
> {
  readonly nS: number;
  readonly nA: number;
  /** Q(s, a) at `q[s * nA + a]`. */
  readonly q: Float32Array;
  private curAction = 0;

  constructor(options: TabularOptions<E> | NStepSarsaOptions<E>) {
    super(options as unknown as AlgorithmOptions);
    const who = this.algorithmName;
    const obs = this.observationSpace;
    const act = this.actionSpace;
    if (!(obs instanceof Discrete) || obs.start !== 0)
      throw new TypeError(`${who}: observation space must be Discrete(n) starting at 0, got ${String(obs)}`);
    if (!(act instanceof Discrete) || act.start !== 0)
      throw new TypeError(`${who}: action space must be Discrete(n) starting at 0, got ${String(act)}`);
    checkExploration(this.hyperparameters, who);
    this.nS = obs.n;
    this.nA = act.n;
    this.q = new Float32Array(this.nS * this.nA).fill(this.hyperparameters.qInit);
  }

  /** ε at the current point of training. */
  get explorationRate(): number {
    return explorationRate(this.hyperparameters, this.progressRemaining, this.numEpisodes);
  }

  /** Q(s, a). */
  qValue(s: number, a: number): number {
    return this.q[s * this.nA + a] as number;
  }

  /** max_a Q(s, a). */
  maxQ(s: number): number {
    const o = s * this.nA;
    let m = this.q[o] as number;
    for (let a = 1; a < this.nA; a++) m = Math.max(m, this.q[o + a] as number);
    return m;
  }

  /** Greedy action (lowest index among ties: deterministic). */
  greedyAction(s: number): number {
    return argmax(this.q, s * this.nA, this.nA);
  }

  /** ε-greedy action with uniformly broken ties. */
  behaviourAction(s: number, epsilon: number): number {
    return epsilonGreedy(this.q, s * this.nA, this.nA, epsilon, this.rng);
  }

  /** Q(s, a) ← Q(s, a) + α (target − Q(s, a)); returns the TD error. */
  protected moveTowards(s: number, a: number, target: number, alpha: number): number {
    const i = s * this.nA + a;
    const err = target - (this.q[i] as number);
    this.q[i] = (this.q[i] as number) + alpha * err;
    return err;
  }

  /** The first action of an episode starting in `s`. */
  protected startEpisode(s: number, epsilon: number): number {
    return this.behaviourAction(s, epsilon);
  }

  /** Apply the update rule for one step; return the action to take in `step.next` (ignored when the episode ended). */
  protected abstract update(step: TdStep): number;

  protected predictRows(obs: Float32Array, deterministic: boolean): Int32Array {
    const options = { deterministic };
    const out = new Int32Array(obs.length);
    const eps = this.explorationRate;
    for (let i = 0; i < obs.length; i++) {
      const s = obs[i] as number;
      if (!Number.isInteger(s) || s < 0 || s >= this.nS)
        throw new RangeError(`${this.algorithmName}.predict: observation ${s} is not a state in [0, ${this.nS - 1}]`);
      out[i] = options.deterministic ? this.greedyAction(s) : this.behaviourAction(s, eps);
    }
    return out;
  }

  /** The greedy policy: one action per state. */
  greedyPolicy(): Int32Array {
    const pi = new Int32Array(this.nS);
    for (let s = 0; s < this.nS; s++) pi[s] = this.greedyAction(s);
    return pi;
  }

  /** V(s) = max_a Q(s, a) for every state. */
  stateValues(): Float64Array {
    const v = new Float64Array(this.nS);
    for (let s = 0; s < this.nS; s++) v[s] = this.maxQ(s);
    return v;
  }

  protected override beginEpisode(s: number): void {
    this.curAction = this.startEpisode(s, this.explorationRate);
  }

  protected act(): number {
    return this.curAction;
  }

  protected afterStep(s: number, a: number, res: StepResult<number>): void {
    this.curAction = this.update({
      s,
      a,
      r: res.reward,
      next: res.obs,
      terminated: res.terminated,
      truncated: res.truncated,
      alpha: this.scheduleValue('learningRate'),
      epsilon: this.explorationRate,
    });
    this.numUpdates++;
    const q = this.q[s * this.nA + a] as number;
    if (!Number.isFinite(q)) this.assertFinite({ [`Q(${s}, ${a})`]: q });
  }

  protected trainScalars(): Record<string, number> {
    return {
      'rollout/exploration_rate': this.explorationRate,
      'train/learning_rate': this.scheduleValue('learningRate'),
      'train/n_updates': this.numUpdates,
    };
  }

  protected override networks(): Record<string, NetworkState> {
    return { q_table: { dtype: 'float32', shape: [this.nS, this.nA], data: this.q } };
  }
}

/**
 * Q-learning: Q(s, a) ← Q(s, a) + α [r + γ (1 − terminated) max_a' Q(s', a') − Q(s, a)];
 * off-policy — it learns the greedy policy's values while behaving ε-greedily.
 */
export class QLearning<E extends EnvSpecifier = any> extends TabularTDAlgorithm<TabularHp, E> {
  static override readonly algorithmName = 'QLearning';
  static override readonly hyperparameterSchema = tabularHyperparameters;

  protected update(st: TdStep): number {
    const g = this.hyperparameters.gamma;
    const target = st.r + (st.terminated ? 0 : g * this.maxQ(st.next));
    this.moveTowards(st.s, st.a, target, st.alpha);
    return st.terminated || st.truncated ? 0 : this.behaviourAction(st.next, st.epsilon);
  }
}

/**
 * SARSA: choose A' ε-greedily in S', then Q(S, A) ← Q(S, A) + α [R + γ Q(S', A') − Q(S, A)];
 * on-policy — it learns the values of the ε-greedy policy it follows.
 */
export class Sarsa<E extends EnvSpecifier = any> extends TabularTDAlgorithm<TabularHp, E> {
  static override readonly algorithmName = 'Sarsa';
  static override readonly hyperparameterSchema = tabularHyperparameters;

  protected update(st: TdStep): number {
    const g = this.hyperparameters.gamma;
    if (st.terminated) {
      this.moveTowards(st.s, st.a, st.r, st.alpha);
      return 0;
    }
    // A truncated episode still bootstraps from an action drawn in the final state.
    const next = this.behaviourAction(st.next, st.epsilon);
    this.moveTowards(st.s, st.a, st.r + g * this.qValue(st.next, next), st.alpha);
    return next;
  }
}

/**
 * Expected SARSA: the target averages Q(S', ·) under the ε-greedy policy,
 * R + γ [ε · mean_a Q(S', a) + (1 − ε) · max_a Q(S', a)] — SARSA without the sampling noise of A'.
 */
export class ExpectedSarsa<E extends EnvSpecifier = any> extends TabularTDAlgorithm<TabularHp, E> {
  static override readonly algorithmName = 'ExpectedSarsa';
  static override readonly hyperparameterSchema = tabularHyperparameters;

  protected update(st: TdStep): number {
    const g = this.hyperparameters.gamma;
    const boot = st.terminated ? 0 : g * epsilonGreedyExpectation(this.q, st.next * this.nA, this.nA, st.epsilon);
    this.moveTowards(st.s, st.a, st.r + boot, st.alpha);
    return st.terminated || st.truncated ? 0 : this.behaviourAction(st.next, st.epsilon);
  }
}

/**
 * n-step SARSA (Sutton & Barto §7.2): Q(S_τ, A_τ) moves towards
 * G = Σ_{i=τ+1}^{min(τ+n, T)} γ^{i−τ−1} R_i + γ^n Q(S_{τ+n}, A_{τ+n}) (bootstrap only when τ + n < T).
 * At the end of an episode the last n − 1 pending updates use the truncated sums.
 */
export class NStepSarsa<E extends EnvSpecifier = any> extends TabularTDAlgorithm<NStepSarsaHp, E> {
  static override readonly algorithmName = 'NStepSarsa';
  static override readonly hyperparameterSchema = nStepSarsaHyperparameters;

  // S_0.., A_0.. and R_1.. (stored at index 0..) of the current episode, from `base` on.
  private states: number[] = [];
  private actions: number[] = [];
  private rewards: number[] = [];

  protected override startEpisode(s: number, epsilon: number): number {
    const a = super.startEpisode(s, epsilon);
    this.states = [s];
    this.actions = [a];
    this.rewards = [];
    return a;
  }

  /** Σ_{i=from}^{to−1} γ^{i−from} R[i]. */
  private discountedSum(from: number, to: number): number {
    const g = this.hyperparameters.gamma;
    let sum = 0;
    let k = 1;
    for (let i = from; i < to; i++) {
      sum += k * (this.rewards[i] as number);
      k *= g;
    }
    return sum;
  }

  protected update(st: TdStep): number {
    const n = this.hyperparameters.nSteps;
    const g = this.hyperparameters.gamma;
    this.rewards.push(st.r);
    const t = this.rewards.length - 1; // R[t] is the reward that followed S[t], A[t]
    if (!(st.terminated || st.truncated)) {
      const next = this.behaviourAction(st.next, st.epsilon);
      this.states.push(st.next);
      this.actions.push(next);
      const tau = t - n + 1;
      if (tau >= 0) {
        const G = this.discountedSum(tau, t + 1) + g ** n * this.qValue(st.next, next);
        this.moveTowards(this.states[tau] as number, this.actions[tau] as number, G, st.alpha);
      }
      return next;
    }
    // Episode over at T = t + 1: flush every pending τ (truncation bootstraps from S_T, A_T).
    const T = t + 1;
    let bootValue = 0;
    if (!st.terminated) bootValue = this.qValue(st.next, this.behaviourAction(st.next, st.epsilon));
    for (let tau = Math.max(0, t - n + 1); tau < T; tau++) {
      const G = this.discountedSum(tau, T) + (bootValue === 0 ? 0 : g ** (T - tau) * bootValue);
      this.moveTowards(this.states[tau] as number, this.actions[tau] as number, G, st.alpha);
    }
    return 0;
  }
}

/**
 * The states visited by following `policy` greedily from a reset of `env` (seeded with `seed`)
 * until the episode ends or `maxSteps` steps; the first entry is the start state.
 */
export function greedyPath(
  policy: ArrayLike<number> | ((s: number) => number),
  env: Env<number, number>,
  options: { maxSteps?: number; seed?: number } = {},
): { states: number[]; reward: number; terminated: boolean } {
  const maxSteps = options.maxSteps ?? 1000;
  const act = typeof policy === 'function' ? policy : (s: number) => policy[s] as number;
  let { obs } = env.reset(options.seed === undefined ? undefined : { seed: options.seed });
  const states = [obs];
  let reward = 0;
  for (let i = 0; i < maxSteps; i++) {
    const r = env.step(act(obs));
    reward += r.reward;
    obs = r.obs;
    states.push(obs);
    if (r.terminated) return { states, reward, terminated: true };
    if (r.truncated) break;
  }
  return { states, reward, terminated: false };
}
