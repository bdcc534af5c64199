import { Rng, SyncVecEnv, type VecEnv } from '@tfrl/core';
import { describe, expect, it } from 'vitest';
import { makeVec } from '../registry';
import { AcrobotVecEnv, CartPoleVecEnv, ClassicVecEnv, MountainCarContinuousVecEnv, MountainCarVecEnv, PendulumVecEnv } from './batched';
import { vecSnapshot } from './vec-snapshot.testutil';

interface Spec {
  id: string;
  discrete?: number;
  box?: [number, number];
  kwargs?: Record<string, unknown>;
  /** Steps long enough to cover terminations and time-limit truncations. */
  steps: number;
}

const SPECS: Spec[] = [
  { id: 'CartPole-v1', discrete: 2, steps: 600 },
  { id: 'CartPole-v1', discrete: 2, steps: 600, kwargs: { suttonBartoReward: true } },
  { id: 'MountainCar-v0', discrete: 3, steps: 450 },
  { id: 'MountainCarContinuous-v0', box: [-1, 1], steps: 2100 },
  { id: 'Pendulum-v1', box: [-2, 2], steps: 450 },
  { id: 'Pendulum-v1', box: [-2, 2], steps: 210, kwargs: { g: 9.81 } },
  { id: 'Acrobot-v1', discrete: 3, steps: 1100 },
];

/**
 * Per step: env 0 a fixed bang-bang pattern (CartPole falls, cars hit walls), env 1 a feedback
 * controller on its observation (balances CartPole to the time limit, pumps the cars and the
 * Acrobot to their goals), the others random actions.
 */
function actionStream(spec: Spec, n: number, seed: number): (t: number, obs: Float32Array) => Float32Array | Int32Array {
  const rng = new Rng(seed);
  const d = spec.id === 'CartPole-v1' ? 4 : spec.id === 'Acrobot-v1' ? 6 : spec.id === 'Pendulum-v1' ? 3 : 2;
  const controller = (o: Float32Array): number => {
    const x = (k: number) => o[d + k] as number;
    switch (spec.id) {
      case 'CartPole-v1':
        return x(2) + 0.3 * x(3) + 0.02 * x(0) + 0.08 * x(1) > 0 ? 1 : 0;
      case 'MountainCar-v0':
        return x(1) >= 0 ? 2 : 0;
      case 'MountainCarContinuous-v0':
        return x(1) >= 0 ? 1 : -1;
      case 'Acrobot-v1':
        return x(5) >= 0 ? 2 : 0;
      default:
        return x(2) >= 0 ? 2 : -2;
    }
  };
  return (t, obs) => {
    const a = spec.discrete ? new Int32Array(n) : new Float32Array(n);
    const [lo, hi] = spec.box ?? [0, 0];
    for (let i = 0; i < n; i++) {
      if (i === 0) a[i] = spec.discrete ? spec.discrete - 1 : t % 60 < 30 ? hi : lo;
      else if (i === 1) a[i] = controller(obs);
      else a[i] = spec.discrete ? rng.integers(spec.discrete) : rng.uniform(lo, hi);
    }
    return a;
  };
}

describe('batched classic-control VecEnvs equal N independent single envs', () => {
  for (const spec of SPECS) {
    it(`${spec.id}${spec.kwargs ? ` ${JSON.stringify(spec.kwargs)}` : ''}: same obs, rewards, flags, finalObs and episodes as SyncVecEnv`, () => {
      const n = 5;
      const batched = makeVec(spec.id, n, { seed: 100, kwargs: spec.kwargs });
      expect(batched).toBeInstanceOf(ClassicVecEnv);
      const sync = makeVec(spec.id, n, { seed: 100, kwargs: spec.kwargs, vectorization: 'sync' });
      expect(sync).toBeInstanceOf(SyncVecEnv);
      expect(String(batched.singleObservationSpace)).toBe(String(sync.singleObservationSpace));
      expect(String(batched.singleActionSpace)).toBe(String(sync.singleActionSpace));
      expect(batched.obsDim).toBe(sync.obsDim);
      let obs = batched.reset();
      expect(Array.from(obs)).toEqual(Array.from(sync.reset()));
      const acts = actionStream(spec, n, 1);
      let ends = 0;
      let truncs = 0;
      let terms = 0;
      let dones = 0;
      for (let t = 0; t < spec.steps; t++) {
        const a = acts(t, obs);
        const stepped = batched.step(a);
        obs = stepped.obs;
        const rb = vecSnapshot(stepped);
        const rs = vecSnapshot(sync.step(a));
        if (JSON.stringify(rb) !== JSON.stringify(rs)) {
          expect({ t, ...rb }).toEqual({ t, ...rs });
        }
        for (let i = 0; i < n; i++) {
          ends += rb.episodes[i] ? 1 : 0;
          truncs += rb.truncated[i] as number;
          terms += rb.terminated[i] as number;
          dones += rb.terminated[i] || rb.truncated[i] ? 1 : 0;
        }
      }
      expect(ends).toBeGreaterThan(n - 1);
      expect(ends).toBe(dones);
      // Every env kind here has episodes ending by the time limit, and all but Pendulum by termination.
      expect(truncs).toBeGreaterThan(0);
      if (spec.id !== 'Pendulum-v1') expect(terms).toBeGreaterThan(0);
      // A reseed restarts the same streams.
      expect(Array.from(batched.reset(7))).toEqual(Array.from(sync.reset(7)));
    });
  }
});

