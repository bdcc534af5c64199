import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { datasetStats, readMinari, readNpz } from '@tfrl/imitation';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { recordCommand } from './commands/record';
import { trainCommand } from './commands/train';
import { main, registerAll } from './index';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tfrl-cli-record-'));
let log: ReturnType<typeof vi.spyOn>;
beforeAll(() => {
  registerAll();
  log = vi.spyOn(console, 'log').mockImplementation(() => {});
});
afterAll(() => {
  log.mockRestore();
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** The mean ± std printed by the last `Recorded …` line. */
function printed(): { mean: number; std: number; episodes: number; steps: number } {
  const lines = log.mock.calls.map((c) => String(c[0])).filter((l) => l.startsWith('Recorded '));
  const m = /^Recorded (\d+) episodes, (\d+) steps .*mean return (-?[\d.]+) ± ([\d.]+)$/.exec(lines[lines.length - 1] ?? '');
  if (!m) throw new Error(`no Recorded line in ${JSON.stringify(lines)}`);
  return { episodes: Number(m[1]), steps: Number(m[2]), mean: Number(m[3]), std: Number(m[4]) };
}

describe('tfrl record', () => {
  it('heuristic LunarLander-v3 to .npz and .h5: read back, metadata mean return is what was printed', async () => {
    const npz = path.join(tmp, 'lunar.npz');
    const res = await recordCommand(['heuristic', 'LunarLander-v3', '--episodes', '2', '--out', npz, '--seed', '3']);
    const p = printed();
    expect(p.episodes).toBe(2);
    const ds = readNpz(npz);
    expect(ds.numEpisodes).toBe(2);
    expect(ds.numSteps).toBe(p.steps);
    expect(ds.metadata.expertMeanReturn).toBeCloseTo(p.mean, 2);
    expect(ds.metadata['expertStdReturn']).toBeCloseTo(p.std, 2);
    expect(datasetStats(ds).meanReturn).toBeCloseTo(res?.meanReturn ?? Number.NaN, 4);
    expect(ds.metadata).toMatchObject({ envId: 'LunarLander-v3', source: 'heuristic', episodes: 2 });

    const h5 = path.join(tmp, 'minari', 'main_data.h5');
    await main(['record', 'heuristic', 'LunarLander-v3', '--episodes', '2', '--out', h5, '--seed', '3']);
    const q = printed();
    const fromH5 = await readMinari(h5);
    expect(fromH5.numEpisodes).toBe(2);
    expect(fromH5.numSteps).toBe(q.steps);
    expect(fromH5.metadata.expertMeanReturn).toBeCloseTo(q.mean, 2);
    expect(q).toEqual(p); // same seed, same episodes
    expect(Array.from(fromH5.trajectories[1]?.acts ?? [])).toEqual(Array.from(ds.trajectories[1]?.acts ?? []));

    // --force replaces
    await recordCommand(['heuristic', 'lunarlander-v3', '--episodes', '1', '--out', npz, '--force']);
    expect(readNpz(npz).numEpisodes).toBe(1);
  });

  it('records a trained run for 2 episodes', async () => {
    const res = await trainCommand([
      'ppo',
      'CartPole-v1',
      '--steps',
      '256',
      '--set',
      'n_steps=64',
      '--set',
      'batch_size=64',
      '--logdir',
      tmp,
      '--quiet',
      '--backend',
      'wasm',
    ]);
    const runDir = res?.runDir as string;
    const out = path.join(tmp, 'cartpole.npz');
    await recordCommand([runDir, 'CartPole-v1', '--episodes', '2', '--out', out, '--backend', 'wasm']);
    const p = printed();
    const ds = readNpz(out);
    expect(ds.numEpisodes).toBe(2);
    expect(ds.numSteps).toBe(p.steps);
    expect(ds.metadata.expertMeanReturn).toBeCloseTo(p.mean, 2);
    expect(ds.metadata).toMatchObject({ envId: 'CartPole-v1', algo: 'ppo', episodes: 2 });
    expect(String(ds.metadata.source)).toContain(path.join(runDir, 'model'));

    const other = path.join(tmp, 'other.npz');
    await expect(recordCommand([runDir, 'Acrobot-v1', '--episodes', '2', '--out', other, '--backend', 'wasm'])).rejects.toThrow(
      /trained on CartPole-v1, not Acrobot-v1/,
    );
    expect(fs.existsSync(other)).toBe(false);
  }, 120_000);

  it('errors before any rollout and leave no file behind', async () => {
    const bad = path.join(tmp, 'lunar.csv');
    await expect(recordCommand(['heuristic', 'LunarLander-v3', '--episodes', '2', '--out', bad])).rejects.toThrow(
      /--out must end in \.npz, \.h5 or \.hdf5/,
    );
    expect(fs.existsSync(bad)).toBe(false);

    const existing = path.join(tmp, 'existing.npz');
    fs.writeFileSync(existing, 'keep me');
    await expect(recordCommand(['heuristic', 'LunarLander-v3', '--episodes', '2', '--out', existing])).rejects.toThrow(
      /exists; give --force/,
    );
    expect(fs.readFileSync(existing, 'utf8')).toBe('keep me');

    const cart = path.join(tmp, 'cart.h5');
    await expect(recordCommand(['heuristic', 'CartPole-v1', '--episodes', '2', '--out', cart])).rejects.toThrow(
      /no heuristic for CartPole-v1; envs with one: LunarLander-v3, LunarLanderContinuous-v3/,
    );
    expect(fs.existsSync(cart)).toBe(false);

    const missing = path.join(tmp, 'missing.npz');
    await expect(recordCommand(['heuristic', 'LunarLander-v3', '--out', missing])).rejects.toThrow(/--episodes N is required/);
    await expect(recordCommand(['heuristic', 'LunarLander-v3', '--episodes', '0', '--out', missing])).rejects.toThrow(/--episodes/);
    await expect(recordCommand([path.join(tmp, 'nope'), 'CartPole-v1', '--episodes', '1', '--out', missing])).rejects.toThrow(
      /run directory not found/,
    );
    expect(fs.existsSync(missing)).toBe(false);
  });
});
