import { BaseEnv, Box, Discrete, TimeLimit, type RgbFrame } from '@tfrl/core';
import { describe, expect, it } from 'vitest';
import { CartPoleEnv } from './classic/cartpole';
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
