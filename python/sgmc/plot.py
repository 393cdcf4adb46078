"""Figures of one run folder: `python3 -m sgmc.plot RUN_DIR [--out DIR]` (what `sgmc plot` runs).

Writes PNGs (matplotlib, Agg backend) into RUN_DIR/plots/ or DIR:
  metrics.png     test-set metrics (accuracy, NLL, RMSE, ...) against steps and wall time
  trace.png       trace plots and autocorrelation of the potential and a few parameters
  staleness.png   histogram of the staleness of applied updates      (needs a trace)
  bytes.png       cumulative bytes sent per link over time            (needs a trace)
  busy.png        busy fraction (compute spans / time) per worker      (needs a version-2 trace)
A figure whose data the run does not have is skipped with a note on stdout. Bad input: one line
on stderr and exit status 2.
"""
import argparse
import os
import sys

import numpy as np

from .run import read_run

ROLES = ["master", "worker", "collector"]
MESSAGE_TYPES = range(1, 9)  # push .. stop (docs/trace-format.md)
COMPUTE, APPLY, ANCHOR, SENT, SPAN = 9, 10, 11, 0, 2
METRIC_GROUPS = [("accuracy", "pred_accuracy"), ("nll", "pred_nll"), ("rmse", "pred_rmse"),
                 ("mean_error", "var_error"), ("dist",)]
MAX_PARAMS, MAX_LAGS, MAX_LINKS = 4, 100, 12


def autocorrelation(x, max_lag):
    """Normalised autocorrelation of x at lags 0..max_lag (FFT, zero-padded)."""
    x = np.asarray(x, dtype=np.float64)
    x = x - x.mean()
    n = len(x)
    f = np.fft.rfft(x, 2 * n)
    acov = np.fft.irfft(f * np.conj(f))[:max_lag + 1]
    return acov / acov[0] if acov[0] > 0 else np.zeros_like(acov)


def param_name(config, i):
    """The name of θ[i] as posterior.nc gives it (mlp: W1[r,c] or b1[c]), else theta[i]."""
    model = config.get("model", {})
    layers = model.get("layers") if model.get("kind") == "mlp" else None
    if layers:
        offset = 0
        for l in range(len(layers) - 1):
            rows, cols = layers[l], layers[l + 1]
            if i < offset + rows * cols:
                r, c = divmod(i - offset, cols)
                return f"W{l + 1}[{r},{c}]"
            offset += rows * cols
            if i < offset + cols:
                return f"b{l + 1}[{i - offset}]"
            offset += cols
    return f"theta[{i}]"


def plot_metrics(run, plt):
    groups = [[f for f in g if any(m.get(f) is not None for m in run.metrics)]
              for g in METRIC_GROUPS]
    groups = [g for g in groups if g]
    if not groups:
        return None, "no metrics records with test-set fields"
    fig, axes = plt.subplots(len(groups), 2, figsize=(11, 3 * len(groups)), squeeze=False)
    chains = sorted({m["chain"] for m in run.metrics})
    for row, fields in zip(axes, groups):
        for ax, x in zip(row, ("step", "wall_s")):
            for k in chains:
                recs = run.metrics_of(k)
                for f in fields:
                    pts = [(m[x], m[f]) for m in recs if m.get(f) is not None]
                    if pts:
                        xs, ys = zip(*pts)
                        ax.plot(xs, ys, marker=".", label=f"{f} chain {k}")
            ax.set_xlabel("steps" if x == "step" else "wall time (s)")
            ax.set_ylabel(" / ".join(fields))
            ax.legend(fontsize="x-small")
    fig.suptitle("test-set metrics")
    return fig, None


