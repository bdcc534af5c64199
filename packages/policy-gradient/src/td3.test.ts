import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MemoryLogger, SyncVecEnv, evaluatePolicy } from '@tfrl/core';
import { expectNoTensorLeak, useBackend } from '@tfrl/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { DiscreteActionEnv, ReachEnv } from './off-policy.testutil';
import { TD3 } from './td3';

beforeAll(async () => {
  await useBackend('wasm');
});

const small = { netArch: [32, 32], batchSize: 32, learningStarts: 50, learningRate: 3e-3 };

describe('TD3', () => {
  it('refuses discrete actions and bad fields, naming them; SB3 defaults', () => {
    expect(() => new TD3({ env: new DiscreteActionEnv() })).toThrow(/Box.*action|action.*Box/);
    expect(() => new TD3({ env: new ReachEnv(), policyDelay: 0 })).toThrow(/policyDelay/);
    expect(() => new TD3({ env: new ReachEnv(), actionNoise: { type: 'brown', sigma: 0.1 } as never })).toThrow(/actionNoise.type/);
    const agent = new TD3({ env: new ReachEnv(), seed: 0 });
    const hp = agent.hyperparameters;
    expect(hp.netArch).toEqual([400, 300]);
    expect([hp.learningRate, hp.policyDelay, hp.targetPolicyNoise, hp.targetNoiseClip, hp.tau, hp.batchSize]).toEqual([
      1e-3, 2, 0.2, 0.5, 0.005, 256,
    ]);
    expect(agent.critics.length).toBe(2);
    expect(agent.twinQ).toBeDefined();
    agent.dispose();
  });

  it('learns a Box-action task with Gaussian action noise; the actor is updated every policyDelay steps', async () => {
    const logger = new MemoryLogger();
    const agent = new TD3({ env: new ReachEnv(), seed: 1, ...small, actionNoise: { type: 'normal', sigma: 0.1 }, logger });
    const evalEnv = new ReachEnv();
    const before = evaluatePolicy(agent, evalEnv, { nEpisodes: 50, seed: 3 });
    await agent.learn({ totalTimesteps: 800, logInterval: 50 });
    const after = evaluatePolicy(agent, evalEnv, { nEpisodes: 50, seed: 3 });
    expect(before.meanReward).toBeLessThan(-0.1);
    expect(after.meanReward).toBeGreaterThan(-0.03);
    // train after every step past learningStarts: 750 critic updates, 375 actor updates
    expect(agent.numUpdates).toBe(750);
    expect(agent.criticOptimizer.getState().step).toBe(750);
    expect(agent.actorOptimizer.getState().step).toBe(375);
    const tags = new Set(logger.records.map((r) => r.tag));
    for (const t of ['train/critic_loss', 'train/actor_loss', 'train/q_values', 'rollout/ep_rew_mean']) expect(tags.has(t), t).toBe(true);
    agent.dispose();
  }, 60_000);

  it('does not leak tensors (training, predict) on a vectorised env with OU noise', async () => {
    const env = new SyncVecEnv([() => new ReachEnv(), () => new ReachEnv()]);
    const agent = new TD3({ env, seed: 0, ...small, learningStarts: 10, actionNoise: { type: 'ornstein-uhlenbeck', sigma: 0.3 } });
    await agent.learn({ totalTimesteps: 40 });
    await expectNoTensorLeak(async () => {
      await agent.learn({ totalTimesteps: 10, resetNumTimesteps: false });
      agent.predict(Float32Array.of(0.1, -0.3));
    });
    agent.dispose();
  });

  it('save / load round-trip: same actions, targets and optimizer state', async () => {
    const agent = new TD3({ env: new ReachEnv(), seed: 4, ...small });
    await agent.learn({ totalTimesteps: 120 });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tfrl-td3-'));
    await agent.save(dir);
    const loaded = await TD3.load(dir, { env: new ReachEnv() });
    const obs = Float32Array.of(-0.9, -0.2, 0.4, 1);
    expect(Array.from(loaded.predict(obs))).toEqual(Array.from(agent.predict(obs)));
    expect(loaded.actorOptimizer.getState()).toEqual(agent.actorOptimizer.getState());
    expect(loaded.criticOptimizer.getState()).toEqual(agent.criticOptimizer.getState());
    const w = (m: TD3) => Array.from(m.actorTarget.trainableVariables[0]?.dataSync() ?? []);
    expect(w(loaded)).toEqual(w(agent));
    await loaded.learn({ totalTimesteps: 10, resetNumTimesteps: false });
    expect(loaded.numTimesteps).toBe(130);
    agent.dispose();
    loaded.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
