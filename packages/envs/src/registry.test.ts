import { BaseEnv, Box, Discrete, type Env, type SyncVecEnv, TimeLimit, type RgbFrame } from '@tfrl/core';
import { describe, expect, it } from 'vitest';
import { BUILTIN_ENVS } from './builtin';
import { CartPoleEnv } from './classic/cartpole';
import type { MountainCarContinuousVecEnv, PendulumVecEnv } from './classic/batched';
import { envSpec, listEnvs, make, makeVec, register } from './registry';

class ConstEnv extends BaseEnv<Float32Array, number> {
  readonly observationSpace = new Box({ low: 0, high: 10, shape: [1] });
  readonly actionSpace = new Discrete(2);
  constructor(readonly value: number) {
    super();
  }
  protected _reset() {
    return { obs: new Float32Array([this.value]), info: {} };
  }
  protected _step() {
    return { obs: new Float32Array([this.value]), reward: this.value, terminated: false, truncated: false, info: {} };
  }
  render(): RgbFrame {
    return { width: 1, height: 1, data: new Uint8Array(3) };
  }
}

describe('registry', () => {
  it('makes CartPole-v1 with its TimeLimit and spec', () => {
    expect(listEnvs()).toContain('CartPole-v1');
    const env = make('CartPole-v1');
    expect(env).toBeInstanceOf(TimeLimit);
    expect((env as TimeLimit).maxEpisodeSteps).toBe(500);
    expect(env.unwrapped).toBeInstanceOf(CartPoleEnv);
    expect(env.spec).toMatchObject({ id: 'CartPole-v1', maxEpisodeSteps: 500, rewardThreshold: 475 });
    expect(envSpec('CartPole-v1')?.rewardThreshold).toBe(475);
    const short = make('CartPole-v1', {}, { maxEpisodeSteps: 2 });
    short.reset({ seed: 0 });
    short.step(0);
    expect(short.step(1).truncated).toBe(true);
  });

  it('names unknown ids and kwargs', () => {
    expect(() => make('CartPole-v0')).toThrow(/make: unknown env id 'CartPole-v0'; registered ids: .*CartPole-v1/);
    expect(() => make('CartPole-v1', { gravity: 3 })).toThrow(
      "make: CartPole-v1 has no kwarg 'gravity'; accepted kwargs: suttonBartoReward",
    );
  });

  it('registers new envs with default kwargs; duplicates need override', () => {
    register({ id: 'Const-v0', entryPoint: (kw) => new ConstEnv(kw.value as number), kwargs: { value: 3 } });
    expect(() => register({ id: 'Const-v0', entryPoint: () => new ConstEnv(1) })).toThrow(/already registered/);
    const env = make('Const-v0', { value: 7 });
    expect(env).toBeInstanceOf(ConstEnv); // no maxEpisodeSteps, no TimeLimit
    expect(env.reset().obs[0]).toBe(7);
    expect(make('Const-v0').reset().obs[0]).toBe(3);
  });

  it('makeVec builds seeded envs with episode statistics and extra wrappers', () => {
    const vec = makeVec('CartPole-v1', 3, { seed: 5 });
    expect(vec.numEnvs).toBe(3);
    const obs = vec.reset();
    const single = make('CartPole-v1');
    for (let i = 0; i < 3; i++) {
      const o = single.reset({ seed: 5 + i }).obs;
      expect(Array.from(obs.subarray(i * 4, i * 4 + 4))).toEqual(Array.from(o));
    }
    // always push right: every episode ends by termination within a few dozen steps
    const actions = new Int32Array(3).fill(1);
    let done = 0;
    for (let t = 0; t < 100 && done === 0; t++) {
      const r = vec.step(actions);
      for (let i = 0; i < 3; i++) {
        if (r.terminated[i]) {
          done++;
          const ep = r.infos[i]?.episode as { r: number; l: number };
          expect(ep.r).toBe(ep.l);
          expect(ep.l).toBe(t + 1);
          expect(Math.abs(r.finalObs[i * 4] as number) > 2.4 || Math.abs(r.finalObs[i * 4 + 2] as number) > 0.2094).toBe(true);
        }
      }
    }
    expect(done).toBeGreaterThan(0);
    let wrapped = 0;
    makeVec('CartPole-v1', 2, {
      wrappers: [
        (e) => {
          wrapped++;
          return e;
        },
      ],
    });
    expect(wrapped).toBe(2);
    expect(() => makeVec('Nope-v0', 2)).toThrow(/unknown env id 'Nope-v0'/);
  });
});

