import {
  BaseEnv,
  Box,
  Dict,
  Discrete,
  type Env,
  type ParallelEnv,
  type ResetOptions,
  type ResetResult,
  type RgbFrame,
  Rng,
  type StepResult,
  assertSeed,
} from '@tfrl/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { EnvCheckError, checkEnv, checkParallelEnv, explainSpaceValue } from './checker';
import { listParallelEnvs, makeParallel } from './mpe/registry';
import { listEnvs, make } from './registry';

/** Throws an EnvCheckError; returns it so its message and check can be asserted. */
function failure(fn: () => unknown): EnvCheckError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(EnvCheckError);
    return e as EnvCheckError;
  }
  throw new Error('expected checkEnv to throw');
}

/**
 * A correct env: obs = [u, t / 10] with u drawn from the env rng every reset and step, reward = the
 * action, terminated after 5 steps. The broken envs below override one piece each.
 */
class ToyEnv extends BaseEnv<any, number> {
  readonly observationSpace: any = new Box({ low: 0, high: 1, shape: [2] });
  readonly actionSpace = new Discrete(2);
  t = 0;
  protected observe(): any {
    return Float32Array.of(this.rng.random(), this.t / 10);
  }
  protected _reset(): ResetResult<any> {
    this.t = 0;
    return { obs: this.observe(), info: {} };
  }
  protected reward(action: number): number {
    return action;
  }
  protected _step(action: number): StepResult<any> {
    this.t++;
    return { obs: this.observe(), reward: this.reward(action), terminated: this.t >= 5, truncated: false, info: { t: this.t } };
  }
  render(): RgbFrame {
    return { width: 4, height: 3, data: new Uint8Array(4 * 3 * 3) };
  }
}

const goalReward = (achieved: number, desired: number) => (achieved === desired ? 0 : -1);

/** A goal env: the agent walks on 0..3 towards a goal; reward 0 at the goal, else −1. */
class GoalToyEnv extends BaseEnv<any, number> {
  readonly observationSpace = new Dict({
    observation: new Box({ low: 0, high: 3, shape: [1] }),
    achieved_goal: new Box({ low: 0, high: 3, shape: [1] }),
    desired_goal: new Box({ low: 0, high: 3, shape: [1] }),
  });
  readonly actionSpace = new Discrete(2);
  pos = 0;
  goal = 0;
  protected observe(): any {
    return { observation: Float32Array.of(this.pos), achieved_goal: Float32Array.of(this.pos), desired_goal: Float32Array.of(this.goal) };
  }
  computeReward(achieved: ArrayLike<number>, desired: ArrayLike<number>, _info?: unknown): Float32Array {
    return Float32Array.from(achieved, (a, i) => goalReward(a, desired[i] as number));
  }
  protected _reset(): ResetResult<any> {
    this.pos = this.rng.integers(0, 4);
    this.goal = this.rng.integers(0, 4);
    return { obs: this.observe(), info: {} };
  }
  protected _step(action: number): StepResult<any> {
    this.pos = Math.min(3, Math.max(0, this.pos + (action === 1 ? 1 : -1)));
    const reward = goalReward(this.pos, this.goal);
    return { obs: this.observe(), reward, terminated: reward === 0, truncated: false, info: {} };
  }
  render(): RgbFrame {
    return { width: 4, height: 1, data: new Uint8Array(12) };
  }
}

