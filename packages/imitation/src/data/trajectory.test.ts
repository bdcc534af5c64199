import { Box, Dict, Discrete } from '@tfrl/core';
import { describe, expect, it } from 'vitest';
import {
  Dataset,
  type Trajectory,
  TrajectoryError,
  datasetStats,
  encodeTrajectory,
  flatTransitions,
  trajectoryLength,
  validateTrajectory,
} from './trajectory';

const obsSpace = new Box({ low: -5, high: 5, shape: [2] });
const discrete = new Discrete(3);
const box = new Box({ low: -1, high: 1, shape: [2] });

/** Episode 0: 3 steps, terminated. Episode 1: 2 steps, truncated. Discrete(3) actions. */
function discreteDataset(): Dataset {
  const t0: Trajectory = {
    obs: Float32Array.from([0, 0.5, 1, 1.5, 2, 2.5, 3, 3.5]),
    acts: Int32Array.from([1, 0, 2]),
    rews: Float32Array.from([1, 0.5, -1]),
    terminated: true,
    truncated: false,
    obsDim: 2,
    actDim: 1,
  };
  const t1: Trajectory = {
    obs: Float32Array.from([-1, -1.5, -2, -2.5, -3, -3.5]),
    acts: Int32Array.from([2, 1]),
    rews: Float32Array.from([2, 0.25]),
    terminated: false,
    truncated: true,
    obsDim: 2,
    actDim: 1,
  };
  return new Dataset({ trajectories: [t0, t1], observationSpace: obsSpace, actionSpace: discrete, metadata: { envId: 'Toy-v0' } });
}

function goodTrajectory(): Trajectory {
  return {
    obs: Float32Array.from([0, 0, 1, 1, 2, 2]),
    acts: Float32Array.from([0.5, -0.5, 0.25, 0]),
    rews: Float32Array.from([1, 2]),
    terminated: false,
    truncated: true,
    obsDim: 2,
    actDim: 2,
  };
}

function errorOf(f: () => void): TrajectoryError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(TrajectoryError);
    return e as TrajectoryError;
  }
  throw new Error('expected a TrajectoryError');
}

