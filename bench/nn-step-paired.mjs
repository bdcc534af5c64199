// nn-step (MLP 8 → [w, w] → 1, MSE, batch 256, fwd + bwd + Adam) against PyTorch in PAIRED BURSTS:
// PyTorch (one thread, a server process) and tfrl on tfjs wasm (this process) take turns running
// short bursts of steps, so each tfrl burst has a PyTorch burst next to it in time and the ratio is
// taken within the pair. On a machine whose speed drifts by 2x over seconds this measures the ratio
// much more tightly than two separate runs. The order within a pair alternates, to cancel drift.
//
//   npx -y pnpm@10.34.9 --filter @tfrl/core build
//   node bench/nn-step-paired.mjs [pairs=30] [stepsPerBurst=100] [tag]
//
// Writes bench/results/nn-step-paired-<tag>.json: per configuration the median ms/step of each side,
// the median ratio and its quartiles, and every pair.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { Adam, Mlp, Rng, computeGradients, initBackend } from '../packages/core/dist/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const PAIRS = Number(process.argv[2] ?? 30);
const BURST = Number(process.argv[3] ?? 100);
const tag = process.argv[4] ?? new Date().toISOString().slice(0, 10);
const CONFIGS = [
  ['tanh', 64],
  ['tanh', 256],
  ['relu', 64],
  ['relu', 256],
];
const BATCH = 256;
const IN = 8;
const WARMUP = 50;

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const quantile = (xs, q) => {
  const s = [...xs].sort((a, b) => a - b);
  const i = (s.length - 1) * q;
  const lo = Math.floor(i);
  return s[lo] + (s[Math.min(lo + 1, s.length - 1)] - s[lo]) * (i - lo);
};

// PyTorch side: one request line, one answer line.
const py = spawn('/usr/bin/python3', [join(here, 'nn_step_torch.py'), '--serve'], {
  env: { ...process.env, OPENBLAS_NUM_THREADS: '1' },
  stdio: ['pipe', 'pipe', 'inherit'],
});
const answers = createInterface({ input: py.stdout })[Symbol.asyncIterator]();
async function torchBurst(act, width) {
  py.stdin.write(`${act} ${width} ${BURST}\n`);
  const { value, done } = await answers.next();
  if (done) throw new Error('the PyTorch server exited');
  return Number(value);
}

// tfrl side: the same step as bench/nn-step.mjs's "tfrl fast".
await initBackend('wasm', { quiet: true }); // registers tfrl's wasm kernels
const steps = new Map();
function tfrlStep(act, width) {
  const key = `${act}/${width}`;
  if (!steps.has(key)) {
    const rng = new Rng(1);
    const x = tf.tensor2d(rng.fillNormal(new Float32Array(BATCH * IN)), [BATCH, IN]);
    const y = tf.tensor2d(rng.fillNormal(new Float32Array(BATCH)), [BATCH, 1]);
    const net = new Mlp({ inputDim: IN, hiddenSizes: [width, width], outputDim: 1, activation: act, rng });
    const vars = net.trainableVariables;
    const opt = new Adam(vars, { lr: 3e-4, eps: 1e-8 });
    const loss = () => tf.mean(tf.square(tf.sub(net.apply(x, { inputGrad: false }), y)));
    const step = () => {
      const { grads } = computeGradients(loss, vars, { readLoss: false });
      opt.step(grads);
      tf.dispose(grads);
    };
    for (let i = 0; i < WARMUP; i++) step();
    steps.set(key, step);
  }
  return steps.get(key);
}
function tfrlBurst(act, width) {
  const step = tfrlStep(act, width);
  const ts = new Array(BURST);
  for (let i = 0; i < BURST; i++) {
    const t0 = performance.now();
    step();
    ts[i] = performance.now() - t0;
  }
  return median(ts);
}

const loadBefore = os.loadavg();
const t0 = Date.now();
const pairs = Object.fromEntries(CONFIGS.map(([a, w]) => [`${a}/${w}`, []]));
for (let p = 0; p < PAIRS; p++) {
  for (const [act, width] of CONFIGS) {
    let torchMs;
    let tfrlMs;
    if (p % 2 === 0) {
      torchMs = await torchBurst(act, width);
      tfrlMs = tfrlBurst(act, width);
    } else {
      tfrlMs = tfrlBurst(act, width);
      torchMs = await torchBurst(act, width);
    }
    pairs[`${act}/${width}`].push({ tfrlMs: +tfrlMs.toFixed(4), torchMs: +torchMs.toFixed(4), ratio: +(tfrlMs / torchMs).toFixed(3) });
  }
}
py.stdin.end();

const summary = CONFIGS.map(([act, width]) => {
  const ps = pairs[`${act}/${width}`];
  const r = ps.map((x) => x.ratio);
  return {
    activation: act,
    width,
    tfrlMs: +median(ps.map((x) => x.tfrlMs)).toFixed(3),
    torchMs: +median(ps.map((x) => x.torchMs)).toFixed(3),
    ratioMedian: +median(r).toFixed(2),
    ratioQ1: +quantile(r, 0.25).toFixed(2),
    ratioQ3: +quantile(r, 0.75).toFixed(2),
    pairsOver: { '2x': r.filter((x) => x > 2).length, '2.5x': r.filter((x) => x > 2.5).length },
  };
});
for (const s of summary) {
  console.log(
    `${s.activation}/${s.width}: tfrl ${s.tfrlMs} ms, PyTorch ${s.torchMs} ms, ratio median ${s.ratioMedian}x (IQR ${s.ratioQ1}–${s.ratioQ3}; pairs over 2x ${s.pairsOver['2x']}, over 2.5x ${s.pairsOver['2.5x']} of ${PAIRS})`,
  );
}
const out = {
  what: 'nn-step paired bursts: MLP 8 → [w, w] → 1, MSE, batch 256, fwd + bwd + Adam; tfrl (Mlp + flat Adam, tfjs wasm, 1 thread) vs PyTorch (1 thread)',
  command: `node bench/nn-step-paired.mjs ${PAIRS} ${BURST} ${tag}`,
  date: new Date().toISOString(),
  seconds: (Date.now() - t0) / 1000,
  machine: {
    cpus: os.cpus().length,
    model: os.cpus()[0]?.model,
    node: process.version,
    tfjs: tf.version.tfjs,
    loadBefore,
    loadAfter: os.loadavg(),
  },
  pairsPerConfig: PAIRS,
  stepsPerBurst: BURST,
  summary,
  pairs,
};
writeFileSync(join(here, 'results', `nn-step-paired-${tag}.json`), `${JSON.stringify(out, null, 1)}\n`);
