/**
 * Behavioral cloning (Pomerleau 1991; the `imitation` library's `BC`): supervised learning of the
 * expert's action from the observation, on the transitions of a `Dataset` of demonstrations.
 *
 * The policy is an `Mlp` from the (encoded) observation to
 * - Discrete actions: logits, trained with the cross-entropy (the negative log-likelihood of the
 *   expert's action under the softmax), or — as the course did — a regression of the outputs on the
 *   one-hot expert action (`mse` / `smooth-l1`, outputs usually through a sigmoid); acts by argmax;
 * - Box actions: the mean action, trained with the Gaussian negative log-likelihood under a
 *   learned state-independent log standard deviation (`gaussian-nll`, the default), or a plain
 *   regression (`mse`, `smooth-l1`). `outputActivation` `tanh` / `sigmoid` squashes the outputs
 *   and maps them affinely onto the Box bounds (which must then be finite).
 *
 * The training objective is imitation's: data loss − entWeight · entropy + l2Weight · ½‖θ‖²
 * (the entropy term exists for cross-entropy and gaussian-nll only).
 *
 * Two entry points:
 * - `train({nEpochs, onEpochEnd})`: passes over the training split (the main one);
 * - `learn({totalTimesteps})`: `totalTimesteps` GRADIENT STEPS (a BC "timestep" is one minibatch
 *   update; no env is stepped), in epochs, the last one possibly partial. Callbacks see one `step`
 *   per gradient step.
 *
 * Both log, per epoch, `bc/loss` (mean training objective over the epoch's minibatches),
 * `bc/heldout_loss` (the data loss on the held-out split, when there is one), `bc/accuracy`
 * (Discrete: fraction of held-out — else training — transitions whose argmax is the expert's
 * action), `bc/entropy` (cross-entropy / gaussian-nll) and `bc/l2_norm` (½‖θ‖², imitation's).
 */
import * as tf from '@tensorflow/tfjs';
import {
  ACTIVATIONS,
  Adam,
  type AlgorithmOptions,
  Algorithm,
  type BaseCallback,
  Box,
  Categorical,
  type CommonOptions,
  DiagGaussian,
  Discrete,
  type EnvSpecifier,
  type HyperparameterInput,
  Mlp,
  type NetworkState,
  type ResolvedHyperparameters,
  computeGradients,
  defineHyperparameters,
  huberLoss,
  mseLoss,
  toCallback,
  uniqueName,
  yieldToEventLoop,
} from '@tfrl/core';
import { type Dataset, checkDemonstrations, flatTransitions } from './data/trajectory';

export const BC_LOSSES = ['cross-entropy', 'gaussian-nll', 'mse', 'smooth-l1'] as const;
export type BCLoss = (typeof BC_LOSSES)[number];

export const bcHyperparameters = defineHyperparameters({
  netArch: { type: 'number[]', default: [32, 32], min: 1, doc: 'hidden layer sizes of the policy MLP' },
  activation: { type: 'enum', values: ACTIVATIONS, default: 'tanh', doc: 'hidden activation' },
  outputActivation: {
    type: 'enum',
    values: ['identity', 'tanh', 'sigmoid'],
    default: 'identity',
    doc: 'output activation; for Box actions tanh/sigmoid outputs are mapped onto the Box bounds. Cross-entropy needs identity (logits)',
  },
  loss: {
    type: 'enum',
    values: BC_LOSSES,
    default: null,
    nullable: true,
    doc: 'cross-entropy (Discrete), gaussian-nll (Box), mse or smooth-l1 (Box, or Discrete on one-hot targets); null: cross-entropy for Discrete, gaussian-nll for Box',
  },
  learningRate: { type: 'schedule', default: 1e-3, exclusiveMin: 0, doc: 'Adam step size' },
  batchSize: { type: 'integer', default: 32, min: 1, doc: 'minibatch size (transitions)' },
  entWeight: { type: 'number', default: 1e-3, min: 0, doc: 'weight of the entropy bonus (cross-entropy, gaussian-nll)' },
  l2Weight: { type: 'number', default: 0, min: 0, doc: 'weight of the ½‖θ‖² penalty on every trainable parameter' },
  validationFraction: {
    type: 'number',
    default: 0.1,
    min: 0,
    exclusiveMax: 1,
    doc: 'fraction of the transitions held out (drawn with the seeded rng; 0: no held-out split)',
  },
  earlyStopping: {
    type: 'integer',
    default: null,
    nullable: true,
    min: 1,
    doc: 'patience in epochs without a better held-out loss; the best epoch’s weights are restored at the end (null: off)',
  },
  logStdInit: { type: 'number', default: 0, doc: 'gaussian-nll: initial log standard deviation' },
});

