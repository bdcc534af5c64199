import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import {
  Box,
  MemoryLogger,
  type Mlp,
  Rng,
  NonFiniteError,
  type ParallelEnv,
  SyncVecParallelEnv,
  evaluateMultiAgent,
  getAlgorithm,
} from '@tfrl/core';
import { expectNoTensorLeak, useBackend } from '@tfrl/core/testing';
import { makeParallel } from '@tfrl/envs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IDDPG, MADDPG, MATD3, type MultiAgentActorCritic, registerMultiAgentAlgorithms } from './index';
import { criticInputRows } from './losses';
import { MatchEnv } from './match-env.testutil';

let root: string;
beforeAll(async () => {
  await useBackend('wasm');
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'tfrl-maddpg-'));
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

/** Small and quick: training from 64 steps on, one update of 32 rows every 4 env steps. */
const fast = { learningStarts: 64, batchSize: 32, trainFreq: 4, netArch: [32, 32] };
const spread = (continuous = true) => makeParallel('simple_spread_v3', { continuous_actions: continuous });

const values = (v: tf.Variable | tf.Tensor) => Array.from(v.dataSync());
const weightsOf = (m: Mlp) => m.trainableVariables.map(values);

/** Uniform random actions of each agent's space (the baseline of the smoke tests). */
function randomPolicy(env: ParallelEnv<any, any>, seed: number) {
  let s = seed;
  const next = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  return {
    predict(obs: Record<string, unknown>) {
      const out: Record<string, Int32Array | Float32Array> = {};
      for (const a of Object.keys(obs)) {
        const sp = env.actionSpace(a) as { n?: number; low?: Float32Array; high?: Float32Array; compactDim: number };
        if (sp.n !== undefined) out[a] = Int32Array.of(Math.floor(next() * sp.n));
        else
          out[a] = Float32Array.from(
            { length: sp.compactDim },
            (_, k) => (sp.low?.[k] ?? 0) + next() * ((sp.high?.[k] ?? 1) - (sp.low?.[k] ?? 0)),
          );
      }
      return out;
    },
  };
}

describe('networks and their inputs', () => {
  it('decentralised actors, centralised critics on [o_1..o_N, a_1..a_N]; independent critics on [o_i, a_i]; twin critics for MATD3', () => {
    const m = new MADDPG({ env: spread(), seed: 0, ...fast });
    expect(m.agents).toEqual(['agent_0', 'agent_1', 'agent_2']);
    expect(m.groups.map((g) => g.name)).toEqual(['agent_0', 'agent_1', 'agent_2']);
    for (const g of m.groups) {
      expect(g.actor.inputDim).toBe(18); // own observation only
      expect(g.actor.outputDim).toBe(5);
      expect(g.critics).toHaveLength(1);
      expect(g.critics[0]?.inputDim).toBe(3 * 18 + 3 * 5); // 69
    }
    expect(m.criticInputOrder(2)).toEqual([0, 1, 2]);
    const i = new IDDPG({ env: spread(false), seed: 0, ...fast });
    expect(i.groups[1]?.critics[0]?.inputDim).toBe(18 + 5); // one-hot Discrete(5) action
    expect(i.criticInputOrder(1)).toEqual([1]);
    const t = new MATD3({ env: spread(), seed: 0, ...fast });
    expect(t.groups[0]?.critics).toHaveLength(2);
    expect(t.groups[0]?.criticTargets).toHaveLength(2);
    for (const a of [m, i, t]) a.dispose();
  });

  it('parameter sharing: one actor and critic per agent type, own observation and action first in the critic input', () => {
    const adv = new MADDPG({ env: makeParallel('simple_adversary_v3'), seed: 0, ...fast, shareParameters: true });
    expect(adv.groups.map((g) => [g.name, g.members])).toEqual([
      ['adversary', [0]],
      ['agent', [1, 2]],
    ]);
    // adversary sees 8 numbers, good agents 10; every action is Discrete(5), one-hot at the critic.
    expect(adv.groups[1]?.critics[0]?.inputDim).toBe(8 + 10 + 10 + 3 * 5);
    expect(adv.criticInputOrder(2)).toEqual([2, 0, 1]);
    expect(adv.criticInputOrder(0)).toEqual([0, 1, 2]); // an unshared agent keeps the openai layout
    adv.dispose();
  });

  it('hyperparameters are checked and named', () => {
    expect(() => new MADDPG({ env: spread(), seed: 0, learningRat: 1 } as never)).toThrow(/learningRat/);
    expect(() => new MADDPG({ env: spread(), seed: 0, activation: 'gelu' } as never)).toThrow(/activation/);
    expect(() => new MADDPG({ env: spread(), seed: 0, actionNoise: { type: 'pink', sigma: 1 } })).toThrow(/actionNoise.type/);
    const snake = new MADDPG({ env: spread(), seed: 0, ...({ batch_size: 7, reward_clip: 10 } as object) });
    expect(snake.hyperparameters.batchSize).toBe(7);
    expect(snake.hyperparameters.rewardClip).toBe(10);
    snake.dispose();
  });
});

