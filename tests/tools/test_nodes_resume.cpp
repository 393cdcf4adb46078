// System tests of checkpoints in `sgmc node` (docs/cluster.md, "Checkpoints and resuming"): a
// sync (or elastic, ρ = 0) cluster on loopback whose master is killed (SIGKILL) after a
// checkpoint, the other nodes exiting, and restarted with `sgmc node master --resume` (workers
// and collector started again as usual) writes the uninterrupted cluster's draws bit for bit.
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
#include <memory>
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
#ifdef SGMC_SANITIZED
constexpr auto k_run_timeout = 300s;
#else
constexpr auto k_run_timeout = 90s;
#endif
constexpr auto k_line_timeout = 15s;
constexpr std::uint64_t k_steps = 10000;

using args = std::vector<std::string>;

// SGHMC (the momentum must be kept), 2 workers, a checkpoint every 20 ms; `protocol`: the
// protocol's --set values (they come last and win).
args sets(const args& protocol) {
  args a;
  for (const std::string& s :
       {std::string("protocol.kind=sync"), std::string("protocol.workers=2"),
        std::string("sampler.kind=sghmc"), "run.steps=" + std::to_string(k_steps),
        std::string("run.burnin=100"), std::string("run.thin=10"),
        std::string("run.eval_every=5000"), std::string("run.checkpoint_every=0.02"),
        std::string("trace.enabled=false")}) {
    a.push_back("--set");
    a.push_back(s);
  }
  for (const auto& s : protocol) {
    a.push_back("--set");
    a.push_back(s);
  }
  return a;
}

const args k_sync{};
// ρ = 0: the workers' chains do not feel the centre, so the draws do not depend on timing.
const args k_elastic{"protocol.kind=elastic", "protocol.elastic_rho=0"};

std::unique_ptr<child_process> start(const std::string& role, args extra, const args& protocol) {
  args argv{k_sgmc, "node", role, k_linreg, "--quiet"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  const auto s = sets(protocol);
  argv.insert(argv.end(), s.begin(), s.end());
  return std::make_unique<child_process>(argv);
}

struct cluster {
  std::unique_ptr<child_process> master;
  std::vector<std::unique_ptr<child_process>> others;  // worker 0, worker 1, the collector

  // The master with `master_args`, then, once it listens, the workers and the collector.
  cluster(const args& master_args, const std::string& out, const args& protocol) {
    args m{"--listen", "127.0.0.1:0"};
    m.insert(m.end(), master_args.begin(), master_args.end());
    master = start("master", m, protocol);
    auto line = master->wait_for_line("master listening on ", k_line_timeout);
    INFO(master->output());
    REQUIRE(line);
    const auto address = line->substr(line->rfind(' ') + 1);
    for (const std::string id : {"0", "1"})
      others.push_back(start("worker", {"--connect", address, "--id", id, "--out", out}, protocol));
    others.push_back(start("collector", {"--connect", address, "--out", out}, protocol));
  }

  // Waits for the master (up to `master_wait`), then the other nodes: their exit codes, master
  // first. Taken before the outputs are, so that those hold what each node said at its end.
  std::vector<int> wait_all(std::chrono::seconds master_wait) {
    std::vector<int> codes{master->wait_exit(master_wait)};
    for (auto& o : others) codes.push_back(o->wait_exit(k_line_timeout));
    return codes;
  }

  // Waits for every node, then checks that each ended with code 0 (their outputs name what went
  // wrong otherwise).
  void check_completed() {
    const auto codes = wait_all(k_run_timeout);
    INFO(outputs());
    for (int code : codes) REQUIRE(code == 0);
  }

  std::string outputs() const {
    std::string s = "--- master:\n" + master->output();
    for (const auto& o : others) s += "--- node:\n" + o->output();
    return s;
  }
};

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// The uninterrupted cluster into `whole`; into `cut` a cluster whose master is killed (SIGKILL)
// after a checkpoint, then resumed with `sgmc node master --resume` (the other nodes started
// again as usual). Returns the checkpoint the resumed run started from.
sgmc::engine::checkpoint whole_and_resumed(const std::string& whole, const std::string& cut,
                                           const args& protocol) {
  {
    cluster c({"--out", whole}, whole, protocol);
    c.check_completed();
  }
  {
    cluster c({"--out", cut}, cut, protocol);
    // No line announces a checkpoint: the file's appearance is the event, polled; then more
    // draws, so that the collector has written rows the resumed run must cut.
    const auto ckpt = fs::path(cut) / "checkpoint";
    const auto samples = fs::path(cut) / "samples" / "chain-0.npy";
    const auto deadline = std::chrono::steady_clock::now() + k_run_timeout;
    std::uintmax_t seen = 0;
    std::error_code ec;
    while (std::chrono::steady_clock::now() < deadline) {
      if (fs::exists(ckpt, ec)) {
        const auto size = fs::file_size(samples, ec);
        if (!ec && seen == 0) seen = size;
        if (!ec && size > seen + 2000) break;
      }
      std::this_thread::sleep_for(2ms);
    }
    c.master->signal(SIGKILL);
    const auto codes = c.wait_all(k_line_timeout);
    INFO(c.outputs());
    REQUIRE(codes[0] == -1);  // the master: killed before the end
    for (std::size_t i = 1; i < codes.size(); ++i) CHECK(codes[i] == 2);  // lost the master
  }
  auto cp = sgmc::engine::read_checkpoint(fs::path(cut) / "checkpoint");
  REQUIRE(cp);
  {
    cluster c({"--resume", cut}, cut, protocol);
    c.check_completed();
    CHECK(c.master->output().find("resuming from ") != std::string::npos);
  }
  return std::move(*cp);
}

void check_same_files(const std::string& whole, const std::string& cut,
                      const std::vector<std::string>& files) {
  for (const auto& f : files) {
    INFO(f);
    const auto a = slurp(fs::path(whole) / f), b = slurp(fs::path(cut) / f);
    CHECK(a.size() == b.size());
    CHECK(a == b);
  }
}

}  // namespace

