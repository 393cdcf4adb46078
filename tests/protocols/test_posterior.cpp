// Statistical checks of the protocols on the correlated 2-D Gaussian (models::gaussian), whose
// moments are known exactly; long runs, tagged [slow]. Seeds are fixed and printed on failure.
//
// The schemes are linear here, so their own stationary laws are known exactly too: async with
// staleness τ is θ_{v+1} = θ_v − (ε/2)(P(θ_{v−τ} − μ) + sξ_v) + √ε η_v, a linear system in
// (θ_v, ..., θ_{v−τ}) whose stationary covariance stationary_covariance() solves. That states
// the bias each check must allow for.

#include "../samplers/moments.hpp"
#include "helpers.hpp"
#include "sgmc/models/gaussian.hpp"

#include <Eigen/Dense>

#include <cmath>

namespace {

using namespace sgmc::test;
namespace md = sgmc::models;
using Eigen::MatrixXd;
using Eigen::VectorXd;

struct target {
  std::shared_ptr<md::gaussian> model;
  VectorXd mean;
  MatrixXd cov;
};

// μ = (1, −1), variances 1 and 2, correlation 0.8 (as tests/samplers/test_posterior.cpp).
target correlated_2d(double grad_noise) {
  VectorXd mu(2);
  mu << 1.0, -1.0;
  MatrixXd cov(2, 2);
  const double c = 0.8 * std::sqrt(2.0);
  cov << 1.0, c, c, 2.0;
  auto g = md::gaussian::dense(mu, cov, grad_noise);
  REQUIRE(g.has_value());
  return {std::shared_ptr<md::gaussian>(std::move(*g)), mu, cov};
}

/// The stationary covariance of θ under SGLD with gradients τ versions stale (see above).
MatrixXd stale_sgld_covariance(const MatrixXd& P, double eps, double s2, int tau) {
  const Eigen::Index d = P.rows(), n = d * (tau + 1);
  MatrixXd A = MatrixXd::Zero(n, n), Q = MatrixXd::Zero(n, n);
  A.topLeftCorner(d, d) = MatrixXd::Identity(d, d);
  A.block(0, tau * d, d, d) -= 0.5 * eps * P;
  for (int k = 1; k <= tau; ++k) A.block(k * d, (k - 1) * d, d, d) = MatrixXd::Identity(d, d);
  Q.topLeftCorner(d, d) = (eps + 0.25 * eps * eps * s2) * MatrixXd::Identity(d, d);
  return stationary_covariance(A, Q).topLeftCorner(d, d);
}

protocol_driver_config gaussian_run(const target& t, pr::protocol_kind kind, std::uint32_t workers,
                                    double eps, std::uint64_t steps, std::uint64_t burnin,
                                    std::uint64_t seed) {
  protocol_driver_config c;
  c.protocol.kind = kind;
  c.protocol.workers = workers;
  c.run.steps = steps;
  c.run.burnin = burnin;
  c.run.seed = seed;
  c.sampler.kind = sgmc::samplers::sampler_kind::sgld;
  c.sampler.step_size = eps;
  c.theta0.resize(2);
  t.model->initial_params({seed, 0, 0}, c.theta0);  // an exact draw: start in the typical set
  auto model = t.model;
  c.source = [model](pr::worker_id) { return std::make_unique<model_source>(*model, 1); };
  return c;
}

moments sample_moments(protocol_driver_config c, const VectorXd& center) {
  moments m(center, true);
  c.on_draw = [&m](const pr::draw& d) { m.add(d.theta); };
  auto d = make_driver(std::move(c));
  SGMC_REQUIRE_OK(d->start());
  SGMC_REQUIRE_OK(d->run());
  REQUIRE(d->finished());
  return m;
}

double corr(const MatrixXd& c) { return c(0, 1) / std::sqrt(c(0, 0) * c(1, 1)); }

}  // namespace

TEST_CASE("sync and async with 4 workers match a correlated 2-D Gaussian",
          "[protocols][posterior][slow]") {
  // ε = 0.02. Bias: sync is SGLD on the averaged gradient (variances +0.5%); async with 4
  // workers in FIFO order has staleness 3, which inflates the variances by 3.7% and 1.8% and
  // lowers the correlation to 0.778 (stale_sgld_covariance). Monte Carlo: the slowest direction
  // has τ_int ≈ 4/(ε λ_min) ≈ 550 versions, so n versions estimate a variance to
  // ≈ √(τ_int/n) relative (2.3% at 1M, 1.4% at 3M) and the mean to ≈ √(2τ_int/n) sd.
  // Tolerances: mean 0.1 sd, variances 10%, correlation 0.05 (a 2× variance, a missing √ε, or
  // gradients not averaged fail by far).
  constexpr double kMeanTolSd = 0.1, kVarRelTol = 0.10, kCorrTol = 0.05;
  const target t = correlated_2d(0.0);
  struct run_spec {
    pr::protocol_kind kind;
    std::uint64_t steps, seed;
  };
  for (const run_spec& r : {run_spec{pr::protocol_kind::sync, 1'000'000, 11},
                            run_spec{pr::protocol_kind::async, 3'000'000, 12}}) {
    SECTION(pr::to_string(r.kind)) {
      const auto m =
          sample_moments(gaussian_run(t, r.kind, 4, 0.02, r.steps, r.steps / 100, r.seed), t.mean);
      const VectorXd mean = m.mean();
      const MatrixXd cov = m.covariance();
      CAPTURE(r.seed, mean, cov, corr(cov));
      for (Eigen::Index i = 0; i < 2; ++i) {
        CHECK(std::abs(mean(i) - t.mean(i)) / std::sqrt(t.cov(i, i)) < kMeanTolSd);
        CHECK(std::abs(cov(i, i) / t.cov(i, i) - 1.0) < kVarRelTol);
      }
      CHECK(std::abs(corr(cov) - corr(t.cov)) < kCorrTol);
    }
  }
}

