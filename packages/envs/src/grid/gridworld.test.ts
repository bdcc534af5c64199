import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { make } from '../registry';
import type { TransitionTable } from '../toy-text/tabular';
import { GridMap, parseGridMap } from './grid-map';
import { GoalGridWorldEnv, type GoalObs, GridWorldEnv } from './gridworld';
import { GRID_MAPS } from './maps';

/** Value iteration with rewards on arrival: V(s) = max_a Σ p (r + γ V(s')), terminals absorbing at 0. */
function valueIteration(P: TransitionTable, gamma: number, sweeps = 1000): Float64Array {
  const V = new Float64Array(P.length);
  for (let k = 0; k < sweeps; k++) {
    for (let s = 0; s < P.length; s++) {
      let best = Number.NEGATIVE_INFINITY;
      for (const outs of P[s] ?? []) {
        let q = 0;
        for (const t of outs) q += t.prob * (t.reward + (t.done ? 0 : gamma * (V[t.next] as number)));
        best = Math.max(best, q);
      }
      V[s] = best;
    }
  }
  return V;
}

describe('GridWorld on the Russell–Norvig 4x3 world', () => {
  const env = new GridWorldEnv({ map: '4x3' });
  const s = (r: number, c: number) => env.toState(r, c);

  it('uses the textbook settings and layout', () => {
    expect(env.settings.stepReward).toBe(-0.04);
    expect(env.settings.slip).toBe(0.2);
    expect([env.rows, env.cols, env.nS, env.nA]).toEqual([3, 4, 12, 4]);
    expect(env.map.isWall(s(1, 1))).toBe(true);
    expect(env.map.goals).toEqual([s(0, 3)]);
    expect(env.map.traps).toEqual([s(1, 3)]);
    expect(env.map.starts).toEqual([s(2, 0)]);
    expect(env.toRowCol(s(2, 3))).toEqual([2, 3]);
  });

  it('P by hand: 0.8 intended, 0.1 each side, bumps stay, terminals pay ±1', () => {
    const P = env.P;
    // (2,0) start, up: 0.8 to (1,0); left slip bumps the edge (stay); right slip to (2,1).
    expect(P[s(2, 0)]?.[0]).toEqual([
      { prob: 0.8, next: s(1, 0), reward: -0.04, done: false },
      { prob: 0.1, next: s(2, 0), reward: -0.04, done: false },
      { prob: 0.1, next: s(2, 1), reward: -0.04, done: false },
    ]);
    // (0,2) right: 0.8 into the +1 goal; up slip bumps (stay); down slip to (1,2).
    expect(P[s(0, 2)]?.[1]).toEqual([
      { prob: 0.8, next: s(0, 3), reward: 1, done: true },
      { prob: 0.1, next: s(0, 2), reward: -0.04, done: false },
      { prob: 0.1, next: s(1, 2), reward: -0.04, done: false },
    ]);
    // (1,2) right: 0.8 into the −1 trap; slips up to (0,2) and down to (2,2).
    expect(P[s(1, 2)]?.[1]?.map((t) => [t.prob, t.next, t.reward, t.done])).toEqual([
      [0.8, s(1, 3), -1, true],
      [0.1, s(0, 2), -0.04, false],
      [0.1, s(2, 2), -0.04, false],
    ]);
    // (1,0) right bumps into the wall at (1,1).
    expect(P[s(1, 0)]?.[1]?.[0]).toEqual({ prob: 0.8, next: s(1, 0), reward: -0.04, done: false });
    // Terminals and the wall are absorbing with reward 0.
    for (const t of [s(0, 3), s(1, 3), s(1, 1)])
      for (let a = 0; a < 4; a++) expect(P[t]?.[a]).toEqual([{ prob: 1, next: t, reward: 0, done: true }]);
    for (let x = 0; x < 12; x++)
      for (let a = 0; a < 4; a++) expect((P[x]?.[a] ?? []).reduce((acc, t) => acc + t.prob, 0)).toBeCloseTo(1, 12);
  });

  it('value iteration reproduces the utilities of AIMA 3rd ed., Figure 17.3 (γ = 1, R = −0.04)', () => {
    // Russell & Norvig, Artificial Intelligence: A Modern Approach, 3rd ed. (2010), Fig. 17.3:
    //   row 3: 0.812 0.868 0.918  +1
    //   row 2: 0.762  ###  0.660  −1
    //   row 1: 0.705 0.655 0.611 0.388
    // The book's U(s) = R(s) + max Σ P U(s') counts the reward of the state itself; here rewards are
    // paid on arrival, so U(s) = R(s) + V(s) = −0.04 + V(s) for a non-terminal s.
    const V = valueIteration(env.P, 1);
    const book: Array<[number, number, number]> = [
      [0, 0, 0.812],
      [0, 1, 0.868],
      [0, 2, 0.918],
      [1, 0, 0.762],
      [1, 2, 0.66],
      [2, 0, 0.705],
      [2, 1, 0.655],
      [2, 2, 0.611],
      [2, 3, 0.388],
    ];
    for (const [r, c, u] of book) expect(-0.04 + (V[s(r, c)] as number)).toBeCloseTo(u, 3);
  });

  it('steps follow P statistically and episodes end in the terminals', () => {
    const g = make('GridWorld-v0', { map: '4x3' });
    g.reset({ seed: 1 });
    const u = g.unwrapped as GridWorldEnv;
    const counts = new Map<number, number>();
    const n = 20000;
    for (let i = 0; i < n; i++) {
      g.reset();
      const r = g.step(0);
      counts.set(r.obs as number, (counts.get(r.obs as number) ?? 0) + 1);
    }
    expect(Math.abs((counts.get(u.toState(1, 0)) ?? 0) / n - 0.8)).toBeLessThan(0.015);
    expect(Math.abs((counts.get(u.toState(2, 0)) ?? 0) / n - 0.1)).toBeLessThan(0.01);
    expect(Math.abs((counts.get(u.toState(2, 1)) ?? 0) / n - 0.1)).toBeLessThan(0.01);
    // Deterministic path to the goal with slip 0.
    const d = make('GridWorld-v0', { map: '4x3', slip: 0 });
    d.reset({ seed: 0 });
    const rs = [0, 0, 1, 1, 1].map((a) => d.step(a));
    expect(rs.map((r) => r.reward)).toEqual([-0.04, -0.04, -0.04, -0.04, 1]);
    expect(rs.map((r) => r.terminated)).toEqual([false, false, false, false, true]);
    expect(() => d.step(0)).toThrow(/GridWorld-v0.*reset/);
  });
});

