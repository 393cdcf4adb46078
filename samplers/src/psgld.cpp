#include "sgmc/samplers/psgld.hpp"

#include "kernel_loop.hpp"
#include "sgmc/core/assert.hpp"

#include <cmath>

namespace sgmc::samplers {
namespace {

struct psgld_coefficients {
  float alpha, one_minus, lambda, drift, scale;  // one_minus = (1 − α)/N²
};

// A plain loop (vectorised by the compiler), not an Eigen expression: Eigen's vectorised sqrt
// is a refined reciprocal square root whose last bit differs from its scalar path, which would
// make the result depend on the vector's alignment. With -fno-math-errno (this target's flags)
// std::sqrt is the correctly rounded vsqrtps/sqrtss in the vector body and the remainder alike.
template <bool Noisy>
bool update_block(float* t, float* V, const float* g, const float* z, std::size_t n,
                  const psgld_coefficients& c) {
  for (std::size_t j = 0; j < n; ++j) {
    const float v = c.alpha * V[j] + c.one_minus * g[j] * g[j];
    V[j] = v;
    const float G = 1.0f / (c.lambda + std::sqrt(v));
    if constexpr (Noisy) {
      t[j] = t[j] - c.drift * G * g[j] + c.scale * std::sqrt(G) * z[j];
    } else {
      t[j] = t[j] - c.drift * G * g[j];
    }
  }
  // V = inf would freeze θ (G = 0) without making it non-finite: check both.
  return detail::all_finite(t, n) && detail::all_finite(V, n);
}

}  // namespace

psgld::psgld(std::size_t dim, double decay, double eps, double temperature, std::size_t data_size)
    : dim_(dim),
      decay_(decay),
      eps_(eps),
      temperature_(temperature),
      grad_scale_(data_size > 0 ? 1.0 / static_cast<double>(data_size) : 1.0),
      mean_square_(dim) {
  SGMC_ASSERT(decay >= 0.0 && decay < 1.0, "psgld: decay must be in [0, 1)");
  SGMC_ASSERT(eps > 0.0, "psgld: eps must be > 0");
  SGMC_ASSERT(temperature >= 0.0, "psgld: temperature must be >= 0");
}

bool psgld::step(std::span<float> theta, std::span<const float> grad, const step_info& info) {
  SGMC_ASSERT(theta.size() == dim_ && grad.size() == dim_, "psgld: vector length != dim");
  const double eps = info.step_size;
  const psgld_coefficients c{static_cast<float>(decay_),
                             static_cast<float>((1.0 - decay_) * grad_scale_ * grad_scale_),
                             static_cast<float>(eps_), static_cast<float>(0.5 * eps),
                             static_cast<float>(std::sqrt(eps * temperature_))};
  float* th = theta.data();
  float* ms = mean_square_.data();
  const float* g = grad.data();
  if (!is_stochastic()) {
    return detail::for_each_block(dim_, [&](std::size_t b, std::size_t n) {
      return update_block<false>(th + b, ms + b, g + b, nullptr, n, c);
    });
  }
  core::rng_key key = info.key;
  key.stream = core::rng_stream::noise;
  const detail::streams data{{th, ms}, g, dim_};
  return detail::for_each_noise_block(
      dim_, key, info.offset, data, [&](std::size_t b, std::size_t n, auto z) {
        return update_block<true>(th + b, ms + b, g + b, z.data(), n, c);
      });
}

}  // namespace sgmc::samplers
