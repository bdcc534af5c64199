import { Rng } from '@tfrl/core';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { make } from '../registry';
import { CartPoleEnv } from './cartpole';

interface Case {
  name: string;
  state: number[];
  actions: number[];
  obs: number[][];
  reward: number[];
  terminated: boolean[];
  truncated: boolean[];
  /** Gymnasium's float64 state after each step. */
  state64: number[][];
  finalState: number[];
}

/**
 * NumPy's float64 sin/cos (SIMD) and V8's differ in the last ulp, and the bang-bang "balanced"
 * trajectory amplifies such a difference about 20× per 50 steps (1e-16 at step 0, 4e-6 at 350).
 * So each trajectory is compared free-running for its first FREE_STEPS steps; after that the
 * state is re-synced to Gymnasium's before every step, which still checks every step's dynamics
 * (and the TimeLimit truncation at 500) against Gymnasium.
 */
const FREE_STEPS = 300;

const fixture = JSON.parse(readFileSync(new URL('../../fixtures/cartpole-v1.json', import.meta.url), 'utf8')) as {
  meta: Record<string, string>;
  cases: Case[];
};

describe('CartPole-v1 against Gymnasium', () => {
  it('the fixture comes from Gymnasium and covers termination and truncation', () => {
    expect(fixture.meta.gymnasium).toMatch(/^1\./);
    expect(fixture.cases.some((c) => c.terminated.at(-1))).toBe(true);
    expect(fixture.cases.some((c) => c.truncated.at(-1) && c.actions.length === 500)).toBe(true);
  });

  for (const c of fixture.cases) {
    it(`matches step by step: ${c.name} (${c.actions.length} steps)`, () => {
      const env = make('CartPole-v1');
      env.reset({ seed: 0 });
      (env.unwrapped as CartPoleEnv).state = c.state;
      const cart = env.unwrapped as CartPoleEnv;
      c.actions.forEach((a, t) => {
        if (t >= FREE_STEPS) cart.state = c.state64[t - 1] as number[];
        const r = env.step(a);
        const s64 = c.state64[t] as number[];
        for (let j = 0; j < 4; j++) {
          const tol = t >= FREE_STEPS ? 1e-12 : 1e-5;
          if (Math.abs((cart.state[j] as number) - (s64[j] as number)) > tol) {
            throw new Error(`${c.name}: step ${t} state[${j}] = ${cart.state[j]}, Gymnasium ${s64[j]}`);
          }
        }
        const ref = c.obs[t] as number[];
        for (let j = 0; j < 4; j++) {
          if (Math.abs((r.obs[j] as number) - (ref[j] as number)) > 1e-5) {
            throw new Error(`${c.name}: step ${t} obs[${j}] = ${r.obs[j]}, Gymnasium ${ref[j]}`);
          }
        }
        expect(r.reward).toBe(c.reward[t]);
        expect(r.terminated).toBe(c.terminated[t]);
        expect(r.truncated).toBe(c.truncated[t]);
      });
      const s = (env.unwrapped as CartPoleEnv).state;
      c.finalState.forEach((v, j) => expect(Math.abs((s[j] as number) - v)).toBeLessThan(1e-5));
    });
  }
});

