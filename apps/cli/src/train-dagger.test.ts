import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { evalCommand } from './commands/eval';
import { readRunConfig, trainCommand } from './commands/train';
import { registerAll } from './index';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tfrl-cli-dagger-'));
const logdir = path.join(tmp, 'runs');
let log: ReturnType<typeof vi.spyOn>;

beforeAll(() => {
  registerAll();
  log = vi.spyOn(console, 'log').mockImplementation(() => {});
});
afterAll(() => {
  log.mockRestore();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const common = ['--backend', 'wasm', '--logdir', logdir, '--quiet', '--eval-episodes', '1'];
const runCount = (): number => (fs.existsSync(logdir) ? fs.readdirSync(logdir, { recursive: true }).length : 0);

/** The scalars of a run's progress.csv column `tag` (rows where it was logged). */
function column(runDir: string, tag: string): number[] {
  const [head, ...rows] = fs.readFileSync(path.join(runDir, 'progress.csv'), 'utf8').trim().split('\n');
  const i = (head as string).split(',').indexOf(tag);
  if (i < 0) return [];
  return rows
    .map((r) => r.split(',')[i] as string)
    .filter((v) => v !== '' && v !== undefined)
    .map(Number);
}

describe('tfrl train dagger', () => {
  it('LunarLander-v3 --expert heuristic: env steps in rounds, dagger/* logged, the run records its expert', async () => {
    const res = await trainCommand([
      'dagger',
      'LunarLander-v3',
      '--expert',
      'heuristic',
      '--steps',
      '300',
      '--set',
      'steps_per_round=100',
      ...common,
    ]);
    const runDir = res?.runDir as string;
    expect(Number.isFinite(res?.meanReward)).toBe(true);
    const run = readRunConfig(runDir);
    expect(run).toMatchObject({ algo: 'dagger', env: 'LunarLander-v3', expert: 'heuristic', totalTimesteps: 300 });
    expect(run.hyperparameters).toMatchObject({ stepsPerRound: 100, betaRampdownRounds: 15 });
    expect(column(runDir, 'dagger/expert_labels')).toEqual([100, 200, 300]);
    const betas = column(runDir, 'dagger/beta');
    expect(betas).toHaveLength(3);
    [1, 14 / 15, 13 / 15].forEach((b, i) => expect(betas[i]).toBeCloseTo(b, 5));
    expect(fs.existsSync(path.join(runDir, 'model', 'manifest.json'))).toBe(true);
    const ev = await evalCommand([runDir, '--episodes', '1', '--backend', 'wasm']);
    expect(Number.isFinite(ev?.meanReward)).toBe(true);
    await expect(trainCommand(['--resume', runDir, '--steps', '600', '--quiet'])).rejects.toThrow(
      /dagger runs cannot be resumed.*tfrl train dagger LunarLander-v3 --expert heuristic/,
    );
  }, 120_000);

  it('--expert <run-dir>: a trained tfrl run labels the states (CartPole-v1)', async () => {
    const ppo = await trainCommand(['ppo', 'CartPole-v1', '--steps', '128', '--set', 'n_steps=64', '--set', 'batch_size=64', ...common]);
    const expertRun = ppo?.runDir as string;
    const res = await trainCommand([
      'dagger',
      'CartPole-v1',
      '--expert',
      expertRun,
      '--steps',
      '200',
      '--set',
      'steps_per_round=100',
      ...common,
    ]);
    const run = readRunConfig(res?.runDir as string);
    expect(run.expert).toBe(path.join(path.resolve(expertRun), 'model'));
    expect(column(res?.runDir as string, 'dagger/expert_labels')).toEqual([100, 200]);
    // The expert's env must be the training env.
    const before = runCount();
    await expect(trainCommand(['dagger', 'Acrobot-v1', '--expert', expertRun, '--steps', '10', ...common])).rejects.toThrow(
      /trained on CartPole-v1, not Acrobot-v1/,
    );
    expect(runCount()).toBe(before);
  }, 120_000);

  it.each([
    ['no --expert', ['dagger', 'LunarLander-v3'], /dagger needs a queryable expert: --expert heuristic\|<run-dir>/],
    [
      'a file of demonstrations',
      ['dagger', 'LunarLander-v3', '--expert', 'lunar.npz'],
      /dagger needs a queryable expert: --expert heuristic\|<run-dir>; lunar\.npz is a file of demonstrations/,
    ],
    [
      'a missing run directory',
      ['dagger', 'LunarLander-v3', '--expert', path.join(tmp, 'nope')],
      /tfrl train: run directory not found: .*nope/,
    ],
    [
      'an env without a heuristic',
      ['dagger', 'CartPole-v1', '--expert', 'heuristic'],
      /tfrl train: no heuristic for CartPole-v1; envs with one: LunarLander-v3/,
    ],
    [
      'a heuristic for other spaces (env kwargs)',
      ['dagger', 'LunarLander-v3', '--expert', 'heuristic', '--set', 'env_kwargs={continuous: true}'],
      /--expert the LunarLander-v3 heuristic: its action space Discrete\(4\) does not match LunarLander-v3's Box/,
    ],
  ] as const)('refuses %s before creating a run directory', async (_what, args, message) => {
    const before = runCount();
    await expect(trainCommand([...args, '--steps', '10', ...common])).rejects.toThrow(message);
    expect(runCount()).toBe(before);
  });
});
