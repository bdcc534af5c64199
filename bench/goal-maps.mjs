// The course's goal-conditioned experiments (TP13, "Implicit curriculum RL") on GoalGridWorld-v0:
// goal-conditioned DQN (the goal concatenated to the state) trained on the map's own goal
// (`goalSampling: 'map'`), plain, with hindsight experience replay, or with the course's goal
// sampling (with and without the β decay) or the intermediate-difficulty sampler.
//
//   npx -y pnpm@10.34.9 --filter @tfrl/curriculum... build
//   node bench/goal-maps.mjs [seeds=0] [--maps tp13-map2-sparse,tp13-map3]
//        [--methods plain,her,gs,gs-decay,goid] [--steps 30000]
//
// The course's settings: Q-network 2×200, Adam 1e-3, γ 0.99, target network copied every 100
// steps, buffer 10,000, batch 100, one env. The course's ε-greedy starts at 0.2 and is multiplied by
// 0.99 after every episode; DQN's schedule is linear in env steps, so here ε goes from 0.2 to 0.02
// over the first half of training. HER: future, k = 4. Goal sampling: 10 fake goals fed every 10
// steps, β 0.9 (decay 0.99 per episode with gs-decay), α 3. goid: IntermediateGoalSampler
// (success rate in [0.1, 0.9]).
//
// Reported per run: the share of 100 greedy test episodes on the map's goal that reach it, their
// mean return, the training success rate of the last 100 episodes (on the goals trained on) and a
// heat map of where the training episodes ended (bench/results/goal-maps/<map>-<method>-<seed>.png).
// Appends to bench/results/goal-maps.json.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { RecordEpisodeStatistics, SyncVecEnv, initBackend } from '../packages/core/dist/index.js';
import {
  EpisodeEndHeatmap,
  GoalSampler,
  GoalSamplingWrapper,
  IntermediateGoalSampler,
  SuccessRateCallback,
} from '../packages/curriculum/dist/index.js';
import { make } from '../packages/envs/dist/index.js';
import { writePng } from '../packages/logger/dist/index.js';
import { DQN } from '../packages/value-based/dist/index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : def;
};
const positional = args.filter((a, i) => !a.startsWith('--') && !(i > 0 && args[i - 1].startsWith('--')));
const seeds = (positional[0] ?? '0').split(',').map(Number);
const maps = opt('maps', 'tp13-map2-sparse,tp13-map3').split(',');
const methods = opt('methods', 'plain,her,gs,gs-decay,goid').split(',');
const steps = Number(opt('steps', '30000'));

const COURSE = {
  netArch: [200, 200],
  learningRate: 1e-3,
  gamma: 0.99,
  targetUpdateInterval: 100,
  bufferSize: 10_000,
  batchSize: 100,
  learningStarts: 100,
  trainFreq: 1,
  gradientSteps: 1,
  explorationInitialEps: 0.2,
  explorationFinalEps: 0.02,
  explorationFraction: 0.5,
};

function envFor(map, method, seed) {
  const kwargs = { map, goalSampling: 'map' };
  let sampler;
  if (method === 'gs' || method === 'gs-decay') sampler = new GoalSampler(2, { betaDecay: method === 'gs-decay' ? 0.99 : 1 });
  if (method === 'goid') sampler = new IntermediateGoalSampler(2);
  const factory = () => {
    const base = make('GoalGridWorld-v0', kwargs);
    return new RecordEpisodeStatistics(sampler ? new GoalSamplingWrapper(base, { sampler, seed }) : base);
  };
  return { env: new SyncVecEnv([factory], { seed }), kwargs, sampler };
}

/** Greedy episodes on the map's own goal: share that reach it (terminated) and mean return. */
function test(agent, kwargs, episodes, seed) {
  const env = make('GoalGridWorld-v0', kwargs);
  let reached = 0;
  let total = 0;
  for (let ep = 0; ep < episodes; ep++) {
    let { obs } = env.reset({ seed: seed + ep });
    for (;;) {
      const r = env.step(agent.predict(obs, { deterministic: true })[0]);
      total += r.reward;
      obs = r.obs;
      if (r.terminated) reached++;
      if (r.terminated || r.truncated) break;
    }
  }
  return { success: reached / episodes, meanReturn: total / episodes };
}

const backend = await initBackend('wasm', { quiet: true });
const outDir = path.join(here, 'results', 'goal-maps');
fs.mkdirSync(outDir, { recursive: true });
const outFile = path.join(here, 'results', 'goal-maps.json');
for (const map of maps) {
  for (const method of methods) {
    for (const seed of seeds) {
      const { env, kwargs, sampler } = envFor(map, method, seed);
      const her =
        method === 'her'
          ? { replayBufferClass: 'HerReplayBuffer', replayBufferKwargs: { nSampledGoal: 4, goalSelectionStrategy: 'future' } }
          : {};
      const agent = new DQN({ env, seed, ...COURSE, ...her });
      const success = new SuccessRateCallback();
      const heat = new EpisodeEndHeatmap({ cell: 12 });
      const t0 = performance.now();
      await agent.learn({ totalTimesteps: steps, callbacks: [success, heat] });
      const seconds = (performance.now() - t0) / 1000;
      const t = test(agent, kwargs, 100, 50_000);
      const png = path.join(outDir, `${map}-${method}-${seed}.png`);
      writePng(png, heat.image());
      const record = {
        date: new Date().toISOString(),
        command: `node bench/goal-maps.mjs ${process.argv.slice(2).join(' ')}`,
        map,
        method,
        seed,
        steps: agent.numTimesteps,
        episodes: agent.numEpisodes,
        wallSeconds: seconds,
        stepsPerSecond: agent.numTimesteps / seconds,
        backend: backend.name,
        testSuccess: t.success,
        testMeanReturn: t.meanReturn,
        trainSuccessRate: success.successRate ?? null,
        trainMeanReturn: agent.epRewardMean() ?? null,
        finalBeta: sampler && 'beta' in sampler ? sampler.beta : null,
        heatmap: path.relative(path.join(here, '..'), png),
        settings: { ...COURSE, ...her },
      };
      console.log(
        `${map} ${method} seed ${seed}: test success ${(t.success * 100).toFixed(0)} % (return ${t.meanReturn.toFixed(1)}), ` +
          `train success ${((success.successRate ?? 0) * 100).toFixed(0)} %, train return ${(agent.epRewardMean() ?? Number.NaN).toFixed(1)}, ${seconds.toFixed(0)} s`,
      );
      const prev = fs.existsSync(outFile) ? JSON.parse(fs.readFileSync(outFile, 'utf8')) : [];
      prev.push(record);
      fs.writeFileSync(outFile, `${JSON.stringify(prev, null, 2)}\n`);
      agent.dispose();
      env.close();
    }
  }
}
