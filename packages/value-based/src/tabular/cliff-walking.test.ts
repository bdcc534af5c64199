import { StopTrainingOnMaxEpisodes } from '@tfrl/core';
import { CliffWalkingEnv } from '@tfrl/envs';
import { describe, expect, it } from 'vitest';
import { QLearning, Sarsa, greedyPath } from './td';

/**
 * Sutton & Barto (2018) Example 6.6 / Fig. 6.4, as in the Fidle slides: Cliff Walking with
 * ε = 0.1 (constant), α = 0.5, γ = 1, 500 episodes, 10 seeds.
 */
const SEEDS = Array.from({ length: 10 }, (_, i) => i);
const EPISODES = 500;

async function run(Cls: typeof QLearning | typeof Sarsa, seed: number) {
  const agent = new Cls({ env: new CliffWalkingEnv(), learningRate: 0.5, gamma: 1, epsilon: 0.1, seed });
  await agent.learn({ totalTimesteps: 10_000_000, callbacks: new StopTrainingOnMaxEpisodes(EPISODES) });
  const path = greedyPath(agent.greedyPolicy(), new CliffWalkingEnv(), { maxSteps: 100, seed: 0 });
  return { returns: agent.episodeReturns, path };
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const rowOf = (s: number) => Math.floor(s / 12);

describe('Cliff Walking: SARSA vs Q-learning (Sutton & Barto Fig. 6.4)', () => {
  it('Q-learning learns the cliff-edge path, SARSA the safer one; Q-learning’s online return is lower', async () => {
    const q = await Promise.all(SEEDS.map((s) => run(QLearning, s)));
    const sarsa = await Promise.all(SEEDS.map((s) => run(Sarsa, s)));
    for (const r of [...q, ...sarsa]) expect(r.returns.length).toBe(EPISODES);

    // Q-learning: the optimal path, 13 steps along the cliff (up, 11 × right, down), return −13.
    for (const { path } of q) {
      expect(path.terminated).toBe(true);
      expect(path.states.length - 1).toBe(13);
      expect(path.reward).toBe(-13);
      expect(Math.min(...path.states.map(rowOf))).toBe(2);
    }
    // SARSA: reaches the goal by a longer path through a row further from the cliff.
    let saferPaths = 0;
    for (const { path } of sarsa) {
      expect(path.terminated).toBe(true);
      expect(path.reward).toBeGreaterThan(-100); // never falls
      if (path.states.length - 1 > 13 && Math.min(...path.states.map(rowOf)) <= 1) saferPaths++;
    }
    expect(saferPaths).toBeGreaterThanOrEqual(9);

    // Online return over the last 100 episodes, averaged over seeds (book: ≈ −25 vs ≈ −50).
    const lastQ = mean(q.map((r) => mean(r.returns.slice(-100))));
    const lastS = mean(sarsa.map((r) => mean(r.returns.slice(-100))));
    console.log(`cliff walking, mean online return of episodes 401-500: Q-learning ${lastQ.toFixed(1)}, SARSA ${lastS.toFixed(1)}`);
    expect(lastS).toBeGreaterThan(lastQ + 10);
    expect(lastS).toBeGreaterThan(-35);
    expect(lastS).toBeLessThan(-15);
    expect(lastQ).toBeGreaterThan(-75);
    expect(lastQ).toBeLessThan(-38);
  });
});
