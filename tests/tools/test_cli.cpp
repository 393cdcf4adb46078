// System tests: the built `sgmc` binary run as a subprocess on the examples and on bad input.
#include "sgmc_test/tmp_dir.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <string>

using sgmc::test::command_result;
using sgmc::test::run_command;
using sgmc::test::tmp_dir;

namespace {

const std::string k_sgmc = SGMC_BINARY;
const std::string k_examples = std::string(SGMC_SOURCE_DIR) + "/examples/";
const std::string k_check =
    std::string("/usr/bin/python3 ") + SGMC_SOURCE_DIR + "/tests/tools/check_outputs.py ";

command_result sgmc_run(const std::string& args) { return run_command(k_sgmc + " run " + args); }

/// Runs check_outputs.py with `args`; true when the check passes.
bool check(const std::string& args) {
  auto r = run_command(k_check + args);
  UNSCOPED_INFO("check_outputs.py " << args << ":\n" << r.output);
  return r.status == 0;
}

std::string write_file(const tmp_dir& dir, const std::string& name, const std::string& text) {
  std::ofstream(dir.file(name)) << text;
  return dir.file(name);
}

}  // namespace

TEST_CASE("gaussian-2d example runs, converges and repeats from its resolved config", "[system]") {
  tmp_dir dir("gauss");
  const std::string out = dir.file("out");
  auto r = sgmc_run(k_examples + "gaussian-2d.toml --quiet --out " + out);
  INFO(r.output);
  REQUIRE(r.status == 0);
  CHECK(r.output.find("2400 draws") != std::string::npos);
  CHECK(r.output.find("step ") == std::string::npos);  // --quiet: no progress lines
  CHECK(r.output.find("outputs: " + out) != std::string::npos);
  CHECK(check("npy " + out + "/samples/chain-0.npy 2400 2"));
  CHECK(check("mean " + out + "/samples/chain-0.npy 0.3 1.0 -1.0"));
  CHECK(check("metric " + out + "/metrics.jsonl 0 mean_error lt 0.25"));
  CHECK(check("metric " + out + "/metrics.jsonl 0 var_error lt 0.15"));
  CHECK(check("metrics " + out + "/metrics.jsonl 1"));
  // The resolved config is valid input and gives the same draws, bit for bit.
  auto again = sgmc_run(out + "/config.toml --quiet --out " + dir.file("again"));
  INFO(again.output);
  REQUIRE(again.status == 0);
  auto cmp = run_command("cmp " + out + "/samples/chain-0.npy " + dir.file("again") +
                         "/samples/chain-0.npy");
  CHECK(cmp.status == 0);
}

TEST_CASE("linreg example reaches the noise level in predictive RMSE", "[system]") {
  tmp_dir dir("linreg");
  const std::string out = dir.file("out");
  auto r = sgmc_run(k_examples + "linreg.toml --quiet --out " + out);
  INFO(r.output);
  REQUIRE(r.status == 0);
  CHECK(check("npy " + out + "/samples/chain-0.npy 400 5"));
  CHECK(check("metric " + out + "/metrics.jsonl 0 pred_rmse lt 0.7"));
  CHECK(check("metric " + out + "/metrics.jsonl 0 pred_nll lt 1.2"));
}

TEST_CASE("logreg example (sgld-fp) classifies the synthetic test set", "[system]") {
  tmp_dir dir("logreg");
  const std::string out = dir.file("out");
  auto r = sgmc_run(k_examples + "logreg.toml --quiet --out " + out);
  INFO(r.output);
  REQUIRE(r.status == 0);
  CHECK(check("npy " + out + "/samples/chain-0.npy 350 6"));
  CHECK(check("metric " + out + "/metrics.jsonl 0 pred_accuracy gt 0.7"));
}

TEST_CASE("fmnist-mlp example runs a few steps on a subset", "[system]") {
  tmp_dir dir("fmnist-small");
  const std::string out = dir.file("out");
  auto r = sgmc_run(k_examples + "fmnist-mlp.toml --out " + out +
                    " --set run.steps=200 --set run.burnin=100 --set run.thin=50"
                    " --set run.eval_every=100 --set data.train_limit=5000"
                    " --set data.test_limit=1000");
  INFO(r.output);
  REQUIRE(r.status == 0);
  CHECK(r.output.find("step 200/200") != std::string::npos);  // plain progress lines
  CHECK(check("npy " + out + "/samples/chain-0.npy 2 79510"));
  CHECK(check("metric " + out + "/metrics.jsonl 0 pred_accuracy gt 0.5"));
}

