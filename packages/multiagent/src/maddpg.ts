/**
 * MADDPG (Lowe et al. 2017, https://arxiv.org/abs/1706.02275), and the two baselines that share its
 * code: independent DDPG (each critic sees only its own agent, the paper's "DDPG" baseline) and
 * MATD3 (Ackermann et al. 2019: twin centralised critics, target policy smoothing, delayed actor
 * updates).
 *
 * Every agent (or every group of same-type agents with `shareParameters`) has
 *
 * - a decentralised actor μ_i(o_i): tanh outputs mapped into the action Box (exploration by
 *   Gaussian or Ornstein–Uhlenbeck noise), or logits of a Discrete action sampled by Gumbel-softmax
 *   as openai/maddpg's `SoftCategoricalPd` (one-hot straight-through samples by default); with
 *   `boxActions: 'gumbel-softmax'`, Box agents whose space holds the probability simplex act with
 *   soft Gumbel-softmax samples, which is how openai/maddpg drives the original MPE;
 * - a critic Q_i(o_1..o_N, a_1..a_N) (centralised) or Q_i(o_i, a_i) (independent), and target copies
 *   of both, Polyak-averaged with τ every `targetUpdateInterval` actor updates (τ = 1: hard copies).
 *
 * One gradient step samples one joint minibatch (the same transitions for every agent) and updates
 * every critic, then every actor, in two tapes (the losses of different agents share no parameters,
 * so the gradient of their sum is each agent's own gradient). Acting runs on host copies of the
 * actors (`Mlp.applyHost`), so collecting 25-step particle-world episodes costs no tfjs kernels.
 *
 * Defaults are openai/maddpg's (`train.py`): Adam 1e-2, γ 0.95, batch 1024, 2×64 ReLU, τ 0.01,
 * gradient clip 0.5, buffer 1e6, training from 1024·25 transitions on, one update every 100 env
 * steps. Differences: gradients are clipped by their global norm per optimizer (openai clips each
 * tensor's norm), and one minibatch serves every agent's update (openai samples one per agent).
 */
import * as tf from '@tensorflow/tfjs';
import {
  type ActionNoise,
  type Activation,
  Adam,
  type AgentActions,
  type BaseCallback,
  Box,
  type CommonOptions,
  Discrete,
  type HyperparameterInput,
  Mlp,
  MultiAgentAlgorithm,
  type MultiAgentOptions,
  type NetworkState,
  type ParallelEnvSpecifier,
  type ReplayBatch,
  type ResolvedHyperparameters,
  type Space,
  bootstrapCoefficients,
  checkActionNoise,
  defineHyperparameters,
  makeActionNoise,
  polyakUpdate,
  unscaleActions,
  yieldToEventLoop,
} from '@tfrl/core';
import { forwardNoGrad, forwardTrainable, smoothTargetAction } from '@tfrl/policy-gradient';
import { criticQWithOwnAction } from './critic-grad';
import {
  type CriticInputMode,
  criticActionOffset,
  criticInputOrder,
  criticInputRows,
  criticInputWidth,
  jointObservationRows,
  gumbelSoftmax,
  maddpgActorLoss,
  maddpgCriticLoss,
  maddpgCriticTarget,
} from './losses';
import { MultiAgentReplayBuffer } from './replay';

// ------------------------------------------------------------------ hyperparameters

const sharedFields = {
  actorLearningRate: { type: 'schedule', default: 1e-2, exclusiveMin: 0, doc: 'Adam step size of the actors (number or schedule)' },
  criticLearningRate: { type: 'schedule', default: 1e-2, exclusiveMin: 0, doc: 'Adam step size of the critics (number or schedule)' },
  gamma: { type: 'number', default: 0.95, min: 0, max: 1, doc: 'discount factor' },
  tau: { type: 'number', default: 0.01, min: 0, max: 1, doc: 'Polyak coefficient of the target networks (1 = hard copy)' },
  targetUpdateInterval: {
    type: 'integer',
    default: 1,
    min: 1,
    doc: 'update the target networks every this many actor updates (with tau 1: a hard copy every K updates)',
  },
  bufferSize: { type: 'integer', default: 1_000_000, min: 1, doc: 'replay capacity in joint transitions' },
  batchSize: { type: 'integer', default: 1024, min: 1, doc: 'joint transitions per gradient step' },
  learningStarts: {
    type: 'integer',
    default: 25_600,
    min: 0,
    doc: 'env steps (summed over envs) of uniformly random actions before training starts',
  },
  trainFreq: { type: 'integer', default: 100, min: 1, doc: 'env steps (summed over envs) between training phases' },
  gradientSteps: { type: 'integer', default: 1, min: 1, doc: 'gradient steps per training phase' },
  netArch: { type: 'number[]', default: [64, 64], min: 1, doc: 'hidden layer sizes of every actor and critic' },
  activation: { type: 'enum', values: ['relu', 'leaky_relu', 'tanh', 'elu'], default: 'relu', doc: 'hidden activation' },
  actionNoise: {
    type: 'object',
    default: { type: 'normal', sigma: 0.1 },
    nullable: true,
    doc: 'exploration noise of Box agents in the [-1, 1] scale: {type: "normal" | "ornstein-uhlenbeck", sigma, theta?, dt?} (null: none)',
  },
  rewardClip: { type: 'number', default: null, nullable: true, exclusiveMin: 0, doc: 'store rewards clipped to [−c, c] (null: unclipped)' },
  maxGradNorm: {
    type: 'number',
    default: 0.5,
    nullable: true,
    exclusiveMin: 0,
    doc: 'clip the global gradient norm of every actor and critic update (null: off)',
  },
  shareParameters: {
    type: 'boolean',
    default: false,
    doc: 'agents of the same type (the name without its trailing _<index>) share one actor and one critic',
  },
  actorRegularization: {
    type: 'number',
    default: 1e-3,
    min: 0,
    doc: 'λ of the actor regulariser λ·mean(p²) on the logits (Discrete) or pre-tanh outputs (Box)',
  },
  gumbelTemperature: { type: 'number', default: 1, exclusiveMin: 0, doc: 'temperature of the Gumbel-softmax of Discrete agents' },
  boxActions: {
    type: 'enum',
    values: ['tanh', 'gumbel-softmax'],
    default: 'tanh',
    doc:
      "policy of Box agents: 'tanh' (a deterministic actor mapped into the box, with actionNoise) or 'gumbel-softmax' (soft " +
      "Gumbel-softmax samples over the action's dimensions, for boxes that hold the probability simplex such as the particle " +
      "worlds' continuous actions: openai/maddpg's policy on the original MPE)",
  },
  gumbelHard: {
    type: 'boolean',
    default: true,
    doc: 'Discrete agents: one-hot samples with the straight-through gradient (false: soft samples, as openai/maddpg)',
  },
} as const;

