#include "sgmc/samplers/chain.hpp"

#include "sgmc/core/rng.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <utility>

namespace sgmc::samplers {

chain::chain(gradient_source& source, sampler& kernel, schedule sched, chain_params params,
             std::span<const float> theta0)
    : source_(source),
      kernel_(kernel),
      sched_(std::move(sched)),
      params_(std::move(params)),
      theta_(source.dim()),
      grad_(source.dim()),
      backup_(source.dim()) {
  init_error_ = check(theta0);
  if (!init_error_) theta_.assign(theta0);
  if (source_.data_size() > 0 && params_.rows.empty()) {
    params_.rows.resize(source_.data_size());
    std::iota(params_.rows.begin(), params_.rows.end(), std::uint32_t{0});
  }
  order_ = params_.rows;
  cursor_ = order_.size();  // the first batch starts epoch 0
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
  if (n == 0) return std::nullopt;
  const std::size_t rows = params_.rows.empty() ? n : params_.rows.size();
  if (params_.batch_size == 0 || params_.batch_size > rows)
    return error{errc::invalid_config,
                 fmt::format("sampler.batch_size must be in [1, {}] (the chain's rows), got {}",
                             rows, params_.batch_size)};
  for (std::uint32_t r : params_.rows) {
    if (r >= n)
      return error{errc::invalid_argument,
                   fmt::format("chain: row {} is out of range (the data has {} rows)", r, n)};
  }
  return std::nullopt;
}

void chain::shuffle() {
  // Fisher–Yates from the rows in their given order: epoch e's permutation depends only on
  // {seed, chain, e}, not on earlier epochs (std::shuffle's algorithm is not portable).
  order_ = params_.rows;
  core::philox_engine eng(
      core::rng_key{params_.seed, params_.chain, epoch_, core::rng_stream::batch});
  for (std::size_t i = order_.size(); i > 1; --i) std::swap(order_[i - 1], order_[eng.below(i)]);
}

std::span<const std::uint32_t> chain::next_batch() {
  if (source_.data_size() == 0) return {};
  const std::size_t b = params_.batch_size;
  if (cursor_ + b > order_.size()) {
    if (shuffled_) ++epoch_;
    shuffle();
    shuffled_ = true;
    cursor_ = 0;
  }
  const std::span<const std::uint32_t> batch(order_.data() + cursor_, b);
  cursor_ += b;
  return batch;
}

expected<void> chain::step() {
  if (init_error_) return unexpected(*init_error_);
  const std::uint64_t t = step_;
  const double eps = sched_.at(t);
  const auto batch = next_batch();
  const core::rng_key grad_key{params_.seed, params_.chain, t, core::rng_stream::grad_noise};
  const std::span<float> grad = grad_.span();
  const double u = source_.minibatch(theta(), batch, grad_key, grad);
  if (!std::isfinite(u))
    return make_error(errc::diverged,
                      fmt::format("diverged at step {}: the potential Û(θ) is {}", t, u));
  std::copy_n(theta_.data(), theta_.size(), backup_.data());
  const step_info info{t, static_cast<float>(eps),
                       core::rng_key{params_.seed, params_.chain, t, core::rng_stream::noise}};
  if (!kernel_.step(mutable_theta(), grad, info)) {
    std::copy_n(backup_.data(), backup_.size(), theta_.data());
    return make_error(errc::diverged,
                      fmt::format("diverged at step {}: θ turned non-finite in the {} update "
                                  "(step size {:g}, Û(θ) = {:g}); θ is restored to its value "
                                  "before the step",
                                  t, kernel_.name(), eps, u));
  }
  ++step_;
  last_potential_ = u;
  last_step_size_ = eps;
  return {};
}

}  // namespace sgmc::samplers
