"""Reading sgmc message traces (``runs/NAME/trace/NODE.trace``; docs/trace-format.md).

``header, records = read_trace(path)`` reads a trace file of format version 1 or 2: the
header as a dict (node name, format version, run id, config hash, clock anchor, whether the
file was cut short) and every record as one row of a numpy structured array (dtype
:data:`RECORD`, the same fields for both versions). It validates the file as strictly as
sgmc's C++ reader (``sgmc::engine::read_trace``) and refuses anything malformed with a
:class:`TraceError` (a ``ValueError``) whose message starts with the file's path, then the
byte offset and what is wrong (the C++ reader's message, without its ``trace `` prefix); a
file that ends inside a record (a node killed while writing) is read up to its last whole
record, with ``header["truncated"]`` set.

Only numpy is needed.
"""
from __future__ import annotations

import os
import typing

import numpy as np

__all__ = ["read_trace", "Trace", "TraceError", "RECORD", "TYPES", "ROLES", "DIRS"]

#: Record types by code (part of the format: never renumbered).
TYPES = {1: "push", 2: "pull", 3: "params", 4: "exchange", 5: "sample", 6: "hello",
         7: "welcome", 8: "stop", 9: "compute", 10: "apply", 11: "anchor"}
#: Actor roles by code.
ROLES = {0: "master", 1: "worker", 2: "collector"}
#: Directions by code: messages are sent or received, compute/apply are spans, anchors none.
DIRS = {0: "sent", 1: "received", 2: "span", 3: "none"}

#: One decoded record (both versions; fields a version lacks are 0).
RECORD = np.dtype([
    ("t_ns", "<u8"),         # CLOCK_MONOTONIC of the node's host, ns
    ("bytes", "<u8"),        # payload bytes plus the message's fixed fields
    ("version", "<u8"),      # the version the message carries (spans: see the docs)
    ("staleness", "<i8"),    # of an applied push or exchange; -1 when not applicable
    ("seq", "<u8"),          # message id: the sender's sequence number (0: none)
    ("duration_ns", "<u8"),  # spans: their length (t_ns is the start)
    ("realtime_ns", "<u8"),  # anchors: CLOCK_REALTIME read together with t_ns
    ("actor_role", "u1"), ("actor_index", "<u4"),  # the recording actor
    ("peer_role", "u1"), ("peer_index", "<u4"),    # the other end
    ("type", "u1"), ("dir", "u1"),
])

_MAGIC = b"SGMCTRC\0"
_MAX_NODE_BYTES = 4096
_COMMON_HEADER = 24

# The records as they are on disk.
_DISK = {
    1: np.dtype([("t_ns", "<u8"), ("bytes", "<u8"), ("version", "<u8"), ("staleness", "<i8"),
                 ("actor_index", "<u4"), ("peer_index", "<u4"), ("actor_role", "u1"),
                 ("peer_role", "u1"), ("type", "u1"), ("dir", "u1"), ("reserved", "<u4")]),
    2: np.dtype([("t_ns", "<u8"), ("bytes", "<u8"), ("version", "<u8"), ("staleness", "<i8"),
                 ("seq", "<u8"), ("extra", "<u8"), ("actor_index", "<u4"),
                 ("peer_index", "<u4"), ("actor_role", "u1"), ("peer_role", "u1"),
                 ("type", "u1"), ("dir", "u1"), ("reserved", "<u4")]),
}
_FIXED_HEADER = {1: 24, 2: 64}
_MAX_TYPE = {1: 8, 2: 11}
_MAX_DIR = {1: 1, 2: 3}
_COMPUTE, _ANCHOR = 9, 11


class TraceError(ValueError):
    """A malformed trace file: the message names the file, the byte offset and the fault."""


class Trace(typing.NamedTuple):
    """What read_trace returns: ``header, records = read_trace(path)``.

    header   dict: "path"; "node" (master, worker-1, collector, embedded); "version" (1 or 2);
             "run_id" (32 hex digits, the same in every node's file of a run; zeros in v1);
             "config_hash" (of the run's resolved config.toml; 0 in v1); "anchor_t_ns" and
             "anchor_realtime_ns" (the clock anchor taken when the file was opened; 0 in v1);
             "truncated" (the file ended inside a record: read up to the last whole one)
    records  numpy array of dtype RECORD, in file order (sort by t_ns across actors)
    """
    header: dict
    records: np.ndarray


def _header_bytes(version, node_bytes):
    return _FIXED_HEADER[version] + (node_bytes + 7) // 8 * 8


def _u32(data, at):
    return int.from_bytes(data[at:at + 4], "little")


def _u64(data, at):
    return int.from_bytes(data[at:at + 8], "little")


