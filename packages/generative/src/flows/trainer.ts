/**
 * Exact maximum-likelihood training of a normalizing flow with Adam, with a NaN guard:
 * a non-finite loss stops training with a {@link FlowNonFiniteError} that names the step, the
 * first layer whose output or log-determinant is non-finite on that batch, and the value; the
 * in-memory parameters (and optimizer state) are rolled back to the last step whose loss was
 * finite, and no checkpoint is written from a bad state, so the last one on disk stays good.
 */
import * as tf from '@tensorflow/tfjs';
import { Adam, computeGradients, type Logger, Rng, yieldToEventLoop } from '@tfrl/core';
import type { Bijector } from './bijector';
import { saveFlow } from './checkpoint';
import type { NormalizingFlow } from './flow';

/** Rows of training data, or a sampler drawing a fresh batch each step. */
export type FlowData = Float32Array | ((batchSize: number, rng: Rng) => Float32Array);

export interface FlowTrainerOptions {
  lr?: number;
  /** Clip the global gradient norm (default: no clipping). */
  maxGradNorm?: number;
  /** Seed or Rng for batch sampling (default seed 0). */
  seed?: number;
  rng?: Rng;
}

export interface TrainFlowOptions {
  steps: number;
  /** Default 256. */
  batchSize?: number;
  /** 'cosine' anneals the learning rate to `lrMin` (default 0) over `steps`; default 'constant'. */
  lrSchedule?: 'constant' | 'cosine';
  lrMin?: number;
  logger?: Logger;
  /** Log train/nll, train/log_det, train/log_prob every this many steps (default 100). */
  logEvery?: number;
  /** Held-out rows: eval/nll is logged every `evalEvery` steps (default logEvery·10) and at the end. */
  evalData?: Float32Array;
  evalEvery?: number;
  /** Write a checkpoint here every `checkpointEvery` steps (default 1000) and at the end. */
  checkpointDir?: string;
  checkpointEvery?: number;
  /** Keep an in-memory copy of the last good parameters every this many steps (default 1). */
  snapshotEvery?: number;
  /** Called after each update with the step number (updates so far) and the loss before it. */
  onStep?: (step: number, loss: number) => void | Promise<void>;
}

export interface TrainFlowResult {
  /** Updates applied by this call. */
  steps: number;
  /** Loss of every step (the batch NLL before the update). */
  losses: Float32Array;
  finalLoss: number;
  evalNll: number | undefined;
  wallTimeMs: number;
  stepsPerSecond: number;
}

/** Where and why a non-finite value stopped training. */
export class FlowNonFiniteError extends Error {
  constructor(
    message: string,
    readonly step: number,
    readonly value: number,
    readonly layer: string | undefined,
    readonly rolledBackToStep: number | undefined,
    readonly lastCheckpointStep: number | undefined,
  ) {
    super(message);
    this.name = 'FlowNonFiniteError';
  }
}

function firstNonFinite(a: ArrayLike<number>): number | undefined {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i] as number)) return a[i] as number;
  return undefined;
}

/** Finds the first layer (in the normalizing direction) whose output or log-det is non-finite on `x`. */
export function diagnoseNonFinite(flow: NormalizingFlow, x: tf.Tensor2D): { layer: string; what: string; value: number } | undefined {
  const inBad = firstNonFinite(x.dataSync());
  if (inBad !== undefined) return { layer: 'input batch', what: 'data', value: inBad };
  let h = x;
  try {
    for (let i = flow.layers.length - 1; i >= 0; i--) {
      const layer = flow.layers[i] as Bijector;
      for (const [name, v] of Object.entries(layer.variables)) {
        const bad = firstNonFinite(v.dataSync());
        if (bad !== undefined) return { layer: layer.name, what: `parameter ${name}`, value: bad };
      }
      const r = layer.inverse(h);
      if (h !== x) h.dispose();
      h = r.x;
      const ldBad = firstNonFinite(r.logDet.dataSync());
      r.logDet.dispose();
      if (ldBad !== undefined) return { layer: layer.name, what: 'log-determinant', value: ldBad };
      const outBad = firstNonFinite(h.dataSync());
      if (outBad !== undefined) return { layer: layer.name, what: 'output', value: outBad };
    }
    const lp = flow.base.logProb(h);
    const lpBad = firstNonFinite(lp.dataSync());
    lp.dispose();
    if (lpBad !== undefined) return { layer: 'base', what: 'log-probability', value: lpBad };
    return undefined;
  } finally {
    if (h !== x) h.dispose();
  }
}

function checkInt(field: string, v: unknown, min: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min)
    throw new RangeError(`${field} must be an integer >= ${min}, got ${JSON.stringify(v)}`);
  return v;
}

