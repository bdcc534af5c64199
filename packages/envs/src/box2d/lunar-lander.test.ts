import { readFileSync } from 'node:fs';
import { Box, Discrete } from '@tfrl/core';
import type { Body, Polygon, RevoluteJoint } from 'planck';
import { describe, expect, it } from 'vitest';
import { envSpec, make } from '../registry';
import {
  FPS,
  LANDER_DENSITY,
  LANDER_POLY,
  LEG_DOWN,
  LunarLanderEnv,
  MAIN_ENGINE_POWER,
  MAIN_ENGINE_Y_LOCATION,
  SCALE,
  SIDE_ENGINE_AWAY,
  SIDE_ENGINE_POWER,
  VIEWPORT_H,
  lunarLanderHeuristic,
} from './lunar-lander';

interface Case {
  name: string;
  kwargs: { continuous: boolean; gravity: number; enable_wind: boolean; wind_power: number; turbulence_power: number };
  terrainHeights: number[];
  initialForce: number[];
  windIdx: number | null;
  torqueIdx: number | null;
  resetObs: number[];
  actions: Array<number | number[]>;
  obs: number[][];
  reward: number[];
  terminated: boolean[];
  truncated: boolean[];
  awake: boolean[];
  /** Every uniform(-1, 1) draw Gymnasium made for engine dispersion (two per step, reset's step first). */
  dispersion: number[];
}

const fixture = JSON.parse(readFileSync(new URL('../../fixtures/lunar-lander-v3.json', import.meta.url), 'utf8')) as {
  meta: Record<string, string>;
  cases: Case[];
};

/** Replace the env's generator by one that replays `values` for uniform(-1, 1) (dispersion). */
function replayDispersion(env: LunarLanderEnv, values: number[]): void {
  let k = 0;
  (env as unknown as { rng: unknown }).rng = {
    uniform(lo: number, hi: number): number {
      if (lo !== -1 || hi !== 1) throw new Error(`unexpected uniform(${lo}, ${hi}) in a replayed episode`);
      if (k >= values.length) throw new Error('ran out of recorded dispersion draws');
      return values[k++] as number;
    },
    integers(): number {
      throw new Error('integers() should not be drawn when windIdx/torqueIdx are given');
    },
  };
}

/** A lander reset with no initial push, flat terrain and zero dispersion (deterministic physics). */
function calmLander(opts: ConstructorParameters<typeof LunarLanderEnv>[0] = {}, flatHeight = 3): LunarLanderEnv {
  const env = new LunarLanderEnv(opts);
  env.reset({ seed: 0 });
  (env as unknown as { rng: unknown }).rng = { uniform: () => 0, integers: () => 0 };
  env.reset({ options: { initialForce: [0, 0], terrainHeights: new Array(12).fill(flatHeight) } });
  return env;
}

function bodies(env: LunarLanderEnv): Body[] {
  return [env.lander as Body, ...env.legs.map((l) => l.body)];
}

function momentum(env: LunarLanderEnv): [number, number] {
  let px = 0;
  let py = 0;
  for (const b of bodies(env)) {
    const v = b.getLinearVelocity();
    px += b.getMass() * v.x;
    py += b.getMass() * v.y;
  }
  return [px, py];
}

function totalMass(env: LunarLanderEnv): number {
  return bodies(env).reduce((m, b) => m + b.getMass(), 0);
}

/*
 * Parity with Gymnasium 1.4 on Box2D 2.3.10 (pybox2d built from source), fixtures from
 * fixtures/gen_lunar_lander.py. Both sides get identical terrain, initial force, wind phase and
 * per-step dispersion, so the only difference is the engine: Box2D solves in float32, planck in
 * float64. Measured gaps (max |Δobs| over obs[0..5]): ≤ 1e-5 in the first 50 steps, ≤ 2e-5 in
 * the first 100, ≤ 2.2e-4 until the first ground contact (the longest flight, 235 steps of
 * main-engine bursts), the same leg-contact flags, and the same terminal step and type in 11 of
 * 12 cases. After touchdown the iterative contact solver amplifies float32 rounding, so only the
 * outcome is compared there; the one case with a 600-step ground slide ends 1 step apart.
 * Tolerances are ~3–5× the measured gaps (float32 has 24-bit mantissas: ~1e-6 m at 10 m).
 */
