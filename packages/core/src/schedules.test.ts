import { describe, expect, it } from 'vitest';
import { constantSchedule, exponentialSchedule, linearSchedule, parseSchedule, piecewiseSchedule, progressRemaining } from './schedules';

describe('schedules', () => {
  it('progressRemaining goes 1 → 0 and clamps', () => {
    expect(progressRemaining(0, 100)).toBe(1);
    expect(progressRemaining(25, 100)).toBe(0.75);
    expect(progressRemaining(100, 100)).toBe(0);
    expect(progressRemaining(150, 100)).toBe(0);
    expect(() => progressRemaining(1, 0)).toThrow(/totalSteps/);
  });

  it('constantSchedule', () => {
    const s = constantSchedule(3e-4);
    expect(s(1)).toBe(3e-4);
    expect(s(0)).toBe(3e-4);
    expect(() => constantSchedule(Number.NaN)).toThrow(/value/);
  });

  it('linearSchedule reaches end at endFraction then stays flat (SB3 get_linear_fn)', () => {
    const s = linearSchedule(1, 0.05, 0.1);
    expect(s(1)).toBe(1);
    // elapsed 0.05 = half of 0.1 → 1 + 0.5·(0.05 − 1) = 0.525
    expect(s(0.95)).toBeCloseTo(0.525, 12);
    expect(s(0.9)).toBeCloseTo(0.05, 12); // 1 − 0.9 rounds just below 0.1
    expect(s(0.3)).toBe(0.05);
    expect(s(0)).toBe(0.05);
    const full = linearSchedule(0.4, 1);
    expect(full(0.5)).toBeCloseTo(0.7, 12);
    expect(full(0)).toBe(1);
    expect(() => linearSchedule(1, 0, 0)).toThrow(/endFraction/);
    expect(() => linearSchedule(1, 0, 1.5)).toThrow(/endFraction/);
  });

  it('exponentialSchedule: end + (start − end)·exp(−rate·elapsed)', () => {
    const s = exponentialSchedule(1, 0.1, 2);
    expect(s(1)).toBe(1);
    expect(s(0.5)).toBeCloseTo(0.1 + 0.9 * Math.exp(-1), 12);
    expect(s(0)).toBeCloseTo(0.1 + 0.9 * Math.exp(-2), 12);
    expect(exponentialSchedule(1, 0, 0)(0)).toBe(1);
    expect(() => exponentialSchedule(1, 0, -1)).toThrow(/decayRate/);
  });

  it('piecewiseSchedule interpolates linearly between endpoints (baselines PiecewiseSchedule)', () => {
    const s = piecewiseSchedule(
      [
        [0, 1],
        [1e4, 0.1],
        [5e4, 0.01],
      ],
      0.01,
    );
    expect(s(0)).toBe(1);
    expect(s(5000)).toBeCloseTo(0.55, 12); // 1 + 0.5·(0.1 − 1)
    expect(s(1e4)).toBeCloseTo(0.1, 12);
    expect(s(3e4)).toBeCloseTo(0.055, 12); // 0.1 + 0.5·(0.01 − 0.1)
    expect(s(5e4)).toBe(0.01);
    expect(s(1e6)).toBe(0.01);
    const strict = piecewiseSchedule([
      [0, 0],
      [10, 1],
    ]);
    expect(strict(2.5)).toBe(0.25);
    expect(() => strict(11)).toThrow(/outside/);
    expect(() => piecewiseSchedule([])).toThrow(/non-empty/);
    expect(() =>
      piecewiseSchedule([
        [5, 0],
        [5, 1],
      ]),
    ).toThrow(/increase/);
  });

  it('parseSchedule handles RL-Zoo strings and rejects bad input', () => {
    const lin = parseSchedule('lin_0.001');
    expect(lin(1)).toBe(0.001);
    expect(lin(0.5)).toBeCloseTo(0.0005, 15);
    expect(lin(0)).toBe(0);
    expect(parseSchedule('lin_3e-4')(1)).toBe(3e-4);
    expect(parseSchedule('2.5e-4')(0.3)).toBe(2.5e-4);
    expect(parseSchedule(0.2)(0)).toBe(0.2);
    expect(() => parseSchedule('lin_abc')).toThrow(/lin_abc/);
    expect(() => parseSchedule('lin_')).toThrow(/lin_/);
    expect(() => parseSchedule('exp_0.1')).toThrow(/unknown schedule 'exp_0.1'/);
    expect(() => parseSchedule('')).toThrow(/unknown schedule/);
    expect(() => parseSchedule(Number.POSITIVE_INFINITY)).toThrow(/finite/);
  });
});