def series_for_traces(run):
    """[(label, [per-chain 1-d arrays])]: the potential and a few parameters."""
    series = []
    if run.stats and all(s is not None for s in run.stats):
        series.append(("potential (per draw)", [np.asarray(s["potential"]) for s in run.stats]))
    elif any(m.get("potential") is not None for m in run.metrics):
        chains = sorted({m["chain"] for m in run.metrics})
        series.append(("potential (metrics records)",
                       [np.array([m["potential"] for m in run.metrics_of(k)
                                  if m.get("potential") is not None], dtype=float)
                        for k in chains]))
    if run.samples and run.samples[0].shape[0] > 0:
        dim = run.samples[0].shape[1]
        rng = np.random.default_rng(0)
        for i in sorted(rng.choice(dim, size=min(MAX_PARAMS, dim), replace=False)):
            series.append((param_name(run.config, int(i)),
                           [np.asarray(s[:, i], dtype=float) for s in run.samples]))
    return series


def plot_traces(run, plt):
    series = [(label, [c for c in chains if len(c) > 0]) for label, chains in
              series_for_traces(run)]
    series = [(label, chains) for label, chains in series if chains]
    if not series:
        return None, "no draws and no potential to plot"
    fig, axes = plt.subplots(len(series), 2, figsize=(11, 2.5 * len(series)), squeeze=False)
    for (ax_trace, ax_acf), (label, chains) in zip(axes, series):
        for k, c in enumerate(chains):
            ax_trace.plot(c, linewidth=0.8, label=f"chain {k}")
            finite = c[np.isfinite(c)]
            if len(finite) > 1:
                lags = min(MAX_LAGS, len(finite) - 1)
                ax_acf.plot(autocorrelation(finite, lags), label=f"chain {k}")
        ax_trace.set_ylabel(label)
        ax_trace.set_xlabel("draw")
        ax_acf.set_xlabel("lag (draws)")
        ax_acf.set_ylabel("autocorrelation")
        ax_acf.axhline(0, color="grey", linewidth=0.5)
        ax_trace.legend(fontsize="x-small")
    fig.suptitle("trace plots and autocorrelation")
    return fig, None


def all_records(run):
    return [rec for _, (_, rec) in sorted(run.traces.items()) if len(rec)]


def plot_staleness(run, plt):
    records = all_records(run)
    values = np.concatenate([r["staleness"][r["staleness"] >= 0] for r in records]) \
        if records else np.array([], dtype=np.int64)
    source = "trace"
    if not len(values) and not run.traces and any(s is not None for s in run.stats):
        values = np.concatenate([np.asarray(s["staleness"]) for s in run.stats if s is not None])
        values, source = values[values >= 0], "samples/chain-K.stats.npy"
    if not len(values):
        what = "the trace has" if run.traces else "no trace, and the draws have"
        return None, f"{what} no applied updates with a staleness"
    fig, ax = plt.subplots(figsize=(8, 4.5))
    top = int(values.max())
    ax.hist(values, bins=np.arange(top + 2) - 0.5 if top < 60 else 60)
    ax.set_xlabel("staleness (versions)")
    ax.set_ylabel("applied updates")
    ax.set_title(f"staleness of {len(values)} applied updates ({source}): "
                 f"mean {values.mean():.2f}, max {top}")
    return fig, None


def plot_bytes(run, plt):
    sent = [r[(r["dir"] == SENT) & np.isin(r["type"], MESSAGE_TYPES)] for r in all_records(run)]
    sent = [s for s in sent if len(s)]
    if not sent:
        return None, "no trace with sent messages" if run.traces else "no trace"
    msgs = np.concatenate(sent)
    t0 = msgs["t_ns"].min()
    keys = np.stack([msgs["actor_role"], msgs["actor_index"], msgs["peer_role"],
                     msgs["peer_index"]], axis=1).astype(np.int64)
    links, inverse = np.unique(keys, axis=0, return_inverse=True)
    inverse = inverse.reshape(-1)
    totals = np.bincount(inverse, weights=msgs["bytes"].astype(float))
    fig, ax = plt.subplots(figsize=(9, 5))
    for j in np.argsort(-totals)[:MAX_LINKS]:
        m = msgs[inverse == j]
        m = m[np.argsort(m["t_ns"], kind="stable")]
        a, ai, p, pi = links[j]
        ax.step((m["t_ns"] - t0) / 1e9, np.cumsum(m["bytes"]) / 2**20, where="post",
                label=f"{ROLES[a]} {ai} -> {ROLES[p]} {pi}")
    ax.set_xlabel("time since the first message (s)")
    ax.set_ylabel("bytes sent (MiB, cumulative)")
    shown = min(MAX_LINKS, len(links))
    ax.set_title(f"bytes per link ({shown} of {len(links)} links, largest first)")
    ax.legend(fontsize="x-small")
    return fig, None


