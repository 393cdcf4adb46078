#pragma once
// elastic: the centre of elastic-averaging SG-MCMC (Zhang, Choromanska & LeCun 2015, EASGD;
// for SG-MCMC, Li et al. AAAI 2019).
//
// Each worker i runs its own chain θ_i, pulled toward the centre θ̃ by the force −ρ(θ_i − θ̃)
// (elastic_worker.hpp). The shard holds the centre's slice. On an exchange from worker i
// carrying its slice of θ_i:
//   θ̃ ← θ̃ + α (θ_i − θ̃)                                           (α = protocol.elastic_alpha)
// computed in float as θ̃_j + α·(θ_i,j − θ̃_j); version + 1; the record {worker i,
// built_on = exchange.version, applied_at = v}; and the answer params(θ̃, v + 1) to worker i.
// The workers sample (chain = worker index); the centre does not. An exchange with
// step >= run.steps is a worker's last: once every live worker has sent its last, the shard
// sends stop{"done"} to the live workers and the collector and is finished. A lost worker that
// had not finished is no longer waited for; its chain ends there (a worker cannot rejoin or
// join late: its chain's draws are numbered from its start). A non-finite θ̃ is
// errc::diverged.
#include "master_core.hpp"

#include <vector>

namespace sgmc::protocols::detail {

class elastic_master final : public master_core {
 public:
  explicit elastic_master(master_setup setup);
  /// Also keeps, per worker, the step of its last exchange applied (master_state::exchanged):
  /// restore() counts a worker whose last exchange was applied as finished.
  master_state save() const override;
  expected<void> restore(const master_state& state) override;
  /// A restored shard whose every live worker had finished ends at once.
  expected<void> start(outbox& out) override;

 private:
  expected<void> handle_exchange(const exchange& msg, outbox& out) override;
  expected<void> handle_lost(worker_id worker, outbox& out) override;
  expected<void> handle_joined(worker_id worker, outbox& out) override;
  /// The centre; a rejected last exchange still ends the worker's part.
  void answer_rejected(worker_id worker, std::uint64_t step, bool exchange, outbox& out) override;
  void finish_if_done(outbox& out);

  std::vector<bool> done_;
};

}  // namespace sgmc::protocols::detail
