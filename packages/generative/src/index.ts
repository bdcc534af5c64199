export const PACKAGE_NAME = '@tfrl/generative';
export * from './datasets/toys';
export * from './flows';