const TOL_EARLY = 5e-5; // steps < 100
const TOL_FLIGHT = 1e-3; // until the first contact (+5 steps)
const TOL_REWARD_FLIGHT = 2e-2; // rewards are differences of shaping terms scaled by 100

describe('LunarLander-v3 against Gymnasium (Box2D)', () => {
  it('the fixture comes from Gymnasium 1.x on Box2D and covers crash, rest, truncation, wind, continuous', () => {
    expect(fixture.meta.gymnasium).toMatch(/^1\./);
    expect(fixture.meta.box2d).toMatch(/^2\.3/);
    const last = (c: Case) => c.actions.length - 1;
    expect(fixture.cases.some((c) => c.terminated[last(c)] && c.reward[last(c)] === 100)).toBe(true);
    expect(fixture.cases.some((c) => c.terminated[last(c)] && c.reward[last(c)] === -100)).toBe(true);
    expect(fixture.cases.some((c) => c.truncated[last(c)])).toBe(true);
    expect(fixture.cases.some((c) => c.kwargs.enable_wind)).toBe(true);
    expect(fixture.cases.some((c) => c.kwargs.continuous)).toBe(true);
  });

  for (const c of fixture.cases) {
    it(`matches step by step: ${c.name} (${c.actions.length} steps)`, () => {
      const maxSteps = c.truncated[c.actions.length - 1] ? c.actions.length : undefined;
      const env = make('LunarLander-v3', c.kwargs, maxSteps ? { maxEpisodeSteps: maxSteps } : {});
      const ll = env.unwrapped as LunarLanderEnv;
      env.reset({ seed: 0 });
      replayDispersion(ll, c.dispersion);
      const options: Record<string, unknown> = { terrainHeights: c.terrainHeights, initialForce: c.initialForce };
      if (c.windIdx !== null) Object.assign(options, { windIdx: c.windIdx, torqueIdx: c.torqueIdx });
      const r0 = env.reset({ options });
      for (let j = 0; j < 8; j++) expect(Math.abs((r0.obs[j] as number) - (c.resetObs[j] as number))).toBeLessThan(1e-6);

      const n = c.actions.length;
      const firstContact = c.obs.findIndex((o, t) => o[6] === 1 || o[7] === 1 || c.terminated[t]);
      const compareUntil = Math.min(n, firstContact + 5);
      let ourEnd = -1;
      let ourTerminated = false;
      let ourReturn = 0;
      const refReturn = c.reward.reduce((a, b) => a + b, 0);
      for (let t = 0; t < n; t++) {
        const a = c.actions[t] as number | number[];
        const r = env.step(Array.isArray(a) ? new Float32Array(a) : a);
        ourReturn += r.reward;
        if (t < compareUntil) {
          const tol = t < Math.min(100, firstContact) ? TOL_EARLY : TOL_FLIGHT;
          const ref = c.obs[t] as number[];
          for (let j = 0; j < 6; j++) {
            const d = Math.abs((r.obs[j] as number) - (ref[j] as number));
            if (d > tol) throw new Error(`${c.name}: step ${t} obs[${j}] = ${r.obs[j]}, Gymnasium ${ref[j]} (|Δ| ${d} > ${tol})`);
          }
          expect([r.obs[6], r.obs[7]], `${c.name} step ${t} leg contacts`).toEqual([ref[6], ref[7]]);
          if (!r.terminated) expect(Math.abs(r.reward - (c.reward[t] as number))).toBeLessThan(TOL_REWARD_FLIGHT);
        }
        if (r.terminated || r.truncated) {
          ourEnd = t;
          ourTerminated = r.terminated;
          break;
        }
      }
      const refTerminated = c.terminated[n - 1] as boolean;
      const refEndReward = c.reward[n - 1] as number;
      const groundSteps = n - 1 - firstContact;
      if (ourEnd === -1) throw new Error(`${c.name}: Gymnasium ended at step ${n - 1}, we did not`);
      expect(ourTerminated).toBe(refTerminated);
      if (refTerminated) {
        // Same kind of ending: +100 rest or -100 crash/out of bounds.
        const ll2 = env.unwrapped as LunarLanderEnv;
        expect(ll2.landerAwake ? -100 : 100).toBe(refEndReward);
      }
      if (groundSteps <= 60) {
        expect(ourEnd).toBe(n - 1);
        expect(Math.abs(ourReturn - refReturn)).toBeLessThan(0.5);
      } else {
        expect(Math.abs(ourEnd - (n - 1))).toBeLessThanOrEqual(2);
      }
    });
  }
});

