export { ActorCriticPolicy, type ActorCriticPolicyOptions, type ActResult, type GaussianHead, toEnvActionArray } from './policy';
export {
  OnPolicyAlgorithm,
  type OnPolicyHp,
  type RolloutStep,
  gsdeHyperparameters,
  normalizationHyperparameters,
  policyHyperparameters,
} from './on-policy';
export {
  type ActionNoise,
  type ActionNoiseSpec,
  type GradientStepResult,
  NormalActionNoise,
  OffPolicyAlgorithm,
  OffPolicyBatch,
  type OffPolicyHp,
  OrnsteinUhlenbeckNoise,
  bootstrapCoefficients,
  checkActionNoise,
  makeActionNoise,
  offPolicyHyperparameters,
  ouStep,
  unscaleActions,
} from './off-policy';
export {
  type AgentActions,
  type MultiAgentEvaluation,
  MultiAgentAlgorithm,
  type MultiAgentOptions,
  type ParallelEnvSpecifier,
  SyncVecParallelEnv,
  type VecParallelEnv,
  type VecParallelStepResult,
  evaluateMultiAgent,
  isVecParallelEnv,
  setParallelEnvResolver,
} from './multi-agent';
