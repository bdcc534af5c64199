/**
 * Adversarial imitation on the on-policy learners: `GAIL`, `VAIL` and `AIRL` are PPO (clip or
 * adaptive-KL penalty, `lossType`) with the env's reward replaced by a discriminator's
 * (`AdversarialReward`, see adversarial.ts); `GAILA2C` is the same on A2C, with every
 * discriminator (`adversary: 'gail' | 'vail' | 'airl'`).
 *
 * Each rollout is collected with the current policy, then (in the on-policy base's reward hook,
 * before GAE) the discriminator takes `discUpdatesPerRound` steps on generated and expert batches
 * and the rollout's rewards are replaced by its rewards. Time-limit bootstraps are kept. The
 * discriminator's scalars are logged beside the learner's (`disc/loss`, `disc/accuracy`,
 * `disc/expert_d`, `disc/gen_d`, `disc/entropy`, `disc/reward_mean`, `vail/kl`, `vail/beta`).
 * `rollout/ep_rew_mean` stays the env's return, so the imitation can be judged by it.
 *
 * Saved: the policy, the discriminator networks and both optimizers, β (VAIL) and the reward
 * normalisation statistics; the demonstrations are not saved: pass them again (constructor or
 * `setDemonstrations`) to continue training a loaded agent.
 */
import * as tf from '@tensorflow/tfjs';
import {
  Adam,
  type AlgorithmOptions,
  type BaseCallback,
  type CommonOptions,
  type EnvSpecifier,
  type HyperparameterInput,
  type RolloutBuffer,
  type RolloutStep,
  computeGradients,
  defineHyperparameters,
} from '@tfrl/core';
import { A2C, PPO, a2cHyperparameters, ppoHyperparameters } from '@tfrl/policy-gradient';
import { type AdversarialHp, type Adversary, AdversarialReward, adversarialHyperparameters } from './adversarial';
import { type Dataset, checkDemonstrations, flatTransitions } from './data/trajectory';

export const gailHyperparameters = defineHyperparameters({ ...ppoHyperparameters, ...adversarialHyperparameters });
export const vailHyperparameters = defineHyperparameters({
  ...gailHyperparameters,
  adversary: { ...adversarialHyperparameters.adversary, default: 'vail' as Adversary },
});
export const airlHyperparameters = defineHyperparameters({
  ...gailHyperparameters,
  adversary: { ...adversarialHyperparameters.adversary, default: 'airl' as Adversary },
});
export const gailA2cHyperparameters = defineHyperparameters({ ...a2cHyperparameters, ...adversarialHyperparameters });

type WithDemos = {
  /** The expert's transitions (spaces must be the env's). Optional so `load` can rebuild an agent. */
  demonstrations?: Dataset;
};
export type GAILOptions<E extends EnvSpecifier = EnvSpecifier> = CommonOptions & { env: E } & HyperparameterInput<
    typeof gailHyperparameters
  > &
  WithDemos;
export type GAILA2COptions<E extends EnvSpecifier = EnvSpecifier> = CommonOptions & { env: E } & HyperparameterInput<
    typeof gailA2cHyperparameters
  > &
  WithDemos;

/** The part of an on-policy learner the discriminator works with. */
interface OnPolicyLearner {
  readonly policy: PPO['policy'];
  readonly obsEncoder: PPO['obsEncoder'];
  readonly observationSpace: PPO['observationSpace'];
  readonly actionSpace: PPO['actionSpace'];
  readonly rng: PPO['rng'];
  readonly env: PPO['env'];
  readonly hyperparameters: { gamma: number };
  readonly algorithmName: string;
  normalizeObservation(obs: Float32Array): Float32Array;
}

function createAdversary(learner: OnPolicyLearner): AdversarialReward {
  const hp = learner.hyperparameters as unknown as AdversarialHp;
  const policy = learner.policy;
  return new AdversarialReward(
    hp,
    {
      inputDim: learner.obsEncoder.inputDim,
      observationSpace: learner.observationSpace,
      actionSpace: learner.actionSpace,
      encodeObservations: (compact) => learner.normalizeObservation(compact),
      logProb: (x, actions) => policy.policyForward(x).logProb(actions as never) as tf.Tensor1D,
      actionTensor: (actions, b) => policy.actionTensor(actions, b),
      gamma: learner.hyperparameters.gamma,
      rng: learner.rng,
    },
    'disc',
  );
}

function attachDemonstrations(learner: OnPolicyLearner, adversary: AdversarialReward, dataset: Dataset): void {
  checkDemonstrations(learner.algorithmName, dataset, learner.observationSpace, learner.actionSpace);
  adversary.setExpert(flatTransitions(dataset));
}

