#pragma once
// SGLD, stochastic gradient Langevin dynamics (Welling & Teh 2011, eq. 4), at temperature T:
//   θ ← θ − (ε/2) ∇Û(θ) + √(εT) ξ,   ξ ~ N(0, I)
// ε = info.step_size; ξ_i = core::fill_normal({info.key, stream = noise}, i). Stateless.
// Also the kernel of SGLD-FP (name "sgld-fp"): there ∇Û is the control-variate gradient.
// At T = 0 it is plain SGD, the kind "sgd" (the baseline, and SGLD-FP's mode search):
//   θ ← θ − (ε/2) ∇Û(θ), and no noise is drawn.
// Memory traffic: reads θ and ∇Û, writes θ: 12 bytes per element.

#include "sgmc/samplers/sampler.hpp"

#include <cstddef>
#include <span>
#include <string>

namespace sgmc::samplers {

class sgld final : public sampler {
 public:
  /// temperature >= 0 (asserted; make_sampler validates user input).
  sgld(std::size_t dim, double temperature, std::string name = "sgld");

  std::string name() const override { return name_; }
  std::size_t dim() const override { return dim_; }
  bool step(std::span<float> theta, std::span<const float> grad, const step_info& info) override;
  void reset() override {}
  bool is_stochastic() const override { return temperature_ > 0.0; }

 private:
  std::size_t dim_;
  double temperature_;
  std::string name_;
};

}  // namespace sgmc::samplers
