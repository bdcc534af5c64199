/**
 * Backend-specific fast paths the networks and losses choose by themselves. They are on by
 * default and give the same results as the plain tf-op paths up to float rounding (tested); tests
 * and benchmarks turn them off through `@tfrl/core/internal` to compare.
 */
export const accelerations = {
  /** Act on the host (plain JavaScript forward pass) for small Categorical batches. */
  hostActing: true,
  /** On wasm, compute losses that have a fused kernel (PPO's Categorical loss) in one kernel. */
  fusedLosses: true,
};

export function setAccelerations(options: Partial<typeof accelerations>): void {
  Object.assign(accelerations, options);
}
