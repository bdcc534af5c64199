import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { BaseCallback, type Env, MemoryLogger, evaluatePolicy } from '@tfrl/core';
import { expectNoTensorLeak, useBackend } from '@tfrl/core/testing';
import { make } from '@tfrl/envs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAgger, linearBeta } from './dagger';
import { recordDataset } from './data/record';

let root: string;
beforeAll(async () => {
  await useBackend('wasm');
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'tfrl-dagger-'));
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

/** Push the cart towards where the pole leans (plus its angular velocity). */
const cartExpert = (obs: Float32Array): number => ((obs[2] as number) + 0.5 * (obs[3] as number) > 0 ? 1 : 0);

/** CartPole that remembers every action it was stepped with. */
function recordingCartPole(): { env: Env<any, any>; actions: number[] } {
  const env = make('CartPole-v1');
  const actions: number[] = [];
  const step = env.step.bind(env);
  env.step = (a: number) => {
    actions.push(a);
    return step(a);
  };
  return { env, actions };
}

describe('linearBeta (imitation’s LinearBetaSchedule)', () => {
  it('is max(0, 1 − round / rampdown)', () => {
    expect([0, 1, 2, 3, 4, 5, 6].map((r) => linearBeta(r, 4))).toEqual([1, 0.75, 0.5, 0.25, 0, 0, 0]);
    expect(linearBeta(0, 15)).toBe(1);
    expect(linearBeta(5, 15)).toBeCloseTo(2 / 3, 12);
    expect(linearBeta(15, 15)).toBe(0);
    expect(linearBeta(0, 0)).toBe(0);
    expect(() => linearBeta(-1, 4)).toThrow(/round/);
    expect(() => linearBeta(1, 2.5)).toThrow(/rampdownRounds/);
  });

  it('drives the agent’s β round by round (logged as dagger/beta)', async () => {
    const logger = new MemoryLogger();
    const agent = new DAgger({ env: make('CartPole-v1'), expert: cartExpert, seed: 0, stepsPerRound: 50, betaRampdownRounds: 3, logger });
    expect(agent.beta).toBe(1);
    await agent.learn({ totalTimesteps: 250 });
    expect(agent.round).toBe(5);
    expect(agent.beta).toBe(0);
    expect(logger.scalars('dagger/beta').map(([, b]) => b)).toEqual([1, 1 - 1 / 3, 1 - 2 / 3, 0, 0]);
    expect(logger.scalars('dagger/round').map(([, r]) => r)).toEqual([0, 1, 2, 3, 4]);
    expect(logger.scalars('dagger/beta').map(([s]) => s)).toEqual([50, 100, 150, 200, 250]);
    for (const tag of ['dagger/expert_labels', 'dagger/expert_action_fraction', 'bc/loss', 'bc/accuracy', 'bc/entropy']) {
      expect(logger.scalars(tag)).toHaveLength(5);
    }
    expect(logger.scalars('dagger/expert_labels').map(([, n]) => n)).toEqual([50, 100, 150, 200, 250]);
    // Episode returns once episodes have ended (the learner takes over and drops the pole).
    expect(logger.scalars('rollout/ep_rew_mean').length).toBeGreaterThan(0);
    agent.dispose();
  });
});