export const maddpgHyperparameters = defineHyperparameters({ ...sharedFields });
export const iddpgHyperparameters = defineHyperparameters({ ...sharedFields });
export const matd3Hyperparameters = defineHyperparameters({
  ...sharedFields,
  policyDelay: { type: 'integer', default: 2, min: 1, doc: 'critic updates per actor (and target) update' },
  targetPolicyNoise: { type: 'number', default: 0.2, min: 0, doc: 'σ of the Gaussian noise on target actions of Box agents (smoothing)' },
  targetNoiseClip: { type: 'number', default: 0.5, min: 0, doc: 'the smoothing noise is clipped to ±targetNoiseClip' },
});

export type MultiAgentActorCriticHp = ResolvedHyperparameters<typeof maddpgHyperparameters> & {
  policyDelay?: number;
  targetPolicyNoise?: number;
  targetNoiseClip?: number;
};

export type MADDPGOptions = CommonOptions & { env: ParallelEnvSpecifier } & HyperparameterInput<typeof maddpgHyperparameters>;
export type IDDPGOptions = CommonOptions & { env: ParallelEnvSpecifier } & HyperparameterInput<typeof iddpgHyperparameters>;
export type MATD3Options = CommonOptions & { env: ParallelEnvSpecifier } & HyperparameterInput<typeof matd3Hyperparameters>;

// ------------------------------------------------------------------ per-agent bookkeeping

/** What the learner knows of one agent. */
export interface AgentSpec {
  name: string;
  index: number;
  /** Numbers per observation in the env and the buffer. */
  compactDim: number;
  /** Network input features per observation. */
  inputDim: number;
  /** Width of an action in the buffer and at the critic: the Box dimension, or n (one-hot) for Discrete(n). */
  actDim: number;
  discrete: boolean;
  /** A Box agent acting with soft Gumbel-softmax samples (`boxActions: 'gumbel-softmax'`): logits, as `discrete`. */
  softBox: boolean;
  actionStart: number;
  low: Float32Array | undefined;
  high: Float32Array | undefined;
  /** Index of the agent's group (its own, unless `shareParameters`). */
  group: number;
  /** Position within its group. */
  member: number;
  noise: ActionNoise | undefined;
}

/** One actor and its critic(s), with targets and optimizers, used by one agent or shared by a group. */
export interface AgentGroup {
  name: string;
  /** Agent indices, in agent order. */
  members: number[];
  actor: Mlp;
  actorTarget: Mlp;
  critics: Mlp[];
  criticTargets: Mlp[];
  actorOptimizer: Adam;
  criticOptimizer: Adam;
}

/**
 * One sampled joint minibatch as tensors: per agent (agent order) its observations, next
 * observations, rewards and bootstrap coefficients; per group its critic inputs built on the host
 * (the members' rows stacked), the observation part of its target-critic inputs, and the critic
 * inputs of the actor update with each member's own action left at 0.
 */
interface JointBatch {
  obs: tf.Tensor2D[];
  nextObs: tf.Tensor2D[];
  rewards: tf.Tensor1D[];
  bootstrapCoef: tf.Tensor1D[];
  criticX: tf.Tensor2D[];
  nextJointObs: tf.Tensor2D[];
  actorX: tf.Tensor2D[];
}

const EPISODE_WINDOW = 100;
const STAT_NAMES = ['critic_loss', 'actor_loss', 'q_value'] as const;

function concatRows<T extends tf.Tensor>(xs: T[]): T {
  return (xs.length === 1 ? (xs[0] as T) : tf.concat(xs, 0)) as T;
}

/** Per-group statistics (scalars for one agent, [M] for a shared group) as one [N] vector. */
function stackStats(pieces: tf.Tensor[]): tf.Tensor1D {
  if (pieces.every((p) => p.rank === 0)) return tf.stack(pieces) as tf.Tensor1D;
  return tf.concat(pieces.map((p) => (p.rank === 0 ? tf.reshape(p, [1]) : p))) as tf.Tensor1D;
}

/** The agent's type for parameter sharing: its name without a trailing `_<index>`. */
export function agentType(name: string): string {
  return name.replace(/_\d+$/, '');
}

// ------------------------------------------------------------------ the learner

/**
 * The actor-critic shared by MADDPG (centralised critics), independent DDPG and MATD3 (twin
 * critics). Subclasses choose the critic input and the number of critics.
 */
export abstract class MultiAgentActorCritic<H extends MultiAgentActorCriticHp = MultiAgentActorCriticHp> extends MultiAgentAlgorithm<H> {
  readonly criticMode: CriticInputMode;
  readonly specs: AgentSpec[];
  readonly groups: AgentGroup[];
  readonly replayBuffer: MultiAgentReplayBuffer;
  /** Mean statistics of the last training phase (`agent/critic_loss`, …). */
  lastTrainStats: Record<string, number> | undefined;

  private readonly policyDelay: number;
  private readonly smoothing: { sigma: number; clip: number } | undefined;
  /** Actor loss of every agent in group-member order, kept for steps without an actor update. */
  private lastActorLoss: tf.Tensor1D;
  /** Agent index → row in group-member order (gathers statistics back into agent order). */
  private readonly statOrder: Int32Array;
  private readonly statOrderIsIdentity: boolean;
  private lastObs: Record<string, Float32Array> | undefined;
  private zeroLogits: Float32Array | undefined;
  private pendingSteps = 0;
  private readonly agentReturns: Record<string, number[]> = {};
  private readonly logSums: Float64Array;
  private logCount = 0;