/** Record one collected vector step: the next observations are the final ones where an episode ended. */
function recordStep(learner: OnPolicyLearner, adversary: AdversarialReward, s: RolloutStep, scratch: { rows?: Float32Array }): void {
  const r = s.result;
  const n = r.terminated.length;
  const cd = learner.obsEncoder.compactDim;
  if (!scratch.rows || scratch.rows.length !== r.obs.length) scratch.rows = new Float32Array(r.obs.length);
  const rows = scratch.rows;
  rows.set(r.obs);
  for (let i = 0; i < n; i++) {
    if (r.terminated[i] || r.truncated[i]) rows.set(r.finalObs.subarray(i * cd, (i + 1) * cd), i * cd);
  }
  adversary.recordStep(s.obs, s.actions, s.logProbs, learner.obsEncoder.encode(rows), r.terminated);
}

function replaceRewards(adversary: AdversarialReward, buffer: RolloutBuffer): void {
  const rewards = adversary.rewardsForRollout();
  buffer.rewards.set(rewards.subarray(0, buffer.rewards.length));
}

/**
 * Behavioral cloning of the demonstrations into the policy (its actor's variables): `steps` Adam
 * steps on −mean log π(a_E | s_E). Returns the mean loss of the last 100 steps.
 */
function pretrainPolicy(learner: OnPolicyLearner, adversary: AdversarialReward, steps: number, batch: number, lr: number): number {
  const policy = learner.policy;
  const vars = policy.actorVariables;
  const opt = new Adam(vars, { lr });
  const d = learner.obsEncoder.inputDim;
  let tail = 0;
  let tailN = 0;
  try {
    for (let i = 0; i < steps; i++) {
      const { x, actions } = adversary.expertBatch(batch);
      const xt = tf.tensor2d(x, [batch, d]);
      const at = policy.actionTensor(actions, batch);
      const { loss, grads } = computeGradients(() => tf.neg(tf.mean(policy.policyForward(xt).logProb(at as never))) as tf.Scalar, vars, {
        readLoss: i >= steps - 100,
      });
      opt.step(grads);
      for (const g of grads) g.dispose();
      xt.dispose();
      at.dispose();
      if (loss !== undefined) {
        if (!Number.isFinite(loss))
          throw new Error(`${learner.algorithmName}: non-finite behavioral-cloning loss at pre-training step ${i}`);
        tail += loss;
        tailN++;
      }
    }
  } finally {
    opt.dispose();
  }
  return tailN > 0 ? tail / tailN : Number.NaN;
}

function requireExpert(who: string, adversary: AdversarialReward): void {
  if (!adversary.hasExpert) {
    throw new Error(`${who}.learn: no demonstrations; pass them to the constructor or call setDemonstrations(dataset)`);
  }
}

/** GAIL (Ho & Ermon 2016) on PPO; `adversary: 'vail' | 'airl'` switches the discriminator (see `VAIL`, `AIRL`). */
export class GAIL<E extends EnvSpecifier = any> extends PPO<E> {
  static override readonly algorithmName: string = 'GAIL';
  static override readonly hyperparameterSchema = gailHyperparameters;
  readonly adversary: AdversarialReward;
  private readonly scratch: { rows?: Float32Array } = {};

  constructor(options: GAILOptions<E>) {
    if (!options || typeof options !== 'object')
      throw new TypeError('GAIL: constructor needs an options object {env, demonstrations, ...}');
    const { demonstrations, ...rest } = options;
    super(rest as unknown as AlgorithmOptions as never);
    this.adversary = createAdversary(this);
    if (demonstrations !== undefined) this.setDemonstrations(demonstrations);
  }

  /** Attach (or replace) the expert's demonstrations. */
  setDemonstrations(dataset: Dataset): void {
    attachDemonstrations(this, this.adversary, dataset);
  }

  protected override async trainLoop(totalTimesteps: number, callback: BaseCallback): Promise<void> {
    requireExpert(this.algorithmName, this.adversary);
    this.maybePretrain();
    return super.trainLoop(totalTimesteps, callback);
  }

  /** Mean BC loss of the last pre-training steps (undefined until pre-trained). */
  bcPretrainLoss: number | undefined;
  /** Whether the BC pre-training (`bcPretrainSteps`) has run. */
  pretrained = false;

  private maybePretrain(): void {
    const hp = this.hyperparameters as unknown as AdversarialHp;
    if (this.pretrained || hp.bcPretrainSteps === 0) return;
    this.bcPretrainLoss = pretrainPolicy(this, this.adversary, hp.bcPretrainSteps, hp.bcPretrainBatchSize, hp.bcPretrainLearningRate);
    this.pretrained = true;
    this.logger.scalar('pretrain/bc_loss', this.bcPretrainLoss, this.numTimesteps);
  }

  protected override startRollout(): void {
    super.startRollout();
    this.adversary.startRollout((this.rolloutBuffer as RolloutBuffer).bufferSize);
  }

