import { Rng } from '@tfrl/core';
import { BitFlippingEnv } from '@tfrl/envs';
import { describe, expect, it } from 'vitest';
import { GoalSampler, GoalSamplingWrapper } from './goal-sampling';
import { IntermediateGoalSampler } from './intermediate';

/** Goals 10, 20, 30, 40 with outcomes: all reached, never reached, 2 of 3, one attempt only. */
function fourGoals(options = {}) {
  const s = new IntermediateGoalSampler(1, options);
  for (const g of [10, 20, 30, 40]) s.add([g]);
  for (const r of [true, true, true]) s.record(0, r);
  for (const r of [false, false, false]) s.record(1, r);
  for (const r of [true, false, true]) s.record(2, r);
  s.record(3, true);
  return s;
}

function frequencies(s: IntermediateGoalSampler, n: number, seed = 0) {
  const rng = new Rng(seed);
  const count = new Map<number, number>();
  for (let k = 0; k < n; k++) {
    const d = s.draw(rng, [99]);
    count.set(d.index, (count.get(d.index) ?? 0) + 1);
  }
  return (i: number) => (count.get(i) ?? 0) / n;
}

describe('IntermediateGoalSampler (GoalGAN’s criterion, without the GAN)', () => {
  it('labels goals by their success rate over the last outcomes: too easy, too hard, intermediate, unevaluated', () => {
    const s = fourGoals();
    expect([0, 1, 2].map((i) => s.successRate(i))).toEqual([1, 0, 2 / 3]);
    expect(s.successRate(3)).toBeNaN();
    expect(s.labels()).toEqual({ unevaluated: [3], 'too-hard': [1], intermediate: [2], 'too-easy': [0] });
    // only the last `window` outcomes count: ten successes make goal 20 too easy
    for (let k = 0; k < 10; k++) s.record(1, true);
    expect(s.label(1)).toBe('too-easy');
    expect(s.outcomes[1]?.length).toBe(10);
  });

  it('draws the true goal with pTrue, an unevaluated goal with pExplore, else an intermediate one', () => {
    expect(frequencies(fourGoals({ pTrue: 0, pExplore: 0 }), 200)(2)).toBe(1);
    expect(frequencies(fourGoals({ pTrue: 0, pExplore: 1 }), 200)(3)).toBe(1);
    expect(frequencies(fourGoals({ pTrue: 1 }), 200)(-1)).toBe(1);
    // defaults: true 0.1; stored 0.9 × (unevaluated 0.3, intermediate 0.7)
    const f = frequencies(fourGoals(), 20_000);
    expect(f(-1)).toBeCloseTo(0.1, 1);
    expect(f(3)).toBeCloseTo(0.27, 1);
    expect(f(2)).toBeCloseTo(0.63, 1);
    expect(f(0) + f(1)).toBe(0); // too easy and too hard goals are never drawn
    // with no intermediate goal the unevaluated ones are drawn, and with neither the true goal
    const s = new IntermediateGoalSampler(1, { pTrue: 0, pExplore: 0 });
    s.add([1]);
    expect(s.draw(new Rng(0), [99]).index).toBe(0);
    for (let k = 0; k < 3; k++) s.record(0, false);
    expect(s.draw(new Rng(0), [99])).toEqual({ goal: Float32Array.of(99), index: -1 });
  });

  it('keeps a FIFO of distinct goals; an outcome follows its goal when the list moves, and is dropped with it', () => {
    const s = new IntermediateGoalSampler(1, { capacity: 2 });
    expect(s.add([1])).toBe(true);
    expect(s.add([1])).toBe(false);
    s.add([2]);
    s.add([3]); // drops [1]; [2] moves to index 0
    s.record(1, true, [2]);
    expect(s.outcomes).toEqual([[1], []]);
    s.record(0, true, [1]); // [1] is gone: nothing recorded
    expect(s.outcomes).toEqual([[1], []]);
    // the course's sampler does the same
    const c = new GoalSampler(1, { capacity: 2 });
    c.add([1]);
    c.add([2]);
    c.add([3]);
    c.record(1, true, [2]);
    expect([c.chosen, c.reached]).toEqual([
      [1, 0],
      [1, 0],
    ]);
  });

  it('drives GoalSamplingWrapper: episodes on drawn goals are rewarded, ended and recorded', () => {
    const sampler = new IntermediateGoalSampler(4, { pTrue: 0, pExplore: 1, feedEvery: 1 });
    const env = new GoalSamplingWrapper(new BitFlippingEnv({ nBits: 4 }), { sampler, seed: 3 });
    const rng = new Rng(1);
    let fakeEpisodes = 0;
    let r = env.reset({ seed: 0 });
    for (let t = 0; t < 400; t++) {
      const s = env.step(rng.integers(0, 4));
      if (s.terminated || s.truncated) {
        if ((s.info.goal_index as number) >= 0) fakeEpisodes++;
        if ((s.info.goal_index as number) >= 0) expect(s.reward).toBe(s.info.is_success ? 0 : -1);
        r = env.reset();
      }
    }
    expect(r.obs.desired_goal.length).toBe(4);
    expect(fakeEpisodes).toBeGreaterThan(20);
    expect(sampler.outcomes.flat().length).toBeGreaterThan(0);
  });

  it('names a bad option', () => {
    expect(() => new IntermediateGoalSampler(2, { rMin: 0.8, rMax: 0.2 })).toThrow(/rMin \(0.8\) must not exceed rMax \(0.2\)/);
    expect(() => new IntermediateGoalSampler(2, { pTrue: 2 })).toThrow(/pTrue must be a number in \[0, 1\], got 2/);
    expect(() => new IntermediateGoalSampler(2, { minAttempts: 20 })).toThrow(/minAttempts \(20\) must not exceed window \(10\)/);
    expect(() => new IntermediateGoalSampler(2).add([1])).toThrow(/a goal has 2 numbers, got 1/);
  });
});
