import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { NetworkState } from '../algorithm';
import { loadCheckpoint, saveCheckpoint } from '../checkpoint';
import { BaseEnv, type ParallelEnv, type ResetResult, type RgbFrame, type StepResult } from '../env';
import { type ResolvedHyperparameters, defineHyperparameters } from '../hyperparams';
import { Adam, computeGradients } from '../nn/adam';
import { Box, Dict, Discrete } from '../spaces';
import { expectNoTensorLeak } from '../testing';
import { SyncVecEnv } from '../vec-env';
import type { BaseCallback } from '../callbacks';
import { MemoryLogger } from '../logging';
import { type AgentActions, MultiAgentAlgorithm, MultiAgentEvalCallback, SyncVecParallelEnv, evaluateMultiAgent } from './multi-agent';
import { type GradientStepResult, OffPolicyAlgorithm, type OffPolicyBatch, offPolicyHyperparameters } from './off-policy';
import { OnPolicyAlgorithm, normalizationHyperparameters, policyHyperparameters } from './on-policy';

/** A chain of 5 states (Discrete observations); action 1 moves right, 0 left; the last state pays 1 and ends the episode. */
class Chain extends BaseEnv<number, number> {
  readonly observationSpace = new Discrete(5);
  readonly actionSpace = new Discrete(2);
  private s = 0;
  private t = 0;
  protected _reset(): ResetResult<number> {
    this.s = 0;
    this.t = 0;
    return { obs: 0, info: {} };
  }
  protected _step(a: number): StepResult<number> {
    this.s = Math.max(0, Math.min(4, this.s + (a === 1 ? 1 : -1)));
    this.t++;
    const done = this.s === 4;
    return { obs: this.s, reward: done ? 1 : 0, terminated: done, truncated: !done && this.t >= 12, info: {} };
  }
  render(): RgbFrame {
    return { width: 1, height: 1, data: new Uint8Array(3) };
  }
}

/** The chain with a goal: Dict observations {observation, desired_goal}; reaching the goal pays 1. */
class GoalChain extends BaseEnv<{ observation: number; desired_goal: number }, number> {
  readonly observationSpace = new Dict({ observation: new Discrete(5), desired_goal: new Discrete(5) });
  readonly actionSpace = new Discrete(2);
  private s = 0;
  private g = 4;
  private t = 0;
  protected _reset() {
    this.s = 0;
    this.t = 0;
    this.g = 2 + this.rng.integers(0, 3);
    return { obs: { observation: 0, desired_goal: this.g }, info: {} };
  }
  protected _step(a: number) {
    this.s = Math.max(0, Math.min(4, this.s + (a === 1 ? 1 : -1)));
    this.t++;
    const done = this.s === this.g;
    return {
      obs: { observation: this.s, desired_goal: this.g },
      reward: done ? 1 : 0,
      terminated: done,
      truncated: !done && this.t >= 12,
      info: {},
    };
  }
  render(): RgbFrame {
    return { width: 1, height: 1, data: new Uint8Array(3) };
  }
}

const tinyQSchema = defineHyperparameters({
  ...offPolicyHyperparameters({
    learningRate: 0.01,
    learningStarts: 20,
    batchSize: 32,
    tau: 1,
    gamma: 0.9,
    trainFreq: 1,
    gradientSteps: 1,
  }),
});

