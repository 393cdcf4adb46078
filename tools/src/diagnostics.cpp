// ESS and R-hat of chains as given (diagnostics.hpp); the rank-normalised versions built on
// them are in diagnostics_rank.cpp.
#include "sgmc/tools/diagnostics.hpp"

#include <fftw3.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <mutex>
#include <numeric>

namespace sgmc::tools {

namespace {

constexpr double k_nan = std::numeric_limits<double>::quiet_NaN();

// FFTW's planner is not thread-safe; executing a plan on its own buffers is.
std::mutex& planner_mutex() {
  static std::mutex m;
  return m;
}

// The smallest 2^a 3^b 5^c >= n (sizes FFTW transforms fastest).
std::size_t fast_length(std::size_t n) {
  std::size_t best = std::numeric_limits<std::size_t>::max();
  for (std::size_t p5 = 1; p5 < 2 * n + 2; p5 *= 5)
    for (std::size_t p3 = p5; p3 < 2 * n + 2; p3 *= 3) {
      std::size_t v = p3;
      while (v < n) v *= 2;
      best = std::min(best, v);
    }
  return best;
}

struct fftw_deleter {
  void operator()(void* p) const { fftw_free(p); }
};

double mean_of(std::span<const double> x) {
  return std::accumulate(x.begin(), x.end(), 0.0) / static_cast<double>(x.size());
}

// Sample variance (ddof 1) of x.
double variance_of(std::span<const double> x) {
  const double m = mean_of(x);
  double s = 0;
  for (double v : x) s += (v - m) * (v - m);
  return s / static_cast<double>(x.size() - 1);
}

bool has_nan(const chain_draws& d) {
  return std::any_of(d.values.begin(), d.values.end(), [](double v) { return std::isnan(v); });
}

// τ̂ = −1 + 2 Σ_{t ≤ max_t} ρ̂_t + ρ̂_{max_t + 1} over Geyer's initial positive sequence made
// monotone, ρ̂_t = 1 − (mean_var − mean_m acov_m(t)) / var_plus (the loop of ArviZ's _ess).
double geyer_tau(const std::vector<std::vector<double>>& acov, double mean_var, double var_plus,
                 long n) {
  auto rho_at = [&](long t) {
    double s = 0;
    for (const auto& a : acov) s += a[static_cast<std::size_t>(t)];
    return 1.0 - (mean_var - s / static_cast<double>(acov.size())) / var_plus;
  };
  std::vector<double> rho(static_cast<std::size_t>(n), 0.0);
  auto at = [&](long t) -> double& { return rho[static_cast<std::size_t>(t)]; };
  double even = 1.0, odd = rho_at(1);
  at(0) = even;
  at(1) = odd;
  long t = 1;
  while (t < n - 3 && even + odd > 0.0) {
    even = rho_at(t + 1);
    odd = rho_at(t + 2);
    if (even + odd >= 0) {
      at(t + 1) = even;
      at(t + 2) = odd;
    }
    t += 2;
  }
  const long max_t = t - 2;
  if (even > 0) at(max_t + 1) = even;
  for (long u = 1; u <= max_t - 2; u += 2)
    if (at(u + 1) + at(u + 2) > at(u - 1) + at(u)) {
      at(u + 1) = (at(u - 1) + at(u)) / 2.0;
      at(u + 2) = at(u + 1);
    }
  double tau = -1.0;
  for (long u = 0; u <= max_t; ++u) tau += 2.0 * at(u);
  if (max_t + 1 < n) tau += at(max_t + 1);
  if (std::any_of(rho.begin(), rho.end(), [](double r) { return std::isnan(r); })) return k_nan;
  return tau;
}

}  // namespace

std::vector<double> autocovariance(std::span<const double> x) {
  const std::size_t n = x.size();
  if (n == 0) return {};
  const std::size_t m = fast_length(2 * n);
  std::unique_ptr<double, fftw_deleter> in(fftw_alloc_real(m));
  std::unique_ptr<fftw_complex, fftw_deleter> spec(fftw_alloc_complex(m / 2 + 1));
  fftw_plan forward = nullptr, backward = nullptr;
  {
    std::lock_guard lock(planner_mutex());
    const int size = static_cast<int>(m);
    forward = fftw_plan_dft_r2c_1d(size, in.get(), spec.get(), FFTW_ESTIMATE);
    backward = fftw_plan_dft_c2r_1d(size, spec.get(), in.get(), FFTW_ESTIMATE);
  }
  const double mean = mean_of(x);
  for (std::size_t i = 0; i < m; ++i) in.get()[i] = i < n ? x[i] - mean : 0.0;
  fftw_execute(forward);
  for (std::size_t k = 0; k < m / 2 + 1; ++k) {
    double* c = spec.get()[k];
    c[0] = c[0] * c[0] + c[1] * c[1];
    c[1] = 0.0;
  }
  fftw_execute(backward);  // unnormalised: m times the inverse transform
  std::vector<double> acov(n);
  for (std::size_t t = 0; t < n; ++t)
    acov[t] = in.get()[t] / static_cast<double>(m) / static_cast<double>(n);
  {
    std::lock_guard lock(planner_mutex());
    fftw_destroy_plan(forward);
    fftw_destroy_plan(backward);
  }
  return acov;
}

chain_draws split_chains(const chain_draws& d) {
  const std::size_t half = d.draws / 2;
  chain_draws out{2 * d.chains, half, {}};
  out.values.reserve(out.chains * half);
  for (std::size_t c = 0; c < d.chains; ++c) {
    auto x = d.chain(c);
    out.values.insert(out.values.end(), x.begin(), x.begin() + static_cast<std::ptrdiff_t>(half));
    out.values.insert(out.values.end(), x.end() - static_cast<std::ptrdiff_t>(half), x.end());
  }
  return out;
}

double rhat_basic(const chain_draws& d) {
  if (d.chains == 0 || d.draws < 2 || has_nan(d)) return k_nan;
  std::vector<double> means(d.chains);
  double within = 0;
  for (std::size_t c = 0; c < d.chains; ++c) {
    means[c] = mean_of(d.chain(c));
    within += variance_of(d.chain(c));
  }
  within /= static_cast<double>(d.chains);
  const double n = static_cast<double>(d.draws);
  const double between = d.chains > 1 ? n * variance_of(means) : 0.0;
  if (!(within > 0)) return k_nan;
  return std::sqrt((between / within + n - 1) / n);
}

double ess_basic(const chain_draws& d) {
  if (d.chains == 0 || d.draws < 4 || has_nan(d)) return k_nan;
  const auto [lo, hi] = std::minmax_element(d.values.begin(), d.values.end());
  const double size = static_cast<double>(d.size());
  if (*hi - *lo < 1e-15) return size;  // numpy's float64 resolution, as ArviZ
  const std::size_t n = d.draws;
  std::vector<std::vector<double>> acov(d.chains);
  std::vector<double> means(d.chains);
  double mean_var = 0;
  for (std::size_t c = 0; c < d.chains; ++c) {
    acov[c] = autocovariance(d.chain(c));
    means[c] = mean_of(d.chain(c));
    mean_var += acov[c][0];
  }
  const double nd = static_cast<double>(n);
  mean_var = mean_var / static_cast<double>(d.chains) * nd / (nd - 1.0);
  double var_plus = mean_var * (nd - 1.0) / nd;
  if (d.chains > 1) var_plus += variance_of(means);
  double tau = geyer_tau(acov, mean_var, var_plus, static_cast<long>(n));
  if (std::isnan(tau)) return k_nan;
  tau = std::max(tau, 1.0 / std::log10(size));
  return size / tau;
}

}  // namespace sgmc::tools
