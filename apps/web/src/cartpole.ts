/**
 * PPO on CartPole-v1 in the page: the RL Zoo's tuned settings, training with the cart of a display
 * env drawn by the current policy, the episode-return curve, a greedy evaluation at the end, and the
 * model as a download, an upload, or kept in IndexedDB.
 */
import {
  type Algorithm,
  BaseCallback,
  type CallbackContext,
  type CheckpointStore,
  IndexedDbCheckpoint,
  MemoryCheckpoint,
  evaluatePolicy,
  loadAgent,
} from '@tfrl/core';
import { make, makeVec } from '@tfrl/envs';
import { TensorBoardEventBuffer } from '@tfrl/logger';
import { PPO } from '@tfrl/policy-gradient';
import { drawChart, setupCanvas } from './chart';
import { $, RunControl, download, fmt, stat } from './ui';

/** The RL Zoo's CartPole-v1 entry for PPO (apps/cli/configs/ppo.yml). */
export const PPO_CARTPOLE = {
  nEnvs: 8,
  nSteps: 32,
  batchSize: 256,
  gaeLambda: 0.8,
  gamma: 0.98,
  nEpochs: 20,
  entCoef: 0,
  learningRate: 'lin_0.001',
  clipRange: 'lin_0.2',
} as const;

/** What the page reports of the last run (read by the browser test). */
export interface PpoReport {
  state: 'idle' | 'training' | 'paused' | 'evaluating' | 'done' | 'error';
  seed?: number;
  steps?: number;
  wallSeconds?: number;
  stepsPerSecond?: number;
  evalMean?: number;
  evalStd?: number;
  episodes?: number;
  loaded?: string;
  error?: string;
}

type CartState = Float32Array;

const page = {
  control: new RunControl(),
  agent: undefined as Algorithm<any> | undefined,
  display: make('CartPole-v1'),
  displayObs: undefined as CartState | undefined,
  displayReturn: 0,
  returns: [] as { x: number; y: number }[],
  evals: [] as { x: number; y: number }[],
  tb: undefined as TensorBoardEventBuffer | undefined,
  report: { state: 'idle' } as PpoReport,
  totalSteps: 100_000,
  stepsDone: 0,
  t0: 0,
};

export function ppoReport(): PpoReport {
  return { ...page.report };
}

function message(text: string, kind: 'info' | 'error' = 'info'): void {
  const el = $('ppo-message');
  el.textContent = text;
  el.className = `message ${kind}`;
}

// ------------------------------------------------------------------------------------ drawing

function drawCart(obs: CartState | undefined, ret: number): void {
  const { ctx, w, h } = setupCanvas($<HTMLCanvasElement>('ppo-cart'));
  const sky = ctx.createLinearGradient(0, 0, 0, h);
  sky.addColorStop(0, '#0f172a');
  sky.addColorStop(1, '#1e293b');
  ctx.fillStyle = sky;
  ctx.fillRect(0, 0, w, h);
  const scale = w / 4.8;
  const trackY = h * 0.72;
  // The track between the ±2.4 limits, with end stops.
  ctx.strokeStyle = '#475569';
  ctx.lineWidth = 3;
  ctx.beginPath();
  ctx.moveTo(0, trackY + 16);
  ctx.lineTo(w, trackY + 16);
  ctx.stroke();
  for (const x of [-2.4, 2.4]) {
    ctx.fillStyle = '#f43f5e';
    ctx.fillRect(w / 2 + x * scale - 2, trackY + 4, 4, 24);
  }
  if (obs !== undefined) {
    const x = obs[0] as number;
    const theta = obs[2] as number;
    const cx = w / 2 + x * scale;
    const cartW = 64;
    const cartH = 30;
    ctx.fillStyle = '#e2e8f0';
    ctx.beginPath();
    ctx.roundRect(cx - cartW / 2, trackY - cartH / 2, cartW, cartH, 6);
    ctx.fill();
    ctx.fillStyle = '#64748b';
    for (const dx of [-18, 18]) {
      ctx.beginPath();
      ctx.arc(cx + dx, trackY + cartH / 2, 7, 0, Math.PI * 2);
      ctx.fill();
    }
    // The pole: length 1 (twice Gymnasium's half-length 0.5), angle θ from upright.
    const len = scale * 1.0;
    const tipX = cx + Math.sin(theta) * len;
    const tipY = trackY - cartH / 4 - Math.cos(theta) * len;
    const tilt = Math.min(1, Math.abs(theta) / 0.2095);
    ctx.strokeStyle = `rgb(${Math.round(245 - 40 * (1 - tilt))}, ${Math.round(158 + 40 * (1 - tilt))}, ${Math.round(11 + 60 * (1 - tilt))})`;
    ctx.lineWidth = 10;
    ctx.lineCap = 'round';
    ctx.beginPath();
    ctx.moveTo(cx, trackY - cartH / 4);
    ctx.lineTo(tipX, tipY);
    ctx.stroke();
    ctx.fillStyle = '#0ea5e9';
    ctx.beginPath();
    ctx.arc(cx, trackY - cartH / 4, 6, 0, Math.PI * 2);
    ctx.fill();
  }
  ctx.fillStyle = '#94a3b8';
  ctx.font = '13px ui-sans-serif, system-ui, sans-serif';
  ctx.textAlign = 'left';
  ctx.fillText(page.agent ? `current episode: ${ret} steps balanced` : 'no policy yet: press Train or load a model', 14, 24);
}

