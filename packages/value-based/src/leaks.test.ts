import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Algorithm, AnyEnv } from '@tfrl/core';
import { expectNoTensorLeak, useBackend } from '@tfrl/core/testing';
import { make, makeVec } from '@tfrl/envs';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { DQN, Rainbow } from './dqn/dqn';
import { LinearQ } from './linear/linear-q';
import { PolicyIteration, ValueIteration } from './tabular/planning';
import { ExpectedSarsa, NStepSarsa, QLearning, Sarsa } from './tabular/td';

let root: string;
beforeAll(async () => {
  await useBackend('wasm');
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'tfrl-leaks-vb-'));
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

const fast = { learningStarts: 16, batchSize: 16, bufferSize: 1000, trainFreq: 4, gradientSteps: 2, netArch: [16] };
const lake = () => make('FrozenLake-v1');
const envFor: Record<string, () => AnyEnv> = {};
type Loader = { load(dir: string, options: { env: AnyEnv }): Promise<Algorithm<any>> };
const cases: Array<[string, Loader, () => Algorithm<any>]> = [
  ['DQN', DQN, () => new DQN({ env: makeVec('CartPole-v1', 1, { seed: 0 }), seed: 0, ...fast })],
  ['Rainbow', Rainbow, () => new Rainbow({ env: makeVec('CartPole-v1', 1, { seed: 0 }), seed: 0, ...fast })],
  ['LinearQ', LinearQ, () => new LinearQ({ env: make('CartPole-v1'), seed: 0, learningStarts: 8, batchSize: 8 })],
  ['QLearning', QLearning, () => new QLearning({ env: lake(), seed: 0 })],
  ['Sarsa', Sarsa, () => new Sarsa({ env: lake(), seed: 0 })],
  ['ExpectedSarsa', ExpectedSarsa, () => new ExpectedSarsa({ env: lake(), seed: 0 })],
  ['NStepSarsa', NStepSarsa, () => new NStepSarsa({ env: lake(), seed: 0 })],
  ['ValueIteration', ValueIteration, () => new ValueIteration({ env: lake(), seed: 0 })],
  ['PolicyIteration', PolicyIteration, () => new PolicyIteration({ env: lake(), seed: 0 })],
];

describe('no tensor leaks across learn, save, load and dispose', () => {
  it.each(cases)(
    '%s',
    async (name, Cls, build) => {
      const agent = build();
      const dir = path.join(root, name);
      const obs = agent.observationSpace.compactDim === 1 ? 0 : new Float32Array(agent.observationSpace.compactDim);
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
