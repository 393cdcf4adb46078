// The distribution of fill_normal: moments, tails out to 6σ, the Kolmogorov–Smirnov distance, the
// Anderson–Darling statistic, and the correlation of neighbouring draws (and of their squares),
// with tolerances from the statistics' standard errors or distributions. Each check also runs on
// a negative control — the same draws scaled by 1.01, or mixed with their neighbours — and must
// fail there, so that every test can fail.

#include "sgmc/core/rng.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <vector>

namespace {

using sgmc::core::rng_key;

// Draws for the moment and KS checks: 2^24 normals (0.3 s on the scalar path).
constexpr std::size_t kDraws = std::size_t{1} << 24;
// A statistic passes when it is within this many standard errors of its expected value: the
// chance that a correct generator fails one check is about 6e-7.
constexpr double kStandardErrors = 5.0;
// The negative control: a generator whose standard deviation is off by 1 %.
constexpr float kWrongScale = 1.01f;

using generator = std::function<void(const rng_key&, std::size_t, std::span<float>)>;

const generator kRight = [](const rng_key& k, std::size_t first, std::span<float> out) {
  sgmc::core::fill_normal(k, first, out);
};
const generator kWrong = [](const rng_key& k, std::size_t first, std::span<float> out) {
  sgmc::core::fill_normal(k, first, out);
  for (float& z : out) z *= kWrongScale;
};

std::vector<float> draws(const generator& gen) {
  std::vector<float> z(kDraws);
  gen(rng_key{2024, 3, 11, sgmc::core::rng_stream::noise}, 0, z);
  return z;
}

// Sample mean, variance, skewness and excess kurtosis, each divided by its standard error
// under N(0, 1) (√(1/n), √(2/n), √(6/n), √(24/n)): so each should be within ±kStandardErrors.
std::vector<double> moment_scores(const std::vector<float>& z) {
  double s1 = 0, s2 = 0, s3 = 0, s4 = 0;
  for (float v : z) {
    const double x = v, x2 = x * x;
    s1 += x, s2 += x2, s3 += x2 * x, s4 += x2 * x2;
  }
  const double n = static_cast<double>(z.size());
  const double mean = s1 / n, var = s2 / n - mean * mean;
  const double skew = (s3 / n - 3 * mean * var - mean * mean * mean) / std::pow(var, 1.5);
  const double m4 = s4 / n - 4 * mean * s3 / n + 6 * mean * mean * s2 / n - 3 * std::pow(mean, 4);
  const double kurt = m4 / (var * var) - 3.0;
  return {mean / std::sqrt(1 / n), (var - 1) / std::sqrt(2 / n), skew / std::sqrt(6 / n),
          kurt / std::sqrt(24 / n)};
}

bool moments_ok(const generator& gen) {
  const auto scores = moment_scores(draws(gen));
  bool ok = true;
  for (double s : scores) {
    CAPTURE(s);
    ok &= std::abs(s) <= kStandardErrors;
  }
  return ok;
}

double normal_cdf(double x) { return 0.5 * std::erfc(-x / std::sqrt(2.0)); }

// Kolmogorov–Smirnov: D = sup |F_n − Φ|. By the Dvoretzky–Kiefer–Wolfowitz inequality
// P(D > ε) <= 2 exp(−2 n ε²): ε below makes that 1e-6.
bool ks_ok(const generator& gen) {
  auto z = draws(gen);
  std::sort(z.begin(), z.end());
  const double n = static_cast<double>(z.size());
  double d = 0.0;
  for (std::size_t i = 0; i < z.size(); ++i) {
    const double f = normal_cdf(z[i]);
    d = std::max({d, (static_cast<double>(i) + 1) / n - f, f - static_cast<double>(i) / n});
  }
  const double eps = std::sqrt(std::log(2.0 / 1e-6) / (2.0 * n));
  CAPTURE(d, eps);
  return d <= eps;
}

// Anderson–Darling against the fully specified N(0, 1): A² = −n − (1/n) Σ (2i − 1)
// [ln Φ(z_(i)) + ln(1 − Φ(z_(n+1−i)))]. Under the null A² → Σ_j χ²₁ / (j(j + 1)); a Chernoff bound
// on that sum gives P(A² > 17) < 1e-6. Weighted towards the tails, unlike KS.
constexpr double kAndersonDarlingMax = 17.0;

bool anderson_darling_ok(const generator& gen) {
  auto z = draws(gen);
  std::sort(z.begin(), z.end());
  const std::size_t n = z.size();
  double sum = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    const double lower = std::log(0.5 * std::erfc(-z[i] / std::sqrt(2.0)));         // ln Φ(z_(i))
    const double upper = std::log(0.5 * std::erfc(z[n - 1 - i] / std::sqrt(2.0)));  // ln(1 − Φ)
    sum += (2.0 * static_cast<double>(i) + 1.0) * (lower + upper);
  }
  const double a2 = -static_cast<double>(n) - sum / static_cast<double>(n);
  CAPTURE(a2, kAndersonDarlingMax);
  return a2 <= kAndersonDarlingMax;
}

