/**
 * Deep Q-learning from Demonstrations (Hester et al. 2018, AAAI, https://arxiv.org/abs/1704.03732):
 * DQN pre-trained on expert demonstrations and then trained on a replay buffer that keeps the
 * demonstrations forever beside its own experience.
 *
 * The loss of every gradient step, on a prioritized batch of demonstration and agent transitions:
 *
 * ```
 * J(Q) = J_DQ(Q) + λ1·J_n(Q) + λ2·J_E(Q) + λ3·½‖θ‖²
 * ```
 *
 * - J_DQ: the 1-step TD loss of DQN (Huber unless `loss: 'mse'`), target
 *   `r + γ(1 − terminated)·Q'(s', argmax_a Q(s', a))` (Double DQN, DQfD's default; `double: false`
 *   takes max_a Q'), importance-weighted;
 * - J_n: the same loss on the n-step target `Σ_{k<m} γ^k r_{t+k} + γ^m(1 − terminated)·Q'(s_{t+m}, ·)`,
 *   m ≤ n (10 by default) stopping at the end of the episode — a time limit still bootstraps —
 *   and, for agent data, at the newest step collected; importance-weighted;
 * - J_E: the large-margin supervised loss on demonstration rows only,
 *   `max_a [Q(s, a) + l(a_E, a)] − Q(s, a_E)` with l = `margin` (0.8) for a ≠ a_E and 0 for a_E,
 *   averaged over the whole batch (agent rows count 0), so its weight follows the demonstrations'
 *   share of the batch ({@link largeMarginLoss});
 * - ½‖θ‖²: L2 on every weight and bias of the Q-network (λ3 = 1e-5).
 *
 * The buffer is a {@link DemoReplayBuffer}: `bufferSize` agent transitions in a ring, the
 * demonstrations in a reserved part that is never overwritten, proportional priorities
 * `(|δ| + ε)^α` on the 1-step TD error with ε_a = `priorityEps` (0.001) for agent and
 * ε_d = `demoPriorityBonus` (1.0) for demonstration transitions, α = 0.4, β 0.6 → 1.
 *
 * Pre-training: `pretrainSteps` gradient steps on the demonstrations alone (the agent part is
 * empty), the target network copied every `targetUpdateInterval` of those steps. `learn` runs the
 * steps not yet done before it steps the env (or call `pretrain()` first, e.g. to evaluate the
 * pre-trained policy); they are counted in `pretrainStepsDone`, not in `numTimesteps`, and logged
 * as `pretrain/*` every 1,000 steps at step = pre-training steps done. The paper pre-trains for
 * 750,000 minibatches of 32 on Atari; the default here, 10,000, is what small control tasks with a
 * few thousand to tens of thousands of demonstration transitions need (tens of passes over them).
 *
 * Then DQN's loop acts ε-greedily (ε = 0.01, the paper's) with no random warm-up
 * (`learningStarts` 0) and trains every `trainFreq` steps; `train/td_loss`, `train/n_step_loss`,
 * `train/margin_loss`, `train/l2` (½‖θ‖², unweighted, like the other terms), `train/loss` (J) and
 * `train/demo_fraction` (demonstrations' share of the sampled batches) are logged with the rollout
 * statistics. Distributional (C51) heads are not part of DQfD.
 */
import * as tf from '@tensorflow/tfjs';
import {
  type BaseCallback,
  type CommonOptions,
  Discrete,
  type EnvSpecifier,
  type GradientStepResult,
  type HyperparameterInput,
  type HyperparameterSchema,
  type OffPolicyBatch,
  type ResolvedHyperparameters,
  type Space,
  bootstrapCoefficients,
  computeGradients,
  defineHyperparameters,
  registerReplayBuffer,
  yieldToEventLoop,
} from '@tfrl/core';
import { DQN, type DQNOptions, actionMask, dqnHyperparameters, maskedTdLoss } from '@tfrl/value-based';
import { type Dataset, checkDemonstrations, flatTransitions } from './data/trajectory';
import { type DemoReplayBatch, DemoReplayBuffer } from './dqfd-buffer';

const { distributional: _c51, nAtoms: _nAtoms, vMin: _vMin, vMax: _vMax, ...dqnFields } = dqnHyperparameters;

