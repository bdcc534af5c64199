import * as tf from '@tensorflow/tfjs';
import { Adam, Rng, computeGradients } from '@tfrl/core';
import { useBackend } from '@tfrl/core/testing';
import { QNetwork } from './src/dqn/q-network';
import { maskedTdLoss, actionMask } from './src/dqn/math';
await useBackend('wasm');
const rng = new Rng(0);
const net = new QNetwork({ obsShape: [4], nActions: 2, netArch: [256, 256], rng, name: 'q' });
const opt = new Adam(net.trainableVariables, { lr: 1e-3, maxGradNorm: 10 });
const B = 64;
const obs = new Float32Array(B * 4).map(() => Math.random());
const mask = actionMask(new Int32Array(B).map(() => (Math.random() < 0.5 ? 1 : 0)), 2);
const y = new Float32Array(B).map(() => Math.random());
const step = () => {
  const o = tf.tensor2d(obs, [B, 4]); const m = tf.tensor2d(mask, [B, 2]); const yt = tf.tensor1d(y);
  const r = computeGradients(() => maskedTdLoss(net.forward(o) as tf.Tensor2D, m, yt), net.trainableVariables, { readLoss: false });
  opt.step(r.grads); tf.dispose(r.grads);
  tf.dispose([o, m, yt]);
};
for (let i = 0; i < 30; i++) step();
const agg = new Map<string, [number, number]>();
const N = 50;
for (let i = 0; i < N; i++) {
  const info = await tf.profile(() => { step(); return tf.scalar(0); });
  for (const k of info.kernels) {
    const key = `${k.name} ${k.inputShapes.map((s) => `[${s}]`).join('')}`;
    const e = agg.get(key) ?? [0, 0];
    e[0] += k.kernelTimeMs as number; e[1] += 1;
    agg.set(key, e);
  }
}
const rows = [...agg.entries()].sort((a, b) => b[1][0] - a[1][0]);
let tot = 0; let cnt = 0;
for (const [, [t, c]] of rows) { tot += t; cnt += c; }
console.log('kernels per step', cnt / N, 'kernel ms per step', (tot / N).toFixed(3));
for (const [k, [t, c]] of rows.slice(0, 30)) console.log((t / N).toFixed(3).padStart(7), (c / N).toFixed(1).padStart(5), k);
