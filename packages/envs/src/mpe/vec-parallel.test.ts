import { SyncVecParallelEnv } from '@tfrl/core';
import { describe, expect, it } from 'vitest';
import { makeParallel } from './registry';
import type { ParticleEnv } from './particle-env';

describe('particle worlds through SyncVecParallelEnv', () => {
  it('steps N copies of simple_spread_v3 on per-agent arrays, matching the single envs, with autoreset after max cycles', () => {
    const n = 3;
    const venv = new SyncVecParallelEnv(Array.from({ length: n }, () => () => makeParallel('simple_spread_v3', { max_cycles: 5 })));
    const singles = Array.from({ length: n }, () => makeParallel('simple_spread_v3', { max_cycles: 5 }) as ParticleEnv);
    expect(venv.possibleAgents).toEqual(['agent_0', 'agent_1', 'agent_2']);
    const obs = venv.reset(7);
    singles.forEach((e, i) => e.reset({ seed: 7 + i }));
    const d = venv.observationSpace('agent_0').compactDim;
    expect(obs.agent_0).toHaveLength(n * d);
    for (let t = 0; t < 5; t++) {
      const acts: Record<string, Int32Array> = {};
      for (const a of venv.possibleAgents) acts[a] = Int32Array.from({ length: n }, (_, i) => (t + i) % 5);
      const r = venv.step(acts);
      const single = singles.map((e, i) =>
        e.step(Object.fromEntries(venv.possibleAgents.map((a) => [a, (acts[a] as Int32Array)[i] as number]))),
      );
      for (let i = 0; i < n; i++) {
        expect((r.rewards.agent_1 as Float32Array)[i]).toBeCloseTo(single[i]?.rewards.agent_1 as number, 5);
        if (t < 4)
          expect(Array.from((r.obs.agent_2 as Float32Array).subarray(i * d, (i + 1) * d))).toEqual(
            Array.from(single[i]?.obs.agent_2 as Float32Array),
          );
        else
          expect(Array.from((r.finalObs.agent_2 as Float32Array).subarray(i * d, (i + 1) * d))).toEqual(
            Array.from(single[i]?.obs.agent_2 as Float32Array),
          );
      }
      expect(Array.from(r.dones)).toEqual(new Array(n).fill(t === 4 ? 1 : 0));
      if (t === 4) expect((r.infos[0]?.episode as { l: number }).l).toBe(5);
    }
  });
});
