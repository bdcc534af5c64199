// Network training step benchmark: fwd + bwd + Adam for an MLP 8 → [w, w] → 1 (MSE),
// batch 256, widths 64 and 256, on the wasm and cpu backends, comparing
//   (a) "tfjs default": plain tf ops (matMul + add + activation), default gradients, tf.train.adam
//   (b) "tfrl fast":    @tfrl/core Mlp (custom-gradient dense) + flat Adam
// Median ms/step over STEPS steps after warm-up, median of REPEATS runs.
//
//   cd /work/main && npx -y pnpm@10.34.9 --filter @tfrl/core build
//   OPENBLAS_NUM_THREADS=1 /usr/bin/python3 bench/nn_step_torch.py   # PyTorch reference (optional)
//   node bench/nn-step.mjs                                          # writes bench/results/nn-step.json
//
// Options (env): BENCH_STEPS (default 300), BENCH_STEPS_CPU (default BENCH_STEPS), BENCH_REPEATS (3), BENCH_BACKENDS (wasm,cpu),
// BENCH_ACTIVATIONS (tanh,relu), BENCH_WIDTHS (64,256).
import { readFileSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import os from 'node:os';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { Adam, Mlp, Rng, computeGradients, initBackend } from '../packages/core/dist/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const STEPS_DEFAULT = Number(process.env.BENCH_STEPS ?? 300);
// The pure-JS cpu backend is ~10x slower; fewer steps keep the run short (BENCH_STEPS_CPU).
const STEPS_CPU = Number(process.env.BENCH_STEPS_CPU ?? STEPS_DEFAULT);
let STEPS = STEPS_DEFAULT;
const WARMUP = 30;
const REPEATS = Number(process.env.BENCH_REPEATS ?? 3);
const BACKENDS = (process.env.BENCH_BACKENDS ?? 'wasm,cpu').split(',');
const ACTS = (process.env.BENCH_ACTIVATIONS ?? 'tanh,relu').split(',');
const WIDTHS = (process.env.BENCH_WIDTHS ?? '64,256').split(',').map(Number);
const BATCH = 256;
const IN = 8;

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

// Wall-clock median per step, plus the median of this process's CPU time per step (less
// sensitive to other processes on a shared 2-core machine; reported alongside).
function timeSteps(step) {
  const medians = [];
  const cpuMedians = [];
  for (let r = 0; r < REPEATS; r++) {
    for (let i = 0; i < WARMUP; i++) step();
    const ts = new Array(STEPS);
    const cs = new Array(STEPS);
    for (let i = 0; i < STEPS; i++) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      step();
      ts[i] = performance.now() - t0;
      const c = process.cpuUsage(c0);
      cs[i] = (c.user + c.system) / 1000;
    }
    medians.push(median(ts));
    cpuMedians.push(median(cs));
  }
  return { ms: median(medians), cpuMs: median(cpuMedians), runs: medians };
}

function data(rng) {
  const x = tf.tensor2d(rng.fillNormal(new Float32Array(BATCH * IN)), [BATCH, IN]);
  const y = tf.tensor2d(rng.fillNormal(new Float32Array(BATCH)), [BATCH, 1]);
  return { x, y };
}

const actFn = { tanh: tf.tanh, relu: tf.relu };

function benchDefault(width, act) {
  const rng = new Rng(1);
  const { x, y } = data(rng);
  const dims = [IN, width, width, 1];
  const vars = [];
  for (let i = 0; i < 3; i++) {
    const lim = Math.sqrt(6 / (dims[i] + dims[i + 1]));
    vars.push(tf.variable(tf.tensor2d(rng.fillUniform(new Float32Array(dims[i] * dims[i + 1]), -lim, lim), [dims[i], dims[i + 1]])));
    vars.push(tf.variable(tf.zeros([dims[i + 1]])));
  }
  const f = actFn[act];
  const opt = tf.train.adam(3e-4, 0.9, 0.999, 1e-8);
  const loss = () => {
    let h = f(tf.add(tf.matMul(x, vars[0]), vars[1]));
    h = f(tf.add(tf.matMul(h, vars[2]), vars[3]));
    const out = tf.add(tf.matMul(h, vars[4]), vars[5]);
    return tf.mean(tf.square(tf.sub(out, y)));
  };
  const before = tf.memory().numTensors;
  const step = () => {
    opt.minimize(loss, false, vars);
  };
  const res = timeSteps(step);
  const leaked = tf.memory().numTensors - before - 2 * vars.length; // adam slots
  opt.dispose();
  tf.dispose([x, y, ...vars]);
  return { ...res, leaked };
}

