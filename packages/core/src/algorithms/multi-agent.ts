/**
 * The multi-agent layer: a vectorised `ParallelEnv` (N copies of a PettingZoo-style parallel env
 * stepped in one call on per-agent typed arrays) and `MultiAgentAlgorithm`, the base of learners
 * with one network set per agent (MADDPG, MATD3, independent learners).
 *
 * `MultiAgentAlgorithm` keeps everything of `BaseAlgorithm` (hyperparameters, one seeded RNG,
 * counters, callbacks, `save`/`load` of `networks()` and `optimizers()`), and adds per-agent
 * spaces and observation encoders, `predict` on a dict of observations, and the per-agent spaces
 * in the checkpoint manifest.
 */
import { BaseAlgorithm, type CommonOptions } from '../algorithm';
import { BaseCallback, type CallbackContext, FrequencyGate, checkFreq } from '../callbacks';
import type { Logger } from '../logging';
import type { ParallelEnv, ResetOptions } from '../env';
import { ObservationEncoder } from '../preprocessing';
import type { Space } from '../spaces';

/** N copies of a parallel env on flat per-agent arrays, with same-step autoreset. */
export interface VecParallelEnv {
  readonly numEnvs: number;
  readonly possibleAgents: readonly string[];
  observationSpace(agent: string): Space<any>;
  actionSpace(agent: string): Space<any>;
  reset(seed?: number): Record<string, Float32Array>;
  /** Per agent: numEnvs actions (Discrete) or numEnvs × actDim values (compact layout). */
  step(actions: Record<string, Float32Array | Int32Array>): VecParallelStepResult;
  close(): void;
}

export interface VecParallelStepResult {
  /** Per agent, numEnvs × obsDim; rows of finished envs hold the reset observation. */
  obs: Record<string, Float32Array>;
  rewards: Record<string, Float32Array>;
  terminated: Record<string, Uint8Array>;
  truncated: Record<string, Uint8Array>;
  /** Per agent, the last observation of envs whose episode ended (else 0). */
  finalObs: Record<string, Float32Array>;
  /** 1 where the env's episode ended (every agent done) and the env was reset. */
  dones: Uint8Array;
  /** Per env; a finished env has `episode = {r: summed return, l: length, agents: {agent: return}}`. */
  infos: Array<Record<string, unknown>>;
}

/** `VecParallelEnv` over N parallel envs made by `factories`, stepped one after another. */
export class SyncVecParallelEnv implements VecParallelEnv {
  readonly envs: ParallelEnv<any, any>[];
  readonly numEnvs: number;
  readonly possibleAgents: readonly string[];
  private readonly spaces: Record<string, { obs: Space<any>; act: Space<any> }> = {};
  private readonly epReturns: Float64Array[];
  private readonly epLengths: Int32Array;

  constructor(factories: Array<() => ParallelEnv<any, any>>) {
    if (!Array.isArray(factories) || factories.length === 0) throw new RangeError('SyncVecParallelEnv: needs at least one env factory');
    this.envs = factories.map((f) => f());
    this.numEnvs = this.envs.length;
    const first = this.envs[0] as ParallelEnv<any, any>;
    this.possibleAgents = [...first.possibleAgents];
    for (const a of this.possibleAgents) this.spaces[a] = { obs: first.observationSpace(a), act: first.actionSpace(a) };
    for (const [i, e] of this.envs.entries()) {
      if (e.possibleAgents.join(',') !== this.possibleAgents.join(',')) {
        throw new Error(`SyncVecParallelEnv: env ${i} has agents [${e.possibleAgents}], env 0 has [${this.possibleAgents}]`);
      }
    }
    this.epReturns = this.possibleAgents.map(() => new Float64Array(this.numEnvs));
    this.epLengths = new Int32Array(this.numEnvs);
  }

  observationSpace(agent: string): Space<any> {
    return this.spaceOf(agent).obs;
  }

  actionSpace(agent: string): Space<any> {
    return this.spaceOf(agent).act;
  }

