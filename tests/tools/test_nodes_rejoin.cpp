// System tests of workers joining a `sgmc node` run under way, on loopback: a worker whose
// connection the master timed out (the process stopped with SIGSTOP past
// cluster.connection_timeout_s) connects again and rejoins under its index, and a worker
// started after the master began (cluster.min_workers) joins late. Every wait is on an output
// line or a process exit, bounded.
#include "child_process.hpp"
#include "sgmc_test/tmp_dir.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <csignal>
#include <memory>
#include <regex>
#include <string>
#include <vector>

using sgmc::test::run_command;
using sgmc::test::tmp_dir;
using sgmc::tools::test::child_process;
using namespace std::chrono_literals;

namespace {

const std::string k_sgmc = SGMC_BINARY;
const std::string k_gauss = std::string(SGMC_SOURCE_DIR) + "/examples/gaussian-2d.toml";
#ifdef SGMC_SANITIZED
constexpr auto k_run_timeout = 120s;
#else
constexpr auto k_run_timeout = 40s;
#endif
constexpr auto k_line_timeout = 15s;

using args = std::vector<std::string>;

std::unique_ptr<child_process> start(const std::string& role, args extra, const args& sets) {
  args argv{k_sgmc, "node", role, k_gauss};
  argv.insert(argv.end(), extra.begin(), extra.end());
  for (const auto& s : sets) {
    argv.push_back("--set");
    argv.push_back(s);
  }
  return std::make_unique<child_process>(argv);
}

// The master, once it listens: its address.
std::string listening(child_process& master) {
  auto line = master.wait_for_line("master listening on ", k_line_timeout);
  INFO(master.output());
  REQUIRE(line);
  return line->substr(line->rfind(' ') + 1);
}

// "updates applied N (a b)": a and b.
std::pair<std::uint64_t, std::uint64_t> applied_of(const std::string& report) {
  std::smatch m;
  if (!std::regex_search(report, m, std::regex("updates applied \\d+ \\((\\d+) (\\d+)\\)")))
    return {0, 0};
  return {std::stoull(m[1].str()), std::stoull(m[2].str())};
}

// The trace's applied pushes per worker, as `sgmc trace summary` counts them.
std::string traced_applied(const std::string& out) {
  return run_command(k_sgmc + " trace summary " + out +
                     " --json | /usr/bin/python3 -c \"import json,sys; "
                     "w=json.load(sys.stdin)['workers']; print(*[x['applied'] for x in w])\"")
      .output;
}

}  // namespace

