// Behavioral cloning on LunarLander-v3 from the heuristic expert's episodes, against the number of
// episodes, with and without early stopping:
//
//   npx -y pnpm@10.34.9 --filter @tfrl/imitation... --filter @tfrl/cli build
//   node bench/bc-lunar.mjs --episodes 1,5,10,50 --seeds 0,1,2 --steps 20000 [--eval-every 2000] [--patience 10]
//
// Each (episodes, seed) trains two BC agents with the package defaults (2×32 tanh, cross-entropy,
// Adam 1e-3, batch 32, 10 % held out): one for `--steps` gradient steps, one with early stopping
// (patience `--patience` epochs on the held-out loss; the best epoch's weights restored at the end).
// Both are evaluated on 20 deterministic episodes every `--eval-every` gradient steps (the curve)
// and at the end. Scores are normalised by the heuristic expert's and random actions' mean returns
// (bench/lib/lunar-expert.mjs). Writes bench/results/bc-lunar.json.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { evaluatePolicy, initBackend } from '../packages/core/dist/index.js';
import { make } from '../packages/envs/dist/index.js';
import { BC } from '../packages/imitation/dist/index.js';
import { ENV_ID, firstEpisodes, lunarDemonstrations, lunarReferences } from './lib/lunar-expert.mjs';

const { values } = parseArgs({
  options: {
    episodes: { type: 'string', default: '1,5,10,50' },
    seeds: { type: 'string', default: '0,1,2' },
    steps: { type: 'string', default: '20000' },
    'eval-every': { type: 'string', default: '2000' },
    patience: { type: 'string', default: '10' },
    backend: { type: 'string', default: 'wasm' },
  },
});
const episodesList = values.episodes.split(',').map(Number);
const seeds = values.seeds.split(',').map(Number);
const steps = Number(values.steps);
const evalEvery = Number(values['eval-every']);
const patience = Number(values.patience);
const backend = await initBackend(values.backend, { quiet: true });
const ref = lunarReferences();
console.log(`expert ${ref.expert.toFixed(1)}, random ${ref.random.toFixed(1)} (100 episodes each)`);
const full = lunarDemonstrations(Math.max(...episodesList));

const runs = [];
for (const nEp of episodesList) {
  const data = firstEpisodes(full, nEp);
  for (const seed of seeds) {
    for (const early of [false, true]) {
      const t0 = performance.now();
      const agent = new BC({ env: make(ENV_ID), seed, demonstrations: data, earlyStopping: early ? patience : null });
      const evalEnv = make(ENV_ID);
      const curve = [];
      const evaluate = () => {
        const ev = evaluatePolicy(agent, evalEnv, { nEpisodes: 20, deterministic: true, seed: 10_000 + 100 * seed });
        const s = agent.lastEpochStats;
        return {
          gradientSteps: agent.numTimesteps,
          epochs: agent.epochs,
          evalMean: +ev.meanReward.toFixed(1),
          evalStd: +ev.stdReward.toFixed(1),
          normalised: +ref.norm(ev.meanReward).toFixed(3),
          heldoutLoss: s?.heldoutLoss === undefined ? null : +s.heldoutLoss.toFixed(4),
          trainLoss: s === undefined ? null : +s.loss.toFixed(4),
        };
      };
      // The curve: evaluation every `evalEvery` gradient steps of the run without early stopping.
      if (!early) {
        while (agent.numTimesteps < steps) {
          await agent.learn({ totalTimesteps: Math.min(evalEvery, steps - agent.numTimesteps), resetNumTimesteps: false });
          curve.push(evaluate());
        }
      } else {
        await agent.learn({ totalTimesteps: steps });
      }
      const last = early ? evaluate() : curve[curve.length - 1];
      const seconds = (performance.now() - t0) / 1000;
      const run = {
        episodes: nEp,
        transitions: agent.splitSizes.train + agent.splitSizes.heldout,
        seed,
        earlyStopping: early ? patience : null,
        gradientSteps: agent.numTimesteps,
        epochs: agent.epochs,
        seconds: +seconds.toFixed(1),
        final: last,
        curve,
      };
      runs.push(run);
      console.log(
        `BC ep=${nEp} seed=${seed} ${early ? `early stopping (patience ${patience})` : 'no early stopping'}: ${last.evalMean} ± ${last.evalStd} (norm ${last.normalised}) after ${run.gradientSteps} steps, ${run.epochs} epochs, ${run.seconds}s`,
      );
      agent.dispose();
    }
  }
}
const summary = [];
for (const nEp of episodesList) {
  for (const early of [false, true]) {
    const f = runs.filter((r) => r.episodes === nEp && (r.earlyStopping !== null) === early).map((r) => r.final.evalMean);
    const m = f.reduce((a, b) => a + b, 0) / f.length;
    const s = Math.sqrt(f.reduce((a, b) => a + (b - m) ** 2, 0) / f.length);
    summary.push({ episodes: nEp, earlyStopping: early, mean: +m.toFixed(1), std: +s.toFixed(1), normalised: +ref.norm(m).toFixed(3) });
    console.log(
      `BC ${nEp} episodes, ${early ? 'early stopping' : 'full budget'}: ${m.toFixed(1)} ± ${s.toFixed(1)} (normalised ${ref.norm(m).toFixed(3)})`,
    );
  }
}
const out = {
  algo: 'BC',
  env: ENV_ID,
  backend: backend.name,
  command: `node bench/bc-lunar.mjs ${process.argv.slice(2).join(' ')}`,
  reference: { expert: +ref.expert.toFixed(2), random: +ref.random.toFixed(2), episodes: 100 },
  date: new Date().toISOString(),
  machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, loadAvg: os.loadavg()[0] },
  summary,
  runs,
};
fs.mkdirSync(path.join('bench', 'results'), { recursive: true });
fs.writeFileSync(path.join('bench', 'results', 'bc-lunar.json'), `${JSON.stringify(out, null, 2)}\n`);
