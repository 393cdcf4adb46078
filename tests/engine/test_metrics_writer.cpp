#include "sgmc/engine/metrics_writer.hpp"

#include "sgmc_test/tmp_dir.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <csignal>
#include <fstream>
#include <iterator>
#include <thread>
#include <vector>

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

using sgmc::engine::metrics_record;
using sgmc::engine::metrics_writer;
using sgmc::engine::to_json;
using sgmc::test::run_command;
using sgmc::test::tmp_dir;

TEST_CASE("a metrics record is one JSON object with null for non-finite values", "[metrics]") {
  metrics_record r;
  r.chain = 1;
  r.step = 500;
  r.wall_s = 1.5;
  r.step_size = 1e-5;
  r.potential = 1234.5;
  r.draws = 10;
  r.values = {{"accuracy", 0.875}, {"pred_nll", NAN}, {"x", INFINITY}};
  CHECK(to_json(r) ==
        "{\"chain\": 1, \"step\": 500, \"wall_s\": 1.5, \"step_size\": 1e-05, \"potential\": "
        "1234.5, \"draws\": 10, \"accuracy\": 0.875, \"pred_nll\": null, \"x\": null}");
}

TEST_CASE("metrics.jsonl lines from several threads all parse as JSON", "[metrics]") {
  tmp_dir dir("metrics");
  const std::string path = dir.file("metrics.jsonl");
  auto w = metrics_writer::create(path);
  REQUIRE(w);
  std::vector<std::thread> threads;
  for (std::uint32_t c = 0; c < 4; ++c)
    threads.emplace_back([&w, c] {
      for (std::uint64_t s = 1; s <= 250; ++s) {
        metrics_record r;
        r.chain = c;
        r.step = s;
        r.values = {{"accuracy", 0.5}, {"nll", s % 7 ? 0.25 : NAN}};
        REQUIRE(w->write(r));
      }
    });
  for (auto& t : threads) t.join();
  const std::string script =
      "import json, sys\n"
      "rows = [json.loads(l) for l in open(sys.argv[1])]\n"
      "assert len(rows) == 1000, len(rows)\n"
      "for c in range(4):\n"
      "    assert [r['step'] for r in rows if r['chain'] == c] == list(range(1, 251))\n"
      "assert sum(r['nll'] is None for r in rows) == 4 * 35\n"
      "print('ok')\n";
  auto r = run_command(std::string(SGMC_PYTHON) + " -c \"" + script + "\" " + path);
  INFO(r.output);
  CHECK(r.status == 0);
}

TEST_CASE("a write that does not fit (file-size limit) leaves whole lines only", "[metrics]") {
  tmp_dir dir("metrics-full");
  const std::string path = dir.file("metrics.jsonl");
  constexpr rlim_t k_limit = 1000;  // not a multiple of the line length: the last line is cut
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    // The child writes until the limit refuses a line; exit 0 when the error names the file.
    std::signal(SIGXFSZ, SIG_IGN);
    const rlimit limit{k_limit, k_limit};
    if (::setrlimit(RLIMIT_FSIZE, &limit) != 0) ::_exit(3);
    auto w = metrics_writer::create(path);
    if (!w) ::_exit(4);
    metrics_record r;
    r.values = {{"accuracy", 0.5}};
    for (r.step = 1; r.step < 1000; ++r.step)
      if (auto ok = w->write(r); !ok)
        ::_exit(ok.error().message.find("cannot write " + path + ": File too large") == 0 ? 0 : 5);
    ::_exit(6);
  }
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  std::ifstream in(path, std::ios::binary);
  const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  REQUIRE(text.size() > 0);
  CHECK(text.size() < k_limit);
  CHECK(text.back() == '\n');
  std::size_t start = 0, lines = 0;
  for (auto nl = text.find('\n'); nl != std::string::npos; nl = text.find('\n', start)) {
    const std::string line = text.substr(start, nl - start);
    metrics_record r;
    r.step = ++lines;
    r.values = {{"accuracy", 0.5}};
    CHECK(line == to_json(r));
    start = nl + 1;
  }
  CHECK(start == text.size());
}