export const dqfdHyperparameters = defineHyperparameters({
  ...dqnFields,
  learningStarts: {
    ...dqnFields.learningStarts,
    default: 0,
    doc: 'env steps of uniformly random actions (0: the pre-trained policy acts from the start)',
  },
  explorationInitialEps: { ...dqnFields.explorationInitialEps, default: 0.01 },
  explorationFinalEps: { ...dqnFields.explorationFinalEps, default: 0.01 },
  double: { ...dqnFields.double, default: true },
  prioritized: {
    ...dqnFields.prioritized,
    default: true,
    doc: 'prioritized sampling over demonstrations and agent data (false: uniform, unit weights)',
  },
  alpha: { ...dqnFields.alpha, default: 0.4 },
  beta0: { ...dqnFields.beta0, default: 0.6 },
  priorityEps: { ...dqnFields.priorityEps, default: 1e-3, doc: 'ε_a: added to |δ| in the priority of agent transitions' },
  nStep: { ...dqnFields.nStep, default: 10, doc: 'n of the n-step return of J_n (the 1-step J_DQ is always there)' },
  replayBufferClass: {
    ...dqnFields.replayBufferClass,
    doc: 'null = DemoReplayBuffer (demonstrations kept beside the agent ring); another class must extend it',
  },
  pretrainSteps: {
    type: 'integer',
    default: 10_000,
    min: 0,
    doc: 'gradient steps on the demonstrations alone before the first env step (counted in pretrainStepsDone)',
  },
  demoPriorityBonus: { type: 'number', default: 1, min: 0, doc: 'ε_d: added to |δ| in the priority of demonstration transitions' },
  nStepLossWeight: { type: 'number', default: 1, min: 0, doc: 'λ1: weight of the n-step TD loss J_n' },
  marginLossWeight: { type: 'number', default: 1, min: 0, doc: 'λ2: weight of the large-margin loss J_E' },
  margin: { type: 'number', default: 0.8, min: 0, doc: 'l(a_E, a) of J_E for a ≠ a_E' },
  l2Weight: { type: 'number', default: 1e-5, min: 0, doc: 'λ3: weight of ½‖θ‖² over the Q-network’s weights and biases' },
});

export type DQfDHp = ResolvedHyperparameters<typeof dqfdHyperparameters>;

export type DQfDOptions<E extends EnvSpecifier = EnvSpecifier> = CommonOptions & { env: E } & HyperparameterInput<
    typeof dqfdHyperparameters
  > & {
    /**
     * The expert's transitions (Discrete actions; spaces equal to the env's). Optional only so that
     * `DQfD.load` can rebuild a trained agent: attach them with `setDemonstrations` before `learn`.
     */
    demonstrations?: Dataset;
  };

// ---------------------------------------------------------------------------- losses

/**
 * Per row, DQfD's large-margin classification loss (Hester et al. 2018, eq. 2):
 * `max_a [Q(s, a) + l(a_E, a)] − Q(s, a_E)`, l = `margin` for a ≠ a_E and 0 for a = a_E. It is 0
 * exactly when Q(s, a_E) exceeds every other action's value by at least the margin.
 * q [B, A]; expertActions int32 [B] (0-based) → [B].
 */
export function largeMarginPerSample(q: tf.Tensor2D, expertActions: tf.Tensor1D, margin = 0.8): tf.Tensor1D {
  if (q.rank !== 2 || expertActions.rank !== 1 || expertActions.shape[0] !== q.shape[0]) {
    throw new RangeError(
      `largeMarginLoss: expected q [B, A] and expertActions [B]; got q [${q.shape}], expertActions [${expertActions.shape}]`,
    );
  }
  return tf.tidy(() => {
    const expert = tf.oneHot(tf.cast(expertActions, 'int32'), q.shape[1]) as tf.Tensor2D;
    const withMargin = tf.add(q, tf.mul(margin, tf.sub(1, expert)));
    return tf.sub(tf.max(withMargin, 1), tf.sum(tf.mul(q, expert), 1)) as tf.Tensor1D;
  });
}

