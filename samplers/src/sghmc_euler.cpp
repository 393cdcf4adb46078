#include "sgmc/samplers/sghmc_euler.hpp"

#include "momentum_loop.hpp"
#include "sgmc/core/assert.hpp"

#include <cmath>
#include <type_traits>

namespace sgmc::samplers {

sghmc_euler::sghmc_euler(std::size_t dim, double friction, double temperature)
    : momentum_sampler(dim, friction, temperature, "sghmc-euler") {
  SGMC_ASSERT(friction > 0.0, "sghmc_euler: friction must be > 0");
}

bool sghmc_euler::step(std::span<float> theta, std::span<const float> grad, const step_info& info) {
  SGMC_ASSERT(theta.size() == dim_ && grad.size() == dim_, "sghmc_euler: vector length != dim");
  const double h = info.step_size;
  const auto keep = static_cast<float>(1.0 - h * friction_);  // v − hγv
  const auto hf = static_cast<float>(h);
  const auto scale = static_cast<float>(std::sqrt(2.0 * friction_ * h * temperature_));
  return detail::for_each_momentum_block<detail::noise_draws::one>(
      theta.data(), v_.data(), grad.data(), dim_, info, is_stochastic(),
      [=](auto& t, auto& m, const auto& g, const auto& z) {
        t += hf * m;  // with the old v
        if constexpr (std::is_same_v<std::decay_t<decltype(z)>, detail::no_noise>)
          m = keep * m - hf * g + Eigen::ArrayXf::Zero(m.size());
        else
          m = keep * m - hf * g + scale * z.z;
      });
}

}  // namespace sgmc::samplers
