/**
 * Hyperparameter schedules (learning rate, exploration ε, PER β, clip range, ...).
 *
 * Convention (as Stable-Baselines3): a {@link Schedule} is a function of
 * `progressRemaining`, which is 1 at the start of training and 0 at the end:
 *
 * ```ts
 * const lr = linearSchedule(3e-4, 0);            // 3e-4 → 0 over training
 * const value = lr(progressRemaining(step, totalTimesteps));
 * ```
 *
 * {@link piecewiseSchedule} is the exception: like OpenAI Baselines' `PiecewiseSchedule`
 * it is a {@link StepSchedule}, a function of the raw time `t` in whatever unit its
 * endpoints use (usually environment steps).
 */

/** A value as a function of `progressRemaining` (1 at the start of training → 0 at the end). */
export type Schedule = (progressRemaining: number) => number;

/** A value as a function of a time `t` (usually the environment step). */
export type StepSchedule = (t: number) => number;

function assertFinite(name: string, value: unknown): asserts value is number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new TypeError(`${name} must be a finite number, got ${String(value)}`);
  }
}

/**
 * `progressRemaining` for `step` of `totalSteps`: 1 at step 0, 0 at `totalSteps`,
 * clamped to [0, 1].
 */
export function progressRemaining(step: number, totalSteps: number): number {
  assertFinite('progressRemaining: step', step);
  assertFinite('progressRemaining: totalSteps', totalSteps);
  if (totalSteps <= 0) throw new RangeError(`progressRemaining: totalSteps must be > 0, got ${totalSteps}`);
  const p = 1 - step / totalSteps;
  return p < 0 ? 0 : p > 1 ? 1 : p;
}

/** The same value at every point of training. */
export function constantSchedule(value: number): Schedule {
  assertFinite('constantSchedule: value', value);
  return () => value;
}

/**
 * Linear interpolation from `start` to `end` as a function of the fraction of training
 * elapsed (`1 - progressRemaining`); reaches `end` at `endFraction` and stays there
 * (SB3's `get_linear_fn`). E.g. DQN's ε: `linearSchedule(1, 0.05, 0.1)`.
 */
export function linearSchedule(start: number, end: number, endFraction = 1): Schedule {
  assertFinite('linearSchedule: start', start);
  assertFinite('linearSchedule: end', end);
  assertFinite('linearSchedule: endFraction', endFraction);
  if (endFraction <= 0 || endFraction > 1) {
    throw new RangeError(`linearSchedule: endFraction must be in (0, 1], got ${endFraction}`);
  }
  return (progressRemaining: number) => {
    const elapsed = 1 - progressRemaining;
    if (elapsed >= endFraction) return end;
    if (elapsed <= 0) return start;
    return start + (elapsed * (end - start)) / endFraction;
  };
}

/**
 * Exponential approach from `start` towards `end`:
 * `end + (start - end) · exp(-decayRate · elapsed)` with `elapsed = 1 - progressRemaining`
 * in [0, 1]. `decayRate = 0` is constant `start`; at the end of training the value is
 * `end + (start - end)·e^(-decayRate)` (e.g. within 0.7% of the gap for `decayRate = 5`).
 */
export function exponentialSchedule(start: number, end: number, decayRate: number): Schedule {
  assertFinite('exponentialSchedule: start', start);
  assertFinite('exponentialSchedule: end', end);
  assertFinite('exponentialSchedule: decayRate', decayRate);
  if (decayRate < 0) throw new RangeError(`exponentialSchedule: decayRate must be >= 0, got ${decayRate}`);
  return (progressRemaining: number) => {
    let elapsed = 1 - progressRemaining;
    if (elapsed < 0) elapsed = 0;
    else if (elapsed > 1) elapsed = 1;
    return end + (start - end) * Math.exp(-decayRate * elapsed);
  };
}

/**
 * Linear interpolation between `endpoints` `[t, value]` (sorted by strictly increasing `t`),
 * as OpenAI Baselines' `PiecewiseSchedule`. Outside `[t_0, t_last]` the result is
 * `outsideValue`; without one, a `t` outside the range is an error.
 */
export function piecewiseSchedule(endpoints: ReadonlyArray<readonly [number, number]>, outsideValue?: number): StepSchedule {
  if (!Array.isArray(endpoints) || endpoints.length === 0) {
    throw new RangeError('piecewiseSchedule: endpoints must be a non-empty array of [t, value] pairs');
  }
  const ts = new Float64Array(endpoints.length);
  const vs = new Float64Array(endpoints.length);
  endpoints.forEach((pair, i) => {
    if (!Array.isArray(pair) || pair.length !== 2) {
      throw new TypeError(`piecewiseSchedule: endpoint ${i} must be a [t, value] pair, got ${JSON.stringify(pair)}`);
    }
    assertFinite(`piecewiseSchedule: endpoint ${i} t`, pair[0]);
    assertFinite(`piecewiseSchedule: endpoint ${i} value`, pair[1]);
    if (i > 0 && pair[0] <= (ts[i - 1] as number)) {
      throw new RangeError(`piecewiseSchedule: endpoint times must increase strictly, got t=${pair[0]} after t=${ts[i - 1]}`);
    }
    ts[i] = pair[0];
    vs[i] = pair[1];
  });
  if (outsideValue !== undefined) assertFinite('piecewiseSchedule: outsideValue', outsideValue);
  const n = ts.length;
  return (t: number) => {
    for (let i = 0; i < n - 1; i++) {
      const t0 = ts[i] as number;
      const t1 = ts[i + 1] as number;
      if (t >= t0 && t < t1) {
        const alpha = (t - t0) / (t1 - t0);
        return (vs[i] as number) + alpha * ((vs[i + 1] as number) - (vs[i] as number));
      }
    }
    if (t === ts[n - 1]) return vs[n - 1] as number;
    if (outsideValue === undefined) {
      throw new RangeError(`piecewiseSchedule: t=${t} is outside [${ts[0]}, ${ts[n - 1]}] and no outsideValue was given`);
    }
    return outsideValue;
  };
}

/**
 * A schedule from an RL-Zoo-style config value:
 * - a number or a numeric string (`0.001`, `'3e-4'`) → constant;
 * - `'lin_<v>'` → linear from `v` to 0 over training (`linearSchedule(v, 0)`).
 */
export function parseSchedule(spec: string | number): Schedule {
  if (typeof spec === 'number') {
    if (!Number.isFinite(spec)) throw new TypeError(`parseSchedule: expected a finite number, got ${spec}`);
    return constantSchedule(spec);
  }
  if (typeof spec !== 'string') {
    throw new TypeError(`parseSchedule: expected a number or a string like 'lin_0.001', got ${typeof spec}`);
  }
  const s = spec.trim();
  const num = (text: string): number | undefined => {
    if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) return undefined;
    const v = Number(text);
    return Number.isFinite(v) ? v : undefined;
  };
  if (s.startsWith('lin_')) {
    const v = num(s.slice(4));
    if (v === undefined) {
      throw new SyntaxError(`parseSchedule: bad value in '${spec}' (expected 'lin_<number>', e.g. 'lin_0.001')`);
    }
    return linearSchedule(v, 0);
  }
  const v = num(s);
  if (v !== undefined) return constantSchedule(v);
  throw new SyntaxError(`parseSchedule: unknown schedule '${spec}' (expected a number or 'lin_<number>')`);
}
