#pragma once
// downpour: Downpour SGD's parameter server (Dean et al. 2012), with SG-MCMC workers.
//
// Workers run the sampler kernel locally on their own copies θ_i and push the accumulated
// change of their slice since their last push, Δ_i = Σ (local updates), every push_every local
// steps (downpour_worker.hpp). The shard applies each push on arrival, with no kernel:
//   θ_{v+1} = θ_v + Δ_i,
// records {worker i, built_on = the version of the θ the worker last pulled, applied_at = v},
// and counts one version per push (run.steps, burnin and thin are in pushes applied). Pulls
// are answered with the current θ; pushes get no answer. A non-finite θ after a push is
// errc::diverged.
#include "master_core.hpp"

namespace sgmc::protocols::detail {

class downpour_master final : public master_core {
 public:
  explicit downpour_master(master_setup setup);

 private:
  expected<void> handle_push(const push& msg, outbox& out) override;
  expected<void> handle_lost(worker_id worker, outbox& out) override;
  push_kind expected_kind() const override { return push_kind::update; }
  /// Downpour's workers do not wait for an answer to a push.
  void answer_rejected(worker_id, std::uint64_t, bool, outbox&) override {}
};

}  // namespace sgmc::protocols::detail
