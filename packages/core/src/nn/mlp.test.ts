import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../rng';
import { Adam, computeGradients } from './adam';
import { ActorCriticMlp, Mlp, TwinQ, setHostForwardKernel } from './mlp';
import { selectByAction } from './select';
import { hardUpdate, polyakUpdate } from './target';

const maxDiff = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0] as number);

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`networks on ${backend}`, () => {
    let prev: string;
    beforeAll(async () => {
      prev = tf.getBackend();
      await tf.setBackend(backend);
    });
    afterAll(async () => {
      if (prev) await tf.setBackend(prev);
    });

    it('Mlp: shapes, stable names, get/setWeights, copyFrom, deterministic init', () => {
      const before = tf.memory().numTensors;
      const a = new Mlp({ inputDim: 4, hiddenSizes: [8, 6], outputDim: 2, activation: 'relu', rng: new Rng(1), name: 'pi' });
      const b = new Mlp({ inputDim: 4, hiddenSizes: [8, 6], outputDim: 2, activation: 'relu', rng: new Rng(1), name: 'pi' });
      const c = new Mlp({ inputDim: 4, hiddenSizes: [8, 6], outputDim: 2, activation: 'relu', rng: new Rng(2), name: 'other' });
      expect(a.weightNames).toEqual(['pi/l0/w', 'pi/l0/b', 'pi/l1/w', 'pi/l1/b', 'pi/l2/w', 'pi/l2/b']);
      expect(a.trainableVariables.map((v) => v.shape)).toEqual([[4, 8], [8], [8, 6], [6], [6, 2], [2]]);
      const x = tf.tensor2d(new Rng(3).fillNormal(new Float32Array(20)), [5, 4]);
      const ya = a.apply(x);
      const yb = b.apply(x);
      const yc = c.apply(x);
      expect(ya.shape).toEqual([5, 2]);
      expect(maxDiff(ya, yb)).toBe(0);
      expect(maxDiff(ya, yc)).toBeGreaterThan(1e-3);
      const w = a.getWeights();
      expect(Object.keys(w)).toEqual(a.weightNames);
      const renamed = Object.fromEntries(Object.entries(w).map(([k, v]) => [k.replace('pi/', 'other/'), v]));
      c.setWeights(renamed);
      const yc2 = c.apply(x);
      expect(maxDiff(ya, yc2)).toBe(0);
      expect(() => c.setWeights(w)).toThrow(/missing weight other\/l0\/w/);
      c.copyFrom(new Mlp({ inputDim: 4, hiddenSizes: [8, 6], outputDim: 2, rng: new Rng(4), name: 'tmp' }));
      expect(() => a.apply(tf.zeros([2, 3]) as tf.Tensor2D)).toThrow(/expected input \[batch, 4\]/);
      expect(() => new Mlp({ inputDim: 4, hiddenSizes: [0], outputDim: 1, rng: new Rng(0) })).toThrow(/hiddenSizes\[0\]/);
      expect(() => new Mlp({ inputDim: 4, hiddenSizes: [], outputDim: 1, activation: 'gelu' as never, rng: new Rng(0) })).toThrow(
        /activation must be one of/,
      );
      tf.dispose([x, ya, yb, yc, yc2, ...Object.values(w)]);
      a.dispose();
      b.dispose();
      c.dispose();
      // The copyFrom source and the failing-input zeros tensor are the only leftovers of this test.
      expect(tf.memory().numTensors - before).toBeLessThanOrEqual(7);
    });

    it('Mlp trains with Adam (loss drops) without leaking tensors per step', () => {
      const rng = new Rng(11);
      const net = new Mlp({ inputDim: 2, hiddenSizes: [32, 32], outputDim: 1, activation: 'tanh', rng });
      const x = tf.tensor2d(rng.fillUniform(new Float32Array(128 * 2), -1, 1), [128, 2]);
      const y = tf.tidy(() => tf.sum(tf.mul(tf.sin(tf.mul(x, 3)), [[1, -0.5]]), 1, true));
      const opt = new Adam(net.trainableVariables, { lr: 1e-2 });
      const lossFn = () => tf.mean(tf.square(tf.sub(net.apply(x, { inputGrad: false }), y))) as tf.Scalar;
      let first = 0;
      let last = 0;
      let n0 = 0;
      for (let i = 0; i < 150; i++) {
        if (i === 1) n0 = tf.memory().numTensors;
        const { loss, grads } = computeGradients(lossFn, net.trainableVariables);
        opt.step(grads);
        tf.dispose(grads);
        if (i === 0) first = loss as number;
        last = loss as number;
      }
      expect(tf.memory().numTensors).toBe(n0);
      expect(last).toBeLessThan(first * 0.2);
      opt.dispose();
      net.dispose();
      tf.dispose([x, y]);
    });

    it('ActorCriticMlp: shared trunk and separate networks', () => {
      const x = tf.tensor2d(new Rng(0).fillNormal(new Float32Array(12)), [3, 4]);
      for (const shared of [true, false]) {
        const ac = new ActorCriticMlp({ inputDim: 4, actionDim: 5, shared, hiddenSizes: [16, 8], rng: new Rng(1) });
        const { logitsOrMean, value } = ac.forward(x);
        expect(logitsOrMean.shape).toEqual([3, 5]);
        expect(value.shape).toEqual([3]);
        expect(ac.trainableVariables.length).toBe(shared ? 8 : 12);
        const names = Object.keys(ac.getWeights());
        expect(names.every((n) => n.startsWith('ac/'))).toBe(true);
        // policy head initialised with gain 0.01 → near-uniform logits
        expect(tf.tidy(() => tf.max(tf.abs(logitsOrMean)).dataSync()[0] as number)).toBeLessThan(0.2);
        // gradients reach every variable
        const { grads } = computeGradients(() => {
          const o = ac.forward(x);
          return tf.add(tf.sum(o.logitsOrMean), tf.sum(o.value)) as tf.Scalar;
        }, ac.trainableVariables);
        expect(grads.length).toBe(ac.trainableVariables.length);
        const copy = new ActorCriticMlp({ inputDim: 4, actionDim: 5, shared, hiddenSizes: [16, 8], rng: new Rng(99) });
        copy.copyFrom(ac);
        const o2 = copy.forward(x);
        expect(maxDiff(o2.value, value)).toBe(0);
        tf.dispose([logitsOrMean, value, o2.logitsOrMean, o2.value, ...grads]);
        ac.dispose();
        copy.dispose();
      }
      x.dispose();
    });

    it('applyHost / forwardHost: the same function on the host, refreshed after the weights change', () => {
      const rng = new Rng(4);
      // Both host paths: the SIMD kernel on a private heap (when on) and plain JavaScript.
      for (const [kernel, activation] of [true, false].flatMap((k) =>
        (['tanh', 'relu', 'elu', 'leaky_relu', 'sigmoid', 'identity'] as const).map((a) => [k, a] as const),
      )) {
        setHostForwardKernel(kernel);
        const net = new Mlp({ inputDim: 5, hiddenSizes: [7, 6], outputDim: 3, activation, init: 'glorot', rng });
        const xs = Float32Array.from({ length: 4 * 5 }, () => rng.normal(0, 1));
        const x = tf.tensor2d(xs, [4, 5]);
        const check = () => {
          const ref = net.apply(x);
          const host = net.applyHost(xs, 4);
          const r = ref.dataSync();
          expect(host.length).toBe(r.length);
          for (let i = 0; i < r.length; i++) expect(Math.abs((host[i] as number) - (r[i] as number))).toBeLessThan(1e-5);
          ref.dispose();
          return host;
        };
        const before = check();
        expect(net.hostForwardKernel).toBe(kernel && ['tanh', 'relu', 'sigmoid', 'identity'].includes(activation));
        // An optimiser step assigns new tensors to the variables: the host copy must follow.
        const opt = new Adam(net.trainableVariables, { lr: 0.1 });
        const { grads } = computeGradients(() => tf.sum(net.apply(x)) as tf.Scalar, net.trainableVariables);
        opt.step(grads);
        tf.dispose(grads);
        const after = check();
        expect(after.some((v, i) => Math.abs(v - (before[i] as number)) > 1e-4)).toBe(true);
        expect(() => net.applyHost(xs, 3)).toThrow(/expected 3 × 5 inputs, got 20 values/);
        // More rows than the first layout holds (64), then few again.
        const big = Float32Array.from({ length: 100 * 5 }, () => rng.normal(0, 1));
        const bigX = tf.tensor2d(big, [100, 5]);
        const bigRef = net.apply(bigX);
        const bigHost = net.applyHost(big, 100);
        const br = bigRef.dataSync();
        for (let i = 0; i < br.length; i++) expect(Math.abs((bigHost[i] as number) - (br[i] as number))).toBeLessThan(1e-5);
        tf.dispose([bigX, bigRef]);
        check();
        opt.dispose();
        net.dispose();
        x.dispose();
      }
      setHostForwardKernel(true);
      for (const shared of [true, false]) {
        const ac = new ActorCriticMlp({ inputDim: 4, actionDim: 2, shared, hiddenSizes: [8, 8], rng });
        const xs = Float32Array.from({ length: 3 * 4 }, () => rng.normal(0, 1));
        const { logitsOrMean, value } = ac.forward(tf.tensor2d(xs, [3, 4]));
        const host = ac.forwardHost(xs, 3);
        const l = logitsOrMean.dataSync();
        const v = value.dataSync();
        for (let i = 0; i < l.length; i++) expect(Math.abs((host.logitsOrMean[i] as number) - (l[i] as number))).toBeLessThan(1e-5);
        for (let i = 0; i < v.length; i++) expect(Math.abs((host.value[i] as number) - (v[i] as number))).toBeLessThan(1e-5);
        tf.dispose([logitsOrMean, value]);
        ac.dispose();
      }
    });

    it('applyWithHidden / forwardWithLatent: same output and gradients as apply, latent = last hidden layer', () => {
      const rng = new Rng(4);
      const m = new Mlp({ inputDim: 3, hiddenSizes: [5, 4], outputDim: 2, rng, name: 'h' });
      const x = tf.tensor2d(new Rng(5).fillNormal(new Float32Array(12)), [4, 3]);
      const { hidden, out } = m.applyWithHidden(x, { inputGrad: false });
      const ref = m.apply(x);
      expect(maxDiff(out, ref)).toBeLessThan(1e-6);
      expect(hidden.shape).toEqual([4, 4]);
      expect(m.lastHiddenDim).toBe(4);
      const f1 = () => tf.sum(m.applyWithHidden(x).out) as tf.Scalar;
      const f2 = () => tf.sum(m.apply(x)) as tf.Scalar;
      const g1 = tf.variableGrads(f1, m.trainableVariables);
      const g2 = tf.variableGrads(f2, m.trainableVariables);
      for (const v of m.trainableVariables)
        expect(maxDiff(g1.grads[v.name] as tf.Tensor, g2.grads[v.name] as tf.Tensor)).toBeLessThan(1e-5);
      const noHidden = new Mlp({ inputDim: 3, hiddenSizes: [], outputDim: 2, rng, name: 'nh' });
      expect(noHidden.lastHiddenDim).toBe(3);
      expect(maxDiff(noHidden.applyWithHidden(x).hidden, x)).toBe(0);
      for (const shared of [false, true]) {
        const ac = new ActorCriticMlp({ inputDim: 3, actionDim: 2, shared, hiddenSizes: [6, 5], rng, name: `ac${shared}` });
        const a = ac.forward(x);
        const b = ac.forwardWithLatent(x);
        expect(maxDiff(a.logitsOrMean, b.logitsOrMean)).toBeLessThan(1e-6);
        expect(maxDiff(a.value, b.value)).toBeLessThan(1e-6);
        expect(b.latentPi.shape).toEqual([4, 5]);
        expect(ac.latentDimPi).toBe(5);
        tf.dispose([a.logitsOrMean, a.value, b.logitsOrMean, b.value, b.latentPi]);
        ac.dispose();
      }
      tf.dispose([x, hidden, out, ref, g1.value, g2.value, ...Object.values(g1.grads), ...Object.values(g2.grads)]);
      m.dispose();
      noHidden.dispose();
    });

    it('TwinQ: two independent critics in one call, min, gradients to both', () => {
      const q = new TwinQ({ inputDim: 6, hiddenSizes: [16, 16], rng: new Rng(4) });
      const x = tf.tensor2d(new Rng(5).fillNormal(new Float32Array(24)), [4, 6]);
      const { q1, q2 } = q.apply(x);
      expect(q1.shape).toEqual([4]);
      expect(maxDiff(q1, q2)).toBeGreaterThan(1e-4);
      const m = q.minQ(x);
      expect(maxDiff(m, tf.minimum(q1, q2))).toBe(0);
      expect(q.trainableVariables.length).toBe(12);
      expect(Object.keys(q.getWeights())[0]).toBe('twinq/q1/l0/w');
      const { grads } = computeGradients(() => {
        const o = q.apply(x);
        return tf.add(tf.sum(o.q1), tf.sum(o.q2)) as tf.Scalar;
      }, q.trainableVariables);
      expect(grads.every((g) => tf.tidy(() => tf.sum(tf.abs(g)).dataSync()[0] as number) > 0)).toBe(true);
      tf.dispose([x, q1, q2, m, ...grads]);
      q.dispose();
    });

    it('polyakUpdate and hardUpdate', () => {
      const t: tf.Variable[] = [tf.variable(tf.tensor1d([0, 10])), tf.variable(tf.scalar(1))];
      const s: tf.Variable[] = [tf.variable(tf.tensor1d([1, 20])), tf.variable(tf.scalar(3))];
      const before = tf.memory().numTensors;
      polyakUpdate(t, s, 0.1);
      expect(tf.memory().numTensors).toBe(before);
      const a0 = t[0]?.dataSync() as Float32Array;
      expect(a0[0]).toBeCloseTo(0.1, 6);
      expect(a0[1]).toBeCloseTo(11, 5);
      expect(t[1]?.dataSync()[0]).toBeCloseTo(1.2, 6);
      hardUpdate(t, s);
      expect(Array.from(t[0]?.dataSync() as Float32Array)).toEqual([1, 20]);
      s[0]?.assign(tf.tensor1d([5, 5]));
      expect(Array.from(t[0]?.dataSync() as Float32Array)).toEqual([1, 20]); // independent after the copy
      expect(() => polyakUpdate(t, s, 1.5)).toThrow(/tau must be in \[0, 1\]/);
      expect(() => hardUpdate(t, [s[0] as tf.Variable])).toThrow(/2 target variables but 1 source/);
      tf.dispose([...t, ...s]);
    });

    it('selectByAction picks q[i, a_i] and its gradient is the one-hot mask', () => {
      const q = tf.tensor2d([
        [1, 2, 3],
        [4, 5, 6],
      ]);
      const a = tf.tensor1d([2, 0], 'int32');
      const sel = selectByAction(q, a);
      expect(Array.from(sel.dataSync())).toEqual([3, 4]);
      const g = tf.grad((qq: tf.Tensor) => tf.sum(tf.mul(selectByAction(qq as tf.Tensor2D, a), [10, 20])))(q);
      expect(Array.from(g.dataSync())).toEqual([0, 0, 10, 20, 0, 0]);
      expect(() => selectByAction(q, tf.tensor1d([1], 'int32'))).toThrow(/actions \[1\]/);
      tf.dispose([q, a, sel, g]);
    });
  });
}
