import { describe, expect, it } from 'vitest';
import { BaseEnv, type RgbFrame, type ResetResult, type StepResult } from './env';
import { Box, Discrete } from './spaces';
import {
  ClipAction,
  NormalizeObservation,
  NormalizeReward,
  RecordEpisodeStatistics,
  RescaleAction,
  RunningMeanStd,
  TimeLimit,
  Wrapper,
} from './wrappers';

/** Plays back fixed observations / rewards / terminations (one per step). */
class ScriptEnv extends BaseEnv<Float32Array, number> {
  readonly observationSpace = new Box({ low: Number.NEGATIVE_INFINITY, high: Number.POSITIVE_INFINITY, shape: [2] });
  readonly actionSpace = new Discrete(2);
  i = 0;
  constructor(
    readonly obs: number[][],
    readonly rewards: number[],
    readonly terms: boolean[],
  ) {
    super();
  }
  protected _reset(): ResetResult<Float32Array> {
    return { obs: Float32Array.from(this.obs[this.i] as number[]), info: {} };
  }
  protected _step(): StepResult<Float32Array> {
    this.i += 1;
    const k = this.i - 1;
    return {
      obs: Float32Array.from(this.obs[this.i] as number[]),
      reward: this.rewards[k] as number,
      terminated: this.terms[k] as boolean,
      truncated: false,
      info: {},
    };
  }
  render(): RgbFrame {
    return { width: 1, height: 1, data: new Uint8Array([1, 2, 3]) };
  }
}

/** Records the Box action it receives. */
class BoxActionEnv extends BaseEnv<Float32Array, Float32Array> {
  readonly observationSpace = new Box({ low: 0, high: 1, shape: [1] });
  readonly actionSpace = new Box({ low: [-2, 0], high: [2, 10] });
  last: Float32Array | null = null;
  protected _reset(): ResetResult<Float32Array> {
    return { obs: new Float32Array(1), info: {} };
  }
  protected _step(a: Float32Array): StepResult<Float32Array> {
    this.last = a;
    return { obs: new Float32Array(1), reward: 0, terminated: false, truncated: false, info: {} };
  }
  render(): RgbFrame {
    return { width: 1, height: 1, data: new Uint8Array(3) };
  }
}

const zeros = (n: number) => Array.from({ length: n }, () => [0, 0]);

describe('Wrapper', () => {
  it('forwards spaces, spec, render, and reaches unwrapped', () => {
    const inner = new ScriptEnv(zeros(3), [0, 0], [false, false]);
    inner.spec = { id: 'Script-v0' };
    const w = new Wrapper(new Wrapper(inner));
    expect(w.unwrapped).toBe(inner);
    expect(w.observationSpace).toBe(inner.observationSpace);
    expect(w.actionSpace).toBe(inner.actionSpace);
    expect(w.spec?.id).toBe('Script-v0');
    expect(Array.from(w.render().data)).toEqual([1, 2, 3]);
    expect(String(new Wrapper(inner))).toMatch(/^Wrapper</);
  });
});

describe('TimeLimit', () => {
  it('truncates at maxEpisodeSteps and refuses to continue', () => {
    const env = new TimeLimit(new ScriptEnv(zeros(10), Array(9).fill(1), Array(9).fill(false)), 3);
    env.reset();
    expect(env.step(0).truncated).toBe(false);
    expect(env.step(0).truncated).toBe(false);
    const r = env.step(0);
    expect([r.terminated, r.truncated]).toEqual([false, true]);
    expect(() => env.step(0)).toThrow('ScriptEnv: step() called after the episode ended (truncated at 3 of 3 steps); call reset() first');
    env.reset();
    expect(env.elapsedSteps).toBe(0);
    expect(env.step(0).truncated).toBe(false);
  });

  it('reports both flags when the env terminates on the last allowed step (as Gymnasium)', () => {
    const env = new TimeLimit(new ScriptEnv(zeros(3), [1, 1], [false, true]), 2);
    env.reset();
    env.step(0);
    const r = env.step(0);
    expect([r.terminated, r.truncated]).toEqual([true, true]);
  });
});

