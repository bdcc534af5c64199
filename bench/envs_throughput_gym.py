"""Gymnasium counterpart of bench/envs-throughput.mjs (same machine, same method).

  mkdir -p /tmp/gym && git -C /work/.mirror/Farama-Foundation+Gymnasium/repo archive HEAD gymnasium | tar x -C /tmp/gym
  PYTHONPATH=/tmp/gym python3 bench/envs_throughput_gym.py [--seconds 0.4] [--reps 3]

Single env: gym.make(id) (with its default wrappers: TimeLimit, OrderEnforcing, PassiveEnvChecker),
pre-sampled random actions, reset on termination/truncation. Vectorised: Gymnasium's NumPy-batched
CartPoleVectorEnv (gym.make_vec('CartPole-v1', num_envs=N, vectorization_mode='vector_entry_point'),
same-step autoreset) at N = 1, 8, 64, 1024, 4096. Every number is the median of --reps runs of
about --seconds each, as steps per wall-clock second and per CPU second of this process
(time.process_time; on a loaded machine the CPU-time figure is the stable one). Writes bench/results/envs-throughput-gym.json.
"""

import argparse
import json
import os
import platform
import statistics
import sys
import time

import numpy as np

import gymnasium as gym

HERE = os.path.dirname(os.path.abspath(__file__))
p = argparse.ArgumentParser()
p.add_argument("--seconds", type=float, default=0.4)
p.add_argument("--reps", type=int, default=3)
p.add_argument("--only", default="", help="comma-separated ids (CartPoleVectorEnv is measured when CartPole-v1 is included)")
p.add_argument("--out", default=os.path.join(HERE, "results", "envs-throughput-gym.json"))
args = p.parse_args()

# Classic control plus the pure-Python toy-text envs (no extra dependencies); Box2D/MuJoCo need extras.
SINGLE = ["CartPole-v1", "MountainCar-v0", "MountainCarContinuous-v0", "Pendulum-v1", "Acrobot-v1",
          "FrozenLake-v1", "FrozenLake8x8-v1", "CliffWalking-v1", "CliffWalkingSlippery-v1", "Taxi-v4", "Blackjack-v1", "LunarLander-v3"]
NS = [1, 8, 64, 1024, 4096]


def bench_single(env_id):
    env = gym.make(env_id)
    env.action_space.seed(1)
    K = 4096
    actions = [env.action_space.sample() for _ in range(K)]
    env.reset(seed=0)

    def run():
        steps = 0
        k = 0
        c0 = time.process_time()
        t0 = time.perf_counter()
        t = t0
        while t - t0 < args.seconds:
            for _ in range(1000):
                _, _, term, trunc, _ = env.step(actions[k])
                k = (k + 1) & (K - 1)
                if term or trunc:
                    env.reset()
            steps += 1000
            t = time.perf_counter()
        return steps / (t - t0), steps / (time.process_time() - c0)

    run()
    rs = [run() for _ in range(args.reps)]
    env.close()
    return statistics.median(r[0] for r in rs), statistics.median(r[1] for r in rs)


def bench_cartpole_vector(n):
    env = gym.make_vec("CartPole-v1", num_envs=n, vectorization_mode="vector_entry_point")
    rng = np.random.default_rng(2)
    batches = [rng.integers(0, 2, size=n) for _ in range(8)]
    env.reset(seed=0)
    chunk = max(1, 20000 // n)

    def run():
        steps = 0
        k = 0
        c0 = time.process_time()
        t0 = time.perf_counter()
        t = t0
        while t - t0 < args.seconds:
            for _ in range(chunk):
                env.step(batches[k])
                k = (k + 1) % 8
            steps += chunk * n
            t = time.perf_counter()
        return steps / (t - t0), steps / (time.process_time() - c0)

    run()
    rs = [run() for _ in range(args.reps)]
    env.close()
    return statistics.median(r[0] for r in rs), statistics.median(r[1] for r in rs)


only = [s for s in args.only.split(",") if s]
if only:
    SINGLE = [s for s in SINGLE if s in only]
load0 = os.getloadavg()
single = {}
single_cpu = {}
errors = {}
for env_id in SINGLE:
    try:
        single[env_id], single_cpu[env_id] = bench_single(env_id)
        print(f"{env_id}: {single[env_id] / 1e3:.1f} k steps/s ({single_cpu[env_id] / 1e3:.1f} k per CPU-s)", file=sys.stderr)
    except Exception as e:  # missing optional dependency (e.g. Box2D)
        errors[env_id] = f"{type(e).__name__}: {e}"
        print(f"{env_id}: skipped ({errors[env_id]})", file=sys.stderr)
vec = {}
vec_cpu = {}
for n in NS if (not only or "CartPole-v1" in only) else []:
    vec[n], vec_cpu[n] = bench_cartpole_vector(n)
    print(f"CartPoleVectorEnv N={n}: {vec[n] / 1e6:.3f} M steps/s ({vec_cpu[n] / 1e6:.3f} M per CPU-s)", file=sys.stderr)
load1 = os.getloadavg()

out = {
    "command": "PYTHONPATH=<gymnasium source> python3 bench/envs_throughput_gym.py " + " ".join(sys.argv[1:]),
    "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    "gymnasium": gym.__version__,
    "numpy": np.__version__,
    "python": sys.version.split()[0],
    "machine": platform.processor() or platform.machine(),
    "loadavg": {"before": load0, "after": load1},
    "seconds": args.seconds,
    "reps": args.reps,
    "single": single,
    "singleCpu": single_cpu,
    "skipped": errors,
    "cartpoleVector": {str(k): v for k, v in vec.items()},
    "cartpoleVectorCpu": {str(k): v for k, v in vec_cpu.items()},
}
os.makedirs(os.path.dirname(args.out), exist_ok=True)
with open(args.out, "w") as f:
    json.dump(out, f, indent=2)
    f.write("\n")