def plot_busy(run, plt):
    records = [r for r in all_records(run) if "duration_ns" in (r.dtype.names or ())]
    spans = [r[(r["dir"] == SPAN) & np.isin(r["type"], (COMPUTE, APPLY))] for r in records]
    spans = [s for s in spans if len(s)]
    if not spans:
        return None, ("no trace" if not run.traces else
                      "the trace has no compute spans (trace format version 2 records them)")
    everything = np.concatenate(records)
    everything = everything[everything["type"] != ANCHOR]
    s = np.concatenate(spans)
    labels, fractions = [], []
    for role in (1, 0):  # workers' compute, then masters' apply
        sel = s[s["actor_role"] == role]
        if not len(sel):
            continue
        # As `sgmc trace summary`: time in spans over the actor's own time, from its first
        # record to the end of its last (so the start-up of other nodes does not count). One
        # grouped pass per role, not one pass per actor (thousands in a simulated run).
        mine = everything[everything["actor_role"] == role]
        ids, at = np.unique(mine["actor_index"], return_inverse=True)
        t0 = np.full(len(ids), np.iinfo(np.uint64).max, dtype=np.uint64)
        t1 = np.zeros(len(ids), dtype=np.uint64)
        np.minimum.at(t0, at, mine["t_ns"])
        np.maximum.at(t1, at, mine["t_ns"] + mine["duration_ns"])
        span_of = np.searchsorted(ids, sel["actor_index"])
        busy = np.bincount(span_of, weights=sel["duration_ns"].astype(np.float64),
                           minlength=len(ids))
        for k in np.unique(span_of):
            span = float(t1[k]) - float(t0[k])
            labels.append(f"{ROLES[role]} {ids[k]}")
            fractions.append(min(1.0, busy[k] / span) if span > 0 else 0.0)
    fig, ax = plt.subplots(figsize=(max(6, 0.6 * len(labels) + 2), 4.5))
    ax.bar(labels, fractions)
    ax.set_ylim(0, 1)
    ax.set_ylabel("busy fraction")
    ax.set_title("busy: computing (workers), applying (masters)")
    plt.setp(ax.get_xticklabels(), rotation=45, ha="right")
    return fig, None


FIGURES = [("metrics.png", plot_metrics), ("trace.png", plot_traces),
           ("staleness.png", plot_staleness), ("bytes.png", plot_bytes), ("busy.png", plot_busy)]


def main(argv=None):
    ap = argparse.ArgumentParser(prog="sgmc plot", description=__doc__.splitlines()[0])
    ap.add_argument("run_dir")
    ap.add_argument("--out", help="folder for the PNGs (default RUN_DIR/plots)")
    args = ap.parse_args(argv)
    try:
        run = read_run(args.run_dir)
    except ValueError as e:
        print(f"sgmc plot: error: {e}", file=sys.stderr)
        return 2
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("sgmc plot: error: matplotlib is missing (apt-get install python3-matplotlib)",
              file=sys.stderr)
        return 2
    out = args.out or os.path.join(args.run_dir, "plots")
    try:
        os.makedirs(out, exist_ok=True)
    except OSError as e:
        print(f"sgmc plot: error: cannot create {out}: {e.strerror}", file=sys.stderr)
        return 2
    for name, make in FIGURES:
        fig, note = make(run, plt)
        if fig is None:
            print(f"{name}: skipped: {note}")
            continue
        fig.tight_layout()
        fig.savefig(os.path.join(out, name), dpi=100)
        plt.close(fig)
        print(os.path.join(out, name))
    return 0


if __name__ == "__main__":
    sys.exit(main())
