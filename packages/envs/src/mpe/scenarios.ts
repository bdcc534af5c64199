/**
 * The three MADDPG scenarios (Lowe et al. 2017) with MPE2's `_v3` semantics, and the original
 * openai/multiagent-particle-envs behaviour behind `legacy: true` (differences: ./README.md).
 */

import { formatValue } from '@tfrl/core';
import { type Entity, type ParticleAgent, ParticleWorld, makeAgent, makeEntity } from './core';
import { ParticleEnv, type ParticleEnvOptions } from './particle-env';

const dist = ParticleWorld.dist;
const isCollision = ParticleWorld.isCollision;

function checkCount(id: string, name: string, v: number, min: number): number {
  if (!Number.isInteger(v) || v < min) throw new RangeError(`${id}: ${name} must be an integer >= ${min}, got ${formatValue(v)}`);
  return v;
}

/** Relative positions `e - agent` of `list`, appended to `out`. */
function pushRel(out: number[], agent: Entity, list: Entity[]): void {
  for (const e of list) out.push(e.px - agent.px, e.py - agent.py);
}

const BLUE = [0.35, 0.35, 0.85] as const;
const RED = [0.85, 0.35, 0.35] as const;
const GREEN = [0.35, 0.85, 0.35] as const;

// -------------------------------------------------------------------------------------------

export interface SimpleSpreadOptions extends ParticleEnvOptions {
  /** Agents and landmarks. Default 3. */
  N?: number;
  /** Weight of the local (collision) reward; the global (coverage) reward gets `1 - localRatio`. Default 0.5. */
  localRatio?: number;
}

/**
 * Cooperative navigation: N agents (size 0.15, collide) must cover N landmarks.
 * Observation: `[vel(2), pos(2), landmark_rel(2N), other_rel(2(N-1)), other_comm(2(N-1))]` (comm is
 * always 0: agents are silent). Reward (MPE2): `(1-r)·G + r·L_i` with `G = -Σ_l min_a |a-l|`,
 * `L_i = -#(other agents overlapping i)`.
 */
export class SimpleSpreadEnv extends ParticleEnv {
  readonly id = 'simple_spread_v3';
  readonly localRatio: number;

  constructor(opts: SimpleSpreadOptions = {}) {
    super(opts);
    const n = checkCount(this.id, 'N', opts.N ?? 3, 1);
    this.localRatio = opts.localRatio ?? 0.5;
    if (!(this.localRatio >= 0 && this.localRatio <= 1)) {
      throw new RangeError(`${this.id}: localRatio must be in [0, 1], got ${formatValue(opts.localRatio)}`);
    }
    for (let i = 0; i < n; i++) this.world.agents.push(makeAgent(`agent_${i}`, { size: 0.15, color: BLUE }));
    for (let i = 0; i < n; i++) this.world.landmarks.push(makeEntity(`landmark ${i}`, { collide: false }));
    this.init();
  }

  protected resetWorld(): void {
    this.scatterEntities();
  }

  protected observe(i: number): number[] {
    const agent = this.world.agents[i] as ParticleAgent;
    const others = this.world.agents.filter((a) => a !== agent);
    const out = [agent.vx, agent.vy, agent.px, agent.py];
    pushRel(out, agent, this.world.landmarks);
    pushRel(out, agent, others);
    for (let k = 0; k < others.length; k++) out.push(0, 0); // communication (silent agents)
    return out;
  }

  /** `-Σ_landmarks min_agents distance`. */
  coverage(): number {
    let g = 0;
    for (const l of this.world.landmarks) {
      let m = Number.POSITIVE_INFINITY;
      for (const a of this.world.agents) m = Math.min(m, dist(a, l));
      g -= m;
    }
    return g;
  }

  /** Overlaps of agent `i` with the agents (itself included when `countSelf`, as the legacy code does). */
  collisions(i: number, countSelf: boolean): number {
    const agent = this.world.agents[i] as ParticleAgent;
    let c = 0;
    for (const a of this.world.agents) {
      if (a === agent ? countSelf : isCollision(a, agent)) c++;
    }
    return c;
  }

  /**
   * The MADDPG paper's metrics for this step: `landmark_distance`, the summed distance from each
   * landmark to its nearest agent (−coverage), and `collisions`, the number of overlapping agent pairs
   * (each pair once).
   */
  override metrics(): Record<string, number> {
    const agents = this.world.agents;
    let pairs = 0;
    for (let i = 0; i < agents.length; i++)
      for (let j = i + 1; j < agents.length; j++) if (isCollision(agents[i] as Entity, agents[j] as Entity)) pairs++;
    return { landmark_distance: -this.coverage(), collisions: pairs };
  }

