#include "sgmc/samplers/sgd.hpp"

#include "kernel_loop.hpp"
#include "sgmc/core/assert.hpp"

namespace sgmc::samplers {

bool sgd::step(std::span<float> theta, std::span<const float> grad, const step_info& info) {
  SGMC_ASSERT(theta.size() == dim_ && grad.size() == dim_, "sgd: vector length != dim");
  const auto drift = static_cast<float>(0.5 * static_cast<double>(info.step_size));
  float* th = theta.data();
  const float* g = grad.data();
  return detail::for_each_block(dim_, [=](std::size_t b, std::size_t n) {
    auto t = detail::block_of(th, b, n);
    t -= drift * detail::block_of(g, b, n);
    return detail::all_finite(t);
  });
}

}  // namespace sgmc::samplers
