#pragma once
// What every worker shares: its θ, its minibatch stream, the per-shard versions it holds, the
// wait for params from every shard, input checks and the gradient evaluation. The protocols
// derive from it (gradient_worker.hpp, downpour_worker.hpp, elastic_worker.hpp).
//
// Gradients: the k-th gradient (k = computed(), from 0) is ∇Û on the next minibatch of the
// worker's rows (samplers::minibatcher {seed, chain = worker}) with synthetic gradient noise
// from {seed, worker, k, grad_noise}. A non-finite Û(θ) is errc::diverged.
#include "sgmc/protocols/worker.hpp"
#include "sgmc/samplers/float_buffer.hpp"
#include "sgmc/samplers/minibatcher.hpp"

#include <string>
#include <vector>

namespace sgmc::protocols::detail {

class worker_core : public worker {
 public:
  explicit worker_core(worker_setup setup);

  expected<void> on_theta_reply(const theta_reply& msg, outbox& out) override;
  expected<void> compute(outbox& out) override;
  expected<void> on_stop(const stop& msg, outbox& out) override;

  worker_id id() const override { return setup_.id; }
  std::span<const float> theta() const override { return theta_.span(); }
  std::uint64_t computed() const override { return computed_; }
  bool finished() const override { return finished_; }
  expected<void> resume(std::uint64_t computed, std::span<const float> theta) override;
  worker_chain save_chain() const override;
  expected<void> restore_chain(const worker_chain& chain) override;

 protected:
  /// The protocol's part of compute(), after the checks.
  virtual expected<void> step(outbox& out) = 0;
  /// Where params of a shard land (θ; elastic: the centre θ̃).
  virtual std::span<float> params_target() { return theta_.span(); }

  /// ∇Û(θ) on the next minibatch into grad_; returns Û. computed_ + 1.
  expected<double> gradient(std::span<const float> at);
  /// Waits for params from every shard (the outbox says compute once all arrived).
  void await_params() {
    waiting_ = setup_.protocol.shards;
    ready_ = false;
  }
  /// Allows the next compute() at once.
  void go(outbox& out) {
    ready_ = true;
    out.compute = true;
  }
  /// pull{have = version held} to every shard, then await_params().
  void pull_all(outbox& out);
  /// A restored chain's finished flag (restore_chain).
  void restore_finished() { finished_ = true; }  // a chain restored as over
  bool waiting() const { return waiting_ > 0; }
  void done(outbox& out) {
    finished_ = true;
    ready_ = false;
    out.finished = true;
  }
  std::string who() const;

  worker_setup setup_;
  std::vector<slice> slices_;
  std::vector<version_t> versions_;  ///< per shard: the version of the params last received
  samplers::float_buffer theta_, grad_;
  samplers::minibatcher batches_;
  std::uint64_t computed_ = 0;

 private:
  std::vector<bool> have_;  ///< per shard: params arrived in this wait
  std::uint32_t waiting_ = 0;
  bool ready_ = false;
  bool finished_ = false;
};

}  // namespace sgmc::protocols::detail
