/**
 * The particle-world physics of the multi-agent particle environments (MPE): point masses in the
 * plane with damping, a soft contact force and an optional speed cap. Semantics follow MPE2's
 * `_mpe_utils/core.py`; `legacy` switches the integration order to the original
 * openai/multiagent-particle-envs (see ./README.md).
 */

import type { Rng } from '@tfrl/core';

export type Rgb01 = readonly [number, number, number];

export interface Entity {
  name: string;
  /** Radius. */
  size: number;
  movable: boolean;
  collide: boolean;
  mass: number;
  maxSpeed: number | null;
  color: Rgb01;
  px: number;
  py: number;
  vx: number;
  vy: number;
}

export interface ParticleAgent extends Entity {
  /** Force multiplier applied to the action (MPE's `accel`; 5 when null, the `sensitivity`). */
  accel: number | null;
  /** Std of Gaussian noise added to the physical action (none in the shipped scenarios). */
  uNoise: number | null;
  adversary: boolean;
  /** The force from the current action (already multiplied by the sensitivity). */
  ux: number;
  uy: number;
}

export function makeEntity(name: string, init: Partial<Entity> = {}): Entity {
  return {
    name,
    size: 0.05,
    movable: false,
    collide: true,
    mass: 1,
    maxSpeed: null,
    color: [0.25, 0.25, 0.25],
    px: 0,
    py: 0,
    vx: 0,
    vy: 0,
    ...init,
  };
}

export function makeAgent(name: string, init: Partial<ParticleAgent> = {}): ParticleAgent {
  return {
    ...makeEntity(name),
    movable: true,
    accel: null,
    uNoise: null,
    adversary: false,
    ux: 0,
    uy: 0,
    ...init,
  };
}

/** `log(1 + e^x)` without overflow (NumPy's `logaddexp(0, x)`). */
export function softplus(x: number): number {
  return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
}

export class ParticleWorld {
  agents: ParticleAgent[] = [];
  landmarks: Entity[] = [];
  readonly dt = 0.1;
  readonly damping = 0.25;
  readonly contactForce = 1e2;
  readonly contactMargin = 1e-3;
  private fx = new Float64Array(0);
  private fy = new Float64Array(0);

  constructor(readonly legacy = false) {}

  get entities(): Entity[] {
    return [...this.agents, ...this.landmarks];
  }

  /** Euclidean distance between two entities. */
  static dist(a: Entity, b: Entity): number {
    return Math.hypot(a.px - b.px, a.py - b.py);
  }

  /** Overlap test used by the rewards: centre distance below the sum of radii. */
  static isCollision(a: Entity, b: Entity): boolean {
    return ParticleWorld.dist(a, b) < a.size + b.size;
  }

  /** One physics step of `dt`; agents' `ux, uy` must already hold the action forces. */
  step(rng: Rng): void {
    const ents = this.entities;
    const n = ents.length;
    if (this.fx.length !== n) {
      this.fx = new Float64Array(n);
      this.fy = new Float64Array(n);
    }
    const fx = this.fx;
    const fy = this.fy;
    fx.fill(0);
    fy.fill(0);
    // action forces (+ optional motor noise)
    for (let i = 0; i < this.agents.length; i++) {
      const a = this.agents[i] as ParticleAgent;
      if (!a.movable) continue;
      fx[i] = a.ux + (a.uNoise ? rng.normal() * a.uNoise : 0);
      fy[i] = a.uy + (a.uNoise ? rng.normal() * a.uNoise : 0);
    }
    // soft contact between every pair of colliders
    const k = this.contactMargin;
    for (let i = 0; i < n; i++) {
      const a = ents[i] as Entity;
      if (!a.collide) continue;
      for (let j = i + 1; j < n; j++) {
        const b = ents[j] as Entity;
        if (!b.collide) continue;
        const dx = a.px - b.px;
        const dy = a.py - b.py;
        const dist = Math.sqrt(dx * dx + dy * dy);
        // Coincident centres have no contact direction (MPE would produce NaN): no force.
        if (dist === 0) continue;
        const penetration = softplus(-(dist - (a.size + b.size)) / k) * k;
        const s = (this.contactForce * penetration) / dist;
        if (a.movable) {
          fx[i] = (fx[i] as number) + s * dx;
          fy[i] = (fy[i] as number) + s * dy;
        }
        if (b.movable) {
          fx[j] = (fx[j] as number) - s * dx;
          fy[j] = (fy[j] as number) - s * dy;
        }
      }
    }
    // integrate
    for (let i = 0; i < n; i++) {
      const e = ents[i] as Entity;
      if (!e.movable) continue;
      if (!this.legacy) {
        // MPE2: position moves with the velocity from the START of the step
        e.px += e.vx * this.dt;
        e.py += e.vy * this.dt;
      }
      e.vx = e.vx * (1 - this.damping) + ((fx[i] as number) / e.mass) * this.dt;
      e.vy = e.vy * (1 - this.damping) + ((fy[i] as number) / e.mass) * this.dt;
      if (e.maxSpeed !== null) {
        const speed = Math.sqrt(e.vx * e.vx + e.vy * e.vy);
        if (speed > e.maxSpeed) {
          e.vx = (e.vx / speed) * e.maxSpeed;
          e.vy = (e.vy / speed) * e.maxSpeed;
        }
      }
      if (this.legacy) {
        // openai MPE: semi-implicit Euler, position moves with the NEW velocity
        e.px += e.vx * this.dt;
        e.py += e.vy * this.dt;
      }
    }
  }
}
