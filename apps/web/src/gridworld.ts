/**
 * DQN on the four-rooms GridWorld in the page: the value function max_a Q(s, a) of every free cell
 * as a heat map, the greedy action as an arrow, and the greedy path from the start, redrawn while
 * it learns.
 */
import { type Algorithm, BaseCallback, type CallbackContext } from '@tfrl/core';
import { GridWorldEnv, makeVec } from '@tfrl/envs';
import { DQN } from '@tfrl/value-based';
import { setupCanvas } from './chart';
import { $, RunControl, fmt, stat } from './ui';

const MAP = 'four-rooms';
const STEPS = 40_000;
/** Measured in Node on seeds 0 and 1: the greedy policy takes the 20-step shortest path after 40k steps. */
export const DQN_GRID = {
  nEnvs: 4,
  learningRate: 1e-3,
  learningStarts: 500,
  batchSize: 64,
  bufferSize: 50_000,
  targetUpdateInterval: 250,
  trainFreq: 1,
  gradientSteps: 1,
  explorationFraction: 0.5,
  explorationFinalEps: 0.05,
  gamma: 0.97,
  netArch: [64, 64],
  double: true,
} as const;

export interface DqnReport {
  state: 'idle' | 'training' | 'paused' | 'done' | 'error';
  steps?: number;
  episodes?: number;
  pathLength?: number;
  reachesGoal?: boolean;
  error?: string;
}

const world = new GridWorldEnv({ map: MAP, slip: 0 });
const page = {
  control: new RunControl(),
  agent: undefined as Algorithm<any> | undefined,
  report: { state: 'idle' } as DqnReport,
  episodes: 0,
  successes: [] as number[],
};

export function dqnReport(): DqnReport {
  return { ...page.report };
}

/** viridis-like ramp, t in [0, 1]. */
function ramp(t: number): string {
  const stops = [
    [68, 1, 84],
    [59, 82, 139],
    [33, 145, 140],
    [94, 201, 98],
    [253, 231, 37],
  ];
  const x = Math.max(0, Math.min(1, t)) * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(x));
  const f = x - i;
  const a = stops[i] as number[];
  const b = stops[i + 1] as number[];
  return `rgb(${a.map((v, k) => Math.round(v + f * ((b[k] as number) - v))).join(',')})`;
}

/** Greedy path from the start (at most 2·cells steps), through the deterministic moves. */
function greedyPath(greedy: Int32Array): number[] {
  const m = world.map;
  let s = m.starts[0] as number;
  const path = [s];
  for (let t = 0; t < m.size * 2 && !m.isTerminal(s); t++) {
    s = m.move(s, greedy[s] as number);
    path.push(s);
    if (path.length > 2 && path.indexOf(s) < path.length - 1) break;
  }
  return path;
}

