#pragma once
// async: every gradient applied on arrival (Chen et al. 2016, "Stochastic gradient MCMC with
// stale gradients"; the parameter-server SGLD of Ahn et al. 2014 without a barrier).
//
// The shard at version v receives a push from worker i built on version v − τ (τ >= 0, its
// staleness: other workers' pushes were applied meanwhile) and takes one kernel step with it,
// e.g. for SGLD
//   θ_{v+1} = θ_v − (ε_v/2) ∇Û_i(θ_{v−τ}) + N(0, ε_v T),
// with step_info{step = v, ε_v = schedule.at(v), key = {seed, 0, v, noise}, offset = slice}
// (any kernel: sghmc's momentum etc. lives in the shard's kernel). The staleness record is
// {worker i, built_on = v − τ, applied_at = v}. Then version v + 1, a sample if due, and the
// answer to worker i: params θ_{v+1} (a push is also the worker's next pull), or stop at
// run.steps. Pulls are answered with the current θ.
//
// The answer goes through reply(), which ssp_master overrides to hold it back.
#include "master_core.hpp"

namespace sgmc::protocols::detail {

class async_master : public master_core {
 public:
  explicit async_master(master_setup setup);

 protected:
  expected<void> handle_push(const push& msg, outbox& out) override;
  expected<void> handle_lost(worker_id worker, outbox& out) override;
  /// Called after each applied push of `worker` (not after the last one).
  virtual void reply(worker_id worker, outbox& out);
  /// Through reply() (ssp may hold the answer back).
  void answer_rejected(worker_id worker, std::uint64_t, bool, outbox& out) override {
    reply(worker, out);
  }
};

}  // namespace sgmc::protocols::detail