/**
 * J_E: the mean over the batch of `isDemo · largeMarginPerSample` (agent rows, isDemo = 0, add
 * nothing but still count in the mean; without `isDemo` every row is a demonstration).
 */
export function largeMarginLoss(
  q: tf.Tensor2D,
  expertActions: tf.Tensor1D,
  options: { margin?: number; isDemo?: tf.Tensor1D } = {},
): tf.Scalar {
  return tf.tidy(() => {
    const per = largeMarginPerSample(q, expertActions, options.margin ?? 0.8);
    return tf.mean(options.isDemo ? tf.mul(per, options.isDemo) : per) as tf.Scalar;
  });
}

/** ½‖θ‖² over `vars`. */
export function l2Penalty(vars: readonly tf.Variable[]): tf.Scalar {
  return tf.tidy(() => tf.mul(0.5, tf.addN(vars.map((v) => tf.sum(tf.square(v))))) as tf.Scalar);
}

// ---------------------------------------------------------------------------- the learner

/** Throws unless `dataset` looks like a Dataset with a Discrete action space (checked before any network is built). */
function requireDiscreteDemonstrations(dataset: unknown): asserts dataset is Dataset {
  const d = dataset as Dataset;
  if (!d || typeof d !== 'object' || !Array.isArray(d.trajectories)) {
    throw new TypeError('DQfD: demonstrations must be a Dataset (from recordDataset, readNpz or readMinari)');
  }
  if (!(d.actionSpace instanceof Discrete)) {
    throw new TypeError(`DQfD needs a Discrete action space; the demonstrations' action space is ${String(d.actionSpace)}`);
  }
}

/** Steps between two `pretrain/*` log rows. */
const PRETRAIN_LOG_EVERY = 1000;

export class DQfD<E extends EnvSpecifier = any> extends DQN<E> {
  static override readonly algorithmName: string = 'DQfD';
  static override readonly hyperparameterSchema: HyperparameterSchema = dqfdHyperparameters;

  protected override readonly statNames: readonly string[] = ['loss', 'td_loss', 'n_step_loss', 'margin_loss', 'l2', 'demo_fraction'];
  /** Pre-training gradient steps taken (they are in `numUpdates` too, never in `numTimesteps`). */
  pretrainStepsDone = 0;
  /** The replay buffer (`replayBuffer`), typed. */
  readonly demoBuffer: DemoReplayBuffer;

  /** Host scratch of the 2B next observations / rewards / discounts / flags of a batch's two targets. */
  private scratch: { next: Float32Array; rewards: Float32Array; discounts: Float32Array; terminated: Float32Array } | undefined;

  constructor(options: DQfDOptions<E>) {
    if (!options || typeof options !== 'object')
      throw new TypeError('DQfD: constructor needs an options object {env, demonstrations, ...}');
    const { demonstrations, ...rest } = options;
    if (demonstrations !== undefined) requireDiscreteDemonstrations(demonstrations);
    super(rest as unknown as DQNOptions<E>);
    try {
      if (!(this.replayBuffer instanceof DemoReplayBuffer)) {
        throw new TypeError(
          `DQfD: replayBufferClass must be DemoReplayBuffer or a subclass (demonstrations live in it), got ${this.replayBuffer.constructor.name}`,
        );
      }
      this.demoBuffer = this.replayBuffer;
      if (demonstrations !== undefined) this.setDemonstrations(demonstrations);
    } catch (e) {
      this.dispose();
      throw e;
    }
  }

  private get dqfdHp(): DQfDHp {
    return this.hyperparameters as unknown as DQfDHp;
  }

  protected override replayBufferSpec(): { cls: string; kwargs: Record<string, unknown> } {
    registerReplayBuffer(DemoReplayBuffer); // idempotent; so that the name resolves without relying on a module side effect
    const hp = this.dqfdHp;
    const kwargs = {
      nStep: hp.nStep,
      alpha: hp.prioritized ? hp.alpha : 0,
      epsilon: hp.priorityEps,
      demoBonus: hp.demoPriorityBonus,
    };
    return { cls: hp.replayBufferClass ?? DemoReplayBuffer.registeredName, kwargs: { ...kwargs, ...hp.replayBufferKwargs } };
  }

