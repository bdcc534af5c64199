import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Algorithm, NonFiniteError } from '@tfrl/core';
import { useBackend } from '@tfrl/core/testing';
import { makeVec } from '@tfrl/envs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { A2C } from './a2c';
import { ARS } from './ars';
import { DDPG } from './ddpg';
import { PPO } from './ppo';
import { REINFORCE } from './reinforce';
import { SAC } from './sac';
import { TD3 } from './td3';
import { TRPO } from './trpo';

let root: string;
beforeAll(async () => {
  await useBackend('wasm');
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'tfrl-diverge-'));
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

type Make = (lr: number) => Algorithm<any>;
const small = { netArch: [16] };
const cases: Array<[string, Make, number]> = [
  [
    'PPO',
    (lr) =>
      new PPO({
        env: makeVec('CartPole-v1', 2, { seed: 0 }),
        seed: 0,
        nSteps: 32,
        batchSize: 32,
        nEpochs: 2,
        learningRate: lr,
        maxGradNorm: null,
        ...small,
      }),
    1e38,
  ],
  ['A2C', (lr) => new A2C({ env: makeVec('CartPole-v1', 2, { seed: 0 }), seed: 0, learningRate: lr, maxGradNorm: null, ...small }), 1e38],
  [
    'TRPO',
    (lr) => new TRPO({ env: makeVec('CartPole-v1', 2, { seed: 0 }), seed: 0, nSteps: 64, batchSize: 32, learningRate: lr, ...small }),
    1e38,
  ],
  ['REINFORCE', (lr) => new REINFORCE({ env: makeVec('CartPole-v1', 2, { seed: 0 }), seed: 0, learningRate: lr, ...small }), 1e38],
  ['ARS', (lr) => new ARS({ env: makeVec('Pendulum-v1', 2, { seed: 0 }), seed: 0, learningRate: lr, nDelta: 2 }), 1e308],
  [
    'SAC',
    (lr) =>
      new SAC({ env: makeVec('Pendulum-v1', 1, { seed: 0 }), seed: 0, learningStarts: 16, batchSize: 16, learningRate: lr, ...small }),
    1e6,
  ],
  [
    'TD3',
    (lr) =>
      new TD3({ env: makeVec('Pendulum-v1', 1, { seed: 0 }), seed: 0, learningStarts: 16, batchSize: 16, learningRate: lr, ...small }),
    1e6,
  ],
  [
    'DDPG',
    (lr) =>
      new DDPG({ env: makeVec('Pendulum-v1', 1, { seed: 0 }), seed: 0, learningStarts: 16, batchSize: 16, learningRate: lr, ...small }),
    1e6,
  ],
];

describe('divergence stops the run and never reaches a checkpoint', () => {
  it.each(cases)(
    '%s',
    async (name, make, hugeLr) => {
      const agent = make(hugeLr);
      const dir = path.join(root, name);
      await agent.save(dir); // a good checkpoint from before training
      let err: unknown;
      try {
        await agent.learn({ totalTimesteps: 20_000 });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(NonFiniteError);
      const e = err as NonFiniteError;
      expect(e.algorithm).toBe(name);
      expect(e.message).toMatch(new RegExp(`^${name}: .+ became (NaN|-?Infinity) at step \\d+`));
      expect(agent.numTimesteps).toBeLessThan(20_000);
      // Saving the diverged weights is refused, naming a tensor; the good checkpoint stays and loads.
      if (name !== 'ARS' || !Number.isFinite(e.value)) {
        await expect(agent.save(dir)).rejects.toThrow(/refusing to save .*holds (NaN|-?Infinity)/);
      }
      const cls = agent.constructor as unknown as { load(d: string, o: { env: unknown }): Promise<Algorithm<any>> };
      const loaded = await cls.load(dir, {
        env: makeVec(
          name === 'PPO' || name === 'A2C' || name === 'TRPO' || name === 'REINFORCE' ? 'CartPole-v1' : 'Pendulum-v1',
          name === 'SAC' || name === 'TD3' || name === 'DDPG' ? 1 : 2,
        ),
      });
      expect(loaded.numTimesteps).toBe(0);
      loaded.dispose();
      agent.dispose();
    },
    60_000,
  );
});
