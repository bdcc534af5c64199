/**
 * The grid-world maps shipped with tfrl, as string constants (so bundlers need no file access).
 * The same maps are in `packages/envs/maps/<name>.txt`; a test keeps the two identical.
 * Legend: see `GRID_LEGEND` in ./grid-map.ts.
 */

import type { GridWorldSettings } from './grid-map';

export interface GridMapEntry {
  name: string;
  description: string;
  ascii: string;
  /** Settings this map is meant to be used with (override the generic defaults). */
  defaults: Partial<GridWorldSettings>;
}

export const GRID_MAPS: Readonly<Record<string, GridMapEntry>> = {
  '4x3': {
    name: '4x3',
    description:
      'The 4x3 grid of Russell & Norvig (AIMA 3rd ed., Fig. 17.1): start bottom-left, wall at (1,1), +1 goal top-right, -1 trap below it. Defaults: step reward -0.04, slip 0.2.',
    ascii: ['...G', '.#.T', 'S...'].join('\n'),
    defaults: { stepReward: -0.04, slip: 0.2, maxSteps: 100 },
  },
  'open-5x5': {
    name: 'open-5x5',
    description: 'A small open room, 5x5 free cells inside walls; start top-left, goal bottom-right.',
    ascii: ['#######', '#S....#', '#.....#', '#.....#', '#.....#', '#....G#', '#######'].join('\n'),
    defaults: { maxSteps: 50 },
  },
  'open-10x10': {
    name: 'open-10x10',
    description: 'A medium open room, 10x10 free cells inside walls; start top-left, goal bottom-right.',
    ascii: [
      '############',
      '#S.........#',
      '#..........#',
      '#..........#',
      '#..........#',
      '#..........#',
      '#..........#',
      '#..........#',
      '#..........#',
      '#..........#',
      '#.........G#',
      '############',
    ].join('\n'),
    defaults: { maxSteps: 200 },
  },
  'four-rooms': {
    name: 'four-rooms',
    description:
      'The four-rooms domain of Sutton, Precup & Singh (1999): four rooms joined by one-cell hallways; start top-left, goal bottom-right.',
    ascii: [
      '#############',
      '#S....#.....#',
      '#.....#.....#',
      '#...........#',
      '#.....#.....#',
      '#.....#.....#',
      '##.####.....#',
      '#.....###.###',
      '#.....#.....#',
      '#.....#.....#',
      '#...........#',
      '#.....#....G#',
      '#############',
    ].join('\n'),
    defaults: { maxSteps: 400 },
  },
  'tp13-map2': {
    name: 'tp13-map2',
    description:
      "Reconstruction of 'carte 2' (fig. 36a) of the course report's TP13 (Implicit Curriculum RL): the figure is lost, so the layout is ours; from the text we keep the start at (1, 6), the final goal at (1, 4) right next to it behind a wall (reaching it means crossing the whole map: 38 steps), and intermediate rewards '+' guiding the agent (collected once per episode).",
    ascii: [
      '###############',
      '#...G#S.......#',
      '#.###########.#',
      '#.#.....#.....#',
      '#.#.###.#.###+#',
      '#.#.#...#...#.#',
      '#.#.#.#####.#.#',
      '#...#..+......#',
      '#.###.###.#.###',
      '#..+......#...#',
      '###############',
    ].join('\n'),
    defaults: { maxSteps: 200, collectOnce: true },
  },
  'tp13-map2-sparse': {
    name: 'tp13-map2-sparse',
    description: "'carte 2' without the intermediate rewards (as used for goal-DQN without guidance and HER in the report).",
    ascii: [
      '###############',
      '#...G#S.......#',
      '#.###########.#',
      '#.#.....#.....#',
      '#.#.###.#.###.#',
      '#.#.#...#...#.#',
      '#.#.#.#####.#.#',
      '#...#.........#',
      '#.###.###.#.###',
      '#.........#...#',
      '###############',
    ].join('\n'),
    defaults: { maxSteps: 200 },
  },
  'tp13-map3': {
    name: 'tp13-map3',
    description:
      "Stand-in for 'carte 3' (fig. 36b) of the course report's TP13: the figure is lost and the text gives no layout; a medium maze, start top-left, goal bottom-right (20 steps).",
    ascii: [
      '#############',
      '#S....#.....#',
      '#.###.#.###.#',
      '#...#...#...#',
      '###.#####.#.#',
      '#...#...#.#.#',
      '#.###.#.#.#.#',
      '#.....#...#G#',
      '#############',
    ].join('\n'),
    defaults: { maxSteps: 200 },
  },
  'maze-rooms': {
    name: 'maze-rooms',
    description:
      'A large maze of 4x5 rooms (25x41 cells) joined in a single snake by one-cell doors: the only goal is 164 steps from the start, so with a sparse reward plain DQN with epsilon-greedy exploration practically never sees it (use HER, goal sampling or curricula).',
    ascii: [
      '#########################################',
      '#S..............#.......#.......#.......#',
      '#.......#...............#.......#.......#',
      '#.......#.......#...............#.......#',
      '#.......#.......#.......#...............#',
      '#.......#.......#.......#.......#.......#',
      '##################################.######',
      '#.......#.......#...............#.......#',
      '#.......#.......#.......#...............#',
      '#.......#.......#.......#.......#.......#',
      '#...............#.......#.......#.......#',
      '#.......#...............#.......#.......#',
      '####.####################################',
      '#.......#.......#.......#.......#.......#',
      '#...............#.......#.......#.......#',
      '#.......#...............#.......#.......#',
      '#.......#.......#...............#.......#',
      '#.......#.......#.......#...............#',
      '######################################.##',
      '#.......#...............#.......#.......#',
      '#.......#.......#...............#.......#',
      '#.......#.......#.......#...............#',
      '#.......#.......#.......#.......#.......#',
      '#G..............#.......#.......#.......#',
      '#########################################',
    ].join('\n'),
    defaults: { maxSteps: 1000 },
  },
};
