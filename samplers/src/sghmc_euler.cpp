#include "sgmc/samplers/sghmc_euler.hpp"

#include "kernel_loop.hpp"
#include "sgmc/core/assert.hpp"

#include <cmath>

namespace sgmc::samplers {

sghmc_euler::sghmc_euler(std::size_t dim, double friction, double temperature)
    : dim_(dim), friction_(friction), temperature_(temperature), v_(dim) {
  SGMC_ASSERT(friction > 0.0, "sghmc_euler: friction must be > 0");
  SGMC_ASSERT(temperature >= 0.0, "sghmc_euler: temperature must be >= 0");
}

bool sghmc_euler::step(std::span<float> theta, std::span<const float> grad, const step_info& info) {
  SGMC_ASSERT(theta.size() == dim_ && grad.size() == dim_, "sghmc_euler: vector length != dim");
  const double h = info.step_size;
  const auto keep = static_cast<float>(1.0 - h * friction_);  // v − hγv
  const auto hf = static_cast<float>(h);
  const auto scale = static_cast<float>(std::sqrt(2.0 * friction_ * h * temperature_));
  float* th = theta.data();
  float* v = v_.data();
  const float* g = grad.data();
  auto update = [=](std::size_t b, std::size_t n, const auto& noise) {
    auto t = detail::block_of(th, b, n);
    auto m = detail::block_of(v, b, n);
    t += hf * m;  // with the old v
    m = keep * m - hf * detail::block_of(g, b, n) + noise;
    return detail::all_finite(t) && detail::all_finite(m);
  };
  if (!is_stochastic()) {
    return detail::for_each_block(dim_, [&](std::size_t b, std::size_t n) {
      return update(b, n, Eigen::ArrayXf::Zero(static_cast<Eigen::Index>(n)));
    });
  }
  core::rng_key key = info.key;
  key.stream = core::rng_stream::noise;
  const detail::streams data{{th, v}, g, dim_};
  return detail::for_each_noise_block(
      dim_, key, info.offset, data,
      [&](std::size_t b, std::size_t n, auto z) { return update(b, n, scale * z); });
}

}  // namespace sgmc::samplers
