#!/usr/bin/python3
"""Soak on loopback (issue 11): 8 worker processes against one master at full rate for about a
minute, then the counts reconciled exactly and the master's memory compared start to end.

Runs `sgmc node` master, W workers (default 8) and the collector on 127.0.0.1 with the 2-d
Gaussian's async run, `run.steps` chosen from a short calibration run so that the soak takes
about --seconds. Samples the resident memory (VmRSS) of the master and of every worker once a
second. Checks:
- every process exits 0 (none dies);
- every push a worker sent (its trace) was applied or explicitly rejected by the master (the
  master's trace), worker by worker, exactly; and the applied pushes add up to the versions;
- the master's resident memory at the end is within 10 % + 16 MB of what it was after the
  first 10 % of the run (no growth with the number of messages); the same for each worker.
Prints the numbers (start and end memory, rates). `make soak` runs it; exit 1 on a failed check.

  tests/system/soak.py --sgmc build/release/tools/sgmc --config examples/gaussian-2d.toml
      [--workers 8] [--seconds 60] [--keep DIR]
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time


def fail(msg):
    print(f"soak: FAIL: {msg}", file=sys.stderr)
    sys.exit(1)


def rss_kb(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def start(argv):
    return subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def run_cluster(sgmc, config, sets, workers, out, sample=None):
    """Runs master, workers and collector; returns ([(rc, stdout, stderr)], seconds)."""
    os.makedirs(out, exist_ok=True)
    master = start([sgmc, "node", "master", config, *sets, "--listen", "127.0.0.1:0",
                    "--wait", "60", "-q", "--out", out])
    line = master.stdout.readline()
    m = re.search(r"listening on 127\.0\.0\.1:(\d+)", line)
    if not m:
        master.kill()
        fail(f"the master did not listen: {line!r} {master.stderr.read()!r}")
    addr = f"127.0.0.1:{m.group(1)}"
    procs = [master]
    for i in range(workers):
        procs.append(start([sgmc, "node", "worker", config, *sets, "--id", str(i), "--connect",
                            addr, "-q", "--out", out]))
    procs.append(start([sgmc, "node", "collector", config, *sets, "--connect", addr, "-q",
                        "--out", out]))
    t0 = time.monotonic()
    stop = threading.Event()
    if sample is not None:
        def sampler():
            while not stop.is_set():
                sample.append((time.monotonic() - t0, [rss_kb(p.pid) for p in procs]))
                stop.wait(1.0)
        th = threading.Thread(target=sampler, daemon=True)
        th.start()
    results = []
    try:
        for p in procs:
            so, se = p.communicate(timeout=600)
            results.append((p.returncode, line + so, se))
    finally:
        stop.set()
        for p in procs:
            if p.poll() is None:
                p.kill()
    return results, time.monotonic() - t0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sgmc", required=True)
    ap.add_argument("--config", required=True)
    ap.add_argument("--workers", type=int, default=8)
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--keep")
    args = ap.parse_args()
    sgmc, config = os.path.abspath(args.sgmc), os.path.abspath(args.config)
    work = args.keep or tempfile.mkdtemp(prefix="sgmc-soak-")
    W = args.workers
    base = ["--set", "protocol.kind=async", "--set", f"protocol.workers={W}",
            "--set", "run.burnin=0", "--set", "run.thin=100"]
    try:
        # Calibration: the rate of this machine at this load.
        cal_steps = 20000
        res, secs = run_cluster(sgmc, config, base + ["--set", f"run.steps={cal_steps}",
                                                      "--set", "trace.enabled=false"],
                                W, os.path.join(work, "calibration"))
        for rc, so, se in res:
            if rc != 0:
                fail(f"calibration run: a node exited {rc}: {se.strip()[-500:]}")
        steps = max(cal_steps, int(cal_steps / secs * args.seconds))
        eval_every = max(1, steps // 20)
        sample = []
        out = os.path.join(work, "soak")
        res, secs = run_cluster(sgmc, config, base + ["--set", f"run.steps={steps}",
                                                      "--set", f"run.eval_every={eval_every}"],
                                W, out, sample)
        names = ["master"] + [f"worker {i}" for i in range(W)] + ["collector"]
        for (rc, so, se), name in zip(res, names):
            if rc != 0:
                fail(f"{name} exited {rc}: {se.strip()[-800:]}")
        summ = subprocess.run([sgmc, "trace", "summary", out, "--json"], capture_output=True,
                              text=True)
        if summ.returncode != 0:
            fail(f"trace summary: {summ.stderr.strip()}")
        s = json.loads(summ.stdout)
        if len(s["workers"]) != W:
            fail(f"the summary has {len(s['workers'])} workers, not {W}")
        applied = rejected = pushes = 0
        for w in s["workers"]:
            if w["pushes"] != w["applied"] + w["rejected"]:
                fail(f"worker {w['worker']}: {w['pushes']} pushes sent, but the master applied "
                     f"{w['applied']} and rejected {w['rejected']}")
            applied += w["applied"]
            rejected += w["rejected"]
            pushes += w["pushes"]
        m = re.search(r"done: versions (\d+)", res[0][1])
        if not m:
            fail(f"no closing line from the master: {res[0][1][-500:]!r}")
        versions = int(m.group(1))
        if applied != versions:
            fail(f"the master applied {applied} pushes but reports {versions} versions")
        # Memory: after the first tenth of the run against the end.
        series = [(t, r) for t, r in sample if all(x is not None for x in r)]
        if len(series) < 5:
            fail(f"too few memory samples ({len(series)}) for a run of {secs:.1f} s")
        early = next(r for t, r in series if t >= 0.1 * secs)
        late = series[-1][1]
        grew = []
        for name, a, b in zip(names, early, late):
            if b > 1.10 * a + 16 * 1024:
                grew.append(f"{name} {a / 1024:.1f} -> {b / 1024:.1f} MB")
        print(f"soak: {W} workers, {steps} steps in {secs:.1f} s "
              f"({steps / secs:.0f} versions/s), {pushes} pushes: {applied} applied, "
              f"{rejected} rejected")
        print(f"soak: resident memory, MB, after {0.1 * secs:.0f} s and at the end: master "
              f"{early[0] / 1024:.1f} -> {late[0] / 1024:.1f}; workers "
              f"{min(early[1:-1]) / 1024:.1f}-{max(early[1:-1]) / 1024:.1f} -> "
              f"{min(late[1:-1]) / 1024:.1f}-{max(late[1:-1]) / 1024:.1f}; collector "
              f"{early[-1] / 1024:.1f} -> {late[-1] / 1024:.1f}")
        if grew:
            fail("resident memory grew: " + "; ".join(grew))
        print("soak: ok")
        return 0
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
