// Adversarial imitation (GAIL, VAIL, AIRL; PPO or A2C generator) on LunarLander-v3 from the
// heuristic expert's episodes:
//
//   npx -y pnpm@10.34.9 --filter @tfrl/imitation... --filter @tfrl/cli build
//   node bench/gail-lunar.mjs --algo gail --episodes 10 --seeds 0,1,2 --steps 3000000 \
//     [--eval-every 250000] [--stop-at 200] [--set key=value ...] [--tag name]
//
// The generator's hyperparameters are the CLI's defaults for LunarLander-v3 (apps/cli/configs/ppo.yml,
// or a2c.yml for gail_a2c: RL Zoo's), `--set` overrides them and the discriminator's (camelCase).
// Expert data: the first N episodes of one recording of `lunarLanderHeuristic` (reset seeds
// 1000, 1001, …), so every seed and algorithm imitates the same episodes. Evaluation: 20
// deterministic episodes (seeds 10000 + 100·seed + k) every `--eval-every` env steps and at the
// end, and 20 with sampled actions beside them; normalised score = (score − random) / (expert − random), with random and expert the mean
// returns of 100 episodes each (seeds 20000…). Writes bench/results/gail-lunar-<tag>.json.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { defaultConfig } from '../apps/cli/dist/index.js';
import { evaluatePolicy, initBackend } from '../packages/core/dist/index.js';
import { make, makeVec } from '../packages/envs/dist/index.js';
import { AIRL, GAIL, GAILA2C, VAIL } from '../packages/imitation/dist/index.js';
import { ENV_ID, firstEpisodes, lunarDemonstrations, lunarReferences } from './lib/lunar-expert.mjs';

const { values } = parseArgs({
  options: {
    algo: { type: 'string', default: 'gail' },
    episodes: { type: 'string', default: '10' },
    seeds: { type: 'string', default: '0,1,2' },
    steps: { type: 'string', default: '3000000' },
    'eval-every': { type: 'string', default: '250000' },
    'stop-at': { type: 'string' },
    set: { type: 'string', multiple: true, default: [] },
    tag: { type: 'string' },
    backend: { type: 'string', default: 'wasm' },
  },
});
const CLASSES = { gail: GAIL, vail: VAIL, airl: AIRL, gail_a2c: GAILA2C };
const algo = values.algo;
const Ctor = CLASSES[algo];
if (!Ctor) throw new Error(`--algo must be one of ${Object.keys(CLASSES).join(', ')}`);
const envId = ENV_ID;
const episodesList = values.episodes.split(',').map(Number);
const seeds = values.seeds.split(',').map(Number);
const totalSteps = Number(values.steps);
const evalEvery = Number(values['eval-every']);
const stopAt = values['stop-at'] === undefined ? undefined : Number(values['stop-at']);
const overrides = {};
for (const kv of values.set) {
  const i = kv.indexOf('=');
  const raw = kv.slice(i + 1);
  let v;
  try {
    v = JSON.parse(raw);
  } catch {
    v = raw;
  }
  overrides[kv.slice(0, i)] = v;
}
const backend = await initBackend(values.backend, { quiet: true });
const { config } = defaultConfig(algo === 'gail_a2c' ? 'a2c' : 'ppo', envId);
const { n_timesteps: _n, n_envs = 1, env_kwargs: _kw, policy: _p, normalize: _norm, ...zoo } = config;
const camel = (s) => s.replace(/_([a-z])/g, (_m, c) => c.toUpperCase());
const hp = Object.fromEntries(Object.entries(zoo).map(([k, v]) => [camel(k), v]));
Object.assign(hp, overrides);

const ref = lunarReferences();
const norm = ref.norm;
console.log(`expert ${ref.expert.toFixed(1)}, random ${ref.random.toFixed(1)} (100 episodes each)`);
const full = lunarDemonstrations(Math.max(...episodesList));

