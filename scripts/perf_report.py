#!/usr/bin/python3
"""Turns one `scripts/bench` session into the tables of docs/PERFORMANCE.md.

Usage: perf_report.py RESULTS_DIR
RESULTS_DIR holds samplers.json and models.json (Google Benchmark JSON, with repetitions) and
pytorch.jsonl (bench/pytorch/sgld_mlp.py; may be empty). Every ratio divides two numbers from
this one session, so that the load of a shared machine affects both sides alike. Prints
Markdown on stdout and writes it to RESULTS_DIR/report.md as well.
"""
import json
import os
import platform
import statistics
import sys

from perf_fmnist import accuracy_rows, best_torch, blas_name, loading_rows, torch_rows


def load_runs(path):
    """{run_name: {"median": {...}, "stddev": {...}, "runs": [...]}} from one JSON file."""
    with open(path) as f:
        doc = json.load(f)
    out = {}
    for b in doc["benchmarks"]:
        name = b.get("run_name", b["name"])
        # drop Google Benchmark's suffixes: /repeats:N, /real_time
        name = "/".join(p for p in name.split("/")
                        if not p.startswith("repeats:") and p != "real_time")
        entry = out.setdefault(name, {"runs": []})
        if b.get("run_type") == "aggregate":
            entry[b["aggregate_name"]] = b
        else:
            entry["runs"].append(b)
    return out, doc.get("context", {})


def median_of(entry, key):
    """The median of `key` (a counter or a field) over the repetitions, and its spread."""
    values = [r[key] for r in entry["runs"] if key in r]
    if values:
        med = statistics.median(values)
        return med, min(values), max(values)
    if "median" in entry and key in entry["median"]:
        v = entry["median"][key]
        lo = v - entry.get("stddev", {}).get(key, 0.0)
        hi = v + entry.get("stddev", {}).get(key, 0.0)
        return v, lo, hi
    raise KeyError(key)


GIB = 1024.0 ** 3


def kernel_table(samplers):
    rows = []
    triad = median_of(samplers["samplers/stream_triad/16M"], "bytes_per_second")[0]
    rows.append("| case | GiB/s (median) | min – max | of triad |")
    rows.append("| --- | ---: | ---: | ---: |")
    for name, entry in samplers.items():
        if not name.endswith("/16M") or not name.startswith("samplers/"):
            continue
        med, lo, hi = median_of(entry, "bytes_per_second")
        rows.append(f"| `{name}` | {med / GIB:.1f} | {lo / GIB:.1f} – {hi / GIB:.1f} | "
                    f"{100.0 * med / triad:.0f} % |")
    extra = []
    for name in ("samplers/sgld/256K/1thread", "core/fill_normal/64K", "core/fill_normal/16M"):
        if name in samplers:
            med, lo, hi = median_of(samplers[name], "items_per_second")
            extra.append(f"| `{name}` | {med / 1e9:.2f} G floats/s | "
                         f"{lo / 1e9:.2f} – {hi / 1e9:.2f} |")
    if extra:
        rows.append("")
        rows.append("| case | rate (median) | min – max |")
        rows.append("| --- | ---: | ---: |")
        rows.extend(extra)
    return rows, triad


