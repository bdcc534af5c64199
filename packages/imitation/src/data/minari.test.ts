import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Box, Dict, Discrete, MultiBinary, MultiDiscrete, type Space, Tuple } from '@tfrl/core';
import type { Dataset as H5Dataset, Group as H5Group } from 'h5wasm/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  envSpecFromMinariJson,
  envSpecToMinariJson,
  loadH5wasm,
  minariSpaceFromJSON,
  minariSpaceToJSON,
  parsePythonJson,
  readMinari,
  toPythonJson,
  writeMinari,
} from './minari';
import { toyDiscreteDataset } from './fixtures.testutil';
import { Dataset, type Trajectory, encodeTrajectory } from './trajectory';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tfrl-minari-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function discreteDataset(): Dataset {
  return toyDiscreteDataset({ secondReward: 0.1, metadata: { datasetId: 'toy/expert-v0', expertMeanReturn: 0.05 } });
}

function boxDataset(): Dataset {
  const observationSpace = new Box({ low: [-1, Number.NEGATIVE_INFINITY, 0], high: [1, Number.POSITIVE_INFINITY, 10], dtype: 'float32' });
  const actionSpace = new Box({ low: -2, high: 2, shape: [1] });
  const spaces = { observationSpace, actionSpace };
  const t0 = encodeTrajectory(
    {
      observations: [0, 1, 2].map((i) => Float32Array.from([i / 4, -100 * i, i])),
      actions: [Float32Array.from([0.3]), Float32Array.from([-1.7])],
      rewards: [-0.5, 0.75],
      terminated: true,
      truncated: false,
    },
    spaces,
  );
  const t1 = encodeTrajectory(
    {
      observations: [Float32Array.from([0.9, 3, 9]), Float32Array.from([1, 4, 10])],
      actions: [Float32Array.from([2])],
      rewards: [10],
      terminated: false,
      truncated: true,
    },
    spaces,
  );
  return new Dataset({
    trajectories: [t0, t1],
    ...spaces,
    metadata: { envId: 'Pendulum-v1', envSpec: { id: 'Pendulum-v1', maxEpisodeSteps: 200 }, source: 'unit test' },
  });
}

function expectSameDataset(a: Dataset, b: Dataset): void {
  expect(b.observationSpace.equals(a.observationSpace)).toBe(true);
  expect(b.actionSpace.equals(a.actionSpace)).toBe(true);
  expect(b.metadata).toEqual(a.metadata);
  expect(b.trajectories.length).toBe(a.trajectories.length);
  a.trajectories.forEach((t, i) => {
    const u = b.trajectories[i] as Trajectory;
    expect(Array.from(u.obs)).toEqual(Array.from(t.obs));
    expect(Array.from(u.acts)).toEqual(Array.from(t.acts));
    expect(u.acts.constructor).toBe(t.acts.constructor);
    expect(Array.from(u.rews)).toEqual(Array.from(t.rews));
    expect([u.terminated, u.truncated]).toEqual([t.terminated, t.truncated]);
  });
}

