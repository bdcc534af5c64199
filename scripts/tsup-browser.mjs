// The browser build of a package, for its tsup.config.ts: the same entry points bundled for
// `platform: 'browser'` into dist/browser/, where every relative import `./x` that has a sibling
// `x.browser.ts` gets that file instead. The `.browser.ts` files are the only difference: they
// stand in for the modules that use Node built-ins (the file system, worker threads, zlib), with
// a browser counterpart or an error that says what needs Node. package.json maps the `browser`
// export condition to dist/browser/; scripts/check-browser-bundles.mjs checks the result.
import { existsSync } from 'node:fs';
import path from 'node:path';

/** esbuild plugin: `./x` → `./x.browser.ts` when that file exists. */
export const browserSiblings = {
  name: 'tfrl-browser-siblings',
  setup(build) {
    build.onResolve({ filter: /^\.\.?\// }, (args) => {
      const candidate = path.resolve(args.resolveDir, `${args.path.replace(/\.(js|ts)$/, '')}.browser.ts`);
      if (candidate === args.importer || !existsSync(candidate)) return undefined;
      return { path: candidate };
    });
  },
};

/**
 * tsup options of the browser build of `entry` (the Node build's entries). The Node build's
 * `clean` must spare dist/browser/ (`clean: ['!browser/**']`): both builds run at once.
 */
export function browserBuild(entry, options = {}) {
  return {
    entry,
    outDir: 'dist/browser',
    format: ['esm', 'cjs'],
    platform: 'browser',
    target: 'es2022',
    // Same API as the Node build: package.json points the browser condition's types at dist/*.d.ts.
    dts: false,
    sourcemap: true,
    clean: true,
    external: [/^@tensorflow\//, /^@tfrl\//],
    esbuildPlugins: [browserSiblings],
    ...options,
  };
}
