import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Algorithm, type AlgorithmOptions, type NetworkState, type TrainLoopInfo } from './algorithm';
import {
  BaseCallback,
  type CallbackContext,
  CheckpointCallback,
  EvalCallback,
  ProgressCallback,
  StopTrainingOnMaxEpisodes,
  WeightHistogramCallback,
} from './callbacks';
import { MemoryCheckpoint, canonicalJson, loadCheckpoint } from './checkpoint';
import { BaseEnv, type ResetResult, type RgbFrame, type StepResult } from './env';
import { evaluatePolicy } from './evaluation';
import { type HyperparameterInput, type ResolvedHyperparameters, defineHyperparameters } from './hyperparams';
import { MemoryLogger } from './logging';
import { getAlgorithm, listAlgorithms, loadAgent, registerAlgorithm, unregisterAlgorithm } from './registry';
import { Box, Discrete } from './spaces';
import { SyncVecEnv } from './vec-env';
import { expectNoTensorLeak } from './testing';

/** A deterministic 2-armed bandit: arm 0 pays 0.2, arm 1 pays 1; episodes are 4 steps (truncated). */
class Bandit extends BaseEnv<Float32Array, number> {
  readonly observationSpace = new Box({ low: 0, high: 1, shape: [1] });
  readonly actionSpace: Discrete;
  private t = 0;
  constructor(nArms = 2) {
    super();
    this.actionSpace = new Discrete(nArms);
  }
  protected _reset(): ResetResult<Float32Array> {
    this.t = 0;
    return { obs: Float32Array.of(0), info: {} };
  }
  protected _step(action: number): StepResult<Float32Array> {
    this.t++;
    return { obs: Float32Array.of(this.t / 4), reward: action === 1 ? 1 : 0.2, terminated: false, truncated: this.t >= 4, info: {} };
  }
  render(): RgbFrame {
    return { width: 1, height: 1, data: new Uint8Array(3) };
  }
}

const schema = defineHyperparameters({
  learningRate: { type: 'schedule', default: 0.5, exclusiveMin: 0, doc: 'step size of the value update' },
  epsilon: { type: 'number', default: 0.3, min: 0, max: 1, doc: 'exploration rate' },
  nSteps: { type: 'integer', default: 4, min: 1, doc: 'steps per update' },
});

/** ε-greedy action-value learner: one tf.Variable `q`, an int32 visit count kept as raw data. */
class BanditLearner extends Algorithm<ResolvedHyperparameters<typeof schema>> {
  static override readonly algorithmName: string = 'Bandit';
  static override readonly hyperparameterSchema = schema;
  q: tf.Variable;
  counts: Int32Array;
  lastObs: Float32Array | null = null;
  breakSave = false;
  learningRates: number[] = [];

  constructor(options: AlgorithmOptions & HyperparameterInput<typeof schema>) {
    super(options);
    const nArms = (this.actionSpace as Discrete).n;
    // Random init from the algorithm's RNG, so restoring tensors and RNG both matter.
    this.q = tf.variable(tf.tensor1d(Array.from({ length: nArms }, () => this.rng.uniform(-0.01, 0.01))));
    this.counts = new Int32Array(nArms);
  }

  private act(deterministic: boolean): number {
    const q = this.q.dataSync();
    if (!deterministic && this.rng.random() < this.hyperparameters.epsilon) return this.rng.integers(q.length);
    let best = 0;
    for (let i = 1; i < q.length; i++) if ((q[i] as number) > (q[best] as number)) best = i;
    return best;
  }

  protected predictRows(obs: Float32Array, deterministic: boolean): Int32Array {
    const out = new Int32Array(obs.length);
    for (let i = 0; i < obs.length; i++) out[i] = this.act(deterministic);
    return out;
  }