// Neighbours: the sample correlation of z_i with z_{i+k}, and of z_i² with z_{i+k}², for lags
// k = 1..8 (inside a Philox counter, across counters, across Box–Muller pairs). For independent
// draws each is ≈ N(0, 1/n) (squares: the same after standardising by var z² = 2).
bool lag_correlations_ok(const generator& gen) {
  const auto z = draws(gen);
  const std::size_t n = z.size();
  bool ok = true;
  for (std::size_t k = 1; k <= 8; ++k) {
    double c1 = 0.0, c2 = 0.0;
    for (std::size_t i = 0; i + k < n; ++i) {
      const double a = z[i], b = z[i + k];
      c1 += a * b;
      c2 += (a * a - 1.0) * (b * b - 1.0);
    }
    const double m = static_cast<double>(n - k);
    const double score1 = c1 / m * std::sqrt(m), score2 = c2 / (2.0 * m) * std::sqrt(m);
    CAPTURE(k, score1, score2);
    ok &= std::abs(score1) <= kStandardErrors && std::abs(score2) <= kStandardErrors;
  }
  return ok;
}

// Negative controls for the lag test: each draw leans on its left neighbour, linearly (ρ ≈ 0.02)
// or only through its scale (corr of squares ≈ 0.04); both keep mean 0 and variance ≈ 1.
const generator kLinked = [](const rng_key& k, std::size_t first, std::span<float> out) {
  sgmc::core::fill_normal(k, first, out);
  for (std::size_t i = out.size() - 1; i > 0; --i)
    out[i] = (out[i] + 0.02f * out[i - 1]) / std::sqrt(1.0004f);
};
const generator kScaleLinked = [](const rng_key& k, std::size_t first, std::span<float> out) {
  sgmc::core::fill_normal(k, first, out);
  for (std::size_t i = out.size() - 1; i > 0; --i)
    out[i] *= std::sqrt(1.0f + 0.04f * (out[i - 1] * out[i - 1] - 1.0f) / (1.0f + 0.04f));
};

// Sampled tails: the count beyond t is binomial(n, p) with p = P(|Z| > t) = erfc(t/√2).
bool sampled_tail_ok(const generator& gen, double t) {
  const auto z = draws(gen);
  const double n = static_cast<double>(z.size());
  const auto count = std::count_if(z.begin(), z.end(), [t](float v) { return std::abs(v) > t; });
  const double p = std::erfc(t / std::sqrt(2.0));
  const double score = (static_cast<double>(count) - n * p) / std::sqrt(n * p * (1 - p));
  CAPTURE(t, count, n * p, score);
  return std::abs(score) <= kStandardErrors;
}

}  // namespace

TEST_CASE("normals have the moments of N(0, 1) within 5 standard errors", "[core][normal]") {
  CHECK(moments_ok(kRight));
  CHECK_FALSE(moments_ok(kWrong));
}

TEST_CASE("normals pass Kolmogorov-Smirnov against N(0, 1) on 2^24 draws", "[core][normal]") {
  CHECK(ks_ok(kRight));
  CHECK_FALSE(ks_ok(kWrong));
}