function drawReturns(): void {
  drawChart(
    $<HTMLCanvasElement>('ppo-chart'),
    [
      { color: '#38bdf8', points: page.returns, smooth: 20 },
      { color: '#f59e0b', points: page.evals, dots: true },
    ],
    { xLabel: 'environment steps', yLabel: 'episode return', xMax: page.totalSteps, yMin: 0, yMax: 500 },
  );
}

function drawStats(): void {
  const r = page.report;
  const live = r.state === 'training' || r.state === 'paused';
  const elapsed = live ? (performance.now() - page.t0) / 1000 : (r.wallSeconds ?? 0);
  const sps = live ? page.stepsDone / Math.max(1e-3, elapsed) : (r.stepsPerSecond ?? 0);
  const last = page.returns.slice(-20);
  const mean = last.length ? last.reduce((a, p) => a + p.y, 0) / last.length : Number.NaN;
  $('ppo-stats').innerHTML = [
    stat('state', r.state, 'ppo-state'),
    stat('steps', `${page.stepsDone.toLocaleString('en-US')} / ${page.totalSteps.toLocaleString('en-US')}`, 'ppo-steps-done'),
    stat('steps/s', fmt(sps, 0), 'ppo-sps'),
    stat('return (last 20)', fmt(mean), 'ppo-return'),
    stat('evaluation', r.evalMean === undefined ? '–' : `${fmt(r.evalMean)} ± ${fmt(r.evalStd ?? 0)}`, 'ppo-eval-result'),
  ].join('');
}

/** One display step with the current policy; a new episode (and seed) after each end. */
function stepDisplay(): void {
  const agent = page.agent;
  if (agent === undefined) return;
  if (page.displayObs === undefined) {
    page.displayObs = page.display.reset().obs as CartState;
    page.displayReturn = 0;
  }
  const act = agent.predict(page.displayObs, { deterministic: true }) as number | ArrayLike<number>;
  const res = page.display.step(typeof act === 'number' ? act : (act[0] as number));
  page.displayReturn += res.reward as number;
  page.displayObs = res.terminated || res.truncated ? undefined : (res.obs as CartState);
  if (page.displayObs !== undefined) drawCart(page.displayObs, page.displayReturn);
}

function animate(): void {
  if (!busy()) stepDisplay();
  requestAnimationFrame(animate);
}

// ----------------------------------------------------------------------------------- training

class PageCallback extends BaseCallback {
  private episodeReturn: Float64Array | undefined;
  private lastDraw = 0;

  override onStep(ctx: CallbackContext): void {
    const { rewards, terminated, truncated } = ctx.locals as {
      rewards: ArrayLike<number>;
      terminated: ArrayLike<number>;
      truncated: ArrayLike<number>;
    };
    this.episodeReturn ??= new Float64Array(rewards.length);
    for (let i = 0; i < rewards.length; i++) {
      (this.episodeReturn[i] as number) += rewards[i] as number;
      if (terminated[i] || truncated[i]) {
        page.returns.push({ x: ctx.numTimesteps, y: this.episodeReturn[i] as number });
        this.episodeReturn[i] = 0;
      }
    }
    page.stepsDone = ctx.numTimesteps;
  }

