import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { MemoryLogger, SyncVecEnv, evaluatePolicy } from '@tfrl/core';
import { expectNoTensorLeak, useBackend } from '@tfrl/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { DiscreteActionEnv, ReachEnv } from './off-policy.testutil';
import { SAC, parseEntCoef } from './sac';

beforeAll(async () => {
  await useBackend('wasm');
});

const small = { netArch: [32, 32], batchSize: 32, learningStarts: 50, learningRate: 3e-3 };

describe('SAC', () => {
  it('refuses discrete actions, unknown fields and bad entCoef, naming them', () => {
    expect(() => new SAC({ env: new DiscreteActionEnv() })).toThrow(/Box.*action|action.*Box/);
    expect(() => new SAC({ env: new ReachEnv(), entCoeff: 0.1 } as never)).toThrow(/entCoeff/);
    expect(() => new SAC({ env: new ReachEnv(), entCoef: 'often' })).toThrow(/entCoef/);
    expect(() => new SAC({ env: new ReachEnv(), tau: 2 })).toThrow(/tau/);
    expect(parseEntCoef('auto', 1)).toEqual({ auto: true, init: 1 });
    expect(parseEntCoef('auto_0.1', 1)).toEqual({ auto: true, init: 0.1 });
    expect(parseEntCoef('0.05', 1)).toEqual({ auto: false, init: 0.05 });
  });

  it('SB3 defaults: [256, 256], lr 3e-4, α auto from 1, target entropy −dim(A)', () => {
    const agent = new SAC({ env: new ReachEnv(), seed: 0 });
    const hp = agent.hyperparameters;
    expect(hp.netArch).toEqual([256, 256]);
    expect([hp.learningRate, hp.batchSize, hp.tau, hp.gamma, hp.learningStarts, hp.bufferSize]).toEqual([
      3e-4, 256, 0.005, 0.99, 100, 1_000_000,
    ]);
    expect(agent.autoEntCoef).toBe(true);
    expect(agent.entCoef).toBeCloseTo(1, 6);
    expect(agent.targetEntropy).toBe(-1);
    agent.dispose();
  });

  it('learns a Box-action task (actions rescaled to [−2, 2]) and tunes α', async () => {
    const logger = new MemoryLogger();
    const agent = new SAC({ env: new ReachEnv(), seed: 1, ...small, logger });
    const evalEnv = new ReachEnv();
    const before = evaluatePolicy(agent, evalEnv, { nEpisodes: 50, seed: 3 });
    await agent.learn({ totalTimesteps: 800, logInterval: 50 });
    const after = evaluatePolicy(agent, evalEnv, { nEpisodes: 50, seed: 3 });
    expect(before.meanReward).toBeLessThan(-0.15);
    expect(after.meanReward).toBeGreaterThan(-0.03);
    // α moved away from its initial 1 (the entropy of this easy task collapses, so α falls).
    expect(agent.entCoef).toBeLessThan(0.7);
    const tags = new Set(logger.records.map((r) => r.tag));
    for (const t of [
      'train/critic_loss',
      'train/actor_loss',
      'train/ent_coef',
      'train/ent_coef_loss',
      'train/q_values',
      'rollout/ep_rew_mean',
    ]) {
      expect(tags.has(t), t).toBe(true);
    }
    // Stochastic actions stay inside the bounds.
    const a = agent.predict(new Float32Array(64).fill(0.5), { deterministic: false });
    expect(Math.max(...a)).toBeLessThanOrEqual(2);
    expect(Math.min(...a)).toBeGreaterThanOrEqual(-2);
    agent.dispose();
  }, 120_000);

  it('a fixed entCoef stays fixed', async () => {
    const agent = new SAC({ env: new ReachEnv(), seed: 2, ...small, entCoef: 0.05 });
    await agent.learn({ totalTimesteps: 120 });
    expect(agent.entCoef).toBe(0.05);
    expect(agent.flushTrainStats()?.['train/ent_coef']).toBeCloseTo(0.05, 6);
    agent.dispose();
  });

  it('does not leak tensors (training, predict) on a vectorised env', async () => {
    const env = new SyncVecEnv([() => new ReachEnv(), () => new ReachEnv()]);
    const agent = new SAC({ env, seed: 0, ...small, learningStarts: 10 });
    await agent.learn({ totalTimesteps: 40 });
    await expectNoTensorLeak(async () => {
      await agent.learn({ totalTimesteps: 10, resetNumTimesteps: false });
      agent.predict(Float32Array.of(0.1, -0.3), { deterministic: true });
      agent.predict(Float32Array.of(0.1, -0.3), { deterministic: false });
    });
    agent.dispose();
  });

  it('save / load round-trip: same actions, α, optimizer state; training continues', async () => {
    const agent = new SAC({ env: new ReachEnv(), seed: 4, ...small });
    await agent.learn({ totalTimesteps: 150 });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tfrl-sac-'));
    await agent.save(dir);
    const loaded = await SAC.load(dir, { env: new ReachEnv() });
    const obs = Float32Array.of(-0.9, -0.2, 0.4, 1);
    expect(Array.from(loaded.predict(obs, { deterministic: true }))).toEqual(Array.from(agent.predict(obs, { deterministic: true })));
    expect(loaded.entCoef).toBeCloseTo(agent.entCoef, 6);
    expect(loaded.numTimesteps).toBe(150);
    expect(loaded.actorOptimizer.getState()).toEqual(agent.actorOptimizer.getState());
    expect(loaded.criticOptimizer.getState()).toEqual(agent.criticOptimizer.getState());
    const w = (m: typeof agent) => Array.from(m.criticTarget.q2.trainableVariables[2]?.dataSync() ?? []);
    expect(w(loaded)).toEqual(w(agent));
    await loaded.learn({ totalTimesteps: 20, resetNumTimesteps: false });
    expect(loaded.numTimesteps).toBe(170);
    agent.dispose();
    loaded.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
