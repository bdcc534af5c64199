/**
 * The divergence guard shared by every learner: training stops with a `NonFiniteError` when a
 * value read from an update (a loss, a gradient norm, a parameter) is not finite, and no checkpoint
 * is written with a non-finite weight.
 */
import type { CheckpointTensor } from './checkpoint';

/** Thrown when a loss, a gradient norm or a parameter stops being finite: training diverged. */
export class NonFiniteError extends Error {
  constructor(
    readonly algorithm: string,
    readonly step: number,
    readonly quantity: string,
    readonly value: number,
  ) {
    super(
      `${algorithm}: ${quantity} became ${value} at step ${step} (training diverged; lower the learning rate or clip gradients). Nothing non-finite was saved.`,
    );
    this.name = 'NonFiniteError';
  }
}

/** Throw a {@link NonFiniteError} for the first value of `values` that is not finite. */
export function assertFiniteValues(algorithm: string, step: number, values: Record<string, number>): void {
  for (const [quantity, v] of Object.entries(values)) {
    if (!Number.isFinite(v)) throw new NonFiniteError(algorithm, step, quantity, v);
  }
}

/** Refuse to write checkpoint `dir` when a float tensor holds NaN or ±Infinity (names the tensor and the index). */
export function assertFiniteCheckpoint(owner: string, dir: string, tensors: Record<string, CheckpointTensor>): void {
  for (const [name, t] of Object.entries(tensors)) {
    if (t.dtype !== 'float32' && t.dtype !== 'float64') continue;
    const d = t.data;
    for (let i = 0; i < d.length; i++) {
      if (!Number.isFinite(d[i] as number)) {
        throw new Error(
          `${owner}.save: refusing to save ${dir}: tensor "${name}" holds ${d[i]} at index ${i} (training diverged); any checkpoint already at ${dir} is kept`,
        );
      }
    }
  }
}