describe('LunarLander-v3 physics invariants', () => {
  it('hull mass, centroid and rotational inertia equal the analytic polygon values', () => {
    const env = calmLander();
    const hull = env.lander as Body;
    const v = LANDER_POLY.map(([x, y]) => [x / SCALE, y / SCALE] as const);
    let area2 = 0;
    let cx = 0;
    let cy = 0;
    let iO = 0; // second moment about the body origin, per unit density
    for (let i = 0; i < v.length; i++) {
      const [x0, y0] = v[i] as readonly [number, number];
      const [x1, y1] = v[(i + 1) % v.length] as readonly [number, number];
      const cr = x0 * y1 - x1 * y0;
      area2 += cr;
      cx += (x0 + x1) * cr;
      cy += (y0 + y1) * cr;
      iO += (cr * (x0 * x0 + x0 * x1 + x1 * x1 + y0 * y0 + y0 * y1 + y1 * y1)) / 12;
    }
    const area = area2 / 2;
    const mass = LANDER_DENSITY * area;
    cx /= 3 * area2;
    cy /= 3 * area2;
    expect(area).toBeCloseTo((34 * 27 - (2 * (3 * 17)) / 2) / (SCALE * SCALE), 12);
    expect(hull.getMass()).toBeCloseTo(mass, 12);
    const c = hull.getLocalCenter();
    expect(c.x).toBeCloseTo(cx, 12);
    expect(c.y).toBeCloseTo(cy, 12);
    expect(cy).toBeGreaterThan(0); // the hull is wider at the bottom but taller above y=0
    // planck's getInertia is about the body origin, as Box2D's GetInertia.
    expect(hull.getInertia()).toBeCloseTo(LANDER_DENSITY * iO, 12);
    // …and about the centroid by the parallel-axis theorem.
    expect(hull.getInertia() - mass * (cx * cx + cy * cy)).toBeCloseTo(LANDER_DENSITY * iO - mass * (cx * cx + cy * cy), 12);
  });

  it('leg joints use the reference angle pybox2d gives them and sit at their limits', () => {
    const env = calmLander();
    const joints: RevoluteJoint[] = [];
    for (let j = (env.world as NonNullable<LunarLanderEnv['world']>).getJointList(); j; j = j.getNext()) joints.push(j as RevoluteJoint);
    const byLeg = env.legs.map((leg) => joints.find((j) => j.getBodyB() === leg.body) as RevoluteJoint);
    expect(byLeg[0]?.getReferenceAngle()).toBeCloseTo(-0.05, 15);
    expect(byLeg[1]?.getReferenceAngle()).toBeCloseTo(0.05, 15);
    expect([byLeg[0]?.getLowerLimit(), byLeg[0]?.getUpperLimit()]).toEqual([0.9 - 0.5, 0.9]);
    expect([byLeg[1]?.getLowerLimit(), byLeg[1]?.getUpperLimit()]).toEqual([-0.9, -0.9 + 0.5]);
    // The motors (±0.3 rad/s) drive the legs from ±0.05 outwards to the inner limits; after 40 steps
    // of falling they rest there, within Box2D's angular slop.
    for (let t = 0; t < 40; t++) env.step(0);
    expect(byLeg[0]?.getJointAngle()).toBeGreaterThan(0.4 - 0.035);
    expect(byLeg[0]?.getJointAngle()).toBeLessThan(0.4 + 0.01);
    expect(byLeg[1]?.getJointAngle()).toBeLessThan(-0.4 + 0.035);
    expect(byLeg[1]?.getJointAngle()).toBeGreaterThan(-0.4 - 0.01);
  });

  it('free fall: the centre of mass follows y0 + v0·t + g·dt²·n(n+1)/2 (semi-implicit Euler) for any gravity', () => {
    for (const g of [-10, -7, -1.5]) {
      const env = calmLander({ gravity: g });
      const com = () => {
        let m = 0;
        let y = 0;
        let vy = 0;
        for (const b of bodies(env)) {
          m += b.getMass();
          y += b.getMass() * b.getWorldCenter().y;
          vy += b.getMass() * b.getLinearVelocity().y;
        }
        return [y / m, vy / m] as const;
      };
      const [y0, v0] = com();
      const dt = 1 / FPS;
      for (let n = 1; n <= 40; n++) {
        const r = env.step(0);
        const [y, vy] = com();
        expect(Math.abs(vy - (v0 + g * dt * n))).toBeLessThan(1e-12);
        expect(Math.abs(y - (y0 + v0 * dt * n + (g * dt * dt * n * (n + 1)) / 2))).toBeLessThan(1e-12);
        expect(r.terminated).toBe(false);
      }
      // Observed vertical speed is the hull's, scaled by (H/2)/FPS; the hull falls with the assembly.
      const r = env.step(0);
      expect(r.obs[3]).toBeCloseTo(((v0 + g * dt * 41) * (VIEWPORT_H / SCALE / 2)) / FPS, 3);
    }
  });

  it('main engine: impulse 13·(4/30) along the hull axis; side engines 0.6·(12/30) sideways with opposite spins', () => {
    const dt = 1 / FPS;
    const env = calmLander();
    const m = totalMass(env);
    const g = -10;
    let p0 = momentum(env);
    env.step(2);
    let p1 = momentum(env);
    expect(p1[0] - p0[0]).toBeCloseTo(0, 4);
    expect(p1[1] - p0[1] - m * g * dt).toBeCloseTo(MAIN_ENGINE_POWER * (MAIN_ENGINE_Y_LOCATION / SCALE), 9);

    const sideImpulse = SIDE_ENGINE_POWER * (SIDE_ENGINE_AWAY / SCALE);
    const w0 = (env.lander as Body).getAngularVelocity();
    p0 = momentum(env);
    env.step(1); // left engine pushes the hull towards -x and spins it counter-clockwise
    p1 = momentum(env);
    expect(p1[0] - p0[0]).toBeCloseTo(-sideImpulse, 4);
    const w1 = (env.lander as Body).getAngularVelocity();
    expect(w1 - w0).toBeGreaterThan(0.05);
    env.step(3);
    const p2 = momentum(env);
    expect(p2[0] - p1[0]).toBeCloseTo(sideImpulse, 3);
    expect((env.lander as Body).getAngularVelocity()).toBeLessThan(w1 - 0.05);

    // Continuous throttle scales the main impulse from 50% (main = 0+) to 100% (main = 1).
    for (const [main, power] of [
      [0.001, 0.5005],
      [0.5, 0.75],
      [1, 1],
    ] as const) {
      const ce = calmLander({ continuous: true });
      const q0 = momentum(ce);
      ce.step(new Float32Array([main, 0]));
      const q1 = momentum(ce);
      expect(q1[1] - q0[1] - totalMass(ce) * g * dt).toBeCloseTo(MAIN_ENGINE_POWER * (MAIN_ENGINE_Y_LOCATION / SCALE) * power, 5);
    }
    // main <= 0 and |lateral| <= 0.5 fire nothing.
    const off = calmLander({ continuous: true });
    const q0 = momentum(off);
    off.step(new Float32Array([0, 0.5]));
    const q1 = momentum(off);
    expect(q1[0] - q0[0]).toBeCloseTo(0, 9);
    expect(q1[1] - q0[1] - totalMass(off) * g * dt).toBeCloseTo(0, 9);
  });

  it('fuel costs: −0.3 per main-engine step and −0.03 per side-engine step on top of the shaping', () => {
    const env = calmLander();
    const shaping = (o: ArrayLike<number>) =>
      -100 * Math.hypot(o[0] as number, o[1] as number) -
      100 * Math.hypot(o[2] as number, o[3] as number) -
      100 * Math.abs(o[4] as number) +
      10 * (o[6] as number) +
      10 * (o[7] as number);
    // obs are float32 copies of the float64 state the reward uses: compare to 1e-3.
    let prev = shaping(env.step(0).obs);
    for (const [action, cost] of [
      [0, 0],
      [1, 0.03],
      [2, 0.3],
      [3, 0.03],
    ] as const) {
      const r = env.step(action);
      expect(r.reward).toBeCloseTo(shaping(r.obs) - prev - cost, 3);
      prev = shaping(r.obs);
    }
  });

  it('leg contact flags switch on at touchdown, and a soft landing comes to rest: +100, body asleep', () => {
    const env = calmLander({}, 3);
    let obs = env.step(0).obs;
    let touchdown = -1;
    for (let t = 0; t < 1000; t++) {
      const r = env.step(lunarLanderHeuristic(obs));
      obs = r.obs;
      if (touchdown < 0 && (obs[6] === 1 || obs[7] === 1)) {
        touchdown = t;
        // The legs reach below the hull: at first touch the hull is LEG_DOWN/SCALE-ish above the pad.
        expect(obs[1]).toBeLessThan(0.1);
      }
      if (r.terminated) {
        expect(r.reward).toBe(100);
        expect(env.landerAwake).toBe(false);
        expect([obs[6], obs[7]]).toEqual([1, 1]);
        expect(Math.abs(obs[0] as number)).toBeLessThan(0.2);
        expect(touchdown).toBeGreaterThan(0);
        return;
      }
    }
    throw new Error('the heuristic did not bring the lander to rest on flat ground');
  });

  it('crash: the hull touching the ground ends the episode with −100', () => {
    const env = calmLander();
    for (let t = 0; t < 200; t++) {
      const r = env.step(0);
      if (r.terminated) {
        expect(r.reward).toBe(-100);
        expect(env.landerAwake).toBe(true);
        return;
      }
    }
    throw new Error('free fall did not crash');
  });

  it('leaving the viewport (|x| ≥ 1) ends the episode with −100', () => {
    const env = new LunarLanderEnv();
    env.reset({ seed: 1, options: { initialForce: [30000, 0] } });
    for (let t = 0; t < 50; t++) {
      const r = env.step(0);
      if (r.terminated) {
        expect(r.reward).toBe(-100);
        expect(r.obs[0]).toBeGreaterThanOrEqual(1);
        return;
      }
    }
    throw new Error('did not leave the viewport');
  });

  it('wind and turbulence follow tanh(sin(0.02 i) + sin(0.01 π i)) and advance one index per step', () => {
    const dt = 1 / FPS;
    const env = new LunarLanderEnv({ enableWind: true, windPower: 12, turbulencePower: 0 });
    env.reset({ seed: 0 });
    (env as unknown as { rng: unknown }).rng = { uniform: () => 0, integers: () => 0 };
    env.reset({ options: { initialForce: [0, 0], terrainHeights: new Array(12).fill(3), windIdx: 123, torqueIdx: -40 } });
    expect(env.windIdx).toBe(124); // reset's own step used index 123
    for (let k = 0; k < 5; k++) {
      const idx = env.windIdx;
      const p0 = momentum(env);
      env.step(0);
      const p1 = momentum(env);
      const wind = Math.tanh(Math.sin(0.02 * idx) + Math.sin(Math.PI * 0.01 * idx)) * 12;
      expect(p1[0] - p0[0]).toBeCloseTo(wind * dt, 9);
      expect(env.windIdx).toBe(idx + 1);
      expect(env.torqueIdx).toBe(-40 + 2 + k);
    }
  });
});

