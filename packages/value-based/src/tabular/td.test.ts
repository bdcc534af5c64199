import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BaseCallback, BaseEnv, type CallbackContext, Discrete, MemoryLogger, type RgbFrame, TimeLimit } from '@tfrl/core';
import { CliffWalkingEnv, make } from '@tfrl/envs';
import { afterAll, describe, expect, it } from 'vitest';
import { ExpectedSarsa, NStepSarsa, QLearning, Sarsa } from './td';
import { argmax, epsilonGreedyExpectation, explorationRate } from './exploration';

/**
 * A deterministic chain: states 0 … L−1, then the terminal state L. Every action moves one state
 * to the right; the reward of action a in state s is `rewards[s][a]`.
 */
class ChainEnv extends BaseEnv<number, number> {
  readonly observationSpace: Discrete;
  readonly actionSpace: Discrete;
  private s = 0;
  constructor(readonly rewards: number[][]) {
    super();
    this.observationSpace = new Discrete(rewards.length + 1);
    this.actionSpace = new Discrete((rewards[0] as number[]).length);
  }
  protected _reset() {
    this.s = 0;
    return { obs: 0, info: {} };
  }
  protected _step(a: number) {
    const r = (this.rewards[this.s] as number[])[a] as number;
    this.s++;
    return { obs: this.s, reward: r, terminated: this.s === this.rewards.length, truncated: false, info: {} };
  }
  render(): RgbFrame {
    return { width: 1, height: 1, data: new Uint8Array(3) };
  }
}

const ALPHA = 0.5;
const GAMMA = 0.9;
/** Two steps: state 0 (rewards 1 | 2) → state 1 (rewards 0 | 10) → terminal 2. */
const twoStep = () =>
  new ChainEnv([
    [1, 2],
    [0, 10],
  ]);
/** Q before learning: Q(0) = [0, 1], Q(1) = [3, 5]; terminal row 0. */
const Q0 = [0, 1, 3, 5, 0, 0];

function preset(agent: { q: Float32Array }, values: number[]): void {
  agent.q.set(values);
}

/** Which action of state s had its Q-value changed. */
function changed(q: Float32Array, s: number): number {
  const diff = [0, 1].filter((a) => q[s * 2 + a] !== Q0[s * 2 + a]);
  expect(diff.length).toBe(1);
  return diff[0] as number;
}

