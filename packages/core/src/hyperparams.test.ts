import { describe, expect, it } from 'vitest';
import {
  camelToSnake,
  defineHyperparameters,
  describeHyperparameters,
  resolveHyperparameters,
  scheduleFromSpec,
  snakeToCamel,
} from './hyperparams';

const schema = defineHyperparameters({
  learningRate: { type: 'schedule', default: 3e-4, exclusiveMin: 0, doc: 'step size' },
  nSteps: { type: 'integer', default: 2048, min: 1, doc: 'steps per rollout' },
  gamma: { type: 'number', default: 0.99, min: 0, max: 1, doc: 'discount' },
  normalizeAdvantage: { type: 'boolean', default: true, doc: 'normalise advantages' },
  activation: { type: 'enum', default: 'tanh', values: ['tanh', 'relu'], doc: 'activation' },
  netArch: { type: 'number[]', default: [64, 64], min: 1, doc: 'hidden sizes' },
  targetKl: { type: 'number', default: null, exclusiveMin: 0, doc: 'early stop KL' },
  policyKwargs: { type: 'object', default: {}, doc: 'extra policy options' },
  name: { type: 'string', default: 'x', doc: 'a name' },
});

describe('resolveHyperparameters', () => {
  it('fills defaults and keeps given values', () => {
    const hp = resolveHyperparameters(schema, { gamma: 0.9, netArch: [32] }, 'PPO');
    expect(hp).toEqual({
      learningRate: 3e-4,
      nSteps: 2048,
      gamma: 0.9,
      normalizeAdvantage: true,
      activation: 'tanh',
      netArch: [32],
      targetKl: null,
      policyKwargs: {},
      name: 'x',
    });
    // Defaults are copied, not shared.
    hp.netArch.push(1);
    expect(resolveHyperparameters(schema, {}, 'PPO').netArch).toEqual([64, 64]);
  });

  it('types the resolved object from the schema', () => {
    const hp = resolveHyperparameters(schema, {}, 'PPO');
    const n: number = hp.nSteps;
    const act: 'tanh' | 'relu' = hp.activation;
    const kl: number | null = hp.targetKl;
    const arch: number[] = hp.netArch;
    const b: boolean = hp.normalizeAdvantage;
    // @ts-expect-error an enum value outside the declared values
    const bad: 'gelu' = hp.activation;
    // @ts-expect-error nullable fields are not plain numbers
    const notNull: number = hp.targetKl;
    expect([n, act, kl, arch, b, bad, notNull]).toEqual([2048, 'tanh', null, [64, 64], true, 'tanh', null]);
  });

  it('rejects unknown fields with a suggestion and the valid list', () => {
    expect(() => resolveHyperparameters(schema, { lerning_rate: 1e-3 }, 'PPO')).toThrow(
      /^PPO: unknown hyperparameter "lerning_rate" \(did you mean "learningRate"\? valid: learningRate, nSteps, gamma/,
    );
    expect(() => resolveHyperparameters(schema, { zzzzzzzzzz: 1 }, 'PPO')).toThrow(/unknown hyperparameter "zzzzzzzzzz" \(valid:/);
  });

  it('accepts snake_case aliases (RL-Zoo YAML)', () => {
    const hp = resolveHyperparameters(schema, { learning_rate: 'lin_0.001', n_steps: 128, normalize_advantage: false }, 'PPO');
    expect(hp.learningRate).toBe('lin_0.001');
    expect(hp.nSteps).toBe(128);
    expect(hp.normalizeAdvantage).toBe(false);
    expect(() => resolveHyperparameters(schema, { n_steps: 1, nSteps: 2 }, 'PPO')).toThrow(/"nSteps" given twice/);
  });

  it('rejects wrong types and out-of-range values naming field, expectation and value', () => {
    expect(() => resolveHyperparameters(schema, { nSteps: 1.5 }, 'PPO')).toThrow(
      'PPO: hyperparameter "nSteps" must be an integer >= 1, got 1.5',
    );
    expect(() => resolveHyperparameters(schema, { nSteps: 0 }, 'PPO')).toThrow(/"nSteps" must be an integer >= 1, got 0/);
    expect(() => resolveHyperparameters(schema, { gamma: 1.5 }, 'PPO')).toThrow(/"gamma" must be a finite number >= 0 and <= 1, got 1.5/);
    expect(() => resolveHyperparameters(schema, { gamma: 'abc' }, 'PPO')).toThrow(/"gamma" .* got "abc"/);
    expect(() => resolveHyperparameters(schema, { gamma: Number.NaN }, 'PPO')).toThrow(/"gamma"/);
    expect(() => resolveHyperparameters(schema, { normalizeAdvantage: 1 }, 'PPO')).toThrow(/"normalizeAdvantage" must be a boolean, got 1/);
    expect(() => resolveHyperparameters(schema, { activation: 'gelu' }, 'PPO')).toThrow(
      /"activation" must be one of "tanh", "relu", got "gelu"/,
    );
    expect(() => resolveHyperparameters(schema, { netArch: [64, 0] }, 'PPO')).toThrow(/"netArch" must be an array/);
    expect(() => resolveHyperparameters(schema, { learningRate: 0 }, 'PPO')).toThrow(/"learningRate" must be a number > 0/);
    expect(() => resolveHyperparameters(schema, { learningRate: 'cos_1' }, 'PPO')).toThrow(/"learningRate".*got "cos_1"/);
    expect(() => resolveHyperparameters(schema, { learningRate: 'lin_-1' }, 'PPO')).toThrow(/"learningRate"/);
    expect(() => resolveHyperparameters(schema, { nSteps: null }, 'PPO')).toThrow(/"nSteps".*got null/);
    expect(() => resolveHyperparameters(schema, { policyKwargs: [1] }, 'PPO')).toThrow(/"policyKwargs" must be a plain object/);
  });

  it('coerces numeric strings and boolean strings, allows null for nullable fields', () => {
    const hp = resolveHyperparameters(schema, { n_steps: '256', gamma: '0.95', normalize_advantage: 'false', target_kl: null }, 'A2C');
    expect(hp.nSteps).toBe(256);
    expect(hp.gamma).toBe(0.95);
    expect(hp.normalizeAdvantage).toBe(false);
    expect(hp.targetKl).toBeNull();
    expect(resolveHyperparameters(schema, { targetKl: 0.02 }, 'A2C').targetKl).toBe(0.02);
    expect(resolveHyperparameters(schema, { learningRate: '1e-3' }, 'A2C').learningRate).toBe(0.001);
  });

  it('schedules: numbers, lin_ strings and functions', () => {
    expect(scheduleFromSpec(0.5)(0.1)).toBe(0.5);
    const lin = scheduleFromSpec(resolveHyperparameters(schema, { learningRate: 'lin_0.001' }, 'PPO').learningRate);
    expect(lin(1)).toBeCloseTo(0.001);
    expect(lin(0.5)).toBeCloseTo(0.0005);
    const f = (p: number) => p * 2;
    expect(resolveHyperparameters(schema, { learningRate: f }, 'PPO').learningRate).toBe(f);
  });

  it('defineHyperparameters checks its defaults and types', () => {
    expect(() => defineHyperparameters({ a: { type: 'integer', default: 0.5, doc: '' } })).toThrow(/"a" must be an integer/);
    expect(() => defineHyperparameters({ a: { type: 'float' as 'number', default: 0.5, doc: '' } })).toThrow(/unknown type "float"/);
    expect(() => defineHyperparameters({ a: { type: 'enum', default: 'x', doc: '' } })).toThrow(/needs a non-empty "values"/);
  });

  it('name conversion and description', () => {
    expect(snakeToCamel('learning_rate')).toBe('learningRate');
    expect(snakeToCamel('n_steps')).toBe('nSteps');
    expect(camelToSnake('learningRate')).toBe('learning_rate');
    const d = describeHyperparameters(schema);
    expect(d).toMatch(/^learningRate\s+a number > 0, a schedule string/);
    expect(d.split('\n')).toHaveLength(9);
  });
});
