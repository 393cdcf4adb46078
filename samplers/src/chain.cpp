#include "sgmc/samplers/chain.hpp"

#include "sgmc/core/rng.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <utility>

namespace sgmc::samplers {
namespace {

/// Gradients up to this size cannot make a finite θ overflow in one step of any kernel at any
/// sane step size (ε·|∇Û| ≤ 1e30 ≪ FLT_MAX ≈ 3.4e38).
constexpr float kSafeGradient = 1e30f;

/// Whether every |g_i| <= limit (so no NaN, no inf), in one read-only pass that vectorises: on
/// non-negative floats the order of the bit patterns is the order of the values, and NaN and
/// inf sit above every finite limit.
bool all_below(std::span<const float> g, float limit) {
  const std::uint32_t lim = std::bit_cast<std::uint32_t>(limit);
  std::uint32_t bad = 0;
  for (const float v : g) bad |= (std::bit_cast<std::uint32_t>(v) & 0x7fffffffu) > lim;
  return bad == 0;
}

}  // namespace

chain::chain(gradient_source& source, sampler& kernel, schedule sched, chain_params params,
             std::span<const float> theta0)
    : source_(source),
      kernel_(kernel),
      sched_(std::move(sched)),
      params_(std::move(params)),
      theta_(source.dim()),
      grad_(source.dim()),
      backup_(source.dim()),
      batches_(source.data_size(),
               minibatcher_params{params_.seed, params_.chain, params_.batch_size, params_.rows}) {
  init_error_ = check(theta0);
  if (!init_error_) theta_.assign(theta0);
}

expected<chain> chain::make(gradient_source& source, sampler& kernel, schedule sched,
                            chain_params params, std::span<const float> theta0) {
  chain c(source, kernel, std::move(sched), std::move(params), theta0);
  if (c.init_error_) return unexpected(*c.init_error_);
  return c;
}

expected<void> chain::status() const {
  if (init_error_) return unexpected(*init_error_);
  return {};
}

std::optional<error> chain::check(std::span<const float> theta0) const {
  const std::size_t dim = source_.dim(), n = source_.data_size();
  if (theta0.size() != dim)
    return error{errc::dimension_mismatch,
                 fmt::format("chain: the initial θ has {} values, the target's dim is {}",
                             theta0.size(), dim)};
  if (kernel_.dim() != dim)
    return error{errc::dimension_mismatch,
                 fmt::format("chain: the sampler was made for dim {}, the target's dim is {}",
                             kernel_.dim(), dim)};
  for (std::size_t i = 0; i < dim; ++i) {
    if (!std::isfinite(theta0[i]))
      return error{errc::invalid_argument,
                   fmt::format("chain: the initial θ[{}] is {}", i, theta0[i])};
  }
  return minibatcher::check(n, params_.batch_size, params_.rows, "chain");
}

expected<void> chain::step() {
  if (init_error_) return unexpected(*init_error_);
  const std::uint64_t t = step_;
  const double eps = sched_.at(t);
  const auto batch = batches_.next();
  const core::rng_key grad_key{params_.seed, params_.chain, t, core::rng_stream::grad_noise};
  const std::span<float> grad = grad_.span();
  const double u = source_.minibatch(theta(), batch, grad_key, grad);
  if (!std::isfinite(u))
    return make_error(errc::diverged,
                      fmt::format("diverged at step {}: the potential Û(θ) is {}", t, u));
  // θ is copied aside only when the gradient could break it: a finite θ stepped with a
  // gradient below kSafeGradient stays finite unless θ or the kernel's state is itself within
  // a step of FLT_MAX. The scan reads ∇Û once (still in cache); the copy would read θ and
  // write as much again.
  const bool backed_up = !all_below(grad, kSafeGradient);
  if (backed_up) std::copy_n(theta_.data(), theta_.size(), backup_.data());
  const step_info info{t, static_cast<float>(eps),
                       core::rng_key{params_.seed, params_.chain, t, core::rng_stream::noise}};
  if (!kernel_.step(mutable_theta(), grad, info)) {
    if (backed_up) std::copy_n(backup_.data(), backup_.size(), theta_.data());
    return make_error(errc::diverged,
                      fmt::format("diverged at step {}: θ turned non-finite in the {} update "
                                  "(step size {:g}, Û(θ) = {:g}); {}",
                                  t, kernel_.name(), eps, u,
                                  backed_up ? "θ is restored to its value before the step"
                                            : "θ overflowed from finite values and is left as "
                                              "the update made it"));
  }
  ++step_;
  last_potential_ = u;
  last_step_size_ = eps;
  return {};
}

}  // namespace sgmc::samplers
