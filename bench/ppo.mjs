#!/usr/bin/env node
// PPO learning benchmarks: trains with several seeds, evaluates 10 deterministic episodes, writes
// bench/results/ppo-<env>.json and prints a markdown row per seed.
//   node bench/ppo.mjs [--env CartPole-v1] [--seeds 0,1,2] [--steps N] [--backend wasm]
// Hyperparameters are the CLI's defaults (apps/cli/configs/ppo.yml), as `tfrl train ppo <env>` uses.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { evaluatePolicy, initBackend } from '../packages/core/dist/index.js';
import { make, makeVec } from '../packages/envs/dist/index.js';
import { PPO } from '../packages/policy-gradient/dist/index.js';
import { defaultConfig } from '../apps/cli/dist/index.js';

const { values } = parseArgs({
  options: {
    env: { type: 'string', default: 'CartPole-v1' },
    seeds: { type: 'string', default: '0,1,2' },
    steps: { type: 'string' },
    backend: { type: 'string', default: 'wasm' },
  },
});
const envId = values.env;
const seeds = values.seeds.split(',').map(Number);
const backend = await initBackend(values.backend, { quiet: true });
const { config } = defaultConfig('ppo', envId);
const { n_timesteps, n_envs = 1, env_kwargs = {}, policy, ...hp } = config;
const steps = Number(values.steps ?? n_timesteps);
const runs = [];
for (const seed of seeds) {
  const load0 = os.loadavg()[0];
  const env = makeVec(envId, n_envs, { seed, kwargs: env_kwargs });
  const agent = new PPO({ env, seed, ...hp });
  const t0 = performance.now();
  await agent.learn({ totalTimesteps: steps });
  const seconds = (performance.now() - t0) / 1000;
  const ev = await evaluatePolicy(agent, make(envId, env_kwargs), { nEpisodes: 10, deterministic: true, seed: 10_000 + seed });
  const run = {
    seed,
    steps: agent.numTimesteps,
    seconds: +seconds.toFixed(1),
    stepsPerSec: Math.round(agent.numTimesteps / seconds),
    evalMean: +ev.meanReward.toFixed(1),
    evalStd: +ev.stdReward.toFixed(1),
    trainEpRewMean: agent.epRewardMean(),
    loadAvg: [+load0.toFixed(2), +os.loadavg()[0].toFixed(2)],
  };
  runs.push(run);
  console.log(
    `| ${envId} | ${seed} | ${run.steps} | ${run.evalMean} ± ${run.evalStd} | ${run.seconds} | ${run.stepsPerSec} | ${backend.name} | ${run.loadAvg.join('→')} |`,
  );
  agent.dispose();
  env.close();
}
const means = runs.map((r) => r.evalMean);
const mean = means.reduce((a, b) => a + b, 0) / means.length;
const std = Math.sqrt(means.reduce((a, b) => a + (b - mean) ** 2, 0) / means.length);
const out = {
  algo: 'PPO',
  env: envId,
  backend: backend.name,
  command: `node bench/ppo.mjs --env ${envId} --seeds ${values.seeds}${values.steps ? ` --steps ${values.steps}` : ''} --backend ${values.backend}`,
  hyperparameters: { n_envs, ...hp },
  date: new Date().toISOString(),
  machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model },
  runs,
  summary: { evalMean: +mean.toFixed(1), evalStdAcrossSeeds: +std.toFixed(1) },
};
fs.mkdirSync(path.join('bench', 'results'), { recursive: true });
fs.writeFileSync(path.join('bench', 'results', `ppo-${envId}.json`), `${JSON.stringify(out, null, 2)}\n`);
console.log(`mean over seeds: ${mean.toFixed(1)} ± ${std.toFixed(1)}`);