describe('Minari HDF5 round trips', () => {
  it('Discrete actions: dataset -> main_data.hdf5 -> dataset', async () => {
    const ds = discreteDataset();
    const path = join(dir, 'discrete.hdf5');
    expect(await writeMinari(ds, path)).toEqual([path]);
    expectSameDataset(ds, await readMinari(path));
  });

  it('writes the Minari layout', async () => {
    const path = join(dir, 'layout.hdf5');
    await writeMinari(discreteDataset(), path);
    const h5 = await loadH5wasm();
    const f = new h5.File(path, 'r');
    try {
      expect(f.keys().sort()).toEqual(['episode_0', 'episode_1']);
      const attr = (name: string) => f.attrs[name]?.json_value;
      expect(attr('total_episodes')).toBe(2);
      expect(attr('total_steps')).toBe(3);
      expect(f.attrs['total_steps']?.dtype).toBe('<q');
      expect(f.attrs['total_steps']?.shape).toEqual([]);
      expect(attr('dataset_id')).toBe('toy/expert-v0');
      expect(typeof attr('minari_version')).toBe('string');
      expect(JSON.parse(attr('action_space') as string)).toEqual({ type: 'Discrete', dtype: 'int64', start: 0, n: 4 });
      expect(JSON.parse(attr('observation_space') as string)).toEqual({
        type: 'Box',
        dtype: 'float32',
        shape: [2],
        low: [-5, -5],
        high: [5, 5],
      });
      expect(f.attrs['env_spec']).toBeUndefined();

      const g = f.get('episode_0') as H5Group;
      expect(g.attrs['id']?.json_value).toBe(0);
      expect(g.attrs['total_steps']?.json_value).toBe(2);
      const ds = (name: string) => g.get(name) as H5Dataset;
      expect(g.keys().sort()).toEqual(['actions', 'observations', 'rewards', 'terminations', 'truncations']);
      expect([ds('observations').shape, ds('observations').dtype]).toEqual([[3, 2], '<f']);
      expect([ds('actions').shape, ds('actions').dtype]).toEqual([[2], '<q']);
      expect([ds('rewards').shape, ds('rewards').dtype]).toEqual([[2], '<d']);
      expect(Array.from(ds('rewards').value as Float64Array)).toEqual([1, Math.fround(0.1)]);
      expect(Array.from(ds('terminations').value as Uint8Array)).toEqual([0, 0]);
      expect(Array.from(ds('truncations').value as Uint8Array)).toEqual([0, 1]);
      const e1 = f.get('episode_1') as H5Group;
      expect(Array.from((e1.get('terminations') as H5Dataset).value as Uint8Array)).toEqual([1]);
    } finally {
      f.close();
    }
  });

  it('Box actions and an env spec, with metadata.json (Minari >= 0.5 layout), read from the directory', async () => {
    const ds = boxDataset();
    const dataDir = join(dir, 'pendulum', 'data');
    mkdirSync(dataDir, { recursive: true });
    const path = join(dataDir, 'main_data.hdf5');
    const written = await writeMinari(ds, path, { metadataJson: true });
    expect(written).toEqual([path, join(dataDir, 'metadata.json')]);
    expect(existsSync(join(dataDir, 'metadata.json'))).toBe(true);

    const meta = parsePythonJson(readFileSync(join(dataDir, 'metadata.json'), 'utf8')) as Record<string, unknown>;
    expect(meta['data_format']).toBe('hdf5');
    expect(meta['total_episodes']).toBe(2);
    expect(meta['total_steps']).toBe(3);
    // Python's json writes the infinite bounds bare, as Minari's serialize_space does
    expect(meta['observation_space']).toContain('-Infinity');
    const spec = JSON.parse(meta['env_spec'] as string);
    expect(spec).toMatchObject({ id: 'Pendulum-v1', max_episode_steps: 200, additional_wrappers: [], kwargs: {} });

    expectSameDataset(ds, await readMinari(join(dir, 'pendulum')));
    expectSameDataset(ds, await readMinari(dataDir));
  });

  it('Dict and Tuple observations become groups of datasets', async () => {
    const observationSpace = new Dict({
      pos: new Box({ low: -1, high: 1, shape: [2] }),
      mode: new Discrete(3),
      extra: new Tuple([new MultiBinary(2), new MultiDiscrete([2, 5])]),
    });
    const actionSpace = new MultiDiscrete([3, 2]);
    const spaces = { observationSpace, actionSpace };
    const o = (i: number) => ({
      pos: Float32Array.from([i / 10, -i / 10]),
      mode: i % 3,
      extra: [Int8Array.from([i % 2, 1]), Int32Array.from([1, i])],
    });
    const t = encodeTrajectory(
      {
        observations: [0, 1, 2].map(o),
        actions: [Int32Array.from([2, 1]), Int32Array.from([0, 0])],
        rewards: [1, 2],
        terminated: true,
        truncated: false,
      },
      spaces,
    );
    const ds = new Dataset({ trajectories: [t], ...spaces });
    const path = join(dir, 'dict.hdf5');
    await writeMinari(ds, path);
    expectSameDataset(ds, await readMinari(path));

    const h5 = await loadH5wasm();
    const f = new h5.File(path, 'r');
    try {
      const obs = f.get('episode_0/observations') as H5Group;
      expect(obs.keys().sort()).toEqual(['extra', 'mode', 'pos']);
      expect((f.get('episode_0/observations/extra') as H5Group).keys().sort()).toEqual(['_index_0', '_index_1']);
      const d = (p: string) => f.get(`episode_0/observations/${p}`) as H5Dataset;
      expect([d('mode').shape, d('mode').dtype]).toEqual([[3], '<q']);
      expect([d('pos').shape, d('pos').dtype]).toEqual([[3, 2], '<f']);
      expect([d('extra/_index_0').shape, d('extra/_index_0').dtype]).toEqual([[3, 2], '<b']);
      expect(Array.from(d('mode').value as BigInt64Array, Number)).toEqual([0, 1, 2]);
    } finally {
      f.close();
    }
  });
});

