// WorkerVecEnv vs SyncVecEnv on an expensive env (LunarLander-v3): wall-clock steps/s of N envs
// stepped in this thread vs in worker threads (both cores). Run it on an otherwise idle machine:
// the worker version can only gain if a second core is free.
//
//   npx -y pnpm@10.34.9 --filter @tfrl/core --filter @tfrl/envs build
//   node bench/worker-vec.mjs [--env LunarLander-v3] [--n 8] [--seconds 3] [--reps 3]
// Writes bench/results/worker-vec.json.
import { execSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Rng } from '../packages/core/dist/index.js';
import { WorkerVecEnv, makeVec } from '../packages/envs/dist/index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : def;
};
const envId = opt('env', 'LunarLander-v3');
const n = Number(opt('n', '8'));
const seconds = Number(opt('seconds', '3'));
const reps = Number(opt('reps', '3'));
const load = () =>
  execSync('uptime')
    .toString()
    .trim()
    .replace(/.*load average: /, '');

function measure(vec) {
  const rng = new Rng(3);
  const space = vec.singleActionSpace;
  const discrete = space.constructor.name === 'Discrete';
  const batches = Array.from({ length: 16 }, () => {
    const a = discrete ? new Int32Array(n * vec.actDim) : new Float32Array(n * vec.actDim);
    for (let i = 0; i < n; i++) space.writeCompact(space.sample(rng), a, i * vec.actDim);
    return a;
  });
  vec.reset(0);
  for (let k = 0; k < 200; k++) vec.step(batches[k % 16]); // warm-up
  const out = [];
  for (let r = 0; r < reps; r++) {
    let steps = 0;
    const t0 = performance.now();
    while (performance.now() - t0 < seconds * 1000) {
      for (let k = 0; k < 50; k++) vec.step(batches[k % 16]);
      steps += 50 * n;
    }
    out.push(steps / ((performance.now() - t0) / 1000));
  }
  out.sort((a, b) => a - b);
  return out;
}

const res = {
  command: `node bench/worker-vec.mjs ${args.join(' ')}`,
  envId,
  n,
  seconds,
  reps,
  node: process.version,
  loadBefore: load(),
  runs: {},
};
for (const [name, make] of [
  ['SyncVecEnv', () => makeVec(envId, n, { vectorization: 'sync' })],
  ['WorkerVecEnv (2 workers)', () => new WorkerVecEnv(envId, n, { numWorkers: 2 })],
  ['SyncVecEnv (again)', () => makeVec(envId, n, { vectorization: 'sync' })],
  ['WorkerVecEnv (2 workers, again)', () => new WorkerVecEnv(envId, n, { numWorkers: 2 })],
]) {
  const vec = make();
  const sps = measure(vec);
  vec.close();
  res.runs[name] = sps.map((v) => Math.round(v));
  console.log(`${name.padEnd(32)} ${sps.map((v) => Math.round(v)).join(', ')} steps/s (wall)`);
}
res.loadAfter = load();
fs.mkdirSync(path.join(here, 'results'), { recursive: true });
fs.writeFileSync(path.join(here, 'results', 'worker-vec.json'), `${JSON.stringify(res, null, 1)}\n`);