describe('CartPoleEnv', () => {
  it('has Gymnasium spaces and constants', () => {
    const env = new CartPoleEnv();
    expect(String(env.actionSpace)).toBe('Discrete(2)');
    expect(String(env.observationSpace)).toBe('Box([-4.8 -inf -0.41887903 -inf], [4.8 inf 0.41887903 inf], (4,), float32)');
    expect(CartPoleEnv.thetaThresholdRadians).toBeCloseTo(0.20943951, 8);
  });

  it('hand-checked first step from the upright rest state', () => {
    // theta = theta_dot = 0, action 1 (force +10): temp = 10/1.1, thetaacc = -temp / (0.5·(4/3 − 0.1/1.1)),
    // xacc = temp − 0.05·thetaacc/1.1; Euler: only the velocities change in the first step.
    const env = new CartPoleEnv();
    env.reset({ seed: 1 });
    env.state = [0, 0, 0, 0];
    const r = env.step(1);
    const temp = 10 / 1.1;
    const thetaAcc = -temp / (0.5 * (4 / 3 - 0.1 / 1.1));
    const xAcc = temp - (0.05 * thetaAcc) / 1.1;
    expect(r.obs[0]).toBe(0);
    expect(r.obs[1]).toBeCloseTo(0.02 * xAcc, 6);
    expect(r.obs[2]).toBe(0);
    expect(r.obs[3]).toBeCloseTo(0.02 * thetaAcc, 6);
    expect(r.reward).toBe(1);
    expect(env.state).toBeInstanceOf(Float64Array);
    expect(env.state[1]).toBe(0.02 * xAcc);
  });

  it('resets each variable uniformly in ±0.05 from its own Rng', () => {
    const env = new CartPoleEnv();
    const { obs } = env.reset({ seed: 42 });
    const rng = new Rng(42);
    for (let j = 0; j < 4; j++) expect(obs[j]).toBe(Math.fround(rng.uniform(-0.05, 0.05)));
    const wide = env.reset({ seed: 42, options: { low: -0.1, high: 0.1 } }).obs;
    expect(wide[0]).toBeCloseTo(2 * (obs[0] as number), 6);
    expect(() => env.reset({ options: { low: 1, high: 0 } })).toThrow(/low <= high/);
  });

  it('gives the Sutton–Barto reward when asked', () => {
    const env = make('CartPole-v1', { suttonBartoReward: true });
    env.reset({ seed: 0 });
    (env.unwrapped as CartPoleEnv).state = [0, 0, 0.2, 0.5];
    const r = env.step(0);
    expect([r.reward, r.terminated]).toEqual([-1, true]);
  });

  it('refuses invalid actions and steps after termination', () => {
    const env = make('CartPole-v1');
    env.reset({ seed: 0 });
    expect(() => env.step(3)).toThrow('CartPole-v1: action 3 is not in Discrete(2) (3 is outside [0, 1])');
    (env.unwrapped as CartPoleEnv).state = [2.39, 1, 0, 0];
    expect(env.step(1).terminated).toBe(true);
    expect(() => env.step(1)).toThrow(/CartPole-v1: step\(\) called after the episode ended \(terminated\)/);
  });

  it('renders a 600×400 frame with cart, pole, axle and track where Gymnasium draws them', () => {
    const env = new CartPoleEnv();
    env.reset({ seed: 0 });
    env.state = [0, 0, 0, 0];
    const f = env.render();
    expect([f.width, f.height, f.data.length]).toEqual([600, 400, 600 * 400 * 3]);
    const px = (x: number, y: number) => Array.from(f.data.subarray((y * 600 + x) * 3, (y * 600 + x) * 3 + 3));
    expect(px(0, 0)).toEqual([255, 255, 255]);
    expect(px(10, 300)).toEqual([0, 0, 0]); // track line, world y = 100
    expect(px(280, 310)).toEqual([0, 0, 0]); // cart body: x 275..325, rows 285..315
    expect(px(300, 293)).toEqual([129, 132, 203]); // axle
    expect(px(300, 250)).toEqual([202, 152, 101]); // upright pole
    // pole length 2·0.5·125 = 125 px: from world y 102.5 to 227.5 → rows 172.5 … 297.5
    expect(px(300, 180)).toEqual([202, 152, 101]);
    expect(px(300, 165)).toEqual([255, 255, 255]); // just above the pole's top
    env.state = [1, 0, 0.2, 0];
    const g = env.render();
    const gx = (x: number, y: number) => Array.from(g.data.subarray((y * 600 + x) * 3, (y * 600 + x) * 3 + 3));
    // cart centre moves by 1·(600/4.8) = 125 px; a point 80 px up the tilted pole:
    // x = 425 + 80·sin(0.2) = 440.9, world y = 107.5 + 80·cos(0.2) = 185.9 → row 214.1
    expect(gx(440, 214)).toEqual([202, 152, 101]);
    expect(gx(425, 214)).toEqual([255, 255, 255]);
    expect(gx(405, 300)).toEqual([0, 0, 0]);
  });
});