/** Trains a flow by exact log-likelihood with the flat {@link Adam}. */
export class FlowTrainer {
  readonly flow: NormalizingFlow;
  readonly optimizer: Adam;
  readonly rng: Rng;
  readonly baseLr: number;
  /** Updates applied so far (across `train` calls). */
  step = 0;
  lastCheckpointStep: number | undefined;
  private snapshot: { step: number; weights: Record<string, tf.Tensor>; adam: ReturnType<Adam['getState']> } | undefined;

  constructor(flow: NormalizingFlow, options: FlowTrainerOptions = {}) {
    this.flow = flow;
    this.baseLr = options.lr ?? 1e-3;
    if (!(this.baseLr > 0) || !Number.isFinite(this.baseLr))
      throw new RangeError(`FlowTrainer: lr must be a positive number, got ${options.lr}`);
    this.rng = options.rng ?? new Rng(options.seed ?? 0);
    this.optimizer = new Adam(flow.trainableVariables, { lr: this.baseLr, maxGradNorm: options.maxGradNorm });
  }

  private sampleBatch(data: FlowData, batchSize: number): Float32Array {
    const d = this.flow.dim;
    if (typeof data === 'function') {
      const b = data(batchSize, this.rng);
      if (b.length !== batchSize * d)
        throw new RangeError(`FlowTrainer: the data sampler returned ${b.length} values, expected ${batchSize}x${d}`);
      return b;
    }
    const n = data.length / d;
    const out = new Float32Array(batchSize * d);
    for (let i = 0; i < batchSize; i++) {
      const r = this.rng.integers(0, n);
      for (let j = 0; j < d; j++) out[i * d + j] = data[r * d + j] as number;
    }
    return out;
  }

  private takeSnapshot(): void {
    if (this.snapshot) for (const t of Object.values(this.snapshot.weights)) t.dispose();
    this.snapshot = { step: this.step, weights: this.flow.getWeights(), adam: this.optimizer.getState() };
  }

  /** Restores the last good in-memory snapshot; returns its step (or undefined if none). */
  private rollback(): number | undefined {
    if (!this.snapshot) return undefined;
    this.flow.setWeights(this.snapshot.weights);
    this.optimizer.setState(this.snapshot.adam);
    this.step = this.snapshot.step;
    return this.step;
  }

  async save(dir: string, training: Record<string, unknown> = {}): Promise<void> {
    await saveFlow(dir, this.flow, { optimizer: this.optimizer, step: this.step, rngState: this.rng.getState(), training });
    this.lastCheckpointStep = this.step;
  }

