// Cliff Walking: SARSA vs Q-learning (Sutton & Barto 2018, Example 6.6 / Fig. 6.4; Fidle RL slides).
// ε = 0.1 constant, α = 0.5, γ = 1, 500 episodes, 50 seeds (override: SEEDS=n EPISODES=n).
// Writes bench/results/cliff-walking.json and bench/results/cliff-walking.png.
// Run: npx -y pnpm@10.34.9 --filter @tfrl/value-based... build && node bench/cliff-walking.mjs
import { execSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { StopTrainingOnMaxEpisodes } from '../packages/core/dist/index.js';
import { CliffWalkingEnv } from '../packages/envs/dist/index.js';
import { writePng } from '../packages/logger/dist/index.js';
import { ExpectedSarsa, QLearning, Sarsa, greedyPath, movingAverage, renderLinePlot } from '../packages/value-based/dist/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const SEEDS = Number(process.env.SEEDS ?? 50);
const EPISODES = Number(process.env.EPISODES ?? 500);
const HP = { learningRate: 0.5, gamma: 1, epsilon: 0.1 };
const ALGOS = { 'Q-learning': QLearning, SARSA: Sarsa, 'Expected SARSA': ExpectedSarsa };

const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
const std = (xs) => {
  const m = mean(xs);
  return Math.sqrt(mean(xs.map((x) => (x - m) ** 2)));
};
const rowOf = (s) => Math.floor(s / 12);

const load = execSync('uptime').toString().trim();
const results = {};
const t0 = performance.now();
let totalSteps = 0;
for (const [name, Cls] of Object.entries(ALGOS)) {
  const curves = [];
  const lastMeans = [];
  const pathLengths = [];
  const pathTopRows = [];
  for (let seed = 0; seed < SEEDS; seed++) {
    const agent = new Cls({ env: new CliffWalkingEnv(), ...HP, seed });
    await agent.learn({ totalTimesteps: 10_000_000, callbacks: new StopTrainingOnMaxEpisodes(EPISODES) });
    totalSteps += agent.numTimesteps;
    curves.push(agent.episodeReturns);
    lastMeans.push(mean(agent.episodeReturns.slice(-100)));
    const path = greedyPath(agent.greedyPolicy(), new CliffWalkingEnv(), { maxSteps: 200, seed: 0 });
    pathLengths.push(path.terminated ? path.states.length - 1 : null);
    pathTopRows.push(Math.min(...path.states.map(rowOf)));
  }
  const avgCurve = Array.from({ length: EPISODES }, (_, i) => mean(curves.map((c) => c[i])));
  const lengthHist = {};
  for (const l of pathLengths) lengthHist[l] = (lengthHist[l] ?? 0) + 1;
  const rowHist = {};
  for (const r of pathTopRows) rowHist[r] = (rowHist[r] ?? 0) + 1;
  results[name] = {
    meanOnlineReturnLast100: mean(lastMeans),
    stdOverSeedsLast100: std(lastMeans),
    meanOnlineReturnAll: mean(avgCurve),
    greedyPathLengths: lengthHist,
    greedyPathHighestRow: rowHist,
    averageCurve: avgCurve.map((x) => Math.round(x * 100) / 100),
  };
  console.log(
    `${name.padEnd(15)} online return, episodes ${EPISODES - 99}-${EPISODES}: ${mean(lastMeans).toFixed(1)} ± ${std(lastMeans).toFixed(1)} (seeds)` +
      `  greedy path lengths ${JSON.stringify(lengthHist)}  highest row ${JSON.stringify(rowHist)}`,
  );
}
const wall = (performance.now() - t0) / 1000;

// Plot: averaged over seeds, smoothed with a 10-episode moving average (as Fig. 6.4).
const colors = { 'Q-learning': [214, 39, 40], SARSA: [31, 119, 180], 'Expected SARSA': [44, 160, 44] };
const img = renderLinePlot(
  Object.entries(results).map(([name, r]) => ({ values: movingAverage(r.averageCurve, 10), color: colors[name] })),
  {
    width: 720,
    height: 440,
    yMin: -100,
    yMax: 0,
    hLines: [
      { y: -25, color: [31, 119, 180] },
      { y: -50, color: [214, 39, 40] },
    ],
  },
);
mkdirSync(join(here, 'results'), { recursive: true });
writePng(join(here, 'results', 'cliff-walking.png'), img);
const out = {
  benchmark: 'cliff-walking',
  command: 'node bench/cliff-walking.mjs',
  env: 'CliffWalking-v1 (deterministic)',
  hyperparameters: HP,
  episodes: EPISODES,
  seeds: SEEDS,
  plot: 'bench/results/cliff-walking.png (mean over seeds, 10-episode moving average; red Q-learning, blue SARSA, green Expected SARSA; dashed: the book’s −25 and −50)',
  wallSeconds: wall,
  stepsPerSecond: totalSteps / wall,
  totalSteps,
  machine: { cpus: cpus().length, model: cpus()[0]?.model, uptime: load, node: process.version },
  results,
};
writeFileSync(join(here, 'results', 'cliff-walking.json'), `${JSON.stringify(out, null, 1)}\n`);
console.log(`wall ${wall.toFixed(1)} s, ${Math.round(totalSteps / wall)} steps/s; load: ${load}`);
