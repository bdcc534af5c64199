import { Rng } from '@tfrl/core';
import { describe, expect, it } from 'vitest';
import { make } from '../registry';
import { describeGymFixture } from './gym-fixture.testutil';
import { MountainCarEnv } from './mountain-car';
import { MountainCarContinuousEnv } from './mountain-car-continuous';

// Both run free for whole episodes: MountainCar agrees with Gymnasium to ~1e-16 (one ulp of cos),
// MountainCarContinuous bit for bit (its float32 rounding is reproduced, see mccStep).
describeGymFixture('MountainCar-v0', 'mountaincar-v0.json', { continuous: false, kwargNames: { goal_velocity: 'goalVelocity' } });
describeGymFixture('MountainCarContinuous-v0', 'mountaincarcontinuous-v0.json', {
  continuous: true,
  kwargNames: { goal_velocity: 'goalVelocity' },
  tol: 0,
});

describe('MountainCarEnv', () => {
  it('has Gymnasium spaces and registration', () => {
    const env = make('MountainCar-v0');
    expect(String(env.actionSpace)).toBe('Discrete(3)');
    expect(String(env.observationSpace)).toBe('Box([-1.2 -0.07], [0.6 0.07], (2,), float32)');
    expect(env.spec).toMatchObject({ id: 'MountainCar-v0', maxEpisodeSteps: 200, rewardThreshold: -110 });
  });

  it('hand-checked step: v += (a−1)·0.001 − 0.0025·cos(3x), x += v', () => {
    const env = new MountainCarEnv();
    env.reset({ seed: 0 });
    env.state = [-0.5, 0.01];
    const r = env.step(2);
    const v = 0.01 + 0.001 - 0.0025 * Math.cos(-1.5);
    expect(env.state[1]).toBeCloseTo(v, 15);
    expect(env.state[0]).toBeCloseTo(-0.5 + v, 15);
    expect(r.reward).toBe(-1);
  });

  it('stops inelastically at the left wall and terminates at the goal', () => {
    const env = new MountainCarEnv();
    env.reset({ seed: 0 });
    env.state = [-1.19, -0.05];
    env.step(0);
    expect(Array.from(env.state)).toEqual([-1.2, 0]);
    env.state = [0.49, 0.02];
    expect(env.step(1).terminated).toBe(true);
    const slow = new MountainCarEnv({ goalVelocity: 0.05 });
    slow.reset({ seed: 0 });
    slow.state = [0.49, 0.02];
    expect(slow.step(1).terminated).toBe(false);
  });

  it('resets position uniformly in [−0.6, −0.4) with velocity 0 from its Rng, options override', () => {
    const env = new MountainCarEnv();
    const { obs } = env.reset({ seed: 7 });
    expect(obs[0]).toBe(Math.fround(new Rng(7).uniform(-0.6, -0.4)));
    expect(obs[1]).toBe(0);
    const o2 = env.reset({ seed: 7, options: { low: 0.1, high: 0.2 } }).obs;
    expect(o2[0]).toBeGreaterThanOrEqual(0.1);
    expect(() => env.reset({ options: { low: 1, high: 0 } })).toThrow(/low <= high/);
  });

  it('truncates at 200 steps and refuses bad actions', () => {
    const env = make('MountainCar-v0');
    env.reset({ seed: 0 });
    expect(() => env.step(3)).toThrow(/MountainCar-v0: action 3 is not in Discrete\(3\)/);
    let r = env.step(1);
    let n = 1;
    while (!r.truncated && !r.terminated) {
      r = env.step(1);
      n++;
    }
    expect([n, r.truncated, r.terminated]).toEqual([200, true, false]);
  });

  it('renders the valley, the car and the flag on a 600×400 frame', () => {
    const env = new MountainCarEnv();
    env.reset({ seed: 0 });
    env.state = [-0.5236, 0]; // bottom of the valley: height 0.1, car flat-ish
    const f = env.render();
    expect([f.width, f.height]).toEqual([600, 400]);
    const px = (x: number, y: number) => Array.from(f.data.subarray((y * 600 + x) * 3, (y * 600 + x) * 3 + 3));
    expect(px(0, 0)).toEqual([255, 255, 255]);
    // car centre x = (−0.5236 + 1.2)·(600/1.8) = 225.5; body from world y 43.3 to 63.3 → rows ~337..357
    expect(px(225, 345)).toEqual([0, 0, 0]);
    // flag at x = (0.5 + 1.2)·333.3 = 566, yellow triangle near its top
    const flagTop = 400 - (Math.trunc((Math.sin(1.5) * 0.45 + 0.55) * (600 / 1.8)) + 45);
    expect(px(570, flagTop)).toEqual([204, 204, 0]);
  });
});