export type BCHp = ResolvedHyperparameters<typeof bcHyperparameters>;

export type BCOptions<E extends EnvSpecifier = EnvSpecifier> = CommonOptions & { env: E } & HyperparameterInput<
    typeof bcHyperparameters
  > & {
    /**
     * The expert's transitions; their spaces must be the env's. Optional only so that `BC.load`
     * can rebuild a trained policy (attach data later with `setDemonstrations`).
     */
    demonstrations?: Dataset;
  };

/**
 * The course's behavioral-cloning network: 2 × 30 tanh hidden units, sigmoid outputs, smooth-L1
 * (Huber, δ = 1) loss, Adam with step size 0.01. For Box actions the sigmoid outputs are mapped onto
 * the action bounds; for Discrete actions the course regressed the sigmoid outputs on the one-hot
 * expert action, which is what BC does with this preset (and it acts by argmax).
 * `new BC({env, demonstrations, ...BC_COURSE})`.
 */
export const BC_COURSE = {
  netArch: [30, 30],
  activation: 'tanh',
  outputActivation: 'sigmoid',
  loss: 'smooth-l1',
  learningRate: 0.01,
} as const satisfies HyperparameterInput<typeof bcHyperparameters>;

/** What one epoch reports (also logged as `bc/*`). */
export interface BCEpochStats {
  /** Epochs completed by this agent, this one included (1-based). */
  epoch: number;
  /** Mean training objective over the epoch's minibatches. */
  loss: number;
  /** Data loss on the held-out split (absent without one). */
  heldoutLoss?: number;
  /** Discrete: argmax agreement with the expert (held-out split, else training split). */
  accuracy?: number;
  /** Policy entropy (cross-entropy, gaussian-nll). */
  entropy?: number;
  /** ½‖θ‖². */
  l2Norm: number;
  /** Gradient steps in this epoch. */
  gradientSteps: number;
}

export interface BCTrainOptions {
  nEpochs: number;
  /** Called after every epoch; returning false stops training. */
  onEpochEnd?: (stats: BCEpochStats) => unknown;
}

// ---------------------------------------------------------------------------- losses

/** Mean over the batch of −log softmax(logits)[a] (core's `Categorical`). logits [B, n], actions int32 [B] (0-based). */
export function bcCrossEntropy(logits: tf.Tensor2D, actions: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => tf.neg(tf.mean(new Categorical(logits).logProb(actions))) as tf.Scalar);
}

/** Mean over the batch of the categorical entropy −Σ p log p (core's `Categorical`). */
export function categoricalEntropy(logits: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => tf.mean(new Categorical(logits).entropy()) as tf.Scalar);
}

/**
 * Mean over the batch of −log N(a; μ, diag σ²), summed over action dimensions (core's
 * `DiagGaussian`). mean, actions [B, d]; logStd [d].
 */
export function gaussianNll(mean: tf.Tensor2D, logStd: tf.Tensor1D, actions: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => tf.neg(tf.mean(new DiagGaussian(mean, logStd).logProb(actions))) as tf.Scalar);
}

/** Entropy of a diagonal Gaussian with state-independent log-stds: Σ_d log σ_d + ½(1 + log 2π). */
export function gaussianEntropy(logStd: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => tf.sum(tf.add(logStd, 0.5 + 0.5 * Math.log(2 * Math.PI))) as tf.Scalar);
}

// ---------------------------------------------------------------------------- the learner

interface DeviceData {
  x: tf.Tensor2D;
  /** int32 [n] (cross-entropy) or float32 [n, outDim]. */
  y: tf.Tensor;
  n: number;
}

