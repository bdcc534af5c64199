import { Rng } from '@tfrl/core';
import { BitFlippingEnv } from '@tfrl/envs';
import { describe, expect, it } from 'vitest';
import { GoalSampler, GoalSamplingWrapper, binaryEntropy } from './goal-sampling';

describe('GoalSampler (the course’s goal sampling)', () => {
  it('binary entropy by hand', () => {
    expect(binaryEntropy(0)).toBe(0);
    expect(binaryEntropy(1)).toBe(0);
    expect(binaryEntropy(0.5)).toBeCloseTo(Math.LN2, 15);
    // −¼ ln ¼ − ¾ ln ¾ = 0.3465736 + 0.2157616
    expect(binaryEntropy(0.25)).toBeCloseTo(0.5623351446, 9);
    expect(() => binaryEntropy(1.5)).toThrow(/p must be in \[0, 1\], got 1.5/);
  });

  it('weights fake goals by exp(α·H(reached/chosen)), α = 3', () => {
    const s = new GoalSampler(1);
    s.add([10]);
    s.add([20]);
    s.add([30]);
    // goal 10: chosen 2, reached 1 (p = ½); goal 20: chosen 4, reached 1 (p = ¼); goal 30: never chosen (p = 0)
    s.record(0, true);
    s.record(0, false);
    for (const r of [true, false, false, false]) s.record(1, r);
    expect([s.successRate(0), s.successRate(1), s.successRate(2)]).toEqual([0.5, 0.25, 0]);
    // exp(3 ln 2) = 8; exp(3 H(¼)) = (4^¼ (4/3)^¾)³ = 5.40328; exp(0) = 1
    const w = [8, 4 ** 0.75 * (4 / 3) ** 2.25, 1];
    expect(w[1]).toBeCloseTo(5.40328, 5);
    const total = w[0] + w[1] + w[2];
    const p = Array.from(s.probabilities());
    expect(p[0]).toBeCloseTo(8 / total, 12);
    expect(p[1]).toBeCloseTo(w[1] / total, 12);
    expect(p[2]).toBeCloseTo(1 / total, 12);
    expect(p[0]).toBeCloseTo(0.55543, 5);
    // α = 0: uniform
    const u = new GoalSampler(1, { alpha: 0 });
    u.add([1]);
    u.add([2]);
    u.record(0, true);
    expect(Array.from(u.probabilities())).toEqual([0.5, 0.5]);
  });

  it('is a FIFO of distinct goals that drops the oldest goal with its counts', () => {
    const s = new GoalSampler(2, { capacity: 3 });
    expect(s.add([0, 1])).toBe(true);
    expect(s.add([0, 2])).toBe(true);
    expect(s.add([0, 1])).toBe(false);
    expect(s.add([0, 3])).toBe(true);
    s.record(0, true);
    s.record(1, true);
    expect(s.add([0, 4])).toBe(true);
    expect(s.goals.map((g) => Array.from(g))).toEqual([
      [0, 2],
      [0, 3],
      [0, 4],
    ]);
    expect([s.chosen, s.reached]).toEqual([
      [1, 0, 0],
      [1, 0, 0],
    ]);
    expect(() => s.add([1])).toThrow(/a goal has 2 numbers, got 1/);
    expect(() => s.record(3, true)).toThrow(/no fake goal 3 \(3 stored\)/);
  });

  it('draws a fake goal with probability β, decayed by betaDecay before each draw', () => {
    const s = new GoalSampler(1, { beta: 0.9, betaDecay: 0.99 });
    const rng = new Rng(0);
    // No fake goal yet: the true goal (β still decays).
    expect(s.draw(rng, [7])).toEqual({ goal: Float32Array.of(7), index: -1 });
    s.draw(rng, [7]);
    s.draw(rng, [7]);
    expect(s.beta).toBeCloseTo(0.9 * 0.99 ** 3, 15); // 0.8732691
    expect(s.beta).toBeCloseTo(0.8732691, 7);

    const c = new GoalSampler(1, { beta: 0.9 });
    c.add([1]);
    c.add([2]);
    c.add([3]);
    c.record(0, true); // p = 1: weight 1
    c.record(1, true);
    c.record(1, false); // p = ½: weight 8
    const p = Array.from(c.probabilities()); // [1, 8, 1] / 10
    expect(p.map((x) => Math.round(x * 10) / 10)).toEqual([0.1, 0.8, 0.1]);
    const counts = [0, 0, 0, 0]; // true, 1, 2, 3
    const n = 20_000;
    for (let i = 0; i < n; i++) counts[c.draw(rng, [9]).index + 1]++;
    expect(c.beta).toBe(0.9);
    expect(counts[0] / n).toBeCloseTo(0.1, 1);
    expect(Math.abs((counts[0] as number) / n - 0.1)).toBeLessThan(0.01);
    for (let i = 0; i < 3; i++) expect(Math.abs((counts[i + 1] as number) / n - 0.9 * (p[i] as number))).toBeLessThan(0.012);
  });

  it('names bad options', () => {
    expect(() => new GoalSampler(1, { beta: 2 })).toThrow(/beta must be a number in \[0, 1\], got 2/);
    expect(() => new GoalSampler(1, { capacity: 0 })).toThrow(/capacity must be a positive integer, got 0/);
    expect(() => new GoalSampler(1, { feedUnit: 'epoch' as never })).toThrow(/feedUnit must be 'step' or 'episode'/);
  });
});

