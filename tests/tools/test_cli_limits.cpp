// System tests: the `sgmc` binary on inputs too large for memory, unwritable outputs and the
// command-line details of issue 8 (--version, --quiet on every node role, usage hints).
#include "sgmc_test/tmp_dir.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>

using sgmc::test::run_command;
using sgmc::test::tmp_dir;

namespace {

const std::string k_sgmc = SGMC_BINARY;
const std::string k_examples = std::string(SGMC_SOURCE_DIR) + "/examples/";

std::string write_file(const tmp_dir& dir, const std::string& name, const std::string& text) {
  std::ofstream(dir.file(name)) << text;
  return dir.file(name);
}

}  // namespace

TEST_CASE("sizes too large for memory exit with code 2 naming the key or file, writing nothing",
          "[system]") {
  tmp_dir dir("too-large");
  const std::string out = dir.file("out");
  const std::string huge_svm = write_file(dir, "huge.svm", "1.0 1000000000000:1.0\n0 1:1\n");
  const std::string svm = write_file(dir, "ok.svm", "1.0 1:1.0\n0 2:1\n");
  const std::string libsvm = "[model]\nkind = \"linreg\"\n[data]\nformat = \"libsvm\"\n";
  struct big_case {
    std::string config;  // file content ("" → the linreg example)
    std::string args;
    std::string message;
  };
  const big_case cases[] = {
      {"", "--set data.synthetic_features=1000000000000", "data.synthetic_features"},
      {"", "--set data.train_size=1000000000000", "data.train_size"},
      {"", "--set data.test_size=1000000000000", "data.test_size"},
      {"",
       "--set model.kind=mlp --set data.generator=softmax --set data.classes=2"
       " --set model.layers=[5,1000000000000,2]",
       "model.layers"},
      {libsvm + "train = \"" + huge_svm + "\"\n", "", "huge.svm"},
      {libsvm + "train = \"" + svm + "\"\nfeatures = 1000000000000\n", "", "data.features"},
      {"[model]\nkind = \"linreg\"\n[data]\nformat = \"csv\"\ntrain = \"/dev/zero\"\n", "",
       "/dev/zero: line 1 is longer than"},
  };
  for (const auto& c : cases) {
    const std::string config =
        c.config.empty() ? k_examples + "linreg.toml" : write_file(dir, "exp.toml", c.config);
    auto r = run_command(k_sgmc + " run " + config + " --quiet --out " + out + " " + c.args);
    INFO(c.config << c.args << "\n→ " << r.output);
    CHECK(r.status == 2);
    CHECK(r.output.find("sgmc: error: ") == 0);
    CHECK(r.output.find(c.message) != std::string::npos);
    CHECK(std::count(r.output.begin(), r.output.end(), '\n') == 1);
    CHECK_FALSE(std::filesystem::exists(out));
  }
}

TEST_CASE("an output folder under a regular file names the OS error", "[system]") {
  tmp_dir dir("out-under-file");
  const std::string file = write_file(dir, "plain", "x\n");
  auto r =
      run_command(k_sgmc + " run " + k_examples + "linreg.toml --quiet --out " + file + "/out");
  INFO(r.output);
  CHECK(r.status == 2);
  CHECK(r.output.find("sgmc: error: ") == 0);
  CHECK(r.output.find(file + "/out") != std::string::npos);
  CHECK(r.output.find("Not a directory") != std::string::npos);
}

TEST_CASE("sgmc --version prints the project version", "[system]") {
  auto r = run_command(k_sgmc + " --version");
  CHECK(r.status == 0);
  CHECK(r.output == "sgmc 0.1.0\n");
}

TEST_CASE("every node role takes --quiet and its usage hint names the role", "[system]") {
  const std::string config = k_examples + "gaussian-2d.toml";
  for (const std::string role : {"worker", "collector"}) {
    // Nothing listens on port 1: the run fails at connecting, after --quiet was accepted.
    auto r = run_command(k_sgmc + " node " + role + " " + config +
                         " --connect 127.0.0.1:1 --timeout 0.5 --quiet --set protocol.kind=async");
    INFO(role << ": " << r.output);
    CHECK(r.status == 2);
    CHECK(r.output.find("cannot reach the master at 127.0.0.1:1") != std::string::npos);
    CHECK(r.output.find("--quiet") == std::string::npos);
    CHECK(r.output.find("for usage") == std::string::npos);
    auto bad = run_command(k_sgmc + " node " + role + " " + config + " --bogus");
    INFO(bad.output);
    CHECK(bad.status == 2);
    CHECK(bad.output.find("Run 'sgmc node " + role + " --help' for usage.") != std::string::npos);
  }
}

TEST_CASE("node --wait 0 is refused in one short line", "[system]") {
  auto r = run_command(k_sgmc + " node master " + k_examples +
                       "gaussian-2d.toml --listen 127.0.0.1:0 --wait 0");
  INFO(r.output);
  CHECK(r.status == 2);
  CHECK(r.output.find("--wait: must be a positive number of seconds (got 0)") != std::string::npos);
  CHECK(r.output.size() < 200);
}

#ifndef SGMC_SANITIZED  // the sanitizers reserve terabytes of address space up front
TEST_CASE("an allocation that fails anyway ends in one line and exit 2, not an abort", "[system]") {
  tmp_dir dir("bad-alloc");
  const std::string out = dir.file("out");
  // 40M rows x 5 features fit the host but not a 600 MB address space: std::bad_alloc.
  auto r = run_command("ulimit -v 600000; " + k_sgmc + " run " + k_examples +
                       "linreg.toml --quiet --out " + out + " --set data.train_size=40000000");
  INFO(r.output);
  CHECK(r.status == 2);
  CHECK(r.output == "sgmc: error: out of memory (the data or the model is too large)\n");
  CHECK_FALSE(std::filesystem::exists(out));
}
#endif