  protected constructor(options: MultiAgentOptions, config: { centralised: boolean; twin: boolean }) {
    super(options);
    const hp = this.hyperparameters;
    const name = this.algorithmName;
    this.criticMode = config.centralised ? 'centralised' : 'independent';
    this.policyDelay = hp.policyDelay ?? 1;
    const sigma = hp.targetPolicyNoise ?? 0;
    this.smoothing = config.twin && sigma > 0 ? { sigma, clip: hp.targetNoiseClip ?? 0.5 } : undefined;
    const noiseSpec = checkActionNoise(name, hp.actionNoise);
    const n = this.env.numEnvs;

    // ---- agents and groups
    const groupOf = new Map<string, number>();
    const groupMembers: number[][] = [];
    const groupNames: string[] = [];
    this.specs = this.agents.map((agent, index) => {
      const act = this.actionSpaces[agent] as Space<any>;
      const enc = this.obsEncoders[agent];
      if (!enc) throw new Error(`${name}: no observation encoder for agent "${agent}"`);
      let discrete: boolean;
      let softBox = false;
      let actDim: number;
      let actionStart = 0;
      let low: Float32Array | undefined;
      let high: Float32Array | undefined;
      if (act instanceof Discrete) {
        discrete = true;
        actDim = act.n;
        actionStart = act.start;
      } else if (act instanceof Box) {
        for (let k = 0; k < act.low.length; k++) {
          if (!Number.isFinite(act.low[k]) || !Number.isFinite(act.high[k])) {
            throw new Error(
              `${name}: agent "${agent}" has the action space ${String(act)}; Box bounds must be finite (actions are tanh outputs)`,
            );
          }
        }
        discrete = false;
        actDim = act.compactDim;
        low = Float32Array.from(act.low);
        high = Float32Array.from(act.high);
        if (hp.boxActions === 'gumbel-softmax') {
          for (let k = 0; k < act.low.length; k++) {
            if ((act.low[k] as number) > 0 || (act.high[k] as number) < 1) {
              throw new Error(
                `${name}: boxActions 'gumbel-softmax' needs every action dimension to hold [0, 1] (the samples are probability vectors); agent "${agent}" has ${String(act)}`,
              );
            }
          }
          discrete = true;
          softBox = true;
        }
      } else {
        throw new Error(`${name}: agent "${agent}" has the action space ${String(act)}; only Discrete and Box are supported`);
      }
      const key = hp.shareParameters ? agentType(agent) : agent;
      let g = groupOf.get(key);
      if (g === undefined) {
        g = groupMembers.length;
        groupOf.set(key, g);
        groupMembers.push([]);
        groupNames.push(key);
      } else {
        const first = this.agents[(groupMembers[g] as number[])[0] as number] as string;
        const same = (a: Space<any>, b: Space<any>) => JSON.stringify(a.toJSON()) === JSON.stringify(b.toJSON());
        if (
          !same(this.observationSpaces[first] as Space<any>, this.observationSpaces[agent] as Space<any>) ||
          !same(this.actionSpaces[first] as Space<any>, act)
        ) {
          throw new Error(
            `${name}: shareParameters: agents "${first}" and "${agent}" are both of type "${key}" but have different observation or action spaces`,
          );
        }
      }
      const members = groupMembers[g] as number[];
      members.push(index);
      return {
        name: agent,
        index,
        compactDim: enc.compactDim,
        inputDim: enc.inputDim,
        actDim,
        discrete,
        softBox,
        actionStart,
        low,
        high,
        group: g,
        member: members.length - 1,
        noise: !discrete && noiseSpec ? makeActionNoise(noiseSpec, n, actDim, this.rng) : undefined,
      };
    });

    // ---- networks
    const arch = hp.netArch;
    const activation = hp.activation as Activation;
    const jointDim = this.specs.reduce((s, a) => s + a.inputDim + a.actDim, 0);
    const lr = { actor: this.scheduleValue('actorLearningRate'), critic: this.scheduleValue('criticLearningRate') };
    const clip = hp.maxGradNorm ?? undefined;
    const prefix = name.toLowerCase();
    this.groups = groupMembers.map((members, g) => {
      const s = this.specs[members[0] as number] as AgentSpec;
      const gName = groupNames[g] as string;
      const actorOpts = {
        inputDim: s.inputDim,
        hiddenSizes: arch,
        outputDim: s.actDim,
        activation,
        outputActivation: 'identity',
        init: 'glorot',
        rng: this.rng,
      } as const;
      const actor = new Mlp({ ...actorOpts, name: `${prefix}/${gName}/actor` });
      const actorTarget = new Mlp({ ...actorOpts, name: `${prefix}/${gName}/actor_target` });
      actorTarget.copyFrom(actor);
      const qIn = config.centralised ? jointDim : s.inputDim + s.actDim;
      const qOpts = { inputDim: qIn, hiddenSizes: arch, outputDim: 1, activation, init: 'glorot', rng: this.rng } as const;
      const critics: Mlp[] = [];
      const criticTargets: Mlp[] = [];
      for (let k = 1; k <= (config.twin ? 2 : 1); k++) {
        const c = new Mlp({ ...qOpts, name: `${prefix}/${gName}/critic${k}` });
        const t = new Mlp({ ...qOpts, name: `${prefix}/${gName}/critic${k}_target` });
        t.copyFrom(c);
        critics.push(c);
        criticTargets.push(t);
      }
      return {
        name: gName,
        members,
        actor,
        actorTarget,
        critics,
        criticTargets,
        actorOptimizer: new Adam(actor.trainableVariables, { lr: lr.actor, maxGradNorm: clip }),
        criticOptimizer: new Adam(
          critics.flatMap((c) => c.trainableVariables),
          { lr: lr.critic, maxGradNorm: clip },
        ),
      };
    });
    const order = new Int32Array(this.specs.length);
    let row = 0;
    for (const g of this.groups) for (const i of g.members) order[i] = row++;
    this.statOrder = order;
    this.statOrderIsIdentity = order.every((r, i) => r === i);
    this.lastActorLoss = tf.keep(tf.zeros([this.specs.length]));

    this.replayBuffer = new MultiAgentReplayBuffer({
      capacity: Math.max(hp.bufferSize, n),
      numEnvs: n,
      gamma: hp.gamma,
      agents: this.specs.map((s) => ({ name: s.name, obsDim: s.compactDim, actionDim: s.actDim })),
    });
    for (const a of this.agents) this.agentReturns[a] = [];
    this.logSums = new Float64Array(this.specs.length * STAT_NAMES.length);
  }

