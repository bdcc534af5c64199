"""One timed Stable-Baselines3 training run with the RL-Zoo hyperparameters tfrl's CLI uses, as one
JSON line: the reference half of bench/paired-train.mjs. A reference, never a dependency: it needs
torch (Debian's python3-torch) and the sources of stable-baselines3 2.2.1 and gymnasium 0.29.1 on
PYTHONPATH (e.g. exported from their git repositories).

    PYTHONPATH=/path/to/sb3:/path/to/gymnasium python3 bench/sb3_train.py ppo CartPole-v1 [seed]
"""
import json
import resource
import sys
import time

import gymnasium as gym
import torch
from stable_baselines3 import DQN, PPO, SAC
from stable_baselines3.common.env_util import make_vec_env
from stable_baselines3.common.evaluation import evaluate_policy


def lin(start):
    return lambda progress_remaining: progress_remaining * start


CONFIGS = {
    ("ppo", "CartPole-v1"): dict(
        cls=PPO,
        n_envs=8,
        steps=100_000,
        kwargs=dict(n_steps=32, batch_size=256, gae_lambda=0.8, gamma=0.98, n_epochs=20, ent_coef=0.0, learning_rate=lin(0.001), clip_range=lin(0.2)),
    ),
    ("dqn", "CartPole-v1"): dict(
        cls=DQN,
        n_envs=1,
        steps=50_000,
        kwargs=dict(
            learning_rate=2.3e-3,
            batch_size=64,
            buffer_size=100_000,
            learning_starts=1000,
            gamma=0.99,
            target_update_interval=10,
            train_freq=256,
            gradient_steps=128,
            exploration_fraction=0.16,
            exploration_final_eps=0.04,
            policy_kwargs=dict(net_arch=[256, 256]),
        ),
    ),
    ("sac", "Pendulum-v1"): dict(cls=SAC, n_envs=1, steps=20_000, kwargs=dict(learning_rate=1e-3)),
}


def main():
    algo, env_id = sys.argv[1], sys.argv[2]
    seed = int(sys.argv[3]) if len(sys.argv) > 3 else 0
    steps = int(sys.argv[4]) if len(sys.argv) > 4 else None
    c = CONFIGS[(algo, env_id)]
    env = make_vec_env(env_id, n_envs=c["n_envs"], seed=seed)
    model = c["cls"]("MlpPolicy", env, seed=seed, device="cpu", **c["kwargs"])
    total = steps or c["steps"]
    r0 = resource.getrusage(resource.RUSAGE_SELF)
    t0 = time.perf_counter()
    model.learn(total_timesteps=total)
    seconds = time.perf_counter() - t0
    r1 = resource.getrusage(resource.RUSAGE_SELF)
    mean, std = evaluate_policy(model, gym.make(env_id), n_eval_episodes=10, deterministic=True)
    print(
        json.dumps(
            dict(
                impl="sb3",
                algo=algo.upper(),
                env=env_id,
                seed=seed,
                torchThreads=torch.get_num_threads(),
                steps=model.num_timesteps,
                seconds=round(seconds, 2),
                stepsPerSec=round(model.num_timesteps / seconds),
                cpuSeconds=round(r1.ru_utime + r1.ru_stime - r0.ru_utime - r0.ru_stime, 2),
                evalMean=round(float(mean), 1),
                evalStd=round(float(std), 1),
            )
        )
    )


if __name__ == "__main__":
    main()