  private spaceOf(agent: string) {
    const s = this.spaces[agent];
    if (!s) throw new RangeError(`SyncVecParallelEnv: unknown agent "${agent}" (agents: ${this.possibleAgents.join(', ')})`);
    return s;
  }

  private alloc(): Record<string, Float32Array> {
    const out: Record<string, Float32Array> = {};
    for (const a of this.possibleAgents) out[a] = new Float32Array(this.numEnvs * this.spaceOf(a).obs.compactDim);
    return out;
  }

  private write(out: Record<string, Float32Array>, i: number, obs: Record<string, unknown>): void {
    for (const a of this.possibleAgents) {
      const sp = this.spaceOf(a).obs;
      const o = obs[a];
      if (o !== undefined) sp.writeCompact(o, out[a] as Float32Array, i * sp.compactDim);
    }
  }

  reset(seed?: number): Record<string, Float32Array> {
    const out = this.alloc();
    this.envs.forEach((e, i) => {
      const opts: ResetOptions | undefined = seed === undefined ? undefined : { seed: seed + i };
      this.write(out, i, e.reset(opts).obs);
    });
    for (const r of this.epReturns) r.fill(0);
    this.epLengths.fill(0);
    return out;
  }

  step(actions: Record<string, Float32Array | Int32Array>): VecParallelStepResult {
    const n = this.numEnvs;
    const agents = this.possibleAgents;
    const obs = this.alloc();
    const finalObs = this.alloc();
    const rewards: Record<string, Float32Array> = {};
    const terminated: Record<string, Uint8Array> = {};
    const truncated: Record<string, Uint8Array> = {};
    for (const a of agents) {
      if (!(a in actions)) throw new RangeError(`SyncVecParallelEnv.step: missing actions of agent "${a}"`);
      rewards[a] = new Float32Array(n);
      terminated[a] = new Uint8Array(n);
      truncated[a] = new Uint8Array(n);
    }
    const dones = new Uint8Array(n);
    const infos: Array<Record<string, unknown>> = [];
    for (let i = 0; i < n; i++) {
      const env = this.envs[i] as ParallelEnv<any, any>;
      const act: Record<string, unknown> = {};
      for (const a of env.agents) {
        const sp = this.spaceOf(a).act;
        act[a] = sp.readCompact(actions[a] as ArrayLike<number>, i * sp.compactDim);
      }
      const r = env.step(act);
      this.epLengths[i] = (this.epLengths[i] as number) + 1;
      agents.forEach((a, k) => {
        const rew = r.rewards[a] ?? 0;
        (rewards[a] as Float32Array)[i] = rew;
        (this.epReturns[k] as Float64Array)[i] = ((this.epReturns[k] as Float64Array)[i] as number) + rew;
        (terminated[a] as Uint8Array)[i] = r.terminations[a] ? 1 : 0;
        (truncated[a] as Uint8Array)[i] = r.truncations[a] ? 1 : 0;
      });
      const info: Record<string, unknown> = {};
      if (env.agents.length === 0) {
        dones[i] = 1;
        this.write(finalObs, i, r.obs);
        const perAgent: Record<string, number> = {};
        let sum = 0;
        agents.forEach((a, k) => {
          const v = (this.epReturns[k] as Float64Array)[i] as number;
          perAgent[a] = v;
          sum += v;
          (this.epReturns[k] as Float64Array)[i] = 0;
        });
        info.episode = { r: sum, l: this.epLengths[i], agents: perAgent };
        this.epLengths[i] = 0;
        this.write(obs, i, env.reset().obs);
      } else {
        this.write(obs, i, r.obs);
      }
      infos.push(info);
    }
    return { obs, rewards, terminated, truncated, finalObs, dones, infos };
  }

  close(): void {
    for (const e of this.envs) e.close();
  }
}

export function isVecParallelEnv(x: unknown): x is VecParallelEnv {
  return !!x && typeof (x as VecParallelEnv).numEnvs === 'number' && Array.isArray((x as VecParallelEnv).possibleAgents);
}

