import { CliffWalkingEnv, FrozenLakeEnv, GridWorldEnv } from '@tfrl/envs';
import { describe, expect, it } from 'vitest';
import { type TransitionModel, greedyPolicy, policyEvaluation, policyIteration, qFromV, valueIteration } from './dp';

/** Russell & Norvig (AIMA 3rd ed.) Fig. 17.3: utilities of the 4x3 world, γ = 1, R(s) = −0.04. */
const AIMA_UTILITIES: Array<[row: number, col: number, u: number]> = [
  [0, 0, 0.812],
  [0, 1, 0.868],
  [0, 2, 0.918],
  [1, 0, 0.762],
  [1, 2, 0.66],
  [2, 0, 0.705],
  [2, 1, 0.655],
  [2, 2, 0.611],
  [2, 3, 0.388],
];

describe('dynamic programming on the 4x3 grid world', () => {
  const env = new GridWorldEnv({ map: '4x3' });

  it('value iteration reproduces AIMA Fig. 17.3 (the book counts the state’s own reward −0.04)', () => {
    const res = valueIteration(env.P, 1, { theta: 1e-12 });
    expect(res.converged).toBe(true);
    for (const [r, c, u] of AIMA_UTILITIES) {
      // The env pays the reward on arrival; the book's U(s) = R(s) + Σ P U(s') adds s's own −0.04.
      const v = (res.V[env.toState(r, c)] as number) + env.settings.stepReward;
      expect(v).toBeCloseTo(u, 3);
    }
    // Terminal and wall cells have value 0 (absorbing, not bootstrapped).
    expect(res.V[env.toState(0, 3)]).toBe(0);
    expect(res.V[env.toState(1, 3)]).toBe(0);
  });

  it('AIMA Fig. 17.2 optimal policy: up from the start, the long way round at (1,2), left at (2,3)', () => {
    const { policy } = valueIteration(env.P, 1, { theta: 1e-12 });
    const [UP, RIGHT, , LEFT] = [0, 1, 2, 3];
    expect(policy[env.toState(0, 0)]).toBe(RIGHT);
    expect(policy[env.toState(0, 1)]).toBe(RIGHT);
    expect(policy[env.toState(0, 2)]).toBe(RIGHT);
    expect(policy[env.toState(1, 0)]).toBe(UP);
    expect(policy[env.toState(1, 2)]).toBe(UP);
    expect(policy[env.toState(2, 0)]).toBe(UP);
    expect(policy[env.toState(2, 1)]).toBe(LEFT);
    expect(policy[env.toState(2, 2)]).toBe(LEFT);
    expect(policy[env.toState(2, 3)]).toBe(LEFT);
  });

  it('policy iteration and value iteration agree (values and policy)', () => {
    const vi = valueIteration(env.P, 1, { theta: 1e-12 });
    const pi = policyIteration(env.P, 1, { theta: 1e-12 });
    expect(pi.converged).toBe(true);
    expect(pi.iterations).toBeGreaterThan(1);
    expect(pi.iterations).toBeLessThan(20);
    for (let s = 0; s < env.nS; s++) expect(pi.V[s]).toBeCloseTo(vi.V[s] as number, 8);
    for (const s of env.map.free) if (!env.isTerminal(s)) expect(pi.policy[s]).toBe(vi.policy[s]);
  });

  it('policy evaluation of the optimal policy returns V*, and Q from V* has V* as its row maxima', () => {
    const vi = valueIteration(env.P, 1, { theta: 1e-12 });
    const ev = policyEvaluation(env.P, vi.policy, 1, { theta: 1e-12 });
    expect(ev.converged).toBe(true);
    for (let s = 0; s < env.nS; s++) expect(ev.V[s]).toBeCloseTo(vi.V[s] as number, 8);
    const Q = qFromV(env.P, vi.V, 1);
    for (const s of env.map.free) {
      const row = Array.from(Q.subarray(s * 4, s * 4 + 4));
      expect(Math.max(...row)).toBeCloseTo(vi.V[s] as number, 9);
    }
    expect(Array.from(greedyPolicy(env.P, vi.V, 1))).toEqual(Array.from(vi.policy));
  });

  // The slides do not give their parameters; a search over step cost, slip and γ finds that the
  // table is the 4x3 world with step reward −0.03, slip 0.2 and γ = 1 (book convention again).
  it('the Fidle slides’ policy-iteration table: 0.85 0.89 0.93 / 0.81 · 0.68 / 0.77 0.73 0.70 0.47', () => {
    const g = new GridWorldEnv({ map: '4x3', stepReward: -0.03 });
    const pi = policyIteration(g.P, 1, { theta: 1e-12 });
    const V = pi.V.map((v, s) => (g.isTerminal(s) ? v : v - 0.03));
    const expected: Array<[number, number, number]> = [
      [0, 0, 0.85],
      [0, 1, 0.89],
      [0, 2, 0.93],
      [1, 0, 0.81],
      [1, 2, 0.68],
      [2, 0, 0.77],
      [2, 1, 0.73],
      [2, 2, 0.7],
      [2, 3, 0.47],
    ];
    for (const [r, c, v] of expected) expect(Math.abs((V[g.toState(r, c)] as number) - v)).toBeLessThanOrEqual(0.005);
  });
});

