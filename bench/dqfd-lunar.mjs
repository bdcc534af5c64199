// DQfD on LunarLander-v3 from demonstrations of the env's heuristic, against the tuned DQN (a
// learning benchmark, not a unit test). Imports the BUILT packages:
//   npx -y pnpm@10.34.9 --filter @tfrl/imitation... build
//   node bench/dqfd-lunar.mjs [seeds=0] [options]
//
//   --episodes N        heuristic episodes recorded as demonstrations (default 50; episode i reset
//                       with seed --demo-seed + i, default 0), or
//   --expert file       demonstrations from a file (.npz, Minari .h5/.hdf5; e.g. tfrl record)
//   --steps N           env step budget (default 500000: the tuned DQN's; its lr decays over it)
//   --pretrain-steps N  gradient steps on the demonstrations alone (default 10000)
//   --eval-every K      a 10-episode deterministic evaluation every K env steps (default 10000)
//   --eval-episodes N   episodes per evaluation (default 10)
//   --early-stop        stop training at the first evaluation >= 200
//   --out file          results file (default bench/results/dqfd-lunar.json; runs of other seeds
//                       already in it are kept, so seeds can run as parallel processes)
//
// The DQN part is the tuned DQN LunarLander config (`lunarlander-5e5` in bench/dqn.mjs; BENCHMARKS.md
// "DQN on LunarLander-v3": its 5-episode evaluations every 25 k steps first reach 200 at 150 k,
// 175 k and 125 k steps for seeds 0-2). DQfD differs in what DQfD is: pre-training, the
// demonstrations kept in the buffer with the loss terms and priorities of the paper, ε = 0.01 and
// no random warm-up (the pre-trained policy acts from the first step). Reports the evaluation after
// pre-training alone (0 env steps; target > 0), the evaluation curve and the first env step count
// whose evaluation is >= 200. TFRL_BACKEND picks the backend (default wasm).
import { execSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { BaseCallback, evaluatePolicy, initBackend } from '../packages/core/dist/index.js';
import { lunarLanderHeuristic, make, makeVec } from '../packages/envs/dist/index.js';
import { DQfD, datasetStats, readDataset, recordDataset } from '../packages/imitation/dist/index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const FLAGS = ['--early-stop'];
const opt = (name, def) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : def;
};
const positional = args.filter((a, i) => !a.startsWith('--') && !(i > 0 && args[i - 1].startsWith('--') && !FLAGS.includes(args[i - 1])));
const seeds = (positional[0] ?? '0').split(',').map(Number);
const envId = 'LunarLander-v3';
const threshold = 200;
const steps = Number(opt('steps', 500_000));
const pretrainSteps = Number(opt('pretrain-steps', 10_000));
const evalEvery = Number(opt('eval-every', 10_000));
const evalEpisodes = Number(opt('eval-episodes', 10));
const episodes = Number(opt('episodes', 50));
const demoSeed = Number(opt('demo-seed', 0));
const expertFile = opt('expert', undefined);
const earlyStop = args.includes('--early-stop');
const outFile = path.resolve(opt('out', path.join(here, 'results', 'dqfd-lunar.json')));
const backend = process.env.TFRL_BACKEND ?? 'wasm';
await initBackend(backend, { quiet: true });

const load = () =>
  execSync('uptime')
    .toString()
    .trim()
    .replace(/.*load average: /, '');

// configs/dqfd.yml's LunarLander-v3 entry (the tuned DQN's values for the shared fields), camelCase.
const HP = {
  learningRate: 'lin_6.3e-4',
  batchSize: 128,
  bufferSize: 200000,
  learningStarts: 0,
  gamma: 0.99,
  targetUpdateInterval: 1000,
  trainFreq: 4,
  gradientSteps: 1,
  netArch: [256, 256],
  double: true,
  pretrainSteps,
};

// ---- demonstrations
const t0 = performance.now();
const demonstrations = expertFile
  ? await readDataset(expertFile)
  : recordDataset((obs) => lunarLanderHeuristic(obs, { continuous: false }), make(envId), {
      episodes,
      seed: demoSeed,
      source: 'heuristic',
    });
const stats = datasetStats(demonstrations);
const demoInfo = {
  source: expertFile ?? `lunarLanderHeuristic, ${episodes} episodes, seeds ${demoSeed}..${demoSeed + episodes - 1}`,
  episodes: stats.episodes,
  transitions: stats.steps,
  meanReturn: +stats.meanReturn.toFixed(2),
  stdReturn: +stats.stdReturn.toFixed(2),
  seconds: +((performance.now() - t0) / 1000).toFixed(1),
};
console.log(JSON.stringify({ demonstrations: demoInfo }));

/** Deterministic evaluations every `every` env steps (their time is kept out of the training time). */
class EvalCurve extends BaseCallback {
  constructor(every) {
    super();
    this.every = every;
    this.next = every;
    this.curve = [];
    this.reachedAt = null;
    this.evalSeconds = 0;
  }
  onStep(ctx) {
    if (this.every <= 0 || ctx.numTimesteps < this.next) return true;
    this.next += this.every;
    const t = performance.now();
    const r = evaluatePolicy(ctx.algorithm, make(envId), { nEpisodes: evalEpisodes, deterministic: true, seed: 10_000 + ctx.numTimesteps });
    this.evalSeconds += (performance.now() - t) / 1000;
    this.curve.push([ctx.numTimesteps, +r.meanReward.toFixed(1)]);
    console.log(`  ${ctx.numTimesteps} steps: ${r.meanReward.toFixed(1)} ± ${r.stdReward.toFixed(1)}`);
    if (this.reachedAt === null && r.meanReward >= threshold) this.reachedAt = ctx.numTimesteps;
    return !(earlyStop && this.reachedAt !== null);
  }
}

