import { evaluatePolicy } from '@tfrl/core';
import { useBackend } from '@tfrl/core/testing';
import { make, makeVec } from '@tfrl/envs';
import { beforeAll, describe, expect, it } from 'vitest';
import { DQN } from './dqn';

beforeAll(async () => {
  await useBackend('wasm');
});

const opts = {
  learningStarts: 200,
  bufferSize: 20_000,
  batchSize: 64,
  trainFreq: 1,
  gradientSteps: 1,
  targetUpdateInterval: 200,
  learningRate: 1e-3,
  netArch: [64, 64],
};

describe('DQN on goal-conditioned envs (Dict observations end to end)', () => {
  it('BitFlipping-v0 with 4 bits: the success rate goes from chance to every episode', async () => {
    const agent = new DQN({
      env: makeVec('BitFlipping-v0', 4, { seed: 0, kwargs: { nBits: 4 } }),
      seed: 0,
      ...opts,
      explorationFraction: 0.3,
    });
    expect(agent.obsEncoder.inputDim).toBe(12);
    // An episode succeeds when it ends before its 4 steps run out or on the 4th step with reward 0 (return > −4).
    const success = () => {
      const r = evaluatePolicy(agent, make('BitFlipping-v0', { nBits: 4 }), { nEpisodes: 100, seed: 5 });
      return r.episodeRewards.filter((x) => x > -4).length / 100;
    };
    const before = success();
    await agent.learn({ totalTimesteps: 4000 });
    expect(before).toBeLessThan(0.4);
    expect(success()).toBeGreaterThan(0.9);
    // predict takes the env's own dict observation.
    const obs = { observation: [0, 0, 1, 1], achieved_goal: [0, 0, 1, 1], desired_goal: [0, 0, 1, 0] };
    expect(Array.from(agent.predict(obs, { deterministic: true }))).toEqual([3]);
    agent.dispose();
  }, 60_000);

  it('GoalGridWorld-v0 (open-5x5): the mean return improves', async () => {
    const env = makeVec('GoalGridWorld-v0', 4, { seed: 0, kwargs: { map: 'open-5x5' } });
    const agent = new DQN({ env, seed: 0, ...opts, explorationFraction: 0.5 });
    const evalEnv = make('GoalGridWorld-v0', { map: 'open-5x5' });
    const before = evaluatePolicy(agent, evalEnv, { nEpisodes: 50, seed: 5 }).meanReward;
    await agent.learn({ totalTimesteps: 4000 });
    const after = evaluatePolicy(agent, evalEnv, { nEpisodes: 50, seed: 5 }).meanReward;
    expect(after).toBeGreaterThan(-10);
    expect(after).toBeGreaterThan(before + 20);
    agent.dispose();
  }, 60_000);
});
