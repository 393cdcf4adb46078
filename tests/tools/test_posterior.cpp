// System tests of what a run leaves for analysis: OUT/posterior.nc (read back with xarray and
// netCDF4 against the .npy draws), the Python package's read_run, and `sgmc plot`.
#include "sgmc_test/tmp_dir.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>

using sgmc::test::command_result;
using sgmc::test::run_command;
using sgmc::test::tmp_dir;

namespace {

const std::string k_sgmc = SGMC_BINARY;
const std::string k_src = SGMC_SOURCE_DIR;
const std::string k_python = "PYTHONPATH=" + k_src + "/python /usr/bin/python3 ";

/// An MLP 5-4-3 on synthetic 3-class data, two chains of 10 draws: seconds, not minutes.
const std::string k_mlp_config = R"(name = "mlp-small"
seed = 3
[model]
kind = "mlp"
layers = [5, 4, 3]
[data]
format = "synthetic"
generator = "softmax"
classes = 3
train_size = 300
test_size = 100
synthetic_features = 5
[sampler]
kind = "sgld"
step_size = 1e-3
batch_size = 50
[run]
steps = 200
burnin = 100
thin = 10
eval_every = 100
chains = 2
)";

std::string write_config(const tmp_dir& dir, const std::string& text) {
  std::ofstream(dir.file("config.toml")) << text;
  return dir.file("config.toml");
}

command_result run_sgmc(const std::string& args) { return run_command(k_sgmc + " " + args); }

/// Runs a checker script of tests/tools; true when it passes.
bool check(const std::string& script, const std::string& args) {
  auto r = run_command(k_python + k_src + "/tests/tools/" + script + " " + args);
  UNSCOPED_INFO(script << " " << args << ":\n" << r.output);
  return r.status == 0;
}

bool exists(const std::string& path) { return std::filesystem::exists(path); }

}  // namespace

TEST_CASE("sgmc run writes posterior.nc with the mlp's W1, b1, W2, b2 equal to the draws",
          "[system]") {
  tmp_dir dir("nc-mlp");
  const std::string out = dir.file("out");
  auto r = run_sgmc("run " + write_config(dir, k_mlp_config) + " --quiet --out " + out);
  INFO(r.output);
  REQUIRE(r.status == 0);
  CHECK(r.output.find("posterior.nc") != std::string::npos);
  CHECK(check("check_posterior.py", out + " blocks"));
  CHECK_FALSE(exists(out + "/posterior.nc.tmp"));
  // The Python package reads the same folder, and rejects broken copies of it.
  std::filesystem::create_directories(dir.file("scratch"));
  CHECK(check("check_read_run.py",
              out + " 2 " + std::to_string(5 * 4 + 4 + 4 * 3 + 3) + " " + dir.file("scratch")));
}

TEST_CASE("sgmc run --flat writes posterior.nc with one theta [chain, draw, dim]", "[system]") {
  tmp_dir dir("nc-flat");
  const std::string out = dir.file("out");
  auto r = run_sgmc("run " + write_config(dir, k_mlp_config) + " --quiet --flat --out " + out);
  INFO(r.output);
  REQUIRE(r.status == 0);
  CHECK(check("check_posterior.py", out + " flat"));
}

TEST_CASE("a gaussian run's posterior.nc holds theta and the per-draw potential", "[system]") {
  tmp_dir dir("nc-gauss");
  const std::string out = dir.file("out");
  auto r = run_sgmc("run " + k_src + "/examples/gaussian-2d.toml --quiet --out " + out +
                    " --set run.steps=3000 --set run.burnin=1000 --set run.chains=3");
  INFO(r.output);
  REQUIRE(r.status == 0);
  CHECK(check("check_posterior.py", out + " blocks"));
}

TEST_CASE("output.posterior_nc = false writes no posterior.nc", "[system]") {
  tmp_dir dir("nc-off");
  const std::string out = dir.file("out");
  auto r = run_sgmc("run " + k_src + "/examples/gaussian-2d.toml --quiet --out " + out +
                    " --set run.steps=3000 --set output.posterior_nc=false");
  INFO(r.output);
  REQUIRE(r.status == 0);
  CHECK(exists(out + "/samples/chain-0.npy"));
  CHECK_FALSE(exists(out + "/posterior.nc"));
}

TEST_CASE("a run that diverges leaves no posterior.nc, not even an earlier run's", "[system]") {
  tmp_dir dir("nc-fail");
  const std::string out = dir.file("out");
  const std::string gauss = "run " + k_src + "/examples/gaussian-2d.toml --quiet --out " + out;
  REQUIRE(run_sgmc(gauss + " --set run.steps=3000").status == 0);
  REQUIRE(exists(out + "/posterior.nc"));
  auto r = run_sgmc(gauss + " --set sampler.step_size=1e30 --set run.steps=3000");
  INFO(r.output);
  CHECK(r.status == 1);
  CHECK_FALSE(exists(out + "/posterior.nc"));
  CHECK_FALSE(exists(out + "/posterior.nc.tmp"));
}

TEST_CASE("sgmc plot draws the figures of an async run as PNG files", "[system]") {
  tmp_dir dir("plot");
  const std::string out = dir.file("out");
  auto r = run_sgmc("run " + k_src + "/examples/logreg.toml --quiet --out " + out +
                    " --set protocol.kind=async --set protocol.workers=2 --set sampler.kind=sgld" +
                    " --set run.steps=1500");
  INFO(r.output);
  REQUIRE(r.status == 0);
  CHECK(check("check_posterior.py", out + " blocks"));
  auto p = run_sgmc("plot " + out);
  INFO(p.output);
  REQUIRE(p.status == 0);
  const std::string plots = out + "/plots/";
  CHECK(check("check_png.py", plots + "metrics.png " + plots + "trace.png " + plots +
                                  "staleness.png " + plots + "bytes.png"));
  // busy.png needs compute spans, which version-1 traces lack: a note, not an error.
  if (!exists(plots + "busy.png")) CHECK(p.output.find("busy.png: skipped") != std::string::npos);
}

TEST_CASE("sgmc plot of a run without a trace skips the trace figures with a note", "[system]") {
  tmp_dir dir("plot-none");
  const std::string out = dir.file("out");
  REQUIRE(run_sgmc("run " + k_src + "/examples/gaussian-2d.toml --quiet --out " + out +
                   " --set run.steps=3000")
              .status == 0);
  auto p = run_sgmc("plot " + out + " --out " + dir.file("figs"));
  INFO(p.output);
  REQUIRE(p.status == 0);
  CHECK(check("check_png.py", dir.file("figs/metrics.png") + " " + dir.file("figs/trace.png")));
  CHECK(p.output.find("bytes.png: skipped: no trace") != std::string::npos);
  CHECK_FALSE(exists(dir.file("figs/bytes.png")));
}

TEST_CASE("sgmc plot of a folder that is not a run says so in one line and exits 2", "[system]") {
  tmp_dir dir("plot-bad");
  for (const std::string& bad : {dir.file("missing"), dir.path().string()}) {
    auto p = run_sgmc("plot " + bad);
    INFO(p.output);
    CHECK(p.status == 2);
    CHECK(p.output.find("error: " + bad) != std::string::npos);
    CHECK(std::count(p.output.begin(), p.output.end(), '\n') == 1);
  }
}
