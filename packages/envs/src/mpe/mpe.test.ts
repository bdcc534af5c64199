import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import type { ParticleAction, ParticleState } from './particle-env';
import { listParallelEnvs, makeParallel } from './registry';
import { SimpleAdversaryEnv, SimpleSpreadEnv, SimpleTagEnv } from './scenarios';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '../../fixtures');

interface FixtureStep {
  actions: Record<string, number | number[]>;
  obs: Record<string, number[]>;
  rewards: Record<string, number>;
  terminations: Record<string, boolean>;
  truncations: Record<string, boolean>;
}
interface FixtureCase {
  seed: number;
  crowded: boolean;
  kwargs: Record<string, unknown>;
  state: ParticleState;
  reset_obs: Record<string, number[]>;
  steps: FixtureStep[];
}

function expectClose(actual: ArrayLike<number>, expected: number[], what: string): void {
  expect(actual.length, `${what} length`).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i] as number;
    const a = actual[i] as number;
    if (!(Math.abs(a - e) <= 1e-5 * Math.max(1, Math.abs(e)))) {
      throw new Error(`${what}[${i}]: got ${a}, expected ${e}`);
    }
  }
}

describe.each(['simple-spread-v3', 'simple-adversary-v3', 'simple-tag-v3'])('MPE2 fixture %s', (name) => {
  const fixture = JSON.parse(readFileSync(join(FIXTURES, `mpe-${name}.json`), 'utf8')) as { env: string; cases: FixtureCase[] };
  it.each(fixture.cases.map((c, i) => [i, c] as const))('case %i matches MPE2 step by step', (_i, c) => {
    const env = makeParallel(fixture.env, c.kwargs);
    const { obs } = env.reset({ seed: c.seed, options: { state: c.state } });
    expect(Object.keys(obs)).toEqual(Object.keys(c.reset_obs));
    for (const [agent, o] of Object.entries(c.reset_obs)) {
      expectClose(obs[agent] as Float32Array, o, `reset obs ${agent}`);
      expect(env.observationSpace(agent).shape).toEqual([o.length]);
    }
    c.steps.forEach((s, t) => {
      const actions: Record<string, ParticleAction> = {};
      for (const [agent, a] of Object.entries(s.actions)) actions[agent] = typeof a === 'number' ? a : Float32Array.from(a);
      const out = env.step(actions);
      for (const agent of Object.keys(s.obs)) {
        expectClose(out.obs[agent] as Float32Array, s.obs[agent] as number[], `step ${t} obs ${agent}`);
        expectClose([out.rewards[agent] as number], [s.rewards[agent] as number], `step ${t} reward ${agent}`);
        expect(out.truncations[agent]).toBe(s.truncations[agent]);
        expect(out.terminations[agent]).toBe(s.terminations[agent]);
      }
    });
    expect(env.agents).toEqual([]);
  });
});

describe('fixtures discriminate', () => {
  it('the legacy physics does not reproduce the MPE2 trajectories', () => {
    const fixture = JSON.parse(readFileSync(join(FIXTURES, 'mpe-simple-tag-v3.json'), 'utf8')) as { cases: FixtureCase[] };
    const c = fixture.cases.find((x) => x.crowded && x.kwargs.continuous_actions === true) as FixtureCase;
    const env = makeParallel('simple_tag_v3', { ...c.kwargs, legacy: true });
    env.reset({ seed: 0, options: { state: c.state } });
    let maxDiff = 0;
    for (const s of c.steps) {
      const actions: Record<string, ParticleAction> = {};
      for (const [agent, a] of Object.entries(s.actions)) actions[agent] = Float32Array.from(a as number[]);
      const out = env.step(actions);
      for (const agent of Object.keys(s.obs)) {
        (s.obs[agent] as number[]).forEach((v, i) => {
          maxDiff = Math.max(maxDiff, Math.abs(v - ((out.obs[agent] as Float32Array)[i] as number)));
        });
      }
    }
    expect(maxDiff).toBeGreaterThan(0.1);
  });
});

const still = (env: { agents: string[] }, a: ParticleAction = 0) => Object.fromEntries(env.agents.map((n) => [n, a]));

