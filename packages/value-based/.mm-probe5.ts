import * as tf from '@tensorflow/tfjs';
import { Adam, Mlp, Rng, computeGradients } from '@tfrl/core';
import { useBackend } from '@tfrl/core/testing';
import { QNetwork } from './src/dqn/q-network';
import { maskedTdLoss, actionMask } from './src/dqn/math';
await useBackend('wasm');
const rng = new Rng(0);
const net = new QNetwork({ obsShape: [4], nActions: 2, netArch: [256, 256], rng, name: 'q' });
const mlp = new Mlp({ inputDim: 4, hiddenSizes: [256, 256], outputDim: 2, activation: 'relu', rng });
const optA = new Adam(net.trainableVariables, { lr: 1e-4, maxGradNorm: 10 });
const optB = new Adam(mlp.trainableVariables, { lr: 1e-4, maxGradNorm: 10 });
const B = 64;
const obs = new Float32Array(B * 4).map(() => Math.random());
const mask = actionMask(new Int32Array(B).map(() => (Math.random() < 0.5 ? 1 : 0)), 2);
const y = new Float32Array(B).map(() => Math.random());
const mk = (fwd: (o: tf.Tensor2D) => tf.Tensor2D, vars: tf.Variable[], opt: Adam) => () => {
  const o = tf.tensor2d(obs, [B, 4]); const m = tf.tensor2d(mask, [B, 2]); const yt = tf.tensor1d(y);
  const r = computeGradients(() => maskedTdLoss(fwd(o), m, yt), vars, { readLoss: false });
  opt.step(r.grads); tf.dispose(r.grads); tf.dispose([o, m, yt]);
};
const fa = mk((o) => net.forward(o) as tf.Tensor2D, net.trainableVariables, optA);
const fb = mk((o) => mlp.apply(o, { inputGrad: false }), mlp.trainableVariables, optB);
const tot = { col: 0, row: 0 };
for (let i = 0; i < 20; i++) { fa(); fb(); }
for (let rep = 0; rep < 16; rep++) {
  for (const [k, f] of [['col', fa], ['row', fb]] as const) {
    const c0 = process.cpuUsage();
    for (let i = 0; i < 30; i++) f();
    const cu = process.cpuUsage(c0); tot[k] += (cu.user + cu.system) / 30 / 1000;
  }
}
console.log('cpu ms per full step: column', (tot.col / 16).toFixed(3), 'row(core denseStack)', (tot.row / 16).toFixed(3));