describe("boxActions: 'gumbel-softmax' (openai/maddpg's policy on the particle worlds' continuous actions)", () => {
  it('acts with probability vectors: soft Gumbel samples while training, softmax(logits) when deterministic, stored as they were sent', async () => {
    const agent = new MADDPG({ env: spread(true), seed: 1, ...fast, boxActions: 'gumbel-softmax' });
    const env = spread(true);
    const { obs } = env.reset({ seed: 0 });
    const det = agent.predict(obs, { deterministic: true });
    const again = agent.predict(obs, { deterministic: true });
    for (const a of env.possibleAgents) {
      const v = Array.from(det[a] as Float32Array);
      expect(v.length).toBe(5);
      expect(v.reduce((x, y) => x + y, 0)).toBeCloseTo(1, 5);
      expect(Array.from(again[a] as Float32Array)).toEqual(v);
    }
    const sampled = agent.predict(obs, { deterministic: false });
    expect(Array.from(sampled.agent_0 as Float32Array)).not.toEqual(Array.from(det.agent_0 as Float32Array));
    await agent.learn({ totalTimesteps: 200 });
    const batch = agent.replayBuffer.sample(16, new Rng(0));
    const acts = (batch.agent_1 as { actions: Float32Array }).actions;
    for (let r = 0; r < 16; r++) {
      const row = Array.from(acts.subarray(r * 5, r * 5 + 5));
      expect(row.every((x) => x >= 0 && x <= 1)).toBe(true);
      expect(row.reduce((x, y) => x + y, 0)).toBeCloseTo(1, 5);
      expect(row.filter((x) => x > 0 && x < 1).length).toBeGreaterThan(1); // soft, not one-hot
    }
    agent.dispose();
  });

  it('refuses a Box that does not hold [0, 1], naming the agent', () => {
    class Shifted extends MatchEnv {
      override actionSpace(): Box {
        return new Box({ low: 0.5, high: 1, shape: [1] });
      }
    }
    expect(() => new MADDPG({ env: () => new Shifted(true), seed: 0, boxActions: 'gumbel-softmax' })).toThrow(
      /boxActions 'gumbel-softmax' needs every action dimension to hold \[0, 1\].*agent "agent_0"/,
    );
  });
});

