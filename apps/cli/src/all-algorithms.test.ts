import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { listAlgorithms } from '@tfrl/core';
import { make } from '@tfrl/envs';
import { recordDataset, writeNpz } from '@tfrl/imitation';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { evalCommand } from './commands/eval';
import { trainCommand } from './commands/train';
import { registerAll } from './index';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tfrl-cli-all-'));
const cartpoleExpert = path.join(tmp, 'cartpole-expert.npz');
const pendulumExpert = path.join(tmp, 'pendulum-expert.npz');
let log: ReturnType<typeof vi.spyOn>;
beforeAll(() => {
  registerAll();
  // Demonstrations for bc: a simple CartPole controller (push towards the pole's fall).
  const env = make('CartPole-v1');
  writeNpz(
    recordDataset((obs) => ((obs[2] as number) + 0.5 * (obs[3] as number) > 0 ? 1 : 0), env, { episodes: 3, seed: 0 }),
    cartpoleExpert,
  );
  env.close();
  // ... and a Pendulum controller for the Box-action learners.
  const pend = make('Pendulum-v1');
  writeNpz(
    recordDataset((obs) => Float32Array.of(Math.max(-2, Math.min(2, -3 * (obs[1] as number) - 0.5 * (obs[2] as number)))), pend, {
      episodes: 2,
      seed: 0,
    }),
    pendulumExpert,
  );
  pend.close();
  log = vi.spyOn(console, 'log').mockImplementation(() => {});
});
afterAll(() => {
  log.mockRestore();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const onPolicy = ['--set', 'n_steps=32', '--set', 'n_envs=1'];
const offPolicy = ['--set', 'learning_starts=50', '--set', 'buffer_size=1000', '--set', 'batch_size=32', '--set', 'net_arch=[32]'];
const multiAgent = ['--set', 'learning_starts=64', '--set', 'batch_size=32', '--set', 'buffer_size=1000', '--set', 'net_arch=[16]'];
const discrete = 'CartPole-v1';
const box = 'Pendulum-v1';
const discreteObs = 'FrozenLake-v1';
const dictObs = 'BitFlipping-v0';

/** Every algorithm `tfrl list` shows, on one env of each kind it claims (Box/Discrete actions, Discrete or Dict observations). */
const CLAIMS: Record<string, Array<[string, string[]]>> = {
  ppo: [discrete, box, discreteObs, dictObs].map((e) => [e, [...onPolicy, '--set', 'batch_size=32', '--set', 'n_epochs=1']]),
  a2c: [discrete, box, discreteObs, dictObs].map((e) => [e, ['--set', 'n_envs=1']]),
  trpo: [discrete, box, discreteObs].map((e) => [e, [...onPolicy, '--set', 'batch_size=32', '--set', 'n_critic_updates=1']]),
  reinforce: [discrete, box, discreteObs].map((e) => [e, ['--set', 'n_envs=1']]),
  ars: [discrete, box].map((e) => [e, ['--set', 'n_envs=1', '--set', 'n_delta=2']]),
  dqn: [discrete, discreteObs, dictObs].map((e) => [e, [...offPolicy, '--set', 'n_envs=1']]),
  rainbow: [discrete, discreteObs].map((e) => [e, [...offPolicy, '--set', 'n_envs=1', '--set', 'v_min=0', '--set', 'v_max=10']]),
  sac: [box].map((e) => [e, offPolicy]),
  td3: [box].map((e) => [e, offPolicy]),
  ddpg: [box].map((e) => [e, offPolicy]),
  qlearning: [discreteObs, 'CliffWalking-v0', 'Taxi-v3'].map((e) => [e, []]),
  sarsa: [discreteObs, 'CliffWalking-v0'].map((e) => [e, []]),
  'expected-sarsa': [discreteObs, 'CliffWalking-v0'].map((e) => [e, []]),
  'nstep-sarsa': [discreteObs, 'CliffWalking-v0'].map((e) => [e, []]),
  'value-iteration': [discreteObs, 'Taxi-v3', 'GridWorld-v0'].map((e) => [e, []]),
  'policy-iteration': [discreteObs, 'CliffWalking-v0'].map((e) => [e, []]),
  'linear-q': [discrete].map((e) => [e, ['--set', 'learning_starts=32']]),
  // Imitation: --steps are gradient steps on the demonstrations.
  bc: [discrete].map((e) => [e, ['--expert', cartpoleExpert]]),
  // DQfD: a few pre-training steps on the demonstrations, then --steps env steps.
  dqfd: [discrete].map((e) => [e, [...offPolicy, '--set', 'n_envs=1', '--set', 'pretrain_steps=20', '--expert', cartpoleExpert]]),
  // Adversarial imitation: PPO (A2C for gail_a2c) on the discriminator's rewards.
  ...Object.fromEntries(
    ['gail', 'vail', 'airl'].map((a) => [
      a,
      [discrete, box].map((e) => [
        e,
        [...onPolicy, '--set', 'batch_size=32', '--set', 'n_epochs=1', '--expert', e === box ? pendulumExpert : cartpoleExpert],
      ]),
    ]),
  ),
  gail_a2c: [discrete].map((e) => [e, ['--set', 'n_envs=1', '--expert', cartpoleExpert]]),
  // DAgger queries the LunarLander heuristics (Discrete and Box actions); --steps are env steps.
  dagger: ['LunarLander-v3', 'LunarLanderContinuous-v3'].map((e) => [e, ['--expert', 'heuristic', '--set', 'steps_per_round=128']]),
  // Particle worlds: continuous and discrete actions.
  ...Object.fromEntries(
    ['maddpg', 'matd3', 'iddpg'].map((a) => [
      a,
      [
        ['simple_spread_v3', [...multiAgent, '--set', 'continuous_actions=true']],
        ['simple_adversary_v3', multiAgent],
      ] as Array<[string, string[]]>,
    ]),
  ),
};

describe('every listed algorithm trains from the CLI on each kind of env it claims', () => {
  it('the table covers every registered algorithm', () => {
    expect(Object.keys(CLAIMS).sort()).toEqual(
      listAlgorithms()
        .map((a) => a.name)
        .sort(),
    );
  });

  const cases = Object.entries(CLAIMS).flatMap(([algo, envs]) => envs.map(([env, extra]) => [algo, env, extra] as const));
  it.each(cases)(
    '%s on %s',
    async (algo, env, extra) => {
      const res = await trainCommand([
        algo,
        env,
        '--steps',
        '256',
        '--backend',
        'wasm',
        '--logdir',
        tmp,
        '--quiet',
        '--eval-episodes',
        '2',
        ...extra,
      ]);
      expect(Number.isFinite(res?.meanReward)).toBe(true);
      const ev = await evalCommand([res?.runDir as string, '--episodes', '1', '--backend', 'wasm']);
      expect(Number.isFinite(ev?.meanReward)).toBe(true);
    },
    60_000,
  );
});
