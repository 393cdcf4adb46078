// Staleness injection in the actors, on the deterministic scheduler: version delays raise the
// recorded staleness by exactly k; millisecond delays, latency and stragglers go through the
// (virtual) clock; and the trace holds every message type a run used.
#include "fakes.hpp"
#include "fixture.hpp"

#include "sgmc/engine/trace.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <map>
#include <set>
#include <tuple>

namespace a = sgmc::actors;
namespace t = sgmc::actors::test;

namespace {

sgmc::engine::run_parts async_parts(std::uint32_t workers, std::uint64_t steps,
                                    sgmc::engine::sample_sink& sink) {
  sgmc::engine::run_parts parts;
  parts.masters.push_back(
      t::make_fake_master({t::fake_mode::async, 0, 1, 4, workers, steps, 5, {}}));
  for (std::uint32_t i = 0; i < workers; ++i)
    parts.workers.push_back(t::make_fake_worker({t::fake_mode::async, i, 1, 4, false}));
  parts.dim = 4;
  parts.sink = &sink;
  return parts;
}

a::actor_context with_delay(const std::string& delay) {
  a::actor_context ctx;
  auto d = sgmc::engine::parse_delay(delay);
  REQUIRE(d);
  ctx.staleness.delay = *d;
  return ctx;
}

const sgmc::engine::run_report& summary_of(t::deterministic_fixture& f) {
  REQUIRE(f.result);
  REQUIRE(f.result->has_value());
  return f.result->value();
}

}  // namespace

TEST_CASE("a version delay of k raises every recorded staleness by k", "[actors]") {
  const std::uint64_t steps = 40;
  t::memory_sink sink0, sink3;
  t::deterministic_fixture plain, delayed;
  plain.start(async_parts(1, steps, sink0));
  plain.finish();
  const auto& s0 = summary_of(plain);
  CHECK(s0.staleness.count == steps);
  CHECK(s0.staleness.max == 0);  // one worker, answered at once: never stale

  delayed.start(async_parts(1, steps, sink3), with_delay("fixed:3"));
  delayed.finish();
  const auto& s3 = summary_of(delayed);
  CHECK(s3.staleness.count == steps);
  CHECK(s3.staleness.max == 3);
  // Versions 0, 1, 2 have fewer than 3 older versions to serve; from version 3 on, every
  // answer is exactly 3 versions old.
  CHECK(s3.staleness.hist[0] == 1);
  CHECK(s3.staleness.hist[1] == 1);
  CHECK(s3.staleness.hist[2] == 1);
  CHECK(s3.staleness.hist[3] == steps - 3);
  CHECK(s3.versions == s0.versions);
}

TEST_CASE("a random version delay stays within its bounds and is reproducible", "[actors]") {
  auto run = [](std::uint64_t seed) {
    t::memory_sink sink;
    t::deterministic_fixture f;
    auto ctx = with_delay("uniform:1,4");
    ctx.seed = seed;
    f.start(async_parts(1, 60, sink), ctx);
    f.finish();
    return summary_of(f).staleness;
  };
  const auto a1 = run(7), a2 = run(7);
  CHECK(a1.hist == a2.hist);
  CHECK(a1.max <= 4);
  CHECK(a1.hist[0] == 1);  // only the very first answer has no older version
  CHECK(a1.mean() > 1.5);
}

TEST_CASE("latency and millisecond delays hold messages on the virtual clock", "[actors]") {
  const std::uint64_t steps = 10;
  t::memory_sink sink;
  t::deterministic_fixture f;
  auto ctx = with_delay("fixed:4ms");
  ctx.staleness.latency_ms = 5.0;
  f.start(async_parts(1, steps, sink), ctx);
  const auto t0 = f.sched.clock().now();
  f.run_messages();  // without the clock nothing but the first pull can even arrive
  CHECK_FALSE(f.result);
  CHECK(f.sched.has_pending_timeout());
  f.finish();
  const auto& s = summary_of(f);
  CHECK(s.versions[0] == steps);
  // Each version is one push (5 + 4 ms) and one params answer (5 ms).
  CHECK(f.sched.clock().now() - t0 >= steps * std::chrono::milliseconds(14));
}

TEST_CASE("link latency slows only the worker it is set for", "[actors]") {
  t::memory_sink sink;
  t::deterministic_fixture f;
  a::actor_context ctx;
  ctx.staleness.link_latency_ms[1] = 50.0;
  f.start(async_parts(2, 40, sink), ctx);
  f.finish();
  const auto& s = summary_of(f);
  CHECK(s.gradients[0] > 4 * s.gradients[1]);
}

