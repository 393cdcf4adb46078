#pragma once
// The update-kernel interface and its factory. One sampler object per chain: it holds the
// per-chain state (momentum, preconditioner). Each kernel's header gives its update rule.

#include "sgmc/core/error.hpp"
#include "sgmc/core/rng.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

namespace sgmc::samplers {

/// `[sampler]` hyperparameters (defaults documented in docs/config.md).
struct sampler_params {
  std::string kind = "sgld";  ///< sgld | sghmc | sghmc-euler | sghmc-exact | sgld-fp | psgld | sgd | sgd-momentum
  double step_size = 1e-4;    ///< ε (η for sghmc, h for sghmc-euler/-exact); see each kernel
  double temperature = 1.0;   ///< T: the noise variance is scaled by T (T = 0 switches noise off)
  double friction = 0.1;      ///< sghmc: α; sghmc-euler/-exact: γ; sgd-momentum: 1 − momentum
  double rmsprop_decay = 0.99;  ///< psgld: α of the running average of g²
  double rmsprop_eps = 1e-5;    ///< psgld: λ
  // sgld-fp: the mode is found first by SGD
  std::size_t fp_sgd_steps = 1000;
  double fp_step_size = 0.0;    ///< 0: use step_size
  std::size_t batch_size = 100;
};

/// Where a step stands: its index, step size and noise stream.
struct step_info {
  std::uint64_t step = 0;
  float step_size = 0.0f;
  core::rng_key key;  ///< {seed, chain, step}; kernels pick the stream (noise, noise2)
};

class sampler {
 public:
  virtual ~sampler() = default;
  virtual std::string name() const = 0;
  /// One update θ ← θ' given grad = ∇Û(θ) (length dim).
  virtual void step(std::span<float> theta, std::span<const float> grad, const step_info& info) = 0;
  /// Forget the per-chain state (momentum back to zero, ...).
  virtual void reset() = 0;
  /// True when the kernel injects noise (false for sgd, sgd-momentum, or temperature 0).
  virtual bool is_stochastic() const = 0;
};

/// Builds the kernel named by params.kind for vectors of length dim. For "sgld-fp" it returns
/// the SGLD kernel; the control variate lives in the gradient (see control_variate.hpp).
expected<std::unique_ptr<sampler>> make_sampler(const sampler_params& params, std::size_t dim);

}  // namespace sgmc::samplers