  /** The agents whose observations and actions make agent `i`'s critic input (see `criticInputOrder`). */
  criticInputOrder(i: number): number[] {
    const shared = (this.groups[(this.specs[i] as AgentSpec).group] as AgentGroup).members.length > 1;
    return criticInputOrder(i, this.specs.length, this.criticMode, shared);
  }

  protected override networks(): Record<string, NetworkState> {
    const nets: Record<string, NetworkState> = {};
    for (const g of this.groups) {
      nets[`${g.name}/actor`] = g.actor;
      nets[`${g.name}/actor_target`] = g.actorTarget;
      g.critics.forEach((c, k) => {
        nets[`${g.name}/critic${k + 1}`] = c;
        nets[`${g.name}/critic${k + 1}_target`] = g.criticTargets[k] as Mlp;
      });
    }
    return nets;
  }

  protected override optimizers() {
    const opts: Record<string, Adam> = {};
    for (const g of this.groups) {
      opts[`${g.name}/actor`] = g.actorOptimizer;
      opts[`${g.name}/critic`] = g.criticOptimizer;
    }
    return opts;
  }

  protected override extraState(): Record<string, unknown> {
    return { agentReturns: this.agentReturns, pendingSteps: this.pendingSteps };
  }

  protected override loadExtraState(extra: Record<string, unknown>): void {
    const r = extra.agentReturns as Record<string, unknown> | undefined;
    if (r && typeof r === 'object') {
      for (const a of this.agents)
        if (Array.isArray(r[a])) this.agentReturns[a] = (r[a] as unknown[]).filter((v) => typeof v === 'number') as number[];
    }
    if (typeof extra.pendingSteps === 'number') this.pendingSteps = extra.pendingSteps;
  }

  override dispose(): void {
    super.dispose();
    this.lastActorLoss.dispose();
  }

  // ------------------------------------------------------------------ acting (host forward passes)

  /** Actor outputs (logits or pre-tanh values) of every agent for `b` rows each: one host forward per group. */
  private actorOutputs(rows: Record<string, Float32Array>, b: number): Float32Array[] {
    const out: Float32Array[] = new Array(this.specs.length);
    for (const g of this.groups) {
      const s0 = this.specs[g.members[0] as number] as AgentSpec;
      const d = s0.inputDim;
      const m = g.members.length;
      const encode = (i: number) =>
        (this.obsEncoders[(this.specs[i] as AgentSpec).name] as { encode(r: Float32Array): Float32Array }).encode(
          rows[(this.specs[i] as AgentSpec).name] as Float32Array,
        );
      let x: Float32Array;
      if (m === 1) x = encode(g.members[0] as number);
      else {
        x = new Float32Array(m * b * d);
        g.members.forEach((i, k) => x.set(encode(i), k * b * d));
      }
      const y = g.actor.applyHost(x, m * b);
      const a = s0.actDim;
      g.members.forEach((i, k) => {
        out[i] = m === 1 ? y : y.subarray(k * b * a, (k + 1) * b * a);
      });
    }
    return out;
  }

  /**
   * Actions of agent `s` from its actor outputs `pre` (b rows): into `buffer` (Box: [-1, 1];
   * Discrete: one-hot, or the soft Gumbel sample without `gumbelHard`) and `env` (the env's format).
   * `mode`: 'explore' adds Box noise and samples Discrete actions; 'sample' only samples Discrete
   * actions; 'deterministic' takes tanh outputs and argmax logits.
   */
  private actionsFrom(
    s: AgentSpec,
    pre: Float32Array,
    b: number,
    mode: 'explore' | 'sample' | 'deterministic',
    buffer: Float32Array | undefined,
    env: Int32Array | Float32Array,
  ): void {
    for (let i = 0; i < pre.length; i++) {
      if (!Number.isFinite(pre[i] as number)) this.assertFinite({ [`${s.name}/actor_output`]: pre[i] as number });
    }
    const a = s.actDim;
    if (!s.discrete) {
      const v = buffer ?? new Float32Array(b * a);
      for (let i = 0; i < b * a; i++) v[i] = Math.tanh(pre[i] as number);
      if (mode === 'explore' && s.noise) {
        const noise = s.noise.sample(new Float32Array(b * a));
        for (let i = 0; i < b * a; i++) {
          const x = (v[i] as number) + (noise[i] as number);
          v[i] = x < -1 ? -1 : x > 1 ? 1 : x;
        }
      }
      unscaleActions(v, s.low as Float32Array, s.high as Float32Array, env as Float32Array);
      return;
    }
    const hard = this.hyperparameters.gumbelHard && !s.softBox;
    const t = this.hyperparameters.gumbelTemperature;
    const z = new Float64Array(a);
    const soft = s.softBox ? (buffer ?? new Float32Array(b * a)) : buffer;
    for (let r = 0; r < b; r++) {
      let best = 0;
      for (let j = 0; j < a; j++) {
        let v = pre[r * a + j] as number;
        if (mode !== 'deterministic') {
          const u = Math.min(Math.max(this.rng.random(), 1e-10), 1 - 1e-7);
          v -= Math.log(-Math.log(u));
        }
        z[j] = v;
        if (v > (z[best] as number)) best = j;
      }
      if (!s.softBox) env[r] = best + s.actionStart;
      if (!soft) continue;
      if (!s.softBox && (hard || mode === 'deterministic')) {
        soft.fill(0, r * a, (r + 1) * a);
        soft[r * a + best] = 1;
      } else {
        // softmax((logits + g)/T); the deterministic action of a soft Box agent is softmax(logits/T)
        let sum = 0;
        const top = z[best] as number;
        for (let j = 0; j < a; j++) {
          const e = Math.exp(((z[j] as number) - top) / t);
          soft[r * a + j] = e;
          sum += e;
        }
        for (let j = 0; j < a; j++) soft[r * a + j] = (soft[r * a + j] as number) / sum;
      }
    }
    if (s.softBox) (env as Float32Array).set(soft as Float32Array);
  }

