/**
 * LunarLander-v3 as Gymnasium's `LunarLander` (Oleg Klimov's Box2D env), on planck.js.
 *
 * Constants, body and joint definitions, engine impulses, observation scaling, reward shaping,
 * termination and the wind/turbulence formulas follow `gymnasium/envs/box2d/lunar_lander.py`
 * (Gymnasium 1.4). Box2D's tuning settings (slop, sleep tolerances, baumgarte …) are the same in
 * planck and in pybox2d's Box2D 2.3, and the world is stepped with Gymnasium's 180 velocity and 60
 * position iterations.
 *
 * Differences from the reference, on purpose or unavoidable:
 * - Box2D computes in float32, planck in float64, so trajectories agree closely while the lander
 *   flies and drift apart once contacts are solved (see `fixtures/gen_lunar_lander.py` and the
 *   parity test for the measured gap). Observations are the float32 copy of float64 state.
 * - The random draws (terrain heights, initial force, wind offsets, engine dispersion) come from
 *   the env's `Rng` (xoshiro128**) instead of NumPy, in the same order and with the same ranges,
 *   so seeds do not reproduce Gymnasium's episodes. `reset({options: {terrainHeights,
 *   initialForce, windIdx, torqueIdx}})` sets them explicitly.
 * - Engine particles are decoration in Gymnasium (created only when rendering, never touching the
 *   lander), so they are not simulated.
 *
 * Continuous actions outside [−1, 1]² are clipped as Gymnasium's `step` does
 * (`np.clip(action, -1, +1)`), unless `strict`; NaN, ±Infinity or a wrong length throw.
 * Discrete actions outside Discrete(4) throw (Gymnasium asserts).
 */

import { BaseEnv, Discrete, type ResetResult, type RgbFrame, type StepResult, Box as SpaceBox } from '@tfrl/core';
import { Box as PlanckBox, type Body, type Contact, Edge, Polygon, RevoluteJoint, Vec2, World } from 'planck';
import { createFrame, fillPolygon, type Rgb } from '../classic/raster';
import { booleanOption } from '../kwargs';

export const FPS = 50;
export const SCALE = 30.0;
export const MAIN_ENGINE_POWER = 13.0;
export const SIDE_ENGINE_POWER = 0.6;
export const INITIAL_RANDOM = 1000.0;
/** Hull vertices in pixels (divided by SCALE for the physics). */
export const LANDER_POLY: ReadonlyArray<readonly [number, number]> = [
  [-14, 17],
  [-17, 0],
  [-17, -10],
  [17, -10],
  [17, 0],
  [14, 17],
];
export const LEG_AWAY = 20;
export const LEG_DOWN = 18;
export const LEG_W = 2;
export const LEG_H = 8;
export const LEG_SPRING_TORQUE = 40;
export const SIDE_ENGINE_HEIGHT = 14;
export const SIDE_ENGINE_AWAY = 12;
export const MAIN_ENGINE_Y_LOCATION = 4;
export const VIEWPORT_W = 600;
export const VIEWPORT_H = 400;
export const CHUNKS = 11;
/** Lander hull density (kg/m²) as Gymnasium's fixture. */
export const LANDER_DENSITY = 5.0;

const W = VIEWPORT_W / SCALE;
const H = VIEWPORT_H / SCALE;
const VELOCITY_ITERATIONS = 6 * 30;
const POSITION_ITERATIONS = 2 * 30;

export interface LunarLanderOptions {
  /** Box action `[main, lateral]` in [-1, 1]² instead of Discrete(4) (default false). */
  continuous?: boolean;
  /** Gravity along y, strictly between -12 and 0 (default -10). */
  gravity?: number;
  /** Wind force and turbulence torque while no leg touches the ground (default false). */
  enableWind?: boolean;
  /** Peak wind force; 0..20 recommended (default 15). */
  windPower?: number;
  /** Peak turbulence torque; 0..2 recommended (default 1.5). */
  turbulencePower?: number;
  /**
   * Continuous only: raise on an action outside [−1, 1]² instead of clipping it (Gymnasium's
   * `step`: `np.clip(action, -1, +1)`). Default false.
   */
  strict?: boolean;
}

