#pragma once
// One Markov chain: minibatch selection, gradient estimate, kernel step, divergence check.
//
// Minibatches are drawn by random reshuffling (samplers::minibatcher with chain = the chain's
// index): each epoch is a fresh permutation of the chain's rows (all rows, or a shard), taken
// batch_size at a time, from the Philox stream {seed, chain, epoch, rng_stream::batch} (a
// Fisher–Yates shuffle of the rows in the order given, so a chain is reproducible from its seed
// alone). An epoch's last rows that do not fill a whole batch are skipped (every batch has
// exactly batch_size rows; the next epoch's permutation is fresh). Data-free sources
// (data_size() == 0) get empty index spans.
//
// Step t (counting from 0) uses the schedule's ε_t, the gradient-noise key
// {seed, chain, t, grad_noise} and the kernel noise key {seed, chain, t, noise}.
//
// Bad input never aborts: construction checks it, and a chain built from bad input reports the
// error from status() and from every step(). In particular batch_size > the number of rows is
// an error (errc::invalid_config naming sampler.batch_size), not silently clamped.
//
// Divergence: if Û(θ) or the updated θ (or the kernel's state) is non-finite, step() returns
// errc::diverged "diverged at step N: ..." and θ is restored to its value before the step. No
// full copy of θ is kept for this on ordinary steps: the finiteness check of θ is fused into
// the kernel's pass, and a read-only scan of ∇Û decides whether the step could break θ (∇Û
// non-finite or above 1e30 in size); only then is θ copied aside first. A step with a finite
// ∇Û below that size can only break a θ (or a kernel state) that is already within a step of
// FLT_MAX ≈ 3.4e38; such an overflow is reported as well, with θ left as the update made it.
// The kernel's state is left as the failing step made it: reset() it before going on.

#include "sgmc/core/error.hpp"
#include "sgmc/samplers/float_buffer.hpp"
#include "sgmc/samplers/gradient_source.hpp"
#include "sgmc/samplers/minibatcher.hpp"
#include "sgmc/samplers/sampler.hpp"
#include "sgmc/samplers/schedule.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace sgmc::samplers {

struct chain_params {
  std::uint64_t seed = 1;
  std::uint32_t chain = 0;
  std::size_t batch_size = 100;     ///< rows per minibatch, 1 <= batch_size <= rows (data only)
  std::vector<std::uint32_t> rows;  ///< the rows this chain may use; empty: all N rows
};

class chain {
 public:
  /// The chain starts at theta0 (length source.dim()). source and kernel must outlive it.
  /// Never aborts on bad input: see status().
  chain(gradient_source& source, sampler& kernel, schedule sched, chain_params params,
        std::span<const float> theta0);

  /// The same, returning the construction error (if any) instead of a chain.
  static expected<chain> make(gradient_source& source, sampler& kernel, schedule sched,
                              chain_params params, std::span<const float> theta0);

  /// Whether construction succeeded: errc::dimension_mismatch (θ0 or the kernel vs the
  /// source's dim), errc::invalid_config (batch_size), errc::invalid_argument (a row index out
  /// of range, a non-finite θ0).
  expected<void> status() const;

  /// One step. Fails with errc::diverged ("diverged at step N: ...") when Û(θ) or θ turns
  /// non-finite; θ is then left as it was before the failing step (except after an overflow of
  /// finite values, see the header comment).
  expected<void> step();

  std::span<const float> theta() const { return theta_.span(); }
  std::span<float> mutable_theta() { return theta_.span(); }
  std::uint64_t steps_done() const { return step_; }
  std::uint64_t epoch() const { return batches_.epoch(); }
  double last_potential() const { return last_potential_; }
  double last_step_size() const { return last_step_size_; }

 private:
  std::optional<error> check(std::span<const float> theta0) const;

  gradient_source& source_;
  sampler& kernel_;
  schedule sched_;
  chain_params params_;
  std::optional<error> init_error_;
  float_buffer theta_, grad_, backup_;  // huge-page backed when large (float_buffer.hpp)
  minibatcher batches_;
  std::uint64_t step_ = 0;
  double last_potential_ = 0.0;
  double last_step_size_ = 0.0;
};

}  // namespace sgmc::samplers
