#pragma once
// SGHMC as the explicit Euler–Maruyama scheme of the underdamped Langevin diffusion
//   dθ = v dt,   dv = −γ v dt − ∇U(θ) dt + √(2γT) dB
// (Gao, Gürbüzbalaban & Zhu, "Global convergence of stochastic gradient Hamiltonian Monte Carlo
// for non-convex stochastic optimization", Oper. Res. 2022, arXiv:1809.04618: the first of the
// two SGHMC discretisations they study), unit mass:
//   v' = v − h (γ v + ∇Û(θ)) + √(2γhT) ξ,   ξ ~ N(0, I)
//   θ' = θ + h v            (the old v)
// h = info.step_size, γ = friction > 0; v starts at 0. ξ_i from {info.key, stream = noise}.
// Memory traffic: 20 bytes per element.

#include "sgmc/samplers/momentum_sampler.hpp"

#include <cstddef>
#include <span>

namespace sgmc::samplers {

class sghmc_euler final : public momentum_sampler {
 public:
  /// friction > 0, temperature >= 0 (asserted).
  sghmc_euler(std::size_t dim, double friction, double temperature);

  bool step(std::span<float> theta, std::span<const float> grad, const step_info& info) override;
};

}  // namespace sgmc::samplers
