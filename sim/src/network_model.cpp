#include "sgmc/sim/network_model.hpp"

#include "sgmc/sim/timing.hpp"

#include <algorithm>
#include <optional>

namespace sgmc::sim {

network_model::network_model(const engine::sim_params& sim,
                             const engine::staleness_params& staleness, std::uint64_t seed,
                             std::uint64_t run_seed, std::uint32_t shards, std::uint32_t workers)
    : latency_(sim.latency),
      ns_per_byte_(sim.bandwidth_gbps > 0 ? 8.0 / sim.bandwidth_gbps : 0.0),
      overhead_ns_(sim.message_overhead_us * 1e3),
      seed_(seed),
      shards_(shards),
      workers_(workers),
      serial_(ns_per_byte_ > 0 || overhead_ns_ > 0) {
  const std::size_t nodes = std::size_t{shards} + workers + 1;
  if (serial_) egress_free_.assign(nodes, 0);
  if (is_random(latency_)) sent_.assign(nodes, 0);
  // Links: worker → shard, shard → worker (W·S each), shard → collector (S), worker →
  // collector (W).
  links_.assign(2 * std::size_t{shards} * workers + shards + workers, 0);
  engine::injector probe(staleness, run_seed, 0);
  if (probe.delays_messages()) {
    inject_.reserve(nodes);
    for (std::uint32_t n = 0; n < nodes; ++n) inject_.emplace_back(staleness, run_seed, n);
  }
}

std::uint32_t network_model::node(const protocols::endpoint& e) const {
  using role = protocols::endpoint::role;
  switch (e.who) {
    case role::master:
      return e.index;
    case role::worker:
      return shards_ + e.index;
    case role::collector:
      return shards_ + workers_;
  }
  return 0;
}

vtime& network_model::link(std::uint32_t from, std::uint32_t to) {
  const std::size_t sw = std::size_t{shards_} * workers_;
  const std::uint32_t collector = shards_ + workers_;
  if (from >= shards_ && from < collector && to < shards_)  // worker → shard
    return links_[std::size_t{from - shards_} * shards_ + to];
  if (from < shards_ && to >= shards_ && to < collector)  // shard → worker
    return links_[sw + std::size_t{to - shards_} * shards_ + from];
  if (from < shards_ && to == collector) return links_[2 * sw + from];
  if (from >= shards_ && from < collector && to == collector)
    return links_[2 * sw + shards_ + (from - shards_)];
  return dummy_link_;  // no such link in any protocol: no order to keep
}

vtime network_model::send(vtime now, const protocols::endpoint& from, const protocols::endpoint& to,
                          std::uint64_t bytes, bool is_push) {
  const std::uint32_t a = node(from);
  const std::uint32_t c = node(to);
  vtime t = now;
  if (serial_) {
    const vtime start = std::max(now, egress_free_[a]);
    t = start + to_vtime(overhead_ns_ + ns_per_byte_ * static_cast<double>(bytes));
    egress_free_[a] = t;
  }
  t += sent_.empty() ? to_vtime(latency_.a)
                     : draw(latency_, seed_, draw_purpose::latency, a, sent_[a]++);
  if (!inject_.empty()) {
    using role = protocols::endpoint::role;
    std::optional<std::uint32_t> worker;
    if (from.who == role::worker) worker = from.index;
    if (to.who == role::worker) worker = to.index;
    t += static_cast<vtime>(inject_[a].message_delay(worker, is_push).count());
  }
  vtime& last = link(a, c);
  t = std::max(t, last);
  last = t;
  return t;
}

}  // namespace sgmc::sim
