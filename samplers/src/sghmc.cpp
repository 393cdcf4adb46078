#include "sgmc/samplers/sghmc.hpp"

#include "kernel_loop.hpp"
#include "sgmc/core/assert.hpp"

#include <cmath>

namespace sgmc::samplers {

sghmc::sghmc(std::size_t dim, double friction, double temperature)
    : dim_(dim), friction_(friction), temperature_(temperature), v_(dim) {
  SGMC_ASSERT(friction > 0.0 && friction <= 1.0, "sghmc: friction must be in (0, 1]");
  SGMC_ASSERT(temperature >= 0.0, "sghmc: temperature must be >= 0");
}

bool sghmc::step(std::span<float> theta, std::span<const float> grad, const step_info& info) {
  SGMC_ASSERT(theta.size() == dim_ && grad.size() == dim_, "sghmc: vector length != dim");
  const double eta = info.step_size;
  const auto keep = static_cast<float>(1.0 - friction_);  // v − αv
  const auto lr = static_cast<float>(eta);
  float* th = theta.data();
  float* v = v_.data();
  const float* g = grad.data();
  if (!is_stochastic()) {
    return detail::for_each_block(dim_, [=](std::size_t b, std::size_t n) {
      auto t = detail::block_of(th, b, n);
      auto m = detail::block_of(v, b, n);
      m = keep * m - lr * detail::block_of(g, b, n);
      t += m;
      return detail::all_finite(t);
    });
  }
  const auto scale = static_cast<float>(std::sqrt(2.0 * friction_ * eta * temperature_));
  core::rng_key key = info.key;
  key.stream = core::rng_stream::noise;
  const detail::streams data{{th, v}, g, dim_};
  return detail::for_each_noise_block(
      dim_, key, info.offset, data, [=](std::size_t b, std::size_t n, auto z) {
        auto t = detail::block_of(th, b, n);
        auto m = detail::block_of(v, b, n);
        m = keep * m - lr * detail::block_of(g, b, n) + scale * z;
        t += m;
        return detail::all_finite(t);  // a non-finite v makes θ non-finite too
      });
}

}  // namespace sgmc::samplers