describe('MountainCarContinuousEnv', () => {
  it('has Gymnasium spaces and registration', () => {
    const env = make('MountainCarContinuous-v0');
    expect(String(env.actionSpace)).toBe('Box(-1.0, 1.0, (1,), float32)');
    expect(String(env.observationSpace)).toBe('Box([-1.2 -0.07], [0.6 0.07], (2,), float32)');
    expect(env.spec).toMatchObject({ maxEpisodeSteps: 999, rewardThreshold: 90 });
  });

  it('rewards −0.1·a² per step and +100 at the goal (x ≥ 0.45)', () => {
    const env = new MountainCarContinuousEnv();
    env.reset({ seed: 0 });
    env.state = [-0.5, 0];
    expect(env.step(Float32Array.of(0.5)).reward).toBeCloseTo(-0.025, 12);
    env.state = [0.44, 0.02];
    const r = env.step(Float32Array.of(1));
    expect(r.terminated).toBe(true);
    expect(r.reward).toBeCloseTo(99.9, 12);
  });

  it('keeps a float32 state, resets in [−0.6, −0.4), clips out-of-range actions (strict: rejects them), rejects NaN', () => {
    const env = make('MountainCarContinuous-v0');
    const { obs } = env.reset({ seed: 3 });
    expect(obs[0]).toBe(Math.fround(new Rng(3).uniform(-0.6, -0.4)));
    env.step(Float32Array.of(0.3));
    const s = (env.unwrapped as MountainCarContinuousEnv).state;
    expect(Array.from(s)).toEqual(Array.from(Float32Array.from(s)));
    // Out of range: the force is clipped as Gymnasium (it used to throw); strict: true throws.
    expect(env.step(Float32Array.of(1.5)).reward).toBe(-(1.5 * 1.5 * 0.1));
    expect(() => env.step(Float32Array.of(Number.NaN))).toThrow(/NaN/);
    const strict = make('MountainCarContinuous-v0', { strict: true });
    strict.reset({ seed: 3 });
    expect(() => strict.step(Float32Array.of(1.5))).toThrow(/MountainCarContinuous-v0: action .* is not in Box/);
  });

  it('handles out-of-range actions as Gymnasium: force = min(max(a, -1), 1), reward −0.1·a² of the unclipped a', () => {
    // Gymnasium 1.0.0 (NumPy 2.4): state [−0.5, 0.01] (float32), float32 actions below →
    // [position, velocity, reward] after each step.
    const gym = [
      [-0.48867684602737427, 0.011323156766593456, -0.225],
      [-0.4791151285171509, 0.009561721235513687, -0.9],
      [-0.46838605403900146, 0.01072908379137516, -100000000000.0],
      [-0.4573191702365875, 0.011066879145801067, -0.025],
      [-0.4452461302280426, 0.012073051184415817, -0.10000002384185934],
    ];
    const env = make('MountainCarContinuous-v0');
    const u = env.unwrapped as MountainCarContinuousEnv;
    env.reset({ seed: 0 });
    u.state = [-0.5, 0.01];
    [1.5, -3.0, 1e6, 0.5, 1.0000001].forEach((a, t) => {
      const r = env.step(Float32Array.of(a));
      expect([...u.state, r.reward]).toEqual(gym[t]);
    });
    expect(() => env.step(Float32Array.of(Number.POSITIVE_INFINITY))).toThrow(
      /MountainCarContinuous-v0: action .*Infinity.* \(element 0 = Infinity is not finite\)/,
    );
    expect(() => env.step([1e39] as unknown as Float32Array)).toThrow(/overflows float32/);
    expect(() => env.step(Float32Array.of(0, 0))).toThrow(/MountainCarContinuous-v0: action .*has length 2/);
    const strict = new MountainCarContinuousEnv({ strict: true });
    strict.reset({ seed: 0 });
    expect(() => strict.step(Float32Array.of(-1.01))).toThrow(/below low -1.0/);
  });

  it('renders a 600×400 frame with the flag at 0.45', () => {
    const env = new MountainCarContinuousEnv();
    env.reset({ seed: 0 });
    const f = env.render();
    expect([f.width, f.height]).toEqual([600, 400]);
    const flagX = Math.trunc((0.45 + 1.2) * (600 / 1.8));
    const flagTop = 400 - (Math.trunc((Math.sin(1.35) * 0.45 + 0.55) * (600 / 1.8)) + 45);
    expect(Array.from(f.data.subarray((flagTop * 600 + flagX + 4) * 3, (flagTop * 600 + flagX + 4) * 3 + 3))).toEqual([204, 204, 0]);
  });
});
