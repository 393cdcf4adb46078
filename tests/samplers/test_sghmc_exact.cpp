// The moments of sghmc-exact's Gaussian step, checked three ways: against numerical quadrature
// of the Itô integrals they come from, against the kernel's own draws, and through the scheme's
// stationary variance on a quadratic U as the step size goes to 0.

#include "moments.hpp"
#include "sgmc/samplers/sghmc_exact.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

namespace {

namespace sm = sgmc::samplers;

// Simpson's rule with 20000 intervals on smooth integrands: relative error < 1e-12.
template <class F>
double simpson(F f, double a, double b) {
  const int n = 20000;
  const double h = (b - a) / n;
  double s = f(a) + f(b);
  for (int i = 1; i < n; ++i) s += f(a + i * h) * (i % 2 ? 4.0 : 2.0);
  return s * h / 3.0;
}

constexpr double kQuadratureRelTol = 1e-9;

}  // namespace

TEST_CASE("sghmc-exact's noise moments are the Itô integrals of the OU step",
          "[samplers][sghmc-exact]") {
  // Over one step the noise enters as ∫ e^{−γ(h−s)} √(2γT) dB_s in v and as
  // ∫ (1 − e^{−γ(h−s)})/γ √(2γT) dB_s in θ: their (co)variances are 2γT ∫ of the products.
  for (double h : {1e-3, 0.05, 0.3, 0.5, 0.7, 2.0}) {
    for (double g : {0.1, 1.0, 3.0}) {
      const double T = 0.7;
      const auto c = sm::make_sghmc_exact_coefficients(h, g, T);
      const double var_v =
          2 * g * T * simpson([&](double u) { return std::exp(-2 * g * u); }, 0, h);
      const double var_t = 2 * g * T *
                           simpson(
                               [&](double u) {
                                 const double k = (1 - std::exp(-g * u)) / g;
                                 return k * k;
                               },
                               0, h);
      const double cov =
          2 * g * T *
          simpson([&](double u) { return std::exp(-g * u) * (1 - std::exp(-g * u)) / g; }, 0, h);
      CAPTURE(h, g);
      CHECK(c.var_v == Approx(var_v).epsilon(kQuadratureRelTol));
      CHECK(c.var_theta == Approx(var_t).epsilon(kQuadratureRelTol));
      CHECK(c.cov == Approx(cov).epsilon(kQuadratureRelTol));
      // The deterministic part: v' = e v − a_vg g, θ' = θ + a_tv v − a_tg g.
      CHECK(c.e == Approx(std::exp(-g * h)).epsilon(1e-15));
      CHECK(c.a_vg == Approx(simpson([&](double u) { return std::exp(-g * u); }, 0, h))
                          .epsilon(kQuadratureRelTol));
      CHECK(c.a_tg == Approx(simpson([&](double u) { return (1 - std::exp(-g * u)) / g; }, 0, h))
                          .epsilon(kQuadratureRelTol));
      // The Cholesky factor reproduces the covariance.
      CHECK(c.l11 * c.l11 == Approx(c.var_v).epsilon(1e-13));
      CHECK(c.l11 * c.l21 == Approx(c.cov).epsilon(1e-13));
      CHECK(c.l21 * c.l21 + c.l22 * c.l22 == Approx(c.var_theta).epsilon(1e-12));
    }
  }
}

