#!/usr/bin/env node
// The test command: type-check and lint (Biome, formatter included) every package, then every
// package's vitest suite through turbo (test depends on build), then the pack check. Streams the
// output and closes with one line that totals the tests of every package.
import { spawn } from 'node:child_process';

// ANSI colour codes (ESC [ ... m) in the tools' output.
const ansi = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');
let passed = 0;
let failed = 0;
let skipped = 0;
const failedGates = [];

function run(cmd, args) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let pending = '';
    child.stdout.on('data', (chunk) => {
      process.stdout.write(chunk);
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const raw of lines) {
        const line = raw.replace(ansi, '');
        // vitest's summary line: "      Tests  12 passed (12)" or "Tests  1 failed | 11 passed (12)"
        const m = /\bTests\s+(.*)\(\d+\)\s*$/.exec(line);
        if (m && !/Test Files/.test(line)) {
          for (const [, n, kind] of m[1].matchAll(/(\d+) (passed|failed|skipped)/g)) {
            if (kind === 'passed') passed += Number(n);
            else if (kind === 'failed') failed += Number(n);
            else skipped += Number(n);
          }
        }
        // vitest's "Errors  1 error" line: unhandled errors count as failures.
        const e = /\bErrors\s+(\d+) errors?\b/.exec(line);
        if (e) failed += Number(e[1]);
        // turbo's summary names failed tasks: "Failed:    @tfrl/core#typecheck"
        const t = /^\s*Failed:\s+(.*)$/.exec(line);
        if (t) {
          for (const task of t[1].split(/[,\s]+/)) {
            if (/#(typecheck|lint)$/.test(task)) {
              failed += 1;
              failedGates.push(task);
            }
          }
        }
        const p = /^pack-check: (\d+) passed, (\d+) failed$/.exec(line.trim());
        if (p) {
          passed += Number(p[1]);
          failed += Number(p[2]);
        }
      }
    });
    child.on('close', (code) => resolve(code ?? 1));
  });
}

const turbo = await run('turbo', ['run', 'typecheck', 'lint', 'test', '--concurrency=2', '--continue']);
const pack = turbo === 0 ? await run('node', ['scripts/pack-check.mjs']) : 1;
const code = turbo !== 0 ? turbo : pack;
if (code !== 0 && failed === 0) failed = 1; // a build or pack step failed without a test count
if (failedGates.length) console.log(`\ntfrl: failed gates: ${failedGates.join(', ')}`);
console.log(`\ntfrl: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(code);
