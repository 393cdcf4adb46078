"""Checks the posterior.nc that test_netcdf_writer.cpp writes (run with /usr/bin/python3).

  check_netcdf.py PATH blocks|flat

Two chains of 3 and 2 draws of θ (dim 8) laid out as W1 [3, 2] and b1 [2], with
  θ_k,d[i] = 100 k + d + i / 100,  step = 10 (d + 1),  potential = k + d / 2,
  step_size = 0.01,  staleness = d − 1;
chain 1 is padded to 3 draws. Exit status 0 when every check passes.
"""
import sys

import netCDF4
import numpy as np
import xarray as xr

path, mode = sys.argv[1], sys.argv[2]
draws = [3, 2]

with netCDF4.Dataset(path) as root:
    assert set(root.groups) == {"posterior", "sample_stats"}, list(root.groups)
    assert root.data_model == "NETCDF4", root.data_model

post = xr.open_dataset(path, group="posterior")
stats = xr.open_dataset(path, group="sample_stats")
for ds in (post, stats):
    assert ds.attrs["inference_library"] == "sgmc", ds.attrs
    assert ds.attrs["created_at"].endswith("+00:00"), ds.attrs
    assert list(ds.attrs["chain_draws"]) == draws, ds.attrs
    assert "padded" in ds.attrs["padding"], ds.attrs
    assert ds.sizes["chain"] == 2 and ds.sizes["draw"] == 3, ds.sizes
    assert list(ds["chain"].values) == [0, 1] and list(ds["draw"].values) == [0, 1, 2]

theta = np.full((2, 3, 8), np.nan, dtype=np.float32)
for k, n in enumerate(draws):
    for d in range(n):
        theta[k, d] = 100 * k + d + np.arange(8) / 100
if mode == "flat":
    assert list(post.data_vars) == ["theta"], list(post.data_vars)
    assert post["theta"].dims == ("chain", "draw", "theta_dim_0"), post["theta"].dims
    assert post["theta"].dtype == np.float32
    np.testing.assert_array_equal(post["theta"].values, theta)
else:
    assert list(post.data_vars) == ["W1", "b1"], list(post.data_vars)
    assert post["W1"].dims == ("chain", "draw", "W1_dim_0", "W1_dim_1"), post["W1"].dims
    assert post["W1"].shape == (2, 3, 3, 2) and post["b1"].shape == (2, 3, 2)
    assert post["W1"].dtype == np.float32
    np.testing.assert_array_equal(post["W1"].values, theta[:, :, :6].reshape(2, 3, 3, 2))
    np.testing.assert_array_equal(post["b1"].values, theta[:, :, 6:])
    assert list(post["W1_dim_1"].values) == [0, 1]

step = np.array([[10, 20, 30], [10, 20, -1]])
potential = np.array([[0, 0.5, 1], [1, 1.5, np.nan]])
np.testing.assert_array_equal(stats["step"].values, step)
np.testing.assert_array_equal(stats["potential"].values, potential)
np.testing.assert_array_equal(stats["lp"].values, -potential)
np.testing.assert_array_equal(stats["step_size"].values,
                              np.array([[0.01] * 3, [0.01, 0.01, np.nan]]))
np.testing.assert_array_equal(stats["staleness"].values, np.array([[-1, 0, 1], [-1, 0, -1]]))
assert stats["step"].dtype == np.int64 and stats["staleness"].dtype == np.int64
print("ok", dict(post.sizes))
