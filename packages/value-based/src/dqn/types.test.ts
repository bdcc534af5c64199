import { useBackend } from '@tfrl/core/testing';
import { makeVec } from '@tfrl/envs';
import { beforeAll, describe, expect, it } from 'vitest';
import { DQN } from './dqn';

beforeAll(async () => {
  await useBackend('cpu');
});

describe('DQN hyperparameter types', () => {
  it('an unknown hyperparameter is a compile-time error and a run-time error naming it', () => {
    // @ts-expect-error `targetUpdateIntervall` is not a DQN hyperparameter
    expect(() => new DQN({ env: makeVec('CartPole-v1', 1), targetUpdateIntervall: 5 })).toThrow(/targetUpdateIntervall/);
    const dqn = new DQN({ env: makeVec('CartPole-v1', 1), bufferSize: 100, replayBufferClass: 'PrioritizedReplayBuffer' });
    expect(dqn.replayBuffer.prioritized).toBe(true);
    dqn.dispose();
  });
});
