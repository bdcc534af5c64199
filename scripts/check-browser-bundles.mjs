#!/usr/bin/env node
// Checks that every package but the CLI imports in a browser: bundles each entry point of each
// package (every `exports` subpath, through the `browser` condition, as a web app's bundler
// would) with esbuild for `platform: 'browser'`, from the built dist/ (run the build first).
// Fails naming the package, the Node built-in (fs, path, worker_threads, …) or native TensorFlow.js
// package (@tensorflow/tfjs-node, -gpu) the bundle pulled in, and the chain of imports to it. Then
// evaluates every entry point in a page-like context without Node's globals (process, Buffer,
// setImmediate, require), which catches module code that bundles cleanly but would throw in a page.
//
//   node scripts/check-browser-bundles.mjs [package-dir …]   (default: packages/*)
import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import vm from 'node:vm';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

const BUILTINS = new Set(builtinModules.filter((m) => !m.startsWith('_')));
/** Native TensorFlow.js: optional peers of @tfrl/core, Node only. */
const NATIVE_TFJS = /^@tensorflow\/tfjs-node(-gpu)?(\/|$)/;
/**
 * TensorFlow.js itself (any @tensorflow package but the native ones) is bundled once, in its own
 * check, and left out of the packages' bundles: it is most of their size and the same in each.
 */
const SHARED_TFJS = /^@tensorflow\/tfjs(-[a-z-]+)?(\/|$)/;
/** Bare names that may be Node built-ins (a `node:` prefix always is). */
const CANDIDATE = new RegExp(
  `^(node:.*|(${[...BUILTINS].map((m) => m.replace(/[/]/g, '\\/')).join('|')})(\\/.*)?|@tensorflow\\/tfjs-node.*)$`,
);

function loadEsbuild() {
  try {
    return require('esbuild');
  } catch {
    throw new Error('check-browser-bundles: esbuild is not installed (a root devDependency): run `npx -y pnpm@10.34.9 install`');
  }
}

/**
 * esbuild plugin recording, instead of failing on, the imports a browser cannot satisfy: Node
 * built-ins (unless an npm package of that name, e.g. a polyfill, resolves) and native tfjs.
 */
function nodeOnlyImports(found, { shareTfjs }) {
  return {
    name: 'node-only-imports',
    setup(build) {
      if (shareTfjs) {
        build.onResolve({ filter: SHARED_TFJS }, (args) => (NATIVE_TFJS.test(args.path) ? undefined : { path: args.path, external: true }));
      }
      build.onResolve({ filter: CANDIDATE }, async (args) => {
        if (args.pluginData === 'node-only-imports') return undefined;
        const record = (what) => {
          found.push({ specifier: args.path, what, importer: args.importer });
          return { path: args.path, external: true };
        };
        if (NATIVE_TFJS.test(args.path)) return record('native TensorFlow.js package');
        if (args.path.startsWith('node:')) return record('Node built-in');
        // Allowed when it resolves for a browser: an npm package of that name (`events`, `buffer`,
        // … polyfills) or a module the importer's own `browser` field maps to `false`.
        const r = await build.resolve(args.path, {
          kind: args.kind,
          resolveDir: args.resolveDir,
          importer: args.importer,
          pluginData: 'node-only-imports',
        });
        return r.errors.length === 0 && !r.external ? undefined : record('Node built-in');
      });
    },
  };
}

/** The import chain from the entry to `file`, as short names, using esbuild's metafile. */
function chainTo(metafile, file) {
  const entry = Object.keys(metafile.inputs).find((k) => k.endsWith('<stdin>')) ?? '<stdin>';
  const parent = new Map([[entry, null]]);
  const queue = [entry];
  while (queue.length > 0) {
    const cur = queue.shift();
    if (cur === file) break;
    for (const imp of metafile.inputs[cur]?.imports ?? []) {
      if (imp.external || parent.has(imp.path)) continue;
      parent.set(imp.path, cur);
      queue.push(imp.path);
    }
  }
  const chain = [];
  for (let f = file; f && f !== entry; f = parent.get(f)) chain.unshift(shortName(f));
  return chain;
}

/** node_modules/.pnpm/x@1/node_modules/x/lib/a.js → x/lib/a.js; other paths relative to the repo. */
function shortName(file) {
  const abs = path.resolve(root, file);
  const nm = abs.lastIndexOf(`${path.sep}node_modules${path.sep}`);
  if (nm >= 0)
    return abs
      .slice(nm + 14)
      .split(path.sep)
      .join('/');
  return path.relative(root, abs).split(path.sep).join('/');
}

/**
 * Bundle `specifier` (resolved from `resolveDir`; an array bundles several) for a browser;
 * `shareTfjs` leaves TensorFlow.js out (see SHARED_TFJS). Returns the problems found:
 * `nodeOnly` (what, specifier, chain) and esbuild `errors`; `bytes` is the bundle size.
 */
