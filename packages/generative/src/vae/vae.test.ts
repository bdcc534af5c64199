import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { MemoryLogger, Rng } from '@tfrl/core';
import { expectNoTensorLeak, useBackend } from '@tfrl/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodePng } from '../datasets/image-folder';
import { type ImageDataset, loadMnist, mnistPaths } from '../datasets/mnist';
import { trainVae } from './trainer';
import { Vae, bernoulliNll, gaussianKlToStandard, gaussianNll, normalQuantile } from './vae';
import { readFileSync } from 'node:fs';

beforeAll(async () => {
  await useBackend('wasm');
});

const MNIST_DIR = '/work/shared/data/mnist';

/** Real MNIST digits when shipped, else a synthetic set of bars (so the smoke run still learns). */
function smallDataset(n: number): ImageDataset {
  if (existsSync(join(MNIST_DIR, 't10k-images-idx3-ubyte.gz'))) return loadMnist({ ...mnistPaths(MNIST_DIR), limit: n });
  const rng = new Rng(0);
  const images = new Float32Array(n * 784);
  for (let i = 0; i < n; i++) {
    const col = 4 + rng.integers(0, 20);
    for (let r = 4; r < 24; r++) images[i * 784 + r * 28 + col] = 1;
  }
  return { images, labels: new Uint8Array(0), count: n, rows: 28, cols: 28, channels: 1 };
}

