#pragma once
// sync: a barrier per version (synchronous data-parallel SG-MCMC).
//
// The shard at version v holds θ_v (its slice). Every live worker i pulls once at start-up,
// and otherwise waits for the broadcast: it computes g_i = ∇Û_i(θ_v) on its own minibatch B_i
// and pushes its slice built on version v. When a push for v has arrived from every live
// worker, the shard averages them in worker-index order (float, deterministic)
//   ḡ = (g_{i1} + g_{i2} + ... + g_{iW'}) / W'            (W' live workers, i1 < i2 < ...)
// which is ∇Û on the union batch ∪_i B_i of W'·b rows (each Û_i scales its batch by N/b), and
// takes one kernel step, e.g. for SGLD
//   θ_{v+1} = θ_v − (ε_v/2) ḡ + N(0, ε_v T),
// with step_info{step = v, ε_v = schedule.at(v), key = {seed, 0, v, noise}, offset = slice}.
// The potential reported with samples is the mean of the pushes' Û_i (Û on the union batch).
// Then version v + 1, a sample if due, and θ_{v+1} goes to every live worker (or stop at
// run.steps). Each applied push is recorded with staleness 0.
//
// A push for another version, or a second one from the same worker for v, is errc::protocol.
// A lost worker is dropped from the barrier (a push it made for v is discarded), which may
// complete the barrier at once. A worker that (re)joins (on_worker_joined) is waited for again
// from the current version on: it pulls θ_v and pushes for v.
#include "master_core.hpp"

#include <optional>
#include <vector>

namespace sgmc::protocols::detail {

class sync_master final : public master_core {
 public:
  explicit sync_master(master_setup setup);

 private:
  expected<void> handle_push(const push& msg, outbox& out) override;
  expected<void> handle_lost(worker_id worker, outbox& out) override;
  expected<void> handle_joined(worker_id worker, outbox& out) override;
  /// Steps when every live worker has pushed for the current version.
  expected<void> try_step(outbox& out);

  std::vector<std::optional<push>> pending_;  ///< per worker: its push for version_
  std::vector<float> sum_;
};

}  // namespace sgmc::protocols::detail
