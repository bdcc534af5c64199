import { Box, Dict, ReplayBuffer, Rng, UniformSampler, VecNormalize, replayBufferClassByName } from '@tfrl/core';
import { BitFlippingEnv, makeVec } from '@tfrl/envs';
import { describe, expect, it } from 'vitest';
import { goalLayout } from './goal-env';
import { type GoalSelectionStrategy, type HerReplayBatch, HerReplayBuffer, HerSampler } from './her';

/**
 * A goal env reduced to what HER sees: 1-number goals, reward 0 when the achieved goal equals the
 * desired one, else −1. Compact rows are [achieved_goal, desired_goal, observation] (Dict keys sorted).
 */
const space = new Dict({
  observation: new Box({ low: -1000, high: 1000, shape: [1] }),
  achieved_goal: new Box({ low: -1000, high: 1000, shape: [1] }),
  desired_goal: new Box({ low: -1000, high: 1000, shape: [1] }),
});
let rewardCalls = 0;
const toyEnv = {
  observationSpace: space,
  computeReward(achieved: ArrayLike<number>, desired: ArrayLike<number>): Float32Array {
    rewardCalls++;
    return Float32Array.from({ length: achieved.length }, (_, i) => (achieved[i] === desired[i] ? 0 : -1));
  },
};
const DESIRED = -7; // the stored goal, never achieved

/**
 * Two envs, five vector steps (row = 2·s + env). The achieved goal after vector step s of env e
 * is 100·e + s + 1 (so a goal names the row it came from).
 * - env 0: an episode of 3 steps that terminates at s = 2, then a running one (s = 3, 4);
 * - env 1: an episode of 4 steps truncated by the time limit at s = 3, then a running one (s = 4).
 */
function fill(buf: ReplayBuffer): void {
  for (let s = 0; s < 5; s++) {
    const obs: number[] = [];
    const next: number[] = [];
    for (let e = 0; e < 2; e++) {
      obs.push(100 * e + s, DESIRED, 100 * e + s);
      next.push(100 * e + s + 1, DESIRED, 100 * e + s + 1);
    }
    buf.addBatch(obs, [0, 1], [-1, -1], next, [s === 2 ? 1 : 0, 0], [0, s === 3 ? 1 : 0]);
  }
}

/** An inner sampler that returns the given rows, in turn. */
class Fixed extends UniformSampler {
  constructor(private readonly rows: number[]) {
    super();
  }
  override sampleIndices(_b: ReplayBuffer, n: number, _r: Rng, batch: { indices: Int32Array }): void {
    for (let i = 0; i < n; i++) batch.indices[i] = this.rows[i % this.rows.length] as number;
  }
}

function toyBuffer(rows: number[], strategy: GoalSelectionStrategy, opts: { nStep?: number; capacity?: number; numEnvs?: number } = {}) {
  const sampler = new HerSampler(new Fixed(rows), {
    computeReward: (a, d) => toyEnv.computeReward(a, d),
    layout: goalLayout(space, 'test'),
    nSampledGoal: 4,
    goalSelectionStrategy: strategy,
    nStep: opts.nStep ?? 1,
    gamma: 0.5,
  });
  return new ReplayBuffer({
    capacity: opts.capacity ?? 20,
    obsDim: 3,
    actionDim: 1,
    actionDtype: 'int32',
    gamma: 0.5,
    numEnvs: opts.numEnvs ?? 2,
    observationSpace: space,
    sampler,
  });
}

/** For each row of a batch: relabelled?, the goal, reward, flags. */
function rowsOf(b: HerReplayBatch) {
  return Array.from({ length: b.batchSize }, (_, i) => ({
    row: b.indices[i] as number,
    relabelled: b.relabelled[i] === 1,
    goalStep: b.goalSteps[i] as number,
    goal: b.obs[3 * i + 1] as number,
    nextGoal: b.nextObs[3 * i + 1] as number,
    reward: b.rewards[i] as number,
    terminated: b.terminated[i] as number,
    truncated: b.truncated[i] as number,
    discount: b.discounts[i] as number,
    achievedNext: b.nextObs[3 * i] as number,
  }));
}

