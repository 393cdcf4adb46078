#include "sgmc/samplers/control_variate.hpp"

#include "sgmc/core/assert.hpp"
#include "sgmc/samplers/chain.hpp"
#include "sgmc/samplers/sgld.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace sgmc::samplers {

mode_search_params make_mode_search_params(const sampler_params& params, std::uint64_t seed,
                                           std::uint32_t chain) {
  mode_search_params m;
  m.steps = params.fp_sgd_steps;
  m.step_size = params.fp_step_size > 0.0 ? params.fp_step_size : params.step_size;
  m.batch_size = params.batch_size;
  m.seed = seed;
  m.chain = chain;
  return m;
}

expected<void> find_mode(gradient_source& source, const mode_search_params& params,
                         std::span<float> theta) {
  if (!(params.step_size > 0.0) || !std::isfinite(params.step_size)) {
    return make_error(errc::invalid_config,
                      fmt::format("sampler.fp_step_size (the sgld-fp mode search's step size) "
                                  "must be > 0 and finite, got {}",
                                  params.step_size));
  }
  if (theta.size() != source.dim()) {
    return make_error(errc::dimension_mismatch,
                      fmt::format("find_mode: θ has {} values, the target's dim is {}",
                                  theta.size(), source.dim()));
  }
  sgld kernel(source.dim(), 0.0, "sgd");  // SGD: SGLD at T = 0
  chain_params cp;
  cp.seed = params.seed;
  cp.chain = params.chain;
  cp.batch_size = params.batch_size;
  chain c(source, kernel, schedule::constant(params.step_size), std::move(cp), theta);
  if (auto ok = c.status(); !ok) return ok;
  expected<void> result;
  for (std::size_t s = 0; s < params.steps; ++s) {
    result = c.step();
    if (!result) {
      result = make_error(result.error().code, "sgld-fp mode search: " + result.error().message);
      break;
    }
  }
  std::copy(c.theta().begin(), c.theta().end(), theta.begin());
  return result;
}

control_variate_source::control_variate_source(gradient_source& inner, std::span<const float> mode)
    : inner_(inner) {
  const auto dim = static_cast<Eigen::Index>(inner.dim());
  SGMC_ASSERT(mode.size() == inner.dim(), "control_variate_source: mode length != dim");
  mode_ = Eigen::Map<const Eigen::VectorXf>(mode.data(), dim);
  full_grad_at_mode_.resize(dim);
  scratch_.resize(dim);
  potential_at_mode_ = inner_.full(mode, {full_grad_at_mode_.data(), inner.dim()});
}

double control_variate_source::minibatch(std::span<const float> theta,
                                         std::span<const std::uint32_t> indices,
                                         const core::rng_key& noise_key, std::span<float> grad) {
  SGMC_ASSERT(grad.size() == inner_.dim(), "control_variate_source: grad length != dim");
  const double u = inner_.minibatch(theta, indices, noise_key, grad);
  const double u_mode =
      inner_.minibatch(this->mode(), indices, noise_key, {scratch_.data(), inner_.dim()});
  Eigen::Map<Eigen::VectorXf> g(grad.data(), static_cast<Eigen::Index>(grad.size()));
  g += full_grad_at_mode_ - scratch_;
  return potential_at_mode_ + u - u_mode;
}

}  // namespace sgmc::samplers
