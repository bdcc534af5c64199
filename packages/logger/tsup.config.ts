import { defineConfig } from 'tsup';
import { browserBuild } from '../../scripts/tsup-browser.mjs';

export default defineConfig([
  {
    entry: ['src/index.ts'],
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    clean: ['!browser/**'],
    target: 'node20',
    external: [/^@tensorflow\//, /^@tfrl\//],
  },
  // dist/browser/: the package entry with node-io.browser.ts (no files, ffmpeg, pngjs or cli-progress).
  browserBuild(['src/index.ts']),
]);