describe('validateTrajectory', () => {
  it('accepts a well-formed trajectory with and without spaces', () => {
    const t = goodTrajectory();
    expect(() => validateTrajectory(t)).not.toThrow();
    expect(() => validateTrajectory(t, { observationSpace: obsSpace, actionSpace: box })).not.toThrow();
    expect(trajectoryLength(t)).toBe(2);
  });

  it.each([
    ['obs', (t: Trajectory) => (t.obs = t.obs.subarray(0, 4)), /trajectory 7: obs: has 4 numbers but T\+1 = 3 rows/],
    [
      'acts',
      (t: Trajectory) => (t.acts = Float32Array.from([0, 0])),
      /trajectory 7: acts: has 2 numbers but T = 2 rows of actDim 2 need 4/,
    ],
    ['rews', (t: Trajectory) => (t.rews = new Float32Array(0)), /trajectory 7: rews: is empty/],
    ['infos', (t: Trajectory) => (t.infos = [{}]), /trajectory 7: infos: has 1 entries but the trajectory has T = 2 steps/],
    ['terminated', (t: Trajectory) => (t.terminated = true), /trajectory 7: terminated: terminated and truncated are both true/],
    ['obsDim', (t: Trajectory) => (t.obsDim = 0), /trajectory 7: obsDim: must be a positive integer, got 0/],
    ['actDim', (t: Trajectory) => (t.actDim = 1.5), /trajectory 7: actDim: must be a positive integer, got 1.5/],
    [
      'obs',
      (t: Trajectory) => (t.obs = [0, 0, 1, 1, 2, 2] as unknown as Float32Array),
      /trajectory 7: obs: must be a Float32Array, got Array/,
    ],
  ])('names the field %s', (field, mutate, message) => {
    const t = goodTrajectory();
    mutate(t);
    const err = errorOf(() => validateTrajectory(t, { index: 7 }));
    expect(err.field).toBe(field);
    expect(err.trajectory).toBe(7);
    expect(err.message).toMatch(message);
  });

  it('names the row and element of a non-finite number', () => {
    const t = goodTrajectory();
    t.obs[3] = Number.NaN;
    let err = errorOf(() => validateTrajectory(t, { index: 2 }));
    expect([err.field, err.row]).toEqual(['obs', 1]);
    expect(err.message).toBe('trajectory 2: obs row 1: element 1 = NaN is not finite');

    const u = goodTrajectory();
    u.rews[1] = Number.POSITIVE_INFINITY;
    err = errorOf(() => validateTrajectory(u, { index: 0 }));
    expect([err.field, err.row]).toEqual(['rews', 1]);

    const v = goodTrajectory();
    v.acts[2] = Number.NEGATIVE_INFINITY;
    err = errorOf(() => validateTrajectory(v));
    expect([err.field, err.row]).toEqual(['acts', 1]);
    expect(err.message).toMatch(/^trajectory: acts row 1: element 0 = -Infinity/);
  });

  it('checks rows against the spaces', () => {
    const t = goodTrajectory();
    t.obs[5] = 9;
    let err = errorOf(() => validateTrajectory(t, { observationSpace: obsSpace, index: 4 }));
    expect([err.field, err.row]).toEqual(['obs', 2]);
    expect(err.message).toMatch(
      /trajectory 4: obs row 2: is not in Box\(-5\.0, 5\.0, \(2,\), float32\) \(element 1 = 9 is above high 5\.0\)/,
    );

    const u = goodTrajectory();
    u.acts[3] = 1.5;
    err = errorOf(() => validateTrajectory(u, { actionSpace: box, index: 1 }));
    expect([err.field, err.row]).toEqual(['acts', 1]);

    const d: Trajectory = { ...goodTrajectory(), acts: Float32Array.from([0, 0.5]), actDim: 1 };
    err = errorOf(() => validateTrajectory(d, { actionSpace: discrete, index: 3 }));
    expect(err.message).toMatch(/trajectory 3: acts row 1: is not in Discrete\(3\) \(0\.5 is not an integer\)/);

    const e: Trajectory = { ...goodTrajectory(), acts: Int32Array.from([2, 3]), actDim: 1 };
    err = errorOf(() => validateTrajectory(e, { actionSpace: discrete }));
    expect(err.message).toMatch(/acts row 1: is not in Discrete\(3\) \(3 is outside \[0, 2\]\)/);

    err = errorOf(() => validateTrajectory(goodTrajectory(), { actionSpace: discrete }));
    expect(err.field).toBe('actDim');
  });

  it('names the Dict key at fault', () => {
    const space = new Dict({ pos: new Box({ low: 0, high: 1, shape: [1] }), mode: new Discrete(2) });
    // compact layout: keys sorted -> mode, pos
    const t: Trajectory = { ...goodTrajectory(), obs: Float32Array.from([0, 0.5, 1, 0.5, 2, 0.5]) };
    const err = errorOf(() => validateTrajectory(t, { observationSpace: space }));
    expect(err.row).toBe(2);
    expect(err.message).toMatch(/key 'mode': 2 is outside \[0, 1\]/);
  });
});

describe('encodeTrajectory', () => {
  it('writes space elements in the compact layout', () => {
    const space = new Dict({ pos: new Box({ low: 0, high: 1, shape: [1] }), mode: new Discrete(2) });
    const t = encodeTrajectory(
      {
        observations: [
          { pos: Float32Array.from([0.5]), mode: 1 },
          { pos: Float32Array.from([0.25]), mode: 0 },
        ],
        actions: [2],
        rewards: [1],
        terminated: true,
        truncated: false,
      },
      { observationSpace: space, actionSpace: discrete },
    );
    expect(Array.from(t.obs)).toEqual([1, 0.5, 0, 0.25]);
    expect(t.acts).toBeInstanceOf(Int32Array);
    expect(Array.from(t.acts)).toEqual([2]);
    expect([t.obsDim, t.actDim]).toEqual([2, 1]);
  });

  it('validates what it builds', () => {
    expect(() =>
      encodeTrajectory(
        { observations: [Float32Array.from([0, 0])], actions: [1], rewards: [1], terminated: false, truncated: false },
        { observationSpace: obsSpace, actionSpace: discrete },
      ),
    ).toThrow(/obs: has 2 numbers but T\+1 = 2 rows/);
  });
});

