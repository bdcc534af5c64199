import { type Env, Rng } from '@tfrl/core';
import { describe, expect, it } from 'vitest';
import { checkEnv } from '../checker';
import { make } from '../registry';
import { type PointMassGoalObs, PointMassGoalEnv, type PointMassWalls } from './point-mass';

const f = Math.fround;
const xy = (o: PointMassGoalObs) => Array.from(o.achieved_goal);

describe('PointMassGoal-v0', () => {
  it('registers with a TimeLimit of 50 and HER-style spaces', () => {
    const env = make('PointMassGoal-v0');
    expect(env.spec).toMatchObject({
      id: 'PointMassGoal-v0',
      maxEpisodeSteps: 50,
      kwargs: { walls: 'none', rewardType: 'sparse', distanceThreshold: 0.1, fixedGoal: false, continueOnSuccess: true },
    });
    expect(String(env.actionSpace)).toMatch(/^Box\(-1\.0, 1\.0, \(2,\)/);
    const u = env.unwrapped as PointMassGoalEnv;
    expect(u.goalDim).toBe(2);
    const { obs, info } = env.reset({ seed: 0 });
    expect(env.observationSpace.contains(obs)).toBe(true);
    expect(obs.observation).toBeInstanceOf(Float32Array);
    expect(Array.from(obs.observation.slice(2))).toEqual([0, 0]);
    expect(obs.achieved_goal).toEqual(obs.observation.slice(0, 2));
    expect(typeof info.is_success).toBe('boolean');
    let r = env.step(Float32Array.of(0, 0));
    let n = 1;
    while (!r.truncated) {
      expect(r.terminated).toBe(false);
      r = env.step(Float32Array.of(0, 0));
      n++;
    }
    expect(n).toBe(50);
  });

  for (const walls of ['none', 'wall', 'u-maze'] as PointMassWalls[]) {
    it(`checkEnv passes with walls: '${walls}'`, () => {
      const report = checkEnv(make('PointMassGoal-v0', { walls }), { warn: false, steps: 120 });
      expect(report.warnings).toEqual([]);
      expect(report.passed).toEqual(
        expect.arrayContaining(['api', 'spaces', 'reset', 'seeds', 'reset-determinism', 'step', 'step-determinism', 'goal-reward']),
      );
      expect(report.passed).toContain('step-after-end');
      expect(report.passed).toContain('render');
    });
  }

  it('checkEnv passes with dense rewards and termination on success', () => {
    const report = checkEnv(make('PointMassGoal-v0', { rewardType: 'dense', continueOnSuccess: false, distanceThreshold: 0.3 }), {
      warn: false,
      steps: 120,
    });
    expect(report.warnings).toEqual([]);
    expect(report.passed).toContain('goal-reward');
  });

  it('computeReward is vectorised over rows of 2: sparse 0/−1 and dense −distance', () => {
    // distances 0.05, 0.5, √8
    const achieved = Float32Array.of(0, 0, 0.2, 0.1, 1, 1);
    const desired = Float32Array.of(0.03, 0.04, 0.5, 0.5, -1, -1);
    const d = [0.05, 0.5, Math.sqrt(8)];
    const sparse = new PointMassGoalEnv();
    expect(Array.from(sparse.computeReward(achieved, desired, {}))).toEqual([0, -1, -1]);
    expect(Array.from(new PointMassGoalEnv({ distanceThreshold: 0.6 }).computeReward(achieved, desired, [{}, {}, {}]))).toEqual([0, 0, -1]);
    const dense = Array.from(new PointMassGoalEnv({ rewardType: 'dense' }).computeReward(achieved, desired));
    dense.forEach((r, i) => expect(r).toBeCloseTo(-(d[i] as number), 6));
    expect(sparse.computeReward([], [])).toHaveLength(0);
    expect(() => sparse.computeReward([0, 0, 1], [0, 0, 1])).toThrow(
      'computeReward needs achieved and desired of equal length, a multiple of 2 (rows of 2 numbers x, y); got 3 and 3',
    );
    expect(() => sparse.computeReward([0, 0], [0, 0, 1, 1])).toThrow(/equal length.*got 2 and 4/);
  });

  it('one step by hand: v ← 0.9·v + 0.2·a, |v| ≤ 1, p ← p + 0.1·v; actions are clipped into [−1, 1]', () => {
    const env = make('PointMassGoal-v0');
    env.reset({ seed: 0, options: { state: [0.2, -0.3, 0.5, 0], goal: [0.8, 0.8] } });
    const r = env.step(Float32Array.of(1, -1));
    // v = (0.45 + 0.2, 0 − 0.2) = (0.65, −0.2); p = (0.2 + 0.065, −0.3 − 0.02)
    const o = Array.from(r.obs.observation);
    [0.265, -0.32, 0.65, -0.2].forEach((v, i) => expect(o[i]).toBeCloseTo(v, 6));
    expect(r.reward).toBe(-1);
    expect(r.info.is_success).toBe(false);
    // an out-of-range action acts as its clipped value (Gymnasium-Robotics' np.clip)
    env.reset({ options: { state: [0.2, -0.3, 0.5, 0], goal: [0.8, 0.8] } });
    expect(Array.from(env.step(Float32Array.of(3, -7)).obs.observation)).toEqual(o);
    // the speed is capped at 1: v = (1.1, 0.2) / |(1.1, 0.2)|
    env.reset({ options: { state: [0, 0, 1, 0], goal: [0.8, 0.8] } });
    const c = Array.from(env.step(Float32Array.of(1, 1)).obs.observation);
    const s = Math.hypot(1.1, 0.2);
    [0.11 / s, 0.02 / s, 1.1 / s, 0.2 / s].forEach((v, i) => expect(c[i]).toBeCloseTo(v, 6));
    // strict: out-of-range actions throw; NaN always does
    const strict = make('PointMassGoal-v0', { strict: true });
    strict.reset({ seed: 0 });
    expect(() => strict.step(Float32Array.of(1.5, 0))).toThrow(/PointMassGoal-v0: action .* is not in Box/);
    expect(() => env.step(Float32Array.of(Number.NaN, 0))).toThrow(/PointMassGoal-v0/);
  });

  it("the arena's edges stop the mass and zero that velocity component", () => {
    const env = make('PointMassGoal-v0');
    env.reset({ seed: 0, options: { state: [0.95, 0, 0.6, 0.3], goal: [-0.5, -0.5] } });
    const r = env.step(Float32Array.of(1, 0));
    expect(r.obs.observation[0]).toBe(1);
    expect(r.obs.observation[2]).toBe(0);
    expect(r.obs.observation[3]).toBeCloseTo(0.27, 6); // v = (0.74, 0.27) before the edge
    expect(r.obs.observation[1]).toBeCloseTo(0.027, 6);
  });

  it("walls: 'wall' blocks a mass driven into it, which then slides along it and round its top", () => {
    const env = make('PointMassGoal-v0', { walls: 'wall' });
    env.reset({ seed: 0, options: { state: [-0.3, -0.5], goal: [0.5, -0.5] } });
    for (let t = 0; t < 20; t++) {
      const o = env.step(Float32Array.of(1, 0)).obs.observation;
      expect(o[0]).toBeLessThanOrEqual(f(-0.05));
    }
    let o = env.step(Float32Array.of(1, 0)).obs.observation;
    expect([o[0], o[1], o[2]]).toEqual([f(-0.05), f(-0.5), 0]);
    // pushing right and up: x stays on the wall's face while y climbs, then the mass passes its top
    let passed = false;
    for (let t = 0; t < 40 && !passed; t++) {
      o = env.step(Float32Array.of(1, 1)).obs.observation;
      if ((o[1] as number) <= 0.5) {
        expect(o[0]).toBe(f(-0.05));
        expect(o[2]).toBe(0);
      }
      passed = (o[0] as number) > 0.05;
    }
    expect(passed).toBe(true);
    expect(o[1]).toBeGreaterThan(0.5);
    // a mass sliding along the bottom edge cannot pass under the wall attached to it
    env.reset({ options: { state: [-0.3, -1], goal: [0.5, -0.5] } });
    for (let t = 0; t < 30; t++) o = env.step(Float32Array.of(1, -1)).obs.observation;
    expect([o[0], o[1]]).toEqual([f(-0.05), -1]);
  });

  it("walls: 'u-maze' keeps a mass inside the cup from going straight down to a goal below it", () => {
    const env = make('PointMassGoal-v0', { walls: 'u-maze' });
    env.reset({ seed: 0, options: { state: [0, 0], goal: [0, -0.8] } });
    let r = env.step(Float32Array.of(0, -1));
    for (let t = 0; t < 30; t++) r = env.step(Float32Array.of(0.3, -1));
    const o = r.obs.observation;
    expect(o[1]).toBe(f(-0.5)); // resting on the cup's bottom
    expect(o[0]).toBe(f(0.5)); // and pushed into its right arm
    expect([o[2], o[3]]).toEqual([0, 0]);
    expect(r.info.is_success).toBe(false);
  });

  it('reaching the goal gives reward 0 and is_success; continueOnSuccess: false terminates', () => {
    for (const continueOnSuccess of [true, false]) {
      const env = make('PointMassGoal-v0', { continueOnSuccess });
      const reset = env.reset({ seed: 0, options: { state: [0, 0], goal: [0.3, 0] } });
      expect(reset.info.is_success).toBe(false);
      // x: 0.02, 0.058, 0.1122, 0.18098, 0.262882 (within 0.1 of 0.3 at step 5)
      const rs = [1, 2, 3, 4, 5].map(() => env.step(Float32Array.of(1, 0)));
      expect(rs.map((r) => r.reward)).toEqual([-1, -1, -1, -1, 0]);
      expect(rs.map((r) => r.info.is_success)).toEqual([false, false, false, false, true]);
      expect(rs[4]?.obs.observation[0]).toBeCloseTo(0.262882, 6);
      expect(rs.map((r) => r.terminated)).toEqual([false, false, false, false, !continueOnSuccess]);
      if (continueOnSuccess) expect(env.step(Float32Array.of(0, 0)).info.is_success).toBe(true);
      else expect(() => env.step(Float32Array.of(0, 0))).toThrow(/after the episode ended \(terminated\)/);
    }
    // dense: the reward is −distance; a reset on the goal reports success
    const dense = make('PointMassGoal-v0', { rewardType: 'dense' });
    expect(dense.reset({ seed: 0, options: { state: [0.25, 0], goal: [0.3, 0] } }).info.is_success).toBe(true);
    const r = dense.step(Float32Array.of(0, 0));
    expect(r.reward).toBeCloseTo(-0.05, 6);
    expect(r.info.is_success).toBe(true);
  });

  it('the same seed gives the same episode; goals and starts are free and apart; fixedGoal is (0.8, 0.8)', () => {
    const run = (seed: number) => {
      const env: Env<PointMassGoalObs, Float32Array> = make('PointMassGoal-v0', { walls: 'u-maze' });
      const actions = new Rng(99);
      const out: number[][] = [];
      const { obs } = env.reset({ seed });
      out.push([...obs.observation, ...obs.desired_goal]);
      for (let t = 0; t < 50; t++) {
        const r = env.step(env.actionSpace.sample(actions));
        out.push([...r.obs.observation, r.reward, Number(r.info.is_success)]);
        if (r.truncated) break;
      }
      return out;
    };
    expect(run(3)).toEqual(run(3));
    expect(run(3)[0]).not.toEqual(run(4)[0]);

    const env = new PointMassGoalEnv({ walls: 'u-maze' });
    env.reset({ seed: 1 });
    for (let i = 0; i < 300; i++) {
      const { obs } = env.reset();
      const [x, y] = xy(obs) as [number, number];
      const [gx, gy] = Array.from(obs.desired_goal) as [number, number];
      expect(env.insideWall(x, y) || env.insideWall(gx, gy)).toBe(false);
      expect(Math.hypot(x - gx, y - gy)).toBeGreaterThanOrEqual(0.2);
    }
    const fixed = new PointMassGoalEnv({ fixedGoal: true, walls: 'wall' });
    for (let s = 0; s < 5; s++) {
      const { obs } = fixed.reset({ seed: s });
      expect(Array.from(obs.desired_goal)).toEqual([f(0.8), f(0.8)]);
      expect(Math.hypot((obs.achieved_goal[0] as number) - 0.8, (obs.achieved_goal[1] as number) - 0.8)).toBeGreaterThanOrEqual(0.2);
    }
  });

  it('bad options and bad reset options throw errors naming the problem', () => {
    expect(() => new PointMassGoalEnv({ walls: 'maze' as never })).toThrow(
      `PointMassGoal-v0: walls must be one of 'none', 'wall', 'u-maze', got "maze"`,
    );
    expect(() => make('PointMassGoal-v0', { rewardType: 'shaped' })).toThrow(/rewardType must be 'sparse' or 'dense', got "shaped"/);
    for (const t of [0, -1, Number.NaN, '0.1']) {
      expect(() => make('PointMassGoal-v0', { distance_threshold: t })).toThrow(/distanceThreshold must be a finite number > 0/);
    }
    expect(() => make('PointMassGoal-v0', { fixedGoal: 'yes' })).toThrow('PointMassGoal-v0: fixedGoal must be a boolean, got "yes"');
    expect(() => make('PointMassGoal-v0', { continueOnSuccess: 1 })).toThrow(/continueOnSuccess must be a boolean, got 1/);
    expect(() => make('PointMassGoal-v0', { wall: 'none' })).toThrow(/has no kwarg 'wall'.*did you mean 'walls'\?/);

    const env = make('PointMassGoal-v0', { walls: 'wall' });
    const bad = (options: Record<string, unknown>) => () => env.reset({ seed: 0, options });
    expect(bad({ goal: [0.5, 0.5, 0] })).toThrow(
      /options\.goal must be \[x, y\], a free point of the arena; got \[0\.5, 0\.5, 0\] \(3 numbers\)/,
    );
    expect(bad({ goal: [2, 0] })).toThrow(/options\.goal .*\(x = 2 is outside the arena \[-1, 1\]\)/);
    expect(bad({ goal: [0, -0.5] })).toThrow(/options\.goal .*\(\(0, -0\.5\) is inside a wall of the 'wall' layout\)/);
    expect(bad({ state: 'abc' })).toThrow(/options\.state must be \[x, y\] or \[x, y, vx, vy\].*\(not an array\)/);
    expect(bad({ state: [0.5, Number.NaN] })).toThrow(/options\.state .*\(element 1 is not a finite number\)/);
    expect(bad({ state: [0.5, 0.5, 1, 1] })).toThrow(/options\.state .*speed .* exceeds 1/);
    expect(bad({ state: [0.5, 0.5, 0.6, 0.8], goal: [-0.5, 0.9] })).not.toThrow();
  });

  it('render: a 256×256 frame with the walls, the green goal and the blue mass', () => {
    const env = make('PointMassGoal-v0', { walls: 'wall' });
    env.reset({ seed: 0, options: { state: [-0.5, 0], goal: [0.5, 0.5] } });
    const frame = env.render();
    expect([frame.width, frame.height, frame.data.length]).toEqual([256, 256, 256 * 256 * 3]);
    const pixel = (x: number, y: number) => Array.from(frame.data.slice((y * 256 + x) * 3, (y * 256 + x) * 3 + 3));
    expect(pixel(0, 0)).toEqual([235, 235, 235]); // background
    expect(pixel(128, 192)).toEqual([70, 70, 70]); // wall at (0, −0.5)
    expect(pixel(192, 64)).toEqual([0, 170, 0]); // goal at (0.5, 0.5)
    expect(pixel(64, 128)).toEqual([30, 80, 220]); // mass at (−0.5, 0)
    let green = 0;
    for (let i = 0; i < frame.data.length; i += 3) if (frame.data[i] === 0 && frame.data[i + 1] === 170 && frame.data[i + 2] === 0) green++;
    expect(green).toBeGreaterThan(100);
    expect(new PointMassGoalEnv({ renderSize: 64 }).render().width).toBe(64);
  });
});
