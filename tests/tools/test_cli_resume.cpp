// System tests of checkpoints and `sgmc run --resume` (docs/cluster.md, "Checkpoints and
// resuming"): a run killed (SIGKILL) after a checkpoint and resumed writes the uninterrupted
// run's draws bit for bit (sync; elastic with ρ = 0, whose chains do not feel the centre), or
// continues from the checkpoint's version (async); a corrupt checkpoint or one of another
// config is refused with a one-line error.
#include "child_process.hpp"
#include "sgmc/engine/checkpoint.hpp"
#include "sgmc/engine/npy_reader.hpp"
#include "sgmc_test/tmp_dir.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

using sgmc::test::run_command;
using sgmc::test::tmp_dir;
using sgmc::tools::test::child_process;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

const std::string k_sgmc = SGMC_BINARY;
const std::string k_linreg = std::string(SGMC_SOURCE_DIR) + "/examples/linreg.toml";

// Long enough (200K versions, ~2 s here) that the kill lands well before the end. sync runs
// SGHMC, whose momentum the checkpoint must keep; async SGLD (stale momentum diverges here).
std::vector<std::string> run_argv(const std::string& kind, const std::string& out,
                                  const std::vector<std::string>& extra = {}) {
  std::vector<std::string> argv{k_sgmc, "run", k_linreg, "--quiet", "--out", out};
  for (const std::string& set :
       {"protocol.kind=" + kind, std::string("protocol.workers=2"),
        std::string(kind == "sync" ? "sampler.kind=sghmc" : "sampler.kind=sgld"),
        std::string("run.steps=200000"), std::string("run.burnin=100"), std::string("run.thin=10"),
        std::string("run.eval_every=20000"), std::string("run.checkpoint_every=0.02"),
        std::string("trace.enabled=false")}) {
    argv.push_back("--set");
    argv.push_back(set);
  }
  for (const auto& set : extra) {  // later --set options win
    argv.push_back("--set");
    argv.push_back(set);
  }
  return argv;
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Starts the run, waits (bounded) until it has written a checkpoint and more draws after it,
// then kills it with SIGKILL. True when the run was killed before it finished.
bool run_and_kill(const std::string& kind, const std::string& out,
                  const std::vector<std::string>& extra = {}) {
  child_process run(run_argv(kind, out, extra));
  const auto ckpt = fs::path(out) / "checkpoint";
  const auto samples = fs::path(out) / "samples" / "chain-0.npy";
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  std::uintmax_t seen = 0;
  std::error_code ec;
  // No line announces a checkpoint: the file's appearance is the event, polled.
  while (std::chrono::steady_clock::now() < deadline) {
    if (fs::exists(ckpt, ec)) {
      const auto size = fs::file_size(samples, ec);
      if (ec) continue;
      if (seen == 0) seen = size;
      if (size > seen + 4000) break;  // draws after the checkpoint are on disk
    }
    std::this_thread::sleep_for(2ms);
  }
  run.signal(SIGKILL);
  const int status = run.wait_exit(30s);
  UNSCOPED_INFO("the " << kind << " run to kill exited with " << status << ": " << run.output());
  return status == -1;
}

}  // namespace

TEST_CASE("a sync run killed after a checkpoint and resumed writes the uninterrupted draws",
          "[system][resume]") {
  tmp_dir dir("resume-sync");
  const std::string whole = dir.file("whole"), cut = dir.file("cut");
  child_process ref(run_argv("sync", whole));
  REQUIRE(ref.wait_exit(120s) == 0);
  REQUIRE(run_and_kill("sync", cut));
  auto c = sgmc::engine::read_checkpoint(fs::path(cut) / "checkpoint");
  REQUIRE(c);
  const auto version = c->shards.at(0).version;
  INFO("checkpoint at version " << version);
  CHECK(version > 0);
  CHECK(version < 200000);

  auto r = run_command(k_sgmc + " run --resume " + cut + " --quiet");
  INFO(r.output);
  REQUIRE(r.status == 0);
  for (const std::string f : {"samples/chain-0.npy", "samples/chain-0.stats.npy"}) {
    INFO(f);
    const auto a = slurp(fs::path(whole) / f), b = slurp(fs::path(cut) / f);
    CHECK(a.size() == b.size());
    CHECK(a == b);
  }
  CHECK(fs::exists(fs::path(cut) / "posterior.nc"));
  // The metrics records: in step order, none twice, the last at the last step.
  std::ifstream metrics(fs::path(cut) / "metrics.jsonl");
  std::string line;
  std::uint64_t last = 0;
  while (std::getline(metrics, line)) {
    const auto at = line.find("\"step\": ");
    REQUIRE(at != std::string::npos);
    const auto step = std::stoull(line.substr(at + 8));
    CHECK(step > last);
    last = step;
  }
  CHECK(last == 200000);
}

