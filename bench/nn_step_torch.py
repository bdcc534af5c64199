#!/usr/bin/env python3
"""PyTorch reference for bench/nn-step.mjs: one fwd+bwd+Adam step of an MLP
8 -> [w, w] -> 1 (MSE), batch 256, one CPU thread. Median ms per step.

Run: OPENBLAS_NUM_THREADS=1 /usr/bin/python3 bench/nn_step_torch.py   (writes bench/results/nn-step-torch.json)
     ... bench/nn_step_torch.py --serve   (bursts on request, for bench/nn-step-paired.mjs: reads
     "<act> <width> <steps>" lines on stdin, answers each with the median ms per step of the burst)
"""
import json
import os
import statistics
import time

import torch

torch.set_num_threads(1)
torch.manual_seed(0)

BATCH = 256
WARMUP = 50
STEPS = 300
REPEATS = 3


def make_step(width: int, act: str):
    A = {"tanh": torch.nn.Tanh, "relu": torch.nn.ReLU}[act]
    net = torch.nn.Sequential(
        torch.nn.Linear(8, width), A(), torch.nn.Linear(width, width), A(), torch.nn.Linear(width, 1)
    )
    opt = torch.optim.Adam(net.parameters(), lr=3e-4, eps=1e-8)
    x = torch.randn(BATCH, 8)
    y = torch.randn(BATCH, 1)

    def step():
        opt.zero_grad(set_to_none=True)
        loss = ((net(x) - y) ** 2).mean()
        loss.backward()
        opt.step()

    return step


def serve() -> None:
    import sys

    steps = {}
    for line in sys.stdin:
        act, width, n = line.split()
        key = (act, int(width))
        if key not in steps:
            steps[key] = make_step(int(width), act)
            for _ in range(WARMUP):
                steps[key]()
        step = steps[key]
        ts = []
        for _ in range(int(n)):
            t0 = time.perf_counter()
            step()
            ts.append((time.perf_counter() - t0) * 1000)
        print(f"{statistics.median(ts):.5f}", flush=True)


def bench(width: int, act: str) -> float:
    step = make_step(width, act)

    # Wall-clock and process-CPU-time medians per step (CPU time is less sensitive to other
    # processes on a shared machine).
    medians = []
    cpu_medians = []
    for _ in range(REPEATS):
        for _ in range(WARMUP):
            step()
        ts = []
        cs = []
        for _ in range(STEPS):
            c0 = time.process_time()
            t0 = time.perf_counter()
            step()
            ts.append((time.perf_counter() - t0) * 1000)
            cs.append((time.process_time() - c0) * 1000)
        medians.append(statistics.median(ts))
        cpu_medians.append(statistics.median(cs))
    return statistics.median(medians), statistics.median(cpu_medians)


def main() -> None:
    results = []
    for act in ("tanh", "relu"):
        for width in (64, 256):
            ms, cpu_ms = bench(width, act)
            results.append({"impl": "pytorch", "backend": "cpu-1thread", "activation": act, "width": width, "msPerStep": round(ms, 4), "cpuMsPerStep": round(cpu_ms, 4)})
            print(f"pytorch {act} width {width}: {ms:.3f} ms/step wall, {cpu_ms:.3f} ms/step cpu")
    out = {
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "loadavg": os.getloadavg(),
        "batch": BATCH,
        "steps": STEPS,
        "repeats": REPEATS,
        "results": results,
    }
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results", "nn-step-torch.json")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump(out, f, indent=2)
    print(f"wrote {path}")


if __name__ == "__main__":
    import sys

    serve() if "--serve" in sys.argv else main()
