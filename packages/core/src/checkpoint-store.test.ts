import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type CheckpointData,
  MemoryCheckpoint,
  decodeCheckpoint,
  encodeCheckpoint,
  loadCheckpoint,
  packCheckpoint,
  readCheckpointManifest,
  saveCheckpoint,
  unpackCheckpoint,
} from './checkpoint';
import { readCheckpointDir, writeCheckpointDir } from './checkpoint-fs.browser';
import { Rng } from './rng';
import { sha256Hex as sha256Browser } from './sha256.browser';

let root: string;
beforeEach(async () => {
  root = await fsp.mkdtemp(path.join(os.tmpdir(), 'tfrl-ckpt-store-'));
});
afterEach(async () => {
  await fsp.rm(root, { recursive: true, force: true });
});

function sample(): CheckpointData {
  return {
    algorithm: 'PPO',
    hyperparameters: { learningRate: 3e-4 },
    observationSpace: { type: 'Box', low: [-1], high: [1], shape: [1], dtype: 'float32' },
    actionSpace: { type: 'Discrete', n: 2, start: 0 },
    counters: { numTimesteps: 10, numUpdates: 1, episodes: 2 },
    rngState: new Rng(3).getState(),
    extra: { note: 'héllo' },
    tensors: {
      w: { dtype: 'float32', shape: [2, 3], data: Float32Array.from([1, -2.5, 3e-8, 4, 5, 6]) },
      big: { dtype: 'float64', shape: [700], data: new Rng(1).fillNormal(new Float64Array(700)) },
      step: { dtype: 'int32', shape: [], data: Int32Array.of(42) },
    },
  };
}

const hasTar = (() => {
  try {
    execFileSync('tar', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describe('SHA-256 of the browser build', () => {
  it('matches node:crypto at every padding boundary and on large inputs', () => {
    const rng = new Rng(11);
    for (const n of [0, 1, 3, 55, 56, 57, 63, 64, 65, 119, 120, 128, 1000, 65_537]) {
      const bytes = new Uint8Array(n).map(() => rng.integers(0, 256));
      expect(sha256Browser(bytes), `${n} bytes`).toBe(createHash('sha256').update(bytes).digest('hex'));
    }
    expect(sha256Browser('héllo {"a":1}')).toBe(createHash('sha256').update('héllo {"a":1}').digest('hex'));
    expect(sha256Browser('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});

describe('checkpoints in memory and as archives', () => {
  it('encodes the same files a directory holds and decodes them back', async () => {
    const { manifest, files } = encodeCheckpoint(sample());
    expect(Object.keys(files).sort()).toEqual(['manifest.json', 'weights.bin']);
    const dir = path.join(root, 'model');
    await saveCheckpoint(dir, sample());
    const onDisk = await readCheckpointManifest(dir);
    expect(onDisk.weights).toEqual(manifest.weights);
    expect(await fsp.readFile(path.join(dir, 'weights.bin'))).toEqual(Buffer.from(files['weights.bin'] as Uint8Array));
    const { tensors } = decodeCheckpoint(files, 'mem');
    expect(tensors.big?.data).toEqual(sample().tensors.big?.data);
    expect(tensors.step?.data).toEqual(Int32Array.of(42));
  });

  it('saves to a MemoryCheckpoint and round-trips it through an archive', async () => {
    const mem = new MemoryCheckpoint();
    const manifest = await saveCheckpoint(mem, sample());
    expect((await readCheckpointManifest(mem)).manifestSha256).toBe(manifest.manifestSha256);
    const archive = mem.toArchive('ppo-cartpole');
    expect(archive.length % 512).toBe(0);
    const back = MemoryCheckpoint.fromArchive(archive, 'ppo-cartpole.tar');
    expect(back.files).toEqual(mem.files);
    const loaded = await loadCheckpoint(back);
    expect(loaded.manifest).toEqual(manifest);
    expect(loaded.tensors.w?.data).toEqual(sample().tensors.w?.data);
  });

  it('verifies stores like directories, naming the store', async () => {
    const mem = new MemoryCheckpoint('upload.tar');
    await saveCheckpoint(mem, sample());
    const weights = mem.files?.['weights.bin'] as Uint8Array;
    weights[5] = (weights[5] as number) ^ 1;
    await expect(loadCheckpoint(mem)).rejects.toThrow('checkpoint upload.tar: weights.bin SHA-256 mismatch (file altered or truncated)');
    await mem.write({ 'manifest.json': mem.files?.['manifest.json'] as Uint8Array });
    await expect(loadCheckpoint(mem)).rejects.toThrow('checkpoint upload.tar: weights.bin is missing');
    await mem.write({});
    await expect(loadCheckpoint(mem)).rejects.toThrow('checkpoint upload.tar: manifest.json is missing (not a tfrl checkpoint?)');
    await expect(loadCheckpoint(new MemoryCheckpoint('nothing'))).rejects.toThrow('checkpoint nothing: nothing has been saved here yet');
    expect(() => unpackCheckpoint(new Uint8Array(1024).fill(7), 'junk.tar')).toThrow(/checkpoint junk.tar: is not a tar archive/);
    expect(() => unpackCheckpoint(packCheckpoint({ 'weights.bin': new Uint8Array(3) }), 'w.tar')).toThrow(
      'checkpoint w.tar: holds no manifest.json (not a tfrl checkpoint archive?)',
    );
    await expect(saveCheckpoint(mem, { ...sample(), algorithm: '' })).rejects.toThrow(
      'saveCheckpoint upload.tar: "algorithm" must be a non-empty string',
    );
  });

  it.runIf(hasTar)('archives are tar files: tar extracts them to a checkpoint directory, and packs one', async () => {
    const mem = new MemoryCheckpoint();
    await saveCheckpoint(mem, sample());
    const tarFile = path.join(root, 'agent.tar');
    await fsp.writeFile(tarFile, mem.toArchive('agent'));
    execFileSync('tar', ['-xf', tarFile, '-C', root]);
    const loaded = await loadCheckpoint(path.join(root, 'agent'));
    expect(loaded.tensors.big?.data).toEqual(sample().tensors.big?.data);

    await saveCheckpoint(path.join(root, 'saved'), sample());
    execFileSync('tar', ['-cf', path.join(root, 'saved.tar'), '-C', root, 'saved']);
    const fromTar = MemoryCheckpoint.fromArchive(await fsp.readFile(path.join(root, 'saved.tar')));
    expect((await loadCheckpoint(fromTar)).tensors.step?.data).toEqual(Int32Array.of(42));
  });

  it('the browser build refuses directories with a message pointing at stores', async () => {
    const { manifest, files } = encodeCheckpoint(sample());
    await expect(writeCheckpointDir('runs/x', { manifest, files }, 'saveCheckpoint runs/x')).rejects.toThrow(
      /^saveCheckpoint runs\/x: checkpoint directories need Node.js file system access.*MemoryCheckpoint/,
    );
    await expect(readCheckpointDir('runs/x', true)).rejects.toThrow(/^loadCheckpoint runs\/x: checkpoint directories need Node.js/);
  });
});