TEST_CASE("a sharded sync run killed after a checkpoint and resumed writes the uninterrupted draws",
          "[system][resume]") {
  tmp_dir dir("resume-shards");
  const std::string whole = dir.file("whole"), cut = dir.file("cut");
  // A shard owns whole blocks of 256 values: 600 features make two shards.
  const std::vector<std::string> shards{"protocol.shards=2", "data.synthetic_features=600",
                                        "sampler.step_size=1e-6", "run.steps=50000"};
  child_process ref(run_argv("sync", whole, shards));
  REQUIRE(ref.wait_exit(120s) == 0);
  REQUIRE(run_and_kill("sync", cut, shards));
  auto c = sgmc::engine::read_checkpoint(fs::path(cut) / "checkpoint");
  REQUIRE(c);
  REQUIRE(c->shards.size() == 2);
  // One cut: both shards at one version.
  CHECK(c->shards[0].version == c->shards[1].version);
  CHECK(c->shards[0].theta.size() + c->shards[1].theta.size() == 600);
  INFO("checkpoint at version " << c->shards[0].version);
  auto r = run_command(k_sgmc + " run --resume " + cut + " --quiet");
  INFO(r.output);
  REQUIRE(r.status == 0);
  for (const std::string f : {"samples/chain-0.npy", "samples/chain-0.stats.npy"}) {
    INFO(f);
    CHECK(slurp(fs::path(whole) / f) == slurp(fs::path(cut) / f));
  }
}

TEST_CASE("an async run resumed continues from the checkpoint's version", "[system][resume]") {
  tmp_dir dir("resume-async");
  const std::string cut = dir.file("cut");
  REQUIRE(run_and_kill("async", cut));
  auto c = sgmc::engine::read_checkpoint(fs::path(cut) / "checkpoint");
  REQUIRE(c);
  const auto version = c->shards.at(0).version;
  auto r = run_command(k_sgmc + " run --resume " + cut + " --quiet");
  INFO(r.output);
  REQUIRE(r.status == 0);
  // The steps of the draws: every due version once, in order, the ones before the checkpoint
  // kept from the first process.
  auto stats = sgmc::engine::read_draw_stats(fs::path(cut) / "samples" / "chain-0.stats.npy");
  REQUIRE(stats);
  REQUIRE(stats->size() == (200000 - 100) / 10);
  for (std::size_t k = 0; k < stats->size(); ++k) {
    INFO("draw " << k << ", checkpoint at version " << version);
    REQUIRE((*stats)[k].step == 100 + 10 * (k + 1));
  }
  // The resumed run's versions: 200000 − version updates applied.
  CHECK(r.output.find("versions 200000") != std::string::npos);
}

