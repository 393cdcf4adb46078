// The distribution of fill_normal: moments, tails out to 6σ, and the Kolmogorov–Smirnov
// distance, with tolerances from the statistics' standard errors. Each check also runs on a
// negative control — the same draws scaled by 1.01 — and must fail there, so that every test
// can fail.

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

TEST_CASE("normals fall beyond 3 and 4 sigma as often as N(0, 1)'s", "[core][normal]") {
  // 2^24 draws: about 45000 beyond 3σ and 1060 beyond 4σ (5σ and 6σ: exact_tail test below).
  for (double t : {3.0, 4.0}) {
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
// words lie beyond t; a count may be off by 2 words there (u = float(w | 1) / 2^32 merges
// words 2k and 2k + 1), a relative error of 2 / that count, plus the quadrature's.
double tail_tolerance(double t) { return 1e-5 + 2.0 / (4294967296.0 * std::exp(-t * t / 2)); }

bool exact_tail_ok(const pair_transform& f, double t) {
  const double got = exact_tail(f, t), want = std::erfc(t / std::sqrt(2.0));
  CAPTURE(t, got, want, got / want - 1, tail_tolerance(t));
  return std::abs(got / want - 1) <= tail_tolerance(t);
}

}  // namespace

TEST_CASE("the transform's tails beyond 3 to 6 sigma are N(0, 1)'s, over all radius words",
          "[core][normal]") {
  for (double t : {3.0, 4.0, 5.0, 5.5, 6.0}) {
    CHECK(exact_tail_ok(kRightPair, t));
    CHECK_FALSE(exact_tail_ok(kWrongPair, t));
  }
}
