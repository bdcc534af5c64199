/**
 * `ParticleEnv`: the PettingZoo parallel API over a `ParticleWorld` (MPE2's `SimpleEnv` +
 * `parallel_wrapper_fn`): agent bookkeeping, action validation, `max_cycles` truncation, reward
 * mixing and rendering. Scenarios subclass it (./scenarios.ts).
 */

import {
  Box,
  Discrete,
  type ParallelEnv,
  type ResetOptions,
  Rng,
  type RgbFrame,
  assertContains,
  assertSeed,
  entropySeed,
  formatValue,
} from '@tfrl/core';
import { createFrame, fillCircle } from '../classic/raster';
import { type Entity, type ParticleAgent, ParticleWorld } from './core';

export type ParticleAction = number | Float32Array | ArrayLike<number>;

export interface ParticleEnvOptions {
  /** `Box(0, 1, (5,))` actions `[noop, -x, +x, -y, +y]` instead of `Discrete(5)`. Default false. */
  continuousActions?: boolean;
  /** Steps per episode before every agent is truncated (PettingZoo's `max_cycles`). Default 25. */
  maxCycles?: number;
  /** Reproduce the original openai/multiagent-particle-envs (see README.md). Default false. */
  legacy?: boolean;
  /**
   * Continuous actions only: clip out-of-range values into [0, 1], as MPE2 does (its envs are
   * wrapped in PettingZoo's `ClipOutOfBoundsWrapper`, which warns and clips). Default true, with
   * one `console.warn` per env instance, at the first clipped action. `false` raises instead (the
   * same as `strict: true`). NaN, ±Infinity or a wrong length always throw.
   */
  clipActions?: boolean;
  /** Raise on out-of-range continuous actions instead of clipping them. Default false. */
  strict?: boolean;
  /** Side of the square RGB frame `render()` returns, in pixels. Default 700 (as MPE2). */
  renderSize?: number;
}

/** Positions/velocities that fully determine a particle world (plus the scenario's goal). */
export interface ParticleState {
  agents: Array<{ pos: ArrayLike<number>; vel?: ArrayLike<number> }>;
  landmarks: Array<{ pos: ArrayLike<number>; vel?: ArrayLike<number> }>;
  /** simple_adversary: index of the goal landmark. */
  goal?: number;
}

type Obs = Float32Array;
type StepOut = ReturnType<ParallelEnv<Obs, ParticleAction>['step']>;

export abstract class ParticleEnv implements ParallelEnv<Obs, ParticleAction> {
  abstract readonly id: string;
  readonly continuousActions: boolean;
  readonly maxCycles: number;
  readonly legacy: boolean;
  /** Out-of-range continuous actions are clipped (true unless `strict` or `clipActions: false`). */
  readonly clipActions: boolean;
  readonly renderSize: number;
  readonly world: ParticleWorld;
  readonly possibleAgents: string[] = [];
  agents: string[] = [];
  /** Steps taken in the current episode. */
  steps = 0;
  protected rng: Rng = new Rng(0);
  private rngSeeded = false;
  private started = false;
  private readonly obsSpaces = new Map<string, Box>();
  private readonly actSpaces = new Map<string, Box | Discrete>();
  private readonly index = new Map<string, number>();
  private originalCamRange = 1;
  private warnedClip = false;

  constructor(opts: ParticleEnvOptions = {}) {
    this.continuousActions = opts.continuousActions ?? false;
    this.maxCycles = opts.maxCycles ?? 25;
    this.legacy = opts.legacy ?? false;
    const strict = opts.strict ?? false;
    if (typeof strict !== 'boolean') throw new TypeError(`particle env: strict must be a boolean, got ${formatValue(opts.strict)}`);
    if (opts.clipActions !== undefined && typeof opts.clipActions !== 'boolean') {
      throw new TypeError(`particle env: clipActions must be a boolean, got ${formatValue(opts.clipActions)}`);
    }
    if (strict && opts.clipActions === true) {
      throw new Error('particle env: strict: true and clipActions: true contradict each other (strict raises on out-of-range actions)');
    }
    this.clipActions = !strict && (opts.clipActions ?? true);
    this.renderSize = opts.renderSize ?? 700;
    if (!Number.isInteger(this.maxCycles) || this.maxCycles <= 0) {
      throw new RangeError(`particle env: maxCycles must be a positive integer, got ${formatValue(opts.maxCycles)}`);
    }
    if (!Number.isInteger(this.renderSize) || this.renderSize < 16) {
      throw new RangeError(`particle env: renderSize must be an integer >= 16, got ${formatValue(opts.renderSize)}`);
    }
    this.world = new ParticleWorld(this.legacy);
  }

