// The rank-normalised diagnostics and the Monte Carlo standard errors (diagnostics.hpp), built
// on ess_basic and rhat_basic (diagnostics.cpp). Φ⁻¹ and the Beta quantile are Boost.Math's.
#include "sgmc/tools/diagnostics.hpp"

#include <boost/math/distributions/beta.hpp>
#include <boost/math/distributions/normal.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace sgmc::tools {

namespace {

constexpr double k_nan = std::numeric_limits<double>::quiet_NaN();
constexpr std::size_t k_min_draws = 4;  // per chain, for the rank statistics (as ArviZ)

bool too_short(const chain_draws& d) {
  return d.chains == 0 || d.draws < k_min_draws ||
         std::any_of(d.values.begin(), d.values.end(), [](double v) { return std::isnan(v); });
}

chain_draws with_values(const chain_draws& d, std::vector<double> values) {
  return chain_draws{d.chains, d.draws, std::move(values)};
}

std::vector<double> sorted_values(const chain_draws& d) {
  std::vector<double> s = d.values;
  std::sort(s.begin(), s.end());
  return s;
}

double sorted_quantile(const std::vector<double>& s, double p) {
  const double h = static_cast<double>(s.size() - 1) * p;
  const auto lo = static_cast<std::size_t>(std::floor(h));
  if (lo + 1 >= s.size()) return s.back();
  return s[lo] + (h - static_cast<double>(lo)) * (s[lo + 1] - s[lo]);
}

// Half the distance between the draws at the ±1 sd quantiles of Beta(ess·p + 1,
// ess·(1−p) + 1): the uncertainty of the rank of the p-quantile, mapped to draws.
double mcse_from_sorted(const std::vector<double>& s, double p, double ess) {
  if (std::isnan(ess)) return k_nan;
  const boost::math::beta_distribution<double> beta(ess * p + 1.0, ess * (1.0 - p) + 1.0);
  const double size = static_cast<double>(s.size());
  const double lo = boost::math::quantile(beta, 0.1586553) * size - 1.0;
  const double hi = boost::math::quantile(beta, 0.8413447) * size - 1.0;
  const auto i = static_cast<std::size_t>(std::nearbyint(std::max(lo, 0.0)));
  const auto j = static_cast<std::size_t>(std::nearbyint(std::min(hi, size - 1.0)));
  return (s[j] - s[i]) / 2.0;
}

}  // namespace

chain_draws rank_normalize(const chain_draws& d) {
  const std::size_t n = d.size();
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return d.values[a] < d.values[b]; });
  std::vector<double> z(n);
  const boost::math::normal_distribution<double> normal;
  const double denom = static_cast<double>(n) + 0.25;
  for (std::size_t i = 0; i < n;) {
    std::size_t j = i;
    while (j + 1 < n && d.values[order[j + 1]] == d.values[order[i]]) ++j;
    const double rank = (static_cast<double>(i) + static_cast<double>(j)) / 2.0 + 1.0;
    const double value = boost::math::quantile(normal, (rank - 0.375) / denom);
    for (std::size_t k = i; k <= j; ++k) z[order[k]] = value;
    i = j + 1;
  }
  return with_values(d, std::move(z));
}

chain_draws fold(const chain_draws& d) {
  const double median = quantile(d, 0.5);
  std::vector<double> v(d.values);
  for (double& x : v) x = std::abs(x - median);
  return with_values(d, std::move(v));
}

chain_draws indicator(const chain_draws& d, double threshold) {
  std::vector<double> v(d.values);
  for (double& x : v) x = x <= threshold ? 1.0 : 0.0;
  return with_values(d, std::move(v));
}

double quantile(const chain_draws& d, double p) {
  if (d.size() == 0) return k_nan;
  return sorted_quantile(sorted_values(d), p);
}

double ess_bulk(const chain_draws& d) {
  if (too_short(d)) return k_nan;
  return ess_basic(rank_normalize(split_chains(d)));
}

double ess_mean(const chain_draws& d) {
  if (too_short(d)) return k_nan;
  return ess_basic(split_chains(d));
}

double ess_quantile(const chain_draws& d, double p) {
  if (too_short(d)) return k_nan;
  return ess_basic(split_chains(indicator(d, quantile(d, p))));
}

double ess_tail(const chain_draws& d) {
  if (too_short(d)) return k_nan;
  return std::min(ess_quantile(d, 0.05), ess_quantile(d, 0.95));
}

double rhat(const chain_draws& d) {
  if (too_short(d)) return k_nan;
  const double bulk = rhat_basic(rank_normalize(split_chains(d)));
  const double tail = rhat_basic(rank_normalize(split_chains(fold(d))));
  if (std::isnan(bulk) || std::isnan(tail)) return k_nan;
  return std::max(bulk, tail);
}

double mcse_mean(const chain_draws& d) {
  if (too_short(d)) return k_nan;
  const double n = static_cast<double>(d.size());
  const double mean = std::accumulate(d.values.begin(), d.values.end(), 0.0) / n;
  double ss = 0;
  for (double v : d.values) ss += (v - mean) * (v - mean);
  return std::sqrt(ss / (n - 1.0)) / std::sqrt(ess_mean(d));
}

double mcse_quantile(const chain_draws& d, double p) {
  if (too_short(d)) return k_nan;
  return mcse_from_sorted(sorted_values(d), p, ess_quantile(d, p));
}

draw_summary summarize(const chain_draws& d) {
  draw_summary s;
  const double n = static_cast<double>(d.size());
  if (d.size() == 0) return s;
  s.mean = std::accumulate(d.values.begin(), d.values.end(), 0.0) / n;
  double ss = 0;
  for (double v : d.values) ss += (v - s.mean) * (v - s.mean);
  s.sd = d.size() > 1 ? std::sqrt(ss / (n - 1.0)) : k_nan;
  const auto sorted = sorted_values(d);
  s.q05 = sorted_quantile(sorted, 0.05);
  s.q50 = sorted_quantile(sorted, 0.5);
  s.q95 = sorted_quantile(sorted, 0.95);
  s.mcse_mean = mcse_mean(d);
  const bool short_chains = too_short(d);
  s.mcse_q05 = short_chains ? k_nan : mcse_from_sorted(sorted, 0.05, ess_quantile(d, 0.05));
  s.mcse_q50 = short_chains ? k_nan : mcse_from_sorted(sorted, 0.5, ess_quantile(d, 0.5));
  s.mcse_q95 = short_chains ? k_nan : mcse_from_sorted(sorted, 0.95, ess_quantile(d, 0.95));
  s.ess_bulk = ess_bulk(d);
  s.ess_tail = ess_tail(d);
  s.rhat = rhat(d);
  return s;
}

}  // namespace sgmc::tools
