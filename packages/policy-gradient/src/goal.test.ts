import { evaluatePolicy } from '@tfrl/core';
import { useBackend } from '@tfrl/core/testing';
import { make, makeVec } from '@tfrl/envs';
import { beforeAll, describe, expect, it } from 'vitest';
import { SAC } from './sac';

beforeAll(async () => {
  await useBackend('wasm');
});

describe('SAC on a goal-conditioned env (Dict observations end to end)', () => {
  it('continuous BitFlipping-v0 with 3 bits: the success rate goes from chance to every episode', async () => {
    const kwargs = { nBits: 3, continuous: true };
    const agent = new SAC({
      env: makeVec('BitFlipping-v0', 1, { seed: 0, kwargs }),
      seed: 0,
      learningStarts: 200,
      netArch: [64, 64],
      batchSize: 64,
      learningRate: 1e-3,
    });
    const success = () => {
      const r = evaluatePolicy(agent, make('BitFlipping-v0', kwargs), { nEpisodes: 100, seed: 5 });
      return r.episodeRewards.filter((x) => x > -3).length / 100;
    };
    const before = success();
    await agent.learn({ totalTimesteps: 5000 });
    expect(before).toBeLessThan(0.4);
    expect(success()).toBeGreaterThan(0.9);
    agent.dispose();
  }, 120_000);
});
