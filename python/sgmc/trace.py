"""Trace files (docs/trace-format.md), version 1: a minimal reader.

The full reader (versions 1 and 2) replaces this module; the interface is the same:
read_trace(path) -> (header dict with at least "node" and "version", structured records).
"""
import numpy as np

RECORD = np.dtype([
    ("t_ns", "<u8"), ("bytes", "<u8"), ("version", "<u8"), ("staleness", "<i8"),
    ("actor_index", "<u4"), ("peer_index", "<u4"),
    ("actor_role", "u1"), ("peer_role", "u1"), ("type", "u1"), ("dir", "u1"),
    ("reserved", "V4"),
])
TYPES = ["push", "pull", "params", "exchange", "sample", "hello", "welcome", "stop"]
ROLES = ["master", "worker", "collector"]
DIRS = ["sent", "received"]


def read_trace(path):
    """Returns (header, records) of an sgmc trace file; ValueError naming the file if bad."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != b"SGMCTRC\0":
        raise ValueError(f"{path}: not an sgmc trace (bad magic)")
    if len(data) < 24:
        raise ValueError(f"{path}: truncated header")
    version, header_bytes, record_bytes, node_bytes = np.frombuffer(data, "<u4", 4, 8)
    if version != 1 or record_bytes != RECORD.itemsize:
        raise ValueError(f"{path}: unknown trace format version {version}")
    if header_bytes > len(data) or 24 + node_bytes > header_bytes:
        raise ValueError(f"{path}: truncated header")
    if (len(data) - header_bytes) % RECORD.itemsize:
        raise ValueError(f"{path}: truncated record")
    node = data[24:24 + node_bytes].decode("utf-8")
    records = np.frombuffer(data, RECORD, offset=int(header_bytes))
    return {"node": node, "version": int(version)}, records
