// On-policy learners (REINFORCE, A2C, TRPO, ARS): train with several seeds, then a 10-episode
// deterministic evaluation of the final policy. Writes bench/results/on-policy-<run>.json.
//
//   npx -y pnpm@10.34.9 --filter @tfrl/policy-gradient build
//   node bench/on-policy.mjs <run> [seeds=0,1,2] [backend=wasm]
//
// <run>: reinforce-cartpole | a2c-cartpole | trpo-cartpole | ars-pendulum | ars-pendulum-2ep |
//        ars-pendulum-tuned | ars-cartpole | a2c-pendulum-course | a2c-pendulum-zoo | a2c-pendulum-zoo-gsde | a2c-pendulum-zoo-gsde-2e6
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { evaluatePolicy, initBackend } from '../packages/core/dist/index.js';
import { make, makeVec } from '../packages/envs/dist/index.js';
import { A2C, ARS, REINFORCE, TRPO } from '../packages/policy-gradient/dist/index.js';

const RUNS = {
  // tfrl-tuned (apps/cli/configs/reinforce.yml)
  'reinforce-cartpole': {
    algo: REINFORCE,
    env: 'CartPole-v1',
    nEnvs: 1,
    steps: 100_000,
    threshold: 475,
    hp: { learningRate: 0.01, nEpisodes: 1, normalizeReturns: true },
  },
  // RL-Zoo (apps/cli/configs/a2c.yml): SB3 defaults, 8 envs
  'a2c-cartpole': { algo: A2C, env: 'CartPole-v1', nEnvs: 8, steps: 500_000, threshold: 475, hp: { entCoef: 0 } },
  // RL-Zoo (apps/cli/configs/trpo.yml)
  'trpo-cartpole': {
    algo: TRPO,
    env: 'CartPole-v1',
    nEnvs: 2,
    steps: 100_000,
    threshold: 475,
    hp: { nSteps: 512, batchSize: 512, cgDamping: 1e-3, gaeLambda: 0.98, gamma: 0.99, learningRate: 1e-3, nCriticUpdates: 20 },
  },
  // RL-Zoo (apps/cli/configs/ars.yml)
  'ars-pendulum': {
    algo: ARS,
    env: 'Pendulum-v1',
    nEnvs: 1,
    steps: 2_000_000,
    threshold: -250,
    hp: { version: 'v2', learningRate: 0.018, nDelta: 4, nTop: 1, deltaStd: 0.1, netArch: [16], zeroPolicy: false },
  },
  // Same, two episodes per perturbation and twice the steps (less noisy returns).
  'ars-pendulum-2ep': {
    algo: ARS,
    env: 'Pendulum-v1',
    nEnvs: 1,
    steps: 4_000_000,
    threshold: -250,
    hp: { version: 'v2', learningRate: 0.018, nDelta: 4, nTop: 1, deltaStd: 0.1, netArch: [16], zeroPolicy: false, nEvalEpisodes: 2 },
  },
  // Tuned here: 8 directions, top 4, two episodes per perturbation, 6M steps.
  'ars-pendulum-tuned': {
    algo: ARS,
    env: 'Pendulum-v1',
    nEnvs: 1,
    steps: 6_000_000,
    threshold: -250,
    hp: { version: 'v2', learningRate: 0.018, nDelta: 8, nTop: 4, deltaStd: 0.1, netArch: [16], zeroPolicy: false, nEvalEpisodes: 2 },
  },
  'ars-cartpole': { algo: ARS, env: 'CartPole-v1', nEnvs: 1, steps: 50_000, threshold: 475, hp: { nDelta: 2 } },
  // The course's Pendulum A2C (shared/seeds/003): 1 env, one-step TD updates, Adam 1e-4 / 1e-3.
  'a2c-pendulum-course': {
    algo: A2C,
    env: 'Pendulum-v1',
    nEnvs: 1,
    steps: 100_000,
    threshold: -200,
    hp: {
      nSteps: 1,
      gamma: 0.9,
      entCoef: 0.01,
      useRmsProp: false,
      learningRate: 1e-4,
      criticLearningRate: 1e-3,
      maxGradNorm: null,
      netArch: [128],
      activation: 'relu',
      orthoInit: false,
      outputInitUniform: 3e-3,
      gaussianHead: 'tanh_softplus',
      valueLoss: 'huber',
      vfCoef: 1,
    },
  },
  // RL-Zoo (apps/cli/configs/a2c.yml) without gSDE.
  'a2c-pendulum-zoo': {
    algo: A2C,
    env: 'Pendulum-v1',
    nEnvs: 8,
    steps: 1_000_000,
    threshold: -200,
    hp: {
      normalize: true,
      entCoef: 0,
      maxGradNorm: 0.5,
      nSteps: 8,
      gaeLambda: 0.9,
      vfCoef: 0.4,
      gamma: 0.9,
      useRmsProp: true,
      normalizeAdvantage: false,
      learningRate: 'lin_7e-4',
      logStdInit: -2,
      orthoInit: false,
    },
  },
};
// The zoo's exact Pendulum entry: the same with gSDE (use_sde: True).
RUNS['a2c-pendulum-zoo-gsde'] = { ...RUNS['a2c-pendulum-zoo'], hp: { ...RUNS['a2c-pendulum-zoo'].hp, useSde: true } };
// The same entry trained for 2e6 steps (the lr schedule lin_7e-4 stretches over the longer run);
// the A2C Pendulum target sets no step budget.
RUNS['a2c-pendulum-zoo-gsde-2e6'] = { ...RUNS['a2c-pendulum-zoo-gsde'], steps: 2_000_000 };

