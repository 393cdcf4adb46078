#include "ssp_master.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <utility>

namespace sgmc::protocols::detail {

ssp_master::ssp_master(master_setup setup)
    : async_master(std::move(setup)), clock_(live_.size(), 0), deferred_(live_.size(), false) {}

std::vector<worker_id> ssp_master::deferred() const {
  std::vector<worker_id> out;
  for (worker_id i = 0; i < deferred_.size(); ++i)
    if (deferred_[i]) out.push_back(i);
  return out;
}

bool ssp_master::may_proceed(worker_id worker) const {
  std::uint64_t slowest = std::numeric_limits<std::uint64_t>::max();
  for (std::size_t j = 0; j < live_.size(); ++j)
    if (live_[j]) slowest = std::min(slowest, clock_[j]);
  return clock_[worker] - slowest <= setup_.protocol.staleness_bound;
}

expected<void> ssp_master::handle_push(const push& msg, outbox& out) {
  if (deferred_[msg.worker])
    return make_error(
        errc::protocol,
        fmt::format("{}: push from worker {} while it waits for an answer", who(), msg.worker));
  ++clock_[msg.worker];
  if (auto ok = async_master::handle_push(msg, out); !ok) return ok;
  if (!finished_) release(out);
  return {};
}

expected<void> ssp_master::handle_pull(const pull& msg, outbox& out) {
  reply(msg.worker, out);
  return {};
}

expected<void> ssp_master::handle_lost(worker_id worker, outbox& out) {
  deferred_[worker] = false;
  if (auto ok = require_workers(); !ok) return ok;
  release(out);
  return {};
}

expected<void> ssp_master::handle_joined(worker_id worker, outbox&) {
  std::uint64_t slowest = std::numeric_limits<std::uint64_t>::max();
  for (std::size_t j = 0; j < live_.size(); ++j)
    if (live_[j] && j != worker) slowest = std::min(slowest, clock_[j]);
  clock_[worker] = slowest == std::numeric_limits<std::uint64_t>::max() ? 0 : slowest;
  deferred_[worker] = false;
  return {};
}

void ssp_master::reply(worker_id worker, outbox& out) {
  if (may_proceed(worker))
    send_params(worker, out);
  else
    deferred_[worker] = true;
}

void ssp_master::release(outbox& out) {
  for (worker_id i = 0; i < deferred_.size(); ++i) {
    if (deferred_[i] && live_[i] && may_proceed(i)) {
      deferred_[i] = false;
      send_params(i, out);
    }
  }
}

}  // namespace sgmc::protocols::detail
