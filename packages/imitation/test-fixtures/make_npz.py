"""Write d4rl_discrete_2ep.npz: a 2-episode D4RL flat-layout file written by NumPy itself.

src/data/npz.test.ts reads it with readNpz and checks the exact values below (keep both in sync).
Run from this directory: python3 make_npz.py  (needs only numpy).

Episode 0: rows 0-2, ends with terminals[2] (terminated).
Episode 1: rows 3-4, ends with timeouts[4] (truncated).
"""

from pathlib import Path

import numpy as np

observations = np.array(
    [[0.0, 0.5], [0.1, 1.5], [0.2, -2.0], [10.0, 3.25], [11.0, -0.75]],
    dtype=np.float32,
)
next_observations = np.array(
    [[0.1, 1.5], [0.2, -2.0], [0.3, 4.0], [11.0, -0.75], [12.0, 0.125]],
    dtype=np.float32,
)
actions = np.array([1, 0, 2, 2, 1], dtype=np.int64)  # Discrete(3)
rewards = np.array([1.0, 0.5, -1.0, 2.0, 0.25], dtype=np.float32)
terminals = np.array([False, False, True, False, False], dtype=bool)
timeouts = np.array([False, False, False, False, True], dtype=bool)

out = Path(__file__).resolve().parent / "d4rl_discrete_2ep.npz"
np.savez(
    out,
    observations=observations,
    actions=actions,
    rewards=rewards,
    terminals=terminals,
    timeouts=timeouts,
    next_observations=next_observations,
)
print(f"wrote {out} ({out.stat().st_size} bytes) with numpy {np.__version__}")