  protected async trainLoop(total: number, callback: BaseCallback, info: TrainLoopInfo): Promise<void> {
    const env = this.env as Bandit;
    let epRet = 0;
    let epLen = 0;
    if (info.resetNumTimesteps || this.lastObs === null) this.lastObs = env.reset().obs;
    let iteration = 0;
    while (this.numTimesteps < total) {
      await callback.rolloutStart(this.callbackContext());
      const actions: number[] = [];
      const rewards: number[] = [];
      for (let k = 0; k < this.hyperparameters.nSteps && this.numTimesteps < total; k++) {
        const a = this.act(false);
        const r = env.step(a);
        actions.push(a);
        rewards.push(r.reward);
        this.numTimesteps++;
        epRet += r.reward;
        epLen++;
        this.lastObs = r.obs;
        if (r.terminated || r.truncated) {
          this.recordEpisode(epRet, epLen);
          epRet = 0;
          epLen = 0;
          this.lastObs = env.reset().obs;
        }
        if (!(await callback.step(this.callbackContext({ reward: r.reward })))) return;
      }
      await callback.rolloutEnd(this.callbackContext());
      this.updateProgressRemaining();
      const lr = this.scheduleValue('learningRate');
      this.learningRates.push(lr);
      const nArms = this.counts.length;
      const newQ = tf.tidy(() => {
        const oneHot = tf.oneHot(tf.tensor1d(actions, 'int32'), nArms).toFloat();
        const target = tf.tensor1d(rewards).expandDims(1);
        const err = target.sub(this.q.expandDims(0)).mul(oneHot);
        return this.q.add(err.sum(0).mul(lr / actions.length));
      });
      this.q.assign(newQ);
      newQ.dispose();
      for (const a of actions) this.counts[a] = (this.counts[a] as number) + 1;
      this.numUpdates++;
      iteration++;
      if (this.shouldLog(iteration)) this.logTrainingStats({ 'train/q1': this.q.dataSync()[1] as number });
    }
  }

  protected override networks(): Record<string, NetworkState> {
    if (this.breakSave) return { q: this.q, counts: { dtype: 'int32', shape: [3], data: this.counts } };
    return { q: this.q, counts: { dtype: 'int32', shape: [this.counts.length], data: this.counts } };
  }

  protected override extraState(): Record<string, unknown> {
    return { lastObsKnown: this.lastObs !== null };
  }

  extraLoaded: Record<string, unknown> | null = null;
  protected override loadExtraState(extra: Record<string, unknown>): void {
    this.extraLoaded = extra;
  }

  override dispose(): void {
    this.q.dispose();
  }

  // Exposed for the unit test of the episode window.
  pushInfos(infos: Array<Record<string, unknown>>): void {
    this.recordEpisodeInfos(infos);
  }
}

class OtherLearner extends BanditLearner {
  static override readonly algorithmName = 'Other';
}

let root: string;
const agents: Algorithm<any>[] = [];
function track<T extends Algorithm<any>>(a: T): T {
  agents.push(a);
  return a;
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});
beforeEach(async () => {
  root = await fsp.mkdtemp(path.join(os.tmpdir(), 'tfrl-algo-'));
});
afterEach(async () => {
  for (const a of agents.splice(0)) a.dispose();
  await fsp.rm(root, { recursive: true, force: true });
});
afterAll(() => {
  unregisterAlgorithm('bandit');
});

function qOf(a: BanditLearner): number[] {
  return Array.from(a.q.dataSync());
}