/** Linear Q(s, ·) = x·W on the encoded observation, ε = 0.2, squared TD loss. */
class TinyQ extends OffPolicyAlgorithm<ResolvedHyperparameters<typeof tinyQSchema>> {
  static override readonly algorithmName = 'TinyQ';
  static override readonly hyperparameterSchema = tinyQSchema;
  protected readonly statNames = ['loss'];
  readonly w: tf.Variable;
  readonly opt: Adam;
  constructor(options: ConstructorParameters<typeof OffPolicyAlgorithm>[0]) {
    super(options);
    this.w = tf.tidy(() => tf.variable(tf.zeros([this.obsEncoder.inputDim, this.nActions])));
    this.opt = new Adam([this.w], { lr: 0.01 });
  }
  protected override networks(): Record<string, NetworkState> {
    return { w: this.w };
  }
  protected override optimizers() {
    return { q: this.opt };
  }
  protected policyActions(obs: Float32Array, deterministic: boolean): Int32Array {
    const q = tf.tidy(() => tf.matMul(this.obsTensor(obs) as tf.Tensor2D, this.w).argMax(1));
    const a = q.dataSync() as Int32Array;
    q.dispose();
    if (!deterministic) for (let i = 0; i < a.length; i++) if (this.rng.random() < 0.2) a[i] = this.rng.integers(0, 2);
    return Int32Array.from(a);
  }
  protected gradientStep(batch: OffPolicyBatch): GradientStepResult {
    const y = tf.tidy(() => tf.add(batch.rewards, tf.mul(batch.bootstrapCoef, tf.max(tf.matMul(batch.nextObs as tf.Tensor2D, this.w), 1))));
    let kept: tf.Tensor1D | undefined;
    let td: tf.Tensor1D | undefined;
    const { grads } = computeGradients(
      () => {
        const q = tf.sum(tf.mul(tf.matMul(batch.obs as tf.Tensor2D, this.w), tf.oneHot(batch.actions as tf.Tensor1D, 2)), 1);
        const err = tf.sub(q, y);
        const loss = tf.mean(tf.mul(batch.weights ?? tf.onesLike(err), tf.square(err))) as tf.Scalar;
        kept = tf.keep(tf.reshape(loss, [1])) as tf.Tensor1D;
        if (batch.weights) td = tf.keep(tf.abs(err)) as tf.Tensor1D;
        return loss;
      },
      [this.w],
      { readLoss: false },
    );
    this.opt.step(grads);
    tf.dispose([...grads, y]);
    return { stats: kept as tf.Tensor1D, tdErrors: td };
  }
}

const tinyPgSchema = defineHyperparameters({
  nSteps: { type: 'integer', default: 8, min: 1, doc: 'steps per env per rollout' },
  gamma: { type: 'number', default: 0, min: 0, max: 1, doc: 'discount' },
  gaeLambda: { type: 'number', default: 1, min: 0, max: 1, doc: 'GAE λ' },
  ...policyHyperparameters({ netArch: [8] }),
  ...normalizationHyperparameters,
});

/** An on-policy learner whose reward hook sets every reward to 1. */
class OnesPG extends OnPolicyAlgorithm<ResolvedHyperparameters<typeof tinyPgSchema>> {
  static override readonly algorithmName = 'OnesPG';
  static override readonly hyperparameterSchema = tinyPgSchema;
  hookCalls = 0;
  protected override processRolloutRewards(buffer: { rewards: Float32Array }): void {
    this.hookCalls++;
    buffer.rewards.fill(1);
  }
  train(): Record<string, number> {
    return { 'train/n': 1 };
  }
}

let root: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
});
beforeEach(async () => {
  root = await fsp.mkdtemp(path.join(os.tmpdir(), 'tfrl-layer-'));
});
afterEach(async () => {
  await fsp.rm(root, { recursive: true, force: true });
});