export class BC<E extends EnvSpecifier = any> extends Algorithm<BCHp, E> {
  static override readonly algorithmName = 'BC';
  static override readonly hyperparameterSchema = bcHyperparameters;
  /** The course's preset ({@link BC_COURSE}). */
  static readonly courseConfig = BC_COURSE;

  readonly policy: Mlp;
  /** gaussian-nll: the learned state-independent log standard deviation. */
  readonly logStd: tf.Variable | undefined;
  readonly optimizer: Adam;
  readonly discrete: boolean;
  readonly lossName: BCLoss;
  /** Network outputs: n (Discrete) or the action dimension (Box). */
  readonly outDim: number;
  /** Epochs completed. */
  epochs = 0;
  /** Stats of the last epoch. */
  lastEpochStats: BCEpochStats | undefined;

  private readonly actStart: number;
  private readonly low: Float32Array | undefined;
  private readonly high: Float32Array | undefined;
  /** Box outputs → env units: y·scale + offset (tanh/sigmoid outputs); undefined for identity. */
  private readonly outScale: Float32Array | undefined;
  private readonly outOffset: Float32Array | undefined;
  private demos: { train: Int32Array; heldout: Int32Array; obs: Float32Array; acts: Float32Array | Int32Array } | undefined;

  constructor(options: BCOptions<E>) {
    if (!options || typeof options !== 'object') throw new TypeError('BC: constructor needs an options object {env, demonstrations, ...}');
    const { demonstrations, ...rest } = options;
    super(rest as unknown as AlgorithmOptions);
    const hp = this.hyperparameters;
    const act = this.actionSpace;
    if (act instanceof Discrete) {
      this.discrete = true;
      this.outDim = act.n;
      this.actStart = act.start;
    } else if (act instanceof Box) {
      this.discrete = false;
      this.outDim = act.compactDim;
      this.actStart = 0;
      this.low = Float32Array.from(act.low);
      this.high = Float32Array.from(act.high);
    } else {
      throw new TypeError(`BC: action space must be Discrete or Box, got ${String(act)}`);
    }
    const loss: BCLoss = (hp.loss as BCLoss | null) ?? (this.discrete ? 'cross-entropy' : 'gaussian-nll');
    if (this.discrete && loss === 'gaussian-nll') {
      throw new RangeError(`BC: loss 'gaussian-nll' needs a Box action space, got ${String(act)} (use cross-entropy, mse or smooth-l1)`);
    }
    if (!this.discrete && loss === 'cross-entropy') {
      throw new RangeError(
        `BC: loss 'cross-entropy' needs a Discrete action space, got ${String(act)} (use gaussian-nll, mse or smooth-l1)`,
      );
    }
    if (loss === 'cross-entropy' && hp.outputActivation !== 'identity') {
      throw new RangeError(`BC: loss 'cross-entropy' trains logits: outputActivation must be 'identity', got '${hp.outputActivation}'`);
    }
    this.lossName = loss;
    if (!this.discrete && hp.outputActivation !== 'identity') {
      const low = this.low as Float32Array;
      const high = this.high as Float32Array;
      const bad = Array.from(low).findIndex((l, i) => !Number.isFinite(l) || !Number.isFinite(high[i] as number));
      if (bad >= 0) {
        throw new RangeError(
          `BC: outputActivation '${hp.outputActivation}' maps outputs onto the action bounds, but dimension ${bad} of ${String(act)} is unbounded`,
        );
      }
      const tanh = hp.outputActivation === 'tanh';
      this.outScale = low.map((l, i) => (tanh ? ((high[i] as number) - l) / 2 : (high[i] as number) - l));
      this.outOffset = low.map((l, i) => (tanh ? ((high[i] as number) + l) / 2 : l));
    }
    this.policy = new Mlp({
      inputDim: this.obsEncoder.inputDim,
      hiddenSizes: hp.netArch,
      outputDim: this.outDim,
      activation: hp.activation,
      outputActivation: hp.outputActivation,
      init: 'orthogonal',
      outputGain: 0.01,
      rng: this.rng,
      name: 'policy',
    });
    const vars = [...this.policy.trainableVariables];
    if (loss === 'gaussian-nll') {
      const init = tf.fill([this.outDim], hp.logStdInit);
      this.logStd = tf.variable(init, true, uniqueName('bc/log_std'));
      init.dispose();
      vars.push(this.logStd);
    }
    this.optimizer = new Adam(vars, { lr: this.scheduleValue('learningRate') });
    if (demonstrations !== undefined) this.setDemonstrations(demonstrations);
  }