def mlp_table(models, torch_runs):
    rows = ["| network | threads | case | steps/s (median) | min – max | FLOPs/step | "
            "GEMM bound steps/s | of bound | PyTorch steps/s | sgmc / PyTorch |",
            "| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    best, _ = best_torch(torch_runs)  # the reference at its best: its fastest BLAS
    torch = {key: r["steps_per_second"] for key, r in best.items()}
    which = {key: f"{blas_name(r).split(',')[0]}"
                  f"{', passive wait' if r['blas'].get('omp_wait') else ''}, {r['threads']} thr."
             for key, r in best.items()}
    summary = {}
    for net in ("784-100-10", "784-400-400-10"):
        for t in (1, 2):
            gemm = models.get(f"models/gemm/1024x1024x1024/threads:{t}")
            if gemm is None:
                continue
            gemm_rate = median_of(gemm, "FLOP/s")[0]
            for case in ("models/mlp_grad", "samplers/sgd_step", "samplers/sgld_step"):
                entry = models.get(f"{case}/{net}/threads:{t}")
                if entry is None:
                    continue
                med, lo, hi = median_of(entry, "steps/s")
                flops = median_of(entry, "flops_per_step")[0]
                bound = gemm_rate / flops
                pt = torch.get((net, t))
                pt_cells = (f"{pt:,.0f} ({which[(net, t)]}) | {med / pt:.2f}x"
                            if pt and case.endswith("sgld_step")
                            else "– | –")
                rows.append(f"| {net} | {t} | `{case}` | {med:,.0f} | {lo:,.0f} – {hi:,.0f} | "
                            f"{flops / 1e6:.1f} M | {bound:,.0f} | {100.0 * med / bound:.0f} % | "
                            f"{pt_cells} |")
                summary[(net, t, case)] = (med, bound, pt)
    gemm_rows = ["| GEMM | threads | GFLOP/s (median) | min – max |",
                 "| --- | ---: | ---: | ---: |"]
    for name, entry in models.items():
        if name.startswith("models/gemm/"):
            med, lo, hi = median_of(entry, "FLOP/s")
            shape, threads = name.split("/")[2], name.split(":")[-1]
            gemm_rows.append(f"| {shape} | {threads} | {med / 1e9:.1f} | "
                             f"{lo / 1e9:.1f} – {hi / 1e9:.1f} |")
    t_rows = []
    if torch:
        flops = {net: median_of(models[f"models/mlp_grad/{net}/threads:1"], "flops_per_step")[0]
                 for net in ("784-100-10", "784-400-400-10")
                 if f"models/mlp_grad/{net}/threads:1" in models}
        t_rows = torch_rows(torch_runs, flops)
    return rows, gemm_rows + ([""] + t_rows if t_rows else []), summary


def messaging_table(msg):
    """Round trips across processes next to raw ZeroMQ REQ/REP of the same size, same run."""
    rows = ["| floats | case | settings | round trips/s | GB/s (both ways) | of ZeroMQ GB/s |",
            "| ---: | --- | --- | ---: | ---: | ---: |"]
    for size in ("1K", "100K", "1M"):
        zmq = msg.get(f"zmq/roundtrip_reqrep/{size}/tcp")
        zmq_bps = median_of(zmq, "bytes_per_second")[0] if zmq else None
        if zmq:
            rows.append(f"| {size} | `zmq/roundtrip_reqrep` | tcp loopback | "
                        f"{median_of(zmq, 'items_per_second')[0]:,.0f} | {zmq_bps / 1e9:.2f} | "
                        "100 % |")
        for case in ("roundtrip_inproc", "roundtrip_remote", "roundtrip_hybrid"):
            for setting in ("default", "1thread", "sharing", "sharing_1thread"):
                e = msg.get(f"actors/{case}/{size}/{setting}")
                if e is None:
                    continue
                bps = median_of(e, "bytes_per_second")[0]
                ratio = f"{100.0 * bps / zmq_bps:.0f} %" if zmq_bps and case != "roundtrip_inproc" \
                    else "–"
                rows.append(f"| {size} | `actors/{case}` | {setting} | "
                            f"{median_of(e, 'items_per_second')[0]:,.0f} | {bps / 1e9:.2f} | "
                            f"{ratio} |")
        # With CURVE (cluster.tls): next to plain REQ/REP, and to REQ/REP with CURVE.
        zc = msg.get(f"zmq/roundtrip_reqrep/{size}/tcp_curve")
        zc_bps = median_of(zc, "bytes_per_second")[0] if zc else None
        if zc:
            plain = f"{100.0 * zc_bps / zmq_bps:.0f} %" if zmq_bps else "–"
            rows.append(f"| {size} | `zmq/roundtrip_reqrep` | tcp loopback, CURVE | "
                        f"{median_of(zc, 'items_per_second')[0]:,.0f} | {zc_bps / 1e9:.2f} | "
                        f"{plain} (CURVE's 100 %) |")
        for setting in ("default", "1thread", "sharing", "sharing_1thread"):
            e = msg.get(f"actors/roundtrip_hybrid/{size}/{setting}_curve")
            if e is None:
                continue
            bps = median_of(e, "bytes_per_second")[0]
            plain = f"{100.0 * bps / zmq_bps:.0f} %" if zmq_bps else "–"
            of_curve = f" ({100.0 * bps / zc_bps:.0f} % of CURVE's)" if zc_bps else ""
            rows.append(f"| {size} | `actors/roundtrip_hybrid` | {setting}, CURVE | "
                        f"{median_of(e, 'items_per_second')[0]:,.0f} | {bps / 1e9:.2f} | "
                        f"{plain}{of_curve} |")
    trace = msg.get("actors/trace_record/1thread")
    if trace:
        rows.append("")
        rows.append(f"One trace record (`actors/trace_record/1thread`): "
                    f"{1e9 / median_of(trace, 'items_per_second')[0]:.0f} ns.")
    return rows


def codec_table(codecs, msg):
    """Encode and decode of every codec on 1M floats, its wire bytes, and whether it pays on the
    loopback of this session's messaging benchmark (raw ZeroMQ, 1M floats): a codec pays when
    encode + decode take less time than the bytes it saves take on that wire."""
    zmq = msg.get("zmq/roundtrip_reqrep/1M/tcp")
    # bytes_per_second counts both ways of a round trip: each way moves its bytes at that rate.
    wire_bps = median_of(zmq, "bytes_per_second")[0] if zmq else None
    rows = ["| codec | encode ms | decode ms | wire bytes / 4 B·n | saves on loopback ms | "
            "pays on loopback? |",
            "| --- | ---: | ---: | ---: | ---: | --- |"]
    names = sorted({n.split("/")[2] + "/" + n.split("/")[3] for n in codecs
                    if n.startswith("protocols/encode/")})
    for name in names:
        enc, dec = codecs.get(f"protocols/encode/{name}"), codecs.get(f"protocols/decode/{name}")
        if enc is None or dec is None:
            continue
        e_ms = median_of(enc, "real_time")[0]
        d_ms = median_of(dec, "real_time")[0]
        ratio = median_of(enc, "ratio")[0]
        n_bytes = median_of(enc, "bytes_per_second")[0] * e_ms / 1e3  # 4 B per float of x
        if ratio >= 1.0:
            verdict, saved = "– (sends every byte)", "0"
        elif wire_bps:
            saved_ms = 1e3 * n_bytes * (1.0 - ratio) / wire_bps
            verdict = "yes" if e_ms + d_ms < saved_ms else \
                "**no**: encode + decode cost more than the bytes they save"
            saved = f"{saved_ms:.2f}"
        else:
            verdict, saved = "– (no messaging run)", "–"
        rows.append(f"| {name} | {e_ms:.2f} | {d_ms:.2f} | {ratio:.3f} | {saved} | {verdict} |")
    if wire_bps:
        rows += ["", f"Loopback: raw ZeroMQ REQ/REP of 1M floats, {wire_bps / 1e9:.2f} GB/s "
                     "(this session's messaging benchmark)."]
    return rows


def runs_tables(runs):
    rows = ["| run | trace on s | trace off s | on / off, medians | on / off, median of pairs "
            "| CPU s on / off, median of pairs |",
            "| --- | ---: | ---: | ---: | ---: | ---: |"]
    for r in runs.get("trace_overhead", []):
        pairs, cpu = r.get("pair_ratio_median"), r.get("cpu_ratio_median")
        rows.append(f"| `{r['config']}` {' '.join(r['sets'])} | {r['seconds_trace_on']:.2f} | "
                    f"{r['seconds_trace_off']:.2f} | {r['seconds_trace_on'] / r['seconds_trace_off']:.3f} | "
                    f"{f'{pairs:.3f}' if pairs else '–'} | {f'{cpu:.3f}' if cpu else '–'} |")
    f = runs.get("fmnist")
    if f:
        rows += ["", "| Fashion-MNIST MLP 784-100-10, 8000 steps | sampling s | draws/s | "
                 "gradients/s | pred. accuracy at equal wall time |",
                 "| --- | ---: | ---: | ---: | ---: |"]
        for name, label in (("single", "one process, no actors (`protocol.kind = none`)"),
                            ("async-2", "embedded actors, async, 2 workers")):
            c = f[name]
            acc = c["accuracy_at_equal_time"]
            acc_txt = f"{acc:.4f} (at {c['accuracy_time']:.1f} s)" if acc is not None else "–"
            rows.append(f"| {label} | {c['seconds']:.2f} | {c['draws_per_second']:.1f} | "
                        f"{c['gradients_per_second']:,.0f} | {acc_txt} |")
        rows.append("")
        rows.append(f"async / one process, draws/s: "
                    f"{f['async-2']['draws_per_second'] / f['single']['draws_per_second']:.2f}x")
    return rows


def machine(context):
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return (f"{cpu}, {os.cpu_count()} cores, {platform.system()} {platform.release()}; "
            f"run {context.get('date', '?')}")


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: perf_report.py RESULTS_DIR")
    d = sys.argv[1]
    try:
        samplers = {}  # absent when only the MLP and the references were run
        if os.path.exists(os.path.join(d, "samplers.json")):
            samplers, _ = load_runs(os.path.join(d, "samplers.json"))
        models, ctx = load_runs(os.path.join(d, "models.json"))  # the session's start
    except (OSError, ValueError, KeyError) as e:
        sys.exit(f"perf_report.py: cannot read the benchmark results in {d}: {e}")
    msg = {}
    if os.path.exists(os.path.join(d, "messaging.json")):
        msg, _ = load_runs(os.path.join(d, "messaging.json"))
    torch_runs = []
    torch_path = os.path.join(d, "pytorch.jsonl")
    if os.path.exists(torch_path):
        with open(torch_path) as f:
            torch_runs = [json.loads(line) for line in f if line.strip()]

    out = [f"Machine: {machine(ctx)}", ""]
    if samplers:
        out.append("### Sampler kernels over 16M floats (2 threads) against STREAM triad")
        out.append("")
        rows, _ = kernel_table(samplers)
        out.extend(rows)
        out.append("")
    out.append("### MLP at batch 100 against the GEMM bound and a PyTorch loop")
    out.append("")
    rows, gemm_rows, _ = mlp_table(models, torch_runs)
    out.extend(rows)
    out.append("")
    out.extend(gemm_rows)
    pairs_path = os.path.join(d, "step_pairs.md")
    if os.path.exists(pairs_path):  # scripts/bench_step_pairs.py: the same load for both
        with open(pairs_path) as f:
            out += [""] + [f"- {line.strip()}" for line in f if line.startswith("SGLD step")]
    if torch_runs:
        out.append("")
        out.append(f"PyTorch {torch_runs[0].get('torch', '?')} (Debian's python3-torch); the "
                   "PyTorch steps/s column is its fastest BLAS and thread count (up to the case's) for "
                   "that case.")
    else:
        out.append("")
        out.append("PyTorch was not installed: no PyTorch column (`scripts/install-deps --bench`).")
    runs_path = os.path.join(d, "runs.json")
    if os.path.exists(runs_path):
        with open(runs_path) as f:
            runs = json.load(f)
        out += ["", "### Whole runs: trace overhead, embedded actors against one process", ""]
        out.extend(runs_tables(runs))
    fmnist_path = os.path.join(d, "fmnist.json")
    if os.path.exists(fmnist_path):
        with open(fmnist_path) as f:
            fm = json.load(f)
        out += ["", "### Fashion-MNIST: loading against gzip, time to accuracy against PyTorch", ""]
        out += loading_rows(fm) + [""] + accuracy_rows(fm)
    if os.path.exists(os.path.join(d, "codecs.json")):
        codecs, _ = load_runs(os.path.join(d, "codecs.json"))
        out += ["", "### Codecs: encode and decode against the loopback they save", ""]
        out.extend(codec_table(codecs, msg))
    if msg:
        out.append("")
        out.append("### Messaging: push/pull round trips, CAF against raw ZeroMQ")
        out.append("")
        out.extend(messaging_table(msg))
    text = "\n".join(out) + "\n"
    sys.stdout.write(text)
    with open(os.path.join(d, "report.md"), "w") as f:
        f.write(text)


if __name__ == "__main__":
    main()
