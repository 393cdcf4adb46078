#!/usr/bin/python3
"""The PyTorch reference for time to accuracy: examples/fmnist-mlp.toml written as a researcher
would write it in PyTorch, timed from its process start.

The same model (MLP 784-100-10, ReLU, Gaussian prior of precision 1), data (Fashion-MNIST
from Debian's gzip files, x / 255), batch (100, random reshuffling every epoch), step size
(SGLD, ε = 1e-5: θ ← θ − (ε/2)∇Û + N(0, ε), Û = −log p(θ) − (N/n) Σ log p(y|x, θ)), burn-in
(2000), thinning (50) and posterior predictive (the mean of the draws' class probabilities on
the 10,000 test images) as sgmc's run. Evaluates every --eval-every steps and prints one JSON
object per evaluation: {"step", "wall_s" (seconds since --t0, the parent's time.time() when it
started this process; else since this interpreter started), "cpu_s" (this process's CPU
seconds so far, all threads), "accuracy" (the current θ alone),
"pred_accuracy" (the predictive average, null before the first draw)}. Stops at --steps or
once the predictive accuracy reaches --target (or after --max-seconds).

Usage: fmnist_sgld.py [--t0 T] [--threads 1] [--steps 8000] [--eval-every 250] [--target 0.85]
"""
import argparse
import gzip
import json
import os
import time

START = time.time()
DATA = "/usr/share/datasets/fashion-mnist"


def load(prefix):
    import numpy as np
    import torch
    with gzip.open(os.path.join(DATA, prefix + "-images-idx3-ubyte.gz")) as f:
        x = np.frombuffer(f.read(), dtype=np.uint8, offset=16).reshape(-1, 784)
    with gzip.open(os.path.join(DATA, prefix + "-labels-idx1-ubyte.gz")) as f:
        y = np.frombuffer(f.read(), dtype=np.uint8, offset=8)
    return torch.from_numpy(x.astype(np.float32) / 255.0), torch.from_numpy(y.astype(np.int64))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--t0", type=float, default=START)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--steps", type=int, default=8000)
    ap.add_argument("--burnin", type=int, default=2000)
    ap.add_argument("--thin", type=int, default=50)
    ap.add_argument("--eval-every", type=int, default=250)
    ap.add_argument("--target", type=float, default=0.85)
    ap.add_argument("--max-seconds", type=float, default=30.0, help="give up after this long")
    args = ap.parse_args()
    import torch
    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    x, y = load("train")
    xt, yt = load("t10k")
    n, batch, eps, prior = x.shape[0], 100, 1e-5, 1.0
    net = torch.nn.Sequential(torch.nn.Linear(784, 100), torch.nn.ReLU(), torch.nn.Linear(100, 10))
    params = list(net.parameters())
    loss_fn = torch.nn.CrossEntropyLoss(reduction="sum")
    pred_sum, draws, perm, pos = torch.zeros(xt.shape[0], 10), 0, torch.randperm(n), 0
    for step in range(1, args.steps + 1):
        if pos + batch > n:
            perm, pos = torch.randperm(n), 0
        idx = perm[pos:pos + batch]
        pos += batch
        for p in params:
            p.grad = None
        u = loss_fn(net(x[idx]), y[idx]) * (n / batch)
        u = u + 0.5 * prior * sum((p * p).sum() for p in params)
        u.backward()
        with torch.no_grad():
            for p in params:
                p.add_(p.grad, alpha=-0.5 * eps)
                p.add_(torch.randn_like(p), alpha=eps ** 0.5)
            if step > args.burnin and (step - args.burnin) % args.thin == 0:
                pred_sum += torch.softmax(net(xt), dim=1)
                draws += 1
            if step % args.eval_every == 0:
                acc = (net(xt).argmax(1) == yt).float().mean().item()
                pred = (pred_sum.argmax(1) == yt).float().mean().item() if draws else None
                print(json.dumps({"step": step, "wall_s": time.time() - args.t0, "accuracy": acc,
                                  "pred_accuracy": pred, "draws": draws,
                                  "cpu_s": time.process_time()}), flush=True)
                if (pred is not None and pred >= args.target) or \
                        time.time() - args.t0 > args.max_seconds:
                    break


if __name__ == "__main__":
    main()