TEST_CASE("fmnist-mlp demo reaches 85% posterior-predictive accuracy", "[system][slow]") {
  tmp_dir dir("fmnist");
  const std::string out = dir.file("out");
  auto r = sgmc_run(k_examples + "fmnist-mlp.toml --quiet --out " + out);
  INFO(r.output);
  REQUIRE(r.status == 0);
  CHECK(check("metric " + out + "/metrics.jsonl 0 pred_accuracy ge 0.85"));
}

TEST_CASE("the async demo (2 workers as actors) reaches 85% and writes its trace",
          "[system][slow]") {
  tmp_dir dir("fmnist-async");
  const std::string out = dir.file("out");
  auto r = sgmc_run(k_examples + "fmnist-async.toml --quiet --out " + out);
  INFO(r.output);
  REQUIRE(r.status == 0);
  CHECK(r.output.find("async protocol: versions 8000") != std::string::npos);
  CHECK(check("npy " + out + "/samples/chain-0.npy 120 79510"));
  CHECK(check("metric " + out + "/metrics.jsonl 0 pred_accuracy ge 0.85"));
  CHECK(std::filesystem::file_size(out + "/trace/embedded.trace") > 100000);
}

TEST_CASE("several chains run in parallel and each writes its draws", "[system]") {
  tmp_dir dir("chains");
  const std::string out = dir.file("out");
  auto r = sgmc_run(k_examples + "linreg.toml --quiet --threads 2 --out " + out +
                    " --set run.chains=3 --set run.steps=1000 --set run.burnin=500");
  INFO(r.output);
  REQUIRE(r.status == 0);
  for (int k = 0; k < 3; ++k)
    CHECK(check("npy " + out + "/samples/chain-" + std::to_string(k) + ".npy 50 5"));
  CHECK(check("metrics " + out + "/metrics.jsonl 3"));
}

TEST_CASE("bad input exits with code 2 and a message naming the key or file", "[system]") {
  tmp_dir dir("bad");
  const std::string out = dir.file("out");
  struct bad_case {
    std::string config;  // file content ("" → use the linreg example)
    std::string args;
    std::string message;
  };
  const std::string csv_missing =
      "[model]\nkind = \"linreg\"\n[data]\nformat = \"csv\"\n"
      "train = \"/nonexistent/train.csv\"\n";
  const std::string bad_csv = write_file(dir, "bad.csv", "1,2,3\n4,five,6\n");
  const bad_case cases[] = {
      {"[sampler]\nstepsize = 1e-3\n", "",
       "unknown key sampler.stepsize (did you mean sampler.step_size?)"},
      {"[sampler]\nstep_size = \"big\"\n", "", "sampler.step_size must be a number"},
      {"[sampler]\nstep_size = -1\n", "", "exp.toml: sampler.step_size must be > 0 (got -1)"},
      {"name = \"x\"\n[run\n", "", "exp.toml:2:"},
      {"[precision]\nweights = \"fp16\"\n", "", "precision.weights"},
      {"[codec]\npush = \"gzip\"\n", "", "codec.push"},
      {"[protocol]\nkind = \"async\"\nworkers = 2\n[staleness]\ndelay = \"fixed:x\"\n", "",
       "staleness.delay"},
      {csv_missing, "", "/nonexistent/train.csv"},
      {"[model]\nkind = \"linreg\"\n[data]\nformat = \"csv\"\ntrain = \"" + bad_csv + "\"\n", "",
       "bad.csv"},
      {"",
       "--set data.train_images=/nonexistent/images.gz --set model.kind=mlp"
       " --set data.format=idx",
       "/nonexistent/images.gz"},
      {"", "--set model.kind=mlp --set model.layers=[4,10,3] --set data.generator=softmax",
       "model.layers"},
      {"", "--set sampler.stepsize=1", "--set sampler.stepsize=1: unknown key"},
      {"", "--set run.steps=ten", "run.steps must be an integer"},
      {"", "--set sampler.batch_size=5000", "sampler.batch_size"},
      {"", "--set sampler.step_size=abc", "sgmc: error: --set sampler.step_size=abc: "},
      {"", "--set run.burnin=6000", "sgmc: error: --set run.burnin=6000: run.burnin"},
      {"", "--set seed=5 --set run.seed=9", "--set seed=5 and --set run.seed=9 disagree"},
      {"", "--set data.synthetic_features=1000000000000", "data.synthetic_features must be in"},
      {"", "--set data.train_size=1000000000000", "data.train_size must be in"},
      {"", "--set model.kind=mlp --set model.layers=[5,1000000000000,2]",
       "model.layers[1] must be in"},
      {"[protocol]\nkind = \"async\"\n[staleness]\nlatency_ms = 1e13\n", "",
       "staleness.latency_ms must be in"},
      {"[protocol]\nkind = \"async\"\n[staleness]\ndelay = \"fixed:1e13ms\"\n", "",
       "at most 3600000 ms"},
  };
  for (const auto& c : cases) {
    const std::string config =
        c.config.empty() ? k_examples + "linreg.toml" : write_file(dir, "exp.toml", c.config);
    auto r = sgmc_run(config + " --quiet --out " + out + " " + c.args);
    INFO(c.config << c.args << "\n→ " << r.output);
    CHECK(r.status == 2);
    CHECK(r.output.find("sgmc: error: ") == 0);
    CHECK(r.output.find(c.message) != std::string::npos);
    CHECK(std::count(r.output.begin(), r.output.end(), '\n') == 1);
    CHECK_FALSE(std::filesystem::exists(out));  // nothing written for bad input
  }
}

