import { Box, Discrete, type Env } from '@tfrl/core';
import { lunarLanderHeuristic, make } from '@tfrl/envs';
import { describe, expect, it } from 'vitest';
import { RecordError, recordDataset } from './record';
import { datasetStats } from './trajectory';

/** Push the cart towards where the pole leans. */
const cartPolicy = (obs: Float32Array): number => ((obs[2] as number) + 0.5 * (obs[3] as number) > 0 ? 1 : 0);

describe('recordDataset', () => {
  it('records CartPole with a fixed policy: lengths and returns match a manual rollout', () => {
    const env = make('CartPole-v1');
    const ds = recordDataset(cartPolicy, env, { episodes: 3, seed: 7, source: 'test' });
    expect(ds.numEpisodes).toBe(3);
    const manualReturns: number[] = [];
    for (let ep = 0; ep < 3; ep++) {
      let { obs } = env.reset({ seed: 7 + ep });
      const first = Float32Array.from(obs as Float32Array);
      let ret = 0;
      let len = 0;
      let done = false;
      let terminated = false;
      const acts: number[] = [];
      while (!done) {
        const a = cartPolicy(obs as Float32Array);
        acts.push(a);
        const r = env.step(a as never);
        ret += r.reward;
        len++;
        obs = r.obs;
        terminated = r.terminated;
        done = r.terminated || r.truncated;
      }
      const t = ds.trajectories[ep];
      expect(t?.rews.length).toBe(len);
      expect(t?.obs.length).toBe((len + 1) * 4);
      expect(Array.from(t?.obs.subarray(0, 4) ?? [])).toEqual(Array.from(first));
      expect(Array.from(t?.obs.subarray(len * 4) ?? [])).toEqual(Array.from(obs as Float32Array));
      expect(Array.from(t?.acts ?? [])).toEqual(acts);
      expect(t?.acts).toBeInstanceOf(Int32Array);
      expect(t?.terminated).toBe(terminated);
      expect(t?.truncated).toBe(!terminated);
      expect(t?.infos).toBeUndefined();
      manualReturns.push(ret);
    }
    const stats = datasetStats(ds);
    const mean = manualReturns.reduce((a, b) => a + b, 0) / 3;
    expect(ds.metadata.expertMeanReturn).toBeCloseTo(mean, 6);
    expect(stats.meanReturn).toBeCloseTo(mean, 6);
    expect(ds.metadata.expertStdReturn).toBeCloseTo(stats.stdReturn, 6);
    expect(ds.metadata).toMatchObject({ episodes: 3, envId: 'CartPole-v1', source: 'test' });
    expect(typeof ds.metadata['recordedAt']).toBe('string');
    env.close();
  });

  it('keepInfos keeps T info records; maxSteps truncates', () => {
    const env = make('CartPole-v1');
    const ds = recordDataset(() => 1, env, { episodes: 1, seed: 0, keepInfos: true, maxSteps: 5, envId: 'Custom-v0' });
    const t = ds.trajectories[0];
    expect(t?.rews.length).toBeLessThanOrEqual(5);
    expect(t?.infos?.length).toBe(t?.rews.length);
    expect(ds.metadata.envId).toBe('Custom-v0');
    const capped = recordDataset(cartPolicy, env, { episodes: 1, seed: 0, maxSteps: 5 });
    expect(capped.trajectories[0]?.rews.length).toBe(5);
    expect(capped.trajectories[0]?.truncated).toBe(true);
    expect(capped.trajectories[0]?.terminated).toBe(false);
    env.close();
  });

  it('takes the first row of a batched predict and passes deterministic', () => {
    const env = make('CartPole-v1');
    const seen: boolean[] = [];
    const agent = {
      predict(obs: Float32Array, o: { deterministic: boolean }) {
        seen.push(o.deterministic);
        return Int32Array.of(cartPolicy(obs), 0, 0);
      },
    };
    const a = recordDataset(agent, env, { episodes: 2, seed: 3, deterministic: false });
    const b = recordDataset(cartPolicy, env, { episodes: 2, seed: 3 });
    expect(seen.every((d) => d === false)).toBe(true);
    expect(a.trajectories.map((t) => Array.from(t.acts))).toEqual(b.trajectories.map((t) => Array.from(t.acts)));
    env.close();
  });

  it('LunarLander heuristic over 3 episodes: metadata mean return is the mean of the episodes', () => {
    for (const [id, continuous] of [
      ['LunarLander-v3', false],
      ['LunarLanderContinuous-v3', true],
    ] as const) {
      const env = make(id);
      const ds = recordDataset((obs) => lunarLanderHeuristic(obs, { continuous }), env, { episodes: 3, seed: 0 });
      const returns = ds.trajectories.map((t) => t.rews.reduce((a, b) => a + b, 0));
      expect(ds.metadata.expertMeanReturn).toBeCloseTo(returns.reduce((a, b) => a + b, 0) / 3, 6);
      expect(ds.metadata.expertMeanReturn).toBeGreaterThan(100); // the heuristic lands
      expect(ds.metadata.envId).toBe(id);
      expect(ds.actionSpace).toBeInstanceOf(continuous ? Box : Discrete);
      env.close();
    }
  });

  it('errors: episodes not a positive integer, actions outside the space (naming episode and step)', () => {
    const env = make('CartPole-v1');
    for (const episodes of [0, -1, 1.5, Number.NaN]) {
      expect(() => recordDataset(cartPolicy, env, { episodes, seed: 0 })).toThrow(/episodes must be a positive integer/);
    }
    expect(() => recordDataset(() => 2, env, { episodes: 1, seed: 0 })).toThrow(
      /episode 0, step 0: the policy's action 2 is not in Discrete\(2\)/,
    );
    let calls = 0;
    const late = (obs: Float32Array) => (++calls > 3 ? 0.5 : cartPolicy(obs));
    try {
      recordDataset(late, env, { episodes: 1, seed: 0 });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(RecordError);
      expect((e as RecordError).message).toMatch(/episode 0, step 3/);
      expect((e as RecordError).step).toBe(3);
    }
    const cont: Env<any, any> = make('LunarLanderContinuous-v3');
    expect(() => recordDataset(() => Float32Array.of(0, 3), cont, { episodes: 2, seed: 0 })).toThrow(
      /episode 0, step 0: .*\[0, 3\] is not in Box/,
    );
    expect(() => recordDataset(() => Float32Array.of(0), cont, { episodes: 1, seed: 0 })).toThrow(
      /returned 1 numbers but the action space needs 2/,
    );
    cont.close();
    env.close();
  });
});
