#include "sgmc/engine/metrics_writer.hpp"

#include "sgmc_test/tmp_dir.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <fstream>
#include <thread>
#include <vector>

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
