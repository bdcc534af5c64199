/**
 * Deep Q-Network (Mnih et al. 2015, https://www.nature.com/articles/nature14236) with the Rainbow
 * extensions (Hessel et al. 2018, https://arxiv.org/abs/1710.02298) as independent switches:
 * `double` (van Hasselt et al. 2016), `dueling` (Wang et al. 2016), `prioritized` replay (Schaul
 * et al. 2016), `nStep` returns, `noisy` nets (Fortunato et al. 2018) and `distributional` C51
 * (Bellemare et al. 2017). Names, defaults and the training schedule follow Stable-Baselines3's DQN:
 * `trainFreq` vector steps of collection, then `gradientSteps` updates; the target network is
 * updated every `targetUpdateInterval` env steps (counted per vector step × numEnvs, as SB3).
 *
 * Speed: acting evaluates the Q-network on the host (see `QNetwork.hostForward`); when replay is
 * uniform and the nets are not noisy, the target network is fixed during a training phase, so the
 * targets of all its batches are computed in one batched forward pass and read once per phase.
 */
import * as tf from '@tensorflow/tfjs';
import {
  Adam,
  Algorithm,
  type AlgorithmOptions,
  type AnyEnv,
  type BaseCallback,
  Box,
  type CheckpointTensor,
  type ConvLayerSpec,
  Discrete,
  type EnvSpecifier,
  type HyperparameterSchema,
  NStepAccumulator,
  PrioritizedReplayBuffer,
  type PrioritizedReplayBatch,
  type ReplayBatch,
  ReplayBuffer,
  type StateTensor,
  SyncVecEnv,
  type VecEnv,
  checkpointTensorToTf,
  computeGradients,
  defineHyperparameters,
  hardUpdate,
  isVecEnv,
  polyakUpdate,
} from '@tfrl/core';
import {
  bootstrapMultipliers,
  categoricalProjection,
  categoricalSupport,
  doubleDqnTarget,
  dqnTarget,
  dqnTargetHost,
  actionMask,
  linearEpsilon,
  maskedTdLoss,
} from './math';
import { QNetwork } from './q-network';

