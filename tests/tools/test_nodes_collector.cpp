// System tests of a collector killed mid-run and started again on the same --out (docs/cluster.md,
// "When a node dies"): the master keeps the samples the collector has not acknowledged, waits for
// a collector to rejoin and resends what the new one lacks; the new one keeps the draws its files
// hold and drops resent ones it has. A master, two workers and the collector as processes on
// loopback; every wait is on an output line, a process exit or a file growing, bounded.
#include "child_process.hpp"
#include "sgmc/engine/npy_reader.hpp"
#include "sgmc_test/tmp_dir.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <thread>
#include <vector>

using sgmc::test::tmp_dir;
using sgmc::tools::test::child_process;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

const std::string k_sgmc = SGMC_BINARY;
const std::string k_gauss = std::string(SGMC_SOURCE_DIR) + "/examples/gaussian-2d.toml";
#ifdef SGMC_SANITIZED
constexpr auto k_run_timeout = 180s;
#else
constexpr auto k_run_timeout = 60s;
#endif
constexpr auto k_line_timeout = 15s;

using args = std::vector<std::string>;

// sync (deterministic: the same draws bit for bit in every run of a seed), 2 workers, slowed by
// 1 ms per message so that a kill lands mid-run; every payload over the data channel; at most
// 16 samples unacknowledged per shard, so the master also waits for acknowledgements while the
// collector is away.
const args k_sets{"protocol.kind=sync",
                  "protocol.workers=2",
                  "run.steps=2500",
                  "run.burnin=100",
                  "run.thin=5",
                  "staleness.latency_ms=1",
                  "cluster.collector_buffer=16",
                  "cluster.data_channel_min_bytes=0"};
constexpr std::uint64_t k_draws = 480;  // (2500 − 100) / 5

std::unique_ptr<child_process> start(const std::string& role, args extra, const args& more = {}) {
  args argv{k_sgmc, "node", role, k_gauss};
  argv.insert(argv.end(), extra.begin(), extra.end());
  for (const auto& s : k_sets) argv.insert(argv.end(), {"--set", s});
  for (const auto& s : more) argv.insert(argv.end(), {"--set", s});
  return std::make_unique<child_process>(argv);
}

struct nodes {
  std::unique_ptr<child_process> master;
  std::vector<std::unique_ptr<child_process>> workers;
  std::unique_ptr<child_process> collector;
  std::string address;

  nodes(const std::string& out, const args& more = {}) {
    master = start("master", {"--listen", "127.0.0.1:0", "--out", out, "-q"}, more);
    auto line = master->wait_for_line("master listening on ", k_line_timeout);
    INFO(master->output());
    REQUIRE(line);
    address = line->substr(line->rfind(' ') + 1);
    for (int i = 0; i < 2; ++i)
      workers.push_back(
          start("worker", {"--connect", address, "--id", std::to_string(i), "--out", out}, more));
    collector = start("collector", {"--connect", address, "--out", out}, more);
  }

  std::string outputs(const std::string& extra = {}) const {
    std::string s = "--- master:\n" + master->output();
    for (std::size_t i = 0; i < workers.size(); ++i)
      s += "--- worker " + std::to_string(i) + ":\n" + workers[i]->output();
    return s + "--- collector:\n" + collector->output() + extra;
  }
};

std::string slurp(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

// Waits (bounded) until OUT/samples/chain-0.npy holds at least `rows` rows of 2 floats: there
// is no output line for it, so the file's size is polled.
bool wait_for_rows(const std::string& out, std::uint64_t rows) {
  const auto path = fs::path(out) / "samples" / "chain-0.npy";
  const auto deadline = std::chrono::steady_clock::now() + k_line_timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    std::error_code ec;
    const auto size = fs::file_size(path, ec);
    if (!ec && size >= 128 + rows * 8) return true;
    std::this_thread::sleep_for(2ms);
  }
  return false;
}

}  // namespace

TEST_CASE("a collector killed mid-run and started again writes every draw exactly once",
          "[system][nodes]") {
  tmp_dir dir("nodes-collector-rejoin");
  const std::string whole = dir.file("whole"), cut = dir.file("cut");
  {
    nodes ref(whole);
    const int m = ref.master->wait_exit(k_run_timeout);
    const int c = ref.collector->wait_exit(k_run_timeout);
    for (auto& w : ref.workers) w->wait_exit(k_run_timeout);
    INFO(ref.outputs());
    REQUIRE(m == 0);
    REQUIRE(c == 0);
  }
  nodes run(cut);
  REQUIRE(wait_for_rows(cut, 40));
  run.collector->signal(SIGKILL);
  CHECK(run.collector->wait_exit(k_line_timeout) == -1);
  auto waiting = run.master->wait_for_line("waiting up to 60.0 s for it to rejoin", k_line_timeout);
  INFO(run.outputs());
  REQUIRE(waiting);
  auto again = start("collector", {"--connect", run.address, "--out", cut});
  const int m = run.master->wait_exit(k_run_timeout);
  const int c = again->wait_exit(k_run_timeout);
  const int w0 = run.workers[0]->wait_exit(k_run_timeout);
  const int w1 = run.workers[1]->wait_exit(k_run_timeout);
  INFO(run.outputs("--- the collector started again:\n" + again->output()));
  CHECK(m == 0);
  CHECK(c == 0);
  CHECK(w0 == 0);
  CHECK(w1 == 0);
  CHECK(run.master->output().find("the collector rejoined with ") != std::string::npos);
  CHECK(again->output().find("collector: welcomed back into the running run (") !=
        std::string::npos);
  CHECK(again->output().find("dim 2); keeping ") != std::string::npos);
  auto x = sgmc::engine::read_npy_f32(fs::path(cut) / "samples" / "chain-0.npy");
  REQUIRE(x);
  CHECK(x->rows == k_draws);
  auto stats = sgmc::engine::read_draw_stats(fs::path(cut) / "samples" / "chain-0.stats.npy");
  REQUIRE(stats);
  REQUIRE(stats->size() == k_draws);
  // Every draw once, in order: the steps of the thinned draws, 105, 110, ...
  for (std::size_t r = 0; r < stats->size(); ++r) {
    INFO("draw " << r);
    REQUIRE((*stats)[r].step == 100 + 5 * (r + 1));
  }
  // And the draws of the run that was never interrupted, bit for bit.
  for (const std::string f : {"samples/chain-0.npy", "samples/chain-0.stats.npy"}) {
    INFO(f);
    CHECK(slurp(fs::path(whole) / f) == slurp(fs::path(cut) / f));
  }
  CHECK(fs::exists(fs::path(cut) / "posterior.nc"));
}

TEST_CASE("a lost collector that does not return within collector_wait_s ends the run with code 2",
          "[system][nodes]") {
  tmp_dir dir("nodes-collector-gone");
  const std::string out = dir.file("out");
  nodes run(out, {"cluster.collector_wait_s=1"});
  REQUIRE(wait_for_rows(out, 10));
  run.collector->signal(SIGKILL);
  const int m = run.master->wait_exit(k_run_timeout);
  const int w0 = run.workers[0]->wait_exit(k_run_timeout);
  const int w1 = run.workers[1]->wait_exit(k_run_timeout);
  INFO(run.outputs());
  CHECK(m == 2);
  CHECK(w0 == 2);
  CHECK(w1 == 2);
  CHECK(run.master->output().find("sgmc: error: the collector is gone (") != std::string::npos);
  CHECK(run.master->output().find(") and none rejoined within 1.0 s") != std::string::npos);
  CHECK(run.workers[0]->output().find("the collector is gone") != std::string::npos);
}
