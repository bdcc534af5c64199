import { parseArgs } from 'node:util';

export interface OptionSpec {
  type: 'string' | 'boolean';
  multiple?: boolean;
  short?: string;
  description: string;
}

/**
 * Parses `argv` against `options`. Unknown options are errors that list the valid ones
 * (node's parseArgs in strict mode throws a terse message; we rephrase it).
 */
export function parseCommandArgs(
  command: string,
  argv: string[],
  options: Record<string, OptionSpec>,
): { values: Record<string, string | boolean | string[] | undefined>; positionals: string[] } {
  const known = Object.keys(options);
  for (const a of argv) {
    if (a.startsWith('--')) {
      const name = a.slice(2).split('=')[0]!;
      if (name && !known.includes(name)) {
        throw new Error(`tfrl ${command}: unknown option --${name}; valid options: ${known.map((k) => `--${k}`).join(', ')}`);
      }
    }
  }
  const parsed = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: Object.fromEntries(
      Object.entries(options).map(([k, v]) => [
        k,
        { type: v.type, ...(v.multiple ? { multiple: true } : {}), ...(v.short ? { short: v.short } : {}) },
      ]),
    ),
  });
  return { values: parsed.values as Record<string, string | boolean | string[] | undefined>, positionals: parsed.positionals };
}

export function formatOptions(options: Record<string, OptionSpec>): string {
  return Object.entries(options)
    .map(([k, v]) => `  --${k}${v.type === 'string' ? ' <value>' : ''}${v.multiple ? ' (repeatable)' : ''}`.padEnd(34) + v.description)
    .join('\n');
}

/** Parses `--set key=value` pairs; values are read as YAML scalars (numbers, booleans, lists). */
export function parseSetPairs(pairs: string[], parseValue: (s: string) => unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const p of pairs) {
    const eq = p.indexOf('=');
    if (eq <= 0) throw new Error(`tfrl: --set expects key=value, got "${p}"`);
    const key = p.slice(0, eq).trim();
    const raw = p.slice(eq + 1);
    setDeep(out, key.split('.'), parseValue(raw));
  }
  return out;
}

function setDeep(obj: Record<string, unknown>, keys: string[], value: unknown): void {
  let cur = obj;
  for (let i = 0; i < keys.length - 1; i++) {
    const k = keys[i]!;
    if (typeof cur[k] !== 'object' || cur[k] === null) cur[k] = {};
    cur = cur[k] as Record<string, unknown>;
  }
  cur[keys[keys.length - 1]!] = value;
}
