import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  // import.meta.url is empty in the CJS build; the shim derives it from __filename there
  // (config.ts finds configs/, list.ts resolves the installed backends from it).
  shims: true,
  target: 'node20',
  external: [/^@tensorflow\//, /^@tfrl\//],
});
