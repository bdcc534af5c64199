/**
 * The critic pass of the actor update: Q(x) where x is the data of the joint critic input with
 * one agent's action slot left at 0, plus that agent's own action from its actor placed in the
 * slot. Its gradient flows only into the own action, and only the slot's columns of the first
 * layer are used for it: dQ/da = dz₁ · W₁[slot]ᵀ ([B, a]) instead of the whole dz₁ · W₁ᵀ ([B, D],
 * 69 columns on simple_spread_v3 where 5 are needed). The same values and gradient as
 * `forwardInputGradOnly(critic, xData + pad(own))` (tested), in one tape node.
 */
import * as tf from '@tensorflow/tfjs';
import { type Activation, type Mlp, activationGradFromOutput, denseForward, matMulTB } from '@tfrl/core';

/**
 * Q of the critic `mlp` (hidden activation `hidden`, identity output) on rows `xData` [R, D] with
 * `own` [R, a] added at columns `offsets[k]`…`offsets[k] + a` of the k-th block of `rows` rows
 * (R = blocks × rows; one block per agent sharing the critic). Differentiable in `own` only.
 */
export function criticQWithOwnAction(
  mlp: Mlp,
  xData: tf.Tensor2D,
  own: tf.Tensor2D,
  offsets: readonly number[],
  hidden: Activation,
): tf.Tensor2D {
  const vars = mlp.trainableVariables;
  const nLayers = vars.length / 2;
  const acts: Activation[] = Array.from({ length: nLayers }, (_, l) => (l === nLayers - 1 ? 'identity' : hidden));
  const [rowsTotal, width] = xData.shape;
  const a = own.shape[1];
  const rows = rowsTotal / offsets.length;
  if (!Number.isInteger(rows) || own.shape[0] !== rowsTotal) {
    throw new RangeError(
      `criticQWithOwnAction: ${rowsTotal} data rows, ${own.shape[0]} action rows and ${offsets.length} blocks do not match`,
    );
  }
  for (const off of offsets) {
    if (!(off >= 0 && off + a <= width))
      throw new RangeError(`criticQWithOwnAction: slot ${off}…${off + a} is outside the ${width} columns`);
  }
  const place = (x: tf.Tensor2D): tf.Tensor2D => {
    const parts = offsets.map((off, k) =>
      tf.pad(offsets.length === 1 ? x : tf.slice(x, [k * rows, 0], [rows, a]), [
        [0, 0],
        [off, width - off - a],
      ]),
    );
    return (parts.length === 1 ? parts[0] : tf.concat(parts, 0)) as tf.Tensor2D;
  };
  const f = tf.customGrad(((ownIn: tf.Tensor, save: tf.GradSaveFunc) => {
    let h = tf.add(xData, place(ownIn as tf.Tensor2D)) as tf.Tensor2D;
    const hs: tf.Tensor2D[] = [];
    for (let l = 0; l < nLayers; l++) {
      h = denseForward(h, vars[2 * l] as tf.Tensor2D, vars[2 * l + 1] as tf.Tensor1D, acts[l] as Activation);
      hs.push(h);
    }
    save(hs);
    return {
      value: h,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
        tf.tidy(() => {
          let dh = dy as tf.Tensor2D;
          let dz = dh;
          for (let l = nLayers - 1; l >= 0; l--) {
            dz = activationGradFromOutput(dh, saved[l] as tf.Tensor2D, acts[l] as Activation);
            if (l > 0) dh = matMulTB(dz, vars[2 * l] as tf.Tensor2D);
          }
          const w0 = vars[0] as tf.Tensor2D;
          const grads = offsets.map((off, k) => {
            const dzk = offsets.length === 1 ? dz : (tf.slice(dz, [k * rows, 0], [rows, dz.shape[1]]) as tf.Tensor2D);
            return matMulTB(dzk, tf.slice(w0, [off, 0], [a, w0.shape[1]]) as tf.Tensor2D);
          });
          return grads.length === 1 ? (grads[0] as tf.Tensor2D) : tf.concat(grads, 0);
        }),
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return (f as (x: tf.Tensor) => tf.Tensor)(own) as tf.Tensor2D;
}