  /** Subclass constructors call this once the world is built. */
  protected init(): void {
    this.resetWorld();
    (this as { possibleAgents: string[] }).possibleAgents = this.world.agents.map((a) => a.name);
    this.world.agents.forEach((a, i) => {
      this.index.set(a.name, i);
      this.obsSpaces.set(
        a.name,
        new Box({ low: Number.NEGATIVE_INFINITY, high: Number.POSITIVE_INFINITY, shape: [this.observe(i).length] }),
      );
      this.actSpaces.set(a.name, this.continuousActions ? new Box({ low: 0, high: 1, shape: [5] }) : new Discrete(5));
    });
    this.originalCamRange = this.camRange();
    const dim = this.world.agents.reduce((sum, _a, i) => sum + this.observe(i).length, 0);
    this.stateBox = new Box({ low: Number.NEGATIVE_INFINITY, high: Number.POSITIVE_INFINITY, shape: [dim] });
  }

  /**
   * The space of `state()`: every agent's observation concatenated in `possibleAgents` order
   * (PettingZoo's `state_space`; 54 numbers for simple_spread_v3, 28 for simple_adversary_v3, 62
   * for simple_tag_v3 at their default sizes).
   */
  get stateSpace(): Box {
    return this.stateBox as Box;
  }

  private stateBox: Box | undefined;

  /**
   * The global state (PettingZoo's `state()`, as MPE2 computes it): the float32 concatenation of
   * every agent's observation in `possibleAgents` order, whether or not the agent is alive.
   */
  state(): Float32Array {
    const out = new Float32Array(this.stateSpace.shape[0] as number);
    let k = 0;
    for (let i = 0; i < this.world.agents.length; i++) {
      for (const v of this.observe(i)) out[k++] = v;
    }
    return out;
  }

  /** Agents alive now (PettingZoo's `num_agents`). */
  get numAgents(): number {
    return this.agents.length;
  }

  /** Agents that may ever appear (PettingZoo's `max_num_agents`). */
  get maxNumAgents(): number {
    return this.possibleAgents.length;
  }

  /**
   * The scenario's task metrics for the current world (the MADDPG paper's: landmark distance and
   * collisions in spread, distances to the goal in adversary, touches in tag), one number each.
   * `evaluateMultiAgent` sums them over every step of an episode.
   */
  metrics(): Record<string, number> {
    return {};
  }

  /** Place entities for a new episode using `this.rng`. */
  protected abstract resetWorld(): void;
  /** Observation of agent `i` (float64; cast to float32 by the caller). */
  protected abstract observe(i: number): number[];
  /** Reward of every agent after a world step, in agent order. */
  protected abstract rewards(): number[];
  /** Scenario-specific part of `getState()` / `setState()`. */
  protected getGoal(): number | undefined {
    return undefined;
  }
  protected setGoal(_goal: number | undefined): void {}

  private agentIndex(agent: string, what: string): number {
    const i = this.index.get(agent);
    if (i === undefined) {
      throw new Error(`${this.id}: ${what}: unknown agent ${JSON.stringify(agent)} (agents are ${this.possibleAgents.join(', ')})`);
    }
    return i;
  }

  observationSpace(agent: string): Box {
    this.agentIndex(agent, 'observationSpace');
    return this.obsSpaces.get(agent) as Box;
  }

  actionSpace(agent: string): Box | Discrete {
    this.agentIndex(agent, 'actionSpace');
    return this.actSpaces.get(agent) as Box | Discrete;
  }

  /**
   * Start an episode. `seed` reseeds the env's generator (unseeded first reset: fresh entropy).
   * `options.state` (a `ParticleState`) overrides the sampled positions/velocities.
   */
  reset(opts: ResetOptions = {}): { obs: Record<string, Obs>; infos: Record<string, Record<string, unknown>> } {
    if (opts.seed !== undefined) {
      assertSeed(opts.seed, this.id);
      this.rng = new Rng(opts.seed);
      this.rngSeeded = true;
    } else if (!this.rngSeeded) {
      this.rng = new Rng(entropySeed());
      this.rngSeeded = true;
    }
    this.resetWorld();
    const state = opts.options?.state;
    if (state !== undefined) this.setState(state as ParticleState);
    this.agents = [...this.possibleAgents];
    this.steps = 0;
    this.started = true;
    const obs: Record<string, Obs> = {};
    const infos: Record<string, Record<string, unknown>> = {};
    for (const name of this.agents) {
      obs[name] = Float32Array.from(this.observe(this.index.get(name) as number));
      infos[name] = {};
    }
    return { obs, infos };
  }