  override async onRolloutEnd(): Promise<void> {
    stepDisplay();
    const now = performance.now();
    if (now - this.lastDraw > 150) {
      this.lastDraw = now;
      drawReturns();
      drawStats();
    }
    await page.control.checkpoint();
  }
}

async function train(): Promise<void> {
  const seed = Math.trunc(Number($<HTMLInputElement>('ppo-seed').value));
  const steps = Math.trunc(Number($<HTMLInputElement>('ppo-steps').value));
  if (!Number.isInteger(seed) || seed < 0)
    return message(`Seed must be a whole number ≥ 0, got "${$<HTMLInputElement>('ppo-seed').value}".`, 'error');
  if (!Number.isInteger(steps) || steps < 256)
    return message(`Steps must be a whole number ≥ 256, got "${$<HTMLInputElement>('ppo-steps').value}".`, 'error');
  page.agent?.dispose();
  page.tb?.close();
  page.returns = [];
  page.evals = [];
  page.totalSteps = steps;
  page.stepsDone = 0;
  page.displayObs = undefined;
  page.display.reset({ seed: 10_000 + seed });
  page.report = { state: 'training', seed };
  page.tb = new TensorBoardEventBuffer();
  setButtons();
  message(`Training PPO with seed ${seed} for ${steps.toLocaleString('en-US')} steps…`);
  const { nEnvs, ...hp } = PPO_CARTPOLE;
  const agent = new PPO({ env: makeVec('CartPole-v1', nEnvs, { seed }), seed, ...hp });
  page.agent = agent;
  page.t0 = performance.now();
  try {
    await agent.learn({ totalTimesteps: steps, callbacks: [new PageCallback()], logger: page.tb });
  } catch (e) {
    page.report = { state: 'error', seed, error: (e as Error).message };
    message(`Training stopped: ${(e as Error).message}`, 'error');
    setButtons();
    return;
  }
  const wallSeconds = (performance.now() - page.t0) / 1000;
  page.report = { state: 'evaluating', seed, steps: agent.numTimesteps, wallSeconds, stepsPerSecond: agent.numTimesteps / wallSeconds };
  drawStats();
  await evaluate();
  message(
    `Trained ${agent.numTimesteps.toLocaleString('en-US')} steps in ${fmt(wallSeconds)} s (${fmt(agent.numTimesteps / wallSeconds, 0)} steps/s); ` +
      `evaluation ${fmt(page.report.evalMean ?? Number.NaN)} over 10 greedy episodes.`,
  );
}

async function evaluate(): Promise<void> {
  const agent = page.agent;
  if (agent === undefined) return;
  const before = page.report.state;
  page.report.state = 'evaluating';
  setButtons();
  await new Promise((r) => setTimeout(r, 0));
  const seed = page.report.seed ?? 0;
  const res = evaluatePolicy(agent, make('CartPole-v1'), { nEpisodes: 10, deterministic: true, seed: 1_000 + seed });
  page.report = {
    ...page.report,
    state: before === 'training' || before === 'evaluating' ? 'done' : before,
    evalMean: res.meanReward,
    evalStd: res.stdReward,
    episodes: 10,
  };
  page.tb?.scalar('eval/mean_reward', res.meanReward, agent.numTimesteps);
  page.evals.push({ x: Math.min(page.totalSteps, agent.numTimesteps), y: res.meanReward });
  drawReturns();
  drawStats();
  setButtons();
}

// ------------------------------------------------------------------------------- save / load

async function saveTo(store: CheckpointStore): Promise<void> {
  if (page.agent === undefined) throw new Error('nothing to save: train or load a model first');
  await page.agent.save(store);
}

