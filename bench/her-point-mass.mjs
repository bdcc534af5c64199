// SAC (and TD3) with and without hindsight experience replay on the continuous goal env
// PointMassGoal-v0 (open arena and the 'wall' layout), sparse 0/−1 reward, 50-step episodes.
//
//   npx -y pnpm@10.34.9 --filter @tfrl/curriculum... build && npx -y pnpm@10.34.9 --filter @tfrl/policy-gradient build
//   node bench/her-point-mass.mjs [seeds=0,1,2] [--algos sac] [--cases none:6000,wall:20000]
//
// 2 envs, [64, 64], Adam 1e-3, γ 0.95, batch 128, buffer 1e5, learning starts 500, SAC with
// entCoef 'auto_0.1'; HER: future, k = 4. Success: the share of 100 deterministic test episodes
// (seeds 1000 + i) whose last step is within 0.1 of the goal. Appends to
// bench/results/her-point-mass.json.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { initBackend } from '../packages/core/dist/index.js';
import '../packages/curriculum/dist/index.js'; // registers HerReplayBuffer
import { make, makeVec } from '../packages/envs/dist/index.js';
import { SAC, TD3 } from '../packages/policy-gradient/dist/index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : def;
};
const positional = args.filter((a, i) => !a.startsWith('--') && !(i > 0 && args[i - 1].startsWith('--')));
const seeds = (positional[0] ?? '0,1,2').split(',').map(Number);
const algos = opt('algos', 'sac').split(',');
const cases = opt('cases', 'none:6000,wall:20000')
  .split(',')
  .map((c) => {
    const [walls, steps] = c.split(':');
    return { walls, steps: Number(steps) };
  });

function success(agent, walls) {
  const env = make('PointMassGoal-v0', { walls });
  let reached = 0;
  for (let ep = 0; ep < 100; ep++) {
    let { obs } = env.reset({ seed: 1000 + ep });
    for (;;) {
      const r = env.step(agent.predict(obs, { deterministic: true }));
      obs = r.obs;
      if (r.terminated || r.truncated) {
        if (r.info.is_success) reached++;
        break;
      }
    }
  }
  return reached / 100;
}

const backend = await initBackend('wasm', { quiet: true });
const outFile = path.join(here, 'results', 'her-point-mass.json');
for (const { walls, steps } of cases) {
  for (const algo of algos) {
    for (const her of [true, false]) {
      for (const seed of seeds) {
        const Cls = algo === 'sac' ? SAC : TD3;
        const settings = {
          learningStarts: 500,
          batchSize: 128,
          bufferSize: 100_000,
          netArch: [64, 64],
          learningRate: 1e-3,
          gamma: 0.95,
          ...(algo === 'sac' ? { entCoef: 'auto_0.1' } : {}),
          ...(her
            ? { replayBufferClass: 'HerReplayBuffer', replayBufferKwargs: { nSampledGoal: 4, goalSelectionStrategy: 'future' } }
            : {}),
        };
        const agent = new Cls({ env: makeVec('PointMassGoal-v0', 2, { seed, kwargs: { walls } }), seed, ...settings });
        const t0 = performance.now();
        await agent.learn({ totalTimesteps: steps });
        const seconds = (performance.now() - t0) / 1000;
        const s = success(agent, walls);
        console.log(
          `${algo}${her ? ' + HER' : ''} ${walls} seed ${seed}: ${(s * 100).toFixed(0)} % in ${steps} steps, ${seconds.toFixed(0)} s`,
        );
        const prev = fs.existsSync(outFile) ? JSON.parse(fs.readFileSync(outFile, 'utf8')) : [];
        prev.push({
          date: new Date().toISOString(),
          command: `node bench/her-point-mass.mjs ${args.join(' ')}`,
          algo,
          her,
          walls,
          seed,
          steps,
          wallSeconds: seconds,
          stepsPerSecond: steps / seconds,
          backend: backend.name,
          testSuccess: s,
          settings,
        });
        fs.writeFileSync(outFile, `${JSON.stringify(prev, null, 2)}\n`);
        agent.dispose();
      }
    }
  }
}
