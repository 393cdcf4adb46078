#include "async_master.hpp"

#include <utility>

namespace sgmc::protocols::detail {

async_master::async_master(master_setup setup) : master_core(std::move(setup)) {}

expected<void> async_master::handle_push(const push& msg, outbox& out) {
  potential_ = msg.potential;
  if (auto ok = kernel_step(msg.data.values); !ok) return ok;
  out.applied.push_back({msg.worker, setup_.shard, msg.version, version_});
  advance(out);
  if (!finished_) reply(msg.worker, out);
  return {};
}

expected<void> async_master::handle_lost(worker_id, outbox&) { return require_workers(); }

void async_master::reply(worker_id worker, outbox& out) { send_params(worker, out); }

}  // namespace sgmc::protocols::detail
