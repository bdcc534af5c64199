import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { evaluatePolicy } from '@tfrl/core';
import { expectNoTensorLeak, useBackend } from '@tfrl/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { DDPG } from './ddpg';
import { OrnsteinUhlenbeckNoise } from './off-policy';
import { DiscreteActionEnv, ReachEnv } from './off-policy.testutil';

beforeAll(async () => {
  await useBackend('wasm');
});

const small = { netArch: [32, 32], batchSize: 32, learningStarts: 50, learningRate: 3e-3 };

describe('DDPG', () => {
  it('refuses discrete actions and TD3-only fields; one critic', () => {
    expect(() => new DDPG({ env: new DiscreteActionEnv() })).toThrow(/Box.*action|action.*Box/);
    expect(() => new DDPG({ env: new ReachEnv(), policyDelay: 2 } as never)).toThrow(/policyDelay/);
    const agent = new DDPG({ env: new ReachEnv(), seed: 0, actionNoise: { type: 'ornstein-uhlenbeck', sigma: 0.5 } });
    expect(agent.critics.length).toBe(1);
    expect(agent.twinQ).toBeUndefined();
    expect(agent.actionNoise).toBeInstanceOf(OrnsteinUhlenbeckNoise);
    expect(agent.hyperparameters.netArch).toEqual([400, 300]);
    agent.dispose();
  });

  it('learns a Box-action task with OU noise; actor updated every step', async () => {
    const agent = new DDPG({
      env: new ReachEnv(),
      seed: 1,
      ...small,
      actionNoise: { type: 'ornstein-uhlenbeck', sigma: 0.3, theta: 0.15 },
    });
    const evalEnv = new ReachEnv();
    const before = evaluatePolicy(agent, evalEnv, { nEpisodes: 50, seed: 3 });
    await agent.learn({ totalTimesteps: 700 });
    const after = evaluatePolicy(agent, evalEnv, { nEpisodes: 50, seed: 3 });
    expect(before.meanReward).toBeLessThan(-0.1);
    expect(after.meanReward).toBeGreaterThan(-0.03);
    expect(agent.actorOptimizer.getState().step).toBe(650);
    expect(agent.criticOptimizer.getState().step).toBe(650);
    agent.dispose();
  }, 60_000);

  it('does not leak tensors', async () => {
    const agent = new DDPG({ env: new ReachEnv(), seed: 0, ...small, learningStarts: 10, actionNoise: { type: 'normal', sigma: 0.1 } });
    await agent.learn({ totalTimesteps: 30 });
    await expectNoTensorLeak(async () => {
      await agent.learn({ totalTimesteps: 10, resetNumTimesteps: false });
      agent.predict(Float32Array.of(0.5));
    });
    agent.dispose();
  });

  it('save / load round-trip keeps the hyperparameters (no TD3 fields) and the weights', async () => {
    const agent = new DDPG({ env: new ReachEnv(), seed: 4, ...small, actionNoise: { type: 'normal', sigma: 0.2 } });
    await agent.learn({ totalTimesteps: 80 });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tfrl-ddpg-'));
    await agent.save(dir);
    const loaded = await DDPG.load(dir, { env: new ReachEnv() });
    const obs = Float32Array.of(-0.7, 0.3);
    expect(Array.from(loaded.predict(obs))).toEqual(Array.from(agent.predict(obs)));
    expect(loaded.hyperparameters.actionNoise).toEqual({ type: 'normal', sigma: 0.2 });
    expect(loaded.criticOptimizer.getState()).toEqual(agent.criticOptimizer.getState());
    agent.dispose();
    loaded.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
