#pragma once
// SGHMC (Chen, Fox & Guestrin 2014, eq. 15, with the noise estimate β̂ = 0), at temperature T:
//   v ← v − η ∇Û(θ) − α v + √(2αηT) ξ,   ξ ~ N(0, I)
//   θ ← θ + v
// η = info.step_size (a learning rate: η = h² for a leapfrog step h with unit mass),
// α = friction in (0, 1] (α = γh). v starts at 0 (reset). ξ_i from {info.key, stream = noise}.
// At T = 0 it is SGD with momentum (their §3.3; α = 1 − the usual momentum), the kind
// "sgd-momentum": v ← (1 − α) v − η ∇Û(θ), θ ← θ + v, and no noise is drawn.
// Memory traffic: reads θ, v, ∇Û; writes θ, v: 20 bytes per element.

#include "sgmc/samplers/momentum_sampler.hpp"

#include <cstddef>
#include <span>
#include <string>

namespace sgmc::samplers {

class sghmc final : public momentum_sampler {
 public:
  /// 0 < friction <= 1, temperature >= 0 (asserted).
  sghmc(std::size_t dim, double friction, double temperature, std::string name = "sghmc");

  bool step(std::span<float> theta, std::span<const float> grad, const step_info& info) override;
};

}  // namespace sgmc::samplers
