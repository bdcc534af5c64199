// Does plain DQN fail on the large maze? (the claim in @tfrl/envs' maze-rooms map description)
//
//   npx -y pnpm@10.34.9 --filter @tfrl/value-based... build
//   node bench/gridworld-dqn.mjs [seeds=0,1,2] [--steps 200000] [--config sb3|fast]
//
// Two measurements per map (maze-rooms: start → goal 164 moves through 20 rooms, 1,000-step
// episodes; open-10x10 as the control: 18 moves, 200-step episodes), sparse reward (1 at the goal,
// 0 per step), no slip:
// 1. Exact: the probability that a uniformly random policy (what ε-greedy DQN does while ε ≈ 1)
//    reaches the goal within one episode, from the env's own transition model P (dynamic
//    programming over the episode's steps, no sampling).
// 2. Plain DQN (SB3 defaults: [64, 64], lr 1e-4, batch 32, buffer 1e6, learning_starts 100,
//    train_freq 4, target every 1e4 steps, ε 1 → 0.05 over 10 % of training, γ 0.99; or --config
//    fast, below) on the one-hot observation: how many training episodes reached the goal, and
//    whether the greedy policy reaches it at the end.
// Writes bench/results/gridworld-dqn.json.
import { execSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Wrapper, initBackend } from '../packages/core/dist/index.js';
import { make, makeVec } from '../packages/envs/dist/index.js';
import { DQN } from '../packages/value-based/dist/index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : def;
};
const positional = args.filter((a, i) => !a.startsWith('--') && !(i > 0 && args[i - 1].startsWith('--')));
const seeds = (positional[0] ?? '0,1,2').split(',').map(Number);
const steps = Number(opt('steps', '200000'));
// --config sb3 (default): SB3's DQN defaults. --config fast: faster value propagation for sparse
// rewards (lr 1e-3, target every 1,000 steps, ε over 20 %, learning_starts 1,000).
const config = opt('config', 'sb3');
const CONFIGS = {
  sb3: { learningRate: 1e-4, learningStarts: 100, targetUpdateInterval: 10_000, explorationFraction: 0.1 },
  fast: { learningRate: 1e-3, learningStarts: 1000, targetUpdateInterval: 1000, explorationFraction: 0.2 },
};
if (!(config in CONFIGS)) throw new Error(`--config must be one of ${Object.keys(CONFIGS).join(', ')}, got ${config}`);
const backend = process.env.TFRL_BACKEND ?? 'wasm';
await initBackend(backend, { quiet: true });
const load = () =>
  execSync('uptime')
    .toString()
    .trim()
    .replace(/.*load average: /, '');

const MAPS = ['maze-rooms', 'open-10x10'];
const kwargs = (map) => ({ map, obsType: 'onehot', stepReward: 0, goalReward: 1, slip: 0 });

/** P(goal reached within the episode) under the uniform random policy, exactly, from P. */
function randomWalkHitProbability(map) {
  const env = make('GridWorld-v0', kwargs(map)).unwrapped;
  const P = env.P;
  const nS = P.length;
  const nA = P[0].length;
  const horizon = env.settings?.maxSteps ?? env.maxSteps;
  env.reset({ seed: 0 });
  let dist = new Float64Array(nS);
  dist[env.s] = 1;
  let hit = 0;
  for (let t = 0; t < horizon; t++) {
    const next = new Float64Array(nS);
    for (let s = 0; s < nS; s++) {
      const p = dist[s];
      if (p === 0) continue;
      for (let a = 0; a < nA; a++) {
        for (const tr of P[s][a]) {
          const q = (p / nA) * tr.prob;
          if (tr.done) {
            if (tr.reward > 0) hit += q;
          } else next[tr.next] += q;
        }
      }
    }
    dist = next;
  }
  return { horizon, hitProbability: hit };
}

/** Counts episodes and goal arrivals (a terminating step with positive reward). */
class GoalCounter extends Wrapper {
  static episodes = 0;
  static goals = 0;
  step(a) {
    const r = this.env.step(a);
    if (r.terminated && r.reward > 0) GoalCounter.goals++;
    if (r.terminated || r.truncated) GoalCounter.episodes++;
    return r;
  }
}

async function runDqn(map, seed) {
  GoalCounter.episodes = 0;
  GoalCounter.goals = 0;
  const env = makeVec('GridWorld-v0', 1, { seed, kwargs: kwargs(map), wrappers: [(e) => new GoalCounter(e)] });
  const agent = new DQN({
    env,
    seed,
    bufferSize: 1_000_000,
    batchSize: 32,
    gamma: 0.99,
    trainFreq: 4,
    gradientSteps: 1,
    explorationInitialEps: 1,
    explorationFinalEps: 0.05,
    netArch: [64, 64],
    ...CONFIGS[config],
  });
  const loadBefore = load();
  const t0 = performance.now();
  await agent.learn({ totalTimesteps: steps });
  const wall = (performance.now() - t0) / 1000;
  // Greedy rollout (the env is deterministic without slip, so one episode decides it).
  const ev = make('GridWorld-v0', kwargs(map));
  let { obs } = ev.reset({ seed: 1000 + seed });
  let ret = 0;
  let len = 0;
  for (;;) {
    const a = agent.predict(obs, { deterministic: true }); // Int32Array of one action
    const r = ev.step(a[0]);
    ret += r.reward;
    len++;
    obs = r.obs;
    if (r.terminated || r.truncated) break;
  }
  agent.dispose();
  const res = {
    map,
    config,
    seed,
    steps,
    trainingEpisodes: GoalCounter.episodes,
    trainingGoals: GoalCounter.goals,
    greedyReachesGoal: ret > 0,
    greedyEpisodeLength: len,
    wallSeconds: +wall.toFixed(1),
    stepsPerSecond: Math.round(steps / wall),
    loadBefore,
    loadAfter: load(),
  };
  console.log(JSON.stringify(res));
  return res;
}

const out = {
  command: `node bench/gridworld-dqn.mjs ${args.join(' ')}`,
  backend,
  node: process.version,
  started: new Date().toISOString(),
  randomWalk: Object.fromEntries(MAPS.map((m) => [m, randomWalkHitProbability(m)])),
  runs: [],
};
console.log(JSON.stringify(out.randomWalk));
for (const map of MAPS) for (const seed of seeds) out.runs.push(await runDqn(map, seed));
fs.mkdirSync(path.join(here, 'results'), { recursive: true });
out.hyperparameters = CONFIGS[config];
fs.writeFileSync(
  path.join(here, 'results', config === 'sb3' ? 'gridworld-dqn.json' : `gridworld-dqn-${config}.json`),
  `${JSON.stringify(out, null, 1)}\n`,
);
