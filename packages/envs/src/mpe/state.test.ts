import { describe, expect, it } from 'vitest';
import { makeParallel } from './registry';

describe('particle worlds: state(), stateSpace, numAgents, maxNumAgents (PettingZoo API)', () => {
  it.each([
    ['simple_spread_v3', {}, 54, 3],
    ['simple_adversary_v3', {}, 28, 3],
    ['simple_tag_v3', {}, 62, 4],
    ['simple_spread_v3', { N: 4 }, 4 * (4 + 8 + 6 + 6), 4],
  ] as const)('%s %j: the float32 concatenation of every observation in possibleAgents order', (id, kwargs, dim, agents) => {
    const env = makeParallel(id, kwargs);
    expect(env.stateSpace.shape).toEqual([dim]);
    expect(env.stateSpace.dtype).toBe('float32');
    expect(env.maxNumAgents).toBe(agents);
    expect(env.numAgents).toBe(0); // before reset no agent is alive
    let { obs } = env.reset({ seed: 3 });
    expect(env.numAgents).toBe(agents);
    for (let t = 0; t < 25; t++) {
      const s = env.state();
      expect(s).toBeInstanceOf(Float32Array);
      expect(s.length).toBe(dim);
      expect(env.stateSpace.contains(s)).toBe(true);
      const concat = env.possibleAgents.flatMap((a) => Array.from(obs[a] as Float32Array));
      expect(Array.from(s)).toEqual(concat);
      const r = env.step(Object.fromEntries(env.agents.map((a, i) => [a, (t + i) % 5])));
      obs = r.obs;
    }
    expect(env.numAgents).toBe(0); // every agent truncated after max_cycles
    expect(env.maxNumAgents).toBe(agents);
    expect(env.state().length).toBe(dim); // still defined after the episode (the last world state)
  });
});
