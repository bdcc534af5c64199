import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { NonFiniteError, Rng } from '@tfrl/core';
import { useBackend } from '@tfrl/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Gan } from './gan/gan';
import { Vae } from './vae/vae';

let root: string;
beforeAll(async () => {
  await useBackend('wasm');
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'tfrl-diverge-gen-'));
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

/** Train until a NonFiniteError (at most `steps` steps); return it. */
function trainUntilError(step: (x: tf.Tensor2D) => unknown, d: number, steps: number): unknown {
  const rng = new Rng(1);
  for (let i = 0; i < steps; i++) {
    const x = tf.tensor2d(rng.fillUniform(new Float32Array(16 * d), 0, 1), [16, d]);
    try {
      step(x);
    } catch (e) {
      return e;
    } finally {
      x.dispose();
    }
  }
  return null;
}

describe('generative trainers stop on divergence and refuse to save non-finite weights', () => {
  it('VAE (lr 1e6)', async () => {
    const vae = new Vae({ inputDim: 16, latentDim: 2, hiddenSizes: [8], lr: 1e6 });
    const dir = path.join(root, 'vae');
    await vae.save(dir);
    const err = trainUntilError((x) => vae.trainStep(x), 16, 200);
    expect(err).toBeInstanceOf(NonFiniteError);
    expect((err as Error).message).toMatch(/^VAE: train\/(recon|kl) became (NaN|-?Infinity) at step \d+/);
    await expect(vae.save(dir)).rejects.toThrow(/VAE\.save: refusing to save .*holds (NaN|-?Infinity)/);
    expect((await Vae.load(dir)).steps).toBe(0);
  });

  it.each(['mlp', 'dcgan'] as const)('GAN %s (lr 1e38)', async (architecture) => {
    const image = architecture === 'mlp' ? { height: 4, width: 4, channels: 1 } : { height: 8, width: 8, channels: 1 };
    const gan = new Gan({ architecture, image, latentDim: 4, hiddenSizes: [8], baseFilters: 4, lrG: 1e38, lrD: 1e38 });
    const d = image.height * image.width;
    const dir = path.join(root, architecture);
    await gan.save(dir);
    const err = trainUntilError((x) => gan.trainStep(x), d, 200);
    expect(err).toBeInstanceOf(NonFiniteError);
    expect((err as Error).message).toMatch(new RegExp(`^${architecture === 'mlp' ? 'GAN' : 'DCGAN'}: train/\\S+ became (NaN|-?Infinity)`));
    await expect(gan.save(dir)).rejects.toThrow(/refusing to save .*holds (NaN|-?Infinity)/);
    expect((await Gan.load(dir)).steps).toBe(0);
  });
});
