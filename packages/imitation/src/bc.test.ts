import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { NonFiniteError, Rng, evaluatePolicy, huberLoss, mseLoss } from '@tfrl/core';
import { expectNoTensorLeak, useBackend } from '@tfrl/core/testing';
import { make } from '@tfrl/envs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BC, BC_COURSE, bcCrossEntropy, categoricalEntropy, gaussianEntropy, gaussianNll } from './bc';
import { recordDataset } from './data/record';
import type { Dataset } from './data/trajectory';

let root: string;
beforeAll(async () => {
  await useBackend('wasm');
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'tfrl-bc-'));
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

/** Push the cart towards where the pole leans (plus its angular velocity). */
const cartExpert = (obs: Float32Array): number => ((obs[2] as number) + 0.5 * (obs[3] as number) > 0 ? 1 : 0);
/** A smooth (not optimal) Pendulum controller: torque against sin θ and θ̇, clipped to ±2. */
const pendulumExpert = (obs: Float32Array): Float32Array =>
  Float32Array.of(Math.max(-2, Math.min(2, -3 * (obs[1] as number) - 0.5 * (obs[2] as number))));

let cartData: Dataset | undefined;
function cartpoleData(): Dataset {
  cartData ??= recordDataset(cartExpert, make('CartPole-v1'), { episodes: 20, seed: 0, source: 'heuristic' });
  return cartData;
}
let pendData: Dataset | undefined;
function pendulumData(): Dataset {
  pendData ??= recordDataset(pendulumExpert, make('Pendulum-v1'), { episodes: 10, seed: 0 });
  return pendData;
}

describe('BC losses against hand computations', () => {
  it('cross-entropy and categorical entropy', () => {
    const logits = tf.tensor2d([
      [1, 2, 0],
      [0.5, -1, 3],
    ]);
    const actions = tf.tensor1d([1, 0], 'int32');
    const lse = (r: number[]) => Math.log(r.reduce((a, x) => a + Math.exp(x), 0));
    const r0 = [1, 2, 0];
    const r1 = [0.5, -1, 3];
    const expected = (-(2 - lse(r0)) - (0.5 - lse(r1))) / 2;
    expect(bcCrossEntropy(logits, actions).dataSync()[0]).toBeCloseTo(expected, 5);
    const ent = (r: number[]) => {
      const z = lse(r);
      return -r.reduce((a, x) => a + Math.exp(x - z) * (x - z), 0);
    };
    expect(categoricalEntropy(logits).dataSync()[0]).toBeCloseTo((ent(r0) + ent(r1)) / 2, 5);
    tf.dispose([logits, actions]);
  });

  it('Gaussian NLL and entropy', () => {
    const mean = tf.tensor2d([
      [0, 1],
      [2, -1],
    ]);
    const logStd = tf.tensor1d([0, Math.log(2)]);
    const acts = tf.tensor2d([
      [1, 1],
      [2, 3],
    ]);
    const c = 0.5 * Math.log(2 * Math.PI);
    // row 0: z = (1, 0): ½ + 0 + c  +  0 + log 2 + c; row 1: z = (0, 2): 0 + c  +  ½·4 + log 2 + c
    const row0 = 0.5 + c + Math.log(2) + c;
    const row1 = c + 2 + Math.log(2) + c;
    expect(gaussianNll(mean, logStd, acts).dataSync()[0]).toBeCloseTo((row0 + row1) / 2, 5);
    expect(gaussianEntropy(logStd).dataSync()[0]).toBeCloseTo(2 * (0.5 + c) + Math.log(2), 5);
    tf.dispose([mean, logStd, acts]);
  });

  it('mse and smooth-L1', () => {
    const pred = tf.tensor2d([[0, 3]]);
    const target = tf.tensor2d([[0.5, 0]]);
    expect(mseLoss(pred, target).dataSync()[0]).toBeCloseTo((0.25 + 9) / 2, 5);
    // |x| = 0.5 → ½·0.25; |x| = 3 → 3 − ½
    expect(huberLoss(pred, target, 1).dataSync()[0]).toBeCloseTo((0.125 + 2.5) / 2, 5);
    tf.dispose([pred, target]);
  });
});

