/**
 * Joint replay for multi-agent learners: one core `ReplayBuffer` (the storage) per agent, written in
 * lockstep, so row r of every agent's buffer is the same joint transition; a batch draws its rows
 * once and gathers them from every agent (a centralised critic needs all agents' observations and
 * actions of the same transitions).
 */
import { type ReplayBatch, ReplayBuffer, type Rng, type Sampler } from '@tfrl/core';

/** A sampler that hands out the rows it was given (the joint buffer draws them once for all agents). */
export class SharedIndexSampler implements Sampler {
  indices: Int32Array = new Int32Array(0);
  sampleIndices(_buffer: ReplayBuffer, batchSize: number, _rng: Rng, batch: ReplayBatch): void {
    if (this.indices.length !== batchSize) {
      throw new RangeError(`SharedIndexSampler: holds ${this.indices.length} rows, a batch of ${batchSize} was asked for`);
    }
    batch.indices.set(this.indices);
  }
}

export interface MultiAgentReplayOptions {
  capacity: number;
  numEnvs: number;
  gamma: number;
  /** Per agent (in order): compact observation length and action width (float32 actions). */
  agents: ReadonlyArray<{ name: string; obsDim: number; actionDim: number }>;
}

export class MultiAgentReplayBuffer {
  readonly buffers: Record<string, ReplayBuffer> = {};
  readonly agents: readonly string[];
  private readonly sampler = new SharedIndexSampler();

  constructor(options: MultiAgentReplayOptions) {
    this.agents = options.agents.map((a) => a.name);
    for (const a of options.agents) {
      this.buffers[a.name] = new ReplayBuffer({
        capacity: options.capacity,
        obsDim: a.obsDim,
        actionDim: a.actionDim,
        actionDtype: 'float32',
        gamma: options.gamma,
        numEnvs: options.numEnvs,
        sampler: this.sampler,
      });
    }
  }

  private first(): ReplayBuffer {
    return this.buffers[this.agents[0] as string] as ReplayBuffer;
  }

  get size(): number {
    return this.first().size;
  }

  get capacity(): number {
    return this.first().capacity;
  }

  /** One vector step of agent `agent` (`nextObs` holds the real final observation of finished envs). */
  add(
    agent: string,
    obs: Float32Array,
    actions: Float32Array,
    rewards: Float32Array,
    nextObs: Float32Array,
    terminated: Uint8Array,
    truncated: Uint8Array,
  ): void {
    const b = this.buffers[agent];
    if (!b) throw new RangeError(`MultiAgentReplayBuffer.add: unknown agent "${agent}" (agents: ${this.agents.join(', ')})`);
    b.addBatch(obs, actions, rewards, nextObs, terminated, truncated);
  }

  /**
   * `batchSize` joint transitions drawn uniformly with replacement, the same rows for every agent.
   * The batches are reused by the next call (see `ReplayBuffer.sample`).
   */
  sample(batchSize: number, rng: Rng): Record<string, ReplayBatch> {
    const n = this.size;
    if (n === 0) throw new RangeError('MultiAgentReplayBuffer.sample: the buffer is empty');
    for (const a of this.agents) {
      if ((this.buffers[a] as ReplayBuffer).size !== n) {
        throw new Error(`MultiAgentReplayBuffer.sample: agent "${a}" holds ${(this.buffers[a] as ReplayBuffer).size} rows, expected ${n}`);
      }
    }
    const idx = this.sampler.indices.length === batchSize ? this.sampler.indices : new Int32Array(batchSize);
    for (let b = 0; b < batchSize; b++) idx[b] = rng.integers(0, n);
    this.sampler.indices = idx;
    const out: Record<string, ReplayBatch> = {};
    for (const a of this.agents) out[a] = (this.buffers[a] as ReplayBuffer).sample(batchSize, rng);
    return out;
  }
}
