/**
 * Choosing the TensorFlow.js backend once, at start.
 *
 * `auto` tries, in order, `@tensorflow/tfjs-node-gpu` (CUDA), `@tensorflow/tfjs-node`
 * (libtensorflow on the CPU), `@tensorflow/tfjs-backend-wasm`, then the pure-JS `cpu` backend
 * that ships with `@tensorflow/tfjs`. The native packages are optional peer dependencies
 * (their install script downloads libtensorflow), so they are loaded by dynamic import and a
 * missing one is skipped with its reason recorded.
 */
import * as tf from '@tensorflow/tfjs';
import { registerWasmKernels } from './nn/wasm-kernels';

export type BackendName = 'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu';
export type BackendRequest = 'auto' | BackendName;

/** Loads a package by name; the default is a dynamic `import()`. Tests replace it. */
export type ModuleLoader = (specifier: string) => Promise<unknown>;

export interface BackendFallback {
  name: BackendName;
  reason: string;
}

export interface BackendInfo {
  /** The tfrl name of the backend in use. */
  name: BackendName;
  /** What `tf.getBackend()` reports (`tensorflow` for both native packages). */
  tfBackend: string;
  /** Backends tried before this one (only with `auto`) and why they were skipped. */
  fallbacks: BackendFallback[];
}

export interface InitBackendOptions {
  /** Do not print the chosen backend and the skipped ones (default false). */
  quiet?: boolean;
  /** Replaces the module loader for this call (see `setModuleLoader`). */
  loader?: ModuleLoader;
}

interface BackendSpec {
  name: BackendName;
  /** npm package to import first, if any. */
  pkg?: string;
  /** Name the package registers with tfjs. */
  tfBackend: string;
}

const SPECS: Record<BackendName, BackendSpec> = {
  'tensorflow-gpu': { name: 'tensorflow-gpu', pkg: '@tensorflow/tfjs-node-gpu', tfBackend: 'tensorflow' },
  tensorflow: { name: 'tensorflow', pkg: '@tensorflow/tfjs-node', tfBackend: 'tensorflow' },
  wasm: { name: 'wasm', pkg: '@tensorflow/tfjs-backend-wasm', tfBackend: 'wasm' },
  cpu: { name: 'cpu', tfBackend: 'cpu' },
};

const AUTO_ORDER: BackendName[] = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'];

// A variable specifier keeps bundlers from resolving the optional packages at build time;
// `import()` works from both the ESM and the CJS build on Node >= 20.
const defaultLoader: ModuleLoader = (specifier) => import(/* @vite-ignore */ specifier);

let moduleLoader: ModuleLoader = defaultLoader;
let current: BackendInfo | null = null;

/** Replace the module loader used by `initBackend` (pass nothing to restore `import()`). */
export function setModuleLoader(loader?: ModuleLoader): void {
  moduleLoader = loader ?? defaultLoader;
}

/** How to install the package behind a backend, for error messages. */
export function backendInstallHint(name: BackendName): string {
  switch (name) {
    case 'tensorflow-gpu':
      return (
        'install it with `npm i @tensorflow/tfjs-node-gpu` (its install script downloads ' +
        'libtensorflow with CUDA support; it needs an NVIDIA GPU with matching CUDA and cuDNN)'
      );
    case 'tensorflow':
      return 'install it with `npm i @tensorflow/tfjs-node` (its install script downloads libtensorflow)';
    case 'wasm':
      return 'install it with `npm i @tensorflow/tfjs-backend-wasm`';
    case 'cpu':
      return 'it ships with `@tensorflow/tfjs`; reinstall `npm i @tensorflow/tfjs`';
  }
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function isNotInstalled(err: unknown, pkg: string): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
    // A missing *dependency* of an installed package also has this code; only treat the
    // package itself as "not installed" when the message names it.
    return errorMessage(err).includes(pkg);
  }
  // Other loaders (vite/vitest, bundlers) word it differently.
  const msg = errorMessage(err);
  return /Cannot find (package|module)|Could not resolve|Module not found|Failed to resolve/i.test(msg) && msg.includes(pkg);
}

