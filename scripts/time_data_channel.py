#!/usr/bin/python3
"""Times whole four-process `sgmc node` runs (master, 2 workers, collector on 127.0.0.1) with
the data channel on and off (docs/cluster.md, "How payloads travel"), median of --repeat runs.

    scripts/time_data_channel.py [--sgmc build/release/tools/sgmc] [--repeat 3]
                                 [--dim 1000000] [--steps 300] [--case gaussian|fmnist|both]

Cases: `gaussian`, a diagonal Gaussian of --dim dimensions (every push and params carries
4 × dim bytes), and `fmnist`, examples/fmnist-async.toml (an MLP of 79,510 parameters, 318 KB
payloads). Reported per case and mode: the master's own run time (its closing line's seconds,
from the start of the run to its end) and the wall time of the four processes (start-up,
config loading and the data included), as median [min, max]. Every process is bounded by a
timeout; the script only talks to 127.0.0.1.
"""
import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TIMEOUT_S = 600


def gaussian_config(path, dim, steps):
    ones = ", ".join(["1.0"] * dim)
    zeros = ", ".join(["0.0"] * dim)
    with open(path, "w") as f:
        f.write('name = "gauss-big"\nseed = 1\n\n[model]\nkind = "gaussian"\n')
        f.write(f"mean = [{zeros}]\nvariance = [{ones}]\n\n")
        f.write('[sampler]\nkind = "sgld"\nstep_size = 0.01\n\n')
        f.write(f"[run]\nsteps = {steps}\nburnin = {steps // 2}\nthin = {max(1, steps // 4)}\n")
        f.write(f"eval_every = {steps}\n\n")
        f.write('[protocol]\nkind = "async"\nworkers = 2\n')


def run_once(sgmc, cfg, sets, out):
    argv = lambda role, extra: [sgmc, "node", role, cfg, "--out", out] + extra + sum(
        (["--set", s] for s in sets), [])
    t0 = time.monotonic()
    master = subprocess.Popen(argv("master", ["--listen", "127.0.0.1:0"]),
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    first = master.stdout.readline()
    m = re.search(r"listening on (127\.0\.0\.1:\d+)", first)
    if not m:
        master.kill()
        sys.exit(f"master did not start: {first}{master.stdout.read()}")
    others = [subprocess.Popen(argv(role, ["--connect", m.group(1)]), stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
              for role in ("worker", "worker", "collector")]
    out_master, _ = master.communicate(timeout=TIMEOUT_S)
    outs = [p.communicate(timeout=TIMEOUT_S)[0] for p in others]
    wall = time.monotonic() - t0
    text = first + out_master
    if master.returncode != 0 or any(p.returncode != 0 for p in others):
        sys.exit("a node failed:\n" + text + "\n".join(outs))
    done = re.search(r"done: .*?, ([0-9.]+) s", text)
    channel = re.search(r"data channel \S+: sent (\d+) payloads? \(([0-9.]+) MB\)", text)
    return float(done.group(1)), wall, channel.group(0) if channel else "no data channel"


def summary(xs):
    return f"{statistics.median(xs):7.2f} s [{min(xs):.2f}, {max(xs):.2f}]"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sgmc", default=os.path.join(ROOT, "build/release/tools/sgmc"))
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--dim", type=int, default=1_000_000)
    ap.add_argument("--steps", type=int, default=300)
    ap.add_argument("--case", choices=["gaussian", "fmnist", "both"], default="both")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="sgmc-dc-") as tmp:
        cases = []
        if a.case in ("gaussian", "both"):
            cfg = os.path.join(tmp, "gauss.toml")
            gaussian_config(cfg, a.dim, a.steps)
            cases.append((f"gaussian dim {a.dim}, {a.steps} steps", cfg))
        if a.case in ("fmnist", "both"):
            cases.append(("fmnist-async (79,510 floats)",
                          os.path.join(ROOT, "examples/fmnist-async.toml")))
        modes = (("channel on ", ["cluster.data_channel=true"]),
                 ("channel off", ["cluster.data_channel=false"]))
        for name, cfg in cases:
            # On and off alternate, so that a change in the machine's load hits both alike.
            runs = {mode: [] for mode, _ in modes}
            for i in range(a.repeat):
                for mode, sets in modes:
                    runs[mode].append(run_once(a.sgmc, cfg, sets, os.path.join(tmp, f"out{i}")))
            for mode, _ in modes:
                r = runs[mode]
                print(f"{name:34s} {mode}: run {summary([x[0] for x in r])}, "
                      f"wall {summary([x[1] for x in r])}; {r[-1][2]}", flush=True)


if __name__ == "__main__":
    main()
