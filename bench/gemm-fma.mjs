// GFLOP/s of the dense layers' 256-wide matrix products on ONE thread (wasm backend): the plain
// heap gemm of @tfrl/core (f32x4 mul + add), its FMA build (f32x4.relaxed_madd, WebAssembly relaxed
// SIMD), and tf.matMul (XNNPACK). Blocks of calls alternate between the three in one process (the
// order reversed every round), so drifts of a shared machine hit all alike; the median over rounds
// of CPU time per block is reported (wall time too). Writes bench/results/gemm-fma.json: one run
// per Node version and flag set, replacing an earlier run of the same.
//
//   npx -y pnpm@10.34.9 --filter @tfrl/core build
//   npx -y node@24 bench/gemm-fma.mjs [--rounds 7] [--ms 40]             # relaxed SIMD on by default
//   node --experimental-wasm-relaxed-simd bench/gemm-fma.mjs              # Node 20 (NODE_OPTIONS may not carry V8 flags there)
//   npx -y node@24 bench/gemm-fma.mjs --sac 2000 [--pairs 3]             # end to end (also builds envs, policy-gradient)
//
// `--sac N`: instead of the table, N steps of SAC on Pendulum-v1 (RL-Zoo settings: [256, 256] nets,
// batch 256, learning rate 1e-3, seed 0) from scratch, alternately with the FMA gemm on and off
// (on, off, off, on, on, off, …: `--pairs` pairs), in one process; wall and CPU seconds per run
// and a hash of the trained actor's weights (same path → same hash; FMA and plain differ).
// Products: the forward of a 256 → 256 layer on a batch of B = 256 and 64 (x [B, 256]·W [256, 256];
// the input gradient dx = dz·Wᵀ is the same product after a transpose) and the weight gradient
// dW = xᵀ·dz (x, dz [B, 256]; the heap gemm reads xᵀ in place). XNNPACK has no in-place transpose:
// its xᵀ·dz is timed as tf.transpose + tf.matMul (the dense layers' fallback).
import { execSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../packages/core/dist/index.js';
import {
  GEMM,
  heapGemmFma,
  heapKernelsActive,
  registerHeapKernels,
  setHeapGemmFma,
  wasmRelaxedSimd,
} from '../packages/core/dist/internal.js';

const arg = (name, def) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
};
const ROUNDS = arg('rounds', 7);
const BLOCK_MS = arg('ms', 40); // target CPU time of one block
const here = path.dirname(fileURLToPath(import.meta.url));
const load = () =>
  os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const loadBefore = load();
await initBackend('wasm', { quiet: true });
registerHeapKernels();
if (!heapKernelsActive()) throw new Error('gemm-fma: the heap kernels are not active (wasm backend with SIMD needed)');
const relaxed = wasmRelaxedSimd();
if (!relaxed) console.error('gemm-fma: this engine has no WebAssembly relaxed SIMD: the FMA column stays empty');

if (process.argv.includes('--sac')) {
  await sacAB(arg('sac', 2000), arg('pairs', 3));
  process.exit(0);
}

const shapes = [
  { name: 'fwd [256,256]·[256,256]', R: 256, Q: 256, N: 256, transA: false },
  { name: 'fwd [64,256]·[256,256]', R: 64, Q: 256, N: 256, transA: false },
  { name: 'dW [256,256]ᵀ·[256,256]', R: 256, Q: 256, N: 256, transA: true },
  { name: 'dW [64,256]ᵀ·[64,256]', R: 256, Q: 64, N: 256, transA: true },
];

const variants = [
  { name: 'heap', run: (a, b, transA) => gemmKernel(a, b, transA, false) },
  ...(relaxed ? [{ name: 'heapFma', run: (a, b, transA) => gemmKernel(a, b, transA, true) }] : []),
  {
    name: 'xnnpack',
    run: (a, b, transA) => {
      if (!transA) return tf.matMul(a, b);
      const at = tf.transpose(a);
      const c = tf.matMul(at, b);
      at.dispose();
      return c;
    },
  },
];

function gemmKernel(a, b, transA, fma) {
  setHeapGemmFma(fma);
  return tf.engine().runKernel(GEMM, { a, b }, { transA, act: 0 });
}

/** CPU and wall ms per call over `reps` calls. */
function block(v, a, b, transA, reps) {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) v.run(a, b, transA).dispose();
  const wall = performance.now() - t0;
  const cu = process.cpuUsage(c0);
  return { cpu: (cu.user + cu.system) / 1000 / reps, wall: wall / reps };
}

