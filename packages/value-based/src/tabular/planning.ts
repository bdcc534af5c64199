/**
 * Dynamic programming as learners: `ValueIteration` and `PolicyIteration` plan on the env's own
 * transition model (`env.unwrapped.P[s][a] = [{prob, next, reward, done}]`, as Gymnasium's toy-text
 * envs expose it) instead of sampling, so `tfrl train value-iteration FrozenLake-v1` works like any
 * other learner: `learn` solves the MDP (no env steps are taken; `numUpdates` counts the sweeps or
 * improvement steps), `predict` is the greedy policy, and save/load keep V and the policy.
 */
import {
  Algorithm,
  type AlgorithmOptions,
  type CommonOptions,
  Discrete,
  type Env,
  type EnvSpecifier,
  type HyperparameterInput,
  type NetworkState,
  type ResolvedHyperparameters,
  defineHyperparameters,
  isVecEnv,
} from '@tfrl/core';
import { type ControlResult, type TransitionModel, modelShape, policyIteration, valueIteration } from './dp';

export const planningHyperparameters = defineHyperparameters({
  gamma: { type: 'number', default: 0.99, min: 0, max: 1, doc: 'discount factor γ' },
  theta: { type: 'number', default: 1e-10, exclusiveMin: 0, doc: 'stop a value sweep when the largest change is below this' },
  maxIterations: { type: 'integer', default: 100_000, min: 1, doc: 'upper bound on value sweeps' },
});

export type PlanningHp = ResolvedHyperparameters<typeof planningHyperparameters>;
export type PlanningOptions<E extends EnvSpecifier = EnvSpecifier> = CommonOptions & { env: E } & HyperparameterInput<
    typeof planningHyperparameters
  >;

abstract class Planner<E extends EnvSpecifier = any> extends Algorithm<PlanningHp, E> {
  readonly P: TransitionModel;
  readonly nS: number;
  readonly nA: number;
  /** Optimal state values (after `learn`). */
  readonly V: Float32Array;
  /** The greedy policy, one action per state (after `learn`). */
  readonly policy: Int32Array;
  /** Whether the last `learn` converged. */
  converged = false;

  constructor(options: PlanningOptions<E>) {
    super(options as unknown as AlgorithmOptions);
    const who = this.algorithmName;
    const inner = (isVecEnv(this.env) ? (this.env as { envs?: Env<any, any>[] }).envs?.[0] : this.env)?.unwrapped as
      | { P?: TransitionModel }
      | undefined;
    if (!inner?.P)
      throw new TypeError(
        `${who}: needs an env with a transition model (env.unwrapped.P[s][a]), such as FrozenLake, Taxi, CliffWalking or GridWorld`,
      );
    if (!(this.observationSpace instanceof Discrete) || !(this.actionSpace instanceof Discrete)) {
      throw new TypeError(
        `${who}: needs Discrete observation and action spaces, got ${String(this.observationSpace)} and ${String(this.actionSpace)}`,
      );
    }
    this.P = inner.P;
    const { nS, nA } = modelShape(this.P);
    this.nS = nS;
    this.nA = nA;
    this.V = new Float32Array(nS);
    this.policy = new Int32Array(nS);
  }

  protected abstract solve(): ControlResult;

  protected async trainLoop(): Promise<void> {
    const r = this.solve();
    this.V.set(r.V);
    this.policy.set(r.policy);
    this.converged = r.converged;
    this.numUpdates += r.iterations;
    this.assertFinite({ 'train/max_value': Math.max(...this.V) });
    this.logTrainingStats({ 'train/iterations': r.iterations, 'train/delta': r.delta, 'train/converged': r.converged ? 1 : 0 });
  }

  protected predictRows(obs: Float32Array): Int32Array {
    const start = (this.actionSpace as Discrete).start;
    return Int32Array.from(obs, (s) => {
      if (!Number.isInteger(s) || s < 0 || s >= this.nS)
        throw new RangeError(`${this.algorithmName}.predict: observation ${s} is not a state in [0, ${this.nS - 1}]`);
      return (this.policy[s] as number) + start;
    });
  }

  protected override networks(): Record<string, NetworkState> {
    return { V: { dtype: 'float32', shape: [this.nS], data: this.V }, policy: { dtype: 'int32', shape: [this.nS], data: this.policy } };
  }
}

/** Value iteration (Sutton & Barto §4.4) on the env's model. */
export class ValueIteration<E extends EnvSpecifier = any> extends Planner<E> {
  static override readonly algorithmName = 'ValueIteration';
  static override readonly hyperparameterSchema = planningHyperparameters;
  protected solve(): ControlResult {
    const hp = this.hyperparameters;
    return valueIteration(this.P, hp.gamma, { theta: hp.theta, maxIterations: hp.maxIterations });
  }
}

/** Policy iteration (Sutton & Barto §4.3) on the env's model. */
export class PolicyIteration<E extends EnvSpecifier = any> extends Planner<E> {
  static override readonly algorithmName = 'PolicyIteration';
  static override readonly hyperparameterSchema = planningHyperparameters;
  protected solve(): ControlResult {
    const hp = this.hyperparameters;
    return policyIteration(this.P, hp.gamma, { theta: hp.theta, maxIterations: hp.maxIterations });
  }
}