export const dqnHyperparameters = defineHyperparameters({
  learningRate: { type: 'schedule', default: 1e-4, exclusiveMin: 0, doc: 'Adam step size: a number or a schedule such as "lin_0.001"' },
  bufferSize: { type: 'integer', default: 1_000_000, min: 1, doc: 'replay buffer capacity (transitions)' },
  learningStarts: { type: 'integer', default: 100, min: 0, doc: 'env steps of uniform random actions before learning starts' },
  batchSize: { type: 'integer', default: 32, min: 1, doc: 'minibatch size of a gradient step' },
  tau: { type: 'number', default: 1, min: 0, max: 1, doc: 'target update coefficient (1 = hard copy)' },
  gamma: { type: 'number', default: 0.99, min: 0, max: 1, doc: 'discount factor' },
  trainFreq: { type: 'integer', default: 4, min: 1, doc: 'vector env steps collected between training phases' },
  gradientSteps: { type: 'integer', default: 1, min: -1, doc: 'gradient steps per training phase (-1: as many as transitions collected)' },
  targetUpdateInterval: { type: 'integer', default: 10_000, min: 1, doc: 'env steps between target network updates' },
  explorationFraction: { type: 'number', default: 0.1, min: 0, max: 1, doc: 'fraction of training over which ε decays linearly' },
  explorationInitialEps: { type: 'number', default: 1, min: 0, max: 1, doc: 'initial ε of ε-greedy' },
  explorationFinalEps: { type: 'number', default: 0.05, min: 0, max: 1, doc: 'final ε of ε-greedy' },
  maxGradNorm: { type: 'number', default: 10, exclusiveMin: 0, nullable: true, doc: 'global gradient-norm clip (null = off)' },
  netArch: { type: 'number[]', default: [64, 64], min: 1, doc: 'hidden layer sizes (the last one is the head / each dueling stream)' },
  loss: { type: 'enum', values: ['huber', 'mse'], default: 'huber', doc: 'TD loss of scalar DQN (C51 uses cross-entropy)' },
  adamEps: { type: 'number', default: 1e-8, exclusiveMin: 0, doc: 'Adam ε (Rainbow uses 1.5e-4)' },
  double: { type: 'boolean', default: false, doc: 'Double DQN target: online net selects, target net evaluates' },
  dueling: { type: 'boolean', default: false, doc: 'dueling value + mean-subtracted advantage streams' },
  prioritized: { type: 'boolean', default: false, doc: 'proportional prioritized replay with importance weights' },
  alpha: { type: 'number', default: 0.6, min: 0, doc: 'PER priority exponent α' },
  beta0: { type: 'number', default: 0.4, min: 0, max: 1, doc: 'PER importance exponent β, annealed linearly to 1' },
  priorityEps: { type: 'number', default: 1e-6, exclusiveMin: 0, doc: 'PER ε added to |δ|' },
  nStep: { type: 'integer', default: 1, min: 1, doc: 'n-step returns' },
  noisy: { type: 'boolean', default: false, doc: 'factorised Gaussian NoisyLinear head layers (ε can be 0)' },
  sigma0: { type: 'number', default: 0.5, min: 0, doc: 'NoisyNet σ0 (σ init = σ0/√fanIn)' },
  distributional: { type: 'boolean', default: false, doc: 'C51 categorical return distribution' },
  nAtoms: { type: 'integer', default: 51, min: 2, doc: 'C51 atoms' },
  vMin: { type: 'number', default: -10, doc: 'C51 support minimum' },
  vMax: { type: 'number', default: 10, doc: 'C51 support maximum' },
  normalizeImages: { type: 'boolean', default: true, doc: 'scale uint8 image observations by 1/255' },
  cnn: {
    type: 'object',
    default: null,
    nullable: true,
    doc: 'conv torso of image observations: {convs: [{filters, kernelSize, stride, padding?}, ...]} (null: Nature DQN convs)',
  },
});

type Sched = number | string | ((p: number) => number);

export interface DqnHp {
  learningRate: Sched;
  bufferSize: number;
  learningStarts: number;
  batchSize: number;
  tau: number;
  gamma: number;
  trainFreq: number;
  gradientSteps: number;
  targetUpdateInterval: number;
  explorationFraction: number;
  explorationInitialEps: number;
  explorationFinalEps: number;
  maxGradNorm: number | null;
  netArch: number[];
  loss: 'huber' | 'mse';
  adamEps: number;
  double: boolean;
  dueling: boolean;
  prioritized: boolean;
  alpha: number;
  beta0: number;
  priorityEps: number;
  nStep: number;
  noisy: boolean;
  sigma0: number;
  distributional: boolean;
  nAtoms: number;
  vMin: number;
  vMax: number;
  normalizeImages: boolean;
  cnn: { convs?: ConvLayerSpec[] } | null;
}

export type DQNOptions = AlgorithmOptions & Partial<DqnHp> & { env: EnvSpecifier };

/** Rainbow: every extension on, with the paper's settings where they fit small tasks. */
export const rainbowHyperparameters = defineHyperparameters({
  ...dqnHyperparameters,
  double: { ...dqnHyperparameters.double, default: true },
  dueling: { ...dqnHyperparameters.dueling, default: true },
  prioritized: { ...dqnHyperparameters.prioritized, default: true },
  alpha: { ...dqnHyperparameters.alpha, default: 0.5 },
  nStep: { ...dqnHyperparameters.nStep, default: 3 },
  noisy: { ...dqnHyperparameters.noisy, default: true },
  distributional: { ...dqnHyperparameters.distributional, default: true },
  explorationInitialEps: { ...dqnHyperparameters.explorationInitialEps, default: 0 },
  explorationFinalEps: { ...dqnHyperparameters.explorationFinalEps, default: 0 },
  adamEps: { ...dqnHyperparameters.adamEps, default: 1.5e-4 },
});

