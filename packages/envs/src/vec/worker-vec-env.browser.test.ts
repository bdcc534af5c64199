import { describe, expect, it } from 'vitest';
import { WorkerVecEnv } from './worker-vec-env.browser';

describe('WorkerVecEnv of the browser build', () => {
  it('says it needs worker threads and what to use instead', () => {
    expect(() => new WorkerVecEnv('CartPole-v1', 4)).toThrow(
      'WorkerVecEnv("CartPole-v1", 4): runs its envs in Node.js worker threads, which a browser does not have; use makeVec("CartPole-v1", 4) there',
    );
  });
});
