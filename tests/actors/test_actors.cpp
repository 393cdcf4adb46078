// The actors on CAF's deterministic scheduler with scripted protocol objects (fakes.hpp):
// messages flow master <-> workers <-> collector for async and sync, a lost worker is carried
// on without, errors of a protocol or a sink end the run with that error, and the watchdog ends
// a run that makes no progress. No test sleeps: delayed messages fire on the virtual clock.
#include "fakes.hpp"
#include "fixture.hpp"

#include <caf/exit_reason.hpp>
#include <caf/send.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <numeric>

namespace a = sgmc::actors;
namespace t = sgmc::actors::test;
using sgmc::errc;

namespace {

struct fake_run {
  t::fake_mode mode = t::fake_mode::async;
  std::uint32_t shards = 1;
  std::uint32_t workers = 2;
  std::uint64_t steps = 20;
  std::uint64_t thin = 5;
  std::size_t dim = 4;
};

sgmc::engine::run_parts fake_parts(const fake_run& r, sgmc::engine::sample_sink& sink) {
  sgmc::engine::run_parts parts;
  for (std::uint32_t k = 0; k < r.shards; ++k)
    parts.masters.push_back(
        t::make_fake_master({r.mode, k, r.shards, r.dim, r.workers, r.steps, r.thin, {}}));
  for (std::uint32_t i = 0; i < r.workers; ++i)
    parts.workers.push_back(t::make_fake_worker({r.mode, i, r.shards, r.dim, false}));
  parts.dim = r.dim;
  parts.sink = &sink;
  return parts;
}

std::uint64_t total(const std::vector<std::uint64_t>& v) {
  return std::accumulate(v.begin(), v.end(), std::uint64_t{0});
}

}  // namespace

TEST_CASE("async: pushes, pulls and params flow until the master stops every worker", "[actors]") {
  t::memory_sink sink;
  t::deterministic_fixture f;
  fake_run r;
  f.start(fake_parts(r, sink));
  f.finish();
  REQUIRE(f.result);
  REQUIRE(f.result->has_value());
  const auto& s = f.result->value();
  CHECK(s.versions == std::vector<std::uint64_t>{r.steps});
  // Every applied push is one gradient; a worker may have one more in flight at the stop.
  CHECK(s.staleness.count == r.steps);
  CHECK(total(s.gradients) >= r.steps);
  CHECK(total(s.gradients) <= r.steps + r.workers);
  CHECK(std::all_of(s.gradients.begin(), s.gradients.end(), [](auto g) { return g > 0; }));
  CHECK(s.draws == r.steps / r.thin);
  CHECK(sink.draws.size() == r.steps / r.thin);
  CHECK(s.lost.empty());
}

TEST_CASE("sync over two shards: every version waits for every worker", "[actors]") {
  t::memory_sink sink;
  t::deterministic_fixture f;
  fake_run r;
  r.mode = t::fake_mode::sync;
  r.shards = 2;
  r.workers = 3;
  r.steps = 12;
  r.thin = 3;
  r.dim = 600;  // two shards of whole 256-element blocks: [0, 256) and [256, 600)
  f.start(fake_parts(r, sink));
  f.finish();
  REQUIRE(f.result);
  REQUIRE(f.result->has_value());
  const auto& s = f.result->value();
  CHECK(s.versions == std::vector<std::uint64_t>{r.steps, r.steps});
  CHECK(s.gradients == std::vector<std::uint64_t>(r.workers, r.steps));
  CHECK(s.staleness.count == 2 * r.workers * r.steps);
  CHECK(s.staleness.max == 0);
  // Draws are assembled from both shards' slices: the full θ.
  REQUIRE(sink.draws.size() == r.steps / r.thin);
  for (std::size_t d = 0; d < sink.draws.size(); ++d) {
    CHECK(sink.draws[d].index == d);
    CHECK(sink.draws[d].theta.size() == r.dim);
  }
}

