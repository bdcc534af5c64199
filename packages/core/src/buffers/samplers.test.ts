import { describe, expect, it } from 'vitest';
import { Rng } from '../rng';
import { PrioritizedReplayBuffer } from './prioritized';
import { replayBufferClassByName } from './registry';
import { NStepSampler, ReplayBuffer, UniformSampler } from './replay';

/** Two envs, obs = [env·100 + t], reward = t + 1 (env 0) or 10·(t + 1) (env 1); env 0 ends at t = 2. */
function twoEnvBuffer(nStep: number, capacity = 20): ReplayBuffer {
  const buf = new ReplayBuffer({ capacity, obsDim: 1, actionDim: 1, actionDtype: 'int32', gamma: 0.5, numEnvs: 2, nStep });
  for (let t = 0; t < 5; t++) {
    const term = t === 2 ? 1 : 0;
    buf.addBatch([t, 100 + t], [0, 1], [t + 1, 10 * (t + 1)], [t + 1, 101 + t], [term, 0], [0, 0]);
  }
  return buf;
}

/** A sampler that always returns the given rows (to check transforms by hand). */
class Fixed extends UniformSampler {
  constructor(private readonly rows: number[]) {
    super();
  }
  override sampleIndices(_b: ReplayBuffer, n: number, _r: Rng, batch: { indices: Int32Array }): void {
    for (let i = 0; i < n; i++) batch.indices[i] = this.rows[i] as number;
  }
}

describe('replay storage', () => {
  it('lays vector steps out [position][env] and tracks each row’s env, episode step and episode length', () => {
    const buf = twoEnvBuffer(1);
    expect(buf.numEnvs).toBe(2);
    expect(Array.from(buf.obs.subarray(0, 10))).toEqual([0, 100, 1, 101, 2, 102, 3, 103, 4, 104]);
    expect([0, 1, 2, 3].map((r) => buf.envOf(r))).toEqual([0, 1, 0, 1]);
    // env 0: an episode of 3 steps (t = 0..2, terminated), then a running one; env 1 still runs.
    expect(Array.from(buf.episodeSteps.subarray(0, 10))).toEqual([0, 0, 1, 1, 2, 2, 0, 3, 1, 4]);
    expect(Array.from(buf.episodeLengths.subarray(0, 10))).toEqual([3, 0, 3, 0, 3, 0, 0, 0, 0, 0]);
    expect(buf.stepsAvailable(0)).toBe(5);
    expect(buf.stepsAvailable(7)).toBe(2);
    expect(() => buf.addBatch([1], [0], [0], [1], [0], [0])).toThrow(/got 1 rows, this buffer holds one vector step of 2 envs/);
    expect(() => buf.add([1], 0, 0, [1], false, false)).toThrow(/holds 2 envs; store vector steps with addBatch/);
    // capacity is rounded down to whole vector steps
    expect(new ReplayBuffer({ capacity: 7, obsDim: 1, actionDim: 1, actionDtype: 'int32', numEnvs: 2 }).capacity).toBe(6);
  });

  it('registered classes are found by name', () => {
    expect(replayBufferClassByName('ReplayBuffer')).toBe(ReplayBuffer);
    expect(replayBufferClassByName('PrioritizedReplayBuffer')).toBe(PrioritizedReplayBuffer);
    expect(() => replayBufferClassByName('Nope')).toThrow(/unknown replay buffer class "Nope" \(known: .*ReplayBuffer/);
  });
});

describe('NStepSampler', () => {
  it('sums n discounted rewards of the same env, stops at an episode end and at the newest step', () => {
    const buf = twoEnvBuffer(1);
    const s = new NStepSampler(new Fixed([0, 1, 2, 4, 9]), 3, 0.5);
    const sampled = new ReplayBuffer({ capacity: 20, obsDim: 1, actionDim: 1, actionDtype: 'int32', gamma: 0.5, numEnvs: 2, sampler: s });
    sampled.setState(buf.getState());
    const b = sampled.sample(5, new Rng(0));
    // row 0 (env 0, t 0): 1 + .5·2 + .25·3 = 2.75, ends at t 2 (terminated), s' = 3, γ³
    // row 1 (env 1, t 0): 10 + .5·20 + .25·30 = 27.5, s′ = 103, γ³, not terminated
    // row 2 (env 0, t 1): 2 + 1.5 = 3.5, stops at the terminal t 2: s' = 3, γ², terminated
    // row 4 (env 0, t 2): 3, terminal itself: γ, terminated
    // row 9 (env 1, t 4): the newest step: one reward 50, s' = 105, γ
    expect(Array.from(b.rewards)).toEqual([2.75, 27.5, 3.5, 3, 50]);
    expect(Array.from(b.nextObs)).toEqual([3, 103, 3, 3, 105]);
    expect(Array.from(b.discounts)).toEqual([0.125, 0.125, 0.25, 0.5, 0.5]);
    expect(Array.from(b.terminated)).toEqual([1, 0, 1, 1, 0]);
    expect(Array.from(b.obs)).toEqual([0, 100, 1, 2, 104]);
  });

  it('composes with prioritized sampling (Rainbow): weights and priorities pass through', () => {
    const buf = new PrioritizedReplayBuffer({
      capacity: 20,
      obsDim: 1,
      actionDim: 1,
      actionDtype: 'int32',
      gamma: 0.5,
      numEnvs: 2,
      nStep: 3,
    });
    buf.setState({ ...twoEnvBuffer(1).getState(), priorities: new Float64Array(20).fill(1), maxPriority: 1 } as never);
    expect(buf.sampler).toBeInstanceOf(NStepSampler);
    const b = buf.sample(4, new Rng(1), 0.5);
    expect(b.weights).toHaveLength(4);
    for (let i = 0; i < 4; i++) {
      if (b.indices[i] === 0) expect(b.rewards[i]).toBe(2.75);
    }
    buf.updatePriorities(b.indices, [1, 2, 3, 4]);
    expect(buf.priority(b.indices[3] as number)).toBeCloseTo((4 + 1e-6) ** 0.6, 9);
  });

  it('the n-step batch of a saved and restored buffer is identical', () => {
    const a = twoEnvBuffer(3);
    const b = new ReplayBuffer({ capacity: 20, obsDim: 1, actionDim: 1, actionDtype: 'int32', gamma: 0.5, numEnvs: 2, nStep: 3 });
    b.setState(a.getState());
    const x = a.sample(16, new Rng(5));
    const rewards = Array.from(x.rewards);
    const y = b.sample(16, new Rng(5));
    expect(Array.from(y.rewards)).toEqual(rewards);
    // A restored buffer continues each env's running episode.
    b.addBatch([5, 105], [0, 0], [0, 0], [6, 106], [0, 0], [0, 0]);
    expect(Array.from(b.episodeSteps.subarray(10, 12))).toEqual([2, 5]);
  });
});