  /**
   * Attach (or replace) the demonstrations: checks their spaces against the env's and stores their
   * transitions, trajectory by trajectory, in the reserved part of the buffer (a trajectory that
   * neither terminated nor was truncated is treated as truncated: its last step bootstraps).
   */
  setDemonstrations(dataset: Dataset): void {
    requireDiscreteDemonstrations(dataset);
    checkDemonstrations('DQfD', dataset, this.observationSpace, this.actionSpace);
    const flat = flatTransitions(dataset);
    if (flat.n < 1) throw new RangeError('DQfD: the demonstrations hold no transition');
    const actions = new Int32Array(flat.n);
    const truncated = new Uint8Array(flat.n);
    for (let i = 0; i < flat.n; i++) {
      actions[i] = (flat.acts[i] as number) - this.actionStart;
      truncated[i] = flat.dones[i] && !flat.terminated[i] ? 1 : 0;
    }
    this.demoBuffer.setDemonstrations({
      obs: flat.obs,
      actions,
      rewards: flat.rews,
      nextObs: flat.nextObs,
      terminated: flat.terminated,
      truncated,
    });
  }

  /** Demonstration transitions in the buffer. */
  get numDemonstrations(): number {
    return this.demoBuffer.demoCount;
  }

  protected override extraState() {
    return { ...super.extraState(), pretrainStepsDone: this.pretrainStepsDone };
  }

  protected override loadExtraState(extra: Record<string, unknown>): void {
    super.loadExtraState(extra);
    if (typeof extra.pretrainStepsDone === 'number') this.pretrainStepsDone = extra.pretrainStepsDone;
  }

  // ------------------------------------------------------------------ pre-training

  private requireDemos(who: string): void {
    if (this.demoBuffer.demoCount === 0) {
      throw new Error(`DQfD.${who}: no demonstrations; pass them to the constructor or call setDemonstrations(dataset)`);
    }
  }

  /**
   * Pre-train on the demonstrations: `steps` gradient steps (default: what is left of
   * `pretrainSteps`), the target network updated every `targetUpdateInterval` of them. Before any
   * agent data is collected the batches hold demonstrations only.
   */
  async pretrain(options: { steps?: number } = {}): Promise<void> {
    this.requireDemos('pretrain');
    const steps = options.steps ?? Math.max(0, this.dqfdHp.pretrainSteps - this.pretrainStepsDone);
    if (!Number.isInteger(steps) || steps < 0)
      throw new RangeError(`DQfD.pretrain: steps must be a non-negative integer, got ${String(steps)}`);
    const interval = this.dqfdHp.targetUpdateInterval;
    let left = steps;
    this.flushTrainStats(); // the pre-training rows hold pre-training steps only
    while (left > 0) {
      const done = this.pretrainStepsDone;
      const chunk = Math.min(left, interval - (done % interval), PRETRAIN_LOG_EVERY - (done % PRETRAIN_LOG_EVERY));
      this.train(chunk);
      this.pretrainStepsDone += chunk;
      left -= chunk;
      if (this.pretrainStepsDone % interval === 0) this.updateTargetNetwork();
      if (this.pretrainStepsDone % PRETRAIN_LOG_EVERY === 0 || left === 0) this.logPretraining();
      await yieldToEventLoop();
    }
  }

