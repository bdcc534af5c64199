import * as tf from '@tensorflow/tfjs';
await tf.setBackend('cpu');
const hvp = (f: () => tf.Scalar, vars: tf.Variable[], vs: tf.Tensor[]) => {
  const { grads } = tf.variableGrads(() => {
    const g = tf.variableGrads(f, vars).grads;
    return tf.addN(vars.map((x, i) => tf.sum(tf.mul(g[x.name], vs[i])))) as tf.Scalar;
  }, vars);
  return vars.map((x) => Array.from(grads[x.name].dataSync()).map((q) => q.toFixed(5)));
};
const fd = (f: () => tf.Scalar, w: tf.Variable, v: number[]) => {
  // finite difference of gradient along v
  const g = (d: number) => { const w0 = w.clone(); w.assign(tf.add(w0, tf.mul(d, tf.tensor(v, w.shape)))); const gg = tf.variableGrads(f, [w]).grads[w.name].dataSync(); w.assign(w0); return Array.from(gg); };
  const a = g(1e-2), b = g(-1e-2);
  return a.map((q, i) => ((q - b[i]) / 2e-2).toFixed(5));
};
const w = tf.variable(tf.tensor1d([0.1, -0.2, 0.3]), true, 'w');
const v = [1, -1, 2];
const cases: Record<string, () => tf.Scalar> = {
  exp: () => tf.sum(tf.exp(w)),
  logsumexp: () => tf.log(tf.sum(tf.exp(w))),
  sqsum: () => tf.square(tf.sum(w)),
  mulself: () => tf.sum(tf.mul(w, w)),
  tanh: () => tf.sum(tf.tanh(w)),
  logsum: () => tf.log(tf.sum(w.add(2))),
};
for (const [k, f] of Object.entries(cases)) console.log(k, hvp(f, [w], [tf.tensor1d(v)]), fd(f, w, v));
