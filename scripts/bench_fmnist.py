#!/usr/bin/python3
"""Loading and time to accuracy on Fashion-MNIST, each against its reference in the same run
(a benchmark script, not a test; part of `make bench`).

Usage: bench_fmnist.py SGMC_BINARY OUT_DIR [--reps N] [--eval-every E] [--only loading|accuracy]
                      [--drop-caches]
Writes OUT_DIR/fmnist.json with
  loading: sgmc's "loading" figure (`sgmc run`: reading and inflating the four files,
           conversion, standardisation, model set-up) against `gzip -dc` of the same four
           files to /dev/null, alternating, 2N times each, warm (files in the page cache) and
           cold (the four files evicted from the page cache first with posix_fadvise
           DONTNEED, which touches no other file; with --drop-caches, as root, the whole page
           cache is dropped instead);
  time_to_accuracy: seconds from process start to the first evaluation whose
           posterior-predictive test accuracy is >= 0.85, for `sgmc run
           examples/fmnist-mlp.toml --set run.eval_every=E` (from this script's clock when it
           started the process to the moment that record appears in metrics.jsonl) and for
           bench/pytorch/fmnist_sgld.py (the same model, batch, step size, burn-in and
           thinning, from this script's clock at its start) with 1 and 2 threads (2 also with
           OpenMP's passive wait) on OpenMP OpenBLAS.
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


DROP_CACHES = "--drop-caches" in sys.argv


def evict():
    """The four files out of the page cache; with --drop-caches (root) the whole page cache,
    the binaries and libraries too, as after another job (it slows whatever else runs)."""
    if DROP_CACHES:
        os.sync()
        with open("/proc/sys/vm/drop_caches", "w") as f:
            f.write("3\n")
        return
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


def cpu_seconds(pid):
    """User + system CPU seconds of a running process, all threads (/proc/PID/stat)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


def watch_sgmc(sgmc, out, sets, target=TARGET):
    """Runs sgmc and watches its metrics.jsonl from this process's clock: the seconds from the
    moment it started the process to the first record (chain 0) whose predictive accuracy is
    >= target (polled every 2 ms; the writer appends each record with one write(2)), and that
    record. Stops the process then (it was started here)."""
    cmd = [sgmc, "run", CONFIG, "--quiet", "--out", out]
    for s in sets:
        cmd += ["--set", s]
    metrics = os.path.join(out, "metrics.jsonl")
    if os.path.exists(metrics):
        os.remove(metrics)
    start = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    seen, pending, found, single = 0, "", None, None
    while found is None:
        done = p.poll() is not None
        if os.path.exists(metrics):
            with open(metrics, "rb") as f:
                f.seek(seen)
                chunk = f.read()
            seen += len(chunk)
            pending += chunk.decode()
            *lines, pending = pending.split("\n")
            for line in lines:
                r = json.loads(line) if line.strip() else {}
                if r.get("chain", 0) != 0:
                    continue
                if single is None and (r.get("accuracy") or 0) >= target:
                    single = (time.perf_counter() - start, r["step"])
                if (r.get("pred_accuracy") or 0) >= target:
                    found = (time.perf_counter() - start, r)
                    r["cpu_s"] = cpu_seconds(p.pid)
                    break
        if done:
            break
        time.sleep(0.002)
    if found is not None and p.poll() is None:
        p.terminate()
    stdout, stderr = p.communicate()
    if found is None and p.returncode != 0:
        sys.exit(f"bench_fmnist.py: {' '.join(cmd)} failed:\n{stdout}{stderr}")
    return (*found, single) if found else None


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


def run_torch(threads, eval_every, wait=None):
    cmd = [sys.executable, os.path.join(ROOT, "bench", "pytorch", "fmnist_sgld.py"),
           "--threads", str(threads), "--eval-every", str(eval_every), "--t0", str(time.time())]
    p = subprocess.run(cmd, capture_output=True, text=True, check=True,
                       env=child_env("openblas-openmp", threads, wait))
    return [json.loads(line) for line in p.stdout.splitlines() if line.startswith("{")]


def time_to_accuracy(sgmc, reps, eval_every, tmp):
    # PyTorch with 2 threads also with OpenMP's passive wait (see sgld_mlp.py): its spinning
    # barriers collapse when other jobs share the 2 cores.
    torch_cases = {"pytorch-1": (1, None), "pytorch-2": (2, None),
                   "pytorch-2-passive": (2, "PASSIVE")}
    cases = {"sgmc": [], **{k: [] for k in torch_cases}}
    detail = {k: [] for k in cases}
    for i in range(reps):
        found = watch_sgmc(sgmc, os.path.join(tmp, f"tta-{i}"), [f"run.eval_every={eval_every}"])
        t, rec, single = found if found else (None, {}, None)
        cases["sgmc"].append(t)
        detail["sgmc"].append({"seconds": t, "step": rec.get("step"), "cpu_s": rec.get("cpu_s"),
                               "sampling_wall_s": rec.get("wall_s"), "single_draw": single})
        for name, (threads, wait) in torch_cases.items():
            recs = run_torch(threads, eval_every, wait)
            t, step = first_at(recs, "pred_accuracy")
            cpu = next((r.get("cpu_s") for r in recs if r.get("step") == step), None)
            cases[name].append(t)
            detail[name].append({"seconds": t, "step": step, "cpu_s": cpu,
                                 "single_draw": first_at(recs, "accuracy")})
    out = {"eval_every": eval_every, "target": TARGET, "detail": detail}
    for name, ts in cases.items():
        ok = [t for t in ts if t is not None]
        out[name] = statistics.median(ok) if ok else None
    best = [out[k] for k in torch_cases if out[k] is not None]
    out["pytorch_best"] = min(best) if best else None
    if out["sgmc"] and out["pytorch_best"]:
        out["ratio"] = out["pytorch_best"] / out["sgmc"]
    return out


def main():
    if len(sys.argv) < 3:
        sys.exit("usage: bench_fmnist.py SGMC_BINARY OUT_DIR [--reps N] [--eval-every E] "
                 "[--only loading|accuracy]")
    sgmc, out_dir = sys.argv[1], sys.argv[2]
    reps = int(sys.argv[sys.argv.index("--reps") + 1]) if "--reps" in sys.argv else 5
    every = int(sys.argv[sys.argv.index("--eval-every") + 1]) if "--eval-every" in sys.argv \
        else 100
    only = sys.argv[sys.argv.index("--only") + 1] if "--only" in sys.argv else None
    if not all(os.path.exists(f) for f in FILES):
        sys.exit(f"bench_fmnist.py: Fashion-MNIST is not in {DATA} (scripts/install-deps)")
    with tempfile.TemporaryDirectory(prefix="sgmc-bench-fmnist-") as tmp:
        path = os.path.join(out_dir, "fmnist.json")
        result = {}
        if only and os.path.exists(path):  # keep the other half of an earlier run
            with open(path) as f:
                result = json.load(f)
        if only in (None, "loading"):
            result["loading"] = loading(sgmc, 2 * reps, tmp)
            result["loading"]["uptime"] = os.getloadavg()
        if only in (None, "accuracy"):
            result["time_to_accuracy"] = time_to_accuracy(sgmc, reps, every, tmp)
            result["time_to_accuracy"]["uptime"] = os.getloadavg()
    with open(os.path.join(out_dir, "fmnist.json"), "w") as f:
        json.dump(result, f, indent=1)


if __name__ == "__main__":
    main()
