#pragma once
// Initial parameters shared by the linear models.

#include "sgmc/core/rng.hpp"

#include <span>

namespace sgmc::models::detail {

/// Standard deviation of the small normal start of linreg, logreg and softmax.
inline constexpr float kLinearInitStd = 0.01f;

/// theta = std · fill_normal({key, stream = init}, 0, ·).
inline void small_normal_init(const core::rng_key& key, float std, std::span<float> theta) {
  core::rng_key k = key;
  k.stream = core::rng_stream::init;
  core::fill_normal(k, 0, theta);
  for (auto& t : theta) t *= std;
}

}  // namespace sgmc::models::detail
