import fs from 'node:fs';
import path from 'node:path';
import {
  type Algorithm,
  type MultiAgentAlgorithm,
  type RgbFrame,
  arrayToAction,
  evaluateMultiAgent,
  evaluatePolicy,
  initBackend,
  loadAgent,
  observationToArray,
} from '@tfrl/core';
import { listParallelEnvs, makeParallel } from '@tfrl/envs';
import { makeEvalEnv } from '../envs';
import { FfmpegNotFoundError, defaultFfmpegPath, hasFfmpeg, videoFormatOf, writeGif, writeVideo } from '@tfrl/logger';
import { type OptionSpec, formatOptions, parseCommandArgs } from '../args';
import { integerOption, seedOption, stringOption } from '../validate';
import { readRunConfig } from './train';

export const evalOptions: Record<string, OptionSpec> = {
  episodes: { type: 'string', description: 'number of episodes (default 10)' },
  gif: { type: 'string', description: 'write the first episode as an animated GIF to this file' },
  video: { type: 'string', description: 'write the first episode as a video: .mp4 (needs ffmpeg) or .gif' },
  fps: { type: 'string', description: 'frames per second of --gif and --video (default 30)' },
  force: { type: 'boolean', description: 'let --gif / --video replace an existing file' },
  seed: { type: 'string', description: 'seed of the evaluation episodes (default 10000)' },
  stochastic: { type: 'boolean', description: 'sample actions instead of taking the mode' },
  backend: { type: 'string', description: 'auto | tensorflow-gpu | tensorflow | wasm | cpu (default auto)' },
  help: { type: 'boolean', short: 'h', description: 'show this help' },
};

export const evalHelp = `Usage: tfrl eval <run-dir | checkpoint-dir> [options]

Loads a model — <run-dir>/model, <run-dir>/best_model, <run-dir>/checkpoints/<steps>, or a
checkpoint directory itself — and runs it on the run's environment (from the run's config.json),
printing the mean and standard deviation of the episode returns.

Options:
${formatOptions(evalOptions)}

Examples:
  tfrl eval runs/CartPole-v1/ppo-0-20261121-131500
  tfrl eval runs/CartPole-v1/ppo-0-20261121-131500/best_model --episodes 100 --gif cartpole.gif
  tfrl eval runs/CartPole-v1/ppo-0-20261121-131500 --video cartpole.mp4
`;

/** The checkpoint to load for `target`: itself, its model/ (a run or a periodic checkpoint), or an error. */
export function modelDirOf(target: string, command = 'eval'): string {
  if (fs.existsSync(path.join(target, 'manifest.json'))) return target;
  for (const sub of ['model', 'best_model']) if (fs.existsSync(path.join(target, sub, 'manifest.json'))) return path.join(target, sub);
  throw new Error(`tfrl ${command}: ${target} holds no model (no manifest.json, model/ or best_model/)`);
}

/** The run directory above a checkpoint: the nearest ancestor (up to three levels) with a config.json. */
export function runDirOf(target: string, command = 'eval'): string {
  let dir = path.resolve(target);
  for (let i = 0; i < 4; i++) {
    if (fs.existsSync(path.join(dir, 'config.json'))) return dir;
    dir = path.dirname(dir);
  }
  throw new Error(`tfrl ${command}: no config.json in ${target} or the folders above it (is it a tfrl run?)`);
}