/** `reset({options})` of LunarLander: everything the episode would otherwise draw from the RNG. */
export interface LunarLanderResetOptions {
  /** CHUNKS + 1 = 12 raw heights in [0, H/2] before the helipad is levelled and smoothing applied. */
  terrainHeights?: ArrayLike<number>;
  /** The initial force `[fx, fy]` applied to the hull's centre (Gymnasium: uniform in ±1000 each). */
  initialForce?: ArrayLike<number>;
  /** Initial wind / turbulence phase indices (Gymnasium: integers in [-9999, 9999)); wind only. */
  windIdx?: number;
  torqueIdx?: number;
}

interface LegBody {
  body: Body;
  groundContact: boolean;
}

const clip = (v: number, lo: number, hi: number) => (v < lo ? lo : v > hi ? hi : v);

let warnedWind = false;
let warnedTurbulence = false;

export class LunarLanderEnv extends BaseEnv<Float32Array, number | Float32Array> {
  readonly continuous: boolean;
  readonly gravity: number;
  readonly enableWind: boolean;
  readonly windPower: number;
  readonly turbulencePower: number;
  readonly observationSpace = new SpaceBox({
    low: [-2.5, -2.5, -10, -10, -2 * Math.PI, -10, -0, -0],
    high: [2.5, 2.5, 10, 10, 2 * Math.PI, 10, 1, 1],
  });
  readonly actionSpace: Discrete | SpaceBox;

  /** The planck world of the current episode (a new one per reset, as Gymnasium v3). */
  world: World | null = null;
  lander: Body | null = null;
  private moon: Body | null = null;
  legs: LegBody[] = [];
  private gameOver = false;
  private prevShaping: number | null = null;
  helipadX1 = 0;
  helipadX2 = 0;
  helipadY = 0;
  /** Terrain polyline (x, smoothed y) of the current episode, CHUNKS points. */
  terrain: Array<[number, number]> = [];
  windIdx = 0;
  torqueIdx = 0;
  private readonly state = new Float64Array(8);

  constructor(opts: LunarLanderOptions = {}) {
    super();
    this.continuous = opts.continuous ?? false;
    this.gravity = opts.gravity ?? -10.0;
    this.enableWind = opts.enableWind ?? false;
    this.windPower = opts.windPower ?? 15.0;
    this.turbulencePower = opts.turbulencePower ?? 1.5;
    if (typeof this.continuous !== 'boolean')
      throw new TypeError(`LunarLander: continuous must be a boolean, got ${String(this.continuous)}`);
    if (typeof this.enableWind !== 'boolean')
      throw new TypeError(`LunarLander: enable_wind must be a boolean, got ${String(this.enableWind)}`);
    if (typeof this.gravity !== 'number' || !(this.gravity > -12.0 && this.gravity < 0.0)) {
      throw new RangeError(`LunarLander: gravity (current value: ${String(this.gravity)}) must be between -12 and 0`);
    }
    if (typeof this.windPower !== 'number' || !Number.isFinite(this.windPower)) {
      throw new TypeError(`LunarLander: wind_power must be a finite number, got ${String(this.windPower)}`);
    }
    if (typeof this.turbulencePower !== 'number' || !Number.isFinite(this.turbulencePower)) {
      throw new TypeError(`LunarLander: turbulence_power must be a finite number, got ${String(this.turbulencePower)}`);
    }
    // Gymnasium only warns outside the recommended ranges; so do we (once per process).
    if ((this.windPower < 0 || this.windPower > 20) && !warnedWind) {
      warnedWind = true;
      console.warn(`LunarLander: wind_power value is recommended to be between 0.0 and 20.0, (current value: ${this.windPower})`);
    }
    if ((this.turbulencePower < 0 || this.turbulencePower > 2) && !warnedTurbulence) {
      warnedTurbulence = true;
      console.warn(
        `LunarLander: turbulence_power value is recommended to be between 0.0 and 2.0, (current value: ${this.turbulencePower})`,
      );
    }
    this.actionSpace = this.continuous ? new SpaceBox({ low: -1, high: 1, shape: [2] }) : new Discrete(4);
    this.strict = booleanOption('LunarLander', 'strict', opts.strict, false);
  }

