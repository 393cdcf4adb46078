"""sgmc's Python reader: the outputs of `sgmc run` and `sgmc node` as numpy arrays.

    import sgmc
    run = sgmc.read_run("runs/fmnist-mlp")     # config, samples, stats, metrics, traces
    header, records = sgmc.read_trace("runs/x/trace/embedded.trace")

numpy only; xarray (for posterior.nc) and matplotlib (for `python3 -m sgmc.plot`) are optional.
"""
from .run import Run, read_run
from .trace import DIRS, RECORD, ROLES, TYPES, Trace, TraceError, read_trace

__all__ = ["Run", "read_run", "read_trace", "Trace", "TraceError", "RECORD", "TYPES", "ROLES",
           "DIRS"]