describe('reading Minari files tfrl did not write', () => {
  /** A file laid out as Minari 0.4 writes it (Python-style JSON strings, no tfrl_metadata). */
  async function writeForeign(path: string, opts: { termination?: number[]; totalEpisodes?: number; spaces?: boolean } = {}) {
    const h5 = await loadH5wasm();
    const f = new h5.File(path, 'w');
    try {
      const int = (g: H5Group, name: string, v: number) => g.create_attribute(name, new BigInt64Array([BigInt(v)]), [], '<q');
      int(f, 'total_episodes', opts.totalEpisodes ?? 1);
      int(f, 'total_steps', 3);
      if (opts.spaces !== false) {
        f.create_attribute(
          'observation_space',
          '{"type": "Box", "dtype": "float64", "shape": [2], "low": [-Infinity, 0.0], "high": [Infinity, 1.0]}',
        );
        f.create_attribute('action_space', '{"type": "Discrete", "dtype": "int64", "start": 0, "n": 2}');
      }
      f.create_attribute(
        'env_spec',
        '{"id": "CartPole-v1", "entry_point": "gymnasium.envs.classic_control.cartpole:CartPoleEnv", "reward_threshold": 475.0, ' +
          '"nondeterministic": false, "max_episode_steps": 500, "order_enforce": true, "autoreset": false, ' +
          '"disable_env_checker": false, "apply_api_compatibility": false, "kwargs": {}, "additional_wrappers": [], "vector_entry_point": null}',
      );
      f.create_attribute('dataset_id', 'cartpole-expert-v0');
      f.create_attribute('minari_version', '~=0.4');
      f.create_attribute('algorithm_name', 'PPO');
      const g = f.create_group('episode_0');
      int(g, 'id', 0);
      int(g, 'total_steps', 3);
      int(g, 'seed', 42);
      g.create_dataset({ name: 'observations', data: Float64Array.from([0, 0, 1, 0.5, 2, 1, 3, 0.25]), shape: [4, 2], dtype: '<d' });
      g.create_dataset({ name: 'actions', data: BigInt64Array.from([1n, 0n, 1n]), shape: [3], dtype: '<q' });
      g.create_dataset({ name: 'rewards', data: Float64Array.from([1, 1, 1]), shape: [3], dtype: '<d' });
      g.create_dataset({ name: 'terminations', data: Int8Array.from(opts.termination ?? [0, 0, 1]), shape: [3], dtype: '<b' });
      g.create_dataset({ name: 'truncations', data: Int8Array.from([0, 0, 0]), shape: [3], dtype: '<b' });
    } finally {
      f.close();
    }
  }

  it('reads spaces, env spec and attributes into the metadata', async () => {
    const path = join(dir, 'foreign.hdf5');
    await writeForeign(path);
    const ds = await readMinari(path);
    expect(String(ds.observationSpace)).toBe('Box([-inf 0.0], [inf 1.0], (2,), float64)');
    expect(String(ds.actionSpace)).toBe('Discrete(2)');
    expect(ds.metadata).toEqual({
      source: path,
      datasetId: 'cartpole-expert-v0',
      minariVersion: '~=0.4',
      envId: 'CartPole-v1',
      envSpec: { id: 'CartPole-v1', maxEpisodeSteps: 500, rewardThreshold: 475 },
      minariAttrs: { algorithm_name: 'PPO' },
    });
    const t = ds.trajectories[0] as Trajectory;
    expect(Array.from(t.obs)).toEqual([0, 0, 1, 0.5, 2, 1, 3, 0.25]);
    expect(Array.from(t.acts)).toEqual([1, 0, 1]);
    expect([t.terminated, t.truncated]).toEqual([true, false]);

    // writing it again keeps the Minari attributes
    const again = join(dir, 'foreign-again.hdf5');
    await writeMinari(ds, again);
    const h5 = await loadH5wasm();
    const f = new h5.File(again, 'r');
    try {
      expect(f.attrs['algorithm_name']?.json_value).toBe('PPO');
      expect(f.attrs['dataset_id']?.json_value).toBe('cartpole-expert-v0');
      expect(JSON.parse(f.attrs['env_spec']?.json_value as string)).toMatchObject({ id: 'CartPole-v1', max_episode_steps: 500 });
    } finally {
      f.close();
    }
  });

  it('rejects a termination before the last step', async () => {
    const path = join(dir, 'early-termination.hdf5');
    await writeForeign(path, { termination: [0, 1, 0] });
    await expect(readMinari(path)).rejects.toThrow(/minari: episode_0 terminations row 1 is set before the last step/);
  });

  it('checks total_episodes', async () => {
    const path = join(dir, 'bad-count.hdf5');
    await writeForeign(path, { totalEpisodes: 2 });
    await expect(readMinari(path)).rejects.toThrow(/total_episodes = 2 but holds 1 episode groups/);
  });

  it('needs the spaces, from the file or the options', async () => {
    const path = join(dir, 'no-spaces.hdf5');
    await writeForeign(path, { spaces: false });
    await expect(readMinari(path)).rejects.toThrow(/has no observation_space; pass it in the options/);
    const ds = await readMinari(path, { observationSpace: new Box({ low: -9, high: 9, shape: [2] }), actionSpace: new Discrete(2) });
    expect(ds.numSteps).toBe(3);
  });

  it('names a missing file', async () => {
    await expect(readMinari(join(dir, 'nope.hdf5'))).rejects.toThrow(/does not exist/);
  });
});

