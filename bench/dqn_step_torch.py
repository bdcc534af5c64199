# PyTorch reference for one SB3-style DQN gradient step (CartPole zoo net: 4 -> 256 -> 256 -> 2, ReLU,
# batch 64, Adam, smooth L1, grad-norm clip 10, target net forward under no_grad), 1 thread.
# Reports wall and CPU (process_time) ms per step, so it can be compared with bench/dqn.mjs's
# `step` suite under the same machine load. Usage: OPENBLAS_NUM_THREADS=1 /usr/bin/python3 bench/dqn_step_torch.py [steps]
import json, os, sys, time
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_num_threads(1)
torch.manual_seed(0)
steps = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
def mlp():
    return nn.Sequential(nn.Linear(4, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 2))
q, qt = mlp(), mlp()
qt.load_state_dict(q.state_dict())
opt = torch.optim.Adam(q.parameters(), lr=2.3e-3)
B = 64
obs = torch.randn(B, 4); nxt = torch.randn(B, 4); act = torch.randint(0, 2, (B, 1)); rew = torch.randn(B, 1); done = torch.zeros(B, 1)
def step():
    with torch.no_grad():
        nq = qt(nxt).max(dim=1, keepdim=True)[0]
        y = rew + (1 - done) * 0.99 * nq
    cur = torch.gather(q(obs), dim=1, index=act)
    loss = F.smooth_l1_loss(cur, y)
    opt.zero_grad()
    loss.backward()
    nn.utils.clip_grad_norm_(q.parameters(), 10)
    opt.step()
for _ in range(100):
    step()
w0, c0 = time.perf_counter(), time.process_time()
for _ in range(steps):
    step()
w, c = time.perf_counter() - w0, time.process_time() - c0
res = {"impl": "pytorch", "torch": torch.__version__, "threads": 1, "steps": steps, "wallMsPerStep": round(1000 * w / steps, 3), "cpuMsPerStep": round(1000 * c / steps, 3), "load": os.getloadavg()}
print(json.dumps(res))
out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results", "dqn-step-torch.json")
with open(out, "w") as f:
    f.write(json.dumps(res, indent=1) + "\n")
