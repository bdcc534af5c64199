import * as tf from '@tensorflow/tfjs';
import { NStepAccumulator, PrioritizedReplayBuffer, ReplayBuffer, Rng } from '@tfrl/core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  bootstrapMultipliers,
  categoricalProjection,
  categoricalSupport,
  doubleDqnTarget,
  dqnTarget,
  dqnTargetHost,
  duelingCombine,
  elementwiseTdLoss,
  factorisedNoise,
  importanceWeights,
  linearEpsilon,
  noisyScale,
} from './math';
import { QNetwork } from './q-network';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function read(t: tf.Tensor): number[] {
  const out = Array.from(t.dataSync());
  t.dispose();
  return out;
}

function expectClose(actual: ArrayLike<number>, expected: number[], digits = 5): void {
  expect(actual.length).toBe(expected.length);
  expected.forEach((e, i) => expect(actual[i]).toBeCloseTo(e, digits));
}

describe('Bellman targets', () => {
  it('terminated rows do not bootstrap, truncated rows do (through a ReplayBuffer batch)', () => {
    const buf = new ReplayBuffer({ capacity: 3, obsDim: 1, actionDim: 1, actionDtype: 'int32', gamma: 0.99 });
    // rows: plain, terminated, truncated (time limit)
    buf.add([0], 0, 1, [1], false, false);
    buf.add([1], 1, 1, [2], true, false);
    buf.add([2], 0, 1, [3], false, true);
    const mult = bootstrapMultipliers(buf.discounts, Float32Array.from(buf.terminated));
    expectClose(mult, [0.99, 0, 0.99]);
    const y = tf.tidy(() =>
      dqnTarget(
        tf.tensor1d([1, 1, 1]),
        tf.tensor1d(mult),
        tf.tensor2d([
          [1, 2],
          [3, 4],
          [5, -6],
        ]),
      ),
    );
    // max Q' = 2, 4, 5 → 1 + 0.99·2, 1 (terminal), 1 + 0.99·5
    expectClose(read(y), [2.98, 1, 5.95]);
    expectClose(dqnTargetHost([1, 1, 1], mult, [1, 2, 3, 4, 5, -6], 2), [2.98, 1, 5.95]);
  });

  it('double DQN: the online net picks the action, the target net evaluates it', () => {
    const args = () => [tf.tensor1d([0, 1, 2]), tf.tensor1d([0.5, 0, 1])] as const;
    const qOnline = [
      [1, 2],
      [3, 1],
      [5, 0],
    ]; // argmax 1, 0, 0
    const qTarget = [
      [10, 20],
      [30, 40],
      [50, 60],
    ];
    const y = tf.tidy(() => doubleDqnTarget(...args(), tf.tensor2d(qOnline), tf.tensor2d(qTarget)));
    // 0 + 0.5·20, 1 + 0·30, 2 + 1·50
    expectClose(read(y), [10, 1, 52]);
    // plain DQN takes the target's own max (60 in the last row)
    const yPlain = tf.tidy(() => dqnTarget(...args(), tf.tensor2d(qTarget)));
    expectClose(read(yPlain), [10, 1, 62]);
  });

  it('n-step returns through NStepAccumulator and the target (γ = 0.5, n = 3)', () => {
    const buf = new ReplayBuffer({ capacity: 8, obsDim: 1, actionDim: 1, actionDtype: 'int32', gamma: 0.5 });
    const acc = new NStepAccumulator({ numEnvs: 1, obsDim: 1, actionDim: 1, n: 3, gamma: 0.5, actionDtype: 'int32' });
    const step = (s: number, r: number, term: boolean, trunc: boolean) =>
      acc.add([s], [0], [r], [s + 1], [term ? 1 : 0], [trunc ? 1 : 0], buf);
    step(0, 1, false, false);
    step(1, 2, false, false);
    expect(buf.size).toBe(0);
    step(2, 4, false, false);
    // R = 1 + 0.5·2 + 0.25·4 = 3, discount γ³ = 0.125, next state s3
    expect(buf.size).toBe(1);
    expect(buf.rewards[0]).toBeCloseTo(3, 6);
    expect(buf.discounts[0]).toBeCloseTo(0.125, 6);
    expect(buf.nextObs[0]).toBe(3);
    step(3, 8, false, true); // time limit: flush with truncated = 1
    // from s1: 2 + 0.5·4 + 0.25·8 = 6 (γ³); from s2: 4 + 0.5·8 = 8 (γ²); from s3: 8 (γ)
    expectClose(buf.rewards.subarray(0, 4), [3, 6, 8, 8]);
    expectClose(buf.discounts.subarray(0, 4), [0.125, 0.125, 0.25, 0.5]);
    const mult = bootstrapMultipliers(buf.discounts.subarray(0, 4), Float32Array.from(buf.terminated.subarray(0, 4)));
    // V(next) = 8 for every row: truncation still bootstraps
    const y = dqnTargetHost(buf.rewards.subarray(0, 4), mult, [8, 8, 8, 8], 1);
    expectClose(y, [3 + 1, 6 + 1, 8 + 2, 8 + 4]);
    // the same episode ending in a real termination does not bootstrap
    const buf2 = new ReplayBuffer({ capacity: 8, obsDim: 1, actionDim: 1, actionDtype: 'int32', gamma: 0.5 });
    acc.add([0], [0], [1], [1], [0], [0], buf2);
    acc.add([1], [0], [2], [2], [1], [0], buf2);
    const m2 = bootstrapMultipliers(buf2.discounts.subarray(0, 2), Float32Array.from(buf2.terminated.subarray(0, 2)));
    expectClose(dqnTargetHost(buf2.rewards.subarray(0, 2), m2, [8, 8], 1), [2, 2]);
  });
});

