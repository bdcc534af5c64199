#!/usr/bin/env node
// The page in a real browser: builds nothing (run `vite build` first), serves dist/ with the
// cross-origin isolation headers, drives Debian's Chromium headless through playwright-core and
// checks, on a fixed seed:
//   - the page loads with no console error and reports its backend;
//   - PPO on CartPole-v1 trained in the page reaches a greedy evaluation return ≥ 475 within 1e5 steps;
//   - the trained model downloads, loads in Node (evaluated there too), and Node's re-save has the
//     page's weights.bin byte for byte and the same manifest (but for its time stamp and the state
//     of the env it was loaded with); a model saved in Node uploads into the page and the page's
//     download of it matches Node's the same way; the model kept in IndexedDB survives a reload;
//   - DQN on the grid world learns a greedy path to the goal; the flow's held-out NLL drops;
// and saves a screenshot and a JSON record (steps/s in the page) in the artifacts directory.
//
//   node e2e/browser-test.mjs [--artifacts dir] [--seed N] [--chromium /usr/bin/chromium] [--headed]
// Environment: CHROMIUM_PATH overrides the browser; TFRL_BROWSER_ARTIFACTS the artifacts directory.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { preview } from 'vite';
import { MemoryCheckpoint, evaluatePolicy, initBackend, loadAgent, unpackCheckpoint } from '@tfrl/core';
import { make, makeVec } from '@tfrl/envs';
import { PPO, registerPolicyGradientAlgorithms } from '@tfrl/policy-gradient';

const here = path.dirname(fileURLToPath(import.meta.url));
const appDir = path.resolve(here, '..');
const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : def;
};
const artifacts = path.resolve(opt('artifacts', process.env.TFRL_BROWSER_ARTIFACTS ?? path.join(appDir, 'e2e', 'artifacts')));
const seed = Number(opt('seed', '0'));
const executablePath = opt('chromium', process.env.CHROMIUM_PATH ?? '/usr/bin/chromium');
const MAX_STEPS = 100_000;
const TARGET = 475;

if (!fs.existsSync(path.join(appDir, 'dist', 'index.html'))) {
  throw new Error(`browser-test: ${path.join(appDir, 'dist')} has no build; run \`npx -y pnpm@10.34.9 --filter @tfrl/web build\` first`);
}
if (!fs.existsSync(executablePath)) {
  throw new Error(
    `browser-test: no browser at ${executablePath}; install Debian's chromium (apt-get install chromium) or pass --chromium / CHROMIUM_PATH`,
  );
}
fs.mkdirSync(artifacts, { recursive: true });

/**
 * A manifest without what a re-save legitimately changes: its time stamp (and so its own hash) and
 * the state of the env the agent was loaded with (`extra.env`, `extra.loop`: the running episodes
 * of the loading side's VecEnv). Hyperparameters, spaces, counters, RNG state, the tensor table and
 * the weights' SHA-256 must match.
 */
function comparableManifest(bytes) {
  const m = JSON.parse(new TextDecoder().decode(bytes));
  for (const k of ['createdAt', 'manifestSha256']) delete m[k];
  for (const k of ['env', 'loop']) delete m.extra[k];
  return m;
}

const t0 = performance.now();
const log = (msg) => console.log(`[browser-test ${((performance.now() - t0) / 1000).toFixed(1)}s] ${msg}`);

await initBackend('wasm', { quiet: true });
registerPolicyGradientAlgorithms();

const server = await preview({
  root: appDir,
  configFile: path.join(appDir, 'vite.config.ts'),
  preview: { port: 0, host: '127.0.0.1', open: false },
  logLevel: 'warn',
});
const url = server.resolvedUrls.local[0];
const browser = await chromium.launch({ executablePath, headless: !args.includes('--headed'), args: ['--no-sandbox'] });
const record = { seed, url, chromium: browser.version(), node: process.version, cpus: os.cpus().length, loadAverageStart: os.loadavg()[0] };
const problems = [];