export async function checkBrowserEntry(specifier, resolveDir, { shareTfjs = false } = {}) {
  const esbuild = loadEsbuild();
  const found = [];
  let result;
  try {
    result = await esbuild.build({
      stdin: {
        contents: [specifier]
          .flat()
          .map((s) => `export * from ${JSON.stringify(s)};\n`)
          .join(''),
        resolveDir,
        sourcefile: '<stdin>',
        loader: 'js',
      },
      bundle: true,
      write: false,
      platform: 'browser',
      conditions: ['browser'],
      format: 'esm',
      target: 'es2022',
      metafile: true,
      logLevel: 'silent',
      plugins: [nodeOnlyImports(found, { shareTfjs })],
    });
  } catch (e) {
    const errors = (e.errors ?? [{ text: e.message }]).map((m) => (m.location ? `${m.text} (in ${shortName(m.location.file)})` : m.text));
    return { nodeOnly: found.map((f) => ({ ...f, chain: [shortName(f.importer)] })), errors, bytes: 0 };
  }
  const nodeOnly = found.map((f) => ({ ...f, chain: chainTo(result.metafile, path.relative(process.cwd(), f.importer)) }));
  // Belt and braces: nothing from native tfjs made it into the bundle under another name.
  for (const input of Object.keys(result.metafile.inputs)) {
    if (/[/\\]@tensorflow[/\\]tfjs-node/.test(input))
      nodeOnly.push({ specifier: shortName(input), what: 'native TensorFlow.js package', chain: [] });
  }
  const bytes = result.outputFiles.reduce((n, f) => n + f.contents.byteLength, 0);
  return { nodeOnly, errors: [], bytes };
}

/**
 * A context with the globals of a browser page that the bundles may use, and none of Node's
 * (`process`, `Buffer`, `require`, `setImmediate`, `__dirname`): code evaluated here fails where it
 * would fail in a browser. TensorFlow.js sees a page (`window.document`), not Node.
 */
export function browserSandbox() {
  const g = {
    console,
    setTimeout,
    clearTimeout,
    setInterval,
    clearInterval,
    queueMicrotask,
    structuredClone,
    MessageChannel,
    TextEncoder,
    TextDecoder,
    URL,
    URLSearchParams,
    WebAssembly,
    performance,
    crypto: globalThis.crypto,
    atob,
    btoa,
    Blob,
    Response,
    Request,
    Headers,
    ReadableStream,
    CompressionStream,
    DecompressionStream,
    AbortController,
    Event,
    EventTarget,
    fetch: async (url) => {
      throw new TypeError(`no network in the browser check (fetch ${url})`);
    },
    navigator: { userAgent: 'tfrl-browser-check', hardwareConcurrency: 2, language: 'en' },
    location: { href: 'http://localhost/', origin: 'http://localhost' },
    document: {},
  };
  g.window = g;
  g.self = g;
  return vm.createContext(g);
}

/**
 * Bundle `code` (an ES module importing packages resolved from `resolveDir`, or from
 * `resolveFrom.get(specifier)`) for a browser as a script and run it in {@link browserSandbox};
 * returns the context.
 */
export async function runInBrowserSandbox(code, resolveDir, resolveFrom = new Map()) {
  const esbuild = loadEsbuild();
  const fromDirs = {
    name: 'resolve-from',
    setup(build) {
      build.onResolve({ filter: /^[^.]/ }, (args) => {
        const dir =
          args.importer === '<browser-check>' || args.importer.endsWith('<browser-check>') ? resolveFrom.get(args.path) : undefined;
        if (dir === undefined || args.pluginData === 'resolve-from') return undefined;
        return build.resolve(args.path, { kind: args.kind, resolveDir: dir, pluginData: 'resolve-from' });
      });
    },
  };
  const result = await esbuild.build({
    stdin: { contents: code, resolveDir, sourcefile: '<browser-check>', loader: 'js' },
    bundle: true,
    write: false,
    platform: 'browser',
    conditions: ['browser'],
    format: 'iife',
    target: 'es2022',
    logLevel: 'silent',
    plugins: [fromDirs],
  });
  const context = browserSandbox();
  vm.runInContext(result.outputFiles[0].text, context, { filename: 'browser-bundle.js' });
  return context;
}

