#!/usr/bin/python3
"""Compares two builds' speed on the same benchmarks, interleaved in one session.

    /usr/bin/python3 scripts/bench_builds.py BUILD_A BUILD_B [--rounds N] [--out FILE.json]

Runs the sampler kernels (bench/samplers/sgmc_bench_samplers) and the model products and steps
(bench/models/sgmc_bench_models) of both builds, round after round, the order of the builds
alternating from one round to the next, each with a filter of representative cases. Per case it
prints each build's median time per iteration (the median over the rounds of each round's
median) and the speed ratio A / B = time B / time A (the median of the rounds' ratios, and their
range): above 1, A is faster. Meant for the portable default (A: build/release) against
-DSGMC_NATIVE=ON (B: build/native); docs/PERFORMANCE.md, "Portable and native builds".
"""

import argparse
import json
import statistics
import subprocess
import sys
import tempfile

SUITES = [
    ("bench/samplers/sgmc_bench_samplers",
     "samplers/stream_triad/16M/rep|samplers/(sgld|sghmc|psgld)/16M/rep|"
     "samplers/(sgld|sgd)/256K/1thread|core/fill_normal",
     []),  # 10 repetitions fixed by the binary
    ("bench/models/sgmc_bench_models",
     "models/gemm/100x784x100|models/mlp_grad/784-100-10|samplers/sgld_step/784-100-10|"
     "models/gemm/1024x1024x1024/threads:1",
     ["--benchmark_repetitions=5", "--benchmark_min_time=0.2"]),
]


def run_suite(build, binary, flt, extra):
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        # A file, not stdout: the binaries print lines of their own (Eigen's cache sizes).
        cmd = [f"{build}/{binary}", f"--benchmark_filter={flt}", f"--benchmark_out={out.name}",
               "--benchmark_out_format=json", "--benchmark_report_aggregates_only=true"] + extra
        subprocess.run(cmd, check=True, capture_output=True, text=True)
        report = json.load(out)
    times = {}
    for b in report["benchmarks"]:
        if b.get("aggregate_name") != "median":
            continue
        name = b["run_name"].replace("/repeats:10", "").replace("/repeats:5", "")
        name = name.replace("/real_time", "")
        times[name] = b["real_time"] * {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}[b["time_unit"]]
    return times


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build_a")
    ap.add_argument("build_b")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--out")
    args = ap.parse_args()
    results = {args.build_a: [], args.build_b: []}
    for r in range(args.rounds):
        order = [args.build_a, args.build_b] if r % 2 == 0 else [args.build_b, args.build_a]
        for build in order:
            times = {}
            for binary, flt, extra in SUITES:
                times.update(run_suite(build, binary, flt, extra))
            results[build].append(times)
            print(f"round {r + 1}: {build} done", file=sys.stderr)
    if args.out:
        with open(args.out, "w") as f:
            json.dump(results, f, indent=1)
    a_runs, b_runs = results[args.build_a], results[args.build_b]
    print(f"| case | {args.build_a}, time | {args.build_b}, time | speed A / B, median (range) |")
    print("| --- | ---: | ---: | ---: |")
    for name in a_runs[0]:
        ta = [t[name] for t in a_runs if name in t]
        tb = [t[name] for t in b_runs if name in t]
        ratios = [y / x for x, y in zip(ta, tb)]
        fmt = (lambda s: f"{s * 1e3:.3g} ms" if s >= 1e-3 else f"{s * 1e6:.3g} µs")
        print(f"| `{name}` | {fmt(statistics.median(ta))} | {fmt(statistics.median(tb))} | "
              f"{statistics.median(ratios):.2f} ({min(ratios):.2f}–{max(ratios):.2f}) |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