describe('Algorithm', () => {
  it('validates hyperparameters in the constructor, naming the algorithm and field', () => {
    expect(() => new BanditLearner({ env: new Bandit(), lerningRate: 0.1 } as AlgorithmOptions)).toThrow(
      /^Bandit: unknown hyperparameter "lerningRate" \(did you mean "learningRate"\? valid: learningRate, epsilon, nSteps\)/,
    );
    expect(() => new BanditLearner({ env: new Bandit(), epsilon: 2 })).toThrow(
      'Bandit: hyperparameter "epsilon" must be a finite number >= 0 and <= 1, got 2',
    );
    const a = track(new BanditLearner({ env: () => new Bandit(), n_steps: 8, seed: 3 }));
    expect(a.hyperparameters).toEqual({ learningRate: 0.5, epsilon: 0.3, nSteps: 8 });
    expect(a.seed).toBe(3);
    expect(() => new BanditLearner({ env: 'Bandit-v0' })).toThrow(/env "Bandit-v0" given by id but no env registry is loaded/);
  });

  it('learn → save → load → learn equals one uninterrupted run (tensors, RNG, counters)', async () => {
    const full = track(new BanditLearner({ env: new Bandit(), seed: 7 }));
    await full.learn({ totalTimesteps: 40 });

    const first = track(new BanditLearner({ env: new Bandit(), seed: 7 }));
    await first.learn({ totalTimesteps: 20 });
    const dir = path.join(root, 'half');
    await first.save(dir);
    const resumed = track(await BanditLearner.load(dir, { env: new Bandit() }));
    expect(resumed).toBeInstanceOf(BanditLearner);
    expect(resumed.numTimesteps).toBe(20);
    expect(resumed.numUpdates).toBe(5);
    expect(resumed.numEpisodes).toBe(5);
    expect(resumed.epInfoBuffer).toEqual(first.epInfoBuffer);
    expect(resumed.rng.getState()).toEqual(first.rng.getState());
    expect(qOf(resumed)).toEqual(qOf(first));
    expect(resumed.extraLoaded).toEqual({ lastObsKnown: true });
    await resumed.learn({ totalTimesteps: 20, resetNumTimesteps: false });

    expect(resumed.numTimesteps).toBe(40);
    expect(resumed.numUpdates).toBe(full.numUpdates);
    expect(resumed.numEpisodes).toBe(full.numEpisodes);
    expect(qOf(resumed)).toEqual(qOf(full));
    expect(Array.from(resumed.counts)).toEqual(Array.from(full.counts));
    expect(resumed.rng.getState()).toEqual(full.rng.getState());
    expect(resumed.epInfoBuffer).toEqual(full.epInfoBuffer);
    // It learned something: arm 1 is preferred.
    expect(qOf(full)[1] as number).toBeGreaterThan(qOf(full)[0] as number);

    // Control: the same two phases without restoring the RNG diverge, so the test has teeth.
    const noRng = track(await BanditLearner.load(dir, { env: new Bandit() }));
    noRng.rng.setState({ algorithm: 'xoshiro128**', s: [1, 2, 3, 4] });
    await noRng.learn({ totalTimesteps: 20, resetNumTimesteps: false });
    expect(Array.from(noRng.counts)).not.toEqual(Array.from(full.counts));
  });

  it('saves to and loads from a MemoryCheckpoint and its archive, the same bytes as a directory', async () => {
    const a = track(new BanditLearner({ env: new Bandit(), seed: 7 }));
    await a.learn({ totalTimesteps: 20 });
    const mem = new MemoryCheckpoint('bandit-memory');
    await a.save(mem);
    const fromMemory = track(await BanditLearner.load(mem, { env: new Bandit() }));
    expect(qOf(fromMemory)).toEqual(qOf(a));
    expect(fromMemory.rng.getState()).toEqual(a.rng.getState());
    const archive = MemoryCheckpoint.fromArchive(mem.toArchive().buffer as ArrayBuffer, 'upload.tar');
    const fromArchive = track(await BanditLearner.load(archive, { env: new Bandit() }));
    expect(fromArchive.numTimesteps).toBe(20);
    expect(Array.from(fromArchive.counts)).toEqual(Array.from(a.counts));
    // The archive's files are a checkpoint directory's files.
    const dir = path.join(root, 'from-memory');
    await fsp.mkdir(dir);
    for (const [name, bytes] of Object.entries(mem.files ?? {})) await fsp.writeFile(path.join(dir, name), bytes);
    expect(qOf(track(await BanditLearner.load(dir, { env: new Bandit() })))).toEqual(qOf(a));
    await expect(BanditLearner.load(new MemoryCheckpoint('empty'), { env: new Bandit() })).rejects.toThrow(
      'checkpoint empty: nothing has been saved here yet',
    );
    await expect(OtherLearner.load(mem, { env: new Bandit() })).rejects.toThrow(/^checkpoint bandit-memory: was written by Bandit/);
  });

  it('resetNumTimesteps (default) restarts counters; false continues them', async () => {
    const a = track(new BanditLearner({ env: new Bandit(), seed: 1 }));
    await a.learn({ totalTimesteps: 8 });
    await a.learn({ totalTimesteps: 8, resetNumTimesteps: false });
    expect(a.numTimesteps).toBe(16);
    expect(a.totalTimesteps).toBe(16);
    await a.learn({ totalTimesteps: 8 });
    expect(a.numTimesteps).toBe(8);
    expect(a.numUpdates).toBe(6);
    await expect(a.learn({ totalTimesteps: -1 })).rejects.toThrow(/totalTimesteps must be a non-negative integer, got -1/);
    const p = a.learn({ totalTimesteps: 8 });
    await expect(a.learn({ totalTimesteps: 8 })).rejects.toThrow(/Bandit\.learn: already learning/);
    await p;
    expect(a.numTimesteps).toBe(8);
  });

  it('schedules follow progressRemaining over totalTimesteps', async () => {
    const a = track(new BanditLearner({ env: new Bandit(), seed: 1, learning_rate: 'lin_0.8' }));
    await a.learn({ totalTimesteps: 16 });
    expect(a.learningRates.map((x) => +x.toFixed(6))).toEqual([0.6, 0.4, 0.2, 0]);
  });

  it('refuses a checkpoint of another algorithm, a mismatched env, a missing dir', async () => {
    const a = track(new BanditLearner({ env: new Bandit(), seed: 2 }));
    const dir = path.join(root, 'm');
    await a.save(dir);
    await expect(OtherLearner.load(dir, { env: new Bandit() })).rejects.toThrow(
      `checkpoint ${dir}: was written by Bandit, cannot load it as Other (use Bandit.load or loadAgent)`,
    );
    await expect(BanditLearner.load(dir, { env: new Bandit(3) })).rejects.toThrow(
      /saved action space .* does not match the env's Discrete\(3\)/,
    );
    await expect(BanditLearner.load(path.join(root, 'none'), { env: new Bandit() })).rejects.toThrow(/directory not found/);
  });

  it('a manifest whose checksum passes but lacks a field is refused, naming the field and the file', async () => {
    const a = track(new BanditLearner({ env: new Bandit(), seed: 2 }));
    const dir = path.join(root, 'fields');
    await a.save(dir);
    const file = path.join(dir, 'manifest.json');
    const original = JSON.parse(await fsp.readFile(file, 'utf8'));
    const { createHash } = await import('node:crypto');
    // A field set to undefined is left out of the JSON written.
    const cases: Array<[(m: Record<string, any>) => void, RegExp]> = [
      [
        (m) => {
          m.hyperparameters = undefined;
        },
        /manifest\.json has no "hyperparameters" object/,
      ],
      [
        (m) => {
          m.observationSpace = undefined;
        },
        /manifest\.json has no "observationSpace"/,
      ],
      [
        (m) => {
          m.actionSpace = undefined;
        },
        /manifest\.json has no "actionSpace"/,
      ],
      [
        (m) => {
          m.rngState = undefined;
        },
        /manifest\.json has no valid "rngState"/,
      ],
      [
        (m) => {
          m.counters.numTimesteps = undefined;
        },
        /manifest\.json has no valid "counters\.numTimesteps"/,
      ],
      [
        (m) => {
          m.counters = undefined;
        },
        /manifest\.json has no valid "counters\.numTimesteps"/,
      ],
    ];
    for (const [edit, message] of cases) {
      const { manifestSha256: _old, ...body } = structuredClone(original);
      edit(body);
      const manifestSha256 = createHash('sha256').update(canonicalJson(body)).digest('hex');
      await fsp.writeFile(file, JSON.stringify({ ...body, manifestSha256 }));
      const err = await BanditLearner.load(dir, { env: new Bandit() }).then(
        () => null,
        (e: Error) => e,
      );
      expect(err?.message).toMatch(message);
      expect(err?.message).toContain(dir);
    }
  });

  it('restores saved hyperparameters; overrides win; functions must be re-supplied', async () => {
    const a = track(new BanditLearner({ env: new Bandit(), seed: 2, epsilon: 0.1, learningRate: 'lin_0.3' }));
    const dir = path.join(root, 'm');
    await a.save(dir);
    const b = track(await BanditLearner.load(dir, { env: new Bandit() }));
    expect(b.hyperparameters).toEqual({ learningRate: 'lin_0.3', epsilon: 0.1, nSteps: 4 });
    expect(b.seed).toBe(2);
    const c = track(await BanditLearner.load(dir, { env: new Bandit(), hyperparameters: { epsilon: 0 } }));
    expect(c.hyperparameters.epsilon).toBe(0);

    const f = track(new BanditLearner({ env: new Bandit(), learningRate: (p: number) => 0.1 * p }));
    const dirF = path.join(root, 'f');
    await f.save(dirF);
    await expect(BanditLearner.load(dirF, { env: new Bandit() })).rejects.toThrow(
      /hyperparameter "learningRate" was a function and was not saved; pass it again/,
    );
    const g = track(await BanditLearner.load(dirF, { env: new Bandit(), hyperparameters: { learningRate: 0.2 } }));
    expect(g.hyperparameters.learningRate).toBe(0.2);
  });

  it('a failed save leaves the previous checkpoint loadable', async () => {
    const a = track(new BanditLearner({ env: new Bandit(), seed: 4 }));
    await a.learn({ totalTimesteps: 8 });
    const dir = path.join(root, 'model');
    await a.save(dir);
    const q8 = qOf(a);
    await a.learn({ totalTimesteps: 8, resetNumTimesteps: false });
    a.breakSave = true;
    await expect(a.save(dir)).rejects.toThrow(/tensor "counts" has shape \[3\] \(3 values\) but 2 values/);
    const b = track(await BanditLearner.load(dir, { env: new Bandit() }));
    expect(b.numTimesteps).toBe(8);
    expect(qOf(b)).toEqual(q8);
  });

  it('logs rollout/ep_rew_mean, rollout/ep_len_mean, time/fps every logInterval iterations', async () => {
    const logger = new MemoryLogger();
    const a = track(new BanditLearner({ env: new Bandit(), seed: 5 }));
    await a.learn({ totalTimesteps: 32, logger, logInterval: 2 });
    expect(logger.scalars('rollout/ep_len_mean')).toEqual([
      [8, 4],
      [16, 4],
      [24, 4],
      [32, 4],
    ]);
    const rew = logger.lastScalar('rollout/ep_rew_mean') as number;
    expect(rew).toBeCloseTo(a.epInfoBuffer.reduce((s, e) => s + e.r, 0) / a.epInfoBuffer.length);
    expect(logger.scalars('time/fps')).toHaveLength(4);
    expect(logger.scalars('train/q1')).toHaveLength(4);
    expect(logger.dumps).toEqual([8, 16, 24, 32]);
  });

  it('accepts a VecEnv and reports its single-env spaces', async () => {
    const vec = new SyncVecEnv([() => new Bandit(), () => new Bandit()]);
    const a = track(new BanditLearner({ env: vec, seed: 1 }));
    expect(a.isVecEnv).toBe(true);
    expect(a.numEnvs).toBe(2);
    expect(String(a.actionSpace)).toBe('Discrete(2)');
    const dir = path.join(root, 'vec');
    await a.save(dir);
    const m = (await loadCheckpoint(dir)).manifest;
    expect(m.actionSpace).toEqual(new Discrete(2).toJSON());
    expect(m.observationSpace).toEqual(new Bandit().observationSpace.toJSON());
  });

  it('keeps a rolling window of the last 100 episodes from VecEnv infos', () => {
    const a = track(new BanditLearner({ env: new Bandit(), seed: 5 }));
    for (let i = 0; i < 150; i++) a.pushInfos([{ episode: { r: i, l: 1 } }, {}, { other: 1 }]);
    expect(a.numEpisodes).toBe(150);
    expect(a.epInfoBuffer).toHaveLength(100);
    expect(a.epInfoBuffer[0]).toEqual({ r: 50, l: 1 });
    expect(a.epRewardMean()).toBeCloseTo(99.5);
  });

  it('does not leak tensors across learn and save', async () => {
    const a = track(new BanditLearner({ env: new Bandit(), seed: 5 }));
    const dir = path.join(root, 'leak');
    await expectNoTensorLeak(async () => {
      await a.learn({ totalTimesteps: 8, resetNumTimesteps: false });
      await a.save(dir);
    });
  });
});

