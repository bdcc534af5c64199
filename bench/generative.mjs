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
  const init = opt('init', 'torch');
  const outPath = join(resultsDir, 'generative-vae.json');
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
      init,
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
    // Re-read: several latent sizes may run as parallel processes.
    const out = existsSync(outPath) ? JSON.parse(readFileSync(outPath, 'utf8')) : { runs: {} };
    out.runs[`latent${latent}_seed${seed}${init === 'torch' ? '' : `_${init}`}`] = {
      latent,
      seed,
      epochs,
      batchSize,
      lr,
      hidden,
      init,
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
  const epochs = Number(opt('epochs', 30));
  const nf = Number(opt('filters', 16));
  const batchSize = Number(opt('batch', 64));
  const snapshots = new Set(opt('snapshots', '1,2,3,5,10,20,30').split(',').map(Number));
  // Quality proxy: an MLP classifier (784-256-10) trained on the same 9k training digits; on a
  // generator's samples we report its mean max-softmax confidence (are the samples recognisable
  // digits?) and the entropy of its mean prediction (do they cover all ten classes? ln 10 = 2.303),
  // next to the same numbers on the 1,000 real held-out digits.
  const clf = new core.Mlp({ inputDim: 784, hiddenSizes: [256], outputDim: 10, activation: 'relu', rng: new Rng(seed + 7), name: 'clf' });
  const adam = new core.Adam(clf.trainableVariables, { lr: 1e-3 });
  const crng = new Rng(seed + 8);
  const t0c = Date.now();
  for (let ep = 0; ep < 8; ep++) {
    const perm = crng.permutation(train.count);
    for (let b = 0; b + 100 <= train.count; b += 100) {
      const xb = new Float32Array(100 * 784);
      const yb = new Int32Array(100);
      for (let i = 0; i < 100; i++) {
        const j = perm[b + i];
        xb.set(train.images.subarray(j * 784, (j + 1) * 784), i * 784);
        yb[i] = train.labels[j];
      }
      const x = tf.tensor2d(xb, [100, 784]);
      const y = tf.oneHot(tf.tensor1d(yb, 'int32'), 10);
      const { grads } = core.computeGradients(
        () =>
          tf.tidy(() => {
            const l = clf.apply(x, { inputGrad: false });
            return tf.mean(tf.sub(tf.logSumExp(l, 1), tf.sum(tf.mul(l, y), 1)));
          }),
        clf.trainableVariables,
        { readLoss: false },
      );
      adam.step(grads);
      tf.dispose([...grads, x, y]);
    }
  }
  const probs = (imgs01) => {
    const n = imgs01.length / 784;
    const p = tf.tidy(() => tf.softmax(clf.apply(tf.tensor2d(imgs01, [n, 784]))));
    const v = p.dataSync();
    p.dispose();
    return v;
  };
  const proxy = (imgs01, labels) => {
    const p = probs(imgs01);
    const n = p.length / 10;
    let conf = 0;
    let correct = 0;
    const marg = new Float64Array(10);
    let condEnt = 0;
    for (let i = 0; i < n; i++) {
      let best = 0;
      for (let k = 1; k < 10; k++) if (p[i * 10 + k] > p[i * 10 + best]) best = k;
      conf += p[i * 10 + best];
      if (labels && labels[i] === best) correct++;
      for (let k = 0; k < 10; k++) {
        marg[k] += p[i * 10 + k] / n;
        if (p[i * 10 + k] > 0) condEnt -= (p[i * 10 + k] * Math.log(p[i * 10 + k])) / n;
      }
    }
    let margEnt = 0;
    for (const m of marg) if (m > 0) margEnt -= m * Math.log(m);
    return {
      meanMaxSoftmax: conf / n,
      classEntropy: margEnt,
      // exp(H(y) − E H(y|x)) = exp(E KL(p(y|x) ‖ p(y))): the "inception score" with this classifier.
      classifierScore: Math.exp(margEnt - condEnt),
      classCounts: Array.from(marg, (m) => +(m * n).toFixed(1)),
      ...(labels ? { accuracy: correct / n } : {}),
    };
  };
  const real = proxy(heldOut.images, heldOut.labels);
  console.log(`classifier trained in ${((Date.now() - t0c) / 1000).toFixed(0)} s; on real held-out: ${JSON.stringify(real)}`);
  const outPath = join(resultsDir, 'generative-dcgan.json');
  const runOut = `/tmp/tfrl-bench-dcgan-s${seed}`;
  const { logger, runDir } = loggerPkg.createRunLogger({
    rootDir: '/tmp/tfrl-bench-runs',
    env: 'mnist',
    algo: 'dcgan',
    seed,
    sinks: ['tensorboard', 'jsonl'],
  });
  const result = {
    config: {
      architecture: 'dcgan',
      image: '28x28x1',
      latentDim: 100,
      baseFilters: nf,
      batchSize,
      lr: 2e-4,
      beta1: 0.5,
      epochs,
      seed,
      trainCount: train.count,
    },
    classifier: { arch: '784-256-10 relu, Adam 1e-3, 8 epochs on the 9k training digits', real },
    uptimeStart: uptime(),
    tensorboard: runDir,
    epochs: [],
  };
  const t0 = Date.now();
  const toUnit = (v) => Float32Array.from(v, (x) => (x + 1) / 2);
  await gen.trainGan({
    data: train,
    architecture: 'dcgan',
    latentDim: 100,
    baseFilters: nf,
    epochs,
    batchSize,
    seed,
    logger,
    outDir: runOut,
    sampleEvery: 1,
    onEpoch: async (e) => {
      const samples = toUnit(e.gan.sample(1000, 77));
      const q = proxy(samples);
      const row = { epoch: e.epoch, seconds: e.seconds, examplesPerSecond: e.examplesPerSecond, ...e.mean, proxy: q, uptime: uptime() };
      if (snapshots.has(e.epoch)) {
        const dst = join(resultsDir, `generative-dcgan-mnist-e${e.epoch}.png`);
        copyFileSync(join(runOut, `samples_epoch_${String(e.epoch).padStart(3, '0')}.png`), dst);
        row.png = `bench/results/generative-dcgan-mnist-e${e.epoch}.png`;
      }
      result.epochs.push(row);
      result.wallSeconds = (Date.now() - t0) / 1000;
      result.uptimeEnd = uptime();
      writeFileSync(outPath, `${JSON.stringify(result, null, 2)}\n`);
      console.log(
        `dcgan epoch ${e.epoch}: ${e.seconds.toFixed(0)} s, D real ${e.mean.dReal.toFixed(3)} fake ${e.mean.dFake.toFixed(3)} G ${e.mean.gLoss.toFixed(3)}; proxy conf ${q.meanMaxSoftmax.toFixed(3)} H ${q.classEntropy.toFixed(3)} score ${q.classifierScore.toFixed(2)}`,
      );
    },
  });
  await logger.close();
} else {
  throw new Error(`bench/generative.mjs: unknown task ${task} (vae | dcgan)`);
}
