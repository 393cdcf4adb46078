#include "sgmc/samplers/sghmc.hpp"

#include "momentum_loop.hpp"
#include "sgmc/core/assert.hpp"

#include <cmath>
#include <type_traits>
#include <utility>

namespace sgmc::samplers {

sghmc::sghmc(std::size_t dim, double friction, double temperature, std::string name)
    : momentum_sampler(dim, friction, temperature, std::move(name)) {
  SGMC_ASSERT(friction > 0.0 && friction <= 1.0, "sghmc: friction must be in (0, 1]");
}

bool sghmc::step(std::span<float> theta, std::span<const float> grad, const step_info& info) {
  SGMC_ASSERT(theta.size() == dim_ && grad.size() == dim_, "sghmc: vector length != dim");
  const double eta = info.step_size;
  const auto keep = static_cast<float>(1.0 - friction_);  // v − αv
  const auto lr = static_cast<float>(eta);
  const auto scale = static_cast<float>(std::sqrt(2.0 * friction_ * eta * temperature_));
  return detail::for_each_momentum_block<detail::noise_draws::one>(
      theta.data(), v_.data(), grad.data(), dim_, info, is_stochastic(),
      [=](auto& t, auto& m, const auto& g, const auto& z) {
        if constexpr (std::is_same_v<std::decay_t<decltype(z)>, detail::no_noise>)
          m = keep * m - lr * g;  // T = 0: SGD with momentum
        else
          m = keep * m - lr * g + scale * z.z;
        t += m;
      });
}

}  // namespace sgmc::samplers
