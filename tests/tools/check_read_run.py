"""Checks the Python package's read_run on a run folder written by `sgmc run`, and that it
rejects broken copies of it with a ValueError naming the file (run with /usr/bin/python3; the
package is found through PYTHONPATH).

  check_read_run.py RUN_DIR CHAINS DIM SCRATCH_DIR
"""
import json
import os
import shutil
import sys

import numpy as np

import sgmc

run_dir, chains, dim, scratch = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
run = sgmc.read_run(run_dir)
assert run.chains == chains, run
assert isinstance(run.config, dict) and run.config["run"]["chains"] == chains, run.config
for k, s in enumerate(run.samples):
    assert s.dtype == np.float32 and s.shape[1] == dim, (k, s.dtype, s.shape)
    assert isinstance(s, np.memmap), type(s)
    np.testing.assert_array_equal(s, np.load(os.path.join(run_dir, "samples", f"chain-{k}.npy")))
    if run.stats[k] is not None:  # the sidecar of newer runs
        assert len(run.stats[k]) == len(s), k
        assert (np.diff(run.stats[k]["step"].astype(np.int64)) > 0).all(), "steps increase"
with open(os.path.join(run_dir, "metrics.jsonl")) as f:
    assert run.metrics == [json.loads(line) for line in f]
assert {m["chain"] for m in run.metrics} == set(range(chains))


def rejected(mutate, needle):
    """A copy of the run folder broken by `mutate` must raise ValueError mentioning `needle`."""
    copy = os.path.join(scratch, f"broken-{len(os.listdir(scratch))}")
    shutil.copytree(run_dir, copy)
    mutate(copy)
    try:
        sgmc.read_run(copy)
    except ValueError as e:
        assert needle in str(e) and str(e).startswith(copy), (needle, str(e))
        print("rejected:", e)
        return
    raise AssertionError(f"not rejected: {needle}")


def write(path, text, mode="w"):
    with open(path, mode) as f:
        f.write(text)


rejected(lambda d: os.remove(os.path.join(d, "config.toml")), "config.toml")
rejected(lambda d: write(os.path.join(d, "config.toml"), "[run\n"), "config.toml")
rejected(lambda d: write(os.path.join(d, "metrics.jsonl"), "{\"chain\": 0,\n", "a"),
         "metrics.jsonl")
rejected(lambda d: np.save(os.path.join(d, "samples", "chain-0.npy"),
                           np.zeros((3, dim), np.float64)), "chain-0.npy")
rejected(lambda d: np.save(os.path.join(d, "samples", "chain-0.stats.npy"),
                           np.zeros(3, np.float64)), "chain-0.stats.npy")
rejected(lambda d: os.truncate(os.path.join(d, "samples", "chain-0.npy"), 200), "chain-0.npy")
rejected(lambda d: shutil.copy(os.path.join(d, "samples", "chain-0.npy"),
                               os.path.join(d, "samples", "chain-7.npy")), "samples")
rejected(lambda d: (os.makedirs(os.path.join(d, "trace"), exist_ok=True),
                    write(os.path.join(d, "trace", "x.trace"), b"NOTATRACE", "wb")), "x.trace")
print("ok", run)