  protected predictAgents(rows: Record<string, Float32Array>, deterministic: boolean): AgentActions {
    const s0 = this.specs[0] as AgentSpec;
    const b = (rows[s0.name] as Float32Array).length / s0.compactDim;
    const pre = this.actorOutputs(rows, b);
    const out: AgentActions = {};
    for (const s of this.specs) {
      const env = s.discrete && !s.softBox ? new Int32Array(b) : new Float32Array(b * s.actDim);
      this.actionsFrom(s, pre[s.index] as Float32Array, b, deterministic ? 'deterministic' : 'sample', undefined, env);
      out[s.name] = env;
    }
    return out;
  }

  // ------------------------------------------------------------------ the loop

  protected async trainLoop(totalTimesteps: number, callback: BaseCallback): Promise<void> {
    const hp = this.hyperparameters;
    const env = this.env;
    const n = env.numEnvs;
    if (!this.lastObs) {
      const room = 0x100000000 - n;
      const obs = env.reset(this.seed < room ? this.seed : this.seed % room);
      this.lastObs = Object.fromEntries(this.agents.map((a) => [a, Float32Array.from(obs[a] as Float32Array)]));
      for (const s of this.specs) s.noise?.reset();
    }
    const lastObs = this.lastObs;
    const bufActs = this.specs.map((s) => new Float32Array(n * s.actDim));
    const envActs = this.specs.map((s) => (s.discrete && !s.softBox ? new Int32Array(n) : new Float32Array(n * s.actDim)));
    const nextObs = this.specs.map((s) => new Float32Array(n * s.compactDim));
    const clipped = new Float32Array(n);
    const clip = hp.rewardClip;
    let episodesThisLearn = 0;
    let lastYield = performance.now();
    while (this.numTimesteps < totalTimesteps) {
      await callback.rolloutStart(this.callbackContext());
      do {
        // ---- act
        if (this.numTimesteps < hp.learningStarts) {
          for (const s of this.specs)
            this.randomActions(s, n, bufActs[s.index] as Float32Array, envActs[s.index] as Int32Array | Float32Array);
        } else {
          const pre = this.actorOutputs(lastObs, n);
          for (const s of this.specs) {
            this.actionsFrom(
              s,
              pre[s.index] as Float32Array,
              n,
              'explore',
              bufActs[s.index],
              envActs[s.index] as Int32Array | Float32Array,
            );
          }
        }
        const step: Record<string, Int32Array | Float32Array> = {};
        for (const s of this.specs) step[s.name] = envActs[s.index] as Int32Array | Float32Array;
        const res = env.step(step);
        this.numTimesteps += n;
        this.pendingSteps += n;
        // ---- store (the real final observation of finished envs, rewards clipped)
        for (const s of this.specs) {
          const a = s.name;
          const d = s.compactDim;
          const next = nextObs[s.index] as Float32Array;
          next.set(res.obs[a] as Float32Array);
          for (let i = 0; i < n; i++) if (res.dones[i]) next.set((res.finalObs[a] as Float32Array).subarray(i * d, (i + 1) * d), i * d);
          let rew = res.rewards[a] as Float32Array;
          if (clip !== null) {
            for (let i = 0; i < n; i++) clipped[i] = Math.min(clip, Math.max(-clip, rew[i] as number));
            rew = clipped;
          }
          this.replayBuffer.add(
            a,
            lastObs[a] as Float32Array,
            bufActs[s.index] as Float32Array,
            rew,
            next,
            res.terminated[a] as Uint8Array,
            res.truncated[a] as Uint8Array,
          );
          (lastObs[a] as Float32Array).set(res.obs[a] as Float32Array);
        }
        // ---- episodes
        let logNow = false;
        for (let i = 0; i < n; i++) {
          if (!res.dones[i]) continue;
          const ep = res.infos[i]?.episode as { r: number; l: number; agents?: Record<string, number> } | undefined;
          if (ep) {
            this.recordEpisode(ep.r, ep.l);
            for (const a of this.agents) {
              const w = this.agentReturns[a] as number[];
              w.push(ep.agents?.[a] ?? 0);
              if (w.length > EPISODE_WINDOW) w.shift();
            }
          }
          for (const s of this.specs) s.noise?.reset(i);
          episodesThisLearn++;
          if (this.shouldLog(episodesThisLearn)) logNow = true;
        }
        if (logNow) this.logTrainingStats(this.trainScalars());
        this.updateProgressRemaining();
        if (!(await callback.step(this.callbackContext({ infos: res.infos, rewards: res.rewards })))) {
          await callback.rolloutEnd(this.callbackContext());
          return;
        }
        if (performance.now() - lastYield > 100) {
          await yieldToEventLoop();
          lastYield = performance.now();
        }
      } while (this.pendingSteps < hp.trainFreq && this.numTimesteps < totalTimesteps);
      await callback.rolloutEnd(this.callbackContext());
      // ---- train: one phase per trainFreq env steps
      const phases = Math.floor(this.pendingSteps / hp.trainFreq);
      this.pendingSteps -= phases * hp.trainFreq;
      if (phases > 0 && this.numTimesteps >= hp.learningStarts && this.replayBuffer.size > 0) this.train(phases * hp.gradientSteps);
    }
  }

  /**
   * Random actions (the warm-up): Box uniform in [-1, 1], Discrete uniform (one-hot in the buffer),
   * soft Box agents a Gumbel-softmax sample of zero logits.
   */
  private randomActions(s: AgentSpec, n: number, buffer: Float32Array, env: Int32Array | Float32Array): void {
    if (s.softBox) {
      // zero logits, allocated once per width (the warm-up runs every env step)
      if (this.zeroLogits?.length !== n * s.actDim) this.zeroLogits = new Float32Array(n * s.actDim);
      this.actionsFrom(s, this.zeroLogits, n, 'explore', buffer, env);
      return;
    }
    if (!s.discrete) {
      for (let i = 0; i < buffer.length; i++) buffer[i] = this.rng.uniform(-1, 1);
      unscaleActions(buffer, s.low as Float32Array, s.high as Float32Array, env as Float32Array);
      return;
    }
    buffer.fill(0);
    for (let r = 0; r < n; r++) {
      const k = this.rng.integers(0, s.actDim);
      buffer[r * s.actDim + k] = 1;
      env[r] = k + s.actionStart;
    }
  }

  // ------------------------------------------------------------------ training

