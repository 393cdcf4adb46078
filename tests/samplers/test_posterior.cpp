// Every sampler against posteriors known exactly: a correlated 2-D Gaussian, a 100-D diagonal
// Gaussian with variances over a decade, and Bayesian linear regression (models::linreg with
// its exact posterior). Long chains: tagged [slow].
//
// Tolerances. The error of a sample moment is discretisation bias + Monte Carlo error:
//  * bias: each scheme's stationary law is off by O(step) (sghmc's θ-marginal by O(h²)); the step
//    sizes below keep it at or under ~2% of each variance, from the exact stationary
//    covariances of the linear schemes (test_stationary.cpp computes them); minibatch noise
//    adds ~ε·Var(∇Û)/4 for SGLD-type kernels, kept under ~1.5% by the step size (linreg).
//  * Monte Carlo: a variance estimated from n steps with integrated autocorrelation time τ has
//    relative standard error ≈ √(2τ/n); the runs below give ≤ ~2% for the slowest direction,
//    and a mean ≤ ~0.03 posterior standard deviations.
// So: means within kMeanTolSd standard deviations, variances within kVarRelTol, correlations
// within kCorrTol. A variance off by 2× (noise √(2ε) in SGLD) or by 25% (a forgotten T = 0.8)
// fails. For the 100-D target each coordinate gets a looser bound (100 of them, ~6% standard
// error for the slowest) and their average relative error a tight one.

#include "moments.hpp"
#include "reference_kernels.hpp"
#include "sgmc/models/dataset.hpp"
#include "sgmc/models/gaussian.hpp"
#include "sgmc/models/linreg.hpp"
#include "sgmc/samplers/chain.hpp"
#include "sgmc/samplers/control_variate.hpp"
#include "sgmc/samplers/sampler.hpp"
#include "sources.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <memory>
#include <string>
#include <vector>