export class DQN extends Algorithm<DqnHp> {
  static override readonly algorithmName: string = 'DQN';
  static override readonly hyperparameterSchema: HyperparameterSchema = dqnHyperparameters;

  declare readonly env: VecEnv;
  readonly obsShape: number[];
  readonly obsDim: number;
  readonly nActions: number;
  readonly actionStart: number;
  readonly qNet: QNetwork;
  readonly qNetTarget: QNetwork;
  readonly optimizer: Adam;
  readonly buffer: ReplayBuffer;
  readonly nStepAccumulator: NStepAccumulator | undefined;
  /** C51 support (undefined for scalar Q). */
  readonly support: Float32Array | undefined;
  /** Current ε of ε-greedy. */
  explorationRate: number;
  /** Mean loss of the last training phase. */
  lastLoss: number | undefined;

  private readonly supportT: tf.Tensor1D | undefined;
  private readonly variables: tf.Variable[];
  /** `_n_calls` of SB3: vector steps taken (drives target updates). */
  private nCalls = 0;
  private lastObs: Float32Array | undefined;
  private readonly nextObsReal: Float32Array;
  private readonly envActions: Int32Array;
  private readonly multBuf: Float32Array;
  private readonly maskBuf: Float32Array;
  private optimizerStateToRestore: { m: Float32Array; v: Float32Array } | undefined;

  constructor(options: DQNOptions) {
    super(options);
    const hp = this.hyperparameters;
    const obsSpace = this.env.singleObservationSpace;
    const actSpace = this.env.singleActionSpace;
    const name = this.algorithmName;
    if (!(actSpace instanceof Discrete)) throw new Error(`${name}: action space must be Discrete, got ${String(actSpace)}`);
    if (!(obsSpace instanceof Box)) throw new Error(`${name}: observation space must be a Box, got ${String(obsSpace)}`);
    if (obsSpace.shape.length !== 1 && obsSpace.shape.length !== 3) {
      throw new Error(`${name}: observation Box must be a vector or an [H, W, C] image, got shape [${obsSpace.shape}]`);
    }
    if (hp.distributional && !(hp.vMax > hp.vMin))
      throw new RangeError(`${name}: vMax (${hp.vMax}) must be greater than vMin (${hp.vMin})`);
    this.nActions = actSpace.n;
    this.actionStart = actSpace.start;
    this.obsShape = [...obsSpace.shape];
    this.obsDim = this.env.obsDim;
    const image = this.obsShape.length === 3;
    const uint8 = obsSpace.dtype === 'uint8';
    const netOpts = {
      obsShape: this.obsShape,
      nActions: this.nActions,
      nAtoms: hp.distributional ? hp.nAtoms : 1,
      netArch: hp.netArch,
      dueling: hp.dueling,
      noisy: hp.noisy,
      sigma0: hp.sigma0,
      inputScale: image && uint8 && hp.normalizeImages ? 1 / 255 : 1,
      convs: this.convSpecs(),
    };
    this.qNet = new QNetwork({ ...netOpts, rng: this.rng, name: 'q' });
    this.qNetTarget = new QNetwork({ ...netOpts, rng: this.rng, name: 'q_target' });
    hardUpdate(this.qNetTarget.trainableVariables, this.qNet.trainableVariables);
    this.variables = this.qNet.trainableVariables;
    this.optimizer = new Adam(this.variables, {
      lr: this.scheduleValue('learningRate'),
      eps: hp.adamEps,
      maxGradNorm: hp.maxGradNorm ?? undefined,
    });
    if (hp.distributional) {
      this.support = categoricalSupport(hp.nAtoms, hp.vMin, hp.vMax);
      this.supportT = tf.tensor1d(this.support);
    }
    const bufOpts = {
      capacity: hp.bufferSize,
      obsDim: this.obsDim,
      actionDim: 1,
      actionDtype: 'int32' as const,
      obsDtype: uint8 ? ('uint8' as const) : ('float32' as const),
      gamma: hp.gamma,
    };
    this.buffer = hp.prioritized
      ? new PrioritizedReplayBuffer({ ...bufOpts, alpha: hp.alpha, epsilon: hp.priorityEps })
      : new ReplayBuffer(bufOpts);
    const n = this.env.numEnvs;
    if (hp.nStep > 1) {
      this.nStepAccumulator = new NStepAccumulator({
        numEnvs: n,
        obsDim: this.obsDim,
        actionDim: 1,
        n: hp.nStep,
        gamma: hp.gamma,
        actionDtype: 'int32',
      });
    }
    this.explorationRate = hp.explorationInitialEps;
    this.nextObsReal = new Float32Array(n * this.obsDim);
    this.envActions = new Int32Array(n);
    this.multBuf = new Float32Array(hp.batchSize);
    this.maskBuf = new Float32Array(hp.batchSize * this.nActions);
  }