describe('DAgger rollouts', () => {
  it('β = 1: only the expert acts; every visited observation is labelled', async () => {
    const { env, actions } = recordingCartPole();
    const asked: number[] = [];
    const expert = (obs: Float32Array) => {
      const a = cartExpert(obs);
      asked.push(a);
      return a;
    };
    const agent = new DAgger({ env, expert, seed: 1, stepsPerRound: 300, betaRampdownRounds: 10 });
    await agent.learn({ totalTimesteps: 300 });
    expect(agent.lastRound).toMatchObject({ round: 0, beta: 1, steps: 300, expertActions: 300, learnerActions: 0 });
    expect(actions).toEqual(asked);
    expect(agent.expertLabels).toBe(300);
    const data = agent.dataset;
    expect(data.numSteps).toBe(300);
    // The labels are the executed expert actions, in order.
    expect(data.trajectories.flatMap((t) => Array.from(t.acts))).toEqual(asked);
    agent.dispose();
  });

  it('β = 0: only the learner acts, and the expert still labels every observation', async () => {
    const { env, actions } = recordingCartPole();
    let asked = 0;
    // An expert that always pushes right: an untrained (near-uniform, sampling) learner does not.
    const expert = () => {
      asked++;
      return 1;
    };
    const agent = new DAgger({ env, expert, seed: 2, stepsPerRound: 200, betaRampdownRounds: 0 });
    await agent.learn({ totalTimesteps: 200 });
    expect(agent.lastRound).toMatchObject({ round: 0, beta: 0, steps: 200, expertActions: 0, learnerActions: 200 });
    expect(asked).toBe(200);
    expect(actions.filter((a) => a === 0).length).toBeGreaterThan(50);
    expect(agent.dataset.trajectories.flatMap((t) => Array.from(t.acts)).every((a) => a === 1)).toBe(true);
    agent.dispose();
  });

  it('an expert object with predict (a trained agent) is asked deterministically', async () => {
    const seen: boolean[] = [];
    const predictor = {
      predict(obs: Float32Array, options: { deterministic: boolean }) {
        seen.push(options.deterministic);
        return Int32Array.of(cartExpert(obs));
      },
    };
    const agent = new DAgger({ env: make('CartPole-v1'), expert: predictor, seed: 1, stepsPerRound: 50 });
    await agent.learn({ totalTimesteps: 50 });
    expect(seen).toHaveLength(50);
    expect(seen.every((d) => d)).toBe(true);
    expect(agent.expertLabels).toBe(50);
    agent.dispose();
  });

  it('labels = env steps collected + initial demonstrations; pieces cut at a round end are truncated', async () => {
    const demos = recordDataset(cartExpert, make('CartPole-v1'), { episodes: 2, seed: 7, maxSteps: 60 });
    expect(demos.numSteps).toBe(120);
    const agent = new DAgger({ env: make('CartPole-v1'), expert: cartExpert, demonstrations: demos, seed: 3, stepsPerRound: 170 });
    expect(agent.expertLabels).toBe(120);
    await agent.learn({ totalTimesteps: 400 });
    // 170 + 170 + 60: the last round is what is left.
    expect(agent.round).toBe(3);
    expect(agent.lastRound?.steps).toBe(60);
    expect(agent.numTimesteps).toBe(400);
    expect(agent.expertLabels).toBe(520);
    const data = agent.dataset;
    expect(data.numSteps).toBe(520);
    data.validate();
    // The expert balances the pole for 500 steps: no episode ends within 400 steps, so every
    // rollout piece ends truncated at a round boundary and the next round continues the episode.
    const rollout = data.trajectories.slice(demos.numEpisodes);
    expect(rollout.map((t) => t.rews.length)).toEqual([170, 170, 60]);
    expect(rollout.every((t) => t.truncated && !t.terminated)).toBe(true);
    const d = 4;
    expect(Array.from((rollout[1] as (typeof rollout)[0]).obs.subarray(0, d))).toEqual(
      Array.from((rollout[0] as (typeof rollout)[0]).obs.subarray(170 * d, 171 * d)),
    );
    agent.dispose();
  });

  it('works on a VecEnv (labels count every env’s steps) and on Box actions', async () => {
    const { makeVec } = await import('@tfrl/envs');
    const pendulumExpert = (obs: Float32Array) =>
      Float32Array.of(Math.max(-2, Math.min(2, -3 * (obs[1] as number) - 0.5 * (obs[2] as number))));
    const agent = new DAgger({ env: makeVec('Pendulum-v1', 3, { seed: 0 }), expert: pendulumExpert, seed: 4, stepsPerRound: 90 });
    await agent.learn({ totalTimesteps: 180 });
    expect(agent.expertLabels).toBe(180);
    expect(agent.dataset.numSteps).toBe(180);
    expect(agent.bc.lossName).toBe('gaussian-nll');
    const a = agent.predict(Float32Array.of(1, 0, 0), { deterministic: true }) as Float32Array;
    expect(a).toHaveLength(1);
    agent.dispose();
  });
});

