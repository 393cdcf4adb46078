"""What every experiment script shares: find the `sgmc` binary, run it (several at a time), read
the run with the repository's reader (python/sgmc), and write the page docs/experiments/NAME.md.

An experiment script is `experiments/NAME/run.py`; it imports this file, calls `sgmc` for every
configuration it needs and computes its summary statistics in numpy from the draws."""
import argparse
import os
import resource
import shlex
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "python"))
import sgmc  # noqa: E402  (the reader of this repository, not an installed copy)


def parse_args(name, doc):
    p = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sgmc", default=os.environ.get("SGMC",
                                                    os.path.join(ROOT, "build/release/tools/sgmc")),
                   help="the sgmc binary (default: $SGMC or build/release/tools/sgmc)")
    p.add_argument("--runs", default=os.path.join(ROOT, "runs", "experiments", name),
                   help="where the run folders go (default runs/experiments/%(default)s)")
    p.add_argument("--docs", default=None,
                   help="where NAME.md and NAME.png are written (default docs/experiments; "
                        "with --quick, RUNS/docs, so that a smoke run leaves the pages alone)")
    p.add_argument("--jobs", type=int, default=2, help="sgmc processes at a time (default 2)")
    p.add_argument("--quick", action="store_true",
                   help="a smoke run: tiny sizes, a few seconds, results meaningless")
    args = p.parse_args()
    if args.docs is None:
        args.docs = os.path.join(args.runs, "docs") if args.quick else \
            os.path.join(ROOT, "docs", "experiments")
    if not os.access(args.sgmc, os.X_OK):
        sys.exit(f"{name}: {args.sgmc} is not an executable; build first (make build) or pass --sgmc")
    return args


def command(args, verb, config, out, sets, threads=None):
    """The sgmc command line of one run: `sgmc VERB CONFIG --out OUT --set k=v ...`."""
    cmd = [args.sgmc, verb, config, "--out", out, "--quiet"]
    if threads:
        cmd += ["--threads", str(threads)]
    for key, value in sets.items():
        cmd += ["--set", f"{key}={value}"]
    return cmd


def shown(cmd):
    """A command as the page shows it: relative paths, `sgmc` for the binary."""
    parts = ["sgmc"] + [os.path.relpath(c, ROOT) if os.path.isabs(c) else c for c in cmd[1:]]
    return " ".join(shlex.quote(p) for p in parts)


def run_all(args, cmds):
    """Runs the commands, `args.jobs` at a time; stops with sgmc's message if one fails."""
    def one(cmd):
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode != 0:
            raise RuntimeError(f"{shown(cmd)} failed ({r.returncode}): {r.stderr.strip()}")
        return r.stdout
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        return list(pool.map(one, cmds))


def draws(out):
    """Every chain's draws of the run folder OUT, as a list of float64 arrays [draws, dim]."""
    return [s.astype("float64") for s in sgmc.read_run(out).samples]


class Timer:
    """Wall time since it was made, and the CPU time (user + system) of the sgmc processes."""

    def __init__(self):
        self.start = time.monotonic()
        self.cpu_start = self._cpu()

    @staticmethod
    def _cpu():
        r = resource.getrusage(resource.RUSAGE_CHILDREN)
        return r.ru_utime + r.ru_stime

    def seconds(self):
        return time.monotonic() - self.start

    def cpu_seconds(self):
        return self._cpu() - self.cpu_start

    def describe(self, runs, jobs):
        """The sentence each page ends with."""
        cpu = self.cpu_seconds()
        return (f"Run time: the whole experiment ({runs} sgmc runs, {jobs} at a time, and the "
                f"script reading them) took {self.seconds():.0f} s of wall time on this machine "
                f"({machine()}); the sgmc processes used {cpu:.0f} s of CPU time, so on 2 idle "
                f"cores the runs alone need about {cpu / 2:.0f} s.")


def table(header, rows):
    """A markdown table; floats with 3 significant digits."""
    def cell(v):
        return f"{v:.3g}" if isinstance(v, float) else str(v)
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def write_page(args, name, text):
    os.makedirs(args.docs, exist_ok=True)
    path = os.path.join(args.docs, f"{name}.md")
    with open(path, "w", encoding="utf-8") as f:
        f.write(text.rstrip() + "\n")
    print(f"{name}: wrote {os.path.relpath(path, ROOT)}")


def figure_path(args, name):
    os.makedirs(args.docs, exist_ok=True)
    return os.path.join(args.docs, f"{name}.png")


def machine():
    """One line about where the page was measured."""
    return f"{os.cpu_count()} cores, `nice -n 10`, shared with other work"