namespace {

namespace sm = sgmc::samplers;
namespace md = sgmc::models;
using Eigen::MatrixXd;
using Eigen::VectorXd;

constexpr double kMeanTolSd = 0.1;
constexpr double kVarRelTol = 0.08;
constexpr double kCorrTol = 0.05;
constexpr double kVarRelTolEach = 0.25;    // 100-D: any one coordinate
constexpr double kVarRelTolPooled = 0.03;  // 100-D: the average over coordinates
constexpr double kMeanTolSdEach = 0.2;     // 100-D: any one coordinate's mean

struct run_spec {
  sm::sampler_params params;
  std::size_t burnin = 0, steps = 0;
  std::uint64_t seed = 1;
};

// Runs `spec` on `src` from theta0 and returns the moments of θ over the kept steps.
sgmc::test::moments sample(sm::gradient_source& src, const run_spec& spec,
                           std::vector<float> theta0, const VectorXd& center, bool full) {
  std::unique_ptr<sm::gradient_source> cv;
  if (spec.params.kind == sm::sampler_kind::sgld_fp) {
    REQUIRE(sm::find_mode(src, sm::make_mode_search_params(spec.params, spec.seed, 0), theta0)
                .has_value());
    cv = std::make_unique<sm::control_variate_source>(src, theta0);
  }
  sm::gradient_source& g = cv ? *cv : src;
  auto kernel = sm::make_sampler(spec.params, g.dim());
  REQUIRE(kernel.has_value());
  sm::chain_params cp;
  cp.seed = spec.seed;
  cp.batch_size = spec.params.batch_size;
  sm::chain c(g, **kernel, sm::schedule::constant(spec.params.step_size), cp, theta0);
  REQUIRE(c.status().has_value());
  sgmc::test::moments m(center, full);
  for (std::size_t s = 0; s < spec.burnin + spec.steps; ++s) {
    auto ok = c.step();
    if (!ok) FAIL(ok.error().message);
    if (s >= spec.burnin) m.add(c.theta());
  }
  return m;
}

struct errors {
  double mean_sd = 0, var_rel = 0, corr = 0;  // worst over coordinates / pairs
  double var_rel_avg = 0;                     // average signed relative variance error
};

errors compare(const sgmc::test::moments& m, const VectorXd& mu, const MatrixXd& cov, bool full) {
  errors e;
  const VectorXd mean = m.mean(), var = m.variance();
  for (Eigen::Index i = 0; i < mu.size(); ++i) {
    const double sd = std::sqrt(cov(i, i));
    e.mean_sd = std::max(e.mean_sd, std::abs(mean(i) - mu(i)) / sd);
    e.var_rel = std::max(e.var_rel, std::abs(var(i) / cov(i, i) - 1.0));
    e.var_rel_avg += (var(i) / cov(i, i) - 1.0) / double(mu.size());
  }
  if (full) {
    const MatrixXd c = m.covariance();
    for (Eigen::Index i = 0; i < mu.size(); ++i)
      for (Eigen::Index j = 0; j < i; ++j) {
        const double want = cov(i, j) / std::sqrt(cov(i, i) * cov(j, j));
        const double got = c(i, j) / std::sqrt(c(i, i) * c(j, j));
        e.corr = std::max(e.corr, std::abs(got - want));
      }
  }
  return e;
}

run_spec spec(const char* kind, double step, std::size_t steps, std::uint64_t seed) {
  run_spec s;
  s.params.kind = sm::parse_sampler_kind(kind).value();
  s.params.step_size = step;
  s.steps = steps;
  s.burnin = steps / 20;
  s.seed = seed;
  return s;
}

// ---- targets ---------------------------------------------------------------------------------

struct gaussian_target {
  std::unique_ptr<md::gaussian> model;
  VectorXd mean;
  MatrixXd cov;
};

gaussian_target correlated_2d(double grad_noise) {
  VectorXd mu(2);
  mu << 1.0, -1.0;
  MatrixXd cov(2, 2);
  const double c = 0.8 * std::sqrt(2.0);  // variances 1 and 2, correlation 0.8
  cov << 1.0, c, c, 2.0;
  auto g = md::gaussian::dense(mu, cov, grad_noise);
  REQUIRE(g.has_value());
  return {std::move(*g), mu, cov};
}

gaussian_target diagonal_100d(double grad_noise) {
  VectorXd mu(100), var(100);
  for (int i = 0; i < 100; ++i) {
    mu(i) = std::sin(0.37 * i);
    var(i) = std::pow(10.0, i / 99.0);  // 1 .. 10
  }
  auto g = md::gaussian::diagonal(mu, var, grad_noise);
  REQUIRE(g.has_value());
  return {std::move(*g), mu, MatrixXd(var.asDiagonal())};
}

struct linreg_target {
  std::unique_ptr<md::linreg> model;
  md::gaussian_moments post;
};

// 200 rows, 4 features x ~ N(0, 1), y = x·w + N(0, 1/τ), τ = 4, λ = 1: a posterior with
// standard deviations ≈ 0.035 and precision eigenvalues ≈ 560 .. 1040.
linreg_target linreg_200x4() {
  const std::size_t n = 200, d = 4;
  auto data = std::make_shared<md::dataset>();
  data->x.resize(n, d);
  data->y.resize(n);
  std::vector<float> x(n * d), e(n);
  sgmc::core::fill_normal({31, 0, 0, sgmc::core::rng_stream::user}, 0, x);
  sgmc::core::fill_normal({32, 0, 0, sgmc::core::rng_stream::user}, 0, e);
  const float w[4] = {1.0f, -0.5f, 0.25f, 2.0f};
  for (std::size_t i = 0; i < n; ++i) {
    float y = 0.5f * e[i];
    for (std::size_t j = 0; j < d; ++j) {
      data->x(i, j) = x[i * d + j];
      y += w[j] * x[i * d + j];
    }
    data->y(i) = y;
  }
  data->source = "test: synthetic linreg";
  auto m = md::linreg::create(data, 1.0, 4.0);
  REQUIRE(m.has_value());
  return {std::move(*m), md::linreg_posterior(*data, 1.0, 4.0)};
}

std::vector<float> as_floats(const VectorXd& v) { return {v.data(), v.data() + v.size()}; }

}  // namespace