function draw(): void {
  const { ctx, w, h } = setupCanvas($<HTMLCanvasElement>('dqn-grid'));
  const m = world.map;
  const cell = Math.floor(Math.min(w / m.cols, h / m.rows));
  const ox = Math.floor((w - cell * m.cols) / 2);
  const oy = Math.floor((h - cell * m.rows) / 2);
  ctx.fillStyle = '#0f172a';
  ctx.fillRect(0, 0, w, h);
  const states = Float32Array.from({ length: m.size }, (_, s) => s);
  const agent = page.agent;
  const q = agent ? (agent as unknown as DQN).qValues(states) : undefined;
  const v = new Float32Array(m.size);
  const greedy = new Int32Array(m.size);
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (let s = 0; s < m.size; s++) {
    if (m.isWall(s) || q === undefined) continue;
    let best = 0;
    for (let a = 1; a < 4; a++) if ((q[s * 4 + a] as number) > (q[s * 4 + best] as number)) best = a;
    greedy[s] = best;
    v[s] = q[s * 4 + best] as number;
    if (!m.isTerminal(s)) {
      lo = Math.min(lo, v[s] as number);
      hi = Math.max(hi, v[s] as number);
    }
  }
  for (let s = 0; s < m.size; s++) {
    const [r, c] = m.toRowCol(s);
    const x = ox + c * cell;
    const y = oy + r * cell;
    const ch = m.char(s);
    if (ch === '#') {
      ctx.fillStyle = '#334155';
    } else if (ch === 'G') {
      ctx.fillStyle = '#f59e0b';
    } else {
      ctx.fillStyle = q === undefined ? '#1e293b' : ramp(((v[s] as number) - lo) / Math.max(1e-6, hi - lo));
    }
    ctx.fillRect(x + 1, y + 1, cell - 2, cell - 2);
    if (q !== undefined && ch !== '#' && ch !== 'G') {
      const [dr, dc] = [
        [-1, 0],
        [0, 1],
        [1, 0],
        [0, -1],
      ][greedy[s] as number] as [number, number];
      const cx = x + cell / 2;
      const cy = y + cell / 2;
      const L = cell * 0.28;
      ctx.strokeStyle = 'rgba(15, 23, 42, 0.75)';
      ctx.fillStyle = 'rgba(15, 23, 42, 0.75)';
      ctx.lineWidth = 2;
      ctx.beginPath();
      ctx.moveTo(cx - dc * L, cy - dr * L);
      ctx.lineTo(cx + dc * L, cy + dr * L);
      ctx.stroke();
      ctx.beginPath();
      ctx.moveTo(cx + dc * (L + 4), cy + dr * (L + 4));
      ctx.lineTo(cx + dc * (L - 4) - dr * 5, cy + dr * (L - 4) + dc * 5);
      ctx.lineTo(cx + dc * (L - 4) + dr * 5, cy + dr * (L - 4) - dc * 5);
      ctx.fill();
    }
    if (ch === 'S' || ch === 'G') {
      ctx.fillStyle = '#0f172a';
      ctx.font = `bold ${Math.round(cell * 0.4)}px ui-sans-serif, system-ui, sans-serif`;
      ctx.textAlign = 'left';
      ctx.textBaseline = 'top';
      ctx.fillText(ch, x + 4, y + 3);
    }
  }
  if (q !== undefined) {
    const path = greedyPath(greedy);
    ctx.strokeStyle = '#f8fafc';
    ctx.lineWidth = 3;
    ctx.lineJoin = 'round';
    ctx.beginPath();
    path.forEach((s, i) => {
      const [r, c] = m.toRowCol(s);
      const px = ox + c * cell + cell / 2;
      const py = oy + r * cell + cell / 2;
      if (i === 0) ctx.moveTo(px, py);
      else ctx.lineTo(px, py);
    });
    ctx.stroke();
    const end = path[path.length - 1] as number;
    page.report.reachesGoal = m.char(end) === 'G';
    page.report.pathLength = path.length - 1;
  }
  const rate = page.successes.length ? page.successes.reduce((a, b) => a + b, 0) / page.successes.length : Number.NaN;
  $('dqn-stats').innerHTML = [
    stat('state', page.report.state, 'dqn-state'),
    stat('steps', (page.report.steps ?? 0).toLocaleString('en-US')),
    stat('episodes', page.episodes.toLocaleString('en-US')),
    stat('success (last 50)', fmt(rate * 100, 0) + (Number.isFinite(rate) ? ' %' : '')),
    stat('greedy path', page.report.reachesGoal ? `${page.report.pathLength} steps to G` : '–', 'dqn-path'),
    stat('max Q', fmt(hi, 2)),
  ].join('');
}

class GridCallback extends BaseCallback {
  private lastDraw = 0;

  override async onStep(ctx: CallbackContext): Promise<void> {
    const { rewards, terminated, truncated } = ctx.locals as {
      rewards: ArrayLike<number>;
      terminated: ArrayLike<number>;
      truncated: ArrayLike<number>;
    };
    for (let i = 0; i < rewards.length; i++) {
      if (terminated[i] || truncated[i]) {
        page.episodes += 1;
        page.successes.push(terminated[i] && (rewards[i] as number) > 0 ? 1 : 0);
        if (page.successes.length > 50) page.successes.shift();
      }
    }
    page.report.steps = ctx.numTimesteps;
    const now = performance.now();
    if (now - this.lastDraw > 120) {
      this.lastDraw = now;
      draw();
    }
    await page.control.checkpoint();
  }
}

async function train(): Promise<void> {
  const seed = Math.trunc(Number($<HTMLInputElement>('dqn-seed').value));
  if (!Number.isInteger(seed) || seed < 0)
    throw new Error(`Seed must be a whole number ≥ 0, got "${$<HTMLInputElement>('dqn-seed').value}".`);
  page.agent?.dispose();
  page.episodes = 0;
  page.successes = [];
  page.report = { state: 'training', steps: 0 };
  setButtons();
  const { nEnvs, ...hp } = DQN_GRID;
  const agent = new DQN({
    env: makeVec('GridWorld-v0', nEnvs, { seed, kwargs: { map: MAP, slip: 0 } }),
    seed,
    ...hp,
    netArch: [...hp.netArch],
  });
  page.agent = agent;
  try {
    await agent.learn({ totalTimesteps: STEPS, callbacks: [new GridCallback()] });
    page.report.state = 'done';
  } catch (e) {
    page.report = { state: 'error', error: (e as Error).message };
  }
  draw();
  setButtons();
}

function setButtons(): void {
  const live = page.report.state === 'training' || page.report.state === 'paused';
  $<HTMLButtonElement>('dqn-start').disabled = live;
  $<HTMLButtonElement>('dqn-pause').disabled = !live;
  $<HTMLButtonElement>('dqn-pause').textContent = page.control.paused ? 'Resume' : 'Pause';
}

export function setupGridWorld(): void {
  $('dqn-start').addEventListener('click', () => {
    train().catch((e: unknown) => {
      page.report = { state: 'error', error: (e as Error).message };
      draw();
      setButtons();
    });
  });
  $('dqn-pause').addEventListener('click', () => {
    if (page.control.paused) {
      page.control.play();
      page.report.state = 'training';
    } else {
      page.control.pause();
      page.report.state = 'paused';
    }
    draw();
    setButtons();
  });
  draw();
  setButtons();
}
