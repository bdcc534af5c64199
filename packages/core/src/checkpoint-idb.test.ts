import * as tf from '@tensorflow/tfjs';
import { IDBFactory } from 'fake-indexeddb';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { normalizationHyperparameters, OnPolicyAlgorithm, policyHyperparameters } from './algorithms/on-policy';
import { MemoryCheckpoint, loadCheckpoint } from './checkpoint';
import { type IdbFactoryLike, IndexedDbCheckpoint } from './checkpoint-idb';
import { BaseEnv, type ResetResult, type RgbFrame, type StepResult } from './env';
import { type ResolvedHyperparameters, defineHyperparameters } from './hyperparams';
import { Discrete } from './spaces';

/** A chain of 5 states; action 1 moves right, 0 left; the last state pays 1 and ends the episode. */
class Chain extends BaseEnv<number, number> {
  readonly observationSpace = new Discrete(5);
  readonly actionSpace = new Discrete(2);
  private s = 0;
  private t = 0;
  protected _reset(): ResetResult<number> {
    this.s = 0;
    this.t = 0;
    return { obs: 0, info: {} };
  }
  protected _step(a: number): StepResult<number> {
    this.s = Math.max(0, Math.min(4, this.s + (a === 1 ? 1 : -1)));
    this.t++;
    const done = this.s === 4;
    return { obs: this.s, reward: done ? 1 : 0, terminated: done, truncated: !done && this.t >= 12, info: {} };
  }
  render(): RgbFrame {
    return { width: 1, height: 1, data: new Uint8Array(3) };
  }
}

const schema = defineHyperparameters({
  nSteps: { type: 'integer', default: 8, min: 1, doc: 'steps per env per rollout' },
  gamma: { type: 'number', default: 0.9, min: 0, max: 1, doc: 'discount' },
  gaeLambda: { type: 'number', default: 1, min: 0, max: 1, doc: 'GAE λ' },
  ...policyHyperparameters({ netArch: [8] }),
  ...normalizationHyperparameters,
});

/** An on-policy agent with an actor-critic MLP that collects rollouts (its update is a no-op). */
class ChainAgent extends OnPolicyAlgorithm<ResolvedHyperparameters<typeof schema>> {
  static override readonly algorithmName = 'ChainAgent';
  static override readonly hyperparameterSchema = schema;
  train(): Record<string, number> {
    return {};
  }
}

let indexedDB: IdbFactoryLike;
beforeAll(async () => {
  await tf.setBackend('cpu');
});
beforeEach(() => {
  // A fresh, empty IndexedDB for every test.
  indexedDB = new IDBFactory();
});
afterEach(() => {
  vi.useRealTimers();
});

async function trainedAgent(seed: number, steps: number): Promise<ChainAgent> {
  const agent = new ChainAgent({ env: () => new Chain(), seed });
  await agent.learn({ totalTimesteps: steps });
  return agent;
}