describe('updates', () => {
  it('the TD target uses the target actors and critic on the centralised next input and bootstraps at the time limit', async () => {
    const agent = new MADDPG({ env: () => new MatchEnv(true, 2, 3), seed: 1, netArch: [8], learningStarts: 10_000, batchSize: 64 });
    await agent.learn({ totalTimesteps: 60 }); // random warm-up only: 20 episodes of 3 steps
    const host = agent.replayBuffer.sample(64, agent.rng);
    const y = agent.tdTargets(host);
    const a0 = host.agent_0 as (typeof host)[string];
    const a1 = host.agent_1 as (typeof host)[string];
    expect(Array.from(a0.truncated).filter((v) => v === 1).length).toBeGreaterThan(5); // time-limit rows present
    expect(Array.from(a0.terminated).every((v) => v === 0)).toBe(true);
    const g0 = agent.groups[0] as MultiAgentActorCritic['groups'][number];
    const g1 = agent.groups[1] as MultiAgentActorCritic['groups'][number];
    const next0 = g0.actorTarget.applyHost(a0.nextObs, 64).map(Math.tanh);
    const next1 = g1.actorTarget.applyHost(a1.nextObs, 64).map(Math.tanh);
    const x = criticInputRows({
      obs: [a0.nextObs, a1.nextObs],
      obsDims: [1, 1],
      actions: [next0, next1],
      actDims: [1, 1],
      order: [0, 1],
      batchSize: 64,
    });
    const q0 = (g0.criticTargets[0] as Mlp).applyHost(x, 64);
    for (let b = 0; b < 64; b++) {
      // Truncated rows bootstrap: y = r + 0.95·Q'(x') for every row (no row terminated).
      expect((y[0] as Float32Array)[b]).toBeCloseTo((a0.rewards[b] as number) + 0.95 * (q0[b] as number), 4);
    }
    agent.dispose();
  });

  it('Polyak targets (τ) after every update, or hard copies every K updates', async () => {
    const soft = new MADDPG({ env: () => new MatchEnv(), seed: 2, netArch: [8], learningStarts: 10_000, batchSize: 16, tau: 0.3 });
    await soft.learn({ totalTimesteps: 40 });
    const g = soft.groups[0] as MultiAgentActorCritic['groups'][number];
    const before = weightsOf(g.actorTarget);
    const criticBefore = weightsOf(g.criticTargets[0] as Mlp);
    soft.train(1);
    const online = weightsOf(g.actor);
    const after = weightsOf(g.actorTarget);
    after.forEach((w, l) =>
      w.forEach((v, k) => expect(v).toBeCloseTo(0.7 * (before[l]?.[k] as number) + 0.3 * (online[l]?.[k] as number), 5)),
    );
    const criticAfter = weightsOf(g.criticTargets[0] as Mlp);
    const criticOnline = weightsOf(g.critics[0] as Mlp);
    criticAfter.forEach((w, l) =>
      w.forEach((v, k) => expect(v).toBeCloseTo(0.7 * (criticBefore[l]?.[k] as number) + 0.3 * (criticOnline[l]?.[k] as number), 5)),
    );
    soft.dispose();

    const hard = new MADDPG({
      env: () => new MatchEnv(),
      seed: 2,
      netArch: [8],
      learningStarts: 10_000,
      batchSize: 16,
      tau: 1,
      targetUpdateInterval: 2,
    });
    await hard.learn({ totalTimesteps: 40 });
    const h = hard.groups[1] as MultiAgentActorCritic['groups'][number];
    const initial = weightsOf(h.actorTarget);
    hard.train(1);
    expect(weightsOf(h.actorTarget)).toEqual(initial); // not yet
    expect(weightsOf(h.actor)).not.toEqual(initial);
    hard.train(1);
    expect(weightsOf(h.actorTarget)).toEqual(weightsOf(h.actor));
    expect(weightsOf(h.criticTargets[0] as Mlp)).toEqual(weightsOf(h.critics[0] as Mlp));
    hard.dispose();
  });

  it('MATD3 updates the actors and targets every policyDelay critic updates', async () => {
    const agent = new MATD3({ env: () => new MatchEnv(), seed: 3, netArch: [8], learningStarts: 10_000, batchSize: 16, policyDelay: 2 });
    await agent.learn({ totalTimesteps: 40 });
    const g = agent.groups[0] as MultiAgentActorCritic['groups'][number];
    const actor0 = weightsOf(g.actor);
    const critic0 = weightsOf(g.critics[1] as Mlp);
    const target0 = weightsOf(g.actorTarget);
    agent.train(1);
    expect(weightsOf(g.actor)).toEqual(actor0);
    expect(weightsOf(g.actorTarget)).toEqual(target0);
    expect(weightsOf(g.critics[1] as Mlp)).not.toEqual(critic0);
    agent.train(1);
    expect(weightsOf(g.actor)).not.toEqual(actor0);
    expect(weightsOf(g.actorTarget)).not.toEqual(target0);
    agent.dispose();
  });
});

