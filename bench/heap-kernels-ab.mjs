// Interleaved A/B timing of @tfrl/core's WebAssembly SIMD heap kernels (activation + bias gradient,
// Adam) on the nn-step model: MLP 8 → [w, w] → 1, MSE, batch 256, Adam; wasm backend. Blocks of
// steps alternate between kernels on and off in ONE process, so slow drifts of the machine hit both
// sides alike. Writes bench/results/heap-kernels-ab.json.
//
//   npx -y pnpm@10.34.9 --filter @tfrl/core build && node bench/heap-kernels-ab.mjs [--rounds 10] [--block 50]
import { execSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { Adam, Mlp, Rng, computeGradients, initBackend, setHeapKernelsEnabled } from '../packages/core/dist/index.js';

const arg = (name, def) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
};
const ROUNDS = arg('rounds', 10);
const BLOCK = arg('block', 50);
await initBackend('wasm', { quiet: true });
const here = path.dirname(fileURLToPath(import.meta.url));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const results = [];
for (const act of ['tanh', 'relu']) {
  for (const width of [64, 256]) {
    const rng = new Rng(0);
    const net = new Mlp({ inputDim: 8, hiddenSizes: [width, width], outputDim: 1, activation: act, rng });
    const opt = new Adam(net.trainableVariables, { lr: 3e-4, eps: 1e-8 });
    const x = tf.randomNormal([256, 8], 0, 1, 'float32', 1);
    const y = tf.randomNormal([256, 1], 0, 1, 'float32', 2);
    const step = () => {
      const { grads } = computeGradients(() => tf.mean(tf.square(tf.sub(net.apply(x, { inputGrad: false }), y))), net.trainableVariables, {
        readLoss: false,
      });
      opt.step(grads);
      tf.dispose(grads);
    };
    const block = (on) => {
      setHeapKernelsEnabled(on);
      const c0 = process.cpuUsage();
      for (let i = 0; i < BLOCK; i++) step();
      net.trainableVariables[0].dataSync();
      const cu = process.cpuUsage(c0);
      return (cu.user + cu.system) / 1000 / BLOCK;
    };
    block(true);
    block(false);
    const on = [];
    const off = [];
    for (let r = 0; r < ROUNDS; r++) {
      // Alternate the order within a round too.
      if (r % 2 === 0) {
        on.push(block(true));
        off.push(block(false));
      } else {
        off.push(block(false));
        on.push(block(true));
      }
    }
    setHeapKernelsEnabled(true);
    const ratios = on.map((v, i) => (off[i] ?? 0) / v);
    const rec = {
      activation: act,
      width,
      cpuMsPerStepOn: +median(on).toFixed(3),
      cpuMsPerStepOff: +median(off).toFixed(3),
      medianSpeedup: +median(ratios).toFixed(3),
      on: on.map((v) => +v.toFixed(3)),
      off: off.map((v) => +v.toFixed(3)),
    };
    console.log(JSON.stringify(rec));
    results.push(rec);
    opt.dispose();
    net.dispose();
    tf.dispose([x, y]);
  }
}
const out = {
  command: `node bench/heap-kernels-ab.mjs ${process.argv.slice(2).join(' ')}`,
  date: new Date().toISOString(),
  uptime: execSync('uptime').toString().trim(),
  rounds: ROUNDS,
  block: BLOCK,
  backend: tf.getBackend(),
  results,
};
fs.writeFileSync(path.join(here, 'results', 'heap-kernels-ab.json'), `${JSON.stringify(out, null, 1)}\n`);
