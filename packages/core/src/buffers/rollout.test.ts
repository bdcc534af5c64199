import { describe, expect, it } from 'vitest';
import { Rng } from '../rng';
import { bootstrapTruncated } from './gae';
import { RolloutBuffer } from './rollout';

function fillExample() {
  // Same rollout as the computeGae hand example (γ = λ = 0.5), stored the SB3 way.
  const buf = new RolloutBuffer({ nSteps: 4, numEnvs: 2, obsDim: 2, actionDim: 1, actionDtype: 'int32' });
  const rewards = [
    [1, 0],
    [1, 2],
    [1, 0],
    [1, 1],
  ];
  const values = [
    [1, 2],
    [2, 2],
    [3, 2],
    [4, 2],
  ];
  const terminated = [
    [0, 0],
    [1, 0],
    [0, 0],
    [0, 0],
  ];
  const truncated = [
    [0, 0],
    [0, 0],
    [0, 1],
    [0, 0],
  ];
  let episodeStarts = [1, 1];
  for (let t = 0; t < 4; t++) {
    const r = Float32Array.from(rewards[t]!);
    // env1 is truncated at step 2 with V(final obs) = 4
    bootstrapTruncated(r, truncated[t]!, terminated[t]!, [0, 4], 0.5);
    const obs = [10 * t, 10 * t + 1, 10 * t + 5, 10 * t + 6]; // env e row: [10t + 5e, 10t + 5e + 1]
    buf.add(obs, [t, 100 + t], r, episodeStarts, values[t]!, [-t, -t - 0.5], terminated[t], truncated[t]);
    episodeStarts = terminated[t]!.map((x, e) => (x || truncated[t]![e] ? 1 : 0));
  }
  return buf;
}

describe('RolloutBuffer', () => {
  it('stores steps [step][env] and computes the hand-checked GAE', () => {
    const buf = fillExample();
    expect(buf.full).toBe(true);
    expect(Array.from(buf.episodeStarts)).toEqual([1, 1, 0, 0, 1, 0, 0, 1]);
    expect(Array.from(buf.rewards)).toEqual([1, 0, 1, 2, 1, 2, 1, 1]);
    expect(Array.from(buf.truncated)).toEqual([0, 0, 0, 0, 0, 1, 0, 0]);
    expect(Array.from(buf.terminated)).toEqual([0, 0, 1, 0, 0, 0, 0, 0]);
    buf.computeReturnsAndAdvantage([2, 8], [0, 0], 0.5, 0.5);
    // see gae.test.ts for the arithmetic
    expect(Array.from(buf.advantages)).toEqual([0.75, -0.75, -1, 1, -0.5, 0, -2, 3]);
    expect(Array.from(buf.returns)).toEqual([1.75, 1.25, 1, 3, 2.5, 2, 2, 5]);
    // lastDones: env1 ended at the last step → its last δ = 1 − 2 = −1
    buf.computeReturnsAndAdvantage([2, 8], [false, true], 0.5, 0.5);
    expect(buf.advantages[7]).toBe(-1);
    expect(() => buf.add([0, 0, 0, 0], [0, 0], [0, 0], [0, 0], [0, 0], [0, 0])).toThrow(/full/);
  });

  it('minibatches cover every row once per epoch with consistent fields, reusing arrays', () => {
    const buf = fillExample();
    expect(() => buf.minibatches(3, new Rng(0)).next()).toThrow(/computeReturnsAndAdvantage/);
    buf.computeReturnsAndAdvantage([2, 8], [0, 0], 0.5, 0.5);
    const rng = new Rng(8);
    for (let epoch = 0; epoch < 3; epoch++) {
      const seen: number[] = [];
      const sizes: number[] = [];
      const objs = new Set<unknown>();
      for (const mb of buf.minibatches(3, rng)) {
        sizes.push(mb.batchSize);
        objs.add(mb);
        for (let j = 0; j < mb.batchSize; j++) {
          const i = mb.indices[j]!;
          seen.push(i);
          const t = Math.floor(i / 2);
          const e = i % 2;
          expect([mb.obs[2 * j], mb.obs[2 * j + 1]]).toEqual([10 * t + 5 * e, 10 * t + 5 * e + 1]);
          expect(mb.actions[j]).toBe(e === 0 ? t : 100 + t);
          expect(mb.oldValues[j]).toBe(buf.values[i]);
          expect(mb.oldLogProbs[j]).toBe(e === 0 ? -t : -t - 0.5);
          expect(mb.advantages[j]).toBe(buf.advantages[i]);
          expect(mb.returns[j]).toBe(buf.returns[i]);
        }
      }
      expect(sizes).toEqual([3, 3, 2]);
      expect(objs.size).toBe(2); // one full-size and one remainder batch, reused
      expect(seen.slice().sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    }
    buf.reset();
    expect(buf.size).toBe(0);
    expect(() => buf.computeReturnsAndAdvantage([0, 0], [0, 0], 0.9, 0.9)).toThrow(/0 of 4 steps/);
  });

  it('rejects bad options and inputs', () => {
    expect(() => new RolloutBuffer({ nSteps: 0, numEnvs: 1, obsDim: 1, actionDim: 1, actionDtype: 'int32' })).toThrow(/nSteps/);
    const buf = new RolloutBuffer({ nSteps: 2, numEnvs: 2, obsDim: 1, actionDim: 1, actionDtype: 'float32' });
    expect(() => buf.add([0, 0], [0, 0], [0], [0, 0], [0, 0], [0, 0])).toThrow(/rewards has length 1, expected 2/);
  });
});
