#include "sgmc/samplers/sghmc_exact.hpp"

#include "momentum_loop.hpp"
#include "sgmc/core/assert.hpp"

#include <cmath>
#include <type_traits>

namespace sgmc::samplers {
namespace {

// Below this γh the closed forms lose digits to cancellation; the series take over.
constexpr double kSeriesBelow = 0.5;

// γh − (1 − e^{−γh}) = Σ_{k≥2} (−1)^k x^k / k!
double x_minus_m(double x) {
  if (x >= kSeriesBelow) return x + std::expm1(-x);
  double xk_over_kfact = x, sum = 0.0;
  for (int k = 2; k < 40; ++k) {
    xk_over_kfact *= x / k;
    sum += (k % 2 == 0 ? 1.0 : -1.0) * xk_over_kfact;
    if (xk_over_kfact < 1e-18 * std::abs(sum)) break;
  }
  return sum;
}

// f(x) = 2x − 3 + 4e^{−x} − e^{−2x} = Σ_{k≥3} (−1)^k (4 − 2^k) x^k / k!
double var_theta_factor(double x) {
  if (x >= kSeriesBelow) return 2.0 * x - 3.0 + 4.0 * std::exp(-x) - std::exp(-2.0 * x);
  double xk_over_kfact = x * x * x / 6.0, two_k = 8.0, sum = 0.0;
  for (int k = 3; k < 60; ++k) {
    const double term = (k % 2 == 0 ? 1.0 : -1.0) * (4.0 - two_k) * xk_over_kfact;
    sum += term;
    if (std::abs(term) < 1e-18 * std::abs(sum)) break;
    xk_over_kfact *= x / (k + 1);
    two_k *= 2.0;
  }
  return sum;
}

}  // namespace

sghmc_exact_coefficients make_sghmc_exact_coefficients(double h, double friction,
                                                       double temperature) {
  SGMC_ASSERT(h > 0.0 && friction > 0.0 && temperature >= 0.0, "sghmc_exact: bad coefficients");
  const double g = friction, x = g * h, T = temperature;
  const double m = -std::expm1(-x);  // 1 − e, exact to rounding
  sghmc_exact_coefficients c;
  c.e = std::exp(-x);
  c.a_vg = m / g;
  c.a_tv = m / g;
  c.a_tg = x_minus_m(x) / (g * g);
  c.var_v = T * m * (2.0 - m);  // T (1 − e²)
  const double f = var_theta_factor(x);
  c.var_theta = T / (g * g) * f;
  c.cov = T / g * m * m;
  if (T > 0.0) {
    c.l11 = std::sqrt(c.var_v);
    c.l21 = c.cov / c.l11;
    // Var ξ_θ − Cov²/Var ξ_v = (T/γ²)(f − m³/(2 − m)): no cancellation worse than 4:1.
    c.l22 = std::sqrt(std::max(0.0, T / (g * g) * (f - m * m * m / (2.0 - m))));
  }
  return c;
}

sghmc_exact::sghmc_exact(std::size_t dim, double friction, double temperature)
    : momentum_sampler(dim, friction, temperature, "sghmc-exact") {
  SGMC_ASSERT(friction > 0.0, "sghmc_exact: friction must be > 0");
}

bool sghmc_exact::step(std::span<float> theta, std::span<const float> grad, const step_info& info) {
  SGMC_ASSERT(theta.size() == dim_ && grad.size() == dim_, "sghmc_exact: vector length != dim");
  const auto c = make_sghmc_exact_coefficients(info.step_size, friction_, temperature_);
  const auto e = static_cast<float>(c.e), a_vg = static_cast<float>(c.a_vg);
  const auto a_tv = static_cast<float>(c.a_tv), a_tg = static_cast<float>(c.a_tg);
  const auto l11 = static_cast<float>(c.l11), l21 = static_cast<float>(c.l21);
  const auto l22 = static_cast<float>(c.l22);
  auto update = [=](auto& t, auto& m, const auto& g, const auto& xi_theta, const auto& xi_v) {
    t += a_tv * m - a_tg * g + xi_theta;  // with the old v
    m = e * m - a_vg * g + xi_v;
  };
  return detail::for_each_momentum_block<detail::noise_draws::two>(
      theta.data(), v_.data(), grad.data(), dim_, info, is_stochastic(),
      [&](auto& t, auto& m, const auto& g, const auto& z) {
        if constexpr (std::is_same_v<std::decay_t<decltype(z)>, detail::no_noise>) {
          const auto zero = Eigen::ArrayXf::Zero(m.size());
          update(t, m, g, zero, zero);
        } else {
          update(t, m, g, l21 * z.z1 + l22 * z.z2, l11 * z.z1);
        }
      });
}

}  // namespace sgmc::samplers
