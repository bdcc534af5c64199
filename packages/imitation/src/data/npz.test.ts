import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Box, Discrete, MultiDiscrete } from '@tfrl/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeNpz, encodeNpz, readNpz, readNpzArrays, writeNpz, writeNpzArrays } from './npz';
import { toyDiscreteDataset } from './fixtures.testutil';
import { Dataset, type Trajectory, encodeTrajectory, flatTransitions } from './trajectory';

const FIXTURE = fileURLToPath(new URL('../../test-fixtures/d4rl_discrete_2ep.npz', import.meta.url));

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tfrl-npz-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const f32 = (xs: number[]) => xs.map((x) => Math.fround(x));

function boxDataset(): Dataset {
  const observationSpace = new Box({ low: -10, high: 10, shape: [3] });
  const actionSpace = new Box({ low: -1, high: 1, shape: [2] });
  const spaces = { observationSpace, actionSpace };
  const obs = (i: number) => Float32Array.from([i, -i / 2, 0.1 * i]);
  const t0 = encodeTrajectory(
    {
      observations: [0, 1, 2, 3].map(obs),
      actions: [Float32Array.from([0.5, -0.5]), Float32Array.from([0.1, 0.2]), Float32Array.from([-1, 1])],
      rewards: [0.5, 1.5, -0.3],
      terminated: true,
      truncated: false,
    },
    spaces,
  );
  const t1 = encodeTrajectory(
    {
      observations: [5, 6].map(obs),
      actions: [Float32Array.from([0.75, 0])],
      rewards: [2],
      terminated: false,
      truncated: true,
    },
    spaces,
  );
  return new Dataset({ trajectories: [t0, t1], ...spaces, metadata: { envId: 'Toy-v0', expertMeanReturn: 1.85, source: 'test' } });
}

function discreteDataset(): Dataset {
  return toyDiscreteDataset();
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
    expect([u.terminated, u.truncated, u.obsDim, u.actDim]).toEqual([t.terminated, t.truncated, t.obsDim, t.actDim]);
  });
}

describe('readNpz on a file written by NumPy (test-fixtures/make_npz.py)', () => {
  it('reads the exact values np.savez wrote', () => {
    const ds = readNpz(FIXTURE);
    // no tfrl_metadata: the spaces are inferred
    expect(String(ds.observationSpace)).toBe('Box(-inf, inf, (2,), float32)');
    expect(String(ds.actionSpace)).toBe('Discrete(3)');
    expect(ds.trajectories.length).toBe(2);
    const [t0, t1] = ds.trajectories as [Trajectory, Trajectory];

    expect(Array.from(t0.obs)).toEqual(f32([0.0, 0.5, 0.1, 1.5, 0.2, -2.0, 0.3, 4.0]));
    expect(Array.from(t0.acts)).toEqual([1, 0, 2]);
    expect(t0.acts).toBeInstanceOf(Int32Array);
    expect(Array.from(t0.rews)).toEqual([1.0, 0.5, -1.0]);
    expect([t0.terminated, t0.truncated]).toEqual([true, false]);

    expect(Array.from(t1.obs)).toEqual([10.0, 3.25, 11.0, -0.75, 12.0, 0.125]);
    expect(Array.from(t1.acts)).toEqual([2, 1]);
    expect(Array.from(t1.rews)).toEqual([2.0, 0.25]);
    expect([t1.terminated, t1.truncated]).toEqual([false, true]);
  });

  it('exposes the raw arrays with NumPy dtypes', () => {
    const arrays = readNpzArrays(new Uint8Array(readFileSync(FIXTURE)));
    expect(Object.keys(arrays).sort()).toEqual(['actions', 'next_observations', 'observations', 'rewards', 'terminals', 'timeouts']);
    expect(arrays['observations']?.dtype).toBe('<f4');
    expect(arrays['observations']?.shape).toEqual([5, 2]);
    expect(arrays['actions']?.dtype).toBe('<i8');
    expect(arrays['actions']?.data).toBeInstanceOf(BigInt64Array);
    expect(arrays['terminals']?.dtype).toBe('|b1');
    expect(Array.from(arrays['terminals']?.data as Uint8Array)).toEqual([0, 0, 1, 0, 0]);
    expect(Array.from(arrays['timeouts']?.data as Uint8Array)).toEqual([0, 0, 0, 0, 1]);
  });

  it('takes the spaces from the options', () => {
    const ds = readNpz(FIXTURE, { observationSpace: new Box({ low: -20, high: 20, shape: [2] }), actionSpace: new Discrete(5) });
    expect(String(ds.actionSpace)).toBe('Discrete(5)');
    expect(() => readNpz(FIXTURE, { actionSpace: new Discrete(2) })).toThrow(/trajectory 0: acts row 2: is not in Discrete\(2\)/);
  });
});

