// SB3's own HER performance test (stable-baselines3 tests/test_her.py::test_performance_her),
// reproduced with @tfrl/curriculum's HerReplayBuffer:
//
//   npx -y pnpm@10.34.9 --filter @tfrl/curriculum... build
//   node bench/her-bitflipping.mjs [seeds=0,1,2] [--bits 10] [--steps 1500] [--no-her]
//
// DQN + HER (future, k = 5) on BitFlipping with 10 bits and SB3's fixed all-ones goal
// (`fixedGoal: true`, episodes truncated after 10 steps), 2 envs, lr 2e-3, train_freq 1,
// gradient_steps 2, learning_starts 20, final ε 0.02, target update every 100 steps, batch 32,
// buffer 1e5, 1,500 total steps; SB3 asserts a training success rate (last 50 episodes,
// `stats_window_size=50`) above 90 %. `--no-her` runs the same DQN with the plain ReplayBuffer
// (SB3 notes it should not work). `--random-goal` draws the goal at every reset (the HER paper's
// version). Writes bench/results/her-bitflipping.json.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { initBackend } from '../packages/core/dist/index.js';
import { HerReplayBuffer, SuccessRateCallback } from '../packages/curriculum/dist/index.js';
import { makeVec } from '../packages/envs/dist/index.js';
import { DQN } from '../packages/value-based/dist/index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : def;
};
const flag = (name) => args.includes(`--${name}`);
const VALUE_OPTIONS = ['--bits', '--steps'];
const positional = args.filter((a, i) => !a.startsWith('--') && !VALUE_OPTIONS.includes(args[i - 1]));
const seeds = (positional[0] ?? '0,1,2').split(',').map(Number);
const nBits = Number(opt('bits', '10'));
const totalTimesteps = Number(opt('steps', '1500'));
const her = !flag('no-her');
const fixedGoal = !flag('random-goal');
const backend = process.env.TFRL_BACKEND ?? 'wasm';
await initBackend(backend, { quiet: true });

const nEnvs = 2;
const runs = [];
for (const seed of seeds) {
  const env = makeVec('BitFlipping-v0', nEnvs, { seed, kwargs: { nBits, fixedGoal } });
  const agent = new DQN({
    env,
    seed,
    ...(her ? { replayBufferClass: HerReplayBuffer, replayBufferKwargs: { env, nSampledGoal: 5, goalSelectionStrategy: 'future' } } : {}),
    learningRate: 2e-3,
    trainFreq: 1,
    gradientSteps: nEnvs,
    learningStarts: 20,
    explorationFinalEps: 0.02,
    targetUpdateInterval: 100,
    batchSize: 32,
    bufferSize: 100_000,
  });
  const success = new SuccessRateCallback({ windowSize: 50 });
  const t0 = performance.now();
  await agent.learn({ totalTimesteps, callbacks: [success] });
  const wall = (performance.now() - t0) / 1000;
  const run = { seed, successRate: success.successRate, episodes: success.episodes, steps: agent.numTimesteps, wallSeconds: wall };
  runs.push(run);
  console.log(JSON.stringify(run));
  agent.dispose();
  env.close();
}
const rates = runs.map((r) => r.successRate ?? 0);
const mean = rates.reduce((a, b) => a + b, 0) / rates.length;
const std = Math.sqrt(rates.reduce((a, b) => a + (b - mean) ** 2, 0) / rates.length);
const summary = {
  bench: 'her-bitflipping',
  command: `node bench/her-bitflipping.mjs ${args.join(' ')}`.trim(),
  backend,
  settings: { nBits, fixedGoal, nEnvs, her, nSampledGoal: her ? 5 : 0, strategy: her ? 'future' : null, totalTimesteps, successWindow: 50 },
  seeds,
  runs,
  successRate: { mean, std },
  target: 'SB3 asserts > 0.90',
  date: new Date().toISOString(),
};
console.log(`success rate ${mean.toFixed(3)} ± ${std.toFixed(3)} over seeds ${seeds.join(',')}`);
fs.mkdirSync(path.join(here, 'results'), { recursive: true });
fs.writeFileSync(
  path.join(here, 'results', `her-bitflipping${her ? '' : '-no-her'}${fixedGoal ? '' : '-random-goal'}.json`),
  `${JSON.stringify(summary, null, 2)}\n`,
);
