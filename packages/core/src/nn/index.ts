export * from './dense';
export * from './init';
export { ActorCriticMlp, type ActorCriticMlpOptions, type ApplyOptions, Mlp, type MlpOptions, TwinQ, type TwinQOptions } from './mlp';
export * from './cnn';
export { conv2dBackpropInputFast, conv2dFast, conv2dTransposeFast } from './conv-ops';
export * from './adam';
export * from './optimizer';
export * from './select';
export * from './target';
