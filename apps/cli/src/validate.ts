/**
 * Strict reading of command-line values: every rule is checked before a run directory is created,
 * and an error names the option, the rule and the value given.
 */

/** The largest step count the CLI accepts (a run that long would take centuries here, but counters stay exact). */
export const MAX_STEPS = 1e12;

/** An integer option: decimal or scientific notation (`1e5`), within [min, max]. */
export function integerOption(value: unknown, name: string, range: { min: number; max: number }): number {
  const shown = JSON.stringify(value);
  if (typeof value === 'number') return checkInteger(value, name, range, shown);
  if (typeof value !== 'string' || value.trim() === '')
    throw new Error(`tfrl: ${name} needs a value (an integer from ${range.min} to ${range.max})`);
  const s = value.trim();
  if (!/^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(s)) throw new Error(`tfrl: ${name} must be an integer, got ${shown}`);
  return checkInteger(Number(s), name, range, shown);
}

function checkInteger(n: number, name: string, range: { min: number; max: number }, shown: string): number {
  if (!Number.isFinite(n) || !Number.isInteger(n)) throw new Error(`tfrl: ${name} must be an integer, got ${shown}`);
  if (n < range.min || n > range.max) throw new Error(`tfrl: ${name} must be an integer from ${range.min} to ${range.max}, got ${shown}`);
  return n;
}

/** A non-empty string option. */
export function stringOption(value: unknown, name: string): string {
  if (typeof value !== 'string' || value.trim() === '')
    throw new Error(`tfrl: ${name} needs a non-empty value, got ${JSON.stringify(value)}`);
  return value;
}

/** A seed: an integer in [0, 2^32 − 1] (the range of the 32-bit generators every env and learner seeds). */
export function seedOption(value: unknown, name = '--seed'): number {
  return integerOption(value, name, { min: 0, max: 0xffffffff });
}

/**
 * Limits that keep a config from asking for more memory than a machine has; the learners' own
 * schemas check types and ranges, these check sizes.
 */
export const SIZE_LIMITS = {
  n_envs: 1024,
  /** Rollout rows: n_steps × n_envs. */
  rollout: 10_000_000,
  /** Width of one hidden layer. */
  layer: 16_384,
  /** Replay transitions. */
  buffer_size: 100_000_000,
};

/** Refuse configs whose buffers or networks could not be allocated, naming the limit. */
export function checkSizes(config: Record<string, unknown>, nEnvs: number): void {
  if (nEnvs > SIZE_LIMITS.n_envs) throw new Error(`tfrl: n_envs must be at most ${SIZE_LIMITS.n_envs}, got ${nEnvs}`);
  const nSteps = config.n_steps ?? config.nSteps;
  if (typeof nSteps === 'number' && nSteps * nEnvs > SIZE_LIMITS.rollout) {
    throw new Error(`tfrl: n_steps × n_envs must be at most ${SIZE_LIMITS.rollout.toExponential()} rollout rows, got ${nSteps} × ${nEnvs}`);
  }
  const arch = config.net_arch ?? config.netArch;
  if (Array.isArray(arch)) {
    for (const w of arch) {
      if (typeof w === 'number' && w > SIZE_LIMITS.layer)
        throw new Error(`tfrl: net_arch layers must be at most ${SIZE_LIMITS.layer} wide, got ${w}`);
    }
  }
  const buffer = config.buffer_size ?? config.bufferSize;
  if (typeof buffer === 'number' && buffer > SIZE_LIMITS.buffer_size) {
    throw new Error(`tfrl: buffer_size must be at most ${SIZE_LIMITS.buffer_size.toExponential()} transitions, got ${buffer}`);
  }
}

/** snake_case → camelCase, the learners' spelling. */
export function camelKey(key: string): string {
  return key.replace(/_+([a-zA-Z0-9])/g, (_m, c: string) => c.toUpperCase());
}

/**
 * Merge config layers (defaults, --config, --set): a key given in either spelling (`learning_rate`
 * or `learningRate`) overrides the same key of an earlier layer.
 */
export function mergeConfigs(...layers: Array<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const spelled = new Map<string, string>();
  for (const layer of layers) {
    const seen = new Map<string, string>();
    for (const [key, value] of Object.entries(layer)) {
      const canon = camelKey(key);
      const twin = seen.get(canon);
      if (twin !== undefined) throw new Error(`tfrl: "${twin}" and "${key}" are the same setting; give it once`);
      seen.set(canon, key);
      const prev = spelled.get(canon);
      if (prev !== undefined && prev !== key) delete out[prev];
      spelled.set(canon, key);
      out[key] = value;
    }
  }
  return out;
}
