import { Rng } from '@tfrl/core';
import { describe, expect, it } from 'vitest';
import { envSpec, make } from '../registry';
import { CliffWalkingEnv } from './cliff-walking';
import { camelKwargs, expectFrequencies, expectSameTable, toyText } from './fixture';
import { FROZEN_LAKE_MAPS, FrozenLakeEnv, frozenLakeHasPath, generateRandomMap } from './frozen-lake';
import type { TabularEnv } from './tabular';
import { TaxiEnv, taxiDecode, taxiEncode } from './taxi';

const cfgs = toyText.configs;

describe('toy text against Gymnasium (fixtures/toy-text.json)', () => {
  it('the fixture comes from Gymnasium 1.x', () => {
    expect(toyText.meta.gymnasium).toMatch(/^1\./);
    expect(Object.keys(cfgs).length).toBeGreaterThanOrEqual(10);
  });

  for (const [name, cfg] of Object.entries(cfgs)) {
    describe(`${name}: ${cfg.id} ${JSON.stringify(cfg.kwargs)}`, () => {
      const build = () => make(cfg.id, camelKwargs(cfg.kwargs));

      it('registration, spaces, reset info and initial-state distribution', () => {
        const spec = envSpec(cfg.id);
        expect(spec?.maxEpisodeSteps ?? null).toBe(cfg.maxEpisodeSteps);
        expect(spec?.rewardThreshold ?? null).toBe(cfg.rewardThreshold);
        const env = build();
        const u = env.unwrapped as TabularEnv;
        expect(String(u.observationSpace)).toBe(`Discrete(${cfg.nS})`);
        expect(String(u.actionSpace)).toBe(`Discrete(${cfg.nA})`);
        expect([u.nS, u.nA]).toEqual([cfg.nS, cfg.nA]);
        u.isd.forEach((p, s) => expect(p).toBeCloseTo(cfg.isd[s] as number, 12));
        const { obs, info } = env.reset({ seed: 3 });
        expect(cfg.isd[obs as number]).toBeGreaterThan(0);
        expect(info.prob).toBe(cfg.resetInfo.prob);
        if (cfg.resetInfo.action_mask)
          expect(Array.from(info.action_mask as Int8Array)).toEqual(Array.from((u as TaxiEnv).actionMask(obs as number)));
      });

      it(`the full transition table P (${cfg.nS} states x ${cfg.nA} actions) is Gymnasium's`, () => {
        expectSameTable((build().unwrapped as TabularEnv).P, cfg.P);
      });

      for (const tr of cfg.trajectories) {
        it(`trajectory '${tr.name}' (${tr.actions.length} steps) matches step by step`, () => {
          const env = build();
          env.reset({ seed: 0 });
          (env.unwrapped as TabularEnv).s = tr.start;
          tr.actions.forEach((a, t) => {
            const r = env.step(a);
            const where = `${tr.name} step ${t} (action ${a})`;
            expect(r.obs, where).toBe(tr.obs[t]);
            expect(r.reward, where).toBe(tr.reward[t]);
            expect(r.terminated, where).toBe(tr.terminated[t]);
            expect(r.truncated, where).toBe(tr.truncated[t]);
            expect(r.info.prob, where).toBe(tr.info[t]?.prob);
            const mask = tr.info[t]?.action_mask;
            if (mask) expect(Array.from(r.info.action_mask as Int8Array), where).toEqual(mask);
          });
          const last = tr.actions.length - 1;
          if (tr.terminated[last] || tr.truncated[last]) expect(() => env.step(0)).toThrow(/reset/);
        });
      }
    });
  }

  it('the trajectories cover termination, truncation by the TimeLimit and the cliff', () => {
    const all = Object.values(cfgs).flatMap((c) => c.trajectories.map((t) => ({ c, t })));
    expect(all.some(({ t }) => t.terminated.at(-1))).toBe(true);
    expect(all.some(({ c, t }) => c.id === 'Taxi-v4' && t.truncated.at(-1) && t.actions.length === 200)).toBe(true);
    expect(all.some(({ c, t }) => c.id === 'FrozenLake8x8-v1' && t.truncated.at(-1) && t.actions.length === 200)).toBe(true);
    expect(all.some(({ c, t }) => c.id === 'FrozenLake-v1' && t.truncated.at(-1) && t.actions.length === 100)).toBe(true);
    expect(all.some(({ t }) => t.reward.includes(-100))).toBe(true);
    expect(all.some(({ t }) => t.reward.includes(20))).toBe(true);
  });
});