  /** `gradientSteps` gradient steps on fresh joint minibatches; reads their statistics once. */
  train(gradientSteps: number): void {
    const hp = this.hyperparameters;
    const lrA = this.scheduleValue('actorLearningRate');
    const lrC = this.scheduleValue('criticLearningRate');
    for (const g of this.groups) {
      g.actorOptimizer.lr = lrA;
      g.criticOptimizer.lr = lrC;
    }
    let sum: tf.Tensor1D | undefined;
    for (let k = 0; k < gradientSteps; k++) {
      const host = this.replayBuffer.sample(hp.batchSize, this.rng);
      const batch = this.batchTensors(host);
      let stats: tf.Tensor1D;
      try {
        stats = this.gradientStep(batch);
      } finally {
        this.disposeBatch(batch);
      }
      this.numUpdates++;
      const prev = sum;
      sum = prev ? (tf.add(prev, stats) as tf.Tensor1D) : stats;
      if (prev) tf.dispose([prev, stats]);
    }
    if (!sum) return;
    const v = sum.dataSync();
    sum.dispose();
    const means: Record<string, number> = {};
    this.specs.forEach((s, i) => {
      STAT_NAMES.forEach((stat, j) => {
        means[`${s.name}/${stat}`] = (v[i * STAT_NAMES.length + j] as number) / gradientSteps;
      });
    });
    this.lastTrainStats = means;
    this.assertFinite(means);
    for (let i = 0; i < this.logSums.length; i++) this.logSums[i] = (this.logSums[i] as number) + (v[i] as number);
    this.logCount += gradientSteps;
  }

  private batchTensors(host: Record<string, ReplayBatch>): JointBatch {
    const specs = this.specs;
    const b = (host[(specs[0] as AgentSpec).name] as ReplayBatch).batchSize;
    const obsRows: Float32Array[] = [];
    const nextRows: Float32Array[] = [];
    const actRows: Float32Array[] = [];
    const out: JointBatch = { obs: [], nextObs: [], rewards: [], bootstrapCoef: [], criticX: [], nextJointObs: [], actorX: [] };
    for (const s of specs) {
      const h = host[s.name] as ReplayBatch;
      const enc = this.obsEncoders[s.name] as { encode(r: Float32Array): Float32Array };
      const o = enc.encode(h.obs);
      const o2 = enc.encode(h.nextObs);
      obsRows.push(o);
      nextRows.push(o2);
      actRows.push(h.actions as Float32Array);
      out.obs.push(tf.tensor2d(o, [b, s.inputDim]));
      out.nextObs.push(tf.tensor2d(o2, [b, s.inputDim]));
      out.rewards.push(tf.tensor1d(h.rewards));
      out.bootstrapCoef.push(tf.tensor1d(bootstrapCoefficients(h.discounts, h.terminated)));
    }
    const obsDims = specs.map((s) => s.inputDim);
    const actDims = specs.map((s) => s.actDim);
    // Groups with the same layout (every centralised critic without sharing) share one tensor.
    const byKey = new Map<string, [tf.Tensor2D, tf.Tensor2D]>();
    for (const g of this.groups) {
      const orders = g.members.map((i) => this.criticInputOrder(i));
      const key = orders.map((o) => o.join(',')).join('|');
      let shared = byKey.get(key);
      if (!shared) {
        const m = g.members.length;
        const w = criticInputWidth(orders[0] as number[], obsDims, actDims);
        const wo = (orders[0] as number[]).reduce((acc, k) => acc + (obsDims[k] as number), 0);
        const x = new Float32Array(m * b * w);
        const xo = new Float32Array(m * b * wo);
        orders.forEach((order, k) => {
          criticInputRows({ obs: obsRows, obsDims, actions: actRows, actDims, order, batchSize: b }, x, k * b);
          jointObservationRows(nextRows, obsDims, order, b, xo, k * b);
        });
        shared = [tf.tensor2d(x, [m * b, w]), tf.tensor2d(xo, [m * b, wo])];
        byKey.set(key, shared);
      }
      out.criticX.push(shared[0]);
      out.nextJointObs.push(shared[1]);
      const m = g.members.length;
      const w = criticInputWidth(orders[0] as number[], obsDims, actDims);
      const xa = new Float32Array(m * b * w);
      g.members.forEach((i, k) => {
        criticInputRows(
          { obs: obsRows, obsDims, actions: actRows, actDims, order: orders[k] as number[], batchSize: b, zeroAction: i },
          xa,
          k * b,
        );
      });
      out.actorX.push(tf.tensor2d(xa, [m * b, w]));
    }
    return out;
  }

  private disposeBatch(batch: JointBatch): void {
    const all = new Set<tf.Tensor>([
      ...batch.obs,
      ...batch.nextObs,
      ...batch.rewards,
      ...batch.bootstrapCoef,
      ...batch.criticX,
      ...batch.nextJointObs,
      ...batch.actorX,
    ]);
    tf.dispose([...all]);
  }

  /** The target policy's action of agent `s` (Box: tanh, smoothed for MATD3; Discrete: a Gumbel-softmax sample). */
  private targetAction(s: AgentSpec, nextObs: tf.Tensor2D): tf.Tensor2D {
    const hp = this.hyperparameters;
    const g = this.groups[s.group] as AgentGroup;
    const act = hp.activation as Activation;
    const seed = s.discrete || this.smoothing ? this.rng.tfSeed() : 0;
    return tf.tidy(() => {
      const pre = forwardNoGrad(g.actorTarget, nextObs, act);
      if (s.discrete) {
        const u = tf.randomUniform(pre.shape, 0, 1, 'float32', seed) as tf.Tensor2D;
        return gumbelSoftmax(pre, u, { temperature: hp.gumbelTemperature, hard: hp.gumbelHard && !s.softBox });
      }
      const a = tf.tanh(pre) as tf.Tensor2D;
      if (!this.smoothing) return a;
      const noise = tf.randomNormal(a.shape, 0, this.smoothing.sigma, 'float32', seed) as tf.Tensor2D;
      return smoothTargetAction(a, noise, this.smoothing.clip);
    });
  }

