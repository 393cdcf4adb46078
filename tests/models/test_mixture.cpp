// The Gaussian mixture target: its potential against an independent double-precision sum of
// densities, its gradient against finite differences, its normalisation, its log-sum-exp far
// from every component, its exact starting draws, and the config errors of make_model.
#include "helpers.hpp"

#include "sgmc/models/factory.hpp"
#include "sgmc/models/mixture.hpp"

#include <catch2/catch.hpp>

#include <cmath>

using namespace sgmc::models;
using namespace sgmc::models::test;
using sgmc::errc;
using sgmc::core::rng_key;
using sgmc::core::rng_stream;

namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr double kPotentialTol = 1e-6;  // |U − U_ref| / (|U_ref| + 1): θ is float, U double
constexpr double kGradTol = 1e-4;       // max abs error / (max |∇| + 1)
constexpr double kNormTol = 1e-6;       // |∫ exp(−U) − 1| on a fine grid

// A 2-D mixture of three components with unequal weights and diagonal variances.
std::unique_ptr<mixture> three_2d(double grad_noise = 0.0, int init = -1) {
  Eigen::VectorXd w(3);
  w << 0.2, 0.5, 0.3;
  Eigen::MatrixXd mu(3, 2), var(3, 2);
  mu << -2.0, 0.0, 1.5, 1.0, 0.5, -2.5;
  var << 0.5, 1.0, 1.0, 0.3, 2.0, 0.8;
  return mixture::create(w, mu, var, grad_noise, init).value();
}

// −log Σ_k w_k N(θ; μ_k, diag σ²_k) summed directly (no log-sum-exp): the independent reference.
double reference_u(const mixture& m, const Eigen::VectorXd& th) {
  double p = 0;
  for (Eigen::Index k = 0; k < m.means().rows(); ++k) {
    double dens = m.weights()[k];
    for (Eigen::Index i = 0; i < th.size(); ++i) {
      const double v = m.variances()(k, i), d = th[i] - m.means()(k, i);
      dens *= std::exp(-0.5 * d * d / v) / std::sqrt(2 * kPi * v);
    }
    p += dens;
  }
  return -std::log(p);
}

Eigen::VectorXd fd_gradient(const mixture& m, const Eigen::VectorXd& th) {
  const double h = 1e-5;
  Eigen::VectorXd g(th.size());
  for (Eigen::Index i = 0; i < th.size(); ++i) {
    Eigen::VectorXd up = th, down = th;
    up[i] += h;
    down[i] -= h;
    g[i] = (reference_u(m, up) - reference_u(m, down)) / (2 * h);
  }
  return g;
}

void check_error(const model_params& p, errc code, const std::string& needle) {
  auto r = make_model(p, data_split{});
  INFO(needle);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == code);
  CHECK_THAT(r.error().message, Catch::Contains(needle));
  CHECK(r.error().message.find('\n') == std::string::npos);
}

}  // namespace

TEST_CASE("mixture potential and gradient match a direct sum of densities", "[models][mixture]") {
  const auto m = three_2d();
  for (std::uint64_t seed = 1; seed <= 6; ++seed) {
    const Eigen::VectorXf theta = random_theta(2, 2.0f, seed);
    const Eigen::VectorXd th = theta.cast<double>();
    const auto e = evaluate(*m, theta, {});
    const double u_ref = reference_u(*m, th);
    INFO("seed " << seed << ": U = " << e.u << ", reference " << u_ref);
    CHECK(std::abs(e.u - u_ref) <= kPotentialTol * (std::abs(u_ref) + 1));
    CHECK(std::abs(m->potential(th) - u_ref) <= kPotentialTol * (std::abs(u_ref) + 1));
    const Eigen::VectorXd fd = fd_gradient(*m, th);
    const double err =
        (e.grad.cast<double>() - fd).cwiseAbs().maxCoeff() / (fd.cwiseAbs().maxCoeff() + 1);
    INFO("gradient " << e.grad.transpose() << ", finite differences " << fd.transpose());
    CHECK(err <= kGradTol);
  }
}

TEST_CASE("mixture potential is normalised: exp(-U) integrates to 1", "[models][mixture]") {
  // 1-D, two components 6 apart with weights 0.3 / 0.7, on a grid of step 1e-3 over ±12 sd.
  Eigen::VectorXd w(2);
  w << 3.0, 7.0;  // normalised by create
  Eigen::MatrixXd mu(2, 1), var(2, 1);
  mu << -3.0, 3.0;
  var << 1.0, 0.5;
  const auto m = mixture::create(w, mu, var).value();
  CHECK(m->weights()[0] == Approx(0.3));
  const double h = 1e-3;
  double total = 0, left = 0;
  Eigen::VectorXd t(1);
  for (double x = -15; x <= 15; x += h) {
    t[0] = x;
    const double p = std::exp(-m->potential(t)) * h;
    total += p;
    if (x < 0) left += p;
  }
  CHECK(std::abs(total - 1.0) < kNormTol);
  // The mode masses are the weights up to the tails across the midpoint (header comment).
  CHECK(std::abs(left - 0.3) < 2e-3);
  // 2-D, three components: a grid of step 0.02 over [−10, 10]².
  const auto m2 = three_2d();
  const double h2 = 0.02;
  double total2 = 0;
  Eigen::VectorXd t2(2);
  for (double x = -10; x <= 10; x += h2)
    for (double y = -10; y <= 10; y += h2) {
      t2 << x, y;
      total2 += std::exp(-m2->potential(t2)) * h2 * h2;
    }
  CHECK(std::abs(total2 - 1.0) < 1e-4);
}

