// Linear function-approximation Q-learning on CartPole-v1, the course notebook's experiment:
// φ(s, a) = s for a = 1, −s for a = 0; θ ~ N(0, 1); γ = 0.99, α = 1e-3 (MSE gradient, factor 2),
// batch 32, replay 50 000, update every step once the buffer holds > 32 transitions,
// ε = 1 × 0.98 per episode (min 0.01). Two variants: our update (truncation bootstraps), and the
// notebook's literal one (np.take quirk + time limit treated as terminal).
// Run: npx -y pnpm@10.34.9 --filter @tfrl/value-based... build && node bench/linear-q-cartpole.mjs
// (SEEDS=n EPISODES=n to change the default 10 seeds × 1000 episodes, the notebook’s n_trajectories.)
import { execSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { StopTrainingOnMaxEpisodes, evaluatePolicy } from '../packages/core/dist/index.js';
import { make } from '../packages/envs/dist/index.js';
import { LinearQ } from '../packages/value-based/dist/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const SEEDS = Number(process.env.SEEDS ?? 10);
const EPISODES = Number(process.env.EPISODES ?? 1000);
const VARIANTS = {
  tfrl: {},
  'notebook-literal': { notebookTakeQuirk: true, terminalOnTruncation: true },
};
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
const load = execSync('uptime').toString().trim();
const results = {};
const t0 = performance.now();
let steps = 0;
let updates = 0;
for (const [variant, extra] of Object.entries(VARIANTS)) {
  const runs = [];
  for (let seed = 0; seed < SEEDS; seed++) {
    const agent = new LinearQ({ env: make('CartPole-v1'), features: 'cartpole-symmetric', seed, ...extra });
    const t = performance.now();
    await agent.learn({ totalTimesteps: 100_000_000, callbacks: new StopTrainingOnMaxEpisodes(EPISODES) });
    const sec = (performance.now() - t) / 1000;
    steps += agent.numTimesteps;
    updates += agent.numUpdates;
    const r = agent.episodeReturns;
    const ev = evaluatePolicy(agent, make('CartPole-v1'), { nEpisodes: 10, seed: 1000 });
    const blocks = [];
    for (let i = 0; i < EPISODES; i += 50) blocks.push(Math.round(mean(r.slice(i, i + 50))));
    runs.push({
      seed,
      last50: mean(r.slice(-50)),
      best50: Math.max(...blocks),
      blocksOf50: blocks,
      greedyEval: ev.meanReward,
      steps: agent.numTimesteps,
      seconds: sec,
      theta: Array.from(agent.theta),
    });
    console.log(
      `${variant} seed ${seed}: online return per 50 episodes ${blocks.join(' ')} | greedy eval ${ev.meanReward.toFixed(0)} | ${agent.numTimesteps} steps ${sec.toFixed(1)} s`,
    );
  }
  results[variant] = {
    meanLast50: mean(runs.map((x) => x.last50)),
    meanGreedyEval: mean(runs.map((x) => x.greedyEval)),
    seedsGreedyEvalAbove195: runs.filter((x) => x.greedyEval >= 195).length,
    seedsStuckBelow20: runs.filter((x) => x.last50 < 20).length,
    runs,
  };
  console.log(
    `${variant}: mean online return of the last 50 episodes ${results[variant].meanLast50.toFixed(1)}, greedy eval ${results[variant].meanGreedyEval.toFixed(1)}, ${results[variant].seedsGreedyEvalAbove195}/${SEEDS} seeds ≥ 195, ${results[variant].seedsStuckBelow20} stuck < 20`,
  );
}
const wall = (performance.now() - t0) / 1000;
mkdirSync(join(here, 'results'), { recursive: true });
writeFileSync(
  join(here, 'results', 'linear-q-cartpole.json'),
  `${JSON.stringify({ benchmark: 'linear-q-cartpole', command: 'node bench/linear-q-cartpole.mjs', episodes: EPISODES, seeds: SEEDS, wallSeconds: wall, stepsPerSecond: steps / wall, updatesPerSecond: updates / wall, machine: { cpus: cpus().length, model: cpus()[0]?.model, uptime: load, node: process.version }, results }, null, 1)}\n`,
);
console.log(`wall ${wall.toFixed(1)} s, ${Math.round(steps / wall)} env steps/s (one batch-32 update per step); load: ${load}`);
