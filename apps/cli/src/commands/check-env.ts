import { checkEnv, checkParallelEnv, listParallelEnvs, make, makeParallel } from '@tfrl/envs';
import { type OptionSpec, formatOptions, parseCommandArgs, parseSetPairs } from '../args';
import { parseScalar } from '../config';
import { resolveEnvId } from '../envs';

export const checkEnvOptions: Record<string, OptionSpec> = {
  set: { type: 'string', multiple: true, description: 'env keyword argument: --set map_name=8x8' },
  steps: { type: 'string', description: 'steps per seeded run (default 50)' },
  help: { type: 'boolean', short: 'h', description: 'show this help' },
};

export const checkEnvHelp = `Usage: tfrl check-env <env> [--set key=value ...]

Checks that an environment behaves as Gymnasium's and PettingZoo's contracts say (spaces, reset and
step results and their dtypes, seeds, determinism under a seed, goal rewards, render frames), as
Gymnasium's check_env does. Exits 1 with a message naming the problem, or prints what passed.

Options:
${formatOptions(checkEnvOptions)}

Examples:
  tfrl check-env CartPole-v1
  tfrl check-env FrozenLake-v1 --set map_name=8x8 --set is_slippery=false
  tfrl check-env simple_spread_v3
`;

export interface CheckEnvResult {
  envId: string;
  passed: string[];
  warnings: string[];
}

export function checkEnvCommand(argv: string[]): CheckEnvResult | null {
  const { values, positionals } = parseCommandArgs('check-env', argv, checkEnvOptions);
  if (values.help) {
    console.log(checkEnvHelp);
    return null;
  }
  if (positionals.length !== 1) throw new Error(`tfrl check-env: needs one env id, got ${positionals.length}\n\n${checkEnvHelp}`);
  const arg = positionals[0] as string;
  const kwargs = parseSetPairs((values.set as string[] | undefined) ?? [], parseScalar);
  const steps = values.steps === undefined ? undefined : Number(values.steps);
  if (steps !== undefined && !(Number.isInteger(steps) && steps >= 1 && steps <= 1e6)) {
    throw new Error(`tfrl check-env: --steps must be an integer from 1 to 1000000, got "${values.steps}"`);
  }
  const parallel = listParallelEnvs().includes(arg);
  const id = parallel ? arg : resolveEnvId(arg);
  const env = parallel ? makeParallel(id, kwargs) : make(id, kwargs);
  try {
    const report = parallel
      ? checkParallelEnv(env as ReturnType<typeof makeParallel>, { steps, warn: false })
      : checkEnv(env as ReturnType<typeof make>, { steps, warn: false });
    const warnings = report.warnings.map((w) => `${w.check}: ${w.message}`);
    console.log(`${id}: ${report.passed.length} checks passed (${report.passed.join(', ')})`);
    for (const s of report.skipped) console.log(`  skipped ${s.check}: ${s.reason}`);
    for (const w of warnings) console.log(`  warning ${w}`);
    return { envId: id, passed: report.passed.map(String), warnings };
  } finally {
    env.close();
  }
}