describe('DAgger on CartPole-v1 (seeded smoke run)', () => {
  it('the expert scores high; DAgger reaches ≥ 150 (random ≈ 22) within 3000 env steps', async () => {
    const expertEval = evaluatePolicy((o) => cartExpert(o), make('CartPole-v1'), { nEpisodes: 5, seed: 1000 }).meanReward;
    expect(expertEval).toBeGreaterThan(450);
    const agent = new DAgger({ env: make('CartPole-v1'), expert: cartExpert, seed: 0, stepsPerRound: 500, betaRampdownRounds: 4 });
    const t0 = performance.now();
    await agent.learn({ totalTimesteps: 3000 });
    const seconds = (performance.now() - t0) / 1000;
    const score = evaluatePolicy(agent, make('CartPole-v1'), { nEpisodes: 5, seed: 1000 }).meanReward;
    console.log(
      `DAgger CartPole smoke: expert ${expertEval.toFixed(1)}, DAgger ${score.toFixed(1)} after ${agent.numTimesteps} env steps, ${agent.round} rounds, ${agent.expertLabels} labels, ${agent.numUpdates} gradient steps, ${seconds.toFixed(2)} s`,
    );
    expect(agent.round).toBe(6);
    expect(score).toBeGreaterThanOrEqual(150);
    agent.dispose();
  }, 60_000);

  it('same seed → the same run (data, weights, actions)', async () => {
    const run = async () => {
      const agent = new DAgger({
        env: make('CartPole-v1'),
        expert: cartExpert,
        seed: 11,
        stepsPerRound: 100,
        betaRampdownRounds: 1,
        netArch: [8],
      });
      await agent.learn({ totalTimesteps: 300 });
      const out = {
        acts: agent.dataset.trajectories.flatMap((t) => Array.from(t.acts)),
        obs: agent.dataset.trajectories.flatMap((t) => Array.from(t.obs)),
        params: Object.values(agent.getParameters()).flatMap((p) => Array.from(p)),
        returns: agent.epInfoBuffer.map((e) => e.r),
      };
      agent.dispose();
      return out;
    };
    const a = await run();
    const b = await run();
    expect(a.obs.length).toBeGreaterThan(0);
    expect(b).toEqual(a);
  });
});

describe('DAgger save / load and leaks', () => {
  it('a loaded agent predicts the same actions and continues at the saved round', async () => {
    const agent = new DAgger({
      env: make('CartPole-v1'),
      expert: cartExpert,
      seed: 5,
      stepsPerRound: 100,
      betaRampdownRounds: 4,
      netArch: [16],
    });
    await agent.learn({ totalTimesteps: 200 });
    const dir = path.join(root, 'save');
    await agent.save(dir);
    const loaded = await DAgger.load(dir, { env: make('CartPole-v1') });
    expect(loaded.round).toBe(2);
    expect(loaded.beta).toBe(0.5);
    expect(loaded.expertLabels).toBe(200);
    expect(loaded.bc.epochs).toBe(agent.bc.epochs);
    const rows = agent.dataset.trajectories[0]?.obs.subarray(0, 20 * 4) as Float32Array;
    expect(Array.from(loaded.predict(rows, { deterministic: true }) as Int32Array)).toEqual(
      Array.from(agent.predict(rows, { deterministic: true }) as unknown as Int32Array),
    );
    // The aggregate is not saved, and the expert must be given again before training.
    expect(loaded.dataset.numSteps).toBe(0);
    await expect(loaded.learn({ totalTimesteps: 10 })).rejects.toThrow(/no expert to query.*setExpert/);
    loaded.setExpert(cartExpert);
    await loaded.learn({ totalTimesteps: 100 });
    expect(loaded.round).toBe(3);
    expect(loaded.lastRound?.beta).toBe(0.5);
    expect(loaded.expertLabels).toBe(300);
    agent.dispose();
    loaded.dispose();
  });

  it('tf.memory().numTensors is flat across rounds, save and load', async () => {
    const counts: number[] = [];
    class Count extends BaseCallback {
      override onRolloutStart(): void {
        counts.push(tf.memory().numTensors);
      }
    }
    const agent = new DAgger({ env: make('CartPole-v1'), expert: cartExpert, seed: 6, stepsPerRound: 60, netArch: [8], batchSize: 64 });
    await agent.learn({ totalTimesteps: 300, callbacks: [new Count()] });
    expect(counts).toHaveLength(5);
    expect(new Set(counts).size).toBe(1);
    const dir = path.join(root, 'leak');
    const obs = Float32Array.of(0.01, 0, -0.02, 0);
    await expectNoTensorLeak(async () => {
      await agent.learn({ totalTimesteps: 120, resetNumTimesteps: false });
      agent.predict(obs, { deterministic: true });
      agent.predict(obs, { deterministic: false });
      await agent.save(dir);
      const loaded = await DAgger.load(dir, { env: make('CartPole-v1') });
      loaded.predict(obs, { deterministic: false });
      loaded.dispose();
    });
    agent.dispose();
  });
});