describe('IndexedDbCheckpoint', () => {
  it('saves an agent as the same bytes as a MemoryCheckpoint and loads it back, without leaking tensors', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2025-01-02T03:04:05.678Z'));
    const agent = await trainedAgent(3, 32);
    const store = new IndexedDbCheckpoint('chain-agent', { indexedDB });
    expect(store.label).toBe('indexeddb://chain-agent');
    expect(String(store)).toBe('indexeddb://chain-agent');
    const mem = new MemoryCheckpoint();
    await agent.save(mem);
    await agent.save(store);

    // A new store object of the same name (as after a page reload) reads the same files.
    const files = await new IndexedDbCheckpoint('chain-agent', { indexedDB }).read();
    expect(Object.keys(files).sort()).toEqual(['manifest.json', 'weights.bin']);
    expect(files).toEqual(mem.files);

    const loaded = await ChainAgent.load(new IndexedDbCheckpoint('chain-agent', { indexedDB }), { env: () => new Chain() });
    expect(loaded).toBeInstanceOf(ChainAgent);
    expect(loaded.numTimesteps).toBe(32);
    expect(loaded.rng.getState()).toEqual(agent.rng.getState());
    const again = new MemoryCheckpoint();
    await loaded.save(again);
    expect(again.files?.['weights.bin']).toEqual(mem.files?.['weights.bin']);
    loaded.dispose();

    const before = tf.memory().numTensors;
    for (let i = 0; i < 2; i++) {
      await agent.save(store);
      const back = await ChainAgent.load(store, { env: () => new Chain() });
      back.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
    agent.dispose();
  });

  it('a write replaces the stored checkpoint as a whole', async () => {
    const store = new IndexedDbCheckpoint('run', { indexedDB });
    const first = await trainedAgent(1, 16);
    await first.save(store);
    expect((await loadCheckpoint(store)).manifest.counters.numTimesteps).toBe(16);
    await first.learn({ totalTimesteps: 16, resetNumTimesteps: false });
    await first.save(store);
    const { manifest } = await loadCheckpoint(store);
    expect(manifest.counters.numTimesteps).toBe(32);
    expect(await IndexedDbCheckpoint.list({ indexedDB })).toEqual(['run']);

    await store.write({ 'a.bin': Uint8Array.of(1, 2, 3) });
    expect(await store.read()).toEqual({ 'a.bin': Uint8Array.of(1, 2, 3) });
    // A view into a larger buffer is stored as its own bytes.
    const big = Uint8Array.from({ length: 64 }, (_, i) => i);
    await store.write({ 'b.bin': big.subarray(10, 14) });
    const read = (await store.read())['b.bin'] as Uint8Array;
    expect(Array.from(read)).toEqual([10, 11, 12, 13]);
    expect(read.buffer.byteLength).toBe(4);
    first.dispose();
  });

  it('lists and removes stored checkpoints, per database', async () => {
    expect(await IndexedDbCheckpoint.list({ indexedDB })).toEqual([]);
    for (const name of ['zeta', 'alpha', 'mid/with spaces']) {
      await new IndexedDbCheckpoint(name, { indexedDB }).write({ 'manifest.json': new TextEncoder().encode(name) });
    }
    await new IndexedDbCheckpoint('other', { indexedDB, dbName: 'elsewhere' }).write({ x: new Uint8Array(1) });
    expect(await IndexedDbCheckpoint.list({ indexedDB })).toEqual(['alpha', 'mid/with spaces', 'zeta']);
    expect(await IndexedDbCheckpoint.list({ indexedDB, dbName: 'elsewhere' })).toEqual(['other']);

    expect(await IndexedDbCheckpoint.remove('alpha', { indexedDB })).toBe(true);
    expect(await IndexedDbCheckpoint.remove('alpha', { indexedDB })).toBe(false);
    expect(await IndexedDbCheckpoint.remove('other', { indexedDB })).toBe(false);
    expect(await IndexedDbCheckpoint.list({ indexedDB })).toEqual(['mid/with spaces', 'zeta']);
    await expect(new IndexedDbCheckpoint('alpha', { indexedDB }).read()).rejects.toThrow(
      'checkpoint indexeddb://alpha: nothing has been saved here yet',
    );
  });

  it('reading a checkpoint that was never saved names it', async () => {
    await expect(new IndexedDbCheckpoint('nope', { indexedDB }).read()).rejects.toThrow(
      'checkpoint indexeddb://nope: nothing has been saved here yet',
    );
    await expect(ChainAgent.load(new IndexedDbCheckpoint('nope', { indexedDB }), { env: () => new Chain() })).rejects.toThrow(
      'checkpoint indexeddb://nope: nothing has been saved here yet',
    );
  });

  it('rejects bad names, naming the value', async () => {
    expect(() => new IndexedDbCheckpoint('', { indexedDB })).toThrow(
      'IndexedDbCheckpoint: name must be a non-empty string of at most 200 characters, got ""',
    );
    expect(() => new IndexedDbCheckpoint('x'.repeat(201), { indexedDB })).toThrow(/name must be .* got a string of 201 characters$/);
    expect(() => new IndexedDbCheckpoint(42 as unknown as string, { indexedDB })).toThrow(/name must be .* got number 42$/);
    expect(() => new IndexedDbCheckpoint('ok', { indexedDB, dbName: '' })).toThrow(/dbName must be a non-empty string/);
    expect(new IndexedDbCheckpoint('x'.repeat(200), { indexedDB }).name).toHaveLength(200);
    await expect(IndexedDbCheckpoint.remove('', { indexedDB })).rejects.toThrow(/name must be a non-empty string/);
  });

  it('without IndexedDB (Node.js) says how to provide one', async () => {
    expect((globalThis as { indexedDB?: unknown }).indexedDB).toBeUndefined();
    const fix = /no IndexedDB here .*pass one as the `indexedDB` option .*MemoryCheckpoint or a checkpoint directory/;
    expect(() => new IndexedDbCheckpoint('cartpole')).toThrow(fix);
    await expect(IndexedDbCheckpoint.list()).rejects.toThrow(fix);
    await expect(IndexedDbCheckpoint.remove('cartpole')).rejects.toThrow(fix);
  });

  it('reports IndexedDB failures and records that are not checkpoints, naming the checkpoint', async () => {
    const failing: IdbFactoryLike = {
      open() {
        const request = { result: undefined, error: new Error('quota exceeded'), onsuccess: null, onerror: null, onupgradeneeded: null };
        setTimeout(() => (request.onerror as unknown as () => void)?.(), 0);
        return request as unknown as ReturnType<IdbFactoryLike['open']>;
      },
    };
    await expect(new IndexedDbCheckpoint('x', { indexedDB: failing }).write({})).rejects.toThrow(
      'checkpoint indexeddb://x: IndexedDB could not save the checkpoint (database "tfrl-checkpoints"): quota exceeded',
    );
    await expect(IndexedDbCheckpoint.list({ indexedDB: failing })).rejects.toThrow(
      'IndexedDbCheckpoint.list: IndexedDB could not list the checkpoints (database "tfrl-checkpoints"): quota exceeded',
    );

    // A record written by something else.
    await new Promise<void>((resolve, reject) => {
      const request = indexedDB.open('tfrl-checkpoints', 3);
      request.onupgradeneeded = () => {
        request.result.createObjectStore('checkpoints');
      };
      request.onsuccess = () => {
        const db = request.result;
        const tx = db.transaction('checkpoints', 'readwrite');
        tx.objectStore('checkpoints').put({ something: 'else' }, 'foreign');
        tx.oncomplete = () => {
          db.close();
          resolve();
        };
      };
      request.onerror = () => reject(request.error);
    });
    await expect(new IndexedDbCheckpoint('foreign', { indexedDB }).read()).rejects.toThrow(
      'checkpoint indexeddb://foreign: holds a record that is not a tfrl checkpoint (database "tfrl-checkpoints")',
    );
    // A database of the same name without the checkpoints store: the store is added.
    const bare = new IDBFactory() as IdbFactoryLike;
    await new Promise<void>((resolve) => {
      const request = bare.open('tfrl-checkpoints', 2);
      request.onupgradeneeded = () => {
        request.result.createObjectStore('something-else');
      };
      request.onsuccess = () => {
        request.result.close();
        resolve();
      };
    });
    await new IndexedDbCheckpoint('fits', { indexedDB: bare }).write({ a: Uint8Array.of(7) });
    expect(await IndexedDbCheckpoint.list({ indexedDB: bare })).toEqual(['fits']);
  });
});
