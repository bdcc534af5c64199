"""PyTorch reference for the affine-flow target of bench/flows.mjs (course TP14 6.1).

Fits x = z * exp(s) + t, z ~ N(0, I3), to N(mu=(0,10,3), sigma^2=(1,5,10)) by exact maximum
likelihood: Adam, lr 0.01, batch 100 fresh samples per step, 10,000 steps, s = t = 0 at start.
Reports the final-iterate recovered mu and sigma per seed, so the spread that the constant-lr
Adam noise alone produces can be compared with tfrl's.

    OPENBLAS_NUM_THREADS=1 /usr/bin/python3 bench/flows_affine_torch.py [--seeds 0-9] [--schedule cosine]
Writes bench/results/flows-affine-torch.json (flows-affine-cosine-torch.json with --schedule cosine:
the lr annealed from 0.01 to 0 by a half cosine over the steps, as tfrl's lrSchedule 'cosine').
"""
import argparse
import json
import math
import os

import torch

p = argparse.ArgumentParser()
p.add_argument("--seeds", default="0-9")
p.add_argument("--steps", type=int, default=10000)
p.add_argument("--schedule", default="constant", choices=["constant", "cosine"])
a = p.parse_args()
lo, hi = (int(v) for v in a.seeds.split("-")) if "-" in a.seeds else (int(a.seeds), int(a.seeds))
torch.set_num_threads(1)

MU = torch.tensor([0.0, 10.0, 3.0])
SIGMA = torch.tensor([1.0, 5.0, 10.0]).sqrt()
runs = []
for seed in range(lo, hi + 1):
    torch.manual_seed(seed)
    s = torch.zeros(3, requires_grad=True)
    t = torch.zeros(3, requires_grad=True)
    opt = torch.optim.Adam([s, t], lr=0.01)
    tail_s, tail_t, n_tail = torch.zeros(3), torch.zeros(3), 0
    for step in range(a.steps):
        if a.schedule == "cosine":
            for g in opt.param_groups:
                g["lr"] = 0.5 * 0.01 * (1 + math.cos(math.pi * step / a.steps))
        x = MU + SIGMA * torch.randn(100, 3)
        z = (x - t) * torch.exp(-s)
        nll = (0.5 * z.pow(2) + 0.5 * math.log(2 * math.pi)).sum(1).mean() + s.sum()
        opt.zero_grad()
        nll.backward()
        opt.step()
        if step >= a.steps - 1000:
            with torch.no_grad():
                tail_s += s.exp()
                tail_t += t
                n_tail += 1
    sig = s.detach().exp()
    run = {
        "seed": seed,
        "recoveredMu": t.detach().tolist(),
        "recoveredSigma": sig.tolist(),
        "maxAbsMuError": (t.detach() - MU).abs().max().item(),
        "maxRelSigmaError": (sig / SIGMA - 1).abs().max().item(),
        "tailAvgMaxAbsMuError": (tail_t / n_tail - MU).abs().max().item(),
        "tailAvgMaxRelSigmaError": ((tail_s / n_tail) / SIGMA - 1).abs().max().item(),
    }
    run["pass"] = run["maxAbsMuError"] <= 0.05 and run["maxRelSigmaError"] <= 0.02
    run["tailAvgPass"] = run["tailAvgMaxAbsMuError"] <= 0.05 and run["tailAvgMaxRelSigmaError"] <= 0.02
    print(json.dumps(run), flush=True)
    runs.append(run)

out = {
    "task": "affine flow, PyTorch reference",
    "torch": torch.__version__,
    "steps": a.steps,
    "batchSize": 100,
    "lr": 0.01,
    "lrSchedule": a.schedule,
    "runs": runs,
    "finalIteratePass": sum(r["pass"] for r in runs),
    "tailAvgPass": sum(r["tailAvgPass"] for r in runs),
}
here = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(here, "results", "flows-affine-torch.json" if a.schedule == "constant" else "flows-affine-cosine-torch.json"), "w") as f:
    json.dump(out, f, indent=1)
print(f"final iterate within targets: {out['finalIteratePass']}/{len(runs)}; last-1000 average: {out['tailAvgPass']}/{len(runs)}")
