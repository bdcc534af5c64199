export {
  ReplayBuffer,
  UniformSampler,
  NStepSampler,
  type Sampler,
  type SampleOptions,
  cloneBatch,
  type ActionDtype,
  type ObsDtype,
  type ReplayBatch,
  type ReplayBufferOptions,
  type ReplayBufferState,
  type TransitionSink,
} from './replay';
export * from './sum-tree';
export * from './prioritized';
export * from './nstep';
export * from './rollout';
export * from './gae';
export * from './registry';
