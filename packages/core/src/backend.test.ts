import * as tf from '@tensorflow/tfjs';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { type ModuleLoader, getBackendName, initBackend, setModuleLoader } from './backend';

function notFound(specifier: string): Error {
  const err = new Error(`Cannot find package '${specifier}' imported from /x/backend.js`) as Error & {
    code: string;
  };
  err.code = 'ERR_MODULE_NOT_FOUND';
  return err;
}

/** A loader that pretends only `installed` exist; the real wasm package is imported for wasm. */
function fakeLoader(installed: string[], calls: string[]): ModuleLoader {
  return async (specifier) => {
    calls.push(specifier);
    if (!installed.includes(specifier)) throw notFound(specifier);
    if (specifier === '@tensorflow/tfjs-backend-wasm') return import('@tensorflow/tfjs-backend-wasm');
    // Stand-in for tfjs-node: registers a 'tensorflow' backend that is the JS cpu kernel set.
    if (tf.findBackendFactory('tensorflow') === null) {
      const cpuCtor = (tf.findBackend('cpu') ?? tf.engine().backend).constructor as new () => tf.KernelBackend;
      tf.registerBackend('tensorflow', () => new cpuCtor());
      // The cpu kernels are registered under 'cpu'; copy them for the stand-in.
      for (const k of tf.getKernelsForBackend('cpu')) {
        tf.registerKernel({ ...k, backendName: 'tensorflow' });
      }
    }
    return {};
  };
}

function removeFakeTensorflow(): void {
  for (const k of tf.getKernelsForBackend('tensorflow')) tf.unregisterKernel(k.kernelName, 'tensorflow');
  if (tf.findBackendFactory('tensorflow') !== null) tf.removeBackend('tensorflow');
}

