// The test problems with known answers: gaussian and linreg.
#include "helpers.hpp"

#include "sgmc/models/full_data.hpp"
#include "sgmc/models/gaussian.hpp"
#include "sgmc/models/linreg.hpp"

#include <Eigen/Dense>
#include <catch2/catch.hpp>

using namespace sgmc::models;
using namespace sgmc::models::test;
using sgmc::core::rng_key;
using sgmc::core::rng_stream;

namespace {
constexpr double kPosteriorTol = 1e-9;  // both sides in double
constexpr float kFloatTol = 1e-5f;
}  // namespace

TEST_CASE("linreg_posterior equals an independent least-squares computation", "[models][linreg]") {
  auto data = random_dataset(50, 4, 0, 21);
  const double lambda = 2.0, tau = 3.0;
  const auto post = linreg_posterior(*data, lambda, tau);
  // Posterior mean = argmin τ‖y − Xθ‖² + λ‖θ‖²: least squares on the stacked system, by QR.
  const Eigen::MatrixXd x = data->x.cast<double>();
  Eigen::MatrixXd a(54, 4);
  a << std::sqrt(tau) * x, std::sqrt(lambda) * Eigen::MatrixXd::Identity(4, 4);
  Eigen::VectorXd rhs = Eigen::VectorXd::Zero(54);
  rhs.head(50) = std::sqrt(tau) * data->y.cast<double>();
  const Eigen::VectorXd mean = a.colPivHouseholderQr().solve(rhs);
  const Eigen::MatrixXd cov = (a.transpose() * a).fullPivLu().inverse();
  CHECK((post.mean - mean).cwiseAbs().maxCoeff() < kPosteriorTol);
  CHECK((post.covariance - cov).cwiseAbs().maxCoeff() < kPosteriorTol);
}

TEST_CASE("linreg full-data gradient vanishes at the exact posterior mean", "[models][linreg]") {
  auto data = random_dataset(200, 3, 0, 22);
  const auto m = linreg::create(data, 1.0, 4.0).value();
  const auto post = linreg_posterior(*data, 1.0, 4.0);
  full_data full(*m, 64);
  Eigen::VectorXf theta = post.mean.cast<float>(), grad(3);
  full.potential_and_grad(sp(theta), sp(grad));
  // Scale: the gradient at a unit step away from the mode.
  Eigen::VectorXf away = theta + Eigen::VectorXf::Ones(3), grad_away(3);
  full.potential_and_grad(sp(away), sp(grad_away));
  CHECK(grad.norm() < 1e-4f * grad_away.norm());
}

TEST_CASE("gaussian dense and diagonal give the same potential, gradient and start",
          "[models][gaussian]") {
  Eigen::VectorXd mean(4), var(4);
  mean << 0.5, -1, 2, 0;
  var << 1, 0.25, 4, 2;
  const auto diag = gaussian::diagonal(mean, var).value();
  const auto dense = gaussian::dense(mean, Eigen::MatrixXd(var.asDiagonal())).value();
  for (std::uint64_t s = 0; s < 5; ++s) {
    const Eigen::VectorXf theta = random_theta(4, 2.0f, s);
    const auto a = evaluate(*diag, theta, {}), b = evaluate(*dense, theta, {});
    CHECK(a.u == Approx(b.u).epsilon(1e-6));
    CHECK((a.grad - b.grad).cwiseAbs().maxCoeff() < kFloatTol);
  }
  Eigen::VectorXf t1(4), t2(4);
  diag->initial_params({9, 1, 0, rng_stream::noise}, sp(t1));
  dense->initial_params({9, 1, 0, rng_stream::noise}, sp(t2));
  CHECK((t1 - t2).cwiseAbs().maxCoeff() < kFloatTol);
  CHECK(diag->covariance().isApprox(dense->covariance()));
  CHECK(diag->variance().isApprox(dense->variance()));
}

TEST_CASE("gaussian gradient noise repeats for the same key and has the asked spread",
          "[models][gaussian]") {
  const std::size_t d = 2000;
  const auto g =
      gaussian::diagonal(Eigen::VectorXd::Zero(d), Eigen::VectorXd::Ones(d), 0.5).value();
  const Eigen::VectorXf theta = random_theta(d, 1.0f, 3);
  const rng_key key{5, 2, 17, rng_stream::noise};
  const auto a = evaluate(*g, theta, {}, true, key), b = evaluate(*g, theta, {}, true, key);
  CHECK(a.grad == b.grad);
  const auto exact = evaluate(*g, theta, {}, false, key);
  CHECK(exact.grad.isApprox(theta));  // Σ = I: ∇U = θ
  CHECK(a.u == exact.u);
  // The noise is 0.5·ξ with ξ from the grad_noise stream of the key, whatever its stream.
  Eigen::VectorXf xi(d);
  sgmc::core::fill_normal({5, 2, 17, rng_stream::grad_noise}, 0, std::span<float>(xi.data(), d));
  CHECK(((a.grad - exact.grad) - 0.5f * xi).cwiseAbs().maxCoeff() < kFloatTol);
  const Eigen::VectorXf noise = a.grad - exact.grad;
  CHECK(std::sqrt(noise.squaredNorm() / d) == Approx(0.5).epsilon(0.05));
  const auto other = evaluate(*g, theta, {}, true, rng_key{5, 2, 18, rng_stream::noise});
  CHECK(other.grad != a.grad);
}

TEST_CASE("gaussian initial params are an exact draw from the target", "[models][gaussian]") {
  Eigen::VectorXd mean(2);
  mean << 3, -1;
  Eigen::MatrixXd cov(2, 2);
  cov << 2, 0.8, 0.8, 1;
  const auto g = gaussian::dense(mean, cov).value();
  const int n = 20000;
  Eigen::MatrixXd draws(n, 2);
  Eigen::VectorXf t(2);
  for (int i = 0; i < n; ++i) {
    g->initial_params({1, static_cast<std::uint32_t>(i), 0, rng_stream::noise}, sp(t));
    draws.row(i) = t.cast<double>().transpose();
  }
  const Eigen::RowVectorXd m = draws.colwise().mean();
  const Eigen::MatrixXd c = (draws.rowwise() - m).transpose() * (draws.rowwise() - m) / (n - 1);
  CHECK((m.transpose() - mean).cwiseAbs().maxCoeff() < 0.05);
  CHECK((c - cov).cwiseAbs().maxCoeff() < 0.06);
}

TEST_CASE("gaussian rejects a covariance that is not symmetric positive definite",
          "[models][gaussian]") {
  Eigen::VectorXd mean = Eigen::VectorXd::Zero(2);
  Eigen::MatrixXd cov(2, 2);
  cov << 1, 2, 2, 1;  // eigenvalues 3 and -1
  auto r = gaussian::dense(mean, cov);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == sgmc::errc::invalid_config);
  CHECK_THAT(r.error().message,
             Catch::Contains("model.covariance") && Catch::Contains("positive definite"));
  cov << 1, 0.2, 0.3, 1;
  r = gaussian::dense(mean, cov);
  REQUIRE_FALSE(r);
  CHECK_THAT(r.error().message, Catch::Contains("not symmetric"));
}
