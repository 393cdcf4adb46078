"""Reference for tests/tools/test_diagnostics.cpp: rank-normalised split R-hat, bulk and tail
ESS and the MCSE of the mean in plain numpy (no scipy, no ArviZ: neither is in Debian 12's
python3 packages), written from Vehtari et al. 2021 independently of sgmc's C++.

Usage: diagnostics_reference.py FILE, FILE a text matrix [chains, draws]. Prints "name value"
lines. Geyer's sequences are written over pairs Γ_k = ρ_2k + ρ_2k+1 here (the C++ walks lags).
"""
import sys
from statistics import NormalDist

import numpy as np


def split(x):
    half = x.shape[1] // 2
    return np.concatenate([x[:, :half], x[:, x.shape[1] - half:]], axis=0)


def z_scale(x):
    flat = x.ravel()
    values, inverse, counts = np.unique(flat, return_inverse=True, return_counts=True)
    first = np.cumsum(counts) - counts  # draws below each distinct value
    ranks = first[inverse] + (counts[inverse] + 1) / 2.0
    p = (ranks - 0.375) / (flat.size + 0.25)
    inv = NormalDist().inv_cdf
    return np.array([inv(v) for v in p]).reshape(x.shape)


def rhat_basic(x):
    m, n = x.shape
    w = x.var(axis=1, ddof=1).mean()
    b = n * x.mean(axis=1).var(ddof=1) if m > 1 else 0.0
    return np.sqrt(((n - 1) / n * w + b / n) / w)


def acov(x):
    n = x.size
    y = x - x.mean()
    f = np.fft.fft(y, 4 * n)  # zero padding: no wrap-around
    return np.fft.ifft(f * np.conj(f)).real[:n] / n


def ess(x):
    m, n = x.shape
    if x.max() - x.min() < 1e-15:
        return float(x.size)
    a = np.array([acov(c) for c in x]).mean(axis=0)
    w = a[0] * n / (n - 1)
    var_plus = w * (n - 1) / n + (x.mean(axis=1).var(ddof=1) if m > 1 else 0.0)
    rho = 1.0 - (w - a) / var_plus
    rho[0] = 1.0
    if n - 3 <= 1 or rho[0] + rho[1] <= 0:
        tau = -1.0 + rho[0]  # no pair beyond the first is looked at
    else:
        pairs = [rho[0] + rho[1]]  # Γ_0
        extra = 0.0  # the even lag after the last pair kept
        k = 1
        while True:
            g = rho[2 * k] + rho[2 * k + 1]
            if g <= 0:  # initial positive sequence ends
                extra = max(rho[2 * k], 0.0)
                break
            if 2 * k + 1 >= n - 3:  # the last pair looked at: only its even lag counts
                extra = rho[2 * k]
                break
            pairs.append(min(g, pairs[-1]))  # initial monotone sequence
            k += 1
        tau = -1.0 + 2.0 * sum(pairs) + extra
    tau = max(tau, 1.0 / np.log10(x.size))
    return x.size / tau


def main():
    x = np.atleast_2d(np.loadtxt(sys.argv[1]))
    folded = np.abs(x - np.median(x))
    rhat = max(rhat_basic(z_scale(split(x))), rhat_basic(z_scale(split(folded))))
    q05, q95 = np.quantile(x, [0.05, 0.95])
    tail = min(ess(split((x <= q05).astype(float))), ess(split((x <= q95).astype(float))))
    out = {
        "rhat": rhat,
        "ess_bulk": ess(z_scale(split(x))),
        "ess_tail": tail,
        "mcse_mean": x.std(ddof=1) / np.sqrt(ess(split(x))),
        "q05": q05,
        "q50": np.quantile(x, 0.5),
    }
    for k, v in out.items():
        print(f"{k} {v:.17g}")


main()