  /** Whether the lander's body has come to rest (Box2D sleep). */
  get landerAwake(): boolean {
    return this.lander?.isAwake() ?? false;
  }

  protected _reset(options?: Record<string, unknown>): ResetResult<Float32Array> {
    const o = (options ?? {}) as LunarLanderResetOptions;
    for (const k of Object.keys(o)) {
      if (!['terrainHeights', 'initialForce', 'windIdx', 'torqueIdx'].includes(k)) {
        throw new Error(`${this.id}: unknown reset option '${k}' (accepted: terrainHeights, initialForce, windIdx, torqueIdx)`);
      }
    }
    const world = new World({ gravity: { x: 0, y: this.gravity } });
    this.world = world;
    this.gameOver = false;
    this.prevShaping = null;

    // Terrain: CHUNKS + 1 heights, helipad levelled, 3-point smoothing (with Gymnasium's 0.33).
    const height = new Float64Array(CHUNKS + 1);
    if (o.terrainHeights !== undefined) {
      const th = o.terrainHeights;
      if (th.length !== CHUNKS + 1)
        throw new RangeError(`${this.id}: reset option terrainHeights needs ${CHUNKS + 1} numbers, got ${th.length}`);
      for (let i = 0; i <= CHUNKS; i++) {
        const v = th[i] as number;
        if (typeof v !== 'number' || !Number.isFinite(v))
          throw new TypeError(`${this.id}: terrainHeights[${i}] must be a finite number, got ${String(v)}`);
        height[i] = v;
      }
    } else {
      for (let i = 0; i <= CHUNKS; i++) height[i] = this.rng.uniform(0, H / 2);
    }
    const chunkX: number[] = [];
    for (let i = 0; i < CHUNKS; i++) chunkX.push((W / (CHUNKS - 1)) * i);
    const half = Math.floor(CHUNKS / 2);
    this.helipadX1 = chunkX[half - 1] as number;
    this.helipadX2 = chunkX[half + 1] as number;
    this.helipadY = H / 4;
    for (let d = -2; d <= 2; d++) height[half + d] = this.helipadY;
    // height[-1] is NumPy's last element, as in Gymnasium's list comprehension.
    const smoothY: number[] = [];
    for (let i = 0; i < CHUNKS; i++) {
      const prev = height[i === 0 ? CHUNKS : i - 1] as number;
      smoothY.push(0.33 * (prev + (height[i] as number) + (height[i + 1] as number)));
    }
    this.terrain = chunkX.map((x, i) => [x, smoothY[i] as number]);

    const moon = world.createBody();
    moon.createFixture({ shape: new Edge(Vec2(0, 0), Vec2(W, 0)) });
    for (let i = 0; i < CHUNKS - 1; i++) {
      moon.createFixture({
        shape: new Edge(Vec2(chunkX[i] as number, smoothY[i] as number), Vec2(chunkX[i + 1] as number, smoothY[i + 1] as number)),
        density: 0,
        friction: 0.1,
      });
    }
    this.moon = moon;

    const initialY = VIEWPORT_H / SCALE;
    const initialX = VIEWPORT_W / SCALE / 2;
    const lander = world.createBody({ type: 'dynamic', position: Vec2(initialX, initialY), angle: 0 });
    lander.createFixture({
      shape: new Polygon(LANDER_POLY.map(([x, y]) => Vec2(x / SCALE, y / SCALE))),
      density: LANDER_DENSITY,
      friction: 0.1,
      filterCategoryBits: 0x0010,
      filterMaskBits: 0x001,
      restitution: 0.0,
    });
    this.lander = lander;

    let fx: number;
    let fy: number;
    if (o.initialForce !== undefined) {
      const f = o.initialForce;
      if (f.length !== 2 || !Number.isFinite(f[0]) || !Number.isFinite(f[1])) {
        throw new RangeError(
          `${this.id}: reset option initialForce must be two finite numbers [fx, fy], got ${JSON.stringify(Array.from(f))}`,
        );
      }
      fx = f[0] as number;
      fy = f[1] as number;
    } else {
      fx = this.rng.uniform(-INITIAL_RANDOM, INITIAL_RANDOM);
      fy = this.rng.uniform(-INITIAL_RANDOM, INITIAL_RANDOM);
    }
    lander.applyForceToCenter(Vec2(fx, fy), true);

    if (this.enableWind) {
      this.windIdx = this.checkIdx('windIdx', o.windIdx) ?? this.rng.integers(-9999, 9999);
      this.torqueIdx = this.checkIdx('torqueIdx', o.torqueIdx) ?? this.rng.integers(-9999, 9999);
    }

    this.legs = [];
    for (const i of [-1, 1]) {
      const body = world.createBody({ type: 'dynamic', position: Vec2(initialX - (i * LEG_AWAY) / SCALE, initialY), angle: i * 0.05 });
      body.createFixture({
        shape: new PlanckBox(LEG_W / SCALE, LEG_H / SCALE),
        density: 1.0,
        restitution: 0.0,
        filterCategoryBits: 0x0020,
        filterMaskBits: 0x001,
      });
      world.createJoint(
        new RevoluteJoint({
          bodyA: lander,
          bodyB: body,
          localAnchorA: Vec2(0, 0),
          localAnchorB: Vec2((i * LEG_AWAY) / SCALE, LEG_DOWN / SCALE),
          // Box2D's C++ b2RevoluteJointDef defaults referenceAngle to 0, but the pybox2d binding
          // Gymnasium runs on sets it to bodyB.angle - bodyA.angle (= i·0.05) whenever bodyA and
          // bodyB are passed as kwargs (Box2D_joints.i), which Gymnasium does. The Gymnasium
          // fixtures confirm it (joint angle = leg angle - lander angle - i·0.05). Explicit here,
          // so it does not depend on planck's own default.
          referenceAngle: i * 0.05, // leg angle - lander angle at creation
          enableMotor: true,
          enableLimit: true,
          maxMotorTorque: LEG_SPRING_TORQUE,
          motorSpeed: 0.3 * i,
          lowerAngle: i === -1 ? 0.9 - 0.5 : -0.9,
          upperAngle: i === -1 ? 0.9 : -0.9 + 0.5,
        }),
      );
      this.legs.push({ body, groundContact: false });
    }

    world.on('begin-contact', (c: Contact) => this.onContact(c, true));
    world.on('end-contact', (c: Contact) => this.onContact(c, false));

    const r = this._step(this.continuous ? new Float32Array([0, 0]) : 0);
    return { obs: r.obs, info: {} };
  }