TEST_CASE("samplers match a correlated 2-D Gaussian", "[samplers][posterior][slow]") {
  // SGLD: bias ε/4 on each variance (1.25% of the smaller), τ ≈ 4/(ε p_min) ≈ 220 steps.
  auto sgld = spec("sgld", 0.05, 2000000, 101);
  auto fp = spec("sgld-fp", 0.05, 2000000, 102);
  fp.params.fp_sgd_steps = 500;
  fp.params.fp_step_size = 0.05;
  auto psgld = spec("psgld", 0.05, 2000000, 103);
  psgld.params.rmsprop_decay = 0.9999;  // see test_stationary.cpp: V must average over ≫ τ
  psgld.params.rmsprop_eps = 1e-5;
  psgld.burnin = 100000;                           // V starts at 0: several 1/(1 − α)
  auto sghmc = spec("sghmc", 0.01, 1000000, 104);  // h = 0.1, γ = 1
  sghmc.params.friction = 0.1;
  auto euler = spec("sghmc-euler", 0.01, 2000000, 105);
  euler.params.friction = 2.0;
  auto exact = spec("sghmc-exact", 0.02, 1000000, 106);
  exact.params.friction = 2.0;
  for (const run_spec& s : {sgld, fp, psgld, sghmc, euler, exact}) {
    SECTION(sm::to_string(s.params.kind)) {
      // sgld-fp runs with synthetic gradient noise, which its control variate cancels.
      const gaussian_target t =
          correlated_2d(s.params.kind == sm::sampler_kind::sgld_fp ? 1.0 : 0.0);
      sgmc::test::model_source src(*t.model, 1);
      const auto m = sample(src, s, as_floats(t.mean), t.mean, true);
      const errors e = compare(m, t.mean, t.cov, true);
      CAPTURE(s.seed, sm::to_string(s.params.kind), m.mean(), m.covariance(), e.mean_sd, e.var_rel,
              e.corr);
      CHECK(e.mean_sd < kMeanTolSd);
      CHECK(e.var_rel < kVarRelTol);
      CHECK(e.corr < kCorrTol);
    }
  }
}

TEST_CASE("samplers match a 100-D Gaussian with variances from 1 to 10",
          "[samplers][posterior][slow]") {
  // Precisions 0.1 .. 1. SGLD: bias ≤ ε/4 = 1.25%, τ ≤ 4/(0.1 ε) = 800 steps.
  auto sgld = spec("sgld", 0.05, 800000, 201);
  auto fp = spec("sgld-fp", 0.05, 800000, 202);
  fp.params.fp_sgd_steps = 500;
  fp.params.fp_step_size = 0.1;
  auto psgld = spec("psgld", 0.05, 400000, 203);  // G ≈ σ_i equalises the coordinates
  psgld.params.rmsprop_decay = 0.9999;
  psgld.params.rmsprop_eps = 1e-5;
  psgld.burnin = 60000;
  auto sghmc = spec("sghmc", 0.04, 200000, 204);  // h = 0.2, γ = 1: bias ≤ 1.1%
  sghmc.params.friction = 0.2;
  auto euler = spec("sghmc-euler", 0.02, 800000, 205);  // bias ≈ h p/γ ≤ 2%, τ ≤ 500
  euler.params.friction = 1.0;
  auto exact = spec("sghmc-exact", 0.04, 600000, 206);  // bias ≈ h p/(2γ) ≤ 2%, τ ≤ 250
  exact.params.friction = 1.0;
  for (const run_spec& s : {sgld, fp, psgld, sghmc, euler, exact}) {
    SECTION(sm::to_string(s.params.kind)) {
      const gaussian_target t =
          diagonal_100d(s.params.kind == sm::sampler_kind::sgld_fp ? 1.0 : 0.0);
      sgmc::test::model_source src(*t.model, 1);
      const auto m = sample(src, s, as_floats(t.mean), t.mean, false);
      const errors e = compare(m, t.mean, t.cov, false);
      CAPTURE(s.seed, sm::to_string(s.params.kind), e.mean_sd, e.var_rel, e.var_rel_avg);
      CHECK(e.mean_sd < kMeanTolSdEach);
      CHECK(e.var_rel < kVarRelTolEach);
      CHECK(std::abs(e.var_rel_avg) < kVarRelTolPooled);
    }
  }
}