/** Not a BaseEnv: keeps going after the end of an episode. */
class LaxEnv implements Env<Float32Array, number> {
  readonly observationSpace = new Box({ low: 0, high: 1, shape: [1] });
  readonly actionSpace = new Discrete(2);
  private rng = new Rng(0);
  private t = 0;
  get unwrapped(): Env<any, any> {
    return this;
  }
  reset(opts: ResetOptions = {}): ResetResult<Float32Array> {
    if (opts.seed !== undefined) {
      assertSeed(opts.seed, 'LaxEnv');
      this.rng = new Rng(opts.seed);
    }
    this.t = 0;
    return { obs: Float32Array.of(this.rng.random()), info: {} };
  }
  step(action: number): StepResult<Float32Array> {
    this.t++;
    return { obs: Float32Array.of(this.rng.random()), reward: action, terminated: this.t >= 3, truncated: false, info: {} };
  }
  render(): RgbFrame {
    return { width: 1, height: 1, data: new Uint8Array(3) };
  }
  close(): void {}
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('checkEnv on the registered envs', () => {
  for (const id of listEnvs()) {
    it(`${id} passes`, () => {
      const report = checkEnv(make(id), { warn: false, steps: 30 });
      expect(report.envId).toBe(id);
      expect(report.passed).toEqual(
        expect.arrayContaining(['api', 'spaces', 'reset', 'seeds', 'reset-determinism', 'step', 'step-determinism']),
      );
      expect(report.passed).toContain('render');
      // Pendulum's [-2, 2] action Box is the one recommendation the built-in envs draw.
      const expected = id === 'Pendulum-v1' ? ['spaces'] : [];
      expect(report.warnings.map((w) => w.check)).toEqual(expected);
      if (id === 'BitFlipping-v0' || id === 'GoalGridWorld-v0' || id === 'PointMassGoal-v0') expect(report.passed).toContain('goal-reward');
      // Every env that ends an episode within the budget refuses a step after it.
      if (!report.skipped.some((s) => s.check === 'step-after-end')) expect(report.passed).toContain('step-after-end');
    });
  }

  it('also accepts the unwrapped env and the continuous BitFlipping', () => {
    expect(checkEnv(make('CartPole-v1').unwrapped, { warn: false }).warnings).toEqual([]);
    expect(checkEnv(make('BitFlipping-v0', { continuous: true, nBits: 4 }), { warn: false }).passed).toContain('goal-reward');
  });

  for (const id of listParallelEnvs()) {
    it(`${id} passes checkParallelEnv`, () => {
      const report = checkParallelEnv(makeParallel(id), { warn: false, steps: 30 });
      expect(report.warnings).toEqual([]);
      expect(report.passed).toEqual(
        expect.arrayContaining(['api', 'spaces', 'reset', 'step', 'step-determinism', 'step-after-end', 'render']),
      );
    });
  }
});

describe('checkEnv finds broken envs', () => {
  it('a correct toy env passes, and the report lists its checks', () => {
    const report = checkEnv(new ToyEnv(), { warn: false });
    expect(report).toMatchObject({ envId: 'ToyEnv', warnings: [], skipped: [] });
    expect(report.passed).toEqual([
      'api',
      'spaces',
      'reset',
      'reset-options',
      'seeds',
      'reset-determinism',
      'step',
      'obs-aliasing',
      'step-determinism',
      'step-after-end',
      'render',
    ]);
    expect(report.steps).toBeGreaterThan(100);
  });

  it('spaces that are not tfrl Spaces', () => {
    class NoSpace extends ToyEnv {
      override readonly observationSpace: any = { shape: [2], contains: () => true };
    }
    const e = failure(() => checkEnv(new NoSpace()));
    expect(e.check).toBe('spaces');
    expect(e.message).toBe(
      'checkEnv(NoSpace): observationSpace must be a @tfrl/core Space (Box, Discrete, MultiDiscrete, MultiBinary, Dict or Tuple), ' +
        'got an object {shape: [2], contains: () => true} (it has contains(): is a second copy of @tfrl/core loaded?)',
    );
    class NoActionSpace extends ToyEnv {
      override readonly actionSpace: any = undefined;
    }
    expect(() => checkEnv(new NoActionSpace())).toThrow('checkEnv(NoActionSpace): actionSpace must be a @tfrl/core Space');
  });

  it('wrong observation dtype', () => {
    class Float64Obs extends ToyEnv {
      protected override observe(): any {
        return Float64Array.of(0.5, this.t / 10);
      }
    }
    const e = failure(() => checkEnv(new Float64Obs()));
    expect(e.check).toBe('reset');
    expect(e.envId).toBe('Float64Obs');
    expect(e.message).toBe(
      'checkEnv(Float64Obs): reset() returned an observation that is not in observationSpace Box(0.0, 1.0, (2,), float32): ' +
        'expected a Float32Array (dtype float32) of 2 numbers (shape [2]), got a Float64Array of length 2 (Float64Array [0.5, 0])',
    );
  });

  it('wrong observation shape and a plain Array', () => {
    class ShortObs extends ToyEnv {
      protected override observe(): any {
        return Float32Array.of(0.5);
      }
    }
    expect(() => checkEnv(new ShortObs())).toThrow(
      'checkEnv(ShortObs): reset() returned an observation that is not in observationSpace Box(0.0, 1.0, (2,), float32): expected 2 numbers (shape [2]), got a Float32Array of length 1',
    );
    class ArrayObs extends ToyEnv {
      protected override observe(): any {
        return [0.5, 0];
      }
    }
    expect(() => checkEnv(new ArrayObs())).toThrow(
      'expected a Float32Array (dtype float32) of 2 numbers (shape [2]), got an Array of length 2 ([0.5, 0])',
    );
  });

  it('observation out of bounds, with the index', () => {
    class OutOfBounds extends ToyEnv {
      protected override observe(): any {
        return Float32Array.of(0.5, this.t); // t / 10 was meant: 2 > high at step 2
      }
    }
    const e = failure(() => checkEnv(new OutOfBounds()));
    expect(e.check).toBe('step');
    expect(e.message).toMatch(
      /^checkEnv\(OutOfBounds\): step\([01]\) \(step 2 after reset\(\{seed: 42\}\)\) returned an observation that is not in observationSpace Box\(0\.0, 1\.0, \(2,\), float32\): element 1 = 2 is above high 1\.0$/,
    );
  });

  it('NaN in an observation', () => {
    class NanObs extends ToyEnv {
      protected override observe(): any {
        return Float32Array.of(this.t === 3 ? Number.NaN : 0.5, 0);
      }
    }
    expect(() => checkEnv(new NanObs())).toThrow(
      /step 3 after reset\(\{seed: 42\}\)\) returned an observation .*: contains NaN at index 0$/,
    );
  });

  it('Dict observations name the key at fault', () => {
    class BadGoalDtype extends GoalToyEnv {
      protected override observe(): any {
        return { ...super.observe(), achieved_goal: Float64Array.of(this.pos) };
      }
    }
    expect(() => checkEnv(new BadGoalDtype())).toThrow(
      /^checkEnv\(BadGoalDtype\): reset\(\) returned an observation that is not in observationSpace Dict\(.*\): key 'achieved_goal': expected a Float32Array \(dtype float32\) of 1 numbers \(shape \[1\]\), got a Float64Array of length 1/,
    );
    class MissingKey extends GoalToyEnv {
      protected override observe(): any {
        const { desired_goal: _, ...rest } = super.observe();
        return rest;
      }
    }
    expect(() => checkEnv(new MissingKey())).toThrow(/: missing key 'desired_goal'$/);
  });

  it('reset() that does not return {obs, info}, and a non-plain info', () => {
    class TupleReset extends ToyEnv {
      override reset(opts?: ResetOptions): any {
        const r = super.reset(opts);
        return [r.obs, r.info];
      }
    }
    expect(() => checkEnv(new TupleReset())).toThrow(
      /^checkEnv\(TupleReset\): reset\(\) returned an Array \(\[Float32Array .*\]\); expected an object \{obs, info\}$/,
    );
    class MapInfo extends ToyEnv {
      protected override _reset(): ResetResult<any> {
        return { obs: this.observe(), info: new Map() as any };
      }
    }
    expect(() => checkEnv(new MapInfo())).toThrow('checkEnv(MapInfo): reset() returned info an instance of Map; expected a plain object');
  });

  it('an env reset throws on is reported with the call and its error', () => {
    class ThrowingReset extends ToyEnv {
      protected override _reset(): ResetResult<any> {
        throw new RangeError('boom');
      }
    }
    const e = failure(() => checkEnv(new ThrowingReset()));
    expect(e.message).toBe('checkEnv(ThrowingReset): reset() threw RangeError: boom');
    expect((e.cause as Error).message).toBe('boom');
  });

  it('a reset that ignores options fails reset-options', () => {
    class NoOptions extends ToyEnv {
      protected override _reset(options?: Record<string, unknown>): ResetResult<any> {
        if (options !== undefined) throw new TypeError('options are not supported');
        return super._reset();
      }
    }
    expect(() => checkEnv(new NoOptions())).toThrow(
      'checkEnv(NoOptions): reset({seed: 42, options: {}}) threw TypeError: options are not supported',
    );
  });

  it('invalid seeds that do not throw', () => {
    class LenientSeed extends ToyEnv {
      override reset(opts: ResetOptions = {}): ResetResult<any> {
        const s = opts.seed;
        return super.reset({ ...opts, seed: s === undefined ? undefined : Math.abs(Math.floor(s)) % 2 ** 32 || 0 });
      }
    }
    const e = failure(() => checkEnv(new LenientSeed()));
    expect(e.check).toBe('seeds');
    expect(e.message).toBe(
      'checkEnv(LenientSeed): reset({seed: -1}) returned normally; it must throw, since seeds are integers in [0, 4294967295] (2^32 - 1)',
    );
  });

  it('non-deterministic reset under a seed', () => {
    class RandomReset extends ToyEnv {
      protected override _reset(): ResetResult<any> {
        this.t = 0;
        return { obs: Float32Array.of(Math.random(), 0), info: {} };
      }
    }
    const e = failure(() => checkEnv(new RandomReset()));
    expect(e.check).toBe('reset-determinism');
    expect(e.message).toMatch(
      /^checkEnv\(RandomReset\): reset\(\{seed: 42\}\) is not deterministic: two calls gave different observations \(index 0: [0-9.e-]+ vs [0-9.e-]+\)$/,
    );
    expect(checkEnv(new RandomReset(), { warn: false, skipDeterminismCheck: true }).skipped.map((s) => s.check)).toEqual([
      'reset-determinism',
      'step-determinism',
    ]);
  });

  it('non-deterministic steps under a seed', () => {
    class RandomStep extends ToyEnv {
      protected override reward(action: number): number {
        return this.t === 4 ? Math.random() : action;
      }
    }
    const e = failure(() => checkEnv(new RandomStep()));
    expect(e.check).toBe('step-determinism');
    expect(e.message).toMatch(
      /^checkEnv\(RandomStep\): with seed 42 and the same seeded actions, step 4 \(action [01]\) differs between two runs: reward: [0-9.e-]+ vs [0-9.e-]+; the env must draw all randomness from the generator seeded by reset\(\{seed\}\)$/,
    );
  });

  it('NaN and non-number rewards', () => {
    class NanReward extends ToyEnv {
      protected override reward(): number {
        return this.t === 2 ? Number.NaN : 0;
      }
    }
    const e = failure(() => checkEnv(new NanReward()));
    expect(e.check).toBe('step');
    expect(e.message).toMatch(
      /^checkEnv\(NanReward\): step\([01]\) \(step 2 after reset\(\{seed: 42\}\)\) returned reward NaN; expected a finite number$/,
    );
    class StringReward extends ToyEnv {
      protected override reward(): number {
        return '1' as any;
      }
    }
    expect(() => checkEnv(new StringReward())).toThrow(/returned reward the string "1"; expected a finite number$/);
    class InfReward extends ToyEnv {
      protected override reward(): number {
        return Number.NEGATIVE_INFINITY;
      }
    }
    expect(() => checkEnv(new InfReward())).toThrow(/returned reward -Infinity; expected a finite number$/);
  });

  it('non-boolean terminated / truncated, missing fields', () => {
    class NumericDone extends ToyEnv {
      protected override _step(action: number): StepResult<any> {
        const r = super._step(action);
        return { ...r, terminated: (r.terminated ? 1 : 0) as any };
      }
    }
    const e = failure(() => checkEnv(new NumericDone()));
    expect(e.check).toBe('step');
    expect(e.message).toMatch(
      /^checkEnv\(NumericDone\): step\([01]\) \(step 1 after reset\(\{seed: 42\}\)\) returned terminated = the number 0; expected a boolean \(true or false\)$/,
    );
    class OldGymApi extends ToyEnv {
      protected override _step(action: number): StepResult<any> {
        const { terminated, truncated, ...rest } = super._step(action);
        return { ...rest, done: terminated || truncated } as any;
      }
    }
    expect(() => checkEnv(new OldGymApi())).toThrow(
      /returned an object without 'terminated' \(the old Gym API's 'done' is split into terminated and truncated\) \(keys: obs, reward, info, done\)$/,
    );
  });

  it('bad render frames', () => {
    class ShortFrame extends ToyEnv {
      override render(): RgbFrame {
        return { width: 4, height: 3, data: new Uint8Array(10) };
      }
    }
    const e = failure(() => checkEnv(new ShortFrame()));
    expect(e.check).toBe('render');
    expect(e.message).toBe(
      'checkEnv(ShortFrame): render() after reset({seed: 42}) returned a 4x3 frame with 10 bytes of data; expected 36 (width * height * 3, RGB) or 48 (RGBA)',
    );
    class FloatFrame extends ToyEnv {
      override render(): RgbFrame {
        return { width: 1, height: 1, data: new Float32Array(3) as any };
      }
    }
    expect(() => checkEnv(new FloatFrame())).toThrow(
      'checkEnv(FloatFrame): render() after reset({seed: 42}) returned frame data a Float32Array of length 3 (Float32Array [0, 0, 0]); expected a Uint8Array (or Uint8ClampedArray) of RGB bytes',
    );
    class ZeroWidth extends ToyEnv {
      override render(): RgbFrame {
        return { width: 0, height: 1, data: new Uint8Array(0) };
      }
    }
    expect(() => checkEnv(new ZeroWidth())).toThrow('returned a frame with width 0; expected a positive integer');
    // RGBA and Uint8ClampedArray frames are fine; a null render mode or skipRenderCheck skips the check.
    class RgbaFrame extends ToyEnv {
      override render(): RgbFrame {
        return { width: 2, height: 2, data: new Uint8ClampedArray(16) as any };
      }
    }
    expect(checkEnv(new RgbaFrame(), { warn: false }).passed).toContain('render');
    class NoRender extends ShortFrame {
      readonly renderMode = null;
    }
    expect(checkEnv(new NoRender(), { warn: false }).skipped).toEqual([{ check: 'render', reason: 'the render mode is null' }]);
    expect(checkEnv(new ShortFrame(), { warn: false, skipRenderCheck: true }).skipped).toEqual([
      { check: 'render', reason: 'skipRenderCheck is set' },
    ]);
    // The render mode of make()'s spec kwargs is honoured.
    expect(checkEnv(make('CartPole-v1', { render_mode: null }), { warn: false }).skipped.map((s) => s.check)).toEqual(['render']);
  });

  it('a goal env whose computeReward disagrees with the step reward', () => {
    expect(checkEnv(new GoalToyEnv(), { warn: false }).passed).toContain('goal-reward');
    class BadGoalReward extends GoalToyEnv {
      override computeReward(achieved: ArrayLike<number>, desired: ArrayLike<number>): Float32Array {
        return Float32Array.from(achieved, (a, i) => (a === desired[i] ? 1 : -1)); // the step gives 0 at the goal
      }
    }
    const e = failure(() => checkEnv(new BadGoalReward()));
    expect(e.check).toBe('goal-reward');
    expect(e.message).toMatch(
      /^checkEnv\(BadGoalReward\): computeReward\(achieved_goal Float32Array \[(\d)\], desired_goal Float32Array \[\1\], info\) = 1 but step\([01]\) \(step \d+ after reset\(\{seed: 42\}\)\) returned reward 0; they must be equal for HER relabelling$/,
    );
  });

  it('a goal env whose computeReward ignores batches, and one without computeReward', () => {
    class Unbatched extends GoalToyEnv {
      override computeReward(achieved: ArrayLike<number>, desired: ArrayLike<number>): Float32Array {
        return Float32Array.of(achieved[0] === desired[0] ? 0 : -1);
      }
    }
    expect(() => checkEnv(new Unbatched())).toThrow(
      /^checkEnv\(Unbatched\): computeReward on a batch of 2 goal rows returned a Float32Array of length 1 .*; expected 2 rewards \(one per row\)$/,
    );
    class NoComputeReward extends GoalToyEnv {}
    Object.defineProperty(NoComputeReward.prototype, 'computeReward', { value: undefined });
    const report = checkEnv(new NoComputeReward(), { warn: false });
    expect(report.warnings).toEqual([
      {
        check: 'goal-reward',
        message:
          'checkEnv(NoComputeReward): goal env (Dict observation with observation, achieved_goal, desired_goal) has no computeReward(achieved, desired, info); HER needs it',
      },
    ]);
  });

  it('stepping after the end: a warning when the env does not throw', () => {
    const report = checkEnv(new LaxEnv(), { warn: false });
    expect(report.envId).toBe('LaxEnv');
    expect(report.warnings).toEqual([
      {
        check: 'step-after-end',
        message:
          'checkEnv(LaxEnv): step() after the episode ended (terminated at step 3) without reset() returned normally; it should throw an Error telling the caller to call reset()',
      },
    ]);
    expect(report.passed).toContain('step-after-end');
  });

  it('an env that reuses its observation buffer draws a warning', () => {
    class Reuse extends ToyEnv {
      private buf = new Float32Array(2);
      protected override observe(): any {
        this.buf[0] = this.rng.random();
        this.buf[1] = this.t / 10;
        return this.buf;
      }
    }
    const report = checkEnv(new Reuse(), { warn: false });
    expect(report.warnings.map((w) => w.check)).toEqual(['obs-aliasing']);
    expect(report.warnings[0]?.message).toMatch(
      /^checkEnv\(Reuse\): step\([01]\) \(step 1 after reset\(\{seed: 42\}\)\) overwrote the observation returned by the previous call \(index 0: .*\); return a fresh array/,
    );
  });

  it('warn: true (the default) prints soft problems with console.warn; warn: false does not', () => {
    const spy = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const report = checkEnv(new LaxEnv());
    expect(spy).toHaveBeenCalledTimes(1);
    expect(spy.mock.calls[0]?.[0]).toBe(report.warnings[0]?.message);
    spy.mockClear();
    checkEnv(new LaxEnv(), { warn: false });
    expect(spy).not.toHaveBeenCalled();
  });

  it('space recommendations are warnings', () => {
    class WideActions extends BaseEnv<Float32Array, Float32Array> {
      readonly observationSpace = new Box({ low: [0, 1], high: [1, 1] });
      readonly actionSpace = new Box({ low: Number.NEGATIVE_INFINITY, high: Number.POSITIVE_INFINITY, shape: [1] });
      protected _reset(): ResetResult<Float32Array> {
        return { obs: Float32Array.of(0, 1), info: {} };
      }
      protected _step(): StepResult<Float32Array> {
        return { obs: Float32Array.of(0, 1), reward: 0, terminated: false, truncated: true, info: {} };
      }
      render(): RgbFrame {
        return { width: 1, height: 1, data: new Uint8Array(3) };
      }
    }
    expect(checkEnv(new WideActions(), { warn: false }).warnings.map((w) => w.message)).toEqual([
      'checkEnv(WideActions): observationSpace Box([0.0 1.0], 1.0, (2,), float32) has low == high at index 1',
      'checkEnv(WideActions): actionSpace Box(-inf, inf, (1,), float32) is unbounded; random actions then come from N(0, 1) or exponential tails, and squashing policies (SAC, TD3) need finite bounds',
    ]);
  });

  it('rejects bad options', () => {
    expect(() => checkEnv(new ToyEnv(), { steps: 0 })).toThrow('checkEnv(ToyEnv): options.steps must be a positive integer, got 0');
    expect(() => checkEnv(new ToyEnv(), { seed: -3 })).toThrow(
      'checkEnv(ToyEnv): options.seed must be an integer in [0, 4294967294], got -3',
    );
  });

  it('explainSpaceValue is stricter than Space.explain about typed array types', () => {
    const box = new Box({ low: 0, high: 1, shape: [2] });
    expect(box.explain(Float64Array.of(0, 1))).toBeNull();
    expect(explainSpaceValue(box, Float64Array.of(0, 1))).toMatch(/^expected a Float32Array \(dtype float32\)/);
    expect(explainSpaceValue(box, Float32Array.of(0, 1))).toBeNull();
    expect(explainSpaceValue(new Discrete(3), 2)).toBeNull();
    expect(explainSpaceValue(new Discrete(3), Float32Array.of(2))).toMatch(/^expected an integer \(a number\), got a Float32Array/);
  });
});

describe('checkParallelEnv finds broken envs', () => {
  /** Delegates to simple_spread_v3; `patch` edits each step result. */
  class Patched implements ParallelEnv<Float32Array, any> {
    readonly id = 'PatchedSpread';
    readonly inner = makeParallel('simple_spread_v3', { max_cycles: 5 });
    constructor(readonly patch: (r: ReturnType<ParallelEnv<Float32Array, any>['step']>) => void) {}
    get possibleAgents() {
      return this.inner.possibleAgents;
    }
    get agents() {
      return this.inner.agents;
    }
    observationSpace(agent: string) {
      return this.inner.observationSpace(agent);
    }
    actionSpace(agent: string) {
      return this.inner.actionSpace(agent);
    }
    reset(opts?: ResetOptions) {
      return this.inner.reset(opts);
    }
    step(actions: Record<string, any>) {
      const r = this.inner.step(actions);
      this.patch(r);
      return r;
    }
    render() {
      return this.inner.render();
    }
    close() {}
  }

  it('passes when unpatched', () => {
    expect(checkParallelEnv(new Patched(() => {}), { warn: false }).warnings).toEqual([]);
  });

  it('a NaN reward for one agent', () => {
    const e = failure(() =>
      checkParallelEnv(
        new Patched((r) => {
          r.rewards.agent_1 = Number.NaN;
        }),
      ),
    );
    expect(e.check).toBe('step');
    expect(e.message).toMatch(
      /^checkParallelEnv\(PatchedSpread\): step\(.*\) \(step 1 after reset\(\{seed: 42\}\)\) returned rewards\["agent_1"\] = the number NaN; expected a finite number$/,
    );
  });

  it('a missing agent and a non-boolean termination', () => {
    expect(() =>
      checkParallelEnv(
        new Patched((r) => {
          r.obs = Object.fromEntries(Object.entries(r.obs).filter(([k]) => k !== 'agent_2'));
        }),
      ),
    ).toThrow(/returned obs without agent "agent_2" \(keys: agent_0, agent_1\)$/);
    expect(() =>
      checkParallelEnv(
        new Patched((r) => {
          (r.terminations as any).agent_0 = 'no';
        }),
      ),
    ).toThrow(/returned terminations\["agent_0"\] = the string "no"; expected a boolean \(true or false\)$/);
  });

  it('a float64 observation', () => {
    expect(() =>
      checkParallelEnv(
        new Patched((r) => {
          r.obs.agent_0 = Float64Array.from(r.obs.agent_0 as Float32Array) as any;
        }),
      ),
    ).toThrow(
      /returned obs\["agent_0"\] not in observationSpace\("agent_0"\) Box\(-inf, inf, \(18,\), float32\): expected a Float32Array \(dtype float32\)/,
    );
  });
});
