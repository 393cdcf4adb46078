// netcdf_writer: the file it writes is read back by Debian's python3-xarray and python3-netcdf4
// (tests/engine/check_netcdf.py), with the model's blocks and flat, chains of unequal length.
#include "sgmc/engine/netcdf_writer.hpp"
#include "sgmc_test/tmp_dir.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <vector>

using namespace sgmc::engine;
using sgmc::test::run_command;
using sgmc::test::tmp_dir;

namespace {

constexpr std::size_t k_dim = 8;

/// The chain check_netcdf.py expects: θ_k,d[i] = 100 k + d + i / 100, ...
posterior_chain test_chain(std::uint32_t k, std::size_t draws) {
  posterior_chain c;
  for (std::size_t d = 0; d < draws; ++d) {
    for (std::size_t i = 0; i < k_dim; ++i)
      c.theta.push_back(
          static_cast<float>(100.0 * k + static_cast<double>(d) + static_cast<double>(i) / 100.0));
    c.step.push_back(10 * (d + 1));
    c.potential.push_back(k + 0.5 * static_cast<double>(d));
    c.step_size.push_back(0.01);
    c.staleness.push_back(static_cast<std::int64_t>(d) - 1);
  }
  return c;
}

void write_test_file(const std::string& path, bool flat) {
  const std::vector<sgmc::models::param_block> layout{{"W1", {3, 2}, 0}, {"b1", {2}, 6}};
  const std::vector<std::uint64_t> draws{3, 2};
  posterior_options options;
  options.flat = flat;
  options.model_name = "test";
  auto nc = netcdf_writer::create(path, layout, k_dim, draws, options);
  REQUIRE(nc);
  REQUIRE(nc->put_chain(1, test_chain(1, 2)));  // any order
  REQUIRE(nc->put_chain(0, test_chain(0, 3)));
  REQUIRE(nc->close());
}

bool check(const std::string& path, const char* mode) {
  auto r = run_command(std::string(SGMC_PYTHON) + " " + SGMC_SOURCE_DIR +
                       "/tests/engine/check_netcdf.py " + path + " " + mode);
  UNSCOPED_INFO(r.output);
  return r.status == 0;
}

}  // namespace

TEST_CASE("netcdf_writer writes ArviZ groups that xarray reads back, padded with NaN",
          "[engine][netcdf]") {
  tmp_dir dir("netcdf");
  const std::string path = dir.file("posterior.nc");
  write_test_file(path, false);
  CHECK(check(path, "blocks"));
}

TEST_CASE("netcdf_writer with flat writes one theta variable", "[engine][netcdf]") {
  tmp_dir dir("netcdf-flat");
  const std::string path = dir.file("posterior.nc");
  write_test_file(path, true);
  CHECK(check(path, "flat"));
}

TEST_CASE("netcdf_writer reports a folder it cannot write to, naming the file",
          "[engine][netcdf]") {
  const std::vector<sgmc::models::param_block> layout{{"theta", {2}, 0}};
  const std::vector<std::uint64_t> draws{1};
  auto nc = netcdf_writer::create("/nonexistent/dir/posterior.nc", layout, 2, draws, {});
  REQUIRE_FALSE(nc);
  CHECK(nc.error().code == sgmc::errc::io);
  CHECK_THAT(nc.error().message, Catch::Contains("/nonexistent/dir/posterior.nc"));
}