try {
  const context = await browser.newContext({ viewport: { width: 1360, height: 1100 }, deviceScaleFactor: 1, acceptDownloads: true });
  const page = await context.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} (${r.failure()?.errorText})`));

  await page.goto(url);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 60_000 });
  const runtime = await page.$eval('#runtime-status', (el) => ({ ...el.dataset, text: el.textContent }));
  record.runtime = runtime;
  log(`page ready: ${runtime.text}`);
  assert.equal(runtime.backend, 'wasm', 'the page should train on the WebAssembly backend');
  assert.equal(runtime.isolated, 'true', 'vite preview sends COOP/COEP, so the page should be cross-origin isolated');

  // ---- PPO CartPole, trained in the page.
  await page.fill('#ppo-seed', String(seed));
  await page.fill('#ppo-steps', String(MAX_STEPS));
  await page.click('#ppo-start');
  await page.waitForFunction(() => ['done', 'error'].includes(globalThis.tfrlPage.ppo().state), null, {
    timeout: 15 * 60_000,
    polling: 500,
  });
  const ppo = await page.evaluate(() => globalThis.tfrlPage.ppo());
  record.ppo = ppo;
  log(`PPO: ${JSON.stringify(ppo)}`);
  assert.equal(ppo.state, 'done', `PPO training in the page failed: ${ppo.error}`);
  assert.ok(ppo.steps <= MAX_STEPS + 256, `PPO ran ${ppo.steps} steps, more than ${MAX_STEPS}`);
  assert.ok(ppo.evalMean >= TARGET, `PPO in the page: evaluation ${ppo.evalMean} < ${TARGET} after ${ppo.steps} steps (seed ${seed})`);

  // ---- The model as a download, loaded in Node.
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click('#ppo-download')]);
  const pageTar = path.join(artifacts, dl.suggestedFilename());
  await dl.saveAs(pageTar);
  const pageFiles = unpackCheckpoint(fs.readFileSync(pageTar), pageTar);
  const inNode = await loadAgent(new MemoryCheckpoint('page download', pageFiles), { env: makeVec('CartPole-v1', 1) });
  const nodeEval = evaluatePolicy(inNode, make('CartPole-v1'), { nEpisodes: 10, deterministic: true, seed: 1000 + seed });
  record.pageModelInNode = nodeEval.meanReward;
  log(`the page's model in Node: ${nodeEval.meanReward} over 10 greedy episodes`);
  assert.ok(nodeEval.meanReward >= TARGET, `the page's model scores ${nodeEval.meanReward} in Node`);
  const resaved = new MemoryCheckpoint();
  await inNode.save(resaved);
  assert.ok(
    Buffer.from(resaved.files['weights.bin']).equals(Buffer.from(pageFiles['weights.bin'])),
    "Node's re-save of the page's model has different weights.bin bytes",
  );
  assert.deepEqual(
    comparableManifest(resaved.files['manifest.json']),
    comparableManifest(pageFiles['manifest.json']),
    "Node's re-save of the page's model has a different manifest",
  );
  inNode.dispose();

  // ---- A model saved in Node, uploaded into the page.
  const nodeAgent = new PPO({ env: makeVec('CartPole-v1', 2, { seed: 7 }), seed: 7, nSteps: 64, batchSize: 64, nEpochs: 2 });
  await nodeAgent.learn({ totalTimesteps: 512 });
  const nodeMem = new MemoryCheckpoint();
  await nodeAgent.save(nodeMem);
  nodeAgent.dispose();
  const nodeTar = path.join(artifacts, 'node-model.tar');
  fs.writeFileSync(nodeTar, nodeMem.toArchive('node-model'));
  await page.setInputFiles('#ppo-upload', nodeTar);
  await page.waitForFunction(
    () => globalThis.tfrlPage.ppo().loaded === 'node-model.tar' && globalThis.tfrlPage.ppo().evalMean !== undefined,
    null,
    {
      timeout: 120_000,
    },
  );
  const [dl2] = await Promise.all([page.waitForEvent('download'), page.click('#ppo-download')]);
  const backTar = path.join(artifacts, 'node-model-from-page.tar');
  await dl2.saveAs(backTar);
  const back = unpackCheckpoint(fs.readFileSync(backTar), backTar);
  assert.ok(
    Buffer.from(back['weights.bin']).equals(Buffer.from(nodeMem.files['weights.bin'])),
    "the page's re-save of Node's model has different weights.bin bytes",
  );
  assert.deepEqual(
    comparableManifest(back['manifest.json']),
    comparableManifest(nodeMem.files['manifest.json']),
    "the page's re-save of Node's model has a different manifest",
  );
  log('checkpoints: page → Node and Node → page round trips keep weights.bin byte for byte and the manifest');

  // ---- IndexedDB: keep the page-trained model, reload the page, load it back.
  await page.setInputFiles('#ppo-upload', pageTar);
  await page.waitForFunction(
    (f) => globalThis.tfrlPage.ppo().loaded === f && globalThis.tfrlPage.ppo().evalMean !== undefined,
    path.basename(pageTar),
    {
      timeout: 120_000,
    },
  );
  await page.click('#ppo-save-idb');
  await page.waitForFunction(() => document.getElementById('ppo-message').textContent.startsWith('Kept in this browser'), null, {
    timeout: 30_000,
  });
  await page.reload();
  await page.waitForSelector('body[data-ready="true"]', { timeout: 60_000 });
  await page.click('#ppo-load-idb');
  await page.waitForFunction(
    () => globalThis.tfrlPage.ppo().loaded?.includes('IndexedDB') && globalThis.tfrlPage.ppo().evalMean !== undefined,
    null,
    {
      timeout: 120_000,
    },
  );
  const kept = await page.evaluate(() => globalThis.tfrlPage.ppo());
  record.keptModelEval = kept.evalMean;
  log(`the model kept in IndexedDB, after a reload: evaluation ${kept.evalMean}`);
  assert.equal(kept.evalMean, nodeEval.meanReward, 'the model kept in IndexedDB evaluates differently after a reload');

  // ---- The other two demos, for the screenshot and a check that they learn.
  await page.click('#dqn-start');
  await page.click('#flow-start');
  await page.waitForFunction(() => globalThis.tfrlPage.dqn().state === 'done' && globalThis.tfrlPage.flow().state === 'done', null, {
    timeout: 15 * 60_000,
    polling: 1000,
  });
  record.dqn = await page.evaluate(() => globalThis.tfrlPage.dqn());
  record.flow = await page.evaluate(() => globalThis.tfrlPage.flow());
  log(`DQN: ${JSON.stringify(record.dqn)}; flow: ${JSON.stringify(record.flow)}`);
  assert.ok(record.dqn.reachesGoal, 'DQN in the page: the greedy path does not reach the goal after 40,000 steps');
  assert.ok(
    record.flow.heldOutNll < 1.6,
    `flow in the page: held-out NLL ${record.flow.heldOutNll} (a standard normal on the moons scores about 2.5)`,
  );

  // Train PPO once more so the screenshot shows the learning curve, then take it.
  await page.click('#ppo-start');
  await page.waitForFunction(() => ['done', 'error'].includes(globalThis.tfrlPage.ppo().state), null, {
    timeout: 15 * 60_000,
    polling: 500,
  });
  record.ppoSecondRun = await page.evaluate(() => globalThis.tfrlPage.ppo());
  assert.equal(record.ppoSecondRun.evalMean, ppo.evalMean, 'the same seed gave a different evaluation in the same page');
  await page.waitForTimeout(500);
  await page.screenshot({ path: path.join(artifacts, 'page.png'), fullPage: true });
  log(`screenshot: ${path.join(artifacts, 'page.png')}`);
  assert.deepEqual(problems, [], `the page reported problems:\n${problems.join('\n')}`);
  record.passed = true;
} finally {
  record.loadAverageEnd = os.loadavg()[0];
  record.problems = problems;
  fs.writeFileSync(path.join(artifacts, 'browser-test.json'), `${JSON.stringify(record, null, 2)}\n`);
  await browser.close();
  await new Promise((r) => server.httpServer.close(r));
}
log('passed');