describe('npz round trips', () => {
  it('Box actions: dataset -> npz file -> dataset -> npz', () => {
    const ds = boxDataset();
    const path = join(dir, 'box.npz');
    const bytes = writeNpz(ds, path);
    const back = readNpz(path);
    expectSameDataset(ds, back);
    // deterministic bytes: re-encoding the read dataset gives the same file
    expect(Buffer.from(encodeNpz(back)).equals(Buffer.from(bytes))).toBe(true);
    expect(Buffer.from(readFileSync(path)).equals(Buffer.from(bytes))).toBe(true);
  });

  it('Discrete actions are stored as int64 and read back as Int32Array', () => {
    const ds = discreteDataset();
    const bytes = writeNpz(ds);
    const arrays = readNpzArrays(bytes);
    expect(arrays['actions']?.dtype).toBe('<i8');
    expect(arrays['actions']?.shape).toEqual([3]);
    expect(arrays['terminals']?.dtype).toBe('|b1');
    expect(Array.from(arrays['terminals']?.data as Uint8Array)).toEqual([0, 0, 1]);
    expect(Array.from(arrays['timeouts']?.data as Uint8Array)).toEqual([0, 1, 0]);
    expect(Array.from(arrays['next_observations']?.data as Float32Array)).toEqual([1, 1.5, 2, 2.5, -4, -4]);
    expectSameDataset(ds, decodeNpz(bytes));
    expect(Buffer.from(writeNpz(decodeNpz(bytes))).equals(Buffer.from(bytes))).toBe(true);
  });

  it('deflated archives read back the same', () => {
    const ds = boxDataset();
    const stored = writeNpz(ds);
    const deflated = writeNpz(ds, { compress: true });
    expect(Buffer.from(deflated).equals(Buffer.from(stored))).toBe(false);
    expectSameDataset(ds, readNpz(deflated));
  });

  it('without next_observations the final observation is the last row repeated', () => {
    const ds = discreteDataset();
    const back = readNpz(writeNpz(ds, { nextObservations: false }));
    const [t0, t1] = back.trajectories as [Trajectory, Trajectory];
    expect(Array.from(t0.obs)).toEqual([0, 0.5, 1, 1.5, 1, 1.5]);
    expect(Array.from(t1.obs)).toEqual([4, 4, 4, 4]);
    expect(Array.from(flatTransitions(back).acts)).toEqual([3, 0, 2]);
  });

  it('without tfrl_metadata the spaces are inferred and the metadata is empty', () => {
    const back = readNpz(writeNpz(boxDataset(), { metadata: false }));
    expect(String(back.observationSpace)).toBe('Box(-inf, inf, (3,), float32)');
    expect(String(back.actionSpace)).toBe('Box(-inf, inf, (2,), float32)');
    expect(back.metadata).toEqual({});
  });
});

