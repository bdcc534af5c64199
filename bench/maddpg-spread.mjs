// Learning benchmark of @tfrl/multiagent on simple_spread_v3 (MPE2 semantics, N = 3, continuous
// actions by default), with a named config of apps/cli/configs/maddpg.yml (openai/maddpg's by default).
//
//   npx -y pnpm@10.34.9 --filter @tfrl/multiagent... build
//   node bench/maddpg-spread.mjs [--algo maddpg|matd3|iddpg] [--config openai|course] [--seeds 0,1,2]
//        [--steps 1500000] [--discrete] [--legacy] [--set box_actions=gumbel-softmax,…] [--n-envs 1] [--eval-every 0] [--eval-episodes 100] [--backend wasm]
//
// Each seed trains, then runs a deterministic evaluation of `--eval-episodes` episodes and reports
// the mean per-agent episode return (the scale), the summed return, and the paper's
// metrics: the summed distance from each landmark to its nearest agent (per step and at the last
// step) and agent–agent collisions per episode. A uniform random policy and the assignment + PD
// heuristic (spreadHeuristic) are evaluated the same way. `--legacy` trains on the original MPE
// (legacy: true) and also reports openai/maddpg's metric: the sum over agents of the training
// episode returns, averaged over the last 1,000 episodes.
// Training speed is env steps per second over the whole run (acting + updates); the wall time and
// the `uptime` load before and after are recorded, since the machine may be shared. Appends one
// record per run to bench/results/maddpg-spread.json.
import { execSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from '../apps/cli/node_modules/yaml/dist/index.js';
import { BaseCallback, Rng, SyncVecParallelEnv, initBackend } from '../packages/core/dist/index.js';
import { makeParallel, spreadHeuristic } from '../packages/envs/dist/index.js';
import { IDDPG, MADDPG, MATD3 } from '../packages/multiagent/dist/index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const args = Object.fromEntries(
  process.argv
    .slice(2)
    .join(' ')
    .split('--')
    .filter(Boolean)
    .map((s) => {
      const [k, ...v] = s.trim().split(/\s+/);
      return [k, v.join(' ') || 'true'];
    }),
);
const algo = (args.algo ?? 'maddpg').toLowerCase();
const Ctor = { maddpg: MADDPG, matd3: MATD3, iddpg: IDDPG }[algo];
if (!Ctor) throw new Error(`unknown --algo ${algo} (maddpg, matd3, iddpg)`);
const configName = args.config ?? 'openai';
const seeds = (args.seeds ?? '0').split(',').map(Number);
const continuous = args.discrete === undefined;
const nEnvs = Number(args['n-envs'] ?? 1);
const evalEpisodes = Number(args['eval-episodes'] ?? 100);
const evalEvery = Number(args['eval-every'] ?? 0);
const backendName = args.backend ?? 'wasm';

const all = YAML.parse(fs.readFileSync(path.join(here, '..', 'apps', 'cli', 'configs', 'maddpg.yml'), 'utf8'));
const config = all[configName];
if (!config) throw new Error(`no config "${configName}" in apps/cli/configs/maddpg.yml (have: ${Object.keys(all).join(', ')})`);
const { n_timesteps, env_kwargs = {}, ...hyperparameters } = config;
// --set k=v[,k=v…]: override hyperparameters of the config (snake_case or camelCase keys)
for (const pair of (args.set ?? '').split(',').filter(Boolean)) {
  const [k, v] = pair.split('=');
  hyperparameters[k] = v === 'null' ? null : v === 'true' ? true : v === 'false' ? false : Number.isNaN(Number(v)) ? v : Number(v);
}
const steps = Number(args.steps ?? n_timesteps);
const legacy = args.legacy !== undefined;
const envKwargs = { ...env_kwargs, continuous_actions: continuous, ...(legacy ? { legacy: true } : {}) };

/** Deterministic evaluation with the paper's metrics (SimpleSpreadEnv exposes coverage() and collisions()). */
function evaluate(policy, nEpisodes, seed) {
  const env = makeParallel('simple_spread_v3', envKwargs);
  const names = env.possibleAgents;
  const perAgent = [];
  const summed = [];
  const distPerStep = [];
  const distFinal = [];
  const collisions = [];
  for (let ep = 0; ep < nEpisodes; ep++) {
    let { obs } = env.reset({ seed: seed + ep });
    let ret = 0;
    let dist = 0;
    let coll = 0;
    let t = 0;
    let last = 0;
    while (env.agents.length > 0) {
      const acts = policy(obs);
      const step = Object.fromEntries(names.map((a) => [a, env.actionSpace(a).readCompact(acts[a], 0)]));
      const r = env.step(step);
      for (const a of names) ret += r.rewards[a];
      const m = env.metrics(); // the paper's: summed landmark distance, overlapping agent pairs
      dist += m.landmark_distance;
      last = m.landmark_distance;
      coll += m.collisions;
      t++;
      obs = r.obs;
    }
    perAgent.push(ret / names.length);
    summed.push(ret);
    distPerStep.push(dist / t);
    distFinal.push(last);
    collisions.push(coll);
  }
  const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const std = (xs) => Math.sqrt(mean(xs.map((x) => (x - mean(xs)) ** 2)));
  return {
    perAgentReturn: mean(perAgent),
    perAgentReturnStd: std(perAgent),
    summedReturn: mean(summed),
    landmarkDistancePerStep: mean(distPerStep),
    landmarkDistanceFinal: mean(distFinal),
    collisionsPerEpisode: mean(collisions),
  };
}

