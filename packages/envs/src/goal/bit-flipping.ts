/**
 * Bit flipping (Andrychowicz et al. 2017, "Hindsight Experience Replay", §3.1): the state is n bits,
 * action i flips bit i, the reward is −1 until the state equals the goal and 0 on the step that
 * reaches it (terminated), as in SB3's `BitFlippingEnv`. Episodes are truncated after `maxSteps`
 * (default n). As in the HER paper the initial state and the goal are both drawn uniformly at reset
 * (`fixedGoal: true` gives SB3's all-ones goal); `reset({options: {goal, state}})` sets them.
 * Observations are Dict{observation, achieved_goal, desired_goal} of float32 0/1 Boxes.
 * With `continuous: true` (SB3's continuous variant) the action is a Box(−1, 1, (n,)) and every bit
 * whose component is > 0 flips, so off-policy learners for Box actions (SAC, TD3) apply.
 */

import { BaseEnv, Box, Dict, Discrete, type ResetResult, type RgbFrame, type StepResult } from '@tfrl/core';
import { createFrame } from '../classic/raster';
import { fillRect } from '../toy-text/tabular';

export interface BitFlippingOptions {
  /** Number of bits (default 10). */
  nBits?: number;
  /** Steps before truncation (default nBits). */
  maxSteps?: number | null;
  /** Goal always all ones, as SB3 (default false: a uniform random goal, as the HER paper). */
  fixedGoal?: boolean;
  /** Box(−1, 1, (n,)) actions; bits whose component is > 0 flip (SB3's `continuous`). Default false. */
  continuous?: boolean;
}

export interface BitFlippingObs {
  observation: Float32Array;
  achieved_goal: Float32Array;
  desired_goal: Float32Array;
}

export class BitFlippingEnv extends BaseEnv<BitFlippingObs, number | Float32Array> {
  readonly nBits: number;
  readonly maxSteps: number;
  readonly fixedGoal: boolean;
  readonly continuous: boolean;
  readonly actionSpace: Discrete | Box;
  readonly observationSpace: Dict<{ observation: Box; achieved_goal: Box; desired_goal: Box }>;
  /** Numbers per goal. */
  readonly goalDim: number;
  private state: Float32Array;
  private goal: Float32Array;
  private steps = 0;

  constructor(opts: BitFlippingOptions = {}) {
    super();
    const n = opts.nBits ?? 10;
    if (!Number.isInteger(n) || n <= 0) throw new RangeError(`BitFlipping: nBits must be a positive integer, got ${String(n)}`);
    const maxSteps = opts.maxSteps ?? n;
    if (!Number.isInteger(maxSteps) || maxSteps <= 0)
      throw new RangeError(`BitFlipping: maxSteps must be a positive integer, got ${String(maxSteps)}`);
    this.nBits = n;
    this.goalDim = n;
    this.maxSteps = maxSteps;
    this.fixedGoal = opts.fixedGoal ?? false;
    this.continuous = opts.continuous ?? false;
    this.actionSpace = this.continuous ? new Box({ low: -1, high: 1, shape: [n] }) : new Discrete(n);
    const bits = () => new Box({ low: 0, high: 1, shape: [n] });
    this.observationSpace = new Dict({ observation: bits(), achieved_goal: bits(), desired_goal: bits() });
    this.state = new Float32Array(n);
    this.goal = new Float32Array(n).fill(1);
  }

  private obs(): BitFlippingObs {
    return { observation: this.state.slice(), achieved_goal: this.state.slice(), desired_goal: this.goal.slice() };
  }

  private readBits(v: unknown, what: string): Float32Array {
    const a = v as ArrayLike<number>;
    if (!(Array.isArray(v) || ArrayBuffer.isView(v)) || a.length !== this.nBits || !Array.from(a).every((x) => x === 0 || x === 1)) {
      throw new RangeError(
        `${this.id}: ${what} must be ${this.nBits} zeros and ones, got ${JSON.stringify(Array.from((a ?? []) as ArrayLike<number>))}`,
      );
    }
    return Float32Array.from(a);
  }

  /** Rewards for a batch: k rows of nBits in `achieved` and `desired` → k rewards (0 if equal, else −1). */
  computeReward(achieved: ArrayLike<number>, desired: ArrayLike<number>, _info?: unknown): Float32Array {
    const n = this.nBits;
    if (achieved.length !== desired.length || achieved.length % n !== 0) {
      throw new RangeError(
        `${this.id}: computeReward needs achieved and desired of equal length, a multiple of ${n} (rows of ${n} bits); got ${achieved.length} and ${desired.length}`,
      );
    }
    const k = achieved.length / n;
    const out = new Float32Array(k);
    for (let i = 0; i < k; i++) {
      let same = true;
      for (let j = i * n; j < (i + 1) * n; j++) {
        if (achieved[j] !== desired[j]) {
          same = false;
          break;
        }
      }
      out[i] = same ? 0 : -1;
    }
    return out;
  }

  protected _reset(options?: Record<string, unknown>): ResetResult<BitFlippingObs> {
    for (let i = 0; i < this.nBits; i++) this.state[i] = this.rng.integers(0, 2);
    if (!this.fixedGoal) for (let i = 0; i < this.nBits; i++) this.goal[i] = this.rng.integers(0, 2);
    if (options?.state !== undefined) this.state = this.readBits(options.state, 'options.state');
    if (options?.goal !== undefined) this.goal = this.readBits(options.goal, 'options.goal');
    this.steps = 0;
    return { obs: this.obs(), info: { is_success: (this.computeReward(this.state, this.goal)[0] as number) === 0 } };
  }

  protected _step(a: number | Float32Array): StepResult<BitFlippingObs> {
    if (typeof a === 'number') this.state[a] = 1 - (this.state[a] as number);
    else for (let i = 0; i < this.nBits; i++) if ((a[i] as number) > 0) this.state[i] = 1 - (this.state[i] as number);
    this.steps++;
    const reward = this.computeReward(this.state, this.goal)[0] as number;
    const terminated = reward === 0;
    const truncated = !terminated && this.steps >= this.maxSteps;
    return { obs: this.obs(), reward, terminated, truncated, info: { is_success: terminated } };
  }

  /** Two rows of squares, 24 px each: the state (black = 1) above the goal (green = 1). */
  render(): RgbFrame {
    const cell = 24;
    const frame = createFrame(this.nBits * cell, 2 * cell, [255, 255, 255]);
    for (let i = 0; i < this.nBits; i++) {
      fillRect(frame, i * cell + 2, 2, cell - 4, cell - 4, this.state[i] ? [0, 0, 0] : [220, 220, 220]);
      fillRect(frame, i * cell + 2, cell + 2, cell - 4, cell - 4, this.goal[i] ? [0, 160, 0] : [220, 240, 220]);
    }
    return frame;
  }
}
