import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { make } from '@tfrl/envs';
import { recordDataset, writeNpz } from '@tfrl/imitation';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { evalCommand } from './commands/eval';
import { readRunConfig, trainCommand } from './commands/train';
import { registerAll } from './index';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tfrl-cli-bc-'));
const logdir = path.join(tmp, 'runs');
const cartpole = path.join(tmp, 'cartpole-expert.npz');
const pendulum = path.join(tmp, 'pendulum-expert.npz');
let log: ReturnType<typeof vi.spyOn>;

beforeAll(() => {
  registerAll();
  log = vi.spyOn(console, 'log').mockImplementation(() => {});
  // A simple CartPole controller that balances the pole (return 500).
  const env = make('CartPole-v1');
  writeNpz(
    recordDataset((obs) => ((obs[2] as number) + 0.5 * (obs[3] as number) > 0 ? 1 : 0), env, { episodes: 20, seed: 0 }),
    cartpole,
  );
  env.close();
  const pend = make('Pendulum-v1');
  writeNpz(
    recordDataset(() => [0], pend, { episodes: 1, seed: 0, maxSteps: 20 }),
    pendulum,
  );
  pend.close();
});
afterAll(() => {
  log.mockRestore();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const common = ['--backend', 'wasm', '--logdir', logdir, '--quiet'];
const runCount = (): number => (fs.existsSync(logdir) ? fs.readdirSync(logdir, { recursive: true }).length : 0);

describe('tfrl train bc', () => {
  it('clones the CartPole expert from an .npz (--steps = gradient steps) and records the file for the run', async () => {
    const res = await trainCommand(['bc', 'CartPole-v1', '--expert', cartpole, '--steps', '1500', '--eval-episodes', '5', ...common]);
    expect(res).not.toBeNull();
    expect(res?.meanReward).toBeGreaterThanOrEqual(450);
    const run = readRunConfig(res?.runDir as string);
    expect(run.algo).toBe('bc');
    expect(run.expert).toBe(path.resolve(cartpole));
    expect(path.isAbsolute(run.expert as string)).toBe(true);
    expect(run.totalTimesteps).toBe(1500);
    const ev = await evalCommand([res?.runDir as string, '--episodes', '2', '--backend', 'wasm']);
    expect(ev?.meanReward).toBeGreaterThanOrEqual(450);
    // Resume is refused with a clear message.
    await expect(trainCommand(['--resume', res?.runDir as string, '--steps', '3000', '--quiet'])).rejects.toThrow(
      /bc runs cannot be resumed.*--expert/,
    );
  }, 120_000);

  it("--config course: the course's named configs of bc and gail (configs/<algo>.yml)", async () => {
    const bc = await trainCommand([
      'bc',
      'CartPole-v1',
      '--expert',
      cartpole,
      '--config',
      'course',
      '--steps',
      '50',
      '--eval-episodes',
      '1',
      ...common,
    ]);
    const bcRun = readRunConfig(bc?.runDir as string);
    expect(bcRun.hyperparameters).toMatchObject({ netArch: [30, 30], outputActivation: 'sigmoid', loss: 'smooth-l1', learningRate: 0.01 });
    const gail = await trainCommand([
      'gail',
      'CartPole-v1',
      '--expert',
      cartpole,
      '--config',
      'course',
      '--set',
      'n_steps=8',
      '--set',
      'batch_size=16',
      '--steps',
      '64',
      '--eval-episodes',
      '1',
      ...common,
    ]);
    const gailRun = readRunConfig(gail?.runDir as string);
    expect(gailRun.hyperparameters).toMatchObject({ gamma: 0.999, discBatchSize: 1000, discBufferSize: 10000, discInputNoise: 0.01 });
    await expect(trainCommand(['bc', 'CartPole-v1', '--expert', cartpole, '--config', 'nope', ...common])).rejects.toThrow(
      /--config nope: no such file, and no config named "nope" in configs\/bc.yml/,
    );
  }, 120_000);

  it.each([
    ['no --expert', ['bc', 'CartPole-v1'], /bc learns from expert demonstrations: give --expert/],
    ['a missing file', ['bc', 'CartPole-v1', '--expert', path.join(tmp, 'nope.npz')], /--expert .*nope\.npz: file not found/],
    ['an unknown extension', ['bc', 'CartPole-v1', '--expert', path.join(tmp, 'data.csv')], /unknown extension "\.csv"/],
    ['spaces that are not the env’s', ['bc', 'CartPole-v1', '--expert', pendulum], /observation space .* does not match CartPole-v1/],
    [
      '--expert for a learner without demonstrations',
      ['ppo', 'CartPole-v1', '--expert', cartpole],
      /--expert is for learners .*ppo takes none/,
    ],
  ] as const)('refuses %s before creating a run directory', async (_what, args, message) => {
    if (String(args[3]).endsWith('.csv')) fs.writeFileSync(args[3] as string, 'a,b\n');
    const before = runCount();
    await expect(trainCommand([...args, '--steps', '10', ...common])).rejects.toThrow(message);
    expect(runCount()).toBe(before);
  });
});
