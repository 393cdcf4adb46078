// SGLD-FP's pieces: find_mode and the control-variate gradient.

#include "sgmc/samplers/control_variate.hpp"
#include "sources.hpp"

#include <Eigen/Dense>
#include <catch2/catch.hpp>

#include <numeric>
#include <vector>

namespace {

namespace sm = sgmc::samplers;
constexpr std::size_t kDim = 3, kRows = 40;

std::vector<float> grad_of(sm::gradient_source& s, const std::vector<float>& theta,
                           const std::vector<std::uint32_t>& rows, double* u = nullptr) {
  std::vector<float> g(kDim);
  const double pot = s.minibatch(theta, rows, sgmc::core::rng_key{1, 0, 0}, g);
  if (u) *u = pot;
  return g;
}

// The mode of linear_source by its normal equations, via its full gradient (it is linear).
std::vector<float> exact_mode(sm::gradient_source& s) {
  Eigen::MatrixXd H(kDim, kDim);
  std::vector<float> zero(kDim, 0.0f), g0(kDim), e(kDim), ge(kDim);
  s.full(zero, g0);
  for (std::size_t j = 0; j < kDim; ++j) {
    std::fill(e.begin(), e.end(), 0.0f);
    e[j] = 1.0f;
    s.full(e, ge);
    for (std::size_t i = 0; i < kDim; ++i) H(i, j) = double(ge[i]) - g0[i];
  }
  Eigen::VectorXd b(kDim);
  for (std::size_t i = 0; i < kDim; ++i) b(i) = -double(g0[i]);
  const Eigen::VectorXd m = H.ldlt().solve(b);
  return {static_cast<float>(m(0)), static_cast<float>(m(1)), static_cast<float>(m(2))};
}

}  // namespace

TEST_CASE("the control-variate gradient is ∇U(θ̂) + ∇Û_B(θ) − ∇Û_B(θ̂)", "[samplers][sgld-fp]") {
  sgmc::test::linear_source src(kDim, kRows);
  const std::vector<float> mode = {0.1f, -0.2f, 0.3f}, theta = {0.5f, 0.4f, -0.1f};
  sm::control_variate_source cv(src, mode);
  const std::vector<std::uint32_t> batch = {3, 17, 22, 39};
  double u_cv, u_t, u_m;
  const auto g_cv = grad_of(cv, theta, batch, &u_cv);
  const auto g_t = grad_of(src, theta, batch, &u_t);
  const auto g_m = grad_of(src, mode, batch, &u_m);
  std::vector<float> g_full(kDim);
  const double u_full = src.full(mode, g_full);
  for (std::size_t i = 0; i < kDim; ++i)
    CHECK(g_cv[i] == Approx(g_full[i] + g_t[i] - g_m[i]).epsilon(1e-5));
  CHECK(u_cv == Approx(u_full + u_t - u_m).epsilon(1e-12));
  CHECK(cv.potential_at_mode() == Approx(u_full));
  CHECK(cv.dim() == kDim);
  CHECK(cv.data_size() == kRows);
}

TEST_CASE("at the mode the control-variate gradient has no minibatch noise",
          "[samplers][sgld-fp]") {
  sgmc::test::linear_source src(kDim, kRows);
  const std::vector<float> mode = exact_mode(src);
  sm::control_variate_source cv(src, mode);
  std::vector<float> full(kDim);
  src.full(mode, full);
  const std::vector<float> near = {mode[0] + 0.01f, mode[1] - 0.01f, mode[2]};
  double var_cv = 0.0, var_plain = 0.0;
  for (std::uint32_t b = 0; b + 4 <= kRows; b += 4) {
    const std::vector<std::uint32_t> batch = {b, b + 1, b + 2, b + 3};
    const auto at_mode = grad_of(cv, mode, batch);
    for (std::size_t i = 0; i < kDim; ++i) CHECK(at_mode[i] == Approx(full[i]).margin(1e-4));
    const auto g_cv = grad_of(cv, near, batch), g_plain = grad_of(src, near, batch);
    std::vector<float> g_near(kDim);
    src.full(near, g_near);
    for (std::size_t i = 0; i < kDim; ++i) {
      var_cv += (g_cv[i] - g_near[i]) * (g_cv[i] - g_near[i]);
      var_plain += (g_plain[i] - g_near[i]) * (g_plain[i] - g_near[i]);
    }
  }
  CAPTURE(var_cv, var_plain);
  CHECK(var_cv < 1e-3 * var_plain);  // ‖θ − θ̂‖ = 0.014: the noise shrinks with it
}

TEST_CASE("find_mode runs SGD to the mode", "[samplers][sgld-fp]") {
  sgmc::test::linear_source src(kDim, kRows);
  const std::vector<float> mode = exact_mode(src);
  sm::mode_search_params m;
  m.steps = 2000;
  m.step_size = 0.02;
  m.batch_size = kRows;  // full batches: plain gradient descent, converges to the mode itself
  std::vector<float> theta(kDim, 0.0f);
  REQUIRE(sm::find_mode(src, m, theta).has_value());
  for (std::size_t i = 0; i < kDim; ++i) CHECK(theta[i] == Approx(mode[i]).margin(1e-4));
  sm::sampler_params p;
  p.kind = sm::sampler_kind::sgld_fp;
  p.step_size = 0.5;
  p.fp_step_size = 0.0;
  p.fp_sgd_steps = 12;
  p.batch_size = 7;
  const auto mp = sm::make_mode_search_params(p, 9, 2);
  CHECK(mp.step_size == 0.5);
  CHECK(mp.steps == 12);
  CHECK(mp.batch_size == 7);
  CHECK(mp.seed == 9);
  CHECK(mp.chain == 2);
  p.fp_step_size = 0.1;
  CHECK(sm::make_mode_search_params(p, 9, 2).step_size == 0.1);
}

TEST_CASE("find_mode reports divergence and keeps the last finite θ", "[samplers][sgld-fp]") {
  sgmc::test::linear_source src(kDim, kRows);
  sm::mode_search_params m;
  m.steps = 100000;
  m.step_size = 10.0;  // far beyond 2 / curvature: SGD blows up
  m.batch_size = 5;
  std::vector<float> theta(kDim, 0.1f);
  auto r = sm::find_mode(src, m, theta);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == sgmc::errc::diverged);
  CHECK(r.error().message.rfind("sgld-fp mode search: diverged at step ", 0) == 0);
  for (float t : theta) CHECK(std::isfinite(t));
}
