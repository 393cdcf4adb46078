// System tests of `sgmc diagnose`: the built binary on runs of the examples and on bad input.
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
const std::string k_examples = std::string(SGMC_SOURCE_DIR) + "/examples/";
const std::string k_python = "/usr/bin/python3";

// A short gaussian-2d run (chains of 400 draws) into `out`; its output.
std::string run_gaussian(const std::string& out, const std::string& extra = "") {
  auto r = run_command(k_sgmc + " run " + k_examples +
                       "gaussian-2d.toml --quiet --set run.steps=10000 --set run.burnin=2000 "
                       "--out " +
                       out + " " + extra);
  INFO(r.output);
  REQUIRE(r.status == 0);
  return r.output;
}

command_result diagnose(const std::string& args) {
  return run_command(k_sgmc + " diagnose " + args);
}

// Exit code 2 and exactly one line, an error naming `what`.
void check_bad_input(const command_result& r, const std::string& what) {
  INFO(r.output);
  CHECK(r.status == 2);
  CHECK(std::count(r.output.begin(), r.output.end(), '\n') == 1);
  CHECK(r.output.rfind("sgmc: error: ", 0) == 0);
  CHECK(r.output.find(what) != std::string::npos);
}

}  // namespace

TEST_CASE("diagnose reports R-hat, ESS and the exact-posterior error of a gaussian run",
          "[system]") {
  tmp_dir dir("diag-gauss");
  const std::string out = dir.file("a");
  const auto run = run_gaussian(out, "--set run.chains=2");
  // sgmc run's own line: R-hat over the 2 chains (a number, near 1) and the bulk ESS.
  CHECK(run.find("potential: R-hat 1.0") != std::string::npos);
  CHECK(run.find("(2 chains), bulk ESS ") != std::string::npos);
  auto r = diagnose(out);
  INFO(r.output);
  REQUIRE(r.status == 0);
  CHECK(r.output.find("2 chains x 400 draws") != std::string::npos);
  CHECK(r.output.find("theta[1]") != std::string::npos);
  CHECK(r.output.find("|theta|") != std::string::npos);
  CHECK(r.output.find("\npotential ") != std::string::npos);
  CHECK(r.output.find("exact posterior: |mean - mu|") != std::string::npos);
}

TEST_CASE("diagnose of several folders treats them as chains and agrees with numpy in JSON",
          "[system]") {
  tmp_dir dir("diag-json");
  run_gaussian(dir.file("a"));
  run_gaussian(dir.file("b"), "--set seed=2");
  const std::string json = dir.file("d.json");
  auto r = run_command(k_sgmc + " diagnose " + dir.file("a") + " " + dir.file("b") +
                       " --json --params 0 > " + json);
  REQUIRE(r.status == 0);
  // The JSON parses; its chain count and mean equal what numpy computes from the .npy files.
  const std::string script =
      "import json, sys, numpy as np\n"
      "d = json.load(open(sys.argv[1]))\n"
      "x = np.concatenate([np.load(sys.argv[2]), np.load(sys.argv[3])])[:, 0]\n"
      "q = [q for q in d['quantities'] if q['name'] == 'theta[0]'][0]\n"
      "assert d['chains'] == 2 and d['draws'] == 400, d\n"
      "assert abs(q['mean'] - x.mean()) < 1e-6, (q['mean'], x.mean())\n"
      "assert 1.0 <= q['rhat'] < 1.1 and q['ess_bulk'] > 20, q\n"
      "assert d['exact']['mean_error'] >= 0\n";
  std::ofstream(dir.file("check.py")) << script;
  auto c = run_command(k_python + " " + dir.file("check.py") + " " + json + " " + dir.file("a") +
                       "/samples/chain-0.npy " + dir.file("b") + "/samples/chain-0.npy");
  INFO(c.output);
  CHECK(c.status == 0);
}

TEST_CASE("diagnose says that elastic chains make R-hat read optimistic", "[system]") {
  tmp_dir dir("diag-elastic");
  const std::string out = dir.file("e");
  run_gaussian(out, "--set protocol.kind=elastic --set protocol.workers=2");
  auto r = diagnose(out);
  INFO(r.output);
  REQUIRE(r.status == 0);
  CHECK(r.output.find("elastic coupling") != std::string::npos);
  CHECK(r.output.find("optimistic") != std::string::npos);
}

TEST_CASE("diagnose refuses bad input with one line and exit code 2", "[system]") {
  tmp_dir dir("diag-bad");
  const std::string a = dir.file("a");
  run_gaussian(a);
  SECTION("a missing folder") { check_bad_input(diagnose(dir.file("nope")), "nope"); }
  SECTION("a folder without samples") {
    std::filesystem::create_directories(dir.file("empty/samples"));
    std::filesystem::copy_file(a + "/config.toml", dir.file("empty/config.toml"));
    check_bad_input(diagnose(dir.file("empty")), "no samples");
  }
  SECTION("one draw") {
    const std::string one = dir.file("one");
    run_gaussian(one, "--set run.steps=2020 --set run.burnin=2000");
    check_bad_input(diagnose(one), "1 draw");
  }
  SECTION("folders of different dims") {
    const std::string lin = dir.file("lin");
    auto r = run_command(k_sgmc + " run " + k_examples +
                         "linreg.toml --quiet --set run.steps=400 "
                         "--set run.burnin=0 --set run.thin=10 --out " +
                         lin);
    REQUIRE(r.status == 0);
    check_bad_input(diagnose(a + " " + lin), "must share model and dim");
  }
  SECTION("a corrupt .npy") {
    std::fstream f(a + "/samples/chain-0.npy", std::ios::in | std::ios::out | std::ios::binary);
    f.write("garbage!", 8);
    f.close();
    check_bad_input(diagnose(a), "chain-0.npy");
  }
  SECTION("a parameter index out of range") {
    check_bad_input(diagnose(a + " --params 0,2"), "out of range");
  }
}
