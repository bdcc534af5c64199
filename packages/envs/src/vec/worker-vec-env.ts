/**
 * A VecEnv whose envs run in `node:worker_threads` workers, with `step` still synchronous for the
 * caller: observations, actions, rewards, flags, final observations and episode statistics live
 * in SharedArrayBuffers, and each call is one `Atomics.notify` / `Atomics.wait` round trip per
 * worker (all workers step their slices in parallel).
 */

import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MessageChannel, type MessagePort, Worker, receiveMessageOnPort } from 'node:worker_threads';
import type { Space, VecEnv, VecStepResult } from '@tfrl/core';
import { canonicalMakeKwargs, make } from '../registry';
import {
  CMD_CLOSE,
  CMD_INIT,
  CMD_RESET,
  CMD_STEP,
  CTRL_BUF,
  CTRL_CMD,
  CTRL_DONE,
  CTRL_REQ,
  CTRL_SIZE,
  CTRL_STATUS,
  EPISODE_FIELDS,
  PARAM_HAS_SEED,
  PARAM_SEED,
  PARAM_SIZE,
  STATUS_ERROR,
  type SharedBuffers,
  type WorkerErrorReport,
  type WorkerInit,
} from './protocol';
import { assertVecSeed } from './seed';

export interface WorkerVecEnvOptions {
  /** Worker threads (default 2, at most `numEnvs`); env i runs in worker `floor(i * numWorkers / numEnvs)`. */
  numWorkers?: number;
  /**
   * Seed of the first `reset()` called without one: env i gets `seed + i` (as SyncVecEnv / makeVec),
   * so `seed + numEnvs − 1` must be at most 2^32 − 1.
   */
  seed?: number;
  /** Kwargs for `make(envId, kwargs)` in every worker (structured-cloneable; either spelling, as `make`). */
  kwargs?: Record<string, unknown>;
  /** Override the registered time limit (as `make`'s option). */
  maxEpisodeSteps?: number;
  /**
   * A module (absolute path, file URL or package specifier) each worker imports before building
   * its envs; use it to `register` ids that are not built in, importing `register` from the built
   * `@tfrl/envs` (the workers share its registry). The id must be registered in this thread too.
   */
  setupModule?: string;
  /** Path of the built worker script (default: `vec/worker.js` next to the built package). */
  workerScript?: string;
  /** How long a call may wait for a worker before it is declared stuck (default 120 s). */
  timeoutMs?: number;
}

interface WorkerHandle {
  worker: Worker;
  ctrl: Int32Array;
  params: Float64Array;
  port: MessagePort;
  start: number;
  count: number;
  req: number;
}

function moduleDir(): string | undefined {
  // ESM build and vitest: import.meta.url; CJS build: __dirname (import.meta is empty there).
  try {
    const url = import.meta.url;
    if (typeof url === 'string' && url.length > 0) return dirname(fileURLToPath(url));
  } catch {
    // fall through
  }
  return typeof __dirname === 'string' ? __dirname : undefined;
}

/** The built worker script: `dist/vec/worker.js` seen from dist/ (built) or src/vec/ (source). */
function defaultWorkerScript(): string {
  const here = moduleDir();
  const candidates = here
    ? [join(here, 'vec', 'worker.js'), join(here, 'worker.js'), join(here, '..', '..', 'dist', 'vec', 'worker.js')]
    : [];
  for (const c of candidates) if (existsSync(c) && !c.endsWith(join('src', 'vec', 'worker.js'))) return c;
  throw new Error(
    `WorkerVecEnv: cannot find the built worker script (looked at ${candidates.join(', ') || 'no candidates'}); ` +
      'build @tfrl/envs first (pnpm --filter @tfrl/envs build) or pass {workerScript}',
  );
}

/**
 * Same semantics as `makeVec(envId, numEnvs, {seed, kwargs})` (a SyncVecEnv of
 * RecordEpisodeStatistics(make(envId, kwargs))): same compact layouts, same seeding (env i gets
 * `seed + i`), same-step autoreset with `finalObs`, and the same buffer reuse — `obs` alternates
 * between two buffers, the other outputs are overwritten by the next call. Given the same seeds
 * it returns the same numbers as the SyncVecEnv.
 *
 * `infos[i]` carries only `episode: {r, l, t}` for finished episodes (the statistics travel
 * through shared memory; other info keys are not transported).
 *
 * An error inside a worker (a bad action, an env that throws) is rethrown by the call that hit
 * it, naming the env id and index; the VecEnv should then be closed. `close()` stops the workers;
 * the worker threads are `unref`'d, so a forgotten `close()` does not keep the process alive.
 */
