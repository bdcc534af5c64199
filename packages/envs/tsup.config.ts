import { defineConfig } from 'tsup';
import { browserBuild } from '../../scripts/tsup-browser.mjs';

export default defineConfig([
  {
    entry: { index: 'src/index.ts', 'vec/worker': 'src/vec/worker.ts' },
    format: ['esm', 'cjs'],
    // planck (Box2D for LunarLander) is bundled, code and types: its package declares node >= 24, which
    // would make npm warn on Node 20 and 22, where it runs correctly (the LunarLander tests run on both).
    dts: { resolve: ['planck'] },
    noExternal: ['planck'],
    sourcemap: true,
    clean: ['!browser/**'],
    target: 'node20',
    external: [/^@tensorflow\//, /^@tfrl\//],
  },
  // dist/browser/: the package entry with vec/worker-vec-env.browser.ts (no worker threads).
  browserBuild({ index: 'src/index.ts' }, { noExternal: ['planck'] }),
]);