  private checkIdx(name: string, v: unknown): number | undefined {
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || !Number.isInteger(v))
      throw new TypeError(`${this.id}: reset option ${name} must be an integer, got ${String(v)}`);
    return v;
  }

  private onContact(c: Contact, begin: boolean): void {
    const a = c.getFixtureA().getBody();
    const b = c.getFixtureB().getBody();
    if (begin && (a === this.lander || b === this.lander)) this.gameOver = true;
    for (const leg of this.legs) {
      if (leg.body === a || leg.body === b) leg.groundContact = begin;
    }
  }

  protected _step(action: number | Float32Array): StepResult<Float32Array> {
    const lander = this.lander as Body;
    const world = this.world as World;
    const legs = this.legs;

    if (this.enableWind && !((legs[0] as LegBody).groundContact || (legs[1] as LegBody).groundContact)) {
      // tanh(sin(2k·t) + sin(π·k·t)), k = 0.01: not periodic.
      const windMag = Math.tanh(Math.sin(0.02 * this.windIdx) + Math.sin(Math.PI * 0.01 * this.windIdx)) * this.windPower;
      this.windIdx += 1;
      lander.applyForceToCenter(Vec2(windMag, 0.0), true);
      const torqueMag = Math.tanh(Math.sin(0.02 * this.torqueIdx) + Math.sin(Math.PI * 0.01 * this.torqueIdx)) * this.turbulencePower;
      this.torqueIdx += 1;
      lander.applyTorque(torqueMag, true);
    }

    let a0 = 0;
    let a1 = 0;
    let discrete = 0;
    if (this.continuous) {
      const a = action as Float32Array;
      a0 = clip(a[0] as number, -1, 1);
      a1 = clip(a[1] as number, -1, 1);
    } else {
      discrete = action as number;
    }

    const angle = lander.getAngle();
    const tip0 = Math.sin(angle);
    const tip1 = Math.cos(angle);
    const side0 = -tip1;
    const side1 = tip0;
    // Two draws every step, used or not (as Gymnasium: it keeps the RNG stream aligned).
    const disp0 = this.rng.uniform(-1.0, 1.0) / SCALE;
    const disp1 = this.rng.uniform(-1.0, 1.0) / SCALE;
    const pos = lander.getPosition();

    let mPower = 0.0;
    if ((this.continuous && a0 > 0.0) || (!this.continuous && discrete === 2)) {
      mPower = this.continuous ? (clip(a0, 0.0, 1.0) + 1.0) * 0.5 : 1.0;
      const ox = tip0 * (MAIN_ENGINE_Y_LOCATION / SCALE + 2 * disp0) + side0 * disp1;
      const oy = -tip1 * (MAIN_ENGINE_Y_LOCATION / SCALE + 2 * disp0) - side1 * disp1;
      lander.applyLinearImpulse(
        Vec2(-ox * MAIN_ENGINE_POWER * mPower, -oy * MAIN_ENGINE_POWER * mPower),
        Vec2(pos.x + ox, pos.y + oy),
        true,
      );
    }

    let sPower = 0.0;
    if ((this.continuous && Math.abs(a1) > 0.5) || (!this.continuous && (discrete === 1 || discrete === 3))) {
      let direction: number;
      if (this.continuous) {
        direction = Math.sign(a1);
        sPower = clip(Math.abs(a1), 0.5, 1.0);
      } else {
        direction = discrete - 2; // 1: left engine, 3: right engine
        sPower = 1.0;
      }
      const lever = 3 * disp1 + (direction * SIDE_ENGINE_AWAY) / SCALE;
      const ox = tip0 * disp0 + side0 * lever;
      const oy = -tip1 * disp0 - side1 * lever;
      // Gymnasium uses 17 (not SIDE_ENGINE_HEIGHT = 14) for the x offset: an orientation-dependent torque we keep.
      lander.applyLinearImpulse(
        Vec2(-ox * SIDE_ENGINE_POWER * sPower, -oy * SIDE_ENGINE_POWER * sPower),
        Vec2(pos.x + ox - (tip0 * 17) / SCALE, pos.y + oy + (tip1 * SIDE_ENGINE_HEIGHT) / SCALE),
        true,
      );
    }

    world.step(1.0 / FPS, VELOCITY_ITERATIONS, POSITION_ITERATIONS);

    const p = lander.getPosition();
    const v = lander.getLinearVelocity();
    const s = this.state;
    s[0] = (p.x - VIEWPORT_W / SCALE / 2) / (VIEWPORT_W / SCALE / 2);
    s[1] = (p.y - (this.helipadY + LEG_DOWN / SCALE)) / (VIEWPORT_H / SCALE / 2);
    s[2] = (v.x * (VIEWPORT_W / SCALE / 2)) / FPS;
    s[3] = (v.y * (VIEWPORT_H / SCALE / 2)) / FPS;
    s[4] = lander.getAngle();
    s[5] = (20.0 * lander.getAngularVelocity()) / FPS;
    s[6] = (legs[0] as LegBody).groundContact ? 1.0 : 0.0;
    s[7] = (legs[1] as LegBody).groundContact ? 1.0 : 0.0;

    const shaping =
      -100 * Math.sqrt(s[0] * s[0] + s[1] * s[1]) -
      100 * Math.sqrt(s[2] * s[2] + s[3] * s[3]) -
      100 * Math.abs(s[4]) +
      10 * s[6] +
      10 * s[7];
    let reward = this.prevShaping === null ? 0 : shaping - this.prevShaping;
    this.prevShaping = shaping;
    reward -= mPower * 0.3;
    reward -= sPower * 0.03;

    let terminated = false;
    if (this.gameOver || Math.abs(s[0]) >= 1.0) {
      terminated = true;
      reward = -100;
    }
    if (!lander.isAwake()) {
      terminated = true;
      reward = +100;
    }
    return { obs: Float32Array.from(s), reward, terminated, truncated: false, info: {} };
  }

  /**
   * A 600×400 RGB frame as Gymnasium's: black sky above the terrain, white ground, the helipad's
   * white poles and yellow flags, the hull and legs filled (128, 102, 230). Particles are not drawn.
   */
  render(): RgbFrame {
    const frame = createFrame(VIEWPORT_W, VIEWPORT_H, [255, 255, 255]);
    if (!this.world || !this.lander) return frame;
    const row = (y: number) => VIEWPORT_H - y; // world y up → image rows down
    const px = (x: number, y: number): [number, number] => [x * SCALE, row(y * SCALE)];
    for (let i = 0; i < this.terrain.length - 1; i++) {
      const [x1, y1] = this.terrain[i] as [number, number];
      const [x2, y2] = this.terrain[i + 1] as [number, number];
      fillPolygon(frame, [px(x1, y1), px(x2, y2), px(x2, H), px(x1, H)], [0, 0, 0]);
    }
    const fill: Rgb = [128, 102, 230];
    for (const body of [this.lander, ...this.legs.map((l) => l.body)]) {
      for (let f = body.getFixtureList(); f; f = f.getNext()) {
        const shape = f.getShape() as Polygon;
        const pts = shape.m_vertices.map((vtx) => {
          const w = body.getWorldPoint(vtx);
          return px(w.x, w.y);
        });
        fillPolygon(frame, pts, fill);
      }
    }
    for (const hx of [this.helipadX1, this.helipadX2]) {
      const x = hx * SCALE;
      const flagY1 = this.helipadY * SCALE;
      const flagY2 = flagY1 + 50;
      fillPolygon(
        frame,
        [
          [x - 0.5, row(flagY1)],
          [x + 0.5, row(flagY1)],
          [x + 0.5, row(flagY2)],
          [x - 0.5, row(flagY2)],
        ],
        [255, 255, 255],
      );
      fillPolygon(
        frame,
        [
          [x, row(flagY2)],
          [x, row(flagY2 - 10)],
          [x + 25, row(flagY2 - 5)],
        ],
        [204, 204, 0],
      );
    }
    return frame;
  }

  override close(): void {
    this.world = null;
    this.lander = null;
    this.moon = null;
    this.legs = [];
    super.close();
  }

  /** Continuous: Gymnasium clips the action in `step`, so out-of-range finite actions are not errors. */
  protected override get clipsActions(): boolean {
    return this.continuous;
  }
}