  protected override storeStep(s: RolloutStep): void {
    super.storeStep(s);
    recordStep(this, this.adversary, s, this.scratch);
  }

  protected override processRolloutRewards(buffer: RolloutBuffer): void {
    replaceRewards(this.adversary, buffer);
  }

  override train(): Record<string, number> {
    return { ...super.train(), ...(this.adversary.lastStats as Record<string, number> | undefined) };
  }

  protected override networks() {
    return { ...super.networks(), ...this.adversary.networks() };
  }

  protected override optimizers() {
    return { ...super.optimizers(), discriminator: this.adversary.optimizer };
  }

  protected override extraState() {
    return { ...super.extraState(), adversary: this.adversary.state(), pretrained: this.pretrained };
  }

  protected override loadExtraState(extra: Record<string, unknown>): void {
    super.loadExtraState(extra);
    this.adversary.loadState(extra.adversary as Record<string, unknown> | undefined);
    if (typeof extra.pretrained === 'boolean') this.pretrained = extra.pretrained;
  }
}

/** VAIL (Peng et al. 2019): GAIL with a variational discriminator bottleneck (I_c = 0.5, dual ascent on β). */
export class VAIL<E extends EnvSpecifier = any> extends GAIL<E> {
  static override readonly algorithmName: string = 'VAIL';
  static override readonly hyperparameterSchema = vailHyperparameters;
}

/** AIRL (Fu et al. 2018): the discriminator's logit is g(s) + γh(s′) − h(s) − log π(a|s), and so is the reward. */
export class AIRL<E extends EnvSpecifier = any> extends GAIL<E> {
  static override readonly algorithmName: string = 'AIRL';
  static override readonly hyperparameterSchema = airlHyperparameters;
}

/** GAIL (or VAIL / AIRL with `adversary`) on A2C. */
export class GAILA2C<E extends EnvSpecifier = any> extends A2C<E> {
  static override readonly algorithmName: string = 'GAILA2C';
  static override readonly hyperparameterSchema = gailA2cHyperparameters;
  readonly adversary: AdversarialReward;
  private readonly scratch: { rows?: Float32Array } = {};

  constructor(options: GAILA2COptions<E>) {
    if (!options || typeof options !== 'object')
      throw new TypeError('GAILA2C: constructor needs an options object {env, demonstrations, ...}');
    const { demonstrations, ...rest } = options;
    super(rest as unknown as AlgorithmOptions as never);
    this.adversary = createAdversary(this);
    if (demonstrations !== undefined) this.setDemonstrations(demonstrations);
  }

  /** Attach (or replace) the expert's demonstrations. */
  setDemonstrations(dataset: Dataset): void {
    attachDemonstrations(this, this.adversary, dataset);
  }

  protected override async trainLoop(totalTimesteps: number, callback: BaseCallback): Promise<void> {
    requireExpert(this.algorithmName, this.adversary);
    this.maybePretrain();
    return super.trainLoop(totalTimesteps, callback);
  }

  /** Mean BC loss of the last pre-training steps (undefined until pre-trained). */
  bcPretrainLoss: number | undefined;
  /** Whether the BC pre-training (`bcPretrainSteps`) has run. */
  pretrained = false;

  private maybePretrain(): void {
    const hp = this.hyperparameters as unknown as AdversarialHp;
    if (this.pretrained || hp.bcPretrainSteps === 0) return;
    this.bcPretrainLoss = pretrainPolicy(this, this.adversary, hp.bcPretrainSteps, hp.bcPretrainBatchSize, hp.bcPretrainLearningRate);
    this.pretrained = true;
    this.logger.scalar('pretrain/bc_loss', this.bcPretrainLoss, this.numTimesteps);
  }

  protected override startRollout(): void {
    super.startRollout();
    this.adversary.startRollout((this.rolloutBuffer as RolloutBuffer).bufferSize);
  }

  protected override storeStep(s: RolloutStep): void {
    super.storeStep(s);
    recordStep(this, this.adversary, s, this.scratch);
  }

  protected override processRolloutRewards(buffer: RolloutBuffer): void {
    replaceRewards(this.adversary, buffer);
  }

  override train(): Record<string, number> {
    return { ...super.train(), ...(this.adversary.lastStats as Record<string, number> | undefined) };
  }

  protected override networks() {
    return { ...super.networks(), ...this.adversary.networks() };
  }

  protected override optimizers() {
    return { ...super.optimizers(), discriminator: this.adversary.optimizer };
  }

  protected override extraState() {
    return { ...super.extraState(), adversary: this.adversary.state(), pretrained: this.pretrained };
  }

  protected override loadExtraState(extra: Record<string, unknown>): void {
    super.loadExtraState(extra);
    this.adversary.loadState(extra.adversary as Record<string, unknown> | undefined);
    if (typeof extra.pretrained === 'boolean') this.pretrained = extra.pretrained;
  }
}
