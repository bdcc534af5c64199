import * as tf from '@tensorflow/tfjs';
import { Mlp, Rng, SquashedDiagGaussian } from '@tfrl/core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  OrnsteinUhlenbeckNoise,
  bootstrapCoefficients,
  checkActionNoise,
  criticLoss,
  deterministicActorLoss,
  forwardInputGradOnly,
  forwardNoGrad,
  forwardTrainable,
  ouStep,
  sacActorLoss,
  sacCriticTarget,
  sacTemperatureLoss,
  smoothTargetAction,
  squashedGaussianLogProb,
  stopGradient,
  td3CriticTarget,
  torchDefaultInit,
  unscaleActions,
} from './off-policy';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function read(t: tf.Tensor): number[] {
  const v = Array.from(t.dataSync());
  t.dispose();
  return v;
}

describe('SAC critic target', () => {
  it('is r + c·(min(Q1, Q2) − α logπ) with c = 0 for terminated and γ for truncated transitions', () => {
    // transitions: ongoing, terminated, truncated (time limit)
    const coef = bootstrapCoefficients([0.99, 0.99, 0.99], [0, 1, 0]);
    expect(Array.from(coef)).toEqual([Math.fround(0.99), 0, Math.fround(0.99)]);
    const y = tf.tidy(() =>
      sacCriticTarget({
        rewards: tf.tensor1d([1, 2, 0.5]),
        bootstrapCoef: tf.tensor1d(coef),
        nextQ1: tf.tensor1d([10, 5, -3]),
        nextQ2: tf.tensor1d([8, 6, -4]),
        nextLogProb: tf.tensor1d([-1, 0.5, 2]),
        alpha: tf.scalar(0.2),
      }),
    );
    // min = [8, 5, -4]; − 0.2·logπ → [8.2, 4.9, −4.4]
    const v = read(y);
    expect(v[0]).toBeCloseTo(1 + 0.99 * 8.2, 5);
    expect(v[1]).toBeCloseTo(2, 6);
    expect(v[2]).toBeCloseTo(0.5 + 0.99 * -4.4, 5);
  });

  it('accepts a number α and discounts already raised to a power (n-step)', () => {
    const y = tf.tidy(() =>
      sacCriticTarget({
        rewards: tf.tensor1d([0]),
        bootstrapCoef: tf.tensor1d(bootstrapCoefficients([0.9 ** 3], [0])),
        nextQ1: tf.tensor1d([1]),
        nextQ2: tf.tensor1d([2]),
        nextLogProb: tf.tensor1d([-2]),
        alpha: 0.5,
      }),
    );
    expect(read(y)[0]).toBeCloseTo(0.729 * (1 + 1), 5);
  });
});

describe('SAC temperature and actor losses', () => {
  it('temperature loss = −mean(log α·(logπ + H̄)); its gradient only reaches log α', () => {
    const logAlpha = tf.variable(tf.tensor1d([Math.log(0.5)]));
    const logp = tf.variable(tf.tensor1d([-1, 0.5]));
    const { value, grads } = tf.variableGrads(() => sacTemperatureLoss(logAlpha, logp, -1), [logAlpha, logp]);
    // logπ + H̄ = [−2, −0.5], mean −1.25 → loss = 1.25·log 0.5; ∂/∂log α = 1.25 (entropy 0.25 > −1: α shrinks)
    expect(read(value)[0]).toBeCloseTo(1.25 * Math.log(0.5), 5);
    expect(read(grads[logAlpha.name] as tf.Tensor)[0]).toBeCloseTo(1.25, 5);
    expect(read(grads[logp.name] as tf.Tensor)).toEqual([0, 0]);
    logAlpha.dispose();
    logp.dispose();
  });

  it('actor loss = mean(α logπ − min(Q1, Q2))', () => {
    const l = tf.tidy(() =>
      sacActorLoss({ logProb: tf.tensor1d([-1, 0.5]), q1: tf.tensor1d([3, 1]), q2: tf.tensor1d([2, 4]), alpha: 0.5 }),
    );
    // min = [2, 1]; [−0.5 − 2, 0.25 − 1] → mean −1.625
    expect(read(l)[0]).toBeCloseTo(-1.625, 6);
    const d = tf.tidy(() => deterministicActorLoss(tf.tensor1d([3, 1])));
    expect(read(d)[0]).toBeCloseTo(-2, 6);
  });

  it('critic loss = ½ Σ_i mean((Q_i − y)²)', () => {
    const l = tf.tidy(() => criticLoss([tf.tensor1d([1, 2]), tf.tensor1d([0, 0])], tf.tensor1d([2, 2])));
    // mse1 = (1 + 0)/2 = 0.5, mse2 = (4 + 4)/2 = 4 → 2.25
    expect(read(l)[0]).toBeCloseTo(2.25, 6);
  });

  it('stopGradient passes values and blocks gradients', () => {
    const x = tf.scalar(3);
    const g = tf.grad((a: tf.Tensor) => tf.add(tf.mul(a, a), stopGradient(tf.mul(a, a))))(x);
    expect(read(g)[0]).toBeCloseTo(6, 6);
    x.dispose();
  });
});

