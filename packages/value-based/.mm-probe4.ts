import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
await tf.setBackend('wasm');
function bench(name: string, f: () => void, n = 1000) {
  for (let i = 0; i < 50; i++) f();
  const c0 = process.cpuUsage(); const t0 = performance.now();
  for (let i = 0; i < n; i++) f();
  const cu = process.cpuUsage(c0);
  console.log(name.padEnd(40), 'wall us', ((performance.now() - t0) / n * 1000).toFixed(0).padStart(6), 'cpu us', ((cu.user + cu.system) / n).toFixed(0).padStart(6));
}
const a64 = tf.randomNormal([64, 256]); const w = tf.randomNormal([256, 256]); const h256x64 = tf.randomNormal([256, 64]);
bench('x[64,256]·W[256,256] same W', () => tf.matMul(a64, w).dispose());
bench('x[64,256]·W fresh W (W+0)', () => { const w2 = tf.add(w, 0); tf.matMul(a64, w2).dispose(); w2.dispose(); });
bench('W fresh + 0 only', () => { const w2 = tf.add(w, 0); w2.dispose(); });
bench('W[256,256]·hT[256,64] fresh W', () => { const w2 = tf.add(w, 0); tf.matMul(w2, h256x64).dispose(); w2.dispose(); });
bench('W[256,256]·hT fresh hT', () => { const h2 = tf.add(h256x64, 0); tf.matMul(w, h2).dispose(); h2.dispose(); });
bench('hT fresh + 0 only', () => { const h2 = tf.add(h256x64, 0); h2.dispose(); });
bench('transpose W 256x256', () => tf.transpose(w).dispose());
bench('transpose 64x256', () => tf.transpose(a64).dispose());
