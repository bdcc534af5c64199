/**
 * The shared-memory protocol between `WorkerVecEnv` and its workers (`worker.ts`).
 *
 * Each worker owns a control block (`Int32Array` on a SharedArrayBuffer, CTRL_* slots) and a
 * parameter block (`Float64Array`, PARAM_* slots). The main thread writes the command and its
 * parameters, bumps CTRL_REQ and notifies; the worker runs the command on its slice of envs,
 * writes the outputs into the shared data buffers, stores the request number in CTRL_DONE and
 * notifies. Errors travel as a message on a MessageChannel port that the main thread reads
 * synchronously (`receiveMessageOnPort`) when CTRL_STATUS says STATUS_ERROR.
 */

import type { MessagePort } from 'node:worker_threads';

export const CTRL_REQ = 0;
export const CTRL_DONE = 1;
export const CTRL_CMD = 2;
/** Which of the two observation buffers the command writes (0 or 1). */
export const CTRL_BUF = 3;
export const CTRL_STATUS = 4;
export const CTRL_SIZE = 8;

export const PARAM_HAS_SEED = 0;
export const PARAM_SEED = 1;
export const PARAM_SIZE = 2;

export const CMD_INIT = 0;
export const CMD_RESET = 1;
export const CMD_STEP = 2;
export const CMD_CLOSE = 3;

export const STATUS_OK = 0;
export const STATUS_ERROR = 1;

/** Per env in the episode block: [finished-with-stats flag, return, length, seconds]. */
export const EPISODE_FIELDS = 4;

export interface SharedBuffers {
  obs: [SharedArrayBuffer, SharedArrayBuffer];
  finalObs: SharedArrayBuffer;
  actions: SharedArrayBuffer;
  rewards: SharedArrayBuffer;
  terminated: SharedArrayBuffer;
  truncated: SharedArrayBuffer;
  episode: SharedArrayBuffer;
}

export interface WorkerInit {
  envId: string;
  kwargs: Record<string, unknown>;
  maxEpisodeSteps?: number;
  /** Module imported by the worker before building envs (e.g. one that registers custom ids). */
  setupModule?: string;
  /** Global index of this worker's first env, and how many envs it runs. */
  start: number;
  count: number;
  numEnvs: number;
  obsDim: number;
  actDim: number;
  ctrl: SharedArrayBuffer;
  params: SharedArrayBuffer;
  buffers: SharedBuffers;
  /** Where error reports go (read synchronously by the main thread). */
  port: MessagePort;
}

export interface WorkerErrorReport {
  /** Global env index, or -1 for worker-level failures (setup, unknown command). */
  envIndex: number;
  phase: string;
  message: string;
  stack?: string;
}