describe('callbacks', () => {
  it('runs the lifecycle hooks in order; onStep false stops training', async () => {
    const events: string[] = [];
    class Recorder extends BaseCallback {
      override onTrainingStart(ctx: CallbackContext) {
        events.push(`start@${ctx.numTimesteps}`);
      }
      override onRolloutStart() {
        events.push('rs');
      }
      override onStep(ctx: CallbackContext) {
        events.push(`step@${ctx.numTimesteps}:${ctx.locals?.reward}`);
        return ctx.numTimesteps < 6;
      }
      override async onRolloutEnd() {
        events.push('re');
      }
      override onTrainingEnd(ctx: CallbackContext) {
        events.push(`end@${ctx.numTimesteps}`);
      }
    }
    const cb = new Recorder();
    const a = track(new BanditLearner({ env: new Bandit(), seed: 1, epsilon: 0 }));
    a.q.assign(tf.tensor1d([0, 0.01]));
    await a.learn({ totalTimesteps: 100, callbacks: [cb] });
    expect(a.numTimesteps).toBe(6);
    expect(cb.nCalls).toBe(6);
    expect(cb.algorithm).toBe(a);
    expect(events).toEqual(['start@0', 'rs', 'step@1:1', 'step@2:1', 'step@3:1', 'step@4:1', 're', 'rs', 'step@5:1', 'step@6:1', 'end@6']);
  });

  it('getParameters copies the float weights; WeightHistogramCallback logs them at rollout starts, every freq steps', async () => {
    const log = new MemoryLogger();
    const a = track(new BanditLearner({ env: new Bandit(), seed: 3, logger: log }));
    a.q.assign(tf.tensor1d([0.5, -0.25]));
    const params = a.getParameters();
    expect(Object.keys(params)).toEqual(['q']); // the int32 counts are not weights
    expect(Array.from(params.q as Float32Array)).toEqual([0.5, -0.25]);
    const cb = new WeightHistogramCallback({ freq: 8 });
    await a.learn({ totalTimesteps: 24, callbacks: cb });
    const steps = log.records.filter((r) => r.kind === 'histogram' && r.tag === 'weights/q').map((r) => r.step);
    // Once at the start, then at the first rollout start after steps 8 and 16 (rollouts of nSteps = 4).
    expect(steps).toEqual([0, 8, 16]);
    expect(() => new WeightHistogramCallback({ freq: 0 })).toThrow(/freq must be a positive integer, got 0/);
  });

  it('CheckpointCallback writes <saveDir>/<prefix>_<steps>_steps; a corrupted one is refused, the previous loads', async () => {
    const saveDir = path.join(root, 'ckpts');
    const cb = new CheckpointCallback({ saveFreq: 8, saveDir, namePrefix: 'bandit' });
    const a = track(new BanditLearner({ env: new Bandit(), seed: 9 }));
    await a.learn({ totalTimesteps: 24, callbacks: cb });
    expect((await fsp.readdir(saveDir)).sort()).toEqual(['bandit_16_steps', 'bandit_24_steps', 'bandit_8_steps']);
    expect(cb.saved).toEqual([8, 16, 24].map((s) => path.join(saveDir, `bandit_${s}_steps`)));
    const m = (await loadCheckpoint(path.join(saveDir, 'bandit_16_steps'))).manifest;
    expect(m.counters.numTimesteps).toBe(16);
    expect(m.algorithm).toBe('Bandit');

    const latest = path.join(saveDir, 'bandit_24_steps', 'weights.bin');
    const raw = await fsp.readFile(latest);
    raw[0] = (raw[0] as number) ^ 0x40;
    await fsp.writeFile(latest, raw);
    await expect(BanditLearner.load(path.join(saveDir, 'bandit_24_steps'), { env: new Bandit() })).rejects.toThrow(
      /bandit_24_steps: weights\.bin SHA-256 mismatch/,
    );
    const prev = track(await BanditLearner.load(path.join(saveDir, 'bandit_16_steps'), { env: new Bandit() }));
    expect(prev.numTimesteps).toBe(16);
  });

  it('EvalCallback logs, saves the best model and stops at the reward threshold', async () => {
    const logger = new MemoryLogger();
    const best = path.join(root, 'best');
    const evals: number[] = [];
    const cb = new EvalCallback({
      evalEnv: new Bandit(),
      evalFreq: 8,
      nEvalEpisodes: 2,
      rewardThreshold: 3.5,
      bestModelSavePath: best,
      onEvaluation: (r) => evals.push(r.meanReward),
    });
    // q starts near 0 with arm 0 possibly ahead: force it so the first evaluation is bad.
    const a = track(new BanditLearner({ env: new Bandit(), seed: 11, learningRate: 0.05 }));
    a.q.assign(tf.tensor1d([0.01, 0]));
    await a.learn({ totalTimesteps: 10_000, callbacks: [cb], logger });
    expect(a.numTimesteps).toBeLessThan(10_000);
    expect(a.numTimesteps % 8).toBe(0);
    expect(evals[0]).toBeCloseTo(0.8);
    expect(evals.at(-1)).toBeCloseTo(4);
    expect(evals.slice(0, -1).every((r) => r < 3.5)).toBe(true);
    expect(cb.bestMeanReward).toBeCloseTo(4);
    expect(logger.scalars('eval/mean_reward').map(([s]) => s)).toEqual(cb.evaluationsTimesteps);
    expect(logger.lastScalar('eval/mean_ep_length')).toBe(4);
    const saved = track(await BanditLearner.load(path.join(best, 'best_model'), { env: new Bandit() }));
    expect(saved.numTimesteps).toBe(a.numTimesteps);
    expect(evaluatePolicy(saved, new Bandit(), { nEpisodes: 1 }).meanReward).toBeCloseTo(4);
  });

  it('StopTrainingOnMaxEpisodes and ProgressCallback', async () => {
    const lines: string[] = [];
    const a = track(new BanditLearner({ env: new Bandit(), seed: 1 }));
    await a.learn({
      totalTimesteps: 1000,
      callbacks: [new StopTrainingOnMaxEpisodes(3), new ProgressCallback({ write: (l) => lines.push(l), intervalMs: 1e9 })],
    });
    expect(a.numEpisodes).toBe(3);
    expect(a.numTimesteps).toBe(12);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^12\/1000 \(1\.2%\) fps=\d+ ep_rew_mean=/);
  });
});

