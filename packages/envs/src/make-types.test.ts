import type { Env } from '@tfrl/core';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { type BuiltinEnvTypes, type GoalObservation, listEnvs, make } from './registry';

describe('make() is typed by id', () => {
  it('every built-in id has its observation and action types', () => {
    const typed: Record<keyof BuiltinEnvTypes, true> = {
      'Acrobot-v1': true,
      'BitFlipping-v0': true,
      'CartPole-v1': true,
      'CliffWalking-v0': true,
      'CliffWalking-v1': true,
      'CliffWalkingSlippery-v1': true,
      'FrozenLake-v1': true,
      'FrozenLake8x8-v1': true,
      'GoalGridWorld-v0': true,
      'GridWorld-v0': true,
      'LunarLander-v3': true,
      'LunarLanderContinuous-v3': true,
      'MountainCar-v0': true,
      'MountainCarContinuous-v0': true,
      'Pendulum-v1': true,
      'PointMassGoal-v0': true,
      'Taxi-v3': true,
      'Taxi-v4': true,
    };
    expect(Object.keys(typed).sort()).toEqual([...listEnvs()].sort());
  });

  it('the Gymnasium loop type-checks: Box observations are Float32Array, Discrete ones numbers', () => {
    const cartpole = make('CartPole-v1');
    expectTypeOf(cartpole).toEqualTypeOf<Env<Float32Array, number>>();
    const { obs } = cartpole.reset({ seed: 0 });
    expectTypeOf(obs).toEqualTypeOf<Float32Array>();
    const r = cartpole.step((obs[2] as number) > 0 ? 1 : 0);
    expect(r.obs).toBeInstanceOf(Float32Array);
    // @ts-expect-error CartPole takes a number, not a Float32Array
    expect(() => cartpole.step(Float32Array.of(1))).toThrow();
    const lake = make('FrozenLake-v1', { is_slippery: false });
    expectTypeOf(lake.reset().obs).toEqualTypeOf<number>();
    expect(lake.step(2).obs).toBe(1);
    const pendulum = make('Pendulum-v1');
    pendulum.reset({ seed: 0 });
    expect(pendulum.step(Float32Array.of(0.5)).obs).toHaveLength(3);
    expectTypeOf(make('GoalGridWorld-v0').reset().obs).toEqualTypeOf<GoalObservation>();
    // An id registered by the user has no static type.
    expectTypeOf(make(('CartPole' + '-v1') as string)).toEqualTypeOf<Env<any, any>>();
  });
});
