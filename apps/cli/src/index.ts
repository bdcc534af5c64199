import { registerMultiAgentAlgorithms } from '@tfrl/multiagent';
import { registerCurriculumReplayBuffers } from '@tfrl/curriculum';
import { registerImitationAlgorithms } from '@tfrl/imitation';
import { registerPolicyGradientAlgorithms } from '@tfrl/policy-gradient';
import { registerTabularAlgorithms, registerValueBasedAlgorithms } from '@tfrl/value-based';
import { checkEnvCommand } from './commands/check-env';
import { evalCommand } from './commands/eval';
import { genCommand } from './commands/gen';
import { listCommand } from './commands/list';
import { plotCommand } from './commands/plot';
import { recordCommand } from './commands/record';
import { trainCommand } from './commands/train';
import { RELAXED_SIMD_HINT, enableWasmRelaxedSimd } from './wasm-features';

export { trainCommand } from './commands/train';
export { evalCommand } from './commands/eval';
export { genCommand } from './commands/gen';
export { listCommand, installedBackends } from './commands/list';
export { plotCommand } from './commands/plot';
export { recordCommand } from './commands/record';
export { checkEnvCommand } from './commands/check-env';
export { defaultConfig, configsDir } from './config';

export const HELP = `tfrl — deep reinforcement learning and generative models on TensorFlow.js

Usage:
  tfrl train <algo> <env> [--config file.yml] [--set key=value ...] [--seed N] [--steps N]
                          [--backend auto|tensorflow-gpu|tensorflow|wasm|cpu] [--logdir dir]
  tfrl train bc <env> --expert file.(npz|h5|hdf5) [--steps N] [--set key=value ...]
  tfrl train dagger <env> --expert heuristic|<run-dir> [--steps N] [--set key=value ...]
  tfrl eval <run-dir> [--episodes N] [--gif out.gif]
  tfrl record <run-dir|heuristic> <env> --episodes N --out file.(h5|hdf5|npz) [--seed S] [--force]
                          [--stochastic]
  tfrl plot <run-dir>... [--out curves.png] [--tag rollout/ep_rew_mean] [--x step]
                         [--band minmax|std|none] [--title text] [--force]
  tfrl list [algorithms|envs|backends]
  tfrl check-env <env> [--set key=value ...]
  tfrl gen train <vae|gan|dcgan|flow> [--dataset mnist|moons|circles] [--latent N] [--epochs N]
  tfrl <command> --help

Examples:
  tfrl train ppo CartPole-v1                      train PPO with the RL-Zoo defaults, print the score
  tfrl train dqn CartPole-v1 --steps 50000 --seed 1
  tfrl train ppo CartPole-v1 --set learning_rate=3e-4 --backend cpu
  tfrl eval runs/CartPole-v1/ppo-0-20261121-131500 --episodes 100 --gif cartpole.gif
  tfrl record heuristic LunarLander-v3 --episodes 50 --out lunar.npz   expert data for imitation learning
  tfrl train bc LunarLander-v3 --expert lunar.npz --steps 5000       behavioral cloning on it
  tfrl train dagger LunarLander-v3 --expert heuristic                DAgger: the heuristic labels the learner's states
  tfrl plot runs/CartPole-v1 --out cartpole.png   learning curves: mean over seeds with a min-max band
  tfrl train dqn BitFlipping-v0 --set her=future  hindsight experience replay (goal envs)
  tfrl list algorithms
  tfrl gen train vae --dataset mnist --latent 2
`;

let registered = false;
export function registerAll(): void {
  if (registered) return;
  registered = true;
  registerPolicyGradientAlgorithms();
  registerValueBasedAlgorithms();
  registerTabularAlgorithms();
  registerMultiAgentAlgorithms();
  registerCurriculumReplayBuffers();
  registerImitationAlgorithms();
}

export async function main(argv: string[]): Promise<number> {
  // First, before any backend or kernel compiles a WebAssembly module: on Node 20 this switches on
  // relaxed SIMD (the FMA gemm of the wasm backend); Node ≥ 22 has it already.
  const relaxedSimd = enableWasmRelaxedSimd();
  registerAll();
  const [command, ...rest] = argv;
  if (relaxedSimd === 'unavailable' && process.versions.node.startsWith('20.') && (command === 'train' || command === 'gen')) {
    console.error(`tfrl: WebAssembly relaxed SIMD is off, so the wasm backend runs without FMA; to turn it on, ${RELAXED_SIMD_HINT}`);
  }
  switch (command) {
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      console.log(HELP);
      return 0;
    case 'train':
      await trainCommand(rest);
      return 0;
    case 'eval':
      await evalCommand(rest);
      return 0;
    case 'record':
      await recordCommand(rest);
      return 0;
    case 'list':
      listCommand(rest);
      return 0;
    case 'gen':
      await genCommand(rest);
      return 0;
    case 'plot':
      await plotCommand(rest);
      return 0;
    case 'check-env':
      checkEnvCommand(rest);
      return 0;
    default:
      throw new Error(`unknown command "${command}"; valid commands: train, eval, record, list, gen, plot, check-env, help\n\n${HELP}`);
  }
}
