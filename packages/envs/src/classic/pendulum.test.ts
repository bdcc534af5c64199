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
    expect(() => env.step(Float32Array.of(2.5))).toThrow(/Pendulum-v1: action .* is not in Box\(-2.0, 2.0/);
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
