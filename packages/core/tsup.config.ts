import { defineConfig } from 'tsup';
import { browserBuild } from '../../scripts/tsup-browser.mjs';

const entry = ['src/index.ts', 'src/testing.ts', 'src/internal.ts'];

export default defineConfig([
  {
    entry,
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    clean: ['!browser/**'],
    target: 'node20',
    external: [/^@tensorflow\//, /^@tfrl\//],
  },
  // dist/browser/: the same entries with checkpoint-fs.browser.ts and sha256.browser.ts.
  browserBuild(entry),
]);