describe('squashed Gaussian log-probability', () => {
  it('matches the change of variables by hand and SquashedDiagGaussian.logProbFromPre', () => {
    const mu = [0.3, -1.2];
    const ls = [-0.5, 0.4];
    const eps = [0.7, -1.5];
    const u = mu.map((m, i) => m + Math.exp(ls[i] as number) * (eps[i] as number));
    let hand = 0;
    for (let i = 0; i < 2; i++) {
      hand += -0.5 * (eps[i] as number) ** 2 - (ls[i] as number) - 0.5 * Math.log(2 * Math.PI);
      hand -= Math.log(1 - Math.tanh(u[i] as number) ** 2);
    }
    const [ours, core] = tf.tidy(() => {
      const logStd = tf.tensor2d([ls]);
      const pre = tf.tensor2d([u]);
      return [
        squashedGaussianLogProb(tf.tensor2d([eps]), logStd, pre),
        new SquashedDiagGaussian(tf.tensor2d([mu]), logStd).logProbFromPre(pre),
      ];
    });
    const a = read(ours as tf.Tensor)[0] as number;
    expect(a).toBeCloseTo(hand, 4);
    expect(read(core as tf.Tensor)[0]).toBeCloseTo(a, 4);
  });
});

describe('TD3 target policy smoothing', () => {
  it('clips the noise to ±c and the action to [−1, 1]', () => {
    const a = tf.tidy(() => smoothTargetAction(tf.tensor2d([[0.9], [-0.2], [0]]), tf.tensor2d([[0.3], [-0.8], [0.6]]), 0.5));
    // noise → [0.3, −0.5, 0.5]; actions → [1.2 → 1, −0.7, 0.5]
    const v = read(a);
    expect(v[0]).toBeCloseTo(1, 6);
    expect(v[1]).toBeCloseTo(-0.7, 6);
    expect(v[2]).toBeCloseTo(0.5, 6);
  });

  it('target uses min of the twin critics, or the single critic (DDPG)', () => {
    const [twin, single] = tf.tidy(() => {
      const r = tf.tensor1d([1, 1]);
      const c = tf.tensor1d([0.5, 0]);
      return [td3CriticTarget(r, c, [tf.tensor1d([4, 9]), tf.tensor1d([2, 10])]), td3CriticTarget(r, c, [tf.tensor1d([4, 9])])];
    });
    expect(read(twin as tf.Tensor)).toEqual([2, 1]);
    expect(read(single as tf.Tensor)).toEqual([3, 1]);
  });
});

describe('Ornstein–Uhlenbeck noise', () => {
  it('one step by hand: x + θ(μ − x)dt + σ√dt·ε', () => {
    expect(ouStep(0.5, 0.15, 0, 0.3, 0.01, 1.2)).toBeCloseTo(0.5 - 0.00075 + 0.036, 12);
  });

  it('follows the recursion with its Rng, per env, and resets one env to 0', () => {
    const noise = new OrnsteinUhlenbeckNoise(2, 1, 0.5, new Rng(7), 0.2, 0.05);
    const ref = new Rng(7);
    const x = [0, 0];
    const out = new Float32Array(2);
    for (let t = 0; t < 5; t++) {
      noise.sample(out);
      for (let i = 0; i < 2; i++) {
        x[i] = ouStep(x[i] as number, 0.2, 0, 0.5, 0.05, ref.normal());
        expect(out[i]).toBeCloseTo(x[i] as number, 6);
      }
    }
    noise.reset(1);
    expect(noise.state[0]).toBeCloseTo(x[0] as number, 12);
    expect(noise.state[1]).toBe(0);
  });

  it('action noise specs are validated by field', () => {
    expect(checkActionNoise('TD3', null)).toBeNull();
    expect(() => checkActionNoise('TD3', { type: 'pink', sigma: 0.1 })).toThrow(/actionNoise.type/);
    expect(() => checkActionNoise('TD3', { type: 'normal', sigma: -1 })).toThrow(/actionNoise.sigma/);
    expect(() => checkActionNoise('TD3', { type: 'normal', sigma: 0.1, std: 1 })).toThrow(/"std"/);
  });
});

