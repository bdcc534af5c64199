import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { BaseEnv, Box, Discrete, getAlgorithm, unregisterAlgorithm } from '@tfrl/core';
import { expectNoTensorLeak, useBackend } from '@tfrl/core/testing';
import { make, makeVec } from '@tfrl/envs';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerValueBasedAlgorithms } from '../index';
import { DQN, Rainbow } from './dqn';

beforeAll(async () => {
  await useBackend('wasm');
});

/** A tiny image task: an 6×6×1 uint8 frame with a bright pixel left or right; the matching action pays 1. */
class PixelSideEnv extends BaseEnv<Uint8Array, number> {
  readonly observationSpace = new Box({ low: 0, high: 255, shape: [6, 6, 1], dtype: 'uint8' });
  readonly actionSpace = new Discrete(2);
  private side = 0;
  private frame(): Uint8Array {
    const f = new Uint8Array(36);
    f[this.side === 0 ? 14 : 15 + 2] = 255;
    return f;
  }
  protected _reset() {
    this.side = this.rng.integers(0, 2);
    return { obs: this.frame(), info: {} };
  }
  protected _step(action: number) {
    const reward = action === this.side ? 1 : 0;
    this.side = this.rng.integers(0, 2);
    return { obs: this.frame(), reward, terminated: false, truncated: false, info: {} };
  }
  render() {
    return { width: 1, height: 1, data: new Uint8Array(3) };
  }
}

const FAST = {
  learningStarts: 32,
  batchSize: 16,
  bufferSize: 1000,
  trainFreq: 4,
  gradientSteps: 2,
  netArch: [16, 16],
  targetUpdateInterval: 20,
};

describe('DQN hyperparameters and spaces', () => {
  it('rejects unknown / out-of-range fields and unsupported spaces by name', () => {
    const env = makeVec('CartPole-v1', 1, { seed: 0 });
    expect(() => new DQN({ env, nSteps: 3 } as never)).toThrow(/nSteps/);
    expect(() => new DQN({ env, gradientSteps: -2 })).toThrow(/gradientSteps/);
    expect(() => new DQN({ env, tau: 1.5 })).toThrow(/tau/);
    expect(() => new DQN({ env, distributional: true, vMin: 5, vMax: 1 })).toThrow(/vMax/);
    expect(() => new DQN({ env: make('Pendulum-v1') })).toThrow(/Discrete/);
    // snake_case (RL-Zoo YAML) is accepted
    const a = new DQN({ env, net_arch: [8], train_freq: 3, seed: 0 } as never);
    expect(a.hyperparameters.netArch).toEqual([8]);
    expect(a.hyperparameters.trainFreq).toBe(3);
    a.dispose();
    const r = new Rainbow({ env, seed: 0 });
    const h = r.hyperparameters;
    expect([h.double, h.dueling, h.prioritized, h.noisy, h.distributional, h.nStep, h.nAtoms]).toEqual([
      true,
      true,
      true,
      true,
      true,
      3,
      51,
    ]);
    expect(r.explorationRate).toBe(0);
    r.dispose();
  });

  it('registers dqn and rainbow', () => {
    registerValueBasedAlgorithms();
    expect(getAlgorithm('dqn').ctor).toBe(DQN);
    expect(getAlgorithm('rainbow').ctor).toBe(Rainbow);
    unregisterAlgorithm('dqn');
    unregisterAlgorithm('rainbow');
  });
});

describe('DQN training schedule (SB3 semantics)', () => {
  it('VecEnv: trainFreq counts vector steps, gradientSteps −1 = transitions collected, target every interval env steps', async () => {
    const env = makeVec('CartPole-v1', 4, { seed: 1 });
    const agent = new DQN({ env, seed: 1, ...FAST, learningStarts: 0, trainFreq: 2, gradientSteps: -1, targetUpdateInterval: 8 });
    const v0 = agent.qNetTarget.version;
    await agent.learn({ totalTimesteps: 64 });
    expect(agent.numTimesteps).toBe(64);
    // 8 phases of 2 vector steps × 4 envs = 8 gradient steps each
    expect(agent.numUpdates).toBe(64);
    // every 8 / 4 = 2 vector steps: 16 vector steps → 8 target updates
    expect(agent.qNetTarget.version - v0).toBe(8);
    expect(agent.buffer.size).toBe(64);
    agent.dispose();
  });

  it('ε decays linearly over explorationFraction; random actions before learningStarts', async () => {
    const agent = new DQN({
      env: make('CartPole-v1'),
      seed: 2,
      ...FAST,
      learningStarts: 100,
      explorationFraction: 0.5,
      explorationFinalEps: 0.1,
    });
    expect(agent.explorationRate).toBe(1);
    await agent.learn({ totalTimesteps: 200 });
    expect(agent.explorationRate).toBeCloseTo(0.1, 9);
    expect(agent.numUpdates).toBe(2 * 25); // phases after step 100 (steps 104..200): 25 × 2
    agent.dispose();
  });
});