/** Samples `n` steps of action `a` from state `s` and compares the outcome frequencies with P. */
function checkSlips(env: TabularEnv, s: number, a: number, n: number, seed: number): void {
  env.reset({ seed });
  const counts = new Map<number, number>();
  const expected = new Map<number, number>();
  for (const t of env.P[s]?.[a] ?? []) expected.set(t.next, (expected.get(t.next) ?? 0) + t.prob);
  for (let i = 0; i < n; i++) {
    // Place the agent without a reset: the public step refuses only after an episode's end.
    env.s = s;
    const r = (env as unknown as { _step(a: number): { obs: number } })._step(a);
    counts.set(r.obs, (counts.get(r.obs) ?? 0) + 1);
  }
  expectFrequencies(counts, expected, n);
}

describe('stochastic dynamics: empirical frequencies follow P', () => {
  it('FrozenLake slippery: 1/3 intended, 1/3 each perpendicular', () => {
    const env = new FrozenLakeEnv();
    checkSlips(env, 6, 1, 30000, 1); // from (1,2) down: (2,2), (1,1)=hole, (1,3)=hole
    checkSlips(env, 0, 0, 30000, 2); // corner: left and up both stay at 0 (2/3), down 1/3
  });
  it('FrozenLake successRate 3/4 gives 3/4 and 1/8 + 1/8', () => {
    const env = new FrozenLakeEnv({ mapName: '8x8', successRate: 0.75 });
    checkSlips(env, 9, 2, 30000, 3);
    expect(env.P[9]?.[2]?.map((t) => t.prob)).toEqual([0.125, 0.75, 0.125]);
  });
  it('CliffWalkingSlippery: the cliff catches 1/3 of the moves along it', () => {
    const env = new CliffWalkingEnv({ isSlippery: true });
    checkSlips(env, 25, 1, 30000, 4); // (2,1) right: up (1,1), right (2,2), down = cliff → start 36
    expect(env.P[25]?.[1]?.map((t) => t.next)).toEqual([13, 26, 36]);
  });
  it('Taxi rainy: 0.8 forward, 0.1 to each side', () => {
    const env = new TaxiEnv({ isRainy: true });
    checkSlips(env, taxiEncode(2, 2, 0, 1), 0, 30000, 5);
  });
  it('Taxi fickle passenger changes destination on the first move after pickup with fickleProbability', () => {
    let changed = 0;
    const n = 4000;
    const env = new TaxiEnv({ ficklePassenger: true, fickleProbability: 0.3 });
    for (let i = 0; i < n; i++) {
      env.reset({ seed: 100 + i });
      env.s = taxiEncode(0, 0, 0, 1); // at R with the passenger there, going to G
      env.step(4); // pickup
      const r = env.step(0); // move south: the fickle moment
      const [, , pass, dest] = taxiDecode(r.obs);
      expect(pass).toBe(4);
      if (dest !== 1) changed++;
      // Only once per episode: moving again keeps the destination.
      expect(taxiDecode(env.step(1).obs)[3]).toBe(dest);
    }
    expectFrequencies(new Map([[1, changed]]), new Map([[1, 0.3]]), n);
    const always = new TaxiEnv({ ficklePassenger: true, fickleProbability: 1 });
    always.reset({ seed: 0 });
    always.s = taxiEncode(0, 0, 0, 1);
    always.step(4);
    expect(always.step(3).obs).toBe(taxiEncode(0, 0, 4, 1)); // blocked by the wall: no move, no change
    expect(taxiDecode(always.step(0).obs)[3]).not.toBe(1);
  });
  it('Taxi resets uniformly over the 300 start states', () => {
    const env = new TaxiEnv();
    env.reset({ seed: 9 });
    const counts = new Map<number, number>();
    const n = 60000;
    for (let i = 0; i < n; i++) {
      const s = env.reset().obs;
      const [, , pass, dest] = taxiDecode(s);
      expect(pass).toBeLessThan(4);
      expect(pass).not.toBe(dest);
      counts.set(s, (counts.get(s) ?? 0) + 1);
    }
    expect(counts.size).toBe(300);
    expectFrequencies(counts, new Map([...counts.keys()].map((k) => [k, 1 / 300])), n);
  });
});

describe('Taxi', () => {
  it('encode and decode are inverse over all 500 states', () => {
    const env = new TaxiEnv();
    for (let s = 0; s < 500; s++) {
      const d = env.decode(s);
      expect(env.encode(...d)).toBe(s);
    }
    expect(env.encode(4, 4, 4, 3)).toBe(499);
    expect(() => env.encode(5, 0, 0, 0)).toThrow(/encode\(5, 0, 0, 0\) out of range/);
    expect(() => env.decode(500)).toThrow(/state 500 is not a state index/);
  });
  it('the action mask is 1 exactly where P changes the state', () => {
    const env = new TaxiEnv();
    for (let s = 0; s < 500; s++) {
      const m = env.actionMask(s);
      for (let a = 0; a < 4; a++) expect(m[a], `s=${s} a=${a}`).toBe(env.P[s]?.[a]?.[0]?.next !== s ? 1 : 0);
      for (const a of [4, 5]) expect(m[a], `s=${s} a=${a}`).toBe(env.P[s]?.[a]?.[0]?.next !== s ? 1 : 0);
    }
  });
});

