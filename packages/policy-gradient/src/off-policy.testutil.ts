import { BaseEnv, Box, Discrete } from '@tfrl/core';

export { ReachEnv } from './reach-env.testutil';

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