describe('categoricalProjection (C51)', () => {
  it('worked example on 5 atoms', () => {
    const z = categoricalSupport(5, -2, 2);
    expectClose(z, [-2, -1, 0, 1, 2]);
    const m = tf.tidy(() =>
      categoricalProjection(
        tf.tensor2d([
          [0.1, 0.2, 0.3, 0.4, 0],
          [0.2, 0.2, 0.2, 0.2, 0.2],
          [0.5, 0, 0, 0, 0.5],
        ]),
        tf.tensor1d([0.5, 2.7, -1.25]),
        tf.tensor1d([0.5, 0, 1]),
        z,
      ),
    );
    const out = read(m);
    // Row 0: Tz = 0.5 + 0.5z = [-0.5, 0, 0.5, 1, 1.5] → b = [1.5, 2, 2.5, 3, 3.5]:
    //   0.1 splits 0.05/0.05 onto atoms 1, 2; 0.2 → atom 2; 0.3 splits 0.15/0.15 onto 2, 3; 0.4 → atom 3.
    expectClose(out.slice(0, 5), [0, 0.05, 0.4, 0.55, 0]);
    // Row 1: terminal, r = 2.7 clipped to vMax = 2 → all mass on the last atom.
    expectClose(out.slice(5, 10), [0, 0, 0, 0, 1]);
    // Row 2: Tz = [-3.25 → -2, 0.75]: 0.5 on atom 0; 0.5 split 0.25/0.75 between atoms 2 and 3.
    expectClose(out.slice(10, 15), [0.5, 0, 0.125, 0.375, 0]);
  });
});

describe('prioritized replay importance weights', () => {
  it('(N·P(i))^-β normalised by the max, equal to the buffer’s own weights', () => {
    // priorities 1, 2, 4 (total 7), N = 3, β = 0.5 → w = (p / p_min)^-0.5
    expectClose(importanceWeights([1, 2, 4], 7, 1, 3, 0.5), [1, Math.SQRT1_2, 0.5]);
    const buf = new PrioritizedReplayBuffer({ capacity: 4, obsDim: 1, actionDim: 1, actionDtype: 'int32', alpha: 1, epsilon: 1e-9 });
    for (let i = 0; i < 3; i++) buf.add([i], 0, 0, [i], false, false);
    buf.updatePriorities([0, 1, 2], [1, 2, 4]);
    const batch = buf.sample(6, new Rng(3), 0.5);
    const pr = Array.from(batch.indices, (i) => buf.priority(i));
    expectClose(batch.weights, Array.from(importanceWeights(pr, buf.totalPriority(), 1, 3, 0.5)));
  });
});

