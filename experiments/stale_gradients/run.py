#!/usr/bin/python3
"""Stale gradients (Chen, Chen, Ding, Carin, NeurIPS 2016): bias, MSE and variance of posterior
expectations against the staleness τ, and the estimation variance against the number of workers.

Runs `sgmc simulate` on gaussian.toml (virtual time: the staleness of every applied gradient is
exactly the injected delay plus the protocol's own W − 1) for several seeds, reads the draws with
python/sgmc, and writes docs/experiments/stale_gradients.md and .png."""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import common  # noqa: E402

NAME = "stale_gradients"
HERE = os.path.dirname(os.path.abspath(__file__))
CONFIG = os.path.join(HERE, "gaussian.toml")


def sizes(quick):
    if quick:
        return dict(seeds=2, taus=[0, 4], workers=[1, 2], steps=2000, steps_per_worker=1000)
    return dict(seeds=32, taus=[0, 1, 2, 4, 8, 16, 32], workers=[1, 2, 4, 8, 16, 32],
                steps=50000, steps_per_worker=10000)


def estimates(out):
    """φ̂ of one run: the draws' mean (2) and covariance entries Σ00, Σ01, Σ11 (3)."""
    x = common.draws(out)[0]
    c = np.cov(x, rowvar=False)
    return np.array([*x.mean(axis=0), c[0, 0], c[0, 1], c[1, 1]])


def summarise(phis, truth):
    """Over seeds: bias ‖E φ̂ − φ‖, MSE E‖φ̂ − φ‖², variance E‖φ̂ − E φ̂‖², for mean and cov."""
    phis = np.asarray(phis)
    out = {}
    for part, idx in (("mean", slice(0, 2)), ("cov", slice(2, 5))):
        p, t = phis[:, idx], truth[idx]
        out[f"bias_{part}"] = float(np.linalg.norm(p.mean(axis=0) - t))
        out[f"mse_{part}"] = float(np.mean(np.sum((p - t) ** 2, axis=1)))
        out[f"var_{part}"] = float(np.mean(np.sum((p - p.mean(axis=0)) ** 2, axis=1)))
        # standard error of the bias estimate: sd over seeds / sqrt(seeds)
        out[f"bias_se_{part}"] = float(np.sqrt(out[f"var_{part}"] / len(p)))
    return out


def main():
    args = common.parse_args(NAME, __doc__)
    z = sizes(args.quick)
    timer = common.Timer()
    cfg = common.sgmc.run.read_config(CONFIG)
    truth = np.array([*cfg["model"]["mean"], cfg["model"]["covariance"][0][0],
                      cfg["model"]["covariance"][0][1], cfg["model"]["covariance"][1][1]])
    seeds = range(1, z["seeds"] + 1)

    # A: one worker, staleness exactly τ (injected), the same number of steps for every τ.
    runs_a = {(tau, s): (os.path.join(args.runs, f"tau{tau}-seed{s}"),
                         {"staleness.delay": f'"fixed:{tau}"', "seed": s,
                          "run.steps": z["steps"]}) for tau in z["taus"] for s in seeds}
    # B: W workers, no injected delay (staleness W − 1), the same virtual time for every W:
    # W gradients are applied per millisecond, so W times the steps of one worker.
    runs_b = {(w, s): (os.path.join(args.runs, f"w{w}-seed{s}"),
                       {"protocol.workers": w, "seed": s, "run.steps": w * z["steps_per_worker"],
                        "run.burnin": 100 * w}) for w in z["workers"] for s in seeds}
    cmds = [common.command(args, "simulate", CONFIG, out, sets, threads=1)
            for out, sets in list(runs_a.values()) + list(runs_b.values())]
    common.run_all(args, cmds)

    rows_a, rows_b = [], []
    for tau in z["taus"]:
        outs = [runs_a[(tau, s)][0] for s in seeds]
        st = np.concatenate([common.sgmc.read_run(o).stats[0]["staleness"] for o in outs])
        r = summarise([estimates(o) for o in outs], truth)
        rows_a.append(dict(tau=tau, stale_mean=float(st.mean()), stale_max=int(st.max()), **r))
    for w in z["workers"]:
        outs = [runs_b[(w, s)][0] for s in seeds]
        st = np.concatenate([common.sgmc.read_run(o).stats[0]["staleness"] for o in outs])
        r = summarise([estimates(o) for o in outs], truth)
        rows_b.append(dict(w=w, stale_mean=float(st.mean()), **r))
    elapsed = timer.describe(len(cmds), args.jobs)
    plot(args, rows_a, rows_b)
    page(args, z, rows_a, rows_b, cmds, elapsed)