export class WorkerVecEnv implements VecEnv {
  readonly envId: string;
  readonly numEnvs: number;
  readonly numWorkers: number;
  readonly singleObservationSpace: Space<any>;
  readonly singleActionSpace: Space<any>;
  readonly obsDim: number;
  readonly actDim: number;

  private readonly workers: WorkerHandle[] = [];
  private readonly obsBufs: [Float32Array, Float32Array];
  private readonly actions: Float64Array;
  private readonly episode: Float64Array;
  private readonly result: VecStepResult;
  private readonly timeoutMs: number;
  private cur = 0;
  private pendingSeed: number | undefined;
  private needsReset = true;
  private closed = false;

  constructor(envId: string, numEnvs: number, opts: WorkerVecEnvOptions = {}) {
    if (!Number.isInteger(numEnvs) || numEnvs <= 0)
      throw new RangeError(`WorkerVecEnv: numEnvs must be a positive integer, got ${numEnvs}`);
    const numWorkers = opts.numWorkers ?? 2;
    if (!Number.isInteger(numWorkers) || numWorkers <= 0) {
      throw new RangeError(`WorkerVecEnv: numWorkers must be a positive integer, got ${numWorkers}`);
    }
    if (opts.seed !== undefined) assertVecSeed(opts.seed, numEnvs, `WorkerVecEnv: ${envId}`, 'seed');
    this.envId = envId;
    this.numEnvs = numEnvs;
    this.numWorkers = Math.min(numWorkers, numEnvs);
    this.timeoutMs = opts.timeoutMs ?? 120_000;
    let kwargs = opts.kwargs ?? {};
    const makeOpts = opts.maxEpisodeSteps === undefined ? {} : { maxEpisodeSteps: opts.maxEpisodeSteps };

    // One env here for the spaces; it also fails fast on a bad id or kwarg.
    let probe: ReturnType<typeof make>;
    try {
      probe = make(envId, kwargs, makeOpts);
    } catch (e) {
      if (opts.setupModule && e instanceof Error && /unknown env id/.test(e.message)) {
        throw new Error(
          `WorkerVecEnv: ${envId} must also be registered in this thread (its spaces are read here); setupModule registers it only in the workers`,
        );
      }
      throw e;
    }
    const obsSpace = probe.observationSpace;
    const actSpace = probe.actionSpace;
    probe.close();
    // The workers get the registered spellings (the probe above has checked them).
    kwargs = canonicalMakeKwargs(envId, kwargs);
    if (opts.workerScript !== undefined && !existsSync(opts.workerScript)) {
      throw new Error(`WorkerVecEnv: workerScript ${opts.workerScript} does not exist`);
    }
    const script = opts.workerScript ?? defaultWorkerScript();
    this.singleObservationSpace = obsSpace;
    this.singleActionSpace = actSpace;
    this.obsDim = obsSpace.compactDim;
    this.actDim = actSpace.compactDim;

    const n = numEnvs;
    const d = this.obsDim;
    const sab = (bytes: number) => new SharedArrayBuffer(Math.max(bytes, 8));
    const buffers: SharedBuffers = {
      obs: [sab(n * d * 4), sab(n * d * 4)],
      finalObs: sab(n * d * 4),
      actions: sab(n * this.actDim * 8),
      rewards: sab(n * 4),
      terminated: sab(n),
      truncated: sab(n),
      episode: sab(n * EPISODE_FIELDS * 8),
    };
    this.obsBufs = [new Float32Array(buffers.obs[0], 0, n * d), new Float32Array(buffers.obs[1], 0, n * d)];
    this.actions = new Float64Array(buffers.actions, 0, n * this.actDim);
    this.episode = new Float64Array(buffers.episode, 0, n * EPISODE_FIELDS);
    this.result = {
      obs: this.obsBufs[0],
      rewards: new Float32Array(buffers.rewards, 0, n),
      terminated: new Uint8Array(buffers.terminated, 0, n),
      truncated: new Uint8Array(buffers.truncated, 0, n),
      finalObs: new Float32Array(buffers.finalObs, 0, n * d),
      infos: Array.from({ length: n }, () => ({})),
    };
    this.pendingSeed = opts.seed;

    try {
      for (let w = 0; w < this.numWorkers; w++) {
        const start = Math.floor((w * n) / this.numWorkers);
        const end = Math.floor(((w + 1) * n) / this.numWorkers);
        const ctrl = new SharedArrayBuffer(CTRL_SIZE * 4);
        const params = new SharedArrayBuffer(PARAM_SIZE * 8);
        const { port1, port2 } = new MessageChannel();
        const init: WorkerInit = {
          envId,
          kwargs,
          maxEpisodeSteps: opts.maxEpisodeSteps,
          setupModule: opts.setupModule,
          start,
          count: end - start,
          numEnvs: n,
          obsDim: d,
          actDim: this.actDim,
          ctrl,
          params,
          buffers,
          port: port2,
        };
        const worker = new Worker(script, { workerData: init, transferList: [port2] });
        worker.unref();
        this.workers.push({
          worker,
          ctrl: new Int32Array(ctrl),
          params: new Float64Array(params),
          port: port1,
          start,
          count: end - start,
          req: 0,
        });
      }
      this.run(CMD_INIT, 0, 'initialisation');
    } catch (e) {
      this.terminateAll();
      throw e;
    }
  }

