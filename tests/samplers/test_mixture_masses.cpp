// SGLD on a two-component 1-D Gaussian mixture (models::mixture): the fraction of steps on each
// side of the barrier matches the exact mass of each basin.
//
// Target: weights 0.3 / 0.7, means −2 / +2, unit variances. The basin boundary is the potential's
// maximum between the modes; its exact mass on the left is Σ_k w_k Φ((b − μ_k)/σ_k). At this
// separation the barrier is low and chains cross often: the fraction over 1,000,000 steps of
// ε = 0.05 has a standard deviation of 0.015 (measured over 8 chains with `sgmc run`), so
// 3,000,000 steps give about 0.0085. The discretisation bias of SGLD at ε = 0.05 (variances
// ≈ 1.3 % too large) moves it by less than 0.005. Tolerance kMassTol = 0.03 (3.5 standard
// deviations); an unweighted mixture (0.5 / 0.5) is 0.2 away.
#include "sgmc/models/mixture.hpp"
#include "sgmc/samplers/chain.hpp"
#include "sgmc/samplers/sampler.hpp"
#include "sources.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

namespace {

namespace sm = sgmc::samplers;
namespace md = sgmc::models;

constexpr double kMassTol = 0.03;

// The basin boundary of the 1-D mixture: where U' = 0 between the two means (bisection).
double barrier(const md::mixture& m) {
  double lo = m.means()(0, 0) + 0.1, hi = m.means()(1, 0) - 0.1;
  auto slope = [&](double x) {
    Eigen::VectorXd a(1), b(1);
    a << x - 1e-6;
    b << x + 1e-6;
    return m.potential(b) - m.potential(a);
  };
  for (int i = 0; i < 60; ++i) {
    const double mid = 0.5 * (lo + hi);
    (slope(mid) > 0 ? lo : hi) = mid;  // U rises toward the barrier from the left mode
  }
  return 0.5 * (lo + hi);
}

}  // namespace

TEST_CASE("sgld on a two-component mixture puts the exact mass in each basin",
          "[samplers][mixture][posterior]") {
  Eigen::VectorXd w(2);
  w << 0.3, 0.7;
  Eigen::MatrixXd mu(2, 1), var(2, 1);
  mu << -2.0, 2.0;
  var << 1.0, 1.0;
  const auto m = md::mixture::create(w, mu, var, 0.0, 0).value();
  const double b = barrier(*m);
  double exact_left = 0;
  for (int k = 0; k < 2; ++k)
    exact_left += w[k] * 0.5 * std::erfc(-(b - mu(k, 0)) / std::sqrt(2.0 * var(k, 0)));
  INFO("barrier at " << b << ", exact mass left of it " << exact_left);

  for (const std::uint64_t seed : {11u, 12u}) {
    sgmc::test::model_source src(*m, 1);
    sm::sampler_params p;
    p.kind = sm::sampler_kind::sgld;
    p.step_size = 0.05;
    auto kernel = sm::make_sampler(p, 1);
    REQUIRE(kernel.has_value());
    sm::chain_params cp;
    cp.seed = seed;
    std::vector<float> theta0(1);
    m->initial_params({seed, 0, 0, sgmc::core::rng_stream::init}, theta0);
    CHECK(theta0[0] < b);  // init_component = 0: the minor mode
    sm::chain c(src, **kernel, sm::schedule::constant(p.step_size), cp, theta0);
    REQUIRE(c.status().has_value());
    const std::size_t burnin = 10000, steps = 3000000;
    std::size_t left = 0;
    for (std::size_t s = 0; s < burnin + steps; ++s) {
      auto ok = c.step();
      if (!ok) FAIL(ok.error().message);
      if (s >= burnin && c.theta()[0] < b) ++left;
    }
    const double frac = static_cast<double>(left) / static_cast<double>(steps);
    INFO("seed " << seed << ": fraction left " << frac);
    CHECK(std::abs(frac - exact_left) < kMassTol);
  }
}