describe('OffPolicyAlgorithm', () => {
  it('learns a chain with Discrete observations (one-hot encoded) and reaches its end greedily', async () => {
    const agent = new TinyQ({ env: () => new Chain(), seed: 1 });
    expect(agent.obsEncoder.inputDim).toBe(5);
    await agent.learn({ totalTimesteps: 1500 });
    // Tabular Q through one-hot features: Q(s, right) = γ^(3 − s), Q(s, left) = γ^(5 − s), Q(0, left) = γ⁴ (γ = 0.9).
    const w = agent.w.dataSync();
    for (let s = 0; s < 4; s++) {
      expect(w[2 * s + 1]).toBeCloseTo(0.9 ** (3 - s), 1);
      expect(w[2 * s]).toBeCloseTo(0.9 ** (s === 0 ? 4 : 5 - s), 1);
    }
    const greedy = agent.predict(Float32Array.of(0, 1, 2, 3), { deterministic: true });
    expect(Array.from(greedy)).toEqual([1, 1, 1, 1]);
    // Made on a single Env: one observation gives the one action that env's step takes.
    expect(agent.predict(2, { deterministic: true })).toBe(1);
    expect(agent.lastTrainStats?.['train/loss']).toBeGreaterThanOrEqual(0);
    agent.dispose();
  });

  it('trainFreq in episodes: one training phase per finished episode', async () => {
    const agent = new TinyQ({ env: () => new Chain(), seed: 2, learningStarts: 0, trainFreq: [1, 'episode'], gradientSteps: 3 });
    await agent.learn({ totalTimesteps: 200 });
    // Every phase ends on an episode end, and trains 3 steps.
    expect(agent.numUpdates).toBe(3 * agent.numEpisodes);
    agent.dispose();
    expect(() => new TinyQ({ env: () => new Chain(), trainFreq: [0, 'episode'] })).toThrow(/trainFreq/);
    expect(() => new TinyQ({ env: () => new Chain(), trainFreq: '2 episodes' }).dispose()).not.toThrow();
  });

  it('uses the replay buffer class the user names, with its kwargs; prioritized replay receives TD errors', async () => {
    const agent = new TinyQ({
      env: new SyncVecEnv([() => new Chain(), () => new Chain()]),
      seed: 3,
      replayBufferClass: 'PrioritizedReplayBuffer',
      replayBufferKwargs: { alpha: 1, nStep: 2 },
      learningStarts: 10,
    });
    expect(agent.replayBuffer.constructor.name).toBe('PrioritizedReplayBuffer');
    expect(agent.replayBuffer.numEnvs).toBe(2);
    await agent.learn({ totalTimesteps: 200 });
    const pr = agent.replayBuffer as unknown as { totalPriority(): number; size: number };
    // New rows enter at the max priority (1); updated ones moved away from it.
    expect(pr.totalPriority()).not.toBeCloseTo(pr.size, 3);
    agent.dispose();
    expect(() => new TinyQ({ env: () => new Chain(), replayBufferClass: 'Nope' })).toThrow(/unknown replay buffer class "Nope"/);
  });

  it('Dict observations: the buffer keeps every key at its offset, the network sees them concatenated, predict takes a dict', async () => {
    const agent = new TinyQ({ env: () => new GoalChain(), seed: 4, learningStarts: 10 });
    await agent.learn({ totalTimesteps: 300 });
    const space = agent.observationSpace as Dict;
    const goals = space.extractKey(agent.replayBuffer.obs.subarray(0, 30 * 2), 'desired_goal');
    for (const g of goals) expect([2, 3, 4]).toContain(g);
    const batch = agent.replayBuffer.sample(8, agent.rng);
    const keys = agent.replayBuffer.observationKeys(batch.nextObs);
    expect(Object.keys(keys)).toEqual(['desired_goal', 'observation']);
    expect(keys.observation).toHaveLength(8);
    for (const g of keys.desired_goal as Float32Array) expect([2, 3, 4]).toContain(g);
    expect(agent.obsEncoder.inputDim).toBe(10);
    const a = agent.predict({ observation: 1, desired_goal: 3 }, { deterministic: true });
    expect([0, 1]).toContain(a);
    agent.dispose();
  });

  it('saves and loads the replay buffer with the agent state; no tensor leaks', async () => {
    const agent = new TinyQ({ env: () => new Chain(), seed: 5 });
    await agent.learn({ totalTimesteps: 120 });
    await agent.save(path.join(root, 'model'));
    await agent.saveReplayBuffer(path.join(root, 'buffer'));
    const loaded = await TinyQ.load(path.join(root, 'model'), { env: () => new Chain() });
    expect(loaded.replayBuffer.size).toBe(0);
    await loaded.loadReplayBuffer(path.join(root, 'buffer'));
    expect(loaded.replayBuffer.size).toBe(120);
    expect(Array.from(loaded.replayBuffer.obs.subarray(0, 120))).toEqual(Array.from(agent.replayBuffer.obs.subarray(0, 120)));
    expect(Array.from(loaded.replayBuffer.episodeLengths)).toEqual(Array.from(agent.replayBuffer.episodeLengths));
    expect(Array.from(loaded.w.dataSync())).toEqual(Array.from(agent.w.dataSync()));
    expect(loaded.numTimesteps).toBe(120);
    await expect(loaded.loadReplayBuffer(path.join(root, 'model'))).rejects.toThrow(/holds TinyQ, not a replay buffer of TinyQ/);
    await expectNoTensorLeak(async () => {
      await agent.learn({ totalTimesteps: 40, resetNumTimesteps: false });
      await agent.save(path.join(root, 'model'));
      const again = await TinyQ.load(path.join(root, 'model'), { env: () => new Chain() });
      again.dispose();
    });
    agent.dispose();
    loaded.dispose();
  });

  it('refuses a checkpoint of the previous state format, naming the version; and a manifest without counters', async () => {
    const agent = new TinyQ({ env: () => new Chain(), seed: 6 });
    const dir = path.join(root, 'v1');
    await agent.save(dir);
    const { manifest, tensors } = await loadCheckpoint(dir);
    await saveCheckpoint(path.join(root, 'old'), { ...manifest, tensors });
    const raw = JSON.parse(await fsp.readFile(path.join(root, 'old', 'manifest.json'), 'utf8'));
    const { manifestSha256: _, ...body } = { ...raw, formatVersion: 1 };
    const { createHash } = await import('node:crypto');
    const { canonicalJson } = await import('../checkpoint');
    await fsp.writeFile(
      path.join(root, 'old', 'manifest.json'),
      JSON.stringify({ ...body, manifestSha256: createHash('sha256').update(canonicalJson(body)).digest('hex') }),
    );
    await expect(TinyQ.load(path.join(root, 'old'), { env: () => new Chain() })).rejects.toThrow(
      /format version 1 .*reads format version 2/,
    );
    const noCounters = { ...body, formatVersion: 2, counters: { numUpdates: 0, episodes: 0 } };
    await fsp.writeFile(
      path.join(root, 'old', 'manifest.json'),
      JSON.stringify({ ...noCounters, manifestSha256: createHash('sha256').update(canonicalJson(noCounters)).digest('hex') }),
    );
    await expect(TinyQ.load(path.join(root, 'old'), { env: () => new Chain() })).rejects.toThrow(
      /manifest\.json has no valid "counters\.numTimesteps"/,
    );
    agent.dispose();
  });
});