describe('ELBO terms', () => {
  it('KL(N(μ, σ²) ‖ N(0, 1)) matches the closed form computed by hand', () => {
    // Row 1: μ = (1, 0), σ² = (1, 4): ½[(1 + 1 − 1 − 0) + (4 + 0 − 1 − ln 4)] = ½(4 − ln 4)
    // Row 2: μ = 0, σ² = 1: 0.
    const mu = tf.tensor2d([1, 0, 0, 0], [2, 2]);
    const logvar = tf.tensor2d([0, Math.log(4), 0, 0], [2, 2]);
    const kl = gaussianKlToStandard(mu, logvar).arraySync();
    expect(kl[0]).toBeCloseTo(0.5 * (4 - Math.log(4)), 5);
    expect(kl[1]).toBeCloseTo(0, 6);
    tf.dispose([mu, logvar]);
  });

  it('Bernoulli BCE on a 2-pixel grey-level example, and the Gaussian NLL', () => {
    // x = (1, 0.25), p = σ(l) = (0.5, 0.75): −[ln 0.5] − [0.25 ln 0.75 + 0.75 ln 0.25]
    const x = tf.tensor2d([1, 0.25], [1, 2]);
    const logits = tf.tensor2d([0, Math.log(3)], [1, 2]);
    const want = -Math.log(0.5) - (0.25 * Math.log(0.75) + 0.75 * Math.log(0.25));
    expect(bernoulliNll(x, logits).arraySync()[0]).toBeCloseTo(want, 5);
    // Large logits stay finite (softplus form): x = 1, l = −100 → 100.
    const big = bernoulliNll(tf.tensor2d([1], [1, 1]), tf.tensor2d([-100], [1, 1])).arraySync()[0];
    expect(big).toBeCloseTo(100, 3);
    // Gaussian: x = (1, 2), mean 0, σ = 1: ½(1 + 4) + ln 2π; σ = e: ½(5/e²) + 2 + ln 2π
    const g1 = gaussianNll(tf.tensor2d([1, 2], [1, 2]), tf.zeros([1, 2]), tf.scalar(0)).arraySync()[0];
    expect(g1).toBeCloseTo(2.5 + Math.log(2 * Math.PI), 5);
    const g2 = gaussianNll(tf.tensor2d([1, 2], [1, 2]), tf.zeros([1, 2]), tf.scalar(1)).arraySync()[0];
    expect(g2).toBeCloseTo(2.5 / Math.E ** 2 + 2 + Math.log(2 * Math.PI), 5);
    tf.disposeVariables;
  });

  it('lossTerms = BCE(x, dec(μ + σε)) + KL, checked against the networks by hand', () => {
    const vae = new Vae({ inputDim: 6, latentDim: 2, hiddenSizes: [5], seed: 3 });
    const x = tf.tensor2d([0, 0.5, 1, 0.2, 0.9, 0, 1, 1, 0, 0, 0.3, 0.7], [2, 6]);
    const eps = tf.tensor2d([0.3, -1.2, 0.5, 2.0], [2, 2]);
    const t = vae.lossTerms(x, eps);
    const { mu, logvar } = vae.encode(x);
    const muA = mu.arraySync();
    const lvA = logvar.arraySync();
    const epsA = eps.arraySync();
    const z = muA.map((row, i) => row.map((m, j) => m + Math.exp(0.5 * (lvA[i]?.[j] as number)) * (epsA[i]?.[j] as number)));
    const logits = vae.decodeRaw(tf.tensor2d(z)).arraySync();
    const xA = x.arraySync();
    let bce = 0;
    let kl = 0;
    for (let i = 0; i < 2; i++) {
      for (let j = 0; j < 6; j++) {
        const p = 1 / (1 + Math.exp(-(logits[i]?.[j] as number)));
        const xv = xA[i]?.[j] as number;
        bce -= xv * Math.log(p) + (1 - xv) * Math.log(1 - p);
      }
      for (let j = 0; j < 2; j++) {
        const m = muA[i]?.[j] as number;
        const lv = lvA[i]?.[j] as number;
        kl += 0.5 * (Math.exp(lv) + m * m - 1 - lv);
      }
    }
    expect(t.recon.dataSync()[0]).toBeCloseTo(bce / 2, 4);
    expect(t.kl.dataSync()[0]).toBeCloseTo(kl / 2, 5);
    tf.dispose([x, eps, t.recon, t.kl, mu, logvar]);
    vae.dispose();
  });

  it("initialises as PyTorch's nn.Linear by default: W, b ~ U(±1/√fan_in)", () => {
    const vae = new Vae({ inputDim: 784, latentDim: 2, seed: 0 });
    const maxAbs = (v: tf.Variable) => Array.from(v.dataSync()).reduce((m, x) => Math.max(m, Math.abs(x)), 0);
    const [ew, eb] = vae.encoder.trainableVariables as [tf.Variable, tf.Variable];
    const [dw, db] = vae.decoder.trainableVariables as [tf.Variable, tf.Variable];
    expect(maxAbs(ew)).toBeLessThanOrEqual(1 / 28);
    expect(maxAbs(ew)).toBeGreaterThan(0.035);
    expect(maxAbs(eb)).toBeLessThanOrEqual(1 / 28);
    expect(maxAbs(eb)).toBeGreaterThan(0.03);
    expect(maxAbs(dw)).toBeLessThanOrEqual(Math.SQRT1_2);
    expect(maxAbs(dw)).toBeGreaterThan(0.6);
    expect(maxAbs(db)).toBeGreaterThan(0.6);
    vae.dispose();
    const g = new Vae({ inputDim: 784, latentDim: 2, init: 'glorot' });
    expect(maxAbs(g.decoder.trainableVariables[1] as tf.Variable)).toBe(0);
    g.dispose();
  });

  it('normalQuantile and latent grids', () => {
    expect(normalQuantile(0.975)).toBeCloseTo(1.959964, 5);
    expect(normalQuantile(0.5)).toBeCloseTo(0, 8);
    expect(normalQuantile(0.001)).toBeCloseTo(-3.090232, 5);
    const vae = new Vae({ inputDim: 4, latentDim: 2, hiddenSizes: [3] });
    const g = vae.latentGrid(3, 'uniform');
    expect(Array.from(g)).toEqual([-1, 1, 0, 1, 1, 1, -1, 0, 0, 0, 1, 0, -1, -1, 0, -1, 1, -1]);
    expect(() => new Vae({ inputDim: 4, latentDim: 3 }).latentGrid(3)).toThrow(/latent sizes 1 and 2/);
    expect(() => new Vae({ inputDim: 4, latentDim: 0 })).toThrow(/latentDim must be a positive integer/);
    vae.dispose();
  });
});

