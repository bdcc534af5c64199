import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CsvLogger } from '@tfrl/logger';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { plotCommand } from './commands/plot';
import { main } from './index';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tfrl-plot-'));
const envDir = path.join(tmp, 'runs', 'CartPole-v1');
let log: ReturnType<typeof vi.spyOn>;

/** A run folder as tfrl train writes it: config.json and a progress.csv with rollout and (sparser) eval rows. */
function makeRun(algo: string, seed: number, opts: { env?: string; steps?: number; level?: number; csv?: boolean } = {}): string {
  const env = opts.env ?? 'CartPole-v1';
  const dir = path.join(tmp, 'runs', env, `${algo}-${seed}-20260101-00000${seed}`);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ algo, env, seed, totalTimesteps: opts.steps ?? 10_000 }));
  if (opts.csv === false) return dir;
  const csv = new CsvLogger(path.join(dir, 'progress.csv'));
  const level = opts.level ?? 100;
  for (let step = 0; step <= (opts.steps ?? 10_000); step += 500) {
    csv.scalar('rollout/ep_rew_mean', level * (1 - Math.exp(-step / 3000)) + seed * 5, step);
    csv.scalar('time/fps', 1000, step);
    if (step % 2000 === 0) csv.scalar('eval/mean_reward', level + seed, step);
    csv.dump(step);
  }
  csv.close();
  return dir;
}

/** Width and height from a PNG's IHDR chunk. */
function pngSize(file: string): [number, number] {
  const b = fs.readFileSync(file);
  expect(b.subarray(1, 4).toString('latin1')).toBe('PNG');
  return [b.readUInt32BE(16), b.readUInt32BE(20)];
}

function printed(): string {
  return log.mock.calls.map((c) => c.join(' ')).join('\n');
}

const ppo = [0, 1, 2].map((s) => makeRun('ppo', s, { steps: s === 2 ? 8000 : 10_000 }));
const a2c = [0, 1].map((s) => makeRun('a2c', s, { level: 60 }));