  protected rewards(): number[] {
    const g = this.coverage();
    const n = this.world.agents.length;
    if (this.legacy) {
      // openai: r_i = G - collisions_i (self included); collaborative → every agent gets Σ_i r_i
      let total = 0;
      for (let i = 0; i < n; i++) total += g - this.collisions(i, true);
      return new Array(n).fill(total);
    }
    const r = this.localRatio;
    return this.world.agents.map((_, i) => g * (1 - r) + -this.collisions(i, false) * r);
  }
}

// -------------------------------------------------------------------------------------------

export interface SimpleAdversaryOptions extends ParticleEnvOptions {
  /** Good agents (= landmarks); there is always one adversary. Default 2. */
  N?: number;
}

/**
 * Physical deception: `adversary_0` plus N good agents (all size 0.15, no collisions), N landmarks
 * (size 0.08), one of them the goal. Good agents see `[goal_rel, landmark_rel(2N), other_rel(2N)]`,
 * the adversary `[landmark_rel(2N), other_rel(2N)]` (it does not know the goal). Rewards (MPE2):
 * adversary `-|adv - goal|`; good agents `-min_good |g - goal| + Σ_adv |adv - goal|`.
 */
export class SimpleAdversaryEnv extends ParticleEnv {
  readonly id = 'simple_adversary_v3';
  goal = 0;

  constructor(opts: SimpleAdversaryOptions = {}) {
    super(opts);
    const n = checkCount(this.id, 'N', opts.N ?? 2, 1);
    this.world.agents.push(makeAgent('adversary_0', { size: 0.15, collide: false, adversary: true, color: RED }));
    for (let i = 0; i < n; i++) this.world.agents.push(makeAgent(`agent_${i}`, { size: 0.15, collide: false, color: BLUE }));
    for (let i = 0; i < n; i++)
      this.world.landmarks.push(makeEntity(`landmark ${i}`, { collide: false, size: 0.08, color: [0.15, 0.15, 0.15] }));
    this.init();
  }

  protected override getGoal(): number {
    return this.goal;
  }

  protected override setGoal(goal: number | undefined): void {
    if (goal === undefined) return;
    if (!Number.isInteger(goal) || goal < 0 || goal >= this.world.landmarks.length) {
      throw new RangeError(
        `${this.id}: state.goal must be a landmark index in [0, ${this.world.landmarks.length - 1}], got ${formatValue(goal)}`,
      );
    }
    this.markGoal(goal);
  }

  private markGoal(goal: number): void {
    this.goal = goal;
    this.world.landmarks.forEach((l, i) => {
      l.color = i === goal ? [0.15, 0.65, 0.15] : [0.15, 0.15, 0.15];
    });
  }

  protected resetWorld(): void {
    this.markGoal(this.rng.integers(0, this.world.landmarks.length));
    this.scatterEntities();
  }

  protected observe(i: number): number[] {
    const agent = this.world.agents[i] as ParticleAgent;
    const goal = this.world.landmarks[this.goal] as Entity;
    const out: number[] = agent.adversary ? [] : [goal.px - agent.px, goal.py - agent.py];
    pushRel(out, agent, this.world.landmarks);
    pushRel(
      out,
      agent,
      this.world.agents.filter((a) => a !== agent),
    );
    return out;
  }

  /**
   * The MADDPG paper's metrics for this step: `good_goal_distance`, the distance of the good agent
   * nearest the goal, and `adversary_goal_distance`, the adversaries' mean distance to the goal.
   */
  override metrics(): Record<string, number> {
    const goal = this.world.landmarks[this.goal] as Entity;
    let good = Number.POSITIVE_INFINITY;
    let adv = 0;
    let nAdv = 0;
    for (const a of this.world.agents) {
      if (a.adversary) {
        adv += dist(a, goal);
        nAdv++;
      } else good = Math.min(good, dist(a, goal));
    }
    return { good_goal_distance: good, adversary_goal_distance: nAdv > 0 ? adv / nAdv : 0 };
  }