/**
 * Gymnasium's hand-written LunarLander controller (`heuristic(env, s)`): steer the angle towards
 * the pad, hover at a height proportional to the horizontal offset, and after touchdown only
 * brake the fall. Returns a Discrete action, or `[main, lateral]` when `continuous`.
 */
export function lunarLanderHeuristic(obs: ArrayLike<number>, opts: { continuous?: boolean } = {}): number | Float32Array {
  const s = obs;
  const x = s[0] as number;
  let angleTarg = x * 0.5 + (s[2] as number) * 1.0; // point towards the centre
  angleTarg = clip(angleTarg, -0.4, 0.4); // more than ~22° is bad
  const hoverTarg = 0.55 * Math.abs(x); // hover higher when far from the pad
  let angleTodo = (angleTarg - (s[4] as number)) * 0.5 - (s[5] as number) * 1.0;
  let hoverTodo = (hoverTarg - (s[1] as number)) * 0.5 - (s[3] as number) * 0.5;
  if (s[6] || s[7]) {
    angleTodo = 0;
    hoverTodo = -(s[3] as number) * 0.5;
  }
  if (opts.continuous) {
    return new Float32Array([clip(hoverTodo * 20 - 1, -1, 1), clip(-angleTodo * 20, -1, 1)]);
  }
  if (hoverTodo > Math.abs(angleTodo) && hoverTodo > 0.05) return 2;
  if (angleTodo < -0.05) return 3;
  if (angleTodo > 0.05) return 1;
  return 0;
}