/** A parallel env, a vectorised one, a factory, or a registered id (see {@link setParallelEnvResolver}). */
export type ParallelEnvSpecifier = ParallelEnv<any, any> | VecParallelEnv | (() => ParallelEnv<any, any> | VecParallelEnv) | string;

let parallelResolver: ((id: string) => ParallelEnv<any, any>) | null = null;

/** How multi-agent learners turn an id into a parallel env (`@tfrl/envs` registers `makeParallel`). */
export function setParallelEnvResolver(resolver: ((id: string) => ParallelEnv<any, any>) | null): void {
  parallelResolver = resolver;
}

export interface MultiAgentOptions extends CommonOptions {
  env: ParallelEnvSpecifier;
  [hyperparameter: string]: unknown;
}

/** One action row per agent: Int32Array for Discrete, Float32Array for Box. */
export type AgentActions = Record<string, Int32Array | Float32Array>;

export abstract class MultiAgentAlgorithm<H extends Record<string, any> = Record<string, unknown>> extends BaseAlgorithm<H> {
  readonly env: VecParallelEnv;
  readonly agents: readonly string[];
  readonly observationSpaces: Readonly<Record<string, Space<any>>>;
  readonly actionSpaces: Readonly<Record<string, Space<any>>>;
  readonly obsEncoders: Readonly<Record<string, ObservationEncoder>>;

  constructor(options: MultiAgentOptions) {
    if (!options || typeof options !== 'object')
      throw new TypeError('MultiAgentAlgorithm: constructor needs an options object {env, ...hyperparameters}');
    const { env, seed, logger, verbose, ...hp } = options;
    super({ seed, logger, verbose }, hp);
    if (env === undefined || env === null) throw new TypeError(`${this.algorithmName}: options.env is required`);
    this.env = this.resolveEnv(env);
    this.agents = [...this.env.possibleAgents];
    const obs: Record<string, Space<any>> = {};
    const act: Record<string, Space<any>> = {};
    const enc: Record<string, ObservationEncoder> = {};
    for (const a of this.agents) {
      obs[a] = this.env.observationSpace(a);
      act[a] = this.env.actionSpace(a);
      enc[a] = new ObservationEncoder(obs[a] as Space<any>);
    }
    this.observationSpaces = obs;
    this.actionSpaces = act;
    this.obsEncoders = enc;
  }

  protected resolveEnv(spec: ParallelEnvSpecifier): VecParallelEnv {
    let e: unknown = spec;
    if (typeof spec === 'string') {
      if (!parallelResolver) {
        throw new Error(
          `${this.algorithmName}: env "${spec}" given by id but no parallel env registry is loaded; import @tfrl/envs or pass an env`,
        );
      }
      e = parallelResolver(spec);
    } else if (typeof spec === 'function') e = spec();
    if (isVecParallelEnv(e)) return e;
    const p = e as ParallelEnv<any, any>;
    if (!p || typeof p.step !== 'function' || !Array.isArray(p.possibleAgents)) {
      throw new TypeError(`${this.algorithmName}: env must be a ParallelEnv, a VecParallelEnv, a factory or an id, got ${String(spec)}`);
    }
    return new SyncVecParallelEnv([() => p]);
  }

  get numEnvs(): number {
    return this.env.numEnvs;
  }

  protected spacesJson(): { observationSpace: unknown; actionSpace: unknown } {
    const o: Record<string, unknown> = {};
    const a: Record<string, unknown> = {};
    for (const name of this.agents) {
      o[name] = (this.observationSpaces[name] as Space<any>).toJSON();
      a[name] = (this.actionSpaces[name] as Space<any>).toJSON();
    }
    return { observationSpace: { type: 'Agents', spaces: o }, actionSpace: { type: 'Agents', spaces: a } };
  }