  private logPretraining(): void {
    const stats = this.flushTrainStats();
    if (!stats) return;
    const step = this.pretrainStepsDone;
    for (const [tag, v] of Object.entries(stats)) this.logger.scalar(tag.replace(/^train\//, 'pretrain/'), v, step);
    this.logger.scalar('pretrain/gradient_steps', step, step);
    this.logger.dump?.(step);
  }

  /** Pre-training steps still due run first; then DQN's loop. */
  protected override async trainLoop(totalTimesteps: number, callback: BaseCallback): Promise<void> {
    this.requireDemos('learn');
    if (this.pretrainStepsDone < this.dqfdHp.pretrainSteps) await this.pretrain();
    await super.trainLoop(totalTimesteps, callback);
  }

  // ------------------------------------------------------------------ training

  /**
   * The 1-step and n-step TD targets of a batch, one [2B] tensor (1-step first), from one pass of
   * the target (and, for Double DQN, online) network over the 2B next observations.
   */
  private targets(host: DemoReplayBatch): tf.Tensor1D {
    const B = host.batchSize;
    const d = this.obsEncoder.compactDim;
    if (!this.scratch || this.scratch.rewards.length !== 2 * B) {
      this.scratch = {
        next: new Float32Array(2 * B * d),
        rewards: new Float32Array(2 * B),
        discounts: new Float32Array(2 * B),
        terminated: new Float32Array(2 * B),
      };
    }
    const s = this.scratch;
    s.next.set(host.nextObs.subarray(0, B * d), 0);
    s.next.set(host.nStepNextObs.subarray(0, B * d), B * d);
    s.rewards.set(host.rewards.subarray(0, B), 0);
    s.rewards.set(host.nStepRewards.subarray(0, B), B);
    s.discounts.set(host.discounts.subarray(0, B), 0);
    s.discounts.set(host.nStepDiscounts.subarray(0, B), B);
    s.terminated.set(host.terminated.subarray(0, B), 0);
    s.terminated.set(host.nStepTerminated.subarray(0, B), B);
    const coef = bootstrapCoefficients(s.discounts, s.terminated);
    return tf.tidy(() => this.computeTarget(this.obsTensor(s.next), tf.tensor1d(s.rewards), tf.tensor1d(coef)) as tf.Tensor1D);
  }

  /** Host copies of a batch's TD targets (no gradient, weights unchanged): for inspection and tests. */
  tdTargets(batch: DemoReplayBatch): { oneStep: Float32Array; nStep: Float32Array } {
    const t = this.targets(batch);
    const v = t.dataSync() as Float32Array;
    t.dispose();
    const B = batch.batchSize;
    return { oneStep: v.slice(0, B), nStep: v.slice(B, 2 * B) };
  }

  /** One gradient step on J = J_DQ + λ1·J_n + λ2·J_E + λ3·½‖θ‖²; priorities from the 1-step |δ|. */
  protected override gradientStep(batch: OffPolicyBatch): GradientStepResult {
    const hp = this.dqfdHp;
    const host = batch.host as DemoReplayBatch;
    const B = host.batchSize;
    if (hp.noisy) {
      this.qNet.resetNoise(this.rng);
      this.qNetTarget.resetNoise(this.rng);
    }
    let demos = 0;
    for (let b = 0; b < B; b++) demos += host.isDemo[b] as number;
    const both = this.targets(host);
    const [oneStep, nStep] = tf.split(both, 2) as [tf.Tensor1D, tf.Tensor1D];
    const mask = tf.tensor2d(actionMask(host.actions, this.nActions), [B, this.nActions]);
    const isDemo = tf.tensor1d(host.isDemo);
    const expert = batch.actions as tf.Tensor1D;
    const weights = batch.weights;
    const vars = this.qNet.trainableVariables;
    let tdErrors: tf.Tensor1D | undefined;
    let stats: tf.Tensor1D | undefined;
    const { grads } = computeGradients(
      () => {
        const q = this.qNet.forward(batch.obs) as tf.Tensor2D;
        const td = maskedTdLoss(q, mask, oneStep, {
          loss: hp.loss,
          weights,
          onTdError: (abs) => {
            tdErrors = abs;
          },
        });
        const tdN = maskedTdLoss(q, mask, nStep, { loss: hp.loss, weights });
        const margin = largeMarginLoss(q, expert, { margin: hp.margin, isDemo });
        const l2 = l2Penalty(vars);
        const total = tf.addN([
          td,
          tf.mul(hp.nStepLossWeight, tdN),
          tf.mul(hp.marginLossWeight, margin),
          tf.mul(hp.l2Weight, l2),
        ]) as tf.Scalar;
        stats = tf.keep(tf.stack([total, td, tdN, margin, l2, tf.scalar(demos / B)]) as tf.Tensor1D);
        return total;
      },
      vars,
      { readLoss: false },
    );
    this.optimizer.step(grads);
    tf.dispose([...grads, both, oneStep, nStep, mask, isDemo]);
    return { stats: stats as tf.Tensor1D, tdErrors };
  }
}