  protected rewards(): number[] {
    const goal = this.world.landmarks[this.goal] as Entity;
    const advs = this.world.agents.filter((a) => a.adversary);
    const goods = this.world.agents.filter((a) => !a.adversary);
    let advDist = 0;
    for (const a of advs) advDist += dist(a, goal);
    let minGood = Number.POSITIVE_INFINITY;
    for (const a of goods) minGood = Math.min(minGood, dist(a, goal));
    return this.world.agents.map((a) => {
      if (!a.adversary) return -minGood + advDist;
      const d = dist(a, goal);
      // legacy: the adversary's own reward is the negative SQUARED distance
      return this.legacy ? -(d * d) : -d;
    });
  }
}

// -------------------------------------------------------------------------------------------

export interface SimpleTagOptions extends ParticleEnvOptions {
  /** Prey. Default 1. */
  numGood?: number;
  /** Predators. Default 3. */
  numAdversaries?: number;
  /** Fixed circular obstacles (size 0.2). Default 2. */
  numObstacles?: number;
}

/**
 * Predator–prey: slower, bigger adversaries (size 0.075, accel 3, max speed 1) chase faster prey
 * (size 0.05, accel 4, max speed 1.3) among obstacles. Observation:
 * `[vel, pos, obstacle_rel(2·O), other_rel(2·(A-1)), good_other_vel(2·#good others)]`.
 * Rewards: prey −10 per overlapping adversary and a boundary penalty per axis; every adversary
 * +10 per (prey, adversary) overlap in the world.
 */
export class SimpleTagEnv extends ParticleEnv {
  readonly id = 'simple_tag_v3';

  constructor(opts: SimpleTagOptions = {}) {
    super(opts);
    const nGood = checkCount(this.id, 'numGood', opts.numGood ?? 1, 0);
    const nAdv = checkCount(this.id, 'numAdversaries', opts.numAdversaries ?? 3, 0);
    const nObs = checkCount(this.id, 'numObstacles', opts.numObstacles ?? 2, 0);
    if (nGood + nAdv === 0) throw new RangeError(`${this.id}: needs at least one agent (numGood + numAdversaries > 0)`);
    for (let i = 0; i < nAdv; i++) {
      this.world.agents.push(makeAgent(`adversary_${i}`, { size: 0.075, accel: 3, maxSpeed: 1, adversary: true, color: RED }));
    }
    for (let i = 0; i < nGood; i++) this.world.agents.push(makeAgent(`agent_${i}`, { size: 0.05, accel: 4, maxSpeed: 1.3, color: GREEN }));
    for (let i = 0; i < nObs; i++) this.world.landmarks.push(makeEntity(`landmark ${i}`, { size: 0.2 }));
    this.init();
  }

  protected resetWorld(): void {
    this.scatterEntities(0.9);
  }

  protected observe(i: number): number[] {
    const agent = this.world.agents[i] as ParticleAgent;
    const others = this.world.agents.filter((a) => a !== agent);
    const out = [agent.vx, agent.vy, agent.px, agent.py];
    pushRel(out, agent, this.world.landmarks);
    pushRel(out, agent, others);
    for (const o of others) if (!o.adversary) out.push(o.vx, o.vy);
    return out;
  }

  /** Penalty for leaving the arena along one axis (|x| ≥ 0.9). */
  static bound(x: number): number {
    if (x < 0.9) return 0;
    if (x < 1.0) return (x - 0.9) * 10;
    return Math.min(Math.exp(2 * x - 2), 10);
  }

  /** The MADDPG paper's metric for this step: `touches`, the number of overlapping (prey, predator) pairs. */
  override metrics(): Record<string, number> {
    let touches = 0;
    for (const g of this.world.agents) {
      if (g.adversary) continue;
      for (const a of this.world.agents) if (a.adversary && isCollision(g, a)) touches++;
    }
    return { touches };
  }

  protected rewards(): number[] {
    const advs = this.world.agents.filter((a) => a.adversary);
    const goods = this.world.agents.filter((a) => !a.adversary);
    let caught = 0;
    for (const g of goods) for (const a of advs) if (isCollision(g, a)) caught++;
    return this.world.agents.map((agent) => {
      if (agent.adversary) return agent.collide ? 10 * caught : 0;
      let rew = 0;
      if (agent.collide) for (const a of advs) if (isCollision(a, agent)) rew -= 10;
      rew -= SimpleTagEnv.bound(Math.abs(agent.px));
      rew -= SimpleTagEnv.bound(Math.abs(agent.py));
      return rew;
    });
  }
}