describe('GridWorld maps, options and errors', () => {
  it('every shipped map is valid, matches its file in maps/, and its goals are reachable', () => {
    for (const [name, m] of Object.entries(GRID_MAPS)) {
      const file = readFileSync(new URL(`../../maps/${name}.txt`, import.meta.url), 'utf8');
      expect(file.trimEnd(), name).toBe(m.ascii);
      const map = parseGridMap(m.ascii, name);
      const dist = map.distances(map.starts[0] as number);
      for (const gl of map.goals) expect(dist[gl], `${name}: goal ${gl}`).toBeGreaterThan(0);
    }
  });

  it('the course-map reconstruction and the large maze are far from trivial', () => {
    const m2 = parseGridMap(GRID_MAPS['tp13-map2-sparse']?.ascii as string, 'x');
    expect(m2.starts).toEqual([m2.toState(1, 6)]);
    expect(m2.goals).toEqual([m2.toState(1, 4)]);
    expect(m2.distances(m2.toState(1, 6))[m2.toState(1, 4)]).toBe(38);
    const maze = parseGridMap(GRID_MAPS['maze-rooms']?.ascii as string, 'x');
    expect(maze.distances(maze.starts[0] as number)[maze.goals[0] as number]).toBe(164);
    expect(maze.free.length).toBeGreaterThan(700);
  });

  it('reward cells pay on entering; collectOnce pays once per episode', () => {
    const ascii = 'S+.G';
    const again = new GridWorldEnv({ map: `${ascii}\n....`, stepReward: -0.1 });
    again.reset({ seed: 0 });
    expect([1, 3, 1].map((a) => again.step(a).reward)).toEqual([0.9, -0.1, 0.9]);
    const once = new GridWorldEnv({ map: `${ascii}\n....`, stepReward: -0.1, collectOnce: true });
    once.reset({ seed: 0 });
    expect([1, 3, 1].map((a) => once.step(a).reward)).toEqual([0.9, -0.1, -0.1]);
    once.reset();
    expect(once.step(1).reward).toBe(0.9);
    const custom = new GridWorldEnv({ map: 'Sa\n.G', cellRewards: { a: 5 } });
    expect(custom.P[0]?.[1]?.[0]?.reward).toBe(5);
  });

  it('observation types, reset start, truncation and render', () => {
    const env = new GridWorldEnv({ map: 'open-5x5', obsType: 'coords' });
    expect(env.reset({ seed: 0 }).obs).toEqual(Float32Array.of(1, 1));
    expect(env.step(2).obs).toEqual(Float32Array.of(2, 1));
    const oh = new GridWorldEnv({ map: 'open-5x5', obsType: 'onehot', maxSteps: 3 });
    const o = oh.reset({ seed: 0, options: { start: [3, 3] } }).obs as Float32Array;
    expect(o.length).toBe(49);
    expect(o[oh.toState(3, 3)]).toBe(1);
    const rs = [0, 2, 0].map((a) => oh.step(a));
    expect(rs.map((r) => r.truncated)).toEqual([false, false, true]);
    const f = oh.render();
    expect([f.width, f.height]).toEqual([7 * 32, 7 * 32]);
  });

  it('bad input gives errors naming the env and the problem', () => {
    expect(() => make('GridWorld-v0', { map: 'nope' })).toThrow(/GridWorld: unknown map name 'nope'/);
    expect(() => new GridWorldEnv({ map: 'S..\n..' })).toThrow(/row 1 has 2 cells but row 0 has 3 \(ragged rows\)/);
    expect(() => new GridWorldEnv({ map: '...\n..G' })).toThrow(/no start cell 'S'/);
    expect(() => new GridWorldEnv({ map: 'S.?\n..G' })).toThrow(/unknown character '\?' at row 0, column 2/);
    expect(() => new GridWorldEnv({ slip: 2 })).toThrow(/slip must be a probability/);
    expect(() => new GridWorldEnv({ obsType: 'pixels' as 'index' })).toThrow(/obsType/);
    const env = make('GridWorld-v0');
    env.reset({ seed: 0 });
    expect(() => env.step(4)).toThrow(/GridWorld-v0.*4/);
    expect(() => env.reset({ options: { start: [1, 1] } })).toThrow(/start \(1, 1\) is a wall/);
  });
});