describe('Minari serialization helpers', () => {
  it('parses and writes Python JSON with bare Infinity and NaN', () => {
    expect(parsePythonJson('{"a": [-Infinity, Infinity, NaN, 1.5], "s": "Infinity NaN"}')).toEqual({
      a: [Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY, Number.NaN, 1.5],
      s: 'Infinity NaN',
    });
    expect(toPythonJson({ a: [Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY, Number.NaN, 2], s: 'x' })).toBe(
      '{"a":[-Infinity,Infinity,NaN,2],"s":"x"}',
    );
  });

  it('round-trips spaces through the Minari space JSON', () => {
    const spaces: Space<any>[] = [
      new Box({ low: [-1, Number.NEGATIVE_INFINITY], high: [1, Number.POSITIVE_INFINITY] }),
      new Box({ low: 0, high: 255, shape: [2, 3], dtype: 'uint8' }),
      new Discrete(5, -2),
      new MultiDiscrete([2, 3]),
      new MultiBinary(4),
      new Dict({ a: new Discrete(2), b: new Tuple([new Discrete(3), new Box({ low: 0, high: 1, shape: [1] })]) }),
    ];
    for (const s of spaces) {
      const text = toPythonJson(minariSpaceToJSON(s));
      expect(minariSpaceFromJSON(parsePythonJson(text)).equals(s)).toBe(true);
    }
    expect(minariSpaceToJSON(new Box({ low: 0, high: 1, shape: [2, 2] }))).toEqual({
      type: 'Box',
      dtype: 'float32',
      shape: [2, 2],
      low: [
        [0, 0],
        [0, 0],
      ],
      high: [
        [1, 1],
        [1, 1],
      ],
    });
  });

  it('converts env specs', () => {
    const json = envSpecToMinariJson({ id: 'CartPole-v1', maxEpisodeSteps: 500, rewardThreshold: 475 });
    expect(envSpecFromMinariJson(json)).toEqual({ id: 'CartPole-v1', maxEpisodeSteps: 500, rewardThreshold: 475 });
  });
});
