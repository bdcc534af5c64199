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
function time(name: string, f: () => void, n = 300) {
  for (let i = 0; i < 30; i++) f();
  const c0 = process.cpuUsage(); const t0 = performance.now();
  for (let i = 0; i < n; i++) f();
  const cu = process.cpuUsage(c0);
  console.log(name.padEnd(20), 'wall ms', ((performance.now() - t0) / n).toFixed(3), 'cpu ms', ((cu.user + cu.system) / n / 1000).toFixed(3));
}
let grads: tf.Tensor[] = [];
const gradsOnce = () => {
  const o = tf.tensor2d(obs, [B, 4]); const m = tf.tensor2d(mask, [B, 2]); const yt = tf.tensor1d(y);
  const r = computeGradients(() => maskedTdLoss(net.forward(o) as tf.Tensor2D, m, yt), net.trainableVariables, { readLoss: false });
  tf.dispose([o, m, yt]);
  return r.grads;
};
time('fwd only', () => { const o = tf.tensor2d(obs, [B, 4]); tf.tidy(() => net.forward(o)).dispose(); o.dispose(); });
time('grads', () => tf.dispose(gradsOnce()));
grads = gradsOnce();
time('adam', () => opt.step(grads));
time('full step', () => { const g = gradsOnce(); opt.step(g); tf.dispose(g); });
const adamNoClip = new Adam(net.trainableVariables, { lr: 1e-3 });
time('adam no clip', () => adamNoClip.step(grads));