TEST_CASE("sghmc-exact's coefficients keep their digits as γh goes to 0",
          "[samplers][sghmc-exact]") {
  // Leading terms: Var ξ_θ ≈ (T/γ²)(2/3)(γh)³, a_tg ≈ h²/2, and the conditional variance
  // l22² ≈ (T/γ²)(γh)³/6 — where the closed forms would cancel catastrophically.
  for (double x : {1e-9, 1e-6, 1e-4}) {
    const double g = 2.0, h = x / g, T = 1.0;
    const auto c = sm::make_sghmc_exact_coefficients(h, g, T);
    CAPTURE(x);
    CHECK(c.var_theta ==
          Approx(T / (g * g) * (2.0 / 3.0) * x * x * x * (1 - 0.75 * x)).epsilon(1e-6));
    CHECK(c.a_tg == Approx(h * h / 2 * (1 - x / 3)).epsilon(1e-6));
    CHECK(c.l22 * c.l22 == Approx(T / (g * g) * x * x * x / 6).epsilon(1e-3));
  }
  // No jump where the series hands over to the closed forms (γh = 0.5).
  const auto below = sm::make_sghmc_exact_coefficients(0.5 * (1 - 1e-12), 1.0, 1.0);
  const auto above = sm::make_sghmc_exact_coefficients(0.5 * (1 + 1e-12), 1.0, 1.0);
  CHECK(below.var_theta == Approx(above.var_theta).epsilon(1e-10));
  CHECK(below.a_tg == Approx(above.a_tg).epsilon(1e-10));
  const auto zero_t = sm::make_sghmc_exact_coefficients(0.1, 1.0, 0.0);
  CHECK(zero_t.l11 == 0.0);
  CHECK(zero_t.l22 == 0.0);
}

TEST_CASE("sghmc-exact draws (ξ_θ, ξ_v) with the stated covariance", "[samplers][sghmc-exact]") {
  // With g = 0 and θ = v = 0, one step leaves θ' = ξ_θ and v' = ξ_v in every coordinate.
  const std::size_t n = 1 << 20;
  const double h = 0.3, gamma = 1.5, T = 0.9;
  sm::sghmc_exact k(n, gamma, T);
  std::vector<float> theta(n, 0.0f), grad(n, 0.0f);
  const std::uint64_t seed = 77;
  REQUIRE(k.step(theta, grad, {0, static_cast<float>(h), sgmc::core::rng_key{seed, 0, 0}}));
  double tt = 0, vv = 0, tv = 0;
  for (std::size_t i = 0; i < n; ++i) {
    tt += double(theta[i]) * theta[i];
    vv += double(k.momentum()[i]) * k.momentum()[i];
    tv += double(theta[i]) * k.momentum()[i];
  }
  const auto c = sm::make_sghmc_exact_coefficients(static_cast<float>(h), gamma, T);
  // 2^20 draws: relative standard error √(2/n) = 0.14% for the variances, less than 0.2% for
  // the covariance (correlation ~0.8): 1% is 5 standard errors or more.
  CAPTURE(seed);
  CHECK(tt / n == Approx(c.var_theta).epsilon(0.01));
  CHECK(vv / n == Approx(c.var_v).epsilon(0.01));
  CHECK(tv / n == Approx(c.cov).epsilon(0.01));
}

TEST_CASE("sghmc-exact's stationary variance on a quadratic tends to T/p as h goes to 0",
          "[samplers][sghmc-exact]") {
  // U = p θ²/2: the scheme is linear; its stationary Var θ is the exact Lyapunov solution.
  // Freezing the gradient over a step makes the scheme first order: Var θ = (T/p)(1 + O(h)).
  for (double p : {0.3, 1.0, 4.0}) {
    for (double gamma : {0.5, 2.0}) {
      double previous_bias = 0.0;
      for (double h : {0.1, 0.01, 0.001}) {
        const double T = 1.3;
        const auto c = sm::make_sghmc_exact_coefficients(h, gamma, T);
        Eigen::MatrixXd A(2, 2), Q(2, 2);
        A << 1 - c.a_tg * p, c.a_tv, -c.a_vg * p, c.e;
        Q << c.var_theta, c.cov, c.cov, c.var_v;
        const Eigen::MatrixXd S = sgmc::test::stationary_covariance(A, Q);
        const double bias = S(0, 0) * p / T - 1.0;
        CAPTURE(p, gamma, h, bias, S(1, 1) / T - 1.0);
        CHECK(std::abs(bias) < h * p / gamma);               // measured ≈ h p / (2γ)
        CHECK(std::abs(S(1, 1) / T - 1.0) < h * p / gamma);  // Var v → T too
        if (previous_bias != 0.0) CHECK(std::abs(bias) < 0.2 * std::abs(previous_bias));
        previous_bias = bias;
      }
    }
  }
}
