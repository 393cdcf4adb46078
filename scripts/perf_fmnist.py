"""The tables of scripts/bench_fmnist.py's results (loading and time to accuracy), and the
PyTorch reference's BLAS table, for perf_report.py."""


def blas_name(r):
    b = r.get("blas", {})
    lib = b.get("libblas", "?").split("/")[-2] if "/" in b.get("libblas", "") else "?"
    kernel = f", kernel {b['kernel']}" if b.get("kernel") else ""
    wait = f", OpenMP wait {b['omp_wait']}" if b.get("omp_wait") else ""
    return f"{lib}{kernel}{wait}"


def best_torch(torch_runs):
    """{(net, cores): run} with the most steps/s over the BLAS builds and thread counts up to
    `cores` tried: the reference at its best; and {(blas, threads): GEMM FLOP/s} for 1024³."""
    best, gemm = {}, {}
    for r in torch_runs:
        if "steps_per_second" in r:
            # On T cores the reference may use any thread count up to T: on a loaded 2-core
            # machine its OpenMP barriers make 2 threads slower than 1.
            for t in (1, 2):
                key = (r["name"].split("/")[-1], t)
                if r["threads"] <= t and (key not in best or r["steps_per_second"] >
                                          best[key]["steps_per_second"]):
                    best[key] = r
        elif r["name"].endswith("1024x1024x1024"):
            gemm[(blas_name(r), r["threads"])] = r["flops_per_second"]
    return best, gemm


def torch_rows(torch_runs, flops):
    """One row per BLAS, network and thread count: what each reference process loaded."""
    rows = ["| PyTorch loop | BLAS loaded (its libblas.so.3, OpenBLAS kernel) | threads | "
            "steps/s | its 1024³ GEMM GFLOP/s | of its own GEMM bound |",
            "| --- | --- | ---: | ---: | ---: | ---: |"]
    _, gemm = best_torch(torch_runs)
    for r in torch_runs:
        if "steps_per_second" not in r:
            continue
        net, t, name = r["name"].split("/")[-1], r["threads"], blas_name(r)
        g = gemm.get((name, t))
        frac = f"{100.0 * r['steps_per_second'] * flops[net] / g:.0f} %" \
            if g and net in flops else "–"
        gtxt = f"{g / 1e9:.1f}" if g else "–"
        rows.append(f"| {net} | {name} | {t} | {r['steps_per_second']:,.0f} | {gtxt} | {frac} |")
    return rows


def loading_rows(f):
    load = f["loading"]
    rows = ["| Fashion-MNIST, 4 files | sgmc loading s (median) | `gzip -dc` s (median) | "
            "sgmc / gzip | goal |", "| --- | ---: | ---: | ---: | ---: |"]
    for mode in ("warm", "cold"):
        m = load[mode]
        rows.append(f"| {mode} page cache | {m['sgmc_median']:.3f} "
                    f"({min(m['sgmc']):.3f} – {max(m['sgmc']):.3f}) | {m['gzip_median']:.3f} "
                    f"({min(m['gzip']):.3f} – {max(m['gzip']):.3f}) | {m['ratio']:.2f} | "
                    f"≤ 0.70 |")
    return rows


def accuracy_rows(f):
    t = f["time_to_accuracy"]
    rows = [f"| `examples/fmnist-mlp.toml`, eval every {t['eval_every']} steps | seconds from "
            f"process start to pred. accuracy ≥ {t['target']} (median) | min – max | "
            "at step (median) | CPU s by then (median) |", "| --- | ---: | ---: | ---: | ---: |"]
    labels = {"sgmc": "sgmc run (2 cores)", "pytorch-1": "PyTorch, 1 thread",
              "pytorch-2": "PyTorch, 2 threads",
              "pytorch-2-passive": "PyTorch, 2 threads, OpenMP passive wait"}
    for key, label in labels.items():
        if key not in t["detail"]:
            continue
        d = [x for x in t["detail"][key] if x["seconds"] is not None]
        if not d:
            rows.append(f"| {label} | not reached | – | – | – |")
            continue
        secs, steps = [x["seconds"] for x in d], sorted(x["step"] for x in d)
        cpu = sorted(x["cpu_s"] for x in d if x.get("cpu_s") is not None)
        cpu_txt = f"{cpu[len(cpu) // 2]:.2f}" if cpu else "–"
        rows.append(f"| {label} | {t[key]:.2f} | {min(secs):.2f} – {max(secs):.2f} | "
                    f"{steps[len(steps) // 2]:,} | {cpu_txt} |")
    if t.get("ratio"):
        rows += ["", f"PyTorch at its best / sgmc: **{t['ratio']:.2f}x** (the time PyTorch "
                 "takes to the same accuracy, over sgmc's)."]
    return rows
