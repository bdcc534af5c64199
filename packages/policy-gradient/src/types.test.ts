import { useBackend } from '@tfrl/core/testing';
import { makeVec } from '@tfrl/envs';
import { beforeAll, describe, expect, it } from 'vitest';
import { A2C } from './a2c';
import { PPO } from './ppo';
import { SAC } from './sac';

beforeAll(async () => {
  await useBackend('cpu');
});

describe('hyperparameter types come from the schemas', () => {
  it('an unknown hyperparameter is a compile-time error and a run-time error naming it', () => {
    // @ts-expect-error `learningRat` is not a PPO hyperparameter
    expect(() => new PPO({ env: makeVec('CartPole-v1', 1), learningRat: 1e-3 })).toThrow(/unknown hyperparameter "learningRat"/);
    // @ts-expect-error `nSteps` is an integer
    expect(() => new A2C({ env: makeVec('CartPole-v1', 1), nSteps: 'five' })).toThrow(/nSteps/);
    // @ts-expect-error `tau` belongs to the off-policy learners
    expect(() => new PPO({ env: makeVec('CartPole-v1', 1), tau: 0.5 })).toThrow(/tau/);
    const sac = new SAC({ env: makeVec('Pendulum-v1', 1), bufferSize: 100, trainFreq: [1, 'episode'], entCoef: 'auto_0.1' });
    expect(sac.hyperparameters.trainFreq).toEqual([1, 'episode']);
    sac.dispose();
  });
});
