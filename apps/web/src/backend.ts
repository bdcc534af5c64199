/**
 * The TensorFlow.js backend of the page. WebAssembly goes through `initBackend` of @tfrl/core (which
 * also registers tfrl's own wasm kernels), with the .wasm binaries served as assets of this build;
 * WebGL and the plain JavaScript backend ship inside @tensorflow/tfjs.
 */
import * as tf from '@tensorflow/tfjs';
import * as wasm from '@tensorflow/tfjs-backend-wasm';
import wasmThreadedSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import wasmSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import { initBackend } from '@tfrl/core';
import { heapGemmFma } from '@tfrl/core/internal';

export type PageBackend = 'wasm' | 'webgl' | 'cpu';

export interface RuntimeInfo {
  backend: string;
  crossOriginIsolated: boolean;
  threads: number;
  simd: boolean;
  fma: boolean;
  cores: number;
}

wasm.setWasmPaths({
  'tfjs-backend-wasm.wasm': wasmUrl,
  'tfjs-backend-wasm-simd.wasm': wasmSimdUrl,
  'tfjs-backend-wasm-threaded-simd.wasm': wasmThreadedSimdUrl,
});

const cores = typeof navigator !== 'undefined' ? navigator.hardwareConcurrency || 1 : 1;
const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
if (isolated) wasm.setThreadsCount(cores);

/** Select `name`; resolves with what is in use (a failed WebGL context falls back to wasm). */
export async function selectBackend(name: PageBackend): Promise<RuntimeInfo> {
  if (name === 'wasm') {
    await initBackend('wasm', {
      quiet: true,
      loader: async (specifier) => {
        if (specifier === '@tensorflow/tfjs-backend-wasm') return wasm;
        throw new Error(`Cannot find module ${specifier}: not part of this page`);
      },
    });
  } else {
    const ok = await tf.setBackend(name);
    if (!ok) return selectBackend('wasm');
    await tf.ready();
  }
  return runtimeInfo();
}

export async function runtimeInfo(): Promise<RuntimeInfo> {
  const backend = tf.getBackend();
  const simd = backend === 'wasm' ? Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) : false;
  const threads = backend === 'wasm' ? wasm.getThreadsCount() : 1;
  return { backend, crossOriginIsolated: isolated, threads, simd, fma: backend === 'wasm' && heapGemmFma(), cores };
}
