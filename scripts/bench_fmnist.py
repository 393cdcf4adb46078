#!/usr/bin/python3
"""Loading and time to accuracy on Fashion-MNIST, each against its reference in the same run
(a benchmark script, not a test; part of `make bench`).

Usage: bench_fmnist.py SGMC_BINARY OUT_DIR [--reps N] [--eval-every E]
Writes OUT_DIR/fmnist.json with
  loading: sgmc's "loading" figure (`sgmc run`: reading and inflating the four files,
           conversion, standardisation, model set-up) against `gzip -dc` of the same four
           files to /dev/null, alternating, 2N times each, warm (files in the page cache) and
           cold (the four files evicted from the page cache first with posix_fadvise
           DONTNEED, which touches no other file);
  time_to_accuracy: seconds from process start to the first evaluation whose
           posterior-predictive test accuracy is >= 0.85, for `sgmc run
           examples/fmnist-mlp.toml --set run.eval_every=E` (its loading figure plus the
           wall_s of that metrics record) and for bench/pytorch/fmnist_sgld.py (the same model,
           batch, step size, burn-in and thinning, from the parent's clock at its start) with 1
           and 2 threads on the BLAS of its best MLP step (OpenMP OpenBLAS).
"""
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = "/usr/share/datasets/fashion-mnist"
FILES = [os.path.join(DATA, f) for f in ("train-images-idx3-ubyte.gz",
                                          "train-labels-idx1-ubyte.gz",
                                          "t10k-images-idx3-ubyte.gz",
                                          "t10k-labels-idx1-ubyte.gz")]
CONFIG = os.path.join(ROOT, "examples", "fmnist-mlp.toml")
SUMMARY = re.compile(r"loading ([0-9.]+) s, sampling ([0-9.]+) s")
TARGET = 0.85
sys.path.insert(0, os.path.join(ROOT, "bench", "pytorch"))
from sgld_mlp import child_env  # noqa: E402  (the reference's environment: its BLAS, threads)


def evict():
    for path in FILES:
        fd = os.open(path, os.O_RDONLY)
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        os.close(fd)


def time_gzip():
    start = time.perf_counter()
    subprocess.run(["gzip", "-dc", *FILES], stdout=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


def run_sgmc(sgmc, out, sets):
    cmd = [sgmc, "run", CONFIG, "--quiet", "--out", out]
    for s in sets:
        cmd += ["--set", s]
    start = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True, check=False)
    total = time.perf_counter() - start
    m = SUMMARY.search(p.stdout)
    if p.returncode != 0 or not m:
        sys.exit(f"bench_fmnist.py: {' '.join(cmd)} failed:\n{p.stdout}{p.stderr}")
    with open(os.path.join(out, "metrics.jsonl")) as f:
        metrics = [json.loads(line) for line in f if line.strip()]
    return float(m.group(1)), float(m.group(2)), total, metrics


def first_at(records, key, offset=0.0):
    for r in records:
        if r.get("chain", 0) == 0 and r.get(key) is not None and r[key] >= TARGET:
            return offset + r["wall_s"], r["step"]
    return None, None


def loading(sgmc, reps, tmp):
    out = {"warm": {"sgmc": [], "gzip": []}, "cold": {"sgmc": [], "gzip": []}}
    for i in range(reps):
        for mode in ("cold", "warm"):
            if mode == "cold":
                evict()
            out[mode]["gzip"].append(time_gzip())
            if mode == "cold":
                evict()
            load, _, _, _ = run_sgmc(sgmc, os.path.join(tmp, f"load-{mode}-{i}"),
                                     ["run.steps=100", "run.burnin=0", "run.eval_every=100"])
            out[mode]["sgmc"].append(load)
    for mode in out.values():
        mode["sgmc_median"] = statistics.median(mode["sgmc"])
        mode["gzip_median"] = statistics.median(mode["gzip"])
        mode["ratio"] = mode["sgmc_median"] / mode["gzip_median"]
    return out


def run_torch(threads, eval_every):
    cmd = [sys.executable, os.path.join(ROOT, "bench", "pytorch", "fmnist_sgld.py"),
           "--threads", str(threads), "--eval-every", str(eval_every), "--t0", str(time.time())]
    p = subprocess.run(cmd, capture_output=True, text=True, check=True,
                       env=child_env("openblas-openmp", threads))
    return [json.loads(line) for line in p.stdout.splitlines() if line.startswith("{")]


def time_to_accuracy(sgmc, reps, eval_every, tmp):
    cases = {"sgmc": [], "pytorch-1": [], "pytorch-2": []}
    detail = {k: [] for k in cases}
    for i in range(reps):
        load, sample, total, metrics = run_sgmc(sgmc, os.path.join(tmp, f"tta-{i}"),
                                                [f"run.eval_every={eval_every}"])
        t, step = first_at(metrics, "pred_accuracy", load)
        cases["sgmc"].append(t)
        detail["sgmc"].append({"seconds": t, "step": step, "loading": load,
                               "process_overhead": total - load - sample,
                               "single_draw": first_at(metrics, "accuracy", load)})
        for threads in (1, 2):
            recs = run_torch(threads, eval_every)
            t, step = first_at(recs, "pred_accuracy")
            cases[f"pytorch-{threads}"].append(t)
            detail[f"pytorch-{threads}"].append({"seconds": t, "step": step,
                                                 "single_draw": first_at(recs, "accuracy")})
    out = {"eval_every": eval_every, "target": TARGET, "detail": detail}
    for name, ts in cases.items():
        ok = [t for t in ts if t is not None]
        out[name] = statistics.median(ok) if ok else None
    best = [out[k] for k in ("pytorch-1", "pytorch-2") if out[k] is not None]
    out["pytorch_best"] = min(best) if best else None
    if out["sgmc"] and out["pytorch_best"]:
        out["ratio"] = out["pytorch_best"] / out["sgmc"]
    return out


def main():
    if len(sys.argv) < 3:
        sys.exit("usage: bench_fmnist.py SGMC_BINARY OUT_DIR [--reps N] [--eval-every E]")
    sgmc, out_dir = sys.argv[1], sys.argv[2]
    reps = int(sys.argv[sys.argv.index("--reps") + 1]) if "--reps" in sys.argv else 5
    every = int(sys.argv[sys.argv.index("--eval-every") + 1]) if "--eval-every" in sys.argv \
        else 100
    if not all(os.path.exists(f) for f in FILES):
        sys.exit(f"bench_fmnist.py: Fashion-MNIST is not in {DATA} (scripts/install-deps)")
    with tempfile.TemporaryDirectory(prefix="sgmc-bench-fmnist-") as tmp:
        result = {"loading": loading(sgmc, 2 * reps, tmp),
                  "time_to_accuracy": time_to_accuracy(sgmc, reps, every, tmp)}
    with open(os.path.join(out_dir, "fmnist.json"), "w") as f:
        json.dump(result, f, indent=1)


if __name__ == "__main__":
    main()
