#!/usr/bin/python3
"""The PyTorch reference for sgmc's MLP benchmark: one SGLD step of an MLP at batch 100.

It times the loop a researcher would write (forward, loss, backward, an in-place SGLD update
with torch.randn noise) on random data of Fashion-MNIST's shape, with 1 and 2 threads, and
prints one JSON object per case: {"name", "threads", "steps_per_second"}, and PyTorch's own
GEMM rate ({"name": "pytorch/gemm/1024x1024x1024", "threads", "flops_per_second"}). sgmc's
`scripts/bench` runs it in the same session as sgmc's own benchmarks, so the ratio between
the two is measured on the same machine at the same time.

Usage: sgld_mlp.py [--seconds S] [--layers 784,100,10 ...]
"""
import argparse
import json
import os
import subprocess
import sys
import time


def make_mlp(widths):
    import torch

    layers = []
    for i in range(len(widths) - 1):
        layers.append(torch.nn.Linear(widths[i], widths[i + 1]))
        if i + 2 < len(widths):
            layers.append(torch.nn.ReLU())
    return torch.nn.Sequential(*layers)


def time_sgld(widths, threads, seconds, batch=100, n_train=60000, step=1e-5, prior=1.0):
    import torch
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    net = make_mlp(widths)
    params = list(net.parameters())
    x = torch.randn(n_train, widths[0])
    y = torch.randint(0, widths[-1], (n_train,))
    loss_fn = torch.nn.CrossEntropyLoss(reduction="sum")
    noise_scale = step ** 0.5

    def one_step(i):
        lo = (i * batch) % (n_train - batch)
        xb, yb = x[lo:lo + batch], y[lo:lo + batch]
        for p in params:
            p.grad = None
        u = loss_fn(net(xb), yb) * (n_train / batch)
        u = u + 0.5 * prior * sum((p * p).sum() for p in params)
        u.backward()
        with torch.no_grad():
            for p in params:
                p.add_(p.grad, alpha=-0.5 * step)
                p.add_(torch.randn_like(p), alpha=noise_scale)

    for i in range(20):  # warm-up
        one_step(i)
    steps, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for _ in range(20):
            one_step(steps)
            steps += 1
    return steps / (time.perf_counter() - start)


def time_gemm(threads, n=1024, reps=10):
    """PyTorch's own float GEMM rate (FLOP/s) at this thread count: its matrix-product bound."""
    import torch
    torch.set_num_threads(threads)
    a, b = torch.randn(n, n), torch.randn(n, n)
    for _ in range(2):
        a @ b
    start = time.perf_counter()
    for _ in range(reps):
        a @ b
    return 2.0 * n ** 3 * reps / (time.perf_counter() - start)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=3.0)
    ap.add_argument("--layers", nargs="*", default=["784,100,10", "784,400,400,10"])
    ap.add_argument("--threads", type=int, default=0,
                    help="run one case in this process (used by the parent run)")
    args = ap.parse_args()
    if args.threads == 0:
        # One child process per thread count: OpenBLAS (Debian's torch calls it through
        # libblas.so.3) sizes its own pthread pool from OPENBLAS_NUM_THREADS when it loads, and
        # torch.set_num_threads does not reach it. Left alone, OpenBLAS spins 2 threads beside
        # torch's OpenMP threads and the 2-thread case runs slower than the 1-thread one.
        for threads in (1, 2):
            env = dict(os.environ, OPENBLAS_NUM_THREADS=str(threads), OMP_NUM_THREADS=str(threads))
            subprocess.run([sys.executable, __file__, "--seconds", str(args.seconds),
                            "--threads", str(threads), "--layers", *args.layers],
                           env=env, check=True)
        return
    import torch
    print(json.dumps({"name": "pytorch/gemm/1024x1024x1024", "threads": args.threads,
                      "flops_per_second": time_gemm(args.threads),
                      "torch": torch.__version__}), flush=True)
    for spec in args.layers:
        widths = [int(w) for w in spec.split(",")]
        rate = time_sgld(widths, args.threads, args.seconds)
        print(json.dumps({"name": "pytorch/sgld_mlp/" + "-".join(map(str, widths)),
                          "threads": args.threads, "steps_per_second": rate,
                          "torch": torch.__version__}), flush=True)


if __name__ == "__main__":
    main()
