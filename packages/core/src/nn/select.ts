import * as tf from '@tensorflow/tfjs';

/**
 * q[i, actions[i]] for each row, without `tf.gather` (whose gradient needs UnsortedSegmentSum,
 * missing on wasm): sum(q ⊙ oneHot(actions), 1). Four kernels forward; the gradient is a
 * multiply by the same mask.
 *
 * @param q [batch, nActions]; @param actions int32 [batch]
 */
export function selectByAction(q: tf.Tensor2D, actions: tf.Tensor1D): tf.Tensor1D {
  if (q.rank !== 2 || actions.rank !== 1 || actions.shape[0] !== q.shape[0]) {
    throw new RangeError(
      `selectByAction: expected q [batch, nActions] and actions [batch]; got q [${q.shape}], actions [${actions.shape}]`,
    );
  }
  return tf.tidy(() => {
    const idx = actions.dtype === 'int32' ? actions : tf.cast(actions, 'int32');
    // oneHot with dtype 'float32' writes int32 bit patterns on the wasm backend (tfjs 4.22),
    // so build it as int32 and cast.
    const mask = tf.cast(tf.oneHot(idx, q.shape[1]), 'float32');
    return tf.sum(tf.mul(q, mask), 1);
  });
}