TEST_CASE("a straggler holds its push without blocking the others", "[actors]") {
  const std::uint64_t steps = 20;
  t::memory_sink sink;
  t::deterministic_fixture f;
  a::actor_context ctx;
  ctx.staleness.stragglers[1] = 3.0;
  f.start(async_parts(2, steps, sink), ctx);
  f.finish();
  const auto& s = summary_of(f);
  // Worker 1 computed once and held its push on the clock; worker 0, never blocked, did every
  // version meanwhile (the deterministic scheduler runs messages before any delayed one).
  CHECK(s.gradients[1] == 1);
  CHECK(s.gradients[0] == steps);
  CHECK(s.versions[0] == steps);
}

TEST_CASE("the trace holds every message type a run used, sent and received", "[actors]") {
  const auto dir = t::scratch_dir("trace-types");
  const auto path = dir / "embedded.trace";
  {
    auto w = sgmc::engine::trace_writer::open(path, "embedded");
    REQUIRE(w);
    t::memory_sink sink;
    t::deterministic_fixture f;
    auto ctx = with_delay("fixed:2");
    ctx.trace = w->get();
    f.start(async_parts(2, 30, sink), ctx);
    f.finish();
    REQUIRE(summary_of(f).staleness.count == 30);
    REQUIRE((*w)->flush());
  }
  auto file = sgmc::engine::read_trace(path);
  REQUIRE(file);
  std::set<std::pair<sgmc::engine::trace_type, sgmc::engine::trace_direction>> seen;
  std::size_t pushes_sent = 0, pushes_received = 0, stale = 0;
  // Message ids: each sender numbers its messages 1, 2, ... and every receive pairs with
  // its send (sender, id), of the same type.
  using key = std::tuple<sgmc::engine::trace_role, std::uint32_t, std::uint64_t>;
  std::map<key, sgmc::engine::trace_type> sent;
  std::map<std::pair<sgmc::engine::trace_role, std::uint32_t>, std::uint64_t> last_id;
  std::size_t computes = 0, applies = 0;
  for (const auto& e : file->events) {
    if (e.dir == sgmc::engine::trace_direction::sent) {
      CHECK(sent.emplace(key{e.actor.role, e.actor.index, e.seq}, e.type).second);
      auto& last = last_id[{e.actor.role, e.actor.index}];
      CHECK(e.seq == last + 1);
      last = e.seq;
    }
    if (e.type == sgmc::engine::trace_type::compute) {
      ++computes;
      CHECK(e.actor.role == sgmc::engine::trace_role::worker);
      CHECK(e.dir == sgmc::engine::trace_direction::span);
    }
    if (e.type == sgmc::engine::trace_type::apply) {
      ++applies;
      CHECK(e.actor.role == sgmc::engine::trace_role::master);
      CHECK(e.peer.role == sgmc::engine::trace_role::worker);
    }
  }
  for (const auto& e : file->events) {
    if (e.dir != sgmc::engine::trace_direction::received) continue;
    auto it = sent.find(key{e.peer.role, e.peer.index, e.seq});
    REQUIRE(it != sent.end());
    CHECK(it->second == e.type);
  }
  CHECK(applies == 30);  // one per version
  CHECK(computes >= 30);
  for (const auto& e : file->events) {
    seen.insert({e.type, e.dir});
    if (e.type != sgmc::engine::trace_type::push) continue;
    if (e.dir == sgmc::engine::trace_direction::sent) {
      ++pushes_sent;
      CHECK(e.actor.role == sgmc::engine::trace_role::worker);
      CHECK(e.bytes == 33 + 8 + 4 * 4);
    } else {
      ++pushes_received;
      CHECK(e.actor.role == sgmc::engine::trace_role::master);
      CHECK(e.peer.role == sgmc::engine::trace_role::worker);
      if (e.staleness >= 2) ++stale;
    }
  }
  for (auto type : {sgmc::engine::trace_type::push, sgmc::engine::trace_type::pull,
                    sgmc::engine::trace_type::params, sgmc::engine::trace_type::sample,
                    sgmc::engine::trace_type::stop})
    for (auto dir : {sgmc::engine::trace_direction::sent, sgmc::engine::trace_direction::received})
      CHECK(seen.count({type, dir}) == 1);
  // A push may still be on its way when the run ends (its worker had not seen the stop yet).
  CHECK(pushes_received <= pushes_sent);
  CHECK(pushes_received + 2 >= pushes_sent);
  CHECK(stale >= 25);  // injected fixed:2 shows in the records
  std::filesystem::remove_all(dir);
}
