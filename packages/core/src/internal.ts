/**
 * `@tfrl/core/internal`: the fast paths behind the networks and losses — WebAssembly kernels,
 * the fused PPO loss, host forward passes — and the switches that turn them off for tests and
 * benchmarks. Learners never need these: the networks choose by backend. Not a stable API.
 */
export { accelerations, setAccelerations } from './algorithms/accelerations';
export { PPO_CATEGORICAL_LOSS, fusedPpoLoss, ppoCategoricalFusedAvailable, ppoCategoricalLoss } from './algorithms/ppo-kernel';
export type { PpoCategoricalLossAttrs, PpoCategoricalLossInputs } from './algorithms/ppo-kernel';
export { HOST_ACT_MAX_ROWS, actBatch, actCategoricalHost } from './algorithms/policy';
export {
  ACT_GRAD_COLSUM,
  GEMM,
  type HeapGemmFmaMode,
  TRANSPOSE_2D,
  heapGemmFma,
  heapKernels,
  heapKernelsActive,
  privateHeapKernels,
  registerHeapKernels,
  setHeapGemmFma,
  setHeapKernelsEnabled,
} from './nn/heap-kernels';
export { setHostForwardKernel } from './nn/mlp';
export * from './nn/wasm-kernels';
export { type WasmApi, compileWasmBase64, wasmApi, wasmRelaxedSimd } from './wasm-module';
