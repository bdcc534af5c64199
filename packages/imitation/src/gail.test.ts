import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { evaluatePolicy } from '@tfrl/core';
import { expectNoTensorLeak, useBackend } from '@tfrl/core/testing';
import { make, makeVec } from '@tfrl/envs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  airlShapedReward,
  bernoulliEntropy,
  discriminatorBce,
  gaussianKlToStandard,
  gradientPenalty,
  rewardFromLogits,
  vailBetaUpdate,
} from './adversarial';
import { recordDataset } from './data/record';
import type { Dataset } from './data/trajectory';
import { AIRL, GAIL, GAILA2C, VAIL } from './gail';

let root: string;
beforeAll(async () => {
  await useBackend('wasm');
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'tfrl-gail-'));
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

const cartExpert = (obs: Float32Array): number => ((obs[2] as number) + 0.5 * (obs[3] as number) > 0 ? 1 : 0);
const pendulumExpert = (obs: Float32Array): Float32Array =>
  Float32Array.of(Math.max(-2, Math.min(2, -3 * (obs[1] as number) - 0.5 * (obs[2] as number))));
let cart: Dataset | undefined;
const cartData = (): Dataset => {
  cart ??= recordDataset(cartExpert, make('CartPole-v1'), { episodes: 5, seed: 0 });
  return cart;
};
let pend: Dataset | undefined;
const pendData = (): Dataset => {
  pend ??= recordDataset(pendulumExpert, make('Pendulum-v1'), { episodes: 2, seed: 0 });
  return pend;
};

const read = (t: tf.Tensor): number[] => {
  const v = Array.from(t.dataSync());
  t.dispose();
  return v;
};
const SP = (x: number) => Math.log1p(Math.exp(x));

