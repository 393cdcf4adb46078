#pragma once
// pSGLD, preconditioned SGLD with an RMSprop preconditioner (Li, Chen, Carlson & Carin 2016,
// Algorithm 1, leaving out the Γ(θ) correction as they do in practice), at temperature T:
//   V ← α V + (1 − α) ḡ ⊙ ḡ,          ḡ = ∇Û(θ) / N   (the mean per-datum gradient)
//   G = 1 / (λ + √V)                  (elementwise)
//   θ ← θ − (ε/2) G ⊙ ∇Û(θ) + √(εT G) ⊙ ξ,   ξ ~ N(0, I)
// ε = info.step_size, α = rmsprop_decay in [0, 1), λ = rmsprop_eps > 0, N = data_size (the
// paper's ḡ averages the minibatch's likelihood gradients; ∇Û/N also carries the prior's
// gradient divided by N). For data-free targets (N = 0) V averages ∇Û itself. Since the
// scaling only enters V, pSGLD(ε, λ, N) equals pSGLD(εN, λN, 0) in exact arithmetic.
// V starts at 0 (reset).
// ξ_i from {info.key, stream = noise}. Memory traffic: reads θ, V, g; writes θ, V: 20 B/element.

#include "sgmc/samplers/float_buffer.hpp"
#include "sgmc/samplers/sampler.hpp"

#include <algorithm>
#include <cstddef>
#include <span>
#include <string>

namespace sgmc::samplers {

class psgld final : public sampler {
 public:
  /// 0 <= decay < 1, eps > 0, temperature >= 0 (asserted); data_size N (0: no data).
  psgld(std::size_t dim, double decay, double eps, double temperature, std::size_t data_size = 0);

  std::string name() const override { return "psgld"; }
  std::size_t dim() const override { return dim_; }
  bool step(std::span<float> theta, std::span<const float> grad, const step_info& info) override;
  void reset() override { mean_square_.fill(0.0f); }
  std::vector<float> save_state() const override {
    return {mean_square_.span().begin(), mean_square_.span().end()};
  }
  bool load_state(std::span<const float> state) override {
    if (state.size() != dim_) return false;
    std::copy(state.begin(), state.end(), mean_square_.span().begin());
    return true;
  }
  bool is_stochastic() const override { return temperature_ > 0.0; }

  /// V, the running average of g ⊙ g.
  std::span<const float> mean_square() const { return mean_square_.span(); }

 private:
  std::size_t dim_;
  double decay_;
  double eps_;
  double temperature_;
  double grad_scale_;  ///< 1/N (1 without data)
  float_buffer mean_square_;
};

}  // namespace sgmc::samplers