describe('OnPolicyAlgorithm', () => {
  it('the reward hook rewrites rewards before GAE; VecNormalize statistics are saved and restored', async () => {
    const env = new SyncVecEnv([() => new Chain(), () => new Chain()]);
    expect(() => new OnesPG({ env, normalize: true })).toThrow(
      /observation normalisation needs a Box observation space, got Discrete\(5\)/,
    );
    const agent = new OnesPG({ env, seed: 1, normalizeReward: true });
    await agent.learn({ totalTimesteps: 32 });
    expect(agent.hookCalls).toBe(2);
    // γ = 0, λ = 1: every return is the (rewritten) reward 1.
    expect(Array.from(agent.rolloutBuffer?.returns ?? [])).toEqual(new Array(16).fill(1));
    expect(agent.retRms?.count).toBeGreaterThan(16);
    await agent.save(path.join(root, 'pg'));
    const loaded = await OnesPG.load(path.join(root, 'pg'), { env: new SyncVecEnv([() => new Chain(), () => new Chain()]) });
    expect(loaded.retRms?.count).toBe(agent.retRms?.count);
    expect(Array.from(loaded.retRms?.var ?? [])).toEqual(Array.from(agent.retRms?.var ?? []));
    agent.dispose();
    loaded.dispose();
  });
});

