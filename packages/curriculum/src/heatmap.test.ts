import { MemoryLogger } from '@tfrl/core';
import { useBackend } from '@tfrl/core/testing';
import { makeVec } from '@tfrl/envs';
import { DQN } from '@tfrl/value-based';
import { beforeAll, describe, expect, it } from 'vitest';
import { EpisodeEndHeatmap } from './heatmap';

beforeAll(async () => {
  await useBackend('wasm');
});

describe('EpisodeEndHeatmap (where training episodes end)', () => {
  it('counts the last achieved goal of every episode on the grid world’s cells and draws walls, visited and empty cells', async () => {
    const env = makeVec('GoalGridWorld-v0', 2, { seed: 0, kwargs: { map: 'tp13-map2-sparse' } });
    const logger = new MemoryLogger();
    const heat = new EpisodeEndHeatmap({ cell: 4 });
    const agent = new DQN({ env, seed: 0, learningStarts: 50, batchSize: 16, bufferSize: 1000, logger });
    await agent.learn({ totalTimesteps: 600, callbacks: [heat] });
    const counts = heat.counts as Float64Array;
    expect(heat.episodes).toBe(agent.numEpisodes);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(heat.episodes);
    const grid = (env as unknown as { envs: Array<{ unwrapped: { map: { rows: number; cols: number; lines: string[] } } }> }).envs[0]
      ?.unwrapped.map;
    expect(heat.bins).toEqual([grid?.rows, grid?.cols]);
    // no episode ends inside a wall
    grid?.lines.forEach((line, r) => {
      for (let c = 0; c < line.length; c++) if (line[c] === '#') expect(counts[r * (grid?.cols as number) + c]).toBe(0);
    });
    const img = heat.image();
    expect([img.width, img.height, img.channels]).toEqual([(grid?.cols as number) * 4, (grid?.rows as number) * 4, 3]);
    const images = logger.records.filter((r) => r.kind === 'image' && r.tag === 'curriculum/episode_ends');
    expect(images.length).toBe(1); // at the end of training
    agent.dispose();
  }, 60_000);

  it('bins continuous 2-D goals over their box, y up, by hand', () => {
    const heat = new EpisodeEndHeatmap({
      bins: [2, 4],
      range: [
        [0, 1],
        [0, 4],
      ],
      axes: 'xy',
      cell: 1,
    });
    // configure() needs a goal env; set the grid directly as it would
    heat.bins = [2, 4];
    heat.range = [
      [0, 1],
      [0, 4],
    ];
    heat.axes = 'xy';
    heat.counts = new Float64Array(8);
    heat.add([0.5, 0.9]); // x 0.5 → column 0; y 0.9 → top row (row 0)
    heat.add([3.9, 0.1]); // column 3, bottom row (row 1)
    heat.add([9, -5]); // clipped into the corner: column 3, row 1
    expect(Array.from(heat.counts)).toEqual([1, 0, 0, 0, 0, 0, 0, 2]);
    const img = heat.image();
    // the most visited bin is the darkest red; an empty bin light grey
    expect(Array.from(img.data.subarray(7 * 3, 7 * 3 + 3))).toEqual([135, 10, 10]);
    expect(Array.from(img.data.subarray(3, 6))).toEqual([235, 235, 235]);
  });

  it('names a bad option', () => {
    expect(() => new EpisodeEndHeatmap({ bins: [0, 3] })).toThrow(/bins must be \[rows, cols\] of integers in \[1, 1024\]/);
    expect(
      () =>
        new EpisodeEndHeatmap({
          range: [
            [1, 0],
            [0, 1],
          ],
        }),
    ).toThrow(/range must be \[\[low, high\], \[low, high\]\] with low < high/);
    expect(() => new EpisodeEndHeatmap({ logFreq: -1 })).toThrow(/logFreq must be a non-negative integer/);
    expect(() => new EpisodeEndHeatmap().configure({ observationSpace: undefined } as never)).toThrow(/needs a goal env's Dict/);
  });
});