/** Evaluate the entry points in the sandbox (all at once; one by one to name the culprit). Returns the failures. */
async function evaluateEntries(specifiers, resolveFrom) {
  const program = (list) => `${list.map((s, i) => `import * as m${i} from ${JSON.stringify(s)};`).join('\n')}
globalThis.__tfrlBrowserCheck = [${list.map((_, i) => `m${i}`).join(', ')}];\n`;
  try {
    await runInBrowserSandbox(program(specifiers), root, resolveFrom);
    return [];
  } catch {
    const failures = [];
    for (const s of specifiers) {
      try {
        await runInBrowserSandbox(program([s]), root, resolveFrom);
      } catch (e) {
        failures.push({ specifier: s, message: e?.message ?? String(e) });
      }
    }
    return failures.length > 0 ? failures : [{ specifier: specifiers.join(' + '), message: 'fails only when imported together' }];
  }
}

/** The entry points of the package in `dir`: `name` + each `exports` subpath but ./package.json. */
export function entryPoints(dir) {
  const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'));
  const keys = pkg.exports && typeof pkg.exports === 'object' ? Object.keys(pkg.exports) : ['.'];
  return {
    name: pkg.name,
    specifiers: keys
      .filter((k) => k !== './package.json' && !k.includes('*'))
      .map((k) => (k === '.' ? pkg.name : `${pkg.name}${k.slice(1)}`)),
  };
}

async function main(dirs) {
  const started = Date.now();
  const failures = [];
  let entries = 0;
  // TensorFlow.js once (the JS API and the wasm backend, as @tfrl/core depends on them), then each package without it.
  const tfjs = ['@tensorflow/tfjs', '@tensorflow/tfjs-backend-wasm'];
  const coreDir = path.join(root, 'packages', 'core');
  const shared = { name: tfjs.join(' + '), checks: [{ specifier: tfjs.join(' + '), ...(await checkBrowserEntry(tfjs, coreDir)) }] };
  const results = [shared];
  const resolveFrom = new Map();
  for (const dir of dirs) {
    const { name, specifiers } = entryPoints(dir);
    for (const s of specifiers) resolveFrom.set(s, dir);
    const checks = await Promise.all(
      specifiers.map(async (s) => ({ specifier: s, ...(await checkBrowserEntry(s, dir, { shareTfjs: true })) })),
    );
    results.push({ name, checks });
  }
  for (const { name, checks } of results) {
    const lines = [];
    for (const c of checks) {
      entries++;
      for (const n of c.nodeOnly) {
        const via = n.chain.length > 0 ? `, imported by ${n.chain.join(' → ')}` : '';
        lines.push(`  ✗ ${c.specifier} pulls in the ${n.what} "${n.specifier}"${via}`);
      }
      for (const e of c.errors) lines.push(`  ✗ ${c.specifier} does not bundle for a browser: ${e}`);
    }
    if (lines.length > 0) {
      failures.push(name);
      console.log(`check-browser-bundles: ${name} FAILS in a browser bundle:\n${[...new Set(lines)].join('\n')}`);
    } else {
      const sizes = checks.map((c) => `${c.specifier.slice(name.length) || '.'} ${(c.bytes / 1e3).toFixed(0)} kB`).join(', ');
      console.log(`check-browser-bundles: ${name} ok (${sizes}${name === shared.name ? '' : ' without TensorFlow.js'})`);
    }
  }
  // Then run them: evaluating every entry point in a page-like context catches module code that
  // reaches for Node's globals (process, Buffer, setImmediate, …), which bundling cannot see.
  if (failures.length === 0) {
    const specifiers = results.slice(1).flatMap((r) => r.checks.map((c) => c.specifier));
    for (const f of await evaluateEntries(specifiers, resolveFrom)) {
      const name = results.find((r) => r.checks.some((c) => c.specifier === f.specifier))?.name ?? f.specifier;
      failures.push(name);
      console.log(
        `check-browser-bundles: ${name} FAILS in a browser: evaluating ${f.specifier} without Node's globals throws: ${f.message}`,
      );
    }
    if (failures.length === 0)
      console.log(`check-browser-bundles: all ${specifiers.length} entry points evaluate in a page-like context without Node's globals`);
  }
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (failures.length > 0) {
    console.log(
      `check-browser-bundles: not browser-safe: ${[...new Set(failures)].join(', ')}.\n` +
        'Move the Node-only code into a module with a `.browser.ts` sibling (see scripts/tsup-browser.mjs), rebuild, and run this again.',
    );
    return 1;
  }
  console.log(
    `check-browser-bundles: ${results.length - 1} packages, ${entries - 1} entry points bundle for a browser without Node built-ins (${seconds} s)`,
  );
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const args = process.argv.slice(2);
  const dirs =
    args.length > 0
      ? args.map((a) => path.resolve(a))
      : readdirSync(path.join(root, 'packages'), { withFileTypes: true })
          .filter((e) => e.isDirectory())
          .map((e) => path.join(root, 'packages', e.name))
          .sort();
  try {
    process.exitCode = await main(dirs);
  } catch (e) {
    console.error(e.message);
    process.exitCode = 1;
  }
}
