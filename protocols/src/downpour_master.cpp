#include "downpour_master.hpp"

#include <utility>

namespace sgmc::protocols::detail {

downpour_master::downpour_master(master_setup setup) : master_core(std::move(setup)) {}

expected<void> downpour_master::handle_push(const push& msg, outbox& out) {
  const auto& delta = msg.data.values;
  for (std::size_t j = 0; j < theta_.size(); ++j) theta_[j] += delta[j];
  if (auto ok = check_finite("a pushed update"); !ok) return ok;
  potential_ = msg.potential;
  out.applied.push_back({msg.worker, setup_.shard, msg.version, version_});
  advance(out);
  return {};
}

expected<void> downpour_master::handle_lost(worker_id, outbox&) { return require_workers(); }

}  // namespace sgmc::protocols::detail
