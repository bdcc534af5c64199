import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { MemoryCheckpoint, MemoryLogger, Rng, conv2dFast, conv2dTransposeFast } from '@tfrl/core';
import { expectNoTensorLeak, useBackend } from '@tfrl/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodePng, writePngImage } from '../datasets/image-folder';
import type { ImageDataset } from '../datasets/mnist';
import { Gan, discriminatorLosses, generatorLoss } from './gan';
import { BatchNorm, ParamStore } from './layers';
import { dcganLevels } from './networks';
import { trainGan } from './trainer';

beforeAll(async () => {
  await useBackend('wasm');
});

const snapshot = (vars: tf.Variable[]) => vars.map((v) => Float32Array.from(v.dataSync()));
const changed = (before: Float32Array[], vars: tf.Variable[]) =>
  vars.some((v, i) => v.dataSync().some((x, j) => x !== (before[i] as Float32Array)[j]));

function toyImages(n: number, size: number): ImageDataset {
  const rng = new Rng(0);
  const images = new Float32Array(n * size * size);
  for (let i = 0; i < n; i++) {
    const r = 2 + rng.integers(0, size - 4);
    for (let c = 0; c < size; c++) images[i * size * size + r * size + c] = 1; // a horizontal bar
  }
  return { images, labels: new Uint8Array(0), count: n, rows: size, cols: size, channels: 1 };
}

describe('BatchNorm', () => {
  it('normalises with batch statistics in training, updates running averages, uses them in eval', () => {
    const store = new ParamStore('bn-test');
    const bn = new BatchNorm(store, 'bn', 2, new Rng(0), { gammaStd: 0, momentum: 0.1 });
    // channel 0: 1, 3, 5, 7 (mean 4, biased var 5, unbiased 20/3); channel 1: all 2 (var 0).
    const x = tf.tensor4d([1, 2, 3, 2, 5, 2, 7, 2], [2, 1, 2, 2]);
    const y = bn.apply(x, true).dataSync();
    const s = Math.sqrt(5 + 1e-5);
    expect(Array.from(y.filter((_, i) => i % 2 === 0)).map((v) => +v.toFixed(5))).toEqual(
      [-3 / s, -1 / s, 1 / s, 3 / s].map((v) => +v.toFixed(5)),
    );
    for (const v of y.filter((_, i) => i % 2 === 1)) expect(v).toBeCloseTo(0, 6);
    expect(Array.from(bn.runningMean.dataSync()).map((v) => +v.toFixed(5))).toEqual([0.4, 0.2]);
    expect(bn.runningVar.dataSync()[0]).toBeCloseTo(0.9 + 0.1 * (20 / 3), 5);
    expect(bn.runningVar.dataSync()[1]).toBeCloseTo(0.9, 6);
    // eval: (x − running_mean) / sqrt(running_var + eps)
    const e = bn.apply(tf.tensor2d([1, 2], [1, 2]), false).dataSync();
    expect(e[0]).toBeCloseTo((1 - 0.4) / Math.sqrt(0.9 + 2 / 3 + 1e-5), 5);
    expect(e[1]).toBeCloseTo((2 - 0.2) / Math.sqrt(0.9 + 1e-5), 5);
    // gradient reaches γ and β, and the input (Σ dx = 0 per channel for a loss linear in y)
    const g = tf.grads((xx: tf.Tensor) => tf.sum(tf.mul(bn.apply(xx, true), tf.tensor1d([1, 3]))))([x]);
    const gx = Array.from((g[0] as tf.Tensor).dataSync());
    expect(gx.filter((_, i) => i % 2 === 0).reduce((a, b) => a + b, 0)).toBeCloseTo(0, 4);
    // dβ = Σ coef = 4·(1, 3); dγ = Σ coef·x̂ = 0 on channel 0 (x̂ sums to 0)
    const vg = tf.variableGrads(() => tf.sum(tf.mul(bn.apply(x, true), tf.tensor1d([1, 3]))) as tf.Scalar, [bn.gamma, bn.beta]);
    expect(Array.from((vg.grads[bn.beta.name] as tf.Tensor).dataSync())).toEqual([4, 12]);
    expect((vg.grads[bn.gamma.name] as tf.Tensor).dataSync()[0]).toBeCloseTo(0, 4);
    tf.dispose([vg.value, ...Object.values(vg.grads)]);
    expect(() => bn.apply(tf.zeros([2, 3]), true)).toThrow(/expected 2 channels/);
    tf.dispose([x, ...g]);
    store.dispose();
  });
});