describe('DAgger bad inputs', () => {
  it('a constructor that throws leaves no tensors behind', async () => {
    const pend = recordDataset(() => [0], make('Pendulum-v1'), { episodes: 1, seed: 0, maxSteps: 5 });
    await expectNoTensorLeak(() => {
      expect(() => new DAgger({ env: make('CartPole-v1'), expert: 5 as never })).toThrow(/expert must be/);
      expect(() => new DAgger({ env: make('CartPole-v1'), expert: cartExpert, demonstrations: pend })).toThrow(/does not match/);
    });
  });

  it('names the problem', async () => {
    expect(() => new DAgger({ env: make('CartPole-v1'), expert: 5 as never })).toThrow(
      /expert must be a function .* or an object with predict/,
    );
    expect(() => new DAgger({ env: make('CartPole-v1'), expert: { act: () => 0 } as never })).toThrow(/expert must be .*keys: act/);
    expect(() => new DAgger({ env: make('CartPole-v1'), expert: cartExpert, stepsPerRound: 0 })).toThrow(/stepsPerRound/);
    expect(() => new DAgger({ env: make('CartPole-v1'), expert: cartExpert, betaRampdownRounds: -1 })).toThrow(/betaRampdownRounds/);
    expect(() => new DAgger({ env: make('CartPole-v1'), expert: cartExpert, validationFraction: 0.1 } as never)).toThrow(
      /validationFraction/,
    );
    expect(() => new DAgger({ env: make('CartPole-v1'), expert: cartExpert, loss: 'gaussian-nll' })).toThrow(
      /DAgger: BC: loss 'gaussian-nll' needs a Box/,
    );
    const pend = recordDataset(() => [0], make('Pendulum-v1'), { episodes: 1, seed: 0, maxSteps: 5 });
    expect(() => new DAgger({ env: make('CartPole-v1'), expert: cartExpert, demonstrations: pend })).toThrow(
      /DAgger: the demonstrations' observation space .* does not match the env's/,
    );

    // No expert: learn says so.
    const bare = new DAgger({ env: make('CartPole-v1'), seed: 0 });
    await expect(bare.learn({ totalTimesteps: 10 })).rejects.toThrow(/DAgger.learn: no expert to query/);
    bare.dispose();

    // Experts answering with wrong-shaped or out-of-space actions.
    const cases: Array<[string, string, (obs: Float32Array) => unknown, RegExp]> = [
      [
        'CartPole-v1',
        'an empty array',
        () => new Float32Array(0),
        /round 0, step 0: the expert returned 0 number\(s\) but the action space Discrete\(2\) needs 1/,
      ],
      [
        'CartPole-v1',
        'an out-of-range action',
        () => 2,
        /round 0, step 0: the expert's action \[2\] is not in the action space Discrete\(2\)/,
      ],
      ['CartPole-v1', 'a fractional action', () => 0.5, /the expert's action \[0\.5\] is not in the action space Discrete\(2\)/],
      ['CartPole-v1', 'a string', () => 'left', /the expert returned string left, expected a number or an array of numbers/],
      ['Pendulum-v1', 'NaN for a Box', () => Number.NaN, /the expert's action \[NaN\] is not in the action space Box/],
      ['MountainCarContinuous-v0', 'too few numbers', () => [], /the expert returned 0 number\(s\) but the action space Box.* needs 1/],
    ];
    for (const [id, _what, expert, message] of cases) {
      const agent = new DAgger({ env: make(id), expert: expert as never, seed: 0, stepsPerRound: 10 });
      await expect(agent.learn({ totalTimesteps: 10 })).rejects.toThrow(message);
      agent.dispose();
    }
  });
});
