// System tests of `sgmc simulate`: the built binary on the examples and on bad input.
#include "sgmc_test/tmp_dir.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

using sgmc::test::command_result;
using sgmc::test::run_command;
using sgmc::test::tmp_dir;

namespace {

const std::string k_sgmc = SGMC_BINARY;
const std::string k_examples = std::string(SGMC_SOURCE_DIR) + "/examples/";
const std::string k_gauss = k_examples + "gaussian-2d.toml";
// A short asynchronous run with random compute times and an injected delay.
const std::string k_async =
    " --set protocol.kind=async --set run.steps=6000 --set run.burnin=1000 --set run.thin=5 "
    "--set run.eval_every=1000 --set sim.compute=exp:1ms --set staleness.delay=fixed:4 --quiet";

command_result simulate(const std::string& args) {
  return run_command(k_sgmc + " simulate " + args);
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

TEST_CASE("sgmc simulate writes the run directory of sgmc run, bit for bit again", "[system]") {
  tmp_dir dir("simulate");
  const std::string a = dir.file("a"), b = dir.file("b");
  auto r = simulate(k_gauss + " --workers 16 --threads 1 --out " + a + k_async);
  INFO(r.output);
  REQUIRE(r.status == 0);
  CHECK(r.output.find("simulated:") != std::string::npos);
  CHECK(r.output.find("16 workers") != std::string::npos);
  CHECK(r.output.find("staleness mean") != std::string::npos);
  CHECK(std::filesystem::file_size(a + "/samples/chain-0.npy") == 128 + 1000 * 2 * 4);
  CHECK(std::filesystem::exists(a + "/trace/simulated.trace"));
  CHECK(slurp(a + "/config.toml").find("[sim]") != std::string::npos);
  auto again = simulate(k_gauss + " --workers 16 --threads 2 --out " + b + k_async);
  REQUIRE(again.status == 0);
  CHECK(slurp(a + "/samples/chain-0.npy") == slurp(b + "/samples/chain-0.npy"));
  // wall_s is virtual: the metrics are the same bytes too.
  CHECK(slurp(a + "/metrics.jsonl") == slurp(b + "/metrics.jsonl"));
  CHECK(slurp(a + "/trace/simulated.trace") == slurp(b + "/trace/simulated.trace"));
  // The resolved config is valid input and gives the same draws.
  auto resolved = simulate(a + "/config.toml --quiet --out " + dir.file("c"));
  REQUIRE(resolved.status == 0);
  CHECK(slurp(a + "/samples/chain-0.npy") == slurp(dir.file("c") + "/samples/chain-0.npy"));
}

TEST_CASE("sgmc simulate runs linreg and logreg with 4096 workers", "[system]") {
  tmp_dir dir("simulate-scale");
  // A step size that stays stable at a staleness of 4,095.
  for (const char* example : {"linreg.toml", "logreg.toml"}) {
    auto r = simulate(k_examples + example +
                      " --set sampler.step_size=1e-7 --workers 4096 --set protocol.kind=async "
                      "--set sampler.kind=sgld "
                      "--set protocol.shard_data=false --set run.steps=8192 --set run.burnin=0 "
                      "--set run.thin=8 --set run.eval_every=4096 --quiet --out " +
                      dir.file(example));
    INFO(example << "\n" << r.output);
    CHECK(r.status == 0);
    CHECK(r.output.find("4096 workers") != std::string::npos);
  }
}

TEST_CASE("sgmc simulate refuses bad input with one line naming the key and exit code 2",
          "[system]") {
  tmp_dir dir("simulate-bad");
  struct bad_case {
    std::string args;
    std::string message;
  };
  const bad_case cases[] = {
      {"--workers 0", "protocol.workers"},
      {"--workers 5000", "protocol.workers"},
      {"--set sim.compute=fast", "sim.compute"},
      {"--set sim.latency=fixed:-1ms", "sim.latency"},
      {"--set sim.bandwidth_gbps=-1", "sim.bandwidth_gbps"},
      {"--set sim.master_service=uniform:3ms,1ms", "sim.master_service"},
      {"--set sim.seed=-4", "sim.seed"},
      {"--set sim.fast=true", "sim.fast"},
  };
  const std::string out = dir.file("out");
  for (const auto& c : cases) {
    auto r = simulate(k_gauss + " --set protocol.kind=async --quiet --out " + out + " " + c.args);
    INFO(c.args << "\n→ " << r.output);
    CHECK(r.status == 2);
    CHECK(r.output.find("sgmc: error: ") == 0);
    CHECK(r.output.find(c.message) != std::string::npos);
    CHECK(std::count(r.output.begin(), r.output.end(), '\n') == 1);
    CHECK_FALSE(std::filesystem::exists(out));
  }
  auto none = simulate(k_gauss + " --quiet --out " + out);
  CHECK(none.status == 2);
  CHECK(none.output.find("protocol.kind") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(out));
}

TEST_CASE("sgmc simulate runs the Fashion-MNIST MLP with 64 async workers", "[system]") {
  tmp_dir dir("simulate-mlp");
  const std::string out = dir.file("out");
  auto r = simulate(k_examples + "fmnist-mlp.toml --workers 64 --quiet --out " + out +
                    " --set protocol.kind=async --set run.steps=256 --set run.burnin=128"
                    " --set run.thin=64 --set run.eval_every=128 --set data.train_limit=6400"
                    " --set data.test_limit=500 --set sim.compute=lognormal:5ms,0.3");
  INFO(r.output);
  REQUIRE(r.status == 0);
  CHECK(r.output.find("64 workers") != std::string::npos);
  CHECK(std::filesystem::file_size(out + "/samples/chain-0.npy") == 128 + 2 * 79510 * 4);
}
