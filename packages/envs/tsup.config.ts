import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts', 'vec/worker': 'src/vec/worker.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  external: [/^@tensorflow\//, /^@tfrl\//],
});
