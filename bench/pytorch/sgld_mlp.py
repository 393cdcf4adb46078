#!/usr/bin/python3
"""The PyTorch reference for sgmc's MLP benchmark: one SGLD step of an MLP at batch 100.

It times the loop a researcher would write (forward, loss, backward, an in-place SGLD update
with torch.randn noise) on random data of Fashion-MNIST's shape, with 1 and 2 threads, and
prints one JSON object per case: {"name", "threads", "steps_per_second", "blas"}, and PyTorch's
own GEMM rates ({"name": "pytorch/gemm/<m>x<k>x<n>", "threads", "flops_per_second", "blas"}).
sgmc's `scripts/bench` runs it in the same session as sgmc's own benchmarks, so the ratio
between the two is measured on the same machine at the same time.

The reference at its best: Debian's python3-torch calls whatever libblas.so.3 it finds first,
so each Debian-packaged BLAS is tried in a process of its own (LD_LIBRARY_PATH pointing at its
directory, one process per thread count): the OpenMP build of OpenBLAS, the pthread build (the
alternative Debian selects by default) and BLIS (OpenMP and pthread builds). Each child prints the BLAS it loaded
("blas": the libblas.so.3 mapped into the process, OpenBLAS's kernel name, threading layer).
scripts/bench unsets OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE for this command only, so that
OpenBLAS picks its own kernel. perf_report.py compares sgmc against the fastest of them.

Usage: sgld_mlp.py [--seconds S] [--layers 784,100,10 ...] [--blas NAME ...]
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


def time_gemm(threads, m=1024, k=1024, n=1024, seconds=0.5):
    """PyTorch's own float GEMM rate (FLOP/s) at this thread count: its matrix-product bound."""
    import torch
    torch.set_num_threads(threads)
    a, b = torch.randn(m, k), torch.randn(k, n)
    for _ in range(3):
        a @ b
    reps, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for _ in range(10):
            a @ b
        reps += 10
    return 2.0 * m * k * n * reps / (time.perf_counter() - start)


BLAS_DIR = "/usr/lib/x86_64-linux-gnu"
# name -> directory holding its libblas.so.3 (found first through LD_LIBRARY_PATH)
BLAS = {"openblas-openmp": BLAS_DIR + "/openblas-openmp",
        "openblas-pthread": BLAS_DIR + "/openblas-pthread",
        "blis-openmp": BLAS_DIR + "/blis-openmp",
        "blis-pthread": BLAS_DIR + "/blis-pthread"}


def blas_info():
    """The BLAS this process loaded: its libblas.so.3, and OpenBLAS's own report if present."""
    with open("/proc/self/maps") as f:
        libs = sorted({line.split()[-1] for line in f if "libblas.so" in line})
    info = {"libblas": libs[0] if libs else "?"}
    # Debian's torch also loads OpenBLAS through liblapack.so.3: its kernel is reported only
    # when libblas.so.3 (which serves the GEMMs) is OpenBLAS too.
    api = "openblas" if "openblas" in info["libblas"] else "blis"
    try:
        from threadpoolctl import threadpool_info
        for lib in threadpool_info():
            if lib.get("internal_api") == api:
                info.update({"api": lib["internal_api"], "version": lib.get("version"),
                             "kernel": lib.get("architecture"),
                             "threading": lib.get("threading_layer"),
                             "threads": lib.get("num_threads")})
                break
    except ImportError:
        pass
    return info


def child_env(blas, threads, wait=None):
    """The reference's environment: its BLAS first on the library path, its thread count, and
    OpenMP's wait policy when `wait` is given (PASSIVE: idle threads sleep instead of spinning)."""
    env = dict(os.environ, OPENBLAS_NUM_THREADS=str(threads), OMP_NUM_THREADS=str(threads),
               BLIS_NUM_THREADS=str(threads), LD_LIBRARY_PATH=BLAS[blas])
    for var in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OMP_WAIT_POLICY"):
        env.pop(var, None)  # OpenBLAS detects its own kernel; OpenMP's default policy
    if wait:
        env["OMP_WAIT_POLICY"] = wait
    return env


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=3.0)
    ap.add_argument("--layers", nargs="*", default=["784,100,10", "784,400,400,10"])
    ap.add_argument("--blas", nargs="*", default=list(BLAS), help="the BLAS builds to try")
    ap.add_argument("--no-gemm", action="store_true", help="time the steps only")
    ap.add_argument("--threads", type=int, default=0,
                    help="run one case in this process (used by the parent run)")
    args = ap.parse_args()
    if args.threads == 0:
        # One child process per BLAS and thread count: OpenBLAS sizes its own thread pool from
        # OPENBLAS_NUM_THREADS when it loads (torch.set_num_threads does not reach the pthread
        # build), and which libblas.so.3 is loaded is fixed at process start.
        for blas in args.blas:
            if not os.path.exists(os.path.join(BLAS[blas], "libblas.so.3")):
                print(f"sgld_mlp.py: {blas} is not installed; skipped", file=sys.stderr)
                continue
            # With 2 threads also OpenMP's passive wait: on a loaded 2-core machine spinning
            # threads (the default) make PyTorch's and the BLAS's barriers 10-30x slower.
            for threads, wait in ((1, None), (2, None), (2, "PASSIVE")):
                subprocess.run([sys.executable, __file__, "--seconds", str(args.seconds),
                                "--threads", str(threads), "--layers", *args.layers],
                               env=child_env(blas, threads, wait), check=True)
        return
    import torch
    blas = blas_info()
    if os.environ.get("OMP_WAIT_POLICY"):
        blas["omp_wait"] = os.environ["OMP_WAIT_POLICY"].lower()
    common = {"threads": args.threads, "torch": torch.__version__, "blas": blas}
    for m, k, n in () if args.no_gemm else ((1024, 1024, 1024), (100, 784, 100)):
        print(json.dumps({"name": f"pytorch/gemm/{m}x{k}x{n}",
                          "flops_per_second": time_gemm(args.threads, m, k, n), **common}),
              flush=True)
    for spec in args.layers:
        widths = [int(w) for w in spec.split(",")]
        rate = time_sgld(widths, args.threads, args.seconds)
        print(json.dumps({"name": "pytorch/sgld_mlp/" + "-".join(map(str, widths)),
                          "steps_per_second": rate, **common}), flush=True)


if __name__ == "__main__":
    main()
