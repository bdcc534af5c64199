/**
 * LunarLander-v3 steps per second: one env in this thread, a SyncVecEnv of N envs, and
 * WorkerVecEnv over 1 and 2 workers. Random discrete actions (so episodes are short and resets are
 * included). Each measurement is repeated; the median is printed with the load average. Besides
 * wall-clock steps/s it prints steps per CPU-second of the whole process (all threads, from
 * process.cpuUsage), which is what "per core" means and is less sensitive to other load.
 *
 *   npx -y pnpm@10.34.9 --filter @tfrl/envs build   # the workers run dist/
 *   cd packages/envs && npx tsx bench/lunar-lander-throughput.ts [numEnvs=8] [seconds=2] [repeats=5]
 */
import { loadavg } from 'node:os';
import { RecordEpisodeStatistics, Rng, SyncVecEnv, type VecEnv } from '@tfrl/core';
import { make } from '../src/registry';
import { WorkerVecEnv } from '../src/vec/worker-vec-env';

const numEnvs = Number(process.argv[2] ?? 8);
const seconds = Number(process.argv[3] ?? 2);
const repeats = Number(process.argv[4] ?? 5);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

interface Rate {
  wall: number;
  cpu: number;
}

function timed(body: () => number): Rate {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const steps = body();
  const wall = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  return { wall: steps / wall, cpu: steps / ((c.user + c.system) / 1e6) };
}

function measureVec(v: VecEnv): Rate {
  const rng = new Rng(0);
  const actions = new Int32Array(v.numEnvs);
  v.reset(0);
  for (let t = 0; t < 50; t++) v.step(actions); // warm up
  return timed(() => {
    let steps = 0;
    const t0 = performance.now();
    while (performance.now() - t0 < seconds * 1000) {
      for (let i = 0; i < v.numEnvs; i++) actions[i] = rng.integers(0, 4);
      v.step(actions);
      steps += v.numEnvs;
    }
    return steps;
  });
}

function measureSingle(): Rate {
  const env = make('LunarLander-v3');
  const rng = new Rng(0);
  env.reset({ seed: 0 });
  return timed(() => {
    let steps = 0;
    const t0 = performance.now();
    while (performance.now() - t0 < seconds * 1000) {
      const r = env.step(rng.integers(0, 4));
      steps++;
      if (r.terminated || r.truncated) env.reset();
    }
    return steps;
  });
}

const results: Record<string, Rate[]> = { single: [], sync: [], worker1: [], worker2: [] };
const sync = new SyncVecEnv(Array.from({ length: numEnvs }, () => () => new RecordEpisodeStatistics(make('LunarLander-v3'))));
const w1 = new WorkerVecEnv('LunarLander-v3', numEnvs, { numWorkers: 1 });
const w2 = new WorkerVecEnv('LunarLander-v3', numEnvs, { numWorkers: 2 });
const load0 = loadavg();
for (let r = 0; r < repeats; r++) {
  results.single?.push(measureSingle());
  results.sync?.push(measureVec(sync));
  results.worker1?.push(measureVec(w1));
  results.worker2?.push(measureVec(w2));
}
w1.close();
w2.close();
const load1 = loadavg();
console.log(
  `LunarLander-v3, ${numEnvs} envs, ${repeats}×${seconds}s; load average before ${load0.map((x) => x.toFixed(2)).join(' ')}, after ${load1.map((x) => x.toFixed(2)).join(' ')}`,
);
for (const [k, xs] of Object.entries(results)) {
  const wall = xs.map((x) => x.wall);
  const cpu = xs.map((x) => x.cpu);
  console.log(
    `${k.padEnd(8)} median ${median(wall).toFixed(0)} steps/s wall, ${median(cpu).toFixed(0)} steps/CPU-s  (wall runs: ${wall.map((x) => x.toFixed(0)).join(', ')})`,
  );
}