describe('FrozenLake maps', () => {
  it('ships the 4x4 and 8x8 maps; unknown names and malformed desc are errors', () => {
    expect(new FrozenLakeEnv({ mapName: '8x8' }).nS).toBe(64);
    expect(FROZEN_LAKE_MAPS['4x4']).toEqual(['SFFF', 'FHFH', 'FFFH', 'HFFG']);
    expect(() => new FrozenLakeEnv({ mapName: '5x5' })).toThrow(/unknown mapName '5x5'/);
    expect(() => new FrozenLakeEnv({ desc: ['SFF', 'FH'] })).toThrow(/row 1 has 2 tiles but row 0 has 3/);
    expect(() => new FrozenLakeEnv({ desc: ['SFX', 'FHG'] })).toThrow(/unknown tile 'X'/);
    expect(() => new FrozenLakeEnv({ desc: ['FFF', 'FHG'] })).toThrow(/no start tile S/);
    // Gymnasium's snake_case kwarg names are accepted (this used to throw).
    expect((make('FrozenLake-v1', { map_name: '8x8' }).unwrapped as FrozenLakeEnv).nS).toBe(64);
    expect(() => make('FrozenLake-v1', { map_name: '8x8', mapName: '4x4' })).toThrow(/kwarg 'mapName' is given twice/);
  });
  it('generateRandomMap is seeded, has S and G in the corners and always a path', () => {
    const a = generateRandomMap(8, 0.6, new Rng(7));
    expect(generateRandomMap(8, 0.6, 7)).toEqual(a);
    expect(generateRandomMap(8, 0.6, 8)).not.toEqual(a);
    for (let seed = 0; seed < 200; seed++) {
      const m = generateRandomMap(6, 0.55, seed);
      expect(m.length).toBe(6);
      expect(m[0]?.[0]).toBe('S');
      expect(m[5]?.[5]).toBe('G');
      expect(frozenLakeHasPath(m)).toBe(true);
      expect(m.join('')).toMatch(/^[SFHG]+$/);
    }
    // Holes with p = 0.8 are about 20%.
    const tiles = Array.from({ length: 50 }, (_, i) => generateRandomMap(10, 0.8, 1000 + i).join('')).join('');
    const holes = [...tiles].filter((c) => c === 'H').length / tiles.length;
    expect(holes).toBeGreaterThan(0.12);
    expect(holes).toBeLessThan(0.22);
    // Gymnasium's own maps pass the same validity check; a walled-in goal fails it.
    for (const m of Object.values(toyText.randomMaps)) expect(frozenLakeHasPath(m)).toBe(true);
    expect(frozenLakeHasPath(['SFH', 'FHF', 'HFG'])).toBe(false);
    expect(() => generateRandomMap(1)).toThrow(/size must be an integer >= 2/);
    expect(() => generateRandomMap(4, 0)).toThrow(/p \(probability of a frozen tile\) must be > 0/);
  });
  it('mapName null without desc builds a random 8x8 lake', () => {
    const env = new FrozenLakeEnv({ mapName: null, rng: new Rng(3) });
    expect(env.desc).toEqual(generateRandomMap(8, 0.8, new Rng(3)));
  });
});

describe('toy text: errors and rendering', () => {
  it('out-of-range actions name the env and the value', () => {
    const env = make('Taxi-v4');
    env.reset({ seed: 0 });
    expect(() => env.step(6)).toThrow(/Taxi-v4.*6/);
    const lake = make('FrozenLake-v1');
    lake.reset({ seed: 0 });
    expect(() => lake.step(-1)).toThrow(/FrozenLake-v1/);
    expect(() => make('CliffWalking-v0', { isSlippery: true })).toThrow(/no kwarg 'isSlippery'/);
    expect(() => new TaxiEnv({ rainyProbability: 1.5 })).toThrow(/rainyProbability must be a probability/);
  });
  it('render draws the agent on the grid', () => {
    const cases: Array<[TabularEnv, number, number, [number, number, number]]> = [
      [new CliffWalkingEnv(), 12 * 32, 4 * 32, [40, 80, 220]],
      [new FrozenLakeEnv(), 256, 256, [210, 40, 40]],
      [new FrozenLakeEnv({ mapName: '8x8' }), 512, 512, [210, 40, 40]],
      [new TaxiEnv(), 200, 200, [250, 200, 0]],
    ];
    for (const [env, w, h, agent] of cases) {
      env.reset({ seed: 1 });
      const f = env.render();
      expect([f.width, f.height]).toEqual([w, h]);
      expect(f.data.length).toBe(w * h * 3);
      let found = 0;
      for (let i = 0; i < w * h; i++)
        if (f.data[3 * i] === agent[0] && f.data[3 * i + 1] === agent[1] && f.data[3 * i + 2] === agent[2]) found++;
      expect(found).toBeGreaterThan(20);
    }
  });
});
