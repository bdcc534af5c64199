/**
 * A RealNVP normalizing flow learning the two-moons set by maximum likelihood in the page: the data
 * in grey, samples of the flow in colour (redrawn as it learns), and the training NLL.
 */
import { Rng } from '@tfrl/core';
import { FlowTrainer, RealNVP, makeMoons } from '@tfrl/generative';
import { drawChart, setupCanvas } from './chart';
import { $, RunControl, fmt, stat } from './ui';

const STEPS = 3000;
const N_SAMPLES = 1500;
const RANGE = { x: [-1.6, 2.6], y: [-1.1, 1.6] } as const;

export interface FlowReport {
  state: 'idle' | 'training' | 'paused' | 'done' | 'error';
  step?: number;
  nll?: number;
  heldOutNll?: number;
  error?: string;
}

const page = {
  control: new RunControl(),
  flow: undefined as RealNVP | undefined,
  data: makeMoons(2000, { noise: 0.08, rng: new Rng(12_345) }).x,
  samples: undefined as Float32Array | undefined,
  losses: [] as { x: number; y: number }[],
  report: { state: 'idle' } as FlowReport,
};

export function flowReport(): FlowReport {
  return { ...page.report };
}

function drawPoints(): void {
  const { ctx, w, h } = setupCanvas($<HTMLCanvasElement>('flow-plot'));
  ctx.fillStyle = '#0f172a';
  ctx.fillRect(0, 0, w, h);
  const X = (x: number) => ((x - RANGE.x[0]) / (RANGE.x[1] - RANGE.x[0])) * w;
  const Y = (y: number) => h - ((y - RANGE.y[0]) / (RANGE.y[1] - RANGE.y[0])) * h;
  ctx.fillStyle = 'rgba(148, 163, 184, 0.35)';
  const d = page.data;
  for (let i = 0; i < d.length; i += 2) ctx.fillRect(X(d[i] as number) - 1, Y(d[i + 1] as number) - 1, 2, 2);
  const s = page.samples;
  if (s !== undefined) {
    for (let i = 0; i < s.length; i += 2) {
      const x = s[i] as number;
      const y = s[i + 1] as number;
      // Colour by position along the moons, so the mapping from the Gaussian stays visible.
      const hue = 190 + 140 * Math.max(0, Math.min(1, (x - RANGE.x[0]) / (RANGE.x[1] - RANGE.x[0])));
      ctx.fillStyle = `hsla(${hue}, 85%, 62%, 0.8)`;
      ctx.beginPath();
      ctx.arc(X(x), Y(y), 1.8, 0, Math.PI * 2);
      ctx.fill();
    }
  }
}

function drawLoss(): void {
  drawChart($<HTMLCanvasElement>('flow-chart'), [{ color: '#a78bfa', points: page.losses, smooth: 10 }], {
    xLabel: 'step',
    yLabel: 'NLL',
    xMax: STEPS,
  });
  const r = page.report;
  $('flow-stats').innerHTML = [
    stat('state', r.state, 'flow-state'),
    stat('step', `${(r.step ?? 0).toLocaleString('en-US')} / ${STEPS.toLocaleString('en-US')}`),
    stat('train NLL', fmt(r.nll ?? Number.NaN, 3), 'flow-nll'),
    stat('held-out NLL', fmt(r.heldOutNll ?? Number.NaN, 3), 'flow-heldout'),
  ].join('');
}

async function train(): Promise<void> {
  const seed = Math.trunc(Number($<HTMLInputElement>('flow-seed').value));
  if (!Number.isInteger(seed) || seed < 0)
    throw new Error(`Seed must be a whole number ≥ 0, got "${$<HTMLInputElement>('flow-seed').value}".`);
  page.flow?.dispose();
  page.losses = [];
  page.samples = undefined;
  page.report = { state: 'training', step: 0 };
  setButtons();
  const flow = new RealNVP({ dim: 2, hiddenSizes: [64, 64], activation: 'elu', numLayers: 8, actNorm: true, seed });
  page.flow = flow;
  const trainer = new FlowTrainer(flow, { lr: 2e-3, seed });
  const train = makeMoons(20_000, { noise: 0.08, rng: new Rng(seed) }).x;
  const test = makeMoons(4000, { noise: 0.08, rng: new Rng(seed + 1) }).x;
  try {
    await trainer.train(train, {
      steps: STEPS,
      batchSize: 256,
      lrSchedule: 'cosine',
      onStep: async (step, loss) => {
        page.report.step = step;
        page.report.nll = loss;
        if (step % 5 === 0) page.losses.push({ x: step, y: loss });
        if (step % 50 === 0 || step === 1) {
          page.samples = flow.sampleArray(N_SAMPLES, new Rng(777));
          drawPoints();
          drawLoss();
        }
        await page.control.checkpoint();
      },
    });
    page.samples = flow.sampleArray(N_SAMPLES, new Rng(777));
    page.report = { ...page.report, state: 'done', heldOutNll: flow.evaluateNll(test) };
  } catch (e) {
    page.report = { state: 'error', error: (e as Error).message };
  } finally {
    trainer.dispose();
  }
  drawPoints();
  drawLoss();
  setButtons();
}

function setButtons(): void {
  const live = page.report.state === 'training' || page.report.state === 'paused';
  $<HTMLButtonElement>('flow-start').disabled = live;
  $<HTMLButtonElement>('flow-pause').disabled = !live;
  $<HTMLButtonElement>('flow-pause').textContent = page.control.paused ? 'Resume' : 'Pause';
}

export function setupFlow(): void {
  $('flow-start').addEventListener('click', () => {
    train().catch((e: unknown) => {
      page.report = { state: 'error', error: (e as Error).message };
      drawLoss();
      setButtons();
    });
  });
  $('flow-pause').addEventListener('click', () => {
    if (page.control.paused) {
      page.control.play();
      page.report.state = 'training';
    } else {
      page.control.pause();
      page.report.state = 'paused';
    }
    drawLoss();
    setButtons();
  });
  drawPoints();
  drawLoss();
  setButtons();
}