  private convSpecs(): ConvLayerSpec[] | undefined {
    const c = this.hyperparameters.cnn;
    if (c === null) return undefined;
    const convs = (c as { convs?: unknown }).convs;
    if (!Array.isArray(convs) || convs.length === 0) {
      throw new TypeError(
        `${this.algorithmName}: cnn.convs must be a non-empty array of {filters, kernelSize, stride, padding?}, got ${JSON.stringify(convs)}`,
      );
    }
    return convs as ConvLayerSpec[];
  }

  /** Always a VecEnv: a single Env is wrapped in a one-env SyncVecEnv. */
  protected override resolveEnv(spec: EnvSpecifier): AnyEnv {
    const env = super.resolveEnv(spec);
    return isVecEnv(env) ? env : new SyncVecEnv([() => env]);
  }

  // ------------------------------------------------------------------ acting

  /** Q-values [B·A] of a batch of observations (host evaluation when possible). */
  qValues(obs: Float32Array, options: { noise?: boolean } = {}): Float32Array {
    const B = obs.length / this.obsDim;
    const noise = options.noise ?? false;
    if (this.qNet.hostCapable) return this.qNet.hostForward(obs, B, noise, this.support);
    const q = tf.tidy(() => {
      const x = tf.tensor(obs, [B, ...this.obsShape]);
      return QNetwork.qValues(this.qNet.forward(x, { noise }), this.supportT);
    });
    const out = q.dataSync() as Float32Array;
    q.dispose();
    return out;
  }

  private greedy(q: Float32Array, row: number): number {
    const A = this.nActions;
    let best = 0;
    let bq = q[row * A] as number;
    for (let a = 1; a < A; a++) {
      const v = q[row * A + a] as number;
      if (v > bq) {
        bq = v;
        best = a;
      }
    }
    return best;
  }

  /**
   * Actions (0-based indices) for a batch: ε-greedy per env with rate `eps` (0 = greedy).
   * Noisy nets draw fresh noise for each call that evaluates the network, unless `noise` is false.
   */
  private selectActions(obs: Float32Array, eps: number, noise: boolean, out: Int32Array): Int32Array {
    const B = obs.length / this.obsDim;
    let needQ = false;
    for (let i = 0; i < B; i++) {
      if (eps > 0 && this.rng.random() < eps) out[i] = this.rng.integers(0, this.nActions);
      else {
        out[i] = -1;
        needQ = true;
      }
    }
    if (!needQ) return out;
    if (noise && this.qNet.noisy) this.qNet.resetNoise(this.rng);
    const q = this.qValues(obs, { noise: noise && this.qNet.noisy });
    for (let i = 0; i < B; i++) if (out[i] === -1) out[i] = this.greedy(q, i);
    return out;
  }

