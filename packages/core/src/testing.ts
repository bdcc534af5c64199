/**
 * Test helpers, published as `@tfrl/core/testing`. Framework-agnostic: they throw plain
 * Errors and import no test runner, so they add no runtime dependency.
 */
import * as tf from '@tensorflow/tfjs';
import { type BackendInfo, type BackendName, initBackend } from './backend';

export interface NoTensorLeakOptions {
  /** Calls before measuring, so lazily created variables / optimizer slots exist (default 1). */
  warmup?: number;
  /** Calls measured (default 3). */
  repeats?: number;
  /** Allowed growth in tensors per measured call (default 0). */
  tolerance?: number;
}

/**
 * Runs `fn` `warmup` times, records `tf.memory().numTensors`, runs it `repeats` more times and
 * throws if the count grew by more than `tolerance` tensors per call. `fn` may be async.
 */
export async function expectNoTensorLeak(fn: () => void | Promise<void>, options: NoTensorLeakOptions = {}): Promise<void> {
  const warmup = options.warmup ?? 1;
  const repeats = options.repeats ?? 3;
  const tolerance = options.tolerance ?? 0;
  if (!Number.isInteger(warmup) || warmup < 0) {
    throw new RangeError(`expectNoTensorLeak: warmup must be an integer >= 0, got ${warmup}`);
  }
  if (!Number.isInteger(repeats) || repeats < 1) {
    throw new RangeError(`expectNoTensorLeak: repeats must be an integer >= 1, got ${repeats}`);
  }
  if (!(tolerance >= 0)) {
    throw new RangeError(`expectNoTensorLeak: tolerance must be >= 0, got ${tolerance}`);
  }
  for (let i = 0; i < warmup; i++) await fn();
  const before = tf.memory().numTensors;
  for (let i = 0; i < repeats; i++) await fn();
  const after = tf.memory().numTensors;
  const perCall = (after - before) / repeats;
  if (perCall > tolerance) {
    throw new Error(
      `expectNoTensorLeak: tensor leak of ${perCall} tensor(s) per call — tf.memory().numTensors ` +
        `went from ${before} to ${after} over ${repeats} call(s) after ${warmup} warm-up call(s)` +
        (tolerance > 0 ? ` (tolerance ${tolerance} per call)` : ''),
    );
  }
}

/**
 * Switch to a backend for a test (`beforeAll(() => useBackend('cpu'))`); imports
 * `@tensorflow/tfjs-backend-wasm` for 'wasm'. Throws if it is not available.
 */
export async function useBackend(name: BackendName): Promise<BackendInfo> {
  return initBackend(name, { quiet: true });
}
