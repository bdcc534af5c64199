import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { evaluatePolicy } from '@tfrl/core';
import { expectNoTensorLeak, useBackend } from '@tfrl/core/testing';
import { make, makeVec } from '@tfrl/envs';
import { beforeAll, describe, expect, it } from 'vitest';
import { VPG, vpgLoss } from './guide-example';

beforeAll(async () => {
  await useBackend('wasm');
});

describe('the worked example of docs/ALGORITHMS-GUIDE.md', () => {
  it('is the code the guide shows, under 100 lines', () => {
    const code = fs.readFileSync(path.join(__dirname, 'guide-example.ts'), 'utf8');
    const guide = fs.readFileSync(path.join(__dirname, '../../../docs/ALGORITHMS-GUIDE.md'), 'utf8');
    expect(guide).toContain(`\`\`\`ts\n${code}\`\`\``);
    expect(code.split('\n').length).toBeLessThan(100);
  });

  it('vpgLoss matches the hand computation', () => {
    // −mean([1·−0.5, −2·−1]) + 0.5·mean([(1 − 0)², (3 − 1)²]) = −0.75 + 1.25 = 0.5
    const v = tf.tidy(() => vpgLoss(tf.tensor1d([-0.5, -1]), tf.tensor1d([1, -2]), tf.tensor1d([0, 1]), tf.tensor1d([1, 3]), 0.5));
    expect(v.dataSync()[0]).toBeCloseTo(0.5, 6);
    v.dispose();
  });

  it('learns CartPole-v1, saves, loads and does not leak', async () => {
    const agent = new VPG({ env: makeVec('CartPole-v1', 8, { seed: 0 }), seed: 0 });
    const before = evaluatePolicy(agent, make('CartPole-v1'), { nEpisodes: 5, seed: 1 }).meanReward;
    await agent.learn({ totalTimesteps: 30_000 });
    const after = evaluatePolicy(agent, make('CartPole-v1'), { nEpisodes: 5, seed: 1 }).meanReward;
    expect(after).toBeGreaterThan(Math.max(150, before + 100));
    const dir = fs.mkdtempSync(path.join(require('node:os').tmpdir(), 'tfrl-vpg-'));
    await expectNoTensorLeak(async () => {
      await agent.learn({ totalTimesteps: 512, resetNumTimesteps: false });
      await agent.save(dir);
      (await VPG.load(dir, { env: makeVec('CartPole-v1', 8) })).dispose();
    });
    agent.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  }, 120_000);
});
