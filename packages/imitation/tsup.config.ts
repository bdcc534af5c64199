import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  // h5wasm ships its WebAssembly inside its own files (and is ESM-only): never bundle it; it is
  // loaded lazily with import('h5wasm/node'). fflate and npyjs are dependencies, external too.
  external: [/^@tensorflow\//, /^@tfrl\//, /^h5wasm(\/|$)/, 'fflate', 'npyjs'],
});