  /**
   * Attach (or replace) the demonstrations: checks their spaces against the env's, flattens the
   * transitions and draws the held-out split with the agent's rng.
   */
  setDemonstrations(dataset: Dataset): void {
    checkDemonstrations('BC', dataset, this.observationSpace, this.actionSpace);
    const flat = flatTransitions(dataset);
    const n = flat.n;
    const vf = this.hyperparameters.validationFraction;
    let nHeld = vf > 0 ? Math.round(n * vf) : 0;
    if (vf > 0) nHeld = Math.min(Math.max(nHeld, 1), n - 1);
    if (n - nHeld < 1) throw new RangeError(`BC: the demonstrations hold ${n} transition(s); need at least ${vf > 0 ? 2 : 1}`);
    if (this.hyperparameters.earlyStopping !== null && nHeld === 0) {
      throw new RangeError('BC: earlyStopping needs a held-out split: set validationFraction > 0');
    }
    const perm = this.rng.permutation(n);
    this.demos = {
      heldout: perm.slice(0, nHeld).sort(),
      train: perm.slice(nHeld).sort(),
      obs: flat.obs,
      acts: flat.acts,
    };
  }

  /** Transitions in the training / held-out split. */
  get splitSizes(): { train: number; heldout: number } {
    return { train: this.demos?.train.length ?? 0, heldout: this.demos?.heldout.length ?? 0 };
  }

  protected override networks(): Record<string, NetworkState> {
    return this.logStd ? { policy: this.policy, log_std: this.logStd } : { policy: this.policy };
  }

  protected override optimizers() {
    return { policy: this.optimizer };
  }

  protected override extraState(): Record<string, unknown> {
    return { epochs: this.epochs };
  }

  protected override loadExtraState(extra: Record<string, unknown>): void {
    if (typeof extra.epochs === 'number') this.epochs = extra.epochs;
  }

  private get trainableVariables(): tf.Variable[] {
    return this.logStd ? [...this.policy.trainableVariables, this.logStd] : this.policy.trainableVariables;
  }

  // ------------------------------------------------------------------ forward and losses

  /** Network outputs in action units: logits (cross-entropy), outputs (Discrete regression) or mean actions (Box). */
  private head(x: tf.Tensor2D, scale: tf.Tensor1D | undefined, offset: tf.Tensor1D | undefined): tf.Tensor2D {
    const y = this.policy.apply(x, { inputGrad: false });
    return scale && offset ? (tf.add(tf.mul(y, scale), offset) as tf.Tensor2D) : y;
  }

  /** Data loss, and the entropy when the loss defines one. */
  private dataLoss(out: tf.Tensor2D, y: tf.Tensor): { data: tf.Scalar; entropy?: tf.Scalar } {
    switch (this.lossName) {
      case 'cross-entropy':
        return { data: bcCrossEntropy(out, y as tf.Tensor1D), entropy: categoricalEntropy(out) };
      case 'gaussian-nll': {
        const logStd = this.logStd as tf.Variable as unknown as tf.Tensor1D;
        return { data: gaussianNll(out, logStd, y as tf.Tensor2D), entropy: gaussianEntropy(logStd) };
      }
      case 'mse':
        return { data: mseLoss(out, y as tf.Tensor2D) };
      case 'smooth-l1':
        return { data: huberLoss(out, y as tf.Tensor2D, 1) };
    }
  }

  private l2(): tf.Scalar {
    return tf.tidy(() => tf.mul(0.5, tf.addN(this.trainableVariables.map((v) => tf.sum(tf.square(v))))) as tf.Scalar);
  }

