// DAgger on LunarLander-v3 with the hand-written heuristic (`lunarLanderHeuristic`) as the
// queryable expert: how many expert labels until the learner alone scores like the expert?
//
//   npx -y pnpm@10.34.9 --filter @tfrl/imitation... build
//   node bench/dagger-lunar.mjs [--seeds 0,1,2] [--label-budget 60000] [--target 0.95]
//     [--random -195.8] [--expert 262.44] [--eval-episodes 20] [--set key=value ...] [--tag name]
//
// DAgger's defaults (2×32 tanh, Adam 1e-3, batch 32, 1000 env steps per round, 4 BC epochs per
// round on the whole aggregate, β = max(0, 1 − round/15)); `--set` overrides them (camelCase or
// snake_case, values parsed as JSON: --set netArch=[64,64] --set stepsPerRound=500). After every
// round: expert labels so far, and the learner alone on `--eval-episodes` deterministic episodes
// (the first reset with seed 10000 + 100·seed, as bench/gail-lunar.mjs), mean ± std and the
// normalised score (mean − random) / (expert − random), random and expert being the reference
// returns (defaults: those of bench/lib/lunar-expert.mjs, 100 episodes each). A seed stops at the first round whose normalised score is
// ≥ --target, or when the labels reach --label-budget. Writes bench/results/dagger-lunar[-<tag>].json
// (or --out file).
import { lunarReferences } from './lib/lunar-expert.mjs';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { evaluatePolicy, initBackend } from '../packages/core/dist/index.js';
import { lunarLanderHeuristic, make } from '../packages/envs/dist/index.js';
import { DAgger } from '../packages/imitation/dist/index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const { values } = parseArgs({
  options: {
    seeds: { type: 'string', default: '0,1,2' },
    'label-budget': { type: 'string', default: '60000' },
    target: { type: 'string', default: '0.95' },
    random: { type: 'string' },
    expert: { type: 'string' },
    'eval-episodes': { type: 'string', default: '20' },
    set: { type: 'string', multiple: true, default: [] },
    tag: { type: 'string' },
    out: { type: 'string' },
    backend: { type: 'string', default: 'wasm' },
  },
});
const num = (name) => {
  const v = Number(values[name]);
  if (!Number.isFinite(v)) throw new Error(`--${name} must be a number, got ${JSON.stringify(values[name])}`);
  return v;
};
const envId = 'LunarLander-v3';
const seeds = values.seeds.split(',').map(Number);
if (seeds.some((s) => !Number.isInteger(s) || s < 0)) throw new Error(`--seeds must be non-negative integers, got ${values.seeds}`);
const labelBudget = num('label-budget');
const target = num('target');
// References: the mean returns of the heuristic and of random actions over 100 episodes each
// (bench/lib/lunar-expert.mjs, shared with the BC and GAIL benchmarks) unless given.
const refs = values.random === undefined || values.expert === undefined ? lunarReferences() : undefined;
const randomReturn = values.random === undefined ? refs.random : num('random');
const expertReturn = values.expert === undefined ? refs.expert : num('expert');
const evalEpisodes = num('eval-episodes');
const hp = {};
for (const kv of values.set) {
  const i = kv.indexOf('=');
  if (i <= 0) throw new Error(`--set takes key=value, got ${JSON.stringify(kv)}`);
  const raw = kv.slice(i + 1);
  let v;
  try {
    v = JSON.parse(raw);
  } catch {
    v = raw;
  }
  hp[kv.slice(0, i)] = v;
}
const norm = (x) => (x - randomReturn) / (expertReturn - randomReturn);
const expert = (obs) => lunarLanderHeuristic(obs, { continuous: false });

const backend = await initBackend(values.backend, { quiet: true });
const t00 = performance.now();
// The heuristic itself on the evaluation episodes of seed 0, for reference.
const expertEval = evaluatePolicy(expert, make(envId), { nEpisodes: evalEpisodes, deterministic: true, seed: 10_000 });
console.log(
  `heuristic expert on the eval episodes: ${expertEval.meanReward.toFixed(1)} ± ${expertEval.stdReward.toFixed(1)} (normalised ${norm(expertEval.meanReward).toFixed(3)}); references: random ${randomReturn}, expert ${expertReturn}`,
);