describe('LunarLander-v3 API', () => {
  it('is registered as Gymnasium registers it (discrete and continuous)', () => {
    const spec = envSpec('LunarLander-v3');
    expect(spec?.maxEpisodeSteps).toBe(1000);
    expect(spec?.rewardThreshold).toBe(200);
    expect(spec?.kwargs).toEqual({ continuous: false, gravity: -10, enable_wind: false, wind_power: 15, turbulence_power: 1.5 });
    expect(envSpec('LunarLanderContinuous-v3')?.kwargs?.continuous).toBe(true);
    const d = make('LunarLander-v3');
    expect(d.actionSpace).toBeInstanceOf(Discrete);
    expect((d.actionSpace as Discrete).n).toBe(4);
    expect(d.observationSpace).toBeInstanceOf(Box);
    expect(Array.from((d.observationSpace as Box).high)).toEqual([2.5, 2.5, 10, 10, Math.fround(2 * Math.PI), 10, 1, 1]);
    const c = make('LunarLander-v3', { continuous: true });
    expect(c.actionSpace).toBeInstanceOf(Box);
    expect(Array.from((c.actionSpace as Box).low)).toEqual([-1, -1]);
  });

  it('validates kwargs, actions and reset options with messages naming them', () => {
    expect(() => make('LunarLander-v3', { gravity: -12 })).toThrow(/gravity \(current value: -12\) must be between -12 and 0/);
    expect(() => make('LunarLander-v3', { gravity: 0 })).toThrow(/gravity/);
    expect(() => make('LunarLander-v3', { wind: 3 })).toThrow(/no kwarg 'wind'/);
    const env = make('LunarLander-v3');
    env.reset({ seed: 0 });
    expect(() => env.step(4)).toThrow(/LunarLander-v3/);
    expect(() => env.reset({ options: { terrainHeights: [1, 2] } })).toThrow(/terrainHeights needs 12 numbers, got 2/);
    expect(() => env.reset({ options: { initialForce: [1] } })).toThrow(/initialForce/);
    expect(() => env.reset({ options: { gravity: 1 } })).toThrow(/unknown reset option 'gravity'/);
  });

  it('accepts the kwargs in both spellings (snake_case as Gymnasium, camelCase as the class); one kwarg twice is an error', () => {
    const a = make('LunarLander-v3', { enableWind: true, windPower: 5, turbulencePower: 0.5 });
    const b = make('LunarLander-v3', { enable_wind: true, wind_power: 5, turbulence_power: 0.5 });
    expect(a.spec?.kwargs).toEqual(b.spec?.kwargs);
    expect(a.spec?.kwargs).toMatchObject({ enable_wind: true, wind_power: 5, turbulence_power: 0.5 });
    const u = a.unwrapped as LunarLanderEnv;
    expect([u.enableWind, u.windPower, u.turbulencePower]).toEqual([true, 5, 0.5]);
    expect(() => make('LunarLander-v3', { enable_wind: true, enableWind: false })).toThrow(
      "make: LunarLander-v3: kwarg 'enable_wind' is given twice, as 'enable_wind' and as 'enableWind'; pass only one of them",
    );
    expect(() => make('LunarLander-v3', { wind: 3 })).toThrow(
      /accepted kwargs: continuous, gravity, enable_wind \(or enableWind\), wind_power \(or windPower\)/,
    );
  });

  it('continuous: clips out-of-range actions as Gymnasium (np.clip(action, -1, +1)); NaN and strict raise; discrete still raises', () => {
    const run = (action: Float32Array, kwargs: Record<string, unknown> = {}) => {
      const env = make('LunarLanderContinuous-v3', kwargs);
      env.reset({ seed: 4 });
      const out = [];
      for (let t = 0; t < 20; t++) {
        const r = env.step(action);
        out.push([...r.obs, r.reward]);
      }
      return out;
    };
    expect(run(Float32Array.of(3, -5))).toEqual(run(Float32Array.of(1, -1)));
    expect(run(Float32Array.of(-1e9, 0.7))).toEqual(run(Float32Array.of(-1, 0.7)));
    const env = make('LunarLanderContinuous-v3');
    env.reset({ seed: 0 });
    expect(() => env.step(Float32Array.of(Number.NaN, 0))).toThrow(
      'LunarLanderContinuous-v3: action Float32Array [NaN, 0] is not in Box(-1.0, 1.0, (2,), float32) (contains NaN at index 0)',
    );
    expect(() => env.step(Float32Array.of(2, Number.POSITIVE_INFINITY))).toThrow(
      /LunarLanderContinuous-v3: .*element 1 = Infinity is not finite/,
    );
    expect(() => env.step(Float32Array.of(2))).toThrow(/LunarLanderContinuous-v3: .*has length 1 but the space needs 2/);
    expect(() => run(Float32Array.of(3, 0), { strict: true })).toThrow(
      'LunarLanderContinuous-v3: action Float32Array [3, 0] is not in Box(-1.0, 1.0, (2,), float32) (element 0 = 3 is above high 1.0)',
    );
    expect(make('LunarLanderContinuous-v3', { strict: true }).spec?.kwargs).toMatchObject({ continuous: true, strict: true });
    const direct = new LunarLanderEnv({ continuous: true, strict: true });
    direct.reset({ seed: 0 });
    expect(() => direct.step(Float32Array.of(0, -1.5))).toThrow(/below low -1.0/);
    const discrete = make('LunarLander-v3');
    discrete.reset({ seed: 0 });
    expect(() => discrete.step(7)).toThrow(/LunarLander-v3: action 7 is not in Discrete\(4\)/);
  });

  it('step and reset after close() are errors naming the env', () => {
    const env = make('LunarLander-v3');
    env.reset({ seed: 0 });
    env.step(0);
    env.close();
    env.close();
    expect(() => env.step(0)).toThrow('LunarLander-v3: step() called after close()');
    expect(() => env.reset({ seed: 0 })).toThrow('LunarLander-v3: reset() called after close()');
  });

  it('truncates at 1000 steps through make()', () => {
    const env = make('LunarLander-v3');
    // Hover: the heuristic, told it is 0.5 lower than it is, holds station 0.5 above its target.
    let obs = env.reset({ seed: 0 }).obs;
    let t = 0;
    for (;;) {
      const fake = Float32Array.from(obs);
      fake[1] = (fake[1] as number) - 0.5;
      const r = env.step(lunarLanderHeuristic(fake));
      obs = r.obs;
      t++;
      if (r.terminated) throw new Error(`hovering terminated at step ${t}`);
      if (r.truncated) break;
    }
    expect(t).toBe(1000);
  });

  it('is deterministic per seed and draws terrain and push from its RNG', () => {
    const run = (seed: number) => {
      const env = make('LunarLander-v3');
      const out: number[] = Array.from(env.reset({ seed }).obs);
      for (let t = 0; t < 60; t++) out.push(...env.step(t % 4).obs);
      return { out, terrain: (env.unwrapped as LunarLanderEnv).terrain.map((p) => p[1]) };
    };
    const a = run(7);
    expect(run(7)).toEqual(a);
    const b = run(8);
    expect(b.terrain).not.toEqual(a.terrain);
    // The helipad (chunks 4..6 after smoothing: 3..7 raw) is flat at H/4 · 0.99.
    for (const i of [4, 5, 6]) expect(a.terrain[i]).toBeCloseTo(0.99 * (VIEWPORT_H / SCALE / 4), 12);
    expect(LEG_DOWN).toBe(18);
  });

  it('renders a 600×400 RGB frame: black sky, white ground, yellow flags, lander colour', () => {
    const env = calmLander();
    const f = env.render();
    expect([f.width, f.height, f.data.length]).toEqual([600, 400, 600 * 400 * 3]);
    const px = (x: number, y: number) => Array.from(f.data.subarray((y * 600 + x) * 3, (y * 600 + x) * 3 + 3));
    expect(px(5, 5)).toEqual([0, 0, 0]); // sky
    expect(px(5, 395)).toEqual([255, 255, 255]); // ground (flat at 2.97 m = 89 px)
    // Flag of the left helipad pole at x = 8 m = 240 px, 45 px above the pad (row 400 − 99 − 45).
    expect(px(243, 400 - Math.round(0.99 * 100) - 45)).toEqual([204, 204, 0]);
    // Hull centre at (300 px, 400 − y·30).
    const hullRow = Math.round(400 - (env.lander as Body).getPosition().y * SCALE);
    expect(px(300, hullRow + 5)).toEqual([128, 102, 230]);
    const poly = ((env.lander as Body).getFixtureList()?.getShape() as Polygon).m_vertices.length;
    expect(poly).toBe(6);
  });
});