describe('Vae training', () => {
  it('does not leak tensors in trainStep, elbo, sample and reconstruct', async () => {
    const vae = new Vae({ inputDim: 784, latentDim: 3, hiddenSizes: [32], seed: 1 });
    const data = smallDataset(64);
    await expectNoTensorLeak(() => {
      const x = tf.tensor2d(data.images.subarray(0, 32 * 784), [32, 784]);
      vae.trainStep(x);
      x.dispose();
      vae.elbo(data.images, { batchSize: 40, nSamples: 2 });
      vae.sample(4);
      vae.reconstruct(data.images.subarray(0, 784 * 2));
    });
    vae.dispose();
    const g = new Vae({ inputDim: 784, latentDim: 2, hiddenSizes: [16], decoder: 'gaussian' });
    await expectNoTensorLeak(() => {
      const x = tf.tensor2d(data.images.subarray(0, 8 * 784), [8, 784]);
      g.trainStep(x);
      x.dispose();
    });
    g.dispose();
  });

  it('a short run lowers the loss and held-out −ELBO, writes PNGs, logs terms, and save/load round-trips', async () => {
    const data = smallDataset(1100);
    const train: ImageDataset = { ...data, images: data.images.subarray(0, 1000 * 784), count: 1000 };
    const heldOut: ImageDataset = { ...data, images: data.images.subarray(1000 * 784), count: 100 };
    const outDir = mkdtempSync(join(tmpdir(), 'tfrl-vae-'));
    const logger = new MemoryLogger();
    const t0 = performance.now();
    const { vae, history } = await trainVae({
      data: train,
      heldOut,
      latentDim: 2,
      epochs: 4,
      batchSize: 50,
      hiddenSizes: [128],
      seed: 5,
      logger,
      outDir,
      sampleEvery: 2,
      logEvery: 10,
    });
    const secs = (performance.now() - t0) / 1000;
    const first = history[0];
    const last = history[history.length - 1];
    expect(last?.train.loss).toBeLessThan((first?.train.loss as number) - 10);
    expect(last?.heldOut?.negElbo).toBeLessThan(first?.heldOut?.negElbo as number);
    // Before any training the BCE of 784 grey pixels is ≈ 784·ln 2 ≈ 543; after 4 short epochs far below.
    expect(last?.heldOut?.negElbo).toBeLessThan(300);
    expect(last?.heldOut?.kl).toBeGreaterThan(0);
    for (const f of ['samples_epoch_000', 'samples_epoch_004', 'recon_epoch_002', 'traversal_quantiles_epoch_004']) {
      const img = decodePng(new Uint8Array(readFileSync(join(outDir, `${f}.png`))), f);
      expect(img.width).toBeGreaterThan(28);
    }
    const tags = new Set(logger.records.map((r) => r.tag));
    for (const t of ['train/recon', 'train/kl', 'train/loss', 'eval/neg_elbo', 'eval/kl', 'vae/samples']) expect(tags.has(t)).toBe(true);
    // One step axis: the epoch summaries and images sit at the gradient step where the epoch ended.
    const stepsPerEpoch = vae.steps / 4;
    const epochSteps = logger.records.filter((r) => r.tag === 'epoch/train_loss').map((r) => r.step);
    expect(epochSteps).toEqual([1, 2, 3, 4].map((e) => e * stepsPerEpoch));
    expect(logger.records.filter((r) => r.tag === 'eval/neg_elbo').map((r) => r.step)).toEqual(epochSteps);
    expect(logger.records.filter((r) => r.tag === 'vae/samples').map((r) => r.step)).toEqual([0, epochSteps[1], epochSteps[3]]);
    expect(existsSync(join(outDir, 'model', 'manifest.json'))).toBe(true);
    const before = vae.elbo(heldOut.images, { seed: 4 });
    const loaded = await Vae.load(outDir); // a run directory loads its model/
    const after = loaded.elbo(heldOut.images, { seed: 4 });
    expect(after.negElbo).toBeCloseTo(before.negElbo, 4);
    expect(loaded.steps).toBe(vae.steps);
    // The restored optimizer continues identically.
    const x = tf.tensor2d(heldOut.images.subarray(0, 50 * 784), [50, 784]);
    vae.rng.setState(loaded.rng.getState());
    const a = vae.trainStep(x);
    const b = loaded.trainStep(x);
    expect(b.loss).toBeCloseTo(a.loss, 3);
    x.dispose();
    vae.dispose();
    loaded.dispose();
    console.info(`vae smoke: 4 epochs × 1000 images in ${secs.toFixed(1)} s`);
  });
});
