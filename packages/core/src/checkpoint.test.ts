import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CHECKPOINT_FORMAT_VERSION, type CheckpointData, loadCheckpoint, readCheckpointManifest, saveCheckpoint } from './checkpoint';
import { Rng } from './rng';

let root: string;
beforeEach(async () => {
  root = await fsp.mkdtemp(path.join(os.tmpdir(), 'tfrl-ckpt-'));
});
afterEach(async () => {
  vi.restoreAllMocks();
  await fsp.rm(root, { recursive: true, force: true });
});

function sample(scale = 1): CheckpointData {
  return {
    algorithm: 'PPO',
    hyperparameters: { learningRate: 3e-4, netArch: [64, 64], schedule: 'lin_0.001' },
    observationSpace: { type: 'Box', low: [-1], high: [1], shape: [1], dtype: 'float32' },
    actionSpace: { type: 'Discrete', n: 2, start: 0 },
    counters: { numTimesteps: 1234, numUpdates: 7, episodes: 12 },
    rngState: new Rng(5).getState(),
    extra: { note: 'héllo', nested: { a: [1, 2, 3] } },
    tensors: {
      'policy/w': { dtype: 'float32', shape: [2, 3], data: Float32Array.from([1, -2.5, 3e-8, 4, 5, 6].map((x) => x * scale)) },
      'policy/b': { dtype: 'float32', shape: [3], data: Float32Array.from([0.1, 0.2, 0.3]) },
      'adam/step': { dtype: 'int32', shape: [], data: Int32Array.from([42 * scale]) },
      empty: { dtype: 'float32', shape: [0, 4], data: new Float32Array(0) },
    },
  };
}

