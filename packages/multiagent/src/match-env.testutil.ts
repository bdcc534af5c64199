import { Box, Discrete, type ParallelEnv, type ResetOptions, type RgbFrame, Rng } from '@tfrl/core';

/**
 * A tiny cooperative parallel env for tests: every step each agent sees its own fresh target and
 * every agent gets the same reward, minus the summed error of all agents, so an agent's reward
 * depends on the others' actions (a centralised critic explains it; an independent one sees noise).
 *
 * - continuous: target x_i ~ U(−1, 1) observed as [x_i], action Box(−1, 1, (1,)), reward
 *   −Σ_i (a_i − x_i)² (random policy: −2/3 per agent per step);
 * - discrete: target k_i ∈ {0, 1, 2} observed one-hot, action Discrete(3), reward
 *   −Σ_i [a_i ≠ k_i] (random policy: −2/3 per agent per step).
 *
 * Episodes are truncated after `length` steps and never terminate.
 */
export class MatchEnv implements ParallelEnv<Float32Array, number | Float32Array> {
  readonly possibleAgents: string[];
  agents: string[] = [];
  private readonly targets: number[];
  private rng = new Rng(0);
  private t = 0;
  private readonly obsBox: Box;
  private readonly act: Box | Discrete;

  constructor(
    readonly continuous = true,
    readonly nAgents = 2,
    readonly length = 10,
  ) {
    this.possibleAgents = Array.from({ length: nAgents }, (_, i) => `agent_${i}`);
    this.targets = new Array(nAgents).fill(0);
    this.obsBox = new Box({ low: -1, high: 1, shape: [continuous ? 1 : 3] });
    this.act = continuous ? new Box({ low: -1, high: 1, shape: [1] }) : new Discrete(3);
  }

  observationSpace(_agent: string): Box {
    return this.obsBox;
  }

  actionSpace(_agent: string): Box | Discrete {
    return this.act;
  }

  private draw(): Record<string, Float32Array> {
    const obs: Record<string, Float32Array> = {};
    this.possibleAgents.forEach((a, i) => {
      if (this.continuous) {
        this.targets[i] = this.rng.uniform(-1, 1);
        obs[a] = Float32Array.of(this.targets[i] as number);
      } else {
        this.targets[i] = this.rng.integers(0, 3);
        const o = new Float32Array(3);
        o[this.targets[i] as number] = 1;
        obs[a] = o;
      }
    });
    return obs;
  }

  reset(opts: ResetOptions = {}) {
    if (opts.seed !== undefined) this.rng = new Rng(opts.seed);
    this.t = 0;
    this.agents = [...this.possibleAgents];
    return { obs: this.draw(), infos: Object.fromEntries(this.possibleAgents.map((a) => [a, {}])) };
  }

  step(actions: Record<string, number | Float32Array>) {
    let err = 0;
    this.possibleAgents.forEach((a, i) => {
      const act = actions[a];
      if (act === undefined) throw new Error(`MatchEnv: missing the action of ${a}`);
      if (this.continuous) err += (((act as Float32Array)[0] as number) - (this.targets[i] as number)) ** 2;
      else err += act === this.targets[i] ? 0 : 1;
    });
    this.t++;
    const done = this.t >= this.length;
    const obs = this.draw();
    const each = (v: unknown) => Object.fromEntries(this.possibleAgents.map((a) => [a, v]));
    if (done) this.agents = [];
    return {
      obs,
      rewards: each(-err) as Record<string, number>,
      terminations: each(false) as Record<string, boolean>,
      truncations: each(done) as Record<string, boolean>,
      infos: each({}) as Record<string, Record<string, unknown>>,
    };
  }

  render(): RgbFrame {
    return { width: 1, height: 1, data: new Uint8Array(3) };
  }

  close(): void {}
}