describe('dueling, noise, losses, ε', () => {
  it('duelingCombine: Q = V + A − mean A (scalar and per-atom)', () => {
    const q = tf.tidy(() =>
      duelingCombine(
        tf.tensor2d([[1], [2]]),
        tf.tensor2d([
          [1, 2, 3],
          [0, 0, 3],
        ]),
      ),
    );
    expectClose(read(q), [0, 1, 2, 1, 1, 4]);
    const q3 = tf.tidy(() =>
      duelingCombine(
        tf.tensor3d([[[1, 2]]]),
        tf.tensor3d([
          [
            [1, 3],
            [3, 5],
          ],
        ]),
      ),
    );
    expectClose(read(q3), [0, 1, 2, 3]);
  });

  it('NoisyLinear factorised noise f(x) = sgn(x)√|x|, ε_W = f(ε_in) f(ε_out)ᵀ', () => {
    expect(noisyScale(4)).toBe(2);
    expect(noisyScale(-9)).toBe(-3);
    expect(noisyScale(0)).toBe(0);
    expect(noisyScale(0.25)).toBe(0.5);
    const { weight, bias } = factorisedNoise([4, -1], [0.25, -9]);
    // f(ε_in) = [2, -1], f(ε_out) = [0.5, -3]
    expectClose(weight, [1, -6, -0.5, 3]);
    expectClose(bias, [0.5, -3]);
  });

  it('Huber / squared TD loss per sample', () => {
    const h = tf.tidy(() => elementwiseTdLoss(tf.tensor1d([0, 0, 3]), tf.tensor1d([0.5, -2, 0]), 'huber'));
    // |x| = 0.5 → 0.125; 2 → 1.5; 3 → 2.5
    expectClose(read(h), [0.125, 1.5, 2.5]);
    const s = tf.tidy(() => elementwiseTdLoss(tf.tensor1d([0, 3]), tf.tensor1d([0.5, 0]), 'mse'));
    expectClose(read(s), [0.25, 9]);
  });

  it('linear ε schedule as SB3 get_linear_fn', () => {
    expect(linearEpsilon(1, 0.05, 0.1, 1)).toBe(1);
    expect(linearEpsilon(1, 0.05, 0.1, 0.95)).toBeCloseTo(0.525, 9);
    expect(linearEpsilon(1, 0.05, 0.1, 0.5)).toBe(0.05);
  });
});

describe('QNetwork', () => {
  it('host evaluation equals the tf forward (plain, dueling+C51, noisy with its noise)', () => {
    const obs = Float32Array.from([0.1, -0.2, 0.3, 0.5, 1, -1, 0.25, 0]);
    const z = categoricalSupport(7, -3, 3);
    const zt = tf.tensor1d(z);
    for (const cfg of [
      { dueling: false, noisy: false, nAtoms: 1 },
      { dueling: true, noisy: false, nAtoms: 7 },
      { dueling: true, noisy: true, nAtoms: 1 },
      { dueling: false, noisy: true, nAtoms: 7 },
    ]) {
      const rng = new Rng(5);
      const net = new QNetwork({ obsShape: [4], nActions: 3, netArch: [16, 8], rng, name: 'q', ...cfg });
      for (const noise of [false, true]) {
        const q = tf.tidy(() => QNetwork.qValues(net.forward(tf.tensor2d(obs, [2, 4]), { noise }), zt));
        const host = net.hostForward(obs, 2, noise, z);
        expectClose(host, read(q), 4);
      }
      if (cfg.noisy) {
        // noise changes the output; a new draw changes it again
        const a = net.hostForward(obs, 2, true, z);
        net.resetNoise(rng);
        const b = net.hostForward(obs, 2, true, z);
        expect(Array.from(a)).not.toEqual(Array.from(b));
      }
      net.dispose();
    }
    zt.dispose();
  });
});