describe('lunarLanderHeuristic', () => {
  const stats = async (continuous: boolean) => {
    const env = make('LunarLander-v3', { continuous });
    const returns: number[] = [];
    for (let ep = 0; ep < 100; ep++) {
      // Yield between episodes so the test runner's RPC stays responsive on a loaded machine.
      await new Promise<void>((resolve) => setImmediate(resolve));
      let { obs } = env.reset({ seed: 1000 + ep });
      let total = 0;
      for (;;) {
        const r = env.step(lunarLanderHeuristic(obs, { continuous }));
        total += r.reward;
        obs = r.obs;
        if (r.terminated || r.truncated) break;
      }
      returns.push(total);
    }
    const mean = returns.reduce((a, b) => a + b, 0) / returns.length;
    const std = Math.sqrt(returns.reduce((a, b) => a + (b - mean) ** 2, 0) / returns.length);
    return { mean, std, min: Math.min(...returns) };
  };

  it('discrete: mean return over 100 seeded episodes > 200 (Gymnasium on Box2D: 252.8 ± 78.5)', async () => {
    const s = await stats(false);
    console.log(`heuristic discrete: mean ${s.mean.toFixed(2)} std ${s.std.toFixed(2)} min ${s.min.toFixed(2)}`);
    expect(s.mean).toBeGreaterThan(200);
  });

  it('continuous: mean return over 100 seeded episodes > 200 (Gymnasium on Box2D: 280.3 ± 48.4)', async () => {
    const s = await stats(true);
    console.log(`heuristic continuous: mean ${s.mean.toFixed(2)} std ${s.std.toFixed(2)} min ${s.min.toFixed(2)}`);
    expect(s.mean).toBeGreaterThan(200);
  });

  it('decides as Gymnasium: angle and hover targets, leg contact override', () => {
    expect(lunarLanderHeuristic([0, 1, 0, 0, 0, 0, 0, 0])).toBe(0);
    expect(lunarLanderHeuristic([0, 0, 0, -1, 0, 0, 0, 0])).toBe(2); // falling: main engine
    expect(lunarLanderHeuristic([0.5, 1, 0, 0, 0, 0, 0, 0])).toBe(1); // pad to the left of the target angle
    expect(lunarLanderHeuristic([-0.5, 1, 0, 0, 0, 0, 0, 0])).toBe(3);
    expect(lunarLanderHeuristic([0.5, 1, 0, 0, 0, 0, 1, 0])).toBe(0); // leg contact: only brake the fall
    const a = lunarLanderHeuristic([0, 0, 0, -1, 0.1, 0, 0, 0], { continuous: true }) as Float32Array;
    expect(a[0]).toBe(1);
    expect(a[1]).toBeCloseTo(Math.max(-1, Math.min(1, -((0 - 0.1) * 0.5) * 20)), 6);
  });
});