TEST_CASE("mixture stays finite and exact far from every component", "[models][mixture]") {
  // At θ = 60 every density underflows in double (exp(−1800)); log-sum-exp keeps U and ∇U.
  Eigen::VectorXd w(2);
  w << 0.3, 0.7;
  Eigen::MatrixXd mu(2, 1), var(2, 1);
  mu << -3.0, 3.0;
  var << 1.0, 1.0;
  const auto m = mixture::create(w, mu, var).value();
  Eigen::VectorXf theta(1);
  theta << 60.0f;
  const auto e = evaluate(*m, theta, {});
  // Component 1 dominates: U ≈ −log 0.7 + ½ log 2π + ½ 57², ∇U ≈ 57.
  const double want = -std::log(0.7) + 0.5 * std::log(2 * kPi) + 0.5 * 57.0 * 57.0;
  CHECK(e.u == Approx(want).epsilon(1e-9));
  CHECK(e.grad[0] == Approx(57.0).epsilon(1e-6));
  theta << -60.0f;
  CHECK(evaluate(*m, theta, {}).grad[0] == Approx(-57.0).epsilon(1e-6));
}

TEST_CASE("mixture gradient noise repeats for the same key and is off without noise",
          "[models][mixture]") {
  const auto m = three_2d(0.5);
  const Eigen::VectorXf theta = random_theta(2, 1.0f, 3);
  const rng_key key{5, 2, 17, rng_stream::noise};
  const auto a = evaluate(*m, theta, {}, true, key), b = evaluate(*m, theta, {}, true, key);
  CHECK(a.grad == b.grad);
  const auto exact = evaluate(*m, theta, {}, false, key);
  CHECK(exact.grad == evaluate(*three_2d(), theta, {}).grad);
  CHECK(a.u == exact.u);
  Eigen::VectorXf xi(2);
  sgmc::core::fill_normal({5, 2, 17, rng_stream::grad_noise}, 0, std::span<float>(xi.data(), 2));
  CHECK(((a.grad - exact.grad) - 0.5f * xi).cwiseAbs().maxCoeff() < 1e-5f);
}

TEST_CASE("mixture initial params are exact draws from the mixture or from one component",
          "[models][mixture]") {
  const auto m = three_2d();
  const int n = 20000;
  Eigen::MatrixXd draws(n, 2);
  Eigen::VectorXf t(2);
  for (int i = 0; i < n; ++i) {
    m->initial_params({1, static_cast<std::uint32_t>(i), 0, rng_stream::noise}, sp(t));
    draws.row(i) = t.cast<double>().transpose();
  }
  const Eigen::RowVectorXd mean = draws.colwise().mean();
  const Eigen::MatrixXd c =
      (draws.rowwise() - mean).transpose() * (draws.rowwise() - mean) / (n - 1);
  CHECK((mean.transpose() - m->mean()).cwiseAbs().maxCoeff() < 0.05);
  CHECK((c - m->covariance()).cwiseAbs().maxCoeff() < 0.1);
  // init_component = 1: N(μ_1, diag σ²_1), the same normals as the gaussian model draws.
  const auto one = three_2d(0.0, 1);
  Eigen::VectorXd sum = Eigen::VectorXd::Zero(2);
  for (int i = 0; i < 2000; ++i) {
    one->initial_params({1, static_cast<std::uint32_t>(i), 0, rng_stream::noise}, sp(t));
    sum += t.cast<double>();
  }
  CHECK((sum / 2000 - one->means().row(1).transpose()).cwiseAbs().maxCoeff() < 0.05);
}

TEST_CASE("make_model builds the mixture and names its key at fault", "[models][mixture]") {
  model_params p;
  p.kind = model_kind::mixture;
  check_error(p, errc::invalid_config, "model.means: empty");
  p.means = {{-3.0, 0.0}, {3.0, 0.0}};
  auto m = make_model(p, data_split{});
  REQUIRE(m);
  CHECK((*m)->name() == "mixture");
  CHECK((*m)->dim() == 2);
  CHECK((*m)->data_size() == 0);
  CHECK(dynamic_cast<const mixture&>(**m).weights()[1] == Approx(0.5));  // equal by default
  p.variances = {{2.0}, {1.0, 0.5}};  // isotropic row, diagonal row
  m = make_model(p, data_split{});
  REQUIRE(m);
  CHECK(dynamic_cast<const mixture&>(**m).variances()(0, 1) == 2.0);
  p.weights = {0.3, 0.3, 0.4};
  check_error(p, errc::dimension_mismatch, "model.means: has 2 rows but model.weights has 3");
  p.weights = {0.3, 0.0};
  check_error(p, errc::invalid_config, "model.weights: entry 1 is 0");
  p.weights = {0.3, 0.7};
  p.means = {{-3.0, 0.0}, {3.0}};
  check_error(p, errc::dimension_mismatch, "model.means: row 1 has 1 entries but row 0 has 2");
  p.means = {{-3.0, 0.0}, {3.0, 0.0}};
  p.variances = {{1.0}};
  check_error(p, errc::dimension_mismatch, "model.variances: has 1 rows");
  p.variances = {{1.0}, {1.0, 1.0, 1.0}};
  check_error(p, errc::dimension_mismatch, "model.variances: row 1 has 3 entries");
  p.variances = {{1.0}, {-1.0}};
  check_error(p, errc::invalid_config, "model.variances: [1][0] is -1");
  p.variances.clear();
  p.init_component = 2;
  check_error(p, errc::invalid_config, "model.init_component: 2");
  p.init_component = 0;
  p.grad_noise = -1;
  check_error(p, errc::invalid_config, "model.grad_noise");
}
