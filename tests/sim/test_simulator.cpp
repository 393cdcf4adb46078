// The simulator: the real protocols in virtual time, where every [staleness] injection and
// every [sim] duration means exactly what it says.
#include "sgmc/engine/trace.hpp"
#include "sgmc_test/tmp_dir.hpp"
#include "sim_fixture.hpp"

#include <algorithm>
#include <map>

namespace e = sgmc::engine;
namespace pr = sgmc::protocols;
namespace t = sgmc::test;
using dist = e::duration_spec::distribution;

namespace {

/// The pushes a master received, in order, from a trace: (version built on, staleness).
std::vector<e::trace_event> received_pushes(const std::filesystem::path& path) {
  auto f = e::read_trace(path);
  REQUIRE(f);
  std::vector<e::trace_event> out;
  for (const auto& r : f->events)
    if (r.type == e::trace_type::push && r.dir == e::trace_direction::received) out.push_back(r);
  return out;
}

/// Simulates `cfg` with a trace in `dir/name.trace`; returns its received pushes.
std::vector<e::trace_event> traced_pushes(const e::run_config& cfg, const sgmc::models::model& m,
                                          const t::tmp_dir& dir, const std::string& name) {
  const auto path = dir.path() / (name + ".trace");
  {
    auto w = e::trace_writer::open(path, name, {}, 0, false);  // virtual time: no clock anchors
    REQUIRE(w);
    t::simulate(cfg, m, w->get());
    REQUIRE((*w)->flush());
  }
  return received_pushes(path);
}

}  // namespace

TEST_CASE("async with constant compute times has the protocol's own staleness W - 1") {
  auto m = t::gaussian(2);
  const auto run = t::simulate(t::sim_config(4, 400), *m);
  const auto& applied = run.result.applied;
  REQUIRE(applied.size() == 400);
  for (std::size_t i = 4; i < applied.size(); ++i) CHECK(applied[i].staleness() == 3);
  CHECK(run.result.report.staleness.max == 3);
  CHECK(run.draws.size() == 400);
}

TEST_CASE("a fixed delay of 4 versions adds exactly 4 to the staleness of every applied push") {
  auto m = t::gaussian(2);
  for (const bool random_timing : {false, true}) {
    auto cfg = t::sim_config(5, 600);
    if (random_timing) {  // the timing does not depend on θ: the same pushes in the same order
      cfg.sim.compute = {dist::exponential, 1e6};
      cfg.sim.latency = {dist::lognormal, 50e3, 0.5};
      cfg.sim.master_service = {dist::uniform, 1e3, 5e3};
      cfg.sim.bandwidth_gbps = 1;
    }
    const auto own = t::simulate(cfg, *m);
    cfg.staleness.delay = *e::parse_delay("fixed:4");
    const auto delayed = t::simulate(cfg, *m);
    const auto& a = own.result.applied;
    const auto& b = delayed.result.applied;
    REQUIRE(a.size() == b.size());
    std::size_t exact = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
      INFO("push " << i << " random timing " << random_timing);
      REQUIRE(a[i].worker == b[i].worker);
      REQUIRE(a[i].applied_at == b[i].applied_at);
      // θ from 4 versions back, or θ_0 while fewer than 4 versions exist.
      CHECK(b[i].staleness() == a[i].staleness() + std::min<pr::version_t>(4, a[i].built_on));
      if (a[i].built_on >= 4) exact += b[i].staleness() == a[i].staleness() + 4 ? 1 : 0;
    }
    CHECK(exact + 8 >= a.size());  // all but the first few pushes
  }
}

TEST_CASE("the trace shows every applied push with its own staleness plus the delay") {
  t::tmp_dir dir("sim-trace");
  auto m = t::gaussian(2);
  auto cfg = t::sim_config(3, 300);
  const auto own = traced_pushes(cfg, *m, dir, "own");
  cfg.staleness.delay = *e::parse_delay("fixed:4");
  const auto delayed = traced_pushes(cfg, *m, dir, "delayed");
  cfg.staleness.delay = *e::parse_delay("fixed:0");
  const auto zero = traced_pushes(cfg, *m, dir, "zero");
  REQUIRE(own.size() == 300);
  REQUIRE(delayed.size() == own.size());
  REQUIRE(zero.size() == own.size());
  for (std::size_t i = 0; i < own.size(); ++i) {
    INFO("push " << i);
    CHECK(zero[i].staleness == own[i].staleness);
    CHECK(zero[i].t_ns == own[i].t_ns);
    CHECK(delayed[i].t_ns == own[i].t_ns);  // virtual timestamps: the same timing
    CHECK(delayed[i].staleness ==
          own[i].staleness + static_cast<std::int64_t>(std::min<std::uint64_t>(4, own[i].version)));
  }
  CHECK(own.back().t_ns == 100'000'000);  // 100 rounds of 3 pushes, 1 ms each
}

