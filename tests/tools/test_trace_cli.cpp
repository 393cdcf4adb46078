// System tests of `sgmc trace`: the built binary on the trace of a real run and on bad input.
#include "child_process.hpp"
#include "sgmc_test/tmp_dir.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <regex>
#include <string>

using namespace std::chrono_literals;
using sgmc::test::run_command;
using sgmc::test::tmp_dir;

namespace {

const std::string k_sgmc = SGMC_BINARY;
const std::string k_gauss = std::string(SGMC_SOURCE_DIR) + "/examples/gaussian-2d.toml";
const std::string k_python = "/usr/bin/python3";

// An async run of gaussian-2d with 2 workers and 3 versions of injected delay; its report line.
std::string async_run(const std::string& out) {
  auto r = run_command(k_sgmc + " run " + k_gauss + " --quiet --out " + out +
                       " --set protocol.kind=async --set protocol.workers=2 --set run.steps=4000"
                       " --set run.burnin=0 --set staleness.delay=fixed:3");
  INFO(r.output);
  REQUIRE(r.status == 0);
  return r.output;
}

}  // namespace

TEST_CASE("sgmc trace summary counts the applied updates the run report printed, per worker",
          "[system]") {
  tmp_dir dir("trace-summary");
  const std::string out = dir.file("out");
  const auto report = async_run(out);
  std::smatch m;
  REQUIRE(std::regex_search(report, m, std::regex("updates applied (\\d+) \\((\\d+) (\\d+)\\)")));
  std::smatch max;
  REQUIRE(std::regex_search(report, max, std::regex("staleness mean [0-9.]+ max (\\d+)")));
  auto r = run_command(k_sgmc + " trace summary " + out + " --json | " + k_python +
                       " -c \"import json,sys; d=json.load(sys.stdin); "
                       "print(*[w['applied'] for w in d['workers']], d['staleness']['count'], "
                       "d['staleness']['max'])\"");
  INFO(report << r.output);
  REQUIRE(r.status == 0);
  CHECK(r.output == m[2].str() + " " + m[3].str() + " " + m[1].str() + " " + max[1].str() + "\n");
  auto text = run_command(k_sgmc + " trace summary " + out);
  INFO(text.output);
  CHECK(text.status == 0);
  CHECK(text.output.find("worker 1 -> master 0") != std::string::npos);
  // Version 2: message ids pair every send with its receive, and compute spans give busy time.
  CHECK(text.output.find("note: version-1 traces") == std::string::npos);
  CHECK(text.output.find("latency") != std::string::npos);
  CHECK(text.output.find("apply spans") != std::string::npos);
}

TEST_CASE("sgmc trace summary reconciles with the run report for sync, downpour and elastic",
          "[system]") {
  tmp_dir dir("trace-protocols");
  for (const std::string kind : {"sync", "downpour", "elastic"}) {
    const std::string out = dir.file(kind);
    auto run = run_command(k_sgmc + " run " + k_gauss + " --quiet --out " + out +
                           " --set protocol.kind=" + kind +
                           " --set protocol.workers=2 --set run.steps=4000 --set run.burnin=0");
    INFO(run.output);
    REQUIRE(run.status == 0);
    std::smatch m;
    REQUIRE(
        std::regex_search(run.output, m, std::regex("updates applied (\\d+) \\((\\d+) (\\d+)\\)")));
    auto r = run_command(k_sgmc + " trace summary " + out + " --json | " + k_python +
                         " -c \"import json,sys; d=json.load(sys.stdin); "
                         "print(*[w['applied'] for w in d['workers']], d['staleness']['count'])\"");
    INFO(r.output);
    CHECK(r.output == m[2].str() + " " + m[3].str() + " " + m[1].str() + "\n");
  }
}

TEST_CASE("sgmc trace staleness sets the injected delay beside the observed histogram",
          "[system]") {
  tmp_dir dir("trace-staleness");
  const std::string out = dir.file("out");
  async_run(out);
  auto r = run_command(k_sgmc + " trace staleness " + out + " --csv");
  INFO(r.output);
  REQUIRE(r.status == 0);
  CHECK(r.output.rfind("staleness,all,share,injected,worker_0,worker_1\n", 0) == 0);
  // Bucket 3: observed updates, and the injected probability 1.
  CHECK(std::regex_search(r.output, std::regex("\n3,[1-9]\\d*,[0-9.e-]+,1,")));
  auto text = run_command(k_sgmc + " trace staleness " + out);
  CHECK(text.output.find("injected delay: fixed:3") != std::string::npos);
}