TEST_CASE("a lost worker: the master carries on with the others and says so", "[actors]") {
  t::memory_sink sink;
  t::log_lines log;
  t::deterministic_fixture f;
  fake_run r;
  r.mode = t::fake_mode::sync;
  r.workers = 3;
  r.steps = 30;
  a::actor_context ctx;
  ctx.log = log.fn();
  auto top = f.start(fake_parts(r, sink), ctx);
  // Let a few versions pass, then kill worker 1 as a dying process would be.
  f.run_until([&] { return sink.draws.size() >= 1; });
  caf::anon_send_exit(top.actors.workers[1], caf::exit_reason::kill);
  f.finish();
  REQUIRE(f.result);
  REQUIRE(f.result->has_value());
  const auto& s = f.result->value();
  CHECK(log.contains("worker 1 lost; carrying on with 2"));
  CHECK(s.lost == std::vector<std::uint32_t>{1});
  CHECK(s.versions == std::vector<std::uint64_t>{r.steps});
  CHECK(s.gradients[0] == r.steps);
  CHECK(s.gradients[2] == r.steps);
  CHECK(sink.draws.size() == r.steps / r.thin);
}

TEST_CASE("a protocol error ends the run with that error", "[actors]") {
  t::memory_sink sink;
  t::deterministic_fixture f;
  fake_run r;
  auto parts = fake_parts(r, sink);
  parts.masters[0] = t::make_fake_master({r.mode, 0, 1, r.dim, r.workers, r.steps, r.thin, 7});
  f.start(std::move(parts));
  f.finish();
  REQUIRE(f.result);
  REQUIRE_FALSE(f.result->has_value());
  CHECK(f.result->error().code == errc::diverged);
  CHECK(f.result->error().message == "diverged at version 7");
}

TEST_CASE("a failing sink ends the run with its error", "[actors]") {
  t::memory_sink sink;
  t::deterministic_fixture f;
  sink.fail_at_draw = 2;
  f.start(fake_parts(fake_run{}, sink));
  f.finish();
  REQUIRE(f.result);
  REQUIRE_FALSE(f.result->has_value());
  CHECK(f.result->error().code == errc::io);
  CHECK(f.result->error().message == "test sink: disk full");
}

TEST_CASE("losing the master ends the run with a clear error", "[actors]") {
  t::memory_sink sink;
  t::deterministic_fixture f;
  fake_run r;
  r.steps = 1000;
  auto top = f.start(fake_parts(r, sink));
  f.run_until([&] { return sink.draws.size() >= 1; });
  caf::anon_send_exit(top.actors.masters[0], caf::exit_reason::kill);
  f.finish();
  REQUIRE(f.result);
  REQUIRE_FALSE(f.result->has_value());
  CHECK(f.result->error().code == errc::protocol);
  CHECK(f.result->error().message.find("master shard 0 is gone") != std::string::npos);
}

TEST_CASE("the watchdog ends a run that makes no progress", "[actors]") {
  t::memory_sink sink;
  t::deterministic_fixture f;
  fake_run r;
  auto parts = fake_parts(r, sink);
  for (std::uint32_t i = 0; i < r.workers; ++i)
    parts.workers[i] = t::make_fake_worker({r.mode, i, 1, r.dim, true});
  f.start(std::move(parts), {}, std::chrono::milliseconds(2000));
  f.finish();  // the virtual clock runs ahead; no real time passes
  REQUIRE(f.result);
  REQUIRE_FALSE(f.result->has_value());
  CHECK(f.result->error().code == errc::timeout);
  CHECK(f.result->error().message.find("no progress for 2000 ms") != std::string::npos);
}

TEST_CASE("a message no handler takes is dropped and logged, and the run goes on", "[actors]") {
  t::memory_sink sink;
  t::log_lines log;
  t::deterministic_fixture f;
  a::actor_context ctx;
  ctx.log = log.fn();
  auto top = f.start(fake_parts(fake_run{}, sink), ctx);
  // Before the directory arrives it waits in the mailbox; after, no handler takes it.
  caf::anon_send(top.actors.masters[0], std::string("hello?"), 42);
  f.finish();
  REQUIRE(f.result);
  CHECK(f.result->has_value());
  CHECK(log.contains("master shard 0: dropped an unexpected message"));
}
