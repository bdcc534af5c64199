import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { defaultConfig } from './config';
import { HELP, checkEnvCommand, main, registerAll } from './index';
import { evalCommand } from './commands/eval';
import { trainCommand } from './commands/train';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tfrl-cli-'));
let log: ReturnType<typeof vi.spyOn>;

beforeAll(() => {
  registerAll();
  log = vi.spyOn(console, 'log').mockImplementation(() => {});
});
afterAll(() => {
  log.mockRestore();
  fs.rmSync(tmp, { recursive: true, force: true });
});

function printed(): string {
  return log.mock.calls.map((c) => c.join(' ')).join('\n');
}

describe('tfrl CLI', () => {
  it('prints help with examples', async () => {
    expect(await main(['--help'])).toBe(0);
    expect(HELP).toContain('tfrl train ppo CartPole-v1');
  });

  it('lists algorithms, envs and backends', async () => {
    await main(['list']);
    const out = printed();
    expect(out).toMatch(/ppo\s+@tfrl\/policy-gradient/);
    expect(out).toContain('CartPole-v1');
    expect(out).toMatch(/wasm\s+installed/);
    expect(out).toMatch(/tensorflow\s+not installed \(npm i @tensorflow\/tfjs-node\)/);
  });

  it('reads RL-Zoo-style defaults', () => {
    const { config } = defaultConfig('ppo', 'CartPole-v1');
    expect(config).toMatchObject({ n_envs: 8, n_steps: 32, batch_size: 256, n_epochs: 20, learning_rate: 'lin_0.001' });
  });

  it('names what is wrong: unknown command, algorithm, env, option, hyperparameter', async () => {
    await expect(main(['fly'])).rejects.toThrow(/unknown command "fly".*train, eval, record, list, gen/s);
    await expect(trainCommand(['nope', 'CartPole-v1'])).rejects.toThrow(/nope.*ppo/s);
    await expect(trainCommand(['ppo', 'CartPol-v9'])).rejects.toThrow(/unknown environment "CartPol-v9".*CartPole-v1/s);
    await expect(trainCommand(['ppo', 'CartPole-v1', '--stepz', '5'])).rejects.toThrow(/unknown option --stepz.*--steps/s);
    await expect(
      trainCommand(['ppo', 'CartPole-v1', '--steps', '256', '--set', 'lerning_rate=0.1', '--backend', 'cpu', '--logdir', tmp]),
    ).rejects.toThrow(/lerning_rate.*learningRate/s);
    await expect(trainCommand(['ppo', 'CartPole-v1', '--backend', 'tensorflow'])).rejects.toThrow(/npm i @tensorflow\/tfjs-node/);
  });

  it('trains, saves, and evaluates a run; writes a GIF', async () => {
    const res = await trainCommand([
      'ppo',
      'CartPole-v1',
      '--steps',
      '512',
      '--seed',
      '3',
      '--backend',
      'wasm',
      '--logdir',
      tmp,
      '--set',
      'n_epochs=2',
      '--quiet',
    ]);
    expect(res).not.toBeNull();
    const runDir = res!.runDir;
    expect(path.basename(runDir)).toMatch(/^ppo-3-\d{8}-\d{6}/);
    const files = fs.readdirSync(runDir);
    expect(files).toEqual(expect.arrayContaining(['config.json', 'progress.csv', 'progress.jsonl', 'model']));
    expect(files.some((f) => f.startsWith('events.out.tfevents.'))).toBe(true);
    const config = JSON.parse(fs.readFileSync(path.join(runDir, 'config.json'), 'utf8'));
    expect(config).toMatchObject({ algo: 'ppo', env: 'CartPole-v1', seed: 3, totalTimesteps: 512 });
    expect(config.hyperparameters.nEpochs).toBe(2);
    expect(config.hyperparameters.nSteps).toBe(32);

    const gif = path.join(tmp, 'ep.gif');
    const ev = await evalCommand([runDir, '--episodes', '3', '--gif', gif, '--backend', 'wasm']);
    expect(ev!.meanReward).toBeGreaterThan(0);
    expect(fs.readFileSync(gif).subarray(0, 6).toString('latin1')).toBe('GIF89a');
    await expect(evalCommand([path.join(tmp, 'missing')])).rejects.toThrow(/run directory not found/);
  }, 120_000);
});

describe('tfrl gen', () => {
  it('trains a flow on two moons and a VAE on a slice of MNIST, writing runs', async () => {
    const { genCommand } = await import('./commands/gen');
    const flow = await genCommand([
      'train',
      'flow',
      '--dataset',
      'moons',
      '--steps',
      '60',
      '--blocks',
      '2',
      '--backend',
      'wasm',
      '--logdir',
      tmp,
    ]);
    expect(fs.readdirSync(flow!.runDir)).toEqual(expect.arrayContaining(['config.json', 'progress.csv', 'model']));
    const mnistDir = path.resolve(__dirname, '../../../../shared/data/mnist');
    const vae = await genCommand([
      'train',
      'vae',
      '--dataset',
      'mnist',
      '--data-dir',
      mnistDir,
      '--limit',
      '1200',
      '--epochs',
      '1',
      '--latent',
      '2',
      '--backend',
      'wasm',
      '--logdir',
      tmp,
    ]);
    expect(fs.readdirSync(vae!.runDir).some((f) => f.endsWith('.png') || f === 'samples' || f === 'checkpoint')).toBe(true);
    await expect(genCommand(['train', 'flow', '--dataset', 'mnist'])).rejects.toThrow(/moons, circles or checkerboard/);
    await expect(genCommand(['train', 'bigan'])).rejects.toThrow(/vae, gan, dcgan, flow/);
    await expect(genCommand(['train', 'vae', '--data-dir', path.join(tmp, 'nope'), '--backend', 'wasm', '--logdir', tmp])).rejects.toThrow(
      /nope/,
    );
  }, 180_000);
});

describe('tfrl check-env', () => {
  it('checks a registered env, a particle world, and names an unknown id', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    try {
      const r = checkEnvCommand(['FrozenLake-v1', '--set', 'map_name=8x8', '--steps', '20']);
      expect(r?.envId).toBe('FrozenLake-v1');
      expect(r?.passed).toContain('step-determinism');
      expect(checkEnvCommand(['simple_spread_v3', '--steps', '10'])?.passed.length).toBeGreaterThan(3);
      expect(() => checkEnvCommand(['cartpole'])).toThrow(/unknown environment "cartpole" \(did you mean "CartPole-v1"\?\)/);
      expect(() => checkEnvCommand(['CartPole-v1', '--steps', '0'])).toThrow(/--steps must be an integer from 1/);
    } finally {
      log.mockRestore();
    }
  });
});
