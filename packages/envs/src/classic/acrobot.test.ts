import { Rng } from '@tfrl/core';
import { describe, expect, it } from 'vitest';
import { make } from '../registry';
import { AcrobotEnv } from './acrobot';
import { describeGymFixture } from './gym-fixture.testutil';

/**
 * Runs free for whole episodes (up to the 500-step truncation). NumPy's and V8's sin/cos differ in
 * the last ulp; through RK4 the largest state difference in these fixtures is ~1e-13, far inside
 * 1e-5, so no re-syncing to Gymnasium's state is needed (unlike CartPole's balanced trajectory).
 */
describeGymFixture('Acrobot-v1', 'acrobot-v1.json', { continuous: false });

describe('AcrobotEnv', () => {
  it('has Gymnasium spaces and registration', () => {
    const env = make('Acrobot-v1');
    expect(String(env.actionSpace)).toBe('Discrete(3)');
    expect(String(env.observationSpace)).toBe(
      'Box([-1.0 -1.0 -1.0 -1.0 -12.566371 -28.274334], [1.0 1.0 1.0 1.0 12.566371 28.274334], (6,), float32)',
    );
    expect(env.spec).toMatchObject({ maxEpisodeSteps: 500, rewardThreshold: -100, kwargs: { bookOrNips: 'book' } });
  });

  it('stays at rest hanging down without torque; the book and nips dynamics differ', () => {
    const env = new AcrobotEnv();
    env.reset({ seed: 0 });
    env.state = [0, 0, 0, 0];
    const r = env.step(1);
    // cos(θ1 − π/2) is 6e-17, not 0, in float64 (in Gymnasium too), so the rest drifts by ~1e-17.
    for (const v of env.state) expect(Math.abs(v)).toBeLessThan(1e-15);
    r.obs.forEach((v, j) => expect(v).toBeCloseTo([1, 0, 1, 0, 0, 0][j] as number, 12));
    expect(r.reward).toBe(-1);
    const nips = make('Acrobot-v1', { bookOrNips: 'nips' }).unwrapped as AcrobotEnv;
    nips.reset({ seed: 0 });
    env.state = [0.3, 0.2, 1, -1];
    nips.state = [0.3, 0.2, 1, -1];
    env.step(2);
    nips.step(2);
    expect(Math.abs((env.state[3] as number) - (nips.state[3] as number))).toBeGreaterThan(1e-3);
    expect(() => make('Acrobot-v1', { bookOrNips: 'paper' })).toThrow(/bookOrNips/);
  });

  it('terminates with reward 0 when the tip is above the line; wraps angles and clips velocities', () => {
    const env = new AcrobotEnv();
    env.reset({ seed: 0 });
    env.state = [Math.PI - 0.01, 0, 0, 0];
    const r = env.step(1);
    expect([r.terminated, r.reward]).toEqual([true, 0]);
    env.reset({ seed: 0 });
    env.state = [3.1, 0, 4 * Math.PI, 9 * Math.PI];
    env.step(1);
    const s = env.state;
    expect(Math.abs(s[0] as number)).toBeLessThanOrEqual(Math.PI);
    expect(Math.abs(s[2] as number)).toBeLessThanOrEqual(4 * Math.PI);
    expect(Math.abs(s[3] as number)).toBeLessThanOrEqual(9 * Math.PI);
  });

  it('resets each variable uniformly in ±0.1 as float32 from its Rng', () => {
    const env = new AcrobotEnv();
    env.reset({ seed: 5 });
    const rng = new Rng(5);
    expect(Array.from(env.state)).toEqual([0, 1, 2, 3].map(() => Math.fround(rng.uniform(-0.1, 0.1))));
    env.reset({ seed: 5, options: { low: 0.5, high: 0.6 } });
    expect(env.state[0]).toBeGreaterThanOrEqual(0.5);
  });

  it('renders a 500×500 frame: target line, links, joints', () => {
    const env = new AcrobotEnv();
    env.reset({ seed: 0 });
    env.state = [0, 0, 0, 0]; // hanging straight down
    const f = env.render();
    expect([f.width, f.height]).toEqual([500, 500]);
    const px = (x: number, y: number) => Array.from(f.data.subarray((y * 500 + x) * 3, (y * 500 + x) * 3 + 3));
    const scale = 500 / 4.4;
    expect(px(10, Math.round(500 - (scale + 250)))).toEqual([0, 0, 0]); // target line at height 1
    expect(px(250, 250 + 50)).toEqual([0, 204, 204]); // first link below the pivot
    expect(px(250, 250 + 180)).toEqual([0, 204, 204]); // second link
    expect(px(250, 249)).toEqual([204, 204, 0]); // pivot joint
    expect(px(300, 300)).toEqual([255, 255, 255]);
  });
});