describe('learn / predict / save / load', () => {
  it('logs per-agent and summed scalars', async () => {
    const logger = new MemoryLogger();
    const agent = new MADDPG({ env: spread(), seed: 4, ...fast, logger });
    await agent.learn({ totalTimesteps: 200 });
    const tags = new Set(logger.records.map((r) => r.tag));
    for (const a of ['agent_0', 'agent_1', 'agent_2']) {
      for (const t of ['episode_return', 'actor_loss', 'critic_loss', 'q_value']) expect(tags).toContain(`${a}/${t}`);
    }
    for (const t of ['rollout/ep_rew_mean', 'train/actor_loss', 'train/critic_loss', 'train/q_value', 'time/fps'])
      expect(tags).toContain(t);
    // The summed return is the sum of the per-agent returns.
    const last = (tag: string) => [...logger.records].reverse().find((r) => r.tag === tag)?.value as number;
    const perAgent = agent.agentEpisodeReturns() as Record<string, number>;
    expect(last('rollout/ep_rew_mean')).toBeCloseTo(
      Object.values(perAgent).reduce((s, v) => s + v, 0),
      4,
    );
    agent.dispose();
  });

  it.each([
    ['MADDPG continuous', () => new MADDPG({ env: spread(), seed: 5, ...fast }), MADDPG, () => spread()],
    [
      'MATD3 discrete, shared',
      () => new MATD3({ env: spread(false), seed: 5, ...fast, shareParameters: true }),
      MATD3,
      () => spread(false),
    ],
    ['IDDPG discrete', () => new IDDPG({ env: spread(false), seed: 5, ...fast }), IDDPG, () => spread(false)],
  ] as const)('%s: save → load predicts identically and continues training', async (name, make, Cls, env) => {
    const agent = make();
    await agent.learn({ totalTimesteps: 200 });
    expect(agent.numUpdates).toBeGreaterThan(20);
    const dir = path.join(root, name.replace(/\W+/g, '-'));
    const manifest = await agent.save(dir);
    expect(manifest.algorithm).toBe(agent.algorithmName);
    const loaded = (await (Cls as unknown as { load(d: string, o: { env: unknown }): Promise<MultiAgentActorCritic> }).load(dir, {
      env: env(),
    })) as MultiAgentActorCritic;
    const probe = env();
    const { obs } = probe.reset({ seed: 11 });
    const a = agent.predict(obs, { deterministic: true });
    const b = loaded.predict(obs, { deterministic: true });
    for (const k of agent.agents) expect(Array.from(b[k] as ArrayLike<number>)).toEqual(Array.from(a[k] as ArrayLike<number>));
    expect(loaded.numTimesteps).toBe(200);
    expect(loaded.numUpdates).toBe(agent.numUpdates);
    for (const [i, g] of loaded.groups.entries()) {
      expect(weightsOf(g.criticTargets[0] as Mlp)).toEqual(weightsOf(agent.groups[i]?.criticTargets[0] as Mlp));
      expect(g.actorOptimizer.stepCount).toBe(agent.groups[i]?.actorOptimizer.stepCount);
    }
    const updates = loaded.numUpdates;
    await loaded.learn({ totalTimesteps: 100, resetNumTimesteps: false });
    expect(loaded.numTimesteps).toBe(300);
    expect(loaded.numUpdates).toBeGreaterThan(updates);
    agent.dispose();
    loaded.dispose();
  });

  it('no tensor leak across learn, save, load and dispose', async () => {
    // Training starts within the warm-up call (the optimizers keep their last gradient norm from then on).
    const early = { ...fast, learningStarts: 16 };
    const cases: Array<[typeof MADDPG | typeof MATD3 | typeof IDDPG, () => MultiAgentActorCritic, () => ParallelEnv<any, any>]> = [
      [MADDPG, () => new MADDPG({ env: spread(), seed: 6, ...early }), () => spread()],
      [MATD3, () => new MATD3({ env: spread(false), seed: 6, ...early, shareParameters: true }), () => spread(false)],
      [IDDPG, () => new IDDPG({ env: () => new MatchEnv(false), seed: 6, ...early }), () => new MatchEnv(false)],
    ];
    for (const [Cls, make, env] of cases) {
      const agent = make();
      const dir = path.join(root, `leak-${Cls.algorithmName}`);
      const probe = env();
      const { obs } = probe.reset({ seed: 0 });
      await expectNoTensorLeak(async () => {
        await agent.learn({ totalTimesteps: 48, resetNumTimesteps: false });
        await agent.save(dir);
        const loaded = await (Cls as unknown as { load(d: string, o: { env: unknown }): Promise<MultiAgentActorCritic> }).load(dir, {
          env: env(),
        });
        loaded.predict(obs, { deterministic: true });
        loaded.predict(obs);
        loaded.dispose();
      });
      agent.dispose();
    }
  });

  it('a diverging run stops with NonFiniteError and never writes a non-finite checkpoint', async () => {
    const agent = new MADDPG({ env: spread(), seed: 7, ...fast, actorLearningRate: 1e30, criticLearningRate: 1e30, maxGradNorm: null });
    const dir = path.join(root, 'diverge');
    await agent.save(dir); // a good checkpoint from before training
    let err: unknown;
    try {
      await agent.learn({ totalTimesteps: 5_000 });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(NonFiniteError);
    expect((err as NonFiniteError).message).toMatch(/^MADDPG: .+ became (NaN|-?Infinity) at step \d+/);
    expect(agent.numTimesteps).toBeLessThan(5_000);
    await expect(agent.save(dir)).rejects.toThrow(/refusing to save .*holds (NaN|-?Infinity)/);
    const loaded = await MADDPG.load(dir, { env: spread() });
    expect(loaded.numTimesteps).toBe(0);
    loaded.dispose();
    agent.dispose();
  });

  it('registers maddpg, matd3 and iddpg for the CLI', () => {
    registerMultiAgentAlgorithms();
    expect(getAlgorithm('maddpg').ctor).toBe(MADDPG);
    expect(getAlgorithm('MATD3').ctor).toBe(MATD3);
    expect(getAlgorithm('iddpg').family).toBe('@tfrl/multiagent');
  });
});

describe('learning (seeded smoke runs)', () => {
  it.each([
    ['MADDPG', true],
    ['MADDPG', false],
    ['MATD3', true],
    ['IDDPG', true],
  ] as const)('%s learns the cooperative match task (continuous: %s) far above random', async (name, continuous) => {
    const Cls = { MADDPG, MATD3, IDDPG }[name];
    const agent = new Cls({
      env: new SyncVecParallelEnv([() => new MatchEnv(continuous), () => new MatchEnv(continuous)]),
      seed: 8,
      learningStarts: 200,
      batchSize: 64,
      trainFreq: 2,
      netArch: [32, 32],
      actorLearningRate: 3e-3,
      criticLearningRate: 3e-3,
      gamma: 0.5,
    });
    await agent.learn({ totalTimesteps: 2_000 });
    const env = new MatchEnv(continuous);
    const random = evaluateMultiAgent(randomPolicy(env, 1), env, { nEpisodes: 50, seed: 1 });
    const ev = evaluateMultiAgent(agent, env, { nEpisodes: 50, seed: 1 });
    // Random: about −2/3 per agent per step (−13.3 summed over 2 agents × 10 steps).
    expect(random.meanReward).toBeLessThan(-10);
    expect(ev.meanReward).toBeGreaterThan(continuous ? -1.5 : -2);
    agent.dispose();
  });

  it('MADDPG on simple_spread_v3 raises the per-agent return clearly above random in 8k steps', async () => {
    const agent = new MADDPG({ env: spread(false), seed: 0, learningStarts: 1000, batchSize: 256, trainFreq: 10 });
    await agent.learn({ totalTimesteps: 8_000 });
    const env = spread(false);
    const random = evaluateMultiAgent(randomPolicy(env, 1), env, { nEpisodes: 50, seed: 1 });
    const ev = evaluateMultiAgent(agent, env, { nEpisodes: 50, seed: 1 });
    const perAgent = (r: { meanReward: number }) => r.meanReward / 3;
    expect(perAgent(random)).toBeLessThan(-24);
    expect(perAgent(ev)).toBeGreaterThan(perAgent(random) + 2.5);
    agent.dispose();
  }, 60_000);
});
