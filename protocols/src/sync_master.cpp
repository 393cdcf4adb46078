#include "sync_master.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <utility>

namespace sgmc::protocols::detail {

sync_master::sync_master(master_setup setup)
    : master_core(std::move(setup)), pending_(live_.size()), sum_(slice_.size) {}

expected<void> sync_master::handle_push(const push& msg, outbox& out) {
  if (msg.version != version_)
    return make_error(errc::protocol,
                      fmt::format("{}: push from worker {} is built on version {}, the barrier "
                                  "is at version {}",
                                  who(), msg.worker, msg.version, version_));
  if (pending_[msg.worker])
    return make_error(errc::protocol, fmt::format("{}: second push from worker {} for version {}",
                                                  who(), msg.worker, version_));
  pending_[msg.worker] = msg;
  return try_step(out);
}

expected<void> sync_master::handle_lost(worker_id worker, outbox& out) {
  pending_[worker].reset();
  if (auto ok = require_workers(); !ok) return ok;
  return try_step(out);
}

expected<void> sync_master::handle_joined(worker_id worker, outbox&) {
  pending_[worker].reset();
  return {};
}

expected<void> sync_master::try_step(outbox& out) {
  std::uint32_t arrived = 0;
  for (std::size_t i = 0; i < live_.size(); ++i) arrived += live_[i] && pending_[i].has_value();
  if (arrived < live_count_ || arrived == 0) return {};
  // Sum in worker-index order, then divide: the same bits on every shard layout.
  bool first = true;
  double potential = 0.0;
  for (std::size_t i = 0; i < live_.size(); ++i) {
    if (!live_[i] || !pending_[i]) continue;
    const auto& g = pending_[i]->data.values;
    if (first)
      std::copy(g.begin(), g.end(), sum_.begin());
    else
      for (std::size_t j = 0; j < sum_.size(); ++j) sum_[j] += g[j];
    first = false;
    potential += pending_[i]->potential;
    out.applied.push_back({static_cast<worker_id>(i), setup_.shard, version_, version_});
  }
  potential_ = potential / arrived;  // Û on the union batch
  const auto w = static_cast<float>(arrived);
  for (float& x : sum_) x /= w;
  if (auto ok = kernel_step(sum_); !ok) return ok;
  for (auto& p : pending_) p.reset();
  advance(out);
  if (finished_) return {};
  for (worker_id i = 0; i < live_.size(); ++i)
    if (live_[i]) send_params(i, out);
  return {};
}

}  // namespace sgmc::protocols::detail