TEST_CASE("sgmc trace export writes a Chrome trace that parses, with a track per actor",
          "[system]") {
  tmp_dir dir("trace-export");
  const std::string out = dir.file("out");
  async_run(out);
  const auto json = dir.file("run.json");
  auto r = run_command(k_sgmc + " trace export " + out + " --chrome " + json + " --sample 3");
  INFO(r.output);
  REQUIRE(r.status == 0);
  CHECK(r.output.find("wrote " + json) != std::string::npos);
  auto py = run_command(k_python + " -c \"import json; d=json.load(open('" + json +
                        "'))['traceEvents']; print(sorted(e['args']['name'] for e in d if "
                        "e['name']=='thread_name'), sum(e['ph']=='X' for e in d) > 100)\"");
  INFO(py.output);
  CHECK(py.output == "['collector', 'master 0', 'worker 0', 'worker 1'] True\n");
  auto late = run_command(k_sgmc + " trace export " + out + " --chrome " + json +
                          " --from 2000v --to 3000v");
  INFO(late.output);
  CHECK(late.status == 0);
  auto bad = run_command(k_sgmc + " trace export " + out + " --chrome " + json + " --from soon");
  CHECK(bad.status == 2);
  CHECK(bad.output.find("--from soon") != std::string::npos);
}

TEST_CASE("sgmc trace names a bad trace file in one line and exits 2", "[system]") {
  tmp_dir dir("trace-bad");
  std::filesystem::create_directories(dir.path() / "trace");
  {
    std::ofstream f(dir.file("trace/master.trace"), std::ios::binary);
    f << std::string(20, 'x');  // a 20-byte file: not even a header
  }
  for (const std::string cmd : {"summary", "staleness"}) {
    auto r = run_command(k_sgmc + " trace " + cmd + " " + dir.path().string());
    INFO(r.output);
    CHECK(r.status == 2);
    CHECK(r.output.find("master.trace") != std::string::npos);
    CHECK(std::count(r.output.begin(), r.output.end(), '\n') == 1);
  }
  tmp_dir empty("trace-none");
  auto r = run_command(k_sgmc + " trace summary " + empty.path().string());
  INFO(r.output);
  CHECK(r.status == 2);
  CHECK(r.output.find("no trace files") != std::string::npos);
  auto missing = run_command(k_sgmc + " trace summary " + empty.file("nope"));
  CHECK(missing.status == 2);
}

TEST_CASE("sgmc trace watch shows the records a run publishes on loopback", "[system]") {
  tmp_dir dir("trace-watch");
  sgmc::tools::test::child_process watcher(
      {k_sgmc, "trace", "watch", "tcp://127.0.0.1:0", "--count", "2000", "--seconds", "60"});
  auto line = watcher.wait_for_line("watching tcp://", 15s);
  REQUIRE(line);
  const auto endpoint = line->substr(9, line->find(' ', 9) - 9);
  REQUIRE(endpoint.rfind("tcp://127.0.0.1:", 0) == 0);
  // Long enough (about a second) that the PUB socket's connection and the watcher's
  // subscription are up well before the run ends: ZeroMQ drops what a PUB publishes before a
  // subscriber has joined (the slow-joiner rule), which is the watcher's documented behaviour.
  auto r = run_command(k_sgmc + " run " + k_gauss + " --quiet --out " + dir.file("out") +
                       " --set protocol.kind=async --set protocol.workers=2 --set run.steps=300000"
                       " --set trace.publish=" +
                       endpoint);
  INFO(r.output);
  CHECK(r.status == 0);
  CHECK(r.output.find("trace: published ") != std::string::npos);
  CHECK(watcher.wait_exit(60s) == 0);
  INFO(watcher.output());
  CHECK(watcher.output().find("node embedded: ") != std::string::npos);
  CHECK(watcher.output().find("  0 ") != std::string::npos);  // a row for worker 0
}

TEST_CASE("a run publishing its trace to an absent watcher finishes all the same", "[system]") {
  tmp_dir dir("trace-nowatch");
  // Port 9 (discard) on loopback: nobody listens; the PUB socket drops what it cannot send.
  auto r = run_command(k_sgmc + " run " + k_gauss + " --quiet --out " + dir.file("out") +
                       " --set protocol.kind=async --set protocol.workers=2 --set run.steps=5000"
                       " --set trace.publish=tcp://127.0.0.1:9");
  INFO(r.output);
  CHECK(r.status == 0);
  CHECK(r.output.find("trace: published ") != std::string::npos);
  auto bad = run_command(k_sgmc + " run " + k_gauss + " --quiet --out " + dir.file("bad") +
                         " --set protocol.kind=async --set trace.publish=udp://x");
  CHECK(bad.status == 2);
  CHECK(bad.output.find("trace.publish") != std::string::npos);
}
