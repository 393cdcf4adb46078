#include "sgmc/samplers/sgd_momentum.hpp"

#include "kernel_loop.hpp"
#include "sgmc/core/assert.hpp"

namespace sgmc::samplers {

sgd_momentum::sgd_momentum(std::size_t dim, double friction)
    : dim_(dim), friction_(friction), v_(dim) {
  SGMC_ASSERT(friction > 0.0 && friction <= 1.0, "sgd_momentum: friction must be in (0, 1]");
}

bool sgd_momentum::step(std::span<float> theta, std::span<const float> grad,
                        const step_info& info) {
  SGMC_ASSERT(theta.size() == dim_ && grad.size() == dim_, "sgd_momentum: vector length != dim");
  const auto keep = static_cast<float>(1.0 - friction_);
  const float lr = info.step_size;
  float* th = theta.data();
  float* v = v_.data();
  const float* g = grad.data();
  return detail::for_each_block(dim_, [=](std::size_t b, std::size_t n) {
    auto t = detail::block_of(th, b, n);
    auto m = detail::block_of(v, b, n);
    m = keep * m - lr * detail::block_of(g, b, n);
    t += m;
    return detail::all_finite(t);
  });
}

}  // namespace sgmc::samplers
