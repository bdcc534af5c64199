import { Rng } from '@tfrl/core';
import { describe, expect, it } from 'vitest';
import { make } from '../registry';
import { describeGymFixture } from './gym-fixture.testutil';
import { PendulumEnv, angleNormalize } from './pendulum';

// Runs free for the whole 200 steps; the state agrees with Gymnasium to ~4e-16 (last ulp of sin).
describeGymFixture('Pendulum-v1', 'pendulum-v1.json', { continuous: true });

describe('PendulumEnv', () => {
  it('has Gymnasium spaces, registration and the g kwarg', () => {
    const env = make('Pendulum-v1');
    expect(String(env.actionSpace)).toBe('Box(-2.0, 2.0, (1,), float32)');
    expect(String(env.observationSpace)).toBe('Box([-1.0 -1.0 -8.0], [1.0 1.0 8.0], (3,), float32)');
    expect(env.spec).toMatchObject({ maxEpisodeSteps: 200, kwargs: { g: 10 } });
    expect((make('Pendulum-v1', { g: 9.81 }).unwrapped as PendulumEnv).g).toBe(9.81);
    expect(() => make('Pendulum-v1', { gravity: 1 })).toThrow(/no kwarg 'gravity'/);
  });

  it('normalises angles with a floored modulo as Python', () => {
    expect(angleNormalize(0)).toBe(0);
    expect(angleNormalize((3 * Math.PI) / 2)).toBeCloseTo(-Math.PI / 2, 12);
    expect(angleNormalize((-3 * Math.PI) / 2)).toBeCloseTo(Math.PI / 2, 12);
    expect(angleNormalize(-7)).toBeCloseTo(-7 + 2 * Math.PI, 12);
  });

  it('hand-checked step: cost, semi-implicit Euler, speed clip', () => {
    const env = new PendulumEnv();
    env.reset({ seed: 0 });
    env.state = [1, 2];
    const r = env.step(Float32Array.of(0.5));
    const cost = 1 + 0.1 * 4 + Math.fround(Math.fround(0.001) * 0.25);
    expect(r.reward).toBe(-cost);
    const thdot = 2 + (15 * Math.sin(1) + 1.5) * 0.05;
    expect(env.state[1]).toBeCloseTo(thdot, 14);
    expect(env.state[0]).toBeCloseTo(1 + thdot * 0.05, 14);
    expect(r.obs[0]).toBe(Math.fround(Math.cos(env.state[0] as number)));
    env.state = [0, 7.99];
    env.step(Float32Array.of(2));
    expect(env.state[1]).toBe(8);
  });

  it('resets θ in [−π, π) and θ̇ in [−1, 1), x_init/y_init override, never terminates, truncates at 200', () => {
    const env = make('Pendulum-v1');
    const { obs } = env.reset({ seed: 11 });
    const rng = new Rng(11);
    const th = rng.uniform(-Math.PI, Math.PI);
    expect(obs[0]).toBe(Math.fround(Math.cos(th)));
    expect(obs[2]).toBe(Math.fround(rng.uniform(-1, 1)));
    const o = env.reset({ seed: 11, options: { x_init: 0.1, y_init: 0 } }).obs;
    expect(o[0]).toBeGreaterThan(Math.cos(0.1));
    expect(o[2]).toBe(0);
    let n = 0;
    let r = env.step(Float32Array.of(0));
    for (n = 1; !r.truncated; n++) {
      expect(r.terminated).toBe(false);
      r = env.step(Float32Array.of(0));
    }
    expect(n).toBe(200);
    env.reset();
    // Out of range: clipped to ±2 as Gymnasium (it used to throw); strict: true throws.
    const s0 = (env.unwrapped as PendulumEnv).state;
    const big = env.step(Float32Array.of(2.5));
    (env.unwrapped as PendulumEnv).state = s0;
    const two = env.step(Float32Array.of(2));
    expect(Array.from(big.obs)).toEqual(Array.from(two.obs));
    expect(big.reward).toBe(two.reward);
    const strict = make('Pendulum-v1', { strict: true });
    strict.reset({ seed: 0 });
    expect(() => strict.step(Float32Array.of(2.5))).toThrow(/Pendulum-v1: action .* is not in Box\(-2.0, 2.0/);
  });

  it('clips out-of-range torques as Gymnasium (np.clip(u, -max_torque, max_torque)); NaN, ±Infinity, bad shapes and strict raise', () => {
    // Gymnasium 1.0.0 (NumPy 2.4): state [1, 2], float32 actions 2.5, -7, 1 →
    // [state θ, θ̇, reward, obs...] after each step.
    const gym = [
      [1.146555161930296, 2.9311032386059224, -1.4040000001899897, 0.4116293489933014, 0.9113513827323914, 2.931103229522705],
      [1.3122859996400247, 3.31461675419457, -2.17772535907561, 0.2556406557559967, 0.9667719006538391, 3.3146166801452637],
      [1.5217707825362556, 4.189695657924618, -2.821762967617452, 0.0490059070289135, 0.9987984895706177, 4.189695835113525],
    ];
    const env = make('Pendulum-v1');
    const u = env.unwrapped as PendulumEnv;
    env.reset({ seed: 0 });
    u.state = [1, 2];
    [2.5, -7, 1].forEach((a, t) => {
      const r = env.step(Float32Array.of(a));
      expect([...u.state, r.reward, ...r.obs]).toEqual(gym[t]);
    });
    expect(u.lastTorque).toBe(1);
    env.step(Float32Array.of(-1e30));
    expect(u.lastTorque).toBe(-2);
    expect(() => env.step(Float32Array.of(Number.NaN))).toThrow(
      'Pendulum-v1: action Float32Array [NaN] is not in Box(-2.0, 2.0, (1,), float32) (contains NaN at index 0)',
    );
    expect(() => env.step(Float32Array.of(Number.NEGATIVE_INFINITY))).toThrow(/Pendulum-v1: action .*-Infinity.*is not finite/);
    expect(() => env.step(Float32Array.of(3, 0))).toThrow(/Pendulum-v1: action .*has length 2 but the space needs 1/);
    expect(() => env.step(3 as unknown as Float32Array)).toThrow(/Pendulum-v1: action 3 is not in Box/);
    const strict = new PendulumEnv({ strict: true });
    strict.reset({ seed: 0 });
    expect(() => strict.step(Float32Array.of(-2.5))).toThrow(/PendulumEnv: action .* is not in Box.*below low -2.0/);
    expect(strict.step(Float32Array.of(-2)).obs).toHaveLength(3);
    expect(() => new PendulumEnv({ strict: 1 as unknown as boolean })).toThrow('Pendulum-v1: strict must be a boolean, got 1');
  });

  it('renders the rod from the centre of a 500×500 frame', () => {
    const env = new PendulumEnv();
    env.reset({ seed: 0 });
    env.state = [0, 0]; // upright
    const f = env.render();
    expect([f.width, f.height]).toEqual([500, 500]);
    const px = (x: number, y: number) => Array.from(f.data.subarray((y * 500 + x) * 3, (y * 500 + x) * 3 + 3));
    expect(px(250, 249)).toEqual([0, 0, 0]); // pivot
    expect(px(250, 180)).toEqual([204, 77, 77]); // rod above the pivot (length 113.6 px)
    expect(px(250, 320)).toEqual([255, 255, 255]);
    env.state = [Math.PI / 2, 0]; // θ = π/2: rod points left
    const g = env.render();
    expect(Array.from(g.data.subarray((250 * 500 + 180) * 3, (250 * 500 + 180) * 3 + 3))).toEqual([204, 77, 77]);
  });
});