describe('update rules against hand-computed values (α = 0.5, γ = 0.9)', () => {
  it('Q-learning, greedy: Q(0,1) ← 1 + ½(2 + 0.9·5 − 1) = 3.75, then Q(1,1) ← 5 + ½(10 − 5) = 7.5', async () => {
    const agent = new QLearning({ env: twoStep(), learningRate: ALPHA, gamma: GAMMA, epsilon: 0, seed: 1 });
    preset(agent, Q0);
    await agent.learn({ totalTimesteps: 2 });
    expect(Array.from(agent.q)).toEqual([0, 3.75, 3, 7.5, 0, 0]);
    expect(agent.episodeReturns).toEqual([12]);
    expect(agent.numEpisodes).toBe(1);
  });

  it('Q-learning is off-policy: with ε = 1 its target still uses max Q(1,·) = 5', async () => {
    for (let seed = 0; seed < 8; seed++) {
      const agent = new QLearning({ env: twoStep(), learningRate: ALPHA, gamma: GAMMA, epsilon: 1, seed });
      preset(agent, Q0);
      await agent.learn({ totalTimesteps: 2 });
      const a0 = changed(agent.q, 0);
      const a1 = changed(agent.q, 1);
      const r0 = [1, 2][a0] as number;
      expect(agent.q[a0]).toBeCloseTo((Q0[a0] as number) + ALPHA * (r0 + GAMMA * 5 - (Q0[a0] as number)), 6);
      expect(agent.q[2 + a1]).toBeCloseTo((Q0[2 + a1] as number) + ALPHA * (([0, 10][a1] as number) - (Q0[2 + a1] as number)), 6);
    }
  });

  it('SARSA is on-policy: with ε = 1 its target uses Q(1, A′) of the action actually taken next', async () => {
    const seen = new Set<number>();
    for (let seed = 0; seed < 8; seed++) {
      const agent = new Sarsa({ env: twoStep(), learningRate: ALPHA, gamma: GAMMA, epsilon: 1, seed });
      preset(agent, Q0);
      await agent.learn({ totalTimesteps: 2 });
      const a0 = changed(agent.q, 0);
      const a1 = changed(agent.q, 1);
      seen.add(a1);
      const r0 = [1, 2][a0] as number;
      expect(agent.q[a0]).toBeCloseTo((Q0[a0] as number) + ALPHA * (r0 + GAMMA * (Q0[2 + a1] as number) - (Q0[a0] as number)), 6);
      expect(agent.q[2 + a1]).toBeCloseTo((Q0[2 + a1] as number) + ALPHA * (([0, 10][a1] as number) - (Q0[2 + a1] as number)), 6);
    }
    expect(seen.size).toBe(2); // both next actions occurred, so both targets were checked
  });

  it('Expected SARSA: target r + γ[ε·mean + (1 − ε)·max] = r + 0.9·(0.5·4 + 0.5·5) = r + 4.05 (ε = 0.5)', async () => {
    for (let seed = 0; seed < 6; seed++) {
      const agent = new ExpectedSarsa({ env: twoStep(), learningRate: ALPHA, gamma: GAMMA, epsilon: 0.5, seed });
      preset(agent, Q0);
      await agent.learn({ totalTimesteps: 1 });
      const a0 = changed(agent.q, 0);
      const r0 = [1, 2][a0] as number;
      expect(agent.q[a0]).toBeCloseTo((Q0[a0] as number) + ALPHA * (r0 + 4.05 - (Q0[a0] as number)), 6);
    }
  });

  it('n-step SARSA (n = 2) on a 3-step chain: 2.305, 2.85, 2 as computed by hand', async () => {
    // Greedy (ε = 0) with Q(s) = [0, 1]: action 1 everywhere, rewards 1, 2, 3.
    const env = new ChainEnv([
      [0, 1],
      [0, 2],
      [0, 3],
    ]);
    const agent = new NStepSarsa({ env, learningRate: ALPHA, gamma: GAMMA, epsilon: 0, nSteps: 2, seed: 0 });
    preset(agent, [0, 1, 0, 1, 0, 1, 0, 0]);
    await agent.learn({ totalTimesteps: 3 });
    // τ=0 at t=1: G = 1 + 0.9·2 + 0.81·Q(2,1)=1 → 3.61; Q(0,1) = 1 + ½(3.61 − 1) = 2.305.
    // end (T=3): τ=1: G = 2 + 0.9·3 = 4.7 → Q(1,1) = 2.85; τ=2: G = 3 → Q(2,1) = 2.
    expect(agent.q[1]).toBeCloseTo(2.305, 6);
    expect(agent.q[3]).toBeCloseTo(2.85, 6);
    expect(agent.q[5]).toBeCloseTo(2, 6);
    expect([agent.q[0], agent.q[2], agent.q[4]]).toEqual([0, 0, 0]);
  });

  it('n-step SARSA with n = 1 is SARSA (identical Q-tables with the same seed)', async () => {
    const a = new Sarsa({ env: new CliffWalkingEnv(), learningRate: 0.5, gamma: 1, epsilon: 0.1, seed: 3 });
    const b = new NStepSarsa({ env: new CliffWalkingEnv(), learningRate: 0.5, gamma: 1, epsilon: 0.1, nSteps: 1, seed: 3 });
    await a.learn({ totalTimesteps: 3000 });
    await b.learn({ totalTimesteps: 3000 });
    expect(Array.from(b.q)).toEqual(Array.from(a.q));
    expect(b.episodeReturns).toEqual(a.episodeReturns);
  });

  it('a time-limit truncation bootstraps: r + γ max Q(s′), not r', async () => {
    const env = new TimeLimit(twoStep(), 1);
    const agent = new QLearning({ env, learningRate: ALPHA, gamma: GAMMA, epsilon: 0, seed: 0 });
    preset(agent, Q0);
    await agent.learn({ totalTimesteps: 1 });
    expect(agent.q[1]).toBeCloseTo(3.75, 6);
    expect(agent.numEpisodes).toBe(1);
  });
});

describe('exploration helpers', () => {
  it('ε schedules: constant, linear decay over a fraction, per-episode multiplicative decay', () => {
    const base = { epsilon: 0.1, epsilonFinal: null, epsilonDecayFraction: 1, epsilonDecay: null, epsilonMin: 0 };
    expect(explorationRate(base, 0.3, 7)).toBe(0.1);
    const lin = { ...base, epsilon: 1, epsilonFinal: 0.1, epsilonDecayFraction: 0.5 };
    expect(explorationRate(lin, 1, 0)).toBe(1);
    expect(explorationRate(lin, 0.75, 0)).toBeCloseTo(0.55, 12);
    expect(explorationRate(lin, 0.2, 0)).toBeCloseTo(0.1, 12);
    const mult = { ...base, epsilon: 1, epsilonDecay: 0.5, epsilonMin: 0.2 };
    expect(explorationRate(mult, 1, 1)).toBe(0.5);
    expect(explorationRate(mult, 1, 5)).toBe(0.2);
    expect(explorationRate({ ...base, epsilon: 'lin_0.4' }, 0.5, 0)).toBeCloseTo(0.2, 12);
  });

  it('argmax breaks ties uniformly with an rng, at the lowest index without', async () => {
    const { Rng } = await import('@tfrl/core');
    const rng = new Rng(0);
    const counts = [0, 0, 0];
    for (let i = 0; i < 3000; i++) counts[argmax([1, 0, 1], 0, 3, rng)]++;
    expect(counts[1]).toBe(0);
    expect(counts[0]).toBeGreaterThan(1300);
    expect(counts[2]).toBeGreaterThan(1300);
    expect(argmax([1, 0, 1], 0, 3)).toBe(0);
    expect(epsilonGreedyExpectation([1, 3, 2, 3], 0, 4, 0.2)).toBeCloseTo(0.2 * 2.25 + 0.8 * 3, 12);
  });
});