/** Goals drawn for `row` over many batches: the set of goal values and of goal steps, and the real rows. */
function draws(strategy: GoalSelectionStrategy, row: number) {
  const buf = toyBuffer([row], strategy);
  fill(buf);
  const rng = new Rng(1);
  const goals = new Set<number>();
  const steps = new Set<number>();
  for (let i = 0; i < 40; i++) {
    for (const r of rowsOf(buf.sample(50, rng) as HerReplayBatch)) {
      if (!r.relabelled) {
        // A stored transition is untouched.
        expect([r.goal, r.nextGoal, r.reward, r.goalStep]).toEqual([DESIRED, DESIRED, -1, -1]);
        continue;
      }
      goals.add(r.goal);
      steps.add(r.goalStep);
      // The same new goal in obs and nextObs; the reward recomputed against the next achieved goal.
      expect(r.nextGoal).toBe(r.goal);
      expect(r.reward).toBe(r.achievedNext === r.goal ? 0 : -1);
      // Flags and discount as stored.
      expect(r.terminated).toBe(buf.terminated[row]);
      expect(r.truncated).toBe(buf.truncated[row]);
      expect(r.discount).toBe(0.5);
    }
  }
  return { goals: [...goals].sort((a, b) => a - b), steps: [...steps].sort((a, b) => a - b) };
}