TEST_CASE("normals pass Anderson-Darling against N(0, 1) on 2^24 draws", "[core][normal]") {
  CHECK(anderson_darling_ok(kRight));
  CHECK_FALSE(anderson_darling_ok(kWrong));
}

TEST_CASE("neighbouring normals and their squares are uncorrelated at lags 1 to 8",
          "[core][normal]") {
  CHECK(lag_correlations_ok(kRight));
  CHECK_FALSE(lag_correlations_ok(kLinked));
  CHECK_FALSE(lag_correlations_ok(kScaleLinked));
}

TEST_CASE("normals fall beyond 1 to 4 sigma as often as N(0, 1)'s", "[core][normal]") {
  // 2^24 draws: about 45000 beyond 3σ and 1060 beyond 4σ (5σ and 6σ: exact_tail test below).
  for (double t : {1.0, 2.0, 3.0, 4.0}) {
    CHECK(sampled_tail_ok(kRight, t));
    CHECK_FALSE(sampled_tail_ok(kWrong, t));
  }
}

namespace {

using pair_transform = std::function<float(std::uint32_t w_radius, std::uint32_t w_angle)>;

const pair_transform kRightPair = [](std::uint32_t w0, std::uint32_t w1) {
  float z0, z1;
  sgmc::core::detail::box_muller(w0, w1, z0, z1);
  return z0;
};
const pair_transform kWrongPair = [](std::uint32_t w0, std::uint32_t w1) {
  return kRightPair(w0, w1) * kWrongScale;
};

// Angle words on which the tail is integrated (midpoints of equal cells of the 32-bit word).
constexpr std::uint32_t kAngleCells = 4096;

// P(|z0| > t) of the transform itself, over all 2^32 radius words: for each angle word on the
// grid, |z0| = r(w0) |cos a| falls as w0 grows, so the number of radius words beyond t is found
// by bisection, and the angles are averaged (the integrand exp(−t²/(2 cos² a)) is smooth: the
// midpoint rule on 4096 cells is exact to < 1e-6 relative).
double exact_tail(const pair_transform& f, double t) {
  double sum = 0.0;
  for (std::uint32_t j = 0; j < kAngleCells; ++j) {
    const std::uint32_t w1 = j * (0x100000000ull / kAngleCells) + (0x80000000u / kAngleCells);
    std::uint64_t lo = 0, hi = 0x100000000ull;  // first w0 with |z0| <= t is in [lo, hi]
    while (lo < hi) {
      const std::uint64_t mid = (lo + hi) / 2;
      if (std::abs(f(static_cast<std::uint32_t>(mid), w1)) > t)
        lo = mid + 1;
      else
        hi = mid;
    }
    sum += static_cast<double>(lo);
  }
  return sum / kAngleCells / 4294967296.0;
}

// The radius word's grid: near the largest radius for t (at cos a = ±1) about 2^32 e^{−t²/2}
// words lie beyond t; a count may be off by 2 words there (u = (⌊w/2⌋ + ½) / 2^31 merges
// words 2k and 2k + 1), a relative error of 2 / that count, plus the quadrature's.
double tail_tolerance(double t) { return 1e-5 + 2.0 / (4294967296.0 * std::exp(-t * t / 2)); }

bool exact_tail_ok(const pair_transform& f, double t) {
  const double got = exact_tail(f, t), want = std::erfc(t / std::sqrt(2.0));
  CAPTURE(t, got, want, got / want - 1, tail_tolerance(t));
  return std::abs(got / want - 1) <= tail_tolerance(t);
}

}  // namespace

TEST_CASE("the transform's tails beyond 1 to 6 sigma are N(0, 1)'s, over all radius words",
          "[core][normal]") {
  for (double t : {1.0, 2.0, 3.0, 4.0, 5.0, 5.5, 6.0}) {
    CHECK(exact_tail_ok(kRightPair, t));
    CHECK_FALSE(exact_tail_ok(kWrongPair, t));
  }
}
