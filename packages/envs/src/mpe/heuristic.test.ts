import { describe, expect, it } from 'vitest';
import { hungarian, spreadHeuristic } from './heuristic';
import { makeParallel } from './registry';
import { SimpleAdversaryEnv, SimpleSpreadEnv, SimpleTagEnv } from './scenarios';

/** Every permutation of 0..n-1. */
function permutations(n: number): number[][] {
  if (n === 1) return [[0]];
  return permutations(n - 1).flatMap((p) => Array.from({ length: n }, (_, k) => [...p.slice(0, k), n - 1, ...p.slice(k)]));
}

describe('hungarian', () => {
  it('solves a 3×3 example by hand', () => {
    // Rows 0,1,2 → columns 1,0,2: 1 + 2 + 2 = 5 is the minimum (brute force below agrees).
    expect(
      hungarian([
        [4, 1, 3],
        [2, 0, 5],
        [3, 2, 2],
      ]),
    ).toEqual([1, 0, 2]);
  });

  it('matches brute force on random square and rectangular matrices', () => {
    let s = 7;
    const rand = () => {
      s = (s * 16807) % 2147483647;
      return s / 2147483647;
    };
    for (let trial = 0; trial < 50; trial++) {
      const n = 1 + (trial % 5);
      const m = n + (trial % 3);
      const cost = Array.from({ length: n }, () => Array.from({ length: m }, () => Math.round(rand() * 100) / 10));
      const got = hungarian(cost);
      expect(new Set(got).size).toBe(n);
      const total = got.reduce((acc, j, i) => acc + (cost[i]?.[j] as number), 0);
      let best = Number.POSITIVE_INFINITY;
      for (const perm of permutations(m))
        best = Math.min(
          best,
          perm.slice(0, n).reduce((acc, j, i) => acc + (cost[i]?.[j] as number), 0),
        );
      expect(total).toBeCloseTo(best, 9);
    }
  });

  it('refuses fewer columns than rows and non-finite costs, naming them', () => {
    expect(() => hungarian([[1], [2]])).toThrow(/at least as many columns as rows, got 2 rows and 1 columns/);
    expect(() => hungarian([[1, Number.NaN]])).toThrow(/cost\[0\]\[1\] is NaN/);
  });
});

describe('spread heuristic (assignment + PD control)', () => {
  function run(continuous: boolean, legacy: boolean, episodes: number, policy: 'heuristic' | 'random') {
    const env = makeParallel('simple_spread_v3', { continuous_actions: continuous, legacy }) as SimpleSpreadEnv;
    let perAgent = 0;
    let distance = 0;
    let u = 1;
    for (let ep = 0; ep < episodes; ep++) {
      let { obs } = env.reset({ seed: 100 + ep });
      while (env.agents.length > 0) {
        const acts =
          policy === 'heuristic'
            ? spreadHeuristic(obs, { continuousActions: continuous, legacy })
            : Object.fromEntries(
                env.agents.map((a) => {
                  u = (u * 48271) % 2147483647;
                  return [a, continuous ? Float32Array.from({ length: 5 }, (_, k) => ((u * (k + 1)) % 1000) / 1000) : u % 5];
                }),
              );
        const r = env.step(acts);
        for (const a of env.possibleAgents) perAgent += (r.rewards[a] as number) / env.possibleAgents.length;
        distance += env.metrics().landmark_distance as number;
        obs = r.obs;
      }
    }
    return { perAgent: perAgent / episodes, distance: distance / episodes };
  }

  it('every agent computes the same assignment: the agents end on distinct landmarks', () => {
    const env = makeParallel('simple_spread_v3', { continuous_actions: true }) as SimpleSpreadEnv;
    let { obs } = env.reset({ seed: 3 });
    for (let t = 0; t < 24; t++) obs = env.step(spreadHeuristic(obs)).obs;
    // Each landmark has an agent within 0.1 after 24 steps.
    expect(env.metrics().landmark_distance).toBeLessThan(0.3);
  });

  it('scores far above random on MPE2 spread (continuous and discrete) and on the original MPE', () => {
    const h = run(true, false, 30, 'heuristic');
    const r = run(true, false, 30, 'random');
    expect(h.perAgent).toBeGreaterThan(-8);
    expect(r.perAgent).toBeLessThan(-18);
    expect(h.distance).toBeLessThan(r.distance / 2);
    expect(run(false, false, 30, 'heuristic').perAgent).toBeGreaterThan(-10);
    // legacy: force x = a1 − a2; the MPE2 mapping would drive the agents away from the landmarks.
    expect(run(true, true, 10, 'heuristic').distance).toBeLessThan(run(true, false, 10, 'heuristic').distance * 1.5);
  });

  it('names what is wrong with its input', () => {
    expect(() => spreadHeuristic({ adversary_0: new Float32Array(18) })).toThrow(/agent names must be agent_<i>/);
    expect(() => spreadHeuristic({ agent_0: new Float32Array(7) })).toThrow(/has 7 numbers; simple_spread_v3 with N agents has 6N/);
  });
});

describe('particle-world metrics (the MADDPG paper)', () => {
  it('spread: landmark distance is −coverage, collisions count overlapping pairs once', () => {
    const env = new SimpleSpreadEnv();
    env.reset({ seed: 0 });
    env.setState({
      agents: [{ pos: [0, 0] }, { pos: [0.1, 0] }, { pos: [1, 1] }],
      landmarks: [{ pos: [0, 0] }, { pos: [0.5, 0] }, { pos: [1, 0] }],
    });
    const m = env.metrics();
    // landmark (0.5, 0) and (1, 0) are nearest the agent at (0.1, 0): 0 + 0.4 + 0.9
    expect(m.landmark_distance).toBeCloseTo(0 + 0.4 + 0.9, 12);
    expect(m.collisions).toBe(1);
  });

  it('adversary: the nearest good agent and the adversary distance to the goal', () => {
    const env = new SimpleAdversaryEnv();
    env.reset({ seed: 0 });
    env.setState({
      agents: [{ pos: [0, 0] }, { pos: [0.3, 0.4] }, { pos: [2, 0] }],
      landmarks: [{ pos: [0, 0] }, { pos: [-1, 0] }],
      goal: 1,
    });
    const m = env.metrics();
    expect(m.adversary_goal_distance).toBeCloseTo(1, 12);
    expect(m.good_goal_distance).toBeCloseTo(Math.hypot(1.3, 0.4), 12);
  });

  it('tag: touches count (prey, predator) overlaps', () => {
    const env = new SimpleTagEnv();
    env.reset({ seed: 0 });
    env.setState({
      agents: [{ pos: [0, 0] }, { pos: [0.05, 0] }, { pos: [1, 1] }, { pos: [0.02, 0] }],
      landmarks: [{ pos: [-0.8, -0.8] }, { pos: [0.8, -0.8] }],
    });
    expect(env.metrics().touches).toBe(2);
  });
});
