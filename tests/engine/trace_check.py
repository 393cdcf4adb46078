"""Prints what python/sgmc's read_trace makes of each trace file named on the command line, in
the text test_trace.cpp builds from the C++ reader's result of the same files:

    == PATH
    error: MESSAGE                     (a malformed file; the C++ message without "trace ")
or
    == PATH
    node NAME / version V / run_id HEX / config_hash N / anchor T R / truncated 0|1 / records N
    r T BYTES VERSION STALENESS SEQ DURATION REALTIME AROLE AINDEX PROLE PINDEX TYPE DIR  (each)
"""
import sys

import sgmc


def main():
    for path in sys.argv[1:]:
        print("==", path)
        try:
            header, records = sgmc.read_trace(path)
        except sgmc.TraceError as e:
            assert isinstance(e, ValueError)
            print("error:", e)
            continue
        assert header["path"] == path
        print("node", header["node"])
        print("version", header["version"])
        print("run_id", header["run_id"])
        print("config_hash", header["config_hash"])
        print("anchor", header["anchor_t_ns"], header["anchor_realtime_ns"])
        print("truncated", int(header["truncated"]))
        print("records", len(records))
        assert records.dtype == sgmc.RECORD
        for r in records:
            print("r", *(int(r[f]) for f in ("t_ns", "bytes", "version", "staleness", "seq",
                                              "duration_ns", "realtime_ns", "actor_role",
                                              "actor_index", "peer_role", "peer_index", "type",
                                              "dir")))


if __name__ == "__main__":
    main()