TEST_CASE("a sync node cluster whose master is killed resumes with the uninterrupted draws",
          "[system][nodes][resume]") {
  tmp_dir dir("nodes-resume");
  const std::string whole = dir.file("whole"), cut = dir.file("cut");
  const auto cp = whole_and_resumed(whole, cut, k_sync);
  const auto version = cp.shards.at(0).version;
  INFO("checkpoint at version " << version);
  CHECK(version > 0);
  CHECK(version < k_steps);
  check_same_files(whole, cut, {"samples/chain-0.npy", "samples/chain-0.stats.npy"});
  CHECK(fs::exists(fs::path(cut) / "posterior.nc"));
}

TEST_CASE("an elastic node cluster whose master is killed resumes every chain's draws once",
          "[system][nodes][resume][elastic]") {
  tmp_dir dir("nodes-resume-elastic");
  const std::string whole = dir.file("whole"), cut = dir.file("cut");
  const auto cp = whole_and_resumed(whole, cut, k_elastic);
  REQUIRE(cp.chains.size() == 2);
  for (std::size_t k = 0; k < 2; ++k) {
    INFO("chain " << k << " cut at local step " << cp.chains[k].local_steps);
    CHECK(cp.chains[k].local_steps < k_steps);
    const std::string chain = "samples/chain-" + std::to_string(k);
    // Every due local step once, in order.
    auto stats = sgmc::engine::read_draw_stats(fs::path(cut) / (chain + ".stats.npy"));
    REQUIRE(stats);
    REQUIRE(stats->size() == (k_steps - 100) / 10);
    for (std::size_t i = 0; i < stats->size(); ++i) {
      INFO("draw " << i);
      REQUIRE((*stats)[i].step == 100 + 10 * (i + 1));
    }
    check_same_files(whole, cut, {chain + ".npy", chain + ".stats.npy"});
  }
}

TEST_CASE("sgmc node master --resume refuses a corrupt checkpoint with one line",
          "[system][nodes][resume]") {
  tmp_dir dir("nodes-resume-corrupt");
  const std::string out = dir.file("out");
  fs::create_directories(out);
  std::ofstream(fs::path(out) / "checkpoint", std::ios::binary) << "SGMCCKPT garbage";
  auto r = run_command(k_sgmc + " node master " + k_linreg + " --quiet --resume " + out +
                       " --set protocol.kind=sync");
  INFO(r.output);
  CHECK(r.status == 2);
  CHECK(r.output.find("sgmc: error: checkpoint ") == 0);
  CHECK(std::count(r.output.begin(), r.output.end(), '\n') == 1);
  auto worker = run_command(k_sgmc + " node worker " + k_linreg +
                            " --connect 127.0.0.1:1 --resume " + out + " --set protocol.kind=sync");
  CHECK(worker.status != 0);
}