  /**
   * TD targets y = r + γ(1 − terminated)·min_k Q'_k(x'), x' the critic input of the next
   * observations and every agent's target-policy action: one [M·B] tensor per group (its members'
   * rows stacked, in member order).
   */
  private computeTargets(batch: JointBatch): tf.Tensor1D[] {
    const act = this.hyperparameters.activation as Activation;
    const nextActs = this.specs.map((s) => this.targetAction(s, batch.nextObs[s.index] as tf.Tensor2D));
    const targets = tf.tidy(() =>
      this.groups.map((g, gi) => {
        const acts = concatRows(
          g.members.map((i) => {
            const order = this.criticInputOrder(i);
            return order.length === 1
              ? (nextActs[order[0] as number] as tf.Tensor2D)
              : (tf.concat(
                  order.map((k) => nextActs[k] as tf.Tensor2D),
                  1,
                ) as tf.Tensor2D);
          }),
        );
        const x = tf.concat([batch.nextJointObs[gi] as tf.Tensor2D, acts], 1) as tf.Tensor2D;
        const nextQs = g.criticTargets.map((c) => tf.reshape(forwardNoGrad(c, x, act), [-1]) as tf.Tensor1D);
        return maddpgCriticTarget(
          concatRows(g.members.map((i) => batch.rewards[i] as tf.Tensor1D)),
          concatRows(g.members.map((i) => batch.bootstrapCoef[i] as tf.Tensor1D)),
          nextQs,
        );
      }),
    );
    tf.dispose(nextActs);
    return targets;
  }

  /**
   * The TD targets the critics would be trained towards on these sampled rows (from
   * `replayBuffer.sample`), per agent in agent order. For tests and diagnostics.
   */
  tdTargets(host: Record<string, ReplayBatch>): Float32Array[] {
    const batch = this.batchTensors(host);
    try {
      const targets = this.computeTargets(batch);
      const out: Float32Array[] = new Array(this.specs.length);
      const b = (host[this.agents[0] as string] as ReplayBatch).batchSize;
      this.groups.forEach((g, gi) => {
        const y = (targets[gi] as tf.Tensor1D).dataSync() as Float32Array;
        g.members.forEach((i, k) => {
          out[i] = y.slice(k * b, (k + 1) * b);
        });
      });
      tf.dispose(targets);
      return out;
    } finally {
      this.disposeBatch(batch);
    }
  }

  /**
   * One update of every critic and (every `policyDelay` updates) every actor and the targets.
   * Returns [critic_loss, actor_loss, q_value] per agent, in agent order ([3N]).
   */
  private gradientStep(batch: JointBatch): tf.Tensor1D {
    const hp = this.hyperparameters;
    const act = hp.activation as Activation;
    const groups = this.groups;
    const specs = this.specs;
    const nAgents = specs.length;
    const obsDims = specs.map((s) => s.inputDim);
    const actDims = specs.map((s) => s.actDim);
    const targets = this.computeTargets(batch);
    // ---- critics: one tape for every critic (they share no parameters)
    const keptQs: tf.Tensor1D[][] = [];
    const keptLoss: tf.Scalar[] = [];
    const criticVars = groups.flatMap((g) => g.critics.flatMap((c) => c.trainableVariables));
    const critic = tf.variableGrads(() => {
      const losses = groups.map((g, gi) => {
        const qs = g.critics.map((c) => tf.reshape(forwardTrainable(c, batch.criticX[gi] as tf.Tensor2D, act), [-1]) as tf.Tensor1D);
        keptQs[gi] = qs.map((q) => tf.keep(q));
        const loss = maddpgCriticLoss(qs, targets[gi] as tf.Tensor1D);
        keptLoss[gi] = tf.keep(loss);
        return loss;
      });
      return (losses.length === 1 ? losses[0] : tf.addN(losses)) as tf.Scalar;
    }, criticVars);
    for (const g of groups) {
      const vars = g.critics.flatMap((c) => c.trainableVariables);
      g.criticOptimizer.step(vars.map((v) => critic.grads[v.name] as tf.Tensor));
    }
    tf.dispose([critic.value, ...Object.values(critic.grads)]);
    // Per agent (group-member order): Σ_k mean over its rows of (Q_k − y)², and mean Q_1 (a group of
    // one agent has its loss already; a shared group is split by member).
    const criticStats = tf.tidy(() => {
      const cl: tf.Tensor[] = [];
      const qm: tf.Tensor[] = [];
      groups.forEach((g, gi) => {
        const m = g.members.length;
        const qs = keptQs[gi] as tf.Tensor1D[];
        if (m === 1) {
          cl.push(keptLoss[gi] as tf.Scalar);
          qm.push(tf.mean(qs[0] as tf.Tensor1D));
          return;
        }
        const y = targets[gi] as tf.Tensor1D;
        const sq = qs.map((q) => tf.squaredDifference(q, y));
        cl.push(tf.mean(tf.reshape(sq.length === 1 ? (sq[0] as tf.Tensor) : tf.addN(sq), [m, -1]), 1));
        qm.push(tf.mean(tf.reshape(qs[0] as tf.Tensor1D, [m, -1]), 1));
      });
      return [stackStats(cl), stackStats(qm)];
    });
    tf.dispose([...keptQs.flat(), ...keptLoss, ...targets]);
    // ---- actors (every policyDelay updates): one tape for every actor
    if ((this.numUpdates + 1) % this.policyDelay === 0) {
      const reg = hp.actorRegularization;
      const actorObs = groups.map((g) => concatRows(g.members.map((i) => batch.obs[i] as tf.Tensor2D)));
      const uniforms = groups.map((g, gi) => {
        const s = specs[g.members[0] as number] as AgentSpec;
        const rows = (actorObs[gi] as tf.Tensor2D).shape[0];
        return s.discrete ? (tf.randomUniform([rows, s.actDim], 0, 1, 'float32', this.rng.tfSeed()) as tf.Tensor2D) : undefined;
      });
      const keptQ: tf.Tensor1D[] = [];
      const keptPre: tf.Tensor2D[] = [];
      const keptLossA: tf.Scalar[] = [];
      const actorVars = groups.flatMap((g) => g.actor.trainableVariables);
      const actor = tf.variableGrads(() => {
        const losses = groups.map((g, gi) => {
          const s = specs[g.members[0] as number] as AgentSpec;
          const xData = batch.actorX[gi] as tf.Tensor2D;
          const pre = forwardTrainable(g.actor, actorObs[gi] as tf.Tensor2D, act);
          const own = s.discrete
            ? gumbelSoftmax(pre, uniforms[gi] as tf.Tensor2D, { temperature: hp.gumbelTemperature, hard: hp.gumbelHard && !s.softBox })
            : (tf.tanh(pre) as tf.Tensor2D);
          // The members' own actions go into their slots of the critic input (the data there is 0).
          const offsets = g.members.map((i) => criticActionOffset(this.criticInputOrder(i), i, obsDims, actDims));
          const q = tf.reshape(criticQWithOwnAction(g.critics[0] as Mlp, xData, own, offsets, act), [-1]) as tf.Tensor1D;
          const loss = maddpgActorLoss(q, pre, reg);
          if (g.members.length === 1) keptLossA[gi] = tf.keep(loss);
          else {
            keptQ[gi] = tf.keep(q);
            keptPre[gi] = tf.keep(pre);
          }
          return loss;
        });
        return (losses.length === 1 ? losses[0] : tf.addN(losses)) as tf.Scalar;
      }, actorVars);
      for (const g of groups) g.actorOptimizer.step(g.actor.trainableVariables.map((v) => actor.grads[v.name] as tf.Tensor));
      const actorLoss = tf.tidy(() =>
        stackStats(
          groups.map((g, gi) => {
            const m = g.members.length;
            if (m === 1) return keptLossA[gi] as tf.Scalar;
            const pg = tf.neg(tf.mean(tf.reshape(keptQ[gi] as tf.Tensor1D, [m, -1]), 1));
            return reg > 0 ? tf.add(pg, tf.mul(reg, tf.mean(tf.reshape(tf.square(keptPre[gi] as tf.Tensor2D), [m, -1]), 1))) : pg;
          }),
        ),
      );
      tf.dispose([
        actor.value,
        ...Object.values(actor.grads),
        ...keptQ.filter(Boolean),
        ...keptPre.filter(Boolean),
        ...keptLossA.filter(Boolean),
      ]);
      tf.dispose(actorObs.filter((_t, gi) => (groups[gi] as AgentGroup).members.length > 1)); // stacked copies only
      for (const u of uniforms) u?.dispose();
      this.lastActorLoss.dispose();
      this.lastActorLoss = actorLoss as tf.Tensor1D;
      const actorUpdate = (this.numUpdates + 1) / this.policyDelay;
      if (actorUpdate % hp.targetUpdateInterval === 0) this.updateTargets();
    }
    const [cl, qm] = criticStats as [tf.Tensor1D, tf.Tensor1D];
    const stats = tf.tidy(() => {
      const rows = tf.stack([cl, this.lastActorLoss, qm], 1);
      const perAgent = this.statOrderIsIdentity ? rows : tf.gather(rows, tf.tensor1d(this.statOrder, 'int32'));
      return tf.reshape(perAgent, [nAgents * STAT_NAMES.length]) as tf.Tensor1D;
    });
    tf.dispose([cl, qm]);
    return stats;
  }