  /**
   * Actions of every agent for one observation each, or a batch: `{agent: observation(s)}` in
   * each agent's format. Returns `{agent: actions}` in the env's format.
   */
  predict(obs: Record<string, unknown>, options: { deterministic?: boolean } = {}): AgentActions {
    if (!obs || typeof obs !== 'object')
      throw new TypeError(`${this.algorithmName}.predict: expected {agent: observation}, got ${String(obs)}`);
    const rows: Record<string, Float32Array> = {};
    let b = -1;
    for (const a of this.agents) {
      if (!(a in obs)) throw new RangeError(`${this.algorithmName}.predict: missing the observation of agent "${a}"`);
      const enc = this.obsEncoders[a] as ObservationEncoder;
      const r = enc.toRows(obs[a], `${this.algorithmName}.predict(${a})`);
      const n = r.length / enc.compactDim;
      if (b >= 0 && n !== b)
        throw new RangeError(`${this.algorithmName}.predict: agents have different numbers of observations (${b} and ${n} for "${a}")`);
      b = n;
      rows[a] = r;
    }
    for (const k of Object.keys(obs)) {
      if (!this.agents.includes(k))
        throw new RangeError(`${this.algorithmName}.predict: unknown agent "${k}" (agents: ${this.agents.join(', ')})`);
    }
    return this.predictAgents(rows, options.deterministic ?? false);
  }

  /** Actions (env format) of every agent for rows of compact observations. */
  protected abstract predictAgents(rows: Record<string, Float32Array>, deterministic: boolean): AgentActions;
}

export interface MultiAgentEvaluation {
  /** Mean over episodes of the summed return of all agents. */
  meanReward: number;
  stdReward: number;
  /** Mean return of each agent. */
  meanAgentRewards: Record<string, number>;
  episodeRewards: number[];
  agentEpisodeRewards: Record<string, number[]>;
  episodeLengths: number[];
  /**
   * Per-episode sums of the env's `metrics()` (empty when the env has none), and their means over
   * episodes.
   */
  episodeMetrics: Record<string, number[]>;
  meanMetrics: Record<string, number>;
}

/** Run `nEpisodes` episodes of a parallel env with `agent.predict` and report per-agent and summed returns. */
export function evaluateMultiAgent(
  agent: { predict(obs: Record<string, unknown>, options?: { deterministic?: boolean }): AgentActions },
  env: ParallelEnv<any, any>,
  options: { nEpisodes?: number; deterministic?: boolean; seed?: number } = {},
): MultiAgentEvaluation {
  const nEpisodes = options.nEpisodes ?? 10;
  if (!Number.isInteger(nEpisodes) || nEpisodes < 1)
    throw new RangeError(`evaluateMultiAgent: nEpisodes must be a positive integer, got ${nEpisodes}`);
  const names = [...env.possibleAgents];
  const agentEpisodeRewards: Record<string, number[]> = Object.fromEntries(names.map((a) => [a, []]));
  const episodeRewards: number[] = [];
  const episodeLengths: number[] = [];
  const episodeMetrics: Record<string, number[]> = {};
  for (let ep = 0; ep < nEpisodes; ep++) {
    let { obs } = env.reset(ep === 0 && options.seed !== undefined ? { seed: options.seed } : undefined);
    const ret: Record<string, number> = Object.fromEntries(names.map((a) => [a, 0]));
    const metrics: Record<string, number> = {};
    let len = 0;
    while (env.agents.length > 0) {
      const live = [...env.agents];
      const full: Record<string, unknown> = {};
      for (const a of names) full[a] = a in obs ? obs[a] : new Float32Array(env.observationSpace(a).compactDim);
      const acts = agent.predict(full, { deterministic: options.deterministic ?? true });
      const step: Record<string, unknown> = {};
      for (const a of live) step[a] = env.actionSpace(a).readCompact(acts[a] as ArrayLike<number>, 0);
      const r = env.step(step);
      for (const a of live) ret[a] = (ret[a] as number) + (r.rewards[a] ?? 0);
      if (env.metrics) for (const [k, v] of Object.entries(env.metrics())) metrics[k] = (metrics[k] ?? 0) + v;
      len++;
      obs = r.obs;
    }
    for (const [k, v] of Object.entries(metrics)) {
      if (!episodeMetrics[k]) episodeMetrics[k] = [];
      (episodeMetrics[k] as number[]).push(v);
    }
    for (const a of names) (agentEpisodeRewards[a] as number[]).push(ret[a] as number);
    episodeRewards.push(names.reduce((s, a) => s + (ret[a] as number), 0));
    episodeLengths.push(len);
  }
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const m = mean(episodeRewards);
  return {
    meanReward: m,
    stdReward: Math.sqrt(mean(episodeRewards.map((r) => (r - m) ** 2))),
    meanAgentRewards: Object.fromEntries(names.map((a) => [a, mean(agentEpisodeRewards[a] as number[])])),
    episodeRewards,
    agentEpisodeRewards,
    episodeLengths,
    episodeMetrics,
    meanMetrics: Object.fromEntries(Object.entries(episodeMetrics).map(([k, v]) => [k, mean(v)])),
  };
}