const results = [];
for (const s of shapes) {
  const { R, Q, N, transA } = s;
  const a = tf.randomNormal(transA ? [Q, R] : [R, Q], 0, 1, 'float32', 1);
  const b = tf.randomNormal([Q, N], 0, 1, 'float32', 2);
  const flop = 2 * R * Q * N;
  // warm-up (tier-up of every module), then the calls per block for about BLOCK_MS
  let perCall = 0;
  for (const v of variants) perCall = Math.max(perCall, block(v, a, b, transA, 20).cpu);
  const reps = Math.max(3, Math.round(BLOCK_MS / Math.max(perCall, 1e-3)));
  const samples = Object.fromEntries(variants.map((v) => [v.name, []]));
  for (let r = 0; r < ROUNDS; r++) {
    for (const v of r % 2 === 0 ? variants : [...variants].reverse()) samples[v.name].push(block(v, a, b, transA, reps));
  }
  const rec = { product: s.name, R, Q, N, transA, flop, repsPerBlock: reps };
  for (const v of variants) {
    const cpu = median(samples[v.name].map((x) => x.cpu));
    const wall = median(samples[v.name].map((x) => x.wall));
    rec[v.name] = {
      gflops: +(flop / cpu / 1e6).toFixed(1),
      cpuMsPerCall: +cpu.toFixed(4),
      wallMsPerCall: +wall.toFixed(4),
      gflopsPerRound: samples[v.name].map((x) => +(flop / x.cpu / 1e6).toFixed(1)),
    };
  }
  console.log(`${s.name.padEnd(26)} ${variants.map((v) => `${v.name} ${rec[v.name].gflops.toFixed(1)}`).join('   ')}  GFLOP/s`);
  results.push(rec);
  tf.dispose([a, b]);
}
setHeapGemmFma('auto');

const flags = process.execArgv.filter((f) => f.startsWith('--'));
writeRun('runs', {
  command: `node ${flags.join(' ')}${flags.length ? ' ' : ''}bench/gemm-fma.mjs ${process.argv.slice(2).join(' ')}`.trim(),
  date: new Date().toISOString(),
  ...engine(),
  rounds: ROUNDS,
  metric: 'GFLOP/s = 2·R·Q·N / median CPU time per call (process.cpuUsage over a block of calls)',
  loadavgBefore: loadBefore,
  loadavgAfter: load(),
  uptime: execSync('uptime').toString().trim(),
  results,
});

/** Node, V8, flags, backend, relaxed SIMD: what decides which kernels run. */
function engine() {
  return {
    node: process.version,
    v8: process.versions.v8,
    execArgv: process.execArgv.filter((f) => f.startsWith('--')),
    backend: tf.getBackend(),
    threads: 1,
    relaxedSimd: relaxed,
    defaultFma: heapGemmFma(),
    cpu: os.cpus()[0]?.model ?? '',
  };
}

/** Store `run` under `key` of bench/results/gemm-fma.json, replacing a run of the same Node version and flags. */
function writeRun(key, run) {
  const file = path.join(here, 'results', 'gemm-fma.json');
  const prev = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : {};
  const same = (x) => x.node === run.node && JSON.stringify(x.execArgv) === JSON.stringify(run.execArgv);
  const out = { ...prev, [key]: [...(prev[key] ?? []).filter((x) => !same(x)), run] };
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify(out, null, 2)}\n`);
  console.log(`load ${run.loadavgBefore} → ${run.loadavgAfter}; wrote ${path.relative(process.cwd(), file)} (${key})`);
}

async function sacAB(steps, pairs) {
  if (!relaxed) throw new Error('gemm-fma --sac: this engine has no WebAssembly relaxed SIMD, nothing to compare');
  const { make } = await import('../packages/envs/dist/index.js');
  const { SAC } = await import('../packages/policy-gradient/dist/index.js');
  const order = Array.from({ length: pairs }, (_, i) => (i % 2 === 0 ? [true, false] : [false, true])).flat();
  const runs = [];
  for (const fma of order) {
    setHeapGemmFma(fma);
    const agent = new SAC({ env: make('Pendulum-v1'), seed: 0, learningRate: 1e-3 });
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await agent.learn({ totalTimesteps: steps });
    const wall = (performance.now() - t0) / 1000;
    const cu = process.cpuUsage(c0);
    // FNV-1a over the actor's float32 weights
    let h = 0x811c9dc5;
    for (const v of agent.actor.trainableVariables) {
      for (const byte of new Uint8Array(v.dataSync().buffer)) h = Math.imul(h ^ byte, 0x01000193) >>> 0;
    }
    const rec = {
      fma,
      wallSeconds: +wall.toFixed(2),
      cpuSeconds: +((cu.user + cu.system) / 1e6).toFixed(2),
      actorHash: h.toString(16),
      load: load(),
    };
    console.log(JSON.stringify(rec));
    runs.push(rec);
    agent.dispose();
  }
  setHeapGemmFma('auto');
  const med = (on, k) => median(runs.filter((r) => r.fma === on).map((r) => r[k]));
  const summary = {
    medianWallOn: med(true, 'wallSeconds'),
    medianWallOff: med(false, 'wallSeconds'),
    medianCpuOn: med(true, 'cpuSeconds'),
    medianCpuOff: med(false, 'cpuSeconds'),
  };
  summary.cpuSpeedup = +(summary.medianCpuOff / summary.medianCpuOn).toFixed(3);
  console.log(JSON.stringify(summary));
  const flagsNow = process.execArgv.filter((f) => f.startsWith('--'));
  writeRun('sac', {
    command: `node ${flagsNow.join(' ')}${flagsNow.length ? ' ' : ''}bench/gemm-fma.mjs ${process.argv.slice(2).join(' ')}`.trim(),
    date: new Date().toISOString(),
    ...engine(),
    task: `SAC Pendulum-v1, ${steps} steps from scratch (learningStarts 100, batch 256, [256, 256]), seed 0`,
    loadavgBefore: loadBefore,
    loadavgAfter: load(),
    uptime: execSync('uptime').toString().trim(),
    summary,
    runs,
  });
}