/** Try one backend; returns null on success or the reason it could not be used. */
async function tryBackend(spec: BackendSpec, loader: ModuleLoader): Promise<{ reason: string; notInstalled: boolean } | null> {
  if (spec.pkg !== undefined) {
    try {
      await loader(spec.pkg);
    } catch (err) {
      if (isNotInstalled(err, spec.pkg)) {
        return { reason: `${spec.pkg} is not installed`, notInstalled: true };
      }
      return { reason: `${spec.pkg} failed to load: ${errorMessage(err)}`, notInstalled: false };
    }
  }
  if (tf.findBackendFactory(spec.tfBackend) === null) {
    const by = spec.pkg === undefined ? '@tensorflow/tfjs' : spec.pkg;
    return {
      reason: `${by} did not register a '${spec.tfBackend}' TensorFlow.js backend`,
      notInstalled: false,
    };
  }
  let ok: boolean;
  try {
    ok = await tf.setBackend(spec.tfBackend);
    if (ok) await tf.ready();
  } catch (err) {
    return { reason: `tf.setBackend('${spec.tfBackend}') threw: ${errorMessage(err)}`, notInstalled: false };
  }
  if (!ok || tf.getBackend() !== spec.tfBackend) {
    return {
      reason: `the '${spec.tfBackend}' backend failed to initialise (tf.setBackend returned false)`,
      notInstalled: false,
    };
  }
  // Gradient kernels the wasm backend lacks (UnsortedSegmentSum, Conv2DBackpropFilter).
  if (spec.name === 'wasm') registerWasmKernels();
  return null;
}

/**
 * Select the TensorFlow.js backend. `auto` (the default) takes the first one that works of
 * tensorflow-gpu, tensorflow, wasm, cpu and reports in `fallbacks` why the earlier ones were
 * skipped. An explicit name that is not installed or does not initialise is an Error that
 * says how to install it.
 */
export async function initBackend(name: BackendRequest = 'auto', options: InitBackendOptions = {}): Promise<BackendInfo> {
  const loader = options.loader ?? moduleLoader;
  if (name !== 'auto' && !Object.hasOwn(SPECS, name)) {
    throw new Error(`initBackend: unknown backend '${String(name)}'; expected one of auto, ${AUTO_ORDER.join(', ')}`);
  }
  const order = name === 'auto' ? AUTO_ORDER : [name];
  const fallbacks: BackendFallback[] = [];
  for (const candidate of order) {
    const spec = SPECS[candidate];
    const failure = await tryBackend(spec, loader);
    if (failure === null) {
      current = { name: candidate, tfBackend: tf.getBackend(), fallbacks };
      if (!options.quiet) {
        const skipped = fallbacks.map((f) => `${f.name}: ${f.reason}`).join('; ');
        console.info(`tfrl: using the '${candidate}' backend${skipped ? ` (skipped ${skipped})` : ''}`);
      }
      return { ...current, fallbacks: [...fallbacks] };
    }
    if (name !== 'auto') {
      const what = failure.notInstalled ? 'is not installed' : 'could not be used';
      throw new Error(`initBackend: backend '${candidate}' ${what} (${failure.reason}); ${backendInstallHint(candidate)}`);
    }
    fallbacks.push({ name: candidate, reason: failure.reason });
  }
  // Unreachable in practice: cpu ships with @tensorflow/tfjs.
  throw new Error(`initBackend: no backend could be initialised (${fallbacks.map((f) => `${f.name}: ${f.reason}`).join('; ')})`);
}

/**
 * The tfrl name of the backend in use: the one `initBackend` chose, or — when the backend was
 * changed by other means — derived from `tf.getBackend()` (`tensorflow` cannot tell the GPU
 * package from the CPU one then).
 */
export function getBackendName(): string {
  const tfName = tf.getBackend();
  if (current !== null && current.tfBackend === tfName) return current.name;
  return tfName;
}
