// Tests of scripts/check-browser-bundles.mjs on small fixture packages (node --test scripts/).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { checkBrowserEntry, runInBrowserSandbox } from './check-browser-bundles.mjs';

const script = path.join(path.dirname(fileURLToPath(import.meta.url)), 'check-browser-bundles.mjs');
const repo = path.resolve(path.dirname(script), '..');
let root;

/** A package `name` in <root>/node_modules with `files` (package.json from `pkg`). */
function fixture(name, pkg, files) {
  const dir = path.join(root, 'node_modules', name);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name, version: '1.0.0', type: 'module', ...pkg }));
  for (const [file, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), text);
  }
  return dir;
}

before(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'tfrl-browser-check-'));
  fixture(
    'fx-conditions',
    { exports: { '.': { browser: './browser.js', default: './node.js' } } },
    { 'browser.js': 'export const x = 1;\n', 'node.js': "import fs from 'node:fs';\nexport const x = fs;\n" },
  );
  fixture(
    'fx-fs',
    { exports: { '.': './index.js', './worker': './worker.js' } },
    {
      'index.js': "export { helper } from './lib.js';\n",
      'lib.js': "import { readFileSync } from 'fs';\nexport const helper = readFileSync;\n",
      'worker.js': "import { Worker } from 'node:worker_threads';\nexport { Worker };\n",
    },
  );
  // `events` is also the npm polyfill; a `browser` field may map a built-in to nothing.
  fixture('events', { main: './index.js' }, { 'index.js': 'export class EventEmitter {}\n' });
  fixture('fx-polyfill', { exports: './index.js' }, { 'index.js': "export { EventEmitter } from 'events';\n" });
  fixture(
    'fx-disabled',
    { exports: './index.js', browser: { crypto: false } },
    { 'index.js': "import c from 'crypto';\nexport const k = c;\n" },
  );
  fixture('fx-native', { exports: './index.js' }, { 'index.js': "export * as tf from '@tensorflow/tfjs-node';\n" });
  // Bundles cleanly, but reaches for a Node global when it is evaluated.
  fixture('fx-process', { exports: './index.js' }, { 'index.js': 'export const debug = process.env.DEBUG;\n' });
});

after(() => {
  fs.rmSync(root, { recursive: true, force: true });
});