function benchFast(width, act) {
  const rng = new Rng(1);
  const { x, y } = data(rng);
  const net = new Mlp({ inputDim: IN, hiddenSizes: [width, width], outputDim: 1, activation: act, rng });
  const opt = new Adam(net.trainableVariables, { lr: 3e-4, eps: 1e-8 });
  const vars = net.trainableVariables;
  const loss = () => tf.mean(tf.square(tf.sub(net.apply(x, { inputGrad: false }), y)));
  const before = tf.memory().numTensors;
  const step = () => {
    const { grads } = computeGradients(loss, vars, { readLoss: false });
    opt.step(grads);
    tf.dispose(grads);
  };
  const res = timeSteps(step);
  const leaked = tf.memory().numTensors - before;
  opt.dispose();
  net.dispose();
  tf.dispose([x, y]);
  return { ...res, leaked };
}

await initBackend('wasm', { quiet: true }); // registers tfrl's wasm kernels
const results = [];
const load0 = os.loadavg();
for (const backend of BACKENDS) {
  await tf.setBackend(backend);
  await tf.ready();
  STEPS = backend === 'cpu' ? STEPS_CPU : STEPS_DEFAULT;
  for (const act of ACTS) {
    for (const width of WIDTHS) {
      for (const [impl, fn] of [
        ['tfjs-default', benchDefault],
        ['tfrl-fast', benchFast],
      ]) {
        const r = fn(width, act);
        results.push({
          impl,
          backend,
          activation: act,
          width,
          msPerStep: Number(r.ms.toFixed(4)),
          cpuMsPerStep: Number(r.cpuMs.toFixed(4)),
          runs: r.runs.map((v) => Number(v.toFixed(4))),
          leakedTensors: r.leaked,
        });
        console.log(
          `${backend.padEnd(4)} ${act.padEnd(4)} w=${String(width).padEnd(3)} ${impl.padEnd(12)} ${r.ms.toFixed(3)} ms/step (runs ${r.runs.map((v) => v.toFixed(2)).join(', ')})`,
        );
      }
    }
  }
}

const torchPath = join(here, 'results', 'nn-step-torch.json');
const torch = existsSync(torchPath) ? JSON.parse(readFileSync(torchPath, 'utf8')) : undefined;
const torchRow = (act, width) => torch?.results.find((r) => r.activation === act && r.width === width);

const out = {
  date: new Date().toISOString(),
  machine: {
    cpus: os.cpus().length,
    model: os.cpus()[0]?.model,
    loadavgBefore: load0,
    loadavgAfter: os.loadavg(),
    node: process.version,
    tfjs: tf.version.tfjs,
  },
  setup: {
    batch: BATCH,
    inputDim: IN,
    model: '8 → [w, w] → 1, MSE, Adam(lr 3e-4, eps 1e-8)',
    warmup: WARMUP,
    steps: STEPS_DEFAULT,
    stepsCpuBackend: STEPS_CPU,
    repeats: REPEATS,
    wasm: 'SIMD, single thread',
  },
  results,
  torch,
};
mkdirSync(join(here, 'results'), { recursive: true });
writeFileSync(join(here, 'results', 'nn-step.json'), `${JSON.stringify(out, null, 2)}\n`);

// Markdown table for BENCHMARKS.md: wall-clock medians, and the ratio to PyTorch on both wall
// and process CPU time (the latter is steadier when other processes share the cores).
const fmt = (v) => (v === undefined ? 'n/a' : v.toFixed(2));
const rows = [];
for (const act of ACTS) {
  for (const width of WIDTHS) {
    for (const backend of BACKENDS) {
      const d = results.find((r) => r.impl === 'tfjs-default' && r.backend === backend && r.activation === act && r.width === width);
      const f = results.find((r) => r.impl === 'tfrl-fast' && r.backend === backend && r.activation === act && r.width === width);
      if (!d || !f) continue;
      const t = torchRow(act, width);
      const ratio = t ? `${(f.msPerStep / t.msPerStep).toFixed(2)}x` : 'n/a';
      const cpuRatio = t?.cpuMsPerStep ? `${(f.cpuMsPerStep / t.cpuMsPerStep).toFixed(2)}x` : 'n/a';
      rows.push(
        `| ${act} | ${width} | ${backend} | ${fmt(d.msPerStep)} (cpu ${fmt(d.cpuMsPerStep)}) | ${fmt(f.msPerStep)} (cpu ${fmt(f.cpuMsPerStep)}) | ${(d.cpuMsPerStep / f.cpuMsPerStep).toFixed(1)}x | ${fmt(t?.msPerStep)} (cpu ${fmt(t?.cpuMsPerStep)}) | ${ratio} | ${cpuRatio} |`,
      );
    }
  }
}
const table = [
  '| activation | width | backend | tfjs default (ms) | tfrl fast (ms) | speed-up (cpu time) | PyTorch (ms) | tfrl / PyTorch (wall) | tfrl / PyTorch (cpu time) |',
  '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ...rows,
].join('\n');
console.log(`\n${table}`);
writeFileSync(join(here, 'results', 'nn-step.md'), `${table}\n`);
