#pragma once
// SGLD-FP (Brosse, Durmus & Moulines 2018, "The promises and pitfalls of stochastic gradient
// Langevin dynamics", NeurIPS, §3.3): control variates at a mode θ̂.
//   ∇Ũ(θ) = ∇U(θ̂) + ∇Û_B(θ) − ∇Û_B(θ̂)
//   Ũ(θ)  = U(θ̂) + Û_B(θ) − Û_B(θ̂)
// where ∇U(θ̂), U(θ̂) are full-data values at θ̂ (computed once) and both minibatch terms use the
// same batch B and the same gradient-noise key (so synthetic noise cancels as real minibatch
// noise does). ∇Ũ is unbiased for any θ̂; near the mode its variance is O(‖θ − θ̂‖²) instead of
// O(1). θ̂ is found first by SGD (find_mode). The SGLD kernel then runs on ∇Ũ.
// Cost: two minibatch gradients per step.
//
// Wiring for sampler.kind = "sgld-fp" (what the tools do):
//   find_mode(source, make_mode_search_params(params, seed, chain), theta);
//   control_variate_source cv(source, theta);   // then a chain on cv with make_sampler(params)

#include "sgmc/core/error.hpp"
#include "sgmc/samplers/gradient_source.hpp"
#include "sgmc/samplers/sampler.hpp"

#include <Eigen/Core>

#include <cstddef>
#include <cstdint>
#include <span>

namespace sgmc::samplers {

struct mode_search_params {
  std::size_t steps = 1000;
  double step_size = 1e-4;  ///< SGD: θ ← θ − (ε/2) ∇Û(θ), the SGLD drift without noise
  std::size_t batch_size = 100;
  std::uint64_t seed = 1;
  std::uint32_t chain = 0;
};

/// The mode search of an "sgld-fp" sampler: fp_sgd_steps steps of size fp_step_size (or
/// step_size when 0) with the sampler's batch size.
mode_search_params make_mode_search_params(const sampler_params& params, std::uint64_t seed,
                                           std::uint32_t chain);

/// Runs SGD from theta (in place), with the minibatches of a chain {seed, chain}. Fails with
/// errc::diverged if it turns non-finite (theta then holds the last finite iterate), with
/// errc::invalid_config for a bad step size or batch size and errc::dimension_mismatch when
/// theta's length is not source.dim().
expected<void> find_mode(gradient_source& source, const mode_search_params& params,
                         std::span<float> theta);

/// A gradient_source that returns ∇Ũ(θ) around a fixed mode.
class control_variate_source final : public gradient_source {
 public:
  /// Computes ∇U(mode) once with inner.full(). inner must outlive this object;
  /// mode.size() == inner.dim() (asserted).
  control_variate_source(gradient_source& inner, std::span<const float> mode);

  std::span<const float> mode() const {
    return {mode_.data(), static_cast<std::size_t>(mode_.size())};
  }
  /// U(θ̂); not finite when the mode search ended somewhere the target is not defined.
  double potential_at_mode() const { return potential_at_mode_; }

  std::size_t dim() const override { return inner_.dim(); }
  std::size_t data_size() const override { return inner_.data_size(); }
  double minibatch(std::span<const float> theta, std::span<const std::uint32_t> indices,
                   const core::rng_key& noise_key, std::span<float> grad) override;
  double full(std::span<const float> theta, std::span<float> grad) override {
    return inner_.full(theta, grad);
  }

 private:
  gradient_source& inner_;
  Eigen::VectorXf mode_, full_grad_at_mode_, scratch_;
  double potential_at_mode_ = 0.0;
};

}  // namespace sgmc::samplers
