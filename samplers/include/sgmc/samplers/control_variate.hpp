#pragma once
// SGLD-FP (Brosse, Durmus & Moulines 2018, §3.3): control variates at a mode θ̂.
//   ∇Ũ(θ) = ∇U(θ̂) + ∇Û_B(θ) − ∇Û_B(θ̂)
// where ∇U(θ̂) is the full-data gradient at θ̂ (computed once) and both minibatch terms use the
// same batch B. θ̂ is found first by SGD (find_mode). The SGLD kernel then runs on ∇Ũ.

#include "sgmc/core/error.hpp"
#include "sgmc/samplers/gradient_source.hpp"

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

/// Runs SGD from theta (in place). Fails with errc::diverged if it turns non-finite.
expected<void> find_mode(gradient_source& source, const mode_search_params& params,
                         std::span<float> theta);

/// A gradient_source that returns ∇Ũ(θ) around a fixed mode.
class control_variate_source final : public gradient_source {
 public:
  /// Computes ∇U(mode) once with inner.full(). inner must outlive this object.
  control_variate_source(gradient_source& inner, std::span<const float> mode);

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
};

}  // namespace sgmc::samplers
