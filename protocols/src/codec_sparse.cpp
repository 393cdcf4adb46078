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

/// p_i = min(λ a_i, 1) where the j largest are saturated and λ = lambda(j, S_j, Q_j) for the
/// smallest j with λ a_(j) ≤ 1 (a_(j): a in decreasing order; S_j, Q_j: sums of a and a² over
/// the rest). At most max_saturated values saturate, so only that many are sorted.
template <class Lambda>
std::vector<double> saturating(std::span<const double> a, std::size_t max_saturated,
                               Lambda lambda) {
  std::vector<double> top;
  double s = 0, q = 0;
  for (double v : a) {
    if (v > 0) top.push_back(v);
    s += v;
    q += v * v;
  }
  const std::size_t k = std::min(top.size(), max_saturated + 1);
  if (k < top.size()) std::nth_element(top.begin(), top.begin() + k, top.end(), std::greater<>());
  std::sort(top.begin(), top.begin() + static_cast<std::ptrdiff_t>(k), std::greater<>());
  double lam = std::numeric_limits<double>::infinity();  // every nonzero kept unless found
  for (std::size_t j = 0; j < k && s > 0; ++j) {
    const double l = lambda(j, s, q);
    if (l * top[j] <= 1.0) {
      lam = l;
      break;
    }
    s -= top[j];
    q -= top[j] * top[j];
  }
  std::vector<double> p(a.size(), 0.0);
  for (std::size_t i = 0; i < a.size(); ++i) p[i] = a[i] > 0 ? std::min(lam * a[i], 1.0) : 0.0;
  return p;
}

std::vector<double> abs_of(std::span<const float> x) {
  std::vector<double> a(x.size());
  for (std::size_t i = 0; i < x.size(); ++i) a[i] = std::fabs(static_cast<double>(x[i]));
  return a;
}

/// Wangni et al.'s greedy iteration (their Algorithm 3) for Σ p_i = budget.
std::vector<double> greedy(std::span<const double> a, double budget, std::size_t iterations) {
  const double total = std::accumulate(a.begin(), a.end(), 0.0);
  std::vector<double> p(a.size(), 0.0);
  if (total == 0) return p;
  for (std::size_t i = 0; i < a.size(); ++i) p[i] = std::min(budget * a[i] / total, 1.0);
  for (std::size_t it = 0; it < iterations; ++it) {
    double saturated = 0, rest = 0;
    for (double pi : p) (pi >= 1.0 ? saturated : rest) += pi >= 1.0 ? 1.0 : pi;
    if (rest == 0) break;
    const double c = (budget - saturated) / rest;
    if (c <= 1.0) break;
    for (double& pi : p) pi = std::min(c * pi, 1.0);
  }
  return p;
}

}  // namespace

std::vector<double> keep_probabilities_count(std::span<const double> a, double budget) {
  const auto max_saturated = static_cast<std::size_t>(std::max(0.0, std::ceil(budget)));
  return saturating(a, max_saturated,
                    [&](std::size_t j, double s, double) { return (budget - j) / s; });
}

std::vector<double> keep_probabilities(std::span<const float> x, const codec_params& p) {
  const auto a = abs_of(x);
  if (p.kind == codec_kind::atomo_entry) return keep_probabilities_count(a, p.atoms);
  const double budget = p.fraction * static_cast<double>(x.size());
  if (p.budget == sparse_budget::variance) {
    double norm2 = 0;
    for (double v : a) norm2 += v * v;
    const double target = p.variance * norm2;
    return saturating(a, a.size(),
                      [&](std::size_t, double s, double q) { return s / (target + q); });
  }
  if (p.solver == sparse_solver::greedy) return greedy(a, budget, p.greedy_iterations);
  return keep_probabilities_count(a, budget);
}

namespace codec_detail {
namespace {

void put_sparse(writer& w, std::span<const std::uint32_t> idx, std::span<const float> val) {
  w.put(static_cast<std::uint32_t>(idx.size()));
  w.put_span(idx);
  w.put_span(val);
}

void encode_random(const codec_params& p, std::span<const float> x, const core::rng_key& key,
                   writer& w) {
  const auto prob = keep_probabilities(x, p);
  std::vector<std::uint32_t> u(x.size()), idx;
  core::fill_bits(key, 0, u);
  std::vector<float> val;
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (prob[i] > 0 && word_uniform(u[i]) < prob[i]) {
      idx.push_back(static_cast<std::uint32_t>(i));
      val.push_back(static_cast<float>(x[i] / prob[i]));
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