TEST_CASE("samplers match the exact posterior of Bayesian linear regression",
          "[samplers][posterior][slow]") {
  // Precision eigenvalues 560 .. 1040; minibatch gradient variance V ≈ (N²/n) τ E[x²] ≈ 1600
  // for n = 100. SGLD: bias ≈ ε (p + V)/4 ≈ 1.3%, τ ≈ 4/(ε p_min) ≈ 360 steps. The SGHMC
  // family sees the minibatch noise as extra heat ∝ (its gradient step)² V over its injected
  // 2 × friction × step: the step sizes keep that ratio ≤ 1%.
  auto sgld = spec("sgld", 2e-5, 2000000, 301);
  sgld.params.batch_size = 100;
  auto fp = spec("sgld-fp", 4e-5, 500000, 302);
  fp.params.batch_size = 50;
  fp.params.fp_sgd_steps = 3000;
  fp.params.fp_step_size = 1e-4;
  auto psgld = spec("psgld", 1e-3, 2000000, 303);
  psgld.params.batch_size = 50;
  psgld.params.rmsprop_decay = 0.9999;
  psgld.params.rmsprop_eps = 1e-5;
  auto sghmc = spec("sghmc", 1.25e-6, 1000000, 304);
  sghmc.params.batch_size = 100;
  sghmc.params.friction = 0.1;
  auto euler = spec("sghmc-euler", 2e-4, 2000000, 305);
  euler.params.batch_size = 100;
  euler.params.friction = 50.0;
  auto exact = spec("sghmc-exact", 4e-4, 1000000, 306);
  exact.params.batch_size = 100;
  exact.params.friction = 50.0;
  const linreg_target t = linreg_200x4();
  for (const run_spec& s : {sgld, fp, psgld, sghmc, euler, exact}) {
    SECTION(sm::to_string(s.params.kind)) {
      sgmc::test::model_source src(*t.model, s.params.batch_size);
      const auto m = sample(src, s, std::vector<float>(4, 0.0f), t.post.mean, true);
      const errors e = compare(m, t.post.mean, t.post.covariance, true);
      CAPTURE(s.seed, sm::to_string(s.params.kind), m.mean(), t.post.mean, m.covariance(),
              t.post.covariance, e.mean_sd, e.var_rel, e.corr);
      CHECK(e.mean_sd < kMeanTolSd);
      CHECK(e.var_rel < kVarRelTol);
      CHECK(e.corr < kCorrTol);
    }
  }
}

TEST_CASE("sgd and sgd-momentum on minibatches converge to the linreg posterior mode",
          "[samplers][posterior][slow]") {
  const linreg_target t = linreg_200x4();
  for (const char* kind : {"sgd", "sgd-momentum"}) {
    SECTION(kind) {
      sgmc::test::model_source src(*t.model, 50);
      sm::sampler_params p;
      p.kind = sm::parse_sampler_kind(kind).value();
      p.step_size = p.kind == sm::sampler_kind::sgd ? 1e-3 : 1e-4;
      p.friction = 0.1;
      auto kernel = sm::make_sampler(p, 4);
      REQUIRE(kernel.has_value());
      sm::schedule_params sp;  // ε_t = ε (100 / (100 + t))^0.75: Σε = ∞, Σε² < ∞
      sp.kind = sm::schedule_kind::polynomial;
      sp.step_size_offset = 100;
      sp.step_size_decay = 0.75;
      auto sched = sm::schedule::make(sp, p.step_size, 1000);
      REQUIRE(sched.has_value());
      sm::chain_params cp;
      cp.seed = 401;
      cp.batch_size = 50;
      sm::chain c(src, **kernel, *sched, cp, std::vector<float>(4, 0.0f));
      for (int s = 0; s < 200000; ++s) REQUIRE(c.step().has_value());
      double worst = 0.0;
      for (int i = 0; i < 4; ++i)
        worst = std::max(
            worst, std::abs(c.theta()[i] - t.post.mean(i)) / std::sqrt(t.post.covariance(i, i)));
      CAPTURE(cp.seed, kind, worst);
      // The mode of a Gaussian posterior is its mean; the last steps are ~3e-6 (SGD) so the
      // iterate's minibatch jitter is a few percent of a posterior standard deviation.
      CHECK(worst < kMeanTolSd);
    }
  }
}

TEST_CASE("the posterior check fails SGLD with a √2-too-large noise",
          "[samplers][posterior][slow]") {
  const gaussian_target t = correlated_2d(0.0);
  sgmc::test::model_source src(*t.model, 1);
  sgmc::test::sgld_wrong_noise wrong(2, 1.0);
  const std::uint64_t seed = 501;
  sm::chain_params cp;
  cp.seed = seed;
  sm::chain c(src, wrong, sm::schedule::constant(0.05), cp, as_floats(t.mean));
  sgmc::test::moments m(t.mean, true);
  for (int s = 0; s < 500000; ++s) {
    REQUIRE(c.step().has_value());
    m.add(c.theta());
  }
  const errors e = compare(m, t.mean, t.cov, true);
  CAPTURE(seed, e.var_rel);
  CHECK(e.var_rel > 0.5);  // about 2×: far outside kVarRelTol
}