describe('checkBrowserEntry', () => {
  it('takes the browser condition', async () => {
    const r = await checkBrowserEntry('fx-conditions', root);
    assert.deepEqual(r.nodeOnly, []);
    assert.deepEqual(r.errors, []);
  });

  it('names the Node built-in and the chain of imports to it', async () => {
    const r = await checkBrowserEntry('fx-fs', root);
    assert.equal(r.nodeOnly.length, 1);
    assert.equal(r.nodeOnly[0].specifier, 'fs');
    assert.equal(r.nodeOnly[0].what, 'Node built-in');
    assert.deepEqual(
      r.nodeOnly[0].chain.map((f) => f.replace(/^.*node_modules\//, '')),
      ['fx-fs/index.js', 'fx-fs/lib.js'],
    );
    const w = await checkBrowserEntry('fx-fs/worker', root);
    assert.equal(w.nodeOnly[0].specifier, 'node:worker_threads');
  });

  it('allows a polyfill package and modules a browser field disables', async () => {
    for (const name of ['fx-polyfill', 'fx-disabled']) {
      const r = await checkBrowserEntry(name, root);
      assert.deepEqual(r.nodeOnly, [], name);
      assert.deepEqual(r.errors, [], name);
    }
  });

  it('flags native TensorFlow.js even when it is not installed', async () => {
    const r = await checkBrowserEntry('fx-native', root);
    assert.deepEqual(
      r.nodeOnly.map((n) => [n.specifier, n.what]),
      [['@tensorflow/tfjs-node', 'native TensorFlow.js package']],
    );
  });
});

describe('check-browser-bundles (command)', () => {
  it('exits 1 naming the package, the entry point and the built-in', () => {
    let out = '';
    let code = 0;
    try {
      execFileSync(process.execPath, [script, path.join(root, 'node_modules', 'fx-fs')], { encoding: 'utf8' });
    } catch (e) {
      code = e.status;
      out = e.stdout;
    }
    assert.equal(code, 1);
    assert.match(out, /fx-fs FAILS in a browser bundle/);
    assert.match(out, /fx-fs pulls in the Node built-in "fs", imported by .*fx-fs\/index\.js → .*fx-fs\/lib\.js/);
    assert.match(out, /fx-fs\/worker pulls in the Node built-in "node:worker_threads"/);
  });

  it('exits 1 when evaluating an entry point in a page-like context throws', () => {
    let out = '';
    let code = 0;
    try {
      execFileSync(process.execPath, [script, path.join(root, 'node_modules', 'fx-process')], { encoding: 'utf8' });
    } catch (e) {
      code = e.status;
      out = e.stdout;
    }
    assert.equal(code, 1);
    assert.match(out, /fx-process ok/);
    assert.match(out, /fx-process FAILS in a browser: evaluating fx-process without Node's globals throws: process is not defined/);
  });

  it('exits 0 for a browser-safe package', () => {
    const out = execFileSync(process.execPath, [script, path.join(root, 'node_modules', 'fx-conditions')], { encoding: 'utf8' });
    assert.match(out, /fx-conditions ok/);
    assert.match(out, /1 packages, 1 entry points bundle for a browser without Node built-ins/);
  });
});

describe('the built packages in a page-like context', () => {
  const built = ['core/dist/browser', 'envs/dist/browser', 'policy-gradient/dist'].every((d) =>
    fs.existsSync(path.join(repo, 'packages', d, 'index.js')),
  );

  it(
    'train PPO on CartPole, save it to a MemoryCheckpoint archive and load it back',
    { skip: !built && 'build the packages first' },
    async () => {
      const from = (p) => path.join(repo, 'packages', p);
      const resolveFrom = new Map([
        ['@tensorflow/tfjs', from('core')],
        ['@tfrl/core', from('core')],
        ['@tfrl/envs', from('envs')],
        ['@tfrl/policy-gradient', from('policy-gradient')],
      ]);
      const program = `
import * as tf from '@tensorflow/tfjs';
import { MemoryCheckpoint, initBackend } from '@tfrl/core';
import { make } from '@tfrl/envs';
import { PPO } from '@tfrl/policy-gradient';
globalThis.__result = (async () => {
  await initBackend('cpu', { quiet: true });
  const agent = new PPO({ env: make('CartPole-v1'), nSteps: 32, batchSize: 16, nEpochs: 1, seed: 1 });
  await agent.learn({ totalTimesteps: 64 });
  const mem = new MemoryCheckpoint('cartpole-ppo');
  await agent.save(mem);
  const archive = mem.toArchive();
  const back = await PPO.load(MemoryCheckpoint.fromArchive(archive), { env: make('CartPole-v1') });
  const obs = Float32Array.of(0.01, -0.02, 0.03, 0.04);
  let directory = '';
  try {
    await agent.save('runs/cartpole');
  } catch (e) {
    directory = e.message;
  }
  return {
    node: typeof process !== 'undefined' || typeof Buffer !== 'undefined' || typeof setImmediate !== 'undefined',
    backend: tf.getBackend(),
    steps: back.numTimesteps,
    sameAction: agent.predict(obs, { deterministic: true }) === back.predict(obs, { deterministic: true }),
    archiveBytes: archive.length,
    directory,
  };
})();
`;
      const context = await runInBrowserSandbox(program, repo, resolveFrom);
      const r = await context.__result;
      assert.equal(r.node, false);
      assert.equal(r.backend, 'cpu');
      assert.equal(r.steps, 64);
      assert.equal(r.sameAction, true);
      assert.equal(r.archiveBytes % 512, 0);
      assert.match(
        r.directory,
        /^saveCheckpoint runs\/cartpole: checkpoint directories need Node\.js file system access.*MemoryCheckpoint/,
      );
    },
  );
});
