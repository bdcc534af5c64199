import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { expectNoTensorLeak, useBackend } from './testing';

describe('expectNoTensorLeak', () => {
  it('passes a function that disposes everything it creates', async () => {
    await useBackend('cpu');
    const x = tf.tensor1d([1, 2, 3]);
    let calls = 0;
    await expectNoTensorLeak(() => {
      calls++;
      const s = tf.tidy(() => tf.sum(tf.mul(x, 2)));
      expect(s.dataSync()[0]).toBe(12);
      s.dispose();
    });
    expect(calls).toBe(4); // 1 warm-up + 3 measured
    x.dispose();
  });

  it('catches a deliberate leak of 2 tensors per call and names the growth', async () => {
    const kept: tf.Tensor[] = [];
    await expect(
      expectNoTensorLeak(() => {
        const a = tf.scalar(1);
        kept.push(a, tf.add(a, 1));
      }),
    ).rejects.toThrow(/leak of 2 tensor\(s\) per call.*over 3 call\(s\)/);
    tf.dispose(kept);
  });

  it('ignores what the warm-up creates (lazy state) and supports async fns', async () => {
    let state: tf.Variable | null = null;
    await expectNoTensorLeak(
      async () => {
        if (state === null) state = tf.variable(tf.zeros([2]));
        await new Promise((r) => setTimeout(r, 1));
        const next = tf.tidy(() => tf.add(state as tf.Variable, 1));
        (state as tf.Variable).assign(next);
        next.dispose();
      },
      { warmup: 1, repeats: 2 },
    );
    expect(Array.from((state as unknown as tf.Variable).dataSync())).toEqual([3, 3]);
    (state as unknown as tf.Variable).dispose();
  });

  it('a tolerance allows a bounded growth; bad options are errors', async () => {
    const kept: tf.Tensor[] = [];
    await expectNoTensorLeak(() => void kept.push(tf.scalar(1)), { tolerance: 1, repeats: 2 });
    await expect(expectNoTensorLeak(() => {}, { repeats: 0 })).rejects.toThrow(/repeats must be/);
    tf.dispose(kept);
  });
});

describe('useBackend', () => {
  it('switches to wasm and back to cpu', async () => {
    expect((await useBackend('wasm')).name).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect((await useBackend('cpu')).name).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
  });
});