  /** Device copies of a split: encoded observations and targets. */
  private deviceData(rows: Int32Array): DeviceData {
    const d = this.demos as NonNullable<typeof this.demos>;
    const cd = this.obsEncoder.compactDim;
    const n = rows.length;
    const compact = new Float32Array(n * cd);
    for (let i = 0; i < n; i++) compact.set(d.obs.subarray((rows[i] as number) * cd, ((rows[i] as number) + 1) * cd), i * cd);
    const x = tf.tensor2d(this.obsEncoder.encode(compact), [n, this.obsEncoder.inputDim]);
    let y: tf.Tensor;
    if (this.discrete) {
      const idx = new Int32Array(n);
      for (let i = 0; i < n; i++) idx[i] = (d.acts[rows[i] as number] as number) - this.actStart;
      if (this.lossName === 'cross-entropy') y = tf.tensor1d(idx, 'int32');
      else {
        const oneHot = new Float32Array(n * this.outDim);
        for (let i = 0; i < n; i++) oneHot[i * this.outDim + (idx[i] as number)] = 1;
        y = tf.tensor2d(oneHot, [n, this.outDim]);
      }
    } else {
      const a = new Float32Array(n * this.outDim);
      for (let i = 0; i < n; i++) {
        const r = rows[i] as number;
        for (let j = 0; j < this.outDim; j++) a[i * this.outDim + j] = d.acts[r * this.outDim + j] as number;
      }
      y = tf.tensor2d(a, [n, this.outDim]);
    }
    return { x, y, n };
  }

  // ------------------------------------------------------------------ training

  /** Train for `nEpochs` passes over the training split. Returns each epoch's stats. */
  async train(options: BCTrainOptions): Promise<BCEpochStats[]> {
    const nEpochs = options?.nEpochs;
    if (!Number.isInteger(nEpochs) || nEpochs < 1)
      throw new RangeError(`BC.train: nEpochs must be a positive integer, got ${String(nEpochs)}`);
    const perEpoch = Math.ceil(this.requireDemos('train').train.length / this.hyperparameters.batchSize);
    this.totalTimesteps = this.numTimesteps + nEpochs * perEpoch;
    this.updateProgressRemaining();
    return this.runEpochs({ maxEpochs: nEpochs, maxSteps: Number.POSITIVE_INFINITY, onEpochEnd: options.onEpochEnd });
  }

  /** `learn({totalTimesteps})`: that many gradient steps (see the module comment). */
  protected async trainLoop(totalTimesteps: number, callback: BaseCallback): Promise<void> {
    this.requireDemos('learn');
    await this.runEpochs({ maxEpochs: Number.POSITIVE_INFINITY, maxSteps: totalTimesteps, callback });
  }

  private requireDemos(who: string): NonNullable<typeof this.demos> {
    if (!this.demos) throw new Error(`BC.${who}: no demonstrations; pass them to the constructor or call setDemonstrations(dataset)`);
    return this.demos;
  }

