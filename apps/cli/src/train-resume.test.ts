import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { evalCommand } from './commands/eval';
import { runCheckpoints, trainCommand } from './commands/train';
import { registerAll } from './index';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tfrl-cli-resume-'));
let log: ReturnType<typeof vi.spyOn>;
beforeAll(() => {
  registerAll();
  log = vi.spyOn(console, 'log').mockImplementation(() => {});
});
afterAll(() => {
  log.mockRestore();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('tfrl train: wrong input is refused before anything is written', () => {
  const logdir = path.join(tmp, 'probes');
  const base = ['ppo', 'CartPole-v1', '--backend', 'cpu', '--logdir', logdir, '--quiet'];
  it.each([
    [['--steps', '1.5'], /--steps must be an integer, got "1\.5"/],
    [['--steps', '1e30'], /--steps must be an integer from 1 to 1000000000000, got "1e30"/],
    [['--steps='], /--steps needs a value/],
    [['--steps', '0'], /--steps must be an integer from 1 to/],
    [['--seed', '99999999999999999999'], /--seed must be an integer from 0 to 4294967295/],
    [['--eval-freq=-5'], /--eval-freq must be an integer from 0 to/],
    [['--set', 'eval_freq=banana'], /--eval-freq must be an integer, got "banana"/],
    [['--set', 'env_kwargs=5'], /env_kwargs must be a mapping of env options, got 5/],
    [['--set', 'policy=CnnPolicy'], /policy must be one of MlpPolicy, MultiInputPolicy .*got "CnnPolicy"/],
    [['--logdir='], /--logdir needs a non-empty value/],
    [['--eval-episodes', '0'], /--eval-episodes must be an integer from 1 to/],
    [['--set', 'n_envs=1e9'], /n_envs must be at most 1024, got 1000000000/],
    [['--set', 'net_arch=[1e9]'], /net_arch layers must be at most 16384 wide, got 1000000000/],
    [['--set', 'n_steps=1e9'], /n_steps × n_envs must be at most 1e\+7 rollout rows/],
    [
      ['--set', 'learning_rate=1e-4', '--set', 'learningRate=1e-4'],
      /"learning_rate" and "learningRate" are the same setting; give it once/,
    ],
  ])('%j', async (extra, message) => {
    const args = extra[0] === '--logdir=' ? ['ppo', 'CartPole-v1', '--backend', 'cpu', '--logdir=', '--quiet'] : [...base, ...extra];
    await expect(trainCommand(args)).rejects.toThrow(message);
    expect(fs.existsSync(logdir)).toBe(false);
  });

  it('a camelCase --set overrides the snake_case default instead of clashing with it', async () => {
    const res = await trainCommand([
      ...base,
      '--steps',
      '64',
      '--set',
      'nSteps=8',
      '--set',
      'batch_size=16',
      '--set',
      'learningRate=1e-4',
      '--set',
      'n_epochs=1',
    ]);
    const config = JSON.parse(fs.readFileSync(path.join(res?.runDir as string, 'config.json'), 'utf8'));
    expect(config.hyperparameters.learningRate).toBe(1e-4);
    expect(config.hyperparameters.nSteps).toBe(8);
  }, 60_000);
});

describe('tfrl train: a diverging run stops with an error and keeps its last good checkpoint', () => {
  it.each([
    ['ppo', 'CartPole-v1', ['--set', 'n_steps=64', '--set', 'n_envs=2', '--set', 'batch_size=64']],
    ['dqn', 'CartPole-v1', ['--set', 'learning_starts=64', '--set', 'train_freq=4', '--set', 'gradient_steps=1', '--set', 'net_arch=[16]']],
  ])(
    '%s at learning_rate=1e38',
    async (algo, env, extra) => {
      const logdir = path.join(tmp, `diverge-${algo}`);
      const err = await trainCommand([
        algo,
        env,
        '--steps',
        '4096',
        '--save-freq',
        '128',
        '--set',
        'learning_rate=1e38',
        '--backend',
        'wasm',
        '--logdir',
        logdir,
        '--quiet',
        ...extra,
      ]).then(
        () => null,
        (e: Error) => e,
      );
      expect(err?.message).toMatch(new RegExp(`${algo.toUpperCase()}: .* became (NaN|Infinity|-Infinity) at step \\d+`));
      const [runDir] = fs.readdirSync(path.join(logdir, env)).map((d) => path.join(logdir, env, d));
      expect(fs.existsSync(path.join(runDir as string, 'model'))).toBe(false);
      // Every checkpoint the run kept holds finite weights and still loads and evaluates.
      for (const c of runCheckpoints(runDir as string)) {
        const ev = await evalCommand([c.dir, '--episodes', '1', '--backend', 'wasm']);
        expect(Number.isFinite(ev?.meanReward)).toBe(true);
      }
    },
    120_000,
  );
});

describe('tfrl train --save-freq / --resume', () => {
  it('checkpoints a DQN run with its replay buffer, resumes it from the newest checkpoint, and every checkpoint evaluates', async () => {
    const logdir = path.join(tmp, 'resume');
    const common = ['--backend', 'wasm', '--logdir', logdir, '--quiet'];
    const res = await trainCommand([
      'dqn',
      'CartPole-v1',
      '--steps',
      '1200',
      '--save-freq',
      '400',
      '--set',
      'learning_starts=200',
      '--set',
      'net_arch=[16]',
      '--set',
      'train_freq=16',
      '--set',
      'gradient_steps=4',
      ...common,
    ]);
    const runDir = res?.runDir as string;
    const ckpts = runCheckpoints(runDir);
    expect(ckpts.map((c) => c.steps)).toEqual([800, 400]);
    for (const c of ckpts) expect(fs.readdirSync(c.dir).sort()).toEqual(['complete', 'model', 'replay_buffer']);
    // A longer target continues from the newest checkpoint (step 800) to 2000.
    const resumed = await trainCommand(['--resume', runDir, '--steps', '2000', '--backend', 'wasm', '--quiet']);
    expect(resumed?.runDir).toBe(runDir);
    const config = JSON.parse(fs.readFileSync(path.join(runDir, 'config.json'), 'utf8'));
    expect(config.totalTimesteps).toBe(2000);
    const csv = fs.readFileSync(path.join(runDir, 'progress.csv'), 'utf8').trim().split('\n');
    const steps = csv.slice(1).map((l) => Number(l.split(',')[0]));
    expect(Math.max(...steps)).toBeGreaterThan(1200);
    expect(steps.some((s) => s <= 1200)).toBe(true); // the first part of the run is still there
    for (const dir of [runDir, path.join(runDir, 'model'), ...runCheckpoints(runDir).map((c) => c.dir)]) {
      const ev = await evalCommand([dir, '--episodes', '2', '--backend', 'wasm']);
      expect(ev?.meanReward).toBeGreaterThan(0);
    }
    await expect(trainCommand(['--resume', runDir, '--steps', '100', '--quiet'])).rejects.toThrow(
      /newest checkpoint is at \d+ steps, the run's target is 100/,
    );
    await expect(trainCommand(['--resume', runDir, '--seed', '3'])).rejects.toThrow(/--seed cannot change a run/);
    await expect(trainCommand(['--resume', path.join(tmp, 'nowhere')])).rejects.toThrow(/run directory not found/);
    fs.writeFileSync(path.join(tmp, 'bad.json'), '{');
    const fake = path.join(tmp, 'fake-run');
    fs.mkdirSync(fake);
    fs.writeFileSync(path.join(fake, 'config.json'), '{"algo": "dqn"');
    await expect(trainCommand(['--resume', fake])).rejects.toThrow(/config\.json is not valid JSON/);
    const gif = path.join(tmp, 'x.gif');
    fs.writeFileSync(gif, 'keep');
    await expect(evalCommand([runDir, '--gif', gif])).rejects.toThrow(/x\.gif exists; give --force to replace it/);
    expect(fs.readFileSync(gif, 'utf8')).toBe('keep');
    await expect(evalCommand([runDir, '--episodes', '2.5'])).rejects.toThrow(/--episodes must be an integer, got "2\.5"/);
  }, 180_000);
});

describe('a run killed and resumed at a checkpoint ends with the same weights as the run left alone', () => {
  // Each case: the whole run once; then a copy of its directory cut back to its newest checkpoint
  // (as a kill right after that save leaves it) and resumed. The final weights must be identical.
  it.each([
    [
      'ppo',
      'CartPole-v1',
      ['--steps', '2048', '--save-freq', '700', '--set', 'n_steps=128', '--set', 'n_envs=4', '--set', 'batch_size=64'],
    ],
    [
      'dqn',
      'CartPole-v1',
      [
        '--steps',
        '1500',
        '--save-freq',
        '500',
        '--set',
        'learning_starts=200',
        '--set',
        'net_arch=[32]',
        '--set',
        'train_freq=4',
        '--set',
        'gradient_steps=1',
      ],
    ],
    ['sac', 'Pendulum-v1', ['--steps', '400', '--save-freq', '150', '--set', 'learning_starts=100', '--set', 'net_arch=[32,32]']],
  ])(
    '%s on %s',
    async (algo, env, extra) => {
      const logdir = path.join(tmp, `exact-${algo}`);
      const res = await trainCommand([algo, env, '--seed', '7', '--backend', 'wasm', '--logdir', logdir, '--quiet', ...extra]);
      const runDir = res?.runDir as string;
      const ckpts = runCheckpoints(runDir);
      expect(ckpts.length).toBeGreaterThan(0);
      const killed = `${runDir}-killed`;
      fs.cpSync(runDir, killed, { recursive: true });
      fs.rmSync(path.join(killed, 'model'), { recursive: true });
      fs.rmSync(path.join(killed, 'best_model'), { recursive: true, force: true });
      const resumed = await trainCommand(['--resume', killed, '--backend', 'wasm', '--quiet']);
      expect(resumed?.runDir).toBe(killed);
      const a = fs.readFileSync(path.join(runDir, 'model', 'weights.bin'));
      const b = fs.readFileSync(path.join(killed, 'model', 'weights.bin'));
      expect(b.length).toBe(a.length);
      expect(Buffer.compare(a, b)).toBe(0);
      expect(ckpts[0]?.steps).toBeLessThan(Number(extra[1]));
    },
    240_000,
  );
});