export async function evalCommand(argv: string[]): Promise<{ meanReward: number; stdReward: number } | null> {
  const { values, positionals } = parseCommandArgs('eval', argv, evalOptions);
  if (values.help) {
    console.log(evalHelp);
    return null;
  }
  if (positionals.length !== 1) throw new Error(`tfrl eval: expected <run-dir>\n\n${evalHelp}`);
  const target = positionals[0] as string;
  if (!fs.existsSync(target)) throw new Error(`tfrl eval: run directory not found: ${target}`);
  const nEpisodes = integerOption(values.episodes ?? 10, '--episodes', { min: 1, max: 1e6 });
  const seed = values.seed === undefined ? 10_000 : seedOption(values.seed);
  const gif = values.gif === undefined ? undefined : path.resolve(stringOption(values.gif, '--gif'));
  if (gif && fs.existsSync(gif) && !values.force) throw new Error(`tfrl eval: ${values.gif} exists; give --force to replace it`);
  const video = values.video === undefined ? undefined : path.resolve(stringOption(values.video, '--video'));
  const videoFormat = video === undefined ? undefined : videoFormatOf(video);
  if (video && !videoFormat) throw new Error(`tfrl eval: --video must name a .mp4 (or .gif) file, got ${JSON.stringify(values.video)}`);
  if (video && video === gif) throw new Error(`tfrl eval: --gif and --video name the same file ${values.video}`);
  if (video && fs.existsSync(video) && !values.force) throw new Error(`tfrl eval: ${values.video} exists; give --force to replace it`);
  const fps = values.fps === undefined ? 30 : integerOption(values.fps, '--fps', { min: 1, max: 240 });
  // Before the model is loaded and the episodes run: MP4s are encoded by the system's ffmpeg.
  if (videoFormat === 'mp4' && !hasFfmpeg())
    throw new FfmpegNotFoundError(defaultFfmpegPath(), 'tfrl eval --video', 'write a GIF with --gif out.gif');
  const modelDir = modelDirOf(target);
  if (gif && path.resolve(gif).startsWith(`${path.resolve(modelDir)}${path.sep}`)) {
    throw new Error(`tfrl eval: --gif ${values.gif} is inside the checkpoint ${modelDir}; write it elsewhere`);
  }
  if (video?.startsWith(`${path.resolve(modelDir)}${path.sep}`)) {
    throw new Error(`tfrl eval: --video ${values.video} is inside the checkpoint ${modelDir}; write it elsewhere`);
  }
  const run = readRunConfig(runDirOf(target));
  const backendName = values.backend === undefined ? 'auto' : stringOption(values.backend, '--backend');

  const backend = await initBackend(backendName as 'auto', { quiet: true });
  if (listParallelEnvs().includes(run.env)) {
    return evalMultiAgent(run, modelDir, backend.name, {
      nEpisodes,
      seed,
      deterministic: !values.stochastic,
      gif,
      video,
      videoFormat,
      fps,
    });
  }
  const env = makeEvalEnv(run.env, run.envKwargs ?? {});
  const agent = await loadAgent<Algorithm<any>>(modelDir, { env });
  const deterministic = !values.stochastic;
  const result = evaluatePolicy(agent, env, { nEpisodes, deterministic, seed });
  console.log(
    `${run.algo} on ${run.env} (backend ${backend.name}): mean reward ${result.meanReward.toFixed(2)} ± ${result.stdReward.toFixed(2)} over ${nEpisodes} episodes`,
  );

  if (gif || video) {
    const frames: RgbFrame[] = [];
    let { obs } = env.reset({ seed });
    frames.push(env.render());
    for (;;) {
      const action = agent.predict(observationToArray(env.observationSpace, obs), { deterministic });
      const step = env.step(arrayToAction(env.actionSpace, action as ArrayLike<number> | number) as never);
      obs = step.obs;
      frames.push(env.render());
      if (step.terminated || step.truncated || frames.length > 2000) break;
    }
    if (gif) {
      writeGif(gif, frames, { fps });
      console.log(`Wrote ${frames.length} frames to ${values.gif}`);
    }
    if (video) {
      writeVideo(video, frames, { format: videoFormat, fps });
      console.log(`Wrote ${frames.length} frames to ${values.video}`);
    }
  }
  env.close();
  agent.dispose();
  return result;
}

/**
 * A multi-agent run (a particle world): per-agent and summed returns over `nEpisodes`, and the
 * first episode drawn as MPE draws it (agents, landmarks, obstacles) when a GIF or video is asked for.
 */
async function evalMultiAgent(
  run: ReturnType<typeof readRunConfig>,
  modelDir: string,
  backendName: string,
  o: {
    nEpisodes: number;
    seed: number;
    deterministic: boolean;
    gif?: string;
    video?: string;
    videoFormat?: ReturnType<typeof videoFormatOf>;
    fps: number;
  },
): Promise<{ meanReward: number; stdReward: number }> {
  const env = makeParallel(run.env, run.envKwargs ?? {});
  const agent = await loadAgent<MultiAgentAlgorithm<any>>(modelDir, { env: () => makeParallel(run.env, run.envKwargs ?? {}) });
  try {
    const result = evaluateMultiAgent(agent, env, { nEpisodes: o.nEpisodes, deterministic: o.deterministic, seed: o.seed });
    const perAgent = Object.entries(result.meanAgentRewards)
      .map(([a, r]) => `${a} ${r.toFixed(2)}`)
      .join(', ');
    console.log(
      `${run.algo} on ${run.env} (backend ${backendName}): mean summed reward ${result.meanReward.toFixed(2)} ± ${result.stdReward.toFixed(2)} over ${o.nEpisodes} episodes (per agent: ${perAgent})`,
    );
    const metrics = Object.entries(result.meanMetrics);
    if (metrics.length > 0) console.log(`  per episode: ${metrics.map(([k, v]) => `${k} ${v.toFixed(3)}`).join(', ')}`);
    if (o.gif || o.video) {
      const frames: RgbFrame[] = [];
      const names = [...env.possibleAgents];
      let { obs } = env.reset({ seed: o.seed });
      frames.push(env.render() as RgbFrame);
      while (env.agents.length > 0 && frames.length <= 2000) {
        const full: Record<string, unknown> = {};
        for (const a of names) full[a] = a in obs ? obs[a] : new Float32Array(env.observationSpace(a).compactDim);
        const acts = agent.predict(full, { deterministic: o.deterministic });
        const step: Record<string, unknown> = {};
        for (const a of env.agents) step[a] = env.actionSpace(a).readCompact(acts[a] as ArrayLike<number>, 0);
        obs = env.step(step as Parameters<typeof env.step>[0]).obs;
        frames.push(env.render() as RgbFrame);
      }
      if (o.gif) {
        writeGif(o.gif, frames, { fps: o.fps });
        console.log(`Wrote ${frames.length} frames to ${o.gif}`);
      }
      if (o.video) {
        writeVideo(o.video, frames, { format: o.videoFormat, fps: o.fps });
        console.log(`Wrote ${frames.length} frames to ${o.video}`);
      }
    }
    return { meanReward: result.meanReward, stdReward: result.stdReward };
  } finally {
    env.close();
    agent.dispose();
  }
}
