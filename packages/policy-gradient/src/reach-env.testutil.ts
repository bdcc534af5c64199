import { BaseEnv, Box } from '@tfrl/core';

/**
 * One-step task with a Box action for learner tests: the observation is a target in [−1, 1], the
 * reward −(a − target)², and every episode ends after one step. A random policy scores ≈ −1/3 to −2;
 * a learned one tracks the target.
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
