/**
 * The browser build's stand-in for `worker-vec-env.ts`: WorkerVecEnv runs its envs in
 * `node:worker_threads` and blocks on `Atomics.wait`, which a browser page cannot do. In a browser,
 * `makeVec` (a SyncVecEnv, or the batched classic-control VecEnvs) steps the envs instead.
 */
import type { WorkerVecEnvOptions } from './worker-vec-env';

export type { WorkerVecEnvOptions };

export class WorkerVecEnv {
  constructor(envId: string, numEnvs: number, _opts: WorkerVecEnvOptions = {}) {
    throw new Error(
      `WorkerVecEnv(${JSON.stringify(envId)}, ${numEnvs}): runs its envs in Node.js worker threads, which a browser does not have; ` +
        `use makeVec(${JSON.stringify(envId)}, ${numEnvs}) there`,
    );
  }
}