describe('ClassicVecEnv semantics', () => {
  it('env i is seeded seed + i, obs buffers alternate as SyncVecEnv, reset without seed continues the streams', () => {
    const a = new CartPoleVecEnv(3, { seed: 10 });
    const b = new CartPoleVecEnv(1, { seed: 12 });
    const oa = a.reset();
    const ob = b.reset();
    expect(Array.from(oa.subarray(8, 12))).toEqual(Array.from(ob));
    const o1 = a.step(new Int32Array([0, 1, 0])).obs;
    const keep = Array.from(o1);
    const o2 = a.step(new Int32Array([0, 1, 0])).obs;
    expect(o2).not.toBe(o1);
    expect(Array.from(o1)).toEqual(keep); // still valid after the next step
    const first = Array.from(oa);
    expect(Array.from(a.reset())).not.toEqual(first);
  });

  it('autoresets on termination: finalObs holds the last obs, obs the new first obs, info.episode {r, l, t}', () => {
    const env = new CartPoleVecEnv(2, { seed: 0 });
    env.reset();
    env.state.set([2.39, 1, 0, 0], 0); // env 0 leaves the track on the next step
    const r = env.step(new Int32Array([1, 0]));
    expect(Array.from(r.terminated)).toEqual([1, 0]);
    expect(r.finalObs[0]).toBeCloseTo(2.39 + 0.02, 6);
    expect(Array.from(r.finalObs.subarray(4, 8))).toEqual([0, 0, 0, 0]);
    for (let j = 0; j < 4; j++) expect(Math.abs(r.obs[j] as number)).toBeLessThan(0.05);
    expect(r.infos[0]).toMatchObject({ episode: { r: 1, l: 1 } });
    expect(typeof (r.infos[0]?.episode as { t: number }).t).toBe('number');
    expect(r.infos[1]).toEqual({});
    const r2 = env.step(new Int32Array([1, 0]));
    expect(r2.infos[0]).toEqual({});
    expect(Array.from(r2.finalObs.subarray(0, 4))).toEqual([0, 0, 0, 0]);
  });

  it('truncates at the time limit (also when the same step terminates, as Gymnasium)', () => {
    const env = new PendulumVecEnv(2, { seed: 3, maxEpisodeSteps: 5 });
    env.reset();
    const a = new Float32Array([0.5, -0.5]);
    for (let t = 1; t <= 5; t++) {
      const r = env.step(a);
      expect(Array.from(r.truncated)).toEqual(t === 5 ? [1, 1] : [0, 0]);
      if (t === 5) {
        expect((r.infos[1]?.episode as { l: number }).l).toBe(5);
        expect(Array.from(env.elapsed)).toEqual([0, 0]);
      }
    }
    const mc = new MountainCarVecEnv(1, { seed: 0, maxEpisodeSteps: 1 });
    mc.reset();
    mc.state.set([0.49, 0.05]);
    const r = mc.step(new Int32Array([2]));
    expect([r.terminated[0], r.truncated[0]]).toEqual([1, 1]);
  });

  it('rejects bad actions with the env id and index, leaving the state unchanged', () => {
    const cp = new CartPoleVecEnv(4, { seed: 0 });
    expect(() => cp.step(new Int32Array(4))).toThrow(/CartPole-v1 \(batched\): step\(\) called before reset\(\)/);
    cp.reset();
    const before = Array.from(cp.state);
    expect(() => cp.step(new Int32Array(3))).toThrow('CartPole-v1 (batched): expected 4 action values (4 envs × 1 for Discrete(2)), got 3');
    expect(() => cp.step(new Int32Array([0, 1, 2, 0]))).toThrow('CartPole-v1 (batched): action 2 at index 2 (env 2) is not in Discrete(2)');
    expect(() => cp.step(new Float32Array([0, 1, 0, 0.5]))).toThrow(/action 0.5 at index 3/);
    expect(() => cp.step(new Float32Array([0, Number.NaN, 0, 0]))).toThrow(/action NaN at index 1 \(env 1\)/);
    expect(() => cp.step(new Int32Array([-1, 0, 0, 0]))).toThrow(/action -1 at index 0/);
    expect(Array.from(cp.state)).toEqual(before);
    // Continuous envs clip finite out-of-range actions as Gymnasium (they used to throw); strict: true throws.
    const mccStrict = new MountainCarContinuousVecEnv(3, { seed: 0, strict: true });
    mccStrict.reset();
    expect(() => mccStrict.step(new Float32Array([0, 1.5, 0]))).toThrow(
      'MountainCarContinuous-v0 (batched): action value 1.5 at index 1 (env 1) is not in Box(-1.0, 1.0, (1,), float32)',
    );
    const mcc = new MountainCarContinuousVecEnv(3, { seed: 0 });
    mcc.reset();
    const mccBefore = Array.from(mcc.state);
    expect(() => mcc.step(new Float32Array([0, 0, Number.NaN]))).toThrow(/action value NaN at index 2 \(env 2\)/);
    expect(() => mcc.step(new Float32Array([0, Number.NEGATIVE_INFINITY, 0]))).toThrow(
      /action value -Infinity at index 1 \(env 1\) is not in Box.*\(NaN and infinite values are not clipped\)/,
    );
    expect(() => mcc.step(new Float32Array(4))).toThrow(/expected 3 action values/);
    expect(Array.from(mcc.state)).toEqual(mccBefore);
    expect(mcc.step(new Float32Array([0, 1.5, 0])).rewards[1]).toBe(Math.fround(-(1.5 * 1.5 * 0.1)));
    const pendStrict = new PendulumVecEnv(2, { seed: 0, strict: true });
    pendStrict.reset();
    expect(() => pendStrict.step(new Float32Array([2, -2.01]))).toThrow(
      /Pendulum-v1 \(batched\): action value -2\.0\d* at index 1 \(env 1\)/,
    );
    expect(() => new PendulumVecEnv(2, { strict: 'yes' as unknown as boolean })).toThrow(
      'PendulumVecEnv: strict must be a boolean, got "yes"',
    );
    const acro = new AcrobotVecEnv(2, { seed: 0 });
    acro.reset();
    expect(() => acro.step(new Int32Array([3, 0]))).toThrow(
      /Acrobot-v1 \(batched\): action 3 at index 0 \(env 0\) is not in Discrete\(3\)/,
    );
  });

  it('clips out-of-range actions of Pendulum and MountainCarContinuous exactly as the single envs (SyncVecEnv)', () => {
    for (const id of ['Pendulum-v1', 'MountainCarContinuous-v0']) {
      const n = 4;
      const batched = makeVec(id, n, { seed: 5 });
      const sync = makeVec(id, n, { seed: 5, vectorization: 'sync' });
      expect(Array.from(batched.reset())).toEqual(Array.from(sync.reset()));
      const rng = new Rng(9);
      for (let t = 0; t < 300; t++) {
        const a = Float32Array.from({ length: n }, (_, i) => (i === 0 ? (t % 2 ? 1e6 : -1e6) : rng.uniform(-5, 5)));
        const rb = batched.step(a);
        const rs = sync.step(a);
        expect(Array.from(rb.obs)).toEqual(Array.from(rs.obs));
        expect(Array.from(rb.rewards)).toEqual(Array.from(rs.rewards));
        expect(Array.from(rb.terminated)).toEqual(Array.from(rs.terminated));
      }
    }
  });

  it('seeds: seed + i must be an integer in [0, 2^32 - 1] for every env; errors name the env and the value', () => {
    const env = new PendulumVecEnv(3, { seed: 2 ** 32 - 3 });
    const first = Array.from(env.reset());
    expect(Array.from(env.reset(2 ** 32 - 3))).toEqual(first);
    expect(() => env.reset(2 ** 32 - 2)).toThrow(
      'Pendulum-v1 (batched): reset seed 4294967294 gives env 2 the seed 4294967296, above 4294967295 (2^32 - 1); with 3 envs the seed must be at most 4294967293',
    );
    expect(() => env.reset(-1)).toThrow('Pendulum-v1 (batched): reset seed must be an integer in [0, 4294967295] (2^32 - 1), got -1');
    expect(() => env.reset(0.5)).toThrow(TypeError);
    expect(() => env.reset(Number.NaN)).toThrow(/got NaN/);
    expect(() => env.reset(Number.MAX_SAFE_INTEGER + 1)).toThrow(/got 9007199254740992/);
    expect(() => new CartPoleVecEnv(2, { seed: 2 ** 32 - 1 })).toThrow(/CartPoleVecEnv: seed 4294967295 gives env 1 the seed 4294967296/);
    expect(() => new CartPoleVecEnv(2, { seed: -5 })).toThrow(
      'CartPoleVecEnv: seed must be an integer in [0, 4294967295] (2^32 - 1), got -5',
    );
    // a rejected seed leaves the envs as they were
    expect(Array.from(env.reset(2 ** 32 - 3))).toEqual(first);
  });

  it('step and reset after close() throw naming the env; close may be repeated', () => {
    for (const env of [
      new CartPoleVecEnv(2, { seed: 0 }),
      new CartPoleVecEnv(2, { seed: 0, wasm: false }),
      new PendulumVecEnv(2, { seed: 0 }),
    ]) {
      env.reset();
      env.close();
      env.close();
      expect(() => env.step(new Float32Array(2))).toThrow(`${env.id} (batched): step() called after close()`);
      expect(() => env.reset(0)).toThrow(`${env.id} (batched): reset() called after close()`);
    }
  });

  it('makeVec picks batched by default, sync on request or with wrappers, and refuses impossible requests', () => {
    const fmt = (v: VecEnv) => v.constructor.name;
    expect(fmt(makeVec('Acrobot-v1', 2))).toBe('AcrobotVecEnv');
    expect(fmt(makeVec('Acrobot-v1', 2, { vectorization: 'sync' }))).toBe('SyncVecEnv');
    expect(fmt(makeVec('Acrobot-v1', 2, { wrappers: [(e) => e] }))).toBe('SyncVecEnv');
    expect(() => makeVec('Acrobot-v1', 2, { vectorization: 'batched', wrappers: [(e) => e] })).toThrow(
      /wrappers need vectorization: 'sync'/,
    );
    expect(() => makeVec('CartPole-v1', 2, { vectorization: 'gpu' as 'sync' })).toThrow(/vectorization must be/);
    expect(() => makeVec('CartPole-v1', 2, { kwargs: { nope: 1 } })).toThrow(/no kwarg 'nope'/);
    const mc = makeVec('MountainCar-v0', 1, { kwargs: { goalVelocity: 0.02 } }) as MountainCarVecEnv;
    expect(mc.goalVelocity).toBe(0.02);
    expect(mc.maxEpisodeSteps).toBe(200);
    expect(() => new PendulumVecEnv(2, { g: Number.NaN })).toThrow('Pendulum-v1 (batched): g must be a finite number, got NaN');
    expect(() => new AcrobotVecEnv(2, { bookOrNips: 'x' as 'book' })).toThrow(/bookOrNips/);
    expect(() => new CartPoleVecEnv(0)).toThrow(/numEnvs must be a positive integer/);
  });
});