describe('GAN losses', () => {
  it('match hand-computed values on a tiny case', () => {
    // D(x) logits (0, ln 3) → σ = (1/2, 3/4): d_real = −½(ln ½ + ln ¾)
    // D(G(z)) logits (0, −ln 3) → σ = (1/2, 1/4): d_fake = −½(ln ½ + ln ¾); g = −½(ln ½ + ln ¼)
    const lr = tf.tensor2d([0, Math.log(3)], [2, 1]);
    const lf = tf.tensor2d([0, -Math.log(3)], [2, 1]);
    const { real, fake } = discriminatorLosses(lr, lf);
    expect(real.dataSync()[0]).toBeCloseTo(-0.5 * (Math.log(0.5) + Math.log(0.75)), 5);
    expect(fake.dataSync()[0]).toBeCloseTo(-0.5 * (Math.log(0.5) + Math.log(0.75)), 5);
    expect(generatorLoss(lf).dataSync()[0]).toBeCloseTo(-0.5 * (Math.log(0.5) + Math.log(0.25)), 5);
    tf.dispose([lr, lf, real, fake]);
  });
});

describe('transposed convolution on wasm', () => {
  const cases: { name: string; x: number[]; w: number[]; out?: number[]; stride: number; pad: 'same' | 'valid' }[] = [
    { name: 'convT 3→6 k4 s2 same', x: [2, 3, 3, 4], w: [4, 4, 2, 4], out: [2, 6, 6, 2], stride: 2, pad: 'same' },
    { name: 'convT 7→14 k4 s2 same', x: [2, 7, 7, 3], w: [4, 4, 2, 3], out: [2, 14, 14, 2], stride: 2, pad: 'same' },
    { name: 'conv 14→7 k4 s2 same', x: [2, 14, 14, 3], w: [4, 4, 3, 5], stride: 2, pad: 'same' },
    { name: 'conv 9→4 k3 s2 valid', x: [2, 9, 9, 2], w: [3, 3, 2, 3], stride: 2, pad: 'valid' },
    { name: 'conv 5→5 k3 s1 same', x: [1, 5, 5, 2], w: [3, 3, 2, 2], stride: 1, pad: 'same' },
  ];
  for (const c of cases) {
    it(`${c.name}: values and gradients (input, filter, bias) on wasm equal the stock ops on cpu`, async () => {
      const rng = new Rng(4);
      const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
      const xv = rng.fillNormal(new Float32Array(size(c.x)));
      const wv = rng.fillNormal(new Float32Array(size(c.w)));
      const bC = c.out ? (c.w[2] as number) : (c.w[3] as number);
      const bv = rng.fillNormal(new Float32Array(bC));
      const run = (fast: boolean) =>
        tf.tidy(() => {
          const x = tf.tensor4d(xv, c.x as [number, number, number, number]);
          const w = tf.tensor4d(wv, c.w as [number, number, number, number]);
          const b = tf.tensor1d(bv);
          const fwd = (a: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) => {
            const a4 = a as tf.Tensor4D;
            const w4 = ww as tf.Tensor4D;
            if (c.out) {
              return fast
                ? conv2dTransposeFast(a4, w4, bb as tf.Tensor1D, c.out, c.stride, c.pad)
                : tf.add(tf.conv2dTranspose(a4, w4, c.out as [number, number, number, number], c.stride, c.pad), bb);
            }
            return fast ? conv2dFast(a4, w4, bb as tf.Tensor1D, c.stride, c.pad) : tf.add(tf.conv2d(a4, w4, c.stride, c.pad), bb);
          };
          const y = fwd(x, w, b);
          const coef = tf.tensor(new Rng(9).fillNormal(new Float32Array(y.size)), y.shape);
          const grads = tf.grads((a: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) => tf.sum(tf.mul(fwd(a, ww, bb), coef)))([x, w, b]);
          return [y, ...grads].map((t) => Array.from(t.dataSync()));
        });
      await tf.setBackend('cpu');
      const ref = run(false);
      await tf.setBackend('wasm');
      const got = run(true);
      ref.forEach((r, k) => {
        expect(got[k]?.length).toBe(r.length);
        r.forEach((v, i) => expect(got[k]?.[i]).toBeCloseTo(v, 3));
      });
    });
  }
});

