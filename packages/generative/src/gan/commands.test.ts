import { cpSync, existsSync, mkdtempSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useBackend } from '@tfrl/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ImageDataset } from '../datasets/mnist';
import { Vae } from '../vae/vae';
import { defaultHeldOutCount, loadMnistImages, minImagesForSplit, splitForTraining, trainVaeCommand } from '../vae/trainer';
import { Gan } from './gan';
import { trainGanCommand } from './trainer';

const MNIST_DIR = '/work/shared/data/mnist';

beforeAll(async () => {
  await useBackend('wasm');
});

function blank(count: number): ImageDataset {
  return { images: new Float32Array(count * 4), labels: new Uint8Array(0), count, rows: 2, cols: 2, channels: 1 };
}

describe('held-out split of the CLI hooks', () => {
  it('holds out 10% of the images, at most 1000, and names the minimum when the data is too small', () => {
    expect(defaultHeldOutCount(60_000)).toBe(1000);
    expect(defaultHeldOutCount(1000)).toBe(100);
    expect(defaultHeldOutCount(9)).toBe(0);
    expect(minImagesForSplit(128)).toBe(142); // 14 held out, 128 to train on
    expect(minImagesForSplit(1)).toBe(10);
    const { train, heldOut } = splitForTraining(blank(1000), { batchSize: 128 });
    expect([train.count, heldOut.count]).toEqual([900, 100]);
    expect(splitForTraining(blank(142), { batchSize: 128 }).train.count).toBe(128);
    expect(() => splitForTraining(blank(141), { batchSize: 128 })).toThrow(/141 images are too few .* need at least 142/);
    expect(() => splitForTraining(blank(100), { heldOut: 50, batchSize: 64 })).toThrow(/need at least 114/);
  });

  it('names the directory when it is missing or holds no MNIST files', () => {
    expect(() => loadMnistImages(join(tmpdir(), 'tfrl-no-such-dir'))).toThrow(/MNIST directory not found: .*tfrl-no-such-dir/);
    expect(() => loadMnistImages(mkdtempSync(join(tmpdir(), 'tfrl-empty-')))).toThrow(/holds no MNIST IDX files .*t10k-images-idx3-ubyte/);
  });
});

describe.runIf(existsSync(join(MNIST_DIR, 't10k-images-idx3-ubyte.gz')))('CLI hooks', () => {
  it('trainVaeCommand and trainGanCommand train on MNIST and write PNGs + the model under logdir', async () => {
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
    for (const f of ['samples_epoch_001.png', 'traversal_uniform_epoch_001.png', 'model/manifest.json'])
      expect(existsSync(join(vaeDir, f))).toBe(true);
    expect(existsSync(join(vaeDir, 'checkpoint'))).toBe(false);
    // The loaders take the model dir, the run dir, or a run saved before model/ (checkpoint/).
    const legacy = mkdtempSync(join(tmpdir(), 'tfrl-cmd-legacy-'));
    cpSync(join(vaeDir, 'model'), join(legacy, 'model'), { recursive: true });
    renameSync(join(legacy, 'model'), join(legacy, 'checkpoint'));
    for (const dir of [join(vaeDir, 'model'), vaeDir, legacy]) {
      const loaded = await Vae.load(dir);
      expect(loaded.steps).toBe(vae.vae.steps);
      loaded.dispose();
    }
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
    expect(existsSync(join(ganDir, 'model/manifest.json'))).toBe(true);
    const loadedGan = await Gan.load(ganDir);
    expect(loadedGan.steps).toBe(3);
    loadedGan.dispose();
    gan.gan.dispose();
    await expect(trainVaeCommand({ dataset: 'cifar' as 'mnist', dataDir: MNIST_DIR })).rejects.toThrow(/unknown dataset "cifar"/);
  });

  it('adapts the held-out split to --limit: 1000 images train a VAE on 900', async () => {
    const r = await trainVaeCommand({ dataset: 'mnist', dataDir: MNIST_DIR, latent: 2, epochs: 1, limit: 1000, batchSize: 100 });
    expect(r.history[0]?.heldOut).toBeDefined();
    expect(r.vae.steps).toBe(9);
    r.vae.dispose();
  });
});