describe('initBackend', () => {
  afterEach(() => setModuleLoader());
  afterAll(async () => {
    await tf.setBackend('cpu');
    removeFakeTensorflow();
  });

  it('auto falls back gpu → node → wasm in order and reports why', async () => {
    const calls: string[] = [];
    const info = await initBackend('auto', {
      quiet: true,
      loader: fakeLoader(['@tensorflow/tfjs-backend-wasm'], calls),
    });
    expect(calls).toEqual(['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node', '@tensorflow/tfjs-backend-wasm']);
    expect(info.name).toBe('wasm');
    expect(info.tfBackend).toBe('wasm');
    expect(info.fallbacks).toEqual([
      { name: 'tensorflow-gpu', reason: '@tensorflow/tfjs-node-gpu is not installed' },
      { name: 'tensorflow', reason: '@tensorflow/tfjs-node is not installed' },
    ]);
    expect(tf.getBackend()).toBe('wasm');
    expect(getBackendName()).toBe('wasm');
  });

  it('auto falls through to cpu when nothing else loads, recording load errors', async () => {
    const calls: string[] = [];
    setModuleLoader(async (s) => {
      calls.push(s);
      if (s === '@tensorflow/tfjs-node') throw new Error('libtensorflow.so.2: cannot open shared object file');
      throw notFound(s);
    });
    const info = await initBackend('auto', { quiet: true });
    expect(calls).toEqual(['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node', '@tensorflow/tfjs-backend-wasm']);
    expect(info.name).toBe('cpu');
    expect(info.tfBackend).toBe('cpu');
    expect(info.fallbacks.map((f) => f.name)).toEqual(['tensorflow-gpu', 'tensorflow', 'wasm']);
    expect(info.fallbacks[1]?.reason).toContain('failed to load: libtensorflow.so.2');
    expect(info.fallbacks[2]?.reason).toBe('@tensorflow/tfjs-backend-wasm is not installed');
    expect(getBackendName()).toBe('cpu');
  });

  it('auto picks tensorflow when tfjs-node loads and registers its backend', async () => {
    const calls: string[] = [];
    const info = await initBackend('auto', {
      quiet: true,
      loader: fakeLoader(['@tensorflow/tfjs-node', '@tensorflow/tfjs-backend-wasm'], calls),
    });
    expect(calls).toEqual(['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']);
    expect(info).toEqual({
      name: 'tensorflow',
      tfBackend: 'tensorflow',
      fallbacks: [{ name: 'tensorflow-gpu', reason: '@tensorflow/tfjs-node-gpu is not installed' }],
    });
    expect(getBackendName()).toBe('tensorflow');
    // The stand-in really computes.
    const y = tf.add(tf.scalar(2), tf.scalar(3));
    expect(y.dataSync()[0]).toBe(5);
    y.dispose();
    await tf.setBackend('cpu');
    removeFakeTensorflow();
  });

  it('a package that loads but registers no backend is skipped with that reason', async () => {
    const info = await initBackend('auto', {
      quiet: true,
      loader: async (s) => {
        if (s === '@tensorflow/tfjs-node-gpu') return {};
        throw notFound(s);
      },
    });
    expect(info.fallbacks[0]).toEqual({
      name: 'tensorflow-gpu',
      reason: "@tensorflow/tfjs-node-gpu did not register a 'tensorflow' TensorFlow.js backend",
    });
    expect(info.name).toBe('cpu');
  });

  it('an explicit backend that is not installed throws with install instructions', async () => {
    // Real loader: tfjs-node is not installed on this machine.
    await expect(initBackend('tensorflow', { quiet: true })).rejects.toThrow(
      /backend 'tensorflow' is not installed.*npm i @tensorflow\/tfjs-node`.*downloads libtensorflow/,
    );
    await expect(initBackend('tensorflow-gpu', { quiet: true })).rejects.toThrow(/npm i @tensorflow\/tfjs-node-gpu/);
    await expect(
      initBackend('tensorflow', {
        quiet: true,
        loader: async () => {
          throw new Error('The specified module could not be found: tensorflow.dll');
        },
      }),
    ).rejects.toThrow(/could not be used.*tensorflow\.dll.*npm i @tensorflow\/tfjs-node/);
    // @ts-expect-error an unknown name
    await expect(initBackend('webgpu', { quiet: true })).rejects.toThrow(/unknown backend 'webgpu'/);
  });

  it('switches for real to wasm and to cpu and computes the same result', async () => {
    const w = await initBackend('wasm', { quiet: true });
    expect(w).toEqual({ name: 'wasm', tfBackend: 'wasm', fallbacks: [] });
    expect(tf.getBackend()).toBe('wasm');
    const a = tf.tidy(() =>
      tf
        .matMul(
          tf.tensor2d([
            [1, 2],
            [3, 4],
          ]),
          tf.tensor2d([[5], [6]]),
        )
        .arraySync(),
    );
    expect(a).toEqual([[17], [39]]);

    // The extra gradient kernels from nn/wasm-kernels are registered: d Σ gather(x, [0, 0, 2]) / dx.
    expect(tf.getKernel('UnsortedSegmentSum', 'wasm')).toBeDefined();
    const x = tf.tensor1d([1, 2, 3]);
    const gx = tf.grad((v: tf.Tensor) => tf.sum(tf.gather(v, tf.tensor1d([0, 0, 2], 'int32'))))(x);
    expect(Array.from(gx.dataSync())).toEqual([2, 0, 1]);
    tf.dispose([x, gx]);

    const c = await initBackend('cpu', { quiet: true });
    expect(c).toEqual({ name: 'cpu', tfBackend: 'cpu', fallbacks: [] });
    expect(tf.getBackend()).toBe('cpu');
    expect(getBackendName()).toBe('cpu');
    const b = tf.tidy(() =>
      tf
        .matMul(
          tf.tensor2d([
            [1, 2],
            [3, 4],
          ]),
          tf.tensor2d([[5], [6]]),
        )
        .arraySync(),
    );
    expect(b).toEqual([[17], [39]]);
  });

  it('getBackendName follows tf when the backend is changed behind its back', async () => {
    await initBackend('cpu', { quiet: true });
    await tf.setBackend('wasm');
    expect(getBackendName()).toBe('wasm');
    await tf.setBackend('cpu');
    expect(getBackendName()).toBe('cpu');
  });
});