describe('adversarial losses against hand-computed values', () => {
  it('discriminator BCE: mean over both batches of softplus(−l_E) and softplus(l_G)', () => {
    const v = read(discriminatorBce(tf.tensor1d([0, 2]), tf.tensor1d([-1, 1])));
    expect(v[0]).toBeCloseTo((SP(0) + SP(-2) + SP(-1) + SP(1)) / 4, 5);
    expect(v[0]).toBeCloseTo(0.611649, 5);
  });

  it('Bernoulli entropy of the logits', () => {
    expect(read(bernoulliEntropy(tf.tensor1d([0])))[0]).toBeCloseTo(Math.LN2, 6);
    // l = 2: (1 − σ(2))·2 + softplus(−2) = 0.238406 + 0.126928
    expect(read(bernoulliEntropy(tf.tensor1d([2])))[0]).toBeCloseTo(0.365334, 5);
    expect(read(bernoulliEntropy(tf.tensor1d([0, 2])))[0]).toBeCloseTo((Math.LN2 + 0.365334) / 2, 5);
  });

  it('the reward forms', () => {
    const l = () => tf.tensor1d([0, 1]);
    const r = (form: Parameters<typeof rewardFromLogits>[1]) => read(rewardFromLogits(l(), form));
    const [a0, a1] = r('neg_log_1m_d');
    expect(a0).toBeCloseTo(Math.LN2, 6); // −log(1 − ½)
    expect(a1).toBeCloseTo(1.313262, 5); // −log(1 − σ(1))
    const [b0, b1] = r('log_d');
    expect(b0).toBeCloseTo(-Math.LN2, 6);
    expect(b1).toBeCloseTo(-0.313262, 5); // log σ(1)
    const [c0, c1] = r('d');
    expect(c0).toBeCloseTo(0.5, 6);
    expect(c1).toBeCloseTo(0.731059, 5);
    expect(r('logit')).toEqual([0, 1]);
  });

  it("VAIL's KL to N(0, I) and the dual step on β", () => {
    // μ = (1, 0), σ = (1, 2): ½[(1 + 1 − 1 − 0) + (0 + 4 − 1 − 2 ln 2)]
    const kl = read(gaussianKlToStandard(tf.tensor2d([[1, 0]]), tf.tensor2d([[0, Math.LN2]])))[0];
    expect(kl).toBeCloseTo(0.5 * (1 + 3 - 2 * Math.LN2), 5);
    // the mean over rows
    const kl2 = read(
      gaussianKlToStandard(
        tf.tensor2d([
          [1, 0],
          [0, 0],
        ]),
        tf.tensor2d([
          [0, Math.LN2],
          [0, 0],
        ]),
      ),
    )[0];
    expect(kl2).toBeCloseTo((0.5 * (1 + 3 - 2 * Math.LN2)) / 2, 5);
    expect(vailBetaUpdate(0.1, 1.5, 0.5, 0.01)).toBeCloseTo(0.11, 12);
    expect(vailBetaUpdate(0.001, 0, 0.5, 0.01)).toBe(0);
    expect(vailBetaUpdate(0.2, 0.5, 0.5, 1)).toBeCloseTo(0.2, 12);
  });

  it("AIRL's shaping g + γ(1 − terminated)h(s′) − h(s)", () => {
    const f = read(airlShapedReward(tf.tensor1d([1, 2]), tf.tensor1d([0.5, 1]), tf.tensor1d([2, 3]), tf.tensor1d([0, 1]), 0.9));
    expect(f[0]).toBeCloseTo(1 + 0.9 * 2 - 0.5, 6);
    expect(f[1]).toBeCloseTo(2 - 1, 6);
  });

  it('gradient penalty λ·mean((‖∇f‖ − 1)²), and it is differentiable in the parameters', () => {
    const w = tf.variable(tf.tensor2d([[3], [4]]));
    const x = tf.tensor2d([
      [1, 2],
      [-1, 0.5],
    ]);
    const f = (xx: tf.Tensor2D) => tf.squeeze(tf.matMul(xx, w), [1]) as tf.Tensor1D;
    expect(read(tf.tidy(() => gradientPenalty(f, x, 2)))[0]).toBeCloseTo(2 * (5 - 1) ** 2, 4);
    // d/dw of λ(‖w‖ − 1)² = 2λ(‖w‖ − 1)·w/‖w‖ = 2·2·4·(0.6, 0.8)
    const { grads } = tf.variableGrads(() => gradientPenalty(f, x, 2), [w]);
    expect(read(grads[w.name] as tf.Tensor).map((v) => +v.toFixed(3))).toEqual([9.6, 12.8]);
    const nonlinear = tf.variable(tf.tensor2d([[0.3], [-0.7]]));
    const g = (xx: tf.Tensor2D) => tf.squeeze(tf.matMul(tf.tanh(xx), nonlinear), [1]) as tf.Tensor1D;
    const { grads: g2 } = tf.variableGrads(() => gradientPenalty(g, x, 1), [nonlinear]);
    const gv = read(g2[nonlinear.name] as tf.Tensor);
    // central finite difference on the first weight
    const pen = (w0: number) => {
      const v = tf.tensor2d([[w0], [-0.7]]);
      const h = (xx: tf.Tensor2D) => tf.squeeze(tf.matMul(tf.tanh(xx), v), [1]) as tf.Tensor1D;
      const p = read(tf.tidy(() => gradientPenalty(h, x, 1)))[0] as number;
      v.dispose();
      return p;
    };
    expect(gv[0]).toBeCloseTo((pen(0.3 + 1e-3) - pen(0.3 - 1e-3)) / 2e-3, 2);
    for (const t of [w, x, nonlinear]) t.dispose();
  });
});

const small = { nSteps: 32, batchSize: 64, nEpochs: 10, gaeLambda: 0.8, gamma: 0.98, learningRate: 1e-3 } as const;

describe('GAIL learns CartPole from 5 expert episodes', () => {
  // Rewards are standardised (no sign of their own, so surviving is not paid for by itself), and
  // the absorbing state after a termination gets the discriminator's reward too: the expert never
  // falls, so falling is learned to be un-expert-like. Measured over seeds 0–5: 456–500 (Node 20,
  // plain gemm) and 473–500 (Node 24, FMA gemm).
  it('reaches a return far above random (≈ 22) within 24k steps with standardised rewards and absorbing states', async () => {
    const agent = new GAIL({
      env: makeVec('CartPole-v1', 8, { seed: 0 }),
      seed: 0,
      demonstrations: cartData(),
      ...small,
      discUpdatesPerRound: 16,
      discLearningRate: 1e-3,
      absorbingState: true,
    });
    await agent.learn({ totalTimesteps: 24_000 });
    const ev = evaluatePolicy(agent, make('CartPole-v1'), { nEpisodes: 5, seed: 100 });
    expect(ev.meanReward).toBeGreaterThan(400);
    const s = agent.adversary.lastStats as NonNullable<typeof agent.adversary.lastStats>;
    expect(s['disc/accuracy']).toBeGreaterThan(0.5);
    expect(s['disc/expert_d']).toBeGreaterThan(s['disc/gen_d']);
    agent.dispose();
  }, 120_000);
});