describe('GoalGridWorld', () => {
  it('Dict observation of agent and goal positions; goals sampled from free cells', () => {
    const env = make('GoalGridWorld-v0', { map: 'four-rooms' });
    const u = env.unwrapped as GoalGridWorldEnv;
    expect(String(env.observationSpace)).toContain('achieved_goal');
    const seen = new Set<string>();
    env.reset({ seed: 0 });
    for (let i = 0; i < 300; i++) {
      const { obs } = env.reset();
      const o = obs as GoalObs;
      expect(Array.from(o.observation)).toEqual([1, 1]);
      expect(o.achieved_goal).toEqual(o.observation);
      const g = u.toState(o.desired_goal[0] as number, o.desired_goal[1] as number);
      expect(u.map.isWall(g)).toBe(false);
      expect(g).not.toBe(u.toState(1, 1));
      seen.add(String(g));
    }
    expect(seen.size).toBeGreaterThan(60);
    expect(u.goalCandidates(u.toState(1, 1)).length).toBe(u.map.free.length - 1);
  });

  it('reaching a goal set at reset terminates with the goal reward; computeReward is batched', () => {
    const env = make('GoalGridWorld-v0', { map: 'open-5x5' });
    const u = env.unwrapped as GoalGridWorldEnv;
    env.reset({ seed: 0, options: { goal: [1, 3] } });
    const r1 = env.step(1);
    expect([r1.reward, r1.terminated, r1.info.is_success]).toEqual([-1, false, false]);
    const r2 = env.step(1);
    expect([r2.reward, r2.terminated, r2.info.is_success]).toEqual([0, true, true]);
    expect(Array.from((r2.obs as GoalObs).achieved_goal)).toEqual([1, 3]);
    const achieved = Float32Array.of(1, 3, 2, 2, 5, 5);
    const desired = Float32Array.of(1, 3, 2, 3, 5, 5);
    expect(Array.from(u.computeReward(achieved, desired))).toEqual([0, -1, 0]);
    expect(() => u.computeReward([1, 2, 3], [1, 2, 3])).toThrow(/multiple of 2/);
    expect(() => env.reset({ options: { goal: [0, 0] } })).toThrow(/goal \(0, 0\) is a wall/);
  });

  it('flat observations, map goals and rendering', () => {
    const env = new GoalGridWorldEnv({ map: 'tp13-map2-sparse', obsType: 'flat', goalSampling: 'map' });
    const { obs } = env.reset({ seed: 3 });
    expect(Array.from(obs as Float32Array)).toEqual([1, 6, 1, 4]);
    expect(env.maxSteps).toBe(200);
    const f = env.render();
    expect([f.width, f.height]).toEqual([15 * 32, 11 * 32]);
    expect(() => new GoalGridWorldEnv({ map: 'open-5x5\n' })).toThrow(/no start cell|unknown character/);
  });

  it('the maps parse with the GridMap API', () => {
    const m = new GridMap(['S.', '.G']);
    expect(m.move(0, 0)).toBe(0);
    expect(m.move(0, 1)).toBe(1);
    expect(GridMap.outcomes(0, 0)).toEqual([[0, 1]]);
  });
});
