#pragma once
// The worker of elastic-averaging SG-MCMC (Li et al. AAAI 2019; Zhang, Choromanska & LeCun
// 2015): its own chain θ_i, coupled to the centre θ̃ by an elastic force.
//
// Local step t = 0, 1, ..., run.steps − 1 (one per compute()):
//   g = ∇Û(θ_i) + ρ (θ_i − θ̃)          (ρ = protocol.elastic_rho; θ̃ the centre last received,
//                                        θ_0 at first), i.e. the gradient of
//                                        Û(θ_i) + (ρ/2)|θ_i − θ̃|²
//   θ_i' = kernel(θ_i, g) with step_info{step = t, ε_t = schedule.at(t),
//          key = {seed, local_chain(i) = 1 + i, t, noise}}.
// After step t (t + 1 = n steps done):
//   if n > run.burnin and (n − run.burnin) % run.thin == 0: sample{chain = i,
//     draw = (n − burnin)/thin − 1, step = n, shard 0, offset 0, potential = Û(θ_i), θ_i}
//     to the collector (the whole θ_i in one message; see collector::for_protocol);
//   if n % elastic_period == 0 or n == run.steps: exchange{step = n, version = the centre
//     version held from shard k, θ_i's slice k} to every shard k; the worker then waits for
//     the new centre from every shard before its next step;
//   at n == run.steps (its last exchange) the worker is finished.
// start() computes at once. The run units (steps, burnin, thin) are the worker's local steps.
//
// Checkpoints: save_chain() between two steps keeps θ_i, the kernel state, n, the gradients
// computed, the centre and its versions, and whether the exchange after step n is in flight
// (pending). restore_chain() takes them back; start() then sends a pending exchange again and
// waits for the centre (a finished chain's last exchange: it is finished after sending it),
// computes at once otherwise, and a finished chain without a pending exchange only says it is
// finished.
#include "worker_core.hpp"

namespace sgmc::protocols::detail {

class elastic_worker final : public worker_core {
 public:
  explicit elastic_worker(worker_setup setup);
  expected<void> start(outbox& out) override;
  worker_chain save_chain() const override;
  expected<void> restore_chain(const worker_chain& chain) override;

 private:
  expected<void> step(outbox& out) override;
  std::span<float> params_target() override { return centre_.span(); }
  void exchange_all(outbox& out);

  samplers::float_buffer centre_;
  std::uint64_t local_steps_ = 0;
  bool resend_ = false;  // a restored pending exchange, sent by start()
};

}  // namespace sgmc::protocols::detail
