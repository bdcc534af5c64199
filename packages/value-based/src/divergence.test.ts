import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Algorithm, NonFiniteError } from '@tfrl/core';
import { useBackend } from '@tfrl/core/testing';
import { make, makeVec } from '@tfrl/envs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DQN, Rainbow } from './dqn/dqn';
import { LinearQ } from './linear/linear-q';

let root: string;
beforeAll(async () => {
  await useBackend('wasm');
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'tfrl-diverge-vb-'));
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

const fast = { learningStarts: 32, batchSize: 16, bufferSize: 1000, trainFreq: 4, gradientSteps: 2, netArch: [16], maxGradNorm: null };
const cases: Array<[string, () => Algorithm<any>]> = [
  ['DQN', () => new DQN({ env: makeVec('CartPole-v1', 1, { seed: 0 }), seed: 0, ...fast, learningRate: 1e38 })],
  ['Rainbow', () => new Rainbow({ env: makeVec('CartPole-v1', 1, { seed: 0 }), seed: 0, ...fast, learningRate: 1e38 })],
  ['LinearQ', () => new LinearQ({ env: make('CartPole-v1'), seed: 0, learningRate: 1e30, learningStarts: 40, batchSize: 8 })],
];

describe('divergence stops the run and never reaches a checkpoint', () => {
  it.each(cases)(
    '%s',
    async (name, mk) => {
      const agent = mk();
      const dir = path.join(root, name);
      await agent.save(dir);
      const err = await agent.learn({ totalTimesteps: 20_000 }).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(NonFiniteError);
      expect((err as Error).message).toMatch(new RegExp(`^${name}: .+ became (NaN|-?Infinity) at step \\d+`));
      await expect(agent.save(dir)).rejects.toThrow(/refusing to save .*holds (NaN|-?Infinity)/);
      const cls = agent.constructor as unknown as { load(d: string, o: { env: unknown }): Promise<Algorithm<any>> };
      const loaded = await cls.load(dir, { env: agent.env });
      expect(loaded.numTimesteps).toBe(0);
      loaded.dispose();
      agent.dispose();
    },
    60_000,
  );
});