describe('batched classic envs: getState / setState continue a run exactly', () => {
  it.each([
    ['CartPole-v1', () => new CartPoleVecEnv(3, { seed: 5 })],
    ['MountainCar-v0', () => new MountainCarVecEnv(3, { seed: 5 })],
    ['MountainCarContinuous-v0', () => new MountainCarContinuousVecEnv(3, { seed: 5 })],
    ['Pendulum-v1', () => new PendulumVecEnv(3, { seed: 5 })],
    ['Acrobot-v1', () => new AcrobotVecEnv(3, { seed: 5 })],
  ])('%s: a copy restored mid-episode steps identically (through JSON) for 600 steps', (_id, makeEnv) => {
    const a = makeEnv();
    const rng = new Rng(1);
    const space = a.singleActionSpace;
    const act = (): Float32Array | Int32Array => {
      const n = a.numEnvs * a.actDim;
      if ('n' in space) return Int32Array.from({ length: n }, () => rng.integers(space.n as number));
      return Float32Array.from({ length: n }, () => rng.uniform(-1, 1));
    };
    a.reset();
    for (let t = 0; t < 137; t++) a.step(act());
    const b = makeEnv();
    b.setState(JSON.parse(JSON.stringify(a.getState())));
    for (let t = 0; t < 600; t++) {
      const u = act();
      const ra = a.step(u);
      const sa = { obs: Array.from(ra.obs), r: Array.from(ra.rewards), te: Array.from(ra.terminated), tr: Array.from(ra.truncated) };
      const rb = b.step(u);
      expect({ obs: Array.from(rb.obs), r: Array.from(rb.rewards), te: Array.from(rb.terminated), tr: Array.from(rb.truncated) }).toEqual(
        sa,
      );
    }
    expect(() => new CartPoleVecEnv(2).setState(a.getState())).toThrow(/state (is of|has 3 envs)/);
  });
});
