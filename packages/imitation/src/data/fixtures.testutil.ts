import { Box, Discrete } from '@tfrl/core';
import { Dataset, type DatasetMetadata, type Trajectory } from './trajectory';

/**
 * Two episodes with Box(−5, 5, (2,)) observations and Discrete(4) actions, for the file-format
 * tests: episode 0 has 2 steps (rewards 1 and `secondReward`) and is truncated, episode 1 has 1 step
 * (reward −1) and terminates.
 */
export function toyDiscreteDataset(opts: { secondReward?: number; metadata?: DatasetMetadata } = {}): Dataset {
  const t0: Trajectory = {
    obs: Float32Array.from([0, 0.5, 1, 1.5, 2, 2.5]),
    acts: Int32Array.from([3, 0]),
    rews: Float32Array.from([1, opts.secondReward ?? 0]),
    terminated: false,
    truncated: true,
    obsDim: 2,
    actDim: 1,
  };
  const t1: Trajectory = {
    obs: Float32Array.from([4, 4, -4, -4]),
    acts: Int32Array.from([2]),
    rews: Float32Array.from([-1]),
    terminated: true,
    truncated: false,
    obsDim: 2,
    actDim: 1,
  };
  return new Dataset({
    trajectories: [t0, t1],
    observationSpace: new Box({ low: -5, high: 5, shape: [2] }),
    actionSpace: new Discrete(4),
    ...(opts.metadata ? { metadata: opts.metadata } : {}),
  });
}