describe('dynamic programming: small models', () => {
  // Two-state chain: state 0 → (a0: stay, reward 0; a1: to terminal 1, reward 1).
  const chain: TransitionModel = [
    [[{ prob: 1, next: 0, reward: 0, done: false }], [{ prob: 1, next: 1, reward: 1, done: true }]],
    [[{ prob: 1, next: 1, reward: 0, done: true }], [{ prob: 1, next: 1, reward: 0, done: true }]],
  ];

  it('evaluates a stochastic policy in closed form: V(0) = 0.5 / (1 − 0.5γ)', () => {
    const gamma = 0.9;
    const ev = policyEvaluation(
      chain,
      [
        [0.5, 0.5],
        [1, 0],
      ],
      gamma,
      { theta: 1e-14 },
    );
    expect(ev.V[0]).toBeCloseTo(0.5 / (1 - 0.5 * gamma), 10);
    expect(ev.V[1]).toBe(0);
    // Flat nS·nA form gives the same.
    const flat = policyEvaluation(chain, [0.5, 0.5, 1, 0], gamma, { theta: 1e-14 });
    expect(flat.V[0]).toBeCloseTo(ev.V[0] as number, 12);
  });

  it('reports non-convergence of an improper policy with γ = 1 within maxIterations', () => {
    const costly: TransitionModel = [
      [[{ prob: 1, next: 0, reward: -1, done: false }], [{ prob: 1, next: 1, reward: 0, done: true }]],
      chain[1] as TransitionModel[number],
    ];
    const ev = policyEvaluation(costly, [0, 0], 1, { maxIterations: 50 });
    expect(ev.converged).toBe(false);
    expect(ev.iterations).toBe(50);
    expect(ev.V[0]).toBe(-50);
  });

  it('names what is wrong in bad inputs', () => {
    expect(() => valueIteration(chain, 1.5)).toThrow(/gamma/);
    expect(() => policyEvaluation(chain, [0, 2], 1)).toThrow(/policy\[1\] = 2/);
    expect(() =>
      policyEvaluation(
        chain,
        [
          [0.5, 0.4],
          [1, 0],
        ],
        1,
      ),
    ).toThrow(/sums to 0.9/);
    const bad = [[[{ prob: 0.5, next: 0, reward: 0, done: false }]]];
    expect(() => valueIteration(bad, 1)).toThrow(/P\[0\]\[0\] sum to 0.5/);
  });

  it('solves CliffWalking: the optimal path along the cliff edge, V*(start) = −13', () => {
    const env = new CliffWalkingEnv();
    const vi = valueIteration(env.P, 1);
    expect(vi.V[CliffWalkingEnv.startState]).toBeCloseTo(-13, 9);
    const pi = policyIteration(env.P, 1, {
      initialPolicy: new Int32Array(env.nS).fill(1).map((_, s) => (s === 36 ? 0 : s % 12 === 11 ? 2 : 1)),
    });
    expect(pi.V[CliffWalkingEnv.startState]).toBeCloseTo(-13, 9);
  });

  it('FrozenLake 4x4 (slippery, γ = 0.99): policy iteration matches value iteration', () => {
    const env = new FrozenLakeEnv();
    const vi = valueIteration(env.P, 0.99, { theta: 1e-12 });
    const pi = policyIteration(env.P, 0.99, { theta: 1e-12 });
    for (let s = 0; s < env.nS; s++) expect(pi.V[s]).toBeCloseTo(vi.V[s] as number, 7);
    // Known value of the start state for the standard map (≈ 0.542).
    expect(vi.V[0]).toBeGreaterThan(0.5);
    expect(vi.V[0]).toBeLessThan(0.6);
  });
});
