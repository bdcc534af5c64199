import { describe, expect, it } from 'vitest';
import { make } from '../registry';
import { type BitFlippingObs, BitFlippingEnv } from './bit-flipping';

describe('BitFlipping-v0', () => {
  it('has HER-style spaces and defaults (n = 10, max steps n)', () => {
    const env = make('BitFlipping-v0');
    const u = env.unwrapped as BitFlippingEnv;
    expect([u.nBits, u.maxSteps, u.goalDim]).toEqual([10, 10, 10]);
    expect(String(env.actionSpace)).toBe('Discrete(10)');
    const { obs } = env.reset({ seed: 0 });
    expect(env.observationSpace.contains(obs)).toBe(true);
  });

  it('flipping the differing bits reaches the goal: −1 per step, 0 and terminated at the goal', () => {
    const env = new BitFlippingEnv({ nBits: 5 });
    const { obs } = env.reset({ seed: 0, options: { state: [0, 1, 0, 0, 1], goal: [1, 1, 0, 1, 1] } });
    expect(Array.from(obs.desired_goal)).toEqual([1, 1, 0, 1, 1]);
    const r1 = env.step(0);
    expect([r1.reward, r1.terminated, r1.truncated]).toEqual([-1, false, false]);
    expect(Array.from(r1.obs.observation)).toEqual([1, 1, 0, 0, 1]);
    expect(r1.obs.achieved_goal).toEqual(r1.obs.observation);
    const r2 = env.step(3);
    expect([r2.reward, r2.terminated, r2.info.is_success]).toEqual([0, true, true]);
    expect(() => env.step(0)).toThrow(/reset/);
  });

  it('truncates after maxSteps without success', () => {
    const env = make('BitFlipping-v0', { nBits: 4 });
    env.reset({ seed: 1, options: { state: [0, 0, 0, 0], goal: [1, 1, 1, 1] } });
    const rs = [0, 0, 0, 0].map((a) => env.step(a));
    expect(rs.map((r) => r.reward)).toEqual([-1, -1, -1, -1]);
    expect(rs.map((r) => r.truncated)).toEqual([false, false, false, true]);
    expect(rs.every((r) => !r.terminated)).toBe(true);
  });

  it('random state and goal (HER paper) vs a fixed all-ones goal (SB3)', () => {
    const env = new BitFlippingEnv({ nBits: 8 });
    const goals = new Set<string>();
    env.reset({ seed: 2 });
    let ones = 0;
    for (let i = 0; i < 200; i++) {
      const o = env.reset().obs as BitFlippingObs;
      goals.add(o.desired_goal.join(''));
      ones += o.observation.reduce((a, b) => a + b, 0);
    }
    expect(goals.size).toBeGreaterThan(100);
    expect(ones / (200 * 8)).toBeGreaterThan(0.4);
    expect(ones / (200 * 8)).toBeLessThan(0.6);
    const fixed = new BitFlippingEnv({ nBits: 8, fixedGoal: true });
    for (let s = 0; s < 5; s++) expect(Array.from(fixed.reset({ seed: s }).obs.desired_goal)).toEqual([1, 1, 1, 1, 1, 1, 1, 1]);
  });

  it('computeReward is vectorised over rows and agrees with step rewards', () => {
    const env = new BitFlippingEnv({ nBits: 3 });
    const achieved = Float32Array.of(1, 0, 1, 0, 0, 0, 1, 1, 1);
    const desired = Float32Array.of(1, 0, 1, 0, 0, 1, 1, 1, 1);
    expect(Array.from(env.computeReward(achieved, desired, {}))).toEqual([0, -1, 0]);
    expect(() => env.computeReward([1, 0], [1, 0])).toThrow(/multiple of 3/);
    env.reset({ seed: 5 });
    for (let t = 0; t < 3; t++) {
      const r = env.step(t);
      expect(r.reward).toBe(env.computeReward(r.obs.achieved_goal, r.obs.desired_goal)[0]);
      if (r.terminated || r.truncated) break;
    }
  });

  it('errors and rendering', () => {
    expect(() => new BitFlippingEnv({ nBits: 0 })).toThrow(/nBits must be a positive integer/);
    const env = make('BitFlipping-v0', { nBits: 6 });
    env.reset({ seed: 0 });
    expect(() => env.step(6)).toThrow(/BitFlipping-v0.*6/);
    expect(() => env.reset({ options: { goal: [1, 2] } })).toThrow(/options.goal must be 6 zeros and ones/);
    const u = env.unwrapped as BitFlippingEnv;
    u.reset({ seed: 0, options: { state: [1, 0, 0, 0, 0, 0], goal: [0, 0, 0, 0, 0, 1] } });
    const f = u.render();
    expect([f.width, f.height]).toEqual([6 * 24, 48]);
    expect(Array.from(f.data.slice((12 * f.width + 12) * 3, (12 * f.width + 12) * 3 + 3))).toEqual([0, 0, 0]);
    expect(Array.from(f.data.slice((36 * f.width + 5 * 24 + 12) * 3, (36 * f.width + 5 * 24 + 12) * 3 + 3))).toEqual([0, 160, 0]);
  });

  it('continuous variant (SB3): a Box(−1, 1, (n,)) action flips every bit whose component is > 0', () => {
    const env = make('BitFlipping-v0', { nBits: 4, continuous: true });
    expect(String(env.actionSpace)).toMatch(/^Box\(-1\.0, 1\.0, \(4,\)/);
    env.reset({ seed: 0, options: { state: [0, 0, 1, 1], goal: [1, 0, 0, 1] } });
    const r = env.step(Float32Array.of(0.5, -0.5, 0.1, 0));
    expect(Array.from((r.obs as BitFlippingObs).observation)).toEqual([1, 0, 0, 1]);
    expect(r.reward).toBe(0);
    expect(r.terminated).toBe(true);
    env.reset({ seed: 1 });
    expect(() => env.step(Float32Array.of(2, 0, 0, 0))).toThrow(/Box/);
  });
});