export interface MultiAgentEvalCallbackOptions {
  evalEnv: ParallelEnv<any, any>;
  /** Evaluate every `evalFreq` env steps (summed over envs; default 10000). */
  evalFreq?: number;
  nEvalEpisodes?: number;
  deterministic?: boolean;
  /** Seed of each evaluation's first reset (the same episodes every evaluation). */
  seed?: number;
  /** Where to log; defaults to the algorithm's logger. */
  logger?: Logger;
  /** Called after each evaluation. */
  onEvaluation?: (result: MultiAgentEvaluation, numTimesteps: number) => void;
}

/**
 * Evaluates a multi-agent learner every `evalFreq` env steps on `evalEnv` and logs the test
 * curves: `eval/mean_reward` (summed over agents), `eval/<agent>/mean_reward` and the env's
 * metrics as `eval/<metric>` (per-episode sums, averaged).
 */
export class MultiAgentEvalCallback extends BaseCallback {
  readonly evalFreq: number;
  readonly nEvalEpisodes: number;
  readonly deterministic: boolean;
  /** Env steps of each evaluation and its result. */
  readonly evaluationsTimesteps: number[] = [];
  readonly evaluations: MultiAgentEvaluation[] = [];
  private readonly gate: FrequencyGate;

  constructor(readonly options: MultiAgentEvalCallbackOptions) {
    super();
    this.evalFreq = options.evalFreq ?? 10000;
    this.nEvalEpisodes = options.nEvalEpisodes ?? 10;
    checkFreq('MultiAgentEvalCallback', 'evalFreq', this.evalFreq);
    checkFreq('MultiAgentEvalCallback', 'nEvalEpisodes', this.nEvalEpisodes);
    if (!options.evalEnv || !Array.isArray(options.evalEnv.possibleAgents)) {
      throw new TypeError('MultiAgentEvalCallback: evalEnv must be a parallel env (with possibleAgents), e.g. makeParallel(id)');
    }
    this.deterministic = options.deterministic ?? true;
    this.gate = new FrequencyGate(this.evalFreq);
  }

  override onTrainingStart(ctx: CallbackContext): void {
    this.gate.reset(ctx.numTimesteps);
  }

  override onStep(ctx: CallbackContext): boolean {
    const t = ctx.numTimesteps;
    if (!this.gate.due(t)) return true;
    const algo = ctx.algorithm as unknown as MultiAgentAlgorithm<any>;
    if (!(algo instanceof MultiAgentAlgorithm)) {
      throw new TypeError(`MultiAgentEvalCallback: ${ctx.algorithm.algorithmName} is not a multi-agent learner; use EvalCallback`);
    }
    const result = evaluateMultiAgent(algo, this.options.evalEnv, {
      nEpisodes: this.nEvalEpisodes,
      deterministic: this.deterministic,
      seed: this.options.seed,
    });
    this.evaluationsTimesteps.push(t);
    this.evaluations.push(result);
    const logger = this.options.logger ?? algo.logger;
    logger.scalar('eval/mean_reward', result.meanReward, t);
    for (const [a, r] of Object.entries(result.meanAgentRewards)) logger.scalar(`eval/${a}/mean_reward`, r, t);
    for (const [k, v] of Object.entries(result.meanMetrics)) logger.scalar(`eval/${k}`, v, t);
    this.options.onEvaluation?.(result, t);
    return true;
  }
}
