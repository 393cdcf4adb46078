// The embedded topology with the real protocols on real threads: each of the five protocols
// runs a small Gaussian target to the end and hands on the expected draws. run_embedded blocks
// on the run's completion (a future the supervisor fulfils), never on a sleep.
#include "fixture.hpp"

#include "sgmc/actors/embedded.hpp"
#include "sgmc/engine/trace.hpp"
#include "sgmc/models/gaussian.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <set>

namespace a = sgmc::actors;
namespace p = sgmc::protocols;
namespace t = sgmc::actors::test;
using sgmc::errc;

namespace {

std::unique_ptr<sgmc::models::gaussian> target(std::size_t dim) {
  Eigen::VectorXd mean = Eigen::VectorXd::LinSpaced(static_cast<Eigen::Index>(dim), -1.0, 1.0);
  Eigen::VectorXd var = Eigen::VectorXd::Constant(static_cast<Eigen::Index>(dim), 0.5);
  auto g = sgmc::models::gaussian::diagonal(mean, var, 0.1);
  REQUIRE(g);
  return std::move(*g);
}

sgmc::engine::run_plan setup(p::protocol_kind kind, const sgmc::models::model& m) {
  sgmc::engine::run_plan s;
  s.protocol.kind = kind;
  s.protocol.workers = 2;
  s.protocol.elastic_period = 5;
  s.run.steps = 200;
  s.run.burnin = 50;
  s.run.thin = 10;
  s.run.seed = 3;
  s.model = &m;
  s.sampler.kind = sgmc::samplers::sampler_kind::sgld;
  s.sampler.step_size = 0.02;
  s.schedule = sgmc::samplers::schedule::constant(0.02);
  return s;
}

a::embedded_options options() {
  a::embedded_options o;
  o.threads = 2;
  o.watchdog = std::chrono::milliseconds(20000);
  return o;
}

void check_draws(const t::memory_sink& sink, std::uint32_t chains, std::size_t per_chain,
                 std::size_t dim) {
  REQUIRE(sink.draws.size() == chains * per_chain);
  std::vector<std::uint64_t> next(chains, 0);
  for (const auto& d : sink.draws) {
    REQUIRE(d.chain < chains);
    CHECK(d.index == next[d.chain]++);  // in order per chain
    REQUIRE(d.theta.size() == dim);
    for (float v : d.theta) REQUIRE(std::isfinite(v));
  }
}

}  // namespace

TEST_CASE("embedded: every protocol runs to the end and hands on its draws", "[actors]") {
  const auto model = target(4);
  for (auto kind : {p::protocol_kind::sync, p::protocol_kind::async, p::protocol_kind::ssp,
                    p::protocol_kind::downpour, p::protocol_kind::elastic}) {
    INFO(p::to_string(kind));
    auto s = setup(kind, *model);
    auto opts = options();
    t::memory_sink sink;
    auto r = a::run_embedded(s, opts, sink);
    if (!r) FAIL(r.error().message);
    const bool elastic = kind == p::protocol_kind::elastic;
    const std::uint32_t chains = elastic ? s.protocol.workers : 1;
    check_draws(sink, chains, (s.run.steps - s.run.burnin) / s.run.thin, 4);
    CHECK(r->draws == sink.draws.size());
    REQUIRE(r->versions.size() == 1);
    if (!elastic) CHECK(r->versions[0] == s.run.steps);
    REQUIRE(r->gradients.size() == 2);
    // Every applied update took at least one gradient. How they split over the workers is up
    // to the threads, except where the protocol waits for everyone (sync) or each worker runs
    // its own chain (elastic).
    CHECK(r->gradients[0] + r->gradients[1] >= (elastic ? 2 : 1) * s.run.steps);
    if (elastic || kind == p::protocol_kind::sync)
      for (auto g : r->gradients) CHECK(g == s.run.steps);
    CHECK(r->lost.empty());
    CHECK(r->wall_seconds > 0.0);
    REQUIRE(sink.finished);
    CHECK(sink.finished->draws == r->draws);
    CHECK_FALSE(sink.failed);
  }
}