const runs = [];
for (const seed of seeds) {
  const load0 = os.loadavg()[0];
  const agent = new DAgger({ env: make(envId), expert, seed, ...hp });
  const evalEnv = make(envId);
  const rounds = [];
  const t0 = performance.now();
  let labelsToTarget = null;
  // One round per learn call (learn counts env steps; the round counter and episodes carry on).
  while (agent.expertLabels < labelBudget) {
    const steps = Math.min(agent.hyperparameters.stepsPerRound, labelBudget - agent.expertLabels);
    await agent.learn({ totalTimesteps: steps, resetNumTimesteps: false });
    const ev = evaluatePolicy(agent, evalEnv, { nEpisodes: evalEpisodes, deterministic: true, seed: 10_000 + 100 * seed });
    const r = agent.lastRound;
    const point = {
      round: r.round,
      beta: +r.beta.toFixed(4),
      expertLabels: agent.expertLabels,
      evalMean: +ev.meanReward.toFixed(2),
      evalStd: +ev.stdReward.toFixed(2),
      normalised: +norm(ev.meanReward).toFixed(4),
      rolloutReturn: r.episodeReturns.length ? +(r.episodeReturns.reduce((a, b) => a + b, 0) / r.episodeReturns.length).toFixed(1) : null,
      bcLoss: r.bc ? +r.bc.loss.toFixed(4) : null,
      bcAccuracy: r.bc?.accuracy === undefined ? null : +r.bc.accuracy.toFixed(4),
      gradientSteps: agent.numUpdates,
      seconds: +((performance.now() - t0) / 1000).toFixed(1),
    };
    rounds.push(point);
    console.log(
      `seed ${seed} round ${point.round} β ${point.beta.toFixed(3)}: ${point.expertLabels} labels, eval ${point.evalMean.toFixed(1)} ± ${point.evalStd.toFixed(1)} (normalised ${point.normalised.toFixed(3)}), rollouts ${point.rolloutReturn}, BC loss ${point.bcLoss} acc ${point.bcAccuracy}, ${point.seconds} s`,
    );
    if (point.normalised >= target) {
      labelsToTarget = point.expertLabels;
      break;
    }
  }
  const seconds = (performance.now() - t0) / 1000;
  const last = rounds[rounds.length - 1];
  runs.push({
    seed,
    labelsToTarget,
    rounds: rounds.length,
    envSteps: agent.numTimesteps,
    expertLabels: agent.expertLabels,
    gradientSteps: agent.numUpdates,
    final: { evalMean: last.evalMean, evalStd: last.evalStd, normalised: last.normalised },
    wallSeconds: +seconds.toFixed(1),
    loadAvg: [+load0.toFixed(2), +os.loadavg()[0].toFixed(2)],
    curve: rounds,
  });
  console.log(
    `seed ${seed}: ${labelsToTarget === null ? `did not reach ${target} within ${labelBudget} labels` : `normalised ≥ ${target} after ${labelsToTarget} expert labels`} (${rounds.length} rounds, ${seconds.toFixed(1)} s)`,
  );
  agent.dispose();
  evalEnv.close();
}

const reached = runs.filter((r) => r.labelsToTarget !== null).map((r) => r.labelsToTarget);
const meanOf = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
const summary = {
  seedsReached: reached.length,
  labelsToTargetMean: reached.length ? Math.round(meanOf(reached)) : null,
  labelsToTargetStd: reached.length ? Math.round(Math.sqrt(meanOf(reached.map((x) => (x - meanOf(reached)) ** 2)))) : null,
  finalNormalisedMean: +meanOf(runs.map((r) => r.final.normalised)).toFixed(4),
};
const probe = new DAgger({ env: make(envId), seed: 0, ...hp });
const hyperparameters = { ...probe.hyperparameters };
probe.dispose();
const out = {
  algo: 'dagger',
  env: envId,
  expert: 'lunarLanderHeuristic',
  command: `node bench/dagger-lunar.mjs ${process.argv.slice(2).join(' ')}`,
  date: new Date().toISOString(),
  backend: backend.name,
  machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model },
  seeds,
  target,
  labelBudget,
  evalEpisodes,
  reference: { random: randomReturn, expert: expertReturn },
  expertOnEvalEpisodes: { mean: +expertEval.meanReward.toFixed(2), std: +expertEval.stdReward.toFixed(2) },
  hyperparameters,
  wallSeconds: +((performance.now() - t00) / 1000).toFixed(1),
  summary,
  runs,
};
const file = values.out ?? path.join(here, 'results', `dagger-lunar${values.tag ? `-${values.tag}` : ''}.json`);
fs.mkdirSync(path.dirname(file), { recursive: true });
fs.writeFileSync(file, `${JSON.stringify(out, null, 2)}\n`);
console.log(
  `DAgger LunarLander-v3: ${reached.length}/${runs.length} seeds reached normalised ${target}${reached.length ? `, labels ${summary.labelsToTargetMean} ± ${summary.labelsToTargetStd}` : ''}; final normalised ${summary.finalNormalisedMean} (mean over seeds). Wrote ${path.relative(process.cwd(), file)}`,
);