beforeAll(() => {
  log = vi.spyOn(console, 'log').mockImplementation(() => {});
});
afterAll(() => {
  log.mockRestore();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('tfrl plot', () => {
  it('plots seeds of one algorithm as one group and two algorithms as two', async () => {
    const out = path.join(tmp, 'out', 'curves.png');
    const res = await plotCommand([...ppo, ...a2c, '--out', out]);
    expect(res!.groups).toEqual([
      { label: 'ppo', runs: ppo },
      { label: 'a2c', runs: a2c },
    ]);
    expect(pngSize(out)).toEqual([960, 600]);
    expect(printed()).toContain('rollout/ep_rew_mean against step for ppo: 3 seeds, a2c: 2 seeds; shaded: min-max over seeds');
  });

  it('expands a folder of runs, takes --tag, --x, --band, --smooth, --title and the size, and dispatches from main', async () => {
    const out = path.join(tmp, 'eval.png');
    const res = await plotCommand([
      envDir,
      '--out',
      out,
      '--tag',
      'eval/mean_reward',
      '--x',
      'step',
      '--band',
      'std',
      '--smooth',
      '2',
      '--title',
      'PPO vs A2C',
      '--width',
      '640',
      '--height',
      '400',
    ]);
    expect(res!.groups.map((g) => [g.label, g.runs.length])).toEqual([
      ['a2c', 2],
      ['ppo', 3],
    ]);
    expect(pngSize(out)).toEqual([640, 400]);
    expect(printed()).toContain('shaded: mean ± 1 std over seeds');
    expect(await main(['plot', ppo[0] as string, '--out', path.join(tmp, 'main.png')])).toBe(0);
    expect(fs.existsSync(path.join(tmp, 'main.png'))).toBe(true);
  });

  it('draws every run on its own with --separate and labels groups by env when envs differ', async () => {
    const other = makeRun('ppo', 0, { env: 'Acrobot-v1', level: -100 });
    const res = await plotCommand([ppo[0] as string, ppo[1] as string, other, '--separate', '--out', path.join(tmp, 'sep.png')]);
    expect(res!.groups.map((g) => g.label)).toEqual(['ppo CartPole-v1 seed 0', 'ppo CartPole-v1 seed 1', 'ppo Acrobot-v1 seed 0']);
    const merged = await plotCommand([ppo[0] as string, other, '--out', path.join(tmp, 'two-envs.png')]);
    expect(merged!.groups.map((g) => g.label)).toEqual(['ppo CartPole-v1', 'ppo Acrobot-v1']);
  });

  it('refuses to overwrite --out without --force', async () => {
    const out = path.join(tmp, 'exists.png');
    fs.writeFileSync(out, 'old');
    await expect(plotCommand([ppo[0] as string, '--out', out])).rejects.toThrow(/exists\.png exists; give --force to replace it/);
    expect(fs.readFileSync(out, 'utf8')).toBe('old');
    await plotCommand([ppo[0] as string, '--out', out, '--force']);
    expect(pngSize(out)).toEqual([960, 600]);
  });

  it('draws one curve per column matching a --tag with * (per-agent curves of a multi-agent run)', async () => {
    const dir = path.join(tmp, 'runs', 'simple_spread_v3', 'maddpg-0-20260101-000000');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ algo: 'maddpg', env: 'simple_spread_v3', seed: 0 }));
    const csv = new CsvLogger(path.join(dir, 'progress.csv'));
    for (let step = 0; step <= 5000; step += 500) {
      for (const a of ['agent_0', 'agent_1']) csv.scalar(`${a}/episode_return`, -30 + step / 500, step);
      csv.scalar('agent_0/critic_loss', 1, step);
      csv.dump(step);
    }
    csv.close();
    const out = path.join(tmp, 'agents.png');
    const res = await plotCommand([dir, '--tag', 'agent_*/episode_return', '--out', out]);
    expect(res!.groups.map((g) => g.label)).toEqual(['agent_0/episode_return', 'agent_1/episode_return']);
    expect(pngSize(out)).toEqual([960, 600]);
    await expect(plotCommand([dir, '--tag', 'adversary_*/episode_return', '--out', path.join(tmp, 'none.png')])).rejects.toThrow(
      /no column matching "adversary_\*\/episode_return" \(--tag\); its columns are:[\s\S]*agent_0\/critic_loss/,
    );
  });

  it('names the option or the run that is wrong', async () => {
    const run = ppo[0] as string;
    const out = ['--out', path.join(tmp, 'never.png')];
    await expect(plotCommand([])).rejects.toThrow(/expected at least one <run-dir>/);
    await expect(plotCommand([path.join(tmp, 'nope'), ...out])).rejects.toThrow(/run directory not found: .*nope/);
    const bare = makeRun('dqn', 7, { csv: false });
    await expect(plotCommand([bare, ...out])).rejects.toThrow(/dqn-7-.* has no progress\.csv/);
    await expect(plotCommand([run, ...out, '--tag', 'rollout/ep_rew'])).rejects.toThrow(
      /has no column "rollout\/ep_rew" \(--tag\); its columns are:\n {2}step\n {2}rollout\/ep_rew_mean\n {2}time\/fps\n {2}eval\/mean_reward/,
    );
    await expect(plotCommand([run, ...out, '--x', 'time/total_timesteps'])).rejects.toThrow(/no column "time\/total_timesteps" \(--x\)/);
    await expect(plotCommand([run, '--out', path.join(tmp, 'a.jpg')])).rejects.toThrow(/--out must name a \.png file, got ".*a\.jpg"/);
    await expect(plotCommand([run, '--out', tmp])).rejects.toThrow(/--out must name a \.png file/);
    await expect(plotCommand([run, ...out, '--band', 'iqr'])).rejects.toThrow(/--band must be one of minmax, std, none, got "iqr"/);
    await expect(plotCommand([run, ...out, '--smooth', '0'])).rejects.toThrow(/--smooth must be an integer from 1 to 100000, got "0"/);
    await expect(plotCommand([run, ...out, '--width', '10'])).rejects.toThrow(/--width must be an integer from 200/);
    await expect(plotCommand([run, ...out, '--height', '1.5'])).rejects.toThrow(/--height must be an integer, got "1.5"/);
    await expect(plotCommand([run, ...out, '--title', ''])).rejects.toThrow(/--title needs a non-empty value/);
    await expect(plotCommand([run, ...out, '--colour', 'red'])).rejects.toThrow(/unknown option --colour/);
    const empty = makeRun('sac', 3);
    fs.writeFileSync(path.join(empty, 'progress.csv'), 'step,rollout/ep_rew_mean,train/loss\n100,,0.5\n');
    await expect(plotCommand([empty, ...out])).rejects.toThrow(/has no values of "rollout\/ep_rew_mean" \(--tag\) yet/);
    const late = makeRun('td3', 0, { steps: 1000 });
    const late2 = path.join(tmp, 'runs', 'CartPole-v1', 'td3-1-late');
    fs.mkdirSync(late2);
    fs.writeFileSync(path.join(late2, 'config.json'), JSON.stringify({ algo: 'td3', env: 'CartPole-v1', seed: 1 }));
    fs.writeFileSync(path.join(late2, 'progress.csv'), 'step,rollout/ep_rew_mean\n5000,1\n6000,2\n');
    await expect(plotCommand([late, late2, ...out])).rejects.toThrow(/"td3" cover no common x range.*--separate/s);
    expect(fs.existsSync(path.join(tmp, 'never.png'))).toBe(false);
  });
});