describe('BC on CartPole-v1 (seeded smoke run)', () => {
  it('clones a hand-written expert to ≥ 0.9 of its return', async () => {
    const data = cartpoleData();
    const expertReturn = data.metadata.expertMeanReturn as number;
    expect(expertReturn).toBeGreaterThan(400);
    const env = make('CartPole-v1');
    const agent = new BC({ env, demonstrations: data, seed: 0 });
    const t0 = performance.now();
    const history = await agent.train({ nEpochs: 5 });
    const seconds = (performance.now() - t0) / 1000;
    const bcReturn = evaluatePolicy(agent, make('CartPole-v1'), { nEpisodes: 10, seed: 1000 }).meanReward;
    const expertEval = evaluatePolicy((o) => cartExpert(o), make('CartPole-v1'), { nEpisodes: 10, seed: 1000 }).meanReward;
    console.log(
      `BC CartPole smoke: ${data.numSteps} transitions, expert return (recorded) ${expertReturn.toFixed(1)}, expert eval ${expertEval.toFixed(1)}, BC return ${bcReturn.toFixed(1)}, epochs ${history.length}, ${seconds.toFixed(2)} s, last epoch ${JSON.stringify(history.at(-1))}`,
    );
    expect(history).toHaveLength(5);
    expect(history.at(-1)?.heldoutLoss).toBeLessThan(history[0]?.heldoutLoss as number);
    expect(history.at(-1)?.accuracy).toBeGreaterThan(0.9);
    expect(bcReturn).toBeGreaterThanOrEqual(0.9 * expertReturn);
    agent.dispose();
  });

  it('learn({totalTimesteps}) takes that many gradient steps and logs bc/* per epoch', async () => {
    const logged: Record<string, number[]> = {};
    const logger = {
      scalar(tag: string, v: number) {
        (logged[tag] ??= []).push(v);
      },
      async flush() {},
    };
    const agent = new BC({ env: make('CartPole-v1'), demonstrations: cartpoleData(), seed: 1, batchSize: 256, logger: logger as never });
    const perEpoch = Math.ceil(agent.splitSizes.train / 256);
    await agent.learn({ totalTimesteps: perEpoch + 3 });
    expect(agent.numUpdates).toBe(perEpoch + 3);
    expect(agent.numTimesteps).toBe(perEpoch + 3);
    expect(agent.epochs).toBe(2);
    for (const tag of ['bc/loss', 'bc/heldout_loss', 'bc/accuracy', 'bc/entropy', 'bc/l2_norm']) expect(logged[tag]).toHaveLength(2);
    agent.dispose();
  });

  it("the course's preset on Discrete actions: smooth-L1 on one-hot targets, acts by argmax", async () => {
    const agent = new BC({ env: make('CartPole-v1'), demonstrations: cartpoleData(), seed: 0, ...BC_COURSE });
    expect(agent.lossName).toBe('smooth-l1');
    const h = await agent.train({ nEpochs: 2 });
    expect(h.at(-1)?.accuracy).toBeGreaterThan(0.9);
    expect(h.at(-1)?.entropy).toBeUndefined();
    agent.dispose();
  });
});

describe('BC on Box actions (Pendulum-v1)', () => {
  it.each(['gaussian-nll', 'mse', 'smooth-l1'] as const)('%s reduces the held-out loss', async (loss) => {
    const agent = new BC({ env: make('Pendulum-v1'), demonstrations: pendulumData(), seed: 0, loss });
    const before = agent.evaluateSplit().heldoutLoss as number;
    const h = await agent.train({ nEpochs: 5 });
    const after = h.at(-1)?.heldoutLoss as number;
    expect(after).toBeLessThan(before);
    expect(after).toBeLessThan(h[0]?.heldoutLoss as number);
    if (loss === 'gaussian-nll') expect(h.at(-1)?.entropy).toBeDefined();
    const a = agent.predict(Float32Array.of(1, 0, 0), { deterministic: true }) as Float32Array;
    expect(a).toBeInstanceOf(Float32Array);
    expect(Math.abs(a[0] as number)).toBeLessThanOrEqual(2);
    agent.dispose();
  });

  it("the course's preset maps sigmoid outputs into the bounds", async () => {
    const agent = new BC({ env: make('Pendulum-v1'), demonstrations: pendulumData(), seed: 0, ...BC.courseConfig });
    const before = agent.evaluateSplit().heldoutLoss as number;
    const h = await agent.train({ nEpochs: 3 });
    expect(h.at(-1)?.heldoutLoss).toBeLessThan(before);
    // Expert torque at θ = π/2 (sin θ = 1), θ̇ = 0: −3, clipped to −2.
    const a = agent.predict(Float32Array.of(0, 1, 0), { deterministic: true }) as Float32Array;
    expect(a[0]).toBeLessThan(-1.5);
    expect(a[0]).toBeGreaterThanOrEqual(-2);
    agent.dispose();
  });
});

describe('BC early stopping', () => {
  it('restores the weights of the best held-out epoch', async () => {
    // Few noisy labels and a big step: the held-out loss bottoms out early and then rises.
    const rng = new Rng(3);
    const noisy = (obs: Float32Array) =>
      Float32Array.of(Math.max(-2, Math.min(2, (pendulumExpert(obs)[0] as number) + rng.normal(0, 0.8))));
    const data = recordDataset(noisy, make('Pendulum-v1'), { episodes: 1, seed: 5 });
    const agent = new BC({
      env: make('Pendulum-v1'),
      demonstrations: data,
      seed: 0,
      loss: 'mse',
      netArch: [128, 128],
      learningRate: 0.01,
      batchSize: 8,
      validationFraction: 0.5,
      earlyStopping: 5,
    });
    const h = await agent.train({ nEpochs: 200 });
    const losses = h.map((s) => s.heldoutLoss as number);
    const best = Math.min(...losses);
    const bestEpoch = losses.indexOf(best);
    // Stopped by patience, not by nEpochs, and the last epoch was worse than the best.
    expect(h.length).toBe(bestEpoch + 1 + 5);
    expect(losses.at(-1)).toBeGreaterThan(best);
    expect(agent.evaluateSplit().heldoutLoss).toBeCloseTo(best, 5);
    agent.dispose();
  });
});