  /** Send `cmd` to every worker, then wait for all of them; rethrow the first error reported. */
  private run(cmd: number, buf: number, what: string, timeoutMs = this.timeoutMs): void {
    for (const h of this.workers) {
      Atomics.store(h.ctrl, CTRL_CMD, cmd);
      Atomics.store(h.ctrl, CTRL_BUF, buf);
      h.req += 1;
      Atomics.store(h.ctrl, CTRL_REQ, h.req);
      Atomics.notify(h.ctrl, CTRL_REQ);
    }
    let failure: Error | undefined;
    this.workers.forEach((h, w) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const done = Atomics.load(h.ctrl, CTRL_DONE);
        if (done === h.req) break;
        const left = deadline - Date.now();
        if (left <= 0) {
          failure ??= new Error(
            `WorkerVecEnv: ${this.envId}: worker ${w} (envs ${h.start}..${h.start + h.count - 1}) did not answer ${what} within ${timeoutMs} ms`,
          );
          return;
        }
        Atomics.wait(h.ctrl, CTRL_DONE, done, Math.min(left, 1000));
      }
      if (Atomics.load(h.ctrl, CTRL_STATUS) === STATUS_ERROR && !failure) {
        const msg = receiveMessageOnPort(h.port)?.message as WorkerErrorReport | undefined;
        const where = msg && msg.envIndex >= 0 ? `env ${msg.envIndex} (worker ${w})` : `worker ${w}`;
        failure = new Error(`WorkerVecEnv: ${this.envId} ${where} failed in ${msg?.phase ?? what}: ${msg?.message ?? 'unknown error'}`);
        if (msg?.stack) failure.stack = `${failure.message}\n--- worker stack ---\n${msg.stack}`;
      }
    });
    if (failure) throw failure;
  }

  private nextObsBuffer(): number {
    this.cur ^= 1;
    return this.cur;
  }

  private assertOpen(call: string): void {
    if (this.closed) throw new Error(`WorkerVecEnv: ${this.envId}: ${call} called after close()`);
  }

  /** Reset every env; with a seed (or the constructor's seed, first time), env i gets `seed + i`. */
  reset(seed?: number): Float32Array {
    this.assertOpen('reset()');
    if (seed !== undefined) assertVecSeed(seed, this.numEnvs, `WorkerVecEnv: ${this.envId}`);
    const s = seed ?? this.pendingSeed;
    this.pendingSeed = undefined;
    for (const h of this.workers) {
      h.params[PARAM_HAS_SEED] = s === undefined ? 0 : 1;
      h.params[PARAM_SEED] = s ?? 0;
    }
    const buf = this.nextObsBuffer();
    this.run(CMD_RESET, buf, 'reset');
    this.needsReset = false;
    return this.obsBufs[buf] as Float32Array;
  }

  step(actions: Float32Array | Int32Array): VecStepResult {
    this.assertOpen('step()');
    if (this.needsReset) throw new Error('WorkerVecEnv: step() called before reset(); call reset() first');
    const n = this.numEnvs;
    if (actions.length !== n * this.actDim) {
      throw new RangeError(
        `WorkerVecEnv: expected ${n * this.actDim} action values (${n} envs × ${this.actDim} for ${this.singleActionSpace}), got ${actions.length}`,
      );
    }
    this.actions.set(actions);
    const buf = this.nextObsBuffer();
    this.run(CMD_STEP, buf, 'step');
    const res = this.result;
    res.obs = this.obsBufs[buf] as Float32Array;
    const ep = this.episode;
    for (let i = 0; i < n; i++) {
      const o = i * EPISODE_FIELDS;
      res.infos[i] = ep[o] === 1 ? { episode: { r: ep[o + 1], l: ep[o + 2], t: ep[o + 3] } } : {};
    }
    return res;
  }

  private terminateAll(): void {
    for (const h of this.workers) {
      h.port.close();
      void h.worker.terminate();
    }
  }

  /** Stop the workers (idempotent). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.run(CMD_CLOSE, 0, 'close', Math.min(this.timeoutMs, 5000));
    } catch {
      // A stuck or failed worker is terminated below anyway.
    } finally {
      this.terminateAll();
    }
  }
}
