import * as tf from '@tensorflow/tfjs';
import { Categorical, Rng } from '@tfrl/core';
import { expectNoTensorLeak, useBackend } from '@tfrl/core/testing';
import { makeVec } from '@tfrl/envs';
import { beforeAll, describe, expect, it } from 'vitest';
import { PPO, ppoPolicyLoss } from './ppo';
import {
  PPO_CATEGORICAL_LOSS,
  type PpoCategoricalLossAttrs,
  accelerations,
  ppoCategoricalFusedAvailable,
  ppoCategoricalLoss,
  setAccelerations,
} from '@tfrl/core/internal';

beforeAll(async () => {
  await useBackend('wasm');
});

interface Case {
  b: number;
  k: number;
  attrs: PpoCategoricalLossAttrs;
}

function randomInputs(b: number, k: number, seed: number) {
  const rng = new Rng(seed);
  const logits = Float32Array.from({ length: b * k }, () => rng.normal(0, 1.5));
  const values = Float32Array.from({ length: b }, () => rng.normal(0, 1));
  const actions = Int32Array.from({ length: b }, () => rng.integers(0, k));
  // Old log-probs near the current ones, so that ratios fall on both sides of the clip range.
  const oldLogProbs = new Float32Array(b);
  for (let i = 0; i < b; i++) {
    const row = logits.subarray(i * k, (i + 1) * k);
    const m = Math.max(...row);
    const lse = m + Math.log(row.reduce((s, z) => s + Math.exp(z - m), 0));
    oldLogProbs[i] = (row[actions[i] as number] as number) - lse + rng.normal(0, 0.3);
  }
  const advantages = Float32Array.from({ length: b }, () => rng.normal(0, 1));
  const returns = Float32Array.from({ length: b }, () => rng.normal(0, 1));
  const oldValues = Float32Array.from(values, (v) => v + rng.normal(0, 0.2));
  return { logits, values, actions, oldLogProbs, advantages, returns, oldValues };
}

/** The same loss through tfjs autodiff: the definitions PPO uses without the fused kernel. */
function autodiffLoss(
  logits: tf.Tensor2D,
  values: tf.Tensor1D,
  d: { actions: tf.Tensor1D; oldLogProbs: tf.Tensor1D; advantages: tf.Tensor1D; returns: tf.Tensor1D; oldValues: tf.Tensor1D },
  a: PpoCategoricalLossAttrs,
): { loss: tf.Scalar; stats: tf.Tensor1D } {
  const dist = new Categorical(logits);
  const logp = dist.logProb(d.actions);
  const { policyLoss, approxKl, clipFraction } = ppoPolicyLoss({
    logProbs: logp,
    oldLogProbs: d.oldLogProbs,
    advantages: d.advantages,
    lossType: a.lossType,
    clipRange: a.clipRange,
    klCoef: a.klCoef,
  });
  let vPred: tf.Tensor1D = values;
  if (a.clipRangeVf !== null) vPred = tf.add(d.oldValues, tf.clipByValue(tf.sub(values, d.oldValues), -a.clipRangeVf, a.clipRangeVf));
  const vf = tf.mean(tf.square(tf.sub(d.returns, vPred)));
  const entLoss = tf.neg(tf.mean(dist.entropy()));
  const loss = tf.addN([policyLoss, tf.mul(a.entCoef, entLoss), tf.mul(a.vfCoef, vf)]) as tf.Scalar;
  return { loss, stats: tf.stack([policyLoss, vf, entLoss, approxKl, clipFraction, loss]) as tf.Tensor1D };
}

