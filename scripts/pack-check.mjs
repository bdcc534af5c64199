#!/usr/bin/env node
// Checks that the published packages install on their own: pack every workspace package with
// pnpm (which rewrites workspace: ranges), install @tfrl/core from its tarball into an empty
// project with plain npm, and use it from both ESM and CJS.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const pnpm = ['-y', 'pnpm@10.34.9'];
const run = (cmd, args, cwd) => execFileSync(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });

const packDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tfrl-pack-'));
const project = fs.mkdtempSync(path.join(os.tmpdir(), 'tfrl-consumer-'));
try {
  run('npx', [...pnpm, 'turbo', 'run', 'build', '--filter=@tfrl/core', '--output-logs=errors-only'], root);
  run('npx', [...pnpm, '-r', '--filter', './packages/*', 'pack', '--pack-destination', packDir], root);
  const tarballs = fs.readdirSync(packDir).filter((f) => f.endsWith('.tgz'));
  const core = tarballs.find((f) => f.startsWith('tfrl-core-'));
  if (!core) throw new Error(`pack-check: no @tfrl/core tarball among ${tarballs.join(', ')}`);
  // Every file the package.json's `exports` names (the browser builds included), by tarball.
  const exported = new Map();
  for (const dir of fs.readdirSync(path.join(root, 'packages'))) {
    const pkg = JSON.parse(fs.readFileSync(path.join(root, 'packages', dir, 'package.json'), 'utf8'));
    const targets = [];
    const walk = (v) => (typeof v === 'string' ? targets.push(v) : Object.values(v ?? {}).forEach(walk));
    walk(pkg.exports);
    exported.set(`${pkg.name.slice(1).replace('/', '-')}-${pkg.version}.tgz`, targets);
  }
  for (const t of tarballs) {
    const listing = run('tar', ['-tzf', path.join(packDir, t)], packDir).split('\n');
    const needs = ['./dist/index.js', './dist/index.cjs', './dist/index.d.ts', ...(exported.get(t) ?? [])];
    for (const need of new Set(needs)) {
      if (!listing.includes(`package/${need.slice(2)}`)) throw new Error(`pack-check: ${t} lacks ${need.slice(2)}`);
    }
    if (listing.some((f) => f.startsWith('package/src/'))) throw new Error(`pack-check: ${t} ships its src/ folder`);
  }
  fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, version: '1.0.0' }));
  run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', path.join(packDir, core), '@tensorflow/tfjs@4.22.0'], project);
  fs.writeFileSync(
    path.join(project, 'esm.mjs'),
    `import * as tf from '@tensorflow/tfjs';
import { Rng, initBackend } from '@tfrl/core';
const info = await initBackend('cpu', { quiet: true });
const r = new Rng(1);
const x = tf.tensor1d([r.random(), r.random()]);
console.log(JSON.stringify({ esm: true, backend: info.name, sum: x.sum().dataSync()[0] > 0 }));
`,
  );
  fs.writeFileSync(
    path.join(project, 'cjs.cjs'),
    `const { Rng } = require('@tfrl/core');
const a = new Rng(7).integers(0, 1000);
const b = new Rng(7).integers(0, 1000);
if (a !== b) throw new Error('same seed gave different numbers');
console.log(JSON.stringify({ cjs: true, value: a }));
`,
  );
  const esm = run('node', ['esm.mjs'], project).trim();
  const cjs = run('node', ['cjs.cjs'], project).trim();
  console.log(`pack-check: ${tarballs.length} tarballs; @tfrl/core from ${core}: ${esm} ${cjs}`);
  console.log('pack-check: 1 passed, 0 failed');
} finally {
  fs.rmSync(packDir, { recursive: true, force: true });
  fs.rmSync(project, { recursive: true, force: true });
}
