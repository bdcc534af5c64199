export const PACKAGE_NAME = '@tfrl/curriculum';

export {
  type ComputeReward,
  GOAL_KEYS,
  type GoalEnvCheck,
  type GoalLayout,
  checkGoalEnv,
  computeGoalRewards,
  goalLayout,
  goalRewardFunction,
} from './goal-env';
export {
  GOAL_SELECTION_STRATEGIES,
  type GoalSelectionStrategy,
  HER_NEEDS_ENV,
  type HerReplayBatch,
  HerReplayBuffer,
  type HerReplayBufferOptions,
  HerSampler,
  herLoadOptions,
  type HerSamplerOptions,
  registerCurriculumReplayBuffers,
} from './her';
export { SuccessRateCallback, type SuccessRateCallbackOptions } from './success';
export {
  type GoalCurriculum,
  type GoalDraw,
  GoalSampler,
  type GoalSamplerOptions,
  GoalSamplingWrapper,
  type GoalSamplingWrapperOptions,
  binaryEntropy,
} from './goal-sampling';
export { type GoalLabel, IntermediateGoalSampler, type IntermediateGoalSamplerOptions } from './intermediate';
export { EpisodeEndHeatmap, type EpisodeEndHeatmapOptions } from './heatmap';