describe('tabular learners: the Algorithm API', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('ε decays linearly over training (observed by a callback) and per episode', async () => {
    const seen: number[] = [];
    class Probe extends BaseCallback {
      override onStep(ctx: CallbackContext): boolean {
        seen.push((ctx.algorithm as QLearning).explorationRate);
        return true;
      }
    }
    const agent = new QLearning({ env: new CliffWalkingEnv(), epsilon: 1, epsilonFinal: 0.1, epsilonDecayFraction: 0.5, seed: 0 });
    await agent.learn({ totalTimesteps: 100, callbacks: new Probe() });
    expect(seen[24]).toBeCloseTo(1 - 0.9 * (25 / 50), 6);
    expect(seen[99]).toBeCloseTo(0.1, 12);
    const perEp = new Sarsa({ env: twoStep(), epsilon: 1, epsilonDecay: 0.5, epsilonMin: 0.1, seed: 0 });
    await perEp.learn({ totalTimesteps: 6 });
    expect(perEp.numEpisodes).toBe(3);
    expect(perEp.explorationRate).toBeCloseTo(0.125, 12);
  });

  it('logs the online return of every episode and the training stats', async () => {
    const logger = new MemoryLogger();
    const agent = new ExpectedSarsa({ env: 'CliffWalking-v1', learningRate: 0.5, gamma: 1, epsilon: 0.1, seed: 2, logger });
    await agent.learn({ totalTimesteps: 2000, logInterval: 5 });
    const returns = logger.records.filter((r) => r.tag === 'rollout/ep_return').map((r) => r.value);
    expect(returns.length).toBe(agent.numEpisodes);
    expect(returns).toEqual(agent.episodeReturns);
    expect(agent.episodeReturns.length).toBeGreaterThan(5);
    const eps = logger.records.filter((r) => r.tag === 'rollout/exploration_rate');
    expect(eps.length).toBe(Math.floor(agent.numEpisodes / 5));
    expect(logger.records.some((r) => r.tag === 'rollout/ep_rew_mean')).toBe(true);
  });

  it('save / load round-trips the Q-table, counters and hyperparameters; training continues', async () => {
    for (const Cls of [QLearning, Sarsa, ExpectedSarsa, NStepSarsa]) {
      const agent = new Cls({ env: make('CliffWalking-v1'), learningRate: 0.5, gamma: 1, seed: 4 });
      await agent.learn({ totalTimesteps: 1500 });
      const dir = mkdtempSync(join(tmpdir(), 'tfrl-tabular-'));
      dirs.push(dir);
      await agent.save(dir);
      const loaded = await (Cls as typeof QLearning).load(dir, { env: make('CliffWalking-v1') });
      expect(loaded).toBeInstanceOf(Cls);
      expect(Array.from(loaded.q)).toEqual(Array.from(agent.q));
      expect(loaded.numTimesteps).toBe(1500);
      expect(loaded.hyperparameters.learningRate).toBe(0.5);
      const obs = Float32Array.from({ length: 48 }, (_, i) => i);
      expect(loaded.predict(obs, { deterministic: true })).toEqual(agent.predict(obs, { deterministic: true }));
      await loaded.learn({ totalTimesteps: 200, resetNumTimesteps: false });
      expect(loaded.numTimesteps).toBe(1700);
    }
  });

  it('rejects bad spaces and hyperparameters, naming them', async () => {
    expect(() => new QLearning({ env: make('CartPole-v1') })).toThrow(/observation space must be Discrete/);
    expect(() => new QLearning({ env: twoStep(), epsilon: 1.5 })).toThrow(/epsilon/);
    // @ts-expect-error `learningRat` is not a Sarsa hyperparameter (a compile-time error too)
    expect(() => new Sarsa({ env: twoStep(), learningRat: 0.1 })).toThrow(/learningRat/);
    expect(() => new NStepSarsa({ env: twoStep(), nSteps: 0 })).toThrow(/nSteps/);
    expect(() => new QLearning({ env: twoStep(), epsilon: 'lin_1', epsilonFinal: 0.1 })).toThrow(/epsilon must be a number/);
    const agent = new QLearning({ env: twoStep(), seed: 0 });
    expect(() => agent.predict(Float32Array.of(7))).toThrow(/observation 7/);
  });
});

describe('registration', () => {
  it('registerTabularAlgorithms registers the five learners by CLI name', async () => {
    const { getAlgorithm } = await import('@tfrl/core');
    const { registerTabularAlgorithms } = await import('./register');
    const { LinearQ } = await import('../linear/linear-q');
    registerTabularAlgorithms();
    registerTabularAlgorithms(); // idempotent
    expect(getAlgorithm('qlearning').ctor).toBe(QLearning);
    expect(getAlgorithm('sarsa').ctor).toBe(Sarsa);
    expect(getAlgorithm('expected-sarsa').ctor).toBe(ExpectedSarsa);
    expect(getAlgorithm('nstep-sarsa').ctor).toBe(NStepSarsa);
    expect(getAlgorithm('linear-q').ctor).toBe(LinearQ);
  });
});