/**
 * Every built-in id with the keyword arguments Gymnasium documents for it, under Gymnasium's own
 * names (non-default values). Acrobot-v1, CliffWalking-v0 and Taxi-v3 take none besides
 * render_mode in Gymnasium 0.29 / 1.0; GridWorld, GoalGridWorld, BitFlipping and PointMassGoal are tfrl's own.
 */
const GYMNASIUM_KWARGS: Record<string, Record<string, unknown>> = {
  'CartPole-v1': { sutton_barto_reward: true },
  'MountainCar-v0': { goal_velocity: 0.01 },
  'MountainCarContinuous-v0': { goal_velocity: 0.01 },
  'Pendulum-v1': { g: 9.81 },
  'Acrobot-v1': {},
  'LunarLander-v3': { continuous: true, gravity: -9, enable_wind: true, wind_power: 10, turbulence_power: 1 },
  'LunarLanderContinuous-v3': { continuous: false, gravity: -11, enable_wind: true, wind_power: 12, turbulence_power: 0.5 },
  'FrozenLake-v1': { desc: ['SF', 'HG'], map_name: '8x8', is_slippery: false, success_rate: 0.5, reward_schedule: [2, -1, 0] },
  'FrozenLake8x8-v1': { map_name: '4x4', is_slippery: false, success_rate: 0.9, reward_schedule: [1, -1, 0] },
  'Taxi-v4': { is_rainy: true, fickle_passenger: true, rainy_probability: 0.7, fickle_probability: 0.2 },
  'Taxi-v3': {},
  'CliffWalking-v1': { is_slippery: true },
  'CliffWalkingSlippery-v1': { is_slippery: false },
  'CliffWalking-v0': {},
  'GridWorld-v0': { step_reward: -0.1, slip: 0.1, max_steps: 30, obs_type: 'index' },
  'GoalGridWorld-v0': { step_reward: -2, goal_reward: 1, max_steps: 40, goal_sampling: 'free' },
  'BitFlipping-v0': { n_bits: 5, max_steps: 7, fixed_goal: true, continuous: true },
  'PointMassGoal-v0': { walls: 'u-maze', reward_type: 'dense', distance_threshold: 0.05, fixed_goal: true, continue_on_success: false },
};

const camel = (k: string) => k.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());
const camelKeys = (kw: Record<string, unknown>) => Object.fromEntries(Object.entries(kw).map(([k, v]) => [camel(k), v]));

