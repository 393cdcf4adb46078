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

#include "sgmc/samplers/float_buffer.hpp"
#include "sgmc/samplers/sampler.hpp"

#include <cstddef>
#include <span>
#include <string>

namespace sgmc::samplers {

class sghmc_euler final : public sampler {
 public:
  /// friction > 0, temperature >= 0 (asserted).
  sghmc_euler(std::size_t dim, double friction, double temperature);

  std::string name() const override { return "sghmc-euler"; }
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
