import { defineConfig } from 'tsup';
import { browserBuild } from '../../scripts/tsup-browser.mjs';

// h5wasm ships its WebAssembly inside its own files (and is ESM-only): never bundle it; it is
// loaded lazily with import('h5wasm/node'). fflate and npyjs are dependencies, external too.
const external = [/^@tensorflow\//, /^@tfrl\//, /^h5wasm(\/|$)/, 'fflate', 'npyjs'];

export default defineConfig([
  {
    entry: ['src/index.ts'],
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    clean: ['!browser/**'],
    target: 'node20',
    external,
  },
  // dist/browser/: the package entry with data/node-io.browser.ts (datasets as bytes, no h5wasm).
  browserBuild(['src/index.ts'], { external }),
]);