function randomPolicy(seed) {
  const rng = new Rng(seed);
  const env = makeParallel('simple_spread_v3', envKwargs);
  return (obs) =>
    Object.fromEntries(
      Object.keys(obs).map((a) => {
        const sp = env.actionSpace(a);
        return [a, continuous ? Float32Array.from({ length: 5 }, () => rng.random()) : Int32Array.of(rng.integers(0, sp.n))];
      }),
    );
}

/** The heuristic as a policy over dicts of observations (actions in the compact layout). */
function heuristicPolicy(obs) {
  const acts = spreadHeuristic(obs, { continuousActions: continuous, legacy });
  return Object.fromEntries(Object.entries(acts).map(([a, v]) => [a, typeof v === 'number' ? Int32Array.of(v) : v]));
}

/** openai/maddpg's metric: summed (over agents) return of each training episode, last 1,000 kept. */
class TrainEpisodes extends BaseCallback {
  constructor() {
    super();
    this.returns = [];
  }
  onStep(ctx) {
    for (const info of ctx.locals?.infos ?? []) {
      if (info?.episode) {
        this.returns.push(info.episode.r);
        if (this.returns.length > 1000) this.returns.shift();
      }
    }
    return true;
  }
}

class Curve extends BaseCallback {
  constructor(every, points) {
    super();
    this.every = every;
    this.next = every;
    this.points = points;
  }
  onStep(ctx) {
    if (this.every > 0 && ctx.numTimesteps >= this.next) {
      this.next += this.every;
      const agent = ctx.algorithm;
      const ev = evaluate((o) => agent.predict(o, { deterministic: true }), 20, 50_000);
      this.points.push({ steps: ctx.numTimesteps, perAgentReturn: ev.perAgentReturn, trainPerAgent: agent.epRewardMean() / 3 });
      console.log(
        `  ${ctx.numTimesteps} steps: eval per-agent ${ev.perAgentReturn.toFixed(2)}, train ${(agent.epRewardMean() / 3).toFixed(2)}`,
      );
    }
    return true;
  }
}

const backend = await initBackend(backendName, { quiet: true });
const random = evaluate(randomPolicy(123), evalEpisodes, 10_000);
const heuristic = evaluate(heuristicPolicy, evalEpisodes, 10_000);
for (const [name, r] of [
  ['random', random],
  ['heuristic', heuristic],
]) {
  console.log(
    `${name}: per-agent ${r.perAgentReturn.toFixed(2)} ± ${r.perAgentReturnStd.toFixed(2)}, summed ${r.summedReturn.toFixed(1)}, distance/step ${r.landmarkDistancePerStep.toFixed(3)}, collisions/ep ${r.collisionsPerEpisode.toFixed(2)}`,
  );
}
const outFile = path.join(here, 'results', 'maddpg-spread.json');
for (const seed of seeds) {
  const env = new SyncVecParallelEnv(Array.from({ length: nEnvs }, () => () => makeParallel('simple_spread_v3', envKwargs)));
  const agent = new Ctor({ env, seed, ...hyperparameters });
  const loadBefore = os.loadavg();
  const points = [];
  const t0 = performance.now();
  const trainEpisodes = new TrainEpisodes();
  await agent.learn({ totalTimesteps: steps, callbacks: [new Curve(evalEvery, points), trainEpisodes], logInterval: 1000 });
  const seconds = (performance.now() - t0) / 1000;
  const ev = evaluate((o) => agent.predict(o, { deterministic: true }), evalEpisodes, 10_000);
  const record = {
    date: new Date().toISOString(),
    command: `node bench/maddpg-spread.mjs ${process.argv.slice(2).join(' ')}`,
    algo: agent.algorithmName,
    config: configName,
    set: args.set ?? null,
    env: legacy ? 'simple_spread_v3 (legacy: true)' : 'simple_spread_v3',
    envKwargs,
    seed,
    steps: agent.numTimesteps,
    updates: agent.numUpdates,
    wallSeconds: seconds,
    stepsPerSecond: agent.numTimesteps / seconds,
    backend: backend.name,
    nEnvs,
    uptimeBefore: loadBefore,
    uptimeAfter: os.loadavg(),
    uptime: execSync('uptime').toString().trim(),
    evalEpisodes,
    eval: ev,
    random,
    heuristic,
    // openai/maddpg's metric (legacy runs): mean summed return of the last 1,000 training episodes
    trainSummedReturnLast1000: trainEpisodes.returns.reduce((a, b) => a + b, 0) / Math.max(1, trainEpisodes.returns.length),
    agentReturns: agent.agentEpisodeReturns(),
    curve: points,
    hyperparameters: agent.hyperparameters,
  };
  console.log(
    `${agent.algorithmName} seed ${seed}: ${agent.numTimesteps} steps, ${agent.numUpdates} updates in ${seconds.toFixed(1)} s (${record.stepsPerSecond.toFixed(0)} steps/s); ` +
      `eval per-agent ${ev.perAgentReturn.toFixed(2)} ± ${ev.perAgentReturnStd.toFixed(2)}, distance/step ${ev.landmarkDistancePerStep.toFixed(3)}, ` +
      `final distance ${ev.landmarkDistanceFinal.toFixed(3)}, collisions/ep ${ev.collisionsPerEpisode.toFixed(2)}; ` +
      `summed train return, last 1000 episodes ${record.trainSummedReturnLast1000.toFixed(1)}`,
  );
  const prev = fs.existsSync(outFile) ? JSON.parse(fs.readFileSync(outFile, 'utf8')) : [];
  prev.push(record);
  fs.mkdirSync(path.dirname(outFile), { recursive: true });
  fs.writeFileSync(outFile, `${JSON.stringify(prev, null, 2)}\n`);
  agent.dispose();
  env.close();
}