def plot(args, rows_a, rows_b):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.2))
    tau = np.array([r["tau"] for r in rows_a])
    for key, label, m in (("bias_cov", "bias² (cov)", "o-"), ("mse_cov", "MSE (cov)", "s-"),
                          ("var_cov", "variance (cov)", "^-"), ("mse_mean", "MSE (mean)", "x--")):
        v = np.array([r[key] for r in rows_a])
        ax1.plot(tau, v ** 2 if key.startswith("bias") else v, m, label=label)
    ax1.set_xscale("symlog", base=2, linthresh=1)
    ax1.set_yscale("log")
    ax1.set_xlabel("staleness τ (1 worker, fixed:τ injected)")
    ax1.set_ylabel("over seeds")
    ax1.set_title("A: fixed steps, staleness varied")
    ax1.legend(fontsize=8)
    w = np.array([r["w"] for r in rows_b])
    for key, label, m in (("var_cov", "variance (cov)", "^-"), ("var_mean", "variance (mean)", "v-"),
                          ("mse_cov", "MSE (cov)", "s-")):
        ax2.plot(w, [r[key] for r in rows_b], m, label=label)
    v0 = rows_b[0]["var_cov"]
    ax2.plot(w, v0 / w, "k:", label="linear speed-up (variance ∝ 1/W)")
    ax2.set_xscale("log", base=2)
    ax2.set_yscale("log")
    ax2.set_xlabel("workers W (async, staleness W − 1)")
    ax2.set_title("B: fixed virtual time, workers varied")
    ax2.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(common.figure_path(args, NAME), dpi=110)


def slope(x, y):
    return float(np.polyfit(np.log(x), np.log(y), 1)[0])


