#pragma once
// The loop of the SGHMC family (momentum_sampler): θ, v and ∇Û streamed block by block
// (kernel_loop.hpp: chunks independent of the thread count, element i's noise from its own
// counter), the kernel's update applied to each block, and the finiteness check of θ and v on
// the block while it is still in L1. A kernel gives only its update rule:
//   update(t, m, g, z)
// with t, m the block of θ and v (writable Eigen maps), g the block of ∇Û and z the block's
// noise: no_noise{} at temperature 0 (no draws at all), one_noise{z} or two_noise{z1, z2}
// (streams noise and noise2 of info.key, at element info.offset + i).

#include "kernel_loop.hpp"
#include "sgmc/samplers/sampler.hpp"

#include <cstddef>

namespace sgmc::samplers::detail {

struct no_noise {};
struct one_noise {
  const_array_map z;
};
struct two_noise {
  const_array_map z1, z2;
};

/// How many N(0, 1) draws per element a kernel needs when it is stochastic.
enum class noise_draws { one, two };

/// Runs update over [0, dim) as the header says; true when θ and v stay finite.
template <noise_draws Draws, class Update>
bool for_each_momentum_block(float* theta, float* v, const float* grad, std::size_t dim,
                             const step_info& info, bool stochastic, Update&& update) {
  auto at = [=, &update](std::size_t b, std::size_t n, const auto& z) {
    auto t = block_of(theta, b, n);
    auto m = block_of(v, b, n);
    update(t, m, block_of(grad, b, n), z);
    return all_finite(t) && all_finite(m);
  };
  if (!stochastic)
    return for_each_block(dim, [&](std::size_t b, std::size_t n) { return at(b, n, no_noise{}); });
  const streams data{{theta, v}, grad, dim};
  if constexpr (Draws == noise_draws::two) {
    return for_each_noise2_block(dim, info.key, info.offset, data,
                                 [&](std::size_t b, std::size_t n, auto z1, auto z2) {
                                   return at(b, n, two_noise{z1, z2});
                                 });
  } else {
    core::rng_key key = info.key;
    key.stream = core::rng_stream::noise;
    return for_each_noise_block(
        dim, key, info.offset, data,
        [&](std::size_t b, std::size_t n, auto z) { return at(b, n, one_noise{z}); });
  }
}

}  // namespace sgmc::samplers::detail
