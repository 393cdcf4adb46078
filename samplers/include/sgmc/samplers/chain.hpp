#pragma once
// One Markov chain: minibatch selection, gradient estimate, kernel step, divergence check.
//
// Minibatches are drawn by random reshuffling: each epoch is a fresh permutation of the chain's
// rows (all rows, or a shard), taken batch_size at a time, from the Philox stream
// {seed, chain, epoch, rng_stream::batch}. So a chain is reproducible from its seed alone.

#include "sgmc/core/error.hpp"
#include "sgmc/samplers/gradient_source.hpp"
#include "sgmc/samplers/sampler.hpp"
#include "sgmc/samplers/schedule.hpp"

#include <Eigen/Core>

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace sgmc::samplers {

struct chain_params {
  std::uint64_t seed = 1;
  std::uint32_t chain = 0;
  std::size_t batch_size = 100;
  std::vector<std::uint32_t> rows;  ///< the rows this chain may use; empty: all N rows
};

class chain {
 public:
  /// The chain starts at theta0 (length source.dim()). source and kernel must outlive it.
  chain(gradient_source& source, sampler& kernel, schedule sched, chain_params params,
        std::span<const float> theta0);

  /// One step. Fails with errc::diverged ("diverged at step N: ...") when Û(θ) or θ turns
  /// non-finite; θ is then left as it was before the failing step.
  expected<void> step();

  std::span<const float> theta() const { return {theta_.data(), static_cast<std::size_t>(theta_.size())}; }
  std::span<float> mutable_theta() { return {theta_.data(), static_cast<std::size_t>(theta_.size())}; }
  std::uint64_t steps_done() const { return step_; }
  double last_potential() const { return last_potential_; }
  double last_step_size() const { return last_step_size_; }

 private:
  std::span<const std::uint32_t> next_batch();

  gradient_source& source_;
  sampler& kernel_;
  schedule sched_;
  chain_params params_;
  Eigen::VectorXf theta_, grad_, backup_;
  std::vector<std::uint32_t> order_;
  std::size_t cursor_ = 0;
  std::uint64_t epoch_ = 0;
  std::uint64_t step_ = 0;
  double last_potential_ = 0.0;
  double last_step_size_ = 0.0;
};

}  // namespace sgmc::samplers
