import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { Mlp, Rng } from '@tfrl/core';
import { forwardTrainable } from './src/off-policy';
await tf.setBackend('wasm');
const mlp = new Mlp({ inputDim: 4, hiddenSizes: [256, 256], outputDim: 1, activation: 'relu', rng: new Rng(0) });
const x = tf.randomNormal([256, 4]) as tf.Tensor2D;
const vars = mlp.trainableVariables;
const run = (fast: boolean) => {
  const { value, grads } = tf.variableGrads(() => tf.mean(fast ? forwardTrainable(mlp, x, 'relu') : mlp.apply(x, { inputGrad: false })) as tf.Scalar, vars);
  const s = tf.addN(Object.values(grads).map((g) => tf.sum(g)));
  s.dataSync();
  tf.dispose([value, s, ...Object.values(grads)]);
};
const t = { fast: 0, core: 0 };
for (let r = 0; r < 8; r++) for (const fast of [true, false]) {
  const t0 = performance.now();
  for (let i = 0; i < 10; i++) run(fast);
  t[fast ? 'fast' : 'core'] += (performance.now() - t0) / 10;
}
console.log('ms per critic fwd+bwd: forwardTrainable', (t.fast / 8).toFixed(2), 'Mlp.apply', (t.core / 8).toFixed(2));
