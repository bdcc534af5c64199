// VAE and DCGAN benchmarks on the shipped MNIST 10k split (course report TP9 / TP10).
//
//   npx -y pnpm@10.34.9 --filter @tfrl/generative... build
//   node bench/generative.mjs vae   [--latents 1,2,15] [--epochs 50] [--seed 0]
//   node bench/generative.mjs dcgan [--epochs 30] [--seed 0] [--snapshots 1,10,30]
//   /usr/bin/python3 bench/generative_vae_torch.py     # same VAE in PyTorch on the same split (after `vae`)
// Split: 9,000 train / 1,000 held out, drawn by Rng(seed).permutation(10000) (written to
// bench/results/mnist-split-seed<seed>.json for the PyTorch run).
// Writes bench/results/generative-vae.json, generative-dcgan.json and PNGs bench/results/generative-*.png.
import { execSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const core = await import(join(root, 'packages/core/dist/index.js'));
const gen = await import(join(root, 'packages/generative/dist/index.js'));
const loggerPkg = await import(join(root, 'packages/logger/dist/index.js'));
const { Rng } = core;

const args = process.argv.slice(2);
const task = args[0] ?? 'vae';
const opt = (name, def) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : def;
};
await core.initBackend('wasm', { quiet: true });
const resultsDir = join(here, 'results');
mkdirSync(resultsDir, { recursive: true });
const uptime = () => execSync('uptime').toString().trim();
const seed = Number(opt('seed', 0));
const mnistDir = opt('data', '/work/shared/data/mnist');
const data = gen.loadMnist(gen.mnistPaths(mnistDir, 't10k'));
const { train, heldOut } = gen.splitTrainHeldOut(data, 1000, new Rng(seed));
{
  const perm = new Rng(seed).permutation(data.count);
  writeFileSync(
    join(resultsDir, `mnist-split-seed${seed}.json`),
    JSON.stringify({ heldOut: Array.from(perm.subarray(0, 1000)), train: Array.from(perm.subarray(1000)) }),
  );
}

if (task === 'vae') {
  const latents = opt('latents', '1,2,15').split(',').map(Number);
  const epochs = Number(opt('epochs', 50));
  const batchSize = Number(opt('batch', 128));
  const lr = Number(opt('lr', 1e-3));
  const hidden = opt('hidden', '400').split(',').map(Number);
  const outPath = join(resultsDir, 'generative-vae.json');
  const out = existsSync(outPath) ? JSON.parse(readFileSync(outPath, 'utf8')) : { runs: {} };
  for (const latent of latents) {
    const uptimeStart = uptime();
    const t0 = Date.now();
    const runOut = join('/tmp', `tfrl-bench-vae-l${latent}-s${seed}`);
    const { logger, runDir } = loggerPkg.createRunLogger({
      rootDir: '/tmp/tfrl-bench-runs',
      env: 'mnist',
      algo: `vae-l${latent}`,
      seed,
      sinks: ['tensorboard', 'jsonl'],
    });
    const res = await gen.trainVae({
      data: train,
      heldOut,
      latentDim: latent,
      epochs,
      batchSize,
      lr,
      hiddenSizes: hidden,
      seed,
      logger,
      outDir: runOut,
      sampleEvery: 10,
      onEpoch: (e) =>
        console.log(
          `latent ${latent} epoch ${e.epoch}: train ${e.train.loss.toFixed(2)} held-out −ELBO ${e.heldOut.negElbo.toFixed(2)} ` +
            `(recon ${e.heldOut.recon.toFixed(2)}, KL ${e.heldOut.kl.toFixed(2)}) ${e.examplesPerSecond.toFixed(0)} ex/s`,
        ),
    });
    await logger.close();
    // A tighter estimate of the same bound: 10 reparameterised samples per held-out image.
    const final = res.vae.elbo(heldOut.images, { nSamples: 10, seed: 1 });
    const pad = (e) => String(e).padStart(3, '0');
    const pngs = [];
    for (const kind of ['samples', 'recon', 'traversal_quantiles', 'traversal_uniform']) {
      for (const e of [0, 10, epochs]) {
        const src = join(runOut, `${kind}_epoch_${pad(e)}.png`);
        if (!existsSync(src)) continue;
        const dst = join(resultsDir, `generative-vae-l${latent}-${kind}-e${e}.png`);
        copyFileSync(src, dst);
        pngs.push(`bench/results/generative-vae-l${latent}-${kind}-e${e}.png`);
      }
    }
    const last = res.history[res.history.length - 1];
    out.runs[`latent${latent}_seed${seed}`] = {
      latent,
      seed,
      epochs,
      batchSize,
      lr,
      hidden,
      trainCount: train.count,
      heldOutCount: heldOut.count,
      heldOutNegElbo1Sample: last.heldOut.negElbo,
      heldOutNegElbo10Samples: final.negElbo,
      heldOutRecon: final.recon,
      heldOutKl: final.kl,
      bestHeldOutNegElbo: Math.min(...res.history.map((h) => h.heldOut.negElbo)),
      trainLossLastEpoch: last.train.loss,
      curve: res.history.map((h) => ({ epoch: h.epoch, train: +h.train.loss.toFixed(3), heldOut: +h.heldOut.negElbo.toFixed(3) })),
      examplesPerSecond: res.examplesPerSecond,
      wallSeconds: (Date.now() - t0) / 1000,
      backend: tf.getBackend(),
      uptimeStart,
      uptimeEnd: uptime(),
      tensorboard: runDir,
      pngs,
    };
    writeFileSync(outPath, `${JSON.stringify(out, null, 2)}\n`);
    console.log(`latent ${latent}: held-out −ELBO ${final.negElbo.toFixed(2)} nats (10 samples), ${res.examplesPerSecond.toFixed(0)} ex/s`);
    res.vae.dispose();
  }
} else if (task === 'dcgan') {
  const { runDcganBench } = await import('./generative-dcgan.mjs');
  await runDcganBench({ gen, core, loggerPkg, tf, train, heldOut, args, opt, resultsDir, uptime, seed });
} else {
  throw new Error(`bench/generative.mjs: unknown task ${task} (vae | dcgan)`);
}