TEST_CASE("a delay in ms holds every push exactly that long, and latency every message") {
  t::tmp_dir dir("sim-ms");
  auto m = t::gaussian(2);
  auto cfg = t::sim_config(2, 100);
  cfg.staleness.delay = *e::parse_delay("fixed:3ms");
  cfg.staleness.latency_ms = 0.5;
  cfg.sim.latency = {dist::fixed, 20e3};
  const auto path = dir.path() / "ms.trace";
  {
    auto w = e::trace_writer::open(path, "ms", {}, 0, false);  // virtual time: no clock anchors
    REQUIRE(w);
    t::simulate(cfg, *m, w->get());
    REQUIRE((*w)->flush());
  }
  auto f = e::read_trace(path);
  REQUIRE(f);
  // Sends and receipts of one link pair up in order (links are FIFO).
  std::map<std::tuple<int, int, int, int, int>, std::vector<std::uint64_t>> sent, got;
  for (const auto& r : f->events) {
    const bool s = r.dir == e::trace_direction::sent;
    const auto& from = s ? r.actor : r.peer;
    const auto& to = s ? r.peer : r.actor;
    auto key =
        std::tuple{int(from.role), int(from.index), int(to.role), int(to.index), int(r.type)};
    (s ? sent : got)[key].push_back(r.t_ns);
  }
  std::size_t checked = 0;
  for (const auto& [key, times] : got) {
    const auto& out = sent[key];
    REQUIRE(out.size() >= times.size());
    const bool push = std::get<4>(key) == int(e::trace_type::push);
    for (std::size_t i = 0; i < times.size(); ++i, ++checked)
      CHECK(times[i] - out[i] == (push ? 3'520'000u : 520'000u));
  }
  CHECK(checked > 300);
}

TEST_CASE("a straggler of factor 3 computes a third as many gradients") {
  auto m = t::gaussian(2);
  auto cfg = t::sim_config(2, 900);
  cfg.staleness.stragglers = {{1, 3.0}};
  const auto run = t::simulate(cfg, *m);
  const auto& g = run.result.report.gradients;
  REQUIRE(g.size() == 2);
  CHECK(g[0] >= 3 * g[1] - 3);
  CHECK(g[0] <= 3 * g[1] + 3);
}

TEST_CASE("a master busy 1 ms per message serves one message per ms") {
  auto m = t::gaussian(2);
  auto cfg = t::sim_config(4, 200);
  cfg.sim.compute = {dist::fixed, 0.0};
  cfg.sim.master_service = {dist::fixed, 1e6};
  const auto run = t::simulate(cfg, *m);
  // 4 pulls, then 200 pushes, back to back: the last answer leaves at 204 ms.
  CHECK(run.result.end == 204'000'000u);
  CHECK(run.result.report.versions == std::vector<std::uint64_t>{200});
}

TEST_CASE("every protocol runs to the end in virtual time and hands on its draws") {
  auto m = t::gaussian(300);
  for (const auto kind : {pr::protocol_kind::sync, pr::protocol_kind::async, pr::protocol_kind::ssp,
                          pr::protocol_kind::downpour, pr::protocol_kind::elastic}) {
    auto cfg = t::sim_config(3, 60);
    cfg.protocol.params.kind = kind;
    cfg.protocol.params.shards = 2;
    cfg.protocol.params.push_every = 2;
    cfg.protocol.params.staleness_bound = 1;
    cfg.sim.compute = {dist::exponential, 1e6};
    cfg.sim.latency = {dist::fixed, 100e3};
    const auto run = t::simulate(cfg, *m);
    INFO(pr::to_string(kind));
    const std::size_t chains = kind == pr::protocol_kind::elastic ? 3 : 1;
    CHECK(run.draws.size() == 60 * chains);
    CHECK(run.result.end > 0);
    CHECK(run.result.messages > 60);
  }
}

TEST_CASE("4096 async workers share one master in virtual time") {
  auto m = t::gaussian(2);
  auto cfg = t::sim_config(4096, 20000);
  cfg.sampler.step_size = 1e-5;  // stable at a staleness of 4,095
  const auto run = t::simulate(cfg, *m);
  CHECK(run.draws.size() == 20000);
  // Each worker's first push is applied in the first round, the rest lag by W − 1.
  CHECK(run.result.report.staleness.max == 4095);
  CHECK(run.result.report.gradients.size() == 4096);
}
