"""Checks OUT/posterior.nc of a finished run against its .npy files (run with /usr/bin/python3).

  check_posterior.py RUN_DIR blocks|flat

Opens the file with python3-netcdf4 (groups, format) and python3-xarray as ArviZ does
(xr.open_dataset(path, group=...)); the expected names and shapes follow from config.toml
(mlp: W1, b1, ...; softmax: W, b; otherwise theta), the values from samples/chain-K.npy and
samples/chain-K.stats.npy. Exit status 0 when every check passes.
"""
import glob
import os
import sys
import tomllib

import netCDF4
import numpy as np
import xarray as xr

run, mode = sys.argv[1], sys.argv[2]
path = os.path.join(run, "posterior.nc")
with open(os.path.join(run, "config.toml"), "rb") as f:
    config = tomllib.load(f)
chains = len(glob.glob(os.path.join(run, "samples", "chain-*[0-9].npy")))
draws = [np.load(os.path.join(run, "samples", f"chain-{k}.npy")) for k in range(chains)]
stats_files = [os.path.join(run, "samples", f"chain-{k}.stats.npy") for k in range(chains)]
stats = [np.load(p) for p in stats_files]
assert chains > 0, "no draws"
dim = draws[0].shape[1]
longest = max(len(d) for d in draws)

with netCDF4.Dataset(path) as root:
    assert set(root.groups) == {"posterior", "sample_stats"}, list(root.groups)
    assert root.data_model == "NETCDF4", root.data_model

model = config["model"]
if mode == "flat" or model["kind"] not in ("mlp", "softmax"):
    blocks = [("theta", (dim,))]
elif model["kind"] == "mlp":
    w = model["layers"]
    blocks = [b for l in range(len(w) - 1)
              for b in ((f"W{l + 1}", (w[l], w[l + 1])), (f"b{l + 1}", (w[l + 1],)))]
else:
    k = config["data"]["classes"]
    blocks = [("W", (dim // k - 1, k)), ("b", (k,))]

post = xr.open_dataset(path, group="posterior")
sample_stats = xr.open_dataset(path, group="sample_stats")
for ds in (post, sample_stats):
    assert ds.attrs["inference_library"] == "sgmc", ds.attrs
    assert "created_at" in ds.attrs and "inference_library_version" in ds.attrs, ds.attrs
    assert ds.attrs["model"] == model["kind"], ds.attrs
    assert list(np.atleast_1d(ds.attrs["chain_draws"])) == [len(d) for d in draws], ds.attrs
    assert ds.sizes["chain"] == chains and ds.sizes["draw"] == longest, ds.sizes
assert list(post.data_vars) == [name for name, _ in blocks], (list(post.data_vars), blocks)

offset = 0
for name, shape in blocks:
    v = post[name]
    assert v.dtype == np.float32, (name, v.dtype)
    assert v.dims == ("chain", "draw") + tuple(f"{name}_dim_{i}" for i in range(len(shape)))
    assert v.shape == (chains, longest) + shape, (name, v.shape)
    size = int(np.prod(shape))
    for k in range(chains):
        n = len(draws[k])
        want = draws[k][:, offset:offset + size].reshape((n,) + shape)
        np.testing.assert_array_equal(v.values[k, :n], want, err_msg=f"{name} chain {k}")
        assert np.isnan(v.values[k, n:]).all(), f"{name} chain {k} padding"
    offset += size
assert offset == dim, (offset, dim)

for k in range(chains):
    n = len(draws[k])
    s = sample_stats.isel(chain=k, draw=slice(0, n))
    assert len(stats[k]) == n, (k, len(stats[k]), n)
    np.testing.assert_array_equal(s["step"].values, stats[k]["step"].astype(np.int64))
    np.testing.assert_array_equal(s["potential"].values, stats[k]["potential"])
    np.testing.assert_array_equal(s["lp"].values, -stats[k]["potential"])
    np.testing.assert_array_equal(s["step_size"].values, stats[k]["step_size"])
    np.testing.assert_array_equal(s["staleness"].values, stats[k]["staleness"])
print("ok", dict(post.sizes), list(post.data_vars))
