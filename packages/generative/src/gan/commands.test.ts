import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useBackend } from '@tfrl/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { trainVaeCommand } from '../vae/trainer';
import { trainGanCommand } from './trainer';

const MNIST_DIR = '/work/shared/data/mnist';

beforeAll(async () => {
  await useBackend('wasm');
});

describe.runIf(existsSync(join(MNIST_DIR, 't10k-images-idx3-ubyte.gz')))('CLI hooks', () => {
  it('trainVaeCommand and trainGanCommand train on MNIST and write PNGs + a checkpoint under logdir', async () => {
    const vaeDir = mkdtempSync(join(tmpdir(), 'tfrl-cmd-vae-'));
    const vae = await trainVaeCommand({
      dataset: 'mnist',
      dataDir: MNIST_DIR,
      latent: 1,
      epochs: 1,
      seed: 1,
      logdir: vaeDir,
      limit: 400,
      heldOut: 100,
      batchSize: 50,
    });
    expect(vae.vae.latentDim).toBe(1);
    expect(vae.history[0]?.heldOut?.negElbo).toBeGreaterThan(0);
    for (const f of ['samples_epoch_001.png', 'traversal_uniform_epoch_001.png', 'checkpoint/manifest.json'])
      expect(existsSync(join(vaeDir, f))).toBe(true);
    vae.vae.dispose();
    const ganDir = mkdtempSync(join(tmpdir(), 'tfrl-cmd-gan-'));
    const gan = await trainGanCommand({
      dataset: 'mnist',
      dataDir: MNIST_DIR,
      architecture: 'mlp',
      latent: 8,
      epochs: 1,
      seed: 1,
      logdir: ganDir,
      limit: 200,
      heldOut: 50,
      batchSize: 50,
    });
    expect(gan.history[0]?.steps).toBe(3);
    expect(existsSync(join(ganDir, 'samples_epoch_001.png'))).toBe(true);
    expect(existsSync(join(ganDir, 'checkpoint/manifest.json'))).toBe(true);
    gan.gan.dispose();
    await expect(trainVaeCommand({ dataset: 'cifar' as 'mnist', dataDir: MNIST_DIR })).rejects.toThrow(/unknown dataset "cifar"/);
  });
});
