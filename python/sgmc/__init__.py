"""sgmc's Python readers for what a run writes (numpy only).

    import sgmc
    t = sgmc.read_trace("runs/demo/trace/embedded.trace")

Use with ``PYTHONPATH=<repo>/python`` (see docs/trace-format.md).
"""
from .trace import DIRS, RECORD, ROLES, STARTUP_SEQ, TYPES, Trace, TraceError, read_trace

__all__ = ["read_trace", "Trace", "TraceError", "RECORD", "TYPES", "ROLES", "DIRS",
           "STARTUP_SEQ"]
