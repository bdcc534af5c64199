// DQN-family learning benchmarks (not a unit test). Imports the BUILT packages:
//   npx -y pnpm@10.34.9 --filter @tfrl/value-based... build
//   node bench/dqn.mjs cartpole [seeds=0,1,2]     DQN, RL-Zoo CartPole-v1 config, 5e4 steps
//   node bench/dqn.mjs rainbow  [seeds=0]         Rainbow vs DQN on CartPole-v1, curves → PNG
//   node bench/dqn.mjs rainbow-matched [seeds=0]  the same with DQN's update budget (0.5 updates of 64 per step)
//   node bench/dqn.mjs rainbow-zoo [seeds=0]      Rainbow on the zoo DQN's schedule (RAINBOW_CARTPOLE_ZOO); plot-zoo draws it
//   node bench/dqn.mjs acrobot|mountaincar|lunarlander [seeds]
//   node bench/dqn.mjs lunarlander-5e5 [seeds]    a config made for 5e5 steps (see LUNAR_5E5)
//   node bench/dqn.mjs throughput                 zoo CartPole config, steps/s only (eval off)
//   --early-stop   SB3's EvalCallback + StopTrainingOnRewardThreshold protocol: every evaluation
//                  uses 10 episodes and training stops at the first one ≥ the threshold; the final
//                  10-episode evaluation (fresh seeds) then scores the stopped model. Results go to
//                  dqn-<suite>-earlystop.json.
// Each suite writes bench/results/dqn-<suite>.json. Every run records `uptime` load next to its timing.
import { execSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { BaseCallback, evaluatePolicy, initBackend } from '../packages/core/dist/index.js';
import { listEnvs, make, makeVec } from '../packages/envs/dist/index.js';
import { writePng } from '../packages/logger/dist/index.js';
import { DQN, Rainbow } from '../packages/value-based/dist/index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const earlyStop = process.argv.includes('--early-stop');
const positional = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const suite = positional[0] ?? 'cartpole';
const seeds = (positional[1] ?? (suite === 'cartpole' ? '0,1,2' : '0')).split(',').map(Number);
const backend = process.env.TFRL_BACKEND ?? 'wasm';
await initBackend(backend, { quiet: true });

const load = () =>
  execSync('uptime')
    .toString()
    .trim()
    .replace(/.*load average: /, '');

// RL-Zoo (rl-baselines3-zoo hyperparams/dqn.yml) values, camelCase.
const ZOO = {
  'CartPole-v1': {
    steps: 5e4,
    threshold: 475,
    hp: {
      learningRate: 2.3e-3,
      batchSize: 64,
      bufferSize: 100000,
      learningStarts: 1000,
      gamma: 0.99,
      targetUpdateInterval: 10,
      trainFreq: 256,
      gradientSteps: 128,
      explorationFraction: 0.16,
      explorationFinalEps: 0.04,
      netArch: [256, 256],
    },
  },
  'Acrobot-v1': {
    steps: 1e5,
    threshold: -100,
    hp: {
      learningRate: 6.3e-4,
      batchSize: 128,
      bufferSize: 50000,
      learningStarts: 0,
      gamma: 0.99,
      targetUpdateInterval: 250,
      trainFreq: 4,
      gradientSteps: -1,
      explorationFraction: 0.12,
      explorationFinalEps: 0.1,
      netArch: [256, 256],
    },
  },
  'MountainCar-v0': {
    steps: 1.2e5,
    threshold: -110,
    hp: {
      learningRate: 4e-3,
      batchSize: 128,
      bufferSize: 10000,
      learningStarts: 1000,
      gamma: 0.98,
      targetUpdateInterval: 600,
      trainFreq: 16,
      gradientSteps: 8,
      explorationFraction: 0.2,
      explorationFinalEps: 0.07,
      netArch: [256, 256],
    },
  },
  'LunarLander-v3': {
    steps: 5e5,
    threshold: 200,
    hp: {
      learningRate: 6.3e-4,
      batchSize: 128,
      bufferSize: 50000,
      learningStarts: 0,
      gamma: 0.99,
      targetUpdateInterval: 250,
      trainFreq: 4,
      gradientSteps: -1,
      explorationFraction: 0.12,
      explorationFinalEps: 0.1,
      netArch: [256, 256],
    },
  },
};

// The zoo's LunarLander entry is a 1e5-step config; run to 5e5 its final model is poor (constant lr,
// ε held at 0.1, a 5e4 buffer). This one is built to be good at the end of 5e5 steps: Double DQN, lr
// decaying linearly to 0, ε 1 → 0.02 over the first 10 %, a 2e5 buffer, 10k random warm-up steps and
// one update of 128 per 4 env steps (a quarter of the zoo's updates).
const LUNAR_5E5 = {
  steps: 5e5,
  threshold: 200,
  hp: {
    learningRate: 'lin_6.3e-4',
    batchSize: 128,
    bufferSize: 200000,
    learningStarts: 10000,
    gamma: 0.99,
    targetUpdateInterval: 1000,
    trainFreq: 4,
    gradientSteps: 1,
    explorationFraction: 0.1,
    explorationFinalEps: 0.02,
    netArch: [256, 256],
    double: true,
  },
};

// Rainbow on CartPole: Rainbow's extensions at their defaults (double, dueling, PER α 0.5 β 0.4→1,
// 3-step, noisy σ0 0.5 with ε = 0, C51 51 atoms on [0, 100] — γ = 0.99 bounds the return at 100),
// the paper's per-step schedule (one update every 4 steps, batch 32) and a [128, 128] net. Rainbow's
// update is ~6x the cost of a plain DQN update here, so it gets a quarter of DQN's update budget.
const RAINBOW_CARTPOLE = {
  learningRate: 1e-3,
  batchSize: 32,
  bufferSize: 100000,
  learningStarts: 1000,
  gamma: 0.99,
  targetUpdateInterval: 500,
  trainFreq: 4,
  gradientSteps: 1,
  netArch: [128, 128],
  vMin: 0,
  vMax: 100,
};

// The same Rainbow with DQN's update budget per env step: the zoo DQN config does 128 updates of
// batch 64 every 256 steps (0.5 updates of 64 samples per env step); the config above does 0.25
// updates of 32 (a quarter of the samples). Here: 2 updates of batch 64 every 4 steps.
const RAINBOW_CARTPOLE_MATCHED = { ...RAINBOW_CARTPOLE, batchSize: 64, gradientSteps: 2 };

// Rainbow on the zoo DQN's own schedule: every hyperparameter the two share is the tuned DQN's (lr 2.3e-3,
// batch 64, 128 updates every 256 steps, target synced every 10 steps, [256, 256], 1000 warm-up
// steps), with all of Rainbow's switches on at the preset's values (ε = 0: noisy nets explore).
const RAINBOW_CARTPOLE_ZOO = {
  learningRate: 2.3e-3,
  batchSize: 64,
  bufferSize: 100000,
  learningStarts: 1000,
  gamma: 0.99,
  targetUpdateInterval: 10,
  trainFreq: 256,
  gradientSteps: 128,
  netArch: [256, 256],
  vMin: 0,
  vMax: 100,
};

/** Periodic deterministic evaluation (learning curve) on a separate env. */
class EvalCurve extends BaseCallback {
  constructor(envId, every, nEpisodes, threshold) {
    super();
    this.envId = envId;
    this.every = every;
    this.nEpisodes = nEpisodes;
    this.threshold = threshold;
    this.next = every;
    this.curve = [];
    this.reachedAt = null;
    this.evalSeconds = 0;
  }
  onStep(ctx) {
    if (this.every <= 0 || ctx.numTimesteps < this.next) return true;
    this.next += this.every;
    const t0 = performance.now();
    const r = evaluatePolicy(ctx.algorithm, make(this.envId), {
      nEpisodes: this.nEpisodes,
      deterministic: true,
      seed: 10_000 + ctx.numTimesteps,
    });
    this.evalSeconds += (performance.now() - t0) / 1000;
    this.curve.push([ctx.numTimesteps, r.meanReward]);
    if (this.reachedAt === null && r.meanReward >= this.threshold) this.reachedAt = ctx.numTimesteps;
    return !(earlyStop && this.reachedAt !== null);
  }
}

async function run({ algo, envId, seed, hp, steps, threshold, evalEvery = 0 }) {
  const Cls = algo === 'Rainbow' ? Rainbow : DQN;
  const agent = new Cls({ env: makeVec(envId, 1, { seed }), seed, ...hp });
  const cb = new EvalCurve(envId, evalEvery, earlyStop ? 10 : 5, threshold);
  const loadBefore = load();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await agent.learn({ totalTimesteps: steps, callbacks: cb });
  const wall = (performance.now() - t0) / 1000 - cb.evalSeconds;
  const cu = process.cpuUsage(c0);
  const loadAfter = load();
  const fin = evaluatePolicy(agent, make(envId), { nEpisodes: 10, deterministic: true, seed: 424242 + seed });
  const res = {
    algo,
    envId,
    seed,
    steps: agent.numTimesteps,
    gradientSteps: agent.numUpdates,
    wallSeconds: +wall.toFixed(1),
    stepsPerSecond: Math.round(agent.numTimesteps / wall),
    cpuSeconds: +((cu.user + cu.system) / 1e6 - cb.evalSeconds).toFixed(1),
    evalMean: +fin.meanReward.toFixed(1),
    evalStd: +fin.stdReward.toFixed(1),
    reachedThresholdAt: cb.reachedAt,
    earlyStop,
    hyperparameters: hp,
    curve: cb.curve,
    backend,
    loadBefore,
    loadAfter,
    tensors: tf.memory().numTensors,
  };
  agent.dispose();
  console.log(JSON.stringify({ ...res, curve: undefined }));
  return res;
}

/** A line plot of several curves (tiny rasteriser, white background, 1-px axes). */
function plotCurves(file, series, { width = 640, height = 400, yMin, yMax, xMax }) {
  const data = new Uint8Array(width * height * 3).fill(255);
  const pad = 40;
  const px = (x) => pad + Math.round((x / xMax) * (width - 2 * pad));
  const py = (y) => height - pad - Math.round(((y - yMin) / (yMax - yMin)) * (height - 2 * pad));
  const set = (x, y, c) => {
    if (x < 0 || y < 0 || x >= width || y >= height) return;
    const o = (y * width + x) * 3;
    data[o] = c[0];
    data[o + 1] = c[1];
    data[o + 2] = c[2];
  };
  const line = (x0, y0, x1, y1, c) => {
    const n = Math.max(Math.abs(x1 - x0), Math.abs(y1 - y0), 1);
    for (let i = 0; i <= n; i++) {
      const x = Math.round(x0 + ((x1 - x0) * i) / n);
      const y = Math.round(y0 + ((y1 - y0) * i) / n);
      set(x, y, c);
      set(x, y + 1, c);
    }
  };
  const axis = [0, 0, 0];
  line(pad, height - pad, width - pad, height - pad, axis);
  line(pad, pad, pad, height - pad, axis);
  for (let k = 0; k <= 5; k++) {
    const yv = yMin + ((yMax - yMin) * k) / 5;
    line(pad - 4, py(yv), pad, py(yv), axis);
    const xv = (xMax * k) / 5;
    line(px(xv), height - pad, px(xv), height - pad + 4, axis);
  }
  // threshold line (dashed grey)
  for (const s of series) {
    if (s.threshold === undefined) continue;
    for (let x = pad; x < width - pad; x += 6) line(x, py(s.threshold), x + 2, py(s.threshold), [150, 150, 150]);
  }
  for (const s of series) {
    for (let i = 1; i < s.points.length; i++) {
      const [xa, ya] = s.points[i - 1];
      const [xb, yb] = s.points[i];
      line(px(xa), py(ya), px(xb), py(yb), s.color);
    }
  }
  writePng(file, { width, height, channels: 3, data });
}

const resultsDir = path.join(here, 'results');
fs.mkdirSync(resultsDir, { recursive: true });
const out = {
  suite,
  backend,
  node: process.version,
  command: `node bench/dqn.mjs ${process.argv.slice(2).join(' ')}`,
  started: new Date().toISOString(),
  runs: [],
};
const save = () => {
  const file = path.join(
    resultsDir,
    `dqn-${suite.startsWith('plot') ? suite.replace('plot', 'rainbow') : suite}${earlyStop ? '-earlystop' : ''}.json`,
  );
  if (fs.existsSync(file)) {
    // Seeds may run as parallel processes: keep the other seeds' runs already in the file.
    const others = JSON.parse(fs.readFileSync(file, 'utf8')).runs.filter((r) => !seeds.includes(r.seed));
    const mine = out.runs.filter((r) => seeds.includes(r.seed));
    out.runs = [...others, ...mine].sort((a, b) => a.seed - b.seed);
  }
  fs.writeFileSync(file, `${JSON.stringify(out, null, 1)}\n`);
};

const envFor = {
  cartpole: 'CartPole-v1',
  acrobot: 'Acrobot-v1',
  mountaincar: 'MountainCar-v0',
  lunarlander: 'LunarLander-v3',
  'lunarlander-5e5': 'LunarLander-v3',
  throughput: 'CartPole-v1',
};
if (suite in envFor) {
  const envId = envFor[suite];
  if (!listEnvs().includes(envId)) {
    console.log(`${envId} is not registered (listEnvs: ${listEnvs().join(', ')})`);
    process.exit(0);
  }
  const z = suite === 'lunarlander-5e5' ? LUNAR_5E5 : ZOO[envId];
  for (const seed of seeds) {
    out.runs.push(
      await run({
        algo: 'DQN',
        envId,
        seed,
        hp: z.hp,
        steps: z.steps,
        threshold: z.threshold,
        evalEvery: suite === 'throughput' ? 0 : z.steps / 20,
      }),
    );
    save();
  }
} else if (suite === 'step') {
  // CPU and wall ms per gradient step of the CartPole zoo config (phases of 128 steps, as in training),
  // to compare with bench/dqn_step_torch.py under the same load.
  for (const [name, extra] of [
    ['DQN', {}],
    ['Double DQN', { double: true }],
  ]) {
    const agent = new DQN({ env: makeVec('CartPole-v1', 1, { seed: 0 }), seed: 0, ...ZOO['CartPole-v1'].hp, ...extra });
    await agent.learn({ totalTimesteps: 1000 }); // random collection only (learningStarts = 1000)
    agent.train(128);
    const loadBefore = load();
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const phases = 8;
    for (let i = 0; i < phases; i++) agent.train(128);
    const wall = performance.now() - t0;
    const cu = process.cpuUsage(c0);
    const r = {
      impl: `tfrl ${name}`,
      backend,
      gradientSteps: phases * 128,
      wallMsPerStep: +(wall / phases / 128).toFixed(3),
      cpuMsPerStep: +((cu.user + cu.system) / 1000 / phases / 128).toFixed(3),
      loadBefore,
      loadAfter: load(),
    };
    console.log(JSON.stringify(r));
    out.runs.push(r);
    agent.dispose();
  }
} else if (['rainbow', 'rainbow-matched', 'rainbow-zoo', 'plot', 'plot-matched', 'plot-zoo'].includes(suite)) {
  const z = ZOO['CartPole-v1'];
  const variant = suite.endsWith('matched') ? 'matched' : suite.endsWith('zoo') ? 'zoo' : 'base';
  const rainbowHp = { base: RAINBOW_CARTPOLE, matched: RAINBOW_CARTPOLE_MATCHED, zoo: RAINBOW_CARTPOLE_ZOO }[variant];
  const tag = variant === 'base' ? 'rainbow' : `rainbow-${variant}`;
  const file = path.join(resultsDir, `dqn-${tag}.json`);
  if (suite.startsWith('rainbow')) {
    // Keep earlier seeds' runs (seeds can be run as separate processes).
    if (fs.existsSync(file)) out.runs = JSON.parse(fs.readFileSync(file, 'utf8')).runs.filter((r) => !seeds.includes(r.seed));
    for (const seed of seeds) {
      out.runs.push(
        await run({ algo: 'Rainbow', envId: 'CartPole-v1', seed, hp: rainbowHp, steps: z.steps, threshold: z.threshold, evalEvery: 2500 }),
      );
      save();
    }
  } else {
    const prev = JSON.parse(fs.readFileSync(file, 'utf8'));
    out.runs = prev.runs;
    out.command = `node bench/dqn.mjs ${tag} <seed> (one process per seed), then node bench/dqn.mjs ${tag.replace('rainbow', 'plot')}`;
    out.started = prev.started;
  }
  // DQN curves come from the cartpole suite (same eval every 2500 steps, 5 episodes).
  const dqnFile = path.join(resultsDir, 'dqn-cartpole.json');
  const dqnRuns = fs.existsSync(dqnFile) ? JSON.parse(fs.readFileSync(dqnFile, 'utf8')).runs : [];
  const colors = { Rainbow: [220, 40, 40], DQN: [30, 90, 220] };
  const all = [...out.runs, ...dqnRuns];
  const png = `dqn-${tag}-cartpole.png`;
  plotCurves(
    path.join(resultsDir, png),
    all.map((r) => ({ points: [[0, 9], ...r.curve], color: colors[r.algo], threshold: 475 })),
    { yMin: 0, yMax: 500, xMax: z.steps },
  );
  out.hyperparameters = rainbowHp;
  out.plot = `bench/results/${png} (red: Rainbow, blue: DQN (bench/results/dqn-cartpole.json); x: env steps 0–5e4, y: 5-episode deterministic eval return 0–500; grey dashes: 475)`;
  out.dqnCurvesFrom = 'bench/results/dqn-cartpole.json';
  if (suite.startsWith('plot')) {
    out.suite = tag;
    fs.writeFileSync(file, `${JSON.stringify(out, null, 1)}\n`);
    process.exit(0);
  }
} else {
  throw new Error(`bench/dqn.mjs: unknown suite ${suite}`);
}
out.finished = new Date().toISOString();
save();