describe('semantics: MPE2 vs legacy (hand-computed)', () => {
  it('integration order: MPE2 moves with the old velocity, legacy with the new one', () => {
    const state = { agents: [{ pos: [0, 0], vel: [1, 0] }], landmarks: [{ pos: [0.5, 0.5] }] };
    for (const [legacy, px] of [
      [false, 0.1],
      [true, 0.125],
    ] as const) {
      const env = new SimpleSpreadEnv({ N: 1, legacy });
      env.reset({ seed: 0, options: { state } });
      const o = env.step({ agent_0: 2 }).obs.agent_0 as Float32Array;
      // vel = 1 * 0.75 + 5 * 0.1 = 1.25 in both
      expectClose(o.subarray(0, 4), [1.25, 0, px, 0], `legacy=${legacy}`);
    }
  });

  it('continuous sign convention: MPE2 index 1 pushes -x (like discrete 1), legacy pushes +x', () => {
    const state = { agents: [{ pos: [0, 0] }], landmarks: [{ pos: [0.5, 0.5] }] };
    const a = Float32Array.from([0, 1, 0, 0, 0.5]);
    const mpe2 = new SimpleSpreadEnv({ N: 1, continuousActions: true });
    mpe2.reset({ seed: 0, options: { state } });
    expectClose((mpe2.step({ agent_0: a }).obs.agent_0 as Float32Array).subarray(0, 4), [-0.5, 0.25, 0, 0], 'mpe2');
    const legacy = new SimpleSpreadEnv({ N: 1, continuousActions: true, legacy: true });
    legacy.reset({ seed: 0, options: { state } });
    expectClose((legacy.step({ agent_0: a }).obs.agent_0 as Float32Array).subarray(0, 4), [0.5, -0.25, 0.05, -0.025], 'legacy');
  });

  it('simple_spread reward: local_ratio mix without self-collision vs legacy shared sum with self-collision', () => {
    // agents 0.2 apart (radii 0.15): contact force 100 * softplus(100) * 1e-3 ≈ 10 pushes them apart
    const state = { agents: [{ pos: [0, 0] }, { pos: [0.2, 0] }], landmarks: [{ pos: [0, 0] }, { pos: [1, 0] }] };
    const mpe2 = new SimpleSpreadEnv({ N: 2 });
    mpe2.reset({ seed: 0, options: { state } });
    const r = mpe2.step(still(mpe2)).rewards;
    // positions unchanged (old velocity 0): G = -(0 + 0.8), one collision each: 0.5·G + 0.5·(-1)
    expect(r.agent_0).toBeCloseTo(-0.9, 9);
    expect(r.agent_1).toBeCloseTo(-0.9, 9);
    const legacy = new SimpleSpreadEnv({ N: 2, legacy: true });
    legacy.reset({ seed: 0, options: { state } });
    const out = legacy.step(still(legacy));
    // velocities ±1 → positions -0.1 and 0.3 (0.4 apart: no collision but each agent with itself)
    expectClose((out.obs.agent_0 as Float32Array).subarray(0, 4), [-1, 0, -0.1, 0], 'legacy agent_0');
    // G = -(0.1 + 0.7) = -0.8; r_i = G - 1; shared: Σ_i r_i = -3.6
    expect(out.rewards.agent_0).toBeCloseTo(-3.6, 6);
    expect(out.rewards.agent_1).toBeCloseTo(-3.6, 6);
  });

  it('simple_adversary: adversary gets -distance (MPE2) or -squared distance (legacy)', () => {
    const state = {
      agents: [{ pos: [0, 0] }, { pos: [0.3, 0] }, { pos: [1, 1] }],
      landmarks: [{ pos: [-0.5, -0.5] }, { pos: [0.3, 0.4] }],
      goal: 1,
    };
    for (const [legacy, adv] of [
      [false, -0.5],
      [true, -0.25],
    ] as const) {
      const env = new SimpleAdversaryEnv({ legacy });
      const { obs } = env.reset({ seed: 0, options: { state } });
      expectClose(obs.agent_0 as Float32Array, [0, 0.4, -0.8, -0.5, 0, 0.4, -0.3, 0, 0.7, 1], 'good obs');
      expectClose(obs.adversary_0 as Float32Array, [-0.5, -0.5, 0.3, 0.4, 0.3, 0, 1, 1], 'adversary obs');
      const r = env.step(still(env)).rewards;
      expect(r.adversary_0).toBeCloseTo(adv, 9);
      // good: -min_good |g - goal| + |adv - goal| = -0.4 + 0.5
      expect(r.agent_0).toBeCloseTo(0.1, 9);
      expect(r.agent_1).toBeCloseTo(0.1, 9);
    }
  });

  it('simple_tag: catch rewards are shared by all adversaries; boundary penalty for the prey', () => {
    const far = [{ pos: [-0.8, -0.8] }, { pos: [-0.8, 0.8] }];
    const caught = new SimpleTagEnv();
    caught.reset({
      seed: 0,
      options: { state: { agents: [{ pos: [0.1, 0] }, ...far, { pos: [0, 0] }], landmarks: [{ pos: [0.5, -0.5] }, { pos: [-0.5, 0.5] }] } },
    });
    const r = caught.step(still(caught)).rewards;
    expect(r).toEqual({ adversary_0: 10, adversary_1: 10, adversary_2: 10, agent_0: -10 });
    const out = new SimpleTagEnv();
    out.reset({
      seed: 0,
      options: {
        state: { agents: [{ pos: [0, 0] }, ...far, { pos: [0.95, 1.1] }], landmarks: [{ pos: [0.5, -0.5] }, { pos: [-0.5, 0.5] }] },
      },
    });
    // bound(0.95) = 0.5, bound(1.1) = min(e^0.2, 10)
    expect(out.step(still(out)).rewards.agent_0).toBeCloseTo(-(0.5 + Math.exp(0.2)), 9);
    expect(SimpleTagEnv.bound(3)).toBe(10);
    expect(SimpleTagEnv.bound(0.5)).toBe(0);
  });

  it('simple_tag caps speed at max_speed', () => {
    const env = new SimpleTagEnv({ numAdversaries: 0, numObstacles: 0 });
    env.reset({ seed: 0, options: { state: { agents: [{ pos: [0, 0], vel: [1.3, 0] }], landmarks: [] } } });
    const o = env.step({ agent_0: 2 }).obs.agent_0 as Float32Array;
    expectClose(o.subarray(0, 2), [1.3, 0], 'capped velocity');
  });
});