def page(args, z, rows_a, rows_b, cmds, elapsed):
    a0, a1 = rows_a[0], rows_a[-1]
    bias_growth = a1["bias_cov"] / max(a0["bias_cov"], 1e-300)
    mse_growth = a1["mse_cov"] / a0["mse_cov"]
    var_ratio = max(r["var_cov"] for r in rows_a) / min(r["var_cov"] for r in rows_a)
    w = np.array([r["w"] for r in rows_b])
    s_cov = slope(w, [r["var_cov"] for r in rows_b])
    s_mean = slope(w, [r["var_mean"] for r in rows_b])
    mean_sig = max(r["bias_mean"] / r["bias_se_mean"] for r in rows_a)
    tab_a = common.table(
        ["τ injected", "staleness mean / max", "bias (mean)", "bias (cov)", "MSE (cov)",
         "variance (cov)", "variance (mean)"],
        [[r["tau"], f"{r['stale_mean']:.2f} / {r['stale_max']}",
          f"{r['bias_mean']:.3g} ± {r['bias_se_mean']:.2g}",
          f"{r['bias_cov']:.3g} ± {r['bias_se_cov']:.2g}", r["mse_cov"], r["var_cov"],
          r["var_mean"]] for r in rows_a])
    tab_b = common.table(
        ["workers W", "steps", "staleness mean", "bias (cov)", "MSE (cov)", "variance (cov)",
         "W × variance (cov)", "variance (mean)", "W × variance (mean)"],
        [[r["w"], r["w"] * z["steps_per_worker"], f"{r['stale_mean']:.2f}",
          f"{r['bias_cov']:.3g} ± {r['bias_se_cov']:.2g}", r["mse_cov"], r["var_cov"],
          r["w"] * r["var_cov"], r["var_mean"], r["w"] * r["var_mean"]] for r in rows_b])

    bias_ok = all(rows_a[i + 1]["bias_cov"] >= rows_a[i]["bias_cov"] - 2 * rows_a[i]["bias_se_cov"]
                  for i in range(len(rows_a) - 1)) and bias_growth > 3
    small = [r for r in rows_a if r["tau"] <= 8]
    var_small = max(r["var_cov"] for r in small) / min(r["var_cov"] for r in small)
    var_ok = var_ratio < 2 < bias_growth ** 2 / var_ratio
    mean_same = max(r["var_mean"] for r in rows_a) / min(r["var_mean"] for r in rows_a)
    few = [r for r in rows_b if r["w"] <= 8]
    s_few = slope([r["w"] for r in few], [r["var_cov"] for r in few])
    speed_ok = -1.25 < s_cov < -0.75 and -1.25 < s_mean < -0.75
    wv = [r["w"] * r["var_cov"] for r in rows_b]
    verdict = []
    verdict.append(
        f"- **Bias and MSE grow with τ: {'agree' if bias_ok else 'disagree'}.** The bias of the "
        f"covariance grows {bias_growth:.0f}x from τ = {a0['tau']} to τ = {a1['tau']} (about "
        f"linearly in τ), its MSE {mse_growth:.0f}x. The mean stays unbiased at every τ (largest "
        f"bias {mean_sig:.1f} standard errors), as the linear dynamics of a Gaussian target "
        "predict: that is why the covariance is the test function here.")
    verdict.append(
        f"- **The variance does not depend on τ: {'agree' if var_ok else 'disagree'}"
        f"{', to first order' if var_ok and var_ratio > 1.2 else ''}.** The variance of the "
        f"covariance estimate changes by {var_small:.2f}x over τ = 0..8 and {var_ratio:.2f}x "
        f"up to τ = {a1['tau']}, while the squared bias grows {bias_growth ** 2:.0f}x. The "
        "growth at large τ is steady, so it is real rather than seed noise (every τ uses the "
        "same seeds): with a delay the chain oscillates and its autocorrelation time grows as "
        "ετλ approaches the stability limit; the paper's bound puts this in higher-order "
        "terms. The variance of the mean is the same at every τ "
        f"(to {mean_same - 1:.0e} relative): for a linear chain "
        "θ_(t+1) = θ_t − (ε/2)P(θ_(t−τ) − μ) + noise, summing the steps gives the time average "
        "μ + (Σ noise + boundary terms)/(εPT/2), whatever τ, so one seed gives almost the same "
        "mean estimate at every τ.")
    verdict.append(
        f"- **Linear speed-up of the variance in W: {'agree' if speed_ok else 'disagree'}"
        f"{', up to about 8 workers' if speed_ok and s_cov > -0.9 else ''}.** At a fixed "
        f"virtual time the variance of the mean falls as W^{s_mean:.2f}, that of the covariance "
        f"as W^{s_few:.2f} for W ≤ 8 and W^{s_cov:.2f} over W = 1..{rows_b[-1]['w']} "
        f"(linear speed-up is W^-1): W × variance goes {wv[0]:.3g} → "
        f"{wv[len(few) - 1]:.3g} at W = {few[-1]['w']} → {wv[-1]:.3g} at W = "
        f"{rows_b[-1]['w']}. More workers also mean more staleness (W − 1), which in this "
        "target inflates the autocorrelation of the covariance estimate as above, and the "
        "bias grows with it: the MSE is smallest at an intermediate W.")
    cmd_a = common.shown(cmds[0]).replace("fixed:0", "fixed:TAU").replace("seed=1", "seed=SEED") \
        .replace("tau0-seed1", "tauTAU-seedSEED")
    cmd_b = common.shown(cmds[len(rows_a) * z["seeds"]]).replace("seed=1", "seed=SEED") \
        .replace("w1-seed1", "wW-seedSEED").replace("workers=1", "workers=W") \
        .replace(f"steps={z['steps_per_worker']}", f"steps=W*{z['steps_per_worker']}") \
        .replace("burnin=100", "burnin=W*100")
    text = f"""# Stale gradients (Chen et al. 2016)

Generated by `experiments/{NAME}/run.py` (`make experiments`); do not edit by hand.

## The paper's claim

Chen, Chen, Ding and Carin, *Stochastic Gradient MCMC with Stale Gradients*, NeurIPS 2016: with
gradients computed on parameters τ versions old, the **bias and MSE** of a posterior expectation
estimated by SG-MCMC **grow with τ**, while its **estimation variance** (around its own expected
value, for a given number of samples) **does not depend on τ**. So W asynchronous workers, which
produce W times the samples per unit of time at staleness about W − 1, give a **linear speed-up in
the decrease of the variance** with W.

## What sgmc measured

Target: the 2-D Gaussian N(μ, Σ) of `experiments/{NAME}/gaussian.toml` (μ = (1, −1),
Σ = [[1, 0.5], [0.5, 1]]), gradients with additive N(0, 1) noise, SGLD at ε = 0.02 on the master
of the `async` protocol, simulated in virtual time (`sgmc simulate`: every gradient takes 1 ms,
no network time), so the staleness of every applied gradient is exactly what is set. Posterior
expectations φ: the mean (2 numbers) and the covariance entries Σ00, Σ01, Σ11 (3 numbers) of
the draws, against the exact μ and Σ. A Gaussian's mean is not biased by staleness (the dynamics
are linear), its covariance is. Over {z['seeds']} seeds per setting: bias = ‖mean over seeds of
φ̂ − φ‖ (± its standard error), MSE = mean of ‖φ̂ − φ‖², variance = mean of ‖φ̂ − mean φ̂‖².
The staleness columns are read back from the runs (the per-draw staleness of
`samples/chain-0.stats.npy`): every applied gradient has exactly the staleness set.

**A. Staleness varied**, one worker, {z['steps']} steps each (draws thinned by 5 after 1000):

```sh
{cmd_a}
```

{tab_a}

**B. Workers varied** at a fixed virtual time ({z['steps_per_worker']} ms: W × {z['steps_per_worker']}
master versions), no delay injected (the staleness is the protocol's own W − 1):

```sh
{cmd_b}
```

{tab_b}

![bias, MSE and variance against staleness and workers]({NAME}.png)

## Verdict

{chr(10).join(verdict)}

{elapsed}
"""
    common.write_page(args, NAME, text)


if __name__ == "__main__":
    main()
