// The MADDPG paper's cross-play comparison (Lowe et al. 2017, section 5) on simple_tag_v3
// (predator–prey) and simple_adversary_v3 (physical deception): for each world, train one MADDPG
// team and one independent-DDPG team (every agent of the world, with the same config and budget),
// then play every pairing of good team × adversary team, random policies included, and report the
// paper's metrics over a deterministic evaluation:
//   tag: touches (prey–predator overlaps) per episode;
//   adversary: the adversary's distance to the goal and the nearest good agent's distance to the
//   goal, both averaged over the steps of an episode.
//
//   npx -y pnpm@10.34.9 --filter @tfrl/multiagent... build
//   node bench/maddpg-crossplay.mjs [--worlds simple_tag_v3,simple_adversary_v3] [--config openai]
//        [--steps 300000] [--seeds 0] [--eval-episodes 100] [--discrete] [--set k=v,…] [--backend wasm]
//
// Appends one record per world and seed to bench/results/maddpg-crossplay.json, with the wall time
// and steps/s of each training run.
import { execSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from '../apps/cli/node_modules/yaml/dist/index.js';
import { Rng, SyncVecParallelEnv, initBackend } from '../packages/core/dist/index.js';
import { makeParallel } from '../packages/envs/dist/index.js';
import { IDDPG, MADDPG } from '../packages/multiagent/dist/index.js';

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
const worlds = (args.worlds ?? 'simple_tag_v3,simple_adversary_v3').split(',');
const configName = args.config ?? 'openai';
const seeds = (args.seeds ?? '0').split(',').map(Number);
const evalEpisodes = Number(args['eval-episodes'] ?? 100);
const continuous = args.discrete === undefined;
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
const steps = Number(args.steps ?? 300_000);
const envKwargs = { ...env_kwargs, continuous_actions: continuous };
const isAdversary = (name) => name.startsWith('adversary_');

/** A team's policy for its agents: a trained learner (deterministic) or uniform random actions. */
function teamPolicy(kind, model, seed) {
  if (kind !== 'random') return (obs) => model.predict(obs, { deterministic: true });
  const rng = new Rng(seed);
  return (obs) =>
    Object.fromEntries(
      Object.keys(obs).map((a) => [
        a,
        continuous ? Float32Array.from({ length: 5 }, () => rng.random()) : Int32Array.of(rng.integers(0, 5)),
      ]),
    );
}

/** Good agents act by `good`, adversaries by `adv`; the env's metrics summed per episode, then averaged. */
function crossPlay(world, good, adv, seed) {
  const env = makeParallel(world, envKwargs);
  const names = env.possibleAgents;
  const sums = {};
  const returns = { good: 0, adversary: 0 };
  for (let ep = 0; ep < evalEpisodes; ep++) {
    let { obs } = env.reset({ seed: seed + ep });
    while (env.agents.length > 0) {
      const g = good(obs);
      const a = adv(obs);
      const step = Object.fromEntries(names.map((n) => [n, env.actionSpace(n).readCompact((isAdversary(n) ? a : g)[n], 0)]));
      const r = env.step(step);
      for (const n of names) returns[isAdversary(n) ? 'adversary' : 'good'] += r.rewards[n];
      for (const [k, v] of Object.entries(env.metrics())) sums[k] = (sums[k] ?? 0) + v;
      obs = r.obs;
    }
  }
  const out = {};
  for (const [k, v] of Object.entries(sums)) out[k] = v / evalEpisodes;
  const nGood = names.filter((n) => !isAdversary(n)).length;
  const nAdv = names.length - nGood;
  out.goodReturnPerAgent = returns.good / evalEpisodes / nGood;
  out.adversaryReturnPerAgent = returns.adversary / evalEpisodes / nAdv;
  env.close();
  return out;
}

const backend = await initBackend(backendName, { quiet: true });
const outFile = path.join(here, 'results', 'maddpg-crossplay.json');
for (const world of worlds) {
  for (const seed of seeds) {
    const models = {};
    const training = {};
    for (const [name, Ctor] of [
      ['MADDPG', MADDPG],
      ['DDPG', IDDPG],
    ]) {
      const env = new SyncVecParallelEnv([() => makeParallel(world, envKwargs)]);
      const agent = new Ctor({ env, seed, ...hyperparameters });
      const t0 = performance.now();
      await agent.learn({ totalTimesteps: steps });
      const seconds = (performance.now() - t0) / 1000;
      training[name] = {
        steps: agent.numTimesteps,
        updates: agent.numUpdates,
        wallSeconds: seconds,
        stepsPerSecond: agent.numTimesteps / seconds,
        trainReturns: agent.agentEpisodeReturns(),
      };
      console.log(`${world} seed ${seed}: ${name} trained ${agent.numTimesteps} steps in ${seconds.toFixed(1)} s`);
      models[name] = agent;
      env.close();
    }
    const kinds = ['MADDPG', 'DDPG', 'random'];
    const table = [];
    for (const goodKind of kinds) {
      for (const advKind of kinds) {
        const m = crossPlay(
          world,
          teamPolicy(goodKind, models[goodKind], 7 + seed),
          teamPolicy(advKind, models[advKind], 11 + seed),
          20_000 + seed * 1000,
        );
        table.push({ good: goodKind, adversary: advKind, ...m });
      }
    }
    const cols = world === 'simple_tag_v3' ? ['touches'] : ['adversary_goal_distance', 'good_goal_distance'];
    console.log(`\n${world}, seed ${seed}, ${evalEpisodes} episodes per pairing (per episode; distances summed over its 25 steps)`);
    console.log(`| good team | adversary team | ${cols.join(' | ')} | good return/agent | adversary return/agent |`);
    for (const row of table) {
      console.log(
        `| ${row.good} | ${row.adversary} | ${cols.map((c) => row[c].toFixed(2)).join(' | ')} | ${row.goodReturnPerAgent.toFixed(2)} | ${row.adversaryReturnPerAgent.toFixed(2)} |`,
      );
    }
    const record = {
      date: new Date().toISOString(),
      command: `node bench/maddpg-crossplay.mjs ${process.argv.slice(2).join(' ')}`,
      world,
      envKwargs,
      config: configName,
      set: args.set ?? null,
      seed,
      backend: backend.name,
      uptime: execSync('uptime').toString().trim(),
      evalEpisodes,
      training,
      crossPlay: table,
      hyperparameters: models.MADDPG.hyperparameters,
    };
    const prev = fs.existsSync(outFile) ? JSON.parse(fs.readFileSync(outFile, 'utf8')) : [];
    prev.push(record);
    fs.writeFileSync(outFile, `${JSON.stringify(prev, null, 2)}\n`);
    for (const m of Object.values(models)) m.dispose();
  }
}
