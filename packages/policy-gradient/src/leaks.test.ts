import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Algorithm, AnyEnv } from '@tfrl/core';
import { expectNoTensorLeak, useBackend } from '@tfrl/core/testing';
import { makeVec } from '@tfrl/envs';
import { afterAll, beforeAll, describe, it } from 'vitest';
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
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'tfrl-leaks-pg-'));
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

const small = { netArch: [16] };
const offPolicy = { learningStarts: 16, batchSize: 16, ...small };
const cartpole = () => makeVec('CartPole-v1', 2, { seed: 0 });
const pendulum = () => makeVec('Pendulum-v1', 1, { seed: 0 });
const envFor: Record<string, () => AnyEnv> = { PPO: cartpole };
type Loader = { load(dir: string, options: { env: AnyEnv }): Promise<Algorithm<any>> };
const cases: Array<[string, Loader, () => Algorithm<any>]> = [
  ['PPO', PPO, () => new PPO({ env: cartpole(), seed: 0, nSteps: 16, batchSize: 16, nEpochs: 1, normalize: true, ...small })],
  ['A2C', A2C, () => new A2C({ env: cartpole(), seed: 0, ...small })],
  ['TRPO', TRPO, () => new TRPO({ env: cartpole(), seed: 0, nSteps: 32, batchSize: 32, ...small })],
  ['REINFORCE', REINFORCE, () => new REINFORCE({ env: cartpole(), seed: 0, ...small })],
  ['ARS', ARS, () => new ARS({ env: makeVec('Pendulum-v1', 2, { seed: 0 }), seed: 0, nDelta: 2 })],
  ['SAC', SAC, () => new SAC({ env: pendulum(), seed: 0, ...offPolicy })],
  ['TD3', TD3, () => new TD3({ env: pendulum(), seed: 0, ...offPolicy })],
  ['DDPG', DDPG, () => new DDPG({ env: pendulum(), seed: 0, ...offPolicy })],
];

describe('no tensor leaks across learn, save, load and dispose', () => {
  it.each(cases)(
    '%s',
    async (name, Cls, build) => {
      const agent = build();
      const dir = path.join(root, name);
      const obs = new Float32Array(agent.observationSpace.compactDim);
      await expectNoTensorLeak(async () => {
        await agent.learn({ totalTimesteps: 32, resetNumTimesteps: false });
        await agent.save(dir);
        // A fresh env of the same kind: the agent's own may carry a VecNormalize wrapper the checkpoint restores.
        const env = envFor[name]?.() ?? agent.env;
        const loaded = await Cls.load(dir, { env });
        loaded.predict(obs, { deterministic: true });
        loaded.dispose();
      });
      agent.dispose();
    },
    60_000,
  );
});