describe('ParallelEnv contract', () => {
  it('spaces and agents follow PettingZoo', () => {
    const spread = makeParallel('simple_spread_v3');
    expect(spread.possibleAgents).toEqual(['agent_0', 'agent_1', 'agent_2']);
    expect(spread.observationSpace('agent_0').shape).toEqual([18]);
    expect(String(spread.actionSpace('agent_0'))).toBe('Discrete(5)');
    const adv = makeParallel('simple_adversary_v3', { continuous_actions: true });
    expect(adv.possibleAgents).toEqual(['adversary_0', 'agent_0', 'agent_1']);
    expect(adv.observationSpace('adversary_0').shape).toEqual([8]);
    expect(adv.observationSpace('agent_0').shape).toEqual([10]);
    expect(adv.actionSpace('agent_0').shape).toEqual([5]);
    const tag = makeParallel('simple_tag_v3');
    expect(tag.possibleAgents).toEqual(['adversary_0', 'adversary_1', 'adversary_2', 'agent_0']);
    expect(tag.observationSpace('adversary_0').shape).toEqual([16]);
    expect(tag.observationSpace('agent_0').shape).toEqual([14]);
    expect(listParallelEnvs()).toEqual(['simple_adversary_v3', 'simple_spread_v3', 'simple_tag_v3']);
    expect(makeParallel('simple_spread_v3', { N: 5, localRatio: 0.1 }).possibleAgents).toHaveLength(5);
  });

  it('seeded resets are reproducible; 25-step episodes truncate every agent', () => {
    const env = makeParallel('simple_tag_v3');
    const a = env.reset({ seed: 42 }).obs;
    const b = env.reset({ seed: 42 }).obs;
    expect(Array.from(a.agent_0 as Float32Array)).toEqual(Array.from(b.agent_0 as Float32Array));
    expect(Array.from(env.reset({ seed: 43 }).obs.agent_0 as Float32Array)).not.toEqual(Array.from(a.agent_0 as Float32Array));
    for (let t = 1; t <= 25; t++) {
      const out = env.step(still(env, 3));
      expect(Object.values(out.truncations).every((x) => x === (t === 25))).toBe(true);
    }
    expect(env.agents).toEqual([]);
    const s = env.getState();
    expect(s.agents).toHaveLength(4);
  });

  it('render draws an RGB frame with the entity colours', () => {
    const env = new SimpleTagEnv({ renderSize: 140 });
    env.reset({ seed: 1 });
    const f = env.render();
    expect([f.width, f.height, f.data.length]).toEqual([140, 140, 140 * 140 * 3]);
    const colours = new Set<string>();
    for (let i = 0; i < f.data.length; i += 3) colours.add(`${f.data[i]},${f.data[i + 1]},${f.data[i + 2]}`);
    expect(colours.has('255,255,255')).toBe(true);
    expect(colours.has('170,70,70')).toBe(true); // adversaries: 0.85·200, 0.35·200
    expect(colours.has('70,170,70')).toBe(true); // prey
    expect(colours.has('50,50,50')).toBe(true); // obstacles
  });
});

