import fs from 'node:fs';
import path from 'node:path';
import { type BandKind, type CurveRun, bandDescription, plotCurves, readScalarCsv, scalarColumn, writePng } from '@tfrl/logger';
import { type OptionSpec, formatOptions, parseCommandArgs } from '../args';
import { integerOption, stringOption } from '../validate';

export const plotOptions: Record<string, OptionSpec> = {
  out: { type: 'string', description: 'PNG file to write (default curves.png)' },
  tag: {
    type: 'string',
    description:
      "progress.csv column to plot (default rollout/ep_rew_mean); a * matches any text and draws one curve per column, e.g. 'agent_*/episode_return'",
  },
  x: { type: 'string', description: 'progress.csv column for the x axis (default step)' },
  title: { type: 'string', description: 'plot title (default: the env and the tag)' },
  band: { type: 'string', description: 'band around the mean of seeds: minmax | std | none (default minmax)' },
  smooth: { type: 'string', description: 'moving average over N rows of each run before averaging (default 1 = none)' },
  separate: { type: 'boolean', description: 'draw every run on its own instead of averaging seeds' },
  width: { type: 'string', description: 'image width in pixels (default 960)' },
  height: { type: 'string', description: 'image height in pixels (default 600)' },
  force: { type: 'boolean', description: 'let --out replace an existing file' },
  help: { type: 'boolean', short: 'h', description: 'show this help' },
};

export const plotHelp = `Usage: tfrl plot <run-dir>... [options]

Plots learning curves from the runs' progress.csv into a PNG. Runs of the same algorithm on the
same environment (from each run's config.json) are one curve: the mean over their seeds,
interpolated onto a common step grid (cut to the steps all seeds reached), with a shaded band
(min-max by default, or mean ± 1 std). A folder holding run folders (e.g. runs/CartPole-v1)
stands for all the runs inside it.

Options:
${formatOptions(plotOptions)}

Examples:
  tfrl plot runs/CartPole-v1/ppo-0-20261121-131500
  tfrl plot runs/CartPole-v1 --out cartpole.png --band std
  tfrl plot runs/CartPole-v1/ppo-* runs/CartPole-v1/a2c-* --tag eval/mean_reward --title "PPO vs A2C"
  tfrl plot runs/simple_spread_v3/maddpg-0-* --tag 'agent_*/critic_loss' --out critic.png
`;