describe('BC save / load', () => {
  it('a loaded agent predicts the same actions', async () => {
    for (const [id, data] of [
      ['CartPole-v1', cartpoleData()],
      ['Pendulum-v1', pendulumData()],
    ] as const) {
      const agent = new BC({ env: make(id), demonstrations: data, seed: 2, netArch: [16] });
      await agent.train({ nEpochs: 1 });
      const dir = path.join(root, `save-${id}`);
      await agent.save(dir);
      const loaded = await BC.load(dir, { env: make(id) });
      const rows = data.trajectories[0]?.obs.subarray(0, 20 * data.observationSpace.compactDim) as Float32Array;
      expect(Array.from(loaded.predict(rows, { deterministic: true }) as ArrayLike<number>)).toEqual(
        Array.from(agent.predict(rows, { deterministic: true }) as ArrayLike<number>),
      );
      expect(loaded.epochs).toBe(1);
      // Continue training after attaching the data again.
      loaded.setDemonstrations(data);
      await loaded.train({ nEpochs: 1 });
      expect(loaded.epochs).toBe(2);
      agent.dispose();
      loaded.dispose();
    }
  });

  it('a non-finite loss raises NonFiniteError and nothing is saved', async () => {
    const agent = new BC({ env: make('Pendulum-v1'), demonstrations: pendulumData(), seed: 0, netArch: [8] });
    const w = agent.policy.trainableVariables[0] as tf.Variable;
    w.assign(tf.fill(w.shape, Number.NaN));
    await expect(agent.train({ nEpochs: 1 })).rejects.toBeInstanceOf(NonFiniteError);
    const dir = path.join(root, 'nan');
    await expect(agent.save(dir)).rejects.toThrow(/refusing to save/);
    expect(fs.existsSync(path.join(dir, 'manifest.json'))).toBe(false);
    agent.dispose();
  });
});

describe('BC leaks', () => {
  it.each([
    ['CartPole-v1', 'cross-entropy'],
    ['Pendulum-v1', 'gaussian-nll'],
    ['Pendulum-v1', 'smooth-l1'],
  ] as const)('%s %s: no tensor leak across train, learn, predict, save, load', async (id, loss) => {
    const data = id === 'CartPole-v1' ? cartpoleData() : pendulumData();
    const agent = new BC({ env: make(id), demonstrations: data, seed: 0, netArch: [8], batchSize: 512, loss, earlyStopping: 1 });
    const dir = path.join(root, `leak-${id}-${loss}`);
    const obs = data.trajectories[0]?.obs.subarray(0, data.observationSpace.compactDim) as Float32Array;
    await expectNoTensorLeak(async () => {
      await agent.train({ nEpochs: 2 });
      await agent.learn({ totalTimesteps: 3 });
      agent.predict(obs, { deterministic: true });
      agent.predict(obs, { deterministic: false });
      agent.evaluateSplit();
      await agent.save(dir);
      const loaded = await BC.load(dir, { env: make(id) });
      loaded.predict(obs, { deterministic: false });
      loaded.dispose();
    });
    agent.dispose();
  });
});

describe('BC bad inputs', () => {
  it('names the problem', () => {
    const cart = cartpoleData();
    const pend = pendulumData();
    expect(() => new BC({ env: make('Pendulum-v1'), demonstrations: cart })).toThrow(/observation space .* does not match the env's/);
    expect(() => new BC({ env: make('CartPole-v1'), demonstrations: pend })).toThrow(/does not match/);
    expect(() => new BC({ env: make('CartPole-v1'), demonstrations: cart, loss: 'hinge' as never })).toThrow(/loss/);
    expect(() => new BC({ env: make('CartPole-v1'), demonstrations: cart, validationFraction: 1.5 })).toThrow(/validationFraction/);
    expect(() => new BC({ env: make('CartPole-v1'), demonstrations: cart, validationFraction: -0.1 })).toThrow(/validationFraction/);
    expect(() => new BC({ env: make('CartPole-v1'), demonstrations: cart, loss: 'gaussian-nll' })).toThrow(/gaussian-nll.*Box/);
    expect(() => new BC({ env: make('Pendulum-v1'), demonstrations: pend, loss: 'cross-entropy' })).toThrow(/cross-entropy.*Discrete/);
    expect(() => new BC({ env: make('CartPole-v1'), demonstrations: cart, validationFraction: 0, earlyStopping: 3 })).toThrow(
      /earlyStopping/,
    );
    expect(() => new BC({ env: make('CartPole-v1'), demonstrations: cart, learning_rat: 1 } as never)).toThrow(/learning_rat|learningRat/);
    const bare = new BC({ env: make('CartPole-v1') });
    return expect(bare.train({ nEpochs: 1 })).rejects.toThrow(/no demonstrations/);
  });
});