describe('behavioral-cloning pre-training (openai/baselines --pretrained)', () => {
  it('clones the demonstrations into the policy before the first rollout, once', async () => {
    const agent = new GAIL({ env: makeVec('CartPole-v1', 2), seed: 0, demonstrations: cartData(), ...small, bcPretrainSteps: 400 });
    const before = evaluatePolicy(agent, make('CartPole-v1'), { nEpisodes: 5, seed: 100 }).meanReward;
    await agent.learn({ totalTimesteps: 64 });
    expect(agent.pretrained).toBe(true);
    // −log π(a_E|s_E) well below a uniform policy's ln 2
    expect(agent.bcPretrainLoss).toBeLessThan(0.4);
    const after = evaluatePolicy(agent, make('CartPole-v1'), { nEpisodes: 5, seed: 100 }).meanReward;
    expect(before).toBeLessThan(100);
    expect(after).toBeGreaterThan(150);
    const loss = agent.bcPretrainLoss;
    await agent.learn({ totalTimesteps: 64, resetNumTimesteps: false });
    expect(agent.bcPretrainLoss).toBe(loss);
    agent.dispose();
  });
});

describe('the adversaries', () => {
  it("AIRL's reward is f(s, a, s′) − log π: shifts by the log-probability, and terminated drops γ·h(s′)", () => {
    const agent = new AIRL({ env: makeVec('CartPole-v1', 2), seed: 1, demonstrations: cartData(), ...small, gamma: 0.9 });
    const adv = agent.adversary;
    const obs = Float32Array.of(0.01, 0.2, -0.03, 0.1, 0.02, -0.1, 0.01, 0.3);
    const next = Float32Array.of(0.02, 0.1, -0.02, 0.2, 0.03, 0.1, 0.0, 0.1);
    const acts = Int32Array.of(0, 1);
    const r0 = adv.predictRewards(obs, acts, next, Uint8Array.of(0, 0), Float32Array.of(0, 0));
    const r1 = adv.predictRewards(obs, acts, next, Uint8Array.of(0, 0), Float32Array.of(-1, -2));
    expect(r1[0] as number).toBeCloseTo((r0[0] as number) + 1, 4);
    expect(r1[1] as number).toBeCloseTo((r0[1] as number) + 2, 4);
    const rt = adv.predictRewards(obs, acts, next, Uint8Array.of(1, 0), Float32Array.of(0, 0));
    const hNext = read(tf.tidy(() => (adv.aux as NonNullable<typeof adv.aux>).apply(tf.tensor2d(next, [2, 4]))));
    expect((r0[0] as number) - (rt[0] as number)).toBeCloseTo(0.9 * (hNext[0] as number), 4);
    expect(rt[1]).toBeCloseTo(r0[1] as number, 5);
    agent.dispose();
  });

  it('absorbing state (DAC): a terminated step earns γ·r_abs / (1 − γ) on top of its own reward', async () => {
    const agent = new GAIL({
      env: makeVec('CartPole-v1', 2, { seed: 2 }),
      seed: 2,
      demonstrations: cartData(),
      ...small,
      absorbingState: true,
      normalizeDiscReward: false,
    });
    await agent.learn({ totalTimesteps: 64 });
    const buf = agent.rolloutBuffer as NonNullable<typeof agent.rolloutBuffer>;
    const rAbs = (agent.adversary.lastStats as unknown as Record<string, number>)['disc/absorbing_reward'] as number;
    expect(Number.isFinite(rAbs)).toBe(true);
    const tail = (0.98 * rAbs) / (1 - 0.98);
    let terminated = 0;
    for (let i = 0; i < 64; i++) {
      const obs = buf.obs.slice(i * 4, i * 4 + 4);
      const own = agent.adversary.predictRewards(obs, Int32Array.of(buf.actions[i] as number), obs, Uint8Array.of(0))[0] as number;
      const expected = buf.terminated[i] ? own + tail : own;
      expect(buf.rewards[i]).toBeCloseTo(expected, 3);
      terminated += buf.terminated[i] as number;
    }
    expect(terminated).toBeGreaterThan(0);
    expect(() => new AIRL({ env: makeVec('CartPole-v1', 2), absorbingState: true })).toThrow(/absorbingState is for the 'gail' and 'vail'/);
    agent.dispose();
  });

  it("VAIL's β follows max(0, β + α(KL − I_c)): to 0 under a loose constraint, upwards under a tight one", async () => {
    const loose = new VAIL({
      env: makeVec('CartPole-v1', 2),
      seed: 0,
      demonstrations: cartData(),
      ...small,
      vailIc: 1e6,
      vailBetaStepSize: 1,
    });
    await loose.learn({ totalTimesteps: 64 });
    expect(loose.adversary.beta).toBe(0);
    loose.dispose();
    const tight = new VAIL({
      env: makeVec('CartPole-v1', 2),
      seed: 0,
      demonstrations: cartData(),
      ...small,
      vailIc: 0,
      vailBetaStepSize: 1,
    });
    await tight.learn({ totalTimesteps: 64 });
    const s = tight.adversary.lastStats as NonNullable<typeof tight.adversary.lastStats>;
    expect(s['vail/kl']).toBeGreaterThan(0);
    // four steps of β += KL_k: at least the init plus the mean KL (all KL_k > 0)
    expect(tight.adversary.beta).toBeGreaterThan(0.1 + (s['vail/kl'] as number));
    expect(tight.adversary.beta).toBeCloseTo(s['vail/beta'] as number, 12);
    tight.dispose();
  });

  it.each([
    ['GAIL with the gradient penalty and input noise', GAIL, { discGradPenalty: 10, discInputNoise: 0.01 }],
    ['VAIL', VAIL, {}],
    ['AIRL', AIRL, {}],
    ['GAIL on A2C', GAILA2C, { nSteps: 32 }],
  ] as const)('%s: trains, logs finite discriminator scalars, replaces the rewards', async (_name, Ctor, extra) => {
    const hp = Ctor === GAILA2C ? { ...extra } : { ...small, ...extra };
    const agent = new (Ctor as typeof GAIL)({ env: makeVec('CartPole-v1', 2), seed: 0, demonstrations: cartData(), ...hp } as never);
    await agent.learn({ totalTimesteps: 128 });
    const s = agent.adversary.lastStats as unknown as Record<string, number>;
    for (const k of ['disc/loss', 'disc/accuracy', 'disc/expert_d', 'disc/gen_d', 'disc/entropy', 'disc/reward_mean']) {
      expect(Number.isFinite(s[k]), k).toBe(true);
    }
    if ('discGradPenalty' in extra) expect(s['disc/grad_penalty']).toBeGreaterThanOrEqual(0);
    // CartPole's env reward is 1 on every step: the rollout now holds the discriminator's.
    const rewards = (agent.rolloutBuffer as NonNullable<typeof agent.rolloutBuffer>).rewards;
    expect(Array.from(rewards).some((r) => Math.abs(r - 1) > 1e-3)).toBe(true);
    agent.dispose();
  });

  it('works with Box actions (Pendulum): the discriminator sees the clipped action', async () => {
    const agent = new GAIL({ env: makeVec('Pendulum-v1', 2), seed: 0, demonstrations: pendData(), ...small });
    await agent.learn({ totalTimesteps: 128 });
    expect(Number.isFinite((agent.adversary.lastStats as unknown as Record<string, number>)['disc/loss'])).toBe(true);
    agent.dispose();
  });
});