describe('make: kwarg spellings (Gymnasium snake_case and tfrl camelCase)', () => {
  it('covers every built-in id', () => {
    expect(BUILTIN_ENVS.map((r) => r.id).sort()).toEqual(Object.keys(GYMNASIUM_KWARGS).sort());
  });

  for (const [id, gymKwargs] of Object.entries(GYMNASIUM_KWARGS)) {
    it(`${id}: Gymnasium's names (${Object.keys(gymKwargs).join(', ') || 'render_mode only'}) build the same env as the camelCase ones`, () => {
      const a = make(id, { ...gymKwargs, render_mode: 'rgb_array' });
      const b = make(id, { ...camelKeys(gymKwargs), renderMode: 'rgb_array' });
      expect(a.spec?.kwargs).toEqual(b.spec?.kwargs);
      // each value reached the env's kwargs under its registered name
      const registered = envSpec(id)?.kwargs ?? {};
      for (const [k, v] of Object.entries(gymKwargs)) {
        const name = k in registered ? k : camel(k);
        expect(name in registered).toBe(true);
        expect(a.spec?.kwargs?.[name]).toEqual(v);
      }
      expect(a.spec?.kwargs?.renderMode).toBe('rgb_array');
      // and every registered kwarg is accepted in the other case style too
      for (const name of Object.keys(registered)) {
        const other = name.includes('_') ? camel(name) : name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
        const value = registered[name];
        expect(make(id, { [other]: value }).spec?.kwargs?.[name]).toEqual(value);
      }
    });
  }

  it('one kwarg under two spellings is an error naming both', () => {
    expect(() => make('CartPole-v1', { sutton_barto_reward: true, suttonBartoReward: true })).toThrow(
      "make: CartPole-v1: kwarg 'suttonBartoReward' is given twice, as 'sutton_barto_reward' and as 'suttonBartoReward'; pass only one of them",
    );
    expect(() => make('Taxi-v4', { isRainy: true, is_rainy: true })).toThrow(
      /kwarg 'isRainy' is given twice, as 'isRainy' and as 'is_rainy'/,
    );
    expect(() => make('Pendulum-v1', { renderMode: null, render_mode: 'rgb_array' })).toThrow(/kwarg 'renderMode' is given twice/);
    expect(() => makeVec('MountainCar-v0', 2, { kwargs: { goal_velocity: 0, goalVelocity: 0 } })).toThrow(/given twice/);
  });

  it('unknown kwargs list every accepted name in both spellings', () => {
    expect(() => make('CartPole-v1', { gravity: 3 })).toThrow(
      "make: CartPole-v1 has no kwarg 'gravity'; accepted kwargs: suttonBartoReward (or sutton_barto_reward), strict, renderMode (or render_mode)",
    );
    expect(() => make('FrozenLake-v1', { slippery: true })).toThrow(
      "make: FrozenLake-v1 has no kwarg 'slippery'; accepted kwargs: desc, mapName (or map_name), isSlippery (or is_slippery), " +
        'successRate (or success_rate), rewardSchedule (or reward_schedule), strict, renderMode (or render_mode)',
    );
    expect(() => make('Taxi-v3', { is_rainy: true })).toThrow(
      "make: Taxi-v3 has no kwarg 'is_rainy'; accepted kwargs: strict, renderMode (or render_mode)",
    );
    expect(() => make('MountainCar-v0', { goal_velocty: 0.1 })).toThrow(
      /has no kwarg 'goal_velocty'; .*; did you mean 'goal_?[vV]elocity'\?$/,
    );
    expect(() => make('CartPole-v1', null as never)).toThrow('make: CartPole-v1: kwargs must be an object of named values, got null');
  });

  it('strict and render_mode are checked; strict reaches the env and spec.kwargs', () => {
    expect(() => make('Pendulum-v1', { strict: 'yes' })).toThrow(`make: Pendulum-v1: kwarg 'strict' must be a boolean, got "yes"`);
    expect(() => make('CartPole-v1', { render_mode: 'human' })).toThrow(
      /make: CartPole-v1: render_mode "human" is not supported; .*'rgb_array'/,
    );
    expect(make('CartPole-v1', { render_mode: null }).spec?.kwargs).toEqual({ suttonBartoReward: false, renderMode: null });
    const p = make('Pendulum-v1', { strict: true });
    expect((p.unwrapped as BaseEnv).strict).toBe(true);
    expect(p.spec?.kwargs).toEqual({ g: 10, strict: true });
    expect((make('Pendulum-v1').unwrapped as BaseEnv).strict).toBe(false);
    expect(make('Pendulum-v1').spec?.kwargs).toEqual({ g: 10 });
    // discrete envs reject invalid actions with or without strict
    const cp = make('CartPole-v1', { strict: true });
    cp.reset({ seed: 0 });
    expect(() => cp.step(2)).toThrow(/CartPole-v1: action 2 is not in Discrete\(2\)/);
  });

  it('registrations may list explicit aliases; a bad alias is refused at register', () => {
    register({ id: 'AliasConst-v0', entryPoint: (kw) => new ConstEnv(kw.value as number), kwargs: { value: 3 }, aliases: { v: 'value' } });
    expect(make('AliasConst-v0', { v: 8 }).reset().obs[0]).toBe(8);
    expect(() => make('AliasConst-v0', { v: 8, value: 1 })).toThrow(
      "make: AliasConst-v0: kwarg 'value' is given twice, as 'v' and as 'value'",
    );
    expect(() => make('AliasConst-v0', { x: 1 })).toThrow(/accepted kwargs: value \(or v\), strict/);
    expect(() => register({ id: 'BadAlias-v0', entryPoint: () => new ConstEnv(1), kwargs: { value: 1 }, aliases: { v: 'nope' } })).toThrow(
      /register: BadAlias-v0: kwarg alias 'v' names 'nope', which is not a registered kwarg/,
    );
    expect(listEnvs()).not.toContain('BadAlias-v0');
  });

  it('makeVec takes either spelling and strict for batched and sync envs', () => {
    const mc = makeVec('MountainCarContinuous-v0', 2, { kwargs: { goal_velocity: 0.02, strict: true } }) as MountainCarContinuousVecEnv;
    expect(mc.goalVelocity).toBe(0.02);
    expect(mc.strict).toBe(true);
    mc.reset(0);
    expect(() => mc.step(Float32Array.of(0, 2))).toThrow(/MountainCarContinuous-v0 \(batched\): action value 2 at index 1/);
    const pend = makeVec('Pendulum-v1', 2, { kwargs: { g: 9 } }) as PendulumVecEnv;
    expect(pend.strict).toBe(false);
    const sync = makeVec('Pendulum-v1', 2, { kwargs: { strict: true }, vectorization: 'sync' });
    sync.reset(0);
    expect(() => sync.step(Float32Array.of(0, 3))).toThrow(/Pendulum-v1: action .* is not in Box/);
    const loose = makeVec('Pendulum-v1', 2, { vectorization: 'sync' });
    loose.reset(0);
    expect(loose.step(Float32Array.of(0, 3)).rewards).toHaveLength(2);
  });
});