  private async runEpochs(opts: {
    maxEpochs: number;
    maxSteps: number;
    callback?: BaseCallback;
    onEpochEnd?: BCTrainOptions['onEpochEnd'];
  }): Promise<BCEpochStats[]> {
    const demos = this.requireDemos('train');
    const hp = this.hyperparameters;
    const callback = opts.callback ?? toCallback(null);
    const vars = this.trainableVariables;
    const history: BCEpochStats[] = [];
    const train = this.deviceData(demos.train);
    const held = demos.heldout.length > 0 ? this.deviceData(demos.heldout) : undefined;
    const scale = this.outScale ? tf.tensor1d(this.outScale) : undefined;
    const offset = this.outOffset ? tf.tensor1d(this.outOffset) : undefined;
    const patience = hp.earlyStopping;
    let best: { loss: number; weights: Float32Array[] } | undefined;
    let sinceBest = 0;
    let stop = false;
    try {
      for (let e = 0; e < opts.maxEpochs && !stop && this.numTimesteps < opts.maxSteps; e++) {
        const order = this.rng.permutation(train.n);
        let lossSum = 0;
        let steps = 0;
        for (let start = 0; start < train.n; start += hp.batchSize) {
          if (this.numTimesteps >= opts.maxSteps) break;
          const idx = tf.tensor1d(order.subarray(start, Math.min(start + hp.batchSize, train.n)), 'int32');
          const xb = tf.gather(train.x, idx) as tf.Tensor2D;
          const yb = tf.gather(train.y, idx);
          this.optimizer.lr = this.scheduleValue('learningRate');
          let result: { loss: number | undefined; grads: tf.Tensor[] };
          try {
            result = computeGradients(() => {
              const { data, entropy } = this.dataLoss(this.head(xb, scale, offset), yb);
              let total: tf.Tensor = data;
              if (entropy && hp.entWeight > 0) total = tf.sub(total, tf.mul(hp.entWeight, entropy));
              if (hp.l2Weight > 0) total = tf.add(total, tf.mul(hp.l2Weight, this.l2()));
              return total as tf.Scalar;
            }, vars);
          } finally {
            tf.dispose([idx, xb, yb]);
          }
          const loss = result.loss as number;
          if (!Number.isFinite(loss)) {
            tf.dispose(result.grads);
            this.assertFinite({ 'bc/loss': loss });
          }
          this.optimizer.step(result.grads);
          tf.dispose(result.grads);
          lossSum += loss;
          steps++;
          this.numTimesteps++;
          this.numUpdates++;
          this.updateProgressRemaining();
          if (opts.callback && !(await callback.step(this.callbackContext({ loss })))) {
            stop = true;
            break;
          }
          if (steps % 100 === 0) await yieldToEventLoop();
        }
        if (steps === 0) break;
        this.epochs++;
        const stats = this.epochStats(held ?? train, held !== undefined, scale, offset, lossSum / steps, steps);
        history.push(stats);
        this.lastEpochStats = stats;
        this.logEpoch(stats);
        if (patience !== null && stats.heldoutLoss !== undefined) {
          if (best === undefined || stats.heldoutLoss < best.loss) {
            best = { loss: stats.heldoutLoss, weights: vars.map((v) => (v.dataSync() as Float32Array).slice()) };
            sinceBest = 0;
          } else if (++sinceBest >= patience) {
            stop = true;
          }
        }
        if (opts.onEpochEnd && (await opts.onEpochEnd(stats)) === false) stop = true;
        await yieldToEventLoop();
      }
    } finally {
      tf.dispose([train.x, train.y, held?.x, held?.y, scale, offset].filter((t): t is tf.Tensor => t !== undefined));
    }
    if (best !== undefined && sinceBest > 0) {
      const weights = best.weights;
      tf.tidy(() => vars.forEach((v, i) => v.assign(tf.tensor(weights[i] as Float32Array, v.shape))));
    }
    return history;
  }

  /**
   * The metrics of the current weights on the held-out split (on the training split when there is
   * no held-out split; `heldoutLoss` is then absent). `loss` is the data loss there too.
   */
  evaluateSplit(): Omit<BCEpochStats, 'gradientSteps'> {
    const demos = this.requireDemos('evaluateSplit');
    const data = this.deviceData(demos.heldout.length > 0 ? demos.heldout : demos.train);
    const scale = this.outScale ? tf.tensor1d(this.outScale) : undefined;
    const offset = this.outOffset ? tf.tensor1d(this.outOffset) : undefined;
    try {
      const s = this.epochStats(data, demos.heldout.length > 0, scale, offset, 0, 0);
      const { gradientSteps: _, ...rest } = s;
      return { ...rest, loss: s.heldoutLoss ?? this.lastDataLoss };
    } finally {
      tf.dispose([data.x, data.y, scale, offset].filter((t): t is tf.Tensor => t !== undefined));
    }
  }

  private lastDataLoss = Number.NaN;