  predict(obs: Float32Array, options: { deterministic?: boolean } = {}): Int32Array {
    if (obs.length === 0 || obs.length % this.obsDim !== 0) {
      throw new RangeError(
        `${this.algorithmName}.predict: observation length ${obs.length} is not a multiple of the observation size ${this.obsDim}`,
      );
    }
    const det = options.deterministic ?? false;
    const out = this.selectActions(obs, det ? 0 : this.explorationRate, !det, new Int32Array(obs.length / this.obsDim));
    if (this.actionStart !== 0) for (let i = 0; i < out.length; i++) out[i] = (out[i] as number) + this.actionStart;
    return out;
  }

  // ------------------------------------------------------------------ collecting

  protected async trainLoop(totalTimesteps: number, callback: BaseCallback): Promise<void> {
    const hp = this.hyperparameters;
    const n = this.env.numEnvs;
    if (!this.lastObs) {
      this.lastObs = Float32Array.from(this.env.reset(this.seed));
      this.nStepAccumulator?.reset();
    }
    let iteration = 0;
    let sinceYield = 0;
    while (this.numTimesteps < totalTimesteps) {
      await callback.rolloutStart(this.callbackContext());
      let collected = 0;
      for (let s = 0; s < hp.trainFreq && this.numTimesteps < totalTimesteps; s++) {
        if (!(await this.envStep(callback))) return;
        collected++;
        sinceYield += n;
        if (sinceYield >= 512) {
          sinceYield = 0;
          await new Promise<void>((resolve) => setImmediate(resolve));
        }
      }
      await callback.rolloutEnd(this.callbackContext());
      iteration++;
      if (this.numTimesteps > 0 && this.numTimesteps > hp.learningStarts) {
        const g = hp.gradientSteps >= 0 ? hp.gradientSteps : collected * n;
        if (g > 0) {
          this.train(g);
          await new Promise<void>((resolve) => setImmediate(resolve));
        }
      }
      if (this.shouldLog(iteration)) {
        const stats: Record<string, number> = {
          'rollout/exploration_rate': this.explorationRate,
          'train/learning_rate': this.optimizer.lr,
          'train/n_updates': this.numUpdates,
        };
        if (this.lastLoss !== undefined) stats['train/loss'] = this.lastLoss;
        this.logTrainingStats(stats);
      }
    }
  }

  /** One vector step: act, store, SB3's `_on_step` (target update, ε). False when a callback stops. */
  private async envStep(callback: BaseCallback): Promise<boolean> {
    const hp = this.hyperparameters;
    const n = this.env.numEnvs;
    const d = this.obsDim;
    const obs = this.lastObs as Float32Array;
    const acts = this.envActions;
    if (this.numTimesteps < hp.learningStarts) {
      for (let i = 0; i < n; i++) acts[i] = this.rng.integers(0, this.nActions);
    } else {
      this.selectActions(obs, this.explorationRate, true, acts);
    }
    let envActs = acts;
    if (this.actionStart !== 0) envActs = acts.map((a) => a + this.actionStart);
    const res = this.env.step(envActs);
    this.numTimesteps += n;
    this.recordEpisodeInfos(res.infos);
    const cont = await callback.step(this.callbackContext({ infos: res.infos, rewards: res.rewards }));
    // The real next observation: finished envs' rows hold the reset observation in res.obs.
    const next = this.nextObsReal;
    next.set(res.obs);
    for (let i = 0; i < n; i++) {
      if (res.terminated[i] || res.truncated[i]) next.set(res.finalObs.subarray(i * d, (i + 1) * d), i * d);
    }
    if (this.nStepAccumulator) {
      this.nStepAccumulator.add(obs, acts, res.rewards, next, res.terminated, res.truncated, this.buffer);
    } else {
      this.buffer.addBatch(obs, acts, res.rewards, next, res.terminated, res.truncated);
    }
    obs.set(res.obs);
    this.updateProgressRemaining();
    this.onStep();
    return cont;
  }