TEST_CASE("async with growing staleness: bias grows, the estimate's variance does not",
          "[protocols][posterior][slow]") {
  // Chen et al. 2016 (stale-gradient SG-MCMC): the bias of an estimate grows with the
  // staleness τ while its variance across runs does not. SGLD ε = 0.05 on the 2-D target with
  // synthetic gradient noise s = 1; one worker, staleness τ = K injected by the driver (every
  // answer replaced by θ from K versions back: each push is exactly K stale). R runs of L
  // versions per K, with the same R seeds for every K.
  //
  // Which estimate shows the bias: for a Gaussian target the stale scheme is linear and its
  // stationary mean is μ for every τ, so the posterior *mean* estimate stays unbiased; the
  // bias shows in the posterior *covariance* estimate: tr Σ̂ / tr Σ − 1 is +2.1%, +10.1%,
  // +22.0% at τ = 0, 4, 8 (stale_sgld_covariance). The variance across runs of the mean
  // estimate is, for long runs, tr((4/ε + s²) Σ²)/L whatever τ (the zero-frequency gain of the
  // linear scheme does not depend on the delay).
  const double eps = 0.05, s = 1.0;
  const std::uint64_t L = 4000, burnin = 200, seed0 = 1000;
  const int R = 200;
  const target t = correlated_2d(s);
  const MatrixXd P = t.cov.inverse();
  const double long_run_var = (4.0 / eps + s * s) * (t.cov * t.cov).trace() / double(L);
  INFO("seeds " << seed0 << " .. " << seed0 + R - 1);
  std::vector<double> bias, bias_exact, spread;
  for (pr::version_t K : {0, 4, 8}) {
    moments pooled(t.mean, true);
    std::vector<VectorXd> means;
    for (int r = 0; r < R; ++r) {
      auto cfg = gaussian_run(t, pr::protocol_kind::async, 1, eps, L + burnin, burnin, seed0 + r);
      moments one(t.mean, true);
      cfg.on_draw = [&](const pr::draw& d) {
        one.add(d.theta);
        pooled.add(d.theta);
      };
      auto d = make_driver(std::move(cfg));
      d->set_params_lag(K);
      SGMC_REQUIRE_OK(d->start());
      SGMC_REQUIRE_OK(d->run());
      REQUIRE(d->applied().back().staleness() == K);
      means.push_back(one.mean());
    }
    VectorXd avg = VectorXd::Zero(2);
    for (const auto& m : means) avg += m / double(R);
    double var = 0.0;
    for (const auto& m : means) var += (m - avg).squaredNorm() / double(R - 1);
    const MatrixXd exact = stale_sgld_covariance(P, eps, s * s, int(K));
    const double b = pooled.covariance().trace() / t.cov.trace() - 1.0;
    const double b_exact = exact.trace() / t.cov.trace() - 1.0;
    const double mean_err = (avg - t.mean).norm() / std::sqrt(var / R);  // in standard errors
    CAPTURE(K, b, b_exact, var, long_run_var, mean_err, avg);
    // The pooled covariance of R·L = 800k draws has its trace to ≈ 1.7% (τ_int ≈ 110 for θ²
    // in the slowest direction): 5% is 3 standard errors.
    CHECK(std::abs(b - b_exact) < 0.05);  // the covariance estimate: the scheme's bias
    CHECK(mean_err < 4.0);                // the mean estimate: no bias
    CHECK(var / long_run_var > 0.6);      // its variance: the τ-free long-run value (R = 200:
    CHECK(var / long_run_var < 1.3);      // ±10% standard error, and −O(τ_int/L) for finite L)
    bias.push_back(b);
    bias_exact.push_back(b_exact);
    spread.push_back(var);
  }
  CAPTURE(bias[0], bias[1], bias[2], spread[0], spread[1], spread[2]);
  CHECK(bias[1] > bias[0] + 0.04);
  CHECK(bias[2] > bias[1] + 0.06);
  // With the same seeds for every K the Monte Carlo errors nearly cancel in differences: the
  // bias grows as the exact one does to < 0.01 (measured: < 0.003), and the variance of the
  // mean estimate stays within 20% (measured: +0.2%).
  for (int k : {1, 2}) {
    CHECK(std::abs((bias[k] - bias[0]) - (bias_exact[k] - bias_exact[0])) < 0.01);
    CHECK(spread[k] / spread[0] < 1.2);
    CHECK(spread[k] / spread[0] > 0.8);
  }
}