  /** target ← target + τ (online − target) for every actor and critic. */
  private updateTargets(): void {
    const tau = this.hyperparameters.tau;
    for (const g of this.groups) {
      polyakUpdate(g.actorTarget.trainableVariables, g.actor.trainableVariables, tau);
      polyakUpdate(
        g.criticTargets.flatMap((c) => c.trainableVariables),
        g.critics.flatMap((c) => c.trainableVariables),
        tau,
      );
    }
  }

  // ------------------------------------------------------------------ logging

  /** Mean return of each agent over its last 100 episodes (undefined before the first episode). */
  agentEpisodeReturns(): Record<string, number> | undefined {
    const w0 = this.agentReturns[this.agents[0] as string] as number[];
    if (w0.length === 0) return undefined;
    const out: Record<string, number> = {};
    for (const a of this.agents) {
      const w = this.agentReturns[a] as number[];
      out[a] = w.reduce((x, y) => x + y, 0) / w.length;
    }
    return out;
  }

  private trainScalars(): Record<string, number> {
    const out: Record<string, number> = {};
    const returns = this.agentEpisodeReturns();
    if (returns) for (const [a, r] of Object.entries(returns)) out[`${a}/episode_return`] = r;
    if (this.logCount > 0) {
      const totals = [0, 0, 0];
      this.specs.forEach((s, i) => {
        STAT_NAMES.forEach((stat, j) => {
          const v = (this.logSums[i * STAT_NAMES.length + j] as number) / this.logCount;
          out[`${s.name}/${stat}`] = v;
          totals[j] = (totals[j] as number) + v;
        });
      });
      STAT_NAMES.forEach((stat, j) => {
        out[`train/${stat}`] = totals[j] as number;
      });
      this.logSums.fill(0);
      this.logCount = 0;
    }
    const g0 = this.groups[0] as AgentGroup;
    out['train/actor_learning_rate'] = g0.actorOptimizer.lr;
    out['train/critic_learning_rate'] = g0.criticOptimizer.lr;
    out['train/n_updates'] = this.numUpdates;
    return out;
  }

  /** The exploration noise processes of Box agents (OU state is per env). */
  get actionNoises(): Record<string, ActionNoise | undefined> {
    return Object.fromEntries(this.specs.map((s) => [s.name, s.noise]));
  }
}

/** MADDPG: decentralised actors, centralised critics Q_i(o_1..o_N, a_1..a_N). */
export class MADDPG extends MultiAgentActorCritic {
  static override readonly algorithmName = 'MADDPG';
  static override readonly hyperparameterSchema = maddpgHyperparameters;
  constructor(options: MADDPGOptions) {
    super(options as unknown as MultiAgentOptions, { centralised: true, twin: false });
  }
}

/** Independent DDPG (the MADDPG paper's baseline): each critic sees only its own observation and action. */
export class IDDPG extends MultiAgentActorCritic {
  static override readonly algorithmName = 'IDDPG';
  static override readonly hyperparameterSchema = iddpgHyperparameters;
  constructor(options: IDDPGOptions) {
    super(options as unknown as MultiAgentOptions, { centralised: false, twin: false });
  }
}

/** MATD3: MADDPG with twin centralised critics (clipped double-Q), target policy smoothing and delayed actor updates. */
export class MATD3 extends MultiAgentActorCritic {
  static override readonly algorithmName = 'MATD3';
  static override readonly hyperparameterSchema = matd3Hyperparameters;
  constructor(options: MATD3Options) {
    super(options as unknown as MultiAgentOptions, { centralised: true, twin: true });
  }
}
