#!/usr/bin/env node
// One timed tfrl training run with the CLI's default hyperparameters (apps/cli/configs/<algo>.yml),
// printed as one JSON line: the tfrl half of bench/paired-train.mjs.
//   node bench/train-one.mjs <algo> <env> [--seed N] [--steps N] [--backend wasm] [--eval 10]
import { parseArgs } from 'node:util';
import { evaluatePolicy, initBackend } from '../packages/core/dist/index.js';
import { make, makeVec } from '../packages/envs/dist/index.js';
import { registerPolicyGradientAlgorithms } from '../packages/policy-gradient/dist/index.js';
import { registerValueBasedAlgorithms } from '../packages/value-based/dist/index.js';
import { getAlgorithm } from '../packages/core/dist/index.js';
import { defaultConfig } from '../apps/cli/dist/index.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    seed: { type: 'string', default: '0' },
    steps: { type: 'string' },
    backend: { type: 'string', default: 'wasm' },
    eval: { type: 'string', default: '10' },
  },
});
const [algoName, envId] = positionals;
registerPolicyGradientAlgorithms();
registerValueBasedAlgorithms();
const backend = await initBackend(values.backend, { quiet: true });
const algo = getAlgorithm(algoName);
const { config } = defaultConfig(algo.name, envId);
const { n_timesteps, n_envs = 1, env_kwargs = {}, policy, n_eval_episodes, eval_freq, ...hp } = config;
const seed = Number(values.seed);
const steps = Number(values.steps ?? n_timesteps);
const env = makeVec(envId, n_envs, { seed, kwargs: env_kwargs });
const agent = new algo.ctor({ env, seed, ...hp });
const cpu0 = process.cpuUsage();
const t0 = performance.now();
await agent.learn({ totalTimesteps: steps });
const seconds = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);
const nEval = Number(values.eval);
const ev =
  nEval > 0 ? evaluatePolicy(agent, make(envId, env_kwargs), { nEpisodes: nEval, deterministic: true, seed: 10_000 + seed }) : null;
console.log(
  JSON.stringify({
    impl: 'tfrl',
    algo: algo.name,
    env: envId,
    seed,
    backend: backend.name,
    steps: agent.numTimesteps,
    seconds: +seconds.toFixed(2),
    stepsPerSec: Math.round(agent.numTimesteps / seconds),
    cpuSeconds: +((cpu.user + cpu.system) / 1e6).toFixed(2),
    evalMean: ev ? +ev.meanReward.toFixed(1) : null,
    evalStd: ev ? +ev.stdReward.toFixed(1) : null,
  }),
);
agent.dispose();
env.close();