  async train(data: FlowData, options: TrainFlowOptions): Promise<TrainFlowResult> {
    const d = this.flow.dim;
    if (typeof data !== 'function') {
      if (!(data instanceof Float32Array) || data.length < d || data.length % d !== 0) {
        throw new RangeError(`FlowTrainer.train: data must be a Float32Array of rows with ${d} values each (got ${data?.length} values)`);
      }
    }
    const steps = checkInt('FlowTrainer.train: steps', options.steps, 1);
    const batchSize = checkInt('FlowTrainer.train: batchSize', options.batchSize ?? 256, 2);
    const logEvery = checkInt('FlowTrainer.train: logEvery', options.logEvery ?? 100, 1);
    const evalEvery = checkInt('FlowTrainer.train: evalEvery', options.evalEvery ?? logEvery * 10, 1);
    const ckptEvery = checkInt('FlowTrainer.train: checkpointEvery', options.checkpointEvery ?? 1000, 1);
    const snapEvery = checkInt('FlowTrainer.train: snapshotEvery', options.snapshotEvery ?? 1, 1);
    const schedule = options.lrSchedule ?? 'constant';
    if (schedule !== 'constant' && schedule !== 'cosine')
      throw new RangeError(`FlowTrainer.train: lrSchedule must be 'constant' or 'cosine', got ${JSON.stringify(schedule)}`);
    const lrMin = options.lrMin ?? 0;
    const { logger, evalData, checkpointDir } = options;
    const training = { steps, batchSize, lr: this.baseLr, lrSchedule: schedule, lrMin };
    const vars = this.flow.trainableVariables;
    const losses = new Float32Array(steps);
    const t0 = performance.now();
    const startStep = this.step;

    if (this.flow.needsDataInit) {
      const first = tf.tensor2d(this.sampleBatch(data, batchSize), [batchSize, d]);
      try {
        this.flow.initialize(first);
      } finally {
        first.dispose();
      }
    }

    for (let i = 0; i < steps; i++) {
      if (schedule === 'cosine') this.optimizer.lr = lrMin + 0.5 * (this.baseLr - lrMin) * (1 + Math.cos((Math.PI * i) / steps));
      const xb = tf.tensor2d(this.sampleBatch(data, batchSize), [batchSize, d]);
      const { loss, grads } = computeGradients(() => this.flow.trainingLoss(xb), vars);
      const lossValue = loss as number;
      if (!Number.isFinite(lossValue)) {
        for (const g of grads) g.dispose();
        const where = this.step + 1;
        const diag = diagnoseNonFinite(this.flow, xb);
        xb.dispose();
        const rolled = this.rollback();
        const layerText = diag ? `; first non-finite: ${diag.what} of layer ${diag.layer} = ${diag.value}` : '';
        const rollText = rolled === undefined ? 'no good snapshot to roll back to' : `parameters rolled back to step ${rolled}`;
        const ckptText =
          this.lastCheckpointStep === undefined
            ? 'no checkpoint written'
            : `last good checkpoint ${checkpointDir} (step ${this.lastCheckpointStep}) kept`;
        throw new FlowNonFiniteError(
          `FlowTrainer: loss is ${lossValue} at step ${where}${layerText}; training stopped, ${rollText}, ${ckptText}`,
          where,
          lossValue,
          diag?.layer,
          rolled,
          this.lastCheckpointStep,
        );
      }
      losses[i] = lossValue;
      // The parameters that gave this finite loss are "good": snapshot / checkpoint them before updating.
      if (this.step % snapEvery === 0) this.takeSnapshot();
      if (checkpointDir && this.step > startStep && this.step % ckptEvery === 0 && this.lastCheckpointStep !== this.step) {
        await this.save(checkpointDir, training);
      }
      this.optimizer.step(grads);
      for (const g of grads) g.dispose();
      this.step += 1;
      if (logger && this.step % logEvery === 0) {
        const parts = tf.tidy(() => {
          const { x: z, logDet } = this.flow.inverse(xb);
          return tf.stack([tf.mean(logDet), tf.mean(this.flow.base.logProb(z))]);
        });
        const [ld, lp] = parts.dataSync();
        parts.dispose();
        logger.scalar('train/nll', lossValue, this.step);
        logger.scalar('train/log_det', ld as number, this.step);
        logger.scalar('train/log_prob', lp as number, this.step);
        logger.scalar('train/lr', this.optimizer.lr, this.step);
      }
      xb.dispose();
      if (logger && evalData && this.step % evalEvery === 0) logger.scalar('eval/nll', this.flow.evaluateNll(evalData), this.step);
      // One reporting period (a CSV row, a console table) per logging interval.
      if (logger && this.step % logEvery === 0) logger.dump?.(this.step);
      if (options.onStep) await options.onStep(this.step, lossValue);
      if (i % 200 === 199) await yieldToEventLoop();
    }

    let evalNll: number | undefined;
    if (evalData) {
      evalNll = this.flow.evaluateNll(evalData);
      logger?.scalar('eval/nll', evalNll, this.step);
      logger?.dump?.(this.step);
    }
    if (checkpointDir) {
      // Only a state whose loss is finite is written.
      const check = tf.tensor2d(this.sampleBatch(data, batchSize), [batchSize, d]);
      const l = this.flow.nll(check);
      const v = l.dataSync()[0] as number;
      l.dispose();
      if (!Number.isFinite(v)) {
        const diag = diagnoseNonFinite(this.flow, check);
        check.dispose();
        const rolled = this.rollback();
        throw new FlowNonFiniteError(
          `FlowTrainer: loss is ${v} after the last step ${this.step}${diag ? `; first non-finite: ${diag.what} of layer ${diag.layer} = ${diag.value}` : ''}; final checkpoint not written, parameters rolled back to step ${rolled}`,
          this.step,
          v,
          diag?.layer,
          rolled,
          this.lastCheckpointStep,
        );
      }
      check.dispose();
      await this.save(checkpointDir, training);
    }
    await logger?.flush();
    const wallTimeMs = performance.now() - t0;
    return {
      steps,
      losses,
      finalLoss: losses[steps - 1] as number,
      evalNll,
      wallTimeMs,
      stepsPerSecond: steps / (wallTimeMs / 1000),
    };
  }

  dispose(): void {
    if (this.snapshot) for (const t of Object.values(this.snapshot.weights)) t.dispose();
    this.snapshot = undefined;
    this.optimizer.dispose();
  }
}

/** One-call training: `new FlowTrainer(flow, {lr, seed, maxGradNorm}).train(data, options)`, optimizer disposed after. */
export async function trainFlow(
  flow: NormalizingFlow,
  data: FlowData,
  options: TrainFlowOptions & FlowTrainerOptions,
): Promise<TrainFlowResult> {
  const trainer = new FlowTrainer(flow, options);
  try {
    return await trainer.train(data, options);
  } finally {
    trainer.dispose();
  }
}