function compare({ b, k, attrs }: Case, seed: number) {
  const x = randomInputs(b, k, seed);
  const logits = tf.tensor2d(x.logits, [b, k]);
  const values = tf.tensor1d(x.values);
  const d = {
    actions: tf.tensor1d(x.actions, 'int32'),
    oldLogProbs: tf.tensor1d(x.oldLogProbs),
    advantages: tf.tensor1d(x.advantages),
    returns: tf.tensor1d(x.returns),
    oldValues: tf.tensor1d(x.oldValues),
  };
  const fusedStats: tf.Tensor[] = [];
  const fused = tf.grads((l: tf.Tensor, v: tf.Tensor) =>
    ppoCategoricalLoss({ logits: l as tf.Tensor2D, values: v as tf.Tensor1D, ...d }, attrs, fusedStats),
  );
  const [fgL, fgV] = fused([logits, values]);
  const fLoss = ppoCategoricalLoss({ logits, values, ...d }, attrs, fusedStats);
  const ref = tf.grads((l: tf.Tensor, v: tf.Tensor) => autodiffLoss(l as tf.Tensor2D, v as tf.Tensor1D, d, attrs).loss);
  const [rgL, rgV] = ref([logits, values]);
  const refOut = autodiffLoss(logits, values, d, attrs);
  const out = {
    loss: [fLoss.dataSync()[0] as number, refOut.loss.dataSync()[0] as number],
    stats: [Array.from((fusedStats[1] as tf.Tensor).dataSync()), Array.from(refOut.stats.dataSync())],
    gLogits: [Array.from((fgL as tf.Tensor).dataSync()), Array.from((rgL as tf.Tensor).dataSync())],
    gValues: [Array.from((fgV as tf.Tensor).dataSync()), Array.from((rgV as tf.Tensor).dataSync())],
  };
  tf.dispose([logits, values, ...Object.values(d), fgL, fgV, fLoss, rgL, rgV, refOut.loss, refOut.stats, ...fusedStats]);
  return out;
}

function expectClose(a: number[], b: number[], tol: number) {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) expect(Math.abs((a[i] as number) - (b[i] as number))).toBeLessThan(tol);
}

