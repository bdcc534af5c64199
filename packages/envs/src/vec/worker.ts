/**
 * Worker-thread side of `WorkerVecEnv`: builds its slice of envs with `make` (each in
 * RecordEpisodeStatistics, as `makeVec`), then serves commands from shared memory until CLOSE.
 * Built to `dist/vec/worker.js` (a tsup entry) and started by `WorkerVecEnv`.
 */

import { isAbsolute } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type MessagePort, workerData } from 'node:worker_threads';
import { type Env, RecordEpisodeStatistics } from '@tfrl/core';
import { make } from '../registry';
import {
  CMD_CLOSE,
  CMD_INIT,
  CMD_RESET,
  CMD_STEP,
  CTRL_BUF,
  CTRL_CMD,
  CTRL_DONE,
  CTRL_REQ,
  CTRL_STATUS,
  EPISODE_FIELDS,
  PARAM_HAS_SEED,
  PARAM_SEED,
  STATUS_ERROR,
  STATUS_OK,
  type WorkerErrorReport,
  type WorkerInit,
} from './protocol';

const init = workerData as WorkerInit;
const ctrl = new Int32Array(init.ctrl);
const params = new Float64Array(init.params);
const port = init.port as MessagePort;
const d = init.obsDim;
const ad = init.actDim;
const obsBufs = [new Float32Array(init.buffers.obs[0]), new Float32Array(init.buffers.obs[1])] as const;
const finalObs = new Float32Array(init.buffers.finalObs);
const actions = new Float64Array(init.buffers.actions);
const rewards = new Float32Array(init.buffers.rewards);
const terminated = new Uint8Array(init.buffers.terminated);
const truncated = new Uint8Array(init.buffers.truncated);
const episode = new Float64Array(init.buffers.episode);

class EnvFailure extends Error {
  constructor(
    readonly envIndex: number,
    readonly phase: string,
    readonly inner: unknown,
  ) {
    super(inner instanceof Error ? inner.message : String(inner));
  }
}

function report(envIndex: number, phase: string, err: unknown): void {
  const e = err instanceof Error ? err : new Error(String(err));
  const msg: WorkerErrorReport = { envIndex, phase, message: e.message, stack: e.stack };
  port.postMessage(msg);
}

function finish(req: number, status: number): void {
  Atomics.store(ctrl, CTRL_STATUS, status);
  Atomics.store(ctrl, CTRL_DONE, req);
  Atomics.notify(ctrl, CTRL_DONE);
}

let envs: Env<any, any>[] = [];

function build(): void {
  envs = [];
  for (let k = 0; k < init.count; k++) {
    const i = init.start + k;
    try {
      const opts = init.maxEpisodeSteps === undefined ? {} : { maxEpisodeSteps: init.maxEpisodeSteps };
      envs.push(new RecordEpisodeStatistics(make(init.envId, init.kwargs, opts)));
    } catch (e) {
      throw new EnvFailure(i, 'construction', e);
    }
  }
}

function reset(buf: number): void {
  const obs = obsBufs[buf] as Float32Array;
  const hasSeed = params[PARAM_HAS_SEED] === 1;
  const seed = params[PARAM_SEED] as number;
  for (let k = 0; k < envs.length; k++) {
    const i = init.start + k;
    const env = envs[k] as Env<any, any>;
    try {
      const r = hasSeed ? env.reset({ seed: seed + i }) : env.reset();
      env.observationSpace.writeCompact(r.obs, obs, i * d);
    } catch (e) {
      throw new EnvFailure(i, 'reset', e);
    }
  }
}

function step(buf: number): void {
  const obs = obsBufs[buf] as Float32Array;
  for (let k = 0; k < envs.length; k++) {
    const i = init.start + k;
    const env = envs[k] as Env<any, any>;
    const space = env.observationSpace;
    finalObs.fill(0, i * d, (i + 1) * d);
    episode[i * EPISODE_FIELDS] = 0;
    try {
      const r = env.step(env.actionSpace.readCompact(actions, i * ad));
      rewards[i] = r.reward;
      terminated[i] = r.terminated ? 1 : 0;
      truncated[i] = r.truncated ? 1 : 0;
      if (r.terminated || r.truncated) {
        space.writeCompact(r.obs, finalObs, i * d);
        const ep = r.info.episode as { r: number; l: number; t: number } | undefined;
        if (ep) {
          episode[i * EPISODE_FIELDS] = 1;
          episode[i * EPISODE_FIELDS + 1] = ep.r;
          episode[i * EPISODE_FIELDS + 2] = ep.l;
          episode[i * EPISODE_FIELDS + 3] = ep.t;
        }
        space.writeCompact(env.reset().obs, obs, i * d);
      } else {
        space.writeCompact(r.obs, obs, i * d);
      }
    } catch (e) {
      throw new EnvFailure(i, 'step', e);
    }
  }
}

async function main(): Promise<void> {
  let seen = 0;
  for (;;) {
    Atomics.wait(ctrl, CTRL_REQ, seen);
    const req = Atomics.load(ctrl, CTRL_REQ);
    if (req === seen) continue;
    seen = req;
    const cmd = Atomics.load(ctrl, CTRL_CMD);
    const buf = Atomics.load(ctrl, CTRL_BUF);
    try {
      if (cmd === CMD_INIT) {
        if (init.setupModule) {
          const m = init.setupModule;
          await import(isAbsolute(m) ? pathToFileURL(m).href : m);
        }
        build();
      } else if (cmd === CMD_RESET) reset(buf);
      else if (cmd === CMD_STEP) step(buf);
      else if (cmd === CMD_CLOSE) {
        for (const e of envs) e.close();
        envs = [];
        finish(req, STATUS_OK);
        port.close();
        return;
      } else throw new Error(`unknown command ${cmd}`);
      finish(req, STATUS_OK);
    } catch (e) {
      if (e instanceof EnvFailure) report(e.envIndex, e.phase, e.inner);
      else report(-1, cmd === CMD_INIT ? 'setup' : 'command', e);
      finish(req, STATUS_ERROR);
    }
  }
}

void main();
