import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRunLogger } from './logger';
import { hyperparameterTable, tagsFor } from './tags';

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'tfrl-tags-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('tag styles', () => {
  it('maps SB3 tags to CleanRL names; unmapped tags stay', () => {
    expect(tagsFor('rollout/ep_rew_mean', 'sb3')).toEqual(['rollout/ep_rew_mean']);
    expect(tagsFor('rollout/ep_rew_mean', 'cleanrl')).toEqual(['charts/episodic_return']);
    expect(tagsFor('train/value_loss', 'both')).toEqual(['train/value_loss', 'losses/value_loss']);
    expect(tagsFor('eval/mean_reward', 'cleanrl')).toEqual(['eval/mean_reward']);
  });

  it("createRunLogger writes CleanRL's names to the files with tagStyle 'both', and the settings as text", () => {
    const { logger, runDir } = createRunLogger({
      rootDir: root,
      env: 'CartPole-v1',
      algo: 'ppo',
      seed: 0,
      config: { algo: 'ppo', hyperparameters: { learningRate: 3e-4, netArch: [64, 64] } },
      sinks: ['csv', 'jsonl'],
      tagStyle: 'both',
      logConfigText: true,
    });
    logger.scalar('rollout/ep_rew_mean', 21.5, 128);
    logger.scalar('time/fps', 900, 128);
    logger.dump(128);
    logger.close();
    const csv = readFileSync(join(runDir, 'progress.csv'), 'utf8').split('\n');
    expect(csv[0]?.split(',').sort()).toEqual(['charts/SPS', 'charts/episodic_return', 'rollout/ep_rew_mean', 'step', 'time/fps']);
    const records = readFileSync(join(runDir, 'progress.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const text = records.find((r) => r.tag === 'hyperparameters');
    expect(text.value ?? text.text).toContain('| hyperparameters.learningRate | 0.0003 |');
    expect(() => createRunLogger({ rootDir: root, env: 'x', algo: 'y', seed: 0, tagStyle: 'keras' as never })).toThrow(
      /tagStyle must be one of sb3, cleanrl, both, got "keras"/,
    );
  });

  it('hyperparameterTable flattens nested settings and escapes pipes', () => {
    expect(hyperparameterTable({ a: 1, b: { c: 'x|y', d: [1, 2] }, e: {} })).toBe(
      ['| setting | value |', '| --- | --- |', '| a | 1 |', '| b.c | "x\\|y" |', '| b.d | [1,2] |', '| e | {} |'].join('\n'),
    );
  });
});
