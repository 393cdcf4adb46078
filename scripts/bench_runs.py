#!/usr/bin/python3
"""Times whole `sgmc run`s for docs/PERFORMANCE.md (a benchmark script, not a test).

Usage: bench_runs.py SGMC_BINARY OUT_DIR [--reps N] [--only trace_overhead|fmnist]
Writes OUT_DIR/runs.json with
  trace_overhead: gaussian-2d with async and 2 workers (tiny messages, the worst case for the
                  trace) and the Fashion-MNIST MLP with async and 2 workers, each with
                  [trace] enabled = true and false, alternating, N repetitions: median wall
                  seconds of the sampling phase, the overhead of tracing in % (ratio of the
                  medians) and the median of the N ratios on/off of consecutive pairs (which
                  a machine whose load drifts during the session disturbs less), and the same
                  median ratio of the processes' CPU time (user + system);
  fmnist:         the single-process run (protocol none) against the embedded async run with
                  2 workers: median sampling seconds, draws/s (samples/s), gradients/s, and the
                  posterior-predictive test accuracy each reached at equal wall time (the last
                  metrics record at or before the shorter run's end).
"""
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SUMMARY = re.compile(r"sampling ([0-9.]+) s\): .* ([0-9]+) draws")


def run(sgmc, config, sets, out):
    cmd = [sgmc, "run", os.path.join(ROOT, "examples", config), "--quiet", "--out", out]
    for s in sets:
        cmd += ["--set", s]
    with tempfile.TemporaryFile("w+") as o, tempfile.TemporaryFile("w+") as e:
        p = subprocess.Popen(cmd, stdout=o, stderr=e, text=True)
        _, status, usage = os.wait4(p.pid, 0)
        p.returncode = os.waitstatus_to_exitcode(status)
        o.seek(0)
        e.seek(0)
        stdout, stderr = o.read(), e.read()
    if p.returncode != 0:
        sys.exit(f"bench_runs.py: {' '.join(cmd)} failed:\n{stdout}{stderr}")
    m = SUMMARY.search(stdout)
    if not m:
        sys.exit(f"bench_runs.py: no summary line in the output of {' '.join(cmd)}")
    with open(os.path.join(out, "metrics.jsonl")) as f:
        metrics = [json.loads(line) for line in f if line.strip()]
    run.cpu_seconds = usage.ru_utime + usage.ru_stime  # of the whole process
    return float(m.group(1)), int(m.group(2)), metrics, stdout


def overhead(sgmc, config, sets, reps, tmp):
    on, off, cpu_on, cpu_off = [], [], [], []
    for i in range(reps):
        for enabled, times, cpu in (("true", on, cpu_on), ("false", off, cpu_off)):
            s, _, _, _ = run(sgmc, config, sets + [f"trace.enabled={enabled}"],
                             os.path.join(tmp, f"trace-{enabled}-{i}"))
            times.append(s)
            cpu.append(run.cpu_seconds)
    t_on, t_off = statistics.median(on), statistics.median(off)
    pairs = [a / b for a, b in zip(on, off)]
    return {"config": config, "sets": sets, "reps": reps, "seconds_trace_on": t_on,
            "seconds_trace_off": t_off, "overhead_percent": 100.0 * (t_on / t_off - 1.0),
            "pair_ratio_median": statistics.median(pairs),
            "cpu_ratio_median": statistics.median(a / b for a, b in zip(cpu_on, cpu_off)),
            "all_on": on, "all_off": off, "cpu_on": cpu_on, "cpu_off": cpu_off}


def accuracy_at(metrics, t):
    best = None
    for m in metrics:
        if m["chain"] == 0 and m["wall_s"] <= t and m.get("pred_accuracy") is not None:
            best = m
    return (best["pred_accuracy"], best["wall_s"]) if best else (None, None)


def fmnist(sgmc, reps, tmp):
    cases = {"single": ["protocol.kind=none"],
             "async-2": ["protocol.kind=async", "protocol.workers=2"]}
    out = {}
    for name, sets in cases.items():
        secs, last = [], None
        for i in range(reps):
            s, draws, metrics, stdout = run(sgmc, "fmnist-mlp.toml", sets,
                                            os.path.join(tmp, f"fmnist-{name}-{i}"))
            secs.append(s)
            last = (draws, metrics, stdout)
        draws, metrics, stdout = last
        g = re.search(r"gradients ([0-9]+)", stdout)
        grads = int(g.group(1)) if g else 8000
        t = statistics.median(secs)
        out[name] = {"seconds": t, "all_seconds": secs, "draws": draws,
                     "draws_per_second": draws / t, "gradients_per_second": grads / t,
                     "metrics": metrics}
    t_equal = min(out["single"]["metrics"][-1]["wall_s"], out["async-2"]["metrics"][-1]["wall_s"])
    for name in cases:
        acc, at = accuracy_at(out[name].pop("metrics"), t_equal)
        out[name]["accuracy_at_equal_time"] = acc
        out[name]["accuracy_time"] = at
    out["equal_time_seconds"] = t_equal
    return out


def main():
    if len(sys.argv) < 3:
        sys.exit("usage: bench_runs.py SGMC_BINARY OUT_DIR [--reps N]")
    sgmc, out_dir = sys.argv[1], sys.argv[2]
    reps = int(sys.argv[sys.argv.index("--reps") + 1]) if "--reps" in sys.argv else 5
    only = sys.argv[sys.argv.index("--only") + 1] if "--only" in sys.argv else None
    result = {}
    with tempfile.TemporaryDirectory(prefix="sgmc-bench-runs-") as tmp:
        if only in (None, "trace_overhead"):
            result["trace_overhead"] = [
                overhead(sgmc, "gaussian-2d.toml",
                         ["protocol.kind=async", "protocol.workers=2", "run.steps=400000"],
                         reps, tmp),
                overhead(sgmc, "fmnist-mlp.toml",
                         ["protocol.kind=async", "protocol.workers=2"], reps, tmp),
            ]
        if only in (None, "fmnist"):
            result["fmnist"] = fmnist(sgmc, reps, tmp)
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "runs.json"), "w") as f:
        json.dump(result, f, indent=1)


if __name__ == "__main__":
    main()