describe('GAIL save, load, seeding and leaks', () => {
  it('save/load round-trips the policy, the discriminator, β and the reward statistics', async () => {
    const agent = new VAIL({ env: makeVec('CartPole-v1', 2), seed: 3, demonstrations: cartData(), ...small, vailBetaStepSize: 0.1 });
    await agent.learn({ totalTimesteps: 128 });
    const dir = path.join(root, 'vail');
    await agent.save(dir);
    const loaded = await VAIL.load(dir, { env: makeVec('CartPole-v1', 2) });
    expect(loaded.adversary.beta).toBe(agent.adversary.beta);
    expect(loaded.adversary.rewardRms.mean[0]).toBe(agent.adversary.rewardRms.mean[0]);
    const obs = Float32Array.of(0.01, 0.2, -0.03, 0.1);
    const args = [obs, Int32Array.of(1), obs, Uint8Array.of(0)] as const;
    expect(Array.from(loaded.adversary.predictRewards(...args))).toEqual(Array.from(agent.adversary.predictRewards(...args)));
    expect(loaded.predict(obs, { deterministic: true })).toEqual(agent.predict(obs, { deterministic: true }));
    // a loaded agent needs its demonstrations again before it can learn
    await expect(loaded.learn({ totalTimesteps: 64 })).rejects.toThrow(/no demonstrations/);
    loaded.setDemonstrations(cartData());
    await loaded.learn({ totalTimesteps: 64 });
    loaded.dispose();
    agent.dispose();
  });

  it('the same seed gives the same run', async () => {
    const run = async () => {
      const a = new GAIL({
        env: makeVec('CartPole-v1', 2, { seed: 5 }),
        seed: 5,
        demonstrations: cartData(),
        ...small,
        discInputNoise: 0.01,
      });
      await a.learn({ totalTimesteps: 128 });
      const p = a.getParameters();
      a.dispose();
      return p;
    };
    const [p1, p2] = [await run(), await run()];
    expect(Object.keys(p1).some((k) => k.startsWith('disc'))).toBe(true);
    for (const k of Object.keys(p1)) expect(Array.from(p2[k] as Float32Array), k).toEqual(Array.from(p1[k] as Float32Array));
  });

  it.each([
    ['GAIL', GAIL],
    ['VAIL', VAIL],
    ['AIRL', AIRL],
    ['GAILA2C', GAILA2C],
  ] as const)('%s: no tensor leak across learn, predict, save and load', async (name, Ctor) => {
    const hp = Ctor === GAILA2C ? { nSteps: 16 } : { nSteps: 16, batchSize: 32 };
    const agent = new (Ctor as typeof GAIL)({ env: makeVec('CartPole-v1', 2), seed: 0, demonstrations: cartData(), ...hp } as never);
    const dir = path.join(root, `leak-${name}`);
    const obs = Float32Array.of(0.01, 0.2, -0.03, 0.1);
    await expectNoTensorLeak(async () => {
      await agent.learn({ totalTimesteps: 64, resetNumTimesteps: false });
      agent.predict(obs, { deterministic: true });
      await agent.save(dir);
      const loaded = await (Ctor as typeof GAIL).load(dir, { env: makeVec('CartPole-v1', 2) });
      loaded.predict(obs);
      loaded.dispose();
    });
    agent.dispose();
  });
});

describe('GAIL bad inputs', () => {
  it('names the problem before anything runs', async () => {
    expect(() => new GAIL({ env: makeVec('Pendulum-v1', 2), demonstrations: cartData() })).toThrow(
      /GAIL: the demonstrations' observation space .* does not match/,
    );
    expect(() => new AIRL({ env: makeVec('CartPole-v1', 2), demonstrations: cartData(), discGradPenalty: 1 })).toThrow(
      /discGradPenalty is for the 'gail' and 'vail'/,
    );
    expect(() => new GAIL({ env: makeVec('CartPole-v1', 2), rewardForm: 'exp' as never })).toThrow(/rewardForm/);
    expect(() => new GAIL({ env: makeVec('CartPole-v1', 2), discBatchSize: 0 })).toThrow(/discBatchSize/);
    const bare = new GAIL({ env: makeVec('CartPole-v1', 2) });
    await expect(bare.learn({ totalTimesteps: 64 })).rejects.toThrow(/GAIL.learn: no demonstrations/);
    bare.dispose();
  });
});