describe('episode splitting', () => {
  const flat = (terminals: number[], timeouts?: number[]) => {
    const n = terminals.length;
    const arrays: Record<string, { data: Float32Array | BigInt64Array | Uint8Array; shape: number[]; dtype: string }> = {
      observations: { data: Float32Array.from({ length: n }, (_, i) => i), shape: [n, 1], dtype: '<f4' },
      actions: { data: BigInt64Array.from({ length: n }, (_, i) => BigInt(i % 2)), shape: [n], dtype: '<i8' },
      rewards: { data: new Float32Array(n).fill(1), shape: [n], dtype: '<f4' },
      terminals: { data: Uint8Array.from(terminals), shape: [n], dtype: '|u1' },
    };
    if (timeouts) arrays['timeouts'] = { data: Uint8Array.from(timeouts), shape: [n], dtype: '|b1' };
    return writeNpzArrays(arrays);
  };

  it('splits at terminals | timeouts; both at once is terminated', () => {
    const ds = readNpz(flat([0, 1, 0, 1, 0], [0, 0, 1, 1, 1]));
    expect(ds.trajectories.map((t) => [t.rews.length, t.terminated, t.truncated])).toEqual([
      [2, true, false],
      [1, false, true],
      [1, true, false],
      [1, false, true],
    ]);
  });

  it('handles rows after the last episode end as asked', () => {
    const bytes = flat([0, 1, 0, 0]);
    expect(readNpz(bytes).trajectories.map((t) => [t.rews.length, t.terminated, t.truncated])).toEqual([
      [2, true, false],
      [2, false, true],
    ]);
    expect(readNpz(bytes, { incompleteEpisode: 'drop' }).trajectories.length).toBe(1);
    expect(() => readNpz(bytes, { incompleteEpisode: 'error' })).toThrow(/rows 2\.\.3 after the last terminal or timeout/);
  });

  it('infers a MultiDiscrete for integer action rows', () => {
    const n = 2;
    const bytes = writeNpzArrays({
      observations: { data: new Float32Array(n), shape: [n, 1] },
      actions: { data: BigInt64Array.from([0n, 2n, 1n, 0n]), shape: [n, 2] },
      rewards: { data: new Float32Array(n) },
      terminals: { data: Uint8Array.from([0, 1]), dtype: '|b1' },
    });
    const ds = readNpz(bytes);
    expect(ds.actionSpace.equals(new MultiDiscrete([2, 3]))).toBe(true);
  });
});

describe('npz errors', () => {
  it('names a missing key', () => {
    const bytes = writeNpzArrays({ observations: { data: new Float32Array(2), shape: [2, 1] } });
    expect(() => readNpz(bytes)).toThrow(/npz: missing key 'actions'/);
  });

  it('names an array whose row count disagrees', () => {
    const bytes = writeNpzArrays({
      observations: { data: new Float32Array(3), shape: [3, 1] },
      actions: { data: new Float32Array(2), shape: [2, 1] },
      rewards: { data: new Float32Array(3) },
      terminals: { data: new Uint8Array(3), dtype: '|b1' },
    });
    expect(() => readNpz(bytes)).toThrow(/npz: 'actions' has shape \(2, 1\) but 'observations' has 3 rows/);
  });

  it('rejects bytes that are not a zip', () => {
    expect(() => readNpz(new Uint8Array([1, 2, 3, 4]))).toThrow(/npz: not a readable zip archive/);
  });
});

const hasNumpy = spawnSync('python3', ['-c', 'import numpy'], { stdio: 'ignore' }).status === 0;

describe.skipIf(!hasNumpy)('NumPy reads what writeNpz writes', () => {
  it('np.load gives the dtypes, shapes and values', () => {
    const path = join(dir, 'for-numpy.npz');
    writeNpz(discreteDataset(), path);
    const script = [
      'import json, sys',
      'import numpy as np',
      'd = np.load(sys.argv[1])',
      'out = {k: [str(d[k].dtype), list(d[k].shape), d[k].tolist()] for k in d.files if k != "tfrl_metadata"}',
      'out["meta"] = json.loads(d["tfrl_metadata"].tobytes())["action_space"]',
      'print(json.dumps(out))',
    ].join('\n');
    const r = spawnSync('python3', ['-c', script, path], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.observations).toEqual([
      'float32',
      [3, 2],
      [
        [0, 0.5],
        [1, 1.5],
        [4, 4],
      ],
    ]);
    expect(out.actions).toEqual(['int64', [3], [3, 0, 2]]);
    expect(out.rewards).toEqual(['float32', [3], [1, 0, -1]]);
    expect(out.terminals).toEqual(['bool', [3], [false, false, true]]);
    expect(out.timeouts).toEqual(['bool', [3], [false, true, false]]);
    expect(out.next_observations).toEqual([
      'float32',
      [3, 2],
      [
        [1, 1.5],
        [2, 2.5],
        [-4, -4],
      ],
    ]);
    expect(out.meta).toEqual({ type: 'Discrete', n: 4, start: 0 });
  });
});