/** A --tag with * as a RegExp over whole column names (null without *). */
function tagPattern(tag: string): RegExp | null {
  if (!tag.includes('*')) return null;
  const body = tag
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${body}$`);
}

const BANDS: readonly BandKind[] = ['minmax', 'std', 'none'];

interface PlotRun {
  dir: string;
  csv: string;
  algo: string;
  env: string;
  seed: number | undefined;
}

export interface PlotResult {
  out: string;
  groups: Array<{ label: string; runs: string[] }>;
}

/** config.json of a run, or {} when it has none (a run written by other tools). */
function readConfig(dir: string): Record<string, unknown> {
  const file = path.join(dir, 'config.json');
  if (!fs.existsSync(file)) return {};
  try {
    const c = JSON.parse(fs.readFileSync(file, 'utf8'));
    return c && typeof c === 'object' && !Array.isArray(c) ? c : {};
  } catch (e) {
    throw new Error(`tfrl plot: ${file} is not valid JSON: ${(e as Error).message}`);
  }
}

/** The run folders under `dir` (itself, or run folders up to two levels down), sorted. */
function runDirsOf(dir: string): string[] {
  if (!fs.existsSync(dir)) throw new Error(`tfrl plot: run directory not found: ${dir}`);
  if (!fs.statSync(dir).isDirectory()) {
    throw new Error(`tfrl plot: ${dir} is not a directory; give run directories (the folders holding progress.csv)`);
  }
  if (fs.existsSync(path.join(dir, 'progress.csv'))) return [dir];
  const found: string[] = [];
  const walk = (d: string, depth: number) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      if (!e.isDirectory()) continue;
      const sub = path.join(d, e.name);
      if (fs.existsSync(path.join(sub, 'progress.csv'))) found.push(sub);
      else if (depth > 1) walk(sub, depth - 1);
    }
  };
  walk(dir, 2);
  if (found.length === 0) {
    throw new Error(
      `tfrl plot: ${dir} has no progress.csv (and no run folders with one inside it); give run directories as written by tfrl train (runs/<env>/<algo>-<seed>-<stamp>)`,
    );
  }
  return found;
}

function describeRun(dir: string): PlotRun {
  const c = readConfig(dir);
  const str = (...keys: string[]) => {
    for (const k of keys) if (typeof c[k] === 'string' && (c[k] as string) !== '') return c[k] as string;
    return undefined;
  };
  const algo = str('algo', 'model') ?? path.basename(dir);
  const env = str('env', 'dataset') ?? '';
  const seed = Number.isInteger(c.seed) ? (c.seed as number) : undefined;
  return { dir, csv: path.join(dir, 'progress.csv'), algo, env, seed };
}

function columnOf(run: PlotRun, table: ReturnType<typeof readScalarCsv>, name: string, option: string): Float64Array {
  const col = scalarColumn(table, name);
  if (!col) {
    const tags = table.columns.map((t) => `  ${t}`).join('\n');
    throw new Error(`tfrl plot: ${run.csv} has no column "${name}" (${option}); its columns are:\n${tags}`);
  }
  return col;
}

export async function plotCommand(argv: string[]): Promise<PlotResult | null> {
  const { values, positionals } = parseCommandArgs('plot', argv, plotOptions);
  if (values.help) {
    console.log(plotHelp);
    return null;
  }
  if (positionals.length === 0) throw new Error(`tfrl plot: expected at least one <run-dir>\n\n${plotHelp}`);

  // Options first: a bad value fails before any file is read.
  const outArg = values.out === undefined ? 'curves.png' : stringOption(values.out, '--out');
  if (path.extname(outArg).toLowerCase() !== '.png')
    throw new Error(`tfrl plot: --out must name a .png file, got ${JSON.stringify(outArg)}`);
  const out = path.resolve(outArg);
  if (fs.existsSync(out)) {
    if (fs.statSync(out).isDirectory()) throw new Error(`tfrl plot: --out ${outArg} is a directory; give a .png file name`);
    if (!values.force) throw new Error(`tfrl plot: ${outArg} exists; give --force to replace it`);
  }
  const tag = values.tag === undefined ? 'rollout/ep_rew_mean' : stringOption(values.tag, '--tag');
  const xName = values.x === undefined ? 'step' : stringOption(values.x, '--x');
  const title = values.title === undefined ? undefined : stringOption(values.title, '--title');
  const bandArg = values.band === undefined ? 'minmax' : stringOption(values.band, '--band');
  if (!BANDS.includes(bandArg as BandKind)) {
    throw new Error(`tfrl plot: --band must be one of ${BANDS.join(', ')}, got ${JSON.stringify(values.band)}`);
  }
  const band = bandArg as BandKind;
  const smooth = values.smooth === undefined ? 1 : integerOption(values.smooth, '--smooth', { min: 1, max: 100_000 });
  const width = values.width === undefined ? 960 : integerOption(values.width, '--width', { min: 200, max: 8192 });
  const height = values.height === undefined ? 600 : integerOption(values.height, '--height', { min: 150, max: 8192 });

  // Runs, deduplicated, in the order given.
  const seen = new Set<string>();
  const runs: PlotRun[] = [];
  for (const p of positionals) {
    for (const dir of runDirsOf(p)) {
      const key = path.resolve(dir);
      if (seen.has(key)) continue;
      seen.add(key);
      runs.push(describeRun(dir));
    }
  }

  // Groups: algo + env (or every run on its own with --separate), in order of first appearance.
  const envs = new Set(runs.map((r) => r.env));
  const oneEnv = envs.size === 1 ? [...envs][0] : undefined;
  const oneAlgo = new Set(runs.map((r) => `${r.algo}\u0000${r.env}`)).size === 1;
  const groups = new Map<string, { label: string; runs: PlotRun[]; curves: CurveRun[] }>();
  for (const run of runs) {
    let table: ReturnType<typeof readScalarCsv>;
    try {
      table = readScalarCsv(run.csv);
    } catch (e) {
      throw new Error(`tfrl plot: cannot read ${run.csv}: ${(e as Error).message}`);
    }
    const pattern = tagPattern(tag);
    const columns = pattern ? table.columns.filter((c) => pattern.test(c)) : [tag];
    if (columns.length === 0) {
      const tags = table.columns.map((t) => `  ${t}`).join('\n');
      throw new Error(`tfrl plot: ${run.csv} has no column matching "${tag}" (--tag); its columns are:\n${tags}`);
    }
    const x = columnOf(run, table, xName, '--x');
    for (const column of columns) {
      const y = columnOf(run, table, column, '--tag');
      let points = 0;
      for (let i = 0; i < table.rows; i++) if (Number.isFinite(x[i]) && Number.isFinite(y[i])) points++;
      if (points === 0) {
        if (pattern) continue; // a matching column with no values yet (e.g. eval/… before the first evaluation)
        throw new Error(`tfrl plot: ${run.csv} has no values of "${tag}" (--tag) yet; the column is empty`);
      }
      let base = oneEnv !== undefined ? run.algo : `${run.algo} ${run.env}`.trim();
      if (pattern) base = oneAlgo ? column : `${base} ${column}`;
      const key = `${values.separate ? run.dir : `${run.algo}\u0000${run.env}`}\u0000${column}`;
      const label = values.separate ? `${base} ${run.seed === undefined ? path.basename(run.dir) : `seed ${run.seed}`}` : base;
      const g = groups.get(key) ?? { label, runs: [], curves: [] };
      g.runs.push(run);
      g.curves.push({ x, y });
      groups.set(key, g);
    }
  }
  if (groups.size === 0) throw new Error(`tfrl plot: no column matching "${tag}" (--tag) has values yet`);

  const list = [...groups.values()];
  let img: ReturnType<typeof plotCurves>;
  try {
    img = plotCurves(
      list.map((g) => ({ label: g.label, runs: g.curves })),
      { width, height, title: title ?? (oneEnv ? `${oneEnv}: ${tag}` : tag), xLabel: xName, yLabel: tag, band, smooth, runsName: 'seeds' },
    );
  } catch (e) {
    const hint = /no common x range/.test((e as Error).message) ? ' (give --separate to draw the runs one by one)' : '';
    throw new Error(`tfrl plot: ${(e as Error).message}${hint}`);
  }
  writePng(out, img);
  const summary = list.map((g) => `${g.label}: ${g.runs.length} ${g.runs.length === 1 ? 'run' : 'seeds'}`).join(', ');
  const shaded = band !== 'none' && list.some((g) => g.runs.length > 1) ? `; ${bandDescription(band, 'seeds')}` : '';
  console.log(`Wrote ${outArg}: ${tag} against ${xName} for ${summary}${shaded}`);
  return { out, groups: list.map((g) => ({ label: g.label, runs: g.runs.map((r) => r.dir) })) };
}
