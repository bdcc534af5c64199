export const PACKAGE_NAME = '@tfrl/generative';
export * from './datasets/toys';
export * from './flows';
export * from './datasets/mnist';
export * from './datasets/image-folder';
export * from './vae';
export * from './gan';
export * from './model-dir';
