import { BaseEnv, Box, Discrete } from '@tfrl/core';

/**
 * One-step task with a Box action: observe a target t ∈ [−1, 1], act a ∈ [−2, 2], reward −(a − t)².
 * The action bounds are not [−1, 1], so the rescaling of actions is part of what is learned.
 * A uniform random policy scores −5/3 on average, the zero action −1/3, a perfect one 0.
 */
export class ReachEnv extends BaseEnv<Float32Array, Float32Array> {
  readonly observationSpace = new Box({ low: -1, high: 1, shape: [1] });
  readonly actionSpace = new Box({ low: -2, high: 2, shape: [1] });
  private target = 0;
  protected _reset() {
    this.target = this.rng.uniform(-1, 1);
    return { obs: Float32Array.of(this.target), info: {} };
  }
  protected _step(action: Float32Array) {
    const d = (action[0] as number) - this.target;
    return { obs: Float32Array.of(this.target), reward: -d * d, terminated: true, truncated: false, info: {} };
  }
  render() {
    return { width: 1, height: 1, data: new Uint8Array(3) };
  }
}

/** A discrete-action env, to check that the off-policy actor-critics refuse it. */
export class DiscreteActionEnv extends BaseEnv<Float32Array, number> {
  readonly observationSpace = new Box({ low: -1, high: 1, shape: [1] });
  readonly actionSpace = new Discrete(2);
  protected _reset() {
    return { obs: Float32Array.of(0), info: {} };
  }
  protected _step() {
    return { obs: Float32Array.of(0), reward: 0, terminated: true, truncated: false, info: {} };
  }
  render() {
    return { width: 1, height: 1, data: new Uint8Array(3) };
  }
}