TEST_CASE("an elastic run killed after a checkpoint and resumed writes every chain's draws once",
          "[system][resume][elastic]") {
  tmp_dir dir("resume-elastic");
  const std::string whole = dir.file("whole"), cut = dir.file("cut");
  // SGHMC: each worker's momentum is part of its chain. ρ = 0: the chains are independent of
  // the centre, so the timing of the exchanges does not enter the draws.
  constexpr std::uint64_t steps = 200000;  // run_argv's
  const std::vector<std::string> elastic{"sampler.kind=sghmc", "protocol.elastic_rho=0"};
  child_process ref(run_argv("elastic", whole, elastic));
  REQUIRE(ref.wait_exit(120s) == 0);
  REQUIRE(run_and_kill("elastic", cut, elastic));
  auto c = sgmc::engine::read_checkpoint(fs::path(cut) / "checkpoint");
  REQUIRE(c);
  REQUIRE(c->chains.size() == 2);
  REQUIRE(c->draws.size() == 2);
  const sgmc::protocols::run_length run{steps, 100, 10, 1};
  for (std::size_t k = 0; k < 2; ++k) {
    INFO("chain " << k << " at local step " << c->chains[k].local_steps);
    CHECK(c->draws[k] == sgmc::engine::draws_at(run, c->chains[k].local_steps));
    CHECK(c->chains[k].local_steps < steps);
  }

  auto r = run_command(k_sgmc + " run --resume " + cut + " --quiet");
  INFO(r.output);
  REQUIRE(r.status == 0);
  for (std::size_t k = 0; k < 2; ++k) {
    const std::string chain = "samples/chain-" + std::to_string(k);
    // Every due local step once, in order.
    auto stats = sgmc::engine::read_draw_stats(fs::path(cut) / (chain + ".stats.npy"));
    REQUIRE(stats);
    REQUIRE(stats->size() == (steps - 100) / 10);
    for (std::size_t i = 0; i < stats->size(); ++i) {
      INFO("chain " << k << " draw " << i);
      REQUIRE((*stats)[i].step == 100 + 10 * (i + 1));
    }
    for (const std::string& f : {chain + ".npy", chain + ".stats.npy"}) {
      INFO(f);
      const auto a = slurp(fs::path(whole) / f), b = slurp(fs::path(cut) / f);
      CHECK(a.size() == b.size());
      CHECK(a == b);
    }
  }
}

TEST_CASE("a corrupt checkpoint or one of another config is refused", "[system][resume]") {
  tmp_dir dir("resume-refused");
  const std::string out = dir.file("out");
  auto argv = run_argv("sync", out);
  argv[std::find(argv.begin(), argv.end(), "run.steps=200000") - argv.begin()] = "run.steps=20000";
  child_process run(argv);
  REQUIRE(run.wait_exit(60s) == 0);
  const auto ckpt = fs::path(out) / "checkpoint";
  REQUIRE(fs::exists(ckpt));

  auto other = run_command(k_sgmc + " run --resume " + out + " --quiet --set run.thin=5");
  INFO(other.output);
  CHECK(other.status == 2);
  CHECK(other.output.find("sgmc: error: checkpoint ") == 0);
  CHECK(other.output.find("belongs to another config: it has `thin = 10` where this config has "
                          "`thin = 5`") != std::string::npos);

  std::string bytes = slurp(ckpt);
  bytes[bytes.size() / 2] ^= 0x01;
  std::ofstream(ckpt, std::ios::binary | std::ios::trunc) << bytes;
  auto corrupt = run_command(k_sgmc + " run --resume " + out + " --quiet");
  INFO(corrupt.output);
  CHECK(corrupt.status == 2);
  CHECK(corrupt.output.find("checksum mismatch") != std::string::npos);
  CHECK(std::count(corrupt.output.begin(), corrupt.output.end(), '\n') == 1);

  fs::resize_file(ckpt, 30);
  auto cut = run_command(k_sgmc + " run --resume " + out + " --quiet");
  CHECK(cut.status == 2);
  CHECK(cut.output.find("truncated") != std::string::npos);

  fs::remove(ckpt);
  auto none = run_command(k_sgmc + " run --resume " + out + " --quiet");
  CHECK(none.status == 2);
  CHECK(none.output.find("cannot read checkpoint") != std::string::npos);
}

TEST_CASE("checkpoints of a sharded asynchronous master are refused by the config check",
          "[system][resume]") {
  auto r = run_command(k_sgmc + " run " + k_linreg +
                       " --quiet --set protocol.kind=async --set protocol.shards=2"
                       " --set data.synthetic_features=600 --set run.checkpoint_every=1");
  INFO(r.output);
  CHECK(r.status == 2);
  CHECK(r.output.find("run.checkpoint_every with protocol.shards = 2 needs protocol.kind = "
                      "\"sync\" (got \"async\")") != std::string::npos);
  CHECK(std::count(r.output.begin(), r.output.end(), '\n') == 1);
}
