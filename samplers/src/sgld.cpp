#include "sgmc/samplers/sgld.hpp"

#include "kernel_loop.hpp"
#include "sgmc/core/assert.hpp"

#include <cmath>
#include <utility>

namespace sgmc::samplers {

sgld::sgld(std::size_t dim, double temperature, std::string name)
    : dim_(dim), temperature_(temperature), name_(std::move(name)) {
  SGMC_ASSERT(temperature >= 0.0, "sgld: temperature must be >= 0");
}

bool sgld::step(std::span<float> theta, std::span<const float> grad, const step_info& info) {
  SGMC_ASSERT(theta.size() == dim_ && grad.size() == dim_, "sgld: vector length != dim");
  const double eps = info.step_size;
  const auto drift = static_cast<float>(0.5 * eps);
  float* th = theta.data();
  const float* g = grad.data();
  if (!is_stochastic()) {
    return detail::for_each_block(dim_, [=](std::size_t b, std::size_t n) {
      auto t = detail::block_of(th, b, n);
      t -= drift * detail::block_of(g, b, n);
      return detail::all_finite(t);  // T = 0: SGD
    });
  }
  const auto scale = static_cast<float>(std::sqrt(eps * temperature_));
  core::rng_key key = info.key;
  key.stream = core::rng_stream::noise;
  const detail::streams data{{th, nullptr}, g, dim_};
  return detail::for_each_noise_block(dim_, key, info.offset, data,
                                      [=](std::size_t b, std::size_t n, auto z) {
                                        auto t = detail::block_of(th, b, n);
                                        t = t - drift * detail::block_of(g, b, n) + scale * z;
                                        return detail::all_finite(t);
                                      });
}

}  // namespace sgmc::samplers
