import * as tf from '@tensorflow/tfjs';
import { initBackend, Mlp, Rng, Adam, selectByAction, huberLoss, computeGradients } from '/work/main/packages/core/dist/index.js';
await initBackend('wasm', { quiet: true });
const rng = new Rng(0);
const net = new Mlp({ inputDim: 4, hiddenSizes: [256, 256], outputDim: 2, activation: 'relu', rng });
const tgt = new Mlp({ inputDim: 4, hiddenSizes: [256, 256], outputDim: 2, activation: 'relu', rng });
const x1 = new Float32Array(4);
let t0 = performance.now();
for (let i = 0; i < 2000; i++) { const q = tf.tidy(() => tf.argMax(net.apply(tf.tensor2d(x1, [1, 4]), { inputGrad: false }), 1)); q.dataSync(); q.dispose(); }
console.log('act fwd ms', (performance.now() - t0) / 2000);
const opt = new Adam(net.trainableVariables, { lr: 1e-3, maxGradNorm: 10 });
const B = 64;
const obs = new Float32Array(B * 4).map(() => Math.random()); const act = new Int32Array(B).map(() => Math.random() < 0.5 ? 1 : 0);
const y = new Float32Array(B).map(() => Math.random());
function step() {
  const o = tf.tensor2d(obs, [B, 4]); const a = tf.tensor1d(act, 'int32'); const yt = tf.tensor1d(y);
  const { grads } = computeGradients(() => huberLoss(selectByAction(net.apply(o, { inputGrad: false }), a), yt), net.trainableVariables, { readLoss: false });
  opt.step(grads); tf.dispose(grads); tf.dispose([o, a, yt]);
}
for (let i = 0; i < 50; i++) step();
t0 = performance.now();
for (let i = 0; i < 500; i++) step();
const last = net.trainableVariables[0].dataSync();
console.log('grad step ms', (performance.now() - t0) / 500);
const nx = new Float32Array(B * 64 * 4).map(() => Math.random());
t0 = performance.now();
for (let i = 0; i < 20; i++) { const q = tf.tidy(() => tf.max(tgt.apply(tf.tensor2d(nx, [B*64, 4]), { inputGrad: false }), 1)); q.dataSync(); q.dispose(); }
console.log('target fwd 4096 rows ms', (performance.now() - t0) / 20);
t0 = performance.now();
for (let i = 0; i < 500; i++) { const q = tf.tidy(() => tf.argMax(tgt.apply(tf.tensor2d(obs, [B, 4]), { inputGrad: false }), 1)); q.dispose(); }
console.log('fwd 64 rows no read ms', (performance.now() - t0) / 500);
console.log(tf.memory().numTensors);
