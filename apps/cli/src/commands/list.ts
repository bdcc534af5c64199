import { createRequire } from 'node:module';
import { listAlgorithms } from '@tfrl/core';
import { listEnvs } from '@tfrl/envs';

const BACKENDS: Array<[string, string | null]> = [
  ['tensorflow-gpu', '@tensorflow/tfjs-node-gpu'],
  ['tensorflow', '@tensorflow/tfjs-node'],
  ['wasm', '@tensorflow/tfjs-backend-wasm'],
  ['cpu', null],
];

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

export function listCommand(argv: string[]): void {
  const what = argv[0] ?? 'all';
  if (!['all', 'algos', 'algorithms', 'envs', 'backends'].includes(what)) {
    throw new Error(`tfrl list: unknown section "${what}"; valid: algorithms, envs, backends`);
  }
  if (what === 'all' || what.startsWith('algo')) {
    console.log('Algorithms:');
    for (const a of listAlgorithms()) console.log(`  ${a.name.padEnd(12)} ${a.family.padEnd(24)} ${a.description}`);
  }
  if (what === 'all' || what === 'envs') {
    console.log('Environments:');
    for (const id of listEnvs()) console.log(`  ${id}`);
  }
  if (what === 'all' || what === 'backends') {
    console.log('Backends (auto picks the first installed):');
    for (const b of installedBackends()) {
      console.log(`  ${b.name.padEnd(16)} ${b.installed ? 'installed' : `not installed (npm i ${b.pkg})`}`);
    }
  }
}
