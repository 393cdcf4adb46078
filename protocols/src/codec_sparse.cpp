// Sparsifying codecs: random-sparse (Wangni et al. 2018), atomo-entry (ATOMO, Wang et al. 2018,
// on entry atoms) and topk with error feedback. They share one body:
//   u32 count, count u32 indices (strictly increasing, < dim), count f32 values.

#include "codec_impl.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <numeric>

namespace sgmc::protocols {

namespace {

/// λ of p_i = min(λ |v_i|, 1) where the j largest |v_i| are saturated and
/// λ = lambda(j, S_j, Q_j) for the smallest j with λ |v|_(j) ≤ 1 (|v|_(j): decreasing order;
/// S_j, Q_j: sums of |v| and v² over the rest); ∞ when every nonzero saturates. At most
/// max_saturated values saturate, so only that many are sorted (nth_element, then sort).
template <class T, class Lambda>
double saturating(std::span<const T> v, std::size_t max_saturated, Lambda lambda) {
  std::vector<T> top;
  double s = 0, q = 0;
  for (T x : v) {
    const T a = std::fabs(x);
    if (a > 0) top.push_back(a);
    s += a;
    q += double(a) * a;
  }
  const std::size_t k = std::min(top.size(), max_saturated + 1);
  if (k < top.size()) std::nth_element(top.begin(), top.begin() + k, top.end(), std::greater<>());
  std::sort(top.begin(), top.begin() + static_cast<std::ptrdiff_t>(k), std::greater<>());
  for (std::size_t j = 0; j < k && s > 0; ++j) {
    const double l = lambda(j, s, q);
    if (l * top[j] <= 1.0) return l;
    s -= top[j];
    q -= double(top[j]) * top[j];
  }
  return std::numeric_limits<double>::infinity();
}

template <class T>
double count_lambda(std::span<const T> v, double budget) {
  const auto max_saturated = static_cast<std::size_t>(std::max(0.0, std::ceil(budget)));
  return saturating(v, max_saturated,
                    [&](std::size_t j, double s, double) { return (budget - j) / s; });
}

/// Wangni et al.'s greedy iteration (their Algorithm 3) for Σ p_i = budget: p⁰ = min(λ⁰|x_i|, 1)
/// with λ⁰ = budget / ‖x‖₁, then λ ← c λ, c = (budget − #saturated) / Σ_unsaturated p_i, while
/// c > 1. Every p_i stays of the form min(λ |x_i|, 1).
double greedy_lambda(std::span<const float> x, double budget, std::size_t iterations) {
  double total = 0;
  for (float v : x) total += std::fabs(v);
  if (total == 0) return 0.0;
  double lam = budget / total;
  for (std::size_t it = 0; it < iterations; ++it) {
    double saturated = 0, rest = 0;
    for (float v : x) {
      const double pi = lam * std::fabs(v);
      if (pi >= 1.0) {
        saturated += 1;
      } else {
        rest += pi;
      }
    }
    if (rest == 0) break;
    const double c = (budget - saturated) / rest;
    if (c <= 1.0) break;
    lam *= c;
  }
  return lam;
}

template <class T>
std::vector<double> probabilities(std::span<const T> v, double lam) {
  std::vector<double> p(v.size(), 0.0);
  for (std::size_t i = 0; i < v.size(); ++i) {
    const double a = std::fabs(static_cast<double>(v[i]));
    p[i] = a > 0 ? std::min(lam * a, 1.0) : 0.0;
  }
  return p;
}

}  // namespace

std::vector<double> keep_probabilities_count(std::span<const double> a, double budget) {
  return probabilities(a, count_lambda(a, budget));
}

std::vector<double> keep_probabilities(std::span<const float> x, const codec_params& p) {
  return probabilities(x, codec_detail::keep_lambda(x, p));
}

namespace codec_detail {

double keep_lambda(std::span<const float> x, const codec_params& p) {
  if (p.kind == codec_kind::atomo_entry) return count_lambda(x, p.atoms);
  const double budget = p.fraction * static_cast<double>(x.size());
  if (p.budget == sparse_budget::variance) {
    double norm2 = 0;
    for (float v : x) norm2 += double(v) * v;
    const double target = p.variance * norm2;
    return saturating(x, x.size(),
                      [&](std::size_t, double s, double q) { return s / (target + q); });
  }
  if (p.solver == sparse_solver::greedy) return greedy_lambda(x, budget, p.greedy_iterations);
  return count_lambda(x, budget);
}

namespace {

void put_sparse(writer& w, std::span<const std::uint32_t> idx, std::span<const float> val) {
  w.put(static_cast<std::uint32_t>(idx.size()));
  w.put_span(idx);
  w.put_span(val);
}

void encode_random(const codec_params& p, std::span<const float> x, const core::rng_key& key,
                   writer& w) {
  const double lam = keep_lambda(x, p);
  std::vector<std::uint32_t> u(x.size()), idx;
  core::fill_bits(key, 0, u);
  std::vector<float> val;
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double a = std::fabs(static_cast<double>(x[i]));
    if (a == 0) continue;
    const double pi = std::min(lam * a, 1.0);
    if (word_uniform(u[i]) < pi) {
      idx.push_back(static_cast<std::uint32_t>(i));
      val.push_back(static_cast<float>(x[i] / pi));
    }
  }
  put_sparse(w, idx, val);
}

void encode_topk(const codec_params& p, std::span<const float> x, std::vector<float>& e,
                 writer& w) {
  const std::size_t d = x.size();
  for (std::size_t i = 0; i < d; ++i) e[i] += x[i];  // e now holds x + e, the accumulated update
  const auto k = std::clamp<std::size_t>(
      static_cast<std::size_t>(std::ceil(p.fraction * static_cast<double>(d))), d ? 1 : 0, d);
  std::vector<std::uint32_t> idx(d);
  std::iota(idx.begin(), idx.end(), 0u);
  auto larger = [&](std::uint32_t i, std::uint32_t j) {
    const float a = std::fabs(e[i]), b = std::fabs(e[j]);
    return a > b || (a == b && i < j);
  };
  if (k < d) std::nth_element(idx.begin(), idx.begin() + k, idx.end(), larger);
  idx.resize(k);
  std::sort(idx.begin(), idx.end());
  std::vector<float> val(k);
  for (std::size_t j = 0; j < k; ++j) {
    val[j] = e[idx[j]];
    e[idx[j]] = 0.0f;  // sent: nothing of it is left over
  }
  put_sparse(w, idx, val);
}

}  // namespace

void encode_sparse(const codec_params& p, std::span<const float> x, const core::rng_key& key,
                   std::vector<float>& residual, writer& w) {
  if (p.kind == codec_kind::topk) return encode_topk(p, x, residual, w);
  encode_random(p, x, key, w);
}

expected<void> decode_sparse(const codec_params& p, reader& r, std::span<float> out) {
  std::uint32_t count = 0;
  if (!r.get(count)) return malformed(p.kind, "buffer ends before the count");
  if (count > out.size()) {
    return malformed(p.kind, fmt::format("count {} exceeds dim {}", count, out.size()));
  }
  if (r.remaining() != std::size_t{count} * 8) {
    return malformed(p.kind, fmt::format("{} bytes for {} entries where {} expected", r.remaining(),
                                         count, std::size_t{count} * 8));
  }
  std::vector<std::uint32_t> idx(count);
  std::vector<float> val(count);
  (void)r.get_span(std::span<std::uint32_t>(idx));
  (void)r.get_span(std::span<float>(val));
  std::fill(out.begin(), out.end(), 0.0f);
  for (std::size_t j = 0; j < count; ++j) {
    if (idx[j] >= out.size() || (j > 0 && idx[j] <= idx[j - 1])) {
      return malformed(p.kind, fmt::format("index {} at entry {} is out of order or beyond dim {}",
                                           idx[j], j, out.size()));
    }
    out[idx[j]] = val[j];
  }
  return {};
}

}  // namespace codec_detail
}  // namespace sgmc::protocols
