// Vanilla policy gradient with GAE: the worked example of docs/ALGORITHMS-GUIDE.md (kept identical
// to the guide by guide-example.test.ts, which also trains it).
import * as tf from '@tensorflow/tfjs';
import {
  Adam,
  type AlgorithmOptions,
  type CommonOptions,
  type EnvSpecifier,
  type HyperparameterInput,
  OnPolicyAlgorithm,
  type ResolvedHyperparameters,
  computeGradients,
  defineHyperparameters,
  policyHyperparameters,
} from '@tfrl/core';

export const vpgHyperparameters = defineHyperparameters({
  learningRate: { type: 'schedule', default: 3e-3, exclusiveMin: 0, doc: 'Adam step size' },
  nSteps: { type: 'integer', default: 64, min: 1, doc: 'steps per env in each rollout' },
  gamma: { type: 'number', default: 0.99, min: 0, max: 1, doc: 'discount factor' },
  gaeLambda: { type: 'number', default: 0.95, min: 0, max: 1, doc: 'GAE λ' },
  vfCoef: { type: 'number', default: 0.5, min: 0, doc: 'value loss coefficient' },
  ...policyHyperparameters({ netArch: [64] }),
});

export type VPGOptions<E extends EnvSpecifier = EnvSpecifier> = CommonOptions & { env: E } & HyperparameterInput<typeof vpgHyperparameters>;

/** The loss, pure: −mean(A · log π(a|s)) + c_vf · mean((R − V)²). */
export function vpgLoss(
  logProbs: tf.Tensor1D,
  advantages: tf.Tensor1D,
  values: tf.Tensor1D,
  returns: tf.Tensor1D,
  vfCoef: number,
): tf.Scalar {
  const policyLoss = tf.neg(tf.mean(tf.mul(advantages, logProbs)));
  const valueLoss = tf.mean(tf.square(tf.sub(returns, values)));
  return tf.add(policyLoss, tf.mul(vfCoef, valueLoss)) as tf.Scalar;
}

export class VPG<E extends EnvSpecifier = any> extends OnPolicyAlgorithm<ResolvedHyperparameters<typeof vpgHyperparameters>, E> {
  static override readonly algorithmName = 'VPG';
  static override readonly hyperparameterSchema = vpgHyperparameters;
  readonly optimizer: Adam;

  constructor(options: VPGOptions<E>) {
    super(options as unknown as AlgorithmOptions);
    this.optimizer = new Adam(this.policy.trainableVariables, { lr: this.scheduleValue('learningRate') });
  }

  protected override optimizers() {
    return { policy: this.optimizer };
  }

  /** One gradient step on the rollout the base collected (GAE already computed). */
  train(): Record<string, number> {
    const buffer = this.rolloutBuffer as NonNullable<typeof this.rolloutBuffer>;
    const n = buffer.bufferSize;
    const d = this.policy.obsDim;
    this.optimizer.lr = this.scheduleValue('learningRate');
    const obs = tf.tensor2d(buffer.obs.subarray(0, n * d), [n, d]);
    const actions = this.policy.actionTensor(buffer.actions, n);
    const advantages = tf.tensor1d(buffer.advantages);
    const returns = tf.tensor1d(buffer.returns);
    const { loss, grads } = computeGradients(() => {
      const { dist, value } = this.policy.forward(obs);
      return vpgLoss(dist.logProb(actions as never), advantages, value, returns, this.hyperparameters.vfCoef);
    }, this.policy.trainableVariables);
    this.optimizer.step(grads);
    tf.dispose([...grads, obs, actions, advantages, returns]);
    this.numUpdates++;
    return { 'train/loss': loss as number, 'train/learning_rate': this.optimizer.lr };
  }
}
