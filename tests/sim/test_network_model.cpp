// sim::network_model: transmission time, one transmission at a time per node, FIFO links.
#include "sgmc/sim/network_model.hpp"

#include <catch2/catch.hpp>

namespace e = sgmc::engine;
namespace pr = sgmc::protocols;
using dist = e::duration_spec::distribution;

namespace {

e::sim_params network(double gbps, double overhead_us, e::duration_spec latency) {
  e::sim_params p;
  p.bandwidth_gbps = gbps;
  p.message_overhead_us = overhead_us;
  p.latency = latency;
  return p;
}

}  // namespace

TEST_CASE("a message takes overhead plus 8 bytes per bit rate, then the latency") {
  sgmc::sim::network_model net(network(1.0, 1.0, {dist::fixed, 50e3}), {}, 1, 1, 1, 2);
  // 1000 bytes at 1 Gbit/s: 8 µs, plus 1 µs overhead and 50 µs latency.
  CHECK(net.send(0, pr::worker_at(0), pr::master_shard(0), 1000, true) == 59'000);
  // The same node's next message waits for the first to leave (at 9 µs).
  CHECK(net.send(0, pr::worker_at(0), pr::master_shard(0), 1000, true) == 68'000);
  // Another node sends at once.
  CHECK(net.send(0, pr::worker_at(1), pr::master_shard(0), 1000, true) == 59'000);
  // Later sends start when they are sent.
  CHECK(net.send(1'000'000, pr::master_shard(0), pr::worker_at(1), 0, false) == 1'051'000);
}

TEST_CASE("random latencies never reorder the messages of one link") {
  sgmc::sim::network_model net(network(0, 0, {dist::exponential, 100e3}), {}, 3, 3, 2, 4);
  std::uint64_t last = 0;
  bool reordered_elsewhere = false;
  for (std::uint64_t t = 0; t < 200'000; t += 1000) {
    const auto at = net.send(t, pr::worker_at(2), pr::master_shard(1), 16, true);
    CHECK(at >= last);
    CHECK(at >= t);
    last = at;
    // Another link is independent: its messages may arrive before this one's.
    if (net.send(t, pr::worker_at(3), pr::master_shard(1), 16, true) < at)
      reordered_elsewhere = true;
  }
  CHECK(reordered_elsewhere);
}

TEST_CASE("injected latency from [staleness] is added per link and per worker") {
  e::staleness_params st;
  st.latency_ms = 1.0;
  st.link_latency_ms = {{1, 2.0}};
  sgmc::sim::network_model net(network(0, 0, {dist::fixed, 0.0}), st, 1, 1, 1, 2);
  CHECK(net.send(0, pr::worker_at(0), pr::master_shard(0), 8, false) == 1'000'000);
  CHECK(net.send(0, pr::master_shard(0), pr::worker_at(1), 8, false) == 3'000'000);
  CHECK(net.send(0, pr::master_shard(0), pr::collector(), 8, false) == 1'000'000);
}
