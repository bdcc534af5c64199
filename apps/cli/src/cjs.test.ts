import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

// The built package, as a CommonJS consumer sees it: `require('@tfrl/cli')` loads dist/index.cjs.
// tsup leaves `import.meta` empty in a CJS build unless it shims it, so module-relative paths
// (configsDir, installedBackends) broke there while the ESM build and these vitest runs worked.
const pkgRoot = path.resolve(__dirname, '..');
const cjsEntry = path.join(pkgRoot, 'dist', 'index.cjs');

function requireInChild(code: string): unknown {
  const out = execFileSync(process.execPath, ['-e', code], { cwd: pkgRoot, encoding: 'utf8' });
  return JSON.parse(out.trim().split('\n').pop() ?? 'null');
}

describe('@tfrl/cli from CommonJS', () => {
  it('has a built CJS entry (turbo builds before testing)', () => {
    expect(fs.existsSync(cjsEntry), `${cjsEntry} is missing: run pnpm --filter @tfrl/cli build`).toBe(true);
  });

  it('require() of the package exports the command functions', () => {
    const result = requireInChild(`
      const cli = require(${JSON.stringify(pkgRoot)});
      const byName = require('@tfrl/cli');
      const names = ['main', 'registerAll', 'trainCommand', 'evalCommand', 'genCommand', 'listCommand', 'plotCommand',
        'installedBackends', 'defaultConfig', 'configsDir'];
      console.log(JSON.stringify({
        resolved: require.resolve('@tfrl/cli'),
        same: cli === byName,
        types: Object.fromEntries(names.map((n) => [n, typeof cli[n]])),
        help: typeof cli.HELP === 'string' && cli.HELP.includes('tfrl train'),
      }));
    `) as { resolved: string; same: boolean; types: Record<string, string>; help: boolean };
    expect(result.resolved).toBe(cjsEntry);
    expect(result.same).toBe(true);
    expect(result.help).toBe(true);
    for (const [name, type] of Object.entries(result.types)) expect(`${name}: ${type}`).toBe(`${name}: function`);
  });

  it('module-relative paths work in the CJS build (configsDir, installedBackends, defaultConfig)', () => {
    const result = requireInChild(`
      const cli = require(${JSON.stringify(pkgRoot)});
      console.log(JSON.stringify({
        configs: cli.configsDir(),
        backends: cli.installedBackends().map((b) => b.name + ':' + b.installed),
        ppo: cli.defaultConfig('ppo', 'CartPole-v1'),
      }));
    `) as { configs: string; backends: string[]; ppo: { config: Record<string, unknown>; source: string | null } };
    expect(result.configs).toBe(path.join(pkgRoot, 'configs'));
    expect(fs.existsSync(result.configs)).toBe(true);
    expect(result.backends).toContain('cpu:true');
    expect(result.backends).toContain('wasm:true');
    expect(result.ppo.source).toBe(`${path.join(pkgRoot, 'configs', 'ppo.yml')}#CartPole-v1`);
    expect(Object.keys(result.ppo.config).length).toBeGreaterThan(0);
  });
});
