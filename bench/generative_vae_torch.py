"""The VAE of bench/generative.mjs in PyTorch (same architecture and split) for the comparison.

    /usr/bin/python3 bench/generative_vae_torch.py [--latents 1,2,15] [--epochs 50] [--seed 0]

Architecture as pytorch/examples/vae: 784-400-(mu, logvar) encoder, latent-400-784 decoder
(sigmoid), BCE on grey levels summed over pixels + KL, Adam lr 1e-3, batch 128 (last partial
batch dropped, loss averaged over the batch -- as the TypeScript trainer). One thread, like the
single-threaded wasm backend. Reads bench/results/mnist-split-seed<seed>.json written by
`node bench/generative.mjs vae`. Writes bench/results/generative-vae-torch.json.
"""
import argparse
import gzip
import json
import os
import subprocess
import time

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

here = os.path.dirname(os.path.abspath(__file__))
p = argparse.ArgumentParser()
p.add_argument("--latents", default="1,2,15")
p.add_argument("--epochs", type=int, default=50)
p.add_argument("--seed", type=int, default=0)
p.add_argument("--data", default="/work/shared/data/mnist")
args = p.parse_args()
torch.set_num_threads(1)


def read_idx_images(path):
    with gzip.open(path, "rb") as f:
        raw = f.read()
    n, r, c = (int.from_bytes(raw[i : i + 4], "big") for i in (4, 8, 12))
    return np.frombuffer(raw, dtype=np.uint8, offset=16).reshape(n, r * c).astype(np.float32) / 255.0


images = read_idx_images(os.path.join(args.data, "t10k-images-idx3-ubyte.gz"))
split = json.load(open(os.path.join(here, "results", f"mnist-split-seed{args.seed}.json")))
train = torch.from_numpy(images[np.array(split["train"])])
held = torch.from_numpy(images[np.array(split["heldOut"])])


class VAE(nn.Module):
    def __init__(self, latent, hidden=400):
        super().__init__()
        self.fc1 = nn.Linear(784, hidden)
        self.fc21 = nn.Linear(hidden, latent)
        self.fc22 = nn.Linear(hidden, latent)
        self.fc3 = nn.Linear(latent, hidden)
        self.fc4 = nn.Linear(hidden, 784)

    def forward(self, x):
        h = F.relu(self.fc1(x))
        mu, logvar = self.fc21(h), self.fc22(h)
        z = mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)
        return self.fc4(F.relu(self.fc3(z))), mu, logvar


def terms(model, x):
    logits, mu, logvar = model(x)
    recon = F.binary_cross_entropy_with_logits(logits, x, reduction="none").sum(1)
    kl = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp(), 1)
    return recon, kl


out_path = os.path.join(here, "results", "generative-vae-torch.json")
out = json.load(open(out_path)) if os.path.exists(out_path) else {"runs": {}}
for latent in [int(s) for s in args.latents.split(",")]:
    torch.manual_seed(args.seed)
    model = VAE(latent)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    bs = 128
    n_batches = train.shape[0] // bs
    t_train = 0.0
    up0 = subprocess.check_output("uptime").decode().strip()
    curve = []
    for epoch in range(1, args.epochs + 1):
        perm = torch.randperm(train.shape[0])
        t0 = time.perf_counter()
        model.train()
        for b in range(n_batches):
            x = train[perm[b * bs : (b + 1) * bs]]
            recon, kl = terms(model, x)
            loss = (recon + kl).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
        t_train += time.perf_counter() - t0
        with torch.no_grad():
            r, k = terms(model, held)
            curve.append({"epoch": epoch, "heldOut": float((r + k).mean())})
        print(f"torch latent {latent} epoch {epoch}: held-out -ELBO {curve[-1]['heldOut']:.2f}", flush=True)
    with torch.no_grad():
        torch.manual_seed(1)
        rs, ks = [], []
        for _ in range(10):
            r, k = terms(model, held)
            rs.append(r.mean())
            ks.append(k.mean())
        recon, kl = float(torch.stack(rs).mean()), float(torch.stack(ks).mean())
    out["runs"][f"latent{latent}_seed{args.seed}"] = {
        "latent": latent,
        "seed": args.seed,
        "epochs": args.epochs,
        "heldOutNegElbo10Samples": recon + kl,
        "heldOutRecon": recon,
        "heldOutKl": kl,
        "examplesPerSecond": n_batches * bs * args.epochs / t_train,
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "uptimeStart": up0,
        "uptimeEnd": subprocess.check_output("uptime").decode().strip(),
        "curve": curve,
    }
    json.dump(out, open(out_path, "w"), indent=2)
    print(f"torch latent {latent}: held-out -ELBO {recon + kl:.2f} nats, {out['runs'][f'latent{latent}_seed{args.seed}']['examplesPerSecond']:.0f} ex/s", flush=True)
