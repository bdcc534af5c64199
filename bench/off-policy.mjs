// Learning benchmark of the off-policy actor-critics (SAC, TD3, DDPG) of @tfrl/policy-gradient.
//
//   npx -y pnpm@10.34.9 --filter @tfrl/policy-gradient... build
//   node bench/off-policy.mjs --algo sac --env Pendulum-v1 --seeds 0,1,2 [--steps 20000] [--backend wasm] [--eval-episodes 10]
//
// Hyperparameters are the RL-Zoo ones in apps/cli/configs/<algo>.yml (snake_case keys, read here
// with a minimal parser for the flat entries those files use). Each seed trains, then runs a
// deterministic evaluation (evaluatePolicy, 10 episodes). Appends one record per run to
// bench/results/off-policy.json (wall time, steps/s, backend, `uptime` load before/after).
import { execSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { BaseCallback, evaluatePolicy, setEnvResolver } from '../packages/core/dist/index.js';
import { make } from '../packages/envs/dist/index.js';
import { DDPG, SAC, TD3 } from '../packages/policy-gradient/dist/index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const args = Object.fromEntries(
  process.argv
    .slice(2)
    .join(' ')
    .split('--')
    .filter(Boolean)
    .map((s) => {
      const [k, ...v] = s.trim().split(/\s+/);
      return [k, v.join(' ')];
    }),
);
const algo = (args.algo ?? 'sac').toLowerCase();
const envId = args.env ?? 'Pendulum-v1';
const seeds = (args.seeds ?? '0').split(',').map(Number);
const backend = args.backend ?? 'wasm';
const evalEpisodes = Number(args['eval-episodes'] ?? 10);
// Deterministic evaluation (5 episodes) every `--eval-every` steps: a learning curve that is
// written out as it grows, so a run cut short still reports where it got.
const evalEvery = Number(args['eval-every'] ?? 2000);
const Ctor = { sac: SAC, td3: TD3, ddpg: DDPG }[algo];
if (!Ctor) throw new Error(`unknown --algo ${algo} (sac, td3, ddpg)`);

/** The env's entry of configs/<algo>.yml (flat YAML: scalars, [lists], {type: x, sigma: y}). */
function zooConfig(algoName, id) {
  const text = fs.readFileSync(path.join(here, '..', 'apps', 'cli', 'configs', `${algoName}.yml`), 'utf8');
  const out = {};
  let cur = null;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*$/, '').trimEnd();
    if (!line.trim()) continue;
    if (!line.startsWith(' ')) {
      cur = line.replace(/:$/, '').trim();
      continue;
    }
    if (cur !== id && cur !== 'default') continue;
    const m = line.trim().match(/^([a-z_]+):\s*(.*)$/);
    if (!m) continue;
    let v = m[2].replace(/^!!float\s+/, '').trim();
    const target = cur === 'default' ? (out.__default ??= {}) : out;
    if (v.startsWith('[')) v = JSON.parse(v);
    else if (v.startsWith('{'))
      v = Object.fromEntries(
        v
          .slice(1, -1)
          .split(',')
          .map((kv) => kv.split(':').map((s) => s.trim()))
          .map(([k, x]) => [k, x === 'true' || x === 'false' ? x === 'true' : Number.isNaN(Number(x)) ? x.replace(/'/g, '') : Number(x)]),
      );
    else if (v === 'true' || v === 'false') v = v === 'true';
    else if (v !== '' && !Number.isNaN(Number(v))) v = Number(v);
    else v = v.replace(/^'(.*)'$/, '$1');
    target[m[1]] = v;
  }
  const { __default = {}, ...specific } = out;
  return { ...__default, ...specific };
}

const load = () =>
  os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');
const cfg = zooConfig(algo, envId);
const { n_timesteps: nTimesteps, env_kwargs: envKwargs, n_envs: _nEnvs, ...hp } = cfg;
const steps = Number(args.steps ?? nTimesteps ?? 20000);
await tf.setBackend(backend);
await tf.ready();
setEnvResolver((id) => make(id, envKwargs));
const resultsFile = path.join(here, 'results', 'off-policy.json');
for (const seed of seeds) {
  const env = make(envId, envKwargs);
  const agent = new Ctor({ env, seed, ...hp });
  const loadBefore = load();
  const t0 = performance.now();
  let lastPrint = t0;
  const curve = [];
  let nextEval = evalEvery;
  const curveFile = path.join(here, 'results', `off-policy-curve-${algo}-${envId}-seed${seed}.json`);
  await agent.learn({
    totalTimesteps: steps,
    callbacks: [
      new (class extends BaseCallback {
        // Progress every ~30 s (stderr).
        onStep() {
          if (evalEvery > 0 && agent.numTimesteps >= nextEval) {
            nextEval += evalEvery;
            const e = evaluatePolicy(agent, make(envId, envKwargs), { nEpisodes: 5, deterministic: true, seed: 20_000 + seed });
            const point = {
              step: agent.numTimesteps,
              evalMean: e.meanReward,
              evalStd: e.stdReward,
              seconds: (performance.now() - t0) / 1000,
              load: load(),
            };
            curve.push(point);
            process.stderr.write(`[${algo} ${envId} seed ${seed}] eval ${JSON.stringify(point)}\n`);
            fs.mkdirSync(path.dirname(curveFile), { recursive: true });
            fs.writeFileSync(
              curveFile,
              `${JSON.stringify({ algo, env: envId, seed, hyperparameters: hp, steps, backend, curve }, null, 2)}\n`,
            );
          }
          const now = performance.now();
          if (now - lastPrint > 30_000) {
            lastPrint = now;
            process.stderr.write(
              `[${algo} ${envId} seed ${seed}] ${agent.numTimesteps} steps, ${agent.fps().toFixed(1)} steps/s, ep_rew_mean ${agent.epRewardMean()?.toFixed(1)}, load ${load()}\n`,
            );
          }
          return true;
        }
      })(),
    ],
  });
  const wall = (performance.now() - t0) / 1000;
  const loadAfter = load();
  const evalEnv = make(envId, envKwargs);
  const ev = evaluatePolicy(agent, evalEnv, { nEpisodes: evalEpisodes, deterministic: true, seed: 10_000 + seed });
  const rec = {
    algo: algo.toUpperCase(),
    env: envId,
    seed,
    steps,
    hyperparameters: hp,
    evalMean: ev.meanReward,
    evalStd: ev.stdReward,
    evalEpisodes,
    trainEpRewMean100: agent.epRewardMean() ?? null,
    curve,
    wallSeconds: wall,
    stepsPerSecond: steps / wall,
    backend: tf.getBackend(),
    loadavgBefore: loadBefore,
    loadavgAfter: loadAfter,
    uptime: execSync('uptime').toString().trim(),
    node: process.version,
    date: new Date().toISOString(),
  };
  console.log(JSON.stringify(rec));
  // Re-read before writing: several runs may append to the same file.
  const results = fs.existsSync(resultsFile) ? JSON.parse(fs.readFileSync(resultsFile, 'utf8')) : [];
  results.push(rec);
  fs.mkdirSync(path.dirname(resultsFile), { recursive: true });
  fs.writeFileSync(resultsFile, `${JSON.stringify(results, null, 2)}\n`);
  agent.dispose();
}