describe('HerSampler relabelling of a hand-made episode', () => {
  it('the storage records what the sampler relies on', () => {
    const buf = toyBuffer([0], 'future');
    fill(buf);
    expect(Array.from(buf.episodeSteps.subarray(0, 10))).toEqual([0, 0, 1, 1, 2, 2, 0, 3, 1, 0]);
    expect(Array.from(buf.episodeLengths.subarray(0, 10))).toEqual([3, 4, 3, 4, 3, 4, 0, 4, 0, 0]);
  });

  it("'future': goals from the current step (inclusive) to the episode's end, same env, same episode", () => {
    // env 0, episode of 3 steps: row 0 (t 0) → steps 0..2 → achieved goals 1..3
    expect(draws('future', 0)).toEqual({ goals: [1, 2, 3], steps: [0, 1, 2] });
    expect(draws('future', 2)).toEqual({ goals: [2, 3], steps: [1, 2] });
    // the terminal step itself: only its own next achieved goal (reward 0), still terminated
    expect(draws('future', 4)).toEqual({ goals: [3], steps: [2] });
    // env 1, truncated episode of 4 steps: goals of env 1 only (101..104)
    expect(draws('future', 1)).toEqual({ goals: [101, 102, 103, 104], steps: [0, 1, 2, 3] });
    // the truncated step keeps truncated = 1, terminated = 0
    expect(draws('future', 7)).toEqual({ goals: [104], steps: [3] });
    // a running episode: up to its newest stored step
    expect(draws('future', 6)).toEqual({ goals: [4, 5], steps: [0, 1] });
    expect(draws('future', 9)).toEqual({ goals: [105], steps: [0] });
  });

  it("'final': the episode's last step (the newest stored step of a running episode)", () => {
    expect(draws('final', 0)).toEqual({ goals: [3], steps: [2] });
    expect(draws('final', 2)).toEqual({ goals: [3], steps: [2] });
    expect(draws('final', 1)).toEqual({ goals: [104], steps: [3] });
    expect(draws('final', 5)).toEqual({ goals: [104], steps: [3] });
    expect(draws('final', 6)).toEqual({ goals: [5], steps: [1] });
  });

  it("'episode': any step of the same episode, earlier ones included", () => {
    expect(draws('episode', 4)).toEqual({ goals: [1, 2, 3], steps: [0, 1, 2] });
    expect(draws('episode', 7)).toEqual({ goals: [101, 102, 103, 104], steps: [0, 1, 2, 3] });
    expect(draws('episode', 8)).toEqual({ goals: [4, 5], steps: [0, 1] });
    expect(draws('episode', 9)).toEqual({ goals: [105], steps: [0] });
  });

  it('relabels exactly floor(herRatio · B) rows (k = 4: 80 %), with one computeReward call per batch', () => {
    const buf = toyBuffer([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 'future');
    fill(buf);
    const rng = new Rng(3);
    for (const B of [1, 5, 32, 100]) {
      const before = rewardCalls;
      const b = buf.sample(B, rng) as HerReplayBatch;
      expect(b.relabelled.reduce((a, x) => a + x, 0)).toBe(Math.floor(0.8 * B));
      expect(rewardCalls - before).toBe(B >= 2 ? 1 : 0);
    }
  });

  it('the episode strategy only draws steps still stored when the ring overwrote the episode’s start', () => {
    // One env, capacity 4: an episode of 6 steps (terminated at t 5) leaves steps 2..5 in rows 2, 3, 0, 1.
    const buf = toyBuffer([0], 'episode', { capacity: 4, numEnvs: 1 });
    for (let t = 0; t < 6; t++) buf.add([t, DESIRED, t], 0, -1, [t + 1, DESIRED, t + 1], t === 5, false);
    expect(Array.from(buf.episodeSteps)).toEqual([4, 5, 2, 3]);
    expect(Array.from(buf.episodeLengths)).toEqual([6, 6, 6, 6]);
    const sampler = buf.sampler as HerSampler;
    expect(sampler.episodeRange(buf, 0)).toEqual({ t: 4, first: 2, last: 5 });
    expect(sampler.episodeRange(buf, 3)).toEqual({ t: 3, first: 2, last: 5 });
    const rng = new Rng(0);
    const goals = new Set<number>();
    for (let i = 0; i < 30; i++) {
      const b = buf.sample(20, rng) as HerReplayBatch;
      for (let k = 0; k < 20; k++) if (b.relabelled[k]) goals.add(b.obs[3 * k + 1] as number);
    }
    expect([...goals].sort()).toEqual([3, 4, 5, 6]);
  });

  it('n-step returns sum the recomputed rewards of the new goal and keep the new goal in s_{t+n}', () => {
    const buf = toyBuffer([0, 2, 1], 'final', { nStep: 2 });
    fill(buf);
    const rng = new Rng(0);
    let seen = 0;
    for (let i = 0; i < 20; i++) {
      for (const r of rowsOf(buf.sample(30, rng) as HerReplayBatch)) {
        if (r.row === 0 && r.relabelled) {
          // goal 3: steps 0, 1 achieve 1, 2 → −1 + 0.5·(−1); s_{t+2} = row 2's next observation
          expect([r.goal, r.reward, r.discount, r.terminated, r.achievedNext, r.nextGoal]).toEqual([3, -1.5, 0.25, 0, 2, 3]);
          seen++;
        } else if (r.row === 2 && r.relabelled) {
          // goal 3: step 1 achieves 2 (−1), step 2 achieves 3 (0) and terminates
          expect([r.goal, r.reward, r.discount, r.terminated, r.achievedNext]).toEqual([3, -1, 0.25, 1, 3]);
          seen++;
        } else if (r.row === 1 && !r.relabelled) {
          // stored rewards −1, −1 with the stored goal
          expect([r.goal, r.reward, r.discount, r.nextGoal, r.achievedNext]).toEqual([DESIRED, -1.5, 0.25, DESIRED, 102]);
          seen++;
        }
      }
    }
    expect(seen).toBeGreaterThan(100);
  });
});

describe('HerReplayBuffer', () => {
  const base = { capacity: 100, obsDim: 3, actionDim: 1, actionDtype: 'int32' as const, observationSpace: space };

  it('is registered by name and takes SB3’s options (snake_case too)', () => {
    expect(replayBufferClassByName('HerReplayBuffer')).toBe(HerReplayBuffer);
    const buf = new HerReplayBuffer({ ...base, env: toyEnv, n_sampled_goal: 5, goal_selection_strategy: 'FINAL' } as never);
    expect(buf.nSampledGoal).toBe(5);
    expect(buf.goalSelectionStrategy).toBe('final');
    expect(buf.herRatio).toBeCloseTo(5 / 6, 12);
    expect(buf.prioritized).toBe(false);
    expect(new HerReplayBuffer({ ...base, env: toyEnv, alpha: 0.6 }).prioritized).toBe(true);
  });

  it('names what is wrong', () => {
    expect(() => new HerReplayBuffer({ ...base })).toThrow(/HerReplayBuffer needs the env: its computeReward/);
    expect(() => new HerReplayBuffer({ ...base, env: { foo: 1 } })).toThrow(
      /a plain object has no computeReward\(achieved, desired, info\).*needs the env/,
    );
    expect(() => new HerReplayBuffer({ ...base, env: toyEnv, goalSelectionStrategy: 'past' })).toThrow(
      /goalSelectionStrategy must be one of future, final, episode, got "past"/,
    );
    expect(() => new HerReplayBuffer({ ...base, env: toyEnv, nSampledGoal: 0 })).toThrow(/nSampledGoal must be a positive integer, got 0/);
    expect(() => new HerReplayBuffer({ ...base, env: toyEnv, copyInfoDict: true } as never)).toThrow(/unknown option "copyInfoDict"/);
    const vec = makeVec('BitFlipping-v0', 1, { kwargs: { nBits: 1 } });
    const nv = { ...base, obsDim: 3, observationSpace: vec.singleObservationSpace, env: new VecNormalize(vec) };
    expect(() => new HerReplayBuffer(nv)).toThrow(/a VecNormalize that normalises observations or rewards/);
    const flat = new Box({ low: 0, high: 1, shape: [3] });
    expect(() => new HerReplayBuffer({ ...base, env: toyEnv, observationSpace: flat })).toThrow(
      /needs a goal env's Dict observation space \{observation, achieved_goal, desired_goal\}, got Box/,
    );
  });

  it('reaches computeReward through a SyncVecEnv of wrapped envs, and relabels BitFlipping goals with it', () => {
    const env = makeVec('BitFlipping-v0', 2, { seed: 0, kwargs: { nBits: 3 } });
    const obsSpace = env.singleObservationSpace as Dict;
    const buf = new HerReplayBuffer({
      capacity: 64,
      obsDim: 9,
      actionDim: 1,
      actionDtype: 'int32',
      numEnvs: 2,
      observationSpace: obsSpace,
      env,
    });
    let obs = Float32Array.from(env.reset(0));
    const rng = new Rng(0);
    for (let s = 0; s < 30; s++) {
      const a = Int32Array.from([rng.integers(0, 3), rng.integers(0, 3)]);
      const res = env.step(a);
      const next = Float32Array.from(res.obs);
      for (let i = 0; i < 2; i++) if (res.terminated[i] || res.truncated[i]) next.set(res.finalObs.subarray(9 * i, 9 * i + 9), 9 * i);
      buf.addBatch(obs, a, res.rewards, next, res.terminated, res.truncated);
      obs = Float32Array.from(res.obs);
    }
    const b = buf.sample(64, rng);
    const bits = new BitFlippingEnv({ nBits: 3 });
    const keys = buf.observationKeys(b.obs);
    const nextKeys = buf.observationKeys(b.nextObs);
    expect(Array.from(keys.desired_goal)).toEqual(Array.from(nextKeys.desired_goal));
    expect(Array.from(b.rewards)).toEqual(Array.from(bits.computeReward(nextKeys.achieved_goal, nextKeys.desired_goal)));
    // Relabelled goals come from the same env's episode: each is a state that env reached.
    expect(b.relabelled.reduce((a, x) => a + x, 0)).toBe(51);
  });
});
