#include "sgmc/samplers/minibatcher.hpp"

#include "sgmc/core/rng.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <numeric>
#include <utility>

namespace sgmc::samplers {

minibatcher::minibatcher(std::size_t data_size, minibatcher_params params)
    : data_size_(data_size), params_(std::move(params)) {
  if (data_size_ > 0 && params_.rows.empty()) {
    params_.rows.resize(data_size_);
    std::iota(params_.rows.begin(), params_.rows.end(), std::uint32_t{0});
  }
  // Unchecked input must not read out of bounds: a batch never exceeds the rows.
  if (!params_.rows.empty())
    params_.batch_size = std::clamp<std::size_t>(params_.batch_size, 1, params_.rows.size());
  order_ = params_.rows;
  cursor_ = order_.size();  // the first batch starts epoch 0
}

std::optional<error> minibatcher::check(std::size_t n, std::size_t batch_size,
                                        std::span<const std::uint32_t> rows, const char* who) {
  if (n == 0) return std::nullopt;
  const std::size_t count = rows.empty() ? n : rows.size();
  if (batch_size == 0 || batch_size > count)
    return error{errc::invalid_config,
                 fmt::format("sampler.batch_size must be in [1, {}] (the {}'s rows), got {}", count,
                             who, batch_size)};
  for (std::uint32_t r : rows) {
    if (r >= n)
      return error{errc::invalid_argument,
                   fmt::format("{}: row {} is out of range (the data has {} rows)", who, r, n)};
  }
  return std::nullopt;
}

expected<minibatcher> minibatcher::make(std::size_t data_size, minibatcher_params params) {
  if (auto e = check(data_size, params.batch_size, params.rows)) return unexpected(*e);
  return minibatcher(data_size, std::move(params));
}

void minibatcher::shuffle() {
  // Fisher–Yates from the rows in their given order: epoch e's permutation depends only on
  // {seed, chain, e}, not on earlier epochs (std::shuffle's algorithm is not portable).
  order_ = params_.rows;
  core::philox_engine eng(
      core::rng_key{params_.seed, params_.chain, epoch_, core::rng_stream::batch});
  for (std::size_t i = order_.size(); i > 1; --i) std::swap(order_[i - 1], order_[eng.below(i)]);
}

std::span<const std::uint32_t> minibatcher::next() {
  if (data_size_ == 0) return {};
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

}  // namespace sgmc::samplers