describe('evaluatePolicy', () => {
  it('runs whole episodes and reports mean/std/lengths', () => {
    let i = 0;
    const res = evaluatePolicy(() => Int32Array.of(i++ % 2), new Bandit(), { nEpisodes: 3, seed: 1 });
    expect(res.episodeLengths).toEqual([4, 4, 4]);
    expect(res.episodeRewards.map((r) => +r.toFixed(6))).toEqual([2.4, 2.4, 2.4]);
    expect(res.stdReward).toBeCloseTo(0);
    const frames: number[] = [];
    const r2 = evaluatePolicy((_o, { deterministic }) => (deterministic ? 1 : 0), new Bandit(), {
      nEpisodes: 2,
      render: (_f, ep, step) => frames.push(ep * 10 + step),
    });
    expect(r2.meanReward).toBe(4);
    expect(frames).toEqual([1, 2, 3, 4, 11, 12, 13, 14]);
    expect(() => evaluatePolicy(() => 0, new Bandit(), { nEpisodes: 0 })).toThrow(/nEpisodes must be a positive integer/);
  });
});

describe('registry', () => {
  it('registers, lists, finds and dispatches loadAgent', async () => {
    registerAlgorithm({
      name: 'bandit',
      family: '@tfrl/test',
      ctor: BanditLearner,
      description: 'test learner',
      defaults: { 'Bandit-v0': { epsilon: 0.1 } },
    });
    registerAlgorithm({ name: 'bandit', family: '@tfrl/test', ctor: BanditLearner, description: 'again' });
    expect(() => registerAlgorithm({ name: 'bandit', family: '@x/y', ctor: OtherLearner, description: '' })).toThrow(
      /"bandit" is already registered by @tfrl\/test/,
    );
    expect(getAlgorithm('BANDIT').ctor).toBe(BanditLearner);
    expect(getAlgorithm('Bandit').family).toBe('@tfrl/test');
    expect(listAlgorithms().map((r) => r.name)).toContain('bandit');
    expect(() => getAlgorithm('bandti')).toThrow(/unknown algorithm "bandti" \(did you mean "bandit"\? valid: .*bandit/);

    const a = track(new BanditLearner({ env: new Bandit(), seed: 3 }));
    await a.learn({ totalTimesteps: 8 });
    const dir = path.join(root, 'agent');
    await a.save(dir);
    const b = track(await loadAgent(dir, { env: new Bandit() }));
    expect(b).toBeInstanceOf(BanditLearner);
    expect(qOf(b as BanditLearner)).toEqual(qOf(a));

    const o = track(new OtherLearner({ env: new Bandit(), seed: 3 }));
    const dirO = path.join(root, 'other');
    await o.save(dirO);
    await expect(loadAgent(dirO, { env: new Bandit() })).rejects.toThrow(
      /written by Other, which is not registered: unknown algorithm "Other"/,
    );
  });
});