TEST_CASE("command-line mistakes exit with code 2", "[system]") {
  auto none = run_command(k_sgmc);
  CHECK(none.status == 2);
  auto missing = sgmc_run("/nonexistent/exp.toml");
  CHECK(missing.status == 2);
  CHECK(missing.output.find("/nonexistent/exp.toml") != std::string::npos);
  tmp_dir dir("cfgdir");
  auto folder = sgmc_run(dir.path().string() + " --out " + dir.file("out"));
  CHECK(folder.status == 2);
  CHECK(folder.output.find("it is a directory") != std::string::npos);
  CHECK(std::count(folder.output.begin(), folder.output.end(), '\n') == 1);
  CHECK_FALSE(std::filesystem::exists(dir.file("out")));
  auto threads = sgmc_run(k_examples + "linreg.toml --threads 0");
  CHECK(threads.status == 2);
  auto help = sgmc_run("--help");
  CHECK(help.status == 0);
  CHECK(help.output.find("--set") != std::string::npos);
}

TEST_CASE("a diverging chain exits with code 1 and keeps its draws loadable", "[system]") {
  tmp_dir dir("diverge");
  const std::string out = dir.file("out");
  auto r = sgmc_run(k_examples + "linreg.toml --out " + out +
                    " --set sampler.step_size=0.002 --set run.burnin=0 --set run.thin=1"
                    " --set run.eval_every=10");
  INFO(r.output);
  CHECK(r.status == 1);
  CHECK(r.output.find("sgmc: error: chain 0 diverged at step ") != std::string::npos);
  CHECK(r.output.find("hint: lower sampler.step_size (now 0.002)") != std::string::npos);
  CHECK(check("npy " + out + "/samples/chain-0.npy -1 5"));
  CHECK(check("metrics " + out + "/metrics.jsonl 1"));
}

TEST_CASE("every protocol runs gaussian-2d as actors and writes draws, metrics and a trace",
          "[system]") {
  tmp_dir dir("protocols");
  for (const std::string kind : {"sync", "async", "ssp", "downpour", "elastic"}) {
    const std::string out = dir.file(kind);
    const std::string sets = " --set protocol.kind=" + kind +
                             " --set protocol.workers=2 --set run.steps=20000"
                             " --set run.burnin=2000 --set run.thin=20 --set run.eval_every=5000";
    auto r = sgmc_run(k_examples + "gaussian-2d.toml --quiet --out " + out + sets);
    INFO(kind << ":\n" << r.output);
    REQUIRE(r.status == 0);
    CHECK(r.output.find(kind + " protocol: versions") != std::string::npos);
    const int chains = kind == "elastic" ? 2 : 1;
    for (int k = 0; k < chains; ++k) {
      const std::string npy = out + "/samples/chain-" + std::to_string(k) + ".npy";
      CHECK(check("npy " + npy + " 900 2"));
      CHECK(check("mean " + npy + " 0.5 1.0 -1.0"));
      CHECK(check("metric " + out + "/metrics.jsonl " + std::to_string(k) + " mean_error lt 0.5"));
      // Each draw's staleness: none for elastic's local steps, 0 for sync, measured otherwise.
      if (kind == "elastic") CHECK(check("staleness " + npy + " -1 -1"));
      if (kind == "sync") CHECK(check("staleness " + npy + " 0 0"));
      if (kind == "async") CHECK(check("staleness " + npy + " 0 1000000"));
    }
    CHECK(std::filesystem::file_size(out + "/trace/embedded.trace") > 1000);
  }
}