const run = process.argv[2];
const spec = RUNS[run];
if (!spec) {
  console.error(`usage: node bench/on-policy.mjs <${Object.keys(RUNS).join('|')}> [seeds] [backend]`);
  process.exit(1);
}
const seeds = (process.argv[3] ?? '0,1,2').split(',').map(Number);
const backend = process.argv[4] ?? 'wasm';
await initBackend(backend, { quiet: true });

const here = path.dirname(fileURLToPath(import.meta.url));
const out = path.join(here, 'results', `on-policy-${run}.json`);
// Seeds run separately (e.g. in parallel processes) are merged into the same file.
const results = [];
const previous = fs.existsSync(out) ? JSON.parse(fs.readFileSync(out, 'utf8')) : null;
const kept = previous?.run === run ? previous.seeds.filter((x) => !seeds.includes(x.seed)) : [];
for (const seed of seeds) {
  const loadStart = os.loadavg()[0];
  const env = makeVec(spec.env, spec.nEnvs, { seed });
  const agent = new spec.algo({ env, seed, ...spec.hp });
  const t0 = performance.now();
  await agent.learn({ totalTimesteps: spec.steps });
  const seconds = (performance.now() - t0) / 1000;
  const ev = await evaluatePolicy(agent, make(spec.env), { nEpisodes: 10, deterministic: true, seed: 10_000 + seed });
  const r = {
    seed,
    evalMean: +ev.meanReward.toFixed(2),
    evalStd: +ev.stdReward.toFixed(2),
    steps: agent.numTimesteps,
    seconds: +seconds.toFixed(1),
    stepsPerSec: Math.round(agent.numTimesteps / seconds),
    trainEpRewMean: agent.epRewardMean() ?? null,
    loadAvg1m: [+loadStart.toFixed(1), +os.loadavg()[0].toFixed(1)],
  };
  results.push(r);
  console.log(JSON.stringify({ run, ...r }));
  // Other processes may have written their seeds meanwhile: re-read before merging.
  const now = fs.existsSync(out) ? JSON.parse(fs.readFileSync(out, 'utf8')) : null;
  for (const x of now?.run === run ? now.seeds : kept) if (!seeds.includes(x.seed) && !kept.some((k) => k.seed === x.seed)) kept.push(x);
  const all = [...kept, ...results].sort((a, b) => a.seed - b.seed);
  agent.dispose?.();
  // Rewrite after every seed so a partial run leaves its numbers behind.
  const means = all.map((x) => x.evalMean);
  const mean = means.reduce((a, b) => a + b, 0) / means.length;
  const std = Math.sqrt(means.reduce((a, b) => a + (b - mean) ** 2, 0) / means.length);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(
    out,
    `${JSON.stringify(
      {
        run,
        algorithm: spec.algo.algorithmName,
        env: spec.env,
        nEnvs: spec.nEnvs,
        totalTimesteps: spec.steps,
        hyperparameters: spec.hp,
        threshold: spec.threshold,
        backend: tf.getBackend(),
        node: process.version,
        cpus: os.cpus().length,
        evaluation: '10 episodes, deterministic, eval seed 10000 + seed',
        seeds: all,
        meanOfSeedMeans: +mean.toFixed(2),
        stdOfSeedMeans: +std.toFixed(2),
        seedsAtThreshold: all.filter((x) => x.evalMean >= spec.threshold).length,
        date: new Date().toISOString(),
      },
      null,
      2,
    )}\n`,
  );
}