  /** A copy of the world's positions and velocities (and goal). */
  getState(): ParticleState {
    const s: ParticleState = {
      agents: this.world.agents.map((a) => ({ pos: [a.px, a.py], vel: [a.vx, a.vy] })),
      landmarks: this.world.landmarks.map((l) => ({ pos: [l.px, l.py], vel: [l.vx, l.vy] })),
    };
    const goal = this.getGoal();
    if (goal !== undefined) s.goal = goal;
    return s;
  }

  /** Overwrite positions/velocities (missing velocities become 0). Validates shapes and values. */
  setState(state: ParticleState): void {
    const where = `${this.id}: setState`;
    if (typeof state !== 'object' || state === null) throw new TypeError(`${where}: state must be an object, got ${formatValue(state)}`);
    const put = (list: Entity[], items: ParticleState['agents'] | undefined, kind: string) => {
      if (!Array.isArray(items) || items.length !== list.length) {
        throw new RangeError(`${where}: state.${kind} must be an array of ${list.length} entries, got ${formatValue(items)}`);
      }
      items.forEach((it, i) => {
        const e = list[i] as Entity;
        const pair = (v: ArrayLike<number> | undefined, f: string): [number, number] => {
          if (v === undefined && f === 'vel') return [0, 0];
          if (!v || v.length !== 2 || !Number.isFinite(v[0]) || !Number.isFinite(v[1])) {
            throw new RangeError(`${where}: state.${kind}[${i}].${f} must be 2 finite numbers, got ${formatValue(v)}`);
          }
          return [v[0] as number, v[1] as number];
        };
        [e.px, e.py] = pair(it?.pos, 'pos');
        [e.vx, e.vy] = pair(it?.vel, 'vel');
      });
    };
    put(this.world.agents, state.agents, 'agents');
    put(this.world.landmarks, state.landmarks, 'landmarks');
    this.setGoal(state.goal);
  }

  /** Turn a validated action into the agent's force (`ux, uy`). */
  private applyAction(agent: ParticleAgent, action: ParticleAction): void {
    let ux = 0;
    let uy = 0;
    if (typeof action === 'number') {
      if (action === 1) ux = -1;
      else if (action === 2) ux = 1;
      else if (action === 3) uy = -1;
      else if (action === 4) uy = 1;
    } else {
      const f = Math.fround;
      // Validated: in [0, 1] or, when clipping, finite and clipped here (np.clip to the space).
      const a = [0, 1, 2, 3, 4].map((k) => Math.min(1, Math.max(0, f(action[k] as number)))) as [number, number, number, number, number];
      if (this.legacy) {
        // openai MPE: u = [a1 - a2, a3 - a4] (opposite to its own discrete mapping)
        ux = a[1] - a[2];
        uy = a[3] - a[4];
      } else {
        // MPE2: the same directions as the discrete actions (float32 arithmetic, as NumPy does)
        ux = f(a[2] - a[1]);
        uy = f(a[4] - a[3]);
      }
    }
    const sensitivity = agent.accel ?? 5.0;
    agent.ux = ux * sensitivity;
    agent.uy = uy * sensitivity;
  }

  private validate(agent: string, action: unknown): void {
    const space = this.actSpaces.get(agent) as Box | Discrete;
    const who = `${this.id}: agent ${JSON.stringify(agent)}`;
    if (!this.continuousActions || !this.clipActions) {
      assertContains(space, action, who);
      return;
    }
    if (space.explain(action) === null) return;
    // Clipping, as MPE2's ClipOutOfBoundsWrapper: NaN and a wrong shape still raise there too.
    const a = action as ArrayLike<unknown> | null;
    const ok = a !== null && typeof a === 'object' && typeof a.length === 'number' && a.length === 5;
    if (!ok) throw new Error(`${who}: action ${formatValue(action)} is not in ${space} (expected 5 numbers)`);
    for (let k = 0; k < 5; k++) {
      const v = a[k];
      if (typeof v !== 'number' || Number.isNaN(v) || !Number.isFinite(Math.fround(v))) {
        throw new Error(`${who}: action ${formatValue(action)} is not in ${space} (element ${k} is ${formatValue(v)})`);
      }
    }
    if (!this.warnedClip) {
      this.warnedClip = true;
      console.warn(
        `${who}: action ${formatValue(action)} is outside ${space}; clipping it into the space, as MPE2 does ` +
          '(warned once per env; pass strict: true to raise instead)',
      );
    }
  }

