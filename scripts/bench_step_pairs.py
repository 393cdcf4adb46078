#!/usr/bin/python3
"""sgmc's whole SGLD step of the 784-100-10 MLP against the PyTorch reference, in alternating
pairs (a benchmark script, not a test; part of `make bench`).

Both halves of a pair run for the same time, SECONDS (default 3, as the reference's own
table): PyTorch's first second is slower than its later ones (its thread pool and allocator
warm up), so a shorter reference would flatter sgmc; for the same reason the reference
process times its GEMMs first, as in its own table.

On a shared machine the load moves within minutes, and scripts/bench runs sgmc's benchmarks
and the reference minutes apart. Here each pair runs sgmc's `samplers/sgld_step` and the
reference's step (bench/pytorch/sgld_mlp.py, one process, on the BLAS given) back to back for
about a second each, so that both see the same load; the ratio reported is the median of the
pairs' ratios.

Usage: bench_step_pairs.py BUILD_DIR OUT_DIR [--pairs N] [--threads T] [--torch-threads U]
                           [--blas NAME] [--seconds SECONDS]
sgmc runs with T threads, the reference with U (default T: on a loaded 2-core machine the
reference is fastest with one thread). Writes OUT_DIR/step_pairs-T-U.json and prints one
Markdown line.
"""
import json
import os
import statistics
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "bench", "pytorch"))
from sgld_mlp import child_env  # noqa: E402


def arg(name, default):
    return sys.argv[sys.argv.index(name) + 1] if name in sys.argv else default


def sgmc_step(build, threads, out_dir, seconds):
    path = os.path.join(out_dir, "step_pairs_sgmc.json")
    cmd = [os.path.join(build, "bench", "models", "sgmc_bench_models"),
           f"--benchmark_filter=samplers/sgld_step/784-100-10/threads:{threads}/",
           f"--benchmark_min_time={seconds}", f"--benchmark_out={path}", "--benchmark_out_format=json"]
    subprocess.run(cmd, capture_output=True, text=True, check=True)
    with open(path) as f:
        return json.load(f)["benchmarks"][0]["steps/s"]


def torch_step(blas, threads, seconds):
    # With its GEMM timings first, as in the reference's own table: they warm its BLAS up
    # (measured: without them the loop that follows ran 25-30 % slower, at 1 and at 3 s).
    cmd = [sys.executable, os.path.join(ROOT, "bench", "pytorch", "sgld_mlp.py"), "--seconds",
           str(seconds), "--threads", str(threads), "--layers", "784,100,10"]
    p = subprocess.run(cmd, capture_output=True, text=True, check=True,
                       env=child_env(blas, threads))
    rec = [json.loads(line) for line in p.stdout.splitlines() if line.startswith("{")]
    return next(r["steps_per_second"] for r in rec if "steps_per_second" in r), rec[0]["blas"]


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    build, out_dir = sys.argv[1], sys.argv[2]
    pairs, threads = int(arg("--pairs", 5)), int(arg("--threads", 1))
    torch_threads = int(arg("--torch-threads", threads))
    blas = arg("--blas", "openblas-openmp")
    seconds = float(arg("--seconds", 3))
    rows = []
    for _ in range(pairs):
        s = sgmc_step(build, threads, out_dir, seconds)
        t, info = torch_step(blas, torch_threads, seconds)
        rows.append({"sgmc": s, "pytorch": t, "ratio": s / t, "load": os.getloadavg()[0]})
    result = {"threads": threads, "torch_threads": torch_threads, "blas": info, "pairs": rows,
              "median_ratio": statistics.median(r["ratio"] for r in rows)}
    name = f"step_pairs-{threads}-{torch_threads}.json"
    with open(os.path.join(out_dir, name), "w") as f:
        json.dump(result, f, indent=1)
    ratios = ", ".join(f"{r['ratio']:.2f}" for r in rows)
    print(f"SGLD step 784-100-10, sgmc with {threads} thread(s) / PyTorch with {torch_threads} "
          f"({blas}) in {pairs} alternating pairs of {seconds:g} s: "
          f"median **{result['median_ratio']:.2f}x** ({ratios}; sgmc "
          f"{statistics.median(r['sgmc'] for r in rows):,.0f} steps/s, PyTorch "
          f"{statistics.median(r['pytorch'] for r in rows):,.0f}; load average "
          f"{min(r['load'] for r in rows):.1f}–{max(r['load'] for r in rows):.1f})")


if __name__ == "__main__":
    main()
