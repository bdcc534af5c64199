#!/usr/bin/env node
/**
 * Environment throughput of @tfrl/envs (the BUILT package): steps per second of every registered
 * env, single (`make(id)`, with its TimeLimit) and vectorised (`makeVec(id, n)`: the native
 * batched VecEnv for classic control, a SyncVecEnv for the rest) at N = 1, 8, 64, 1024, 4096.
 *
 *   npx -y pnpm@10.34.9 --filter @tfrl/core --filter @tfrl/envs build
 *   node bench/envs-throughput.mjs [--only CartPole-v1,Pendulum-v1] [--seconds 0.4] [--reps 3] [--out path] [--gym path]
 *
 * Actions are pre-generated valid random actions (sampled from the action space with a seeded Rng,
 * cycled), so the env dominates the timing. Each number is the median of `--reps` runs of about
 * `--seconds` each, as steps per wall-clock second and per CPU second of the process
 * (`process.cpuUsage`, all threads incl. GC/JIT; on a loaded machine the CPU figure is the stable one). SyncVecEnv throughput does not depend on N beyond N ≈ 64 (it steps one env
 * after another), so for non-batched envs N is capped at 256 (larger N only costs memory and time).
 * Each env is measured in its own child process (fresh JIT state, as in a training run).
 * If bench/results/envs-throughput-gym.json (or `--gym path`) exists (from bench/envs_throughput_gym.py), the ratios
 * to Gymnasium are computed. Writes bench/results/envs-throughput.json and prints a Markdown table.
 */

import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync, existsSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Rng } from '../packages/core/dist/index.js';
import { envSpec, listEnvs, make, makeVec } from '../packages/envs/dist/index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : def;
};
const only = opt('only', '')
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean);
const seconds = Number(opt('seconds', '0.4'));
const reps = Number(opt('reps', '3'));
const outPath = opt('out', path.join(here, 'results', 'envs-throughput.json'));
const child = args.includes('--child');
const NS = [1, 8, 64, 1024, 4096];
const SYNC_MAX_N = 256;
const BATCHED = new Set(['CartPole-v1', 'MountainCar-v0', 'MountainCarContinuous-v0', 'Pendulum-v1', 'Acrobot-v1']);

/** CPU seconds of this process (all threads, user + system) since `c0`. */
const cpuSeconds = (c0) => {
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1e6;
};

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

function benchSingle(id) {
  const env = make(id);
  const rng = new Rng(1);
  const K = 4096;
  const actions = Array.from({ length: K }, () => env.actionSpace.sample(rng));
  env.reset({ seed: 0 });
  const run = () => {
    let steps = 0;
    let k = 0;
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    let t = t0;
    while (t - t0 < seconds * 1000) {
      for (let j = 0; j < 1000; j++) {
        const r = env.step(actions[k]);
        k = (k + 1) & (K - 1);
        if (r.terminated || r.truncated) env.reset();
      }
      steps += 1000;
      t = performance.now();
    }
    return [steps / ((t - t0) / 1000), steps / cpuSeconds(c0)];
  };
  run(); // warm-up
  const out = Array.from({ length: reps }, run);
  env.close();
  return { wall: median(out.map((x) => x[0])), cpu: median(out.map((x) => x[1])) };
}

function benchVec(id, n) {
  const vec = makeVec(id, n, { seed: 0 });
  const rng = new Rng(2);
  const space = vec.singleActionSpace;
  const actDim = space.compactDim;
  const B = 8;
  const discrete = space.constructor.name === 'Discrete';
  const batches = Array.from({ length: B }, () => {
    const a = discrete ? new Int32Array(n * actDim) : new Float32Array(n * actDim);
    for (let i = 0; i < n; i++) space.writeCompact(space.sample(rng), a, i * actDim);
    return a;
  });
  vec.reset();
  const run = () => {
    let steps = 0;
    let k = 0;
    const chunk = Math.max(1, Math.floor(20000 / n));
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    let t = t0;
    while (t - t0 < seconds * 1000) {
      for (let j = 0; j < chunk; j++) {
        vec.step(batches[k]);
        k = (k + 1) % B;
      }
      steps += chunk * n;
      t = performance.now();
    }
    return [steps / ((t - t0) / 1000), steps / cpuSeconds(c0)];
  };
  run();
  const out = Array.from({ length: reps }, run);
  vec.close();
  return { sps: median(out.map((x) => x[0])), cpu: median(out.map((x) => x[1])), impl: vec.constructor.name };
}

const ids = listEnvs().filter((id) => only.length === 0 || only.includes(id));
const missing = only.filter((id) => !listEnvs().includes(id));
if (missing.length) {
  console.error(`unknown env ids: ${missing.join(', ')}; registered: ${listEnvs().join(', ')}`);
  process.exit(2);
}
function benchEnv(id) {
  const row = { single: null, singleCpu: null, vec: {}, vecCpu: {}, vecImpl: null, maxEpisodeSteps: envSpec(id)?.maxEpisodeSteps ?? null };
  try {
    const s1 = benchSingle(id);
    row.single = s1.wall;
    row.singleCpu = s1.cpu;
    for (const n of NS) {
      if (!BATCHED.has(id) && n > SYNC_MAX_N) continue;
      const v = benchVec(id, n);
      row.vec[n] = v.sps;
      row.vecCpu[n] = v.cpu;
      row.vecImpl = v.impl;
    }
  } catch (e) {
    row.error = String(e?.message ?? e);
  }
  return row;
}

