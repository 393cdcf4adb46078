#pragma once
// SGHMC (Chen, Fox & Guestrin 2014, eq. 15, with the noise estimate β̂ = 0), at temperature T:
//   v ← v − η ∇Û(θ) − α v + √(2αηT) ξ,   ξ ~ N(0, I)
//   θ ← θ + v
// η = info.step_size (a learning rate: η = h² for a leapfrog step h with unit mass),
// α = friction in (0, 1] (α = γh). v starts at 0 (reset). ξ_i from {info.key, stream = noise}.
// Memory traffic: reads θ, v, ∇Û; writes θ, v: 20 bytes per element.

#include "sgmc/samplers/float_buffer.hpp"
#include "sgmc/samplers/sampler.hpp"

#include <cstddef>
#include <span>
#include <string>

namespace sgmc::samplers {

class sghmc final : public sampler {
 public:
  /// 0 < friction <= 1, temperature >= 0 (asserted).
  sghmc(std::size_t dim, double friction, double temperature);

  std::string name() const override { return "sghmc"; }
  std::size_t dim() const override { return dim_; }
  bool step(std::span<float> theta, std::span<const float> grad, const step_info& info) override;
  void reset() override { v_.fill(0.0f); }
  bool is_stochastic() const override { return temperature_ > 0.0; }

  std::span<const float> momentum() const { return v_.span(); }

 private:
  std::size_t dim_;
  double friction_;
  double temperature_;
  float_buffer v_;
};

}  // namespace sgmc::samplers
