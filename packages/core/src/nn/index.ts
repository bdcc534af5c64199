export * from './dense';
export * from './init';
export * from './mlp';
export * from './cnn';
export * from './adam';
export * from './select';
export * from './target';
export * from './wasm-kernels';
export { ACT_GRAD_COLSUM, TRANSPOSE_2D, heapKernels, heapKernelsActive, registerHeapKernels, setHeapKernelsEnabled } from './heap-kernels';