describe('DQN leaks, checkpoints, image observations', () => {
  it('does not leak tensors: plain (precomputed targets), double, C51, Rainbow', async () => {
    for (const extra of [{}, { double: true, dueling: true }, { distributional: true, nStep: 2 }]) {
      const agent = new DQN({ env: makeVec('CartPole-v1', 2, { seed: 0 }), seed: 0, ...FAST, ...extra });
      await expectNoTensorLeak(async () => {
        await agent.learn({ totalTimesteps: 48, resetNumTimesteps: false });
        agent.predict(new Float32Array(8));
        agent.predict(new Float32Array(4), { deterministic: true });
      });
      agent.dispose();
    }
    const rb = new Rainbow({ env: makeVec('CartPole-v1', 2, { seed: 0 }), seed: 0, ...FAST, vMin: 0, vMax: 100 });
    await expectNoTensorLeak(async () => {
      await rb.learn({ totalTimesteps: 48, resetNumTimesteps: false });
      rb.predict(new Float32Array(8));
    });
    rb.dispose();
  });

  it('save → load restores online and target nets, optimizer, ε, counters and RNG', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tfrl-dqn-'));
    for (const Cls of [DQN, Rainbow]) {
      const a = new Cls({ env: makeVec('CartPole-v1', 1, { seed: 3 }), seed: 3, ...FAST, targetUpdateInterval: 1000 });
      await a.learn({ totalTimesteps: 120 });
      await a.save(dir);
      const b = await (Cls as typeof DQN).load(dir, { env: makeVec('CartPole-v1', 1, { seed: 3 }) });
      expect(b).toBeInstanceOf(Cls);
      for (const [na, nb] of [
        [a.qNet, b.qNet],
        [a.qNetTarget, b.qNetTarget],
      ] as const) {
        const wa = na.getWeights();
        const wb = nb.getWeights();
        for (const k of Object.keys(wa))
          expect(Array.from((wb[k] as tf.Tensor).dataSync())).toEqual(Array.from((wa[k] as tf.Tensor).dataSync()));
        tf.dispose([...Object.values(wa), ...Object.values(wb)]);
      }
      // target ≠ online here (no target update since the start), so both really were saved
      const q0 = a.qNet.getWeights();
      const t0 = a.qNetTarget.getWeights();
      const firstKey = Object.keys(q0)[0] as string;
      expect(Array.from((q0[firstKey] as tf.Tensor).dataSync())).not.toEqual(
        Array.from((t0[`q_target${firstKey.slice(1)}`] as tf.Tensor).dataSync()),
      );
      tf.dispose([...Object.values(q0), ...Object.values(t0)]);
      const sa = a.optimizer.getState();
      const sb = b.optimizer.getState();
      expect(sb.step).toBe(sa.step);
      expect(sb.step).toBeGreaterThan(0);
      expect(Array.from(sb.m)).toEqual(Array.from(sa.m));
      expect(Array.from(sb.v)).toEqual(Array.from(sa.v));
      expect(b.explorationRate).toBe(a.explorationRate);
      expect(b.numTimesteps).toBe(120);
      expect(b.numUpdates).toBe(a.numUpdates);
      expect(b.progressRemaining).toBe(a.progressRemaining);
      expect(b.rng.getState()).toEqual(a.rng.getState());
      const probe = new Float32Array([0.01, -0.02, 0.03, 0.04, 0.1, 0.2, -0.1, 0.0]);
      expect(Array.from(b.predict(probe, { deterministic: true }))).toEqual(Array.from(a.predict(probe, { deterministic: true })));
      expect(Array.from(b.qValues(probe))).toEqual(Array.from(a.qValues(probe)));
      a.dispose();
      b.dispose();
    }
  });

  it('image observations go through the Cnn torso (uint8 scaled by 1/255) and learn', async () => {
    const agent = new DQN({
      env: () => new PixelSideEnv(),
      seed: 4,
      learningStarts: 64,
      batchSize: 32,
      trainFreq: 1,
      gradientSteps: 1,
      targetUpdateInterval: 50,
      learningRate: 3e-3,
      explorationFraction: 0.3,
      netArch: [32],
      cnn: { convs: [{ filters: 4, kernelSize: 3, stride: 1 }] },
      gamma: 0,
    });
    expect(agent.qNet.cnn).toBeDefined();
    await agent.learn({ totalTimesteps: 600 });
    let correct = 0;
    for (let i = 0; i < 40; i++) {
      const side = i % 2;
      const f = new Float32Array(36);
      f[side === 0 ? 14 : 17] = 255;
      // An agent made on a single Env returns that env's action (a number) for one observation.
      if (agent.predict(f, { deterministic: true }) === side) correct++;
    }
    expect(correct).toBe(40);
    await expectNoTensorLeak(() => agent.learn({ totalTimesteps: 8, resetNumTimesteps: false }).then(() => undefined));
    agent.dispose();
  }, 120_000);
});