  /** Metrics of one epoch on `data` (one read). */
  private epochStats(
    data: DeviceData,
    isHeldout: boolean,
    scale: tf.Tensor1D | undefined,
    offset: tf.Tensor1D | undefined,
    loss: number,
    steps: number,
  ): BCEpochStats {
    const values = tf.tidy(() => {
      const out = this.head(data.x, scale, offset);
      const { data: dl, entropy } = this.dataLoss(out, data.y);
      const parts: tf.Scalar[] = [dl, entropy ?? tf.scalar(0), this.l2()];
      if (this.discrete) {
        const expert = this.lossName === 'cross-entropy' ? data.y : tf.argMax(data.y, 1);
        parts.push(tf.mean(tf.cast(tf.equal(tf.argMax(out, 1), expert), 'float32')) as tf.Scalar);
      }
      return tf.stack(parts);
    });
    const v = values.dataSync();
    values.dispose();
    this.lastDataLoss = v[0] as number;
    const stats: BCEpochStats = { epoch: this.epochs, loss, l2Norm: v[2] as number, gradientSteps: steps };
    if (isHeldout) stats.heldoutLoss = v[0] as number;
    if (this.lossName === 'cross-entropy' || this.lossName === 'gaussian-nll') stats.entropy = v[1] as number;
    if (this.discrete) stats.accuracy = v[3] as number;
    const check: Record<string, number> = { 'bc/loss': stats.loss, 'bc/l2_norm': stats.l2Norm };
    if (stats.heldoutLoss !== undefined) check['bc/heldout_loss'] = stats.heldoutLoss;
    this.assertFinite(check);
    return stats;
  }

  private logEpoch(s: BCEpochStats): void {
    const step = this.numTimesteps;
    const log = (tag: string, v: number | undefined) => {
      if (v !== undefined) this.logger.scalar(tag, v, step);
    };
    log('bc/epoch', s.epoch);
    log('bc/loss', s.loss);
    log('bc/heldout_loss', s.heldoutLoss);
    log('bc/accuracy', s.accuracy);
    log('bc/entropy', s.entropy);
    log('bc/l2_norm', s.l2Norm);
    log('bc/learning_rate', this.optimizer.lr);
    log('time/gradient_steps', this.numUpdates);
    this.logger.dump?.(step);
  }

  // ------------------------------------------------------------------ acting

  /**
   * Deterministic: argmax (Discrete) or the mean action clipped to the bounds (Box). Stochastic:
   * a sample from the softmax (cross-entropy) or from N(μ, σ²) clipped to the bounds
   * (gaussian-nll), drawn with the agent's rng; regression losses have no distribution and act
   * deterministically.
   */
  protected predictRows(rows: Float32Array, deterministic: boolean): Int32Array | Float32Array {
    const b = rows.length / this.obsEncoder.compactDim;
    const y = this.policy.applyHost(this.obsEncoder.encode(rows), b);
    const k = this.outDim;
    if (this.discrete) {
      const out = new Int32Array(b);
      for (let i = 0; i < b; i++) {
        let a = 0;
        if (!deterministic && this.lossName === 'cross-entropy') {
          let m = Number.NEGATIVE_INFINITY;
          for (let j = 0; j < k; j++) m = Math.max(m, y[i * k + j] as number);
          let z = 0;
          for (let j = 0; j < k; j++) z += Math.exp((y[i * k + j] as number) - m);
          let u = this.rng.random() * z;
          a = k - 1;
          for (let j = 0; j < k; j++) {
            u -= Math.exp((y[i * k + j] as number) - m);
            if (u < 0) {
              a = j;
              break;
            }
          }
        } else {
          for (let j = 1; j < k; j++) if ((y[i * k + j] as number) > (y[i * k + a] as number)) a = j;
        }
        out[i] = a + this.actStart;
      }
      return out;
    }
    const low = this.low as Float32Array;
    const high = this.high as Float32Array;
    const std = !deterministic && this.logStd ? Array.from(this.logStd.dataSync(), (l) => Math.exp(l)) : undefined;
    const out = new Float32Array(b * k);
    for (let i = 0; i < b; i++) {
      for (let j = 0; j < k; j++) {
        let v = y[i * k + j] as number;
        if (this.outScale && this.outOffset) v = v * (this.outScale[j] as number) + (this.outOffset[j] as number);
        if (std) v += (std[j] as number) * this.rng.normal();
        const lo = low[j] as number;
        const hi = high[j] as number;
        out[i * k + j] = v < lo ? lo : v > hi ? hi : v;
      }
    }
    return out;
  }
}