describe('Dataset', () => {
  it('validates its trajectories and names the index', () => {
    const ds = discreteDataset();
    expect(ds.numEpisodes).toBe(2);
    expect(ds.numSteps).toBe(5);
    const bad = ds.trajectories.map((t) => ({ ...t }));
    (bad[1] as Trajectory).acts = Int32Array.from([2, 5]);
    const err = errorOf(() => new Dataset({ trajectories: bad, observationSpace: obsSpace, actionSpace: discrete }));
    expect([err.trajectory, err.field, err.row]).toEqual([1, 'acts', 1]);
    expect(() => new Dataset({ trajectories: bad, observationSpace: obsSpace, actionSpace: discrete }, { validate: false })).not.toThrow();
  });
});

describe('flatTransitions', () => {
  it('flattens a 2-episode discrete dataset', () => {
    const f = flatTransitions(discreteDataset());
    expect(f.n).toBe(5);
    expect([f.obsDim, f.actDim]).toEqual([2, 1]);
    expect(Array.from(f.obs)).toEqual([0, 0.5, 1, 1.5, 2, 2.5, -1, -1.5, -2, -2.5]);
    expect(Array.from(f.nextObs)).toEqual([1, 1.5, 2, 2.5, 3, 3.5, -2, -2.5, -3, -3.5]);
    expect(f.acts).toBeInstanceOf(Int32Array);
    expect(Array.from(f.acts)).toEqual([1, 0, 2, 2, 1]);
    expect(Array.from(f.rews)).toEqual([1, 0.5, -1, 2, 0.25]);
    expect(Array.from(f.dones)).toEqual([0, 0, 1, 0, 1]);
    expect(Array.from(f.terminated)).toEqual([0, 0, 1, 0, 0]);
    expect(Array.from(f.truncated)).toEqual([0, 0, 0, 0, 1]);
    expect(Array.from(f.episode)).toEqual([0, 0, 0, 1, 1]);
  });

  it('flattens Box actions into a Float32Array', () => {
    const t0 = encodeTrajectory(
      {
        observations: [Float32Array.from([0, 0]), Float32Array.from([1, 1])],
        actions: [Float32Array.from([0.5, -0.5])],
        rewards: [3],
        terminated: true,
        truncated: false,
      },
      { observationSpace: obsSpace, actionSpace: box },
    );
    const t1 = encodeTrajectory(
      {
        observations: [Float32Array.from([2, 2]), Float32Array.from([3, 3]), Float32Array.from([4, 4])],
        actions: [Float32Array.from([0.25, 0]), Float32Array.from([-1, 1])],
        rewards: [1, 1],
        terminated: false,
        truncated: false,
      },
      { observationSpace: obsSpace, actionSpace: box },
    );
    const f = flatTransitions(new Dataset({ trajectories: [t0, t1], observationSpace: obsSpace, actionSpace: box }));
    expect(f.acts).toBeInstanceOf(Float32Array);
    expect(Array.from(f.acts)).toEqual([0.5, -0.5, 0.25, 0, -1, 1]);
    expect(Array.from(f.obs)).toEqual([0, 0, 2, 2, 3, 3]);
    expect(Array.from(f.nextObs)).toEqual([1, 1, 3, 3, 4, 4]);
    // an episode that ended neither way is still a trajectory end (done) but not terminated/truncated
    expect(Array.from(f.dones)).toEqual([1, 0, 1]);
    expect(Array.from(f.terminated)).toEqual([1, 0, 0]);
    expect(Array.from(f.truncated)).toEqual([0, 0, 0]);
  });
});

describe('datasetStats', () => {
  it('counts episodes and steps and summarises returns', () => {
    // returns: 0.5 and 2.25
    expect(datasetStats(discreteDataset())).toEqual({
      episodes: 2,
      steps: 5,
      meanReturn: 1.375,
      stdReturn: 0.875,
      minReturn: 0.5,
      maxReturn: 2.25,
      meanLength: 2.5,
      terminated: 1,
      truncated: 1,
    });
  });

  it('handles an empty dataset', () => {
    const s = datasetStats(new Dataset({ trajectories: [], observationSpace: obsSpace, actionSpace: discrete }));
    expect(s.episodes).toBe(0);
    expect(s.steps).toBe(0);
    expect(s.meanReturn).toBeNaN();
  });
});