describe('Gan', () => {
  it('DCGAN levels: 28 → base 7 (2 levels), 64 → base 4 (4 levels)', () => {
    expect(dcganLevels(28)).toEqual({ levels: 2, base: 7 });
    expect(dcganLevels(64)).toEqual({ levels: 4, base: 4 });
    expect(() => dcganLevels(30)).toThrow(/base·2\^k/);
    const g = new Gan({ image: { height: 64, width: 64, channels: 3 }, baseFilters: 4, latentDim: 8 });
    expect(g.sample(2).length).toBe(2 * 64 * 64 * 3);
    g.dispose();
  });

  for (const architecture of ['dcgan', 'mlp'] as const) {
    it(`${architecture}: one step changes both networks, logs the hand-computable losses, and does not leak`, async () => {
      const gan = new Gan({
        architecture,
        image: { height: 28, width: 28, channels: 1 },
        latentDim: 16,
        baseFilters: 8,
        hiddenSizes: [32],
        seed: 1,
      });
      const data = toyImages(8, 28);
      const real = tf.tidy(() => tf.sub(tf.mul(tf.tensor2d(data.images, [8, 784]), 2), 1) as tf.Tensor2D);
      const z = tf.randomNormal([8, 16], 0, 1, 'float32', 3) as tf.Tensor2D;
      // Expected D losses from the networks before the step (training-mode forward passes).
      const expected = tf.tidy(() => {
        const fake = gan.generator.apply(z, true);
        const { real: r, fake: f } = discriminatorLosses(gan.discriminator.apply(real, true), gan.discriminator.apply(fake, true));
        return [r.dataSync()[0] as number, f.dataSync()[0] as number];
      });
      const g0 = snapshot(gan.generator.trainableVariables);
      const d0 = snapshot(gan.discriminator.trainableVariables);
      const s = gan.trainStep(real, z);
      expect(s.dReal).toBeCloseTo(expected[0] as number, 4);
      expect(s.dFake).toBeCloseTo(expected[1] as number, 4);
      expect(s.dLoss).toBeCloseTo((expected[0] as number) + (expected[1] as number), 4);
      expect(Number.isFinite(s.gLoss)).toBe(true);
      expect(changed(g0, gan.generator.trainableVariables)).toBe(true);
      expect(changed(d0, gan.discriminator.trainableVariables)).toBe(true);
      await expectNoTensorLeak(() => {
        gan.trainStep(real);
        gan.sample(4);
      });
      tf.dispose([real, z]);
      gan.dispose();
    });
  }

  it('trainGan writes sample grids, logs d_loss_real / d_loss_fake separately, and save/load restores samples', async () => {
    const outDir = mkdtempSync(join(tmpdir(), 'tfrl-gan-'));
    const logger = new MemoryLogger();
    const { gan, history } = await trainGan({
      data: toyImages(64, 28),
      architecture: 'dcgan',
      latentDim: 16,
      baseFilters: 8,
      epochs: 2,
      batchSize: 16,
      logger,
      outDir,
      logEvery: 2,
      seed: 2,
    });
    expect(history.length).toBe(2);
    expect(history[0]?.steps).toBe(4);
    const tags = new Set(logger.records.map((r) => r.tag));
    for (const t of ['gan/d_loss_real', 'gan/d_loss_fake', 'gan/g_loss', 'gan/samples']) expect(tags.has(t)).toBe(true);
    const png = decodePng(new Uint8Array(readFileSync(join(outDir, 'samples_epoch_002.png'))));
    expect(png.width).toBe(8 * 28 + 9 * 2);
    expect(logger.records.filter((r) => r.tag === 'epoch/d_loss').map((r) => r.step)).toEqual([4, 8]); // one step axis
    expect(logger.records.filter((r) => r.tag === 'gan/samples').map((r) => r.step)).toEqual([0, 4, 8]);
    const loaded = await Gan.load(join(outDir, 'model'));
    const a = gan.sample(3, 5);
    const b = loaded.sample(3, 5);
    b.forEach((v, i) => expect(v).toBeCloseTo(a[i] as number, 5));
    expect(loaded.optG.stepCount).toBe(gan.optG.stepCount);
    // The same checkpoint in memory and through an archive (what the browser build saves to).
    const mem = new MemoryCheckpoint('gan-memory');
    await gan.save(mem, { epochs: 2 });
    const fromArchive = await Gan.load(MemoryCheckpoint.fromArchive(mem.toArchive()));
    fromArchive.sample(3, 5).forEach((v, i) => expect(v).toBeCloseTo(a[i] as number, 5));
    expect(fromArchive.optD.stepCount).toBe(gan.optD.stepCount);
    await expect(Gan.load(new MemoryCheckpoint('empty'))).rejects.toThrow('checkpoint empty: nothing has been saved here yet');
    gan.dispose();
    loaded.dispose();
    fromArchive.dispose();
  });

  it('trains a colour DCGAN from a streamed image folder (centre-cropped, resized)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tfrl-gan-folder-'));
    for (let i = 0; i < 8; i++) {
      const data = new Uint8Array(20 * 16 * 3);
      for (let p = 0; p < 20 * 16; p++) data.set([(i * 30) % 256, p % 256, 128], p * 3);
      writePngImage(join(dir, `face${i}.png`), { width: 20, height: 16, channels: 3, data });
    }
    const { gan, history } = await trainGan({
      folder: { dir, height: 16 },
      baseFilters: 4,
      latentDim: 8,
      epochs: 1,
      batchSize: 4,
      seed: 0,
    });
    expect(history[0]?.steps).toBe(2);
    expect(gan.options.image).toEqual({ height: 16, width: 16, channels: 3 });
    expect(gan.sample(2).length).toBe(2 * 16 * 16 * 3);
    gan.dispose();
  });
});
