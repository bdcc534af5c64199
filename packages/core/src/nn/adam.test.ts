import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../rng';
import { Adam, type AdamOptions, clipByGlobalNorm, computeGradients } from './adam';
import { Mlp } from './mlp';

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`Adam on ${backend}`, () => {
    let prev: string;
    beforeAll(async () => {
      prev = tf.getBackend();
      await tf.setBackend(backend);
    });
    afterAll(async () => {
      if (prev) await tf.setBackend(prev);
    });

    it('matches hand-computed values for 2 steps on a 2-parameter problem', () => {
      // loss = 0.5·a² + 3·b  →  grad = [a, 3]
      const a = tf.variable(tf.scalar(1));
      const b = tf.variable(tf.scalar(-2));
      const opt = new Adam([a, b], { lr: 0.1 });
      const lossFn = () => tf.add(tf.mul(0.5, tf.square(a)), tf.mul(3, b)) as tf.Scalar;
      const s1 = computeGradients(lossFn, [a, b]);
      expect(s1.loss).toBeCloseTo(0.5 - 6, 6);
      opt.step(s1.grads);
      tf.dispose(s1.grads);
      // step 1: m̂ = g, v̂ = g², update = lr·g/(|g| + eps) = 0.1 for both
      expect(a.dataSync()[0]).toBeCloseTo(0.9, 6);
      expect(b.dataSync()[0]).toBeCloseTo(-2.1, 6);
      const s2 = computeGradients(lossFn, [a, b]);
      opt.step(s2.grads);
      tf.dispose(s2.grads);
      // step 2, a: g = 0.9, m = 0.9·0.1 + 0.1·0.9 = 0.18, v = 0.999·0.001 + 0.001·0.81 = 0.001809
      // m̂ = 0.18/0.19, v̂ = 0.001809/0.001999, a = 0.9 - 0.1·m̂/(√v̂ + 1e-8)
      const mHat = 0.18 / 0.19;
      const vHat = 0.001809 / (1 - 0.999 ** 2);
      expect(a.dataSync()[0]).toBeCloseTo(0.9 - (0.1 * mHat) / (Math.sqrt(vHat) + 1e-8), 6);
      expect(a.dataSync()[0]).toBeCloseTo(0.800412, 5);
      // b: g = 3 both steps → m̂ = 3, v̂ = 9, update 0.1
      expect(b.dataSync()[0]).toBeCloseTo(-2.2, 6);
      expect(opt.stepCount).toBe(2);
      opt.dispose();
      tf.dispose([a, b]);
    });

    it('follows tf.train.adam on a small MLP to 1e-5 (and leaks nothing)', () => {
      const rng = new Rng(5);
      const net1 = new Mlp({ inputDim: 3, hiddenSizes: [16, 16], outputDim: 2, activation: 'tanh', rng: rng.clone(), name: 'a' });
      const net2 = new Mlp({ inputDim: 3, hiddenSizes: [16, 16], outputDim: 2, activation: 'tanh', rng: rng.clone(), name: 'b' });
      const x = tf.tensor2d(rng.fillNormal(new Float32Array(32 * 3)), [32, 3]);
      const y = tf.tensor2d(rng.fillNormal(new Float32Array(32 * 2)), [32, 2]);
      const ours = new Adam(net1.trainableVariables, { lr: 3e-3, eps: 1e-8 });
      const ref = tf.train.adam(3e-3, 0.9, 0.999, 1e-8);
      const loss = (net: Mlp) => () => tf.mean(tf.square(tf.sub(net.apply(x), y))) as tf.Scalar;
      // warm-up so the leak check below sees steady state
      const before = tf.memory().numTensors;
      for (let i = 0; i < 20; i++) {
        const { grads } = computeGradients(loss(net1), net1.trainableVariables, { readLoss: false });
        ours.step(grads);
        tf.dispose(grads);
        ref.minimize(loss(net2), false, net2.trainableVariables);
      }
      const w1 = net1.trainableVariables;
      const w2 = net2.trainableVariables;
      for (let i = 0; i < w1.length; i++) {
        const d = tf.tidy(() => tf.max(tf.abs(tf.sub(w1[i] as tf.Variable, w2[i] as tf.Variable))).dataSync()[0] as number);
        expect(d).toBeLessThan(1e-5);
      }
      // Our optimizer created only its two moment vectors; tf.train.adam keeps 2 per variable.
      expect(tf.memory().numTensors - before).toBe(2 * w2.length);
      ours.dispose();
      ref.dispose();
      net1.dispose();
      net2.dispose();
      tf.dispose([x, y]);
    });

    it('clips by global norm inside step, like torch clip_grad_norm_', () => {
      const p = tf.variable(tf.tensor1d([0, 0]));
      const q = tf.variable(tf.tensor1d([0]));
      const opt = new Adam([p, q], { lr: 1, maxGradNorm: 1, beta1: 0, beta2: 0, eps: 1e-12 });
      const g = [tf.tensor1d([3, 0]), tf.tensor1d([4])];
      opt.step(g);
      expect(opt.lastGradNorm?.dataSync()[0]).toBeCloseTo(5, 5);
      // beta1 = beta2 = 0: update = lr·g/|g| elementwise = sign(g) irrespective of scale
      expect(p.dataSync()[0]).toBeCloseTo(-1, 5);
      expect(p.dataSync()[1]).toBe(0);
      const { grads, norm } = clipByGlobalNorm(g, 1);
      expect(norm.dataSync()[0]).toBeCloseTo(5, 5);
      expect(grads[0]?.dataSync()[0]).toBeCloseTo(0.6, 5);
      expect(grads[1]?.dataSync()[0]).toBeCloseTo(0.8, 5);
      tf.dispose([...g, ...grads, norm, p, q]);
      opt.dispose();
    });

    it('weight decay: coupled (L2 like torch Adam) and decoupled (AdamW)', () => {
      const p = tf.variable(tf.tensor1d([2]));
      const opt = new Adam([p], { lr: 0.1, weightDecay: 0.5 });
      const g = [tf.tensor1d([0])];
      opt.step(g); // grad becomes 0.5·2 = 1 → update 0.1
      expect(p.dataSync()[0]).toBeCloseTo(1.9, 5);
      const r = tf.variable(tf.tensor1d([2]));
      const optW = new Adam([r], { lr: 0.1, weightDecay: 0.5, decoupledWeightDecay: true });
      optW.step([tf.tensor1d([1])].map((t) => t)); // 2·(1 - 0.05) - 0.1
      expect(r.dataSync()[0]).toBeCloseTo(1.8, 5);
      opt.dispose();
      optW.dispose();
      tf.dispose([p, r, ...g]);
    });

    it.each<[Partial<AdamOptions>]>([
      [{}],
      [{ maxGradNorm: 0.5 }],
      [{ weightDecay: 0.1 }],
      [{ weightDecay: 0.1, decoupledWeightDecay: true, maxGradNorm: 2 }],
    ])('single-kernel and tf-op update paths agree (%o)', (extra) => {
      const rng = new Rng(2);
      const mk = () => [tf.variable(tf.tensor2d(rng.clone().fillNormal(new Float32Array(6)), [2, 3])), tf.variable(tf.tensor1d([0.5, -1]))];
      const va = mk();
      const vb = mk();
      const oa = new Adam(va, { lr: 0.01, fusedKernel: true, ...extra });
      const ob = new Adam(vb, { lr: 0.01, fusedKernel: false, ...extra });
      for (let i = 0; i < 5; i++) {
        const g = [tf.tensor2d(rng.fillNormal(new Float32Array(6)), [2, 3]), tf.tensor1d(rng.fillNormal(new Float32Array(2)))];
        oa.step(g);
        ob.step(g);
        tf.dispose(g);
      }
      for (let i = 0; i < 2; i++) {
        const d = tf.tidy(() => tf.max(tf.abs(tf.sub(va[i] as tf.Variable, vb[i] as tf.Variable))).dataSync()[0] as number);
        expect(d).toBeLessThan(1e-6);
      }
      if (extra.maxGradNorm) expect(oa.lastGradNorm?.dataSync()[0]).toBeCloseTo(ob.lastGradNorm?.dataSync()[0] as number, 5);
      const sa = oa.getState();
      const sb = ob.getState();
      expect(sa.step).toBe(sb.step);
      sa.v.forEach((x, i) => expect(Math.abs(x - (sb.v[i] as number))).toBeLessThan(1e-7));
      sa.m.forEach((x, i) => expect(Math.abs(x - (sb.m[i] as number))).toBeLessThan(1e-6));
      oa.dispose();
      ob.dispose();
      tf.dispose([...va, ...vb]);
    });

    it('getState/setState round-trips moments and step count; lr is settable', () => {
      const make = (): tf.Variable[] => [tf.variable(tf.tensor2d([[1, 2]])), tf.variable(tf.tensor1d([3]))];
      const va = make();
      const vb = make();
      const oa = new Adam(va, { lr: 0.01 });
      const ob = new Adam(vb, { lr: 0.01 });
      const g = [tf.tensor2d([[0.5, -1]]), tf.tensor1d([2])];
      oa.step(g);
      oa.step(g);
      const st = oa.getState();
      expect(st.step).toBe(2);
      expect(st.m.length).toBe(3);
      ob.setState(st);
      vb.forEach((v, i) => v.assign(va[i] as tf.Variable));
      oa.lr = 0.05;
      ob.lr = 0.05;
      oa.step(g);
      ob.step(g);
      va.forEach((v, i) => expect(Array.from(v.dataSync())).toEqual(Array.from((vb[i] as tf.Variable).dataSync())));
      const named = oa.getStateTensors();
      expect(Object.keys(named).sort()).toEqual(['adam/m', 'adam/step', 'adam/v']);
      ob.setStateTensors(named);
      expect(ob.stepCount).toBe(3);
      expect(() => ob.setState({ ...st, m: new Float32Array(2) })).toThrow(/moments/);
      expect(() => oa.step([g[0] as tf.Tensor])).toThrow(/1 gradients for 2 variables/);
      tf.dispose([...va, ...vb, ...g, ...Object.values(named)]);
      oa.dispose();
      ob.dispose();
    });
  });
}

describe('Adam lifetime', () => {
  it('creating and disposing an optimizer leaves no tensors behind', async () => {
    const tf = await import('@tensorflow/tfjs');
    const v = tf.variable(tf.zeros([3]));
    const before = tf.memory().numTensors;
    const opt = new Adam([v], { lr: 0.1 });
    opt.dispose();
    expect(tf.memory().numTensors).toBe(before);
    v.dispose();
  });
});
