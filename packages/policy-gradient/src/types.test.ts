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

describe('the Gymnasium loop: env.step(agent.predict(obs))', () => {
  it('an agent made on a single Env returns the action that env takes, typed; on a VecEnv, the batch', async () => {
    const { ReachEnv } = await import('./reach-env.testutil');
    const box = new ReachEnv();
    const sac = new SAC({ env: box, seed: 0, bufferSize: 100, learningStarts: 10 });
    let { obs } = box.reset({ seed: 0 });
    for (let t = 0; t < 3; t++) {
      const action: Float32Array = sac.predict(obs, { deterministic: true });
      expect(action).toBeInstanceOf(Float32Array);
      const r = box.step(action);
      if (r.terminated || r.truncated) break;
      obs = r.obs;
    }
    sac.dispose();
    const cartpole = makeVec('CartPole-v1', 2, { seed: 0 });
    const ppo = new PPO({ env: cartpole, seed: 0, nSteps: 8, batchSize: 16 });
    const batch: Int32Array | Float32Array = ppo.predict(cartpole.reset(0));
    expect(batch).toHaveLength(2);
    cartpole.step(batch);
    ppo.dispose();
  });
});