async function run(seed) {
  const agent = new DQfD({ env: makeVec(envId, 1, { seed }), demonstrations, seed, ...HP });
  const loadBefore = load();
  const c0 = process.cpuUsage();
  const tp = performance.now();
  await agent.pretrain();
  const pretrainSeconds = (performance.now() - tp) / 1000;
  const pre = evaluatePolicy(agent, make(envId), { nEpisodes: evalEpisodes, deterministic: true, seed: 10_000 });
  console.log(
    `seed ${seed}: after ${agent.pretrainStepsDone} pre-training steps (${pretrainSeconds.toFixed(1)} s): ${pre.meanReward.toFixed(1)} ± ${pre.stdReward.toFixed(1)}`,
  );
  const cb = new EvalCurve(evalEvery);
  const tl = performance.now();
  await agent.learn({ totalTimesteps: steps, callbacks: cb });
  const learnSeconds = (performance.now() - tl) / 1000 - cb.evalSeconds;
  const cu = process.cpuUsage(c0);
  const loadAfter = load();
  const fin = evaluatePolicy(agent, make(envId), { nEpisodes: 10, deterministic: true, seed: 424242 + seed });
  const res = {
    seed,
    pretrainSteps: agent.pretrainStepsDone,
    pretrainSeconds: +pretrainSeconds.toFixed(1),
    pretrainStepsPerSecond: Math.round(agent.pretrainStepsDone / pretrainSeconds),
    evalAfterPretraining: { mean: +pre.meanReward.toFixed(1), std: +pre.stdReward.toFixed(1), episodes: evalEpisodes },
    steps: agent.numTimesteps,
    gradientSteps: agent.numUpdates,
    wallSeconds: +(pretrainSeconds + learnSeconds).toFixed(1),
    learnSeconds: +learnSeconds.toFixed(1),
    stepsPerSecond: Math.round(agent.numTimesteps / learnSeconds),
    cpuSeconds: +((cu.user + cu.system) / 1e6 - cb.evalSeconds).toFixed(1),
    reachedThresholdAt: cb.reachedAt,
    finalEval: { mean: +fin.meanReward.toFixed(1), std: +fin.stdReward.toFixed(1), episodes: 10 },
    curve: [[0, +pre.meanReward.toFixed(1)], ...cb.curve],
    lastTrainStats: agent.lastTrainStats,
    loadBefore,
    loadAfter,
    tensors: tf.memory().numTensors,
  };
  agent.dispose();
  console.log(JSON.stringify({ ...res, curve: undefined }));
  return res;
}

/** The tuned DQN's runs (bench/dqn.mjs lunarlander-5e5), when their results are here. */
function dqnReference() {
  const file = path.join(here, 'results', 'dqn-lunarlander-5e5.json');
  if (!fs.existsSync(file)) return null;
  const d = JSON.parse(fs.readFileSync(file, 'utf8'));
  return {
    file: 'bench/results/dqn-lunarlander-5e5.json',
    command: d.command,
    protocol: '5-episode deterministic evaluations every 25,000 env steps after 10,000 random warm-up steps',
    runs: d.runs.map((r) => ({
      seed: r.seed,
      reachedThresholdAt: r.reachedThresholdAt,
      finalEval: r.evalMean,
      wallSeconds: r.wallSeconds,
    })),
  };
}

fs.mkdirSync(path.dirname(outFile), { recursive: true });
const out = {
  suite: 'dqfd-lunar',
  envId,
  backend,
  node: process.version,
  command: `node bench/dqfd-lunar.mjs ${args.join(' ')}`.trim(),
  started: new Date().toISOString(),
  seeds,
  steps,
  evalEvery,
  evalEpisodes,
  earlyStop,
  threshold,
  demonstrations: demoInfo,
  hyperparameters: HP,
  dqnReference: dqnReference(),
  runs: [],
};
const save = () => {
  if (fs.existsSync(outFile)) {
    const prev = JSON.parse(fs.readFileSync(outFile, 'utf8'));
    const others = (prev.runs ?? []).filter((r) => !seeds.includes(r.seed));
    out.runs = [...others, ...out.runs.filter((r) => seeds.includes(r.seed))].sort((a, b) => a.seed - b.seed);
  }
  fs.writeFileSync(outFile, `${JSON.stringify(out, null, 1)}\n`);
};
for (const seed of seeds) {
  out.runs.push(await run(seed));
  save();
}
out.finished = new Date().toISOString();
save();
for (const r of out.runs) {
  console.log(
    `DQfD seed ${r.seed}: ${r.evalAfterPretraining.mean} after pre-training alone, first evaluation >= ${threshold} at ${r.reachedThresholdAt ?? 'never'} (of ${r.steps}) env steps, final ${r.finalEval.mean}`,
  );
}
for (const r of out.dqnReference?.runs ?? []) {
  console.log(
    `tuned DQN seed ${r.seed}: first 5-episode evaluation >= ${threshold} at ${r.reachedThresholdAt ?? 'never'} env steps, final ${r.finalEval}`,
  );
}
console.log(`wrote ${path.relative(process.cwd(), outFile)}`);