/** Two agents; each is paid 1 when it plays the other agent's previous action. Episodes last 4 steps. */
class Echo implements ParallelEnv<number, number> {
  readonly possibleAgents = ['a', 'b'];
  agents: string[] = [];
  private prev = { a: 0, b: 0 };
  private t = 0;
  observationSpace(): Discrete {
    return new Discrete(2);
  }
  actionSpace(): Discrete {
    return new Discrete(2);
  }
  reset() {
    this.agents = ['a', 'b'];
    this.t = 0;
    this.prev = { a: 0, b: 1 };
    return { obs: { a: this.prev.b, b: this.prev.a }, infos: { a: {}, b: {} } };
  }
  step(actions: Record<string, number>) {
    const ra = actions.a === this.prev.b ? 1 : 0;
    const rb = actions.b === this.prev.a ? 1 : 0;
    this.prev = { a: actions.a as number, b: actions.b as number };
    this.t++;
    const end = this.t >= 4;
    if (end) this.agents = [];
    return {
      obs: { a: this.prev.b, b: this.prev.a },
      rewards: { a: ra, b: rb },
      terminations: { a: false, b: false },
      truncations: { a: end, b: end },
      infos: { a: {}, b: {} },
    };
  }
  render(): RgbFrame {
    return { width: 1, height: 1, data: new Uint8Array(3) };
  }
  close(): void {}
}

const echoSchema = defineHyperparameters({ temperature: { type: 'number', default: 1, exclusiveMin: 0, doc: 'unused' } });

/** Per agent a 2×2 table of action preferences, trained to copy the observation. */
class CopyCat extends MultiAgentAlgorithm<ResolvedHyperparameters<typeof echoSchema>> {
  static override readonly algorithmName = 'CopyCat';
  static override readonly hyperparameterSchema = echoSchema;
  readonly tables: Record<string, tf.Variable>;
  constructor(options: ConstructorParameters<typeof MultiAgentAlgorithm>[0]) {
    super(options);
    this.tables = Object.fromEntries(
      this.agents.map((a) => [a, tf.tidy(() => tf.variable(tf.randomUniform([2, 2], 0, 1, 'float32', this.rng.tfSeed())))]),
    );
  }
  protected override networks(): Record<string, NetworkState> {
    return Object.fromEntries(this.agents.map((a) => [`${a}/table`, this.tables[a] as tf.Variable]));
  }
  protected async trainLoop(total: number, callback: BaseCallback): Promise<void> {
    let obs = this.env.reset(this.seed);
    while (this.numTimesteps < total) {
      const actions = this.predictAgents(obs, false);
      const r = this.env.step(actions);
      this.numTimesteps += this.env.numEnvs;
      this.recordEpisodeInfos(r.infos);
      // Copy the observation: raise the preference of action = observation.
      for (const a of this.agents)
        tf.tidy(() => (this.tables[a] as tf.Variable).assign(tf.add(this.tables[a] as tf.Variable, tf.mul(0.1, tf.eye(2)))));
      obs = r.obs;
      if (!(await callback.step(this.callbackContext()))) return;
    }
  }
  protected predictAgents(rows: Record<string, Float32Array>, deterministic: boolean): AgentActions {
    const out: AgentActions = {};
    for (const a of this.agents) {
      const t = (this.tables[a] as tf.Variable).dataSync();
      const o = rows[a] as Float32Array;
      out[a] = Int32Array.from(o, (s) =>
        !deterministic && this.rng.random() < 0.1 ? this.rng.integers(0, 2) : (t[s * 2] as number) > (t[s * 2 + 1] as number) ? 0 : 1,
      );
    }
    return out;
  }
}