describe('checkpoint', () => {
  it('round-trips every field and tensor bit-exactly', async () => {
    const dir = path.join(root, 'runs', 'x', 'model');
    const data = sample();
    await saveCheckpoint(dir, data);
    expect((await fsp.readdir(dir)).sort()).toEqual(['manifest.json', 'weights.bin']);
    // No temp or old directories left beside it.
    expect(await fsp.readdir(path.dirname(dir))).toEqual(['model']);
    const { manifest, tensors } = await loadCheckpoint(dir);
    expect(manifest.format).toBe('tfrl-checkpoint');
    expect(manifest.formatVersion).toBe(CHECKPOINT_FORMAT_VERSION);
    expect(manifest.algorithm).toBe('PPO');
    expect(manifest.hyperparameters).toEqual(data.hyperparameters);
    expect(manifest.observationSpace).toEqual(data.observationSpace);
    expect(manifest.actionSpace).toEqual(data.actionSpace);
    expect(manifest.counters).toEqual(data.counters);
    expect(manifest.rngState).toEqual(data.rngState);
    expect(manifest.extra).toEqual(data.extra);
    expect(manifest.weights.byteLength).toBe((6 + 3 + 1) * 4);
    expect(manifest.tensors.map((t) => [t.name, t.byteOffset, t.byteLength])).toEqual([
      ['policy/w', 0, 24],
      ['policy/b', 24, 12],
      ['adam/step', 36, 4],
      ['empty', 40, 0],
    ]);
    expect(Object.keys(tensors)).toEqual(['policy/w', 'policy/b', 'adam/step', 'empty']);
    for (const [name, t] of Object.entries(data.tensors)) {
      expect(tensors[name]?.dtype).toBe(t.dtype);
      expect(tensors[name]?.shape).toEqual(t.shape);
      expect(tensors[name]?.data).toEqual(t.data);
      expect(tensors[name]?.data.constructor).toBe(t.data.constructor);
    }
    // Raw little-endian layout.
    const raw = await fsp.readFile(path.join(dir, 'weights.bin'));
    expect(raw.readFloatLE(4)).toBe(-2.5);
    expect(raw.readInt32LE(36)).toBe(42);
  });

  it('replaces an existing checkpoint atomically', async () => {
    const dir = path.join(root, 'model');
    await saveCheckpoint(dir, sample(1));
    await saveCheckpoint(dir, sample(2));
    const { tensors, manifest } = await loadCheckpoint(dir);
    expect(tensors['adam/step']?.data[0]).toBe(84);
    expect(manifest.counters.numTimesteps).toBe(1234);
    expect(await fsp.readdir(root)).toEqual(['model']);
  });

  it('refuses a truncated weights.bin', async () => {
    const dir = path.join(root, 'model');
    await saveCheckpoint(dir, sample());
    const w = path.join(dir, 'weights.bin');
    const raw = await fsp.readFile(w);
    await fsp.writeFile(w, raw.subarray(0, raw.length - 3));
    await expect(loadCheckpoint(dir)).rejects.toThrow(
      `checkpoint ${dir}: weights.bin is 37 bytes but manifest.json says 40 (file truncated)`,
    );
  });

  it('refuses a weights.bin with one altered byte', async () => {
    const dir = path.join(root, 'model');
    await saveCheckpoint(dir, sample());
    const w = path.join(dir, 'weights.bin');
    const raw = await fsp.readFile(w);
    raw[5] = (raw[5] as number) ^ 1;
    await fsp.writeFile(w, raw);
    await expect(loadCheckpoint(dir)).rejects.toThrow(`checkpoint ${dir}: weights.bin SHA-256 mismatch (file altered or truncated)`);
  });

  it('refuses an altered, truncated or missing manifest', async () => {
    const dir = path.join(root, 'model');
    await saveCheckpoint(dir, sample());
    const m = path.join(dir, 'manifest.json');
    const text = await fsp.readFile(m, 'utf8');
    await fsp.writeFile(m, text.replace('"numTimesteps": 1234', '"numTimesteps": 9999'));
    await expect(loadCheckpoint(dir)).rejects.toThrow(/manifest\.json SHA-256 mismatch \(file altered\)/);
    await expect(readCheckpointManifest(dir)).rejects.toThrow(/manifest\.json SHA-256 mismatch/);
    await fsp.writeFile(m, text.slice(0, text.length / 2));
    await expect(loadCheckpoint(dir)).rejects.toThrow(/manifest\.json is not valid JSON \(file truncated or altered\)/);
    const parsed = JSON.parse(text);
    await fsp.writeFile(m, JSON.stringify({ ...parsed, formatVersion: 99 }));
    await expect(loadCheckpoint(dir)).rejects.toThrow(`format version 99 is newer than this tfrl supports (${CHECKPOINT_FORMAT_VERSION})`);
    await fsp.writeFile(m, JSON.stringify({ ...parsed, format: 'other' }));
    await expect(loadCheckpoint(dir)).rejects.toThrow(/has format "other", expected "tfrl-checkpoint"/);
    await fsp.rm(m);
    await expect(loadCheckpoint(dir)).rejects.toThrow(/manifest\.json is missing/);
  });

  it('reports a missing directory clearly', async () => {
    await expect(loadCheckpoint(path.join(root, 'nope'))).rejects.toThrow(`checkpoint ${path.join(root, 'nope')}: directory not found`);
  });

  it('recovers the previous checkpoint left by a save interrupted between its renames', async () => {
    const dir = path.join(root, 'model');
    await saveCheckpoint(dir, sample());
    await fsp.rename(dir, `${dir}.old-123-abcd`);
    expect((await loadCheckpoint(dir)).manifest.algorithm).toBe('PPO');
    expect(await fsp.readdir(root)).toEqual(['model']);
  });

  it('rejects invalid tensors before touching the previous checkpoint', async () => {
    const dir = path.join(root, 'model');
    await saveCheckpoint(dir, sample(1));
    const bad = sample(2);
    (bad.tensors['policy/w'] as { data: Float32Array }).data = new Float32Array(5);
    await expect(saveCheckpoint(dir, bad)).rejects.toThrow(/tensor "policy\/w" has shape \[2, 3\] \(6 values\) but 5 values/);
    const bad2 = sample(2);
    (bad2.tensors['adam/step'] as unknown as { data: Float32Array }).data = new Float32Array(1);
    await expect(saveCheckpoint(dir, bad2)).rejects.toThrow(/tensor "adam\/step" is int32 but its data is Float32Array/);
    const bad3 = sample(2);
    bad3.extra = { big: 1n };
    await expect(saveCheckpoint(dir, bad3)).rejects.toThrow(/not JSON-serialisable/);
    expect((await loadCheckpoint(dir)).tensors['adam/step']?.data[0]).toBe(42);
    expect(await fsp.readdir(root)).toEqual(['model']);
  });

  it('a write error mid-save leaves the previous checkpoint intact and no temp files', async () => {
    const dir = path.join(root, 'model');
    await saveCheckpoint(dir, sample(1));
    const realOpen = fsp.open;
    vi.spyOn(fsp, 'open').mockImplementation(async (...args: Parameters<typeof fsp.open>) => {
      if (String(args[0]).endsWith('manifest.json')) throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
      return realOpen(...args);
    });
    await expect(saveCheckpoint(dir, sample(2))).rejects.toThrow(/writing failed, previous checkpoint \(if any\) left intact: ENOSPC/);
    vi.restoreAllMocks();
    expect(await fsp.readdir(root)).toEqual(['model']);
    expect((await loadCheckpoint(dir)).tensors['adam/step']?.data[0]).toBe(42);
  });

  it('a failed swap puts the previous checkpoint back', async () => {
    const dir = path.join(root, 'model');
    await saveCheckpoint(dir, sample(1));
    const realRename = fsp.rename;
    vi.spyOn(fsp, 'rename').mockImplementation(async (from, to) => {
      if (String(from).includes('.tmp-')) throw new Error('EIO: simulated');
      return realRename(from, to);
    });
    await expect(saveCheckpoint(dir, sample(2))).rejects.toThrow(/could not move the new checkpoint into place: EIO/);
    vi.restoreAllMocks();
    expect(await fsp.readdir(root)).toEqual(['model']);
    expect((await loadCheckpoint(dir)).tensors['adam/step']?.data[0]).toBe(42);
  });

  it('refuses to replace a directory that is not a checkpoint', async () => {
    const dir = path.join(root, 'runs');
    await fsp.mkdir(dir);
    await fsp.writeFile(path.join(dir, 'precious.txt'), 'x');
    await expect(saveCheckpoint(dir, sample())).rejects.toThrow(/non-empty directory without manifest\.json; refusing/);
    expect(await fsp.readdir(dir)).toEqual(['precious.txt']);
  });
});
