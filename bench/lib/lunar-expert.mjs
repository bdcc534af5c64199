// Shared by the LunarLander-v3 imitation benchmarks (bench/gail-lunar.mjs, bench/bc-lunar.mjs):
// the heuristic expert's demonstrations and the reference returns scores are normalised by.
import { Rng, evaluatePolicy } from '../../packages/core/dist/index.js';
import { lunarLanderHeuristic, make } from '../../packages/envs/dist/index.js';
import { Dataset, recordDataset } from '../../packages/imitation/dist/index.js';

export const ENV_ID = 'LunarLander-v3';

/**
 * Mean returns of the heuristic expert and of uniform random actions, 100 episodes each (reset
 * seeds from 20000), and `norm(x) = (x − random) / (expert − random)`.
 */
export function lunarReferences() {
  const env = make(ENV_ID);
  const expert = evaluatePolicy((o) => lunarLanderHeuristic(o), env, { nEpisodes: 100, seed: 20_000 });
  const rng = new Rng(12345);
  const random = evaluatePolicy(() => rng.integers(4), env, { nEpisodes: 100, seed: 20_000 });
  env.close();
  const e = expert.meanReward;
  const r = random.meanReward;
  return { expert: e, random: r, episodes: 100, norm: (x) => (x - r) / (e - r) };
}

/** One recording of `n` heuristic episodes (reset seeds 1000, 1001, …): every benchmark imitates its first k episodes. */
export function lunarDemonstrations(n) {
  return recordDataset((o) => lunarLanderHeuristic(o), make(ENV_ID), { episodes: n, seed: 1000, source: 'heuristic' });
}

/** The first `k` episodes of a dataset, as a Dataset. */
export function firstEpisodes(full, k) {
  return new Dataset({ ...full, trajectories: full.trajectories.slice(0, k), metadata: { ...full.metadata } });
}