describe('bad input', () => {
  const fresh = (continuous = false, extra = {}) => {
    const env = makeParallel('simple_adversary_v3', { continuous_actions: continuous, ...extra });
    env.reset({ seed: 0 });
    return env;
  };
  const cont = () => Float32Array.from([0, 0.5, 0, 0, 0]);

  it('unknown agent', () => {
    const env = fresh();
    expect(() => env.step({ ...still(env), agent_9: 0 })).toThrow(
      /simple_adversary_v3: step: unknown agent "agent_9" \(agents are adversary_0, agent_0, agent_1\)/,
    );
    expect(() => env.observationSpace('bob')).toThrow(/unknown agent "bob"/);
    expect(() => env.actionSpace('bob')).toThrow(/unknown agent "bob"/);
  });

  it('missing action for a live agent', () => {
    const env = fresh();
    expect(() => env.step({ adversary_0: 0, agent_0: 1 })).toThrow(/missing action for live agent "agent_1"/);
    expect(() => env.step(null as never)).toThrow(/takes an object/);
  });

  it('out-of-range and malformed actions name the agent, the space and the value', () => {
    const env = fresh();
    expect(() => env.step({ ...still(env), agent_0: 5 })).toThrow(
      /agent "agent_0": action 5 is not in Discrete\(5\) \(5 is outside \[0, 4\]\)/,
    );
    expect(() => env.step({ ...still(env), agent_0: 1.5 })).toThrow(/agent "agent_0".*not an integer/);
    expect(() => env.step({ ...still(env), agent_0: Number.NaN })).toThrow(/agent "agent_0".*NaN/);
    // Out-of-range continuous actions are clipped by default, as MPE2 (they used to throw); strict: true throws.
    const strict = fresh(true, { strict: true });
    expect(() => strict.step({ adversary_0: cont(), agent_0: cont(), agent_1: Float32Array.from([0, 1.2, 0, 0, 0]) })).toThrow(
      /agent "agent_1": action .* is not in Box.*above high/,
    );
    const c = fresh(true, { clip_actions: false });
    expect(() => c.step({ adversary_0: cont(), agent_0: Float32Array.from([0, Number.NaN, 0, 0, 0]), agent_1: cont() })).toThrow(
      /agent "agent_0".*NaN/,
    );
    expect(() => c.step({ adversary_0: cont(), agent_0: [0, 1], agent_1: cont() })).toThrow(/agent "agent_0".*length 2/);
    expect(() => c.step({ adversary_0: 1, agent_0: cont(), agent_1: cont() })).toThrow(/agent "adversary_0"/);
    expect(() => c.step({ adversary_0: cont(), agent_0: cont(), agent_1: Float32Array.from([0, 1.2, 0, 0, 0]) })).toThrow(/above high/);
  });

  it('clip_actions clips like PettingZoo but still rejects NaN', () => {
    const clipped = fresh(true, { clip_actions: true });
    const plain = fresh(true);
    const big = clipped.step({ adversary_0: cont(), agent_0: cont(), agent_1: Float32Array.from([0, 3, -1, 0, 0]) });
    const one = plain.step({ adversary_0: cont(), agent_0: cont(), agent_1: Float32Array.from([0, 1, 0, 0, 0]) });
    expect(Array.from(big.obs.agent_1 as Float32Array)).toEqual(Array.from(one.obs.agent_1 as Float32Array));
    expect(() => clipped.step({ adversary_0: cont(), agent_0: [0, Number.NaN, 0, 0, 0], agent_1: cont() })).toThrow(/agent "agent_0".*NaN/);
  });

  it('by default clips out-of-range continuous actions as MPE2, with one console.warn per env instance', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      const clipped = fresh(true);
      const plain = fresh(true);
      expect(clipped.clipActions).toBe(true);
      const big = clipped.step({ adversary_0: cont(), agent_0: cont(), agent_1: Float32Array.from([0, 3, -1, 0, 0]) });
      const one = plain.step({ adversary_0: cont(), agent_0: cont(), agent_1: Float32Array.from([0, 1, 0, 0, 0]) });
      expect(Array.from(big.obs.agent_1 as Float32Array)).toEqual(Array.from(one.obs.agent_1 as Float32Array));
      expect(warn).toHaveBeenCalledTimes(1);
      expect(warn.mock.calls[0]?.[0]).toBe(
        'simple_adversary_v3: agent "agent_1": action Float32Array [0, 3, -1, 0, 0] is outside Box(0.0, 1.0, (5,), float32); ' +
          'clipping it into the space, as MPE2 does (warned once per env; pass strict: true to raise instead)',
      );
      clipped.step({ adversary_0: [2, 0, 0, 0, 0], agent_0: cont(), agent_1: cont() });
      expect(warn).toHaveBeenCalledTimes(1); // once per env instance
      fresh(true).step({ adversary_0: [-0.5, 0, 0, 0, 0], agent_0: cont(), agent_1: cont() });
      expect(warn).toHaveBeenCalledTimes(2); // a new instance warns again
      expect(warn.mock.calls[1]?.[0]).toMatch(/^simple_adversary_v3: agent "adversary_0": action \[-0.5, 0, 0, 0, 0\] is outside/);
      // in-range actions and discrete envs never warn
      plain.step({ adversary_0: cont(), agent_0: cont(), agent_1: cont() });
      fresh().step({ adversary_0: 0, agent_0: 1, agent_1: 2 });
      expect(warn).toHaveBeenCalledTimes(2);
      // NaN, infinities and wrong shapes still raise, naming the env, the agent and the value
      const c = fresh(true);
      expect(() => c.step({ adversary_0: cont(), agent_0: [0, Number.NaN, 0, 0, 0], agent_1: cont() })).toThrow(
        'simple_adversary_v3: agent "agent_0": action [0, NaN, 0, 0, 0] is not in Box(0.0, 1.0, (5,), float32) (element 1 is NaN)',
      );
      expect(() => c.step({ adversary_0: cont(), agent_0: [0, Number.POSITIVE_INFINITY, 0, 0, 0], agent_1: cont() })).toThrow(
        /agent "agent_0".*\(element 1 is Infinity\)/,
      );
      expect(() => c.step({ adversary_0: cont(), agent_0: [0, 1], agent_1: cont() })).toThrow(/agent "agent_0".*expected 5 numbers/);
      expect(warn).toHaveBeenCalledTimes(2);
    } finally {
      warn.mockRestore();
    }
  });

  it('strict raises on out-of-range continuous actions; strict with clip_actions: true is contradictory', () => {
    for (const kw of [{ strict: true }, { clip_actions: false }, { clipActions: false }]) {
      const env = fresh(true, kw);
      expect(env.clipActions).toBe(false);
      expect(() => env.step({ adversary_0: cont(), agent_0: cont(), agent_1: Float32Array.from([0, 1.2, 0, 0, 0]) })).toThrow(
        'simple_adversary_v3: agent "agent_1": action Float32Array [0, 1.2000000476837158, 0, 0, 0] is not in Box(0.0, 1.0, (5,), float32) (element 1 = 1.2000000476837158 is above high 1.0)',
      );
    }
    expect(() => makeParallel('simple_spread_v3', { strict: true, clip_actions: true })).toThrow(
      'makeParallel(simple_spread_v3): "strict": true and "clip_actions": true contradict each other (strict raises on out-of-range actions)',
    );
    expect(() => makeParallel('simple_spread_v3', { strict: true, clipActions: true })).toThrow(/"strict": true and "clipActions": true/);
    expect(() => new SimpleSpreadEnv({ strict: true, clipActions: true })).toThrow(/strict: true and clipActions: true contradict/);
    expect(() => makeParallel('simple_spread_v3', { strict: 1 })).toThrow(/kwarg "strict" must be a boolean, got 1/);
    expect(new SimpleSpreadEnv({ continuousActions: true }).clipActions).toBe(true);
    expect(new SimpleSpreadEnv({ strict: true }).clipActions).toBe(false);
  });

  it('makeParallel: one kwarg under both spellings is an error naming both; unknown kwargs list both spellings', () => {
    expect(() => makeParallel('simple_spread_v3', { local_ratio: 0.2, localRatio: 0.3 })).toThrow(
      'makeParallel(simple_spread_v3): kwarg "local_ratio" is given twice, as "local_ratio" and as "localRatio"; pass only one of them',
    );
    expect(() => makeParallel('simple_tag_v3', { numGood: 2, num_good: 2 })).toThrow(/kwarg "num_good" is given twice/);
    expect(() => makeParallel('simple_spread_v3', { n_agents: 3 })).toThrow(
      'makeParallel(simple_spread_v3): unknown kwarg "n_agents" = 3 (accepted: N, local_ratio (or localRatio), max_cycles (or maxCycles), ' +
        'continuous_actions (or continuousActions), legacy, clip_actions (or clipActions), strict, render_size (or renderSize))',
    );
    expect(() => makeParallel('simple_spread_v3', { n: 3 })).toThrow(/unknown kwarg "n"/);
    expect(() => makeParallel('simple_spread_v3', { maxCycles: '3' })).toThrow(/kwarg "maxCycles" must be a number, got "3"/);
    expect(makeParallel('simple_spread_v3', { maxCycles: 7, continuous_actions: true }).maxCycles).toBe(7);
  });

  it('reset seeds are integers in [0, 2^32 - 1], as BaseEnv', () => {
    const env = makeParallel('simple_spread_v3');
    const a = env.reset({ seed: 2 ** 32 - 1 }).obs.agent_0;
    expect(Array.from(env.reset({ seed: 2 ** 32 - 1 }).obs.agent_0 as Float32Array)).toEqual(Array.from(a as Float32Array));
    expect(() => env.reset({ seed: -1 })).toThrow('simple_spread_v3: reset seed must be an integer in [0, 4294967295] (2^32 - 1), got -1');
    expect(() => env.reset({ seed: 2 ** 32 })).toThrow(/simple_spread_v3: reset seed .* got 4294967296/);
    expect(() => env.reset({ seed: 1.5 })).toThrow(/got 1.5/);
    expect(() => env.reset({ seed: Number.NaN })).toThrow(/got NaN/);
  });

  it('step before reset and after the end of the episode', () => {
    const env = makeParallel('simple_spread_v3', { max_cycles: 2 });
    expect(() => env.step({})).toThrow(/step\(\) called before reset\(\)/);
    env.reset({ seed: 1 });
    env.step(still(env));
    expect(env.step(still(env)).truncations.agent_0).toBe(true);
    expect(() => env.step({ agent_0: 0, agent_1: 0, agent_2: 0 })).toThrow(
      /simple_spread_v3: step\(\) called after the episode ended \(truncated after 2 steps\)/,
    );
  });

  it('registry and constructor arguments', () => {
    expect(() => makeParallel('simple_nope_v1')).toThrow(
      /unknown env id "simple_nope_v1" \(registered: simple_adversary_v3, simple_spread_v3, simple_tag_v3\)/,
    );
    expect(() => makeParallel('simple_spread_v3', { n_agents: 3 })).toThrow(/unknown kwarg "n_agents"/);
    expect(() => makeParallel('simple_spread_v3', { N: '3' })).toThrow(/kwarg "N" must be a number/);
    expect(() => makeParallel('simple_spread_v3', { local_ratio: 2 })).toThrow(/localRatio must be in \[0, 1\]/);
    expect(() => makeParallel('simple_spread_v3', { N: 0 })).toThrow(/N must be an integer >= 1/);
    expect(() => makeParallel('simple_tag_v3', { max_cycles: 0 })).toThrow(/maxCycles must be a positive integer/);
    const env = makeParallel('simple_spread_v3');
    expect(() => env.reset({ options: { state: { agents: [], landmarks: [] } } })).toThrow(/state.agents must be an array of 3 entries/);
    expect(() =>
      env.reset({
        options: {
          state: {
            agents: [{ pos: [0, 0] }, { pos: [0, Number.NaN] }, { pos: [0, 0] }],
            landmarks: [{ pos: [0, 0] }, { pos: [0, 0] }, { pos: [0, 0] }],
          },
        },
      }),
    ).toThrow(/state.agents\[1\].pos must be 2 finite numbers/);
    const adv = makeParallel('simple_adversary_v3');
    expect(() => adv.reset({ options: { state: { ...adv.getState(), goal: 2 } } })).toThrow(
      /state.goal must be a landmark index in \[0, 1\], got 2/,
    );
  });
});