  /** SB3's `_on_step`: target update every targetUpdateInterval env steps, then the ε schedule. */
  private onStep(): void {
    const hp = this.hyperparameters;
    this.nCalls++;
    if (this.nCalls % Math.max(Math.floor(hp.targetUpdateInterval / this.env.numEnvs), 1) === 0) {
      if (hp.tau >= 1) hardUpdate(this.qNetTarget.trainableVariables, this.qNet.trainableVariables);
      else polyakUpdate(this.qNetTarget.trainableVariables, this.qNet.trainableVariables, hp.tau);
      this.qNetTarget.version++;
    }
    this.explorationRate = linearEpsilon(hp.explorationInitialEps, hp.explorationFinalEps, hp.explorationFraction, this.progressRemaining);
  }

  // ------------------------------------------------------------------ training

  /** PER β, annealed linearly from beta0 to 1 over training. */
  get beta(): number {
    const b0 = this.hyperparameters.beta0;
    return b0 + (1 - b0) * (1 - this.progressRemaining);
  }

  /** `gradientSteps` updates on sampled minibatches. */
  train(gradientSteps: number): void {
    const hp = this.hyperparameters;
    this.optimizer.lr = this.scheduleValue('learningRate');
    if (this.buffer.size === 0) return;
    const precompute = !hp.prioritized && !hp.noisy && !hp.distributional;
    const losses = precompute ? this.trainPrecomputed(gradientSteps) : this.trainPerStep(gradientSteps);
    const all = tf.tidy(() => tf.mean(tf.concat(losses)));
    this.lastLoss = all.dataSync()[0] as number;
    all.dispose();
    tf.dispose(losses);
    this.numUpdates += gradientSteps;
    this.qNet.version++;
  }

  private tensorOf(rows: Float32Array, B: number): tf.Tensor {
    return tf.tensor(rows, [B, ...this.obsShape]);
  }

  /**
   * Uniform replay, plain nets: the target net does not change during a phase (it is updated
   * between env steps, as SB3), so sample every batch first, evaluate Q_target on all next states
   * in one pass and read it once. Double DQN still picks the action with the online net per step.
   */
  private trainPrecomputed(G: number): tf.Tensor[] {
    const hp = this.hyperparameters;
    const B = hp.batchSize;
    const d = this.obsDim;
    const A = this.nActions;
    const rows = G * B;
    const obsAll = new Float32Array(rows * d);
    const nextAll = new Float32Array(rows * d);
    const actAll = new Int32Array(rows);
    const rewAll = new Float32Array(rows);
    const multAll = new Float32Array(rows);
    for (let g = 0; g < G; g++) {
      const b = this.buffer.sample(B, this.rng);
      obsAll.set(b.obs, g * B * d);
      nextAll.set(b.nextObs, g * B * d);
      actAll.set(b.actions as Int32Array, g * B);
      rewAll.set(b.rewards, g * B);
      bootstrapMultipliers(b.discounts, b.terminated, multAll.subarray(g * B, (g + 1) * B));
    }
    // Q_target(s') for every row, in chunks of at most ~4M input values.
    const qT = new Float32Array(rows * A);
    const chunk = Math.max(B, Math.floor(4_000_000 / d / B) * B);
    for (let r0 = 0; r0 < rows; r0 += chunk) {
      const r1 = Math.min(rows, r0 + chunk);
      const q = tf.tidy(() => this.qNetTarget.forward(this.tensorOf(nextAll.subarray(r0 * d, r1 * d), r1 - r0)) as tf.Tensor2D);
      qT.set(q.dataSync() as Float32Array, r0 * A);
      q.dispose();
    }
    const yAll = hp.double ? undefined : dqnTargetHost(rewAll, multAll, qT, A);
    const maskAll = actionMask(actAll, A);
    const losses: tf.Tensor[] = [];
    for (let g = 0; g < G; g++) {
      const o = g * B;
      const obsT = this.tensorOf(obsAll.subarray(o * d, (o + B) * d), B);
      const maskT = tf.tensor2d(maskAll.subarray(o * A, (o + B) * A), [B, A]);
      let yT: tf.Tensor1D;
      if (yAll) yT = tf.tensor1d(yAll.subarray(o, o + B));
      else {
        yT = tf.tidy(() => {
          const nextT = this.tensorOf(nextAll.subarray(o * d, (o + B) * d), B);
          return doubleDqnTarget(
            tf.tensor1d(rewAll.subarray(o, o + B)),
            tf.tensor1d(multAll.subarray(o, o + B)),
            this.qNet.forward(nextT) as tf.Tensor2D,
            tf.tensor2d(qT.subarray(o * A, (o + B) * A), [B, A]),
          );
        });
      }
      const { grads } = computeGradients(
        () => {
          const loss = maskedTdLoss(this.qNet.forward(obsT) as tf.Tensor2D, maskT, yT, { loss: hp.loss });
          losses.push(tf.keep(tf.reshape(loss, [1]))); // the returned loss itself is disposed by variableGrads
          return loss;
        },
        this.variables,
        { readLoss: false },
      );
      this.optimizer.step(grads);
      tf.dispose(grads);
      tf.dispose([obsT, maskT, yT]);
    }
    return losses;
  }

