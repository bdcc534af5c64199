import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';

/** Where the RL-Zoo-style default hyperparameter files live (`configs/<algo>.yml`). */
export function configsDir(): string {
  // dist/index.js and src/config.ts are both one level below the package root.
  const here = path.dirname(fileURLToPath(import.meta.url));
  return path.resolve(here, '..', 'configs');
}

export type Config = Record<string, unknown>;

export function readYamlFile(file: string): Config {
  if (!fs.existsSync(file)) throw new Error(`tfrl: config file not found: ${file}`);
  let doc: unknown;
  try {
    doc = YAML.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`tfrl: cannot parse YAML in ${file}: ${(e as Error).message}`);
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new Error(`tfrl: ${file} must hold a mapping at the top level`);
  return doc as Config;
}

/**
 * Default hyperparameters of `algo` on `envId` from `configs/<algo>.yml`, RL-Zoo style: a
 * mapping from env id to hyperparameters, with an optional `default` entry merged underneath.
 */
export function defaultConfig(algo: string, envId: string, dir = configsDir()): { config: Config; source: string | null } {
  const file = path.join(dir, `${algo}.yml`);
  if (!fs.existsSync(file)) return { config: {}, source: null };
  const all = readYamlFile(file);
  const base = (all.default as Config | undefined) ?? {};
  const specific = all[envId] as Config | undefined;
  return { config: { ...base, ...(specific ?? {}) }, source: specific ? `${file}#${envId}` : base ? `${file}#default` : null };
}

/** A file given with --config may be either flat hyperparameters or keyed by env id like the defaults. */
export function userConfig(file: string, envId: string): Config {
  const doc = readYamlFile(file);
  if (envId in doc && typeof doc[envId] === 'object') return doc[envId] as Config;
  return doc;
}

export function parseScalar(s: string): unknown {
  try {
    return YAML.parse(s);
  } catch {
    return s;
  }
}

/** Numbers written as `1e5` in YAML 1.2 are numbers already; RL-Zoo's `!!float 1e5` is handled by yaml too. */
export function toNumber(v: unknown, field: string): number {
  const n = typeof v === 'string' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isFinite(n)) throw new Error(`tfrl: ${field} must be a number, got ${JSON.stringify(v)}`);
  return n;
}
