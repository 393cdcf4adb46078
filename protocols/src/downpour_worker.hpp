#pragma once
// The worker of downpour (Dean et al. 2012, with an SG-MCMC kernel): local steps on its own
// copy θ_i, the accumulated update pushed every push_every steps, θ_i replaced by the master's
// every pull_every steps.
//
// Local step t = 0, 1, ... (one per compute()):
//   g = ∇Û(θ_i) on the next minibatch;  θ_i' = kernel(θ_i, g) with
//   step_info{step = t, ε_t = schedule.at(t), key = {seed, local_chain(i) = 1 + i, t, noise}}
//   (each worker its own noise stream, none shared with the master's chain 0);
//   Δ_i += θ_i' − θ_i  (element-wise, in float, per step).
// After step t (t + 1 steps done):
//   if (t + 1) % push_every == 0: push{kind = update, version = v_k (the version of the θ
//     last pulled from shard k, 0 at first), seq, potential = Û of this step, Δ_i's slice k}
//     to every shard k, and Δ_i = 0 (pushes do not wait for an answer);
//   if (t + 1) % pull_every == 0: pull from every shard and wait; the params replace θ_i's
//     slices (Δ_i not yet pushed is kept and pushed later).
// The worker starts computing at once from θ_0 (every shard holds θ_0 at version 0); a worker
// resumed (computed() > 0: from a checkpoint, or rejoining a run it had left) pulls first, so
// that it starts from the masters' current θ. The run ends with the masters' stop.
#include "worker_core.hpp"

namespace sgmc::protocols::detail {

class downpour_worker final : public worker_core {
 public:
  explicit downpour_worker(worker_setup setup);
  expected<void> start(outbox& out) override;

 private:
  expected<void> step(outbox& out) override;

  samplers::float_buffer before_, delta_;
  std::uint64_t local_steps_ = 0;
  std::uint64_t pushes_ = 0;
};

}  // namespace sgmc::protocols::detail
