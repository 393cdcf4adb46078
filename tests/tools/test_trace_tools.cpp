// sgmc trace: loading a run's traces, clock offsets, the summary, the staleness table and the
// Chrome export, on runs built in memory with known answers (synthetic_run.hpp).
#include "sgmc/tools/trace_export.hpp"
#include "sgmc/tools/trace_staleness.hpp"
#include "sgmc/tools/trace_summary.hpp"
#include "sgmc_test/tmp_dir.hpp"
#include "synthetic_run.hpp"

#include <catch2/catch.hpp>

#include <fstream>
#include <numeric>

namespace t = sgmc::tools;
using namespace sgmc::tools::test;

TEST_CASE("int_distribution gives nearest-rank quantiles over dense and sparse values") {
  t::int_distribution d;
  for (int v = 1; v <= 100; ++v) d.add(v);
  CHECK(d.min() == 1);
  CHECK(d.quantile(0.5) == 50);
  CHECK(d.quantile(0.95) == 95);
  CHECK(d.quantile(0.99) == 99);
  CHECK(d.max() == 100);
  d.add(-5);
  d.add(int64_t{1} << 40);
  CHECK(d.min() == -5);
  CHECK(d.max() == int64_t{1} << 40);
  CHECK(d.count == 102);
}

TEST_CASE("the reference node comes first and clock offsets come from request/reply round trips") {
  const auto run = synthetic_run(50);
  REQUIRE(run.nodes.size() == 3);
  CHECK(run.nodes[0].file.node == "master");
  CHECK(run.nodes[1].file.node == "worker-0");
  CHECK(run.has_ids);
  CHECK(run.has_spans);
  for (std::uint32_t w = 0; w < 2; ++w) {
    const auto& n = run.nodes[1 + w];
    INFO(n.offset_method);
    CHECK(n.offset_ns == kLag[w]);
    CHECK(n.uncertainty_ns == kLatency);  // half the round trip's network time (2 × latency)
  }
}

TEST_CASE("the summary counts per worker, pairs sends with receives and measures busy time") {
  const auto s = t::summarize(synthetic_run(100));
  REQUIRE(s.workers.size() == 2);
  CHECK(s.workers[0].pushes == 100);
  CHECK(s.workers[0].pulls == 100);
  CHECK(s.workers[0].applied == 100);
  CHECK(s.workers[0].rejected == 0);
  CHECK(s.workers[1].applied == 90);
  CHECK(s.workers[1].rejected == 10);
  CHECK(s.workers[0].bytes_sent == 100 * (16 + 120));
  CHECK(s.workers[0].bytes_received == 100 * 100);
  CHECK(s.workers[0].staleness.min() == 0);
  CHECK(s.workers[0].staleness.max() == 3);
  CHECK(s.workers[0].staleness.quantile(0.5) == 1);
  CHECK(s.staleness.count == 190);
  // Busy: 100 computes of 80 µs over the worker's span of records.
  const auto& w = s.workers[0];
  CHECK(w.compute_ns == 100 * kCompute);
  const double span = static_cast<double>(w.last_ns - w.first_ns);
  CHECK(w.busy() == Approx(100.0 * kCompute / span));
  CHECK(w.busy() > 0.6);  // 80 µs of every 115 µs round
  CHECK(w.busy() < 0.75);
  // Every message on every link is paired and its latency is the one-way delay exactly.
  REQUIRE(s.links.size() == 4);
  for (const auto& l : s.links) {
    INFO(t::describe(l.from) << " -> " << t::describe(l.to));
    CHECK(l.paired == l.count);
    CHECK(l.latency_ns.min() == static_cast<std::int64_t>(kLatency));
    CHECK(l.latency_ns.max() == static_cast<std::int64_t>(kLatency));
  }
  CHECK(s.nodes[0].received[static_cast<int>(sgmc::engine::trace_type::push)].count == 200);
  const auto json = t::format_json(s);
  CHECK(json.find("\"applied\": 90, \"rejected\": 10") != std::string::npos);
  CHECK(t::format_text(s).find("worker 0 -> master 0") != std::string::npos);
}

TEST_CASE("version-1 traces are summarised without pairing, and the summary says why") {
  const auto run = synthetic_run(20, 1);
  CHECK_FALSE(run.has_ids);
  for (const auto& n : run.nodes) CHECK(n.offset_ns == 0);
  const auto s = t::summarize(run);
  CHECK(s.workers[1].applied == 18);
  for (const auto& l : s.links) CHECK(l.paired == 0);
  const auto text = t::format_text(s);
  CHECK(text.find("no message ids") != std::string::npos);
  CHECK(text.find("busy") != std::string::npos);
}