describe('ppoCategoricalLoss (fused kernel)', () => {
  it('is available on wasm', () => {
    expect(ppoCategoricalFusedAvailable()).toBe(true);
  });

  const base = { clipRange: 0.2, entCoef: 0.01, vfCoef: 0.5, klCoef: 1 };
  const cases: [string, Case][] = [
    ['clip, 2 actions, no value clipping', { b: 64, k: 2, attrs: { ...base, lossType: 'clip', clipRangeVf: null } }],
    [
      'clip, 5 actions, value clipping 0.1, large entropy bonus',
      { b: 33, k: 5, attrs: { ...base, lossType: 'clip', clipRangeVf: 0.1, entCoef: 0.3 } },
    ],
    ['adaptive KL, 3 actions, β = 2.5', { b: 40, k: 3, attrs: { ...base, lossType: 'adaptive_kl', clipRangeVf: null, klCoef: 2.5 } }],
  ];
  for (const [name, c] of cases) {
    it(`matches autodiff: loss, statistics and gradients (${name})`, () => {
      for (const seed of [1, 2]) {
        const r = compare(c, seed);
        expect(Math.abs((r.loss[0] as number) - (r.loss[1] as number))).toBeLessThan(1e-5);
        expectClose(r.stats[0] as number[], r.stats[1] as number[], 1e-5);
        expectClose(r.gLogits[0] as number[], r.gLogits[1] as number[], 1e-6);
        expectClose(r.gValues[0] as number[], r.gValues[1] as number[], 1e-6);
        // The case must exercise both sides of the clip: some ratios clipped, some not.
        const clipFrac = (r.stats[0] as number[])[4] as number;
        expect(clipFrac).toBeGreaterThan(0.05);
        expect(clipFrac).toBeLessThan(0.95);
      }
    });
  }

  it('rejects an action outside the logits, naming it', () => {
    const run = () =>
      tf.tidy(() =>
        ppoCategoricalLoss(
          {
            logits: tf.zeros([2, 2]) as tf.Tensor2D,
            values: tf.zeros([2]) as tf.Tensor1D,
            actions: tf.tensor1d([0, 2], 'int32'),
            oldLogProbs: tf.zeros([2]) as tf.Tensor1D,
            advantages: tf.zeros([2]) as tf.Tensor1D,
            returns: tf.zeros([2]) as tf.Tensor1D,
            oldValues: tf.zeros([2]) as tf.Tensor1D,
          },
          { ...base, lossType: 'clip', clipRangeVf: null },
          [],
        ),
      );
    expect(run).toThrow(/action 2 at row 1 is outside \[0, 2\)/);
  });

  it('PPO: an update with the fused loss equals the autodiff update', async () => {
    const params: Float32Array[][] = [];
    for (const fused of [true, false]) {
      const agent = new PPO({
        env: makeVec('CartPole-v1', 4, { seed: 3 }),
        seed: 3,
        nSteps: 32,
        batchSize: 64,
        nEpochs: 2,
        entCoef: 0.01,
        clipRangeVf: 0.2,
      });
      setAccelerations({ fusedLosses: fused });
      await agent.learn({ totalTimesteps: 256 });
      // The fused path really ran (or really did not).
      const prof = await tf.profile(() => {
        agent.train();
      });
      setAccelerations({ fusedLosses: true });
      expect(prof.kernels.some((kk) => kk.name === PPO_CATEGORICAL_LOSS)).toBe(fused);
      params.push(agent.policy.trainableVariables.map((v) => v.dataSync() as Float32Array));
      agent.dispose();
    }
    const [a, b] = params as [Float32Array[], Float32Array[]];
    expect(a.length).toBe(b.length);
    let maxDiff = 0;
    for (let i = 0; i < a.length; i++)
      for (let j = 0; j < (a[i] as Float32Array).length; j++)
        maxDiff = Math.max(maxDiff, Math.abs(((a[i] as Float32Array)[j] as number) - ((b[i] as Float32Array)[j] as number)));
    expect(maxDiff).toBeLessThan(1e-4);
  });

  it('host acting: greedy actions equal the tfjs path; sampled actions carry the tfjs log-prob and value; draws follow the softmax', async () => {
    const agent = new PPO({ env: makeVec('CartPole-v1', 8, { seed: 4 }), seed: 4, nSteps: 16, batchSize: 64, nEpochs: 1 });
    expect(accelerations.hostActing).toBe(true);
    await agent.learn({ totalTimesteps: 128 }); // trained a little: non-trivial logits
    const rng = new Rng(8);
    const obs = Float32Array.from({ length: 64 * 4 }, () => rng.normal(0, 1));
    const host = agent.predict(obs, { deterministic: true });
    setAccelerations({ hostActing: false });
    const viaTf = agent.predict(obs, { deterministic: true });
    expect(Array.from(host)).toEqual(Array.from(viaTf));
    setAccelerations({ hostActing: true });
    // Sampled actions come with the tfjs log-prob of that action and the tfjs value.
    const res = agent.policy.act(obs, false, agent.rng);
    const { logitsOrMean, value } = agent.policy.forward(tf.tensor2d(obs, [64, 4]));
    const logp = new Categorical(logitsOrMean).logProb(tf.tensor1d(Int32Array.from(res.actions), 'int32'));
    expectClose(Array.from(res.logProbs), Array.from(logp.dataSync()), 1e-5);
    expectClose(Array.from(res.values), Array.from(value.dataSync()), 1e-5);
    tf.dispose([logitsOrMean, value, logp]);
    const sampled = new Int32Array(4000);
    const one = obs.subarray(0, 4);
    for (let i = 0; i < sampled.length; i++) sampled[i] = agent.predict(one)[0] as number;
    const { logitsOrMean: l1 } = agent.policy.forward(tf.tensor2d(one, [1, 4]));
    const p = tf.softmax(l1).dataSync();
    const freq1 = sampled.reduce((a, v) => a + v, 0) / sampled.length;
    // Binomial standard error at 4000 draws is ≤ 0.008: 5 of them.
    expect(Math.abs(freq1 - (p[1] as number))).toBeLessThan(0.04);
    l1.dispose();
    agent.dispose();
  });

  it('does not leak tensors across PPO updates', async () => {
    const agent = new PPO({ env: makeVec('CartPole-v1', 2, { seed: 0 }), seed: 0, nSteps: 16, batchSize: 16, nEpochs: 2 });
    await agent.learn({ totalTimesteps: 32 });
    await expectNoTensorLeak(async () => {
      agent.train();
    });
    agent.dispose();
  });
});