TEST_CASE("embedded: sync over two shards gives whole draws", "[actors]") {
  const auto model = target(300);
  auto s = setup(p::protocol_kind::sync, *model);
  auto opts = options();
  s.protocol.shards = 2;
  s.protocol.workers = 3;
  t::memory_sink sink;
  auto r = a::run_embedded(s, opts, sink);
  if (!r) FAIL(r.error().message);
  check_draws(sink, 1, 15, 300);
  CHECK(r->versions == std::vector<std::uint64_t>{200, 200});
  CHECK(r->gradients == std::vector<std::uint64_t>(3, 200));
  CHECK(r->staleness.max == 0);
}

TEST_CASE("embedded: injected version delays show as staleness, and the trace records them",
          "[actors]") {
  const auto model = target(4);
  const auto dir = t::scratch_dir("embedded-trace");
  auto s = setup(p::protocol_kind::async, *model);
  auto opts = options();
  s.staleness.delay = *sgmc::engine::parse_delay("fixed:4");
  s.staleness.latency_ms = 0.2;
  opts.trace_path = dir / "embedded.trace";
  opts.config_hash = 0xabcdefu;
  t::memory_sink sink;
  auto r = a::run_embedded(s, opts, sink);
  if (!r) FAIL(r.error().message);
  CHECK(r->staleness.count == s.run.steps);
  CHECK(r->staleness.mean() >= 3.5);
  auto file = sgmc::engine::read_trace(opts.trace_path);
  REQUIRE(file);
  CHECK(file->node == "embedded");
  std::set<sgmc::engine::trace_type> types;
  std::size_t stale = 0;
  for (const auto& e : file->events) {
    types.insert(e.type);
    if (e.type == sgmc::engine::trace_type::push &&
        e.dir == sgmc::engine::trace_direction::received && e.staleness >= 4)
      ++stale;
  }
  CHECK(types == std::set<sgmc::engine::trace_type>{
                     sgmc::engine::trace_type::push, sgmc::engine::trace_type::pull,
                     sgmc::engine::trace_type::params, sgmc::engine::trace_type::sample,
                     sgmc::engine::trace_type::stop, sgmc::engine::trace_type::compute,
                     sgmc::engine::trace_type::apply, sgmc::engine::trace_type::anchor});
  CHECK(file->run_id != sgmc::engine::trace_run_id{});  // a fresh one
  CHECK(file->config_hash == 0xabcdefu);
  CHECK(stale > s.run.steps / 2);
  std::filesystem::remove_all(dir);
}

TEST_CASE("embedded: a setup that cannot run is refused before anything starts") {
  const auto model = target(4);
  t::memory_sink sink;
  auto s = setup(p::protocol_kind::sync, *model);
  auto opts = options();
  s.staleness.delay = *sgmc::engine::parse_delay("fixed:2");
  auto r = a::run_embedded(s, opts, sink);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == errc::invalid_config);
  CHECK(r.error().message.find("staleness.delay") == 0);

  s = setup(p::protocol_kind::async, *model);
  s.staleness.stragglers[5] = 2.0;
  r = a::run_embedded(s, opts, sink);
  REQUIRE_FALSE(r);
  CHECK(r.error().message.find("staleness.stragglers: worker 5 does not exist") == 0);

  s = setup(p::protocol_kind::async, *model);
  s.theta0 = {1.0f, 2.0f};
  r = a::run_embedded(s, opts, sink);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == errc::dimension_mismatch);

  s = setup(p::protocol_kind::async, *model);
  s.protocol.shards = 2;  // 4 values cannot be split in two 256-element blocks
  r = a::run_embedded(s, opts, sink);
  REQUIRE_FALSE(r);
  CHECK(r.error().message.find("protocol.shards") != std::string::npos);
  CHECK(sink.draws.empty());
  CHECK_FALSE(sink.finished);
}