TEST_CASE("a trace of another run (other run id) is listed as foreign and left out") {
  auto run = synthetic_run(5);
  std::vector<t::trace_node> nodes = std::move(run.nodes);
  auto stale = nodes[1];
  stale.path = "worker-2.trace";
  stale.file.node = "worker-2";
  stale.file.run_id[0] = 9;
  nodes.push_back(stale);
  const auto again = t::make_trace_run(std::move(nodes));
  CHECK(again.nodes.size() == 3);
  REQUIRE(again.foreign.size() == 1);
  CHECK(again.foreign[0].find("worker-2.trace") != std::string::npos);
  CHECK(again.foreign[0].find("run id") != std::string::npos);
}

TEST_CASE("the staleness table sets the injected distribution beside the observed one") {
  sgmc::engine::staleness_params p;
  p.delay = {sgmc::engine::delay_spec::distribution::uniform,
             sgmc::engine::delay_spec::unit::versions, 2, 6};
  const auto tab = t::make_staleness_table(t::summarize(synthetic_run(40)), p);
  REQUIRE(tab.injected.size() == t::kStalenessBuckets);
  CHECK(tab.injected[1] == 0.0);
  CHECK(tab.injected[2] == Approx(0.2));
  CHECK(tab.injected[6] == Approx(0.2));
  CHECK(tab.all[0] + tab.all[1] + tab.all[2] + tab.all[3] == 76);
  CHECK(tab.workers.size() == 2);
  const auto csv = t::format_csv(tab);
  CHECK(csv.rfind("staleness,all,share,injected,worker_0,worker_1\n", 0) == 0);
  CHECK(t::format_text(tab).find("injected delay: uniform:2,6") != std::string::npos);
  sgmc::engine::delay_spec e{sgmc::engine::delay_spec::distribution::exponential,
                             sgmc::engine::delay_spec::unit::versions, 3, 0};
  const auto pe = t::injected_distribution(e);
  CHECK(std::accumulate(pe.begin(), pe.end(), 0.0) == Approx(1.0));
  e.in = sgmc::engine::delay_spec::unit::milliseconds;
  CHECK(t::injected_distribution(e).empty());
}

TEST_CASE("export bounds read seconds or versions and refuse anything else") {
  auto s = t::parse_export_bound("2.5", "--from");
  REQUIRE(s);
  CHECK(s->value == 2.5);
  CHECK_FALSE(s->versions);
  auto v = t::parse_export_bound("1500v", "--to");
  REQUIRE(v);
  CHECK(v->versions);
  CHECK(v->value == 1500);
  auto bad = t::parse_export_bound("soon", "--to");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message.find("--to soon") != std::string::npos);
}

TEST_CASE("the Chrome export parses as JSON with a process per node, spans and paired flows") {
  const auto run = synthetic_run(30);
  std::string json;
  auto st = t::export_chrome(run, {}, json);
  REQUIRE(st);
  CHECK(st->flows == 2 * 30 * 3 * 2);  // 2 workers × 30 rounds × (pull, params, push) × 2 ends
  sgmc::test::tmp_dir dir("trace-export");
  const auto path = dir.file("run.json");
  std::ofstream(path) << json;
  const std::string script =
      "import json,sys,collections\n"
      "d=json.load(open(sys.argv[1]))['traceEvents']\n"
      "procs=sorted(e['args']['name'] for e in d if e['name']=='process_name')\n"
      "threads=sorted(e['args']['name'] for e in d if e['name']=='thread_name')\n"
      "s=collections.Counter(e['id'] for e in d if e['ph']=='s')\n"
      "f=collections.Counter(e['id'] for e in d if e['ph']=='f')\n"
      "x=sum(1 for e in d if e['ph']=='X' and e['name']=='compute')\n"
      "print(','.join(procs), ','.join(threads), len(s), len(f), s==f, x)\n";
  std::ofstream(dir.file("check.py")) << script;
  auto r =
      sgmc::test::run_command(std::string(SGMC_PYTHON) + " " + dir.file("check.py") + " " + path);
  INFO(r.output);
  REQUIRE(r.status == 0);
  CHECK(r.output == "master,worker-0,worker-1 master 0,worker 0,worker 1 180 180 True 60\n");
  // --sample 2 keeps every second message id (both ends) and every second span.
  auto half = t::export_chrome(run, {std::nullopt, std::nullopt, 2}, json);
  REQUIRE(half);
  CHECK(half->flows == st->flows / 2);
  // A window of versions: from version 5 on, the early records are left out.
  t::export_options o;
  o.from = t::export_bound{5, true};
  auto late = t::export_chrome(run, o, json);
  REQUIRE(late);
  CHECK(late->slices < st->slices);
  CHECK(late->from_s > 0.0);
}