  step(actions: Record<string, ParticleAction>): StepOut {
    if (!this.started) throw new Error(`${this.id}: step() called before reset(); call reset() first`);
    if (this.agents.length === 0) {
      throw new Error(`${this.id}: step() called after the episode ended (truncated after ${this.steps} steps); call reset() first`);
    }
    if (typeof actions !== 'object' || actions === null) {
      throw new TypeError(`${this.id}: step() takes an object {agent: action}, got ${formatValue(actions)}`);
    }
    for (const name of Object.keys(actions)) {
      this.agentIndex(name, 'step');
      if (!this.agents.includes(name)) throw new Error(`${this.id}: step: agent ${JSON.stringify(name)} is not alive`);
    }
    for (const name of this.agents) {
      if (!(name in actions)) {
        throw new Error(`${this.id}: step: missing action for live agent ${JSON.stringify(name)} (live agents: ${this.agents.join(', ')})`);
      }
      this.validate(name, actions[name]);
    }
    for (const name of this.agents) {
      this.applyAction(this.world.agents[this.index.get(name) as number] as ParticleAgent, actions[name] as ParticleAction);
    }
    this.world.step(this.rng);
    this.steps++;
    const rew = this.rewards();
    const truncated = this.steps >= this.maxCycles;
    const out: StepOut = { obs: {}, rewards: {}, terminations: {}, truncations: {}, infos: {} };
    for (const name of this.agents) {
      const i = this.index.get(name) as number;
      out.obs[name] = Float32Array.from(this.observe(i));
      out.rewards[name] = rew[i] as number;
      out.terminations[name] = false;
      out.truncations[name] = truncated;
      out.infos[name] = {};
    }
    if (truncated) this.agents = [];
    return out;
  }

  private camRange(): number {
    let m = 0;
    for (const e of this.world.entities) m = Math.max(m, Math.abs(e.px), Math.abs(e.py));
    return m > 0 ? m : 1;
  }

  /**
   * An RGB frame like MPE2's `rgb_array` render: the view is scaled so the farthest entity sits at
   * 90% of the half-width, y points up, each entity is a disc of `size * 350` px (at 700 px)
   * in `color * 200` with a black rim.
   */
  render(): RgbFrame {
    const W = this.renderSize;
    const frame = createFrame(W, W);
    const cam = this.camRange();
    const scale = W / 700;
    for (const e of this.world.entities) {
      const x = (e.px / cam) * (W / 2) * 0.9 + W / 2;
      const y = (-e.py / cam) * (W / 2) * 0.9 + W / 2;
      const r = e.size * 350 * scale;
      const c = [Math.round(e.color[0] * 200), Math.round(e.color[1] * 200), Math.round(e.color[2] * 200)] as const;
      fillCircle(frame, x, y, r, [0, 0, 0]);
      fillCircle(frame, x, y, Math.max(0, r - Math.max(1, scale)), c);
    }
    return frame;
  }

  /** The camera range at construction (MPE2 keeps it for `dynamic_rescaling`). */
  get initialCamRange(): number {
    return this.originalCamRange;
  }

  close(): void {}

  /**
   * The scenarios' reset placement: every agent uniform in [−1, 1]² at rest, then every landmark
   * uniform in [−landmarkBound, landmarkBound]² (draws in that order).
   */
  protected scatterEntities(landmarkBound = 1): void {
    for (const a of this.world.agents) {
      a.px = this.uniform(-1, 1);
      a.py = this.uniform(-1, 1);
      a.vx = 0;
      a.vy = 0;
    }
    for (const l of this.world.landmarks) {
      l.px = this.uniform(-landmarkBound, landmarkBound);
      l.py = this.uniform(-landmarkBound, landmarkBound);
    }
  }

  protected uniform(lo: number, hi: number): number {
    return this.rng.uniform(lo, hi);
  }
}