describe('networks and scaling', () => {
  it('forwardInputGradOnly: same value and input gradient as Mlp.apply', () => {
    const rng = new Rng(1);
    const mlp = new Mlp({ inputDim: 3, hiddenSizes: [5, 4], outputDim: 1, activation: 'relu', rng, name: 'q' });
    torchDefaultInit(mlp, rng);
    const x = tf.tensor2d([
      [0.1, -0.4, 0.8],
      [1.2, 0.3, -0.5],
    ]);
    const [y1, g1] = tf.tidy(() => [mlp.apply(x), tf.grad((xx: tf.Tensor) => tf.sum(mlp.apply(xx as tf.Tensor2D)))(x)]);
    const [y2, g2] = tf.tidy(() => [
      forwardInputGradOnly(mlp, x, 'relu'),
      tf.grad((xx: tf.Tensor) => tf.sum(forwardInputGradOnly(mlp, xx as tf.Tensor2D, 'relu')))(x),
    ]);
    const y3 = tf.tidy(() => forwardNoGrad(mlp, x, 'relu'));
    const a = read(y1 as tf.Tensor);
    read(y2 as tf.Tensor).forEach((v, i) => expect(v).toBeCloseTo(a[i] as number, 5));
    read(y3).forEach((v, i) => expect(v).toBeCloseTo(a[i] as number, 5));
    const ga = read(g1 as tf.Tensor);
    read(g2 as tf.Tensor).forEach((v, i) => expect(v).toBeCloseTo(ga[i] as number, 5));
    x.dispose();
    mlp.dispose();
  });

  it('forwardTrainable: same value and weight gradients as Mlp.apply({inputGrad: false})', () => {
    const rng = new Rng(2);
    for (const output of ['identity', 'tanh'] as const) {
      const mlp = new Mlp({
        inputDim: 3,
        hiddenSizes: [6, 5],
        outputDim: 2,
        activation: 'relu',
        outputActivation: output,
        rng,
        name: 'pi',
      });
      torchDefaultInit(mlp, rng);
      const vars = mlp.trainableVariables;
      const x = tf.tensor2d([
        [0.1, -0.4, 0.8],
        [1.2, 0.3, -0.5],
        [-0.7, 0.9, 0.2],
      ]);
      const w = tf.tensor2d([
        [1, -2],
        [0.5, 3],
        [-1, 1],
      ]);
      const ref = tf.variableGrads(() => tf.sum(tf.mul(mlp.apply(x, { inputGrad: false }), w)) as tf.Scalar, vars);
      const ours = tf.variableGrads(() => tf.sum(tf.mul(forwardTrainable(mlp, x, 'relu', output), w)) as tf.Scalar, vars);
      expect(read(ours.value)[0]).toBeCloseTo(read(ref.value)[0] as number, 5);
      for (const v of vars) {
        const a = read(ref.grads[v.name] as tf.Tensor);
        const b = read(ours.grads[v.name] as tf.Tensor);
        expect(b.length).toBe(a.length);
        b.forEach((g, i) => expect(g).toBeCloseTo(a[i] as number, 5));
      }
      tf.dispose([x, w]);
      mlp.dispose();
    }
  });

  it('torchDefaultInit draws weights and biases in ±1/√fanIn', () => {
    const mlp = new Mlp({ inputDim: 16, hiddenSizes: [8], outputDim: 2, rng: new Rng(0) });
    torchDefaultInit(mlp, new Rng(3));
    const [w0, b0] = mlp.trainableVariables as [tf.Variable, tf.Variable];
    const w = Array.from(w0.dataSync());
    const b = Array.from(b0.dataSync());
    expect(Math.max(...w.map(Math.abs))).toBeLessThanOrEqual(0.25);
    expect(Math.max(...b.map(Math.abs))).toBeGreaterThan(0);
    expect(Math.max(...b.map(Math.abs))).toBeLessThanOrEqual(0.25);
    mlp.dispose();
  });

  it('unscaleActions maps [−1, 1] to the bounds and clips', () => {
    const out = unscaleActions(Float32Array.of(-1, 0, 1, 2), Float32Array.of(-2, 0), Float32Array.of(2, 10), new Float32Array(4));
    expect(Array.from(out)).toEqual([-2, 5, 2, 10]);
  });
});
