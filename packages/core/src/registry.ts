/**
 * The algorithm registry the CLI uses: each family package registers its algorithms by
 * short name (`ppo`), and `loadAgent` dispatches a checkpoint to the class that wrote it.
 */
import { type Algorithm, type AlgorithmClass, type BaseAlgorithm, type LoadOptions, restoreAlgorithm } from './algorithm';
import { type CheckpointTarget, checkpointLabel, loadCheckpoint } from './checkpoint';
import { closestName } from './hyperparams';

export interface AlgorithmRegistration {
  /** Short CLI name, e.g. `'ppo'` (matched case-insensitively). */
  name: string;
  /** The package providing it, e.g. `'@tfrl/policy-gradient'`. */
  family: string;
  ctor: AlgorithmClass<BaseAlgorithm<any>>;
  /** Tuned hyperparameters per env id (RL-Zoo style). */
  defaults?: Record<string, Record<string, unknown>>;
  description: string;
  /**
   * The learner steps one Env at a time (tabular TD control, dynamic programming, linear Q): the
   * CLI gives it one env (`n_envs` must be 1) as a one-env SyncVecEnv, which it unwraps.
   */
  singleEnv?: boolean;
  /** The learner trains on expert demonstrations (behavioral cloning): the CLI requires `--expert <file>`. */
  needsDemonstrations?: boolean;
}

// Shared through globalThis so the ESM and CJS builds of core, if both get loaded, see one registry.
const KEY = Symbol.for('tfrl.algorithmRegistry');
function registry(): Map<string, AlgorithmRegistration> {
  const g = globalThis as unknown as Record<symbol, Map<string, AlgorithmRegistration> | undefined>;
  let r = g[KEY];
  if (!r) {
    r = new Map();
    g[KEY] = r;
  }
  return r;
}

/** Register an algorithm. Registering the same class again is a no-op; another class under a taken name is an error. */
export function registerAlgorithm(reg: AlgorithmRegistration): void {
  if (!reg || typeof reg.name !== 'string' || !/^[a-z0-9][a-z0-9_-]*$/i.test(reg.name)) {
    throw new Error(`registerAlgorithm: invalid name ${JSON.stringify(reg?.name)} (letters, digits, - and _)`);
  }
  if (typeof reg.ctor !== 'function' || typeof reg.ctor.algorithmName !== 'string') {
    throw new Error(`registerAlgorithm(${reg.name}): ctor must be an Algorithm subclass with a static algorithmName`);
  }
  const key = reg.name.toLowerCase();
  const existing = registry().get(key);
  if (existing && existing.ctor !== reg.ctor && existing.ctor.algorithmName !== reg.ctor.algorithmName) {
    throw new Error(`registerAlgorithm: "${reg.name}" is already registered by ${existing.family}`);
  }
  registry().set(key, { ...reg });
}

/** Remove a registration (for tests). */
export function unregisterAlgorithm(name: string): boolean {
  return registry().delete(name.toLowerCase());
}

/** Every registration, sorted by name. */
export function listAlgorithms(): AlgorithmRegistration[] {
  return [...registry().values()].sort((a, b) => a.name.localeCompare(b.name));
}

/** The registration for `name` (case-insensitive; also matches the class's `algorithmName`). */
export function getAlgorithm(name: string): AlgorithmRegistration {
  const r = registry();
  const key = String(name).toLowerCase();
  const hit = r.get(key) ?? [...r.values()].find((x) => x.ctor.algorithmName.toLowerCase() === key);
  if (hit) return hit;
  const names = [...r.keys()].sort();
  if (names.length === 0) {
    throw new Error(
      `unknown algorithm "${name}": no algorithms are registered (import @tfrl/policy-gradient, @tfrl/value-based, ... first)`,
    );
  }
  const guess = closestName(key, names);
  throw new Error(`unknown algorithm "${name}" (${guess ? `did you mean "${guess}"? ` : ''}valid: ${names.join(', ')})`);
}

/** The tuned hyperparameters registered for `envId`, or `{}`. */
export function algorithmDefaults(name: string, envId: string): Record<string, unknown> {
  return { ...(getAlgorithm(name).defaults?.[envId] ?? {}) };
}

/** Load any registered agent from a checkpoint, dispatching on the algorithm it records. */
export async function loadAgent<T extends BaseAlgorithm<any> = Algorithm<any>>(
  target: CheckpointTarget,
  options: LoadOptions<any>,
): Promise<T> {
  const ckpt = await loadCheckpoint(target);
  const dir = checkpointLabel(target);
  let reg: AlgorithmRegistration;
  try {
    reg = getAlgorithm(ckpt.manifest.algorithm);
  } catch (e) {
    throw new Error(`checkpoint ${dir}: written by ${ckpt.manifest.algorithm}, which is not registered: ${(e as Error).message}`);
  }
  return restoreAlgorithm(reg.ctor, dir, ckpt, options) as unknown as T;
}
