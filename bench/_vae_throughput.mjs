// Short back-to-back throughput probe for the BENCHMARKS note (deleted after use).
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { execSync } from 'node:child_process';
const core = await import('/work/main/packages/core/dist/index.js');
const gen = await import('/work/main/packages/generative/dist/index.js');
await core.initBackend('wasm', { quiet: true });
const data = gen.loadMnist({ ...gen.mnistPaths('/work/shared/data/mnist'), limit: 128 * 10 });
for (const latent of [2, 15]) {
  const vae = new gen.Vae({ inputDim: 784, latentDim: latent, seed: 0 });
  const xs = Array.from({ length: 10 }, (_, i) => tf.tensor2d(data.images.subarray(i * 128 * 784, (i + 1) * 128 * 784), [128, 784]));
  for (let i = 0; i < 5; i++) vae.trainStep(xs[i % 10]);
  const t0 = performance.now();
  for (let i = 0; i < 60; i++) vae.trainStep(xs[i % 10]);
  console.log(JSON.stringify({ latent, examplesPerSecond: (60 * 128) / ((performance.now() - t0) / 1000), uptime: execSync('uptime').toString().trim() }));
  vae.dispose(); tf.dispose(xs);
}
