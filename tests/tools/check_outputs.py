"""Checks of the outputs of `sgmc run`, for the system tests (run with /usr/bin/python3).

  check_outputs.py npy PATH ROWS DIM          float32 [ROWS, DIM], finite (ROWS -1: any), and
                                              its .stats.npy: one record per row, steps rising
  check_outputs.py staleness PATH LO HI       every draw's staleness in [LO, HI] (.stats.npy)
  check_outputs.py mean PATH TOL MU...        column means of the draws within TOL of MU
  check_outputs.py metric PATH CHAIN FIELD OP VALUE
                                              the chain's last metrics line: FIELD OP VALUE
                                              (OP one of lt le gt ge eq: no shell quoting needed)
  check_outputs.py metrics PATH CHAINS        every line parses and has the common fields;
                                              every chain 0..CHAINS-1 is present
Exit status 0 when the check passes; otherwise the reason is printed.
"""
import json
import operator
import sys

import numpy as np

OPS = {"lt": operator.lt, "le": operator.le, "gt": operator.gt, "ge": operator.ge,
       "eq": operator.eq}
COMMON = ("chain", "step", "wall_s", "step_size", "potential", "draws")


def check_npy(path, rows, dim):
    a = np.load(path)
    assert a.dtype == np.float32, a.dtype
    assert a.ndim == 2 and a.shape[1] == int(dim), a.shape
    assert int(rows) < 0 or a.shape[0] == int(rows), a.shape
    assert np.isfinite(a).all(), "non-finite draws"
    stats = np.load(path[:-len(".npy")] + ".stats.npy")
    assert stats.dtype.names == ("step", "potential", "step_size", "staleness"), stats.dtype
    assert stats.shape == (a.shape[0],), f"stats {stats.shape} for draws {a.shape}"
    assert (np.diff(stats["step"].astype(np.int64)) > 0).all(), "steps do not rise"
    print("shape", a.shape)


def check_staleness(path, lo, hi):
    s = np.load(path[:-len(".npy")] + ".stats.npy")["staleness"]
    assert len(s) and s.min() >= int(lo) and s.max() <= int(hi), f"staleness {s.min()}..{s.max()}"
    print("staleness", s.min(), s.max())


def check_mean(path, tol, *mu):
    m = np.load(path).mean(axis=0)
    err = np.abs(m - np.array([float(x) for x in mu])).max()
    assert err < float(tol), f"mean {m} off by {err}"
    print("mean", m)


def lines(path):
    with open(path) as f:
        return [json.loads(line) for line in f]


def check_metric(path, chain, field, op, value):
    last = [r for r in lines(path) if r["chain"] == int(chain)][-1]
    v = last[field]
    assert v is not None and OPS[op](v, float(value)), f"{field} = {v}, want {op} {value}"
    print(field, v)


def check_metrics(path, chains):
    rows = lines(path)
    for r in rows:
        for k in COMMON:
            assert k in r, f"missing {k} in {r}"
    seen = {r["chain"] for r in rows}
    assert seen == set(range(int(chains))), seen
    print(len(rows), "lines")


if __name__ == "__main__":
    checks = {"npy": check_npy, "mean": check_mean, "metric": check_metric,
              "metrics": check_metrics, "staleness": check_staleness}
    try:
        checks[sys.argv[1]](*sys.argv[2:])
    except AssertionError as e:
        print("check failed:", e)
        sys.exit(1)
