#pragma once
// SGHMC with the linear part integrated exactly (Cheng, Chatterji, Bartlett & Jordan 2018,
// "Underdamped Langevin MCMC: a non-asymptotic analysis", COLT, Algorithm 1 and the moments of
// its Gaussian step in their appendix; their u is T here, unit mass): the
// diffusion dθ = v dt, dv = −γ v dt − g dt + √(2γT) dB is solved exactly over one step h with
// the gradient frozen at g = ∇Û(θ). With e = exp(−γh):
//   v' = e v − ((1−e)/γ) g + ξ_v
//   θ' = θ + ((1−e)/γ) v − ((h − (1−e)/γ)/γ) g + ξ_θ
// where, per coordinate, (ξ_θ, ξ_v) is jointly Gaussian with
//   Var ξ_v = T (1 − e²),   Var ξ_θ = (T/γ²)(2γh − 3 + 4e − e²),   Cov = (T/γ)(1 − e)²
// (the Itô integrals of the OU kernel e^{−γ(h−s)} and of its time integral (1 − e^{−γ(h−s)})/γ).
// Drawn from two independent streams z1 = {key, noise}, z2 = {key, noise2} through the 2×2
// Cholesky factor: ξ_v = l11 z1, ξ_θ = l21 z1 + l22 z2. h = info.step_size, γ = friction > 0.
// Coefficients are computed in double per step, small γh by series (no cancellation).
// Memory traffic: 20 bytes per element.

#include "sgmc/samplers/momentum_sampler.hpp"

#include <cstddef>
#include <span>

namespace sgmc::samplers {

/// The per-step coefficients of sghmc_exact, in double.
struct sghmc_exact_coefficients {
  double e = 1.0;     ///< exp(−γh): v' = e v + ...
  double a_vg = 0.0;  ///< (1 − e)/γ: v' = ... − a_vg g
  double a_tv = 0.0;  ///< (1 − e)/γ: θ' = θ + a_tv v ...
  double a_tg = 0.0;  ///< (h − (1 − e)/γ)/γ: θ' = ... − a_tg g
  double var_v = 0.0, var_theta = 0.0, cov = 0.0;  ///< moments of (ξ_v, ξ_θ)
  double l11 = 0.0, l21 = 0.0, l22 = 0.0;          ///< their Cholesky factor
};

/// h > 0, friction γ > 0, temperature T >= 0.
sghmc_exact_coefficients make_sghmc_exact_coefficients(double h, double friction,
                                                       double temperature);

class sghmc_exact final : public momentum_sampler {
 public:
  /// friction > 0, temperature >= 0 (asserted).
  sghmc_exact(std::size_t dim, double friction, double temperature);

  bool step(std::span<float> theta, std::span<const float> grad, const step_info& info) override;
};

}  // namespace sgmc::samplers
