#!/usr/bin/python3
"""Prints the messaging table of docs/PERFORMANCE.md (round trips, GB/s and the share of raw
ZeroMQ REQ/REP's GB/s measured in the same run) from one sgmc_bench_messaging JSON file.

Usage: messaging_ratio.py MESSAGING_JSON
Run the benchmark first, for instance only for 1M floats:
  build/release/bench/actors/sgmc_bench_messaging \
    --benchmark_filter='(zmq/roundtrip_reqrep|actors/roundtrip_hybrid)/1M/' \
    --benchmark_out=/tmp/messaging.json --benchmark_out_format=json
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from perf_report import load_runs, messaging_table  # noqa: E402


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: messaging_ratio.py MESSAGING_JSON")
    try:
        runs, _ = load_runs(sys.argv[1])
    except (OSError, ValueError, KeyError) as e:
        sys.exit(f"messaging_ratio.py: cannot read {sys.argv[1]}: {e}")
    print("\n".join(messaging_table(runs)))


if __name__ == "__main__":
    main()
