import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { trainCommand } from './commands/train';
import { registerAll } from './index';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tfrl-cli-logging-'));
let log: ReturnType<typeof vi.spyOn>;
beforeAll(() => {
  registerAll();
  log = vi.spyOn(console, 'log').mockImplementation(() => {});
});
afterAll(() => {
  log.mockRestore();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const jsonl = (runDir: string) =>
  fs
    .readFileSync(path.join(runDir, 'progress.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { tag: string; step: number; kind?: string; type?: string });

describe('tfrl train: what a run logs', () => {
  it('CleanRL tag names with --tags both, the settings as text, weight histograms every --histogram-freq, videos of env 0', async () => {
    const res = await trainCommand([
      'ppo',
      'CartPole-v1',
      '--steps',
      '1024',
      '--set',
      'n_steps=64',
      '--set',
      'n_envs=2',
      '--set',
      'batch_size=64',
      '--tags',
      'both',
      '--histogram-freq',
      '512',
      '--video-freq',
      '4',
      '--backend',
      'wasm',
      '--logdir',
      tmp,
      '--quiet',
    ]);
    const runDir = res?.runDir as string;
    const header = fs.readFileSync(path.join(runDir, 'progress.csv'), 'utf8').split('\n')[0]?.split(',') ?? [];
    for (const tag of ['rollout/ep_rew_mean', 'charts/episodic_return', 'losses/value_loss', 'charts/SPS', 'eval/mean_reward']) {
      expect(header).toContain(tag);
    }
    const records = jsonl(runDir);
    expect(records.some((r) => r.tag === 'hyperparameters')).toBe(true);
    const histSteps = [...new Set(records.filter((r) => r.tag.startsWith('weights/policy/')).map((r) => r.step))];
    expect(histSteps.length).toBeGreaterThanOrEqual(2); // at the start and after step 512
    expect(histSteps[0]).toBe(0);
    // CartPole episodes under a young policy last ~10–40 steps: 1024 steps hold far more than 4 episodes of env 0.
    const videos = fs.readdirSync(path.join(runDir, 'videos')).sort();
    expect(videos[0]).toBe('rl-video-episode-0.gif');
    expect(videos).toContain('rl-video-episode-4.gif');
    expect(videos.every((v) => Number(v.match(/\d+/)?.[0]) % 4 === 0)).toBe(true);
  }, 120_000);

  it('refuses a bad --tags or --video-format before anything is written', async () => {
    const logdir = path.join(tmp, 'bad');
    const base = ['ppo', 'CartPole-v1', '--logdir', logdir, '--quiet', '--backend', 'cpu'];
    await expect(trainCommand([...base, '--tags', 'keras'])).rejects.toThrow(/--tags must be one of sb3, cleanrl, both, got "keras"/);
    await expect(trainCommand([...base, '--video-freq', '2', '--video-format', 'avi'])).rejects.toThrow(
      /--video-format must be gif or mp4, got "avi"/,
    );
    await expect(trainCommand([...base, '--histogram-freq=-1'])).rejects.toThrow(/--histogram-freq must be an integer from 0/);
    expect(fs.existsSync(logdir)).toBe(false);
  });
});

describe('tfrl train: multi-agent runs', () => {
  it('--eval-freq logs test curves per agent and the paper metrics; the run holds a PNG of the curves per agent', async () => {
    const res = await trainCommand([
      'maddpg',
      'simple_spread_v3',
      '--set',
      'continuous_actions=true',
      '--set',
      'learning_starts=200',
      '--set',
      'batch_size=64',
      '--steps',
      '1500',
      '--eval-freq',
      '500',
      '--eval-episodes',
      '2',
      '--backend',
      'wasm',
      '--logdir',
      tmp,
      '--quiet',
    ]);
    const runDir = res?.runDir as string;
    const rows = jsonl(runDir);
    const steps = (tag: string) => rows.filter((r) => r.tag === tag).map((r) => r.step);
    // three periodic evaluations and the final one
    expect(steps('eval/agent_1/mean_reward')).toEqual([500, 1000, 1500, 1500]);
    expect(steps('eval/landmark_distance')).toEqual([500, 1000, 1500, 1500]);
    expect(steps('eval/collisions').length).toBe(4);
    expect(rows.some((r) => r.tag === 'agent_2/episode_return')).toBe(true);
    const png = fs.readFileSync(path.join(runDir, 'agents.png'));
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
  }, 60_000);
});

describe('tfrl train on a goal grid world', () => {
  it('logs rollout/success_rate and the heat map of where episodes end (TensorBoard image and <run>/episode_ends.png)', async () => {
    const res = await trainCommand([
      'dqn',
      'GoalGridWorld-v0',
      '--set',
      'env_kwargs.map=tp13-map2-sparse',
      '--set',
      'her=future',
      '--set',
      'learning_starts=64',
      '--steps',
      '500',
      '--backend',
      'wasm',
      '--logdir',
      tmp,
      '--quiet',
    ]);
    const runDir = res?.runDir as string;
    const rows = jsonl(runDir);
    expect(rows.some((r) => r.tag === 'rollout/success_rate')).toBe(true);
    expect(rows.filter((r) => r.tag === 'curriculum/episode_ends').length).toBeGreaterThan(1);
    expect(fs.readFileSync(path.join(runDir, 'episode_ends.png')).subarray(1, 4).toString('latin1')).toBe('PNG');
  }, 60_000);
});

describe('tfrl train --set her=…', () => {
  it('trains DQN with hindsight experience replay on BitFlipping; bad values are refused before anything is written', async () => {
    const res = await trainCommand([
      'dqn',
      'BitFlipping-v0',
      '--steps',
      '400',
      '--set',
      'her=future',
      '--set',
      'n_sampled_goal=4',
      '--set',
      'env_kwargs={n_bits: 4}',
      '--set',
      'learning_starts=64',
      '--set',
      'net_arch=[32]',
      '--backend',
      'wasm',
      '--logdir',
      tmp,
      '--quiet',
    ]);
    const config = JSON.parse(fs.readFileSync(path.join(res?.runDir as string, 'config.json'), 'utf8'));
    expect(config.hyperparameters.replayBufferClass).toBe('HerReplayBuffer');
    expect(jsonl(res?.runDir as string).some((r) => r.tag === 'rollout/success_rate')).toBe(true);
    expect(config.hyperparameters.replayBufferKwargs).toEqual({ goalSelectionStrategy: 'future', nSampledGoal: 4 });
    const logdir = path.join(tmp, 'her-bad');
    const base = ['dqn', 'BitFlipping-v0', '--logdir', logdir, '--quiet', '--backend', 'cpu'];
    await expect(trainCommand([...base, '--set', 'her=sometimes'])).rejects.toThrow(/her must be one of future, final, episode/);
    await expect(trainCommand([...base, '--set', 'n_sampled_goal=4'])).rejects.toThrow(/n_sampled_goal needs her=/);
    await expect(trainCommand(['ppo', 'BitFlipping-v0', '--logdir', logdir, '--quiet', '--set', 'her=final'])).rejects.toThrow(
      /her needs an off-policy learner/,
    );
    expect(fs.existsSync(logdir)).toBe(false);
  }, 120_000);
});