describe('multi-agent layer', () => {
  it('SyncVecParallelEnv steps N copies on per-agent arrays, autoresets, and reports per-agent and summed returns', () => {
    const venv = new SyncVecParallelEnv([() => new Echo(), () => new Echo()]);
    const obs = venv.reset(0);
    expect(Array.from(obs.a as Float32Array)).toEqual([1, 1]);
    let last = venv.step({ a: Int32Array.of(1, 0), b: Int32Array.of(0, 0) });
    expect(Array.from(last.rewards.a as Float32Array)).toEqual([1, 0]);
    for (let i = 0; i < 3; i++) last = venv.step({ a: Int32Array.of(0, 0), b: Int32Array.of(0, 0) });
    expect(Array.from(last.dones)).toEqual([1, 1]);
    expect((last.infos[0]?.episode as { l: number }).l).toBe(4);
    expect((last.infos[0]?.episode as { agents: Record<string, number> }).agents).toHaveProperty('b');
    expect(Array.from(last.obs.a as Float32Array)).toEqual([1, 1]); // reset observation
  });

  it('predict on a dict of observations, save/load of per-agent networks, multi-agent evaluation', async () => {
    const agent = new CopyCat({ env: () => new Echo(), seed: 3 });
    expect(agent.agents).toEqual(['a', 'b']);
    await agent.learn({ totalTimesteps: 40 });
    expect(agent.numEpisodes).toBe(10);
    const acts = agent.predict({ a: 1, b: 0 }, { deterministic: true });
    expect(Array.from(acts.a as Int32Array)).toEqual([1]);
    expect(Array.from(acts.b as Int32Array)).toEqual([0]);
    expect(() => agent.predict({ a: 1 })).toThrow(/missing the observation of agent "b"/);
    const ev = evaluateMultiAgent(agent, new Echo(), { nEpisodes: 3 });
    expect(ev.meanAgentRewards.a).toBe(4);
    expect(ev.meanReward).toBe(ev.meanAgentRewards.a + ev.meanAgentRewards.b);
    const dir = path.join(root, 'ma');
    const m = await agent.save(dir);
    expect(m.observationSpace).toEqual({ type: 'Agents', spaces: { a: new Discrete(2).toJSON(), b: new Discrete(2).toJSON() } });
    const loaded = await CopyCat.load(dir, { env: new Echo() });
    expect(Array.from((loaded.tables.b as tf.Variable).dataSync())).toEqual(Array.from((agent.tables.b as tf.Variable).dataSync()));
    agent.dispose();
    loaded.dispose();
  });

  it('evaluateMultiAgent sums the env metrics per episode; MultiAgentEvalCallback logs the test curves per agent', async () => {
    /** Echo with a metric: 1 per step where both agents copied. */
    class Scored extends Echo {
      both = 0;
      override step(actions: Record<string, number>) {
        const r = super.step(actions);
        this.both = (r.rewards.a as number) * (r.rewards.b as number);
        return r;
      }
      metrics() {
        return { both_copied: this.both, steps: 1 };
      }
    }
    const agent = new CopyCat({ env: () => new Echo(), seed: 3 });
    const logger = new MemoryLogger();
    const cb = new MultiAgentEvalCallback({ evalEnv: new Scored(), evalFreq: 8, nEvalEpisodes: 2, logger });
    await agent.learn({ totalTimesteps: 40, callbacks: [cb] });
    expect(cb.evaluationsTimesteps).toEqual([8, 16, 24, 32, 40]);
    const last = cb.evaluations.at(-1) as ReturnType<typeof evaluateMultiAgent>;
    expect(last.episodeMetrics.steps).toEqual([4, 4]);
    // the trained CopyCat copies every step: both agents rewarded 4 times per episode
    expect(last.meanMetrics.both_copied).toBe(4);
    const tags = new Set(logger.records.map((r) => r.tag));
    for (const t of ['eval/mean_reward', 'eval/a/mean_reward', 'eval/b/mean_reward', 'eval/both_copied', 'eval/steps'])
      expect(tags).toContain(t);
    expect(logger.records.filter((r) => r.tag === 'eval/mean_reward').map((r) => r.step)).toEqual([8, 16, 24, 32, 40]);
    expect(() => new MultiAgentEvalCallback({ evalEnv: new Scored(), evalFreq: 0 })).toThrow(/evalFreq must be a positive integer, got 0/);
    expect(() => new MultiAgentEvalCallback({ evalEnv: {} as never })).toThrow(/evalEnv must be a parallel env/);
    agent.dispose();
  });
});