  /** The general path: one sampled batch, target and (PER) priority update per gradient step. */
  private trainPerStep(G: number): tf.Tensor[] {
    const hp = this.hyperparameters;
    const B = hp.batchSize;
    const losses: tf.Tensor[] = [];
    for (let g = 0; g < G; g++) {
      const batch: ReplayBatch = hp.prioritized
        ? (this.buffer as PrioritizedReplayBuffer).sample(B, this.rng, Math.min(1, this.beta))
        : this.buffer.sample(B, this.rng);
      if (hp.noisy) {
        this.qNet.resetNoise(this.rng);
        this.qNetTarget.resetNoise(this.rng);
      }
      const obsT = this.tensorOf(batch.obs, B);
      const nextT = this.tensorOf(batch.nextObs, B);
      const maskT = tf.tensor2d(actionMask(batch.actions, this.nActions, this.maskBuf), [B, this.nActions]);
      const rT = tf.tensor1d(batch.rewards);
      const mT = tf.tensor1d(bootstrapMultipliers(batch.discounts, batch.terminated, this.multBuf));
      const wT = hp.prioritized ? tf.tensor1d((batch as PrioritizedReplayBatch).weights) : undefined;
      const target = tf.tidy(() => this.computeTarget(nextT, rT, mT));
      let perSample: tf.Tensor1D | undefined;
      const { grads } = computeGradients(
        () => {
          const out = this.qNet.forward(obsT);
          let loss: tf.Scalar;
          if (out.rank === 3) {
            // Cross-entropy between the projected target and the predicted distribution of a.
            const logitsA = tf.sum(tf.mul(out, tf.expandDims(maskT, 2)), 1) as tf.Tensor2D;
            const ce = tf.neg(tf.sum(tf.mul(target, tf.logSoftmax(logitsA)), 1)) as tf.Tensor1D;
            if (wT) perSample = tf.keep(ce);
            loss = (wT ? tf.mean(tf.mul(wT, ce)) : tf.mean(ce)) as tf.Scalar;
          } else {
            loss = maskedTdLoss(out as tf.Tensor2D, maskT, target as tf.Tensor1D, {
              loss: hp.loss,
              weights: wT,
              onTdError: wT
                ? (td) => {
                    perSample = td;
                  }
                : undefined,
            });
          }
          losses.push(tf.keep(tf.reshape(loss, [1]))); // the returned loss itself is disposed by variableGrads
          return loss;
        },
        this.variables,
        { readLoss: false },
      );
      this.optimizer.step(grads);
      tf.dispose(grads);
      if (hp.prioritized && perSample) {
        // One read per gradient step: the new priorities are needed before the next sample.
        const td = perSample.dataSync() as Float32Array;
        (this.buffer as PrioritizedReplayBuffer).updatePriorities(batch.indices, td);
      }
      tf.dispose([obsT, nextT, maskT, rT, mT, target]);
      if (wT) wT.dispose();
      if (perSample) (perSample as tf.Tensor).dispose();
    }
    return losses;
  }

