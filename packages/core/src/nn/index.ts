export * from './dense';
export * from './init';
export { ActorCriticMlp, type ActorCriticMlpOptions, type ApplyOptions, Mlp, type MlpOptions, TwinQ, type TwinQOptions } from './mlp';
export * from './cnn';
export * from './adam';
export * from './optimizer';
export * from './select';
export * from './target';