def _explain(version, raw, k, at):
    """(byte offset, message) of what is wrong with record k (raw: its on-disk row)."""
    offs = _DISK[version].fields
    where = f"record {k}: "
    t = int(raw["type"])
    if not 1 <= t <= _MAX_TYPE[version]:
        return at + offs["type"][1], where + f"unknown message type {t}"
    for f in ("actor_role", "peer_role"):
        if raw[f] > 2:
            return at + offs[f][1], where + f"unknown role {int(raw[f])}"
    d = int(raw["dir"])
    if d > _MAX_DIR[version]:
        return at + offs["dir"][1], where + f"unknown direction {d}"
    if raw["reserved"] != 0:
        first = next(i for i in range(4) if (int(raw["reserved"]) >> (8 * i)) & 0xFF)
        return at + offs["reserved"][1] + first, where + "reserved bytes are not zero"
    if raw["staleness"] < -1:
        return at + 24, where + f"staleness {int(raw['staleness'])} below -1"
    if version == 1:
        return None
    name = ("an " if TYPES[t][0] in "aeiou" else "a ") + TYPES[t] + " record"
    kind = "anchor" if t == _ANCHOR else "span" if t >= _COMPUTE else "message"
    want = 3 if kind == "anchor" else 2 if kind == "span" else d
    if d != want or (kind == "message" and d > 1):
        return at + offs["dir"][1], where + f"{name} with direction {DIRS[d]}"
    if kind == "message" and raw["extra"] != 0:
        return at + offs["extra"][1], where + f"{name} with a duration"
    if kind != "message" and raw["seq"] != 0:
        return at + offs["seq"][1], where + f"{name} with a message id"
    if kind == "anchor":
        for f in ("bytes", "version"):
            if raw[f] != 0:
                return at + offs[f][1], where + "an anchor record with a message's fields"
        if raw["actor_index"] or raw["peer_index"] or raw["actor_role"] or raw["peer_role"]:
            return at + offs["actor_index"][1], where + "an anchor record naming an actor"
    return None


def _bad_rows(version, disk):
    """Boolean mask of the records that break a rule (the same rules as _explain)."""
    t, d = disk["type"], disk["dir"]
    bad = ((t < 1) | (t > _MAX_TYPE[version]) | (disk["actor_role"] > 2) |
           (disk["peer_role"] > 2) | (d > _MAX_DIR[version]) | (disk["reserved"] != 0) |
           (disk["staleness"] < -1))
    if version == 2:
        message = t < _COMPUTE
        span = (t >= _COMPUTE) & (t < _ANCHOR)
        anchor = t == _ANCHOR
        bad |= message & ((d > 1) | (disk["extra"] != 0))
        bad |= span & ((d != 2) | (disk["seq"] != 0))
        bad |= anchor & ((d != 3) | (disk["seq"] != 0) | (disk["bytes"] != 0) |
                         (disk["version"] != 0) | (disk["actor_index"] != 0) |
                         (disk["peer_index"] != 0) | (disk["actor_role"] != 0) |
                         (disk["peer_role"] != 0))
    return bad


def read_trace(path) -> Trace:
    """Reads and validates the trace file at `path` (format version 1 or 2): (header, records),
    see Trace.

    Raises TraceError (a ValueError: "PATH: byte N: what") for a malformed file, OSError when
    it cannot be read.
    """
    path = os.fspath(path)

    def bad(offset, what):
        return TraceError(f"{path}: byte {offset}: {what}")

    with open(path, "rb") as f:
        data = f.read()
    size = len(data)
    for i in range(min(size, 8)):
        if data[i] != _MAGIC[i]:
            raise bad(i, "not an sgmc trace (bad magic)")
    if size < _COMMON_HEADER:
        raise bad(size, f"truncated header ({size} bytes; a header has at least "
                        f"{_COMMON_HEADER})")
    version = _u32(data, 8)
    if version not in (1, 2):
        raise bad(8, f"unknown format version {version} (this build reads versions 1 and 2)")
    header_bytes, record_bytes, node_bytes = _u32(data, 12), _u32(data, 16), _u32(data, 20)
    disk = _DISK[version]
    if record_bytes != disk.itemsize:
        raise bad(16, f"record size {record_bytes}, version {version} has {disk.itemsize}")
    if node_bytes > _MAX_NODE_BYTES:
        raise bad(20, f"malformed header (node name of {node_bytes} bytes, at most "
                      f"{_MAX_NODE_BYTES})")
    want = _header_bytes(version, node_bytes)
    if header_bytes != want:
        raise bad(12, f"malformed header (header of {header_bytes} bytes; version {version} "
                      f"with a node name of {node_bytes} bytes has {want})")
    if size < header_bytes:
        raise bad(size, f"truncated header ({size} of {header_bytes} bytes)")
    fixed = _FIXED_HEADER[version]
    for i in range(fixed + node_bytes, header_bytes):
        if data[i] != 0:
            raise bad(i, "header padding is not zero")
    node = data[fixed:fixed + node_bytes].decode("utf-8", errors="replace")
    run_id, config_hash, anchor_t, anchor_real = "0" * 32, 0, 0, 0
    if version == 2:
        run_id = data[24:40].hex()
        config_hash, anchor_t, anchor_real = _u64(data, 40), _u64(data, 48), _u64(data, 56)

    n, rest = divmod(size - header_bytes, record_bytes)
    raw = np.frombuffer(data, disk, count=n, offset=header_bytes)
    bad_rows = _bad_rows(version, raw)
    if bad_rows.any():
        k = int(np.argmax(bad_rows))
        at, what = _explain(version, raw[k], k, header_bytes + k * record_bytes)
        raise bad(at, what)

    rec = np.zeros(n, RECORD)
    for field in ("t_ns", "bytes", "version", "staleness", "actor_role", "actor_index",
                  "peer_role", "peer_index", "type", "dir"):
        rec[field] = raw[field]
    if version == 2:
        rec["seq"] = raw["seq"]
        anchor = raw["type"] == _ANCHOR
        rec["duration_ns"] = np.where(anchor, 0, raw["extra"])
        rec["realtime_ns"] = np.where(anchor, raw["extra"], 0)
    header = {"path": path, "node": node, "version": version, "run_id": run_id,
              "config_hash": config_hash, "anchor_t_ns": anchor_t,
              "anchor_realtime_ns": anchor_real, "truncated": rest != 0}
    return Trace(header, rec)
