"""read_run: one run folder of `sgmc run` / `sgmc node` (docs/outputs.md) as numpy arrays.

Validates what it reads as strictly as the C++ readers: a malformed file is a ValueError whose
message starts with the file's path. Files that a run writes only in some cases (the stats
sidecars, traces) are None or empty when absent; config.toml is required.
"""
import json
import os
import re
import tomllib

import numpy as np

from .trace import read_trace

#: dtype of samples/chain-K.stats.npy: one row per draw.
STATS_DTYPE = np.dtype([("step", "<u8"), ("potential", "<f8"), ("step_size", "<f8"),
                        ("staleness", "<i8")])
_CHAIN_FILE = re.compile(r"chain-([0-9]+)\.npy")


class Run:
    """What read_run returns.

    path      the run folder
    config    dict: config.toml parsed (every key with the value the run used)
    samples   list over chains K = 0.. of float32 arrays [draws, dim], memory-mapped
    stats     list over chains of structured arrays (STATS_DTYPE), or None where absent
    metrics   list of dicts, one per line of metrics.jsonl (in file order)
    traces    dict node name -> (header, records) of every trace/*.trace
    """

    def __init__(self, path, config, samples, stats, metrics, traces):
        self.path = path
        self.config = config
        self.samples = samples
        self.stats = stats
        self.metrics = metrics
        self.traces = traces

    @property
    def chains(self):
        return len(self.samples)

    def metrics_of(self, chain):
        """The metrics records of one chain, in order."""
        return [m for m in self.metrics if m["chain"] == chain]

    def __repr__(self):
        draws = [len(s) for s in self.samples]
        return (f"Run({self.path!r}, chains={self.chains}, draws={draws}, "
                f"metrics={len(self.metrics)}, traces={sorted(self.traces)})")


def read_config(path):
    try:
        with open(path, "rb") as f:
            return tomllib.load(f)
    except FileNotFoundError:
        raise ValueError(f"{path}: missing (not an sgmc run folder?)") from None
    except tomllib.TOMLDecodeError as e:
        raise ValueError(f"{path}: not valid TOML: {e}") from None


def read_draws(path):
    """A chain's draws, float32 [draws, dim], memory-mapped."""
    try:
        a = np.load(path, mmap_mode="r", allow_pickle=False)
    except (ValueError, OSError) as e:
        raise ValueError(f"{path}: not a readable .npy file: {e}") from None
    if a.dtype != np.dtype("<f4") or a.ndim != 2 or not a.flags.c_contiguous:
        raise ValueError(f"{path}: expected float32 [draws, dim] in C order, "
                         f"found {a.dtype} {list(a.shape)}")
    return a


def read_stats(path):
    """A chain's per-draw statistics (STATS_DTYPE), memory-mapped."""
    try:
        a = np.load(path, mmap_mode="r", allow_pickle=False)
    except (ValueError, OSError) as e:
        raise ValueError(f"{path}: not a readable .npy file: {e}") from None
    if a.dtype != STATS_DTYPE or a.ndim != 1:
        raise ValueError(f"{path}: expected a 1-d array of {STATS_DTYPE.descr}, "
                         f"found {a.dtype.descr} {list(a.shape)}")
    return a


def read_metrics(path):
    records = []
    try:
        f = open(path, encoding="utf-8")
    except FileNotFoundError:
        return records
    with f:
        for n, line in enumerate(f, start=1):
            try:
                r = json.loads(line)
            except json.JSONDecodeError as e:
                raise ValueError(f"{path}:{n}: not a JSON line: {e}") from None
            if not isinstance(r, dict) or not isinstance(r.get("chain"), int) or \
                    not isinstance(r.get("step"), int):
                raise ValueError(f"{path}:{n}: a metrics record needs integer chain and step")
            records.append(r)
    return records


def read_samples(folder):
    """(samples, stats) of every chain-K.npy in `folder`; K must be 0, 1, ... without gaps."""
    if not os.path.isdir(folder):
        return [], []
    found = sorted(int(m.group(1)) for name in os.listdir(folder)
                   if (m := _CHAIN_FILE.fullmatch(name)))
    if found != list(range(len(found))):
        raise ValueError(f"{folder}: chain files {found} are not numbered 0..{len(found) - 1}")
    samples, stats = [], []
    for k in found:
        draws = read_draws(os.path.join(folder, f"chain-{k}.npy"))
        if samples and draws.shape[1] != samples[0].shape[1]:
            raise ValueError(f"{folder}/chain-{k}.npy: dim {draws.shape[1]} differs from "
                             f"chain-0.npy's {samples[0].shape[1]}")
        samples.append(draws)
        path = os.path.join(folder, f"chain-{k}.stats.npy")
        s = read_stats(path) if os.path.exists(path) else None
        # Written next to each other: while a run goes on one may be a row ahead.
        if s is not None and abs(len(s) - len(draws)) > 1:
            raise ValueError(f"{path}: {len(s)} rows but chain-{k}.npy has {len(draws)} draws")
        stats.append(s)
    return samples, stats


def read_traces(folder):
    traces = {}
    if not os.path.isdir(folder):
        return traces
    for name in sorted(os.listdir(folder)):
        if not name.endswith(".trace"):
            continue
        path = os.path.join(folder, name)
        header, records = read_trace(path)
        node = header["node"]
        if node in traces:
            raise ValueError(f"{path}: node {node!r} also has another trace in {folder}")
        traces[node] = (header, records)
    return traces


def read_run(run_dir):
    """Reads the run folder `run_dir`; see Run. ValueError naming the file when one is bad."""
    run_dir = os.fspath(run_dir)
    if not os.path.isdir(run_dir):
        raise ValueError(f"{run_dir}: not a folder")
    config = read_config(os.path.join(run_dir, "config.toml"))
    samples, stats = read_samples(os.path.join(run_dir, "samples"))
    metrics = read_metrics(os.path.join(run_dir, "metrics.jsonl"))
    traces = read_traces(os.path.join(run_dir, "trace"))
    return Run(run_dir, config, samples, stats, metrics, traces)
