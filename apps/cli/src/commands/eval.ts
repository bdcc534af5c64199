import fs from 'node:fs';
import path from 'node:path';
import { type RgbFrame, evaluatePolicy, initBackend, loadAgent } from '@tfrl/core';
import { make } from '@tfrl/envs';
import { writeGif } from '@tfrl/logger';
import { type OptionSpec, formatOptions, parseCommandArgs } from '../args';
import { toNumber } from '../config';

export const evalOptions: Record<string, OptionSpec> = {
  episodes: { type: 'string', description: 'number of episodes (default 10)' },
  gif: { type: 'string', description: 'write the first episode as an animated GIF to this file' },
  seed: { type: 'string', description: 'seed of the evaluation episodes (default 10000)' },
  stochastic: { type: 'boolean', description: 'sample actions instead of taking the mode' },
  backend: { type: 'string', description: 'auto | tensorflow-gpu | tensorflow | wasm | cpu (default auto)' },
  help: { type: 'boolean', short: 'h', description: 'show this help' },
};

export const evalHelp = `Usage: tfrl eval <run-dir> [options]

Loads the model saved in <run-dir>/model (or <run-dir> itself if it is a checkpoint) and runs it
on the run's environment, printing the mean and standard deviation of the episode returns.

Options:
${formatOptions(evalOptions)}

Examples:
  tfrl eval runs/CartPole-v1/ppo-0-20261121-131500
  tfrl eval runs/CartPole-v1/ppo-0-20261121-131500 --episodes 100 --gif cartpole.gif
`;

export async function evalCommand(argv: string[]): Promise<{ meanReward: number; stdReward: number } | null> {
  const { values, positionals } = parseCommandArgs('eval', argv, evalOptions);
  if (values.help) {
    console.log(evalHelp);
    return null;
  }
  if (positionals.length !== 1) throw new Error(`tfrl eval: expected <run-dir>\n\n${evalHelp}`);
  const runDir = positionals[0]!;
  if (!fs.existsSync(runDir)) throw new Error(`tfrl eval: run directory not found: ${runDir}`);
  const modelDir = fs.existsSync(path.join(runDir, 'manifest.json')) ? runDir : path.join(runDir, 'model');
  const configFile = [path.join(runDir, 'config.json'), path.join(path.dirname(runDir), 'config.json')].find((f) => fs.existsSync(f));
  if (!configFile) throw new Error(`tfrl eval: ${runDir} has no config.json (is it a tfrl run directory?)`);
  const config = JSON.parse(fs.readFileSync(configFile, 'utf8')) as { env: string; envKwargs?: Record<string, unknown>; algo: string };

  const backend = await initBackend(((values.backend as string | undefined) ?? 'auto') as 'auto', { quiet: true });
  const env = make(config.env, config.envKwargs ?? {});
  const agent = await loadAgent(modelDir, { env });
  const nEpisodes = Math.round(toNumber(values.episodes ?? 10, '--episodes'));
  const seed = Math.round(toNumber(values.seed ?? 10_000, '--seed'));
  const deterministic = !values.stochastic;
  const result = await evaluatePolicy(agent, env, { nEpisodes, deterministic, seed });
  console.log(
    `${config.algo} on ${config.env} (backend ${backend.name}): mean reward ${result.meanReward.toFixed(2)} ± ${result.stdReward.toFixed(2)} over ${nEpisodes} episodes`,
  );

  if (typeof values.gif === 'string') {
    const frames: RgbFrame[] = [];
    let { obs } = env.reset({ seed });
    frames.push(env.render());
    for (;;) {
      const action = agent.predict(obs as Float32Array, { deterministic });
      const step = env.step((env.actionSpace.shape.length === 0 ? action[0] : action) as never);
      obs = step.obs;
      frames.push(env.render());
      if (step.terminated || step.truncated || frames.length > 2000) break;
    }
    writeGif(values.gif, frames, { fps: 30 });
    console.log(`Wrote ${frames.length} frames to ${values.gif}`);
  }
  env.close();
  return result;
}