async function loadFrom(store: CheckpointStore, what: string): Promise<void> {
  const agent = await loadAgent(store, { env: makeVec('CartPole-v1', 1) });
  page.agent?.dispose();
  page.agent = agent;
  page.displayObs = undefined;
  page.returns = [];
  page.evals = [];
  page.stepsDone = agent.numTimesteps;
  page.report = { state: 'idle', loaded: what };
  message(
    `Loaded ${what}: ${(agent.constructor as { name: string }).name} trained for ${agent.numTimesteps.toLocaleString('en-US')} steps, acting in the cart view.`,
  );
  await evaluate();
}

async function upload(files: FileList): Promise<void> {
  const list = [...files];
  if (list.length === 1 && (list[0] as File).name.endsWith('.tar')) {
    const file = list[0] as File;
    return loadFrom(MemoryCheckpoint.fromArchive(new Uint8Array(await file.arrayBuffer()), file.name), file.name);
  }
  const byName: Record<string, Uint8Array> = {};
  for (const f of list) byName[f.name] = new Uint8Array(await f.arrayBuffer());
  if (!byName['manifest.json'] || !byName['weights.bin']) {
    throw new Error(`choose a .tar of a model, or its two files manifest.json and weights.bin (got ${list.map((f) => f.name).join(', ')})`);
  }
  return loadFrom(
    new MemoryCheckpoint('upload', { 'manifest.json': byName['manifest.json'], 'weights.bin': byName['weights.bin'] }),
    'manifest.json + weights.bin',
  );
}

// ------------------------------------------------------------------------------------- wiring

function busy(): boolean {
  return page.report.state === 'training' || page.report.state === 'paused' || page.report.state === 'evaluating';
}

function setButtons(): void {
  const has = page.agent !== undefined;
  $<HTMLButtonElement>('ppo-start').disabled = busy();
  $<HTMLButtonElement>('ppo-pause').disabled = page.report.state !== 'training' && page.report.state !== 'paused';
  $<HTMLButtonElement>('ppo-pause').textContent = page.control.paused ? 'Resume' : 'Pause';
  $<HTMLButtonElement>('ppo-eval').disabled = !has || busy();
  $<HTMLButtonElement>('ppo-download').disabled = !has || busy();
  $<HTMLButtonElement>('ppo-save-idb').disabled = !has || busy();
  $<HTMLButtonElement>('ppo-tb').disabled = page.tb === undefined;
}

function guard(fn: () => Promise<void>): () => void {
  return () => {
    fn().catch((e: unknown) => {
      message((e as Error).message, 'error');
      setButtons();
    });
  };
}

export function setupCartPole(): void {
  $('ppo-start').addEventListener('click', guard(train));
  $('ppo-pause').addEventListener('click', () => {
    if (page.control.paused) {
      page.control.play();
      page.report.state = 'training';
    } else {
      page.control.pause();
      page.report.state = 'paused';
    }
    drawStats();
    setButtons();
  });
  $('ppo-eval').addEventListener('click', guard(evaluate));
  $('ppo-download').addEventListener(
    'click',
    guard(async () => {
      const mem = new MemoryCheckpoint();
      await saveTo(mem);
      download(mem.toArchive('ppo-cartpole'), 'ppo-cartpole.tar', 'application/x-tar');
    }),
  );
  $('ppo-tb').addEventListener('click', () => {
    if (page.tb) download(page.tb.bytes(), page.tb.fileName);
  });
  $<HTMLInputElement>('ppo-upload').addEventListener(
    'change',
    guard(async () => {
      const input = $<HTMLInputElement>('ppo-upload');
      if (input.files && input.files.length > 0) await upload(input.files);
      input.value = '';
    }),
  );
  $('ppo-save-idb').addEventListener(
    'click',
    guard(async () => {
      await saveTo(new IndexedDbCheckpoint('cartpole-ppo'));
      message('Kept in this browser (IndexedDB, "cartpole-ppo"): "Load kept model" brings it back after a reload.');
    }),
  );
  $('ppo-load-idb').addEventListener(
    'click',
    guard(() => loadFrom(new IndexedDbCheckpoint('cartpole-ppo'), 'the kept model (IndexedDB)')),
  );
  drawCart(undefined, 0);
  drawReturns();
  drawStats();
  setButtons();
  requestAnimationFrame(animate);
}