describe('RecordEpisodeStatistics', () => {
  it('adds info.episode at the end of an episode', () => {
    const env = new RecordEpisodeStatistics(new ScriptEnv(zeros(4), [1, 2.5, -0.5], [false, false, true]));
    env.reset();
    expect(env.step(0).info.episode).toBeUndefined();
    expect(env.step(0).info.episode).toBeUndefined();
    const r = env.step(0);
    const ep = r.info.episode as { r: number; l: number; t: number };
    expect(ep.r).toBe(3);
    expect(ep.l).toBe(3);
    expect(ep.t).toBeGreaterThanOrEqual(0);
    expect(env.returnQueue).toEqual([3]);
    expect(env.lengthQueue).toEqual([3]);
    expect(env.episodeCount).toBe(1);
  });
});

describe('RunningMeanStd', () => {
  it('merges batches into the exact population mean and variance (epsilon count 0)', () => {
    const rms = new RunningMeanStd(1, 0);
    rms.update([1, 2]);
    rms.update([3]);
    rms.update([4]);
    // data 1,2,3,4: mean 2.5, population variance (2.25+0.25+0.25+2.25)/4 = 1.25
    expect(rms.mean[0]).toBeCloseTo(2.5, 12);
    expect(rms.var[0]).toBeCloseTo(1.25, 12);
    expect(rms.count).toBe(4);
  });

  it('handles rows of several elements and restores its state', () => {
    const rms = new RunningMeanStd(2, 0);
    rms.update([1, 10, 3, 30]); // rows [1,10], [3,30]
    expect(Array.from(rms.mean)).toEqual([2, 20]);
    expect(Array.from(rms.var)).toEqual([1, 100]);
    const copy = new RunningMeanStd(2);
    copy.setState(JSON.parse(JSON.stringify(rms.getState())));
    expect(Array.from(copy.mean)).toEqual([2, 20]);
    expect(copy.count).toBe(2);
    expect(() => copy.setState({ mean: [0], var: [1], count: 1 })).toThrow(/length 2/);
    expect(() => rms.update([1, 2, 3])).toThrow(/not a whole number of rows of 2/);
  });
});

describe('NormalizeObservation', () => {
  it('matches Gymnasium 1.4 NormalizeObservation on a scripted episode', () => {
    const obs = [
      [1, -2],
      [3, 0],
      [2, 4],
      [0, 1],
    ];
    const env = new NormalizeObservation(new ScriptEnv(obs, [0, 0, 0], [false, false, false]));
    // First value by hand: count 1e-4, mean 0, var 1, then x = 1:
    // mean = 1/1.0001, var = (1e-4 + 1·1e-4/1.0001)/1.0001, out = (1 − mean)/sqrt(var + 1e-8)
    const c = 1e-4;
    const m = 1 / (1 + c);
    const v = (c + c / (1 + c)) / (1 + c);
    const first = env.reset().obs;
    expect(first[0]).toBeCloseTo((1 - m) / Math.sqrt(v + 1e-8), 5);
    // Reference from gymnasium.wrappers.NormalizeObservation (its statistics are float32, hence 4 digits).
    const ref = [
      [0.007072594948112965, -0.008946471847593784],
      [0.9999997615814209, 0.999924898147583],
      [8.160569268511608e-5, 1.336332082748413],
      [-1.3415805101394653, 0.11547963321208954],
    ];
    const got = [Array.from(first)];
    for (let k = 0; k < 3; k++) got.push(Array.from(env.step(0).obs));
    got.forEach((row, i) => row.forEach((x, j) => expect(x).toBeCloseTo((ref[i] as number[])[j] as number, 4)));
    expect(env.obsRms.mean[0]).toBeCloseTo(1.499962568283081, 5);
    expect(env.obsRms.var[1]).toBeCloseTo(4.687421798706055, 5);
    expect(env.obsRms.count).toBeCloseTo(4.0001, 10);
    expect(String(env.observationSpace)).toBe('Box(-inf, inf, (2,), float32)');
  });

  it('freezes statistics when updateRunningMean is false and restores state', () => {
    const env = new NormalizeObservation(
      new ScriptEnv(
        [
          [2, 2],
          [4, 4],
        ],
        [0],
        [false],
      ),
    );
    env.updateRunningMean = false;
    // initial statistics mean 0, var 1: out = x / sqrt(1 + 1e-8)
    expect(env.reset().obs[0]).toBeCloseTo(2 / Math.sqrt(1 + 1e-8), 6);
    env.setState({ obsRms: { mean: [1, 1], var: [4, 4], count: 10 } });
    expect(env.step(0).obs[0]).toBeCloseTo(3 / Math.sqrt(4 + 1e-8), 6);
    expect(env.getState().obsRms.count).toBe(10);
  });
});