TEST_CASE("a worker stopped past the connection timeout rejoins and its updates count again",
          "[system][nodes]") {
  tmp_dir dir("nodes-rejoin");
  const std::string out = dir.file("out");
  const args sets{"protocol.kind=async",
                  "protocol.workers=2",
                  "run.steps=6000",
                  "run.burnin=500",
                  "run.thin=10",
                  "staleness.latency_ms=1",
                  "cluster.heartbeat_s=0.2",
                  "cluster.connection_timeout_s=1",
                  "cluster.data_channel_min_bytes=0"};
  auto master = start("master", {"--out", out}, sets);
  const auto address = listening(*master);
  std::vector<std::unique_ptr<child_process>> workers;
  for (int i = 0; i < 2; ++i)
    workers.push_back(start(
        "worker",
        {"--connect", address, "--id", std::to_string(i), "--out", out, "--timeout", "20"}, sets));
  auto collector = start("collector", {"--connect", address, "--out", out}, sets);
  auto outputs = [&] {
    return "--- master:\n" + master->output() + "--- worker 0:\n" + workers[0]->output() +
           "--- worker 1:\n" + workers[1]->output() + "--- collector:\n" + collector->output();
  };
  REQUIRE(master->wait_for_line("step ", k_line_timeout));
  // Stopped, worker 1 sends no heartbeat: the master closes its connection after 1 s.
  workers[1]->signal(SIGSTOP);
  auto lost = master->wait_for_line("worker 1 lost; carrying on with 1", k_line_timeout);
  workers[1]->signal(SIGCONT);
  auto back = master->wait_for_line("worker 1 rejoined the run from ", k_line_timeout);
  auto resumed =
      workers[1]->wait_for_line("worker 1: rejoined the run (from gradient ", k_line_timeout);
  const int m = master->wait_exit(k_run_timeout);
  const int w0 = workers[0]->wait_exit(k_run_timeout);
  const int w1 = workers[1]->wait_exit(k_run_timeout);
  const int col = collector->wait_exit(k_run_timeout);
  INFO(outputs());
  REQUIRE(lost);
  REQUIRE(back);
  REQUIRE(resumed);
  CHECK(m == 0);
  CHECK(w0 == 0);
  CHECK(w1 == 0);
  CHECK(col == 0);
  const std::string report = master->output();
  CHECK(report.find("step 6000/6000") != std::string::npos);
  CHECK(
      std::regex_search(report, std::regex("; worker 1 lost at [0-9.]+ s, rejoined at [0-9.]+ s")));
  CHECK(report.find("lost: worker") == std::string::npos);  // back, and done at the end
  CHECK(master->output().find("worker 1 takes part again; carrying on with 2") !=
        std::string::npos);
  // Worker 1 went on from the gradients it had computed; the master applied more of its
  // pushes than it had computed before the rejoin, so some came after it.
  std::smatch before;
  REQUIRE(std::regex_search(*resumed, before, std::regex("from gradient (\\d+)")));
  const auto [a0, a1] = applied_of(report);
  CAPTURE(before[1].str(), a0, a1);
  CHECK(a0 > 0);
  CHECK(a1 > std::stoull(before[1].str()));
  CHECK(workers[1]->output().find("worker: done: versions 6000") != std::string::npos);
  // The traces (worker 1's written on across the rejoin) count what the report counts.
  CHECK(traced_applied(out) == std::to_string(a0) + " " + std::to_string(a1) + "\n");
}

TEST_CASE("with --min-workers the master starts without a worker, which joins the run later",
          "[system][nodes]") {
  tmp_dir dir("nodes-late");
  const std::string out = dir.file("out");
  const args sets{"protocol.kind=sync", "protocol.workers=2", "run.steps=2000",
                  "run.burnin=500",     "run.thin=10",        "staleness.latency_ms=1"};
  auto master = start("master", {"--out", out, "--min-workers", "1"}, sets);
  const auto address = listening(*master);
  auto w0 = start("worker", {"--connect", address, "--id", "0", "--out", out}, sets);
  auto collector = start("collector", {"--connect", address, "--out", out}, sets);
  auto started = master->wait_for_line(
      "1 of 2 workers (cluster.min_workers = 1) and the collector joined; starting sync; worker 1 "
      "may join later",
      k_line_timeout);
  auto progress = master->wait_for_line("step ", k_line_timeout);
  // Any free index: the one nobody took.
  auto w1 = start("worker", {"--connect", address, "--out", out}, sets);
  auto joined = master->wait_for_line("worker 1 joined the run under way from ", k_line_timeout);
  const int m = master->wait_exit(k_run_timeout);
  const int e0 = w0->wait_exit(k_run_timeout);
  const int e1 = w1->wait_exit(k_run_timeout);
  const int col = collector->wait_exit(k_run_timeout);
  INFO("--- master:\n"
       << master->output() << "--- worker 0:\n"
       << w0->output() << "--- worker 1:\n"
       << w1->output() << "--- collector:\n"
       << collector->output());
  CHECK(started);
  CHECK(progress);
  CHECK(joined);
  CHECK(m == 0);
  CHECK(e0 == 0);
  CHECK(e1 == 0);
  CHECK(col == 0);
  const std::string report = master->output();
  CHECK(std::regex_search(report, std::regex("; worker 1 joined at [0-9.]+ s")));
  CHECK(report.find("never joined") == std::string::npos);
  // sync's barrier took the late worker in: both workers' gradients in the last versions.
  const auto [a0, a1] = applied_of(report);
  CAPTURE(a0, a1);
  CHECK(a0 == 2000);
  CHECK(a1 > 0);
  CHECK(a1 < 2000);
  CHECK(traced_applied(out) == std::to_string(a0) + " " + std::to_string(a1) + "\n");
}