if (child) {
  // One env per process, so the JIT sees only that env's classes (as a user's training run does).
  process.stdout.write(JSON.stringify(benchEnv(ids[0])));
  process.exit(0);
}

const load0 = os.loadavg();
const results = {};
for (const id of ids) {
  const json = execFileSync(
    process.execPath,
    [fileURLToPath(import.meta.url), '--only', id, '--seconds', String(seconds), '--reps', String(reps), '--child'],
    {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      maxBuffer: 1 << 24,
    },
  );
  const row = JSON.parse(json);
  results[id] = row;
  const f = (x) => (x == null ? '-' : `${(x / 1e6).toFixed(3)}M`);
  console.error(
    `${id}: single ${f(row.single)} | ${NS.map((n) => `N=${n} ${f(row.vec[n])}`).join(' | ')} ${row.vecImpl ?? ''} ${row.error ?? ''}`,
  );
}
const load1 = os.loadavg();

const gymPath = opt('gym', path.join(here, 'results', 'envs-throughput-gym.json'));
const gym = existsSync(gymPath) ? JSON.parse(readFileSync(gymPath, 'utf8')) : null;

const out = {
  command: `node bench/envs-throughput.mjs ${args.join(' ')}`.trim(),
  date: new Date().toISOString(),
  machine: { cpu: os.cpus()[0]?.model, cores: os.cpus().length, node: process.version, platform: `${os.platform()} ${os.release()}` },
  loadavg: { before: load0, after: load1 },
  seconds,
  reps,
  ns: NS,
  syncMaxN: SYNC_MAX_N,
  results,
  gymnasium: gym,
};
mkdirSync(path.dirname(outPath), { recursive: true });
writeFileSync(outPath, `${JSON.stringify(out, null, 2)}\n`);

// Markdown tables
const fmt = (x) => (x == null ? '–' : x >= 1e6 ? `${(x / 1e6).toFixed(2)} M` : `${(x / 1e3).toFixed(1)} k`);
const ratio = (a, b) => (a == null || b == null ? '–' : `${(a / b).toFixed(1)}×`);
const lines = [];
lines.push(
  '| env | tfrl single | Gymnasium single | ratio | tfrl single / CPU-s | Gymnasium / CPU-s | ratio per CPU-s (target ≥ 10×) | ' +
    NS.map((n) => `N=${n}`).join(' | ') +
    ' | VecEnv |',
);
lines.push(`|${' --- |'.repeat(8 + NS.length)}`);
for (const id of ids) {
  const r = results[id];
  const g = gym?.single?.[id] ?? null;
  const gc = gym?.singleCpu?.[id] ?? null;
  lines.push(
    `| ${id} | ${fmt(r.single)} | ${fmt(g)} | ${ratio(r.single, g)} | ${fmt(r.singleCpu)} | ${fmt(gc)} | ${ratio(r.singleCpu, gc)} | ${NS.map((n) => fmt(r.vec[n])).join(' | ')} | ${r.vecImpl ?? r.error ?? ''} |`,
  );
}
if (gym?.cartpoleVector && results['CartPole-v1']) {
  const cp = results['CartPole-v1'];
  const gv = gym.cartpoleVector;
  const gvc = gym.cartpoleVectorCpu ?? {};
  lines.push('');
  lines.push(`| CartPole-v1 vectorised, steps/s | ${NS.map((n) => `N=${n}`).join(' | ')} |`);
  lines.push(`|${' --- |'.repeat(1 + NS.length)}`);
  lines.push(`| tfrl CartPoleVecEnv (batched) | ${NS.map((n) => fmt(cp.vec[n])).join(' | ')} |`);
  lines.push(`| Gymnasium CartPoleVectorEnv (NumPy) | ${NS.map((n) => fmt(gv[n])).join(' | ')} |`);
  lines.push(`| ratio | ${NS.map((n) => ratio(cp.vec[n], gv[n])).join(' | ')} |`);
  lines.push(`| tfrl per CPU-s | ${NS.map((n) => fmt(cp.vecCpu[n])).join(' | ')} |`);
  lines.push(`| Gymnasium per CPU-s | ${NS.map((n) => fmt(gvc[n])).join(' | ')} |`);
  lines.push(`| ratio per CPU-s (target ≥ 1.5× at N ≥ 1024) | ${NS.map((n) => ratio(cp.vecCpu[n], gvc[n])).join(' | ')} |`);
}
lines.push('');
lines.push(
  `load average before ${load0.map((x) => x.toFixed(2)).join(' ')}, after ${load1.map((x) => x.toFixed(2)).join(' ')}; ${out.machine.cpu}, ${out.machine.cores} cores, Node ${process.version}`,
);
console.log(lines.join('\n'));
