import { describe, expect, it } from 'vitest';
import { Rng } from '../rng';
import { NStepAccumulator } from './nstep';
import { ReplayBuffer } from './replay';

describe('NStepAccumulator', () => {
  it('3-step returns across a termination and a truncation, two envs interleaved (γ = 0.5)', () => {
    const acc = new NStepAccumulator({ numEnvs: 2, obsDim: 1, actionDim: 1, n: 3, gamma: 0.5, actionDtype: 'int32' });
    const buf = new ReplayBuffer({ capacity: 32, obsDim: 1, actionDim: 1, actionDtype: 'int32', gamma: 0.5 });
    // Per step: [env0, env1]. nextObs is the true next (final) observation.
    const steps = [
      { obs: [0, 50], act: [0, 10], rew: [1, 10], next: [1, 51], term: [0, 0], trunc: [0, 0] },
      { obs: [1, 51], act: [1, 11], rew: [2, 20], next: [2, 52], term: [0, 0], trunc: [0, 1] }, // env1 truncated
      { obs: [2, 200], act: [2, 12], rew: [4, 1], next: [3, 201], term: [0, 0], trunc: [0, 0] },
      { obs: [3, 201], act: [3, 13], rew: [8, 1], next: [4, 202], term: [1, 0], trunc: [0, 0] }, // env0 terminated
      { obs: [100, 202], act: [4, 14], rew: [16, 1], next: [101, 203], term: [0, 0], trunc: [0, 0] },
      { obs: [101, 203], act: [5, 15], rew: [32, 2], next: [102, 204], term: [0, 1], trunc: [0, 0] }, // env1 terminated
    ];
    const emittedAfter: number[] = [];
    for (const s of steps) {
      acc.add(s.obs, s.act, s.rew, s.next, s.term, s.trunc, buf);
      emittedAfter.push(buf.size);
    }
    expect(emittedAfter).toEqual([0, 2, 3, 6, 7, 10]);
    expect(acc.pending(0)).toBe(2); // obs 100, 101 wait for a third reward
    expect(acc.pending(1)).toBe(0);

    // [obs, action, R, nextObs, terminated, truncated, discount = γ^m]
    const expected = [
      // step 1, env1 truncated: flush both pending, bootstrap from s=52
      [50, 10, 10 + 0.5 * 20, 52, 0, 1, 0.25], // m = 2: 20
      [51, 11, 20, 52, 0, 1, 0.5], //              m = 1
      // step 2, env0 has 3 pending → emit the oldest with m = 3
      [0, 0, 1 + 0.5 * 2 + 0.25 * 4, 3, 0, 0, 0.125], // 3
      // step 3, env0 terminated: flush 3 pending, next = final obs 4
      [1, 1, 2 + 0.5 * 4 + 0.25 * 8, 4, 1, 0, 0.125], // 6
      [2, 2, 4 + 0.5 * 8, 4, 1, 0, 0.25], //            8
      [3, 3, 8, 4, 1, 0, 0.5],
      // step 4, env1 has 3 pending in its new episode
      [200, 12, 1 + 0.5 * 1 + 0.25 * 1, 203, 0, 0, 0.125], // 1.75
      // step 5, env1 terminated
      [201, 13, 1 + 0.5 * 1 + 0.25 * 2, 204, 1, 0, 0.125], // 2
      [202, 14, 1 + 0.5 * 2, 204, 1, 0, 0.25], //             2
      [203, 15, 2, 204, 1, 0, 0.5],
    ];
    for (let r = 0; r < expected.length; r++) {
      const [o, a, R, no, te, tr, disc] = expected[r] as number[];
      expect([buf.obs[r], buf.actions[r], buf.rewards[r], buf.nextObs[r], buf.terminated[r], buf.truncated[r], buf.discounts[r]]).toEqual([
        o,
        a,
        R,
        no,
        te,
        tr,
        disc,
      ]);
    }
    expect(expected.map((row) => row[2])).toEqual([20, 20, 3, 6, 8, 8, 1.75, 2, 2, 2]);

    acc.reset();
    expect(acc.pending(0)).toBe(0);
  });

  it('matches a brute-force n-step computation on a random episode stream', () => {
    const n = 4;
    const gamma = 0.9;
    const numEnvs = 3;
    const acc = new NStepAccumulator({ numEnvs, obsDim: 1, actionDim: 1, n, gamma });
    const out: number[][] = [];
    const sink = {
      add: (
        o: ArrayLike<number>,
        a: ArrayLike<number> | number,
        r: number,
        no: ArrayLike<number>,
        te: boolean | number,
        tr: boolean | number,
        d?: number,
      ) => {
        out.push([o[0] as number, typeof a === 'number' ? a : (a[0] as number), r, no[0] as number, Number(te), Number(tr), d as number]);
      },
    };
    const rng = new Rng(3);
    // Trajectories per env: obs ids unique; record them for the brute force.
    const traj: { obs: number; r: number; next: number; term: number; trunc: number }[][] = [[], [], []];
    let id = 0;
    const cur = [id++, id++, id++];
    for (let t = 0; t < 200; t++) {
      const obs = [...cur];
      const rew: number[] = [];
      const next: number[] = [];
      const term: number[] = [];
      const trunc: number[] = [];
      for (let e = 0; e < numEnvs; e++) {
        rew.push(Math.round(rng.uniform(-5, 5)));
        next.push(id++);
        const u = rng.random();
        term.push(u < 0.08 ? 1 : 0);
        trunc.push(u >= 0.08 && u < 0.14 ? 1 : 0);
        traj[e]!.push({ obs: obs[e]!, r: rew[e]!, next: next[e]!, term: term[e]!, trunc: trunc[e]! });
        cur[e] = term[e] || trunc[e] ? id++ : next[e]!;
      }
      acc.add(obs, obs, rew, next, term, trunc, sink);
    }
    // Brute force: for each transition, walk forward up to n steps or the episode end.
    const expected = new Map<number, number[]>();
    for (let e = 0; e < numEnvs; e++) {
      const tr = traj[e]!;
      for (let t = 0; t < tr.length; t++) {
        let R = 0;
        let m = 0;
        let k = t;
        let ended = false;
        while (m < n && k < tr.length) {
          R += gamma ** m * tr[k]!.r;
          m++;
          if (tr[k]!.term || tr[k]!.trunc) {
            ended = true;
            break;
          }
          k++;
        }
        if (!ended && m < n) continue; // still pending at the end of the stream
        const last = tr[ended ? k : t + n - 1]!;
        expected.set(tr[t]!.obs, [tr[t]!.obs, tr[t]!.obs, R, last.next, ended ? last.term : 0, ended ? last.trunc : 0, gamma ** m]);
      }
    }
    expect(out.length).toBe(expected.size);
    for (const row of out) {
      const ref = expected.get(row[0]!)!;
      expect(ref).toBeDefined();
      expect(row.slice(0, 2)).toEqual(ref.slice(0, 2));
      expect(row[2]).toBeCloseTo(ref[2]!, 9);
      expect(row.slice(3, 6)).toEqual(ref.slice(3, 6));
      expect(row[6]).toBeCloseTo(ref[6]!, 12);
    }
  });

  it('validates options and input lengths', () => {
    expect(() => new NStepAccumulator({ numEnvs: 1, obsDim: 1, actionDim: 1, n: 0, gamma: 0.9 })).toThrow(/n must/);
    expect(() => new NStepAccumulator({ numEnvs: 1, obsDim: 1, actionDim: 1, n: 2, gamma: 1.1 })).toThrow(/gamma/);
    const acc = new NStepAccumulator({ numEnvs: 2, obsDim: 1, actionDim: 1, n: 2, gamma: 0.9 });
    const buf = new ReplayBuffer({ capacity: 4, obsDim: 1, actionDim: 1, actionDtype: 'int32' });
    expect(() => acc.add([0], [0, 0], [0, 0], [0, 0], [0, 0], [0, 0], buf)).toThrow(/obs has length 1, expected 2/);
  });
});