describe('NormalizeReward', () => {
  it('matches Gymnasium 1.4 NormalizeReward (gamma 0.5) across a termination', () => {
    const env = new NormalizeReward(new ScriptEnv(zeros(5), [1, 2, -1, 0.5], [false, true, false, false]), 0.5);
    env.reset();
    const got = [env.step(0).reward, env.step(0).reward];
    env.reset(); // the inner script continues at index 2
    got.push(env.step(0).reward, env.step(0).reward);
    // Hand check of the first: G = 1, var = (1e-4 + 1e-4/1.0001)/1.0001, r/sqrt(var+1e-8)
    const v1 = (1e-4 + 1e-4 / 1.0001) / 1.0001;
    expect(got[0]).toBeCloseTo(1 / Math.sqrt(v1 + 1e-8), 8);
    const ref = [70.71421321062337, 3.9988005647001654, -1.2247040418000994, 0.6761045642889587];
    got.forEach((x, i) => expect(x).toBeCloseTo(ref[i] as number, 8));
    const s = env.getState();
    expect(s.discountedReturn).toBe(0.5); // G: 1, 2 (terminated resets), 0, 0.5
    expect(s.returnRms.mean[0]).toBeCloseTo(0.8749781255468614, 12);
    expect(s.returnRms.var[0]).toBeCloseTo(0.5469054675098086, 12);
    const other = new NormalizeReward(new ScriptEnv(zeros(2), [1], [false]), 0.5);
    other.setState(s);
    expect(other.getState()).toEqual(s);
  });

  it('rejects a bad gamma', () => {
    expect(() => new NormalizeReward(new ScriptEnv(zeros(1), [], []), 1.5)).toThrow(/gamma must be in \[0, 1\]/);
  });
});

describe('ClipAction and RescaleAction', () => {
  it('ClipAction clips into the env bounds and widens the action space', () => {
    const inner = new BoxActionEnv();
    const env = new ClipAction(inner);
    expect(String(env.actionSpace)).toBe('Box(-inf, inf, (2,), float32)');
    env.reset({ seed: 0 });
    env.step(new Float32Array([5, -3]));
    expect(Array.from(inner.last as Float32Array)).toEqual([2, 0]);
    env.step(new Float32Array([-1.5, 7]));
    expect(Array.from(inner.last as Float32Array)).toEqual([-1.5, 7]);
    expect(() => env.step(new Float32Array([Number.NaN, 0]))).toThrow(/contains NaN at index 0/);
  });

  it('RescaleAction maps [min, max] affinely onto the env bounds', () => {
    const inner = new BoxActionEnv();
    const env = new RescaleAction(inner, -1, 1);
    expect(String(env.actionSpace)).toBe('Box(-1.0, 1.0, (2,), float32)');
    env.reset({ seed: 0 });
    env.step(new Float32Array([-1, 1]));
    expect(Array.from(inner.last as Float32Array)).toEqual([-2, 10]);
    env.step(new Float32Array([0.5, 0]));
    // -2 + 4·(1.5/2) = 1;  0 + 10·(1/2) = 5
    expect(Array.from(inner.last as Float32Array)).toEqual([1, 5]);
    expect(() => env.step(new Float32Array([1.5, 0]))).toThrow(/element 0 = 1.5 is above high 1.0/);
    expect(() => new RescaleAction(new BoxActionEnv(), 1, 1)).toThrow(/min < max/);
    expect(() => new RescaleAction(new ScriptEnv(zeros(1), [], []) as never, -1, 1)).toThrow(/needs a Box action space, got Discrete\(2\)/);
  });
});