describe('GoalSamplingWrapper', () => {
  it('trains on the drawn goal: desired goal, reward, termination and counts follow it', () => {
    const sampler = new GoalSampler(3, { beta: 1, feedEvery: 2 });
    sampler.add([1, 1, 0]);
    const env = new GoalSamplingWrapper(new BitFlippingEnv({ nBits: 3, maxSteps: 5 }), { sampler });
    const r = env.reset({ seed: 0, options: { state: [0, 0, 0], goal: [1, 1, 1] } });
    expect(Array.from(r.obs.desired_goal)).toEqual([1, 1, 0]);
    expect(r.info.goal_index).toBe(0);
    // flip bit 0: [1, 0, 0] is neither goal: −1, fed into the list after 2 steps
    let s = env.step(0);
    expect([s.reward, s.terminated, s.info.is_success]).toEqual([-1, false, false]);
    expect(Array.from(s.obs.desired_goal)).toEqual([1, 1, 0]);
    // flip bit 1: [1, 1, 0] reaches the fake goal (not the env's [1, 1, 1]): reward 0, the episode ends
    s = env.step(1);
    expect([s.reward, s.terminated, s.truncated, s.info.is_success, s.info.true_goal_success]).toEqual([0, true, false, true, false]);
    expect([sampler.chosen[0], sampler.reached[0]]).toEqual([1, 1]);
    expect(sampler.goals.map((g) => Array.from(g))).toEqual([[1, 1, 0]]); // the achieved [1, 1, 0] was already there

    // β = 0: the true goal, the env's own rewards; a time limit counts a fake goal as not reached
    sampler.beta = 0;
    const t = env.reset({ options: { state: [0, 0, 0], goal: [1, 1, 1] } });
    expect([Array.from(t.obs.desired_goal), t.info.goal_index]).toEqual([[1, 1, 1], -1]);
    s = env.step(0); // [1, 0, 0]; 3rd step overall: no feed
    s = env.step(1); // [1, 1, 0]: not the true goal
    expect([s.reward, s.terminated]).toEqual([-1, false]);
    expect(sampler.goals.length).toBe(1);
    s = env.step(2); // [1, 1, 1]: the true goal; 5th step
    expect([s.reward, s.terminated, s.info.is_success]).toEqual([0, true, true]);
    sampler.beta = 1;
    env.reset({ options: { state: [0, 0, 0], goal: [1, 1, 1] } });
    s = env.step(2); // 6th step: [0, 0, 1] fed
    expect(sampler.goals.map((g) => Array.from(g))).toEqual([
      [1, 1, 0],
      [0, 0, 1],
    ]);
    for (let i = 0; i < 4; i++) s = env.step(2);
    expect([s.truncated, s.terminated]).toEqual([true, false]);
    expect([sampler.chosen[0], sampler.reached[0]]).toEqual([2, 1]);
  });
});
