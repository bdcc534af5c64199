import * as tf from '@tensorflow/tfjs';

function checkPair(target: readonly tf.Variable[], source: readonly tf.Variable[], fn: string): void {
  if (target.length !== source.length) {
    throw new RangeError(`${fn}: ${target.length} target variables but ${source.length} source variables`);
  }
  for (let i = 0; i < target.length; i++) {
    const t = target[i] as tf.Variable;
    const s = source[i] as tf.Variable;
    if (t.shape.join(',') !== s.shape.join(',')) {
      throw new RangeError(`${fn}: variable ${i} shapes differ: target ${t.name} [${t.shape}] vs source ${s.name} [${s.shape}]`);
    }
  }
}

/** target ← target + τ (source − target), i.e. (1−τ)·target + τ·source. Three kernels per variable. */
export function polyakUpdate(target: readonly tf.Variable[], source: readonly tf.Variable[], tau: number): void {
  if (!(tau >= 0 && tau <= 1)) throw new RangeError(`polyakUpdate: tau must be in [0, 1], got ${tau}`);
  checkPair(target, source, 'polyakUpdate');
  if (tau === 0) return;
  if (tau === 1) {
    hardUpdate(target, source);
    return;
  }
  tf.tidy(() => {
    for (let i = 0; i < target.length; i++) {
      const t = target[i] as tf.Variable;
      t.assign(tf.add(t, tf.mul(tf.sub(source[i] as tf.Variable, t), tau)));
    }
  });
}

/** target ← source (shares the immutable data buffer; no copy kernel). */
export function hardUpdate(target: readonly tf.Variable[], source: readonly tf.Variable[]): void {
  checkPair(target, source, 'hardUpdate');
  for (let i = 0; i < target.length; i++) (target[i] as tf.Variable).assign(source[i] as tf.Variable);
}
