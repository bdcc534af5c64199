import { createRequire } from 'node:module';
import { type Space, listAlgorithms } from '@tfrl/core';
import { listEnvs, listParallelEnvs, make, makeParallel } from '@tfrl/envs';

const BACKENDS: Array<[string, string | null]> = [
  ['tensorflow-gpu', '@tensorflow/tfjs-node-gpu'],
  ['tensorflow', '@tensorflow/tfjs-node'],
  ['wasm', '@tensorflow/tfjs-backend-wasm'],
  ['cpu', null],
];

/** The generative models `tfrl gen train` runs. */
export const GENERATIVE_MODELS: Array<[string, string]> = [
  ['vae', 'variational autoencoder (MNIST; Bernoulli or Gaussian decoder)'],
  ['gan', 'GAN with MLP generator and discriminator (MNIST)'],
  ['dcgan', 'DCGAN, convolutional generator and discriminator (MNIST)'],
  ['flow', 'normalizing flow on 2-D toy sets: --model glow (default), realnvp or affine'],
];

const FAMILY_TITLES: Record<string, string> = {
  '@tfrl/policy-gradient': 'policy gradient (@tfrl/policy-gradient)',
  '@tfrl/value-based': 'value-based and dynamic programming (@tfrl/value-based)',
  '@tfrl/multiagent': 'multi-agent (@tfrl/multiagent)',
  '@tfrl/imitation': 'imitation (@tfrl/imitation)',
  '@tfrl/curriculum': 'goal-conditioned (@tfrl/curriculum)',
};

export function installedBackends(): Array<{ name: string; pkg: string | null; installed: boolean }> {
  const require = createRequire(import.meta.url);
  return BACKENDS.map(([name, pkg]) => {
    if (!pkg) return { name, pkg, installed: true };
    try {
      require.resolve(pkg);
      return { name, pkg, installed: true };
    } catch {
      return { name, pkg, installed: false };
    }
  });
}

function spaceText(s: Space<any>): string {
  return String(s).replace(/\s+/g, ' ');
}

/** Every env id by kind, with its spaces. */
function envLines(): string[] {
  const kinds: Array<[string, RegExp]> = [
    ['classic control', /^(CartPole|MountainCar|Pendulum|Acrobot)/],
    ['Box2D', /^LunarLander/],
    ['toy text (with a transition model: value-iteration / policy-iteration apply)', /^(FrozenLake|Taxi|CliffWalking)/],
    ['grid worlds and goal-conditioned', /^(GridWorld|GoalGridWorld|BitFlipping)/],
  ];
  const ids = listEnvs();
  const lines: string[] = [];
  const shown = new Set<string>();
  for (const [title, re] of [...kinds, ['other', /./] as [string, RegExp]]) {
    const group = ids.filter((id) => re.test(id) && !shown.has(id));
    if (group.length === 0) continue;
    lines.push(`  ${title}:`);
    for (const id of group) {
      shown.add(id);
      const env = make(id);
      lines.push(`    ${id.padEnd(26)} obs ${spaceText(env.observationSpace)}, action ${spaceText(env.actionSpace)}`);
      env.close();
    }
  }
  lines.push('  multi-agent particle worlds (PettingZoo parallel API):');
  for (const id of listParallelEnvs()) {
    const env = makeParallel(id);
    lines.push(`    ${id.padEnd(26)} agents ${env.possibleAgents.join(', ')}`);
    env.close();
  }
  return lines;
}

export function listCommand(argv: string[]): void {
  const what = argv[0] ?? 'all';
  const sections = ['all', 'algos', 'algorithms', 'generative', 'envs', 'backends'];
  if (!sections.includes(what)) throw new Error(`tfrl list: unknown section "${what}"; valid: algorithms, generative, envs, backends`);
  if (what === 'all' || what.startsWith('algo')) {
    console.log('Algorithms (tfrl train <algo> <env>):');
    const byFamily = new Map<string, ReturnType<typeof listAlgorithms>>();
    for (const a of listAlgorithms()) byFamily.set(a.family, [...(byFamily.get(a.family) ?? []), a]);
    for (const [family, algos] of byFamily) {
      console.log(`  ${FAMILY_TITLES[family] ?? family}:`);
      for (const a of algos) console.log(`    ${a.name.padEnd(18)} ${a.family.padEnd(24)} ${a.description}`);
    }
  }
  if (what === 'all' || what === 'generative') {
    console.log('Generative models (tfrl gen train <model>):');
    for (const [name, doc] of GENERATIVE_MODELS) console.log(`    ${name.padEnd(18)} ${doc}`);
  }
  if (what === 'all' || what === 'envs') {
    console.log('Environments:');
    for (const l of envLines()) console.log(l);
  }
  if (what === 'all' || what === 'backends') {
    console.log('Backends (auto picks the first installed):');
    for (const b of installedBackends()) {
      console.log(`  ${b.name.padEnd(16)} ${b.installed ? 'installed' : `not installed (npm i ${b.pkg})`}`);
    }
  }
}