  /** The TD target: y [B] for scalar Q, the projected distribution [B, N] for C51 (no gradient). */
  private computeTarget(nextT: tf.Tensor, rT: tf.Tensor1D, mT: tf.Tensor1D): tf.Tensor {
    const hp = this.hyperparameters;
    const outT = this.qNetTarget.forward(nextT);
    if (outT.rank === 2) {
      if (hp.double) return doubleDqnTarget(rT, mT, this.qNet.forward(nextT) as tf.Tensor2D, outT as tf.Tensor2D);
      return dqnTarget(rT, mT, outT as tf.Tensor2D);
    }
    const support = this.supportT as tf.Tensor1D;
    const probsT = tf.softmax(outT); // [B, A, N]
    const qNext = hp.double ? QNetwork.qValues(this.qNet.forward(nextT), support) : (tf.sum(tf.mul(probsT, support), 2) as tf.Tensor2D);
    const best = tf.argMax(qNext, 1);
    const mask = tf.expandDims(tf.cast(tf.oneHot(best, this.nActions), 'float32'), 2);
    const pBest = tf.sum(tf.mul(probsT, mask), 1) as tf.Tensor2D;
    return categoricalProjection(pBest, rT, mT, this.support as Float32Array);
  }

  // ------------------------------------------------------------------ checkpoints

  protected stateTensors(): Record<string, StateTensor> {
    const s = this.optimizer.getState();
    return {
      ...this.qNet.namedVariables(),
      ...this.qNetTarget.namedVariables(),
      'adam/m': { dtype: 'float32', shape: [s.m.length], data: s.m },
      'adam/v': { dtype: 'float32', shape: [s.v.length], data: s.v },
    };
  }

  protected loadStateTensors(tensors: Record<string, CheckpointTensor>): void {
    for (const net of [this.qNet, this.qNetTarget]) {
      const w: Record<string, tf.Tensor> = {};
      for (const n of net.weightNames) w[n] = checkpointTensorToTf(this.requireTensor(tensors, n));
      net.setWeights(w);
      tf.dispose(Object.values(w));
    }
    const m = this.requireTensor(tensors, 'adam/m');
    const v = this.requireTensor(tensors, 'adam/v');
    this.optimizerStateToRestore = { m: m.data as Float32Array, v: v.data as Float32Array };
  }

  protected override stateExtra(): Record<string, unknown> {
    return { adamStep: this.optimizer.stepCount, nCalls: this.nCalls, explorationRate: this.explorationRate };
  }

  protected override loadStateExtra(extra: Record<string, unknown>): void {
    const r = this.optimizerStateToRestore;
    if (r) {
      this.optimizer.setState({ step: Number(extra.adamStep ?? 0), m: r.m, v: r.v, sizes: this.variables.map((x) => x.size) });
      this.optimizerStateToRestore = undefined;
    }
    if (typeof extra.nCalls === 'number') this.nCalls = extra.nCalls;
    if (typeof extra.explorationRate === 'number') this.explorationRate = extra.explorationRate;
  }

  override dispose(): void {
    this.qNet.dispose();
    this.qNetTarget.dispose();
    this.optimizer.dispose();
    this.supportT?.dispose();
  }
}

export type RainbowOptions = DQNOptions;

/**
 * Rainbow (Hessel et al. 2018): DQN with double, dueling, prioritized (α 0.5, β 0.4 → 1), 3-step,
 * noisy (σ0 0.5, ε = 0) and C51 (51 atoms) on by default; every switch can still be turned off.
 */
export class Rainbow extends DQN {
  static override readonly algorithmName: string = 'Rainbow';
  static override readonly hyperparameterSchema: HyperparameterSchema = rainbowHyperparameters;
}
