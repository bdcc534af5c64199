#!/usr/bin/env node
// Speed against Stable-Baselines3 on the same machine: alternates a tfrl run (bench/train-one.mjs)
// and an SB3 run (bench/sb3_train.py), `--rounds` times, one at a time, and reports every pair's
// ratio (SB3 seconds / tfrl seconds; > 1 means tfrl is faster) and the median. Writes
// bench/results/paired-<algo>-<env>.json.
//   PYTHON=/usr/bin/python3 PYTHONPATH=<sb3>:<gymnasium> node bench/paired-train.mjs ppo CartPole-v1 [--rounds 3] [--seed 0] [--steps N]
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { rounds: { type: 'string', default: '3' }, seed: { type: 'string', default: '0' }, steps: { type: 'string' } },
});
const [algo, env] = positionals;
const rounds = Number(values.rounds);
const run = (cmd, args) =>
  JSON.parse(
    execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
      .trim()
      .split('\n')
      .pop(),
  );
const pairs = [];
for (let r = 0; r < rounds; r++) {
  const seed = String(Number(values.seed) + r);
  const load = os.loadavg()[0];
  const t = run('node', ['bench/train-one.mjs', algo, env, '--seed', seed, ...(values.steps ? ['--steps', values.steps] : [])]);
  const s = run(process.env.PYTHON ?? 'python3', ['bench/sb3_train.py', algo, env, seed, ...(values.steps ? [values.steps] : [])]);
  const ratio = +(s.seconds / t.seconds).toFixed(2);
  pairs.push({ tfrl: t, sb3: s, ratio, loadBefore: +load.toFixed(2) });
  console.log(
    `round ${r}: tfrl ${t.seconds} s (${t.stepsPerSec}/s, eval ${t.evalMean}) | SB3 ${s.seconds} s (${s.stepsPerSec}/s, eval ${s.evalMean}) | ratio ${ratio}`,
  );
}
const ratios = pairs.map((p) => p.ratio).sort((a, b) => a - b);
const median = ratios[Math.floor(ratios.length / 2)];
console.log(`median ratio (SB3 time / tfrl time): ${median}`);
const out = {
  command: `node bench/paired-train.mjs ${algo} ${env} --rounds ${rounds} --seed ${values.seed}${values.steps ? ` --steps ${values.steps}` : ''}`,
  date: new Date().toISOString(),
  machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version },
  pairs,
  medianRatio: median,
};
fs.mkdirSync(path.join('bench', 'results'), { recursive: true });
fs.writeFileSync(path.join('bench', 'results', `paired-${algo}-${env}.json`), `${JSON.stringify(out, null, 2)}\n`);
