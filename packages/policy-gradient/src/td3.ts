/**
 * Twin Delayed DDPG (Fujimoto et al. 2018, https://arxiv.org/abs/1802.09477) and the
 * deterministic actor-critic it shares with DDPG (see `ddpg.ts`).
 *
 * TD3 = DDPG + twin critics (clipped double-Q target) + target policy smoothing (clipped Gaussian
 * noise on the target action) + delayed actor and target updates (every `policyDelay` critic
 * updates). Names and defaults follow Stable-Baselines3 (net_arch [400, 300], lr 1e-3).
 */
import * as tf from '@tensorflow/tfjs';
import {
  Adam,
  type AlgorithmOptions,
  type CommonOptions,
  type EnvSpecifier,
  type GradientStepResult,
  type HyperparameterInput,
  Mlp,
  type NetworkState,
  OffPolicyAlgorithm,
  type OffPolicyBatch,
  type OffPolicyHp,
  TwinQ,
  defineHyperparameters,
  hardUpdate,
  polyakUpdate,
} from '@tfrl/core';
import {
  actorCriticHyperparameters,
  assertBoxActions,
  criticLoss,
  deterministicActorLoss,
  forwardInputGradOnly,
  forwardNoGrad,
  forwardTrainable,
  smoothTargetAction,
  td3CriticTarget,
  torchDefaultInit,
} from './off-policy';

export const td3Hyperparameters = defineHyperparameters({
  ...actorCriticHyperparameters({ learningRate: 1e-3, netArch: [400, 300], learningStarts: 100 }),
  policyDelay: { type: 'integer', default: 2, min: 1, doc: 'critic updates per actor (and target) update' },
  targetPolicyNoise: { type: 'number', default: 0.2, min: 0, doc: 'σ of the Gaussian noise on target actions (smoothing)' },
  targetNoiseClip: { type: 'number', default: 0.5, min: 0, doc: 'the smoothing noise is clipped to ±targetNoiseClip' },
});

export const ddpgHyperparameters = defineHyperparameters({
  ...actorCriticHyperparameters({ learningRate: 1e-3, netArch: [400, 300], learningStarts: 100 }),
});

/** DDPG's schema has no policyDelay / targetPolicyNoise / targetNoiseClip: it runs with 1, 0, 0. */
export type DeterministicHp = OffPolicyHp & {
  netArch: number[];
  activation: 'relu' | 'tanh' | 'elu' | 'leaky_relu';
  policyDelay?: number;
  targetPolicyNoise?: number;
  targetNoiseClip?: number;
};

export type TD3Options<E extends EnvSpecifier = EnvSpecifier> = CommonOptions & { env: E } & HyperparameterInput<typeof td3Hyperparameters>;

/**
 * The deterministic actor-critic of DDPG and TD3: a tanh actor, one or two critics on
 * [obs, action], target copies of both, Polyak-averaged after each actor update.
 */
export abstract class DeterministicActorCritic<H extends DeterministicHp, E = any> extends OffPolicyAlgorithm<H, E> {
  readonly actor: Mlp;
  readonly actorTarget: Mlp;
  /** [Q1] (DDPG) or [Q1, Q2] (TD3). */
  readonly critics: Mlp[];
  readonly criticTargets: Mlp[];
  /** The TwinQ holding the critics (TD3); undefined for DDPG's single critic. */
  readonly twinQ: TwinQ | undefined;
  readonly actorOptimizer: Adam;
  readonly criticOptimizer: Adam;
  protected readonly statNames = ['critic_loss', 'actor_loss', 'q_values'] as const;
  private readonly criticVars: tf.Variable[];
  /** The last actor loss (kept tensor), reported on steps without an actor update. */
  private lastActorLoss: tf.Scalar;

  constructor(options: AlgorithmOptions, nCritics: 1 | 2, prefix: string) {
    super(options);
    assertBoxActions(this.algorithmName, this.actionSpace);
    const hp = this.hyperparameters;
    const act = hp.activation;
    const inDim = this.obsEncoder.inputDim;
    const actorOpts = {
      inputDim: inDim,
      hiddenSizes: hp.netArch,
      outputDim: this.actDim,
      activation: act,
      outputActivation: 'tanh',
      rng: this.rng,
    } as const;
    this.actor = new Mlp({ ...actorOpts, name: `${prefix}/actor` });
    torchDefaultInit(this.actor, this.rng);
    this.actorTarget = new Mlp({ ...actorOpts, name: `${prefix}/actor_target` });
    this.actorTarget.copyFrom(this.actor);
    const qIn = inDim + this.actDim;
    if (nCritics === 2) {
      this.twinQ = new TwinQ({ inputDim: qIn, hiddenSizes: hp.netArch, activation: act, rng: this.rng, name: `${prefix}/critic` });
      const target = new TwinQ({ inputDim: qIn, hiddenSizes: hp.netArch, activation: act, rng: this.rng, name: `${prefix}/critic_target` });
      this.critics = [this.twinQ.q1, this.twinQ.q2];
      this.criticTargets = [target.q1, target.q2];
    } else {
      this.twinQ = undefined;
      const qOpts = { inputDim: qIn, hiddenSizes: hp.netArch, outputDim: 1, activation: act, rng: this.rng } as const;
      this.critics = [new Mlp({ ...qOpts, name: `${prefix}/critic/q1` })];
      this.criticTargets = [new Mlp({ ...qOpts, name: `${prefix}/critic_target/q1` })];
    }
    for (const c of this.critics) torchDefaultInit(c, this.rng);
    this.criticVars = this.critics.flatMap((c) => c.trainableVariables);
    hardUpdate(
      this.criticTargets.flatMap((c) => c.trainableVariables),
      this.criticVars,
    );
    const lr = this.scheduleValue('learningRate');
    this.actorOptimizer = new Adam(this.actor.trainableVariables, { lr });
    this.criticOptimizer = new Adam(this.criticVars, { lr });
    this.lastActorLoss = tf.keep(tf.scalar(0));
  }