describe('seeds', () => {
  it('reset({seed}) takes integers in [0, 2^32 - 1] and names the env and the value otherwise', () => {
    const env = make('CartPole-v1');
    expect(env.reset({ seed: 2 ** 32 - 1 }).obs).toHaveLength(4);
    expect(() => env.reset({ seed: -1 })).toThrow('CartPole-v1: reset seed must be an integer in [0, 4294967295] (2^32 - 1), got -1');
    expect(() => env.reset({ seed: 2 ** 32 })).toThrow(/CartPole-v1: reset seed .* got 4294967296/);
    expect(() => env.reset({ seed: 2 ** 53 + 2 })).toThrow(/CartPole-v1: reset seed .* got 9007199254740994/);
    expect(() => env.reset({ seed: 0.5 })).toThrow(/CartPole-v1: reset seed .* got 0.5/);
    expect(() => env.reset({ seed: Number.NaN })).toThrow(/CartPole-v1: reset seed .* got NaN/);
  });

  it('makeVec checks that every env seed seed + i is valid, for batched and sync envs', () => {
    for (const vectorization of ['batched', 'sync'] as const) {
      expect(makeVec('CartPole-v1', 3, { seed: 2 ** 32 - 3, vectorization }).reset()).toHaveLength(12);
      expect(() => makeVec('CartPole-v1', 3, { seed: 2 ** 32 - 2, vectorization })).toThrow(
        'makeVec: CartPole-v1: seed 4294967294 gives env 2 the seed 4294967296, above 4294967295 (2^32 - 1); with 3 envs the seed must be at most 4294967293',
      );
      expect(() => makeVec('CartPole-v1', 3, { seed: -1, vectorization })).toThrow(
        /makeVec: CartPole-v1: seed must be an integer in \[0, 4294967295\].*got -1/,
      );
      expect(() => makeVec('CartPole-v1', 3, { seed: 1.5, vectorization })).toThrow(/got 1.5/);
    }
  });
});

describe('close', () => {
  it('step and reset after close() throw naming the env, through make() and its TimeLimit', () => {
    const envs: Env<any, any>[] = [make('CartPole-v1'), make('FrozenLake-v1'), make('GridWorld-v0'), make('BitFlipping-v0')];
    for (const env of envs) {
      const id = env.spec?.id as string;
      env.reset({ seed: 0 });
      env.close();
      env.close();
      expect(() => env.step(0)).toThrow(`${id}: step() called after close()`);
      expect(() => env.reset()).toThrow(`${id}: reset() called after close()`);
    }
    const vec = makeVec('CartPole-v1', 2, { vectorization: 'sync' }) as SyncVecEnv;
    vec.reset(0);
    vec.close();
    expect(() => vec.step(new Int32Array(2))).toThrow('CartPole-v1: step() called after close()');
  });
});
