// Link delays in order per destination (engine/link_scheduler.hpp), on a manual clock.
#include "sgmc/engine/link_scheduler.hpp"

#include <catch2/catch.hpp>

#include <chrono>

namespace e = sgmc::engine;
namespace p = sgmc::protocols;
using namespace std::chrono_literals;
using time_point = e::link_scheduler::time_point;

namespace {

// A manual clock: time_point{} + elapsed.
time_point at(std::chrono::milliseconds t) { return time_point{} + t; }

e::staleness_params latency(double ms) {
  e::staleness_params s;
  s.latency_ms = ms;
  return s;
}

}  // namespace

TEST_CASE("link_scheduler: without message delays every message is due at once") {
  e::injector inj(e::staleness_params{}, 1, 0);
  e::link_scheduler links(inj, p::master_shard(0));
  CHECK_FALSE(links.timed());
  CHECK(links.delay(p::worker_at(0), true) == 0ns);
  // Even an explicit delay is ignored: nothing is bookkept.
  CHECK(links.schedule(p::worker_at(0), at(5ms), 10ms) == at(5ms));
}

TEST_CASE("link_scheduler: a message is due after its delay, never before an earlier one") {
  e::injector inj(latency(1.0), 1, 0);
  e::link_scheduler links(inj, p::master_shard(0));
  REQUIRE(links.timed());
  const auto w0 = p::worker_at(0);
  CHECK(links.schedule(w0, at(0ms), 10ms) == at(10ms));
  // Sent later with a shorter delay: it would overtake, so it waits for the first.
  CHECK(links.schedule(w0, at(1ms), 2ms) == at(10ms));
  // Sent after the first is due: its own delay counts again.
  CHECK(links.schedule(w0, at(20ms), 2ms) == at(22ms));
  CHECK(links.schedule(w0, at(21ms), 0ms) == at(22ms));
}

TEST_CASE("link_scheduler: destinations are ordered independently") {
  e::injector inj(latency(1.0), 1, 0);
  e::link_scheduler links(inj, p::master_shard(0));
  CHECK(links.schedule(p::worker_at(0), at(0ms), 50ms) == at(50ms));
  // Another worker, the collector and another index of the same role are other links.
  CHECK(links.schedule(p::worker_at(1), at(1ms), 1ms) == at(2ms));
  CHECK(links.schedule(p::collector(), at(1ms), 0ms) == at(1ms));
  CHECK(links.schedule(p::master_shard(0), at(1ms), 3ms) == at(4ms));
  links.clear();
  CHECK(links.schedule(p::worker_at(0), at(2ms), 1ms) == at(3ms));
}

TEST_CASE("link_scheduler: a link's delay is the latency plus the worker's link latency") {
  auto s = latency(2.0);
  s.link_latency_ms[1] = 3.0;
  e::injector inj(s, 1, 0);
  e::link_scheduler master(inj, p::master_shard(0));
  CHECK(master.delay(p::worker_at(0), false) == 2ms);
  CHECK(master.delay(p::worker_at(1), false) == 5ms);
  CHECK(master.delay(p::collector(), false) == 2ms);
  e::injector inj1(s, 1, 1);
  e::link_scheduler worker1(inj1, p::worker_at(1));
  CHECK(worker1.delay(p::master_shard(0), true) == 5ms);
}