const runs = [];
for (const nEp of episodesList) {
  const data = firstEpisodes(full, nEp);
  const transitions = data.trajectories.reduce((a, t) => a + t.acts.length, 0);
  const dataReturn = data.trajectories.reduce((a, t) => a + t.rews.reduce((x, y) => x + y, 0), 0) / nEp;
  for (const seed of seeds) {
    const load0 = os.loadavg()[0];
    const env = makeVec(envId, n_envs, { seed });
    const agent = new Ctor({ env, seed, demonstrations: data, ...hp });
    const evalEnv = make(envId);
    const curve = [];
    const t0 = performance.now();
    let reached;
    while (agent.numTimesteps < totalSteps) {
      await agent.learn({ totalTimesteps: Math.min(evalEvery, totalSteps - agent.numTimesteps), resetNumTimesteps: false });
      const ev = await evaluatePolicy(agent, evalEnv, { nEpisodes: 20, deterministic: true, seed: 10_000 + 100 * seed });
      const evS = await evaluatePolicy(agent, evalEnv, { nEpisodes: 20, deterministic: false, seed: 10_000 + 100 * seed });
      const point = {
        steps: agent.numTimesteps,
        seconds: +((performance.now() - t0) / 1000).toFixed(1),
        evalMean: +ev.meanReward.toFixed(1),
        evalStd: +ev.stdReward.toFixed(1),
        normalised: +norm(ev.meanReward).toFixed(3),
        stochasticMean: +evS.meanReward.toFixed(1),
        stochasticStd: +evS.stdReward.toFixed(1),
        trainEpRewMean: agent.epRewardMean() === undefined ? null : +agent.epRewardMean().toFixed(1),
        disc: Object.fromEntries(Object.entries(agent.adversary.lastStats ?? {}).map(([k, v]) => [k, +v.toFixed(4)])),
      };
      curve.push(point);
      console.log(
        `${algo} ep=${nEp} seed=${seed} ${point.steps} eval ${point.evalMean} ± ${point.evalStd} (norm ${point.normalised}) stochastic ${point.stochasticMean} ± ${point.stochasticStd} train ${point.trainEpRewMean} acc ${point.disc['disc/accuracy']} ${point.seconds}s`,
      );
      if (reached === undefined && ev.meanReward >= (stopAt ?? Number.POSITIVE_INFINITY)) {
        reached = point.steps;
        break;
      }
    }
    const seconds = (performance.now() - t0) / 1000;
    const last = curve[curve.length - 1];
    runs.push({
      episodes: nEp,
      transitions,
      dataReturn: +dataReturn.toFixed(1),
      seed,
      steps: agent.numTimesteps,
      seconds: +seconds.toFixed(1),
      stepsPerSec: Math.round(agent.numTimesteps / seconds),
      final: {
        evalMean: last.evalMean,
        evalStd: last.evalStd,
        normalised: last.normalised,
        stochasticMean: last.stochasticMean,
        stochasticStd: last.stochasticStd,
      },
      best: curve.reduce((b, p) => (p.evalMean > b.evalMean ? p : b), curve[0]),
      reachedStopAt: reached ?? null,
      curve,
      loadAvg: [+load0.toFixed(2), +os.loadavg()[0].toFixed(2)],
    });
    agent.dispose();
    env.close();
  }
}
const tag = values.tag ?? `${algo}-${values.episodes.replace(/,/g, '_')}`;
const out = {
  algo,
  env: envId,
  backend: backend.name,
  command: `node bench/gail-lunar.mjs ${process.argv.slice(2).join(' ')}`,
  hyperparameters: { n_envs, ...hp },
  reference: { expert: +ref.expert.toFixed(2), random: +ref.random.toFixed(2), episodes: 100 },
  date: new Date().toISOString(),
  machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model },
  runs,
};
fs.mkdirSync(path.join('bench', 'results'), { recursive: true });
fs.writeFileSync(path.join('bench', 'results', `gail-lunar-${tag}.json`), `${JSON.stringify(out, null, 2)}\n`);
for (const nEp of episodesList) {
  const f = runs.filter((r) => r.episodes === nEp).map((r) => r.final.evalMean);
  const m = f.reduce((a, b) => a + b, 0) / f.length;
  const s = Math.sqrt(f.reduce((a, b) => a + (b - m) ** 2, 0) / f.length);
  console.log(
    `${algo} ${nEp} episodes: final ${m.toFixed(1)} ± ${s.toFixed(1)} (normalised ${norm(m).toFixed(3)}) over seeds ${seeds.join(',')}`,
  );
}
