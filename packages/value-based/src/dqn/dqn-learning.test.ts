import { evaluatePolicy } from '@tfrl/core';
import { useBackend } from '@tfrl/core/testing';
import { make } from '@tfrl/envs';
import { beforeAll, describe, expect, it } from 'vitest';
import { DQN, Rainbow } from './dqn';

// Learning smoke runs (kept apart from dqn.test.ts so each file stays short on a loaded machine).
beforeAll(async () => {
  await useBackend('wasm');
});

describe('learning (smoke)', () => {
  it('DQN improves CartPole-v1 within 10k steps (zoo schedule, smaller net)', async () => {
    const agent = new DQN({
      env: make('CartPole-v1'),
      seed: 0,
      learningRate: 2.3e-3,
      batchSize: 64,
      bufferSize: 100_000,
      learningStarts: 1000,
      targetUpdateInterval: 10,
      trainFreq: 256,
      gradientSteps: 128,
      explorationFraction: 0.16,
      explorationFinalEps: 0.04,
      netArch: [64, 64],
    });
    const before = await evaluatePolicy(agent, make('CartPole-v1'), { nEpisodes: 5, deterministic: true, seed: 100 });
    await agent.learn({ totalTimesteps: 10_000 });
    const after = await evaluatePolicy(agent, make('CartPole-v1'), { nEpisodes: 5, deterministic: true, seed: 100 });
    // untrained greedy policies last ~10 steps
    expect(after.meanReward).toBeGreaterThan(Math.max(60, before.meanReward + 40));
    agent.dispose();
  }, 240_000);

  it('Rainbow improves CartPole-v1 within a few thousand steps', async () => {
    const agent = new Rainbow({
      env: make('CartPole-v1'),
      seed: 0,
      learningRate: 1e-3,
      batchSize: 32,
      bufferSize: 20_000,
      learningStarts: 500,
      targetUpdateInterval: 200,
      trainFreq: 4,
      gradientSteps: 1,
      netArch: [64, 64],
      vMin: 0,
      vMax: 200,
    });
    const before = await evaluatePolicy(agent, make('CartPole-v1'), { nEpisodes: 5, deterministic: true, seed: 100 });
    await agent.learn({ totalTimesteps: 4000 });
    const after = await evaluatePolicy(agent, make('CartPole-v1'), { nEpisodes: 5, deterministic: true, seed: 100 });
    expect(after.meanReward).toBeGreaterThan(Math.max(50, before.meanReward + 30));
    agent.dispose();
  }, 240_000);
});