  protected override optimizers() {
    return { actor: this.actorOptimizer, critic: this.criticOptimizer };
  }

  protected override networks(): Record<string, NetworkState> {
    const nets: Record<string, NetworkState> = { actor: this.actor, actorTarget: this.actorTarget };
    this.critics.forEach((c, i) => {
      nets[`critic${i + 1}`] = c;
      nets[`criticTarget${i + 1}`] = this.criticTargets[i] as Mlp;
    });
    return nets;
  }

  protected policyActions(rows: Float32Array): Float32Array {
    // The policy is deterministic; exploration noise is added by the collect loop.
    const obs = this.encode(rows);
    const inDim = this.obsEncoder.inputDim;
    const b = obs.length / inDim;
    const a = tf.tidy(() => forwardNoGrad(this.actor, tf.tensor2d(obs, [b, inDim]), this.hyperparameters.activation, 'tanh'));
    const data = a.dataSync() as Float32Array;
    a.dispose();
    return data;
  }

  protected gradientStep(batch: OffPolicyBatch): GradientStepResult {
    const hp = this.hyperparameters;
    const obs = batch.obs as tf.Tensor2D;
    const nextObs = batch.nextObs as tf.Tensor2D;
    const act = hp.activation;
    const policyDelay = hp.policyDelay ?? 1;
    const noiseStd = hp.targetPolicyNoise ?? 0;
    const noiseClip = hp.targetNoiseClip ?? 0;
    const smoothing = noiseStd > 0;
    const seed = smoothing ? this.rng.tfSeed() : 0;
    const target = tf.tidy(() => {
      let next = forwardNoGrad(this.actorTarget, nextObs, act, 'tanh');
      if (smoothing) {
        const noise = tf.randomNormal(next.shape, 0, noiseStd, 'float32', seed) as tf.Tensor2D;
        next = smoothTargetAction(next, noise, noiseClip);
      }
      const x2 = tf.concat([nextObs, next], 1);
      const nextQs = this.criticTargets.map((c) => tf.reshape(forwardNoGrad(c, x2, act), [-1]) as tf.Tensor1D);
      return td3CriticTarget(batch.rewards, batch.bootstrapCoef, nextQs);
    });
    const x = tf.concat([obs, batch.actions as tf.Tensor2D], 1);
    let meanQ: tf.Scalar | undefined;
    const critic = tf.variableGrads(() => {
      const qs = this.critics.map((c) => tf.reshape(forwardTrainable(c, x, act), [-1]) as tf.Tensor1D);
      meanQ = tf.keep(tf.mean(qs[0] as tf.Tensor1D) as tf.Scalar);
      return criticLoss(qs, target);
    }, this.criticVars);
    this.criticOptimizer.step(this.criticVars.map((v) => critic.grads[v.name] as tf.Tensor));
    tf.dispose(Object.values(critic.grads));
    tf.dispose([x, target]);
    // SB3 counts the update first, then updates the actor when n_updates % policy_delay == 0.
    if ((this.numUpdates + 1) % policyDelay === 0) {
      const actorVars = this.actor.trainableVariables;
      const actor = tf.variableGrads(() => {
        const a = forwardTrainable(this.actor, obs, act, 'tanh');
        const q1 = tf.reshape(forwardInputGradOnly(this.critics[0] as Mlp, tf.concat([obs, a], 1), act), [-1]) as tf.Tensor1D;
        return deterministicActorLoss(q1);
      }, actorVars);
      this.actorOptimizer.step(actorVars.map((v) => actor.grads[v.name] as tf.Tensor));
      tf.dispose(Object.values(actor.grads));
      this.lastActorLoss.dispose();
      this.lastActorLoss = actor.value as tf.Scalar;
      polyakUpdate(
        this.criticTargets.flatMap((c) => c.trainableVariables),
        this.criticVars,
        hp.tau,
      );
      polyakUpdate(this.actorTarget.trainableVariables, actorVars, hp.tau);
    }
    const stats = tf.tidy(() => tf.stack([critic.value as tf.Scalar, this.lastActorLoss, meanQ as tf.Scalar]) as tf.Tensor1D);
    tf.dispose([critic.value, meanQ as tf.Scalar]);
    return { stats };
  }

  override dispose(): void {
    super.dispose();
    this.lastActorLoss.dispose();
  }
}

export class TD3<E extends EnvSpecifier = any> extends DeterministicActorCritic<DeterministicHp, E> {
  static override readonly algorithmName = 'TD3';
  static override readonly hyperparameterSchema = td3Hyperparameters;

  constructor(options: TD3Options<E>) {
    super(options as unknown as AlgorithmOptions, 2, 'td3');
  }
}
