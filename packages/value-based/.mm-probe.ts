import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
await tf.setBackend('wasm');
function bench(name: string, f: () => tf.Tensor, n = 2000) {
  for (let i = 0; i < 50; i++) f().dispose();
  const c0 = process.cpuUsage(); const t0 = performance.now();
  for (let i = 0; i < n; i++) f().dispose();
  const cu = process.cpuUsage(c0);
  console.log(name, 'wall us', ((performance.now() - t0) / n * 1000).toFixed(1), 'cpu us', ((cu.user + cu.system) / n).toFixed(1));
}
const a = tf.randomNormal([64, 256]) as tf.Tensor2D; const w = tf.randomNormal([256, 256]) as tf.Tensor2D;
const at = tf.randomNormal([256, 64]) as tf.Tensor2D;
const s = tf.randomNormal([64]);
bench('matmul 64x256x256', () => tf.matMul(a, w));
bench('matmul T 256x64 -> 256x256', () => tf.matMul(at, a));
bench('transpose 64x256', () => tf.transpose(a));
bench('add [64]', () => tf.add(s, s));
bench('relu 64x256', () => tf.relu(a));
bench('tensor upload 64x4', () => tf.tensor2d(new Float32Array(256), [64, 4]));
